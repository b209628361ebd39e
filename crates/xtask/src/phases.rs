//! `cargo xtask test`: every check, in order, each timed, stopping at the first failure.
//!
//! Order: cheap checks first (a formatting slip should fail in seconds, not after a wasm build),
//! then the builds the later phases reuse (`build` produces the `dist/` that `size` and `smoke` read).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::Res;
use crate::book_check;
use crate::bundle_size;
use crate::cmd::TestCounts;
use crate::css_check;
use crate::first_load;
use crate::first_screen;
use crate::fuzz;
use crate::smoke;
use crate::toolchain::{Needs, Toolchain, write_atomic};
use crate::wasm_path::WASM_TARGET;
use crate::webdriver::CHROMIUM_ARGS;

/// The crates that compile to wasm32 (the xtask and the CLI are native-only).
const WASM_CRATES: [&str; 8] = [
    "-p",
    "eos-core",
    "-p",
    "eos-course",
    "-p",
    "eos-web",
    "-p",
    "eos-explore-worker",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Fmt,
    Css,
    Clippy,
    ClippyWasm,
    Test,
    Fuzz,
    TestWasm,
    Build,
    Book,
    Size,
    Smoke,
}

const ALL: [Phase; 11] = [
    Phase::Fmt,
    Phase::Css,
    Phase::Clippy,
    Phase::ClippyWasm,
    Phase::Test,
    Phase::Fuzz,
    Phase::TestWasm,
    Phase::Build,
    Phase::Book,
    Phase::Size,
    Phase::Smoke,
];

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::Fmt => "fmt",
            Self::Css => "css",
            Self::Clippy => "clippy",
            Self::ClippyWasm => "clippy-wasm",
            Self::Test => "test",
            Self::Fuzz => "fuzz",
            Self::TestWasm => "test-wasm",
            Self::Build => "build",
            Self::Book => "book",
            Self::Size => "size",
            Self::Smoke => "smoke",
        }
    }

    fn about(self) -> &'static str {
        match self {
            Self::Fmt => "cargo fmt --all --check, and fuzz/",
            Self::Css => {
                "web/*.css, docs/book/theme/*.css and the pages' <style> parsed by lightningcss: no error, warning or \
                 nested rule"
            }
            Self::Clippy => "clippy -D warnings, host, all targets",
            Self::ClippyWasm => {
                "clippy -D warnings, wasm32, eos-core, eos-course, eos-web and the explorer worker"
            }
            Self::Test => "native tests (cargo test --workspace)",
            Self::Fuzz => {
                "fuzz/: every file format's libFuzzer target built with coverage and run a few \
                 seconds from its seeds; no input may panic or hang"
            }
            Self::TestWasm => "wasm tests of eos-core and eos-web in headless Chromium",
            Self::Build => {
                "trunk build --release into dist/, the book (docs/book/) into dist/book/, the \
                 app's first screen drawn in headless Chromium into dist/index.html"
            }
            Self::Book => {
                "dist/book/: links and anchors resolve, every lab address names a scenario or \
                 concept the lab has, embedded labs have a title and load lazily, every concept \
                 has its section"
            }
            Self::Size => {
                "bundle size of dist/ (raw, gzip, brotli), what a first visit transfers before \
                 any act (at most 250 KiB brotli) and after the first act, to \
                 target/bundle-size.txt (the Yew hello-world ratio is `cargo xtask bundle`'s \
                 and `bench`'s)"
            }
            Self::Smoke => {
                "serve dist/; a first visit fetches no wasm and at most 250 KiB brotli, a first \
                 act starts the app on the same screen; send and deliver twice in headless \
                 Chromium, open the named views \
                 (idle, lost-ack duplicate, open transaction holding the LSO, fenced zombie), \
                 save their screenshots; open a book chapter and check its embedded lab starts, \
                 sizes itself and answers a click"
            }
        }
    }

    fn needs(self) -> Needs {
        let none = Needs::default();
        match self {
            Self::Fmt | Self::Clippy => Needs {
                host_lints: true,
                ..none
            },
            Self::ClippyWasm => Needs {
                wasm: true,
                wasm_clippy: true,
                ..none
            },
            Self::Css | Self::Test | Self::Fuzz | Self::Book => none,
            // It reads dist/ as the build phase left it.
            Self::Size => none,
            Self::TestWasm => Needs {
                wasm: true,
                wasm_bindgen: true,
                browser: true,
                ..none
            },
            Self::Build => Needs::release_build(),
            Self::Smoke => Needs {
                browser: true,
                ..none
            },
        }
    }

    /// Runs the phase; returns the tests it counted.
    fn run(self, tc: &Toolchain) -> Res<TestCounts> {
        let none = TestCounts::default();
        match self {
            Self::Fmt => {
                tc.host_cargo().args(["fmt", "--all", "--check"]).run()?;
                // fuzz/ is a workspace of its own, which `--all` does not reach.
                tc.host_cargo()
                    .args(["fmt", "--check", "--manifest-path", "fuzz/Cargo.toml"])
                    .run()
                    .map(|()| none)
            }
            Self::Css => css_check::run(&tc.root).map(|()| none),
            Self::Clippy => tc
                .host_cargo()
                .args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
                .run()
                .map(|()| none),
            Self::ClippyWasm => tc
                .wasm_cargo()?
                .arg("clippy")
                .args(WASM_CRATES)
                .args([
                    "--target",
                    WASM_TARGET,
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
                .run()
                .map(|()| none),
            Self::Test => tc
                .host_cargo()
                .args(["test", "--workspace"])
                .run_counting_tests(),
            Self::Fuzz => fuzz::phase(tc),
            Self::TestWasm => run_wasm_tests(tc),
            Self::Build => first_screen::release_build(tc).map(|()| none),
            Self::Book => book_check::run(&tc.root).map(|()| none),
            Self::Size => {
                let out = tc.target_dir.join("bundle-size.txt");
                let dist = tc.root.join("dist");
                let mut report = bundle_size::report(&dist, &out)?;
                let transfers = first_load::measure(&dist)?;
                report.push('\n');
                report.push_str(&transfers.lines());
                report.push('\n');
                write_atomic(&out, report.as_bytes())?;
                println!("{report}(written to {})", out.display());
                let before = transfers.before_act_kib();
                if before > first_load::BUDGET_KIB {
                    return Err(format!(
                        "a first visit transfers {before:.1} KiB brotli before any act, over \
                         the {} KiB budget",
                        first_load::BUDGET_KIB
                    ));
                }
                Ok(none)
            }
            Self::Smoke => smoke::run(tc).map(|()| TestCounts {
                passed: 1,
                failed: 0,
            }),
        }
    }
}

fn run_wasm_tests(tc: &Toolchain) -> Res<TestCounts> {
    let chromedriver = tc
        .chromedriver
        .as_ref()
        .ok_or("internal: wasm tests without chromedriver")?;
    // The runner reads browser capabilities from this file; generated so no crate has to carry
    // machine-specific flags. The runner adds its own headless flags after these.
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": tc.chromium,
            "args": CHROMIUM_ARGS,
        }
    });
    let dir = tc.xtask_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let webdriver_json = dir.join("webdriver.json");
    write_atomic(&webdriver_json, capabilities.to_string().as_bytes())?;

    let mut cmd = tc
        .wasm_cargo()?
        .arg("test")
        .args(WASM_CRATES)
        .args(["--target", WASM_TARGET])
        .env("CHROMEDRIVER", chromedriver)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json);
    // The runner prefers any other driver it is pointed at; only Chromium is set up here.
    for other in ["GECKODRIVER", "SAFARIDRIVER", "MSEDGEDRIVER"] {
        cmd = cmd.env_remove(other).env_remove(&format!("{other}_REMOTE"));
    }
    cmd = cmd.env_remove("CHROMEDRIVER_REMOTE");
    if std::env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
        // The default 20 s is tight for a first page load on a busy 2-core machine.
        cmd = cmd.env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    }
    cmd.run_counting_tests()
}

