//! Exercise files (`Exercise::parse`), and an exercise that reads checked through the core
//! (`Exercise::check`: its goal's names, its reference and wrong attempts replayed).
#![no_main]

use eos_course::Exercise;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(exercise) = Exercise::parse("fuzz.json", text) {
        let _ = exercise.check("fuzz.json", &eos_fuzz::lookup);
        let _ = exercise.content_hash();
    }
});
