//! Runs an exploration (`eos_core::explore::job`) without freezing the page: in the explorer's
//! own Web Worker (crates/explore-worker), or, where that worker cannot start (a page served
//! without it, as in the browser tests), on the page itself, one run per turn of the event loop.
//! Either way the page hears the same [`ExploreUpdate`]s and can stop the search at any time.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use eos_core::explore::job::{Exploration, ExploreRequest, ExploreUpdate, READY};
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
    /// The page itself, between turns of its event loop (the worker could not start).
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
            Err(()) => run_in_page(&request, on_update, Rc::clone(&run.stopped)),
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
    // A worker that never answered did not load (a page served without it): the search runs on
    // the page instead. One that stops after answering has failed, and says so.
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
                run_in_page(&request, on_update.clone(), Rc::clone(&stopped));
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

/// The same search on the page: one run per turn of the event loop, so the page still answers
/// between runs.
fn run_in_page(request: &ExploreRequest, on_update: Callback<Heard>, stopped: Rc<Cell<bool>>) {
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
