//! Browser tests: mount the whole app in headless Chromium, click like a user, and check that
//! the page shows what the core says happened. Run with
//! `cargo test -p eos-web --target wasm32-unknown-unknown`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::{Action, ClientId, World};
use eos_web::components::producer_card::suggested_record;
use eos_web::scenarios::Origin;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventInit, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, mount_app, press, select_option, text, type_into};

const LOG_0: &str = "#partition-log-payments-0";

/// The `data-offset` of every record in a partition's log, in page order.
fn offsets(root: &Element, log: &str) -> Vec<String> {
    all(root, &format!("{log} li.record"))
        .iter()
        .filter_map(|r| r.get_attribute("data-offset"))
        .collect()
}

/// The ids of the messages in flight, oldest first.
fn messages(root: &Element) -> Vec<String> {
    all(root, "#messages li.message")
        .iter()
        .filter_map(|m| m.get_attribute("data-message"))
        .collect()
}

/// Everything the lab shows of the world (not the time controls) as a reader gets it, to
/// compare two moments; the markup itself may differ in attribute order after patches.
fn world_view(root: &Element) -> String {
    find(root, ".details").text_content().unwrap_or_default()
}

async fn choose(root: &Element, select: &str, title_starts: &str) {
    select_option(root, select, |t| t.starts_with(title_starts)).await;
}

/// The free-play world after `actions`, as the core computes it.
fn core_after(actions: &[Action]) -> (World, Vec<eos_core::Event>) {
    let origin = Origin::free_play();
    let mut world = World::new(&origin.config, origin.seed).expect("free play builds");
    let mut last = Vec::new();
    for action in actions {
        last = world.step(action).expect("the core accepts it");
    }
    (world, last)
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

#[wasm_bindgen_test]
async fn starts_in_free_play_with_empty_logs_and_the_producer_id_request_in_flight() {
    let root = mount_app().await;
    assert!(offsets(&root, LOG_0).is_empty());
    assert_eq!(text(&root, "#high-watermark-payments-0 .stat-value"), "0");
    assert!(exists(&root, "#narration-empty"));
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    let (world, _) = core_after(&[]);
    assert_eq!(messages(&root).len(), world.network().in_flight().len());
    assert!(text(&root, "#messages").contains("InitProducerId request"));
    assert_eq!(
        all(&root, "#invariants li.holds").len(),
        world.invariants().statuses().len(),
        "every guarantee holds at the start"
    );
}

#[wasm_bindgen_test]
async fn send_then_deliver_all_writes_the_record_and_narrates_the_cores_events() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    assert!(
        offsets(&root, LOG_0).is_empty(),
        "nothing is written before delivery"
    );
    click(&root, "#deliver-all").await;

    assert_eq!(offsets(&root, LOG_0), vec!["0"]);
    let (key, value) = suggested_record(0);
    let record = text(&root, &format!("{LOG_0} li.record[data-offset='0']"));
    assert!(record.contains(&key) && record.contains(&value), "{record}");
    assert!(record.contains("PID 1000 · epoch 0 · seq 0"), "{record}");
    assert!(record.contains("no transaction"), "{record}");
    assert_eq!(text(&root, "#high-watermark-payments-0 .stat-value"), "1");
    let remembered = text(&root, ".panel-log .producer-state");
    assert!(
        remembered.contains("1000") && remembered.contains("seq 0–0 at 0–0"),
        "{remembered}"
    );

    let (_, events) = core_after(&[send_p1(0), Action::DeliverAll {}]);
    let narration = text(&root, "#narration");
    for event in &events {
        assert!(
            narration.contains(&event.explanation),
            "missing from the narration: {}",
            event.explanation
        );
    }
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");
}

#[wasm_bindgen_test]
async fn delivering_the_producer_id_response_gives_the_producer_its_pid() {
    let root = mount_app().await;
    assert!(text(&root, "#producer-p1").contains("No producer id yet"));
    let request = messages(&root)[0].clone();
    click(&root, &format!("#deliver-{request}")).await;
    let response = messages(&root)[0].clone();
    assert_ne!(request, response);
    assert!(text(&root, "#messages").contains("InitProducerId response"));
    click(&root, &format!("#deliver-{response}")).await;
    assert!(messages(&root).is_empty());
    assert!(text(&root, "#producer-p1 .identity").contains("PID 1000 · epoch 0"));
}

