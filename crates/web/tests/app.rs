//! Browser tests: mount the whole app in headless Chromium, click like a user, and check what
//! the page shows. Run with `cargo test -p eos-web --target wasm32-unknown-unknown`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::{Action, World, WorldConfig};
use eos_web::App;
use eos_web::state::Payment;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh app in its own element, rendered.
async fn mount() -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

async fn click(root: &Element, selector: &str) {
    find(root, selector)
        .dyn_into::<HtmlElement>()
        .expect("a clickable element")
        .click();
    yew::scheduler::flush().await;
}

/// The `data-offset` of every record in the log, in page order.
fn record_offsets(root: &Element) -> Vec<String> {
    let records = root
        .query_selector_all("#partition-log li.record")
        .expect("a valid selector");
    (0..records.length())
        .filter_map(|i| records.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .filter_map(|record| record.get_attribute("data-offset"))
        .collect()
}

fn text(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn starts_with_an_empty_log_and_high_watermark_zero() {
    let root = mount().await;
    assert!(record_offsets(&root).is_empty());
    assert!(text(&root, "#high-watermark").contains('0'));
    assert!(
        text(&root, "#narration").is_empty(),
        "nothing is narrated before the first step"
    );
}

#[wasm_bindgen_test]
async fn send_appends_a_record_at_offset_zero_and_narrates_it() {
    let root = mount().await;
    click(&root, "#send-button").await;

    assert_eq!(record_offsets(&root), vec!["0"]);
    let record = text(&root, "#partition-log li.record[data-offset='0']");
    let first = Payment::nth(0);
    assert!(record.contains(&first.key), "{record}");
    assert!(record.contains(&first.value), "{record}");

    // The narration shows the core's own explanations of what the click caused.
    let mut world = World::new(&WorldConfig::default(), 0).expect("the default world");
    let mut events = world.step(&first.to_action()).expect("p1 exists");
    events.extend(
        world
            .step(&Action::DeliverAll {})
            .expect("a request in flight"),
    );
    let narration = text(&root, "#narration");
    for event in &events {
        assert!(
            narration.contains(&event.explanation),
            "missing from the narration: {}",
            event.explanation
        );
    }
    assert!(narration.contains("at offset 0"), "{narration}");
}

#[wasm_bindgen_test]
async fn two_sends_give_offsets_zero_and_one_and_high_watermark_two() {
    let root = mount().await;
    click(&root, "#send-button").await;
    click(&root, "#send-button").await;

    assert_eq!(record_offsets(&root), vec!["0", "1"]);
    let high_watermark = text(&root, "#high-watermark .stat-value");
    assert_eq!(high_watermark, "2");
    assert!(text(&root, "#high-watermark").contains('2'));
    assert_eq!(
        root.query_selector_all("#narration > li")
            .expect("a valid selector")
            .length(),
        2,
        "one narrated step per click"
    );
}

#[wasm_bindgen_test]
async fn reset_empties_the_log_and_the_narration() {
    let root = mount().await;
    click(&root, "#send-button").await;
    click(&root, "#send-button").await;
    click(&root, "#reset-button").await;

    assert!(record_offsets(&root).is_empty());
    assert_eq!(text(&root, "#high-watermark .stat-value"), "0");
    assert!(text(&root, "#narration").is_empty());
    // After a reset the next send starts again from the first payment.
    assert!(text(&root, "#next-payment").contains(&Payment::nth(0).key));
}
