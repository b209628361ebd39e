//! `eos-lab`: runs EOS Lab scenarios natively, on the same core the browser lab uses.
//!
//! - `eos-lab run [SCENARIO]` prints the narrated trace (the built-in demo without a file).
//! - `eos-lab run --json SCENARIO` prints the machine-readable report (`docs/report.md`).
//! - `eos-lab run [--json] --link LINK` runs a share link (a URL or its fragment) up to the step
//!   it opens on, and says how many scripted steps are still ahead.
//! - `eos-lab link [--step N] SCENARIO` prints a scenario file as a share-link fragment that
//!   opens after N scripted steps (all of them by default) with the rest of the script ahead.
//! - `eos-lab find GUARANTEE SCENARIO` searches random runs of the scenario's world for one that
//!   breaks the guarantee and prints it, shrunk, as a scenario file.
//!
//! - `eos-lab explore (--setting NAME | --config FILE | --scenario FILE) [--seed N] [--runs N]
//!   [--steps N] [--jobs N] [--json]` runs the counterexample explorer over seeds, in parallel
//!   threads, and prints each anomaly found, explained, with the command that replays it.
//! - `eos-lab matrix [--runs N] [--steps N] [--jobs N] [--json | --markdown]` prints the
//!   exactly-once matrix.
//!
//! - `eos-lab grade EXERCISE ATTEMPTS_DIR [--json | --csv]` grades every attempt file of a
//!   folder against an exercise by replaying it, one row per file (`docs/exercises.md`).
//! - `eos-lab check-exercise FILE` / `eos-lab check-lesson FILE` check a teacher's file by
//!   replaying its reference, wrong attempts, beats and checkpoints.
//!
//! Exit codes: 0 success (for `grade`: every file got a row, whatever its verdict), 1 the
//! scenario, exercise or lesson is invalid or cannot run (for `grade`: the exercise or the
//! folder cannot be read), 2 usage error, 3 (`explore`) an anomaly the configuration is meant
//! to prevent was found.

mod course;
mod explore;

use eos_core::run::report::Report;
use eos_core::run::scenario::{MAX_BYTES, Scenario};
use eos_core::run::share::SharedLab;
use eos_core::{Trace, World, explore::counterexample, run::demo, run::share};
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "usage: eos-lab run [--json] [SCENARIO.json | --link LINK]
       eos-lab link [--step N] SCENARIO.json
       eos-lab find GUARANTEE SCENARIO.json
       eos-lab explore (--setting NAME | --config FILE | --scenario FILE) [--seed N]
                       [--runs N] [--steps N] [--jobs N] [--json]
       eos-lab matrix [--runs N] [--steps N] [--jobs N] [--json | --markdown]
       eos-lab grade EXERCISE.json ATTEMPTS_DIR [--json | --csv] [--scenarios DIR]
       eos-lab check-exercise EXERCISE.json [--scenarios DIR]
       eos-lab check-lesson LESSON.json [--scenarios DIR]

  run                 print the narrated trace of the built-in demo
  run SCENARIO        print the narrated trace of a scenario file (- reads standard input)
  run --json SCENARIO print the machine-readable report of a scenario file
  run --link LINK     run a lab share link (a URL or the part after #) up to the step it opens on
  link SCENARIO       print the scenario as a share-link fragment (v2....) that opens after its
                      last step
  link --step N SCENARIO
                      the same link opening after N scripted steps, the rest of the script ahead
  find GUARANTEE SCENARIO
                      search random runs of the scenario's world (its steps are ignored) for
                      one that breaks GUARANTEE (e.g. no_duplicate_write), and print it,
                      shrunk to the steps that matter, as a scenario file
  explore             run the counterexample explorer on a named setting (--setting safe,
                      acks-1, ...; a wrong name lists them), a world configuration file or a
                      scenario's world (its steps are ignored): --runs seeds from --seed
                      (default 200 from 0), --steps per run (default 200), over --jobs
                      threads; prints each anomaly found (Jepsen's name, whether the
                      configuration allows it by design), its shrunk run explained step by
                      step and as a scenario file, and the command that replays it
  matrix              every named setting against every kind of anomaly (--runs per setting,
                      default 1000), and the kinds found as the budget grows; --markdown
                      prints it as the book's tables, each finding a link into the lab
  grade EXERCISE ATTEMPTS_DIR
                      replay every *.json attempt file in ATTEMPTS_DIR from the exercise's own
                      scenario and print one row per file: passed, not yet or invalid, steps
                      against par, and the reason in words (--json or --csv for a machine);
                      a bad file is a row, never the end of the run
  check-exercise FILE check that an exercise's reference passes and each wrong attempt fails
                      with its reason
  check-lesson FILE   check that every beat of a lesson replays to its expectation and every
                      checkpoint is passed by its show_me and not by its wrong moves
  --scenarios DIR     where scenario stems are found (default: the scenarios folder beside the
                      file's folder, as assets/scenarios is beside assets/exercises)

exit codes: 0 success (grade: every attempt file has its row, whatever its verdict);
            1 the scenario, exercise or lesson is invalid or cannot run (grade: the exercise
              or the folder cannot be read);
            2 usage error;
            3 explore found an anomaly the configuration is meant to prevent";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["run"] => Ok(run_demo()),
        ["run", "--json", "--link", link] | ["run", "--link", link, "--json"] => {
            run_link(link, Format::Json)
        }
        ["run", "--link", link] => run_link(link, Format::Narration),
        ["link", path] => link_of(path, None),
        ["link", "--step", steps, path] => match steps.parse::<usize>() {
            Ok(steps) => link_of(path, Some(steps)),
            Err(_) => Err(format!("--step wants a number of steps, not `{steps}`")),
        },
        ["find", guarantee, path] => find_counterexample(guarantee, path),
        ["explore", rest @ ..] => return finish(explore::explore(rest)),
        ["matrix", rest @ ..] => return finish(explore::matrix(rest)),
        ["grade" | "check-exercise" | "check-lesson", ..] => match course_command(&args) {
            Some(outcome) => outcome,
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        ["run", "--json", path] | ["run", path, "--json"] => run_file(path, Format::Json),
        ["run", path] if !path.starts_with("--") || *path == "-" => {
            run_file(path, Format::Narration)
        }
        ["--help" | "-h" | "help"] => Ok(format!("{USAGE}\n")),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("eos-lab: {message}");
            ExitCode::from(1)
        }
    }
}

