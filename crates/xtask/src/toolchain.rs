//! What the commands need and the environment each command runs in.
//!
//! Tools are found (or installed, see [`crate::tools`] and [`crate::wasm_path`]) once per run and
//! linked into `target/xtask/bin`, which is put first on PATH. That is how Trunk and the wasm test
//! runner find exactly the versions checked there, and on the Debian path it lets `/usr/bin` come
//! before rustup's proxies without losing the tools that live beside those proxies in
//! `~/.cargo/bin`. Debian-path wasm builds also get their own target directory, so the two
//! compilers do not invalidate each other's artifacts.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Res;
use crate::cmd::{Cmd, join_path, sibling, which};
use crate::install::cargo_home;
use crate::tools;
use crate::wasm_path::{self, DEBIAN_CARGO, WasmPath};

pub(crate) const RUSTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// What a set of phases needs installed.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Needs {
    /// `cargo fmt` and `cargo clippy` for the host.
    pub(crate) host_lints: bool,
    /// A compiler for wasm32.
    pub(crate) wasm: bool,
    /// clippy for the wasm32 compiler (a separate Debian package on the Debian path).
    pub(crate) wasm_clippy: bool,
    /// wasm-bindgen CLI and test runner at the Cargo.lock version.
    pub(crate) wasm_bindgen: bool,
    pub(crate) trunk: bool,
    /// mdBook, which Trunk's hook runs to build the book into the app's `dist/book/`.
    pub(crate) mdbook: bool,
    pub(crate) wasm_opt: bool,
    /// twiggy, the wasm size profiler (`cargo xtask bundle`).
    pub(crate) twiggy: bool,
    /// Chromium and chromedriver.
    pub(crate) browser: bool,
}

impl Needs {
    /// What a Trunk build or serve needs: the wasm toolchain and wasm-bindgen, Trunk and
    /// wasm-opt, and mdBook, which Trunk's hook runs to build the book (`Trunk.toml`).
    pub(crate) fn trunk_build() -> Self {
        Self {
            wasm: true,
            wasm_bindgen: true,
            trunk: true,
            mdbook: true,
            wasm_opt: true,
            ..Self::default()
        }
    }

    /// The release build: a Trunk build, then the app's first screen drawn into the page in
    /// headless Chromium (`first_screen`).
    pub(crate) fn release_build() -> Self {
        Self {
            browser: true,
            ..Self::trunk_build()
        }
    }

    pub(crate) fn union(self, other: Self) -> Self {
        Self {
            host_lints: self.host_lints || other.host_lints,
            wasm: self.wasm || other.wasm,
            wasm_clippy: self.wasm_clippy || other.wasm_clippy,
            wasm_bindgen: self.wasm_bindgen || other.wasm_bindgen,
            trunk: self.trunk || other.trunk,
            mdbook: self.mdbook || other.mdbook,
            wasm_opt: self.wasm_opt || other.wasm_opt,
            twiggy: self.twiggy || other.twiggy,
            browser: self.browser || other.browser,
        }
    }
}

/// Everything a phase needs to run commands.
#[derive(Debug)]
pub(crate) struct Toolchain {
    pub(crate) root: PathBuf,
    pub(crate) target_dir: PathBuf,
    host_cargo: PathBuf,
    wasm: Option<WasmPath>,
    /// PATH for host and rustup-path commands: the tool links first.
    path: OsString,
    /// PATH for Debian-path wasm commands: tool links, then /usr/bin, then the rest.
    debian_path: OsString,
    pub(crate) chromium: Option<PathBuf>,
    pub(crate) chromedriver: Option<PathBuf>,
}

