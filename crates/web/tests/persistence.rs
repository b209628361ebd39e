//! Browser tests of saving the lab: autosave to localStorage and restore on start, export to a
//! file and import of it, and what the user sees when saved data cannot be read. Run with
//! `cargo test -p eos-web --target wasm32-unknown-unknown --test persistence`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_web::App;
use eos_web::app::AppProps;
use eos_web::autosave::{ASIDE_KEY, STORAGE_KEY};
use std::time::Duration;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, Storage};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{
    choose_file, click, exists, find, last_download, remember_downloads, text, unfold_details,
};

/// A fresh app in its own element, rendered; with `autosave` as the page mounts it.
async fn mount(autosave: bool) -> (Element, AppHandle<App>) {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("a div");
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    let handle = yew::Renderer::<App>::with_root_and_props(
        root.clone(),
        AppProps {
            autosave,
            ..Default::default()
        },
    )
    .render();
    yew::scheduler::flush().await;
    // The restore is dispatched by an effect after the first render.
    yew::scheduler::flush().await;
    // The save box sits in a folded detail group, built when opened.
    unfold_details(&root).await;
    (root, handle)
}

/// Unmounts the app and takes its element off the page, as a reload would.
/// Removes the app as leaving the page would; its effects' clean-ups (saving what waits to be
/// saved) have run when this returns.
async fn unmount(root: Element, handle: AppHandle<App>) {
    handle.destroy();
    yew::scheduler::flush().await;
    root.remove();
}

/// Everything the lab shows of the world, to compare two labs.
fn world_view(root: &Element) -> String {
    find(root, ".details").text_content().unwrap_or_default()
}

fn storage() -> Storage {
    gloo::utils::window()
        .local_storage()
        .expect("storage allowed")
        .expect("storage present")
}

/// Each test starts with nothing saved.
fn clear_storage() {
    storage().clear().expect("cleared");
}

/// Two records sent and written, then one step back: a history with a future after the cursor.
async fn act(root: &Element) {
    click(root, "#send-p1").await;
    click(root, "#deliver-all").await;
    click(root, "#send-p1").await;
    click(root, "#deliver-all").await;
    click(root, "#step-back").await;
    assert_eq!(text(root, "#step-status"), "Step 3 of 4");
}

