//! Browser tests of the coordinator's state diagram, protocol line and timeout countdown, the
//! consumer view and picking a record for the inspector by clicking it: mount the whole app,
//! click like a user, and check the page against what the core computes. Run with
//! `cargo test -p eos-web --target wasm32-unknown-unknown --test panels`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::coordinator::state_machine::{TransactionMetadata, TransactionState};
use eos_core::run::scenario::Scenario;
use eos_core::{Action, World};
use eos_web::components::WorldRef;
use eos_web::components::consumer_view::{ConsumerView, ConsumerViewProps};
use eos_web::components::coordinator_panel::{CoordinatorPanel, CoordinatorPanelProps};
use eos_web::components::offsets_log::{OffsetsLogPanel, OffsetsLogProps, OffsetsLogView};
use eos_web::components::offsets_plot::{OffsetsPlot, OffsetsPlotProps};
use eos_web::steps::StepsSoFar;
use std::rc::Rc;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};
use yew::{BaseComponent, Callback};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, load_styles, mount_app, select_option, text};

const TWO_PHASE: &str =
    include_str!("../../../assets/scenarios/12-two-phase-commit-step-by-step.json");
const TIMEOUT: &str =
    include_str!("../../../assets/scenarios/15-transaction-timeout-aborts-good-work.json");
const OFFSETS_LOG: &str = include_str!("../../../assets/scenarios/22-consumer-offsets-log.json");
const FAILOVER: &str = include_str!("../../../assets/scenarios/17-coordinator-failover.json");
const STYLE_CSS: &str = include_str!("../../../web/style.css");
const INSPECTORS_CSS: &str = include_str!("../../../web/inspectors.css");
const LOG_0: &str = "#partition-log-payments-0";

/// `component` with `props` in a fresh element `width_px` wide, rendered.
async fn mount<C: BaseComponent>(props: C::Properties, width_px: u32) -> Element {
    let root = new_root(width_px);
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    root
}

fn new_root(width_px: u32) -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    if width_px > 0 {
        root.set_attribute("style", &format!("width: {width_px}px"))
            .expect("a style");
    }
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    root
}

/// Loads the page's two stylesheets once, for the layout test.
fn load_css() {
    load_styles("panels-css", &format!("{STYLE_CSS}\n{INSPECTORS_CSS}"));
}

fn attribute(root: &Element, selector: &str, name: &str) -> String {
    find(root, selector)
        .get_attribute(name)
        .unwrap_or_else(|| panic!("{selector} has no {name}"))
}

async fn clicks(root: &Element, selectors: &[&str]) {
    for selector in selectors {
        click(root, selector).await;
    }
}

/// Picks the option of `select` whose text starts with `starts`, as a user would.
async fn choose(root: &Element, select: &str, starts: &str) {
    select_option(root, select, |t| t.starts_with(starts)).await;
}

/// Loads a shipped scenario through the picker.
async fn load(root: &Element, title_starts: &str) {
    choose(root, "#scenario-picker", title_starts).await;
    click(root, "#load-scenario").await;
}

async fn next_scripted(root: &Element, times: usize) {
    for _ in 0..times {
        click(root, "#next-scripted").await;
    }
}

/// The scenario's world after its first `steps` scripted steps, as the core computes it.
fn core_after(text: &str, steps: usize) -> World {
    let scenario = Scenario::parse(text).expect("a shipped scenario parses");
    let mut world = World::new(&scenario.world_config(), scenario.seed).expect("its world");
    for action in scenario.steps.iter().take(steps) {
        world.step(action).expect("a shipped step is possible");
    }
    world
}

fn metadata<'w>(world: &'w World, transactional_id: &str) -> &'w TransactionMetadata {
    world
        .coordinator()
        .transactions()
        .find(|t| t.transactional_id == transactional_id)
        .expect("the coordinator knows it")
}

fn card(transactional_id: &str) -> String {
    format!("[data-transactional-id='{transactional_id}']")
}

// Transaction coordinator: state diagram

