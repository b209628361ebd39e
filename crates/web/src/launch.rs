//! How the page address starts a lab: the URL parameters `concept`, `scenario`, `seed`, `step`,
//! `view`, `isolation`, `embed`, `id`, `lesson`, `beat`, `exercise` and `exercise_url`, read by a pure parser. The address is untrusted input: every
//! value that cannot be used is a [`LaunchProblem`], shown as a notice, and its default is used
//! instead. A share link in the fragment (`#v1.…`) wins over `scenario`, `seed`, `step` and
//! `isolation`, since it carries its own world and steps.

use crate::course::exercise_session::ExerciseRequest;
use crate::course::fetch::same_origin_path;
use crate::scenarios::{self, Origin, Source};
use eos_core::config::IsolationLevel;
use std::fmt;

/// Which part of the lab an embedded lab shows (`view=`) besides the stage, its narration and
/// the step controls; the page itself ignores it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// The stage, the narration and the controls only: the compact default.
    #[default]
    Stage,
    /// Every detail panel under the stage.
    All,
    /// The network and the partitions' logs: what the brokers hold.
    Log,
    /// Producers, the network, the transaction coordinator and the logs.
    Transactions,
    /// Consumers, the logs and the "why can't I see it?" inspector.
    Consumers,
    /// The timeline of steps and the guarantees.
    Timeline,
}

impl View {
    pub const ALL: [View; 6] = [
        View::Stage,
        View::All,
        View::Log,
        View::Transactions,
        View::Consumers,
        View::Timeline,
    ];

    /// The parameter's value, also the `data-view` the stylesheet reads.
    pub fn name(self) -> &'static str {
        match self {
            View::Stage => "stage",
            View::All => "all",
            View::Log => "log",
            View::Transactions => "transactions",
            View::Consumers => "consumers",
            View::Timeline => "timeline",
        }
    }
}

/// A URL parameter the lab could not use; the lab starts with that parameter's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LaunchProblem {
    UnknownScenario(String),
    /// `concept` is not a concept number from 1 to [`scenarios::CONCEPTS`].
    UnknownConcept(String),
    BadSeed(String),
    BadStep(String),
    /// `exercise` is not an exercise id (lowercase letters, digits and `-`).
    BadExercise(String),
    /// `exercise_url` is not a path on this site; the reason in words.
    RefusedExerciseUrl(String),
    /// `lesson` is not a lesson id (lowercase letters, digits and `-`).
    BadLesson(String),
    /// `beat` is not a beat number from 1.
    BadBeat(String),
    UnknownView(String),
    UnknownIsolation(String),
    /// `step` asked for more scripted steps than the scenario has.
    StepBeyondScript {
        asked: usize,
        scripted: usize,
    },
    /// The scenario's world could not be built (a shipped file that no longer parses).
    Unloadable {
        scenario: String,
        why: String,
    },
}

impl fmt::Display for LaunchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaunchProblem::UnknownScenario(name) => write!(
                f,
                "there is no scenario “{name}” (use a file name from the scenario list without .json, or free-play)"
            ),
            LaunchProblem::UnknownConcept(value) => write!(
                f,
                "concept “{value}” is not a concept number from 1 to {}",
                scenarios::CONCEPTS
            ),
            LaunchProblem::BadSeed(value) => write!(
                f,
                "seed “{value}” is not a whole number from 0 to 18446744073709551615"
            ),
            LaunchProblem::BadStep(value) => write!(f, "step “{value}” is not a whole number"),
            LaunchProblem::BadExercise(value) => write!(
                f,
                "exercise “{value}” is not an exercise id (lowercase letters, digits and -)"
            ),
            LaunchProblem::RefusedExerciseUrl(why) => write!(f, "exercise_url: {why}"),
            LaunchProblem::BadLesson(value) => write!(
                f,
                "lesson “{value}” is not a lesson id (lowercase letters, digits and -)"
            ),
            LaunchProblem::BadBeat(value) => {
                write!(f, "beat “{value}” is not a beat number from 1")
            }
            LaunchProblem::UnknownView(value) => write!(
                f,
                "view “{value}” is not one of stage, all, log, transactions, consumers, timeline"
            ),
            LaunchProblem::UnknownIsolation(value) => write!(
                f,
                "isolation “{value}” is not read_committed or read_uncommitted"
            ),
            LaunchProblem::StepBeyondScript { asked, scripted } => write!(
                f,
                "step {asked} is past the end of the script, which has {scripted} steps; all were applied"
            ),
            LaunchProblem::Unloadable { scenario, why } => {
                write!(f, "the scenario “{scenario}” could not be loaded: {why}")
            }
        }
    }
}

