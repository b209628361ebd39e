//! Entry point of the browser build: mounts [`eos_web::App`] into the page's `#app` element,
//! below the header that `index.html` already shows while the WebAssembly loads.

fn main() {
    let root = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<eos_web::App>::with_root(root).render(),
        None => yew::Renderer::<eos_web::App>::new().render(),
    };
}