#[wasm_bindgen_test]
async fn the_diagram_lights_the_state_the_core_reports_through_a_commit() {
    let root = mount_app().await;
    load(&root, "Two-phase commit step by step").await;
    let writer = card("payment-writer");
    let mut done = 0;
    // After initTransactions is answered, with the transaction open, with EndTxn(commit)
    // delivered, and at the end of the script.
    for steps in [2, 6, 8, 16] {
        next_scripted(&root, steps - done).await;
        done = steps;
        let world = core_after(TWO_PHASE, steps);
        let core = metadata(&world, "payment-writer");
        let lit = all(&root, &format!("{writer} .txn-node.is-current"));
        assert_eq!(lit.len(), 1, "one state is lit after {steps} steps");
        assert_eq!(
            lit[0].get_attribute("data-state").as_deref(),
            Some(core.state.name()),
            "after {steps} steps"
        );
        assert!(
            lit[0].text_content().unwrap_or_default().starts_with("● "),
            "a glyph, not only colour"
        );
        let title = text(&root, &format!("{writer} svg title"));
        assert!(
            title.contains(&format!("current state: {}", core.state.name())),
            "{title}"
        );
        let pending: Vec<String> = all(&root, &format!("{writer} .txn-node.is-pending"))
            .iter()
            .filter_map(|n| n.get_attribute("data-state"))
            .collect();
        assert_eq!(
            pending,
            core.pending_state
                .map(|p| p.name().to_owned())
                .into_iter()
                .collect::<Vec<_>>(),
            "after {steps} steps"
        );
    }
    assert_eq!(done, 16);
    assert!(text(&root, &format!("{writer} .txn-diagram-caption")).contains("CompleteCommit"));
}

#[wasm_bindgen_test]
async fn the_diagram_draws_every_transition_kafka_allows() {
    let root = mount_app().await;
    clicks(&root, &["#init-tx1", "#deliver-all"]).await;
    let writer = card("payment-writer");
    assert_eq!(all(&root, &format!("{writer} .txn-edge")).len(), 17);
    assert_eq!(all(&root, &format!("{writer} .txn-node")).len(), 8);
    // The ways out of Empty are drawn stronger.
    let next: Vec<String> = all(&root, &format!("{writer} .txn-edge.is-next"))
        .iter()
        .filter_map(|e| e.get_attribute("data-to"))
        .collect();
    assert_eq!(next, vec!["Ongoing", "PrepareAbort", "Dead"]);
}

// Transaction coordinator: the protocol line

#[wasm_bindgen_test]
async fn the_coordinator_panel_names_the_protocol_and_the_kafka_release_followed() {
    let root = mount_app().await;
    let line = text(&root, "#transaction-protocol");
    assert!(line.starts_with("Transaction protocol V1"), "{line}");
    assert!(
        line.contains(&format!("Apache Kafka {}", eos_core::KAFKA_RELEASE)),
        "{line}"
    );
    load(&root, "Hand-made requests to a partition leader").await;
    let line = text(&root, "#transaction-protocol");
    assert!(line.starts_with("Transaction protocol V2"), "{line}");
    assert!(line.contains("KIP-1228"), "{line}");
}

// Transaction coordinator: failover to another replica of __transaction_state

#[wasm_bindgen_test]
async fn a_coordinator_failover_moves_the_coordinator_in_the_panel() {
    let root = mount_app().await;
    load(&root, "The coordinator's broker crashes mid-commit").await;
    let placement = text(&root, "#txn-log-placement");
    assert!(placement.contains("brokers 1, 2, 3"), "{placement}");
    assert!(
        placement.contains("its leader, broker 1, under coordinator epoch 0"),
        "{placement}"
    );
    // Up to and including the crash of broker 1, after PrepareCommit.
    next_scripted(&root, 9).await;
    let world = core_after(FAILOVER, 9);
    assert_eq!(world.coordinator().broker().0, 2);
    let placement = text(&root, "#txn-log-placement");
    assert!(
        placement.contains("its leader, broker 2, under coordinator epoch 1"),
        "{placement}"
    );
    assert!(placement.contains("in sync: 2, 3"), "{placement}");
    let rows = all(&root, ".brokers li");
    let tagged: Vec<bool> = rows
        .iter()
        .map(|row| {
            row.text_content()
                .unwrap_or_default()
                .contains("transaction coordinator")
        })
        .collect();
    assert_eq!(tagged, [false, true, false], "the tag moved to broker 2");
    let drawn = attribute(&root, "#stage-coordinator", "aria-label");
    assert!(drawn.contains("epoch 1"), "{drawn}");
    assert!(
        drawn.contains("on broker 2"),
        "the stage moved it too: {drawn}"
    );
}

// Transaction coordinator: timeout countdown

