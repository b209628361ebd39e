//! `cargo xtask`: the two commands a newcomer runs.
//!
//! - `cargo xtask serve` builds the app with Trunk and serves it on 127.0.0.1.
//! - `cargo xtask test` runs every check: formatting, the stylesheets, clippy (host and wasm32), native tests, wasm
//!   tests in headless Chromium, a release build with the book, a check of the book's links, a
//!   bundle-size report and a browser smoke test; a short run of the fuzz targets too.
//! - `cargo xtask fuzz` fuzzes the file formats for longer (`fuzz`).
//!
//! Both first install what is missing (see [`toolchain`] and [`install`]), so the same two commands
//! work on a fresh Debian/Ubuntu or rustup machine and in CI.

mod bench;
mod book_check;
mod book_page;
mod bundle;
mod bundle_size;
mod bundle_why;
mod cmd;
mod csp;
mod css_check;
mod explorer_check;
mod first_load;
mod first_load_check;
mod first_screen;
mod fuzz;
mod http;
mod install;
mod named_views;
mod phases;
mod render_bench;
mod serve;
mod serve_static;
mod smoke;
mod toolchain;
mod tools;
mod wasm_path;
mod webdriver;
mod yew_hello;

use std::process::ExitCode;

/// Errors are messages for a person: every one says what failed and, where it can, what to do.
pub(crate) type Res<T> = Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N]          install what is missing, build with Trunk, serve on http://127.0.0.1:8080/
  test [--only PHASES]      install what is missing, then run every check (PHASES: comma-separated)
  test --list               list the test phases
  fuzz [--seconds N] [TARGET...]  fuzz the file formats (fuzz/) with libFuzzer, N seconds per target
                            (default 60); `cargo xtask fuzz --help` says more
  bench [--quick] [--skip-build]  every performance ratio in one run (core wasm/native, step cost,
                            explorer in its worker, time travel, memory, first-load bytes)
  bundle [--skip-build] [--top N]  what a first visit downloads: each file's size, the app's wasm
                            against a Yew hello world, and twiggy's breakdown of the wasm
  bench-render [--skip-build] [--records N,M]  time one step and render with 100 and 10 000 records in headless
                            Chromium (a benchmark for docs/performance.md, not a test)

environment:
  EOS_WASM_TOOLCHAIN=rustup|debian   force how wasm32 is built (default: detect)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        "serve" => serve::run(rest),
        "test" => phases::run(rest),
        "fuzz" => fuzz::command(rest),
        "bench" => bench::run(rest),
        "bundle" => bundle::run(rest),
        "bench-render" => render_bench::run(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nerror: {message}");
            ExitCode::FAILURE
        }
    }
}
