//! Choosing how wasm32 is built on this machine (see shared/toolchain.md, "Which Rust can build
//! wasm32"):
//! - **rustup**: the toolchain that runs the xtask has the prebuilt wasm32 std, or `rustup target
//!   add` can fetch it (with a time limit: its server may be unreachable).
//! - **debian**: Debian's `rustc-web`/`cargo-web` (1.96, in /usr/bin) with the std *source*
//!   (`rust-web-src`) and `lld-22`; std is built from source with `RUSTC_BOOTSTRAP=1
//!   CARGO_UNSTABLE_BUILD_STD=std,panic_abort` (set by [`crate::toolchain::Toolchain`] on wasm
//!   commands only: on host builds they would rebuild std).
//!
//! `EOS_WASM_TOOLCHAIN=rustup|debian` forces one. By default: a rustup toolchain that already has
//! the wasm32 std, else an already installed Debian toolchain, else `rustup target add`, else apt.

use std::path::{Path, PathBuf};

use crate::Res;
use crate::cmd::{Cmd, is_executable, sibling, which};
use crate::install::apt_install;
use crate::toolchain::RUSTUP_TIMEOUT;

pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Where Debian's wasm-capable Rust lives.
pub(crate) const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WasmPath {
    Rustup,
    Debian,
}

pub(crate) fn select(host_cargo: &Path, clippy: bool) -> Res<WasmPath> {
    let forced = std::env::var("EOS_WASM_TOOLCHAIN").unwrap_or_default();
    match forced.as_str() {
        "rustup" => {
            println!("EOS_WASM_TOOLCHAIN=rustup: using the rustup toolchain for wasm32");
            ensure_rustup_target(host_cargo)?;
            Ok(WasmPath::Rustup)
        }
        "debian" => {
            println!("EOS_WASM_TOOLCHAIN=debian: using Debian's rustc-web for wasm32");
            ensure_debian(clippy)?;
            Ok(WasmPath::Debian)
        }
        "" => {
            // Cheapest first, and nothing that needs the network while a local way exists: a
            // Debian-path machine must not wait for `rustup target add` to time out on every run.
            if has_wasm_std(&host_rustc(host_cargo)) {
                return ensure_rustup_target(host_cargo).map(|()| WasmPath::Rustup);
            }
            if missing_debian_parts(clippy).is_empty() {
                println!(
                    "note: the rustup toolchain has no {WASM_TARGET} std; Debian's rustc-web has"
                );
                return ensure_debian(clippy).map(|()| WasmPath::Debian);
            }
            match ensure_rustup_target(host_cargo) {
                Ok(()) => Ok(WasmPath::Rustup),
                Err(rustup_err) => {
                    println!("note: {rustup_err}\nfalling back to Debian's rustc-web for wasm32");
                    ensure_debian(clippy).map(|()| WasmPath::Debian).map_err(|debian_err| {
                        format!(
                            "no way to build wasm32 on this machine.\n  rustup: {rustup_err}\n  \
                             debian: {debian_err}\nInstall one by hand: `rustup target add \
                             {WASM_TARGET}`, or `sudo apt-get install -y {}`",
                            debian_packages(clippy).join(" ")
                        )
                    })
                }
            }
        }
        other => Err(format!(
            "EOS_WASM_TOOLCHAIN={other}: expected `rustup` or `debian` (or unset to detect)"
        )),
    }
}

/// The rustc that goes with the cargo running us: beside it (rustup toolchain dir), else PATH's.
fn host_rustc(host_cargo: &Path) -> PathBuf {
    let beside = sibling(host_cargo, "rustc");
    if is_executable(&beside) {
        beside
    } else {
        PathBuf::from("rustc")
    }
}

/// Whether `rustc`'s sysroot holds a compiled std for wasm32.
fn has_wasm_std(rustc: &Path) -> bool {
    let Some(sysroot) = Cmd::new(rustc).args(["--print", "sysroot"]).probe() else {
        return false;
    };
    let lib = Path::new(&sysroot).join(format!("lib/rustlib/{WASM_TARGET}/lib"));
    std::fs::read_dir(lib).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
}