#[wasm_bindgen_test]
async fn the_countdown_follows_simulated_time_as_the_core_counts_it() {
    let root = mount_app().await;
    load(&root, "transaction.timeout.ms set too low").await;
    // Both transactions are open and their records written.
    next_scripted(&root, 8).await;
    let world = core_after(TIMEOUT, 8);
    let hasty = metadata(&world, "hasty-writer");
    let deadline = hasty.times_out_after_ms().expect("an open transaction");
    let remaining = deadline - world.now_ms();
    let countdown = format!("{} .txn-countdown", card("hasty-writer"));
    assert_eq!(
        attribute(&root, &countdown, "data-remaining-ms"),
        remaining.to_string()
    );
    let facts = text(&root, &format!("{} .txn-timeout", card("hasty-writer")));
    assert!(facts.contains("transaction.timeout.ms1000"), "{facts}");
    assert!(
        facts.contains(&format!(
            "Started at{} ms",
            hasty.txn_start_timestamp_ms.expect("started")
        )),
        "{facts}"
    );
    assert!(text(&root, &countdown).contains(&format!("{remaining} ms left")));

    click(&root, "#advance-100").await;
    assert_eq!(
        attribute(&root, &countdown, "data-remaining-ms"),
        (remaining - 100).to_string()
    );

    // The script's own step then lets more than the timeout pass: the coordinator aborts.
    next_scripted(&root, 1).await;
    let scenario = Scenario::parse(TIMEOUT).expect("a shipped scenario parses");
    let mut world = core_after(TIMEOUT, 8);
    world
        .step(&Action::AdvanceTime { ms: 100 })
        .expect("time passes");
    world.step(&scenario.steps[8]).expect("a shipped step");
    let hasty = metadata(&world, "hasty-writer");
    assert_ne!(
        hasty.state,
        TransactionState::Ongoing,
        "the core aborted it"
    );
    assert_eq!(
        attribute(
            &root,
            &format!("{} .txn-node.is-current", card("hasty-writer")),
            "data-state"
        ),
        hasty.state.name()
    );
    assert!(
        find(&root, &card("hasty-writer"))
            .query_selector(".txn-countdown")
            .expect("a valid selector")
            .is_none(),
        "no countdown once the transaction is no longer open"
    );
}

// Consumer view

fn verdicts(root: &Element, offset: i64) -> (String, String) {
    let row = format!("#consumer-view-rows tr[data-offset='{offset}']");
    (
        attribute(root, &format!("{row} .reader-uncommitted"), "data-verdict"),
        attribute(root, &format!("{row} .reader-committed"), "data-verdict"),
    )
}

fn pair(uncommitted: &str, committed: &str) -> (String, String) {
    (uncommitted.to_owned(), committed.to_owned())
}

#[wasm_bindgen_test]
async fn read_committed_sees_a_record_only_once_its_transaction_commits() {
    let root = mount_app().await;
    clicks(
        &root,
        &[
            "#init-tx1",
            "#deliver-all",
            "#begin-tx1",
            "#send-tx1",
            "#deliver-all",
        ],
    )
    .await;
    assert_eq!(verdicts(&root, 0), pair("returned", "above-lso"));
    let uncommitted = text(&root, "#consumer-view-read_uncommitted-payments-0");
    let committed = text(&root, "#consumer-view-read_committed-payments-0");
    assert!(uncommitted.ends_with("returns offsets 0"), "{uncommitted}");
    assert!(committed.ends_with("returns nothing"), "{committed}");
    assert!(
        text(&root, ".consumer-view-reasons").contains("open transaction that starts at offset 0")
    );

    clicks(&root, &["#commit-tx1", "#deliver-all"]).await;
    assert_eq!(verdicts(&root, 0), pair("returned", "returned"));
    assert_eq!(verdicts(&root, 1), pair("marker", "marker"));
    assert!(text(&root, ".consumer-view-reasons").contains("Markers at offsets 1"));
}

#[wasm_bindgen_test]
async fn an_aborted_record_is_returned_only_under_read_uncommitted() {
    let root = mount_app().await;
    clicks(
        &root,
        &[
            "#init-tx1",
            "#deliver-all",
            "#begin-tx1",
            "#send-tx1",
            "#deliver-all",
            "#abort-tx1",
            "#deliver-all",
        ],
    )
    .await;
    assert_eq!(verdicts(&root, 0), pair("returned", "aborted"));
    assert_eq!(verdicts(&root, 1), pair("marker", "marker"));
    assert!(text(&root, ".consumer-view-reasons").contains("Aborted-transaction index"));
}

