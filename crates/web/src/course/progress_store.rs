//! The learner's course progress (`eos_course::Progress`) in the browser's localStorage under
//! [`PROGRESS_KEY`], shared by exercise mode and the lesson player. Storage is untrusted and may
//! be missing: reading gives empty progress then, and progress that cannot be read is never
//! written over (a pass is then simply not recorded). Embedded labs never call the writers.

use eos_course::Progress;

/// Where progress is kept.
pub const PROGRESS_KEY: &str = "eos-lab.progress";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved progress: empty when there is none, `Err` when what is saved cannot be read.
pub fn load() -> Result<Progress, String> {
    match storage().and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten()) {
        None => Ok(Progress::default()),
        Some(text) => Progress::from_json(&text).map_err(|e| e.to_string()),
    }
}

/// Changes the saved progress with `change` and writes it back; does nothing when what is
/// saved cannot be read, so it is not lost.
pub fn update(change: impl FnOnce(&mut Progress)) {
    let Ok(mut progress) = load() else {
        return;
    };
    change(&mut progress);
    if let Some(storage) = storage() {
        let _ = storage.set_item(PROGRESS_KEY, &progress.to_json());
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
    load()
        .map(|progress| progress.exercises.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
        .into()
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
