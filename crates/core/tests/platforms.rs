//! Every shipped scenario gives the same report, trace hash included, natively and in wasm
//! (this file runs under `cargo test` and under wasm-bindgen-test in headless Chromium).
//! Scenarios and golden reports are compiled in, since a wasm test cannot read files.

use eos_core::run::report::Report;
use eos_core::run::scenario::Scenario;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

macro_rules! shipped {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../assets/scenarios/", $name, ".json")),
            include_str!(concat!("../../../tests/golden/reports/", $name, ".json")),
        )
    };
}

/// (name, scenario, golden report) for every file in `assets/scenarios/`.
const SHIPPED: &[(&str, &str, &str)] = &[
    shipped!("01-at-most-once"),
    shipped!("02-at-least-once"),
    shipped!("02-slow-consumer-leaves-its-group"),
    shipped!("03-two-generals"),
    shipped!("04-effect-once"),
    shipped!("05-pid-epoch-sequence"),
    shipped!("06-dedup-last-five-batches"),
    shipped!("07-14-hand-made-partition-requests-transaction-v2"),
    shipped!("07-out-of-order-sequence"),
    shipped!("08-dedup-scope-is-one-session"),
    shipped!("09-acks-1-leader-failover-loses-acked-write"),
    shipped!("09-acks-1-turns-idempotence-off"),
    shipped!("09-acks-all-survives-failover"),
    shipped!("09-partial-fetches-and-a-chosen-leader"),
    shipped!("10-14-hand-made-coordinator-requests"),
    shipped!("10-14-hand-made-requests-transaction-v2"),
    shipped!("10-14-transactional-id-expires"),
    shipped!("10-20-hand-made-produce-request-fields"),
    shipped!("10-transactional-id-and-the-transaction-log"),
    shipped!("11-atomic-write-to-two-topics"),
    shipped!("12-two-phase-commit-step-by-step"),
    shipped!("13-19-20-open-transaction-holds-the-lso"),
    shipped!("14-20-late-zombie-write-committed-without-verification"),
    shipped!("14-zombie-fencing"),
    shipped!("15-transaction-timeout-aborts-good-work"),
    shipped!("16-shared-transactional-id-fences-over-and-over"),
    shipped!("17-coordinator-failover"),
    shipped!("17-coordinator-failure-mid-commit"),
    shipped!("17-not-coordinator-and-load-in-progress"),
    shipped!("18-19-20-fetch-min-bytes-waits-for-data"),
    shipped!("18-19-seek-to-end-stops-at-the-lso"),
    shipped!("18-21-aborted-records-are-skipped"),
    shipped!("18-21-hand-made-fetch-and-delete-records"),
    shipped!("20-admin-abort-of-a-live-transaction-breaks-atomicity"),
    shipped!("20-hanging-transaction-found-and-aborted"),
    shipped!("20-late-write-after-a-given-up-send-is-committed"),
    shipped!("20-transaction-v1-lets-a-late-write-hang"),
    shipped!("20-transaction-v2-refuses-a-late-write"),
    shipped!("20-verification-refuses-a-hanging-write"),
    shipped!("22-consume-transform-produce"),
    shipped!("22-consume-transform-produce-transaction-v2"),
    shipped!("22-consumer-offsets-log"),
    shipped!("22-offset-commit-and-fetch-by-hand"),
    shipped!("22-txn-offset-commit-checks-the-group"),
    shipped!("23-auto-commit-breaks-exactly-once"),
    shipped!("24-side-effect-twice"),
    shipped!("25-idempotent-consumer"),
    shipped!("25-outbox"),
    shipped!("26-cost-one-record-per-transaction"),
    shipped!("26-cost-six-records-in-one-transaction"),
    shipped!("27-streams-exactly-once"),
    shipped!("27-streams-exactly-once-v2"),
    shipped!("27-streams-v2-zombie-fenced-by-group-generation"),
    shipped!("28-one-transaction-per-checkpoint"),
];

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_shipped_scenario_reports_as_its_golden_file_on_this_platform() {
    for (name, text, golden) in SHIPPED {
        let scenario = Scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = Report::new(&scenario, &run).to_json() + "\n";
        assert_eq!(
            &report, golden,
            "{name}: report differs from its golden file"
        );
    }
}

// A share link carries the whole scenario, its script included: decoding what was encoded gives
// it back, on every target (a link made in the browser opens in the CLI).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn every_shipped_scenario_survives_a_share_link() {
    for (name, text, _) in SHIPPED {
        let scenario = Scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let lab = eos_core::run::share::SharedLab::at_start(scenario);
        let link = eos_core::run::share::encode(&lab);
        // Browsers keep fragments of many kilobytes; a lesson's link should still paste easily.
        assert!(
            link.len() < 4096,
            "{name}: a link of {} characters",
            link.len()
        );
        let back = eos_core::run::share::decode(&link).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, eos_core::run::share::SharedLink::Lab(lab), "{name}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_compiled_in_list_names_every_shipped_scenario() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .into_string()
                .ok()?
                .strip_suffix(".json")
                .map(str::to_owned)
        })
        .collect();
    on_disk.sort();
    let listed: Vec<String> = SHIPPED.iter().map(|(n, _, _)| (*n).to_owned()).collect();
    assert_eq!(listed, on_disk, "add new scenarios to SHIPPED in this file");
}
