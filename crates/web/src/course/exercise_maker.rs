//! "Make an exercise from this lab": the lab's start becomes the exercise's start, the steps
//! taken since become its reference solution, and its goal is made of facts that hold at the
//! cursor (`Goal::suggestions`) and did not at the start, ticked by the teacher. The file is
//! checked by `eos_course` exactly as an opened one would be before it is offered.

use crate::scenarios::shipped_text;
use crate::state::LabState;
use eos_core::run::scenario::Scenario;
use eos_core::{Action, Event};
use eos_course::{
    EXERCISE_FORMAT_VERSION, Exercise, Goal, Limits, ScenarioSource, Start, StartingPoint,
    WrongAttempt,
};

/// At most this many facts are offered: the most telling come first.
pub const MAX_CANDIDATES: usize = 12;

/// What the lab offers to turn into an exercise.
#[derive(Debug)]
pub struct ExerciseDraft {
    start: StartingPoint,
    reference: Vec<Action>,
    /// Facts true at the cursor and not at the start, each with its words.
    pub candidates: Vec<(Goal, String)>,
}

impl PartialEq for ExerciseDraft {
    fn eq(&self, other: &Self) -> bool {
        self.start == other.start
            && self.reference == other.reference
            && self.candidates == other.candidates
    }
}

impl ExerciseDraft {
    /// The draft for the lab at its cursor, or why there is none, in words.
    pub fn from_lab(lab: &LabState) -> Result<Self, String> {
        let world = lab.world().map_err(ToOwned::to_owned)?;
        let taken: Vec<_> = lab.history().iter().take(lab.cursor()).collect();
        // The scripted steps the lab began with stay part of the start.
        let scripted = taken
            .iter()
            .enumerate()
            .take_while(|(i, step)| step.scripted == Some(*i))
            .count();
        let reference: Vec<Action> = taken[scripted..]
            .iter()
            .map(|step| step.action.clone())
            .collect();
        if reference.is_empty() {
            return Err(
                "take at least one step first: the goal is what those steps made true".to_owned(),
            );
        }
        let events: Vec<Event> = taken[scripted..]
            .iter()
            .flat_map(|step| step.events.iter().cloned())
            .collect();
        let mut scenario = lab.as_scenario();
        scenario.steps = lab.origin().script[..scripted].to_vec();
        let start = StartingPoint::new(scenario, scripted)?;
        let candidates = Goal::suggestions(world, &events)
            .into_iter()
            .filter(|goal| !goal.evaluate(start.world(), &[]).met)
            .take(MAX_CANDIDATES)
            .map(|goal| {
                let words = goal.describe();
                (goal, words)
            })
            .collect();
        Ok(Self {
            start,
            reference,
            candidates,
        })
    }

    /// The exercise file (its name and text) with the picked candidates as its goal, checked
    /// like any opened exercise: its reference passes, doing nothing does not.
    pub fn build(
        &self,
        title: &str,
        task: &str,
        picked: &[usize],
    ) -> Result<(String, String), String> {
        let mut goals: Vec<Goal> = picked
            .iter()
            .filter_map(|&i| self.candidates.get(i).map(|(goal, _)| goal.clone()))
            .collect();
        let goal = match goals.len() {
            0 => return Err("tick at least one fact for the goal".to_owned()),
            1 => goals.remove(0),
            _ => Goal::All(goals),
        };
        let title = match title.trim() {
            "" => "My exercise",
            title => title,
        };
        let id = id_from(title);
        let task = match task.trim() {
            "" => format!("Make this true: {}.", goal.describe()),
            task => task.to_owned(),
        };
        let at_start = goal.evaluate(self.start.world(), &[]);
        let scenario: Scenario = self.start.scenario.clone();
        let exercise = Exercise {
            format_version: EXERCISE_FORMAT_VERSION,
            id: id.clone(),
            title: title.to_owned(),
            task,
            concepts: scenario.concepts.clone(),
            start: Start {
                scenario: ScenarioSource::Inline(Box::new(scenario)),
                after_steps: self.start.after_steps,
            },
            goal,
            limits: Limits {
                allowed: None,
                par: Some(self.reference.len()),
                max_steps: None,
            },
            hint: None,
            reference: self.reference.clone(),
            wrong_attempts: vec![WrongAttempt {
                actions: Vec::new(),
                reason: at_start.sentence(),
            }],
        };
        let text = serde_json::to_string_pretty(&exercise).map_err(|e| e.to_string())?;
        let file = format!("{id}.json");
        Exercise::parse(&file, &text)
            .and_then(|read| read.check(&file, &shipped_text))
            .map_err(|e| e.to_string())?;
        Ok((file, text))
    }
}

/// An exercise id from its title: lowercase letters, digits and single `-`.
fn id_from(title: &str) -> String {
    let mut id = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
        if id.len() >= 60 {
            break;
        }
    }
    match id.trim_end_matches('-') {
        "" => "my-exercise".to_owned(),
        id => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::exercise::OpenExercise;
    use crate::scenarios::{FREE_PLAY_IDEMPOTENT, FREE_PLAY_TOPIC};
    use crate::state::LabAction;
    use eos_core::ClientId;
    use std::rc::Rc;
    use yew::Reducible;

    fn sent_and_delivered() -> Rc<LabState> {
        let send = Action::Send {
            producer: ClientId::new(FREE_PLAY_IDEMPOTENT),
            topic: FREE_PLAY_TOPIC.to_owned(),
            partition: Some(0),
            key: Some("pay-1".to_owned()),
            value: "payment 1".to_owned(),
        };
        [LabAction::Act(send), LabAction::Act(Action::DeliverAll {})]
            .into_iter()
            .fold(Rc::new(LabState::default()), |lab, action| {
                lab.reduce(action)
            })
    }

    #[test]
    fn a_lab_becomes_an_exercise_whose_reference_is_the_steps_taken() {
        let lab = sent_and_delivered();
        let draft = ExerciseDraft::from_lab(&lab).unwrap_or_else(|e| panic!("{e}"));
        assert!(!draft.candidates.is_empty());
        let log_end = draft
            .candidates
            .iter()
            .position(|(_, words)| words.contains("payments-0") && words.contains("log end"))
            .unwrap_or_else(|| panic!("{:?}", draft.candidates));
        let (file, text) = draft
            .build("Write one payment!", "", &[log_end])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file, "write-one-payment.json");
        let open = OpenExercise::open(&file, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(open.exercise.limits.par, Some(2));
        let lab = [open.start_action()]
            .into_iter()
            .chain(open.exercise.reference.iter().cloned().map(LabAction::Act))
            .fold(Rc::new(LabState::default()), |lab, action| {
                lab.reduce(action)
            });
        assert!(open.status(&lab).passed());
    }

    #[test]
    fn facts_already_true_at_the_start_are_not_offered_and_an_empty_pick_is_refused() {
        let lab = sent_and_delivered();
        let draft = ExerciseDraft::from_lab(&lab).unwrap_or_else(|e| panic!("{e}"));
        for (goal, words) in &draft.candidates {
            assert!(!goal.evaluate(draft.start.world(), &[]).met, "{words}");
        }
        assert!(draft.build("x", "", &[]).is_err());
        let fresh = LabState::default();
        assert!(ExerciseDraft::from_lab(&fresh).is_err(), "nothing done yet");
    }

    #[test]
    fn ids_are_plain() {
        assert_eq!(id_from("Fence the zombie!"), "fence-the-zombie");
        assert_eq!(id_from("  ?? "), "my-exercise");
    }
}
