//! The explorer as a page schedules it: one seeded run at a time, so that a Web Worker, or the
//! page itself between frames, can report progress after every run and stop whenever it is
//! asked to. Two jobs: a search of one world (the lab's own, or a named setting), and the
//! exactly-once matrix (every named setting against every kind of anomaly).
//!
//! The request and the updates are plain data with a JSON form: the same values cross the
//! boundary between the page and its worker as text, and mean the same thing natively.

use serde::{Deserialize, Serialize};

use crate::config::WorldConfig;
use crate::explore::anomaly::AnomalyKind;
use crate::explore::explorer::{ExploreOptions, Explorer, Finding, RunRecord, run_seed};
use crate::explore::matrix::{Cell, MatrixRow, budgets, matrix_row};
use crate::explore::settings::{Setting, catalogue, setting};
use crate::run::scenario::Scenario;

/// What a worker running explorations posts once it listens for requests.
pub const READY: &str = "ready";

/// The most runs and steps one request may ask for: a bound on the work a link or a file can
/// make the page do, far above what the panel offers.
pub const MAX_RUNS: u64 = 100_000;
pub const MAX_STEPS_PER_RUN: usize = 2_000;

/// What to explore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExploreRequest {
    /// Runs of one world until each guarantee it breaks is found.
    Search {
        world: WorldSource,
        first_seed: u64,
        runs: u64,
        steps_per_run: usize,
    },
    /// The same runs for every named setting, each row filled as its runs end.
    Matrix { runs: u64, steps_per_run: usize },
}

/// The world a search starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum WorldSource {
    /// A scenario file's text: its world (its own steps are not used).
    Scenario { text: String },
    /// One of the explorer's named settings (`explore::settings`).
    Setting { name: String },
}

/// A guarantee some run broke, shrunk, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundRun {
    /// The lab's name of the guarantee (`no_duplicate_write`, ...).
    pub guarantee: String,
    /// The anomaly's short name (`duplicate`, `lost write`, ...).
    pub anomaly: String,
    /// Its name in Jepsen's Kafka queue checker, where it has one.
    pub jepsen: Option<String>,
    /// Why the world allows it by design; `None` when the world is meant to prevent it.
    pub expected: Option<String>,
    /// Why it broke, as the guarantee's check says.
    pub why: String,
    pub seed: u64,
    /// How many steps the shrunk run has.
    pub steps: usize,
    /// The shrunk run as a scenario file the lab opens: its script is the run.
    pub scenario: String,
}

/// A column of the matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub anomaly: String,
    pub jepsen: Option<String>,
}

/// A cell of the matrix: the shortest run that showed it, or none in the row's runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cell", rename_all = "snake_case")]
pub enum MatrixCell {
    Found { run: FoundRun },
    NoneIn { runs: u64 },
}

/// What an exploration tells the page as it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExploreUpdate {
    Progress {
        runs_done: u64,
        runs_total: u64,
        steps_done: u64,
    },
    Found(FoundRun),
    /// The matrix's shape, before any row: its columns, its settings (name, title) and the
    /// budgets its growth series is sampled at.
    MatrixStarted {
        columns: Vec<Column>,
        settings: Vec<(String, String)>,
        budgets: Vec<u64>,
    },
    /// One setting's row: a cell per column, and the kinds found at each budget.
    MatrixRow {
        setting: String,
        cells: Vec<MatrixCell>,
        found_by_budget: Vec<usize>,
    },
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
    job: Job,
}

#[derive(Debug)]
enum Job {
    Search {
        explorer: Box<Explorer>,
        /// The world's scenario, whose name a finding's scenario mentions.
        base: Option<Box<Scenario>>,
    },
    Matrix(Box<MatrixJob>),
}

#[derive(Debug)]
struct MatrixJob {
    options: ExploreOptions,
    settings: Vec<Setting>,
    /// The setting whose runs are under way, and its runs so far.
    row: usize,
    records: Vec<RunRecord>,
    runs_done: u64,
    steps_done: u64,
}

impl Exploration {
    pub fn new(request: &ExploreRequest) -> Result<Self, String> {
        let (runs, steps_per_run) = match request {
            ExploreRequest::Search {
                runs,
                steps_per_run,
                ..
            }
            | ExploreRequest::Matrix {
                runs,
                steps_per_run,
            } => (*runs, *steps_per_run),
        };
        if runs == 0 || runs > MAX_RUNS {
            return Err(format!("runs must be between 1 and {MAX_RUNS}"));
        }
        if steps_per_run == 0 || steps_per_run > MAX_STEPS_PER_RUN {
            return Err(format!(
                "steps per run must be between 1 and {MAX_STEPS_PER_RUN}"
            ));
        }
        let job = match request {
            ExploreRequest::Search {
                world, first_seed, ..
            } => {
                let (config, base) = match world {
                    WorldSource::Scenario { text } => {
                        let scenario = Scenario::parse(text).map_err(|e| e.to_string())?;
                        (scenario.world_config(), Some(Box::new(scenario)))
                    }
                    WorldSource::Setting { name } => {
                        let known = setting(name)
                            .ok_or_else(|| format!("no setting is called `{name}`"))?;
                        (known.config, None)
                    }
                };
                let options = ExploreOptions {
                    first_seed: *first_seed,
                    runs,
                    steps_per_run,
                    ..ExploreOptions::default()
                };
                let explorer = Explorer::new(config, options).map_err(|e| e.to_string())?;
                Job::Search {
                    explorer: Box::new(explorer),
                    base,
                }
            }
            ExploreRequest::Matrix { .. } => Job::Matrix(Box::new(MatrixJob {
                options: ExploreOptions {
                    runs,
                    steps_per_run,
                    ..ExploreOptions::default()
                },
                settings: catalogue(),
                row: 0,
                records: Vec::new(),
                runs_done: 0,
                steps_done: 0,
            })),
        };
        Ok(Self { job })
    }

