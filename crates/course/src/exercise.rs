//! An exercise: a task in words, a starting scenario, a goal, optional limits, a reference
//! solution and at least one plausible wrong attempt with the reason the grader must give.
//! [`Exercise::check`] is what `eos-lab check-exercise` runs for a teacher writing one.

use crate::error::{CourseError, ErrorKind, check_id, check_text, parse_course_file, pointer};
use crate::goal::{Goal, not_one_of};
use crate::grade::{Verdict, grade_actions};
use crate::markup::{self, Block};
use crate::start::{ScenarioLookup, Start, StartingPoint};
use eos_core::Action;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The exercise format this build reads.
pub const EXERCISE_FORMAT_VERSION: u32 = 1;

/// An exercise file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub format_version: u32,
    /// Lowercase letters, digits and `-`; the file is `assets/exercises/<id>.json`.
    pub id: String,
    pub title: String,
    /// The task in words (narration markup).
    pub task: String,
    #[serde(default)]
    pub concepts: Vec<u32>,
    pub start: Start,
    /// Checked over the world after the learner's last step and the events of their steps.
    pub goal: Goal,
    #[serde(default)]
    pub limits: Limits,
    /// Shown when the learner asks for help (markup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Actions that reach the goal within the limits.
    pub reference: Vec<Action>,
    /// Plausible wrong attempts (at least one), each with what the grader says of it.
    pub wrong_attempts: Vec<WrongAttempt>,
}

/// What an attempt may do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// The action kinds the learner may use (`send`, `drop`, ...); absent means any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// The number of steps a good solution takes; reported beside the learner's count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub par: Option<usize>,
    /// More steps than this and the attempt does not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<usize>,
}

/// A wrong attempt and the grader's reason (the whole reason or a part of it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrongAttempt {
    pub actions: Vec<Action>,
    pub reason: String,
}

impl Exercise {
    /// Reads an exercise file; `source` names it in errors. Checks shape, texts and limits:
    /// names and actions need the starting world ([`Exercise::check`]).
    pub fn parse(source: &str, text: &str) -> Result<Self, CourseError> {
        let exercise: Exercise =
            parse_course_file(source, text, EXERCISE_FORMAT_VERSION, "exercise")?;
        check_id(source, &exercise.id)?;
        check_text(source, "/title", &exercise.title)?;
        check_text(source, "/task", &exercise.task)?;
        if let Some(allowed) = &exercise.limits.allowed {
            for (i, kind) in allowed.iter().enumerate() {
                if let Some(expected) = not_one_of::<Action>(json!({ "step": kind }))
                    .filter(|m| m.starts_with("expected one of"))
                {
                    return Err(CourseError::at(
                        source,
                        &pointer("/limits/allowed", i),
                        ErrorKind::UnknownName,
                        format!("`{kind}` is not a step kind: {expected}"),
                    ));
                }
            }
        }
        if let (Some(par), Some(max)) = (exercise.limits.par, exercise.limits.max_steps)
            && par > max
        {
            return Err(CourseError::at(
                source,
                "/limits/par",
                ErrorKind::Invalid,
                format!("par {par} is above max_steps {max}"),
            ));
        }
        if exercise.wrong_attempts.is_empty() {
            return Err(CourseError::at(
                source,
                "/wrong_attempts",
                ErrorKind::Invalid,
                "give at least one plausible wrong attempt, so tests prove the goal refuses it",
            ));
        }
        for (i, wrong) in exercise.wrong_attempts.iter().enumerate() {
            check_text(
                source,
                &pointer(&pointer("/wrong_attempts", i), "reason"),
                &wrong.reason,
            )?;
        }
        Ok(exercise)
    }

    /// Checks the exercise against its starting world: every name the goal uses exists, the
    /// reference passes, and each wrong attempt does not, for the reason it gives. Returns the
    /// starting point.
    pub fn check(
        &self,
        source: &str,
        lookup: ScenarioLookup<'_>,
    ) -> Result<StartingPoint, CourseError> {
        let start = self.start.resolve(source, "/start", lookup)?;
        self.goal.check(source, start.world(), "/goal")?;
        let before = self.goal.evaluate(start.world(), &[]);
        if before.met {
            return Err(CourseError::at(
                source,
                "/goal",
                ErrorKind::Contradiction,
                format!(
                    "the goal is met before the learner does anything: {}",
                    before.sentence()
                ),
            ));
        }
        let reference = grade_actions(self, &start, &self.reference);
        match reference.verdict {
            Verdict::Passed => {}
            Verdict::NotYet { reason } => {
                return Err(CourseError::at(
                    source,
                    "/reference",
                    ErrorKind::Contradiction,
                    format!("the reference solution does not pass: {reason}"),
                ));
            }
            Verdict::Invalid { problem } => {
                return Err(CourseError::at(
                    source,
                    "/reference",
                    ErrorKind::ImpossibleAction,
                    format!("the reference solution cannot be graded: {problem}"),
                ));
            }
        }
        for (i, wrong) in self.wrong_attempts.iter().enumerate() {
            let at = pointer("/wrong_attempts", i);
            match grade_actions(self, &start, &wrong.actions).verdict {
                Verdict::NotYet { reason } if reason.contains(&wrong.reason) => {}
                Verdict::NotYet { reason } => {
                    return Err(CourseError::at(
                        source,
                        &pointer(&at, "reason"),
                        ErrorKind::Contradiction,
                        format!(
                            "the grader's reason is \"{reason}\", which does not contain \"{}\"",
                            wrong.reason
                        ),
                    ));
                }
                Verdict::Passed => {
                    return Err(CourseError::at(
                        source,
                        &pointer(&at, "actions"),
                        ErrorKind::Contradiction,
                        "this wrong attempt passes",
                    ));
                }
                Verdict::Invalid { problem } => {
                    return Err(CourseError::at(
                        source,
                        &pointer(&at, "actions"),
                        ErrorKind::ImpossibleAction,
                        format!("this wrong attempt cannot be graded: {problem}"),
                    ));
                }
            }
        }
        Ok(start)
    }

    pub fn task_blocks(&self) -> Vec<Block> {
        markup::parse(&self.task)
    }

    /// A fingerprint of what grading depends on (start, goal, limits), so an attempt made for
    /// another version of the exercise is noticed. Editing the title, task, hint or examples
    /// keeps it.
    pub fn content_hash(&self) -> String {
        let graded = json!({
            "id": self.id,
            "start": self.start,
            "goal": self.goal,
            "limits": self.limits,
        });
        format!("{:016x}", fnv1a(graded.to_string().as_bytes()))
    }
}

/// FNV-1a, 64 bits: small, stable across platforms and versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