/// Everything the page address says about how to start the lab.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// A shipped scenario's file stem (`02-at-least-once`), or `free-play`.
    pub scenario: Option<String>,
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// How many of the scenario's scripted steps to apply at the start.
    pub step: usize,
    pub view: View,
    /// Every consumer's `isolation.level` in the starting world.
    pub isolation: Option<IsolationLevel>,
    /// Minimal chrome for an iframe: no site header or footer, starts paused, no autosave.
    pub embed: bool,
    /// Names this lab in the height messages it posts, so a host page can tell two labs apart.
    pub id: Option<String>,
    /// An exercise to open (`exercise=ID` or `exercise_url=PATH`), fetched once the lab has
    /// started.
    pub exercise: Option<ExerciseRequest>,
    /// A lesson to open (`lesson=ID`, the file `assets/lessons/ID.json`), fetched once the
    /// lab has started.
    pub lesson: Option<String>,
    /// The lesson's beat to open at, 0-based (the address counts from 1: `beat=N`).
    pub beat: usize,
    /// The parameters that could not be used.
    pub problems: Vec<LaunchProblem>,
}

impl LaunchOptions {
    /// Reads a query string (`?scenario=02-at-least-once&embed`, with or without the `?`).
    /// Unknown parameter names are ignored, as hosts add their own (tracking, cache busting).
    pub fn parse(query: &str) -> Self {
        let mut options = Self::default();
        let mut concept = None;
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decoded(value);
            let value = value.trim();
            match percent_decoded(name).as_str() {
                "scenario" => {
                    let stem = value.strip_suffix(".json").unwrap_or(value);
                    if find_scenario(stem).is_some() {
                        options.scenario = Some(stem.to_owned());
                    } else {
                        options
                            .problems
                            .push(LaunchProblem::UnknownScenario(value.to_owned()));
                    }
                }
                "concept" => match value
                    .parse::<u32>()
                    .ok()
                    .and_then(|n| scenarios::concept_start(n).filter(|_| n >= 1))
                {
                    Some(start) => concept = Some(start),
                    None => options
                        .problems
                        .push(LaunchProblem::UnknownConcept(value.to_owned())),
                },
                "seed" => match value.parse() {
                    Ok(seed) => options.seed = Some(seed),
                    Err(_) => options
                        .problems
                        .push(LaunchProblem::BadSeed(value.to_owned())),
                },
                "step" => match value.parse() {
                    Ok(step) => options.step = step,
                    Err(_) => options
                        .problems
                        .push(LaunchProblem::BadStep(value.to_owned())),
                },
                "view" => match View::ALL.into_iter().find(|v| v.name() == value) {
                    Some(view) => options.view = view,
                    None => options
                        .problems
                        .push(LaunchProblem::UnknownView(value.to_owned())),
                },
                "isolation" => match value {
                    "read_committed" => options.isolation = Some(IsolationLevel::ReadCommitted),
                    "read_uncommitted" => {
                        options.isolation = Some(IsolationLevel::ReadUncommitted);
                    }
                    _ => options
                        .problems
                        .push(LaunchProblem::UnknownIsolation(value.to_owned())),
                },
                "exercise" if is_plain_id(value) => {
                    options.exercise = Some(ExerciseRequest::Shipped(value.to_owned()));
                }
                "exercise" => options
                    .problems
                    .push(LaunchProblem::BadExercise(value.to_owned())),
                "exercise_url" => match same_origin_path(value) {
                    Ok(path) => options.exercise = Some(ExerciseRequest::Url(path.to_owned())),
                    Err(why) => options
                        .problems
                        .push(LaunchProblem::RefusedExerciseUrl(why)),
                },
                "lesson" if is_plain_id(value) => options.lesson = Some(value.to_owned()),
                "lesson" => options
                    .problems
                    .push(LaunchProblem::BadLesson(value.to_owned())),
                "beat" => match value.parse::<usize>() {
                    Ok(beat) if beat >= 1 => options.beat = beat - 1,
                    _ => options
                        .problems
                        .push(LaunchProblem::BadBeat(value.to_owned())),
                },
                // A bare `embed`, or any value but an explicit no.
                "embed" => options.embed = !matches!(value, "0" | "false" | "no"),
                "id" if !value.is_empty() => options.id = Some(value.to_owned()),
                _ => {}
            }
        }
        // A concept names both the scenario and the step: its primary scenario at its moment.
        if let Some((stem, step)) = concept {
            options.scenario = Some(stem);
            options.step = step;
        }
        options
    }

    /// Whether the lab may save itself in the browser's storage. Embedded labs must not: two
    /// iframes of the same site share one storage and would overwrite each other's work.
    pub fn autosave_allowed(&self) -> bool {
        !self.embed
    }

    /// Whether the address asks for a start other than the default one (or has problems to
    /// report), so the app dispatches [`crate::state::LabAction::Launch`].
    pub fn changes_start(&self) -> bool {
        self.scenario.is_some()
            || self.exercise.is_some()
            || self.lesson.is_some()
            || self.seed.is_some()
            || self.step > 0
            || self.isolation.is_some()
            || !self.problems.is_empty()
    }

    /// The starting world the parameters describe: the scenario (free play by default) with
    /// the seed and isolation level they set.
    pub fn origin(&self) -> Result<Origin, LaunchProblem> {
        let source = self
            .scenario
            .as_deref()
            .and_then(find_scenario)
            .unwrap_or(Source::FreePlay);
        let mut origin = source.origin().map_err(|why| LaunchProblem::Unloadable {
            scenario: source.name().to_owned(),
            why,
        })?;
        if let Some(seed) = self.seed {
            origin.seed = seed;
        }
        if let Some(level) = self.isolation {
            for consumer in &mut origin.config.consumers {
                consumer.isolation_level = level;
            }
        }
        Ok(origin)
    }
}

