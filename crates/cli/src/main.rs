//! `eos-lab`: runs EOS Lab's simulation core natively, on the same code the browser lab uses.
//!
//! `eos-lab run` prints the narrated trace of the built-in scenario and its trace hash.

use eos_core::{Trace, World, demo};
use std::process::ExitCode;

const USAGE: &str = "usage: eos-lab run\n\n  run    print the narrated trace of the built-in scenario";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["run"] => {
            print!("{}", run_demo());
            ExitCode::SUCCESS
        }
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The built-in scenario's narration followed by its seed and trace hash.
fn run_demo() -> String {
    let (cluster, seed) = demo::cluster();
    let mut world = World::new(&cluster, seed);
    let trace = Trace::record(&mut world, &demo::actions());
    format!(
        "seed={seed}\n{}trace hash: {:016x}\n",
        trace.narrate(),
        trace.hash()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_narrates_every_step_and_ends_with_the_hash() {
        let out = run_demo();
        assert!(out.starts_with("seed=7\n"));
        assert!(out.contains("step 5: read payments-0 from offset 1"));
        assert!(out.contains("gets offsets 1 to 2"));
        assert!(out.trim_end().lines().last().unwrap().starts_with("trace hash: "));
    }
}
