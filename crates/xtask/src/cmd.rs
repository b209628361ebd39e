//! Child processes. Every command that changes something is echoed before it runs, with the
//! environment variables the xtask set for it, so a log shows exactly how to repeat a step by hand.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Res;

/// A [`Command`] that remembers how to describe itself.
pub(crate) struct Cmd {
    inner: Command,
    shown: String,
    shown_env: Vec<String>,
}

impl Cmd {
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Self {
        let program = program.as_ref();
        Self {
            inner: Command::new(program),
            shown: program.to_string_lossy().into_owned(),
            shown_env: Vec::new(),
        }
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(' ');
        self.shown.push_str(&arg.as_ref().to_string_lossy());
        self.inner.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    /// Sets a variable and shows it in the echoed command line.
    pub(crate) fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.shown_env
            .push(format!("{key}={}", value.as_ref().to_string_lossy()));
        self.inner.env(key, value);
        self
    }

    /// Sets a variable without echoing it (PATH: long, and shown once by the toolchain summary).
    pub(crate) fn env_quiet(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    pub(crate) fn env_remove(mut self, key: &str) -> Self {
        self.inner.env_remove(key);
        self
    }

    pub(crate) fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.inner.current_dir(dir);
        self
    }

    pub(crate) fn describe(&self) -> String {
        if self.shown_env.is_empty() {
            self.shown.clone()
        } else {
            format!("{} {}", self.shown_env.join(" "), self.shown)
        }
    }

    /// Runs with inherited stdio; a non-zero exit is an error naming the command.
    pub(crate) fn run(mut self) -> Res<()> {
        let line = self.describe();
        println!("$ {line}");
        let status = self
            .inner
            .status()
            .map_err(|e| format!("could not start `{line}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{line}` failed ({status})"))
        }
    }

    /// Like [`Cmd::run`], but kills the child when `limit` passes (used for downloads that may hang
    /// on a machine whose network does not reach the server).
    pub(crate) fn run_with_timeout(mut self, limit: Duration) -> Res<()> {
        let line = self.describe();
        println!("$ {line}   (time limit {} s)", limit.as_secs());
        let mut child = self
            .inner
            .spawn()
            .map_err(|e| format!("could not start `{line}`: {e}"))?;
        let deadline = Instant::now() + limit;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("`{line}` failed ({status})")),
                Ok(None) if Instant::now() >= deadline => {
                    // The child may have exited between the checks; either way it must not linger.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "`{line}` did not finish within {} s",
                        limit.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(200)),
                Err(e) => return Err(format!("waiting for `{line}`: {e}")),
            }
        }
    }

    /// Like [`Cmd::run`], but passes stdout through line by line and adds up the libtest summary
    /// lines (`test result: ok. N passed; M failed; ...`) it sees.
    pub(crate) fn run_counting_tests(mut self) -> Res<TestCounts> {
        let line = self.describe();
        println!("$ {line}");
        let mut child = self
            .inner
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start `{line}`: {e}"))?;
        let mut counts = TestCounts::default();
        if let Some(stdout) = child.stdout.take() {
            let mut out = std::io::stdout();
            for text in BufReader::new(stdout).lines() {
                let Ok(text) = text else { break };
                counts.add_summary_line(&text);
                // A closed stdout (e.g. `| head`) must not stop the child mid-run.
                let _ = writeln!(out, "{text}");
            }
        }
        let status = child
            .wait()
            .map_err(|e| format!("waiting for `{line}`: {e}"))?;
        if status.success() {
            Ok(counts)
        } else {
            Err(format!("`{line}` failed ({status})"))
        }
    }

    /// Runs quietly and returns stdout (trimmed) if the command exists and succeeds. Used for
    /// probes such as `--version`, where failure just means "not there".
    pub(crate) fn probe(mut self) -> Option<String> {
        let output = self
            .inner
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    pub(crate) fn into_inner(self) -> Command {
        self.inner
    }
}

/// `name` in the same directory as `path` (e.g. the rustc beside a cargo).
pub(crate) fn sibling(path: &Path, name: &str) -> PathBuf {
    path.with_file_name(name)
}

/// The first executable called `name` in `path` (a PATH-style list).
pub(crate) fn which_in(name: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Every executable called `name` in `path`, in PATH order.
pub(crate) fn which_all(name: &str, path: &OsStr) -> Vec<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .filter(|candidate| is_executable(candidate))
        .collect()
}

pub(crate) fn which(name: &str) -> Option<PathBuf> {
    which_in(name, &std::env::var_os("PATH").unwrap_or_default())
}

#[cfg(unix)]
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    // metadata() follows symlinks, so a dangling link (e.g. rust-lld without lld-22) is "missing".
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
pub(crate) fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// `dirs` followed by `rest`, as a PATH value.
pub(crate) fn join_path(dirs: &[PathBuf], rest: &OsStr) -> Res<OsString> {
    let mut all: Vec<PathBuf> = dirs.to_vec();
    // An empty entry would mean "the current directory": never wanted.
    all.extend(std::env::split_paths(rest).filter(|p| !p.as_os_str().is_empty()));
    std::env::join_paths(all).map_err(|e| format!("cannot build PATH: {e}"))
}

/// Test totals read from libtest's summary lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestCounts {
    pub(crate) passed: u64,
    pub(crate) failed: u64,
}

impl TestCounts {
    fn add_summary_line(&mut self, line: &str) {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        let number_before = |word: &str| {
            rest.split(';')
                .filter_map(|part| {
                    part.trim()
                        .trim_start_matches(|c: char| !c.is_ascii_digit())
                        .strip_suffix(word)
                })
                .find_map(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        self.passed += number_before("passed");
        self.failed += number_before("failed");
    }

    pub(crate) fn add(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_summaries_are_added_up_and_other_lines_ignored() {
        let mut counts = TestCounts::default();
        for line in [
            "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test a_test_named_3_passed ... ok",
            "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            "running 3 tests",
        ] {
            counts.add_summary_line(line);
        }
        assert_eq!(
            counts,
            TestCounts {
                passed: 13,
                failed: 2
            }
        );
    }
}
