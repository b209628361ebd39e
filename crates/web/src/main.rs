//! Entry point of the browser build: mounts [`eos_web::App`] into the page's `#app` element,
//! below the header that `index.html` already shows while the WebAssembly loads.
//!
//! Where `#app` holds the first screen rendered at build time (`data-first-screen`, shown until
//! the visitor's first act: `web/boot.js`), the app replaces it in one task, drawn whole, so
//! the browser never paints a page half swapped; then it tells `web/boot.js`
//! (`eos-lab-ready`), which does again on the app what the visitor did on the static screen.

use std::time::Duration;

/// The attribute the build puts on `#app` when it holds the pre-rendered first screen.
const FIRST_SCREEN: &str = "data-first-screen";
/// The event `web/boot.js` waits for before replaying the visitor's first act.
const READY_EVENT: &str = "eos-lab-ready";

/// talc rather than Rust's default wasm allocator: the core allocates on every step, and talc
/// is faster at it (docs/performance.md).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // Turns of the event loop between starting the module, each part of building the first lab
    // and the first render (itself drawn in turns), so the browser gets to breathe between them
    // instead of running them as one long task.
    yew::platform::spawn_local(async {
        yew::platform::time::sleep(Duration::ZERO).await;
        let (autosave, first_visit_start) = (true, true);
        let start = eos_web::app::Start::prepare_in_turns(first_visit_start, autosave).await;
        yew::platform::time::sleep(Duration::ZERO).await;
        let document = web_sys::window().and_then(|window| window.document());
        let root = document
            .as_ref()
            .and_then(|document| document.get_element_by_id("app"));
        // Replacing a shown first screen in turns would paint it half replaced.
        let replaces_first_screen = root
            .as_ref()
            .is_some_and(|root| root.has_attribute(FIRST_SCREEN) && shown(document.as_ref()));
        if let Some(root) = &root {
            let _ = root.remove_attribute(FIRST_SCREEN);
        }
        let props = eos_web::app::AppProps {
            autosave,
            first_visit_start,
            draw_in_turns: !replaces_first_screen,
            start: Some(start),
            ..Default::default()
        };
        match root {
            Some(root) => yew::Renderer::<eos_web::App>::with_root_and_props(root, props).render(),
            None => yew::Renderer::<eos_web::App>::with_props(props).render(),
        };
        // The render runs in this task's microtasks; the next turn sees it done.
        yew::platform::time::sleep(Duration::ZERO).await;
        if let Some(ready) = document
            .as_ref()
            .and_then(|_| web_sys::Event::new(READY_EVENT).ok())
        {
            let _ = document.map(|document| document.dispatch_event(&ready));
        }
    });
}

/// Whether the page shows the first screen: `web/boot.js` hides it when the address names
/// another start (`<html data-first-screen="skipped">`).
fn shown(document: Option<&web_sys::Document>) -> bool {
    document
        .and_then(|document| document.document_element())
        .is_none_or(|page| page.get_attribute(FIRST_SCREEN).as_deref() != Some("skipped"))
}
