//! Browser tests of the lesson player: a lesson opened from the address, its beats stepped
//! through, the pointed-at element outlined on the stage, a turn passed by the learner's own
//! click on the stage, a wrong move answered by the hint, "show me", the keyboard alone,
//! progress saved and restored (never losing a pass recorded by exercise mode meanwhile), and a
//! broken lesson file told as a located notice. The lesson texts are handed in (tests have no
//! server); the app fetches the same files from the site.
//! Run with `cargo test -p eos-web --target wasm32-unknown-unknown --test lessons`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_web::App;
use eos_web::app::AppProps;
use eos_web::course::fetch::CourseFiles;
use eos_web::course::progress_store::{self, ASIDE_KEY, STORAGE_KEY};
use eos_web::launch::LaunchOptions;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, press, text};

const TWO_GENERALS: &str = include_str!("../../../assets/lessons/two-generals.json");
const OUTLINE: &str = include_str!("../../../assets/course.json");

fn shipped_files() -> CourseFiles {
    files(TWO_GENERALS)
}

fn files(lesson: &str) -> CourseFiles {
    let mut files = BTreeMap::new();
    files.insert("assets/course.json".to_owned(), OUTLINE.to_owned());
    files.insert(
        "assets/lessons/two-generals.json".to_owned(),
        lesson.to_owned(),
    );
    CourseFiles::Given(Rc::new(files))
}

/// The app opened at `query` with the course's files handed in, once the lesson has loaded.
async fn open(query: &str, course_files: CourseFiles) -> (Element, AppHandle<App>) {
    let root = gloo::utils::document()
        .create_element("div")
        .expect("a div");
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    let props = AppProps {
        launch: Some(Rc::new(LaunchOptions::parse(query))),
        course_files,
        ..Default::default()
    };
    let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    settle().await;
    (root, handle)
}

