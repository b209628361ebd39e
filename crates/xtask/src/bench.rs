//! `cargo xtask bench`: every performance ratio the project keeps, measured in one run so that
//! each pair shares the machine's mood. A benchmark, not a test: it prints the figures for
//! `docs/performance.md`, marks each against its target, and fails only if it cannot measure.
//!
//! - core step throughput, wasm against native, on the same seeds, with the runs' trace hashes,
//!   which must be equal (`crates/core/benches/step.rs`): the wasm in the pinned Node LTS (V8)
//!   and in a Web Worker of headless Chromium, the engine the lab runs in;
//! - a step's cost at a long log against a short one, natively (the same benchmark, each size's
//!   fastest over the rounds);
//! - the explorer's steps/s in headless Chromium, in its Web Worker, on the free-play world;
//! - a click (Send, Deliver all) until the page has rendered and laid out, in the release build
//!   at a log of 10 000 records against 100 (`render_bench`, also `cargo xtask bench-render`);
//! - time travel (jumps near step 100 000 against near step 1 000) and memory per step (after
//!   1 000 000 steps against after 10 000) of the page's reducer (`crates/web/benches/history.rs`);
//! - the bytes the main page transfers on a first visit (brotli), against the budget, and the
//!   app's wasm against a Yew hello world built with the same profile and pipeline.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::Res;
use crate::cmd::Cmd;
use crate::explorer_check;
use crate::smoke::Browser;
use crate::toolchain::{Needs, Toolchain, write_atomic};

const USAGE: &str = "usage: cargo xtask bench [--quick] [--skip-build]";
const WASI_TARGET: &str = "wasm32-wasip1";
/// The wasm-opt level of the app and the explorer's worker (`data-wasm-opt` in index.html), so
/// that the core's wasm is measured as the lab ships it.
const SHIPPED_WASM_OPT_LEVEL: &str = "z";
/// Rounds of the core's throughput (and natively its step cost), native and each wasm engine
/// in turn.
const CORE_ROUNDS: usize = 3;
/// Every byte of the first visit before the visitor acts, compressed as a static host would
/// serve it.
const FIRST_LOAD_BUDGET_KIB: f64 = crate::first_load::BUDGET_KIB;
/// The explorer's search in the browser: the free-play world, this many runs.
const EXPLORER_QUERY: &str = "?scenario=free-play";
const EXPLORER_RUNS: u64 = 400;

/// One measured ratio and its target.
struct Ratio {
    name: &'static str,
    value: Option<f64>,
    target: &'static str,
    meets: Option<bool>,
    detail: String,
}

impl Ratio {
    /// A measured ratio that meets its target at `limit` or below (`target` in words).
    fn at_most(
        name: &'static str,
        value: f64,
        target: &'static str,
        limit: f64,
        detail: String,
    ) -> Self {
        Self {
            name,
            value: Some(value),
            target,
            meets: Some(value <= limit),
            detail,
        }
    }

    /// A ratio the run could not measure, and why.
    fn not_measured(name: &'static str, target: &'static str, why: &str) -> Self {
        Self {
            name,
            value: None,
            target,
            meets: None,
            detail: format!("not measured: {why}"),
        }
    }
}

