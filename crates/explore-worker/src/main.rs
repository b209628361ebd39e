//! The explorer's Web Worker. The page posts an [`ExploreRequest`] as JSON text; the worker
//! plays its runs one seed at a time and posts back [`ExploreUpdate`]s as JSON text: what each
//! run found, progress now and then, and `done`; then it listens for the next request. The page
//! stops a search by terminating the worker, so the loop never has to listen while it runs.
//!
//! Built by Trunk as a worker (`data-type="worker"` in index.html); `web/explorer-worker.js`
//! starts it, and the page starts that when the explorer panel opens. Once it listens, it posts
//! [`READY`]: a message posted to a worker before it listens is lost.

/// talc rather than Rust's default wasm allocator: the core allocates on every step, and talc
/// is faster at it (docs/performance.md).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::listen();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "eos-explore-worker runs only as the lab's Web Worker in a browser; natively, use `eos-lab explore`"
    );
    std::process::exit(2);
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use eos_core::explore::job::{Exploration, ExploreRequest, ExploreUpdate, READY};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// The least time between two progress messages: often enough for a smooth bar, rarely
    /// enough that the page does not redraw for every run.
    const PROGRESS_EVERY_MS: f64 = 100.0;

    pub(crate) fn listen() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let on_message = {
            let scope = scope.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let text = event.data().as_string().unwrap_or_default();
                explore(&scope, &text);
            })
        };
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The worker lives as long as the page keeps it; so does its one listener.
        on_message.forget();
        let _ = scope.post_message(&READY.into());
    }

    fn explore(scope: &DedicatedWorkerGlobalScope, text: &str) {
        let exploration = serde_json::from_str::<ExploreRequest>(text)
            .map_err(|e| format!("unreadable request: {e}"))
            .and_then(|request| Exploration::new(&request));
        let mut exploration = match exploration {
            Ok(exploration) => exploration,
            Err(why) => {
                post(scope, &ExploreUpdate::Failed { why });
                return;
            }
        };
        for update in exploration.started() {
            post(scope, &update);
        }
        let mut last_post = js_sys::Date::now();
        while !exploration.is_done() {
            for update in exploration.run_next() {
                post(scope, &update);
            }
            let now = js_sys::Date::now();
            if now - last_post >= PROGRESS_EVERY_MS {
                post(scope, &exploration.progress());
                last_post = now;
            }
        }
        post(scope, &exploration.done());
    }

    fn post(scope: &DedicatedWorkerGlobalScope, update: &ExploreUpdate) {
        if let Ok(text) = serde_json::to_string(update) {
            let _ = scope.post_message(&text.into());
        }
    }
}
