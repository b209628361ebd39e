//! The course in the app: exercise mode (an exercise open beside the lab, its live status,
//! attempts), making an exercise from a lab, fetching course files when opened, and the
//! learner's progress in the browser.
//!
//! - [`fetch`]: course files fetched on demand, and the same-origin rule for a teacher's file.
//! - [`exercise`]: [`exercise::OpenExercise`], an exercise read and checked, with its live
//!   status (the grader's verdict), attempt file, share link and allowed steps (pure).
//! - [`session`]: the hook that opens exercises (address, outline, import, share link).
//! - [`exercise_maker`]: "Make an exercise from this lab" (pure).
//! - [`progress_store`]: `eos_course::Progress` in localStorage (`eos-lab.progress`).

pub mod exercise;
pub mod exercise_maker;
pub mod fetch;
pub mod progress_store;
pub mod session;
