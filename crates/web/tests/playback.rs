//! Browser tests of playing, auto-deliver, the URL parameters and embed mode: mount the app in
//! headless Chromium, use it as a person would, and check what the page shows.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_web::embed::EMBED_CLASS;
use std::rc::Rc;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventInit, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, load_styles, press, text, unfold_details};

/// A fresh app in its own element, started as the query string `query` says.
async fn mount(query: &str) -> Element {
    support::mount_at(query).await.0
}

async fn change(element: &Element) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("change", &init).expect("event");
    element.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

async fn choose_speed(root: &Element, value: &str) {
    let select = find(root, "#play-speed")
        .dyn_into::<HtmlSelectElement>()
        .expect("a select");
    select.set_value(value);
    change(&select).await;
}

/// Lets the playback timer run for `ms` real milliseconds.
async fn wait(ms: u32) {
    yew::platform::time::sleep(std::time::Duration::from_millis(u64::from(ms))).await;
    yew::scheduler::flush().await;
}

/// Waits until `done` holds, for at most `ms` milliseconds (a busy machine delays timers).
async fn until(ms: u32, done: impl Fn() -> bool) -> bool {
    for _ in 0..ms / 20 {
        if done() {
            return true;
        }
        wait(20).await;
    }
    done()
}

fn status(root: &Element) -> String {
    text(root, "#step-status")
}

#[wasm_bindgen_test]
async fn play_goes_forward_one_step_per_tick_and_stops_at_the_end() {
    let root = mount("").await;
    unfold_details(&root).await;
    for _ in 0..3 {
        click(&root, "#advance-100").await;
    }
    click(&root, "#to-start").await;
    assert_eq!(status(&root), "Step 0 of 3");
    choose_speed(&root, "4").await;
    click(&root, "#play-pause").await;
    assert!(text(&root, "#play-pause").contains("Pause"), "it plays");
    assert_eq!(
        status(&root),
        "Step 0 of 3",
        "the first step waits for a tick"
    );
    assert!(until(3000, || status(&root) == "Step 1 of 3").await);
    assert!(until(3000, || status(&root) == "Step 3 of 3").await);
    wait(600).await;
    assert_eq!(status(&root), "Step 3 of 3", "it does not run past the end");
    assert!(
        text(&root, "#play-pause").contains("Play"),
        "at the end it stopped by itself"
    );
    assert_eq!(
        find(&root, "#play-pause")
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("true"),
        "nothing is left to play"
    );
    click(&root, "#play-pause").await;
    assert!(
        text(&root, "#notice-text").contains("no scripted step left"),
        "pressing it says why"
    );
}

#[wasm_bindgen_test]
async fn pause_stops_playing_and_p_toggles_it() {
    let root = mount("").await;
    unfold_details(&root).await;
    for _ in 0..4 {
        click(&root, "#advance-100").await;
    }
    click(&root, "#to-start").await;
    choose_speed(&root, "4").await;
    click(&root, "#play-pause").await;
    assert!(until(3000, || status(&root) == "Step 1 of 4").await);
    click(&root, "#play-pause").await;
    let paused_at = status(&root);
    assert_eq!(paused_at, "Step 1 of 4");
    wait(700).await;
    assert_eq!(status(&root), paused_at, "paused: no step is taken");
    press(&find(&root, "#main"), "p").await;
    assert!(text(&root, "#play-pause").contains("Pause"), "p plays");
    press(&find(&root, "#main"), "p").await;
    assert!(text(&root, "#play-pause").contains("Play"), "p pauses");
}

#[wasm_bindgen_test]
async fn play_applies_the_scenarios_scripted_steps() {
    let root = mount("scenario=02-at-least-once").await;
    choose_speed(&root, "4").await;
    click(&root, "#play-pause").await;
    assert!(
        until(3000, || status(&root) == "Step 1 of 1").await,
        "the first scripted step"
    );
    click(&root, "#play-pause").await;
}

#[wasm_bindgen_test]
async fn auto_deliver_delivers_what_a_send_put_in_flight() {
    let root = mount("").await;
    unfold_details(&root).await;
    click(&root, "#send-p1").await;
    assert_ne!(
        text(&root, "#in-flight-count"),
        "0 in flight",
        "off by default"
    );
    click(&root, "#deliver-all").await;
    let switch = find(&root, "#auto-deliver")
        .dyn_into::<HtmlInputElement>()
        .expect("a checkbox");
    assert!(!switch.checked());
    switch.set_checked(true);
    change(&switch).await;
    let before = status(&root);
    click(&root, "#send-p1").await;
    assert_eq!(text(&root, "#in-flight-count"), "0 in flight");
    assert_eq!(before, "Step 2 of 2");
    assert_eq!(
        status(&root),
        "Step 4 of 4",
        "the send, then its deliver-all step"
    );
    assert_eq!(
        root.query_selector_all("#partition-log-payments-0 li.record")
            .expect("a valid selector")
            .length(),
        2,
        "both records are in the log"
    );
}

