//! Playing actions through the core for the course: every change is `World::step`, and an
//! action the core refuses is reported with its place in the file.

use crate::error::{CourseError, ErrorKind, pointer};
use eos_core::{Action, Event, World};

/// Plays `actions` (written at `at` in `source`) on `world`, appending their events.
pub(crate) fn play(
    world: &mut World,
    actions: &[Action],
    events: &mut Vec<Event>,
    source: &str,
    at: &str,
) -> Result<(), CourseError> {
    for (i, action) in actions.iter().enumerate() {
        let step = world.step(action).map_err(|e| {
            CourseError::at(
                source,
                &pointer(at, i),
                ErrorKind::ImpossibleAction,
                format!("the lab refuses this step here: {e}"),
            )
        })?;
        events.extend(step);
    }
    Ok(())
}

/// An action's kind as files write it (`send`, `drop`, `crash_broker`).
pub fn action_kind(action: &Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("step").and_then(|s| s.as_str()).map(str::to_owned))
        .unwrap_or_default()
}
