//! Scenario files: a starting world, a seed and a list of steps, as JSON. A scenario is
//! untrusted input: every mistake becomes a [`ScenarioError`] that says where it is, never a
//! panic. `assets/scenario.schema.json` describes the format for editors and readers.

use crate::action::Action;
use crate::clients::streams::StreamsAppConfig;
use crate::config::{ClusterConfig, ConsumerConfig, DatabaseConfig, ProducerConfig, WorldConfig};
use crate::event::Event;
use crate::run::trace::{Trace, TraceStep};
use crate::world::{World, WorldConfigError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::num::NonZeroU32;

/// The scenario format this build reads.
pub const FORMAT_VERSION: u32 = 1;
/// The most steps one scenario may hold, so a file cannot make the lab run forever.
pub const MAX_STEPS: usize = 100_000;
/// The largest scenario file accepted, in bytes.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// A parsed scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub format_version: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Which concepts of the lab's checklist the scenario shows (numbers from `concepts.md`).
    #[serde(default)]
    pub concepts: Vec<u32>,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub producers: Vec<ProducerConfig>,
    #[serde(default)]
    pub consumers: Vec<ConsumerConfig>,
    #[serde(default)]
    pub database: DatabaseConfig,
    /// Kafka Streams applications (concept 27).
    #[serde(default)]
    pub streams: Vec<StreamsAppConfig>,
    /// The step at which the scenario shows its concept.
    #[serde(default)]
    pub moment: Option<Moment>,
    /// What the scenario showed, told when its script has run to the end.
    #[serde(default)]
    pub recap: Option<Recap>,
    pub steps: Vec<Action>,
}

/// The step that shows the concept: after `step` scripted steps (1-based), with a caption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moment {
    /// Never 0: the moment is after at least one step.
    pub step: NonZeroU32,
    pub caption: String,
}

/// The scenario's ending, in three short parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recap {
    /// What happened, in the reader's terms.
    pub saw: String,
    /// Which guarantee held or broke, and why.
    pub guarantee: String,
    /// What to change or do to see the other side.
    pub try_next: String,
}

/// What is wrong with a scenario, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    TooLarge {
        bytes: usize,
    },
    /// The text is not JSON, or a field outside `steps` has the wrong shape.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    UnsupportedVersion {
        found: u32,
    },
    TooManySteps {
        count: usize,
    },
    /// Step `index` (1-based) is not a valid step.
    InvalidStep {
        index: usize,
        message: String,
    },
    /// The clients or cluster cannot form a world.
    World(WorldConfigError),
    /// Step `index` (1-based) names something that does not exist, or cannot happen now.
    ImpossibleStep {
        index: usize,
        message: String,
    },
    /// `moment.step` is past the last scripted step.
    MomentOutsideScript {
        step: usize,
        scripted: usize,
    },
    /// A text field (`moment.caption`, `recap.saw`, ...) holds nothing to read.
    EmptyText {
        field: &'static str,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::TooLarge { bytes } => write!(
                f,
                "the scenario is {bytes} bytes; the most accepted is {MAX_BYTES}"
            ),
            ScenarioError::Syntax {
                line,
                column,
                message,
            } => write!(f, "line {line}, column {column}: {message}"),
            ScenarioError::UnsupportedVersion { found } => {
                write!(
                    f,
                    "format_version {found} is not supported; this build reads version {FORMAT_VERSION}"
                )
            }
            ScenarioError::TooManySteps { count } => write!(
                f,
                "the scenario has {count} steps; the most accepted is {MAX_STEPS}"
            ),
            ScenarioError::InvalidStep { index, message } => write!(f, "step {index}: {message}"),
            ScenarioError::World(e) => write!(f, "{e}"),
            ScenarioError::ImpossibleStep { index, message } => {
                write!(f, "step {index}: {message}")
            }
            ScenarioError::MomentOutsideScript { step, scripted } => write!(
                f,
                "moment.step: {step} is past the end of the script, which has {scripted} steps"
            ),
            ScenarioError::EmptyText { field } => write!(f, "{field}: the text is empty"),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The raw shape, so that each step can be parsed alone and its errors located by index.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    format_version: u32,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    concepts: Vec<u32>,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    cluster: ClusterConfig,
    #[serde(default)]
    producers: Vec<ProducerConfig>,
    #[serde(default)]
    consumers: Vec<ConsumerConfig>,
    #[serde(default)]
    database: DatabaseConfig,
    #[serde(default)]
    streams: Vec<StreamsAppConfig>,
    #[serde(default)]
    moment: Option<Moment>,
    #[serde(default)]
    recap: Option<Recap>,
    steps: Vec<serde_json::Value>,
}

