//! `cargo xtask bundle`: what a first visit downloads and why it is that big. The release build,
//! the size of each file in `dist/` (raw, gzip, brotli), the app's wasm against a Yew hello world
//! built the same way ([`crate::yew_hello`]), and twiggy's breakdown of the app's wasm by item
//! and by part ([`crate::bundle_why`]).

use crate::Res;
use crate::bundle_size;
use crate::bundle_why;
use crate::toolchain::{Needs, Toolchain, write_atomic};
use crate::wasm_path::WASM_TARGET;
use crate::yew_hello;

const USAGE: &str = "usage: cargo xtask bundle [--skip-build] [--top N]";
const DEFAULT_TOP: usize = 30;

pub(crate) fn run(args: &[String]) -> Res<()> {
    let (mut skip_build, mut top) = (false, DEFAULT_TOP);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--skip-build" => skip_build = true,
            "--top" => {
                top = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| USAGE.to_owned())?;
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let tc = Toolchain::prepare(Needs {
        twiggy: true,
        ..Needs::release_build()
    })?;
    if !skip_build {
        println!("\n==> release build");
        crate::first_screen::release_build(&tc)?;
    }
    let dist = tc.root.join("dist");
    let mut report = bundle_size::report(&dist, &tc.target_dir.join("bundle-size.txt"))?;
    report.push('\n');
    report.push_str(&crate::first_load::measure(&dist)?.lines());

    println!("\n==> a Yew hello world, built like the app");
    report.push('\n');
    report.push_str(&hello_ratio(&tc)?);
    report.push('\n');

    let named = tc
        .wasm_target_dir()?
        .join(WASM_TARGET)
        .join("release")
        .join("eos-web.wasm");
    let twiggy = tc.xtask_dir().join("bin").join("twiggy");
    report.push('\n');
    report.push_str(&bundle_why::report(&twiggy, &named, top)?);

    let out = tc.target_dir.join("bundle-report.txt");
    write_atomic(&out, report.as_bytes())?;
    println!("\n{report}\n(written to {})", out.display());
    Ok(())
}

/// Builds the hello world and says how many of it the app's wasm is (brotli).
fn hello_ratio(tc: &Toolchain) -> Res<String> {
    let hello = yew_hello::build(tc)?;
    let app = yew_hello::app_wasm(&tc.root.join("dist"))?;
    let bytes = std::fs::read(&app).map_err(|e| format!("cannot read {}: {e}", app.display()))?;
    Ok(yew_hello::ratio_line(
        bundle_size::brotli_len(&bytes)?,
        &hello,
    ))
}
