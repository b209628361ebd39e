//! Course progress as browser storage holds it (`Progress::from_json`). Progress that reads is
//! written and read back the same.
#![no_main]

use eos_course::Progress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(progress) = Progress::from_json(text) {
        assert_eq!(
            Progress::from_json(&progress.to_json()).as_ref(),
            Ok(&progress)
        );
    }
});
