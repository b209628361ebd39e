//! Embed mode (`?embed`): the effects that make the lab a good guest in someone else's page. The
//! site's own header and footer are static HTML, so the lab marks `<html>` with
//! [`EMBED_CLASS`] and the stylesheet hides them; the lab pauses when it scrolls out of view,
//! and tells the host page its height so the host can size the iframe without a scrollbar.

use crate::state::LabAction;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, ResizeObserver};
use yew::prelude::*;

/// The class on `<html>` while the lab is embedded.
pub const EMBED_CLASS: &str = "eos-embed";

/// The `type` of the message that carries the lab's height to the host page.
pub const HEIGHT_MESSAGE: &str = "eos-lab:height";

/// In embed mode: marks `<html>`, reports the height of the element `lab` mounts into, and
/// pauses when that element leaves the viewport.
#[hook]
pub fn use_embed(embed: bool, id: Option<String>, lab: NodeRef, dispatch: Callback<LabAction>) {
    use_effect_with(embed, move |&embed| {
        let guards = embed.then(|| {
            let root = lab.cast::<Element>().and_then(|main| main.parent_element());
            mark_page(true);
            root.map(|root| {
                (
                    report_height(&root, id.unwrap_or_default()),
                    pause_off_screen(&root, dispatch),
                )
            })
        });
        move || {
            if guards.is_some() {
                mark_page(false);
            }
            drop(guards);
        }
    });
}

fn mark_page(embedded: bool) {
    let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let classes = html.class_list();
    let _ = if embedded {
        classes.add_1(EMBED_CLASS)
    } else {
        classes.remove_1(EMBED_CLASS)
    };
}

/// Stops an observer when dropped, and keeps its callback alive until then.
struct Observing<O: Disconnect> {
    observer: O,
    _callback: Closure<dyn FnMut(wasm_bindgen::JsValue)>,
}

trait Disconnect {
    fn disconnect(&self);
}

impl Disconnect for ResizeObserver {
    fn disconnect(&self) {
        ResizeObserver::disconnect(self);
    }
}

impl Disconnect for IntersectionObserver {
    fn disconnect(&self) {
        IntersectionObserver::disconnect(self);
    }
}

impl<O: Disconnect> Drop for Observing<O> {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Posts `{type: "eos-lab:height", id, height}` to the host page whenever `root` changes size.
fn report_height(root: &Element, id: String) -> Option<Observing<ResizeObserver>> {
    let measured = root.clone();
    let callback = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| {
        post_height(&id, &measured);
    });
    let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(root);
    Some(Observing {
        observer,
        _callback: callback,
    })
}

fn post_height(id: &str, root: &Element) {
    let Some(window) = web_sys::window() else {
        return;
    };
    // The page's height down to the lab's bottom edge, whatever the viewport (the iframe) is.
    let height = (root.get_bounding_client_rect().bottom() + window.scroll_y().unwrap_or(0.0))
        .ceil()
        .max(0.0);
    let message = js_sys::Object::new();
    for (key, value) in [
        ("type", wasm_bindgen::JsValue::from_str(HEIGHT_MESSAGE)),
        ("id", wasm_bindgen::JsValue::from_str(id)),
        ("height", wasm_bindgen::JsValue::from_f64(height)),
    ] {
        let _ = js_sys::Reflect::set(&message, &key.into(), &value);
    }
    // A lab opened on its own is its own parent; the message then goes nowhere that listens.
    if let Ok(Some(parent)) = window.parent() {
        let _ = parent.post_message(&message, "*");
    }
}

/// Pauses the lab whenever `root` is scrolled out of the (host page's) viewport.
fn pause_off_screen(
    root: &Element,
    dispatch: Callback<LabAction>,
) -> Option<Observing<IntersectionObserver>> {
    let callback = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |entries| {
        let entries = js_sys::Array::from(&entries);
        let latest = entries
            .iter()
            .rev()
            .find_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok());
        if latest.is_some_and(|entry| !entry.is_intersecting()) {
            dispatch.emit(LabAction::Pause);
        }
    });
    let observer = IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(root);
    Some(Observing {
        observer,
        _callback: callback,
    })
}