#[wasm_bindgen_test]
async fn dropping_the_ack_leaves_the_record_written_but_unacknowledged() {
    let root = mount_app().await;
    click(&root, "#deliver-all").await;
    click(&root, "#send-p1").await;
    let request = messages(&root)[0].clone();
    click(&root, &format!("#deliver-{request}")).await;
    assert_eq!(offsets(&root, LOG_0), vec!["0"], "the write happened");
    let ack = find(&root, "#messages li.is-ack");
    let ack_id = ack.get_attribute("data-message").expect("an id");
    assert_eq!(text(&root, &format!("#drop-{ack_id}")), "Drop ack");
    click(&root, &format!("#drop-{ack_id}")).await;
    assert!(messages(&root).is_empty());
    assert!(
        text(&root, "#producer-p1 .identity").contains("0 acknowledged"),
        "the producer never heard back"
    );
    assert_eq!(all(&root, "#producer-p1 .in-flight li").len(), 1);
}

#[wasm_bindgen_test]
async fn duplicate_adds_a_copy_and_delay_moves_a_message_last() {
    let root = mount_app().await;
    let first = messages(&root)[0].clone();
    click(&root, &format!("#duplicate-{first}")).await;
    let after_copy = messages(&root);
    assert_eq!(after_copy.len(), 2);
    assert_eq!(after_copy[0], first);
    click(&root, &format!("#delay-{first}")).await;
    let after_delay = messages(&root);
    assert_eq!(after_delay.last(), Some(&first));
    assert_eq!(after_delay[0], after_copy[1]);
}

#[wasm_bindgen_test]
async fn back_n_then_forward_n_shows_the_same_lab() {
    let root = mount_app().await;
    for _ in 0..3 {
        click(&root, "#send-p1").await;
        click(&root, "#deliver-all").await;
    }
    click(&root, "#poll-raw-reader").await;
    let latest = world_view(&root);
    for _ in 0..4 {
        click(&root, "#step-back").await;
    }
    assert_eq!(text(&root, "#step-status"), "Step 3 of 7");
    assert_eq!(offsets(&root, LOG_0), vec!["0"]);
    assert_ne!(world_view(&root), latest);
    for _ in 0..4 {
        click(&root, "#step-forward").await;
    }
    assert_eq!(world_view(&root), latest);
}

#[wasm_bindgen_test]
async fn arrow_keys_travel_in_time_but_not_while_typing() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    press(&find(&root, "#deliver-all"), "ArrowLeft").await;
    assert_eq!(text(&root, "#step-status"), "Step 1 of 2");
    press(&find(&root, "#send-key-p1"), "ArrowRight").await;
    assert_eq!(
        text(&root, "#step-status"),
        "Step 1 of 2",
        "typing is not a shortcut"
    );
    press(&find(&root, "#deliver-all"), "End").await;
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");
    press(&find(&root, "#deliver-all"), "Home").await;
    assert_eq!(text(&root, "#step-status"), "Step 0 of 2");
}

#[wasm_bindgen_test]
async fn n_applies_the_next_scripted_step_r_resets_and_question_mark_opens_help() {
    let root = mount_app().await;
    choose(&root, "#scenario-picker", "At-least-once:").await;
    click(&root, "#load-scenario").await;
    let body = find(&root, ".details");
    press(&body, "n").await;
    press(&body, "n").await;
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");
    press(&body, "r").await;
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    press(&body, "?").await;
    assert!(exists(&root, "#help-dialog"));
    press(&find(&root, "#close-help"), "ArrowRight").await;
    assert_eq!(
        text(&root, "#step-status"),
        "Step 0 of 0",
        "keys wait while help is open"
    );
    press(&find(&root, "#close-help"), "Escape").await;
    assert!(!exists(&root, "#help-dialog"));
}

#[wasm_bindgen_test]
async fn the_help_dialog_lists_the_shortcuts_and_closes() {
    let root = mount_app().await;
    find(&root, "#help-button")
        .dyn_into::<HtmlElement>()
        .expect("a button")
        .focus()
        .expect("focusable");
    click(&root, "#help-button").await;
    assert!(text(&root, "#help-dialog").contains("step back"));
    let focused = gloo::utils::document().active_element().map(|e| e.id());
    assert_eq!(
        focused.as_deref(),
        Some("close-help"),
        "focus moves into the dialog"
    );
    click(&root, "#close-help").await;
    assert!(!exists(&root, "#help-dialog"));
    let focused = gloo::utils::document().active_element().map(|e| e.id());
    assert_eq!(
        focused.as_deref(),
        Some("help-button"),
        "focus returns to the opener"
    );
}

