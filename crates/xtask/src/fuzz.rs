//! Coverage-guided fuzzing of every file format the lab reads from outside (`fuzz/`): the `fuzz`
//! phase of `cargo xtask test` runs each target for a few seconds, `cargo xtask fuzz` as long as
//! asked.
//!
//! libFuzzer on the stable toolchain: `libfuzzer-sys` builds libFuzzer's C++ with the `cc` crate,
//! and rustc's stable `-Cpasses=sancov-module` with LLVM's sanitizer-coverage options gives it
//! the edge counters and comparison hooks it steers by (what cargo-fuzz passes for
//! `--sanitizer none`; no sanitizer needs nightly). The flags go to the target only (`--target`),
//! never to build scripts and proc macros, which would not link without libFuzzer.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Res;
use crate::cmd::{Cmd, TestCounts, which};
use crate::toolchain::Toolchain;

/// One fuzz target (`fuzz/fuzz_targets/NAME.rs`) and the folders its corpus is seeded from,
/// relative to the repository root: the shipped files of its format and `fuzz/corpus/NAME/`.
/// `fuzz/regressions/NAME/` (inputs that once failed) is always added.
#[derive(Debug)]
struct Target {
    name: &'static str,
    seeds: &'static [&'static str],
}

const TARGETS: [Target; 9] = [
    Target {
        name: "scenario",
        seeds: &["assets/scenarios"],
    },
    Target {
        name: "share_link",
        seeds: &["fuzz/corpus/share_link", "assets/scenarios"],
    },
    Target {
        name: "saved_lab",
        seeds: &["fuzz/corpus/saved_lab"],
    },
    Target {
        name: "lesson",
        seeds: &["assets/lessons"],
    },
    Target {
        name: "exercise",
        seeds: &["assets/exercises"],
    },
    Target {
        name: "attempt",
        seeds: &["crates/cli/tests/attempts/charge-twice"],
    },
    Target {
        name: "progress",
        seeds: &["fuzz/corpus/progress"],
    },
    Target {
        name: "outline",
        seeds: &["fuzz/corpus/outline"],
    },
    Target {
        name: "markup",
        seeds: &["fuzz/corpus/markup"],
    },
];

/// How long the test command fuzzes each target: enough to replay the seeds and try some
/// thousands of mutations, short enough for the phase to stay well under two minutes.
pub(crate) const TEST_SECONDS_PER_TARGET: u64 = 3;

/// The cargo profile (`fuzz/Cargo.toml`) of a build that runs for seconds: less optimised,
/// built in about half the time.
const QUICK_PROFILE: &str = "quick";
/// The profile of a long run.
const LONG_PROFILE: &str = "release";

/// An input slower than this is reported as a hang (libFuzzer's `-timeout`).
const INPUT_TIMEOUT_SECONDS: u64 = 20;

/// What cargo-fuzz passes for `--sanitizer none`: sanitizer coverage, stable flags only.
const RUSTFLAGS: [&str; 7] = [
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "--cfg",
    "fuzzing",
];

const USAGE: &str = "\
usage: cargo xtask fuzz [--seconds N] [TARGET...] [-- LIBFUZZER_ARGS...]

Builds the fuzz targets with coverage instrumentation and fuzzes each named one (default:
all) for N seconds (default 60). New inputs are kept in target/fuzz/corpus/TARGET/, failing
ones in target/fuzz/artifacts/TARGET/. Arguments after `--` go to libFuzzer (e.g. -jobs=2).";

/// `cargo xtask fuzz`.
pub(crate) fn command(args: &[String]) -> Res<()> {
    let mut seconds = 60;
    let mut names = Vec::new();
    let mut extra = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = iter
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--seconds needs a whole number of seconds")?;
            }
            "--" => extra.extend(iter.by_ref().cloned()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            name => names.push(name.to_owned()),
        }
    }
    let targets = select(&names)?;
    let tc = Toolchain::prepare(crate::toolchain::Needs::default())?;
    run(&tc, LONG_PROFILE, &targets, seconds, &extra)
}

/// The `fuzz` test phase: every target, briefly; each target that finds nothing counts as a
/// passed test.
pub(crate) fn phase(tc: &Toolchain) -> Res<TestCounts> {
    let all: Vec<&Target> = TARGETS.iter().collect();
    run(tc, QUICK_PROFILE, &all, TEST_SECONDS_PER_TARGET, &[])?;
    Ok(TestCounts {
        passed: TARGETS.len() as u64,
        failed: 0,
    })
}

fn select(names: &[String]) -> Res<Vec<&'static Target>> {
    if names.is_empty() {
        return Ok(TARGETS.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            TARGETS.iter().find(|t| t.name == name).ok_or_else(|| {
                let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                format!(
                    "unknown fuzz target `{name}`; targets: {}",
                    known.join(", ")
                )
            })
        })
        .collect()
}

fn run(
    tc: &Toolchain,
    profile: &str,
    targets: &[&Target],
    seconds: u64,
    extra: &[String],
) -> Res<()> {
    let bin_dir = build(tc, profile)?;
    let mut failures = Vec::new();
    for target in targets {
        if let Err(e) = fuzz_one(tc, &bin_dir, target, seconds, extra) {
            eprintln!("{e}");
            failures.push(target.name);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzzing found failing inputs in: {} (each is described above; fuzz/README.md says \
             how to turn one into a regression test)",
            failures.join(", ")
        ))
    }
}

fn fuzz_dir(tc: &Toolchain) -> PathBuf {
    tc.target_dir.join("fuzz")
}