// The poll's Fetch response beside what the consumer returned: the aborted batch and its
// marker were sent, the aborted-transactions list named the producer, the application got none.
#[wasm_bindgen_test]
async fn a_read_committed_poll_shows_the_fetch_response_behind_it() {
    let root = mount_app().await;
    clicks(
        &root,
        &[
            "#init-tx1",
            "#deliver-all",
            "#begin-tx1",
            "#send-tx1",
            "#deliver-all",
            "#abort-tx1",
            "#deliver-all",
        ],
    )
    .await;
    assert!(!exists(&root, "#consumer-view-fetch"), "no fetch yet");
    click(&root, "#poll-committed-reader").await;
    let shown = text(&root, "#consumer-view-fetch");
    assert!(
        shown.contains("Fetch response behind committed-reader's poll: payments-0 from offset 0"),
        "{shown}"
    );
    assert!(
        shown.contains("0: producer"),
        "the aborted batch was sent: {shown}"
    );
    assert!(shown.contains("ABORT marker"), "{shown}");
    assert!(shown.contains("Aborted transactions: producer"), "{shown}");
    assert!(shown.contains("Offsets none"), "{shown}");
    assert!(shown.contains("Skipped as aborted: 0"), "{shown}");
    assert!(shown.contains("Skipped markers: 1"), "{shown}");
}

#[wasm_bindgen_test]
async fn the_consumer_view_shows_the_chosen_partition() {
    let root = mount_app().await;
    clicks(&root, &["#send-p1", "#deliver-all"]).await;
    assert_eq!(all(&root, "#consumer-view-rows tbody tr").len(), 1);
    choose(&root, "#consumer-view-partition", "payments-1").await;
    assert!(all(&root, "#consumer-view-rows").is_empty());
    assert!(text(&root, "#consumer-view").contains("The log is empty"));
    assert!(text(&root, "#consumer-view-read_committed-payments-1").ends_with("returns nothing"));
}

/// Sends p1's suggested record to `partition` and delivers everything.
async fn send_to_partition_and_deliver(root: &Element, partition: &str) {
    choose(root, "#send-partition-p1", partition).await;
    clicks(root, &["#send-p1", "#deliver-all"]).await;
}

// The view follows the action to payments-1, stays on a partition the user picked, and follows
// again when asked to.
#[wasm_bindgen_test]
async fn the_consumer_view_follows_the_partition_the_step_wrote_to_until_one_is_picked() {
    let root = mount_app().await;
    send_to_partition_and_deliver(&root, "1").await;
    assert!(
        exists(&root, "#consumer-view-read_committed-payments-1"),
        "the write to payments-1 is followed: {}",
        text(&root, "#consumer-view")
    );
    assert_eq!(all(&root, "#consumer-view-rows tbody tr").len(), 1);
    assert!(text(&root, "#consumer-view-partition").contains("Follow the steps (now payments-1)"));

    choose(&root, "#consumer-view-partition", "payments-0").await;
    send_to_partition_and_deliver(&root, "1").await;
    assert!(
        exists(&root, "#consumer-view-read_committed-payments-0"),
        "a picked partition stays: {}",
        text(&root, "#consumer-view")
    );

    choose(&root, "#consumer-view-partition", "Follow the steps").await;
    assert!(exists(&root, "#consumer-view-read_committed-payments-1"));
    assert_eq!(all(&root, "#consumer-view-rows tbody tr").len(), 2);
}

// Click a record to inspect it

fn inspected_offset(root: &Element) -> String {
    find(root, "#inspect-offset")
        .dyn_into::<HtmlInputElement>()
        .expect("an input")
        .value()
}

#[wasm_bindgen_test]
async fn clicking_a_record_in_the_log_opens_it_in_the_inspector() {
    let root = mount_app().await;
    clicks(
        &root,
        &["#send-p1", "#deliver-all", "#send-p1", "#deliver-all"],
    )
    .await;
    let button = format!("{LOG_0} li.record[data-offset='1'] .record-inspect");
    assert_eq!(
        attribute(&root, &button, "aria-label"),
        "Inspect offset 1 of payments-0"
    );
    assert_eq!(
        find(&root, &button).tag_name(),
        "BUTTON",
        "reachable by keyboard"
    );
    click(&root, &button).await;
    assert_eq!(inspected_offset(&root), "1");
    assert!(text(&root, ".inspect-group").contains("payments-0@1"));
    let focused = gloo::utils::document()
        .active_element()
        .and_then(|e| e.get_attribute("id"));
    assert_eq!(focused.as_deref(), Some("inspect-heading"));
    let marked = |root: &Element| -> Vec<String> {
        all(root, "[aria-current='true'][data-offset]")
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e.tag_name(),
                    e.get_attribute("data-offset").unwrap_or_default()
                )
            })
            .collect()
    };
    assert_eq!(
        marked(&root),
        vec!["LI 1", "TR 1"],
        "the log and the consumer view mark the record in the inspector"
    );
    assert!(
        text(&root, &format!("{LOG_0} li.record[data-offset='1']")).contains("in the inspector")
    );

    // The consumer view's offsets pick records too, and the picker follows.
    click(
        &root,
        "#consumer-view-rows tr[data-offset='0'] .record-inspect",
    )
    .await;
    assert_eq!(inspected_offset(&root), "0");
    assert!(text(&root, ".inspect-group").contains("payments-0@0"));
    assert_eq!(marked(&root), vec!["LI 0", "TR 0"]);
}

