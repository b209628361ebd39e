//! Scenario files (`Scenario::parse`, `ScenarioHeading::read`), and a scenario that reads run
//! through the core: an untrusted file reaches `World::new` and `World::step` too.
#![no_main]

use eos_core::run::scenario::{Scenario, ScenarioHeading};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ScenarioHeading::read(text);
    if let Ok(scenario) = Scenario::parse(text) {
        let _ = scenario.run();
    }
});
