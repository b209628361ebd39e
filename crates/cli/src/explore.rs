//! `eos-lab explore` and `eos-lab matrix`: the core's explorer over many seeds, in parallel
//! threads here (the core has none). Each thread runs whole seeds; the runs are handed to the
//! explorer in seed order, so what is printed does not depend on `--jobs`.

use eos_core::WorldConfig;
use eos_core::explore::explorer::{ExploreOptions, Explorer, Finding, RunRecord, run_seed};
use eos_core::explore::matrix::{self, Cell, Matrix, MatrixRow};
use eos_core::explore::settings::{self, Setting};
use eos_core::run::scenario::Scenario;
use eos_core::run::share::{self, SharedLab};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// `eos-lab explore` found an anomaly the configuration is meant to prevent.
pub(crate) const EXIT_UNEXPECTED_ANOMALY: u8 = 3;

/// The most runs, steps per run and threads a command accepts.
const MAX_RUNS: u64 = 1_000_000;
const MAX_MATRIX_RUNS: u64 = 5_000;
const MAX_STEPS: usize = 10_000;
const MAX_JOBS: usize = 64;

/// Why a command could not run: a usage mistake (exit 2) or input that cannot be used (exit 1).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    Usage(String),
    Invalid(String),
}

/// What a command printed and the exit code it asks for.
pub(crate) struct Done {
    pub(crate) text: String,
    pub(crate) code: u8,
}

/// Where the explored configuration comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    Setting(String),
    Config(String),
    Scenario(String),
}

impl Source {
    /// The flag and value that name it again in a replay command.
    fn flag(&self) -> String {
        match self {
            Source::Setting(name) => format!("--setting {name}"),
            Source::Config(path) => format!("--config {}", quoted(path)),
            Source::Scenario(path) => format!("--scenario {}", quoted(path)),
        }
    }
}

