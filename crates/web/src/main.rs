//! Entry point of the browser build: mounts [`eos_web::App`] into the page's `#app` element,
//! below the header that `index.html` already shows while the WebAssembly loads.

use std::time::Duration;

fn main() {
    // Turns of the event loop between starting the module, each part of building the first lab
    // and the first render (itself drawn in turns), so the browser gets to breathe between them
    // instead of running them as one long task.
    yew::platform::spawn_local(async {
        yew::platform::time::sleep(Duration::ZERO).await;
        let (autosave, first_visit_start) = (true, true);
        let start = eos_web::app::Start::prepare_in_turns(first_visit_start, autosave).await;
        yew::platform::time::sleep(Duration::ZERO).await;
        let root = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id("app"));
        let props = eos_web::app::AppProps {
            autosave,
            first_visit_start,
            draw_in_turns: true,
            start: Some(start),
            ..Default::default()
        };
        match root {
            Some(root) => yew::Renderer::<eos_web::App>::with_root_and_props(root, props).render(),
            None => yew::Renderer::<eos_web::App>::with_props(props).render(),
        };
    });
}
