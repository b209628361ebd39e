//! Browser tests of the inspector components, each mounted alone with a world built from a
//! shipped scenario, checking what a learner would read on the page. Run with
//! `cargo test -p eos-web --target wasm32-unknown-unknown --test inspectors`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::run::scenario::Scenario;
use eos_core::{Offset, TopicPartition, World};
use eos_web::components::branch_compare::{BranchCompare, BranchCompareProps};
use eos_web::components::database_panel::{DatabasePanel, DatabasePanelProps};
use eos_web::components::offsets_plot::{OffsetsPlot, OffsetsPlotProps};
use eos_web::components::record_inspector::{RecordInspector, RecordInspectorProps};
use eos_web::components::tool_view::{ToolView, ToolViewProps};
use eos_web::steps::StepsSoFar;
use std::rc::Rc;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use web_sys::wasm_bindgen::JsCast;
use yew::{AttrValue, BaseComponent};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{click, find, load_styles, text};

const ABORTED: &str =
    include_str!("../../../assets/scenarios/18-21-aborted-records-are-skipped.json");
const SIX_IN_ONE: &str =
    include_str!("../../../assets/scenarios/26-cost-six-records-in-one-transaction.json");
const SIDE_EFFECT_TWICE: &str = include_str!("../../../assets/scenarios/24-side-effect-twice.json");
const EFFECT_ONCE: &str = include_str!("../../../assets/scenarios/04-effect-once.json");
const OUTBOX: &str = include_str!("../../../assets/scenarios/25-outbox.json");
const INSPECTORS_CSS: &str = include_str!("../../../web/inspectors.css");

/// The world after every step of a scenario, and the steps on the way.
fn run(text: &str) -> (Rc<World>, StepsSoFar) {
    let scenario = Scenario::parse(text).expect("a shipped scenario parses");
    let run = scenario.run().expect("a shipped scenario runs");
    let steps = history(text, scenario.steps.len());
    assert_eq!(
        steps.cursor(),
        scenario.steps.len(),
        "every shipped step applies"
    );
    (Rc::new(run.world), steps)
}

/// The first `steps` steps of a scenario, with the cursor after them.
fn history(text: &str, steps: usize) -> StepsSoFar {
    let scenario = Scenario::parse(text).expect("a shipped scenario parses");
    let world = World::new(&scenario.world_config(), scenario.seed).expect("its world");
    StepsSoFar::replay(world, scenario.steps.iter().take(steps).cloned())
}

/// `component` with `props` in a fresh element of `width_px` (0: no width), rendered.
async fn mount<C: BaseComponent>(props: C::Properties, width_px: u32) -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    if width_px > 0 {
        root.set_attribute("style", &format!("width: {width_px}px"))
            .expect("a style");
    }
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    root
}

