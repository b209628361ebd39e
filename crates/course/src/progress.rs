//! A learner's progress as a value: for each lesson the furthest beat reached and the
//! checkpoints passed, for each exercise whether it passed and in how few steps. Saved as
//! versioned JSON like the saved lab; reading it is untrusted input (browser storage can be
//! edited) and every mistake is a [`ProgressError`], never a panic.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The tag that says a JSON text is saved progress.
pub const PROGRESS_FORMAT_TAG: &str = "eos-lab-progress";
/// The version of the progress format this build writes and reads.
pub const PROGRESS_VERSION: u32 = 1;
/// The largest progress text accepted, in bytes.
pub const MAX_PROGRESS_BYTES: usize = 256 * 1024;

/// Everything a learner has done in the course.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// By lesson id.
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
    /// By exercise id.
    #[serde(default)]
    pub exercises: BTreeMap<String, ExerciseProgress>,
}

/// How far a learner got in one lesson.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonProgress {
    /// The furthest beat reached (0-based).
    pub furthest_beat: usize,
    /// The beats (0-based) whose checkpoint the learner passed themselves (not by "show me").
    #[serde(default)]
    pub checkpoints_passed: BTreeSet<usize>,
}

/// One exercise, once passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseProgress {
    /// The fewest steps of a passing attempt.
    pub best_steps: usize,
}

/// Why text cannot be read as progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgressError {
    TooLarge {
        bytes: usize,
    },
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
    NotProgress,
    UnsupportedVersion {
        found: String,
    },
}

impl fmt::Display for ProgressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressError::TooLarge { bytes } => write!(
                f,
                "the saved progress is {bytes} bytes; the most accepted is {MAX_PROGRESS_BYTES}"
            ),
            ProgressError::Malformed {
                line,
                column,
                message,
            } => write!(f, "line {line}, column {column}: {message}"),
            ProgressError::NotProgress => write!(
                f,
                "this is not saved progress (no \"format\": \"{PROGRESS_FORMAT_TAG}\")"
            ),
            ProgressError::UnsupportedVersion { found } => write!(
                f,
                "progress version {found} is not supported; this build reads version {PROGRESS_VERSION}"
            ),
        }
    }
}

impl std::error::Error for ProgressError {}

#[derive(Serialize)]
struct Written<'a> {
    format: &'a str,
    version: u32,
    #[serde(flatten)]
    progress: &'a Progress,
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(rename = "format")]
    _format: String,
    #[serde(rename = "version")]
    _version: u32,
    #[serde(default)]
    lessons: BTreeMap<String, LessonProgress>,
    #[serde(default)]
    exercises: BTreeMap<String, ExerciseProgress>,
}

impl Progress {
    /// The learner reached `beat` of `lesson`.
    pub fn reach_beat(&mut self, lesson: &str, beat: usize) {
        let entry = self.lessons.entry(lesson.to_owned()).or_default();
        entry.furthest_beat = entry.furthest_beat.max(beat);
    }

    /// The learner passed the checkpoint of `beat` in `lesson` by their own steps.
    pub fn pass_checkpoint(&mut self, lesson: &str, beat: usize) {
        self.reach_beat(lesson, beat);
        if let Some(entry) = self.lessons.get_mut(lesson) {
            entry.checkpoints_passed.insert(beat);
        }
    }

    /// The learner passed `exercise` in `steps` steps; the best count is kept.
    pub fn pass_exercise(&mut self, exercise: &str, steps: usize) {
        let entry = self
            .exercises
            .entry(exercise.to_owned())
            .or_insert(ExerciseProgress { best_steps: steps });
        entry.best_steps = entry.best_steps.min(steps);
    }

    pub fn exercise_passed(&self, exercise: &str) -> bool {
        self.exercises.contains_key(exercise)
    }

    pub fn to_json(&self) -> String {
        let written = Written {
            format: PROGRESS_FORMAT_TAG,
            version: PROGRESS_VERSION,
            progress: self,
        };
        // Plain maps of plain data always serialise.
        serde_json::to_string(&written).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, ProgressError> {
        if text.len() > MAX_PROGRESS_BYTES {
            return Err(ProgressError::TooLarge { bytes: text.len() });
        }
        let header: Header = serde_json::from_str(text).map_err(malformed)?;
        if header.format.as_ref().and_then(|f| f.as_str()) != Some(PROGRESS_FORMAT_TAG) {
            return Err(ProgressError::NotProgress);
        }
        match &header.version {
            Some(serde_json::Value::Number(n))
                if n.as_u64() == Some(u64::from(PROGRESS_VERSION)) => {}
            found => {
                return Err(ProgressError::UnsupportedVersion {
                    found: found
                        .as_ref()
                        .map_or_else(|| "(none)".to_owned(), ToString::to_string),
                });
            }
        }
        let body: Body = serde_json::from_str(text).map_err(malformed)?;
        Ok(Self {
            lessons: body.lessons,
            exercises: body.exercises,
        })
    }
}

fn malformed(e: serde_json::Error) -> ProgressError {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    ProgressError::Malformed {
        line: e.line(),
        column: e.column(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_and_keeps_the_best_count() {
        let mut progress = Progress::default();
        progress.reach_beat("two-generals", 3);
        progress.reach_beat("two-generals", 1);
        progress.pass_checkpoint("two-generals", 2);
        progress.pass_exercise("charge-twice", 7);
        progress.pass_exercise("charge-twice", 5);
        progress.pass_exercise("charge-twice", 9);
        let read = Progress::from_json(&progress.to_json()).unwrap();
        assert_eq!(read, progress);
        assert_eq!(read.lessons["two-generals"].furthest_beat, 3);
        assert_eq!(read.exercises["charge-twice"].best_steps, 5);
    }

    #[test]
    fn bad_progress_is_a_typed_error() {
        assert!(matches!(
            Progress::from_json("{"),
            Err(ProgressError::Malformed { .. })
        ));
        assert_eq!(
            Progress::from_json(r#"{"format": "eos-lab-save", "version": 1}"#),
            Err(ProgressError::NotProgress)
        );
        assert!(matches!(
            Progress::from_json(r#"{"format": "eos-lab-progress", "version": 2}"#),
            Err(ProgressError::UnsupportedVersion { .. })
        ));
        let err = Progress::from_json(
            r#"{"format": "eos-lab-progress", "version": 1, "lessons": {"x": {"furthest_beat": -1}}}"#,
        )
        .unwrap_err();
        assert!(matches!(err, ProgressError::Malformed { .. }), "{err}");
        let big = " ".repeat(MAX_PROGRESS_BYTES + 1);
        assert!(matches!(
            Progress::from_json(&big),
            Err(ProgressError::TooLarge { .. })
        ));
    }
}
