//! Runs an exploration (`eos_core::explore::job`) without freezing the page, in the explorer's
//! own Web Worker (crates/explore-worker); the page hears its [`ExploreUpdate`]s and can stop
//! the search at any time. Where that worker cannot start (a page served without it), the app
//! says so: the explorer's code is in the worker's wasm only, kept out of the first visit's
//! download. The browser tests' page has no worker, so they build the app with the
//! `explorer-on-page` feature, which runs the same search on the page itself, one run per turn
//! of the event loop.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

#[cfg(feature = "explorer-on-page")]
use eos_core::explore::job::Exploration;
use eos_core::explore::job::{ExploreRequest, ExploreUpdate, READY};
#[cfg(feature = "explorer-on-page")]
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{MessageEvent, Worker};
use yew::Callback;

/// The worker's starter, shipped beside the app (web/explorer-worker.js).
const WORKER_SCRIPT: &str = "explorer-worker.js";

/// Where a search runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The explorer's Web Worker: the page stays free.
    Worker,
    /// The page itself, between turns of its event loop (the worker could not start; in the
    /// browser tests' build only).
    #[cfg(feature = "explorer-on-page")]
    Page,
}

/// What the page hears from a search: where it runs (once), then its updates.
#[derive(Clone, Debug, PartialEq)]
pub enum Heard {
    RunsIn(Place),
    Update(ExploreUpdate),
}

/// A search under way; stopping it (or dropping it) ends it at once.
#[derive(Debug)]
pub struct ExplorerRun {
    stopped: Rc<Cell<bool>>,
    worker: Rc<RefCell<Option<WorkerLink>>>,
}

#[derive(Debug)]
struct WorkerLink {
    worker: Worker,
    // Kept alive as long as the worker may call them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl ExplorerRun {
    /// Starts the search; `on_update` hears where it runs, then every update, the last being
    /// `Done` or `Failed`.
    pub fn start(request: ExploreRequest, on_update: Callback<Heard>) -> Self {
        let run = Self {
            stopped: Rc::new(Cell::new(false)),
            worker: Rc::new(RefCell::new(None)),
        };
        match start_worker(&request, &on_update, &run.stopped, &run.worker) {
            Ok(link) => *run.worker.borrow_mut() = Some(link),
            Err(()) => without_worker(&request, on_update, Rc::clone(&run.stopped)),
        }
        run
    }

    pub fn stop(&self) {
        self.stopped.set(true);
        if let Some(link) = self.worker.borrow_mut().take() {
            link.worker.terminate();
        }
    }
}

impl Drop for ExplorerRun {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start_worker(
    request: &ExploreRequest,
    on_update: &Callback<Heard>,
    stopped: &Rc<Cell<bool>>,
    slot: &Rc<RefCell<Option<WorkerLink>>>,
) -> Result<WorkerLink, ()> {
    let text = serde_json::to_string(request).map_err(|_| ())?;
    let worker = Worker::new(WORKER_SCRIPT).map_err(|_| ())?;
    let heard_back = Rc::new(Cell::new(false));
    let on_message = {
        let (on_update, heard_back) = (on_update.clone(), Rc::clone(&heard_back));
        let slot = Rc::clone(slot);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data().as_string();
            if data.as_deref() == Some(READY) {
                heard_back.set(true);
                on_update.emit(Heard::RunsIn(Place::Worker));
                if let Some(link) = slot.borrow().as_ref()
                    && link.worker.post_message(&text.as_str().into()).is_err()
                {
                    on_update.emit(Heard::Update(ExploreUpdate::Failed {
                        why: "the explorer's worker could not be given the search".to_owned(),
                    }));
                }
                return;
            }
            let update = data
                .and_then(|text| serde_json::from_str::<ExploreUpdate>(&text).ok())
                .unwrap_or_else(|| ExploreUpdate::Failed {
                    why: "the explorer's worker sent something unreadable".to_owned(),
                });
            on_update.emit(Heard::Update(update));
        })
    };
    // A worker that never answered did not load (a page served without it). One that stops
    // after answering has failed, and says so.
    let on_error = {
        let (on_update, stopped, slot) = (on_update.clone(), Rc::clone(stopped), Rc::clone(slot));
        let request = request.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            if let Some(link) = slot.borrow().as_ref() {
                link.worker.terminate();
            }
            if stopped.get() {
                return;
            }
            if heard_back.get() {
                on_update.emit(Heard::Update(ExploreUpdate::Failed {
                    why: "the explorer's worker stopped unexpectedly".to_owned(),
                }));
            } else {
                without_worker(&request, on_update.clone(), Rc::clone(&stopped));
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(WorkerLink {
        worker,
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// The app without its worker: the search cannot run, and the panel says why.
#[cfg(not(feature = "explorer-on-page"))]
fn without_worker(_request: &ExploreRequest, on_update: Callback<Heard>, _stopped: Rc<Cell<bool>>) {
    on_update.emit(Heard::Update(ExploreUpdate::Failed {
        why: "the explorer's background worker could not start (is explorer-worker.js served \
              beside the page?); the search runs only there, so the page stays responsive"
            .to_owned(),
    }));
}

/// The same search on the page: one run per turn of the event loop, so the page still answers
/// between runs.
#[cfg(feature = "explorer-on-page")]
fn without_worker(request: &ExploreRequest, on_update: Callback<Heard>, stopped: Rc<Cell<bool>>) {
    on_update.emit(Heard::RunsIn(Place::Page));
    match Exploration::new(request) {
        Ok(exploration) => {
            for update in exploration.started() {
                on_update.emit(Heard::Update(update));
            }
            next_turn(Rc::new(RefCell::new(exploration)), on_update, stopped);
        }
        Err(why) => on_update.emit(Heard::Update(ExploreUpdate::Failed { why })),
    }
}

#[cfg(feature = "explorer-on-page")]
fn next_turn(
    exploration: Rc<RefCell<Exploration>>,
    on_update: Callback<Heard>,
    stopped: Rc<Cell<bool>>,
) {
    Timeout::new(0, move || {
        if stopped.get() {
            return;
        }
        let (updates, progress, done) = {
            let mut exploration = exploration.borrow_mut();
            let updates = exploration.run_next();
            let done = exploration.is_done().then(|| exploration.done());
            (updates, exploration.progress(), done)
        };
        for update in updates {
            on_update.emit(Heard::Update(update));
        }
        match done {
            Some(done) => on_update.emit(Heard::Update(done)),
            None => {
                on_update.emit(Heard::Update(progress));
                next_turn(exploration, on_update, stopped);
            }
        }
    })
    .forget();
}
