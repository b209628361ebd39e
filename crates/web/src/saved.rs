//! The saved-lab format: where a lab started (its world and whole script), every step taken
//! and the cursor, as JSON. Autosave and export write it; restore and import read it.
//!
//! Saved text is untrusted input (browser storage can be edited, files can be anything):
//! decoding checks the size, the format tag and the version before anything else, and every
//! mistake is a [`SavedLabError`] in plain words, never a panic. The steps are checked here
//! for shape only; whether the core accepts them is known when the lab replays them.

use eos_core::run::scenario::{self, MAX_STEPS, Scenario};
use eos_core::{Action, ActionError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The tag that says a JSON text is a saved lab, so another JSON file is refused, not guessed at.
pub const FORMAT_TAG: &str = "eos-lab-save";
/// The version of the saved-lab format this build writes and reads.
pub const VERSION: u32 = 1;
/// The largest saved lab accepted, in bytes: room for a scenario of the largest size plus its
/// history.
pub const MAX_BYTES: usize = 2 * scenario::MAX_BYTES;

/// A lab as saved: enough to rebuild it exactly by replaying the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedLab {
    /// The starting world and the whole script (its `steps`), not only the steps taken, so
    /// "next scripted step" still works after a restore.
    pub origin: Scenario,
    /// Every step applied, including those after the cursor.
    pub history: Vec<SavedStep>,
    /// How many steps of the history the shown world has taken.
    pub cursor: usize,
}

/// One applied step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedStep {
    pub action: Action,
    /// The index (0-based) of the scripted step this was, if it came from the script.
    #[serde(default)]
    pub scripted: Option<usize>,
}

/// The file as written: the tag and version first, so a reader sees at once what it is.
#[derive(Serialize)]
struct Tagged<'a> {
    format: &'a str,
    version: u32,
    origin: &'a Scenario,
    history: &'a [SavedStep],
    cursor: usize,
}

/// Read before the rest, so a file of another kind or a newer version is named as such
/// rather than reported as a field out of place.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// The whole file, read once the header said what it is. (Not `#[serde(flatten)]`: it would
/// lose the line and column of a mistake inside.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(rename = "format")]
    _format: String,
    #[serde(rename = "version")]
    _version: u32,
    origin: Scenario,
    history: Vec<SavedStep>,
    cursor: usize,
}

/// Why saved text cannot become a lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SavedLabError {
    TooLarge {
        bytes: usize,
    },
    /// The text is not JSON.
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not tagged as a saved lab.
    WrongFormat,
    /// Saved by a newer EOS Lab than this one.
    NewerVersion {
        found: u64,
    },
    /// A version that never existed (zero, negative, not a number).
    UnknownVersion {
        found: String,
    },
    /// A saved lab whose fields have the wrong shape, at this place in the text.
    Invalid {
        line: usize,
        column: usize,
        message: String,
    },
    /// The starting world is written in a scenario format this build does not read.
    ScenarioVersion {
        found: u32,
    },
    TooManySteps {
        count: usize,
    },
    /// The cursor points past the end of the history.
    CursorPastEnd {
        cursor: usize,
        steps: usize,
    },
    /// Step `step` (1-based) says it is a scripted step that the script does not have.
    NotInScript {
        step: usize,
        scripted: usize,
    },
    /// The starting world cannot be built.
    World {
        why: String,
    },
    /// The core refused step `step` (1-based) on replay.
    Refused {
        step: usize,
        action: String,
        error: ActionError,
    },
}

impl fmt::Display for SavedLabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SavedLabError::TooLarge { bytes } => write!(
                f,
                "it is {bytes} bytes, more than the {} MiB a saved lab may be",
                MAX_BYTES / (1024 * 1024)
            ),
            SavedLabError::NotJson {
                line,
                column,
                message,
            } => write!(
                f,
                "it is not valid JSON (line {line}, column {column}: {message})"
            ),
            SavedLabError::WrongFormat => write!(
                f,
                "it is not a saved EOS Lab (its \"format\" should be \"{FORMAT_TAG}\")"
            ),
            SavedLabError::NewerVersion { found } => write!(
                f,
                "it was saved by a newer EOS Lab (saved-lab version {found}; this lab reads version {VERSION})"
            ),
            SavedLabError::UnknownVersion { found } => write!(
                f,
                "its version {found} is not one EOS Lab ever wrote (this lab reads version {VERSION})"
            ),
            SavedLabError::Invalid {
                line,
                column,
                message,
            } => write!(f, "line {line}, column {column}: {message}"),
            SavedLabError::ScenarioVersion { found } => write!(
                f,
                "its starting world has scenario format_version {found}; this lab reads version {}",
                scenario::FORMAT_VERSION
            ),
            SavedLabError::TooManySteps { count } => write!(
                f,
                "it holds {count} steps; the most accepted is {MAX_STEPS}"
            ),
            SavedLabError::CursorPastEnd { cursor, steps } => write!(
                f,
                "it is at step {cursor}, but its history has only {steps} steps"
            ),
            SavedLabError::NotInScript { step, scripted } => write!(
                f,
                "step {step} says it is scripted step {}, which its script does not hold",
                scripted + 1
            ),
            SavedLabError::World { why } => {
                write!(f, "its starting world cannot be built: {why}")
            }
            SavedLabError::Refused {
                step,
                action,
                error,
            } => write!(
                f,
                "step {step} (“{action}”) was refused when the lab replayed it: {error}"
            ),
        }
    }
}