impl Toolchain {
    /// Finds or installs everything `needs` asks for. Prints one line per tool: what was found,
    /// or what is installed and why.
    pub(crate) fn prepare(needs: Needs) -> Res<Self> {
        let root = workspace_root()?;
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        let bin_dir = target_dir.join("xtask").join("bin");
        // Not cleared between runs: another `cargo xtask` in the same clone may be using these
        // links right now. Each link is replaced atomically instead (see `link_tool`).
        std::fs::create_dir_all(&bin_dir)
            .map_err(|e| format!("cannot create {}: {e}", bin_dir.display()))?;

        let host_cargo = std::env::var_os("CARGO")
            .map(PathBuf::from)
            .or_else(|| which("cargo"))
            .ok_or("cannot find cargo: run this through `cargo xtask ...`")?;

        if needs.host_lints {
            ensure_host_lints(&host_cargo)?;
        }
        let wasm = if needs.wasm {
            Some(wasm_path::select(&host_cargo, needs.wasm_clippy)?)
        } else {
            None
        };
        let lock_version = if needs.wasm_bindgen || needs.trunk {
            Some(tools::locked_wasm_bindgen(&root)?)
        } else {
            None
        };
        if let (true, Some(version)) = (needs.trunk, &lock_version) {
            // Before any install: a wrong pin is the repository's mistake, found in a second.
            tools::check_trunk_config(&root, version)?;
        }
        if let (true, Some(version)) = (needs.wasm_bindgen, &lock_version) {
            let cli = tools::ensure_wasm_bindgen(&host_cargo, version)?;
            link_tool(&bin_dir, "wasm-bindgen", &cli)?;
            link_tool(
                &bin_dir,
                "wasm-bindgen-test-runner",
                &sibling(&cli, "wasm-bindgen-test-runner"),
            )?;
        }
        if needs.trunk {
            let trunk = tools::ensure_trunk(&host_cargo)?;
            link_tool(&bin_dir, "trunk", &trunk)?;
        }
        if needs.mdbook {
            let mdbook = tools::ensure_mdbook(&host_cargo)?;
            link_tool(&bin_dir, "mdbook", &mdbook)?;
        }
        if needs.wasm_opt {
            let wasm_opt = tools::ensure_wasm_opt()?;
            link_tool(&bin_dir, "wasm-opt", &wasm_opt)?;
        }
        if needs.twiggy {
            let twiggy = tools::ensure_twiggy(&host_cargo)?;
            link_tool(&bin_dir, "twiggy", &twiggy)?;
        }
        let (chromium, chromedriver) = if needs.browser {
            let (chromium, chromedriver) = tools::ensure_browser()?;
            (Some(chromium), Some(chromedriver))
        } else {
            (None, None)
        };

        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let path = join_path(std::slice::from_ref(&bin_dir), &inherited)?;
        // Cargo searches $CARGO_HOME/bin *before* PATH for subcommands unless PATH lists it, and
        // there `cargo-clippy` is rustup's proxy: list it, after /usr/bin.
        let cargo_bin = cargo_home()?.join("bin");
        let mut debian_dirs = vec![bin_dir.clone(), PathBuf::from("/usr/bin")];
        debian_dirs.extend(std::env::split_paths(&inherited));
        if !debian_dirs.contains(&cargo_bin) {
            debian_dirs.push(cargo_bin);
        }
        let debian_path = join_path(&debian_dirs, OsStr::new(""))?;

        let toolchain = Self {
            root,
            target_dir,
            host_cargo,
            wasm,
            path,
            debian_path,
            chromium,
            chromedriver,
        };
        if let Some(wasm) = toolchain.wasm {
            let how = match wasm {
                WasmPath::Rustup => "rustup (prebuilt wasm32 std)".to_owned(),
                WasmPath::Debian => format!(
                    "debian ({DEBIAN_CARGO}, std built from source, target dir {})",
                    toolchain.debian_target_dir().display()
                ),
            };
            println!("wasm32 is built with: {how}");
        }
        println!("tools are linked from: {}", bin_dir.display());
        Ok(toolchain)
    }

    /// `cargo` for host commands.
    pub(crate) fn host_cargo(&self) -> Cmd {
        Cmd::new(&self.host_cargo)
            .env_quiet("PATH", &self.path)
            .current_dir(&self.root)
    }

