//! Browser tests of editing a client's settings from its card and of the kept branches: mount
//! the whole app in headless Chromium, change a setting or pick a branch like a user, and check
//! that the page shows what the core computes. Run with
//! `cargo test -p eos-web --target wasm32-unknown-unknown --test editing`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::config::Acks;
use eos_core::{Action, ClientId, World};
use eos_web::components::producer_card::suggested_record;
use eos_web::scenarios::Origin;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, find, load_styles, mount_app, select_option, text, type_into};

const LOG_0: &str = "#partition-log-payments-0";

/// Picks the option whose words are `words` in a select, as a user would.
async fn choose(root: &Element, select: &str, words: &str) {
    select_option(root, select, |t| t == words).await;
}

/// The words of every option of a select, and which one is selected.
fn options(root: &Element, select: &str) -> (Vec<String>, usize) {
    let select = find(root, select)
        .dyn_into::<HtmlSelectElement>()
        .expect("a select");
    let words = all(&select, "option")
        .iter()
        .map(|o| o.text_content().unwrap_or_default())
        .collect();
    (words, usize::try_from(select.selected_index()).unwrap_or(0))
}

/// The `data-offset` of every record in a partition's log, in page order.
fn offsets(root: &Element, log: &str) -> Vec<String> {
    all(root, &format!("{log} li.record"))
        .iter()
        .filter_map(|r| r.get_attribute("data-offset"))
        .collect()
}

/// A setting's value as the card lists it.
fn setting(root: &Element, card: &str, key: &str) -> String {
    all(root, &format!("{card} .settings .setting"))
        .iter()
        .find(|s| {
            s.query_selector("dt")
                .ok()
                .flatten()
                .and_then(|dt| dt.text_content())
                .is_some_and(|t| t == key)
        })
        .and_then(|s| s.query_selector("dd").ok().flatten())
        .and_then(|dd| dd.text_content())
        .unwrap_or_else(|| panic!("{card} lists no {key}"))
}

fn send_p1(n: usize) -> Action {
    let (key, value) = suggested_record(n);
    Action::Send {
        producer: ClientId::new("p1"),
        topic: "payments".to_owned(),
        partition: Some(0),
        key: Some(key),
        value,
    }
}

/// Sends one record from p1 and delivers everything: two steps.
async fn send_and_deliver(root: &Element) {
    click(root, "#send-p1").await;
    click(root, "#deliver-all").await;
}

// The card's form changes acks; the lab starts again with it and replays the two steps, and the
// page shows what the core makes of them: with acks=1 and enable.idempotence unset, p1 is not
// idempotent and never asks for a producer id.
#[wasm_bindgen_test]
async fn changing_acks_on_a_producer_card_replays_the_steps_with_it() {
    let root = mount_app().await;
    send_and_deliver(&root).await;
    assert!(text(&root, "#producer-p1 .identity").contains("PID 1000"));
    choose(&root, "#edit-acks-p1", "1").await;
    click(&root, "#apply-settings-p1").await;

    assert_eq!(setting(&root, "#producer-p1", "acks"), "1");
    assert_eq!(
        setting(&root, "#producer-p1", "enable.idempotence"),
        "false (unset: Kafka's default)"
    );
    let notice = text(&root, "#notice-text");
    assert!(
        notice.contains("Replayed all 2 steps with acks=1 on p1"),
        "{notice}"
    );
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");

    let mut origin = Origin::free_play();
    origin.config.producers[0].acks = Acks::Leader;
    let mut world = World::new(&origin.config, origin.seed).expect("the core accepts acks=1");
    world.step(&send_p1(0)).expect("send");
    world.step(&Action::DeliverAll {}).expect("deliver");
    let p1 = world.producer(&ClientId::new("p1")).expect("p1");
    assert!(
        p1.producer_id.is_none(),
        "no producer id without idempotence"
    );
    assert!(text(&root, "#producer-p1 .identity").contains("No producer id yet"));
    let log_end = world
        .cluster()
        .partition(&eos_core::TopicPartition::new("payments", 0))
        .and_then(|p| p.leader_replica())
        .map(|r| r.log.log_end_offset().0)
        .expect("a leader");
    assert_eq!(
        offsets(&root, LOG_0).len(),
        usize::try_from(log_end).expect("small")
    );
    assert_eq!(
        find(&root, "#edit-acks-p1")
            .dyn_into::<HtmlSelectElement>()
            .expect("a select")
            .value(),
        "\"1\"",
        "the form follows the new settings"
    );
}