impl Scenario {
    /// Parses a scenario from JSON text.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        if text.len() > MAX_BYTES {
            return Err(ScenarioError::TooLarge { bytes: text.len() });
        }
        let raw: RawScenario = serde_json::from_str(text).map_err(|e| ScenarioError::Syntax {
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        })?;
        if raw.format_version != FORMAT_VERSION {
            return Err(ScenarioError::UnsupportedVersion {
                found: raw.format_version,
            });
        }
        if raw.steps.len() > MAX_STEPS {
            return Err(ScenarioError::TooManySteps {
                count: raw.steps.len(),
            });
        }
        let steps = raw
            .steps
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                serde_json::from_value::<Action>(value).map_err(|e| ScenarioError::InvalidStep {
                    index: i + 1,
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_story(raw.moment.as_ref(), raw.recap.as_ref(), steps.len())?;
        Ok(Self {
            format_version: raw.format_version,
            name: raw.name,
            description: raw.description,
            concepts: raw.concepts,
            seed: raw.seed,
            cluster: raw.cluster,
            producers: raw.producers,
            consumers: raw.consumers,
            database: raw.database,
            streams: raw.streams,
            moment: raw.moment,
            recap: raw.recap,
            steps,
        })
    }

    /// A scenario of this starting world, seed and steps, still without a name, description,
    /// concepts, moment or recap: the inverse of [`Scenario::world_config`].
    pub fn of_world(config: &WorldConfig, seed: u64, steps: Vec<Action>) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            name: String::new(),
            description: String::new(),
            concepts: Vec::new(),
            seed,
            cluster: config.cluster.clone(),
            producers: config.producers.clone(),
            consumers: config.consumers.clone(),
            database: config.database.clone(),
            streams: config.streams.clone(),
            moment: None,
            recap: None,
            steps,
        }
    }

    /// The starting world the scenario describes.
    pub fn world_config(&self) -> WorldConfig {
        WorldConfig {
            cluster: self.cluster.clone(),
            producers: self.producers.clone(),
            consumers: self.consumers.clone(),
            database: self.database.clone(),
            streams: self.streams.clone(),
        }
    }

    /// Builds the world and runs every step. Stops at the first impossible step.
    pub fn run(&self) -> Result<ScenarioRun, ScenarioError> {
        let mut world =
            World::new(&self.world_config(), self.seed).map_err(ScenarioError::World)?;
        let mut trace = Trace::default();
        for (i, action) in self.steps.iter().enumerate() {
            let outcome = world.step(action);
            if let Err(error) = &outcome {
                return Err(ScenarioError::ImpossibleStep {
                    index: i + 1,
                    message: error.to_string(),
                });
            }
            trace.steps.push(TraceStep {
                action: action.clone(),
                outcome,
            });
        }
        Ok(ScenarioRun { world, trace })
    }
}

/// A finished run: the final world and every step's events.
#[derive(Clone, Debug)]
pub struct ScenarioRun {
    pub world: World,
    pub trace: Trace,
}

impl ScenarioRun {
    /// Every event of the run, in order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.trace
            .steps
            .iter()
            .filter_map(|s| s.outcome.as_ref().ok())
            .flatten()
    }
}

/// What a list of scenarios shows of one (its name, concepts and moment), read without
/// building its steps: a picker lists forty files on a page's first render, and parsing every
/// step of each took most of that render on a phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioHeading {
    pub name: String,
    pub concepts: Vec<u32>,
    pub moment: Option<Moment>,
}