    /// What the page hears before the first run.
    pub fn started(&self) -> Vec<ExploreUpdate> {
        match &self.job {
            Job::Search { .. } => Vec::new(),
            Job::Matrix(matrix) => vec![ExploreUpdate::MatrixStarted {
                columns: AnomalyKind::ALL
                    .iter()
                    .map(|kind| Column {
                        anomaly: kind.name().to_owned(),
                        jepsen: kind.jepsen_name().map(str::to_owned),
                    })
                    .collect(),
                settings: matrix
                    .settings
                    .iter()
                    .map(|s| (s.name.to_owned(), s.title.to_owned()))
                    .collect(),
                budgets: budgets(matrix.options.runs),
            }],
        }
    }

    pub fn is_done(&self) -> bool {
        match &self.job {
            Job::Search { explorer, .. } => explorer.next_seed().is_none(),
            Job::Matrix(matrix) => matrix.row >= matrix.settings.len(),
        }
    }

    /// Runs done, runs in all, steps done.
    fn counts(&self) -> (u64, u64, u64) {
        match &self.job {
            Job::Search { explorer, .. } => {
                let p = explorer.progress();
                (p.runs_done, p.runs_total, p.steps_done)
            }
            Job::Matrix(matrix) => (
                matrix.runs_done,
                matrix.options.runs * matrix.settings.len() as u64,
                matrix.steps_done,
            ),
        }
    }

    pub fn progress(&self) -> ExploreUpdate {
        let (runs_done, runs_total, steps_done) = self.counts();
        ExploreUpdate::Progress {
            runs_done,
            runs_total,
            steps_done,
        }
    }

    pub fn done(&self) -> ExploreUpdate {
        let (runs_done, _, steps_done) = self.counts();
        ExploreUpdate::Done {
            runs_done,
            steps_done,
        }
    }

    /// Plays the next run; what it found that no earlier run did (a search), or the row it
    /// completed (the matrix).
    pub fn run_next(&mut self) -> Vec<ExploreUpdate> {
        match &mut self.job {
            Job::Search { explorer, base } => {
                let Some(outcome) = explorer.run_next() else {
                    return Vec::new();
                };
                outcome
                    .new_findings
                    .iter()
                    .map(|f| ExploreUpdate::Found(found_run(f, explorer.config(), base.as_deref())))
                    .collect()
            }
            Job::Matrix(matrix) => matrix.run_next().into_iter().collect(),
        }
    }
}

impl MatrixJob {
    fn run_next(&mut self) -> Option<ExploreUpdate> {
        let setting = self.settings.get(self.row)?;
        let seed = self
            .options
            .first_seed
            .wrapping_add(self.records.len() as u64);
        let record = run_seed(&setting.config, seed, &self.options);
        self.runs_done += 1;
        self.steps_done += record.steps as u64;
        self.records.push(record);
        if (self.records.len() as u64) < self.options.runs {
            return None;
        }
        let row = matrix_row(setting, &self.records, &self.options);
        self.records.clear();
        self.row += 1;
        Some(row_update(&row, &setting.config))
    }
}

fn row_update(row: &MatrixRow, config: &WorldConfig) -> ExploreUpdate {
    ExploreUpdate::MatrixRow {
        setting: row.setting.to_owned(),
        cells: row
            .cells
            .iter()
            .map(|cell| match cell {
                Cell::Found(finding) => MatrixCell::Found {
                    run: found_run(finding, config, None),
                },
                Cell::NoneIn { runs } => MatrixCell::NoneIn { runs: *runs },
            })
            .collect(),
        found_by_budget: row.found_by_budget.clone(),
    }
}

