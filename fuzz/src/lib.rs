//! What the fuzz targets share: the shipped scenarios as the course's stem lookup, the saved-lab
//! reader compiled from the web crate's own file, and share links packed the way the lab packs
//! them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The web crate's saved-lab format, compiled here from its file: it needs only the core, serde
/// and serde_json, while building eos-web would instrument Yew, web-sys and plotters too.
#[allow(dead_code, unreachable_pub)]
#[path = "../../crates/web/src/saved.rs"]
pub mod saved;

/// `assets/scenarios/`, read once, by stem. Stems a fuzzed file names are looked up here and
/// never joined to a path.
fn shipped_scenarios() -> &'static BTreeMap<String, String> {
    static SCENARIOS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    SCENARIOS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/scenarios");
        let entries = std::fs::read_dir(dir).expect("assets/scenarios is readable");
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path();
                let stem = path.file_stem()?.to_str()?.to_owned();
                (path.extension()? == "json")
                    .then(|| std::fs::read_to_string(&path).ok())
                    .flatten()
                    .map(|text| (stem, text))
            })
            .collect()
    })
}

/// The course's [`eos_course::ScenarioLookup`] over the shipped scenarios.
pub fn lookup(stem: &str) -> Option<String> {
    shipped_scenarios().get(stem).cloned()
}

/// A shipped scenario's text, for targets that need a fixed starting point.
pub fn shipped(stem: &str) -> &'static str {
    shipped_scenarios()
        .get(stem)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("assets/scenarios/{stem}.json is shipped"))
}

/// `payload` behind `tag` as a share link carries it: deflated, base64url without padding.
/// Fuzzed JSON packed so gets past the link's outer layers to the decoder's reading of it.
pub fn pack_link(tag: &str, payload: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let packed = miniz_oxide::deflate::compress_to_vec(payload, 1);
    let mut link = String::with_capacity(tag.len() + packed.len().div_ceil(3) * 4);
    link.push_str(tag);
    for chunk in packed.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            link.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    link
}
