//! EOS Lab's course: lessons, exercises, goals and grading, on top of the simulation core.
//!
//! Pure Rust and no IO: it takes text and returns values or located errors
//! ([`CourseError`]), so the same code runs in the browser (the lesson player, exercise mode)
//! and natively (the `eos-lab grade` CLI, tests). Nothing here trusts a stored final state:
//! lessons and grading replay actions through [`eos_core::World::step`].
//!
//! # Public API
//!
//! - [`Goal`]: a predicate in JSON (`all` / `any` / `not` over facts).
//!   [`Goal::check`] finds unknown names against the starting world (located by JSON pointer);
//!   [`Goal::evaluate`] gives an [`Evaluation`] (met or not, the goal in words, what stands now);
//!   [`Evaluation::sentence`] joins them: "payments-0's LSO is at least 2: not yet, payments-0's
//!   LSO is 0".
//! - [`Start`] (a shipped scenario's stem or an inline scenario, after some of its steps) and
//!   [`Start::resolve`] with a [`ScenarioLookup`] (stem to text, supplied by the caller) to a
//!   [`StartingPoint`] (the scenario and the world the learner takes over).
//! - [`Lesson`] ([`Lesson::parse`], [`Lesson::check`], [`Lesson::path_to`]) of [`Beat`]s, each
//!   with narration ([`markup`]), scripted actions, a [`Target`] to point at, an `expect` goal
//!   and an optional [`YourTurn`] checkpoint ([`YourTurn::status`] after each learner step).
//! - [`Exercise`] ([`Exercise::parse`], [`Exercise::check`], [`Exercise::content_hash`]) with
//!   [`Limits`] and [`WrongAttempt`]s.
//! - [`Attempt`] (the exported file: [`Attempt::new`], [`Attempt::to_json`], [`Attempt::parse`]).
//! - [`grade()`] (attempt text) and [`grade_actions`] (actions, for live status) give a [`Grade`]:
//!   a [`Verdict`] (passed, not yet with a reason, invalid with a [`Problem`]) and steps
//!   against par.
//! - [`Outline`] ([`Outline::parse`]): `assets/course.json`, the lessons and exercises in the
//!   story's order.
//! - [`Progress`]: lessons' beats and checkpoints, exercises passed; versioned JSON
//!   ([`Progress::to_json`], [`Progress::from_json`], [`ProgressError`]).
//!
//! Code map: `error` (located errors, file reading rules), `start`, `play` (actions through the
//! core), `goal/` (`mod`: the language; `facts`: what each fact observes; `words`: the goal in
//! words; `names`: names checked against the world), `markup`, `target`, `lesson`, `exercise`,
//! `attempt`, `grade`, `progress`. Formats: `docs/lessons.md`, `docs/exercises.md`; schemas:
//! `assets/lesson.schema.json`, `assets/exercise.schema.json`, `assets/attempt.schema.json`.

mod attempt;
mod error;
mod exercise;
pub mod goal;
mod grade;
mod lesson;
pub mod markup;
mod outline;
mod play;
mod progress;
mod start;
mod target;

pub use attempt::{
    ATTEMPT_FORMAT_TAG, ATTEMPT_VERSION, Attempt, ExerciseRef, MAX_ATTEMPT_ACTIONS,
    MAX_ATTEMPT_BYTES, Problem,
};
pub use error::{CourseError, ErrorKind, Location, MAX_COURSE_FILE_BYTES};
pub use exercise::{EXERCISE_FORMAT_VERSION, Exercise, Limits, WrongAttempt};
pub use goal::{Evaluation, Goal};
pub use grade::{Grade, Verdict, grade, grade_actions};
pub use lesson::{Beat, BeatPoint, CheckpointStatus, LESSON_FORMAT_VERSION, Lesson, YourTurn};
pub use outline::{OUTLINE_FORMAT_VERSION, Outline, OutlineEntry};
pub use play::action_kind;
pub use progress::{
    ExerciseProgress, LessonProgress, MAX_PROGRESS_BYTES, PROGRESS_FORMAT_TAG, PROGRESS_VERSION,
    Progress, ProgressError,
};
pub use start::{RecordedStart, ScenarioLookup, ScenarioSource, Start, StartingPoint};
pub use target::{OffsetTarget, Panel, Target};