/// Prints what an explorer command made and exits with its code.
fn finish(outcome: Result<explore::Done, explore::Failure>) -> ExitCode {
    match outcome {
        Ok(done) => {
            print!("{}", done.text);
            ExitCode::from(done.code)
        }
        Err(explore::Failure::Usage(message)) => {
            eprintln!("eos-lab: {message}\n(eos-lab --help lists the commands)");
            ExitCode::from(2)
        }
        Err(explore::Failure::Invalid(message)) => {
            eprintln!("eos-lab: {message}");
            ExitCode::from(1)
        }
    }
}

/// The course commands, with their flags in any order after the command; `None` for a usage
/// error.
fn course_command(args: &[&str]) -> Option<Result<String, String>> {
    let (command, rest) = args.split_first()?;
    let mut table = course::Table::Text;
    let mut scenarios = None;
    let mut files = Vec::new();
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--json" if table == course::Table::Text => table = course::Table::Json,
            "--csv" if table == course::Table::Text => table = course::Table::Csv,
            "--scenarios" => scenarios = Some(*rest.next()?),
            flag if flag.starts_with("--") => return None,
            file => files.push(file),
        }
    }
    let tabled = table != course::Table::Text;
    Some(match (*command, files.as_slice()) {
        ("grade", [exercise, folder]) => course::grade_folder(exercise, folder, table, scenarios),
        ("check-exercise", [file]) if !tabled => course::check_exercise(file, scenarios),
        ("check-lesson", [file]) if !tabled => course::check_lesson(file, scenarios),
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Narration,
    Json,
}

/// The built-in demo's narration, headed by its seed and closed by its trace hash.
fn run_demo() -> String {
    let (config, seed) = demo::world();
    let Ok(mut world) = World::new(&config, seed) else {
        return "the built-in demo has an invalid world\n".to_owned();
    };
    let trace = Trace::record(&mut world, &demo::actions());
    format!(
        "seed={seed}\n{}trace hash: {:016x}\n",
        trace.narrate(),
        trace.hash()
    )
}

fn read_input(path: &str) -> Result<String, String> {
    let mut text = String::new();
    let limit = u64::try_from(MAX_BYTES).unwrap_or(u64::MAX) + 1;
    let result = if path == "-" {
        std::io::stdin().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_string(&mut text))
    };
    result.map_err(|e| format!("{path}: {e}"))?;
    Ok(text)
}

