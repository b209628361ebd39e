//! The narration markup (`eos_course::markup::parse`): paragraphs, code, emphasis and strong,
//! hand-parsed from a lesson's text.
#![no_main]

use eos_course::markup;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let blocks = markup::parse(text);
        let _ = markup::plain_text(&blocks);
    }
});
