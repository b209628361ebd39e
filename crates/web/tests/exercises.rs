//! Browser tests of exercise mode: an exercise opened from the address, the outline or a file,
//! solved by clicking the lab's controls until its status turns "met", a wrong attempt told
//! "not yet" for the grader's reason, an exported attempt the grader passes, and broken files
//! refused with a located notice. The app fetches course files; these tests hand it their text.
//! Run with `cargo test -p eos-web --target wasm32-unknown-unknown --test exercises`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_web::App;
use eos_web::app::AppProps;
use eos_web::course::fetch::CourseFiles;
use eos_web::launch::LaunchOptions;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{
    choose_file, click, exists, find, last_download, mount_with, remember_downloads, text,
    unfold_details,
};

const CHARGE_TWICE: &str = include_str!("../../../assets/exercises/charge-twice.json");
const OUTLINE: &str = include_str!("../../../assets/course.json");

/// The course files as the server would serve them.
fn served() -> CourseFiles {
    CourseFiles::given([
        ("assets/exercises/charge-twice.json", CHARGE_TWICE),
        ("assets/course.json", OUTLINE),
    ])
}

/// The app started from `query`, with the course files served and no autosave.
async fn mount_at(query: &str) -> (Element, AppHandle<App>) {
    let (root, handle) = mount_with(AppProps {
        launch: Some(Rc::new(LaunchOptions::parse(query))),
        course_files: served(),
        ..Default::default()
    })
    .await;
    // The consumer cards and the save box sit in folded detail groups, built when opened.
    unfold_details(&root).await;
    (root, handle)
}