pub(crate) fn run(args: &[String]) -> Res<()> {
    let (mut quick, mut skip_build) = (false, false);
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            "--skip-build" => skip_build = true,
            _ => return Err(USAGE.to_owned()),
        }
    }
    let tc = Toolchain::prepare(Needs::release_build())?;
    let mut ratios = Vec::new();

    let native_run = || {
        capture(
            tc.host_cargo()
                .args(["bench", "-p", "eos-core", "--bench", "step"])
                .env("BENCH_TRACE", "1"),
            quick,
        )
    };
    println!("\n==> core step throughput and step cost, native");
    let mut natives = vec![native_run()?];
    let wasm = wasi_step_bench(&tc);
    // Native, Node and Chromium take turns, round after round, and each keeps its fastest: a
    // slow spell of the machine then slows one round of each, not one engine's only run.
    let rounds = if quick { 1 } else { CORE_ROUNDS };
    let (mut in_node, mut in_chromium) = (vec![], vec![]);
    for round in 1..=rounds {
        if round > 1 {
            println!("\n==> core step throughput and step cost, native, round {round} of {rounds}");
            natives.push(native_run()?);
        }
        println!("\n==> core step throughput, wasm in Node, round {round} of {rounds}");
        in_node.push(
            wasm.clone()
                .and_then(|wasm| step_bench_in_node(&tc, &wasm, quick)),
        );
        println!(
            "\n==> core step throughput, wasm in headless Chromium, round {round} of {rounds}"
        );
        in_chromium.push(
            wasm.clone()
                .and_then(|wasm| step_bench_in_chromium(&tc, &wasm, quick)),
        );
    }
    let node = format!("Node {}", crate::tools::BENCH_NODE_VERSION);
    ratios.push(core_ratio(
        "core steps/s, wasm (Node LTS) / native",
        &node,
        &natives,
        &in_node,
    ));
    ratios.push(core_ratio(
        "core steps/s, wasm (Chromium) / native",
        "Chromium",
        &natives,
        &in_chromium,
    ));
    ratios.push(step_cost_ratio(&natives));

    println!("\n==> the page's reducer: time travel and memory");
    let history = capture(
        tc.host_cargo()
            .args(["bench", "-p", "eos-web", "--bench", "history"]),
        quick,
    )?;
    let travel = number_after(&history, "time travel ratio: ");
    ratios.push(Ratio {
        name: "time travel, jump near step 100k / near step 1k",
        value: travel,
        target: "<= 2",
        meets: travel.map(|r| r <= 2.0),
        detail: line_with(&history, "time travel: jump").unwrap_or_default(),
    });
    let memory = number_after(&history, "memory ratio: ");
    ratios.push(Ratio {
        name: "memory per step, after 1M steps / after 10k",
        value: memory,
        target: "<= 2",
        meets: memory.map(|r| r <= 2.0),
        detail: line_with(&history, "memory: ").unwrap_or_default(),
    });

    if !skip_build {
        println!("\n==> release build");
        crate::first_screen::release_build(&tc)?;
    }
    let dist = tc.root.join("dist");
    println!("\n==> step and render in the page, headless Chromium");
    ratios.push(step_and_render(&tc, &dist));
    println!("\n==> the explorer in its worker, headless Chromium");
    ratios.push(explorer_in_worker(&tc, &dist));
    println!("\n==> first load");
    ratios.extend(first_load(&dist)?);
    println!("\n==> the app's wasm against a Yew hello world built the same way");
    ratios.push(against_hello(&tc, &dist));

    let report = render(&ratios, quick);
    let out = tc.target_dir.join("bench.txt");
    write_atomic(&out, report.as_bytes())?;
    println!("\n{report}(written to {})", out.display());
    Ok(())
}

/// Runs `cmd`, showing its stderr as it goes, and returns its stdout (also shown).
fn capture(cmd: Cmd, quick: bool) -> Res<String> {
    capture_finished_by(cmd, quick, None)
}

