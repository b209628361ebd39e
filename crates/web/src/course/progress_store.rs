//! The learner's course progress in the browser's localStorage (`eos-lab.progress`, the
//! versioned `Progress` JSON). Storage is untrusted: a value that cannot be read is moved to
//! [`ASIDE_KEY`] (never written over) and the player says so; if it cannot be kept aside,
//! nothing is saved. A missing or throwing storage makes every call a quiet no-op.

use eos_course::Progress;

pub const STORAGE_KEY: &str = "eos-lab.progress";
/// Where saved progress that could not be read is kept.
pub const ASIDE_KEY: &str = "eos-lab.progress.unreadable";

/// What the store found at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub progress: Progress,
    /// Said to the learner when the stored value could not be read.
    pub notice: Option<String>,
    /// Whether saving may write (false when an unreadable value could not be kept aside).
    pub may_save: bool,
}

/// Reads the saved progress, keeping an unreadable one aside.
pub fn load() -> Loaded {
    let Some(text) = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()) else {
        return Loaded {
            progress: Progress::default(),
            notice: None,
            may_save: true,
        };
    };
    match Progress::from_json(&text) {
        Ok(progress) => Loaded {
            progress,
            notice: None,
            may_save: true,
        },
        Err(why) => {
            let kept = storage().is_some_and(|s| s.set_item(ASIDE_KEY, &text).is_ok());
            let notice = if kept {
                format!(
                    "Your saved course progress could not be read ({why}). It is kept aside in \
                     this browser under “{ASIDE_KEY}”, and progress starts afresh."
                )
            } else {
                format!(
                    "Your saved course progress could not be read ({why}), and could not be kept \
                     aside, so this visit does not save progress over it."
                )
            };
            Loaded {
                progress: Progress::default(),
                notice: Some(notice),
                may_save: kept,
            }
        }
    }
}

pub fn save(progress: &Progress) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, &progress.to_json());
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
