//! The history as views read it: every applied step with its events and the partitions'
//! offsets after it, shared rather than copied. Views that look back over the whole history
//! (a record's provenance, the offsets plot) get this handle, so a step costs them the same
//! at step 20 and at step 20 000.

use eos_core::network::Message;
use eos_core::views::offset_marks::{PartitionMarks, marks};
use eos_core::{Action, ActionError, Event, EventKind, World};
use std::ops::Range;
use std::rc::Rc;

/// One applied step: the action, what the core said it caused, and the offsets after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub action: Action,
    pub events: Vec<Event>,
    /// The index of the scripted step this was, if it came from the scenario's script.
    pub scripted: Option<usize>,
    /// Every partition's offsets after the step (for the offsets plot).
    pub marks: Vec<PartitionMarks>,
    /// The message a deliver, drop, duplicate or delay acted on, as it was before the step: the
    /// events name it only by id, and the narration needs to know it was, say, p1's ack.
    pub message: Option<Message>,
}

impl StepRecord {
    /// Applies `action` to `world` and records it; the world is unchanged if the core refuses.
    pub fn apply(
        world: &mut World,
        action: Action,
        scripted: Option<usize>,
    ) -> Result<Self, ActionError> {
        let message = acted_on(world, &action);
        let events = world.step(&action)?;
        Ok(Self {
            action,
            events,
            scripted,
            marks: marks(world),
            message,
        })
    }

    /// Whether a broker answered a retry as a duplicate in this step (rare: the only events a
    /// record's provenance needs beyond the log itself).
    pub fn has_duplicate(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::DuplicateBatch { .. }))
    }
}

/// The message in flight that `action` names (or the oldest one), for the actions on one message.
pub fn acted_on(world: &World, action: &Action) -> Option<Message> {
    match action {
        Action::Deliver { message }
        | Action::Drop { message }
        | Action::Duplicate { message }
        | Action::Delay { message } => world.network().find(*message).cloned(),
        _ => None,
    }
}

/// The indices of the steps of `history` with a duplicate (see [`StepRecord::has_duplicate`]).
pub fn duplicate_steps(history: &History) -> Vec<usize> {
    history
        .iter()
        .enumerate()
        .filter(|(_, s)| s.has_duplicate())
        .map(|(i, _)| i)
        .collect()
}

/// A lab's applied steps, oldest first: a persistent vector, so the reducer's copy of the lab on
/// every action and the views' handle share it instead of copying one pointer per step.
pub type History = imbl::Vector<Rc<StepRecord>>;

/// The steps of `history` at the indices in `range` (cut to the history's length), found by
/// index: `history.iter().skip(n)` walks the first `n` steps one by one (imbl's iterator has
/// no faster `nth`), which made a jump near step 100 000 cost a walk of 100 000 steps.
pub fn steps_in(history: &History, range: Range<usize>) -> impl Iterator<Item = &Rc<StepRecord>> {
    let end = range.end.min(history.len());
    let start = range.start.min(end);
    history.focus().narrow(start..end).into_iter()
}

/// The steps of a history and the step the timeline is at.
#[derive(Clone, Debug)]
pub struct StepsSoFar {
    start_marks: Rc<[PartitionMarks]>,
    steps: History,
    /// The indices of the steps with a duplicate, oldest first.
    duplicate_steps: Rc<[usize]>,
    cursor: usize,
}

// A new history is a new `Rc`, so identity and the cursor are the right test.
impl PartialEq for StepsSoFar {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.start_marks, &other.start_marks)
            && self.steps.ptr_eq(&other.steps)
            && self.cursor == other.cursor
    }
}

impl StepsSoFar {
    /// `cursor` is clamped to the number of steps; `duplicate_steps` are the indices of the
    /// steps with a duplicate (kept by the history's owner as it grows, so that this handle
    /// costs one pointer per step to make and nothing to search).
    pub fn new(
        start_marks: Rc<[PartitionMarks]>,
        steps: History,
        duplicate_steps: Rc<[usize]>,
        cursor: usize,
    ) -> Self {
        let cursor = cursor.min(steps.len());
        Self {
            start_marks,
            steps,
            duplicate_steps,
            cursor,
        }
    }

    /// Replays `actions` from `world` (for tests and tools): the steps the core accepted, in
    /// order, stopping at the first it refuses, with the cursor at the end.
    pub fn replay(mut world: World, actions: impl IntoIterator<Item = Action>) -> Self {
        let start_marks: Rc<[PartitionMarks]> = marks(&world).into();
        let steps: History = actions
            .into_iter()
            .map_while(|action| {
                StepRecord::apply(&mut world, action, None)
                    .ok()
                    .map(Rc::new)
            })
            .collect();
        let cursor = steps.len();
        let duplicates = duplicate_steps(&steps).into();
        Self::new(start_marks, steps, duplicates, cursor)
    }

    /// How many steps the world at the cursor has taken.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// How many steps the history has, including those after the cursor.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every event of the steps up to the cursor, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.steps
            .iter()
            .take(self.cursor)
            .flat_map(|s| s.events.iter())
    }

    /// The events of the steps up to the cursor in which a broker answered a retry as a
    /// duplicate: what a record's provenance needs, without reading every event so far.
    pub fn duplicate_events(&self) -> impl Iterator<Item = &Event> {
        self.duplicate_steps
            .iter()
            .take_while(|&&i| i < self.cursor)
            .filter_map(|&i| self.steps.get(i))
            .flat_map(|s| s.events.iter())
    }

    /// The offsets after `step` steps (0: at the start), within the whole history; the last
    /// step's for a step past the end.
    pub fn marks_at(&self, step: usize) -> &[PartitionMarks] {
        match step.min(self.steps.len()).checked_sub(1) {
            None => &self.start_marks,
            Some(index) => &self.steps[index].marks,
        }
    }

    /// The offsets at the start, then after each step of the whole history.
    pub fn marks(&self) -> impl Iterator<Item = &[PartitionMarks]> {
        std::iter::once(&*self.start_marks).chain(self.steps.iter().map(|s| s.marks.as_slice()))
    }
}