/// As [`capture`], but a run that printed `last_line` has finished its work: what it does at
/// exit does not undo its figures. Node 20.20 here segfaults while tearing down a WASI run
/// after it printed everything (the binaries from before and after a change alike).
fn capture_finished_by(cmd: Cmd, quick: bool, last_line: Option<&str>) -> Res<String> {
    let cmd = if quick {
        cmd.env("BENCH_QUICK", "1")
    } else {
        cmd
    };
    let described = cmd.describe();
    println!("$ {described}");
    let output = cmd
        .into_inner()
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{described}`: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}");
    let finished = last_line.is_some_and(|line| stdout.contains(line));
    if output.status.success() {
        Ok(stdout)
    } else if finished {
        println!(
            "(it printed all its figures, then exited with {})",
            output.status
        );
        Ok(stdout)
    } else {
        Err(format!("`{described}` failed ({})", output.status))
    }
}

/// The step benchmark built for WASI; `Err` says why it could not be.
fn wasi_step_bench(tc: &Toolchain) -> Result<PathBuf, String> {
    let has_target = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .probe()
        .is_some_and(|list| list.lines().any(|t| t == WASI_TARGET));
    if !has_target {
        Cmd::new("rustup")
            .args(["target", "add", WASI_TARGET])
            .run_with_timeout(Duration::from_secs(120))
            .map_err(|e| format!("the {WASI_TARGET} target is not installable here: {e}"))?;
    }
    let built = tc
        .host_cargo()
        .args(["bench", "--no-run", "-p", "eos-core", "--bench", "step"])
        .args(["--target", WASI_TARGET, "--message-format=json"])
        .probe()
        .ok_or_else(|| format!("the step benchmark did not build for {WASI_TARGET}"))?;
    let wasm = built
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
        .next_back()
        .ok_or_else(|| "cargo named no benchmark executable".to_owned())?;
    // The lab's wasm is what Trunk's wasm-opt makes of cargo's; measure the same.
    let wasm_opt = crate::tools::ensure_wasm_opt()?;
    let shipped = tc.target_dir.join("step-bench-shipped.wasm");
    Cmd::new(wasm_opt)
        .arg(format!("-O{SHIPPED_WASM_OPT_LEVEL}"))
        .arg(&wasm)
        .arg("-o")
        .arg(&shipped)
        .run_with_timeout(Duration::from_secs(300))
        .map_err(|e| format!("wasm-opt failed on the step benchmark: {e}"))?;
    Ok(shipped)
}

/// The step benchmark's wasm run under the pinned Node LTS.
fn step_bench_in_node(tc: &Toolchain, wasm: &Path, quick: bool) -> Result<String, String> {
    let node = crate::tools::ensure_bench_node()?;
    capture_finished_by(
        Cmd::new(node)
            .arg("--no-warnings")
            .arg(tc.root.join("crates/core/benches/support/run-wasi.mjs"))
            .arg(wasm)
            .env("BENCH_TRACE", "1"),
        quick,
        Some("trace hash: "),
    )
}

/// The step benchmark's wasm run in a Web Worker of headless Chromium, the engine the lab runs
/// in: its throughput and trace hash only (a page's clock is too coarse to time one step).
fn step_bench_in_chromium(tc: &Toolchain, wasm: &Path, quick: bool) -> Result<String, String> {
    let (Some(chromium), Some(chromedriver)) = (&tc.chromium, &tc.chromedriver) else {
        return Err("no browser".to_owned());
    };
    let page = tc.target_dir.join("bench-wasi");
    std::fs::create_dir_all(&page).map_err(|e| format!("cannot create {}: {e}", page.display()))?;
    let support = tc.root.join("crates/core/benches/support");
    let files = ["wasi-page.html", "wasi-page.js", "wasi-worker.js"];
    for (from, to) in files
        .iter()
        .map(|f| (support.join(f), page.join(f)))
        .chain([(wasm.to_path_buf(), page.join("step.wasm"))])
    {
        std::fs::copy(&from, &to)
            .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    }
    let browser = Browser::open(tc, &page, chromium, chromedriver, "eos-bench-wasi")?;
    let query = format!(
        "wasi-page.html?wasm=step.wasm&BENCH_TRACE=1&BENCH_THROUGHPUT_ONLY=1{}",
        if quick { "&BENCH_QUICK=1" } else { "" }
    );
    let s = &browser.session;
    s.navigate(&format!("{}{query}", browser.server.url()))?;
    let (exit, text) = s.wait_for("the benchmark to exit", Duration::from_secs(600), |s| {
        let Some(out) = s.find_all("#out")?.into_iter().next() else {
            return Ok(None);
        };
        match s.attribute(&out, "data-exit")? {
            Some(exit) => Ok(Some((exit, s.text(&out)?))),
            None => Ok(None),
        }
    })?;
    println!("{text}");
    if exit == "0" {
        Ok(text)
    } else {
        Err(format!("the benchmark exited with {exit} in Chromium"))
    }
}

/// The fastest wasm round in `engine` against the fastest native round; every round's trace
/// hash must be the first native run's.
fn core_ratio(
    name: &'static str,
    engine: &str,
    natives: &[String],
    wasm: &[Result<String, String>],
) -> Ratio {
    let measured: Vec<&str> = wasm.iter().filter_map(|r| r.as_deref().ok()).collect();
    if measured.is_empty() {
        let why = wasm
            .iter()
            .find_map(|r| r.as_ref().err())
            .map_or("no round ran", String::as_str);
        return Ratio::not_measured(name, ">= 0.7", why);
    }
    let speed = |text: &str| number_after(text, "random run with faults: ");
    let hash = |text: &str| line_with(text, "trace hash: ");
    let fastest = |runs: &[&str]| {
        runs.iter()
            .filter_map(|text| speed(text))
            .fold(None, |best: Option<f64>, s| {
                Some(best.map_or(s, |b| b.max(s)))
            })
    };
    let natives: Vec<&str> = natives.iter().map(String::as_str).collect();
    let (native_speed, wasm_speed) = (fastest(&natives), fastest(&measured));
    let value = wasm_speed.zip(native_speed).map(|(w, n)| w / n);
    let expected = natives.first().and_then(|text| hash(text));
    let same_trace = expected.is_some()
        && natives
            .iter()
            .chain(&measured)
            .all(|text| hash(text) == expected);
    Ratio {
        name,
        value,
        target: ">= 0.7, same trace hash",
        meets: value.map(|r| r >= 0.7 && same_trace),
        detail: format!(
            "native {:.0} steps/s, wasm in {engine} {:.0} (the fastest of {} and {} rounds in turn); trace hashes {}",
            native_speed.unwrap_or(0.0),
            wasm_speed.unwrap_or(0.0),
            natives.len(),
            measured.len(),
            if same_trace {
                format!("equal ({})", expected.unwrap_or_default())
            } else {
                format!(
                    "DIFFER: native {:?}, wasm {:?}",
                    natives.iter().map(|t| hash(t)).collect::<Vec<_>>(),
                    measured.iter().map(|t| hash(t)).collect::<Vec<_>>()
                )
            }
        ),
    }
}

/// A send-and-deliver step at the long log against the short one, natively: each size's
/// fastest over the rounds, for the reason the throughput takes its fastest.
fn step_cost_ratio(natives: &[String]) -> Ratio {
    let name = "step cost, long log / short log (native)";
    let costs: Vec<(f64, f64)> = natives.iter().filter_map(|text| step_costs(text)).collect();
    let fastest = |cost: fn(&(f64, f64)) -> f64| costs.iter().map(cost).reduce(f64::min);
    let (Some(short), Some(long)) = (fastest(|c| c.0), fastest(|c| c.1)) else {
        return Ratio::not_measured(name, "<= 1.5", "the benchmark printed no step cost");
    };
    Ratio::at_most(
        name,
        long / short,
        "<= 1.5",
        1.5,
        format!(
            "send+deliver step at the short log {short:.2} µs, at the long log {long:.2} µs (the fastest of {} rounds)",
            costs.len()
        ),
    )
}

/// One run's send-and-deliver step cost in µs at the short log and at the long one.
fn step_costs(text: &str) -> Option<(f64, f64)> {
    let mut costs = text
        .lines()
        .filter(|l| l.starts_with("send+deliver step at "))
        .filter_map(|l| number_after(l, "records: "));
    Some((costs.next()?, costs.next()?))
}

/// A click's cost in the page at the long log against the short one.
fn step_and_render(tc: &Toolchain, dist: &Path) -> Ratio {
    let name = "step and render in the page, 10k / 100 records";
    let sizes = crate::render_bench::SIZES;
    match crate::render_bench::medians(tc, dist, &sizes, false) {
        Ok(medians) => {
            let (short, long) = (medians[0].1, medians[medians.len() - 1].1);
            Ratio::at_most(
                name,
                long / short,
                "<= 1.5",
                1.5,
                format!(
                    "median click (Send, Deliver all) until rendered: {short:.2} ms at {} records, {long:.2} ms at {}",
                    sizes[0],
                    sizes[sizes.len() - 1]
                ),
            )
        }
        Err(why) => Ratio::not_measured(name, "<= 1.5", &why),
    }
}

/// Searches the free-play world in the explorer's worker and reads the panel's steps/s.
fn explorer_in_worker(tc: &Toolchain, dist: &Path) -> Ratio {
    let name = "explorer steps/s in its worker (Chromium)";
    let measured = (|| -> Res<f64> {
        let (Some(chromium), Some(chromedriver)) = (&tc.chromium, &tc.chromedriver) else {
            return Err("no browser".to_owned());
        };
        let browser = Browser::open(tc, dist, chromium, chromedriver, "eos-bench-profile")?;
        let s = &browser.session;
        s.navigate(&format!("{}{EXPLORER_QUERY}", browser.server.url()))?;
        explorer_check::start(
            s,
            "#explorer-start",
            "#explorer-runs",
            &EXPLORER_RUNS.to_string(),
        )?;
        let status = explorer_check::status_when(s, "the search to finish", 600, |text| {
            Ok(text.starts_with("Searched"))
        })?;
        println!("  {status}");
        if !status.contains("in a background worker") {
            return Err(format!("the search did not run in the worker: {status}"));
        }
        number_before(&status, " steps/s").ok_or_else(|| format!("no steps/s in {status:?}"))
    })();
    match measured {
        Ok(speed) => Ratio {
            name,
            value: Some(speed),
            target: ">= 100000",
            meets: Some(speed >= 100_000.0),
            detail: format!("{EXPLORER_RUNS} runs of the free-play world"),
        },
        Err(why) => Ratio::not_measured(name, ">= 100000", &why),
    }
}

/// What the main page transfers before the visitor acts, against the budget; and after the
/// first act, which fetches the app (`first_load`).
fn first_load(dist: &Path) -> Res<[Ratio; 2]> {
    let measured = crate::first_load::measure(dist)?;
    let (before, after) = (measured.before_act_kib(), measured.after_act_kib());
    let mut lines = measured
        .lines()
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let after_line = lines.pop().unwrap_or_default();
    let before_line = lines.pop().unwrap_or_default();
    Ok([
        Ratio {
            name: "first visit before any act, KiB brotli / budget",
            value: Some(before / FIRST_LOAD_BUDGET_KIB),
            target: "<= 1 (250 KiB)",
            meets: Some(before <= FIRST_LOAD_BUDGET_KIB),
            detail: before_line,
        },
        Ratio {
            name: "after the first act, KiB brotli / budget",
            value: Some(after / FIRST_LOAD_BUDGET_KIB),
            target: "reported",
            meets: None,
            detail: after_line,
        },
    ])
}

/// The app's wasm over a Yew hello world's, brotli: reported, with no target of its own.
fn against_hello(tc: &Toolchain, dist: &Path) -> Ratio {
    let name = "app wasm / Yew hello world wasm, brotli";
    let measured = crate::yew_hello::build(tc).and_then(|hello| {
        let app = crate::yew_hello::app_wasm(dist)?;
        let bytes =
            std::fs::read(&app).map_err(|e| format!("cannot read {}: {e}", app.display()))?;
        let app = crate::bundle_size::brotli_len(&bytes)?;
        Ok((
            app as f64 / hello.brotli as f64,
            crate::yew_hello::ratio_line(app, &hello),
        ))
    });
    match measured {
        Ok((ratio, line)) => Ratio {
            name,
            value: Some(ratio),
            target: "reported",
            meets: None,
            detail: line,
        },
        Err(why) => Ratio::not_measured(name, "reported", &why),
    }
}

fn render(ratios: &[Ratio], quick: bool) -> String {
    let mut text = format!(
        "cargo xtask bench{}: every ratio in one run\n",
        if quick { " --quick" } else { "" }
    );
    for ratio in ratios {
        // Three decimals for a ratio, so that one a hair under its target does not print as it.
        let value = ratio.value.map_or_else(
            || "-".to_owned(),
            |v| {
                if v < 10.0 {
                    format!("{v:.3}")
                } else {
                    format!("{v:.0}")
                }
            },
        );
        let verdict = match ratio.meets {
            Some(true) => "meets",
            Some(false) => "MISSES",
            None if ratio.value.is_some() => "reported",
            None => "not measured",
        };
        text.push_str(&format!(
            "{:<46} {value:>10}  target {:<24} {verdict}\n    {}\n",
            ratio.name, ratio.target, ratio.detail
        ));
    }
    text
}

/// The number right after `label` on the first line holding it.
fn number_after(text: &str, label: &str) -> Option<f64> {
    let line = text
        .lines()
        .find_map(|l| l.split_once(label).map(|(_, rest)| rest))?;
    line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|s| !s.is_empty())?
        .parse()
        .ok()
}

/// The number (digits and thousands commas) right before `label`.
fn number_before(text: &str, label: &str) -> Option<f64> {
    let before = &text[..text.find(label)?];
    let digits: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect::<String>()
        .chars()
        .rev()
        .filter(|c| *c != ',')
        .collect();
    digits.parse().ok()
}

/// The first line holding `label`, from the label on.
fn line_with(text: &str, label: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.find(label).map(|at| l[at..].trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(speed: u32, hash: &str) -> String {
        format!("random run with faults: {speed} steps/s (50000 steps)\ntrace hash: {hash}\n")
    }

    #[test]
    fn the_core_ratio_compares_each_sides_fastest_round() {
        let natives = [run(600_000, "ab"), run(700_000, "ab")];
        let wasm = [
            Ok(run(350_000, "ab")),
            Err("crashed".to_owned()),
            Ok(run(490_000, "ab")),
        ];
        let ratio = core_ratio("core", "Node", &natives, &wasm);
        assert_eq!(ratio.value, Some(0.7));
        assert_eq!(ratio.meets, Some(true));
        assert!(
            ratio.detail.contains("fastest of 2 and 2 rounds"),
            "{}",
            ratio.detail
        );
    }

    #[test]
    fn the_step_cost_ratio_takes_each_sizes_fastest_round() {
        let round = |short: f64, long: f64| {
            format!(
                "send+deliver step at 100 records: {short:.2} µs\nsend+deliver step at 100000 records: {long:.2} µs\nratio: {:.2}\n",
                long / short
            )
        };
        let natives = [round(7.8, 12.2), round(5.8, 7.9), round(6.0, 7.5)];
        let ratio = step_cost_ratio(&natives);
        assert_eq!(ratio.value, Some(7.5 / 5.8));
        assert_eq!(ratio.meets, Some(true));
        assert!(
            ratio.detail.contains("fastest of 3 rounds"),
            "{}",
            ratio.detail
        );
        assert_eq!(step_cost_ratio(&[String::new()]).value, None);
    }

    #[test]
    fn a_round_with_another_trace_fails_the_core_ratio() {
        let natives = [run(600_000, "ab")];
        let wasm = [Ok(run(590_000, "ab")), Ok(run(500_000, "cd"))];
        let ratio = core_ratio("core", "Node", &natives, &wasm);
        assert_eq!(ratio.meets, Some(false));
        assert!(ratio.detail.contains("DIFFER"), "{}", ratio.detail);
        let none = core_ratio("core", "Node", &natives, &[Err("no browser".to_owned())]);
        assert_eq!(none.value, None);
        assert!(none.detail.contains("no browser"), "{}", none.detail);
    }

    #[test]
    fn the_benchmark_optimises_the_wasm_as_the_app_ships_it() {
        let index = include_str!("../../../index.html");
        let rust_links: Vec<&str> = index
            .lines()
            .filter(|l| l.contains("data-trunk rel=\"rust\""))
            .collect();
        assert_eq!(rust_links.len(), 2, "the app and the explorer's worker");
        for link in rust_links {
            let level = format!("data-wasm-opt=\"{SHIPPED_WASM_OPT_LEVEL}\"");
            assert!(link.contains(&level), "{link}");
        }
    }

    #[test]
    fn numbers_are_read_from_the_benchmarks_lines() {
        let text = "random run with faults: 541412 steps/s (2000 steps)\nratio: 1.06\n";
        assert_eq!(
            number_after(text, "random run with faults: "),
            Some(541_412.0)
        );
        assert_eq!(number_after(text, "ratio: "), Some(1.06));
        let status = "Searched in a background worker: 60 of 60 runs, 12,000 steps, 26,846 steps/s; 3 broken.";
        assert_eq!(number_before(status, " steps/s"), Some(26_846.0));
        assert_eq!(
            line_with("x\n  trace hash: 00ff\n", "trace hash: ").as_deref(),
            Some("trace hash: 00ff")
        );
    }

    #[test]
    fn a_ratio_not_measured_says_why() {
        let text = render(
            &[core_ratio(
                "",
                "Node",
                &[String::new()],
                &[Err("Node is not installed".to_owned())],
            )],
            true,
        );
        assert!(text.contains("not measured"), "{text}");
        assert!(text.contains("Node is not installed"), "{text}");
    }
}
