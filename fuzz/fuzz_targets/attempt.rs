//! Attempt files as a class hands them in (`Attempt::parse`), graded by replay against a shipped
//! exercise (`eos_course::grade`), as `eos-lab grade` does with every file of a folder.
#![no_main]

use std::sync::OnceLock;

use eos_course::{Exercise, StartingPoint, grade};
use libfuzzer_sys::fuzz_target;

const EXERCISE: &str = include_str!("../../assets/exercises/charge-twice.json");

fn exercise() -> &'static (Exercise, StartingPoint) {
    static CHECKED: OnceLock<(Exercise, StartingPoint)> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let exercise = Exercise::parse("charge-twice.json", EXERCISE).expect("shipped exercise");
        let start = exercise
            .check("charge-twice.json", &eos_fuzz::lookup)
            .expect("shipped exercise checks");
        (exercise, start)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (exercise, start) = exercise();
    let _ = grade(exercise, start, text);
});
