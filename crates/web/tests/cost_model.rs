//! Browser tests of the cost model panel: its two plots render with their titles and follow the
//! parameters a reader types, and the panel sits in the record inspector's group, built only
//! when that group opens. Run with `/work/wasmtest.sh WORKTREE cost_model` or
//! `cargo test -p eos-web --target wasm32-unknown-unknown --test cost_model`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_web::app::AppProps;
use eos_web::components::cost_model_panel::{CostModelPanel, CostModelPanelProps};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{exists, find, load_styles, mount_with, select_option, text, type_into};

const INSPECTORS_CSS: &str = include_str!("../../../web/inspectors.css");

async fn mount_panel(width_px: u32) -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    root.set_attribute("style", &format!("width: {width_px}px"))
        .expect("a style");
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    yew::Renderer::<CostModelPanel>::with_root_and_props(root.clone(), CostModelPanelProps {})
        .render();
    yew::scheduler::flush().await;
    root
}

#[wasm_bindgen_test]
async fn both_plots_render_with_the_benchmark_figures_and_fit_a_phone() {
    load_styles("inspectors-css", INSPECTORS_CSS);
    let root = mount_panel(375).await;
    for id in ["cost-overhead-svg", "cost-latency-svg"] {
        let svg = find(&root, &format!("svg#{id}"));
        assert_eq!(svg.get_attribute("role").as_deref(), Some("img"), "{id}");
        assert!(!text(&root, &format!("#{id}-title")).is_empty(), "{id}");
    }
    let overhead = text(&root, "#cost-overhead-svg-desc");
    assert!(
        overhead.contains("2.9% of the throughput of acks=all")
            && overhead.contains("21.3% of acks=1"),
        "{overhead}"
    );
    // Nothing reaches past the right edge, not even a tick label outside its plot's frame.
    let right_edge = root.get_bounding_client_rect().right() + 0.5;
    let past_the_edge: Vec<String> = support::all(&root, "*")
        .iter()
        .filter(|e| e.get_bounding_client_rect().right() > right_edge)
        .map(|e| format!("{} {:?}", e.tag_name(), e.text_content()))
        .collect();
    assert!(past_the_edge.is_empty(), "{past_the_edge:?}");
    assert!(
        root.scroll_width() <= 375,
        "the panel fits 375 px: it is {} px wide",
        root.scroll_width()
    );
    // Every field has a label that names it.
    for id in [
        "cost-commit-interval",
        "cost-record-bytes",
        "cost-rate",
        "cost-round-trip",
        "cost-partitions",
        "cost-protocol",
    ] {
        assert!(exists(&root, &format!("label[for='{id}']")), "{id}");
    }
}

#[wasm_bindgen_test]
async fn a_longer_commit_interval_lowers_the_overhead_and_raises_the_wait() {
    let root = mount_panel(600).await;
    let overhead_before = text(&root, "#cost-overhead-svg-desc");
    let latency_before = text(&root, "#cost-latency-svg-desc");
    let drawing_before = text(&root, "svg#cost-overhead-svg");
    type_into(&root, "input#cost-commit-interval", "1000").await;
    let overhead_after = text(&root, "#cost-overhead-svg-desc");
    assert_ne!(overhead_after, overhead_before);
    assert!(
        overhead_after.contains("Committing every 1000 ms")
            && overhead_after.contains("0.3% of the throughput of acks=all"),
        "{overhead_after}"
    );
    let latency_after = text(&root, "#cost-latency-svg-desc");
    assert!(
        latency_after.contains("1004.5 ms at worst"),
        "{latency_before} -> {latency_after}"
    );
    // The text typed while editing (not a number yet) leaves the plots as they were.
    type_into(&root, "input#cost-commit-interval", "").await;
    assert_eq!(text(&root, "#cost-overhead-svg-desc"), overhead_after);
    assert_ne!(text(&root, "svg#cost-overhead-svg"), drawing_before);
}

#[wasm_bindgen_test]
async fn protocol_v2_drops_the_clients_add_partitions_requests() {
    let root = mount_panel(600).await;
    assert!(text(&root, "#cost-overhead-svg-desc").contains("sends 1 AddPartitionsToTxn"));
    select_option(&root, "#cost-protocol", |t| t.starts_with("V2")).await;
    let desc = text(&root, "#cost-overhead-svg-desc");
    assert!(desc.contains("sends 0 AddPartitionsToTxn"), "{desc}");
}

#[wasm_bindgen_test]
async fn the_panel_is_built_only_when_the_inspector_group_opens() {
    let (root, _app) = mount_with(AppProps::default()).await;
    // The page is drawn in turns: wait (a bounded number of tasks) for the detail groups.
    for _ in 0..200 {
        if exists(&root, "#detail-inspector") {
            break;
        }
        yew::platform::time::sleep(std::time::Duration::from_millis(5)).await;
        yew::scheduler::flush().await;
    }
    assert!(
        !exists(&root, "#cost-model-heading"),
        "folded groups build nothing on the first render"
    );
    // As a click on its summary would: the browser fires `toggle` a task later.
    find(&root, "#detail-inspector")
        .set_attribute("open", "")
        .expect("opened");
    yew::platform::time::sleep(std::time::Duration::from_millis(1)).await;
    yew::scheduler::flush().await;
    assert!(exists(&root, "#detail-inspector #cost-model-heading"));
}
