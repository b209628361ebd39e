//! Attempt files: what the app's "export attempt" writes and the grader reads. An attempt names
//! its exercise (id and [`Exercise::content_hash`]), records the starting scenario in full and
//! every action the learner took; never a final state, which the grader would have to trust.
//!
//! ```json
//! {"format": "eos-lab-attempt", "version": 1,
//!  "exercise": {"id": "charge-twice", "hash": "5c1e0f3a9b7d2e41"},
//!  "start": {"scenario": {"format_version": 1, "steps": []}, "after_steps": 0},
//!  "actions": [{"step": "deliver_all"}]}
//! ```
//!
//! Attempt text is untrusted: reading it checks size, tag and version before anything else, and
//! every mistake is a [`Problem`], never a panic.

use crate::exercise::Exercise;
use crate::start::{RecordedStart, StartingPoint};
use eos_core::Action;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The tag that says a JSON text is an attempt.
pub const ATTEMPT_FORMAT_TAG: &str = "eos-lab-attempt";
/// The attempt format this build writes and reads.
pub const ATTEMPT_VERSION: u32 = 1;
/// The largest attempt accepted, in bytes: a large inline scenario and thousands of actions.
pub const MAX_ATTEMPT_BYTES: usize = 2 * 1024 * 1024;
/// The most actions an attempt may hold.
pub const MAX_ATTEMPT_ACTIONS: usize = 10_000;

/// An attempt at an exercise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub exercise: ExerciseRef,
    pub start: RecordedStart,
    pub actions: Vec<Action>,
}

/// Which exercise an attempt was made for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseRef {
    pub id: String,
    pub hash: String,
}

/// Why an attempt cannot be graded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    TooLarge {
        bytes: usize,
    },
    /// Not JSON, or a field of the wrong shape.
    Malformed {
        location: String,
        message: String,
    },
    /// The file cannot be read as text (the reader says why).
    Unreadable {
        message: String,
    },
    /// JSON of another kind (no `"format": "eos-lab-attempt"`).
    NotAnAttempt,
    ForeignVersion {
        found: String,
    },
    TooManyActions {
        count: usize,
    },
    /// Made for another exercise.
    WrongExercise {
        found: String,
    },
    /// Made for another version of this exercise (its start, goal or limits changed since).
    ExerciseChanged,
    /// Its starting scenario is not the exercise's.
    Tampered,
    /// Step `step` (1-based) is one the lab refuses at that point; the app never records such.
    ImpossibleAction {
        step: usize,
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::TooLarge { bytes } => write!(
                f,
                "too large: {bytes} bytes, the most accepted is {MAX_ATTEMPT_BYTES}"
            ),
            Problem::Malformed { location, message } => {
                write!(f, "malformed: {location}: {message}")
            }
            Problem::Unreadable { message } => write!(f, "unreadable: {message}"),
            Problem::NotAnAttempt => write!(
                f,
                "not an attempt file (no \"format\": \"{ATTEMPT_FORMAT_TAG}\")"
            ),
            Problem::ForeignVersion { found } => write!(
                f,
                "attempt version {found} is not supported; this build reads version {ATTEMPT_VERSION}"
            ),
            Problem::TooManyActions { count } => write!(
                f,
                "too many actions: {count}, the most accepted is {MAX_ATTEMPT_ACTIONS}"
            ),
            Problem::WrongExercise { found } => {
                write!(f, "made for another exercise (`{found}`)")
            }
            Problem::ExerciseChanged => write!(
                f,
                "made for another version of this exercise: its start, goal or limits have changed"
            ),
            Problem::Tampered => write!(f, "tampered: its starting scenario is not the exercise's"),
            Problem::ImpossibleAction { step, message } => {
                write!(f, "step {step} cannot happen there: {message}")
            }
        }
    }
}

impl std::error::Error for Problem {}

/// The file as written: tag and version first.
#[derive(Serialize)]
struct Written<'a> {
    format: &'a str,
    version: u32,
    exercise: &'a ExerciseRef,
    start: &'a RecordedStart,
    actions: &'a [Action],
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
    exercise: ExerciseRef,
    start: RecordedStart,
    actions: Vec<serde_json::Value>,
}

impl Attempt {
    /// An attempt at `exercise` from its starting point.
    pub fn new(exercise: &Exercise, start: &StartingPoint, actions: Vec<Action>) -> Self {
        Self {
            exercise: ExerciseRef {
                id: exercise.id.clone(),
                hash: exercise.content_hash(),
            },
            start: start.record(),
            actions,
        }
    }

    pub fn to_json(&self) -> String {
        let written = Written {
            format: ATTEMPT_FORMAT_TAG,
            version: ATTEMPT_VERSION,
            exercise: &self.exercise,
            start: &self.start,
            actions: &self.actions,
        };
        // Serialising plain data cannot fail; an empty text would be refused on reading.
        serde_json::to_string_pretty(&written).unwrap_or_default()
    }

    /// Reads attempt text.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        if text.len() > MAX_ATTEMPT_BYTES {
            return Err(Problem::TooLarge { bytes: text.len() });
        }
        let header: Header = serde_json::from_str(text).map_err(malformed)?;
        if header.format.as_ref().and_then(|f| f.as_str()) != Some(ATTEMPT_FORMAT_TAG) {
            return Err(Problem::NotAnAttempt);
        }
        match &header.version {
            Some(serde_json::Value::Number(n))
                if n.as_u64() == Some(u64::from(ATTEMPT_VERSION)) => {}
            found => {
                return Err(Problem::ForeignVersion {
                    found: found
                        .as_ref()
                        .map_or_else(|| "(none)".to_owned(), ToString::to_string),
                });
            }
        }
        let body: Body = serde_json::from_str(text).map_err(malformed)?;
        if body.actions.len() > MAX_ATTEMPT_ACTIONS {
            return Err(Problem::TooManyActions {
                count: body.actions.len(),
            });
        }
        let actions = body
            .actions
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                serde_json::from_value::<Action>(value).map_err(|e| Problem::Malformed {
                    location: format!("action {}", i + 1),
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            exercise: body.exercise,
            start: body.start,
            actions,
        })
    }
}

fn malformed(e: serde_json::Error) -> Problem {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    Problem::Malformed {
        location: format!("line {}, column {}", e.line(), e.column()),
        message,
    }
}