// Settings Kafka refuses are said, and nothing changes.
#[wasm_bindgen_test]
async fn settings_kafka_refuses_are_reported_and_the_lab_is_unchanged() {
    let root = mount_app().await;
    send_and_deliver(&root).await;
    choose(&root, "#edit-enable-idempotence-p1", "true").await;
    choose(&root, "#edit-acks-p1", "1").await;
    click(&root, "#apply-settings-p1").await;
    let notice = text(&root, "#notice-text");
    assert!(
        notice.contains("enable.idempotence=true conflicts with acks=1"),
        "{notice}"
    );
    assert_eq!(setting(&root, "#producer-p1", "acks"), "all");
    assert!(text(&root, "#producer-p1 .identity").contains("PID 1000"));
    assert_eq!(offsets(&root, LOG_0), vec!["0"]);
    assert!(
        root.query_selector("#branch-choice")
            .ok()
            .flatten()
            .is_none()
    );
}

// A consumer's isolation.level is edited the same way.
#[wasm_bindgen_test]
async fn changing_a_consumers_isolation_level_shows_on_its_card() {
    let root = mount_app().await;
    choose(&root, "#edit-isolation-level-raw-reader", "read_committed").await;
    click(&root, "#apply-settings-raw-reader").await;
    assert_eq!(
        setting(&root, "#consumer-raw-reader", "isolation.level"),
        "read_committed"
    );
}

// Two branches kept: the select chooses which one the comparison shows.
#[wasm_bindgen_test]
async fn the_compare_select_chooses_among_the_kept_branches() {
    let root = mount_app().await;
    send_and_deliver(&root).await;
    click(&root, "#step-back").await;
    click(&root, "#advance-100").await;
    choose(&root, "#edit-acks-p1", "1").await;
    click(&root, "#apply-settings-p1").await;

    let (labels, selected) = options(&root, "#branch-choice");
    assert_eq!(
        labels,
        vec![
            "Earlier branch (split at step 1, ran to step 2)".to_owned(),
            "acks=all on p1 (ran to step 2)".to_owned(),
        ]
    );
    assert_eq!(selected, 1, "the newest branch is compared");
    assert!(text(&root, "#branch-note").starts_with("2 branches kept"));
    // Neither run delivered its send, and on one broker acks does not change what the logs,
    // consumers or guarantees show: the core finds nothing different.
    assert!(
        text(&root, "#branch-compare-summary").contains("The branches agree"),
        "{}",
        text(&root, ".branch-compare")
    );

    choose(
        &root,
        "#branch-choice",
        "Earlier branch (split at step 1, ran to step 2)",
    )
    .await;
    let summary = text(&root, "#branch-compare-summary");
    assert!(
        summary.contains("between Earlier branch (split at step 1, ran to step 2) and This branch: acks=1 on p1 (step 2)"),
        "{summary}"
    );
    assert!(text(&root, "#branch-compare-table").contains("payments-0"));
    assert_eq!(options(&root, "#branch-choice").1, 0);
}

// Switching makes the chosen branch the current run; switching again comes back.
#[wasm_bindgen_test]
async fn switching_to_a_branch_shows_its_run_and_switching_back_returns() {
    let root = mount_app().await;
    send_and_deliver(&root).await;
    click(&root, "#step-back").await;
    click(&root, "#advance-100").await;
    assert!(
        offsets(&root, LOG_0).is_empty(),
        "the send was never delivered"
    );
    let here = text(&root, ".details");

    click(&root, "#switch-branch").await;
    assert_eq!(offsets(&root, LOG_0), vec!["0"]);
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");
    let (labels, _) = options(&root, "#branch-choice");
    assert_eq!(
        labels,
        vec!["The run you switched from (ran to step 2)".to_owned()]
    );

    click(&root, "#switch-branch").await;
    assert!(offsets(&root, LOG_0).is_empty());
    let back = text(&root, ".details");
    // The branch panel names the other run differently; the rest of the page is the same.
    let without_branches =
        |page: &str| page.split("Branches").next().unwrap_or_default().to_owned();
    assert_eq!(without_branches(&back), without_branches(&here));
}

