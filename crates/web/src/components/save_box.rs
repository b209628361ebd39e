//! Export and import: the lab (its starting world, whole script, every step and the cursor)
//! as a JSON file to keep or send, and such a file opened again exactly where it was.

use crate::saved::{MAX_BYTES, SavedLabError};
use crate::state::{LabAction, SavedFrom};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct SaveBoxProps {
    /// Makes the saved form of the lab as it is when the button is pressed: the file name and
    /// its text.
    pub make_saved: Callback<(), (String, String)>,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn SaveBox(props: &SaveBoxProps) -> Html {
    // The reader of the file being imported; dropping it would cancel the read.
    let reading = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);
    let on_export = {
        let make_saved = props.make_saved.clone();
        Callback::from(move |_: MouseEvent| {
            let (name, text) = make_saved.emit(());
            download(&name, &text);
        })
    };
    let on_import = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // The same file can be chosen again after fixing it.
            input.set_value("");
            import(file, &dispatch, &reading);
        })
    };
    html! {
        <div class="save-box">
            <button type="button" id="export-lab" class="button" onclick={on_export}>
                {"Export lab (.json)"}
            </button>
            <label for="import-lab" class="import-label">{"Import lab…"}</label>
            <input id="import-lab" type="file" accept=".json,application/json"
                onchange={on_import} />
        </div>
    }
}

/// Reads the chosen file's text and asks the lab to restore it. A file larger than a saved lab
/// may be is refused unread, so it cannot fill memory.
fn import(
    file: web_sys::File,
    dispatch: &Callback<LabAction>,
    reading: &Rc<RefCell<Option<gloo_file::callbacks::FileReader>>>,
) {
    let file = gloo_file::File::from(file);
    let name: Rc<str> = Rc::from(file.name());
    let bytes = usize::try_from(file.size()).unwrap_or(usize::MAX);
    if bytes > MAX_BYTES {
        dispatch.emit(LabAction::RestoreFailed {
            from: SavedFrom::File(name),
            why: SavedLabError::TooLarge { bytes }.to_string(),
        });
        return;
    }
    let dispatch = dispatch.clone();
    let reader = gloo_file::callbacks::read_as_text(&file, move |result| {
        let from = SavedFrom::File(Rc::clone(&name));
        dispatch.emit(match result {
            Ok(text) => LabAction::Restore {
                from,
                text: Rc::from(text),
            },
            Err(error) => LabAction::RestoreFailed {
                from,
                why: format!("the browser could not read it ({error})"),
            },
        });
    });
    *reading.borrow_mut() = Some(reader);
}

/// Offers `text` as a file download named `file_name`: a Blob, an object URL and a click on a
/// link with `download` set. Quietly does nothing where the browser refuses one of them.
pub fn download(file_name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys_array_of(text);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(link) = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        link.set_href(&url);
        link.set_download(file_name);
        link.click();
    }
    // The browser starts the download after the click returns; free the URL a little later.
    yew::platform::spawn_local(async move {
        yew::platform::time::sleep(Duration::from_secs(10)).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
}

fn js_sys_array_of(text: &str) -> wasm_bindgen::JsValue {
    let parts = [wasm_bindgen::JsValue::from_str(text)];
    parts.into_iter().collect::<web_sys::js_sys::Array>().into()
}
