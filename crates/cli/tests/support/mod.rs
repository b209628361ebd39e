//! What every test of the `eos-lab` binary needs: running it from the repository's root, and
//! reading what it printed.

#![allow(dead_code)] // each test binary uses its own part of it

use std::path::PathBuf;
use std::process::{Command, Output};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `eos-lab ARGS...`, run from the repository's root.
pub(crate) fn eos_lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eos-lab"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("eos-lab runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
