//! The learner's course progress in the browser's localStorage (`eos-lab.progress`, the
//! versioned `Progress` JSON), shared by the lesson player and exercise mode. Storage is
//! untrusted: a value that cannot be read is moved to [`ASIDE_KEY`] (never written over) and
//! the player says so; if it cannot be kept aside, nothing is saved. A missing or throwing
//! storage makes every call a quiet no-op. Embedded labs never call the writers.
//!
//! Every write is read-modify-write on what storage holds at that moment ([`update`]), so a
//! change made by one feature is never lost to another feature's older in-memory copy.

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

/// What storage holds: `Ok(None)` when nothing, `Err((text, why))` when it cannot be read.
fn stored() -> Result<Option<Progress>, (String, String)> {
    let Some(text) = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()) else {
        return Ok(None);
    };
    Progress::from_json(&text)
        .map(Some)
        .map_err(|why| (text, why.to_string()))
}

/// Copies an unreadable value to [`ASIDE_KEY`]; whether that worked.
fn keep_aside(text: &str) -> bool {
    storage().is_some_and(|s| s.set_item(ASIDE_KEY, text).is_ok())
}

/// Reads the saved progress, keeping an unreadable one aside.
pub fn load() -> Loaded {
    match stored() {
        Ok(progress) => Loaded {
            progress: progress.unwrap_or_default(),
            notice: None,
            may_save: true,
        },
        Err((text, why)) => {
            let kept = keep_aside(&text);
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

/// The saved progress as it reads now (empty when none or unreadable), without side effects.
pub fn peek() -> Progress {
    stored().ok().flatten().unwrap_or_default()
}

/// Applies `change` to the progress storage holds now and writes it back; returns what was
/// written. An unreadable value is kept aside first; if it cannot be, nothing is written.
pub fn update(change: impl FnOnce(&mut Progress)) -> Option<Progress> {
    let mut progress = match stored() {
        Ok(progress) => progress.unwrap_or_default(),
        Err((text, _)) if keep_aside(&text) => Progress::default(),
        Err(_) => return None,
    };
    change(&mut progress);
    let storage = storage()?;
    storage
        .set_item(STORAGE_KEY, &progress.to_json())
        .ok()
        .map(|()| progress)
}

/// Adds everything `mine` records to `into`: beats reached, checkpoints and exercises passed
/// (best step counts kept). Progress only grows, so absorbing never undoes another change.
pub fn absorb(into: &mut Progress, mine: &Progress) {
    for (lesson, reached) in &mine.lessons {
        into.reach_beat(lesson, reached.furthest_beat);
        for &beat in &reached.checkpoints_passed {
            into.pass_checkpoint(lesson, beat);
        }
    }
    for (exercise, passed) in &mine.exercises {
        into.pass_exercise(exercise, passed.best_steps);
    }
}

/// Records that `exercise` was passed in `steps` steps (the best count is kept).
pub fn exercise_passed(exercise: &str, steps: usize) {
    update(|progress| progress.pass_exercise(exercise, steps));
}

/// The ids of the exercises passed in this browser; none when progress is not kept (`enabled`
/// off: tests, embedded labs).
pub fn passed_ids(enabled: bool) -> std::rc::Rc<[String]> {
    if !enabled {
        return std::rc::Rc::from(Vec::new());
    }
    peek().exercises.keys().cloned().collect::<Vec<_>>().into()
}

/// Records a pass of exercise `id` when its `status` turns to passed, if progress is kept.
#[yew::hook]
pub fn use_exercise_progress(
    id: Option<String>,
    status: Option<crate::course::exercise::Status>,
    enabled: bool,
) {
    let passed = match (&id, &status) {
        (Some(id), Some(crate::course::exercise::Status::Graded { grade, steps, .. }))
            if grade.passed() =>
        {
            Some((id.clone(), *steps))
        }
        _ => None,
    };
    yew::use_effect_with(passed, move |passed| {
        if let (true, Some((id, steps))) = (enabled, passed) {
            exercise_passed(id, *steps);
        }
    });
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorbing_the_players_copy_keeps_an_exercise_passed_meanwhile() {
        // Storage after exercise mode recorded a pass the player's copy never saw.
        let mut stored = Progress::default();
        stored.pass_exercise("charge-twice", 7);
        stored.reach_beat("two-generals", 4);
        let mut players = Progress::default();
        players.pass_checkpoint("two-generals", 2);
        absorb(&mut stored, &players);
        assert!(stored.exercise_passed("charge-twice"));
        assert_eq!(stored.lessons["two-generals"].furthest_beat, 4);
        assert!(
            stored.lessons["two-generals"]
                .checkpoints_passed
                .contains(&2)
        );
    }
}