fn run_file(path: &str, format: Format) -> Result<String, String> {
    let text = read_input(path)?;
    let scenario = Scenario::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    run_scenario(&scenario, path, format)
}

/// A share link is a URL whose fragment is the lab, or that fragment alone. What runs is what
/// the lab shows on opening it: the starting world and the steps up to its cursor.
fn run_link(link: &str, format: Format) -> Result<String, String> {
    let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f);
    let lab = share::decode(fragment)
        .map_err(|e| format!("link: {e}"))?
        .into_lab();
    let mut out = run_scenario(&lab.run_so_far(), "link", format)?;
    let ahead = lab.script_ahead().len();
    if format == Format::Narration && ahead > 0 {
        out.push_str(&format!(
            "the link's script has {ahead} more step(s) ahead of this point\n"
        ));
    }
    Ok(out)
}

/// The scenario file as a link that opens after `steps` scripted steps (`None`: all).
fn link_of(path: &str, steps: Option<usize>) -> Result<String, String> {
    let text = read_input(path)?;
    let scenario = Scenario::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    let steps = steps.unwrap_or(scenario.steps.len());
    if steps > scenario.steps.len() {
        return Err(format!(
            "{path}: --step {steps}, but the script has only {} steps",
            scenario.steps.len()
        ));
    }
    let lab = SharedLab::after_script_steps(scenario, steps);
    Ok(format!("{}\n", share::encode(&lab)))
}

fn find_counterexample(guarantee: &str, path: &str) -> Result<String, String> {
    let text = read_input(path)?;
    let mut scenario = Scenario::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    let names: Vec<&'static str> = eos_core::invariants::Invariants::default()
        .statuses()
        .iter()
        .map(|s| s.name)
        .collect();
    let Some(name) = names.iter().copied().find(|n| *n == guarantee) else {
        return Err(format!(
            "unknown guarantee `{guarantee}`; the lab checks {}",
            names.join(", ")
        ));
    };
    let limits = counterexample::SearchLimits::default();
    let found = counterexample::find(
        &scenario.world_config(),
        name,
        eos_core::explore::ExploreLimits::default(),
        limits,
    )
    .ok_or_else(|| {
        format!(
            "no run of {} seeds x {} steps breaks {name} in this world",
            limits.seeds, limits.steps_per_run
        )
    })?;
    scenario.name = format!(
        "Counterexample: {name} broken in {} steps",
        found.actions.len()
    );
    scenario.description = format!(
        "Found by eos-lab find in random runs of {path}'s world and shrunk to the steps that matter: {}",
        found.why
    );
    scenario.seed = found.seed;
    scenario.steps = found.actions;
    // The original's moment and recap tell its own script, not these random steps.
    scenario.moment = None;
    scenario.recap = None;
    serde_json::to_string_pretty(&scenario)
        .map(|json| format!("{json}\n"))
        .map_err(|e| e.to_string())
}

fn run_scenario(scenario: &Scenario, path: &str, format: Format) -> Result<String, String> {
    let run = scenario.run().map_err(|e| format!("{path}: {e}"))?;
    Ok(match format {
        Format::Json => format!("{}\n", Report::new(scenario, &run).to_json()),
        Format::Narration => format!(
            "scenario: {}\nseed={}\n{}{}trace hash: {:016x}\n",
            if scenario.name.is_empty() {
                path
            } else {
                &scenario.name
            },
            scenario.seed,
            run.trace.narrate(),
            story(scenario),
            run.trace.hash()
        ),
    })
}