/// Lets the lesson's (handed-in) read finish and every render it causes.
async fn settle() {
    for _ in 0..4 {
        yew::scheduler::flush().await;
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    yew::scheduler::flush().await;
}

/// Selects the acknowledgement drawn on the stage, as a mouse click does (an SVG element has
/// no `click()`).
async fn click_ack(root: &Element) {
    let ack = all(root, ".stage-pill")
        .into_iter()
        .find(|p| {
            p.get_attribute("aria-label")
                .is_some_and(|name| name.contains("Acknowledgement"))
        })
        .expect("the ack in flight on the stage");
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("click", &init).expect("event");
    ack.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

fn beat_text(root: &Element) -> String {
    text(root, "#lesson-beat")
}

fn storage() -> web_sys::Storage {
    gloo::utils::window()
        .local_storage()
        .expect("storage")
        .expect("a local storage")
}

#[wasm_bindgen_test]
async fn a_lesson_steps_through_its_beats_and_outlines_what_it_points_at() {
    let (root, _app) = open("?lesson=two-generals", shipped_files()).await;
    assert_eq!(
        text(&root, "#lesson-heading"),
        "The two generals and the lost ack"
    );
    assert_eq!(text(&root, "#lesson-where"), "Beat 1 of 6");
    assert!(beat_text(&root).contains("Neither retries"));
    assert!(
        !exists(&root, "#next-scripted"),
        "the beats lead: the scenario's own script is not offered beside them"
    );
    assert!(
        find(&root, "#stage-producer-p1")
            .class_list()
            .contains("is-pointed"),
        "beat 1 points at p1"
    );
    click(&root, "#lesson-next").await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 2 of 6");
    assert!(beat_text(&root).contains("sends"));
    assert!(
        text(&root, "#narration-heading").starts_with("Step 1"),
        "the beat's action is one step of the lab, told by its narration"
    );
    assert!(
        find(&root, "#detail-network").has_attribute("open"),
        "a panel target unfolds its group"
    );
    click(&root, "#lesson-next").await;
    assert!(
        find(&root, "#stage-offset-payments-0-0")
            .class_list()
            .contains("is-pointed"),
        "beat 3 points at offset 0"
    );
    assert!(
        !exists(&root, "#stage-producer-p1.is-pointed"),
        "one mark at a time"
    );
    click(&root, "#lesson-prev").await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 2 of 6");
}

#[wasm_bindgen_test]
async fn the_learners_own_drop_passes_and_a_wrong_move_shows_the_hint() {
    let (root, _app) = open("?lesson=two-generals&beat=3", shipped_files()).await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 3 of 6");
    assert!(text(&root, "#lesson-status").contains("not yet"));
    assert!(
        find(&root, "#lesson-next").has_attribute("disabled"),
        "the turn gates the next beat"
    );
    assert!(!exists(&root, "#lesson-hint"));
    // A wrong move: deliver the ack instead of dropping it.
    click_ack(&root).await;
    click(&root, "#stage-action-deliver").await;
    assert!(exists(&root, "#lesson-hint"), "the hint after a wrong move");
    assert!(text(&root, "#lesson-hint").contains("Drop"));
    // Start the turn again and drop the ack on the stage.
    click(&root, "#lesson-try-again").await;
    assert!(!exists(&root, "#lesson-hint"));
    click_ack(&root).await;
    click(&root, "#stage-action-drop").await;
    assert!(
        text(&root, "#lesson-status").starts_with("✓ Well done"),
        "{}",
        text(&root, "#lesson-status")
    );
    assert!(!find(&root, "#lesson-next").has_attribute("disabled"));
    click(&root, "#lesson-next").await;
    assert!(beat_text(&root).contains("REQUEST_TIMED_OUT"));
}

#[wasm_bindgen_test]
async fn show_me_plays_the_reference_and_opens_the_next_beat() {
    let (root, _app) = open("?lesson=two-generals&beat=3", shipped_files()).await;
    click(&root, "#lesson-show-me").await;
    assert!(
        text(&root, "#lesson-status").starts_with("✓ Shown"),
        "{}",
        text(&root, "#lesson-status")
    );
    assert!(
        text(&root, "#narration-heading").contains("drop"),
        "the reference's drop is a step of the lab: {}",
        text(&root, "#narration-heading")
    );
    assert!(!find(&root, "#lesson-next").has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn the_lesson_is_played_with_the_keyboard_alone() {
    let (root, _app) = open("?lesson=two-generals", shipped_files()).await;
    let body: Element = gloo::utils::body().into();
    press(&body, "]").await;
    settle().await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 2 of 6");
    press(&body, "]").await;
    settle().await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 3 of 6");
    press(&body, "]").await;
    settle().await;
    assert_eq!(
        text(&root, "#lesson-where"),
        "Beat 3 of 6",
        "the turn holds the next beat back"
    );
    press(&body, "[").await;
    settle().await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 2 of 6");
    // Every control of the player is a real button, reachable by Tab.
    for id in ["#lesson-prev", "#lesson-next", "#lesson-close"] {
        assert_eq!(find(&root, id).tag_name(), "BUTTON", "{id}");
    }
    assert_eq!(
        find(&root, "#lesson-beat")
            .get_attribute("aria-live")
            .as_deref(),
        Some("polite"),
        "a screen reader reads the new beat"
    );
}

#[wasm_bindgen_test]
async fn progress_is_saved_and_restored_and_a_bad_stored_value_is_kept_aside() {
    let storage = storage();
    storage.remove_item(STORAGE_KEY).expect("removed");
    storage.remove_item(ASIDE_KEY).expect("removed");
    let (root, app) = open("?lesson=two-generals", shipped_files()).await;
    click(&root, "#lesson-next").await;
    click(&root, "#lesson-next").await;
    settle().await;
    let saved = storage.get_item(STORAGE_KEY).expect("read").expect("saved");
    let progress = eos_course::Progress::from_json(&saved).expect("progress JSON");
    assert_eq!(progress.lessons["two-generals"].furthest_beat, 2);
    app.destroy();
    root.remove();
    // A new visit lists the lesson as reached, and opening it resumes there.
    let (root, _app) = open("", shipped_files()).await;
    click(&root, "#course-button").await;
    settle().await;
    assert!(text(&root, "#course-outline").contains("reached beat 3"));
    click(&root, "#course-lesson-two-generals").await;
    settle().await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 3 of 6");

    storage
        .set_item(STORAGE_KEY, "{not progress")
        .expect("stored");
    let (root, _app) = open("", shipped_files()).await;
    click(&root, "#course-button").await;
    settle().await;
    assert!(text(&root, "#progress-notice").contains("kept aside"));
    assert_eq!(
        storage.get_item(ASIDE_KEY).expect("read").as_deref(),
        Some("{not progress"),
        "nothing the learner had is lost"
    );
    storage.remove_item(STORAGE_KEY).expect("removed");
    storage.remove_item(ASIDE_KEY).expect("removed");
}

#[wasm_bindgen_test]
async fn an_embedded_lesson_does_not_save() {
    let storage = storage();
    storage.remove_item(STORAGE_KEY).expect("removed");
    let (root, _app) = open("?embed&lesson=two-generals", shipped_files()).await;
    click(&root, "#lesson-next").await;
    settle().await;
    assert_eq!(text(&root, "#lesson-where"), "Beat 2 of 6");
    assert_eq!(storage.get_item(STORAGE_KEY).expect("read"), None);
}

#[wasm_bindgen_test]
async fn a_broken_lesson_file_is_a_located_notice_and_the_lab_still_works() {
    let broken = TWO_GENERALS.replace(
        r#""show_me": [{"step": "drop"}]"#,
        r#""show_me": [{"step": "deliver"}]"#,
    );
    assert_ne!(broken, TWO_GENERALS);
    let (root, _app) = open("?lesson=two-generals", files(&broken)).await;
    let notice = text(&root, "#lesson-error");
    assert!(
        notice.contains("assets/lessons/two-generals.json"),
        "{notice}"
    );
    assert!(notice.contains("/beats/2/your_turn/show_me"), "{notice}");
    // The lab is usable: the picker's free play still loads and steps.
    assert!(exists(&root, "#scenario-picker"));
    let (missing, _app) = open("?lesson=no-such-lesson", shipped_files()).await;
    assert!(text(&missing, "#lesson-error").contains("could not be loaded"));
}

#[wasm_bindgen_test]
async fn the_welcome_and_the_top_band_lead_into_the_course() {
    let (root, _app) = open("", shipped_files()).await;
    click(&root, "#course-start").await;
    settle().await;
    assert_eq!(
        text(&root, "#lesson-heading"),
        "The two generals and the lost ack"
    );
    click(&root, "#lesson-close").await;
    assert!(!exists(&root, "#lesson-player"));
}

#[wasm_bindgen_test]
async fn an_exercise_passed_while_a_lesson_is_open_is_never_lost() {
    let storage = storage();
    storage.remove_item(STORAGE_KEY).expect("removed");
    let (root, app) = open("?lesson=two-generals", shipped_files()).await;
    // Exercise mode records a pass after the player read its copy of the progress.
    progress_store::exercise_passed("charge-twice", 7);
    click(&root, "#lesson-next").await;
    settle().await;
    let saved = |storage: &web_sys::Storage| {
        let text = storage.get_item(STORAGE_KEY).expect("read").expect("saved");
        eos_course::Progress::from_json(&text).expect("progress JSON")
    };
    let progress = saved(&storage);
    assert!(
        progress.exercise_passed("charge-twice"),
        "the player's save kept the exercise's pass"
    );
    assert_eq!(progress.lessons["two-generals"].furthest_beat, 1);
    // And the other way: a later pass keeps the beat the player reached.
    progress_store::exercise_passed("charge-twice", 5);
    let progress = saved(&storage);
    assert_eq!(progress.lessons["two-generals"].furthest_beat, 1);
    assert_eq!(progress.exercises["charge-twice"].best_steps, 5);
    // The outline shows the pass made outside the player.
    click(&root, "#course-button").await;
    click(&root, "#course-button").await;
    settle().await;
    assert!(
        text(&root, "#course-outline").contains("✓ passed"),
        "{}",
        text(&root, "#course-outline")
    );
    app.destroy();
    root.remove();
    storage.remove_item(STORAGE_KEY).expect("removed");
}
