//! `eos-lab explore` and `eos-lab matrix` as a team runs them in a script: what they print,
//! the exit code a CI job reads, the replay command that finds the same run again, and clear
//! errors for bad flags and files.

use eos_core::Scenario;
use std::process::Output;

mod support;
use support::{eos_lab, stderr, stdout};

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("JSON on standard output")
}

#[test]
fn a_weaker_setting_prints_its_anomaly_as_expected_with_a_replay_command() {
    let out = eos_lab(&["explore", "--setting", "idempotence-off", "--runs", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("duplicate (Jepsen: duplicate), guarantee no_duplicate_write"),
        "{text}"
    );
    assert!(text.contains("expected for this configuration: a producer without idempotence"));
    assert!(text.contains("<- broken here"), "{text}");
    assert!(
        text.contains(
            "replay: eos-lab explore --setting idempotence-off --seed 0 --runs 1 --steps 200"
        ),
        "{text}"
    );
    assert!(stderr(&out).contains("2/2 runs"), "{}", stderr(&out));
}

#[test]
fn the_replay_command_finds_the_same_shrunk_run_and_its_scenario_breaks_the_guarantee() {
    let first = json(&eos_lab(&[
        "explore",
        "--setting",
        "acks-1",
        "--runs",
        "11",
        "--json",
    ]));
    let lost = first["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .find(|a| a["guarantee"] == "no_acknowledged_write_lost")
        .expect("acks=1 loses a write in 11 runs")
        .clone();
    let replay = lost["replay"].as_str().expect("a replay command");
    let args: Vec<&str> = replay.split(' ').skip(1).chain(["--json"]).collect();
    let again = json(&eos_lab(&args));
    let same = again["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .find(|a| a["guarantee"] == "no_acknowledged_write_lost")
        .expect("found again");
    assert_eq!(same["scenario"], lost["scenario"]);
    let scenario = Scenario::parse(&lost["scenario"].to_string()).expect("a scenario file");
    let run = scenario.run().expect("it plays");
    assert!(
        run.world
            .invariants()
            .status("no_acknowledged_write_lost")
            .and_then(|s| s.broken.as_ref())
            .is_some()
    );
}

#[test]
fn the_output_does_not_depend_on_the_number_of_threads() {
    let args = [
        "explore",
        "--setting",
        "read-uncommitted",
        "--runs",
        "6",
        "--steps",
        "80",
    ];
    let one = eos_lab(&[&args[..], &["--jobs", "1"]].concat());
    let three = eos_lab(&[&args[..], &["--jobs", "3"]].concat());
    assert_eq!(stdout(&one), stdout(&three));
}

#[test]
fn an_anomaly_the_configuration_is_meant_to_prevent_exits_3() {
    let out = eos_lab(&[
        "explore",
        "--setting",
        "auto-commit-with-transactions",
        "--seed",
        "174",
        "--runs",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("poll skip (Jepsen: poll-skip)"), "{text}");
    assert!(text.contains("NOT expected"), "{text}");
}

#[test]
fn the_safe_setting_and_a_shipped_scenario_s_world_find_nothing_unexpected() {
    let out = eos_lab(&["explore", "--setting", "safe", "--runs", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no anomaly found"),
        "{}",
        stdout(&out)
    );
    let out = eos_lab(&[
        "explore",
        "--scenario",
        "assets/scenarios/25-idempotent-consumer.json",
        "--runs",
        "3",
        "--json",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    assert_eq!(json(&out)["runs"], 3);
}

#[test]
fn the_matrix_has_a_row_per_setting_and_a_growth_series() {
    let out = eos_lab(&["matrix", "--runs", "2", "--steps", "60", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let matrix = json(&out);
    let rows = matrix["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), eos_core::explore::settings::catalogue().len());
    assert_eq!(rows[0]["setting"], "safe");
    assert_eq!(matrix["budgets"], serde_json::json!([1, 2]));
    for row in rows {
        assert_eq!(row["cells"].as_array().map(Vec::len), Some(9));
        assert_eq!(row["found_by_budget"].as_array().map(Vec::len), Some(2));
    }
    let table = stdout(&eos_lab(&["matrix", "--runs", "1", "--steps", "30"]));
    assert!(table.contains("setting"), "{table}");
    assert!(table.contains("poll skip"), "{table}");
}

#[test]
fn bad_flags_and_files_are_clear_errors_never_a_panic() {
    let cases: [(&[&str], i32, &str); 8] = [
        (&["explore"], 2, "explore needs --setting NAME"),
        (
            &["explore", "--setting", "nope"],
            2,
            "unknown setting `nope`; the settings are safe",
        ),
        (
            &["explore", "--setting", "safe", "--runs", "x"],
            2,
            "--runs wants a whole number, not `x`",
        ),
        (
            &["explore", "--setting", "safe", "--jobs", "0"],
            2,
            "--jobs wants 1 to 64",
        ),
        (
            &["explore", "--config", "/nonexistent/c.json"],
            1,
            "/nonexistent/c.json: ",
        ),
        (&["explore", "--scenario", "Cargo.toml"], 1, "Cargo.toml: "),
        (&["matrix", "--seed", "1"], 2, "unknown argument `--seed`"),
        (
            &["matrix", "--runs", "999999"],
            2,
            "more than the 5000 runs",
        ),
    ];
    for (args, code, message) in cases {
        let out = eos_lab(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    // A configuration file with a mistake names the line and the key.
    let dir = std::env::temp_dir().join(format!("eos-lab-explore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"producers\": [{\"id\": \"p1\", \"acks\": \"2\"}]\n}\n",
    )
    .expect("written");
    let out = eos_lab(&["explore", "--config", bad.to_str().expect("a path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        r#"{"producers": [{"id": "p1", "acks": "1"}], "consumers": []}"#,
    )
    .expect("written");
    let out = eos_lab(&[
        "explore",
        "--config",
        good.to_str().expect("a path"),
        "--runs",
        "3",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
