//! Installing tools, each behind a check of the *version* that is already there.
//!
//! Three installers, each atomic enough that an interrupted run never leaves something the next run
//! mistakes for a finished install:
//! - apt (dpkg is transactional per package; we re-check files afterwards),
//! - `cargo install` (builds in a temporary directory, copies the binaries only on success),
//! - npm into a temporary directory that is renamed into the cache only after its tool answered.
//!
//! Cargo tools go to `$CARGO_HOME/bin` and npm tools to a per-user cache, never into the clone, so
//! every clone on the machine (CI makes a fresh one per run) reuses them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Res;
use crate::cmd::{Cmd, is_executable, which, which_all};

/// `$CARGO_HOME`, defaulting like cargo does.
pub(crate) fn cargo_home() -> Res<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    Ok(home_dir()?.join(".cargo"))
}

pub(crate) fn home_dir() -> Res<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| "HOME is not set: cannot find the per-user tool directories".to_owned())
}

/// The per-user cache for tools that do not come from cargo (`$XDG_CACHE_HOME/eos-lab`).
pub(crate) fn cache_dir() -> Res<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home_dir()?.join(".cache"),
    };
    Ok(base.join("eos-lab"))
}

/// Finds `name` in `$CARGO_HOME/bin` or on PATH whose `--version` output passes `accept`.
/// Returns the path and that output.
pub(crate) fn find_tool(name: &str, accept: impl Fn(&str) -> bool) -> Option<(PathBuf, String)> {
    let mut candidates = Vec::new();
    if let Ok(home) = cargo_home() {
        candidates.push(home.join("bin").join(name));
    }
    candidates.extend(which_all(
        name,
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    candidates
        .into_iter()
        .filter(|c| is_executable(c))
        .find_map(|c| {
            let version = Cmd::new(&c).arg("--version").probe()?;
            accept(&version).then_some((c, version))
        })
}

/// What `name --version` says for the first `name` found, for "found X, need Y" messages.
pub(crate) fn found_version(name: &str) -> String {
    let first = cargo_home()
        .ok()
        .map(|h| h.join("bin").join(name))
        .filter(|p| is_executable(p))
        .or_else(|| which(name));
    match first {
        None => "none installed".to_owned(),
        Some(path) => match Cmd::new(&path).arg("--version").probe() {
            Some(v) => format!("found `{v}` at {}", path.display()),
            None => format!("found {} but `--version` failed", path.display()),
        },
    }
}

/// `cargo install CRATE --version V --locked` (plus `extra` arguments, such as a choice of
/// features), retried without `--locked` because the crates mirror sometimes lacks a pinned
/// dependency's newest patch release.
pub(crate) fn cargo_install(
    host_cargo: &Path,
    krate: &str,
    version: &str,
    extra: &[&str],
    why: &str,
) -> Res<()> {
    println!("install: {krate} {version} with cargo into $CARGO_HOME/bin: {why}");
    let extra_words: String = extra.iter().map(|a| format!(" {a}")).collect();
    let manual = format!("cargo install {krate} --version {version} --locked{extra_words}");
    // Run outside the workspace so its .cargo/config.toml cannot affect the install.
    let install = |locked: bool| {
        let cmd = Cmd::new(host_cargo)
            .current_dir(std::env::temp_dir())
            .args(["install", krate, "--version", version])
            .args(extra.iter().copied());
        if locked { cmd.arg("--locked") } else { cmd }.run()
    };
    if let Err(first) = install(true) {
        println!("note: {first}; retrying without --locked");
        install(false).map_err(|second| {
            format!(
                "{second}\ncould not install {krate} {version} (no network to crates.io?). \
                 Install it by hand: `{manual}`"
            )
        })?;
    }
    Ok(())
}

static APT_UPDATED: AtomicBool = AtomicBool::new(false);

/// Installs Debian packages with apt-get, as root or through passwordless sudo.
pub(crate) fn apt_install(packages: &[&str], why: &str) -> Res<()> {
    let list = packages.join(" ");
    println!("install: apt packages {list}: {why}");
    let manual = format!(
        "could not install {list} automatically. Install by hand:\n    \
         sudo apt-get update && sudo apt-get install -y {list}"
    );
    if which("apt-get").is_none() {
        return Err(format!("apt-get not found on this machine; {manual}"));
    }
    let sudo: &[&str] = if is_root() {
        &[]
    } else if which("sudo").is_some() && Cmd::new("sudo").args(["-n", "true"]).probe().is_some() {
        &["sudo", "-n"]
    } else {
        return Err(format!("not root and no passwordless sudo; {manual}"));
    };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        Cmd::new(all[0])
            .args(&all[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
    };
    if !APT_UPDATED.load(Ordering::Relaxed) {
        apt(&["update"])
            .run()
            .map_err(|e| format!("{e} (no network to the Debian mirror?); {manual}"))?;
        APT_UPDATED.store(true, Ordering::Relaxed);
    }
    let mut args = vec!["install", "-y"];
    args.extend_from_slice(packages);
    apt(&args).run().map_err(|e| format!("{e}; {manual}"))
}

fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .probe()
        .is_some_and(|uid| uid == "0")
}

/// Installs `package@version` from npm into `dest`, atomically: npm fills a sibling temporary
/// directory, `verify` runs against it, and only then is it renamed to `dest`.
pub(crate) fn npm_install(
    package: &str,
    version: &str,
    dest: &Path,
    why: &str,
    verify: impl Fn(&Path) -> Res<()>,
) -> Res<()> {
    println!(
        "install: npm {package}@{version} into {}: {why}",
        dest.display()
    );
    let manual = format!(
        "npm install --prefix {} {package}@{version}",
        dest.display()
    );
    if which("npm").is_none() {
        apt_install(&["npm"], &format!("npm installs the {package} package"))
            .map_err(|e| format!("{e}\nthen: {manual}"))?;
    }
    let parent = dest
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", dest.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let staging = parent.join(format!(".staging-{}-{nonce}", std::process::id()));
    let result = (|| {
        Cmd::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(&staging)
            .arg(format!("{package}@{version}"))
            .run()
            .map_err(|e| {
                format!("{e} (no network to the npm registry?); install by hand: {manual}")
            })?;
        verify(&staging)?;
        if dest.exists() {
            std::fs::remove_dir_all(dest)
                .map_err(|e| format!("cannot replace {}: {e}", dest.display()))?;
        }
        std::fs::rename(&staging, dest).map_err(|e| {
            format!(
                "cannot move {} to {}: {e}",
                staging.display(),
                dest.display()
            )
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
