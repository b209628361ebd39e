//! Where a lesson or an exercise begins: a shipped scenario named by its file stem
//! (`assets/scenarios/<stem>.json`) or a scenario written inline, optionally after some of its
//! scripted steps have played (`after_steps`). The crate reads no files: the caller hands in a
//! lookup from stem to text (the app has the scenarios embedded, the CLI reads the folder).

use crate::error::{CourseError, ErrorKind, pointer};
use eos_core::run::scenario::Scenario;
use eos_core::{Event, World};
use serde::{Deserialize, Serialize};

/// Finds a shipped scenario's text by its stem (`24-side-effect-twice`), if there is one.
pub type ScenarioLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The starting point as a course file writes it: `{"scenario": "<stem>"}` or
/// `{"inline": {...}}`, with an optional `after_steps`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WrittenStart", into = "WrittenStart")]
pub struct Start {
    pub scenario: ScenarioSource,
    /// How many of the scenario's scripted steps have played when the learner takes over.
    pub after_steps: usize,
}

/// Where the starting scenario comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioSource {
    /// The stem of a shipped scenario (letters, digits, `-` and `_` only).
    Shipped(String),
    /// A whole scenario, written in place.
    Inline(Box<Scenario>),
}

/// The file's shape: exactly one of `scenario` and `inline`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrittenStart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inline: Option<Box<Scenario>>,
    #[serde(default)]
    after_steps: usize,
}

impl TryFrom<WrittenStart> for Start {
    type Error = String;

    fn try_from(written: WrittenStart) -> Result<Self, String> {
        let scenario = match (written.scenario, written.inline) {
            (Some(stem), None) => ScenarioSource::Shipped(stem),
            (None, Some(inline)) => ScenarioSource::Inline(inline),
            _ => {
                return Err("give exactly one of `scenario` (a shipped scenario's stem) and `inline` (a scenario)".to_owned());
            }
        };
        Ok(Self {
            scenario,
            after_steps: written.after_steps,
        })
    }
}

impl From<Start> for WrittenStart {
    fn from(start: Start) -> Self {
        let (scenario, inline) = match start.scenario {
            ScenarioSource::Shipped(stem) => (Some(stem), None),
            ScenarioSource::Inline(inline) => (None, Some(inline)),
        };
        Self {
            scenario,
            inline,
            after_steps: start.after_steps,
        }
    }
}

/// A starting point resolved to its scenario, with the world it gives (already built and
/// played, so it is known to run).
#[derive(Clone, Debug)]
pub struct StartingPoint {
    pub scenario: Scenario,
    pub after_steps: usize,
    world: World,
    events: Vec<Event>,
}

impl PartialEq for StartingPoint {
    fn eq(&self, other: &Self) -> bool {
        self.scenario == other.scenario && self.after_steps == other.after_steps
    }
}

impl Eq for StartingPoint {}

/// A starting point as an attempt file records it: the whole scenario, never a stem, so a
/// grader sees exactly what the learner started from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedStart {
    pub scenario: Scenario,
    #[serde(default)]
    pub after_steps: usize,
}

impl Start {
    /// Resolves the start of the file `source`, written at `at` (a JSON pointer), to its scenario
    /// and builds its world.
    pub fn resolve(
        &self,
        source: &str,
        at: &str,
        lookup: ScenarioLookup<'_>,
    ) -> Result<StartingPoint, CourseError> {
        let scenario = match &self.scenario {
            ScenarioSource::Shipped(stem) => {
                let here = pointer(at, "scenario");
                if !is_stem(stem) {
                    return Err(CourseError::at(
                        source,
                        &here,
                        ErrorKind::Invalid,
                        format!(
                            "`{stem}` is not a scenario stem (letters, digits and - only, as in 24-side-effect-twice)"
                        ),
                    ));
                }
                let text = lookup(stem).ok_or_else(|| {
                    CourseError::at(
                        source,
                        &here,
                        ErrorKind::UnknownName,
                        format!("there is no scenario `{stem}`"),
                    )
                })?;
                Scenario::parse(&text).map_err(|e| {
                    CourseError::at(
                        source,
                        &here,
                        ErrorKind::Scenario,
                        format!("scenario `{stem}`: {e}"),
                    )
                })?
            }
            ScenarioSource::Inline(inline) => {
                // Serde read the shape; parse again for the scenario's own checks (version,
                // moment, recap).
                let text = serde_json::to_string(inline)
                    .map_err(|e| CourseError::at(source, at, ErrorKind::Scenario, e.to_string()))?;
                Scenario::parse(&text).map_err(|e| {
                    CourseError::at(
                        source,
                        &pointer(at, "inline"),
                        ErrorKind::Scenario,
                        e.to_string(),
                    )
                })?
            }
        };
        StartingPoint::new(scenario, self.after_steps)
            .map_err(|message| CourseError::at(source, at, ErrorKind::Scenario, message))
    }
}

impl StartingPoint {
    /// Builds the scenario's world and plays its first `after_steps` scripted steps.
    pub fn new(scenario: Scenario, after_steps: usize) -> Result<Self, String> {
        if after_steps > scenario.steps.len() {
            return Err(format!(
                "after_steps is {after_steps}, but the scenario has only {} scripted steps",
                scenario.steps.len()
            ));
        }
        let mut world =
            World::new(&scenario.world_config(), scenario.seed).map_err(|e| e.to_string())?;
        let mut events = Vec::new();
        for (i, action) in scenario.steps.iter().take(after_steps).enumerate() {
            let step = world
                .step(action)
                .map_err(|e| format!("scripted step {}: {e}", i + 1))?;
            events.extend(step);
        }
        Ok(Self {
            scenario,
            after_steps,
            world,
            events,
        })
    }

    /// The world the learner takes over.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The events of the scripted steps played before the learner took over.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// What an attempt file records of it.
    pub fn record(&self) -> RecordedStart {
        RecordedStart {
            scenario: self.scenario.clone(),
            after_steps: self.after_steps,
        }
    }
}

/// A stem names a file in one folder: nothing that could climb out of it.
fn is_stem(stem: &str) -> bool {
    !stem.is_empty()
        && stem.len() <= 100
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !stem.starts_with('-')
}