const USAGE: &str = "\
usage: cargo xtask test [--only PHASE[,PHASE...]] [--list]

Runs every phase in order (or only the named ones), stopping at the first failure.";

/// Parses the arguments; `None` means "nothing to run" (help or list was printed).
fn parse(args: &[String]) -> Res<Option<Vec<Phase>>> {
    let mut selected: Option<Vec<Phase>> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let only = if arg == "--only" {
            Some(
                iter.next()
                    .ok_or("--only needs a phase list, e.g. --only smoke")?
                    .as_str(),
            )
        } else {
            arg.strip_prefix("--only=")
        };
        if let Some(list) = only {
            let mut phases = selected.take().unwrap_or_default();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let phase = ALL
                    .iter()
                    .copied()
                    .find(|p| p.name() == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> = ALL.iter().map(|p| p.name()).collect();
                        format!("unknown phase `{name}`; phases: {}", names.join(", "))
                    })?;
                phases.push(phase);
            }
            selected = Some(phases);
        } else if arg == "--list" {
            for phase in ALL {
                println!("{:<12} {}", phase.name(), phase.about());
            }
            return Ok(None);
        } else if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            return Ok(None);
        } else {
            return Err(format!("unknown argument `{arg}`\n{USAGE}"));
        }
    }
    // Always in the canonical order, whatever order --only listed them in.
    Ok(Some(match selected {
        Some(chosen) => ALL.into_iter().filter(|p| chosen.contains(p)).collect(),
        None => ALL.to_vec(),
    }))
}