/// The scenario's moment and recap, when it names them, after the steps it explains.
fn story(scenario: &Scenario) -> String {
    let mut out = String::new();
    if let Some(moment) = &scenario.moment {
        out.push_str(&format!(
            "moment: step {}: {}\n",
            moment.step, moment.caption
        ));
    }
    if let Some(recap) = &scenario.recap {
        out.push_str(&format!(
            "recap:\n  what you saw: {}\n  guarantee: {}\n  try next: {}\n",
            recap.saw, recap.guarantee, recap.try_next
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_run_ends_with_its_moment_and_recap_then_the_hash() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/scenarios/01-at-most-once.json"
        );
        let text = std::fs::read_to_string(path).expect("the shipped scenario");
        let scenario = Scenario::parse(&text).expect("parses");
        let out = run_scenario(&scenario, path, Format::Narration).expect("runs");
        let tail: Vec<&str> = out.lines().rev().take(6).collect();
        assert!(tail[0].starts_with("trace hash: "), "{out}");
        assert!(
            tail[1].starts_with("  try next: Open 02-at-least-once"),
            "{out}"
        );
        assert!(tail[4] == "recap:", "{out}");
        assert!(
            tail[5].starts_with("moment: step 7: Here: c1 crashes"),
            "{out}"
        );
    }

    #[test]
    fn demo_narrates_every_step_and_ends_with_the_hash() {
        let out = run_demo();
        assert!(out.starts_with("seed=7\n"));
        assert!(out.contains("step 4: drop the oldest message"));
        assert!(
            out.contains("original offset 0 and writes nothing"),
            "{out}"
        );
        assert!(
            out.trim_end()
                .lines()
                .last()
                .unwrap()
                .starts_with("trace hash: ")
        );
    }

    #[test]
    fn a_scenario_runs_the_same_from_its_file_and_from_its_link() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/scenarios/04-effect-once.json"
        );
        let link = link_of(path, None).unwrap();
        assert!(link.starts_with("v2."), "{link}");
        let from_file = run_file(path, Format::Json).unwrap();
        let from_url = run_link(
            &format!("https://example.org/eos-lab/#{}", link.trim_end()),
            Format::Json,
        )
        .unwrap();
        assert_eq!(from_file, from_url);
    }

    // The classroom's "find me the anomaly": the printed counterexample is itself a scenario
    // that, run, breaks the guarantee.
    #[test]
    fn find_prints_a_scenario_that_breaks_the_guarantee() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/scenarios/02-at-least-once.json"
        );
        let found = find_counterexample("no_duplicate_write", path).unwrap();
        let scenario = Scenario::parse(&found).unwrap();
        let run = scenario.run().unwrap();
        assert!(
            run.world
                .invariants()
                .status("no_duplicate_write")
                .unwrap()
                .broken
                .is_some()
        );
        let err = find_counterexample("no_such_thing", path).unwrap_err();
        assert!(err.contains("no_duplicate_write"), "{err}");
    }

    // A link that opens part-way runs up to there, and says the rest of the script is ahead.
    #[test]
    fn a_link_part_way_runs_to_its_step_and_names_the_steps_ahead() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/scenarios/02-at-least-once.json"
        );
        let scripted = Scenario::parse(&read_input(path).unwrap())
            .unwrap()
            .steps
            .len();
        let link = link_of(path, Some(2)).unwrap();
        let out = run_link(link.trim_end(), Format::Narration).unwrap();
        assert!(out.contains("step 2: "), "{out}");
        assert!(!out.contains("step 3: "), "{out}");
        assert!(
            out.ends_with(&format!(
                "the link's script has {} more step(s) ahead of this point\n",
                scripted - 2
            )),
            "{out}"
        );
        let err = link_of(path, Some(scripted + 1)).unwrap_err();
        assert!(err.contains("only"), "{err}");
    }

    // Links made before version 2 still run as they did.
    #[test]
    fn a_v1_link_still_runs() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/scenarios/04-effect-once.json"
        );
        let scenario = Scenario::parse(&read_input(path).unwrap()).unwrap();
        let v1 = share::encode_v1(&scenario);
        assert_eq!(
            run_link(&v1, Format::Json).unwrap(),
            run_file(path, Format::Json).unwrap()
        );
    }

    #[test]
    fn a_damaged_link_is_an_error_saying_so() {
        let err = run_link("v1.not*base64", Format::Narration).unwrap_err();
        assert!(err.starts_with("link: the link is damaged"), "{err}");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = run_file("/nonexistent/x.json", Format::Narration).unwrap_err();
        assert!(err.starts_with("/nonexistent/x.json: "), "{err}");
    }
}
