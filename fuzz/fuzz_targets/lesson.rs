//! Lesson files (`Lesson::parse`), and a lesson that reads walked through the core from its
//! start (`Lesson::check`): every beat's actions, goals, targets and checkpoints.
#![no_main]

use eos_course::Lesson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(lesson) = Lesson::parse("fuzz.json", text) {
        let _ = lesson.check("fuzz.json", &eos_fuzz::lookup);
        for beat in &lesson.beats {
            let _ = beat.narration_blocks();
        }
    }
});