impl ScenarioHeading {
    /// Reads the heading of a scenario file. Its steps are not checked: a file whose heading
    /// reads may still be refused by [`Scenario::parse`] when it is opened.
    pub fn read(text: &str) -> Result<Self, ScenarioError> {
        // Fields named here only: serde skips the others (the steps) without building them.
        #[derive(Deserialize)]
        struct Versioned {
            format_version: u32,
            #[serde(default)]
            name: String,
            #[serde(default)]
            concepts: Vec<u32>,
            #[serde(default)]
            moment: Option<Moment>,
        }
        if text.len() > MAX_BYTES {
            return Err(ScenarioError::TooLarge { bytes: text.len() });
        }
        let versioned: Versioned =
            serde_json::from_str(text).map_err(|e| ScenarioError::Syntax {
                line: e.line(),
                column: e.column(),
                message: strip_location(&e.to_string()),
            })?;
        if versioned.format_version != FORMAT_VERSION {
            return Err(ScenarioError::UnsupportedVersion {
                found: versioned.format_version,
            });
        }
        Ok(ScenarioHeading {
            name: versioned.name,
            concepts: versioned.concepts,
            moment: versioned.moment,
        })
    }
}

/// The scenario that shows `concept` first, among shipped scenarios given as (file stem,
/// concepts) in file-name order: of the files whose name begins with the concept's number
/// (`07-…`), the one naming the fewest concepts (the most focused), the first of equals;
/// if no file begins with it, the first file whose `concepts` lists it.
pub fn primary_for_concept<'a>(
    concept: u32,
    scenarios: impl IntoIterator<Item = (&'a str, &'a [u32])> + Clone,
) -> Option<&'a str> {
    let leading = |stem: &str| stem.split('-').next().and_then(|n| n.parse::<u32>().ok());
    let named = scenarios
        .clone()
        .into_iter()
        .filter(|(stem, concepts)| leading(stem) == Some(concept) && concepts.contains(&concept))
        .min_by_key(|(_, concepts)| concepts.len())
        .map(|(stem, _)| stem);
    named.or_else(|| {
        scenarios
            .into_iter()
            .find(|(_, concepts)| concepts.contains(&concept))
            .map(|(stem, _)| stem)
    })
}

/// The moment must name a scripted step, and every text must say something.
fn check_story(
    moment: Option<&Moment>,
    recap: Option<&Recap>,
    scripted: usize,
) -> Result<(), ScenarioError> {
    if let Some(moment) = moment {
        let step = moment.step.get() as usize;
        if step > scripted {
            return Err(ScenarioError::MomentOutsideScript { step, scripted });
        }
        non_empty("moment.caption", &moment.caption)?;
    }
    if let Some(recap) = recap {
        non_empty("recap.saw", &recap.saw)?;
        non_empty("recap.guarantee", &recap.guarantee)?;
        non_empty("recap.try_next", &recap.try_next)?;
    }
    Ok(())
}

fn non_empty(field: &'static str, text: &str) -> Result<(), ScenarioError> {
    if text.trim().is_empty() {
        Err(ScenarioError::EmptyText { field })
    } else {
        Ok(())
    }
}