/// Loads the inspectors' stylesheet once, for tests that depend on layout.
fn load_css() {
    load_styles("inspectors-css", INSPECTORS_CSS);
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let nodes = root.query_selector_all(selector).expect("a valid selector");
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

fn payments(partition: u32) -> TopicPartition {
    TopicPartition::new("payments", partition)
}

// Record inspector

/// The record inspector alone, on payments-0 at `offset` after the scenario's steps.
async fn inspect_record(scenario: &str, offset: i64) -> Element {
    let (world, steps) = run(scenario);
    mount::<RecordInspector>(
        RecordInspectorProps {
            world,
            steps,
            topic_partition: payments(0),
            offset: Offset(offset),
        },
        0,
    )
    .await
}

#[wasm_bindgen_test]
async fn an_aborted_record_is_read_uncommitted_but_skipped_by_read_committed() {
    let root = inspect_record(ABORTED, 0).await;
    let region = find(&root, "section");
    let heading = find(&root, "#record-inspector-heading");
    assert_eq!(
        region.get_attribute("aria-labelledby").as_deref(),
        Some("record-inspector-heading")
    );
    assert_eq!(
        heading.text_content().as_deref(),
        Some("Why can't I see it?")
    );
    let verdicts = texts(&root, "#record-visibility .verdict-row");
    assert!(verdicts[0].contains("read_uncommitted"), "{verdicts:?}");
    assert!(verdicts[0].contains("returned"), "{verdicts:?}");
    assert!(verdicts[1].contains("read_committed"), "{verdicts:?}");
    assert!(
        verdicts[1].contains("aborted-transaction index"),
        "{verdicts:?}"
    );
    let why = text(&root, "#record-explanation");
    assert!(why.contains("ABORT marker at offset 2"), "{why}");
    assert!(text(&root, "#record-visibility").contains("part of an aborted transaction"));
    // Written by a hand-made request, not a send.
    assert!(text(&root, "#record-provenance").contains("no send"));
}

#[wasm_bindgen_test]
async fn a_marker_explains_the_offset_gap() {
    let root = inspect_record(ABORTED, 2).await;
    let verdicts = texts(&root, "#record-visibility .verdict-row");
    assert!(
        verdicts.iter().all(|v| v.contains("control record")),
        "{verdicts:?}"
    );
    assert!(text(&root, "#record-explanation").contains("gaps"));
}

#[wasm_bindgen_test]
async fn provenance_names_the_send_and_the_retry_the_broker_deduplicated() {
    let root = inspect_record(EFFECT_ONCE, 0).await;
    let origin = text(&root, "#record-provenance");
    assert!(origin.contains("p1 sent key pay-1"), "{origin}");
    assert!(origin.contains("attempt 1 (the first request)"), "{origin}");
    assert!(origin.contains("attempt 2: the broker"), "{origin}");
}

// Real-tool view

#[wasm_bindgen_test]
async fn the_dump_log_shows_the_abort_marker_and_names_its_command() {
    let (world, _) = run(ABORTED);
    let root = mount::<ToolView>(
        ToolViewProps {
            world,
            topic_partition: payments(0),
            transactional_id: None,
        },
        0,
    )
    .await;
    assert_eq!(
        text(&root, "#tool-command code"),
        "$ kafka-dump-log.sh --deep-iteration --print-data-log --files payments-0/00000000000000000000.log"
    );
    let dump = text(&root, "pre#tool-output");
    assert!(dump.contains("endTxnMarker: ABORT"), "{dump}");
    assert!(dump.contains("producerId: 6000"), "{dump}");
    assert_eq!(
        find(&root, "#tool-dump-log")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
async fn the_selector_switches_to_describe_producers_and_describe_transaction() {
    let (world, _) = run(SIX_IN_ONE);
    let root = mount::<ToolView>(
        ToolViewProps {
            world,
            topic_partition: payments(0),
            transactional_id: Some(AttrValue::from("payment-writer")),
        },
        0,
    )
    .await;
    click(&root, "#tool-describe-producers").await;
    assert!(
        text(&root, "#tool-command").contains("describe-producers --topic payments --partition 0")
    );
    assert!(text(&root, "#tool-output").contains("LastSequence"));
    assert_eq!(
        find(&root, "#tool-describe-producers")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("true")
    );
    click(&root, "#tool-describe-transaction").await;
    let described = text(&root, "#tool-output");
    assert!(described.contains("payment-writer"), "{described}");
    assert!(described.contains("CompleteCommit"), "{described}");
}

#[wasm_bindgen_test]
async fn long_tool_lines_scroll_inside_their_box_at_375_px() {
    load_css();
    let (world, _) = run(ABORTED);
    let root = mount::<ToolView>(
        ToolViewProps {
            world,
            topic_partition: payments(0),
            transactional_id: None,
        },
        375,
    )
    .await;
    let output = find(&root, "pre#tool-output");
    assert!(
        output.scroll_width() > output.client_width(),
        "a dump-log line is wider than a phone"
    );
    assert!(
        root.scroll_width() <= 375,
        "the panel itself is {} px wide",
        root.scroll_width()
    );
    assert_eq!(output.get_attribute("tabindex").as_deref(), Some("0"));
}

// Offsets plot

#[wasm_bindgen_test]
async fn an_open_transaction_shows_the_high_watermark_above_the_lso() {
    load_css();
    // After 8 steps three payments are in the log and the transaction is still open.
    let history = history(SIX_IN_ONE, 8);
    let cursor = history.cursor();
    let tp = history
        .marks()
        .last()
        .expect("marks after the last step")
        .iter()
        .find(|m| m.high_watermark > m.last_stable_offset)
        .map(|m| m.topic_partition.clone())
        .expect("the open transaction holds some partition's LSO");
    let root = mount::<OffsetsPlot>(
        OffsetsPlotProps {
            steps: history,
            topic_partition: tp,
        },
        375,
    )
    .await;
    assert!(
        root.scroll_width() <= 375,
        "the plot fits 375 px: the page is {} px wide",
        root.scroll_width()
    );
    let svg = find(&root, "svg#offsets-plot-svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert!(text(&root, "#offsets-plot-title").starts_with("Offsets of payments-"));
    let desc = text(&root, "#offsets-plot-desc");
    assert!(
        desc.contains("read_committed consumers wait at the LSO"),
        "{desc}"
    );

    // The screen-reader table's row for the cursor: the high watermark is above the LSO.
    let headers = texts(&root, "#offsets-plot-table thead th");
    let row = texts(
        &root,
        &format!("#offsets-plot-table tr[data-step='{cursor}'] td"),
    );
    let column = |name: &str| {
        let i = headers.iter().position(|h| h == name).expect(name) - 1;
        row[i].parse::<i64>().expect("a number")
    };
    assert!(
        column("high watermark") > column("last stable offset (LSO)"),
        "{headers:?} {row:?}"
    );
    assert!(text(&root, "svg#offsets-plot-svg").contains("read_committed waits here"));
    // Each line has its own dash pattern in the legend, not only its own colour.
    let swatches = root
        .query_selector_all(".legend-swatch line")
        .expect("a selector");
    let dashes: Vec<String> = (0..swatches.length())
        .filter_map(|i| swatches.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|line| line.get_attribute("stroke-dasharray"))
        .collect();
    assert!(
        dashes.len() >= 4,
        "log end, HW, LSO and the reader: {dashes:?}"
    );
    let mut distinct = dashes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), dashes.len(), "{dashes:?}");
    let legend = text(&root, ".legend");
    assert!(legend.contains("reader's position"), "{legend}");
}

#[wasm_bindgen_test]
async fn with_no_open_transaction_nothing_is_shaded() {
    let history = history(ABORTED, 1);
    let root = mount::<OffsetsPlot>(
        OffsetsPlotProps {
            steps: history,
            topic_partition: payments(0),
        },
        0,
    )
    .await;
    assert!(!text(&root, "svg#offsets-plot-svg").contains("read_committed waits here"));
    assert!(text(&root, "#offsets-plot-desc").contains("wait for nothing"));
}

// Branch comparison

/// Scenario 26 with its commit replaced by an abort: the other branch.
fn aborted_branch() -> (Rc<World>, StepsSoFar) {
    let text = SIX_IN_ONE.replace("commit_transaction", "abort_transaction");
    assert_ne!(text, SIX_IN_ONE);
    run(&text)
}

#[wasm_bindgen_test]
async fn a_committed_and_an_aborted_branch_differ_in_records_and_reads() {
    let (committed, _) = run(SIX_IN_ONE);
    let (aborted, _) = aborted_branch();
    let root = mount::<BranchCompare>(
        BranchCompareProps {
            left: committed,
            right: aborted,
            left_label: AttrValue::from("Commit"),
            right_label: AttrValue::from("Abort"),
        },
        0,
    )
    .await;
    let groups = texts(&root, ".compare-group-heading");
    assert!(
        groups.iter().any(|g| g.starts_with("Partition payments-")),
        "{groups:?}"
    );
    assert!(groups.iter().any(|g| g == "Consumers"), "{groups:?}");
    let rows = texts(&root, "tr.difference");
    assert!(
        rows.iter()
            .any(|r| r.contains("committed; read_committed reads it")
                && r.contains("aborted; read_committed skips it")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("COMMIT marker") && r.contains("ABORT marker")),
        "{rows:?}"
    );
    assert!(text(&root, "#branch-compare-summary").contains("between Commit and Abort"));
}

#[wasm_bindgen_test]
async fn a_branch_compared_with_itself_agrees() {
    let (world, _) = run(SIX_IN_ONE);
    let root = mount::<BranchCompare>(
        BranchCompareProps {
            left: world.clone(),
            right: world,
            left_label: AttrValue::from("Left"),
            right_label: AttrValue::from("Right"),
        },
        0,
    )
    .await;
    assert!(text(&root, "#branch-compare-summary").contains("The branches agree"));
    assert!(root.query_selector("table").expect("a selector").is_none());
}

// Database panel

#[wasm_bindgen_test]
async fn a_side_effect_applied_twice_is_called_out() {
    let (world, _) = run(SIDE_EFFECT_TWICE);
    let root = mount::<DatabasePanel>(DatabasePanelProps { world }, 0).await;
    let row = text(&root, "tr[data-business-id='pay-1']");
    assert!(row.contains("applied twice"), "{row}");
    assert!(row.contains("charge alice 10"), "{row}");
    assert!(text(&root, "#database-summary").contains("pay-1"));
    assert!(text(&root, "#database-dedup").starts_with("None"));
}

#[wasm_bindgen_test]
async fn an_idempotent_database_applies_once_and_lists_its_dedup_table() {
    let (world, _) = run(EFFECT_ONCE);
    let root = mount::<DatabasePanel>(DatabasePanelProps { world }, 0).await;
    assert!(text(&root, "tr[data-business-id='pay-1']").contains("applied once"));
    assert!(!text(&root, "section").contains("applied twice"));
    assert_eq!(texts(&root, "#database-dedup li"), vec!["pay-1"]);
}

#[wasm_bindgen_test]
async fn the_outbox_lists_each_row_and_whether_the_relay_published_it() {
    let (world, _) = run(OUTBOX);
    let root = mount::<DatabasePanel>(DatabasePanelProps { world }, 0).await;
    // The dedup table skipped the repeat, so one row; the relay's second run published it.
    let rows = texts(&root, "#database-outbox tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("pay-1"), "{rows:?}");
    assert!(rows[0].contains("✓ published"), "{rows:?}");
}
