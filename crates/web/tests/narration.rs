//! Browser tests of the narration under the stage and of the way in: the step's sentence and
//! its disclosure of every event, the picker naming what is loaded, and the first visit's
//! welcome. Run with `cargo test -p eos-web --target wasm32-unknown-unknown --test narration`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_web::App;
use eos_web::app::AppProps;
use eos_web::autosave::{ASIDE_KEY, STORAGE_KEY};
use eos_web::launch::LaunchOptions;
use std::rc::Rc;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, mount_app, select_option, text, unfold_details};

async fn mount(props: AppProps) -> (Element, AppHandle<App>) {
    support::mount_with(props).await
}

async fn unmount(root: Element, handle: AppHandle<App>) {
    handle.destroy();
    yew::scheduler::flush().await;
    root.remove();
}

fn clear_storage() {
    let storage = gloo::utils::window()
        .local_storage()
        .expect("storage")
        .expect("storage");
    storage.remove_item(STORAGE_KEY).expect("removed");
    storage.remove_item(ASIDE_KEY).expect("removed");
}

/// The text of the option the picker shows as chosen.
fn picked(root: &Element) -> String {
    let select = find(root, "#scenario-picker")
        .dyn_into::<HtmlSelectElement>()
        .expect("a select");
    let option = all(&select, "option")
        .into_iter()
        .nth(usize::try_from(select.selected_index()).expect("something is chosen"))
        .expect("the chosen option");
    option.text_content().unwrap_or_default()
}

const AT_LEAST_ONCE: &str =
    "At-least-once: a retry after a lost ack writes a duplicate, a late commit repeats processing";

// An error answer is told with its name in the step's groups, and Kafka's own message under it.
#[wasm_bindgen_test]
async fn an_error_answer_is_shown_with_kafkas_own_message() {
    let root = mount_app().await;
    select_option(&root, "#scenario-picker", |t| {
        t.starts_with("Transaction verification refuses a write that would hang")
    })
    .await;
    click(&root, "#load-scenario").await;
    for _ in 0..3 {
        click(&root, "#next-scripted").await;
    }
    let groups = text(&root, "#narration-groups");
    assert!(groups.contains("TRANSACTION_ABORTABLE"), "{groups}");
    assert!(
        groups.contains(
            "TRANSACTION_ABORTABLE: “The server encountered an error with the transaction."
        ),
        "{groups}"
    );
    root.remove();
}

// After a step, the narration says in one sentence what it did; every event is one click away.
#[wasm_bindgen_test]
async fn a_step_is_told_in_one_sentence_with_every_event_behind_a_disclosure() {
    let root = mount_app().await;
    select_option(&root, "#scenario-picker", |t| t == AT_LEAST_ONCE).await;
    click(&root, "#load-scenario").await;
    assert!(text(&root, "#narration-stage").contains("Step 0 · the start"));
    assert!(text(&root, "#step-sentence").contains("Next scripted step (n)"));

    click(&root, "#next-scripted").await;
    click(&root, "#next-scripted").await;
    assert!(text(&root, "#narration-heading").starts_with("Step 2 · "));
    assert_eq!(
        text(&root, "#step-sentence"),
        "Broker 1 wrote pay-1 at offset 0 of payments-0 and sent p1 its acknowledgement"
    );
    assert!(text(&root, "#narration-groups").contains("1 record written to payments-0"));

    let all_events = find(&root, "#narration-all");
    assert!(!all_events.has_attribute("open"), "folded at first");
    assert_eq!(text(&root, "#narration-all summary"), "Show all 4 events");
    click(&root, "#narration-all summary").await;
    assert!(find(&root, "#narration-all").has_attribute("open"));
    let events = all(&root, "#narration-all li");
    assert_eq!(events.len(), 4);
    assert!(
        events[0]
            .text_content()
            .unwrap_or_default()
            .contains("arrives at broker 1")
    );

    click(&root, "#next-scripted").await;
    assert!(
        text(&root, "#step-sentence").starts_with("The acknowledgement to p1 was lost"),
        "{}",
        text(&root, "#step-sentence")
    );
    // The sentence is what a screen reader announces after the click.
    let live = find(&root, "#step-sentence")
        .closest("[aria-live]")
        .expect("a lookup")
        .expect("inside a live region");
    assert_eq!(live.get_attribute("aria-live").as_deref(), Some("polite"));
}

