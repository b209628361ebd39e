//! Browser tests of the stage: the drawing of the system above the panels, acted on directly.
//! Run with `cargo test -p eos-web --target wasm32-unknown-unknown --test stage`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, EventInit};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, load_styles, mount_app, press, text};

const STYLE_CSS: &str = include_str!("../../../web/style.css");
const STAGE_CSS: &str = include_str!("../../../web/stage.css");

/// Clicks an element of the drawing (an SVG element, which has no `click()`), as a mouse does.
async fn click_drawn(root: &Element, selector: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("click", &init).expect("event");
    find(root, selector)
        .dispatch_event(&event)
        .expect("dispatched");
    yew::scheduler::flush().await;
}

/// The message pills on the stage whose accessible name contains `words`, oldest first.
fn pills(root: &Element, words: &str) -> Vec<Element> {
    all(root, ".stage-pill")
        .into_iter()
        .filter(|p| {
            p.get_attribute("aria-label")
                .is_some_and(|name| name.contains(words))
        })
        .collect()
}

/// Selects the one pill named with `words` on the stage and presses `button` in the action bar.
async fn act_on_pill(root: &Element, words: &str, button: &str) {
    let found = pills(root, words);
    let [pill] = found.as_slice() else {
        panic!("one pill named {words:?}, found {}", found.len());
    };
    click_drawn(root, &format!("#{}", pill.id())).await;
    click(root, &format!("#stage-action-{button}")).await;
}

/// The offsets drawn for payments-0, in order.
fn drawn_offsets(root: &Element) -> Vec<String> {
    all(root, ".stage-cell")
        .iter()
        .filter_map(|c| {
            c.id()
                .strip_prefix("stage-offset-payments-0-")
                .map(str::to_owned)
        })
        .collect()
}

fn name_of(root: &Element, selector: &str) -> String {
    find(root, selector)
        .get_attribute("aria-label")
        .unwrap_or_default()
}

/// Free play with p1's producer id in place and one record sent from the stage, its produce
/// request in flight.
async fn free_play_with_a_send() -> Element {
    let root = mount_app().await;
    click(&root, "#deliver-all").await;
    click_drawn(&root, "#stage-producer-p1").await;
    assert!(text(&root, "#stage-selected").contains("Producer p1"));
    click(&root, "#stage-action-send").await;
    root
}

// The lost acknowledgement, acted out on the stage: the ack is dropped by acting on the ack
// itself, the retry after request.timeout.ms is answered as a duplicate, and the log keeps one
// copy (free play's p1 is idempotent).
#[wasm_bindgen_test]
async fn a_dropped_ack_on_the_stage_leads_to_a_retry_answered_as_a_duplicate() {
    let root = free_play_with_a_send().await;
    act_on_pill(&root, "Produce request for payments-0", "deliver").await;
    assert_eq!(drawn_offsets(&root), ["0"]);
    assert!(name_of(&root, "#stage-offset-payments-0-0").contains("written in this step"));

    let acks = pills(&root, "Acknowledgement");
    assert_eq!(acks.len(), 1, "the produce response is drawn as an ack");
    click_drawn(&root, &format!("#{}", acks[0].id())).await;
    assert_eq!(text(&root, "#stage-action-drop"), "Drop ack");
    click(&root, "#stage-action-drop").await;
    assert!(pills(&root, "Acknowledgement").is_empty());
    assert!(
        text(&root, ".stage-hint").contains("Select anything"),
        "the dropped ack is no longer selected"
    );

    click(&root, "#advance-30000").await;
    act_on_pill(&root, "Produce request for payments-0", "deliver").await;
    assert_eq!(drawn_offsets(&root), ["0"], "still one copy in the log");
    let cell = name_of(&root, "#stage-offset-payments-0-0");
    assert!(cell.contains("answered as a duplicate"), "{cell}");
    assert!(text(&root, "#stage-offset-payments-0-0").contains('↺'));
    let narration = text(&root, "#narration");
    assert!(
        narration.contains("answers with the original offset 0 and writes nothing"),
        "{narration}"
    );
    assert_eq!(
        pills(&root, "Produce response for payments-0 (offset 0)").len(),
        1,
        "the duplicate is answered with the original offset"
    );
}

// A broker crashed and restarted from the stage; the panels (the core) agree.
#[wasm_bindgen_test]
async fn a_broker_crashes_and_restarts_from_the_stage() {
    let root = mount_app().await;
    assert!(name_of(&root, "#stage-broker-1").contains("Broker 1, up"));
    click_drawn(&root, "#stage-broker-1").await;
    assert_eq!(text(&root, "#stage-action-crash"), "Crash");
    click(&root, "#stage-action-crash").await;
    assert!(name_of(&root, "#stage-broker-1").contains("Broker 1, down"));
    assert!(text(&root, ".stage-broker").contains("▼ down"));
    assert!(
        text(&root, ".brokers").contains("▼ down"),
        "the panel agrees"
    );
    assert!(exists(&root, ".stage-broker.is-changed"));
    assert!(name_of(&root, "#stage-coordinator").contains("its broker is down"));

    click(&root, "#stage-action-restart").await;
    assert!(name_of(&root, "#stage-broker-1").contains("Broker 1, up"));
    assert!(text(&root, ".brokers").contains("▲ up"));
}