// Layout

// Both new panels fit a 375 px phone without scrolling sideways.
#[wasm_bindgen_test]
async fn the_new_panels_fit_a_phone_screen() {
    load_css();
    let world = Rc::new(core_after(TIMEOUT, 8));
    let coordinator = mount::<CoordinatorPanel>(
        CoordinatorPanelProps {
            world: WorldRef(Rc::clone(&world)),
            dispatch: Callback::noop(),
        },
        375,
    )
    .await;
    let readers = mount::<ConsumerView>(
        ConsumerViewProps {
            world: WorldRef(world),
            dispatch: Callback::noop(),
            inspected: None,
            acted_on: None,
            fetch: None,
        },
        375,
    )
    .await;
    assert!(
        !all(&readers, "#consumer-view-rows tbody tr").is_empty(),
        "the table is drawn"
    );
    for (root, selector) in [
        (&coordinator, "section"),
        (&readers, "section"),
        (&readers, ".consumer-view-table"),
    ] {
        let element = find(root, selector);
        assert!(
            element.scroll_width() <= element.client_width(),
            "{selector} scrolls sideways: {} > {}",
            element.scroll_width(),
            element.client_width()
        );
    }
}

// __consumer_offsets-0 is folded as an internal topic; opened, it lists every record the core
// holds with its fate, and fits a phone.
#[wasm_bindgen_test]
async fn the_consumer_offsets_log_shows_pending_and_decided_commits_and_their_markers() {
    load_css();
    let steps = Scenario::parse(OFFSETS_LOG).expect("parses").steps.len();
    for (after, pending) in [(3, 1), (steps, 0)] {
        let world = Rc::new(core_after(OFFSETS_LOG, after));
        let expected = OffsetsLogView::of(&world, 30);
        assert_eq!(expected.pending, pending);
        let root = mount::<OffsetsLogPanel>(
            OffsetsLogProps {
                world: WorldRef(world),
            },
            375,
        )
        .await;
        let details = find(&root, "#consumer-offsets");
        assert!(!details.has_attribute("open"), "folded until asked for");
        details.set_attribute("open", "").expect("opens");
        yew::scheduler::flush().await;
        let rows = all(&root, "#consumer-offsets-log li.record");
        assert_eq!(rows.len(), expected.records.len());
        for (row, record) in rows.iter().zip(&expected.records) {
            let shown = row.text_content().unwrap_or_default();
            assert!(shown.contains(&record.text), "{shown}");
            if let Some((word, fate)) = &record.fate {
                assert!(
                    shown.contains(word) && shown.contains(fate.as_str()),
                    "{shown}"
                );
            }
        }
        if pending > 0 {
            assert!(text(&root, "#consumer-offsets summary").contains("1 pending"));
        } else {
            assert!(text(&root, "#consumer-offsets-log").contains("committed by the marker at 2"));
            assert!(
                text(&root, "#consumer-offsets-log").contains("dropped by the ABORT marker at 4")
            );
        }
        let section = find(&root, "section");
        assert!(
            section.scroll_width() <= section.client_width(),
            "scrolls sideways: {} > {}",
            section.scroll_width(),
            section.client_width()
        );
    }
}