/// Waits, a few milliseconds at a time, until `done` holds (a file is read asynchronously).
async fn wait_until(root: &Element, done: impl Fn(&Element) -> bool) {
    for _ in 0..200 {
        if done(root) {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
        yew::scheduler::flush().await;
    }
    panic!("gave up waiting: {}", world_view(root));
}

/// Chooses a file with `text` in the app's import field, as a user picking it would.
async fn import(root: &Element, name: &str, text: &str) {
    choose_file(root, "#import-lab", name, text);
}

// Act, "reload" (unmount and mount again): the same step, the same history, the same world.
#[wasm_bindgen_test]
async fn autosave_restores_the_lab_after_a_reload() {
    clear_storage();
    let (root, handle) = mount(true).await;
    act(&root).await;
    let (status, view, timeline) = (
        text(&root, "#step-status"),
        world_view(&root),
        text(&root, "#timeline"),
    );
    unmount(root, handle).await;
    assert!(storage().get_item(STORAGE_KEY).expect("read").is_some());

    let (root, handle) = mount(true).await;
    assert_eq!(text(&root, "#step-status"), status);
    assert_eq!(text(&root, "#timeline"), timeline);
    assert_eq!(world_view(&root), view);
    assert!(!exists(&root, "#notice"), "{}", text(&root, "#notice"));
    unmount(root, handle).await;
    clear_storage();
}

// Saving writes the whole history, so it waits for a pause: a quick run of steps is saved once,
// shortly after the last of them, without the page being left.
#[wasm_bindgen_test]
async fn a_quick_run_of_steps_is_saved_once_shortly_after() {
    clear_storage();
    let (root, handle) = mount(true).await;
    act(&root).await;
    click(&root, "#send-p1").await;
    assert_eq!(
        storage().get_item(STORAGE_KEY).expect("read"),
        None,
        "not on each click"
    );
    wait_until(&root, |_| {
        storage().get_item(STORAGE_KEY).expect("read").is_some()
    })
    .await;
    let status = text(&root, "#step-status");
    unmount(root, handle).await;
    let (root, handle) = mount(true).await;
    assert_eq!(
        text(&root, "#step-status"),
        status,
        "the last step was saved"
    );
    unmount(root, handle).await;
    clear_storage();
}

// A lab mounted without autosave (tests, embedded labs) neither restores nor writes.
#[wasm_bindgen_test]
async fn a_lab_without_autosave_leaves_storage_alone() {
    clear_storage();
    let (root, handle) = mount(false).await;
    act(&root).await;
    unmount(root, handle).await;
    assert_eq!(storage().get_item(STORAGE_KEY).expect("read"), None);
}

#[wasm_bindgen_test]
async fn export_then_import_gives_the_same_lab() {
    clear_storage();
    remember_downloads();
    let (root, handle) = mount(false).await;
    act(&root).await;
    click(&root, "#export-lab").await;
    let exported = last_download().await;
    assert!(
        exported.contains("\"format\": \"eos-lab-save\""),
        "{exported}"
    );
    let (status, view) = (text(&root, "#step-status"), world_view(&root));
    unmount(root, handle).await;

    let (root, handle) = mount(false).await;
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    import(&root, "free-play.eos-lab.json", &exported).await;
    wait_until(&root, |root| text(root, "#step-status") == status).await;
    assert_eq!(world_view(&root), view);
    assert!(!exists(&root, "#notice"), "{}", text(&root, "#notice"));
    unmount(root, handle).await;
}

// Unreadable storage: said, the default lab starts, and the data is kept aside (not written
// over when the user acts) and offered for download.
#[wasm_bindgen_test]
async fn corrupt_storage_is_reported_kept_aside_and_offered_for_download() {
    clear_storage();
    storage()
        .set_item(STORAGE_KEY, "{\"format\": \"eos-lab-save\", trunc")
        .expect("stored");
    let (root, handle) = mount(true).await;
    let notice = text(&root, "#notice");
    assert!(notice.contains("could not be restored"), "{notice}");
    assert!(notice.contains("line 1"), "{notice}");
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    assert!(exists(&root, "#download-unreadable"));
    assert_eq!(
        storage().get_item(ASIDE_KEY).expect("read").as_deref(),
        Some("{\"format\": \"eos-lab-save\", trunc")
    );

    click(&root, "#send-p1").await;
    wait_until(&root, |_| {
        storage().get_item(STORAGE_KEY).expect("read").is_some()
    })
    .await;
    assert_eq!(
        storage().get_item(ASIDE_KEY).expect("read").as_deref(),
        Some("{\"format\": \"eos-lab-save\", trunc"),
        "acting saves the new lab beside the unreadable data, not over it"
    );
    let saved = storage().get_item(STORAGE_KEY).expect("read");
    assert!(saved.is_some_and(|s| s.starts_with("{\"format\":\"eos-lab-save\"")));
    unmount(root, handle).await;
    clear_storage();
}

// A lab saved by a newer EOS Lab is named as such, and kept.
#[wasm_bindgen_test]
async fn a_lab_saved_by_a_newer_version_is_named_and_kept() {
    clear_storage();
    let newer = r#"{"format":"eos-lab-save","version":2,"something":"new"}"#;
    storage().set_item(STORAGE_KEY, newer).expect("stored");
    let (root, handle) = mount(true).await;
    let notice = text(&root, "#notice");
    assert!(notice.contains("newer EOS Lab"), "{notice}");
    assert_eq!(
        storage().get_item(ASIDE_KEY).expect("read").as_deref(),
        Some(newer)
    );
    unmount(root, handle).await;
    clear_storage();
}

#[wasm_bindgen_test]
async fn a_bad_import_file_is_named_and_the_lab_is_unchanged() {
    clear_storage();
    let (root, handle) = mount(false).await;
    act(&root).await;
    let view = world_view(&root);
    import(&root, "shopping-list.json", r#"{"milk": 2}"#).await;
    wait_until(&root, |root| exists(root, "#notice")).await;
    let notice = text(&root, "#notice");
    assert!(notice.contains("“shopping-list.json”"), "{notice}");
    assert!(notice.contains("not a saved EOS Lab"), "{notice}");
    assert!(
        !exists(&root, "#download-unreadable"),
        "the user has the file already"
    );
    assert_eq!(text(&root, "#step-status"), "Step 3 of 4");
    assert_eq!(world_view(&root), view);
    unmount(root, handle).await;
}

// The export and import controls are labelled and reachable by keyboard.
#[wasm_bindgen_test]
async fn export_and_import_are_labelled_controls() {
    let (root, handle) = mount(false).await;
    // They sit in the folded "Share and save" group, which a keyboard user opens first.
    find(&root, "#detail-share")
        .set_attribute("open", "")
        .expect("unfold");
    assert_eq!(text(&root, "#export-lab").trim(), "Export lab (.json)");
    assert_eq!(text(&root, "label[for='import-lab']"), "Import lab…");
    let input = find(&root, "#import-lab")
        .dyn_into::<HtmlElement>()
        .expect("an element");
    input.focus().expect("focusable");
    assert_eq!(
        gloo::utils::document()
            .active_element()
            .map(|e| e.id())
            .as_deref(),
        Some("import-lab")
    );
    unmount(root, handle).await;
}

// A share link in the page address is what the user asked to open: it wins over the lab saved
// in this browser.
#[wasm_bindgen_test]
async fn a_share_link_in_the_address_wins_over_autosave() {
    clear_storage();
    let (root, handle) = mount(true).await;
    act(&root).await;
    unmount(root, handle).await;

    let link = eos_web::state::LabState::default().share_link();
    let window = gloo::utils::window();
    let path = window.location().pathname().unwrap_or_default();
    window
        .history()
        .expect("history")
        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{link}")))
        .expect("set the address");
    let (root, handle) = mount(true).await;
    window
        .history()
        .expect("history")
        .replace_state_with_url(&JsValue::NULL, "", Some(&path))
        .expect("clear the address");
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    assert!(!exists(&root, "#notice"), "{}", text(&root, "#notice"));
    unmount(root, handle).await;
    clear_storage();
}

// A file larger than a saved lab may be is refused without being read.
#[wasm_bindgen_test]
async fn a_too_large_import_file_is_refused() {
    let (root, handle) = mount(false).await;
    let huge = " ".repeat(eos_web::saved::MAX_BYTES + 1);
    import(&root, "huge.json", &huge).await;
    wait_until(&root, |root| exists(root, "#notice")).await;
    let notice = text(&root, "#notice");
    assert!(notice.contains("“huge.json”"), "{notice}");
    assert!(notice.contains("more than the 16 MiB"), "{notice}");
    assert_eq!(text(&root, "#step-status"), "Step 0 of 0");
    unmount(root, handle).await;
}

// On a 375 px phone the export and import controls stay inside the page.
#[wasm_bindgen_test]
async fn export_and_import_fit_a_narrow_phone() {
    let document = gloo::utils::document();
    let style = document.create_element("style").expect("a style");
    style.set_text_content(Some(include_str!("../../../web/style.css")));
    document
        .head()
        .expect("a head")
        .append_child(&style)
        .expect("attach style");
    let (root, handle) = mount(false).await;
    root.set_attribute("style", "width: 375px")
        .expect("a width");
    // The box is folded under the stage; a phone user unfolds it to export.
    find(&root, "#detail-share")
        .set_attribute("open", "")
        .expect("unfold");
    yew::scheduler::flush().await;
    let right = root.get_bounding_client_rect().right();
    for selector in ["#export-lab", "label[for='import-lab']", "#import-lab"] {
        let control = find(&root, selector).get_bounding_client_rect().right();
        assert!(control > 0.0, "{selector} is drawn");
        assert!(
            control <= right + 0.5,
            "{selector} ends at {control} px, the page at {right} px"
        );
    }
    unmount(root, handle).await;
    style.remove();
}
