//! Entry point of the browser build: mounts [`eos_web::App`] into the page body.

fn main() {
    yew::Renderer::<eos_web::App>::new().render();
}