#[wasm_bindgen_test]
async fn url_parameters_choose_the_scenario_and_the_starting_step() {
    let root = mount("scenario=02-at-least-once&step=1&seed=5").await;
    assert_eq!(
        text(&root, "#scenario-heading"),
        "At-least-once: a retry after a lost ack writes a duplicate, a late commit repeats processing"
    );
    assert_eq!(status(&root), "Step 1 of 1");
    assert!(!exists(&root, "#notice"), "every parameter was used");
}

#[wasm_bindgen_test]
async fn unusable_url_parameters_are_a_notice_and_the_lab_starts_anyway() {
    let root = mount("scenario=nope&step=ten").await;
    let notice = text(&root, "#notice-text");
    assert!(notice.contains("“nope”"), "{notice}");
    assert!(notice.contains("“ten”"), "{notice}");
    assert_eq!(text(&root, "#scenario-heading"), "Free play");
    assert_eq!(status(&root), "Step 0 of 0");
}

#[wasm_bindgen_test]
async fn embed_mode_hides_the_chrome_and_keeps_its_keys_to_itself() {
    let root = mount("embed&scenario=02-at-least-once&step=1&view=log&id=first").await;
    let html = gloo::utils::document().document_element().expect("<html>");
    assert!(
        html.class_list().contains(EMBED_CLASS),
        "the page is marked"
    );
    assert!(!exists(&root, "#scenario-picker"), "no scenario picker");
    assert!(!exists(&root, "#share-link"), "no share box");
    assert!(
        find(&root, ".site-footer").has_attribute("hidden"),
        "no footer"
    );
    assert!(exists(&root, "#play-pause"), "the time controls stay");
    assert!(
        text(&root, "#embed-title").starts_with("EOS Lab: At-least-once"),
        "the page keeps a first heading, for screen readers"
    );
    assert_eq!(
        find(&root, "#main").get_attribute("data-view").as_deref(),
        Some("log")
    );
    assert_eq!(
        status(&root),
        "Step 1 of 1",
        "starts where step= says, paused"
    );
    assert!(text(&root, "#play-pause").contains("Play"));

    press(&gloo::utils::body(), "ArrowLeft").await;
    assert_eq!(
        status(&root),
        "Step 1 of 1",
        "a key outside the lab is not its"
    );
    press(&find(&root, "#main"), "ArrowLeft").await;
    assert_eq!(status(&root), "Step 0 of 1", "a key inside the lab is");
}

#[wasm_bindgen_test]
async fn an_embedded_lab_posts_its_height_with_its_id() {
    use std::cell::RefCell;
    use web_sys::js_sys::Reflect;
    let heard: Rc<RefCell<Vec<(String, f64)>>> = Rc::default();
    let listener = {
        let heard = Rc::clone(&heard);
        gloo::events::EventListener::new(&gloo::utils::window(), "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else {
                return;
            };
            let data = event.data();
            let field = |name: &str| Reflect::get(&data, &name.into()).ok();
            if field("type").and_then(|t| t.as_string()).as_deref() == Some("eos-lab:height") {
                heard.borrow_mut().push((
                    field("id")
                        .and_then(|id| id.as_string())
                        .unwrap_or_default(),
                    field("height").and_then(|h| h.as_f64()).unwrap_or_default(),
                ));
            }
        })
    };
    let _root = mount("embed&id=measured").await;
    let arrived = until(3000, || {
        heard.borrow().iter().any(|(id, _)| id == "measured")
    })
    .await;
    drop(listener);
    assert!(arrived, "a height message with the lab's id");
    let height = heard
        .borrow()
        .iter()
        .find(|(id, _)| id == "measured")
        .map(|(_, h)| *h);
    assert!(height.is_some_and(|h| h > 100.0), "{height:?}");
}

/// Loads the app's stylesheets, so heights are what a browser shows.
fn load_app_styles() {
    load_styles("style-css", include_str!("../../../web/style.css"));
    load_styles("stage-css", include_str!("../../../web/stage.css"));
    load_styles("narration-css", include_str!("../../../web/narration.css"));
}

#[wasm_bindgen_test]
async fn an_embedded_lab_is_compact_the_stage_its_story_and_its_controls() {
    load_app_styles();
    let root =
        mount("embed&scenario=13-19-20-open-transaction-holds-the-lso&step=5&id=compact").await;
    root.set_attribute("style", "width: 800px")
        .expect("a width");
    yew::scheduler::flush().await;
    for part in [".stage", ".narration-stage", "nav.time-controls"] {
        assert!(exists(&root, part), "{part} is shown");
    }
    assert!(
        !exists(&root, "details.detail"),
        "no detail panel without view="
    );
    let height = find(&root, "#main").get_bounding_client_rect().height();
    assert!(
        height <= 700.0,
        "an embedded lab is {height} px tall at 800 px wide"
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn an_embedded_view_adds_its_detail_panels_open() {
    let root = mount("embed&scenario=02-at-least-once&step=1&view=log&id=log-view").await;
    let shown: Vec<String> = all(&root, "details.detail")
        .iter()
        .map(|d| d.id())
        .collect();
    assert_eq!(shown, ["detail-network", "detail-logs"]);
    assert!(
        all(&root, "details.detail")
            .iter()
            .all(|d| d.has_attribute("open")),
        "the panels a view names are open"
    );
    root.remove();
}