#[wasm_bindgen_test]
async fn the_scrubber_and_timeline_rows_jump_to_a_step() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#timeline button[data-step='1']").await;
    assert_eq!(text(&root, "#step-status"), "Step 1 of 2");
    assert!(offsets(&root, LOG_0).is_empty());
    let scrubber = find(&root, "#timeline-scrubber")
        .dyn_into::<HtmlInputElement>()
        .expect("an input");
    assert_eq!(scrubber.value(), "1");
    scrubber.set_value("2");
    let init = EventInit::new();
    init.set_bubbles(true);
    scrubber
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).expect("event"))
        .expect("dispatched");
    yew::scheduler::flush().await;
    assert_eq!(offsets(&root, LOG_0), vec!["0"]);
}

#[wasm_bindgen_test]
async fn acting_after_stepping_back_replaces_the_future() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#step-back").await;
    click(&root, "#advance-100").await;
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");
    assert!(text(&root, "#timeline").contains("advance time by 100 ms"));
    assert!(offsets(&root, LOG_0).is_empty());
}

#[wasm_bindgen_test]
async fn a_refused_action_shows_the_cores_reason_and_changes_nothing() {
    let root = mount_app().await;
    click(&root, "#crash-p1").await;
    let before = world_view(&root);
    click(&root, "#send-p1").await;
    let notice = text(&root, "#notice-text");
    assert!(notice.contains("client `p1` has crashed"), "{notice}");
    assert_eq!(text(&root, "#step-status"), "Step 1 of 1");
    assert_eq!(world_view(&root), before);
    click(&root, "#dismiss-notice").await;
    assert!(!exists(&root, "#notice"));
    click(&root, "#restart-p1").await;
    assert!(text(&root, "#producer-p1").contains("instance 2"));
}

#[wasm_bindgen_test]
async fn a_transaction_is_open_in_the_log_until_its_commit_marker() {
    let root = mount_app().await;
    click(&root, "#init-tx1").await;
    click(&root, "#deliver-all").await;
    assert!(
        text(
            &root,
            "[data-transactional-id='payment-writer'] .is-current"
        )
        .contains("Empty")
    );
    click(&root, "#begin-tx1").await;
    click(&root, "#send-tx1").await;
    click(&root, "#deliver-all").await;
    let record = find(&root, &format!("{LOG_0} li.record[data-offset='0']"));
    assert_eq!(record.get_attribute("data-txn").as_deref(), Some("open"));
    assert_eq!(
        text(&root, "#last-stable-offset-payments-0 .stat-value"),
        "0"
    );
    assert!(
        text(
            &root,
            "[data-transactional-id='payment-writer'] .is-current"
        )
        .contains("Ongoing")
    );

    click(&root, "#commit-tx1").await;
    click(&root, "#deliver-all").await;
    let record = find(&root, &format!("{LOG_0} li.record[data-offset='0']"));
    assert_eq!(
        record.get_attribute("data-txn").as_deref(),
        Some("committed")
    );
    assert!(text(&root, &format!("{LOG_0} li.record[data-offset='1']")).contains("COMMIT marker"));
    assert_eq!(
        text(&root, "#last-stable-offset-payments-0 .stat-value"),
        "2"
    );
    assert!(text(&root, "#txn-log").contains("CompleteCommit"));
}

#[wasm_bindgen_test]
async fn consumer_buttons_poll_process_and_commit() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#poll-raw-reader").await;
    assert!(
        text(&root, "#consumer-counts-raw-reader")
            .starts_with("Received 1 · polled, not processed 1")
    );
    click(&root, "#process-raw-reader").await;
    assert!(text(&root, "#consumer-counts-raw-reader").ends_with("processed 1"));
    click(&root, "#commit-raw-reader").await;
    let row = text(&root, "#consumer-raw-reader tbody tr");
    assert_eq!(row, "payments-011");
    assert_eq!(
        text(&root, "#consumer-membership-raw-reader"),
        "member raw-reader, generation 1"
    );
    click(&root, "#crash-raw-reader").await;
    assert!(text(&root, "#consumer-raw-reader").contains("crashed"));
    assert_eq!(
        text(&root, "#consumer-membership-raw-reader"),
        "not a member of its group now"
    );
}

#[wasm_bindgen_test]
async fn crashing_the_coordinators_broker_shows_it_down() {
    let root = mount_app().await;
    click(&root, "#crash-broker-1").await;
    assert!(text(&root, ".brokers").contains("▼ down"));
    assert!(
        !exists(&root, LOG_0),
        "with its only broker down, payments-0 has no leader"
    );
    click(&root, "#restart-broker-1").await;
    assert!(text(&root, ".brokers").contains("▲ up"));
    assert!(exists(&root, LOG_0));
}