// The picker names the loaded scenario by its title, however the lab was started.
#[wasm_bindgen_test]
async fn the_picker_names_a_scenario_opened_by_the_address() {
    let launch = LaunchOptions::parse("scenario=14-zombie-fencing&step=3");
    let (root, handle) = mount(AppProps {
        launch: Some(Rc::new(launch)),
        ..Default::default()
    })
    .await;
    let heading = text(&root, "#scenario-heading");
    assert!(heading.starts_with("Zombie fencing"), "{heading}");
    assert_eq!(picked(&root), heading, "not Free play");
    let group = find(&root, "#scenario-picker option:checked")
        .parent_element()
        .expect("in a group")
        .get_attribute("label")
        .unwrap_or_default();
    assert_eq!(group, "14 · Fencing zombies by epoch");

    // Back to free play by the welcome-free path: the picker follows.
    select_option(&root, "#scenario-picker", |t| t.starts_with("Free play")).await;
    click(&root, "#load-scenario").await;
    assert_eq!(text(&root, "#scenario-heading"), "Free play");
    assert!(picked(&root).starts_with("Free play"));
    unmount(root, handle).await;
}

// A first visit opens on the lost-acknowledgement story, and its start button takes the
// first step; a returning visitor gets the saved lab and no welcome.
#[wasm_bindgen_test]
async fn a_first_visit_opens_on_the_lost_ack_story_and_start_takes_its_first_step() {
    clear_storage();
    let page = || AppProps {
        autosave: true,
        first_visit_start: true,
        ..Default::default()
    };
    let (root, handle) = mount(page()).await;
    assert!(exists(&root, "#welcome"));
    assert_eq!(text(&root, "#scenario-heading"), AT_LEAST_ONCE);
    assert_eq!(picked(&root), AT_LEAST_ONCE);
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");

    click(&root, "#welcome-start").await;
    assert_eq!(text(&root, "#step-status"), "Step 1 of 1");
    assert!(
        !exists(&root, "#welcome"),
        "the welcome gives way to the story"
    );
    assert!(
        text(&root, "#step-sentence").starts_with("p1 sent pay-1 to payments-0"),
        "{}",
        text(&root, "#step-sentence")
    );
    unmount(root, handle).await;

    let (root, handle) = mount(page()).await;
    assert!(
        !exists(&root, "#welcome"),
        "a returning visitor is not welcomed again"
    );
    assert_eq!(
        text(&root, "#step-status"),
        "Step 1 of 1",
        "the saved lab is back"
    );
    unmount(root, handle).await;
    clear_storage();
}

#[wasm_bindgen_test]
async fn or_play_freely_loads_free_play() {
    clear_storage();
    let (root, handle) = mount(AppProps {
        autosave: true,
        first_visit_start: true,
        ..Default::default()
    })
    .await;
    click(&root, "#welcome-free-play").await;
    assert_eq!(text(&root, "#scenario-heading"), "Free play");
    assert!(!exists(&root, "#welcome"));
    unfold_details(&root).await;
    assert!(exists(&root, "#send-p1"), "free play's producer controls");
    unmount(root, handle).await;
    clear_storage();
}

// Tests and embeds that do not ask for it never get the welcome.
#[wasm_bindgen_test]
async fn a_lab_mounted_without_the_first_visit_start_opens_on_free_play() {
    let root = mount_app().await;
    assert!(!exists(&root, "#welcome"));
    assert_eq!(text(&root, "#scenario-heading"), "Free play");
}