/// An id names a file: nothing but lowercase letters, digits and `-`, so an address can never
/// reach another path.
fn is_plain_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A shipped scenario by its file stem; `free-play` is the built-in world.
fn find_scenario(stem: &str) -> Option<Source> {
    scenarios::catalog()
        .into_iter()
        .find(|source| match source {
            Source::FreePlay => stem == "free-play",
            Source::File { name, .. } => name.strip_suffix(".json") == Some(stem),
            Source::Link(_) => false,
        })
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space and `%XX` a byte; a malformed
/// escape is kept as typed, and bytes that are not UTF-8 become U+FFFD.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_parameters_is_the_default_start() {
        for query in ["", "?", "?utm_source=x&&"] {
            let options = LaunchOptions::parse(query);
            assert_eq!(options, LaunchOptions::default(), "{query}");
            assert!(!options.changes_start());
            assert!(options.autosave_allowed());
        }
    }

    #[test]
    fn every_parameter_is_read() {
        let options = LaunchOptions::parse(
            "?scenario=02-at-least-once&seed=42&step=3&view=log&isolation=read_committed&embed&id=lab%20one",
        );
        assert_eq!(options.scenario.as_deref(), Some("02-at-least-once"));
        assert_eq!(options.seed, Some(42));
        assert_eq!(options.step, 3);
        assert_eq!(options.view, View::Log);
        assert_eq!(options.isolation, Some(IsolationLevel::ReadCommitted));
        assert!(options.embed);
        assert_eq!(options.id.as_deref(), Some("lab one"));
        assert!(options.problems.is_empty());
        assert!(options.changes_start());
        assert!(!options.autosave_allowed(), "embedded labs never autosave");
    }

    #[test]
    fn unusable_values_are_problems_and_keep_the_defaults() {
        let options = LaunchOptions::parse(
            "scenario=../../etc/passwd&seed=-1&step=many&view=everything&isolation=serializable",
        );
        assert_eq!(options.scenario, None);
        assert_eq!(options.seed, None);
        assert_eq!(options.step, 0);
        assert_eq!(options.view, View::Stage);
        assert_eq!(options.isolation, None);
        assert_eq!(
            options.problems,
            vec![
                LaunchProblem::UnknownScenario("../../etc/passwd".to_owned()),
                LaunchProblem::BadSeed("-1".to_owned()),
                LaunchProblem::BadStep("many".to_owned()),
                LaunchProblem::UnknownView("everything".to_owned()),
                LaunchProblem::UnknownIsolation("serializable".to_owned()),
            ]
        );
        assert!(
            options.changes_start(),
            "problems are reported at the start"
        );
        assert_eq!(
            options.origin().expect("free play").name,
            "Free play",
            "an unknown scenario starts free play"
        );
        assert!(options.problems[3].to_string().contains("timeline"));
    }

    #[test]
    fn a_scenario_is_named_by_its_file_stem_with_or_without_json() {
        for value in ["25-outbox", "25-outbox.json", "25%2Doutbox"] {
            let options = LaunchOptions::parse(&format!("scenario={value}"));
            assert_eq!(options.scenario.as_deref(), Some("25-outbox"), "{value}");
        }
        let free = LaunchOptions::parse("scenario=free-play");
        assert_eq!(free.origin().expect("builds"), Origin::free_play());
    }

    #[test]
    fn seed_and_isolation_change_the_starting_world() {
        let options = LaunchOptions::parse("scenario=free-play&seed=7&isolation=read_uncommitted");
        let origin = options.origin().expect("builds");
        assert_eq!(origin.seed, 7);
        assert!(
            origin
                .config
                .consumers
                .iter()
                .all(|c| c.isolation_level == IsolationLevel::ReadUncommitted)
        );
        let default = LaunchOptions::parse("scenario=free-play")
            .origin()
            .expect("builds");
        assert!(
            default
                .config
                .consumers
                .iter()
                .any(|c| c.isolation_level == IsolationLevel::ReadCommitted)
        );
    }

    #[test]
    fn a_concept_opens_its_scenario_at_its_moment() {
        let options = LaunchOptions::parse("?concept=7");
        assert_eq!(
            options.scenario.as_deref(),
            Some("07-out-of-order-sequence")
        );
        assert_eq!(
            options.step, 8,
            "the step OUT_OF_ORDER_SEQUENCE_NUMBER is answered"
        );
        assert!(options.problems.is_empty());
        assert!(options.changes_start());
        let over = LaunchOptions::parse("?scenario=02-at-least-once&step=1&concept=19");
        assert_eq!(
            over.scenario.as_deref(),
            Some("13-19-20-open-transaction-holds-the-lso"),
            "the concept names both the scenario and the step"
        );
        assert_eq!(over.step, 6);
    }

    #[test]
    fn a_concept_outside_1_to_28_is_a_problem() {
        for value in ["0", "29", "seven", "-3", "", "4294967296"] {
            let options = LaunchOptions::parse(&format!("concept={value}"));
            assert_eq!(options.scenario, None, "{value}");
            assert_eq!(options.step, 0, "{value}");
            assert_eq!(
                options.problems,
                vec![LaunchProblem::UnknownConcept(value.to_owned())],
                "{value}"
            );
        }
        assert_eq!(
            LaunchProblem::UnknownConcept("29".to_owned()).to_string(),
            "concept “29” is not a concept number from 1 to 28"
        );
    }

    #[test]
    fn an_exercise_is_named_by_id_or_same_origin_path_and_others_are_refused() {
        let shipped = LaunchOptions::parse("?exercise=charge-twice");
        assert_eq!(
            shipped.exercise,
            Some(ExerciseRequest::Shipped("charge-twice".to_owned()))
        );
        assert!(shipped.changes_start() && shipped.problems.is_empty());
        let teacher = LaunchOptions::parse("exercise_url=class%2Fweek-3.json");
        assert_eq!(
            teacher.exercise,
            Some(ExerciseRequest::Url("class/week-3.json".to_owned()))
        );
        let bad = LaunchOptions::parse("exercise=..%2Fx&exercise_url=https://evil.example/x.json");
        assert_eq!(bad.exercise, None);
        assert_eq!(
            bad.problems[0],
            LaunchProblem::BadExercise("../x".to_owned())
        );
        assert!(
            matches!(&bad.problems[1], LaunchProblem::RefusedExerciseUrl(why) if why.contains("other origins")),
            "{:?}",
            bad.problems
        );
    }

    #[test]
    fn a_lesson_and_its_beat_are_read_and_bad_ones_are_problems() {
        let options = LaunchOptions::parse("?embed&lesson=two-generals&beat=3");
        assert_eq!(options.lesson.as_deref(), Some("two-generals"));
        assert_eq!(options.beat, 2, "the address counts beats from 1");
        assert!(options.embed && options.changes_start());
        let bad = LaunchOptions::parse("lesson=../etc&beat=0");
        assert_eq!(bad.lesson, None);
        assert_eq!(
            bad.problems,
            vec![
                LaunchProblem::BadLesson("../etc".to_owned()),
                LaunchProblem::BadBeat("0".to_owned())
            ]
        );
    }

    #[test]
    fn embed_can_be_turned_off_explicitly_and_broken_escapes_do_not_panic() {
        assert!(LaunchOptions::parse("embed=1").embed);
        assert!(!LaunchOptions::parse("embed=false").embed);
        let odd = LaunchOptions::parse("id=%E2%82&view=%zz&seed=%");
        assert_eq!(odd.id.as_deref(), Some("\u{FFFD}"));
        assert_eq!(
            odd.problems,
            vec![
                LaunchProblem::UnknownView("%zz".to_owned()),
                LaunchProblem::BadSeed("%".to_owned())
            ]
        );
    }
}