// The plot's table of values is for screen readers: hidden, it must not make the page scroll
// sideways (a table grows to its content, about 1000 px here, whatever width it is given).
#[wasm_bindgen_test]
async fn the_offsets_plots_hidden_table_does_not_widen_the_page() {
    load_css();
    let scenario = Scenario::parse(TWO_PHASE).expect("a shipped scenario parses");
    let world = World::new(&scenario.world_config(), scenario.seed).expect("its world");
    // Wider than the drawing, narrower than the table.
    const WIDTH: u32 = 640;
    let steps = StepsSoFar::replay(world, scenario.steps.iter().take(8).cloned());
    let tp = steps
        .marks()
        .last()
        .and_then(|marks| marks.first())
        .map(|m| m.topic_partition.clone())
        .expect("a partition");
    let root = new_root(WIDTH);
    // The root is the hidden table's containing block, so its overflow is the page's.
    root.set_attribute("style", &format!("width: {WIDTH}px; position: relative"))
        .expect("a style");
    yew::Renderer::<OffsetsPlot>::with_root_and_props(
        root.clone(),
        OffsetsPlotProps {
            steps,
            topic_partition: tp,
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert!(
        !all(&root, "#offsets-plot-table tbody tr").is_empty(),
        "the table is there for screen readers"
    );
    assert!(
        root.scroll_width() <= i32::try_from(WIDTH).expect("small"),
        "the page would be {} px wide",
        root.scroll_width()
    );
}

/// An answer carrying an error shows Kafka's message for it under the error's name.
#[wasm_bindgen_test]
async fn the_network_panel_gives_kafkas_message_beside_an_answers_error() {
    use eos_web::components::network_panel::{NetworkPanel, NetworkPanelProps};
    let scenario = Scenario::parse(
        r#"{"format_version": 1, "cluster": {"brokers": 3, "topics": [{"name": "payments"}]},
            "producers": [], "consumers": [],
            "steps": [{"step": "init_producer_id_raw", "transactional_id": "payment-writer", "broker": 2}]}"#,
    )
    .expect("a scenario");
    let run = scenario.run().expect("the scenario runs");
    let root = mount::<NetworkPanel>(
        NetworkPanelProps {
            world: WorldRef(Rc::new(run.world)),
            dispatch: Callback::noop(),
            auto_deliver: false,
            fetch_answer: None,
        },
        375,
    )
    .await;
    assert!(text(&root, "#messages").contains("NOT_COORDINATOR"));
    let message = text(&root, ".message-error");
    assert!(
        message.contains(eos_core::error_code::ErrorCode::NotCoordinator.message()),
        "{message}"
    );
}

// A hand-made OffsetFetch is answered within its step and never travels the network; the
// network panel still lists it, sender and receiver named, with the answer's error.
#[wasm_bindgen_test]
async fn the_network_panel_lists_a_hand_made_offset_fetch_and_its_unstable_offset_commit_answer() {
    load_css();
    let root = mount_app().await;
    load(&root, "OffsetCommit and OffsetFetch by hand").await;
    next_scripted(&root, 6).await;
    assert!(
        !text(&root, "#exchanges").contains("UNSTABLE_OFFSET_COMMIT"),
        "not asked yet"
    );
    next_scripted(&root, 1).await;
    let newest = find(&root, "#exchanges > li");
    let shown = newest.text_content().unwrap_or_default();
    assert!(shown.contains("step 7 lab → broker 1"), "{shown}");
    assert!(
        shown.contains("OffsetFetch request (group billing, require_stable: payments-0)"),
        "{shown}"
    );
    assert!(
        shown.contains("broker 1 → lab: OffsetFetch response (payments-0: UNSTABLE_OFFSET_COMMIT)"),
        "{shown}"
    );
    assert!(
        shown.contains(eos_core::error_code::ErrorCode::UnstableOffsetCommit.message()),
        "Kafka's message beside the error: {shown}"
    );
    assert!(newest.class_list().contains("is-current"), "this step's");
    // The TxnOffsetCommit of step 6 is listed under it, no longer the current step's.
    let rows = all(&root, "#exchanges > li");
    let before = rows[1].text_content().unwrap_or_default();
    assert!(
        before.contains("TxnOffsetCommit response (NONE)"),
        "{before}"
    );
    assert!(!rows[1].class_list().contains("is-current"));
    // The panel fits a phone.
    let panel = mount::<eos_web::components::network_panel::NetworkPanel>(
        eos_web::components::network_panel::NetworkPanelProps {
            world: WorldRef(Rc::new(core_after(
                include_str!("../../../assets/scenarios/22-offset-commit-and-fetch-by-hand.json"),
                7,
            ))),
            dispatch: Callback::noop(),
            auto_deliver: false,
            fetch_answer: None,
        },
        375,
    )
    .await;
    let section = find(&panel, "section");
    assert!(
        section.scroll_width() <= section.client_width(),
        "scrolls sideways: {} > {}",
        section.scroll_width(),
        section.client_width()
    );
}
