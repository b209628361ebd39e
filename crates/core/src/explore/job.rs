//! An exploration a page can schedule: one seeded run at a time, so that a Web Worker, or the page
//! itself between frames, can report progress after every run and stop whenever it is asked to.
//!
//! The request and the updates are plain data with a JSON form: the same values cross the
//! boundary between the page and its worker as text, and mean the same thing natively.

use serde::{Deserialize, Serialize};

use crate::explore::counterexample::{Counterexample, SearchLimits, replay, shrink};
use crate::explore::{ExploreLimits, random_action};
use crate::rng::SimRng;
use crate::run::scenario::{Moment, Recap, Scenario};
use crate::world::World;
use std::num::NonZeroU32;

/// The most runs and steps one request may ask for: a bound on the work a link or a file can
/// make the page do, far above what the panel offers.
pub const MAX_RUNS: u64 = 100_000;
pub const MAX_STEPS_PER_RUN: usize = 2_000;

/// What a worker running explorations posts once it listens for requests.
pub const READY: &str = "ready";

/// What to explore: the world a scenario file starts from (its own steps are not used), and how
/// many seeded runs of how many random steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExploreRequest {
    /// A scenario file's text.
    pub scenario: String,
    pub first_seed: u64,
    pub runs: u64,
    pub steps_per_run: usize,
}

/// A guarantee some run broke, shrunk to the steps that matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The lab's name of the guarantee (`no_duplicate_write`, ...).
    pub guarantee: String,
    /// Why it broke, as the guarantee's check says.
    pub why: String,
    pub seed: u64,
    /// How many steps the shrunk run has.
    pub steps: usize,
    /// The shrunk run as a scenario file the lab opens: its script is the run.
    pub scenario: String,
}

/// What an exploration tells the page as it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExploreUpdate {
    Progress {
        runs_done: u64,
        steps_done: u64,
    },
    Found(Finding),
    Done {
        runs_done: u64,
        steps_done: u64,
    },
    /// The request could not be explored (an unreadable scenario, a budget out of range).
    Failed {
        why: String,
    },
}

/// An exploration under way.
#[derive(Debug)]
pub struct Exploration {
    scenario: Scenario,
    first_seed: u64,
    runs: u64,
    steps_per_run: usize,
    runs_done: u64,
    steps_done: u64,
    /// Guarantees already reported: each is reported once, by the first seed that breaks it.
    found: Vec<&'static str>,
}

/// Random runs as a user's own settings meet them: lost answers, delays, timeouts and crashes of
/// every node, but no hand-made requests (those can forge any producer id) and no lost or
/// reordered requests on a connection (Kafka's clients rely on TCP). Committing before
/// processing is the application's choice, not a setting, so it is left out too.
const LIMITS: ExploreLimits = ExploreLimits {
    max_advance_ms: 40_000,
    broker_faults: true,
    raw_requests: false,
    request_faults: false,
    early_commits: false,
};

impl Exploration {
    pub fn new(request: &ExploreRequest) -> Result<Self, String> {
        let scenario = Scenario::parse(&request.scenario).map_err(|e| e.to_string())?;
        if request.runs == 0 || request.runs > MAX_RUNS {
            return Err(format!("runs must be between 1 and {MAX_RUNS}"));
        }
        if request.steps_per_run == 0 || request.steps_per_run > MAX_STEPS_PER_RUN {
            return Err(format!(
                "steps per run must be between 1 and {MAX_STEPS_PER_RUN}"
            ));
        }
        World::new(&scenario.world_config(), request.first_seed).map_err(|e| e.to_string())?;
        Ok(Self {
            scenario,
            first_seed: request.first_seed,
            runs: request.runs,
            steps_per_run: request.steps_per_run,
            runs_done: 0,
            steps_done: 0,
            found: Vec::new(),
        })
    }

    pub fn is_done(&self) -> bool {
        self.runs_done >= self.runs
    }

    pub fn progress(&self) -> ExploreUpdate {
        ExploreUpdate::Progress {
            runs_done: self.runs_done,
            steps_done: self.steps_done,
        }
    }

    pub fn done(&self) -> ExploreUpdate {
        ExploreUpdate::Done {
            runs_done: self.runs_done,
            steps_done: self.steps_done,
        }
    }