// A partition's broker on the stage leads down to the folded partition logs, opened.
#[wasm_bindgen_test]
async fn the_stage_leads_to_the_detail_panel_of_what_is_selected() {
    let root = support::mount_with(eos_web::app::AppProps::default())
        .await
        .0;
    assert!(
        !find(&root, "#detail-logs").has_attribute("open"),
        "folded at first"
    );
    assert!(
        !exists(&root, "#detail-logs .logs"),
        "a folded group's panels are not built yet"
    );
    click_drawn(&root, "#stage-broker-1").await;
    click(&root, "#stage-show-details").await;
    assert!(find(&root, "#detail-logs").has_attribute("open"));
    // The group builds its panels on the `toggle` event, a task after it opened.
    yew::platform::time::sleep(std::time::Duration::from_millis(1)).await;
    yew::scheduler::flush().await;
    assert!(
        exists(&root, "#detail-logs .logs"),
        "the partition logs are there once opened"
    );
}

// An offset on the stage opens in the inspector.
#[wasm_bindgen_test]
async fn an_offset_on_the_stage_opens_in_the_inspector() {
    let root = free_play_with_a_send().await;
    click(&root, "#deliver-all").await;
    click_drawn(&root, "#stage-offset-payments-0-0").await;
    let offset = find(&root, "#inspect-offset")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("an input");
    assert_eq!(offset.value(), "0");
    let inspect = text(&root, ".inspect-group");
    assert!(inspect.contains("payments-0@0"), "{inspect}");
    assert!(exists(&root, "#stage-offset-payments-0-0.is-inspected"));
}

// An offset picked on the stage opens the inspector even while its group is folded and not
// built yet.
#[wasm_bindgen_test]
async fn an_offset_opens_the_folded_inspector() {
    let root = support::mount_with(eos_web::app::AppProps::default())
        .await
        .0;
    find(&root, "#detail-network")
        .set_attribute("open", "")
        .expect("unfolded");
    yew::platform::time::sleep(std::time::Duration::from_millis(1)).await;
    yew::scheduler::flush().await;
    click(&root, "#deliver-all").await;
    click_drawn(&root, "#stage-producer-p1").await;
    click(&root, "#stage-action-send").await;
    click(&root, "#deliver-all").await;
    assert!(
        !exists(&root, "#inspect-offset"),
        "the inspector is not built yet"
    );
    click_drawn(&root, "#stage-offset-payments-0-0").await;
    yew::scheduler::flush().await;
    assert!(find(&root, "#detail-inspector").has_attribute("open"));
    let inspect = text(&root, ".inspect-group");
    assert!(inspect.contains("payments-0@0"), "{inspect}");
}

/// Focuses an element of the drawing the way Tab would land on it.
fn focus(element: &Element) {
    let focus = js_sys::Reflect::get(element, &JsValue::from_str("focus")).expect("focus");
    focus
        .dyn_into::<js_sys::Function>()
        .expect("a function")
        .call0(element)
        .expect("focused");
}

