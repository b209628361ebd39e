//! An exercise open in the lab: the file read and checked by `eos_course`, the lab started at
//! its starting point, and after every step its live status, which is the grader's own verdict
//! (`grade_actions`) on the steps taken since the start. Pure, so native tests drive it.

use crate::scenarios::{Origin, shipped_text};
use crate::state::{LabAction, LabState, Notice};
use eos_core::Action;
use eos_core::run::share::{SharedLab, SharedStep};
use eos_course::{
    Attempt, CourseError, Evaluation, Exercise, Grade, Location, StartingPoint, action_kind,
    grade_actions,
};
use std::rc::Rc;

/// An exercise file, read and checked against its starting world.
#[derive(Debug)]
pub struct OpenExercise {
    pub exercise: Exercise,
    pub start: StartingPoint,
    /// What the file is called in notices (its id, file name or path).
    pub source: String,
    /// The file as opened, so a share link can carry it.
    pub text: Rc<str>,
    /// Where the lab starts for it: the scenario with only the scripted steps played before the
    /// learner takes over (the rest of the script would be the answer).
    pub origin: Rc<Origin>,
}

/// Why the lab is not on the exercise right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Away {
    /// Another scenario was loaded, or the starting settings edited.
    OtherLab,
    /// The cursor is before the exercise's start, or steps before it were changed.
    BeforeStart,
}

/// How the learner is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The grader's verdict on the steps taken, the goal evaluated at the cursor, and the count.
    Graded {
        grade: Grade,
        evaluation: Evaluation,
        steps: usize,
    },
    Away(Away),
}

impl Status {
    pub fn passed(&self) -> bool {
        matches!(self, Status::Graded { grade, .. } if grade.passed())
    }
}

impl OpenExercise {
    /// Reads and checks exercise text (`source` names it in errors): its shape, names, start,
    /// and that its reference passes and wrong attempts do not. The error is located.
    pub fn open(source: &str, text: &str) -> Result<Self, String> {
        let exercise = Exercise::parse(source, text).map_err(|e| located(&e))?;
        let start = exercise
            .check(source, &shipped_text)
            .map_err(|e| located(&e))?;
        let mut origin = Origin::from(start.scenario.clone());
        origin.script = Rc::from(&start.scenario.steps[..start.after_steps]);
        origin.name = format!("Exercise: {}", exercise.title);
        origin.moment = None;
        origin.recap = None;
        Ok(Self {
            exercise,
            start,
            source: source.to_owned(),
            text: Rc::from(text),
            origin: Rc::new(origin),
        })
    }

    /// Starts the lab at the exercise's start (also its reset).
    pub fn start_action(&self) -> LabAction {
        LabAction::StartAt {
            origin: Rc::clone(&self.origin),
            steps: Rc::clone(&self.origin.script),
            scripted: self.start.after_steps,
        }
    }

    /// The steps the learner took since the start, up to the cursor.
    pub fn learner_actions(&self, lab: &LabState) -> Result<Vec<Action>, Away> {
        if *lab.origin() != *self.origin {
            return Err(Away::OtherLab);
        }
        let before = self.start.after_steps;
        let history = lab.history();
        let on_start = lab.cursor() >= before
            && history
                .iter()
                .take(before)
                .map(|step| &step.action)
                .eq(self.origin.script.iter());
        if !on_start {
            return Err(Away::BeforeStart);
        }
        Ok(history
            .iter()
            .skip(before)
            .take(lab.cursor() - before)
            .map(|step| step.action.clone())
            .collect())
    }

    /// The live status: what the grader would say of the steps taken so far.
    pub fn status(&self, lab: &LabState) -> Status {
        let actions = match self.learner_actions(lab) {
            Ok(actions) => actions,
            Err(away) => return Status::Away(away),
        };
        let Ok(world) = lab.world() else {
            return Status::Away(Away::OtherLab);
        };
        let events: Vec<eos_core::Event> = lab
            .history()
            .iter()
            .skip(self.start.after_steps)
            .take(actions.len())
            .flat_map(|step| step.events.iter().cloned())
            .collect();
        Status::Graded {
            grade: grade_actions(&self.exercise, &self.start, &actions),
            evaluation: self.exercise.goal.evaluate(world, &events),
            steps: actions.len(),
        }
    }

    /// The attempt file for the steps taken so far, if the lab is on the exercise.
    pub fn attempt(&self, lab: &LabState) -> Option<(String, String)> {
        let actions = self.learner_actions(lab).ok()?;
        let attempt = Attempt::new(&self.exercise, &self.start, actions);
        Some((
            format!("{}-attempt.json", self.exercise.id),
            attempt.to_json(),
        ))
    }

    /// The notice that refuses `action` when the exercise does not allow its kind.
    pub fn refusal(&self, action: &LabAction) -> Option<Notice> {
        let LabAction::Act(action) = action else {
            return None;
        };
        let allowed = self.exercise.limits.allowed.as_ref()?;
        (!allowed.contains(&action_kind(action))).then(|| Notice::NotAllowed {
            action: action.clone(),
            allowed: allowed.clone(),
        })
    }

