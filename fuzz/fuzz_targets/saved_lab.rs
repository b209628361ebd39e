//! The saved-lab format (`crates/web/src/saved.rs`, `SavedLab::parse`): what autosave reads
//! back from browser storage and "Import lab…" from a file. A lab that reads is written and read
//! back the same.
#![no_main]

use eos_fuzz::saved::SavedLab;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(lab) = SavedLab::parse(text) {
        assert_eq!(SavedLab::parse(&lab.to_json()).as_ref(), Ok(&lab));
    }
});