/// serde_json appends " at line L column C"; the error carries them as fields already.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "format_version": 1,
        "producers": [{"id": "p1"}],
        "steps": [{"step": "deliver_all"}, {"step": "send", "producer": "p1", "topic": "payments", "value": "10"}]
    }"#;

    #[test]
    fn a_minimal_scenario_runs() {
        let run = Scenario::parse(MINIMAL).unwrap().run().unwrap();
        assert_eq!(run.trace.steps.len(), 2);
    }

    #[test]
    fn a_misspelled_step_is_located() {
        let text = MINIMAL.replace("\"send\"", "\"sned\"");
        let err = Scenario::parse(&text).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("step 2: unknown variant `sned`"),
            "{err}"
        );
    }

    #[test]
    fn an_undefined_client_is_located() {
        let text = MINIMAL.replace("\"producer\": \"p1\"", "\"producer\": \"p2\"");
        let err = Scenario::parse(&text).unwrap().run().unwrap_err();
        assert_eq!(err.to_string(), "step 2: producer `p2` is not defined");
    }

    #[test]
    fn a_topic_name_kafka_refuses_is_a_cluster_error_saying_why() {
        let text = MINIMAL.replace(
            "\"producers\"",
            r#""cluster": {"topics": [{"name": "pay ments"}]}, "producers""#,
        );
        let err = Scenario::parse(&text).unwrap().run().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cluster: topic `pay ments`: ' ' is not allowed"),
            "{err}"
        );
        let text = MINIMAL.replace(
            "\"producers\"",
            r#""cluster": {"topics": [{"name": "orders.v2"}, {"name": "orders_v2"}]}, "producers""#,
        );
        let err = Scenario::parse(&text).unwrap().run().unwrap_err();
        assert!(
            err.to_string()
                .contains("topic `orders_v2` collides with topic `orders.v2`"),
            "{err}"
        );
    }

    #[test]
    fn broken_json_reports_line_and_column() {
        let err = Scenario::parse("{\n  \"format_version\": 1,\n  \"steps\": [,]\n}").unwrap_err();
        assert!(
            matches!(err, ScenarioError::Syntax { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn an_unknown_top_level_field_is_rejected() {
        let err = Scenario::parse(r#"{"format_version": 1, "steps": [], "sede": 3}"#).unwrap_err();
        assert!(err.to_string().contains("sede"), "{err}");
    }

    #[test]
    fn a_moment_and_a_recap_are_read() {
        let text = MINIMAL.replace(
            "\"steps\"",
            r#""moment": {"step": 2, "caption": "Here: the send"},
            "recap": {"saw": "a send", "guarantee": "held", "try_next": "drop it"},
            "steps""#,
        );
        let scenario = Scenario::parse(&text).unwrap();
        assert_eq!(scenario.moment.unwrap().step.get(), 2);
        assert_eq!(scenario.recap.unwrap().try_next, "drop it");
    }

    #[test]
    fn a_moment_past_the_script_is_refused() {
        let text = MINIMAL.replace(
            "\"steps\"",
            r#""moment": {"step": 3, "caption": "Here"}, "steps""#,
        );
        let err = Scenario::parse(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "moment.step: 3 is past the end of the script, which has 2 steps"
        );
        let text = text.replace("\"step\": 3", "\"step\": 0");
        assert!(matches!(
            Scenario::parse(&text),
            Err(ScenarioError::Syntax { .. })
        ));
    }

    #[test]
    fn an_empty_recap_text_is_named() {
        let text = MINIMAL.replace(
            "\"steps\"",
            r#""recap": {"saw": "a send", "guarantee": " ", "try_next": "x"}, "steps""#,
        );
        let err = Scenario::parse(&text).unwrap_err();
        assert_eq!(err.to_string(), "recap.guarantee: the text is empty");
    }

    #[test]
    fn an_unknown_recap_field_is_located() {
        let text = MINIMAL.replace(
            "\"steps\"",
            r#""recap": {"saw": "a", "guarantee": "b", "try_next": "c", "lesson": "d"}, "steps""#,
        );
        let err = Scenario::parse(&text).unwrap_err();
        assert!(
            matches!(&err, ScenarioError::Syntax { line: 4, .. })
                && err.to_string().contains("lesson"),
            "{err:?}"
        );
    }

    #[test]
    fn the_primary_scenario_is_the_most_focused_one_named_after_the_concept() {
        let shipped: [(&str, &[u32]); 4] = [
            ("13-19-20-open", &[13, 18, 19, 20]),
            ("14-20-late", &[14, 20]),
            ("14-zombie", &[14]),
            ("26-cost-six", &[19, 26]),
        ];
        assert_eq!(primary_for_concept(14, shipped), Some("14-zombie"));
        assert_eq!(primary_for_concept(19, shipped), Some("13-19-20-open"));
        assert_eq!(primary_for_concept(26, shipped), Some("26-cost-six"));
        assert_eq!(primary_for_concept(7, shipped), None);
    }

    #[test]
    fn a_heading_reads_name_concepts_and_moment_as_the_full_parse_does() {
        let text = include_str!(
            "../../../../assets/scenarios/13-19-20-open-transaction-holds-the-lso.json"
        );
        let full = Scenario::parse(text).unwrap();
        let heading = ScenarioHeading::read(text).unwrap();
        assert_eq!(heading.name, full.name);
        assert_eq!(heading.concepts, full.concepts);
        assert_eq!(heading.moment, full.moment);
        let newer = ScenarioHeading::read(r#"{"format_version": 2, "steps": []}"#).unwrap_err();
        assert!(matches!(
            newer,
            ScenarioError::UnsupportedVersion { found: 2 }
        ));
        assert!(matches!(
            ScenarioHeading::read("{"),
            Err(ScenarioError::Syntax { .. })
        ));
    }

    #[test]
    fn a_newer_format_is_refused_clearly() {
        let err = Scenario::parse(r#"{"format_version": 2, "steps": []}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "format_version 2 is not supported; this build reads version 1"
        );
    }
}