    /// `cargo` for wasm32 commands, on whichever path was selected.
    pub(crate) fn wasm_cargo(&self) -> Res<Cmd> {
        let program = match self.wasm_path()? {
            WasmPath::Rustup => self.host_cargo.clone(),
            WasmPath::Debian => PathBuf::from(DEBIAN_CARGO),
        };
        self.wasm_tool(program)
    }

    /// Another program that drives cargo for wasm32 (trunk): same environment as [`Self::wasm_cargo`].
    pub(crate) fn wasm_tool(&self, program: impl AsRef<std::ffi::OsStr>) -> Res<Cmd> {
        let cmd = Cmd::new(program).current_dir(&self.root);
        Ok(match self.wasm_path()? {
            WasmPath::Rustup => cmd.env_quiet("PATH", &self.path),
            WasmPath::Debian => cmd
                .env_quiet("PATH", &self.debian_path)
                // Set by rustup's proxy for the xtask; would steer /usr/bin/cargo back to rustup.
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("RUSTUP_TOOLCHAIN_SOURCE")
                .env_remove("RUST_RECURSION_COUNT")
                .env_remove("RUSTC")
                .env_remove("RUSTDOC")
                .env_remove("CARGO")
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
                .env("CARGO_TARGET_DIR", self.debian_target_dir()),
        })
    }

    fn wasm_path(&self) -> Res<WasmPath> {
        self.wasm
            .ok_or_else(|| "internal: a wasm command ran without a wasm toolchain".to_owned())
    }

    fn debian_target_dir(&self) -> PathBuf {
        self.target_dir.join("wasm-debian")
    }

    /// Where cargo (and Trunk through it) writes wasm32 artifacts on the path selected.
    pub(crate) fn wasm_target_dir(&self) -> Res<PathBuf> {
        Ok(match self.wasm_path()? {
            WasmPath::Rustup => self.target_dir.clone(),
            WasmPath::Debian => self.debian_target_dir(),
        })
    }

    /// The directory for xtask outputs (screenshots go to `target/screenshots`, logs here).
    pub(crate) fn xtask_dir(&self) -> PathBuf {
        self.target_dir.join("xtask")
    }
}

/// The workspace root: two levels above this crate's manifest.
fn workspace_root() -> Res<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .filter(|root| root.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "cannot find the workspace root above {}",
                manifest.display()
            )
        })
}

fn ensure_host_lints(host_cargo: &Path) -> Res<()> {
    for (sub, component) in [("fmt", "rustfmt"), ("clippy", "clippy")] {
        if Cmd::new(host_cargo)
            .args([sub, "--version"])
            .probe()
            .is_some()
        {
            continue;
        }
        println!("install: rustup component {component}: `cargo {sub}` is missing");
        let manual = format!(
            "`cargo {sub}` is missing; install it by hand: rustup component add {component}"
        );
        if which("rustup").is_none() {
            return Err(manual);
        }
        Cmd::new("rustup")
            .args(["component", "add", component])
            .run_with_timeout(RUSTUP_TIMEOUT)
            .map_err(|e| format!("{e}\n{manual}"))?;
    }
    Ok(())
}

/// Links `target` into `bin_dir` under `name` (a copy where symlinks do not exist), replacing any
/// earlier link in one rename so a concurrent run never finds the name missing.
fn link_tool(bin_dir: &Path, name: &str, target: &Path) -> Res<()> {
    let link = bin_dir.join(name);
    let staging = bin_dir.join(format!(".{name}.{}", std::process::id()));
    let _ = std::fs::remove_file(&staging);
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(target, &staging);
    #[cfg(not(unix))]
    let made = std::fs::copy(target, &staging).map(|_| ());
    made.and_then(|()| std::fs::rename(&staging, &link))
        .map_err(|e| {
            format!(
                "cannot link {} to {}: {e}",
                link.display(),
                target.display()
            )
        })
}

/// Writes a file through a rename, so a concurrent reader sees the old or the new content whole.
pub(crate) fn write_atomic(path: &Path, content: &[u8]) -> Res<()> {
    let staging = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&staging, content)
        .and_then(|()| std::fs::rename(&staging, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