    /// Plays the next seed's run; what it broke that no earlier run did, shrunk.
    pub fn run_next(&mut self) -> Vec<Finding> {
        if self.is_done() {
            return Vec::new();
        }
        let seed = self.first_seed.wrapping_add(self.runs_done);
        self.runs_done += 1;
        let config = self.scenario.world_config();
        let Ok(mut world) = World::new(&config, seed) else {
            return Vec::new();
        };
        let mut rng = SimRng::new(seed);
        let mut actions = Vec::new();
        let mut broken: Vec<(&'static str, usize)> = Vec::new();
        for _ in 0..self.steps_per_run {
            let action = random_action(&world, &mut rng, LIMITS);
            let _ = world.step(&action);
            actions.push(action);
            self.steps_done += 1;
            for status in world.invariants().statuses() {
                if status.broken.is_some()
                    && !self.found.contains(&status.name)
                    && !broken.iter().any(|(name, _)| *name == status.name)
                {
                    broken.push((status.name, actions.len()));
                }
            }
        }
        let mut findings = Vec::new();
        for (guarantee, cut) in broken {
            self.found.push(guarantee);
            let shrunk = shrink(
                &config,
                seed,
                actions[..cut].to_vec(),
                guarantee,
                SearchLimits::default().shrink_replays,
            );
            let Some(why) = replay(&config, seed, &shrunk, guarantee) else {
                continue;
            };
            let found = Counterexample {
                invariant: guarantee,
                seed,
                actions: shrunk,
                why,
            };
            findings.push(self.finding(found));
        }
        findings
    }

    fn finding(&self, found: Counterexample) -> Finding {
        let mut scenario = self.scenario.clone();
        scenario.name = format!(
            "Found: {} broken in {} steps",
            found.invariant,
            found.actions.len()
        );
        scenario.description = format!(
            "A random run of this world (seed {}), shrunk to the steps that matter. {}",
            found.seed, found.why
        );
        let steps = found.actions.len();
        scenario.seed = found.seed;
        scenario.steps = found.actions;
        // The lab tells the run like any scenario: the step where it breaks, then what it showed.
        scenario.moment =
            NonZeroU32::new(u32::try_from(steps).unwrap_or(u32::MAX)).map(|step| Moment {
                step,
                caption: format!("Here {} breaks.", found.invariant),
            });
        scenario.recap = Some(Recap {
            saw: format!(
                "A random run of this world broke {}. Shrinking dropped every step it could \
                 while the guarantee still broke; these {steps} were left.",
                found.invariant
            ),
            guarantee: format!("{} broke at step {steps}: {}", found.invariant, found.why),
            try_next: "Step back through the timeline to find the step that made it possible, \
                       then change a setting and play the same steps again."
                .to_owned(),
        });
        Finding {
            guarantee: found.invariant.to_owned(),
            why: found.why,
            seed: found.seed,
            steps: scenario.steps.len(),
            scenario: serde_json::to_string_pretty(&scenario).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(scenario: &str, runs: u64) -> ExploreRequest {
        ExploreRequest {
            scenario: scenario.to_owned(),
            first_seed: 0,
            runs,
            steps_per_run: 200,
        }
    }

    const NO_IDEMPOTENCE: &str = r#"{"format_version": 1,
        "producers": [{"id": "p1", "enable.idempotence": false}], "steps": []}"#;

    #[test]
    fn without_idempotence_a_run_writes_a_send_twice_and_the_finding_opens_as_a_scenario() {
        let mut exploration = Exploration::new(&request(NO_IDEMPOTENCE, 100)).unwrap();
        let mut findings = Vec::new();
        while !exploration.is_done() {
            findings.extend(exploration.run_next());
        }
        let duplicate = findings
            .iter()
            .find(|f| f.guarantee == "no_duplicate_write")
            .expect("a duplicate write in 100 runs");
        let scenario = Scenario::parse(&duplicate.scenario).expect("the finding is a scenario");
        assert_eq!(scenario.steps.len(), duplicate.steps);
        assert_eq!(scenario.seed, duplicate.seed);
        assert!(
            replay(
                &scenario.world_config(),
                scenario.seed,
                &scenario.steps,
                "no_duplicate_write"
            )
            .is_some()
        );
        // Each guarantee is reported once.
        let mut names: Vec<_> = findings.iter().map(|f| &f.guarantee).collect();
        names.dedup();
        assert_eq!(names.len(), findings.len());
    }

    #[test]
    fn a_bad_request_is_refused_with_a_reason() {
        let err = Exploration::new(&request("{not json", 10)).unwrap_err();
        assert!(!err.is_empty());
        let err = Exploration::new(&request(NO_IDEMPOTENCE, 0)).unwrap_err();
        assert!(err.contains("runs"), "{err}");
    }

    #[test]
    fn updates_have_a_json_form() {
        let update = ExploreUpdate::Progress {
            runs_done: 3,
            steps_done: 600,
        };
        let text = serde_json::to_string(&update).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"progress","runs_done":3,"steps_done":600}"#
        );
        assert_eq!(
            serde_json::from_str::<ExploreUpdate>(&text).unwrap(),
            update
        );
    }
}