fn focused_id() -> String {
    gloo::utils::document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

// Everything on the stage is reachable and named; Enter selects and the action bar takes focus.
#[wasm_bindgen_test]
async fn the_stage_is_operable_by_keyboard() {
    load_styles("app-css", STYLE_CSS);
    load_styles("stage-css", STAGE_CSS);
    let root = mount_app().await;
    let controls = all(&root, ".stage-control");
    assert!(
        controls.len() >= 6,
        "producers, brokers, consumers, messages"
    );
    for control in &controls {
        assert_eq!(control.get_attribute("tabindex").as_deref(), Some("0"));
        assert_eq!(control.get_attribute("role").as_deref(), Some("button"));
        assert!(
            control
                .get_attribute("aria-label")
                .is_some_and(|n| n.len() > 5),
            "{} is named",
            control.id()
        );
    }
    assert!(exists(&root, ".stage-hint"), "nothing selected yet");

    let broker = find(&root, "#stage-broker-1");
    focus(&broker);
    assert_eq!(focused_id(), "stage-broker-1");
    press(&broker, "Enter").await;
    assert!(text(&root, "#stage-selected").contains("Broker 1"));
    assert_eq!(
        broker.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    yew::scheduler::flush().await;
    assert_eq!(
        focused_id(),
        "stage-action-crash",
        "focus moves to the action"
    );

    let pill = pills(&root, "InitProducerId").remove(0);
    press(&pill, " ").await;
    assert!(text(&root, "#stage-selected").contains("InitProducerId request"));
    assert_eq!(
        all(&root, ".stage-actions button")
            .iter()
            .map(|b| b.text_content().unwrap_or_default())
            .collect::<Vec<_>>(),
        [
            "Deliver",
            "Drop",
            "Duplicate",
            "Delay",
            "Details: the network"
        ]
    );
    yew::scheduler::flush().await;
    assert_eq!(focused_id(), "stage-action-deliver");
    click(&root, "#stage-action-deliver").await;
    yew::scheduler::flush().await;
    assert!(
        pills(&root, "InitProducerId request").is_empty(),
        "delivered"
    );
    assert_eq!(
        focused_id(),
        "stage-selected",
        "focus lands on the hint, not the top of the page"
    );
}

// At a phone's width the parts are stacked (the tall drawing): every node is on the page's
// width, nothing scrolls sideways, and the drawing goes back to the wide one when there is room.
#[wasm_bindgen_test]
async fn at_375_px_the_stage_stacks_its_parts_and_never_scrolls_sideways() {
    load_styles("app-css", STYLE_CSS);
    load_styles("stage-css", STAGE_CSS);
    let root = mount_app().await;
    root.set_attribute("style", "width: 375px")
        .expect("a style");
    settle_resize().await;
    let scroll = find(&root, ".stage-scroll");
    let drawing = find(&root, ".stage-drawing");
    assert!(drawing.class_list().contains("is-tall"), "the tall drawing");
    assert!(
        scroll.scroll_width() <= scroll.client_width(),
        "no sideways scroll: {} in {}",
        scroll.scroll_width(),
        scroll.client_width()
    );
    let stage = find(&root, ".stage").get_bounding_client_rect();
    assert!(
        stage.width() <= 375.5,
        "the stage keeps to the page's width"
    );
    for node in [".stage-producer", ".stage-broker", ".stage-consumer"] {
        let rect = find(&root, node).get_bounding_client_rect();
        assert!(
            rect.left() >= stage.left() && rect.right() <= stage.right(),
            "{node} is on the page: {} to {} in {} to {}",
            rect.left(),
            rect.right(),
            stage.left(),
            stage.right()
        );
    }
    root.set_attribute("style", "width: 1280px")
        .expect("a style");
    settle_resize().await;
    assert!(
        !find(&root, ".stage-drawing")
            .class_list()
            .contains("is-tall"),
        "the wide drawing again"
    );
}

/// Lets a ResizeObserver report the new size and the app draw again.
async fn settle_resize() {
    for _ in 0..5 {
        yew::platform::time::sleep(std::time::Duration::from_millis(20)).await;
        yew::scheduler::flush().await;
    }
}

// Hand-made requests come from the lab's own endpoint: drawn beside the producers while its
// requests are on their way, each pill linked to it, and gone once nothing of it is in flight.
#[wasm_bindgen_test]
async fn hand_made_requests_leave_from_the_labs_own_endpoint() {
    let (root, _app) =
        support::mount_at("?scenario=10-14-hand-made-coordinator-requests&step=4").await;
    let lab = text(&root, "#stage-lab");
    assert!(lab.contains("hand-made requests"), "{lab}");
    assert!(lab.contains("4 in flight"), "{lab}");
    let requests = all(&root, ".stage-pill")
        .iter()
        .filter(|pill| {
            pill.get_attribute("aria-label")
                .is_some_and(|name| name.contains("#"))
        })
        .count();
    assert!(requests >= 4, "its four requests drawn, {requests} pills");
    click(&root, "#next-scripted").await;
    click(&root, "#next-scripted").await;
    assert!(text(&root, "#step-status").contains("Step 6"));
    let lab = text(&root, "#stage-lab");
    assert!(lab.contains("1 in flight"), "{lab}");
}

// fetch.min.bytes: the consumer whose fetch the broker holds says so on the stage, on its card
// and in the step's sentence; once the commit makes enough bytes readable it reads them.
#[wasm_bindgen_test]
async fn a_consumer_waiting_for_fetch_min_bytes_shows_until_when() {
    let (root, _app) =
        support::mount_at("?scenario=18-19-20-fetch-min-bytes-waits-for-data&step=8").await;
    support::unfold_details(&root).await;
    let reader = name_of(&root, "#stage-consumer-reader");
    assert!(reader.contains("fetch waiting, until 500 ms"), "{reader}");
    let auditor = name_of(&root, "#stage-consumer-auditor");
    assert!(!auditor.contains("fetch waiting"), "{auditor}");
    let card = text(&root, "#consumer-waiting-reader");
    assert!(card.contains("until 200 bytes are readable"), "{card}");
    assert!(card.contains("until 500 ms at the latest"), "{card}");
    let sentence = text(&root, "#step-sentence");
    assert!(
        sentence.contains("reader's fetch waits at the broker"),
        "{sentence}"
    );

    for _ in 8..12 {
        click(&root, "#next-scripted").await;
    }
    assert!(text(&root, "#step-status").contains("Step 12"));
    assert!(!name_of(&root, "#stage-consumer-reader").contains("fetch waiting"));
    assert!(!exists(&root, "#consumer-waiting-reader"));
    let narration = text(&root, "#narration");
    assert!(
        narration.contains("answers reader's waiting fetch after 200 ms"),
        "{narration}"
    );
}