fn ensure_rustup_target(host_cargo: &Path) -> Res<()> {
    let rustc = host_rustc(host_cargo);
    if has_wasm_std(&rustc) {
        println!("ok: {} has the {WASM_TARGET} std", rustc.display());
        return Ok(());
    }
    if which("rustup").is_none() {
        return Err(format!(
            "{} has no {WASM_TARGET} std and rustup is not installed",
            rustc.display()
        ));
    }
    println!(
        "install: rustup target {WASM_TARGET}: {} has no std for it",
        rustc.display()
    );
    Cmd::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .run_with_timeout(RUSTUP_TIMEOUT)?;
    if has_wasm_std(&rustc) {
        Ok(())
    } else {
        Err(format!(
            "`rustup target add {WASM_TARGET}` ran, but {} still has no std for it",
            rustc.display()
        ))
    }
}

fn debian_packages(clippy: bool) -> Vec<&'static str> {
    let mut all = vec!["rustc-web", "cargo-web", "rust-web-src", "lld-22"];
    if clippy {
        all.push("rust-web-clippy");
    }
    all
}

/// The Debian packages (of `debian_packages`) whose files are missing, each with why it is needed.
fn missing_debian_parts(clippy: bool) -> Vec<(&'static str, &'static str)> {
    let mut missing = Vec::new();
    if !is_executable(Path::new(DEBIAN_RUSTC)) || rustc_minor(DEBIAN_RUSTC).is_none_or(|m| m < 85) {
        missing.push((
            "rustc-web",
            "a rustc (1.85 or newer, for edition 2024) that can build std for wasm32",
        ));
    }
    if !is_executable(Path::new(DEBIAN_CARGO)) {
        missing.push(("cargo-web", "the cargo that goes with rustc-web"));
    }
    let std_src = Cmd::new(DEBIAN_RUSTC)
        .args(["--print", "sysroot"])
        .probe()
        .map(|s| Path::new(&s).join("lib/rustlib/src/rust/library/std/Cargo.toml"));
    if !std_src.is_some_and(|p| p.is_file()) {
        missing.push((
            "rust-web-src",
            "the std source that wasm32 builds compile (build-std)",
        ));
    }
    // /usr/bin/rust-lld is a link to lld-22; without that package the link dangles.
    if !is_executable(Path::new("/usr/bin/rust-lld")) {
        missing.push(("lld-22", "rust-lld, the wasm32 linker"));
    }
    if clippy && !is_executable(Path::new("/usr/bin/cargo-clippy")) {
        missing.push((
            "rust-web-clippy",
            "clippy for rustc-web, to lint the wasm32 build",
        ));
    }
    missing
}

/// The minor version of a `rustc 1.MINOR.x` (edition 2024 needs 1.85).
fn rustc_minor(rustc: &str) -> Option<u32> {
    let version = Cmd::new(rustc).arg("--version").probe()?;
    version
        .split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}

fn ensure_debian(clippy: bool) -> Res<()> {
    let missing = missing_debian_parts(clippy);
    if !missing.is_empty() {
        let packages: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
        let why: Vec<String> = missing
            .iter()
            .map(|(p, why)| format!("{p}: {why}"))
            .collect();
        apt_install(&packages, &why.join("; "))?;
        let still: Vec<&str> = missing_debian_parts(clippy)
            .iter()
            .map(|(p, _)| *p)
            .collect();
        if !still.is_empty() {
            let still = still.join(" ");
            return Err(format!(
                "after apt-get, still missing: {still}. Install by hand: sudo apt-get install -y {still}"
            ));
        }
    }
    let version = Cmd::new(DEBIAN_RUSTC)
        .arg("--version")
        .probe()
        .unwrap_or_default();
    println!("ok: Debian wasm32 toolchain ({version}, std source, rust-lld)");
    Ok(())
}