#[wasm_bindgen_test]
async fn loading_a_scenario_then_stepping_through_its_script() {
    let root = mount_app().await;
    choose(&root, "#scenario-picker", "At-least-once:").await;
    click(&root, "#load-scenario").await;
    assert!(text(&root, "#scenario-heading").starts_with("At-least-once"));
    assert!(text(&root, "#next-scripted").contains("(1 of 12)"));
    click(&root, "#next-scripted").await;
    assert!(text(&root, "#next-scripted").contains("(2 of 12)"));
    assert_eq!(text(&root, "#step-status"), "Step 1 of 1");
    assert!(text(&root, "#timeline").contains("scripted"));
    click(&root, "#reset-button").await;
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    assert!(text(&root, "#scenario-heading").starts_with("At-least-once"));
}

#[wasm_bindgen_test]
async fn send_offsets_to_transaction_adds_the_groups_offsets_partition() {
    let root = mount_app().await;
    click(&root, "#init-tx1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#begin-tx1").await;
    click(&root, "#send-offsets-tx1-committed-reader").await;
    click(&root, "#deliver-all").await;
    let transaction = text(
        &root,
        "[data-transactional-id='payment-writer'] .txn-partitions",
    );
    assert!(
        transaction.contains("__consumer_offsets-0"),
        "{transaction}"
    );
}

#[wasm_bindgen_test]
async fn a_long_log_shows_its_newest_page_and_earlier_records_on_request() {
    let root = mount_app().await;
    for _ in 0..32 {
        click(&root, "#send-p1").await;
        click(&root, "#deliver-all").await;
    }
    let shown = offsets(&root, LOG_0);
    assert_eq!(shown.len(), 30);
    assert_eq!(shown.first().map(String::as_str), Some("2"));
    assert_eq!(shown.last().map(String::as_str), Some("31"));
    assert!(text(&root, "#show-earlier-payments-0").contains("2 not shown"));
    click(&root, "#show-earlier-payments-0").await;
    assert_eq!(offsets(&root, LOG_0).len(), 32);
    assert!(!exists(&root, "#show-earlier-payments-0"));
}

#[wasm_bindgen_test]
async fn a_broken_guarantee_is_red_and_links_to_the_step_that_broke_it() {
    let root = mount_app().await;
    choose(&root, "#scenario-picker", "At-least-once:").await;
    click(&root, "#load-scenario").await;
    for _ in 0..12 {
        click(&root, "#next-scripted").await;
    }
    assert!(!exists(&root, "#next-scripted"), "the script is done");
    let broken = find(
        &root,
        "#invariants li.broken[data-invariant='no_duplicate_write']",
    );
    let why = broken.text_content().unwrap_or_default();
    assert!(why.contains("broken"), "{why}");
    let button = all(&broken, "button").pop().expect("a jump button");
    let step: String = button
        .text_content()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    button.dyn_into::<HtmlElement>().expect("a button").click();
    yew::scheduler::flush().await;
    assert_eq!(text(&root, "#step-status"), format!("Step {step} of 12"));
    assert!(exists(
        &root,
        "#invariants li.broken[data-invariant='no_duplicate_write']"
    ));
}

#[wasm_bindgen_test]
async fn the_send_form_sends_the_typed_key_and_value_to_the_chosen_partition() {
    let root = mount_app().await;
    type_into(&root, "#send-key-p1", "order-7").await;
    type_into(&root, "#send-value-p1", "two lamps").await;
    choose(&root, "#send-partition-p1", "1").await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    assert!(offsets(&root, LOG_0).is_empty());
    let record = text(
        &root,
        "#partition-log-payments-1 li.record[data-offset='0']",
    );
    assert!(
        record.contains("order-7") && record.contains("two lamps"),
        "{record}"
    );
}

#[wasm_bindgen_test]
async fn an_aborted_transaction_stays_in_the_log_marked_aborted() {
    let root = mount_app().await;
    click(&root, "#init-tx1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#begin-tx1").await;
    click(&root, "#send-tx1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#abort-tx1").await;
    click(&root, "#deliver-all").await;
    let record = find(&root, &format!("{LOG_0} li.record[data-offset='0']"));
    assert_eq!(record.get_attribute("data-txn").as_deref(), Some("aborted"));
    assert!(text(&root, &format!("{LOG_0} li.record[data-offset='1']")).contains("ABORT marker"));
    assert!(text(&root, "#txn-log").contains("CompleteAbort"));
    click(&root, "#poll-committed-reader").await;
    assert!(
        text(&root, "#consumer-counts-committed-reader").starts_with("Received 0"),
        "read_committed skips the aborted record"
    );
}