impl std::error::Error for SavedLabError {}

impl SavedLab {
    /// The saved form as compact JSON (for browser storage).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.tagged()).unwrap_or_default()
    }

    /// The saved form as indented JSON (for a file a person may open).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.tagged()).unwrap_or_default()
    }

    fn tagged(&self) -> Tagged<'_> {
        Tagged {
            format: FORMAT_TAG,
            version: VERSION,
            origin: &self.origin,
            history: &self.history,
            cursor: self.cursor,
        }
    }

    /// Reads a saved lab, checking everything that can be checked without the core.
    pub fn parse(text: &str) -> Result<Self, SavedLabError> {
        if text.len() > MAX_BYTES {
            return Err(SavedLabError::TooLarge { bytes: text.len() });
        }
        let header: Header = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => SavedLabError::WrongFormat,
            _ => SavedLabError::NotJson {
                line: e.line(),
                column: e.column(),
                message: strip_location(&e.to_string()),
            },
        })?;
        if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT_TAG) {
            return Err(SavedLabError::WrongFormat);
        }
        match header.version.as_ref().and_then(serde_json::Value::as_u64) {
            Some(found) if found == u64::from(VERSION) => {}
            Some(found) if found > u64::from(VERSION) => {
                return Err(SavedLabError::NewerVersion { found });
            }
            _ => {
                return Err(SavedLabError::UnknownVersion {
                    found: header
                        .version
                        .map_or_else(|| "(none)".to_owned(), |v| v.to_string()),
                });
            }
        }
        let body: Body = serde_json::from_str(text).map_err(|e| SavedLabError::Invalid {
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        })?;
        let lab = Self {
            origin: body.origin,
            history: body.history,
            cursor: body.cursor,
        };
        lab.check()?;
        Ok(lab)
    }

    fn check(&self) -> Result<(), SavedLabError> {
        if self.origin.format_version != scenario::FORMAT_VERSION {
            return Err(SavedLabError::ScenarioVersion {
                found: self.origin.format_version,
            });
        }
        let count = self.history.len().max(self.origin.steps.len());
        if count > MAX_STEPS {
            return Err(SavedLabError::TooManySteps { count });
        }
        if self.cursor > self.history.len() {
            return Err(SavedLabError::CursorPastEnd {
                cursor: self.cursor,
                steps: self.history.len(),
            });
        }
        for (index, step) in self.history.iter().enumerate() {
            if let Some(scripted) = step.scripted
                && self.origin.steps.get(scripted) != Some(&step.action)
            {
                return Err(SavedLabError::NotInScript {
                    step: index + 1,
                    scripted,
                });
            }
        }
        Ok(())
    }
}

/// A file name for an exported lab, from its scenario's name: `Free play` gives
/// `free-play.eos-lab.json`.
pub fn file_name(scenario_name: &str) -> String {
    let mut stem = String::new();
    for c in scenario_name.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem = stem.trim_end_matches('-');
    let stem = if stem.is_empty() { "lab" } else { stem };
    format!("{stem}.eos-lab.json")
}