    /// The lab as a share link that carries this exercise, so it opens on the same step with
    /// the exercise beside it.
    pub fn share_link(&self, lab: &LabState) -> String {
        let saved = lab.saved();
        eos_core::run::share::encode(&SharedLab {
            origin: saved.origin,
            history: saved
                .history
                .into_iter()
                .map(|step| SharedStep {
                    action: step.action,
                    scripted: step.scripted,
                })
                .collect(),
            cursor: saved.cursor,
            exercise: Some(self.text.to_string()),
        })
    }
}

/// A course error's place and message, without the file's name (the notice names it).
pub fn located(error: &CourseError) -> String {
    match &error.location {
        Location::File => error.message.clone(),
        location => format!("{location}: {}", error.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_course::Verdict;
    use yew::Reducible;

    pub(crate) const CHARGE_TWICE: &str =
        include_str!("../../../../assets/exercises/charge-twice.json");

    fn opened() -> OpenExercise {
        OpenExercise::open("charge-twice", CHARGE_TWICE).unwrap_or_else(|e| panic!("{e}"))
    }

    fn run(lab: Rc<LabState>, actions: impl IntoIterator<Item = LabAction>) -> Rc<LabState> {
        actions
            .into_iter()
            .fold(lab, |lab, action| lab.reduce(action))
    }

    fn acts(actions: &[Action]) -> Vec<LabAction> {
        actions.iter().cloned().map(LabAction::Act).collect()
    }

    #[test]
    fn the_reference_turns_the_status_to_met_and_its_attempt_passes_the_grader() {
        let open = opened();
        let lab = run(Rc::new(LabState::default()), [open.start_action()]);
        assert_eq!(lab.cursor(), open.start.after_steps);
        assert!(
            lab.next_scripted().is_none(),
            "the rest of the script is hidden"
        );
        let Status::Graded { grade, steps, .. } = open.status(&lab) else {
            panic!("on the exercise");
        };
        assert!(!grade.passed());
        assert_eq!(steps, 0);
        let lab = run(lab, acts(&open.exercise.reference));
        assert!(open.status(&lab).passed(), "{:?}", open.status(&lab));
        let (name, text) = open.attempt(&lab).expect("on the exercise");
        assert_eq!(name, "charge-twice-attempt.json");
        assert!(eos_course::grade(&open.exercise, &open.start, &text).passed());
    }

    #[test]
    fn a_wrong_attempt_is_not_yet_for_the_graders_reason() {
        let open = opened();
        let wrong = &open.exercise.wrong_attempts[0];
        let lab = run(Rc::new(LabState::default()), [open.start_action()]);
        let lab = run(lab, acts(&wrong.actions));
        let Status::Graded {
            grade, evaluation, ..
        } = open.status(&lab)
        else {
            panic!("on the exercise");
        };
        let Verdict::NotYet { reason } = grade.verdict else {
            panic!("not yet");
        };
        assert!(reason.contains(&wrong.reason), "{reason}");
        assert!(!evaluation.met);
    }

    #[test]
    fn leaving_the_exercise_or_stepping_before_its_start_is_said() {
        let open = opened();
        let lab = run(Rc::new(LabState::default()), [open.start_action()]);
        let back = run(Rc::clone(&lab), [LabAction::StepBack]);
        assert_eq!(open.status(&back), Status::Away(Away::BeforeStart));
        let other = run(lab, [LabAction::Load(crate::scenarios::Source::FreePlay)]);
        assert_eq!(open.status(&other), Status::Away(Away::OtherLab));
        assert!(open.attempt(&other).is_none());
    }

    #[test]
    fn a_step_kind_the_exercise_does_not_allow_is_refused_with_the_list() {
        let open = opened();
        let send = LabAction::Act(Action::DeliverAll {});
        let Some(Notice::NotAllowed { allowed, .. }) = open.refusal(&send) else {
            panic!("deliver_all is not allowed in charge-twice");
        };
        assert!(allowed.contains(&"poll".to_owned()));
        let poll = LabAction::Act(open.exercise.reference[0].clone());
        assert_eq!(open.refusal(&poll), None);
    }

    #[test]
    fn a_share_link_carries_the_exercise_and_reopens_on_it() {
        let open = opened();
        let lab = run(Rc::new(LabState::default()), [open.start_action()]);
        let lab = run(lab, acts(&open.exercise.reference[..2]));
        let link = open.share_link(&lab);
        let decoded = eos_core::run::share::decode(&link)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_lab();
        let reopened = OpenExercise::open(
            "link",
            decoded.exercise.as_deref().expect("the exercise travels"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let lab = run(
            Rc::new(LabState::default()),
            [LabAction::OpenLink(Rc::from(link))],
        );
        let Status::Graded { steps, .. } = reopened.status(&lab) else {
            panic!(
                "the link opens on the exercise: {:?}",
                reopened.status(&lab)
            );
        };
        assert_eq!(steps, 2);
    }

    #[test]
    fn broken_exercise_files_are_located_errors() {
        let not_json = OpenExercise::open("mine.json", "{").unwrap_err();
        assert!(not_json.starts_with("line 1, column 1"), "{not_json}");
        let foreign = OpenExercise::open(
            "mine.json",
            &CHARGE_TWICE.replace("\"format_version\": 1", "\"format_version\": 9"),
        )
        .unwrap_err();
        assert!(foreign.contains("/format_version"), "{foreign}");
        let large = " ".repeat(eos_course::MAX_COURSE_FILE_BYTES + 1);
        assert!(
            OpenExercise::open("big.json", &large)
                .unwrap_err()
                .contains("bytes")
        );
    }
}