/// A path as a shell reads it back: quoted when it holds anything but plain characters.
fn quoted(path: &str) -> String {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c));
    if plain && !path.is_empty() {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

struct Flags {
    source: Option<Source>,
    seed: u64,
    runs: Option<u64>,
    steps: usize,
    jobs: usize,
    json: bool,
    markdown: bool,
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<&&str>) -> Result<T, Failure> {
    let value = value.ok_or_else(|| Failure::Usage(format!("{flag} needs a value")))?;
    value
        .parse()
        .map_err(|_| Failure::Usage(format!("{flag} wants a whole number, not `{value}`")))
}

fn parse_flags(args: &[&str], sources_allowed: bool) -> Result<Flags, Failure> {
    let mut flags = Flags {
        source: None,
        seed: 0,
        runs: None,
        steps: ExploreOptions::default().steps_per_run,
        jobs: 1,
        json: false,
        markdown: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut set_source = |source: Source| {
            if !sources_allowed {
                return Err(Failure::Usage(format!(
                    "{arg} is not a flag of this command"
                )));
            }
            if flags.source.replace(source).is_some() {
                return Err(Failure::Usage(
                    "give one of --setting, --config and --scenario".to_owned(),
                ));
            }
            Ok(())
        };
        let value = |v: Option<&&str>| {
            v.map(|v| (*v).to_owned())
                .ok_or_else(|| Failure::Usage(format!("{arg} needs a value")))
        };
        match *arg {
            "--setting" => set_source(Source::Setting(value(rest.next())?))?,
            "--config" => set_source(Source::Config(value(rest.next())?))?,
            "--scenario" => set_source(Source::Scenario(value(rest.next())?))?,
            "--seed" if sources_allowed => flags.seed = number(arg, rest.next())?,
            "--runs" => flags.runs = Some(number(arg, rest.next())?),
            "--steps" => flags.steps = number(arg, rest.next())?,
            "--jobs" => flags.jobs = number(arg, rest.next())?,
            "--json" => flags.json = true,
            "--markdown" if !sources_allowed => flags.markdown = true,
            other => return Err(Failure::Usage(format!("unknown argument `{other}`"))),
        }
    }
    if flags.steps > MAX_STEPS {
        return Err(Failure::Usage(format!(
            "--steps {} is more than the {MAX_STEPS} steps a run may take",
            flags.steps
        )));
    }
    if !(1..=MAX_JOBS).contains(&flags.jobs) {
        return Err(Failure::Usage(format!(
            "--jobs wants 1 to {MAX_JOBS} threads, not {}",
            flags.jobs
        )));
    }
    Ok(flags)
}

/// The configuration a source names.
fn load(source: &Source) -> Result<WorldConfig, Failure> {
    match source {
        Source::Setting(name) => settings::setting(name)
            .map(|s| s.config)
            .ok_or_else(|| Failure::Usage(format!("unknown setting `{name}`; {}", setting_list()))),
        Source::Config(path) => {
            let text = crate::read_input(path).map_err(Failure::Invalid)?;
            serde_json::from_str(&text).map_err(|e| Failure::Invalid(format!("{path}: {e}")))
        }
        Source::Scenario(path) => {
            let text = crate::read_input(path).map_err(Failure::Invalid)?;
            Scenario::parse(&text)
                .map(|s| s.world_config())
                .map_err(|e| Failure::Invalid(format!("{path}: {e}")))
        }
    }
}

fn setting_list() -> String {
    let names: Vec<&str> = settings::catalogue().iter().map(|s| s.name).collect();
    format!("the settings are {}", names.join(", "))
}

/// Runs `seeds` over `jobs` threads, each taking every `jobs`-th seed; the records come back
/// in seed order. `tick` is called after each run, from whichever thread made it.
fn run_parallel(
    config: &WorldConfig,
    seeds: &[u64],
    options: &ExploreOptions,
    jobs: usize,
    tick: &(dyn Fn(&RunRecord) + Sync),
) -> Vec<RunRecord> {
    if jobs <= 1 {
        return seeds
            .iter()
            .map(|seed| {
                let record = run_seed(config, *seed, options);
                tick(&record);
                record
            })
            .collect();
    }
    let mut lanes: Vec<Vec<RunRecord>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|lane| {
                scope.spawn(move || {
                    seeds
                        .iter()
                        .skip(lane)
                        .step_by(jobs)
                        .map(|seed| {
                            let record = run_seed(config, *seed, options);
                            tick(&record);
                            record
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut records = Vec::with_capacity(seeds.len());
    let mut cursors: Vec<std::vec::IntoIter<RunRecord>> =
        lanes.drain(..).map(Vec::into_iter).collect();
    for i in 0..seeds.len() {
        if let Some(record) = cursors.get_mut(i % jobs).and_then(Iterator::next) {
            records.push(record);
        }
    }
    records
}

/// Prints "runs done / total" to standard error every tenth of the way.
struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    steps: AtomicU64,
}

impl Progress {
    fn new(label: String, total: u64) -> Self {
        Self {
            label,
            total,
            done: AtomicU64::new(0),
            steps: AtomicU64::new(0),
        }
    }

    fn tick(&self, record: &RunRecord) {
        let steps =
            self.steps.fetch_add(record.steps as u64, Ordering::Relaxed) + record.steps as u64;
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let tenth = (self.total / 10).max(1);
        if done.is_multiple_of(tenth) || done == self.total {
            eprintln!("{}: {done}/{} runs, {steps} steps", self.label, self.total);
        }
    }
}

/// `eos-lab explore ...`
pub(crate) fn explore(args: &[&str]) -> Result<Done, Failure> {
    let flags = parse_flags(args, true)?;
    let source = flags.source.clone().ok_or_else(|| {
        Failure::Usage(format!(
            "explore needs --setting NAME, --config FILE or --scenario FILE; {}",
            setting_list()
        ))
    })?;
    let config = load(&source)?;
    let runs = flags.runs.unwrap_or(ExploreOptions::default().runs);
    if runs > MAX_RUNS {
        return Err(Failure::Usage(format!(
            "--runs {runs} is more than the {MAX_RUNS} runs one search may make"
        )));
    }
    let options = ExploreOptions {
        first_seed: flags.seed,
        runs,
        steps_per_run: flags.steps,
        ..ExploreOptions::default()
    };
    let mut explorer = Explorer::new(config, options)
        .map_err(|e| Failure::Invalid(format!("{}: {e}", source.flag())))?;
    let progress = Progress::new(format!("explore {}", source.flag()), runs);
    // Seeds go out in batches so that runs waiting to be merged stay few.
    let batch = (flags.jobs as u64) * 64;
    while let Some(first) = explorer.next_seed() {
        let left = runs - explorer.progress().runs_done;
        let seeds: Vec<u64> = (0..batch.min(left))
            .map(|i| first.wrapping_add(i))
            .collect();
        let records = run_parallel(explorer.config(), &seeds, &options, flags.jobs, &|r| {
            progress.tick(r)
        });
        for record in records {
            explorer.absorb(record);
        }
    }
    let unexpected = explorer.unexpected().count();
    let text = if flags.json {
        format!("{}\n", explore_json(&explorer, &source))
    } else {
        explore_text(&explorer, &source)
    };
    Ok(Done {
        text,
        code: if unexpected > 0 {
            EXIT_UNEXPECTED_ANOMALY
        } else {
            0
        },
    })
}

/// The command that finds `finding` again: its seed alone, with the same steps per run.
fn replay_command(source: &Source, finding: &Finding, options: &ExploreOptions) -> String {
    format!(
        "eos-lab explore {} --seed {} --runs 1 --steps {}",
        source.flag(),
        finding.seed,
        options.steps_per_run
    )
}

fn jepsen(finding: &Finding) -> String {
    finding
        .kind
        .jepsen_name()
        .map_or_else(|| "no Jepsen name".to_owned(), |n| format!("Jepsen: {n}"))
}

fn explore_text(explorer: &Explorer, source: &Source) -> String {
    let options = explorer.options();
    let progress = explorer.progress();
    let mut out = format!(
        "explored {}: {} runs (seeds {} to {}), {} steps each, {} steps in all\n",
        source.flag(),
        progress.runs_done,
        options.first_seed,
        options
            .first_seed
            .wrapping_add(progress.runs_done.saturating_sub(1)),
        options.steps_per_run,
        progress.steps_done
    );
    if explorer.findings().is_empty() {
        out.push_str("no anomaly found\n");
    }
    for (i, finding) in explorer.findings().iter().enumerate() {
        let _ = writeln!(
            out,
            "\nanomaly {}: {} ({}), guarantee {}",
            i + 1,
            finding.kind,
            jepsen(finding),
            finding.guarantee
        );
        match finding.expected {
            Some(reason) => {
                let _ = writeln!(out, "  expected for this configuration: {reason}");
            }
            None => out.push_str("  NOT expected: this configuration is meant to prevent it\n"),
        }
        let _ = writeln!(
            out,
            "  seed {}, first broken at step {} of the run, shrunk to {} steps: {}",
            finding.seed,
            finding.found_at_step,
            finding.actions.len(),
            finding.why
        );
        for step in finding.explain(explorer.config()) {
            let mark = if step.breaks_here {
                "   <- broken here"
            } else {
                ""
            };
            let _ = writeln!(out, "  step {}: {}{mark}", step.number, step.action);
            for event in &step.events {
                let _ = writeln!(out, "      {event}");
            }
            if let Some(refused) = &step.refused {
                let _ = writeln!(out, "      refused: {refused}");
            }
        }
        let _ = writeln!(
            out,
            "  replay: {}",
            replay_command(source, finding, options)
        );
        let scenario = finding.scenario(explorer.config());
        let json = serde_json::to_string_pretty(&scenario).unwrap_or_default();
        let _ = writeln!(
            out,
            "  as a scenario file (eos-lab run FILE, or open it in the lab):\n{json}"
        );
    }
    let unexpected = explorer.unexpected().count();
    let _ = writeln!(
        out,
        "\n{} anomaly kind(s) found; {unexpected} of them this configuration is meant to prevent",
        explorer.findings().len()
    );
    out
}

fn finding_json(finding: &Finding, config: &WorldConfig) -> Value {
    json!({
        "kind": finding.kind,
        "name": finding.kind.name(),
        "jepsen": finding.kind.jepsen_name(),
        "guarantee": finding.guarantee,
        "expected": finding.expected.is_some(),
        "expected_reason": finding.expected,
        "seed": finding.seed,
        "found_at_step": finding.found_at_step,
        "steps": finding.actions.len(),
        "why": finding.why,
        "explanation": finding.explain(config).iter().map(|s| json!({
            "step": s.number,
            "action": s.action,
            "events": s.events,
            "refused": s.refused,
            "breaks_here": s.breaks_here,
        })).collect::<Vec<_>>(),
        "scenario": finding.scenario(config),
    })
}

fn explore_json(explorer: &Explorer, source: &Source) -> Value {
    let options = explorer.options();
    json!({
        "source": source.flag(),
        "first_seed": options.first_seed,
        "runs": explorer.progress().runs_done,
        "steps_per_run": options.steps_per_run,
        "steps": explorer.progress().steps_done,
        "anomalies": explorer.findings().iter().map(|f| {
            let mut value = finding_json(f, explorer.config());
            if let Some(object) = value.as_object_mut() {
                object.insert("replay".to_owned(), json!(replay_command(source, f, options)));
            }
            value
        }).collect::<Vec<_>>(),
        "unexpected": explorer.unexpected().count(),
    })
}

/// `eos-lab matrix ...`
pub(crate) fn matrix(args: &[&str]) -> Result<Done, Failure> {
    let flags = parse_flags(args, false)?;
    let runs = flags.runs.unwrap_or(matrix::MATRIX_RUNS);
    if runs > MAX_MATRIX_RUNS {
        return Err(Failure::Usage(format!(
            "--runs {runs} is more than the {MAX_MATRIX_RUNS} runs per setting the matrix makes"
        )));
    }
    let options = ExploreOptions {
        runs,
        steps_per_run: flags.steps,
        ..ExploreOptions::default()
    };
    let catalogue = settings::catalogue();
    let seeds: Vec<u64> = (0..runs).collect();
    let progress = Progress::new("matrix".to_owned(), runs * catalogue.len() as u64);
    let rows: Vec<MatrixRow> = catalogue
        .iter()
        .map(|setting: &Setting| {
            let records = run_parallel(&setting.config, &seeds, &options, flags.jobs, &|r| {
                progress.tick(r)
            });
            matrix::matrix_row(setting, &records, &options)
        })
        .collect();
    let matrix = matrix::assemble(&options, rows);
    let text = if flags.json {
        format!("{}\n", matrix_json(&matrix))
    } else if flags.markdown {
        matrix_markdown(&matrix)
    } else {
        matrix_text(&matrix)
    };
    Ok(Done { text, code: 0 })
}

fn matrix_text(matrix: &Matrix) -> String {
    let mut out = format!(
        "the exactly-once matrix: {} runs of {} steps per setting (seeds 0 to {})\n",
        matrix.runs,
        matrix.steps_per_run,
        matrix.runs.saturating_sub(1)
    );
    out.push_str("a cell: the shortest run found (steps after shrinking) and its seed; ! marks an anomaly the setting is meant to prevent; - none found\n\n");
    // Each column as wide as the longest anomaly name, and a gap.
    let width = matrix
        .columns
        .iter()
        .map(|c| c.name().len())
        .max()
        .unwrap_or(0)
        + 2;
    let _ = write!(out, "{:<31}", "setting");
    for column in &matrix.columns {
        let _ = write!(out, "{:<width$}", column.name());
    }
    out.push('\n');
    for row in &matrix.rows {
        let _ = write!(out, "{:<31}", row.setting);
        for cell in &row.cells {
            let text = match cell {
                Cell::Found(f) => format!(
                    "{} steps #{}{}",
                    f.actions.len(),
                    f.seed,
                    if f.expected.is_none() { " !" } else { "" }
                ),
                Cell::NoneIn { .. } => "-".to_owned(),
            };
            let _ = write!(out, "{text:<width$}");
        }
        out.push('\n');
    }
    let budgets: Vec<String> = matrix.budgets.iter().map(u64::to_string).collect();
    let _ = writeln!(
        out,
        "\nkinds of anomaly found within the first N runs, N = {}",
        budgets.join(", ")
    );
    for row in &matrix.rows {
        let counts: Vec<String> = row.found_by_budget.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "{:<31}{}", row.setting, counts.join(" "));
    }
    out
}

/// The matrix as the book prints it: a row per setting with what its runs found, each finding
/// a link that opens its shrunk run in the lab (`../#v2.…`, the book sits one folder below the
/// lab), then the growth series.
fn matrix_markdown(matrix: &Matrix) -> String {
    let catalogue = settings::catalogue();
    let mut out = format!(
        "| Setting | What changes | Found in {} runs of {} steps |\n|---|---|---|\n",
        matrix.runs, matrix.steps_per_run
    );
    for row in &matrix.rows {
        let Some(setting) = catalogue.iter().find(|s| s.name == row.setting) else {
            continue;
        };
        let found: Vec<String> = row
            .cells
            .iter()
            .filter_map(|cell| match cell {
                Cell::Found(f) => Some(f),
                Cell::NoneIn { .. } => None,
            })
            .map(|f| {
                let origin = f.scenario(&setting.config);
                let link = share::encode(&SharedLab::at_start(origin));
                let verdict = if f.expected.is_some() {
                    "expected"
                } else {
                    "**not expected**"
                };
                format!(
                    "[{}](../#{link}) in {} steps ({verdict})",
                    f.kind.name(),
                    f.actions.len()
                )
            })
            .collect();
        let found = if found.is_empty() {
            "nothing".to_owned()
        } else {
            found.join("<br>")
        };
        let _ = writeln!(out, "| `{}` | {} | {found} |", row.setting, row.title);
    }
    let budgets: Vec<String> = matrix.budgets.iter().map(u64::to_string).collect();
    let _ = write!(
        out,
        "\nKinds of anomaly found within the first N runs:\n\n| Setting | {} |\n|---|{}\n",
        budgets.join(" | "),
        "---|".repeat(budgets.len())
    );
    for row in &matrix.rows {
        let counts: Vec<String> = row.found_by_budget.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "| `{}` | {} |", row.setting, counts.join(" | "));
    }
    out
}

fn matrix_json(matrix: &Matrix) -> Value {
    let catalogue = settings::catalogue();
    json!({
        "runs": matrix.runs,
        "steps_per_run": matrix.steps_per_run,
        "columns": matrix.columns.iter().map(|k| json!({"kind": k, "name": k.name(), "jepsen": k.jepsen_name()})).collect::<Vec<_>>(),
        "budgets": matrix.budgets,
        "rows": matrix.rows.iter().map(|row| {
            let config = catalogue.iter().find(|s| s.name == row.setting).map(|s| s.config.clone()).unwrap_or_default();
            json!({
                "setting": row.setting,
                "title": row.title,
                "cells": row.cells.iter().map(|cell| match cell {
                    Cell::Found(f) => finding_json(f, &config),
                    Cell::NoneIn { runs } => json!({"none_in_runs": runs}),
                }).collect::<Vec<_>>(),
                "found_by_budget": row.found_by_budget,
            })
        }).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_checked_and_named_in_errors() {
        let usage = |args: &[&str]| match parse_flags(args, true) {
            Err(Failure::Usage(message)) => message,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("{args:?} accepted"),
        };
        assert_eq!(
            usage(&["--runs", "many"]),
            "--runs wants a whole number, not `many`"
        );
        assert_eq!(usage(&["--seed"]), "--seed needs a value");
        assert_eq!(
            usage(&["--jobs", "0"]),
            "--jobs wants 1 to 64 threads, not 0"
        );
        assert!(usage(&["--setting", "safe", "--config", "x"]).contains("one of"));
        assert!(usage(&["--steps", "99999999"]).contains("more than"));
        assert!(usage(&["--frobnicate"]).contains("`--frobnicate`"));
        assert!(matches!(
            parse_flags(&["--seed", "3"], false),
            Err(Failure::Usage(_))
        ));
    }

    #[test]
    fn parallel_runs_come_back_in_seed_order() {
        let config = settings::setting("acks-1")
            .map(|s| s.config)
            .unwrap_or_default();
        let options = ExploreOptions {
            steps_per_run: 30,
            ..ExploreOptions::default()
        };
        let seeds: Vec<u64> = (5..12).collect();
        let one = run_parallel(&config, &seeds, &options, 1, &|_| {});
        let three = run_parallel(&config, &seeds, &options, 3, &|_| {});
        assert_eq!(one, three);
        assert_eq!(three.iter().map(|r| r.seed).collect::<Vec<_>>(), seeds);
    }

    #[test]
    fn a_path_with_spaces_is_quoted_in_the_replay_command() {
        assert_eq!(quoted("assets/x.json"), "assets/x.json");
        assert_eq!(quoted("my file.json"), "'my file.json'");
    }
}