/// A finding as the page shows it, with its run as the scenario the lab opens.
fn found_run(finding: &Finding, config: &WorldConfig, base: Option<&Scenario>) -> FoundRun {
    let mut scenario = finding.scenario(config);
    if let Some(base) = base {
        scenario.description = format!(
            "{} (A random run of the world of \"{}\".)",
            scenario.description, base.name
        );
    }
    FoundRun {
        guarantee: finding.guarantee.to_owned(),
        anomaly: finding.kind.name().to_owned(),
        jepsen: finding.kind.jepsen_name().map(str::to_owned),
        expected: finding.expected.map(str::to_owned),
        why: finding.why.clone(),
        seed: finding.seed,
        steps: scenario.steps.len(),
        scenario: serde_json::to_string_pretty(&scenario).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::counterexample::replay;

    fn search(world: WorldSource, runs: u64) -> ExploreRequest {
        ExploreRequest::Search {
            world,
            first_seed: 0,
            runs,
            steps_per_run: 200,
        }
    }

    const NO_IDEMPOTENCE: &str = r#"{"format_version": 1,
        "producers": [{"id": "p1", "enable.idempotence": false}], "steps": []}"#;

    fn run_to_end(exploration: &mut Exploration) -> Vec<ExploreUpdate> {
        let mut updates = exploration.started();
        while !exploration.is_done() {
            updates.extend(exploration.run_next());
        }
        updates
    }

    #[test]
    fn without_idempotence_a_run_writes_a_send_twice_and_the_finding_opens_as_a_scenario() {
        let text = NO_IDEMPOTENCE.to_owned();
        let mut exploration =
            Exploration::new(&search(WorldSource::Scenario { text }, 100)).unwrap();
        let found: Vec<FoundRun> = run_to_end(&mut exploration)
            .into_iter()
            .filter_map(|u| match u {
                ExploreUpdate::Found(run) => Some(run),
                _ => None,
            })
            .collect();
        let duplicate = found
            .iter()
            .find(|f| f.guarantee == "no_duplicate_write")
            .expect("a duplicate write in 100 runs");
        assert_eq!(duplicate.anomaly, "duplicate");
        assert_eq!(duplicate.jepsen.as_deref(), Some("duplicate"));
        let scenario = Scenario::parse(&duplicate.scenario).expect("the finding is a scenario");
        assert_eq!(scenario.steps.len(), duplicate.steps);
        assert_eq!(scenario.seed, duplicate.seed);
        let moment = scenario.moment.as_ref().expect("a moment");
        assert_eq!(moment.step.get() as usize, duplicate.steps);
        assert!(scenario.recap.is_some());
        assert!(
            replay(
                &scenario.world_config(),
                scenario.seed,
                &scenario.steps,
                "no_duplicate_write"
            )
            .is_some()
        );
        let mut names: Vec<_> = found.iter().map(|f| &f.guarantee).collect();
        names.dedup();
        assert_eq!(names.len(), found.len(), "each guarantee is reported once");
    }

    #[test]
    fn a_named_setting_is_searched_and_an_unknown_one_refused() {
        let name = "acks-1".to_owned();
        assert!(Exploration::new(&search(WorldSource::Setting { name }, 5)).is_ok());
        let name = "acks-2".to_owned();
        let err = Exploration::new(&search(WorldSource::Setting { name }, 5)).unwrap_err();
        assert!(err.contains("acks-2"), "{err}");
    }

    #[test]
    fn a_bad_request_is_refused_with_a_reason() {
        let text = "{not json".to_owned();
        assert!(
            !Exploration::new(&search(WorldSource::Scenario { text }, 10))
                .unwrap_err()
                .is_empty()
        );
        let text = NO_IDEMPOTENCE.to_owned();
        let err = Exploration::new(&search(WorldSource::Scenario { text }, 0)).unwrap_err();
        assert!(err.contains("runs"), "{err}");
        assert!(serde_json::from_str::<ExploreRequest>(r#"{"job": "dance"}"#).is_err());
    }

    #[test]
    fn the_matrix_announces_its_shape_then_fills_one_row_per_setting() {
        let request = ExploreRequest::Matrix {
            runs: 2,
            steps_per_run: 40,
        };
        let mut exploration = Exploration::new(&request).unwrap();
        let updates = run_to_end(&mut exploration);
        let Some(ExploreUpdate::MatrixStarted {
            columns, settings, ..
        }) = updates.first()
        else {
            panic!("the matrix starts with its shape: {:?}", updates.first());
        };
        let rows: Vec<_> = updates
            .iter()
            .filter_map(|u| match u {
                ExploreUpdate::MatrixRow { setting, cells, .. } => Some((setting, cells)),
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), settings.len());
        for ((setting, cells), (name, _)) in rows.iter().zip(settings) {
            assert_eq!(*setting, name);
            assert_eq!(cells.len(), columns.len());
        }
        assert_eq!(
            exploration.done(),
            ExploreUpdate::Done {
                runs_done: 2 * settings.len() as u64,
                steps_done: match exploration.progress() {
                    ExploreUpdate::Progress { steps_done, .. } => steps_done,
                    _ => 0,
                },
            }
        );
    }

    #[test]
    fn updates_and_requests_have_a_json_form() {
        let update = ExploreUpdate::Progress {
            runs_done: 3,
            runs_total: 10,
            steps_done: 600,
        };
        let text = serde_json::to_string(&update).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"progress","runs_done":3,"runs_total":10,"steps_done":600}"#
        );
        assert_eq!(
            serde_json::from_str::<ExploreUpdate>(&text).unwrap(),
            update
        );
        let request = search(
            WorldSource::Setting {
                name: "safe".into(),
            },
            1,
        );
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<ExploreRequest>(&text).unwrap(),
            request
        );
    }
}
