//! The share link: the lab's starting world with its whole script, every step so far and the
//! step shown, packed into the page address (`#v2.…`), so that whoever opens it arrives at the
//! same point with the same steps ahead. Older `#v1.…` links still open.

use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct ShareBoxProps {
    /// Makes the link fragment (`v2.…`) of the lab as it is when the button is pressed.
    pub make_link: Callback<(), String>,
}

#[component]
pub fn ShareBox(props: &ShareBoxProps) -> Html {
    let link = use_state(|| None::<String>);
    let on_share = {
        let link = link.clone();
        let make_link = props.make_link.clone();
        Callback::from(move |_: MouseEvent| {
            let fragment = make_link.emit(());
            link.set(Some(put_in_address(&fragment)));
        })
    };
    html! {
        <div class="share-box">
            <button id="share-link" class="button" onclick={on_share}>{"Share link"}</button>
            { for link.as_ref().map(|url| html! {
                <>
                    <label for="share-url">{"Copy this address to share the lab at this point"}</label>
                    <input id="share-url" type="text" readonly=true value={url.clone()} />
                </>
            }) }
        </div>
    }
}

/// Puts the fragment in the address bar without reloading, and returns the whole address.
fn put_in_address(fragment: &str) -> String {
    let hash = format!("#{fragment}");
    let Some(window) = web_sys::window() else {
        return hash;
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
    }
    window.location().href().unwrap_or(hash)
}

/// The share link in the page address when the lab opens, if there is one.
pub fn link_in_address() -> Option<Rc<str>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let fragment = hash.strip_prefix('#')?;
    eos_core::run::share::is_link(fragment).then(|| Rc::from(fragment))
}