#[wasm_bindgen_test]
async fn first_and_latest_buttons_go_to_the_ends_of_the_history() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#to-start").await;
    assert_eq!(text(&root, "#step-status"), "Step 0 of 2");
    assert!(offsets(&root, LOG_0).is_empty());
    click(&root, "#to-end").await;
    assert_eq!(text(&root, "#step-status"), "Step 2 of 2");
    assert_eq!(offsets(&root, LOG_0), vec!["0"]);
}

#[wasm_bindgen_test]
async fn a_restarted_consumer_is_a_new_instance() {
    let root = mount_app().await;
    click(&root, "#crash-raw-reader").await;
    click(&root, "#restart-raw-reader").await;
    assert!(text(&root, "#consumer-raw-reader").contains("running (instance 2)"));
}

#[wasm_bindgen_test]
async fn followers_fetch_brings_the_replicas_log_ends_up_to_the_leader() {
    let root = mount_app().await;
    choose(&root, "#scenario-picker", "acks=all: the leader").await;
    click(&root, "#load-scenario").await;
    click(&root, "#next-scripted").await;
    click(&root, "#next-scripted").await;
    click(&root, "#next-scripted").await;
    let replicas = text(&root, ".replicas");
    assert!(replicas.contains("(leader) · log end 1"), "{replicas}");
    assert_eq!(replicas.matches("log end 0").count(), 2, "{replicas}");
    click(&root, "#replicate-payments-0").await;
    let replicas = text(&root, ".replicas");
    assert_eq!(replicas.matches("log end 1").count(), 3, "{replicas}");
}

// The inspector, wired into the app: the record just written is readable by both isolation
// levels, and the real-tool view dumps it.
#[wasm_bindgen_test]
async fn the_inspector_explains_the_chosen_record_and_dumps_its_partition() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    type_into(&root, "#inspect-offset", "0").await;
    let inspect = text(&root, ".inspect-group");
    assert!(
        inspect
            .contains("Both read_uncommitted and read_committed consumers can read payments-0@0"),
        "{inspect}"
    );
    assert!(inspect.contains("baseOffset: 0 lastOffset: 0"), "{inspect}");
}

// Acting in the past keeps the earlier branch, and the comparison names what differs.
#[wasm_bindgen_test]
async fn acting_after_stepping_back_offers_the_two_branches_side_by_side() {
    let root = mount_app().await;
    assert!(!exists(&root, ".branch-compare"));
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#step-back").await;
    click(&root, "#advance-100").await;
    let branches = text(&root, ".branch-compare");
    assert!(branches.contains("ran to step 2"), "{branches}");
    assert!(branches.contains("payments-0"), "{branches}");
}

// The external database is on the page, empty until a consumer processes something.
#[wasm_bindgen_test]
async fn the_database_panel_is_shown() {
    let root = mount_app().await;
    assert!(exists(&root, ".database-panel"), "{}", world_view(&root));
}

/// Takes the fragment off the page address, so that later tests start without a link.
fn clear_address_fragment() {
    let window = gloo::utils::window();
    let path = window.location().pathname().unwrap_or_default();
    let _ = window.history().expect("history").replace_state_with_url(
        &web_sys::wasm_bindgen::JsValue::NULL,
        "",
        Some(&path),
    );
}

// The share link puts the lab in the address; a lab opened on that address replays every step
// and stands where the first one stood.
#[wasm_bindgen_test]
async fn a_share_link_opens_the_same_lab_elsewhere() {
    let root = mount_app().await;
    click(&root, "#send-p1").await;
    click(&root, "#deliver-all").await;
    click(&root, "#share-link").await;
    let url = find(&root, "#share-url")
        .dyn_into::<HtmlInputElement>()
        .expect("an input")
        .value();
    assert!(url.contains("#v2."), "{url}");
    let other = mount_app().await;
    yew::scheduler::flush().await;
    assert_eq!(text(&other, "#step-status"), "Step 2 of 2");
    assert_eq!(offsets(&other, LOG_0), vec!["0"]);
    clear_address_fragment();
}

// A damaged link is said, and the lab starts as usual.
#[wasm_bindgen_test]
async fn a_damaged_share_link_is_reported_and_the_lab_still_starts() {
    let window = gloo::utils::window();
    window
        .history()
        .expect("history")
        .replace_state_with_url(
            &web_sys::wasm_bindgen::JsValue::NULL,
            "",
            Some("#v1.damaged!"),
        )
        .expect("set the address");
    let root = mount_app().await;
    yew::scheduler::flush().await;
    clear_address_fragment();
    assert!(
        text(&root, "#notice").contains("damaged"),
        "{}",
        world_view(&root)
    );
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
}
