//! A lesson as the player runs it (pure): the lesson read and checked, the world it starts
//! from, and where the learner is. Every beat is entered by replaying the lesson's fixed path
//! into the lab ([`LessonRun::enter`]), so the stage, the narration and the timeline show the
//! same steps; a checkpoint is judged over the lab's own history after the point where it
//! began ([`LessonRun::checkpoint`]), so the learner's clicks on the stage are what count.

use crate::scenarios::{Origin, catalog};
use crate::state::LabAction;
use crate::steps::{History, steps_in};
use eos_core::{Action, Event, World};
use eos_course::{BeatPoint, CheckpointStatus, CourseError, Lesson};
use std::rc::Rc;

/// A lesson opened in the player.
#[derive(Clone, Debug)]
pub struct LessonRun {
    pub lesson: Rc<Lesson>,
    /// Where it was read from, as error messages name it.
    pub source: Rc<str>,
    /// The starting scenario as the lab loads it.
    pub origin: Rc<Origin>,
    /// The scenario's own scripted steps played before the lesson takes over.
    pub start_steps: Rc<[Action]>,
}

/// Where a checkpoint stands in the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TurnState {
    /// The lab is before the point where the learner's turn begins (they stepped back).
    NotStarted,
    /// The learner has taken `steps` steps since it began.
    Underway {
        steps: usize,
        status: CheckpointStatus,
    },
}

impl LessonRun {
    /// Reads a lesson file and checks it against its starting world, walking its whole path
    /// (so a broken lesson is a located error, never a lesson that stops halfway).
    pub fn read(source: &str, text: &str) -> Result<Self, CourseError> {
        let lesson = Lesson::parse(source, text)?;
        let start = lesson.check(source, &shipped_scenario)?;
        let start_steps: Rc<[Action]> = start
            .scenario
            .steps
            .iter()
            .take(start.after_steps)
            .cloned()
            .collect();
        // The beats tell the lesson's story: its lab keeps only the scenario's steps played
        // before the lesson takes over, and not the scenario's moment or recap, so "Next
        // scripted step", Play and the recap never run the scenario's own story beside it.
        let origin = Origin {
            script: Rc::clone(&start_steps),
            moment: None,
            recap: None,
            ..Origin::from(start.scenario)
        };
        Ok(Self {
            origin: Rc::new(origin),
            lesson: Rc::new(lesson),
            source: Rc::from(source),
            start_steps,
        })
    }

    pub fn beats(&self) -> usize {
        self.lesson.beats.len()
    }

    /// The lab action that puts the lab at `point` of `beat`: the start, then the lesson's
    /// path, each action one step.
    pub fn enter(&self, beat: usize, point: BeatPoint) -> Option<LabAction> {
        let path = self.lesson.path_to(beat, point)?;
        let steps: Rc<[Action]> = self.start_steps.iter().cloned().chain(path).collect();
        Some(LabAction::StartAt {
            origin: Rc::clone(&self.origin),
            steps,
            scripted: self.start_steps.len(),
        })
    }

    /// How many steps the lab has taken when `beat`'s checkpoint begins.
    pub fn checkpoint_from(&self, beat: usize) -> usize {
        self.start_steps.len()
            + self
                .lesson
                .path_to(beat, BeatPoint::AfterActions)
                .map_or(0, |path| path.len())
    }

    /// Whether the lab is still this lesson's scenario (the learner may load another).
    pub fn owns(&self, origin: &Origin) -> bool {
        *self.origin == *origin
    }

    /// How `beat`'s checkpoint stands, given the lab's history, cursor and world; `None` when
    /// the beat has no checkpoint.
    pub fn checkpoint(
        &self,
        beat: usize,
        history: &History,
        cursor: usize,
        world: &World,
    ) -> Option<TurnState> {
        let turn = self.lesson.beats.get(beat)?.your_turn.as_ref()?;
        let from = self.checkpoint_from(beat);
        let Some(steps) = cursor.checked_sub(from) else {
            return Some(TurnState::NotStarted);
        };
        let events: Vec<Event> = steps_in(history, from..cursor)
            .flat_map(|step| step.events.iter().cloned())
            .collect();
        Some(TurnState::Underway {
            steps,
            status: turn.status(world, &events, steps),
        })
    }
}

/// A shipped scenario's text by its stem, for a lesson's `start`.
pub fn shipped_scenario(stem: &str) -> Option<String> {
    let name = format!("{stem}.json");
    catalog().into_iter().find_map(|source| match source {
        crate::scenarios::Source::File { name: n, text } if *n == *name => Some(text.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LabState;
    use yew::Reducible;

    const TWO_GENERALS: &str = include_str!("../../../../assets/lessons/two-generals.json");

    fn lab_at(run: &LessonRun, beat: usize, point: BeatPoint) -> Rc<LabState> {
        Rc::new(LabState::default()).reduce(run.enter(beat, point).expect("a beat"))
    }

    fn turn(run: &LessonRun, lab: &LabState, beat: usize) -> TurnState {
        run.checkpoint(
            beat,
            lab.history(),
            lab.cursor(),
            lab.world().expect("a world"),
        )
        .expect("a checkpoint")
    }

    #[test]
    fn a_beat_is_entered_by_its_path_one_step_each() {
        let run = LessonRun::read("two-generals.json", TWO_GENERALS).expect("the shipped lesson");
        let lab = lab_at(&run, 2, BeatPoint::AfterActions);
        assert!(run.owns(lab.origin()));
        assert_eq!(lab.cursor(), 2, "send, then deliver");
        assert_eq!(run.checkpoint_from(2), 2);
        assert!(lab.notice().is_none());
    }

    #[test]
    fn the_learners_own_drop_passes_and_a_delivery_shows_the_hint() {
        let run = LessonRun::read("two-generals.json", TWO_GENERALS).expect("the shipped lesson");
        let lab = lab_at(&run, 2, BeatPoint::AfterActions);
        assert!(matches!(
            turn(&run, &lab, 2),
            TurnState::Underway { steps: 0, ref status } if !status.passed() && !status.show_hint
        ));
        let wrong = Rc::clone(&lab).reduce(LabAction::Act(Action::Deliver { message: None }));
        assert!(matches!(
            turn(&run, &wrong, 2),
            TurnState::Underway { steps: 1, ref status } if !status.passed() && status.show_hint
        ));
        let right = Rc::clone(&lab).reduce(LabAction::Act(Action::Drop { message: None }));
        assert!(matches!(
            turn(&run, &right, 2),
            TurnState::Underway { ref status, .. } if status.passed()
        ));
        let back = right.reduce(LabAction::JumpTo(1));
        assert_eq!(turn(&run, &back, 2), TurnState::NotStarted);
    }

    #[test]
    fn a_broken_lesson_is_a_located_error() {
        let broken = TWO_GENERALS.replace("\"03-two-generals\"", "\"no-such-scenario\"");
        let err = LessonRun::read("two-generals.json", &broken).unwrap_err();
        assert!(err.to_string().contains("/start"), "{err}");
        assert!(LessonRun::read("x.json", "{").is_err());
    }
}
