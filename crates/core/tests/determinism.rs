//! The same scenario gives the same trace every time, natively and in wasm.
//!
//! The narrated trace of the built-in scenario is kept in `tests/golden/demo.trace` at the
//! repository root. Both the native run and the wasm run (wasm-bindgen-test in headless Chromium)
//! compare against that one file, so a match on both means both platforms produce the same trace
//! and hash. After an intended change of narration, regenerate the file natively with
//! `UPDATE_GOLDEN=1 cargo test -p eos-core --test determinism` and review the diff.

use eos_core::{Trace, World, run::demo};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const GOLDEN: &str = include_str!("../../../tests/golden/demo.trace");

fn demo_trace() -> Trace {
    let (config, seed) = demo::world();
    let mut world = World::new(&config, seed).expect("the demo world is valid");
    Trace::record(&mut world, &demo::actions())
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn running_the_demo_twice_gives_the_same_trace_hash() {
    assert_eq!(demo_trace().hash(), demo_trace().hash());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn demo_trace_matches_the_golden_file_on_this_platform() {
    let narrated = demo_trace().narrate();
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/demo.trace");
        std::fs::write(path, &narrated).expect("write golden trace");
        return;
    }
    assert_eq!(
        narrated, GOLDEN,
        "the demo trace differs from tests/golden/demo.trace"
    );
}
