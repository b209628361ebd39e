//! The course outline (`Outline::parse`, `assets/course.json`).
#![no_main]

use eos_course::Outline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Outline::parse("course.json", text);
    }
});