struct Timing {
    name: &'static str,
    took: Duration,
    ok: bool,
}

pub(crate) fn run(args: &[String]) -> Res<()> {
    let Some(phases) = parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut counts = TestCounts::default();

    let needs = phases
        .iter()
        .fold(Needs::default(), |n, p| n.union(p.needs()));
    banner("tools", "find or install what the phases need");
    let clock = Instant::now();
    let toolchain = Toolchain::prepare(needs);
    timings.push(Timing {
        name: "tools",
        took: clock.elapsed(),
        ok: toolchain.is_ok(),
    });
    let toolchain = match toolchain {
        Ok(toolchain) => toolchain,
        Err(e) => {
            counts.failed += 1;
            summary(&timings, started, counts);
            return Err(format!("phase `tools` failed: {e}"));
        }
    };

    for phase in phases {
        banner(phase.name(), phase.about());
        let clock = Instant::now();
        let result = phase.run(&toolchain);
        let took = clock.elapsed();
        timings.push(Timing {
            name: phase.name(),
            took,
            ok: result.is_ok(),
        });
        match result {
            Ok(found) => {
                counts.add(found);
                println!("<== {} ok in {:.1} s", phase.name(), took.as_secs_f64());
            }
            Err(e) => {
                counts.failed += 1;
                summary(&timings, started, counts);
                return Err(format!("phase `{}` failed: {e}", phase.name()));
            }
        }
    }
    summary(&timings, started, counts);
    Ok(())
}

fn banner(name: &str, about: &str) {
    println!("\n==> {name}: {about}");
}

fn summary(timings: &[Timing], started: Instant, counts: TestCounts) {
    println!("\n{:<12} {:>9}  result", "phase", "time");
    for t in timings {
        println!(
            "{:<12} {:>7.1} s  {}",
            t.name,
            t.took.as_secs_f64(),
            if t.ok { "ok" } else { "FAILED" }
        );
    }
    println!("{:<12} {:>7.1} s", "total", started.elapsed().as_secs_f64());
    // The CI harness reads this closing line: tests counted from libtest output, plus the smoke test.
    println!("xtask: {} passed, {} failed", counts.passed, counts.failed);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_runs_the_named_phases_in_pipeline_order() {
        let chosen = parse(&strings(&["--only", "smoke,build"]))
            .unwrap()
            .unwrap();
        assert_eq!(chosen, [Phase::Build, Phase::Smoke]);
        let chosen = parse(&strings(&["--only=fmt"])).unwrap().unwrap();
        assert_eq!(chosen, [Phase::Fmt]);
        assert_eq!(parse(&[]).unwrap().unwrap(), ALL);
    }

    #[test]
    fn unknown_phases_are_refused_with_the_list_of_names() {
        let err = parse(&strings(&["--only", "smok"])).unwrap_err();
        assert!(err.contains("smok") && err.contains("smoke"), "{err}");
    }

    #[test]
    fn the_smoke_test_alone_needs_a_browser_but_no_wasm_toolchain() {
        let needs = Phase::Smoke.needs();
        assert!(needs.browser && !needs.wasm && !needs.trunk);
        let build = Phase::Build.needs();
        assert!(build.wasm && build.wasm_bindgen && build.trunk && build.wasm_opt && build.mdbook);
        // The first screen is drawn by the app in a browser.
        assert!(build.browser);
    }
}
