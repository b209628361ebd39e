//! Autosave: the lab in the browser's localStorage, written shortly after its history or cursor
//! changes (and when the page is left) and restored when the app starts, so a reload arrives where the user was.
//!
//! Storage is untrusted and may be missing (private windows, blocked cookies): a missing or
//! throwing localStorage makes every call here a quiet no-op. Saved data that cannot be
//! restored is never written over: it moves to [`ASIDE_KEY`] first, and the notice offers it
//! for download.

use crate::components::share_box::link_in_address;
use crate::state::{LabAction, LabState, Notice, SavedFrom};
use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Where the lab is saved; the version is the saved-lab format's, so a later format can live
/// beside it.
pub const STORAGE_KEY: &str = "eos-lab.autosave.v1";
/// Where saved data that could not be restored is kept, instead of being overwritten.
pub const ASIDE_KEY: &str = "eos-lab.autosave.v1.unreadable";

/// Saves the lab while `enabled`, and restores the saved lab when the app starts if
/// `restore_on_start` (the page address names no other start) and the address carries no
/// share link (which wins). Embedded labs pass `false`, so two labs on one page do not write
/// over each other.
#[hook]
pub fn use_autosave(state: &UseReducerHandle<LabState>, enabled: bool, restore_on_start: bool) {
    // Set when saved data could not be kept aside: the lab then stops saving rather than
    // write over it.
    let blocked = use_mut_ref(|| false);
    // The first run of the save effect is the mount, before any restore: skip it, or the
    // fresh default lab would replace the saved one.
    let mounted = use_mut_ref(|| false);
    {
        let dispatcher = state.dispatcher();
        use_effect_with(enabled, move |enabled| {
            if *enabled
                && restore_on_start
                && link_in_address().is_none()
                && let Some(text) = read(STORAGE_KEY)
            {
                dispatcher.dispatch(LabAction::Restore {
                    from: SavedFrom::Storage,
                    text: Rc::from(text),
                });
            }
        });
    }
    let unreadable = match state.notice() {
        Some(Notice::Unrestorable {
            from: SavedFrom::Storage,
            data: Some(data),
            ..
        }) => Some(Rc::clone(data)),
        _ => None,
    };
    {
        let blocked = blocked.clone();
        use_effect_with((enabled, unreadable), move |(enabled, unreadable)| {
            if let Some(data) = unreadable.as_ref().filter(|_| *enabled) {
                let kept = write(ASIDE_KEY, data);
                if kept {
                    remove(STORAGE_KEY);
                }
                *blocked.borrow_mut() = !kept;
            }
        });
    }
    // The lab waiting to be saved, and the timer that saves it.
    let pending = use_mut_ref(|| None::<UseReducerHandle<LabState>>);
    let timer = use_mut_ref(|| None::<Timeout>);
    {
        let (pending, blocked) = (pending.clone(), blocked.clone());
        use_effect_with((), move |()| {
            // A page being left or hidden may not come back: save what waits now.
            let listener = web_sys::window().map(|window| {
                let (pending, blocked) = (pending.clone(), blocked.clone());
                EventListener::new(&window, "pagehide", move |_| {
                    save_pending(&pending, &blocked)
                })
            });
            move || {
                drop(listener);
                save_pending(&pending, &blocked);
            }
        });
    }
    let state = state.clone();
    use_effect_with(
        (enabled, state.revision(), state.cursor()),
        move |(enabled, ..)| {
            let first = !std::mem::replace(&mut *mounted.borrow_mut(), true);
            if *enabled && !first && state.world().is_ok() {
                *pending.borrow_mut() = Some(state);
                // A new timer replaces (and so cancels) the one for the previous change.
                *timer.borrow_mut() = Some(Timeout::new(SAVE_DELAY_MS, move || {
                    save_pending(&pending, &blocked);
                }));
            }
        },
    );
}

/// Whether a lab is saved in this browser (a returning visitor), readable or not.
pub fn has_saved_lab() -> bool {
    read(STORAGE_KEY).is_some() || read(ASIDE_KEY).is_some()
}

/// How long the lab waits after a change before saving it. Saving writes the whole history, so
/// a run of quick steps (playing, clicking through) is saved once, after it, not on each click.
pub const SAVE_DELAY_MS: u32 = 400;

/// Saves the lab waiting to be saved, if any, unless saving is blocked.
fn save_pending(
    pending: &Rc<RefCell<Option<UseReducerHandle<LabState>>>>,
    blocked: &Rc<RefCell<bool>>,
) {
    let Some(state) = pending.borrow_mut().take() else {
        return;
    };
    if !*blocked.borrow() && !write(STORAGE_KEY, &state.saved().to_json()) {
        // Storage is full: an older lab left there would be restored as if it were this one.
        remove(STORAGE_KEY);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn read(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Whether the value was stored (a full storage refuses it).
fn write(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}