/// Builds every target with `profile`; returns the folder holding the binaries.
fn build(tc: &Toolchain, profile: &str) -> Res<PathBuf> {
    if std::env::var_os("CXX").is_none()
        && ["c++", "g++", "clang++"]
            .iter()
            .all(|cxx| which(cxx).is_none())
    {
        return Err(
            "fuzzing builds libFuzzer's C++ and finds no C++ compiler (c++, g++ or clang++ on \
             PATH, or CXX): install one, e.g. `apt-get install g++`"
                .to_owned(),
        );
    }
    let host = host_triple(tc)?;
    let target_dir = fuzz_dir(tc);
    tc.host_cargo()
        .current_dir(tc.root.join("fuzz"))
        .env("CARGO_TARGET_DIR", &target_dir)
        // The encoded form wins over RUSTFLAGS, whatever the caller set; RUSTFLAGS is set too
        // so the echoed command can be copied and run by hand.
        .env_quiet("CARGO_ENCODED_RUSTFLAGS", RUSTFLAGS.join("\u{1f}"))
        .env("RUSTFLAGS", RUSTFLAGS.join(" "))
        .args([
            "build",
            "--profile",
            profile,
            "--locked",
            "--bins",
            "--target",
            &host,
        ])
        .run()?;
    Ok(target_dir.join(host).join(profile))
}

fn host_triple(tc: &Toolchain) -> Res<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let info = Cmd::new(rustc)
        .current_dir(&tc.root)
        .arg("-vV")
        .probe()
        .ok_or("cannot run `rustc -vV` to learn the host's target triple")?;
    info.lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("`rustc -vV` names no host:\n{info}"))
}

/// Fuzzes one target for `seconds`. New inputs go to a corpus under target/ (the first folder
/// libFuzzer is given is the one it writes to), so a run never changes the repository.
fn fuzz_one(
    tc: &Toolchain,
    bin_dir: &Path,
    target: &Target,
    seconds: u64,
    extra: &[String],
) -> Res<()> {
    let dir = fuzz_dir(tc);
    let corpus = dir.join("corpus").join(target.name);
    let artifacts = dir.join("artifacts").join(target.name);
    let logs = dir.join("logs");
    for folder in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    }
    let regressions = format!("fuzz/regressions/{}", target.name);
    let seeds: Vec<PathBuf> = target
        .seeds
        .iter()
        .copied()
        .chain([regressions.as_str()])
        .map(|seed| tc.root.join(seed))
        .filter(|seed| seed.is_dir())
        .collect();
    let binary = bin_dir.join(target.name);
    let log_path = logs.join(format!("{}.log", target.name));
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let err_log = log
        .try_clone()
        .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;

    let cmd = Cmd::new(&binary)
        .current_dir(&tc.root)
        .arg(&corpus)
        .args(&seeds)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
        .arg("-rss_limit_mb=2048")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .args(extra);
    let line = cmd.describe();
    println!("$ {line}   (output in {})", log_path.display());
    let started = Instant::now();
    let status = cmd
        .into_inner()
        .stdout(log)
        .stderr(err_log)
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    if status.success() {
        println!(
            "{}: {} in {:.1} s, no failure",
            target.name,
            summary(&text),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let found = newest_file(&artifacts)
        .map(|p| {
            format!(
                "the failing input: {}\nreplay it: {} {}",
                p.display(),
                binary.display(),
                p.display()
            )
        })
        .unwrap_or_else(|| "libFuzzer wrote no failing input".to_owned());
    Err(format!(
        "fuzz target `{}` failed ({status}) after {:?}:\n{}\n{found}",
        target.name,
        Duration::from_secs(started.elapsed().as_secs()),
        tail.join("\n")
    ))
}

/// "N runs, corpus C, coverage K" from libFuzzer's final lines.
fn summary(log: &str) -> String {
    let stat = |name: &str| {
        log.lines()
            .find_map(|line| line.strip_prefix(&format!("stat::{name}:")))
            .map(str::trim)
            .unwrap_or("?")
            .to_owned()
    };
    let coverage = log
        .lines()
        .rev()
        .find_map(|line| line.split(" cov: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("?");
    let corpus = log
        .lines()
        .rev()
        .find_map(|line| line.split(" corp: ").nth(1))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("?");
    format!(
        "{} runs, {corpus} inputs in the corpus, {coverage} edges covered",
        stat("number_of_executed_units")
    )
}

fn newest_file(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .max()
        .map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_its_file_and_seeds_that_exist() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
        for target in &TARGETS {
            let file = format!("fuzz_targets/{}.rs", target.name);
            assert!(root.join("fuzz").join(&file).is_file(), "{file}");
            assert!(manifest.contains(&format!("path = \"{file}\"")), "{file}");
            for seed in target.seeds {
                let files = std::fs::read_dir(root.join(seed)).map_or(0, Iterator::count);
                assert!(files > 0, "{}: seed folder {seed} is empty", target.name);
            }
        }
        assert_eq!(manifest.matches("[[bin]]").count(), TARGETS.len());
    }

    #[test]
    fn targets_are_chosen_by_name_and_a_typo_names_the_choices() {
        let chosen = select(&["markup".to_owned()]).unwrap();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].name, "markup");
        assert_eq!(select(&[]).unwrap().len(), TARGETS.len());
        let err = select(&["scenarios".to_owned()]).unwrap_err();
        assert!(err.contains("scenario, share_link"), "{err}");
    }

    #[test]
    fn the_summary_reads_libfuzzers_last_lines() {
        let log = "#512\tNEW    cov: 900 ft: 1200 corp: 40/12Kb lim: 100\n\
                   #4096\tpulse  cov: 1024 ft: 2000 corp: 55/20Kb lim: 200\n\
                   Done 5000 runs in 4 second(s)\n\
                   stat::number_of_executed_units: 5000\n";
        assert_eq!(
            summary(log),
            "5000 runs, 55 inputs in the corpus, 1024 edges covered"
        );
    }
}
