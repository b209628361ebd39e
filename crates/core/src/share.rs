//! Share links: a whole scenario (its world and every step taken) in a URL fragment, deflated and
//! base64url-encoded, so a run can be sent as a link and opened in the lab or in the CLI.
//!
//! A link is untrusted input: decoding checks the version tag, the alphabet, the inflated size
//! (no zip bomb gets past [`MAX_BYTES`]) and then parses the scenario with its located errors.

use crate::scenario::{MAX_BYTES, Scenario, ScenarioError};
use std::fmt;

/// The tag every link of this format starts with; another tag is refused, not guessed at.
pub const LINK_VERSION: &str = "v1.";

/// Why a link cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareLinkError {
    /// The link does not start with [`LINK_VERSION`].
    UnknownVersion,
    /// A character outside base64url, at this position of the payload.
    NotBase64 { position: usize },
    /// The payload is not deflate data (the link is cut short or altered).
    NotDeflate,
    /// The scenario would be larger than [`MAX_BYTES`].
    TooLarge,
    /// The inflated text is not UTF-8.
    NotText,
    /// The scenario itself is invalid.
    Scenario(ScenarioError),
}

impl fmt::Display for ShareLinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareLinkError::UnknownVersion => write!(
                f,
                "this is not an EOS Lab link of a version this lab reads (it should start with `{LINK_VERSION}`)"
            ),
            ShareLinkError::NotBase64 { position } => write!(
                f,
                "the link is damaged: character {} of its data is not allowed in a link",
                position + 1
            ),
            ShareLinkError::NotDeflate => {
                f.write_str("the link is damaged or cut short: its data does not unpack")
            }
            ShareLinkError::TooLarge => write!(
                f,
                "the link unpacks to more than {} MiB, more than a scenario may be",
                MAX_BYTES / (1024 * 1024)
            ),
            ShareLinkError::NotText => f.write_str("the link's data is not text"),
            ShareLinkError::Scenario(e) => write!(f, "the link's scenario is invalid: {e}"),
        }
    }
}

impl std::error::Error for ShareLinkError {}

/// The link fragment for `scenario` (without the `#`).
pub fn encode(scenario: &Scenario) -> String {
    let json = serde_json::to_string(scenario).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
    format!("{LINK_VERSION}{}", base64url_encode(&packed))
}

/// The scenario in a link fragment (with or without the leading `#`).
pub fn decode(fragment: &str) -> Result<Scenario, ShareLinkError> {
    let payload = fragment
        .trim()
        .trim_start_matches('#')
        .strip_prefix(LINK_VERSION)
        .ok_or(ShareLinkError::UnknownVersion)?;
    let packed = base64url_decode(payload)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_BYTES).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareLinkError::TooLarge,
            _ => ShareLinkError::NotDeflate,
        },
    )?;
    let text = String::from_utf8(bytes).map_err(|_| ShareLinkError::NotText)?;
    Scenario::parse(&text).map_err(ShareLinkError::Scenario)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn base64url_decode(text: &str) -> Result<Vec<u8>, ShareLinkError> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (position, c) in text.bytes().enumerate() {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or(ShareLinkError::NotBase64 { position })?;
        acc = (acc << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)), Ok(bytes));
        }
    }

    #[test]
    fn damaged_links_are_errors_not_panics() {
        assert_eq!(decode("v2.abc"), Err(ShareLinkError::UnknownVersion));
        assert_eq!(
            decode("v1.ab$c"),
            Err(ShareLinkError::NotBase64 { position: 2 })
        );
        assert_eq!(decode("v1.AAAA"), Err(ShareLinkError::NotDeflate));
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; MAX_BYTES + 1], 9);
        assert_eq!(
            decode(&format!("v1.{}", base64url_encode(&bomb))),
            Err(ShareLinkError::TooLarge)
        );
        let not_a_scenario = miniz_oxide::deflate::compress_to_vec(b"{\"steps\": 3}", 9);
        assert!(matches!(
            decode(&format!("v1.{}", base64url_encode(&not_a_scenario))),
            Err(ShareLinkError::Scenario(_))
        ));
    }
}