const STYLE_CSS: &str = include_str!("../../../web/style.css");

/// Loads the page's stylesheet once, for the test that depends on layout.
fn load_css() {
    load_styles("editing-style-css", STYLE_CSS);
}

// On a 375 px phone the open forms and the branch picker fit their cards: no sideways scroll.
#[wasm_bindgen_test]
async fn the_forms_and_the_branch_picker_fit_375_px() {
    load_css();
    let root = mount_app().await;
    root.set_attribute("style", "width: 375px")
        .expect("a style");
    send_and_deliver(&root).await;
    click(&root, "#step-back").await;
    click(&root, "#advance-100").await;
    for disclosure in [
        "#edit-settings-tx1",
        "#edit-settings-committed-reader",
        "#edit-settings-cluster",
    ] {
        find(&root, disclosure)
            .set_attribute("open", "")
            .expect("opened");
    }
    yew::scheduler::flush().await;
    for part in [
        "#edit-settings-tx1 form",
        "#edit-settings-committed-reader form",
        "#edit-settings-cluster form",
        ".branch-picker",
    ] {
        let element = find(&root, part);
        assert!(
            element.client_width() > 0 && element.scroll_width() <= element.client_width(),
            "{part} is {} px wide in {} px",
            element.scroll_width(),
            element.client_width()
        );
    }
    // Every field has a label the browser ties to it.
    for field in all(&root, "#edit-settings-tx1 select, #edit-settings-tx1 input") {
        let labels = field
            .dyn_ref::<web_sys::HtmlInputElement>()
            .and_then(|input| input.labels())
            .or_else(|| field.dyn_ref::<HtmlSelectElement>().map(|s| s.labels()))
            .map_or(0, |labels| labels.length());
        assert_eq!(labels, 1, "{} has one label", field.id());
    }
}

// The cluster's own settings: a level the core refuses is said; transaction.version 2 is taken.
#[wasm_bindgen_test]
async fn the_cluster_settings_take_transaction_version_2_and_refuse_a_zero_timeout() {
    let root = mount_app().await;
    assert_eq!(
        setting(&root, ".cluster-settings", "transaction.version"),
        "1"
    );
    type_into(&root, "#edit-transaction-max-timeout-ms-cluster", "0").await;
    click(&root, "#apply-settings-cluster").await;
    let notice = text(&root, "#notice-text");
    assert!(
        notice.contains("transaction.max.timeout.ms must be at least 1"),
        "{notice}"
    );
    assert_eq!(
        setting(&root, ".cluster-settings", "transaction.max.timeout.ms"),
        "900000"
    );

    type_into(&root, "#edit-transaction-max-timeout-ms-cluster", "900000").await;
    choose(&root, "#edit-transaction-version-cluster", "2 (KIP-890)").await;
    click(&root, "#apply-settings-cluster").await;
    assert_eq!(
        setting(&root, ".cluster-settings", "transaction.version"),
        "2"
    );
    let notice = text(&root, "#notice-text");
    assert!(
        notice.contains("Started again with transaction.version=2 on the cluster"),
        "{notice}"
    );
}

// A topic's settings: min.insync.replicas above the replication factor is Kafka's config error;
// a third partition is taken, and the page draws its log.
#[wasm_bindgen_test]
async fn a_topic_gets_a_third_partition_and_refuses_too_many_insync_replicas() {
    let root = mount_app().await;
    type_into(&root, "#edit-min-insync-replicas-topic-payments", "2").await;
    click(&root, "#apply-settings-topic-payments").await;
    let notice = text(&root, "#notice-text");
    assert!(
        notice.contains("min.insync.replicas 2 must be between 1 and replication.factor 1"),
        "{notice}"
    );
    assert!(
        root.query_selector("#partition-log-payments-2")
            .ok()
            .flatten()
            .is_none()
    );

    type_into(&root, "#edit-min-insync-replicas-topic-payments", "1").await;
    type_into(&root, "#edit-partitions-topic-payments", "3").await;
    click(&root, "#apply-settings-topic-payments").await;
    assert!(
        root.query_selector("#partition-log-payments-2")
            .ok()
            .flatten()
            .is_some(),
        "{}",
        text(&root, "#notice-text")
    );
    assert!(text(&root, "#notice-text").contains("partitions=3 on topic payments"));
}
