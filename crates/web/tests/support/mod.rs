//! What every browser test file does to the page: find elements, read their text, click and
//! press keys the way a user would, each followed by the render it causes.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use eos_web::App;
use eos_web::app::AppProps;
use eos_web::launch::LaunchOptions;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use web_sys::wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Element, Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement, KeyboardEvent,
    KeyboardEventInit,
};

pub(crate) fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

pub(crate) fn exists(root: &Element, selector: &str) -> bool {
    root.query_selector(selector)
        .expect("a valid selector")
        .is_some()
}

pub(crate) fn all(root: &Element, selector: &str) -> Vec<Element> {
    let nodes = root.query_selector_all(selector).expect("a valid selector");
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect()
}

pub(crate) fn text(root: &Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

pub(crate) async fn click(root: &Element, selector: &str) {
    find(root, selector)
        .dyn_into::<HtmlElement>()
        .expect("a clickable element")
        .click();
    yew::scheduler::flush().await;
}

pub(crate) async fn press(target: &Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    target.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}

/// A fresh app (free play, no autosave) in its own element, rendered, with every detail group
/// unfolded as a reader exploring the panels would have it.
pub(crate) async fn mount_app() -> Element {
    let root = mount_with(AppProps::default()).await.0;
    unfold_details(&root).await;
    root
}

/// Opens every folded detail group, as clicking each summary would; a group builds its panels
/// when it first opens (on its `toggle` event, which the browser fires a task later).
pub(crate) async fn unfold_details(root: &Element) {
    for group in all(root, "details.detail") {
        group.set_attribute("open", "").expect("unfolded");
    }
    yew::platform::time::sleep(std::time::Duration::from_millis(1)).await;
    yew::scheduler::flush().await;
}

/// The app mounted with `props` in its own element, after the start it dispatches from an
/// effect (a launch, a first visit) has rendered too.
pub(crate) async fn mount_with(props: AppProps) -> (Element, yew::AppHandle<App>) {
    let root = gloo::utils::document()
        .create_element("div")
        .expect("a div");
    gloo::utils::body()
        .append_child(&root)
        .expect("attach root");
    let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    yew::scheduler::flush().await;
    (root, handle)
}

/// The app started as the page address's query `query` would start it, without autosave.
pub(crate) async fn mount_at(query: &str) -> (Element, yew::AppHandle<App>) {
    mount_with(AppProps {
        launch: Some(Rc::new(LaunchOptions::parse(query))),
        autosave: false,
        ..Default::default()
    })
    .await
}

/// Adds `css` to the page once, as a `<style id="{id}">` (the tests that check layout need the
/// app's stylesheets, which the test page does not load).
pub(crate) fn load_styles(id: &str, css: &str) {
    let document = gloo::utils::document();
    if document.get_element_by_id(id).is_some() {
        return;
    }
    let style = document.create_element("style").expect("a style");
    style.set_id(id);
    style.set_text_content(Some(css));
    document
        .head()
        .expect("a head")
        .append_child(&style)
        .expect("attach style");
}

/// Picks the first option of `select` whose text `matches`, and tells the app as a user's
/// choice would (a bubbling `change`).
pub(crate) async fn select_option(root: &Element, select: &str, matches: impl Fn(&str) -> bool) {
    let select = find(root, select)
        .dyn_into::<HtmlSelectElement>()
        .expect("a select");
    let index = all(&select, "option")
        .iter()
        .position(|o| o.text_content().is_some_and(|t| matches(&t)))
        .unwrap_or_else(|| panic!("no option of {} matches", select.id()));
    select.set_selected_index(i32::try_from(index).expect("small"));
    let init = EventInit::new();
    init.set_bubbles(true);
    let change = Event::new_with_event_init_dict("change", &init).expect("event");
    select.dispatch_event(&change).expect("dispatched");
    yew::scheduler::flush().await;
}

/// Chooses a file named `name` holding `text` in the file input `selector`, as a user picking
/// it would (the input's `change` event included).
pub(crate) fn choose_file(root: &Element, selector: &str, name: &str, text: &str) {
    let parts: web_sys::js_sys::Array = [JsValue::from_str(text)].into_iter().collect();
    let file = web_sys::File::new_with_str_sequence(&parts, name).expect("a file");
    let transfer = web_sys::DataTransfer::new().expect("a data transfer");
    transfer.items().add_with_file(&file).expect("added");
    let input = find(root, selector)
        .dyn_into::<HtmlInputElement>()
        .expect("a file input");
    input.set_files(transfer.files().as_ref());
    let init = EventInit::new();
    init.set_bubbles(true);
    let change = Event::new_with_event_init_dict("change", &init).expect("event");
    input.dispatch_event(&change).expect("dispatched");
}

/// Makes the page remember the last Blob handed to `URL.createObjectURL`, so a test can read
/// what a button offered for download ([`last_download`]).
pub(crate) fn remember_downloads() {
    let patch = web_sys::js_sys::Function::new_no_args(
        "if (!URL.eosOriginal) { \
           URL.eosOriginal = URL.createObjectURL; \
           URL.createObjectURL = function (blob) { \
             window.eosLastBlob = blob; return URL.eosOriginal(blob); }; }",
    );
    patch.call0(&JsValue::NULL).expect("patched");
}

/// The text of the file last offered for download (after [`remember_downloads`]).
pub(crate) async fn last_download() -> String {
    let blob = web_sys::js_sys::Reflect::get(&gloo::utils::window(), &"eosLastBlob".into())
        .expect("read")
        .dyn_into::<web_sys::Blob>()
        .expect("a blob was offered");
    let text = Rc::new(RefCell::new(None));
    let _reader = {
        let text = Rc::clone(&text);
        gloo::file::callbacks::read_as_text(&gloo::file::Blob::from(blob), move |read| {
            *text.borrow_mut() = Some(read.expect("its text"));
        })
    };
    for _ in 0..200 {
        if let Some(read) = text.borrow_mut().take() {
            return read;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the offered file was never read");
}

/// Types `value` into the input `selector`, as a user would (its `input` event included).
pub(crate) async fn type_into(root: &Element, selector: &str, value: &str) {
    let input = find(root, selector)
        .dyn_into::<HtmlInputElement>()
        .expect("an input");
    input.set_value(value);
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict("input", &init).expect("event");
    input.dispatch_event(&event).expect("dispatched");
    yew::scheduler::flush().await;
}
