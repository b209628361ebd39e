//! Runs an exploration (`eos_core::explore::job`) without freezing the page, in the explorer's
//! own Web Worker (crates/explore-worker); the page hears its [`ExploreUpdate`]s and can stop
//! the search at any time. The worker starts when the explorer panel opens, so that fetching
//! and compiling its wasm is done before the reader asks for a search, and it stays between
//! searches. Where that worker cannot start (a page served without it), the app
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

/// The explorer's Web Worker, kept while the panel is open: started when the panel opens, so
/// that its wasm is fetched and compiled before the first search is asked for, and kept warm
/// between searches (a finished search leaves it listening, its code already optimised by the
/// browser). One search at a time; stopping one ends the worker and starts a fresh one.
#[derive(Debug)]
pub struct Explorer {
    inner: Rc<RefCell<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The worker, while there is one that may still answer.
    link: Option<WorkerLink>,
    /// It said it listens.
    ready: bool,
    /// It never answered (a page served without it): searches run without it.
    unavailable: bool,
    /// The search under way, or asked for before the worker was ready.
    job: Option<Job>,
}

#[derive(Debug)]
struct Job {
    request: ExploreRequest,
    on_update: Callback<Heard>,
    /// Handed to the worker.
    posted: bool,
    /// Ends a search that runs on the page.
    stopped: Rc<Cell<bool>>,
}

impl Job {
    /// Runs the search on the page (or, in the shipped app, says it cannot run), keeping the
    /// job so that stopping it still ends it.
    fn without_worker(self, inner: &Rc<RefCell<Inner>>) {
        without_worker(
            &self.request,
            self.on_update.clone(),
            Rc::clone(&self.stopped),
        );
        inner.borrow_mut().job = Some(self);
    }
}

#[derive(Debug)]
struct WorkerLink {
    worker: Worker,
    // Kept alive as long as the worker may call them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Explorer {
    /// Starts the worker, which loads in the background while the reader looks at the panel.
    pub fn new() -> Self {
        let explorer = Self {
            inner: Rc::new(RefCell::new(Inner::default())),
        };
        explorer.spawn();
        explorer
    }

    /// Starts a search, ending the one under way; `on_update` hears where it runs, then every
    /// update, the last being `Done` or `Failed`.
    pub fn search(&self, request: ExploreRequest, on_update: Callback<Heard>) {
        self.stop();
        let job = Job {
            request,
            on_update,
            posted: false,
            stopped: Rc::new(Cell::new(false)),
        };
        // The last one failed after answering: another, which may not start either.
        let no_worker = self.inner.borrow().link.is_none();
        if no_worker && !self.inner.borrow().unavailable {
            self.spawn();
        }
        if self.inner.borrow().unavailable {
            job.without_worker(&self.inner);
            return;
        }
        let ready = {
            let mut inner = self.inner.borrow_mut();
            inner.job = Some(job);
            inner.ready
        };
        // Otherwise the worker's READY hands the search over.
        if ready {
            hand_over(&self.inner);
        }
    }

    /// Ends the search under way, if any. A worker busy with it is ended (its loop never
    /// listens) and a fresh one started for the next search; an idle worker is kept.
    pub fn stop(&self) {
        let busy_worker = {
            let mut inner = self.inner.borrow_mut();
            let Some(job) = inner.job.take() else {
                return;
            };
            job.stopped.set(true);
            job.posted
        };
        if busy_worker {
            self.end_worker();
            self.spawn();
        }
    }

    fn end_worker(&self) {
        let mut inner = self.inner.borrow_mut();
        if let Some(link) = inner.link.take() {
            link.worker.terminate();
        }
        inner.ready = false;
    }

    fn spawn(&self) {
        match start_worker(&self.inner) {
            Ok(link) => {
                let mut inner = self.inner.borrow_mut();
                inner.link = Some(link);
                inner.ready = false;
            }
            Err(()) => self.inner.borrow_mut().unavailable = true,
        }
    }
}

impl Default for Explorer {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Explorer {
    fn drop(&mut self) {
        if let Some(job) = self.inner.borrow_mut().job.take() {
            job.stopped.set(true);
        }
        self.end_worker();
    }
}

/// Gives the waiting search to the ready worker.
fn hand_over(inner: &Rc<RefCell<Inner>>) {
    let (posted, on_update) = {
        let mut inner = inner.borrow_mut();
        let Inner { link, job, .. } = &mut *inner;
        let (Some(link), Some(job)) = (link.as_ref(), job.as_mut()) else {
            return;
        };
        if job.posted {
            return;
        }
        job.posted = true;
        let posted = serde_json::to_string(&job.request)
            .ok()
            .is_some_and(|text| link.worker.post_message(&text.as_str().into()).is_ok());
        (posted, job.on_update.clone())
    };
    if posted {
        on_update.emit(Heard::RunsIn(Place::Worker));
    } else {
        inner.borrow_mut().job = None;
        on_update.emit(Heard::Update(ExploreUpdate::Failed {
            why: "the explorer's worker could not be given the search".to_owned(),
        }));
    }
}

fn start_worker(inner: &Rc<RefCell<Inner>>) -> Result<WorkerLink, ()> {
    let worker = Worker::new(WORKER_SCRIPT).map_err(|_| ())?;
    // The closures hold the explorer weakly: it owns them, through the link.
    let on_message = {
        let inner = Rc::downgrade(inner);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let data = event.data().as_string();
            if data.as_deref() == Some(READY) {
                inner.borrow_mut().ready = true;
                hand_over(&inner);
                return;
            }
            let update = data
                .and_then(|text| serde_json::from_str::<ExploreUpdate>(&text).ok())
                .unwrap_or_else(|| ExploreUpdate::Failed {
                    why: "the explorer's worker sent something unreadable".to_owned(),
                });
            let finished = matches!(
                update,
                ExploreUpdate::Done { .. } | ExploreUpdate::Failed { .. }
            );
            let on_update = {
                let mut inner = inner.borrow_mut();
                let on_update = inner.job.as_ref().map(|job| job.on_update.clone());
                if finished {
                    // The worker listens again, warm, for the next search.
                    inner.job = None;
                }
                on_update
            };
            if let Some(on_update) = on_update {
                on_update.emit(Heard::Update(update));
            }
        })
    };
    // A worker that never answered did not load (a page served without it): every search runs
    // without it. One that stops after answering has failed, and says so; the next search
    // starts another.
    let on_error = {
        let inner = Rc::downgrade(inner);
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            event.prevent_default();
            let Some(inner) = inner.upgrade() else {
                return;
            };
            let (job, ready) = {
                let mut inner = inner.borrow_mut();
                if let Some(link) = inner.link.take() {
                    link.worker.terminate();
                    // Dropped later, not inside its own handler.
                    drop_later(link);
                }
                let ready = std::mem::take(&mut inner.ready);
                inner.unavailable |= !ready;
                (inner.job.take(), ready)
            };
            let Some(job) = job else {
                return;
            };
            if ready {
                job.on_update.emit(Heard::Update(ExploreUpdate::Failed {
                    why: "the explorer's worker stopped unexpectedly".to_owned(),
                }));
            } else {
                job.without_worker(&inner);
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

/// Drops a worker's link after the current turn of the event loop: a closure must not be
/// dropped while it runs.
fn drop_later(link: WorkerLink) {
    gloo_timers::callback::Timeout::new(0, move || drop(link)).forget();
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