/// Waits, a few milliseconds at a time, until `done` holds (files are fetched and read
/// asynchronously).
async fn wait_until(root: &Element, what: &str, done: impl Fn(&Element) -> bool) {
    for _ in 0..300 {
        if done(root) {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
        yew::scheduler::flush().await;
    }
    panic!(
        "gave up waiting for {what}: {}",
        root.text_content().unwrap_or_default()
    );
}

async fn open_charge_twice() -> (Element, AppHandle<App>) {
    let (root, handle) = mount_at("?exercise=charge-twice").await;
    wait_until(&root, "the exercise", |r| exists(r, "#exercise-status")).await;
    (root, handle)
}

/// Clicks c1's calls on its consumer card, as a learner would.
async fn consumer_calls(root: &Element, calls: &[&str]) {
    for call in calls {
        click(root, &format!("#{call}-c1")).await;
    }
}

const REFERENCE: [&str; 6] = ["poll", "process", "crash", "restart", "poll", "process"];

#[wasm_bindgen_test]
async fn the_reference_clicked_on_the_controls_turns_the_status_to_met() {
    let (root, _handle) = open_charge_twice().await;
    assert!(text(&root, "#exercise-title").contains("Charge order pay-1 twice"));
    assert!(
        text(&root, ".exercise-goal").contains("pay-1"),
        "the goal in words"
    );
    let status = text(&root, "#exercise-status");
    assert!(status.starts_with("Not yet, because"), "{status}");
    assert_eq!(text(&root, "#exercise-steps"), "0 steps taken; par is 6.");
    consumer_calls(&root, &REFERENCE).await;
    let status = text(&root, "#exercise-status");
    assert!(status.starts_with("Met"), "{status}");
    assert_eq!(text(&root, "#exercise-steps"), "6 steps taken; par is 6.");
    // Reset goes back to the exercise's start, not the scenario's.
    click(&root, "#exercise-reset").await;
    assert!(text(&root, "#exercise-status").starts_with("Not yet"));
    assert_eq!(text(&root, "#exercise-steps"), "0 steps taken; par is 6.");
}

#[wasm_bindgen_test]
async fn a_wrong_attempt_is_not_yet_for_the_graders_reason() {
    let (root, _handle) = open_charge_twice().await;
    consumer_calls(
        &root,
        &[
            "poll", "process", "commit", "crash", "restart", "poll", "process",
        ],
    )
    .await;
    let status = text(&root, "#exercise-status");
    assert!(
        status.contains("Not yet, because the database applied pay-1's effect once"),
        "{status}"
    );
}

#[wasm_bindgen_test]
async fn a_control_the_exercise_does_not_allow_says_why_and_does_nothing() {
    let (root, _handle) = open_charge_twice().await;
    assert!(text(&root, "#exercise-allowed").contains("crash_consumer"));
    click(&root, "#deliver-all").await;
    let notice = text(&root, "#notice-text");
    assert!(notice.contains("does not allow"), "{notice}");
    assert_eq!(text(&root, "#exercise-steps"), "0 steps taken; par is 6.");
}

#[wasm_bindgen_test]
async fn an_imported_exercise_opens_and_its_exported_attempt_passes_the_grader() {
    let (root, _handle) = mount_at("").await;
    choose_file(&root, "#import-exercise", "charge-twice.json", CHARGE_TWICE);
    wait_until(&root, "the imported exercise", |r| {
        exists(r, "#exercise-status")
    })
    .await;
    consumer_calls(&root, &REFERENCE).await;
    remember_downloads();
    click(&root, "#export-attempt").await;
    let attempt = last_download().await;
    let exercise = eos_course::Exercise::parse("charge-twice", CHARGE_TWICE).expect("parses");
    let start = exercise
        .check("charge-twice", &eos_web::scenarios::shipped_text)
        .expect("checks");
    let grade = eos_course::grade(&exercise, &start, &attempt);
    assert!(grade.passed(), "{}", grade.reason());
    assert_eq!(grade.steps, Some(6));
}

#[wasm_bindgen_test]
async fn the_outline_lists_the_exercises_and_opens_one() {
    let (root, _handle) = mount_at("").await;
    find(&root, "#exercise-picker")
        .set_attribute("open", "")
        .expect("opened");
    wait_until(&root, "the outline's list", |r| {
        exists(r, "[data-exercise='charge-twice']")
    })
    .await;
    click(&root, "[data-exercise='charge-twice']").await;
    wait_until(&root, "the exercise", |r| exists(r, "#exercise-status")).await;
    assert!(text(&root, "#exercise-title").contains("Charge order pay-1 twice"));
}

#[wasm_bindgen_test]
async fn a_broken_exercise_file_is_a_located_notice_and_the_lab_is_kept() {
    let (root, _handle) = mount_at("").await;
    click(&root, "#send-p1").await;
    assert_eq!(text(&root, "#step-status"), "Step 1 of 1");
    choose_file(
        &root,
        "#import-exercise",
        "broken.json",
        "{\"format_version\": 1,\n \"id\": ",
    );
    wait_until(&root, "the notice", |r| exists(r, "#notice-text")).await;
    let notice = text(&root, "#notice-text");
    assert!(
        notice.contains("broken.json") && notice.contains("line 2"),
        "{notice}"
    );
    assert!(!exists(&root, "#exercise"));
    assert_eq!(text(&root, "#step-status"), "Step 1 of 1", "nothing lost");
    // A foreign version is named as such.
    choose_file(
        &root,
        "#import-exercise",
        "future.json",
        &CHARGE_TWICE.replace("\"format_version\": 1", "\"format_version\": 7"),
    );
    wait_until(&root, "the second notice", |r| {
        text(r, "#notice-text").contains("future.json")
    })
    .await;
    assert!(text(&root, "#notice-text").contains("/format_version"));
}

#[wasm_bindgen_test]
async fn an_exercise_missing_on_the_server_or_off_site_is_a_notice() {
    let (root, _handle) = mount_at("?exercise=no-such-exercise").await;
    wait_until(&root, "the notice", |r| exists(r, "#notice-text")).await;
    assert!(text(&root, "#notice-text").contains("404"));
    let (root, _handle) = mount_at("?exercise_url=https://evil.example/x.json").await;
    let notice = text(&root, "#notice-text");
    assert!(notice.contains("other origins are refused"), "{notice}");
    assert!(!exists(&root, "#exercise"));
}