/// serde_json's message without its trailing " at line L column C", which the error carries
/// as fields.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::ClientId;

    fn send(n: usize) -> Action {
        Action::Send {
            producer: ClientId::new("p1"),
            topic: "payments".to_owned(),
            partition: Some(0),
            key: None,
            value: format!("v{n}"),
        }
    }

    fn lab() -> SavedLab {
        SavedLab {
            origin: Scenario {
                format_version: scenario::FORMAT_VERSION,
                name: "Two sends".to_owned(),
                description: String::new(),
                concepts: Vec::new(),
                seed: 7,
                cluster: Default::default(),
                producers: vec![eos_core::config::ProducerConfig::named("p1")],
                consumers: Vec::new(),
                database: Default::default(),
                streams: Vec::new(),
                moment: None,
                recap: None,
                steps: vec![send(0), send(1)],
            },
            history: vec![
                SavedStep {
                    action: send(0),
                    scripted: Some(0),
                },
                SavedStep {
                    action: Action::DeliverAll {},
                    scripted: None,
                },
            ],
            cursor: 1,
        }
    }

    fn with(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value: serde_json::Value = serde_json::from_str(json).expect("json");
        edit(&mut value);
        value.to_string()
    }

    #[test]
    fn compact_and_pretty_text_read_back_the_same_lab() {
        let lab = lab();
        assert_eq!(SavedLab::parse(&lab.to_json()), Ok(lab.clone()));
        assert_eq!(SavedLab::parse(&lab.to_json_pretty()), Ok(lab));
    }

    #[test]
    fn the_text_starts_with_its_format_tag_and_version() {
        let text = lab().to_json();
        assert!(
            text.starts_with(r#"{"format":"eos-lab-save","version":1,"#),
            "{text}"
        );
    }

    #[test]
    fn text_that_is_not_json_is_located() {
        let err = SavedLab::parse("{\n  \"format\": \"eos-lab-save\",\n  oops\n}");
        match err {
            Err(SavedLabError::NotJson { line, column, .. }) => {
                assert_eq!((line, column), (3, 3));
            }
            other => panic!("expected NotJson, got {other:?}"),
        }
        let message = SavedLab::parse("not json")
            .expect_err("refused")
            .to_string();
        assert!(message.contains("not valid JSON"), "{message}");
    }

    #[test]
    fn other_json_is_the_wrong_format() {
        for text in [
            "[1, 2]",
            "{}",
            r#"{"format": "something-else", "version": 1}"#,
            r#"{"format_version": 1, "steps": []}"#,
        ] {
            assert_eq!(
                SavedLab::parse(text),
                Err(SavedLabError::WrongFormat),
                "{text}"
            );
        }
    }

    #[test]
    fn a_newer_version_is_named_as_such() {
        let text = with(&lab().to_json(), |v| v["version"] = 2.into());
        assert_eq!(
            SavedLab::parse(&text),
            Err(SavedLabError::NewerVersion { found: 2 })
        );
        assert!(
            SavedLabError::NewerVersion { found: 2 }
                .to_string()
                .contains("newer EOS Lab")
        );
        let text = with(&lab().to_json(), |v| v["version"] = "one".into());
        assert!(matches!(
            SavedLab::parse(&text),
            Err(SavedLabError::UnknownVersion { .. })
        ));
    }

    #[test]
    fn a_misshapen_step_is_located() {
        let text = with(&lab().to_json_pretty(), |v| {
            v["history"][1]["action"] = serde_json::json!({"step": "fly"});
        });
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&text).expect("json"),
        )
        .expect("pretty");
        match SavedLab::parse(&pretty) {
            Err(SavedLabError::Invalid { line, message, .. }) => {
                assert!(line > 1);
                assert!(message.contains("fly"), "{message}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn too_large_text_is_refused_before_it_is_read() {
        let text = " ".repeat(MAX_BYTES + 1);
        assert_eq!(
            SavedLab::parse(&text),
            Err(SavedLabError::TooLarge {
                bytes: MAX_BYTES + 1
            })
        );
    }

    #[test]
    fn a_cursor_past_the_end_and_a_step_not_in_the_script_are_refused() {
        let text = with(&lab().to_json(), |v| v["cursor"] = 3.into());
        assert_eq!(
            SavedLab::parse(&text),
            Err(SavedLabError::CursorPastEnd {
                cursor: 3,
                steps: 2
            })
        );
        let text = with(&lab().to_json(), |v| v["history"][1]["scripted"] = 5.into());
        assert_eq!(
            SavedLab::parse(&text),
            Err(SavedLabError::NotInScript {
                step: 2,
                scripted: 5
            })
        );
        let text = with(&lab().to_json(), |v| {
            v["origin"]["format_version"] = 9.into()
        });
        assert_eq!(
            SavedLab::parse(&text),
            Err(SavedLabError::ScenarioVersion { found: 9 })
        );
    }

    #[test]
    fn the_example_in_the_docs_reads() {
        let doc = include_str!("../../../docs/saved-labs.md");
        let example = doc
            .split("```json\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/saved-labs.md has a JSON example");
        let lab = SavedLab::parse(example).expect("the example is a saved lab");
        assert_eq!(lab.cursor, 1);
    }

    #[test]
    fn more_steps_than_a_scenario_may_hold_are_refused() {
        let mut lab = lab();
        lab.history = vec![
            SavedStep {
                action: Action::DeliverAll {},
                scripted: None,
            };
            MAX_STEPS + 1
        ];
        assert_eq!(
            SavedLab::parse(&lab.to_json()),
            Err(SavedLabError::TooManySteps {
                count: MAX_STEPS + 1
            })
        );
    }

    #[test]
    fn file_names_come_from_the_scenario_name() {
        assert_eq!(file_name("Free play"), "free-play.eos-lab.json");
        assert_eq!(
            file_name("02 · At-least-once!"),
            "02-at-least-once.eos-lab.json"
        );
        assert_eq!(file_name("§§"), "lab.eos-lab.json");
    }
}
