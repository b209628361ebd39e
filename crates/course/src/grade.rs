//! Grading: an attempt's actions replayed through the core from the exercise's own starting
//! point (never a stored final state), its limits checked, its goal evaluated.
//!
//! The rules, in order: the attempt must read ([`Attempt::parse`]), name this exercise and this
//! version of it (id and content hash), and start from the exercise's own scenario, else it is
//! invalid; every action must be one the lab accepts at that point, else invalid; more steps than
//! `max_steps`, or an action kind outside `allowed`, and it is "not yet"; then the goal is
//! evaluated over the world after the last step and the events of the attempt's steps, and the
//! attempt passes if it is met. Steps above par still pass; the count is reported beside par.

use crate::attempt::{Attempt, Problem};
use crate::exercise::Exercise;
use crate::play::action_kind;
use crate::start::StartingPoint;
use eos_core::Action;

/// What the grader says of an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Graded and not passed; the reason in words.
    NotYet {
        reason: String,
    },
    /// Could not be graded.
    Invalid {
        problem: Problem,
    },
}

/// A verdict with the attempt's step count and the exercise's par.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    pub verdict: Verdict,
    /// Steps the attempt took, when it could be read.
    pub steps: Option<usize>,
    pub par: Option<usize>,
}

impl Grade {
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }

    /// The reason in words: "passed", the goal not met, or why the attempt is invalid.
    pub fn reason(&self) -> String {
        match &self.verdict {
            Verdict::Passed => "passed".to_owned(),
            Verdict::NotYet { reason } => reason.clone(),
            Verdict::Invalid { problem } => format!("invalid: {problem}"),
        }
    }
}

/// Grades attempt text against an exercise whose starting point is `start` (from
/// [`Exercise::check`]).
pub fn grade(exercise: &Exercise, start: &StartingPoint, attempt_text: &str) -> Grade {
    let invalid = |problem: Problem, steps: Option<usize>| Grade {
        verdict: Verdict::Invalid { problem },
        steps,
        par: exercise.limits.par,
    };
    let attempt = match Attempt::parse(attempt_text) {
        Ok(attempt) => attempt,
        Err(problem) => return invalid(problem, None),
    };
    let steps = Some(attempt.actions.len());
    if attempt.exercise.id != exercise.id {
        return invalid(
            Problem::WrongExercise {
                found: attempt.exercise.id,
            },
            steps,
        );
    }
    if attempt.exercise.hash != exercise.content_hash() {
        return invalid(Problem::ExerciseChanged, steps);
    }
    if attempt.start != start.record() {
        return invalid(Problem::Tampered, steps);
    }
    grade_actions(exercise, start, &attempt.actions)
}

/// Grades actions taken from the exercise's starting point: the grader's replay, and the app's
/// live status.
pub fn grade_actions(exercise: &Exercise, start: &StartingPoint, actions: &[Action]) -> Grade {
    let limits = &exercise.limits;
    let steps = actions.len();
    let verdict = |verdict| Grade {
        verdict,
        steps: Some(steps),
        par: limits.par,
    };
    let mut world = start.world().clone();
    let mut events = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        match world.step(action) {
            Ok(step) => events.extend(step),
            Err(e) => {
                return verdict(Verdict::Invalid {
                    problem: Problem::ImpossibleAction {
                        step: i + 1,
                        message: e.to_string(),
                    },
                });
            }
        }
    }
    if let Some(max) = limits.max_steps
        && steps > max
    {
        return verdict(Verdict::NotYet {
            reason: format!("took {steps} steps; the most allowed is {max}"),
        });
    }
    if let Some(allowed) = &limits.allowed {
        let refused = actions
            .iter()
            .enumerate()
            .find(|(_, a)| !allowed.contains(&action_kind(a)));
        if let Some((i, action)) = refused {
            return verdict(Verdict::NotYet {
                reason: format!(
                    "step {} is `{}`, which this exercise does not allow (allowed: {})",
                    i + 1,
                    action_kind(action),
                    allowed.join(", ")
                ),
            });
        }
    }
    let evaluation = exercise.goal.evaluate(&world, &events);
    if evaluation.met {
        verdict(Verdict::Passed)
    } else {
        verdict(Verdict::NotYet {
            reason: evaluation.sentence(),
        })
    }
}
