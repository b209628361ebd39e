//! Share links: a lab in a URL fragment, deflated and base64url-encoded behind a version tag, so
//! a run can be sent as a link and opened in the lab or in the CLI.
//!
//! - `v2.` (written now): where the lab started (the scenario with its whole script, name,
//!   description, concepts and whatever else a scenario holds), the steps taken, and the step
//!   the link opens on. The script steps not yet taken travel too, so "next scripted step" goes
//!   on after opening the link.
//!   An optional `exercise` carries the text of an exercise file the lab was doing; the core
//!   keeps it as it is (the course crate reads it), and links without one read as before.
//! - `v1.` (read only): a scenario whose steps are the steps taken; it opens after the last.
//!
//! A link is untrusted input: decoding checks the version tag, the length, the alphabet, the
//! inflated size (no zip bomb gets past [`MAX_BYTES`]), then the scenario with its located
//! errors and the steps against the script. Every mistake is a [`ShareLinkError`], never a panic.

use crate::action::Action;
use crate::run::scenario::{MAX_BYTES, MAX_STEPS, Scenario, ScenarioError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The tag of the links this build writes.
pub const LINK_VERSION: &str = "v2.";
/// The tag of the first links: a scenario and nothing else. Still read.
pub const LINK_VERSION_1: &str = "v1.";

/// Whether a fragment is meant as a share link (it starts with a tag this build reads), so a
/// page can tell a link from an anchor before trying to open it.
pub fn is_link(fragment: &str) -> bool {
    let fragment = fragment.trim_start_matches('#');
    fragment.starts_with(LINK_VERSION) || fragment.starts_with(LINK_VERSION_1)
}

/// A lab as a `v2` link carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedLab {
    /// The starting world and the whole script (its `steps`), taken or not.
    pub origin: Scenario,
    /// Every step taken, in order, including those after the cursor.
    pub history: Vec<SharedStep>,
    /// How many steps of the history the lab shows when the link opens.
    pub cursor: usize,
    /// The exercise file the lab was doing, as its JSON text: untrusted, read by the course
    /// crate when the link opens.
    pub exercise: Option<String>,
}

/// One step taken: an action, and which step of the script it was, if it came from there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedStep {
    pub action: Action,
    /// The index (0-based) of the scripted step this was.
    pub scripted: Option<usize>,
}

impl SharedLab {
    /// A scenario's lab before any step: its whole script ahead.
    pub fn at_start(origin: Scenario) -> Self {
        Self {
            origin,
            history: Vec::new(),
            cursor: 0,
            exercise: None,
        }
    }

    /// A scenario's lab after its first `steps` scripted steps (fewer if the script is shorter).
    pub fn after_script_steps(origin: Scenario, steps: usize) -> Self {
        let history: Vec<SharedStep> = origin
            .steps
            .iter()
            .take(steps)
            .enumerate()
            .map(|(index, action)| SharedStep {
                action: action.clone(),
                scripted: Some(index),
            })
            .collect();
        Self {
            cursor: history.len(),
            origin,
            history,
            exercise: None,
        }
    }

    /// The run up to the cursor as a scenario of its own: the starting world, then the steps
    /// taken so far (what the CLI runs).
    pub fn run_so_far(&self) -> Scenario {
        Scenario {
            steps: self.history[..self.cursor.min(self.history.len())]
                .iter()
                .map(|step| step.action.clone())
                .collect(),
            ..self.origin.clone()
        }
    }

    /// The scripted steps not yet taken at the cursor: those after the last scripted step
    /// taken before it.
    pub fn script_ahead(&self) -> &[Action] {
        let next = self.history[..self.cursor.min(self.history.len())]
            .iter()
            .rev()
            .find_map(|step| step.scripted)
            .map_or(0, |index| index + 1);
        self.origin.steps.get(next..).unwrap_or_default()
    }
}

/// What a link holds, by its version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedLink {
    /// A `v1` link: a scenario that opens after its last step.
    Scenario(Scenario),
    /// A `v2` link.
    Lab(SharedLab),
}

impl SharedLink {
    /// The lab the link opens: a `v1` link's steps are its script, all of them taken.
    pub fn into_lab(self) -> SharedLab {
        match self {
            SharedLink::Scenario(scenario) => {
                let steps = scenario.steps.len();
                SharedLab::after_script_steps(scenario, steps)
            }
            SharedLink::Lab(lab) => lab,
        }
    }
}

/// Why a link cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareLinkError {
    /// The link starts with neither [`LINK_VERSION`] nor [`LINK_VERSION_1`].
    UnknownVersion,
    /// A character outside base64url, at this position of the payload.
    NotBase64 { position: usize },
    /// The payload is not deflate data (the link is cut short or altered).
    NotDeflate,
    /// The link, or what it unpacks to, is larger than [`MAX_BYTES`].
    TooLarge,
    /// The inflated text is not UTF-8.
    NotText,
    /// The scenario itself is invalid.
    Scenario(ScenarioError),
    /// A `v2` link's data has the wrong shape (a field missing, unknown or of the wrong type).
    Invalid { message: String },
    /// More steps taken than a scenario may have.
    TooManySteps { count: usize },
    /// Step `step` (1-based) taken is neither a script index nor a valid action.
    InvalidStep { step: usize, message: String },
    /// Step `step` (1-based) says it is scripted step `scripted` (0-based), which the script
    /// does not hold.
    NotInScript { step: usize, scripted: usize },
    /// The cursor points past the steps taken.
    CursorPastEnd { cursor: usize, steps: usize },
}

impl fmt::Display for ShareLinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareLinkError::UnknownVersion => write!(
                f,
                "this is not an EOS Lab link of a version this lab reads (it should start with \
                 `{LINK_VERSION}` or `{LINK_VERSION_1}`)"
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
                "the link is or unpacks to more than {} MiB, more than a scenario may be",
                MAX_BYTES / (1024 * 1024)
            ),
            ShareLinkError::NotText => f.write_str("the link's data is not text"),
            ShareLinkError::Scenario(e) => write!(f, "the link's scenario is invalid: {e}"),
            ShareLinkError::Invalid { message } => {
                write!(f, "the link's data is not a lab: {message}")
            }
            ShareLinkError::TooManySteps { count } => write!(
                f,
                "the link holds {count} steps taken; the most accepted is {MAX_STEPS}"
            ),
            ShareLinkError::InvalidStep { step, message } => {
                write!(f, "step {step} of the link is not a valid step: {message}")
            }
            ShareLinkError::NotInScript { step, scripted } => write!(
                f,
                "step {step} of the link says it is scripted step {}, which its script does not hold",
                scripted + 1
            ),
            ShareLinkError::CursorPastEnd { cursor, steps } => write!(
                f,
                "the link opens at step {cursor}, but only {steps} steps were taken"
            ),
        }
    }
}

impl std::error::Error for ShareLinkError {}

/// A `v2` link's data as JSON. A step taken from the script is written as its index in the
/// script (a number), any other step as its action: the link stays short, and a scripted step
/// cannot disagree with the script.
#[derive(Serialize)]
struct WireOut<'a> {
    origin: &'a Scenario,
    taken: Vec<serde_json::Value>,
    cursor: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    exercise: Option<&'a str>,
}

/// The same data read back; the origin is kept as JSON until the scenario parser reads it, so
/// its errors are the scenario parser's and every field a scenario has travels as it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn {
    origin: serde_json::Value,
    taken: Vec<serde_json::Value>,
    cursor: usize,
    #[serde(default)]
    exercise: Option<String>,
}

/// The `v2` link fragment for `lab` (without the `#`).
pub fn encode(lab: &SharedLab) -> String {
    let taken = lab
        .history
        .iter()
        .map(|step| match step.scripted {
            Some(index) if lab.origin.steps.get(index) == Some(&step.action) => {
                serde_json::Value::from(index)
            }
            _ => serde_json::to_value(&step.action).unwrap_or_default(),
        })
        .collect();
    let wire = WireOut {
        origin: &lab.origin,
        taken,
        cursor: lab.cursor,
        exercise: lab.exercise.as_deref(),
    };
    pack(
        LINK_VERSION,
        &serde_json::to_string(&wire).unwrap_or_default(),
    )
}

/// The `v1` link fragment for `scenario`: what links were before `v2`. Kept so that tests can
/// make old links; the lab writes only `v2`.
pub fn encode_v1(scenario: &Scenario) -> String {
    pack(
        LINK_VERSION_1,
        &serde_json::to_string(scenario).unwrap_or_default(),
    )
}

fn pack(tag: &str, json: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
    format!("{tag}{}", base64url_encode(&packed))
}

/// What a link fragment (with or without the leading `#`) holds.
pub fn decode(fragment: &str) -> Result<SharedLink, ShareLinkError> {
    let fragment = fragment.trim().trim_start_matches('#');
    if let Some(payload) = fragment.strip_prefix(LINK_VERSION) {
        let text = unpack(payload)?;
        decode_lab(&text).map(SharedLink::Lab)
    } else if let Some(payload) = fragment.strip_prefix(LINK_VERSION_1) {
        let text = unpack(payload)?;
        Scenario::parse(&text)
            .map(SharedLink::Scenario)
            .map_err(ShareLinkError::Scenario)
    } else {
        Err(ShareLinkError::UnknownVersion)
    }
}

fn unpack(payload: &str) -> Result<String, ShareLinkError> {
    // Refused before any work: a scenario's JSON deflates to a fraction of its size, so no link
    // of a scenario within MAX_BYTES comes near this length.
    if payload.len() > MAX_BYTES {
        return Err(ShareLinkError::TooLarge);
    }
    let packed = base64url_decode(payload)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_BYTES).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareLinkError::TooLarge,
            _ => ShareLinkError::NotDeflate,
        },
    )?;
    String::from_utf8(bytes).map_err(|_| ShareLinkError::NotText)
}

fn decode_lab(text: &str) -> Result<SharedLab, ShareLinkError> {
    let wire: WireIn = serde_json::from_str(text).map_err(|e| ShareLinkError::Invalid {
        message: e.to_string(),
    })?;
    let origin = Scenario::parse(&wire.origin.to_string()).map_err(ShareLinkError::Scenario)?;
    if wire.taken.len() > MAX_STEPS {
        return Err(ShareLinkError::TooManySteps {
            count: wire.taken.len(),
        });
    }
    let history = wire
        .taken
        .into_iter()
        .enumerate()
        .map(|(index, value)| step_taken(&origin, index, value))
        .collect::<Result<Vec<_>, _>>()?;
    if wire.cursor > history.len() {
        return Err(ShareLinkError::CursorPastEnd {
            cursor: wire.cursor,
            steps: history.len(),
        });
    }
    Ok(SharedLab {
        origin,
        history,
        cursor: wire.cursor,
        exercise: wire.exercise,
    })
}

fn step_taken(
    origin: &Scenario,
    index: usize,
    value: serde_json::Value,
) -> Result<SharedStep, ShareLinkError> {
    let step = index + 1;
    if let serde_json::Value::Number(number) = &value {
        let scripted = number
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| ShareLinkError::InvalidStep {
                step,
                message: format!("{number} is not a step of the script"),
            })?;
        let action = origin
            .steps
            .get(scripted)
            .ok_or(ShareLinkError::NotInScript { step, scripted })?;
        return Ok(SharedStep {
            action: action.clone(),
            scripted: Some(scripted),
        });
    }
    serde_json::from_value::<Action>(value)
        .map(|action| SharedStep {
            action,
            scripted: None,
        })
        .map_err(|e| ShareLinkError::InvalidStep {
            step,
            message: e.to_string(),
        })
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
    use crate::ids::ClientId;

    fn send(value: &str) -> Action {
        Action::Send {
            producer: ClientId::new("p1"),
            topic: "payments".to_owned(),
            partition: Some(0),
            key: None,
            value: value.to_owned(),
        }
    }

    fn three_step_script() -> Scenario {
        let text = r#"{"format_version": 1, "name": "Three sends", "description": "Why not",
            "concepts": [2, 5], "seed": 9,
            "producers": [{"id": "p1"}],
            "steps": [
              {"step": "send", "producer": "p1", "topic": "payments", "partition": 0, "value": "a"},
              {"step": "send", "producer": "p1", "topic": "payments", "partition": 0, "value": "b"},
              {"step": "send", "producer": "p1", "topic": "payments", "partition": 0, "value": "c"}
            ]}"#;
        Scenario::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Two scripted steps, one free step, then one step back: the script's last step is ahead.
    fn lab_part_way() -> SharedLab {
        let origin = three_step_script();
        let mut lab = SharedLab::after_script_steps(origin, 2);
        lab.history.push(SharedStep {
            action: Action::DeliverAll {},
            scripted: None,
        });
        lab.cursor = 2;
        lab
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)), Ok(bytes));
        }
    }

    #[test]
    fn a_v2_link_carries_the_whole_script_the_steps_taken_and_the_cursor() {
        let lab = lab_part_way();
        let link = encode(&lab);
        assert!(link.starts_with("v2."), "{link}");
        let back = decode(&link).map(SharedLink::into_lab);
        assert_eq!(back.as_ref(), Ok(&lab));
        let back = back.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.origin.name, "Three sends");
        assert_eq!(back.origin.concepts, [2, 5]);
        assert_eq!(
            back.script_ahead(),
            [send("c")],
            "the step not taken is still ahead"
        );
    }

    #[test]
    fn a_scripted_step_travels_as_its_index_and_a_free_one_as_its_action() {
        let lab = lab_part_way();
        let text = unpack(&encode(&lab)[LINK_VERSION.len()..]).unwrap_or_default();
        assert!(
            text.contains(r#""taken":[0,1,{"step":"deliver_all"}],"cursor":2"#),
            "{text}"
        );
    }

    #[test]
    fn a_link_can_carry_an_exercise_and_one_without_reads_as_before() {
        let mut lab = lab_part_way();
        let without = encode(&lab);
        let text = unpack(&without[LINK_VERSION.len()..]).unwrap_or_default();
        assert!(!text.contains("exercise"), "{text}");
        assert_eq!(decode(&without).map(SharedLink::into_lab), Ok(lab.clone()));
        lab.exercise = Some(r#"{"format_version": 1, "id": "x"}"#.to_owned());
        let with = decode(&encode(&lab)).map(SharedLink::into_lab);
        assert_eq!(
            with.map(|l| l.exercise),
            Ok(Some(r#"{"format_version": 1, "id": "x"}"#.to_owned())),
            "the exercise's text travels unread"
        );
    }

    #[test]
    fn a_v1_link_opens_as_its_scenario_with_every_step_taken() {
        let scenario = three_step_script();
        let link = encode_v1(&scenario);
        let opened = decode(&link).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(opened, SharedLink::Scenario(scenario.clone()));
        let lab = opened.into_lab();
        assert_eq!((lab.cursor, lab.history.len()), (3, 3));
        assert!(lab.script_ahead().is_empty());
        assert_eq!(lab.run_so_far(), scenario);
    }

    // A link the lab wrote before version 2, kept as it was: still read as its scenario.
    #[test]
    fn a_stored_v1_link_still_decodes_to_its_scenario() {
        let link = include_str!("../../../../tests/golden/links/v1-at-least-once-three-steps.txt");
        let Ok(SharedLink::Scenario(scenario)) = decode(link) else {
            panic!("a v1 link decodes to a scenario");
        };
        let shipped = Scenario::parse(include_str!(
            "../../../../assets/scenarios/02-at-least-once.json"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scenario.name, shipped.name);
        assert_eq!(scenario.steps, shipped.steps[..3]);
        assert_eq!(scenario.world_config(), shipped.world_config());
    }

    #[test]
    fn damaged_links_are_errors_not_panics() {
        assert_eq!(decode("v3.abc"), Err(ShareLinkError::UnknownVersion));
        assert_eq!(
            decode("v1.ab$c"),
            Err(ShareLinkError::NotBase64 { position: 2 })
        );
        assert_eq!(decode("v2.AAAA"), Err(ShareLinkError::NotDeflate));
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; MAX_BYTES + 1], 9);
        for tag in [LINK_VERSION, LINK_VERSION_1] {
            assert_eq!(
                decode(&format!("{tag}{}", base64url_encode(&bomb))),
                Err(ShareLinkError::TooLarge)
            );
        }
        assert_eq!(
            decode(&format!("v2.{}", "A".repeat(MAX_BYTES + 4))),
            Err(ShareLinkError::TooLarge)
        );
        let not_a_scenario = pack(LINK_VERSION_1, "{\"steps\": 3}");
        assert!(matches!(
            decode(&not_a_scenario),
            Err(ShareLinkError::Scenario(_))
        ));
    }

    /// `v2` data with one field of a valid lab's JSON replaced.
    fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<SharedLink, ShareLinkError> {
        let link = encode(&lab_part_way());
        let text = unpack(&link[LINK_VERSION.len()..]).unwrap_or_default();
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        edit(&mut value);
        decode(&pack(LINK_VERSION, &value.to_string()))
    }

    #[test]
    fn a_v2_link_whose_steps_disagree_with_its_script_is_refused_in_plain_words() {
        let past_end = edited(|v| v["cursor"] = 4.into());
        assert_eq!(
            past_end,
            Err(ShareLinkError::CursorPastEnd {
                cursor: 4,
                steps: 3
            })
        );
        let not_in_script = edited(|v| v["taken"][1] = 7.into());
        assert_eq!(
            not_in_script,
            Err(ShareLinkError::NotInScript {
                step: 2,
                scripted: 7
            })
        );
        let message = not_in_script
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            message.contains("step 2") && message.contains("scripted step 8"),
            "{message}"
        );
        assert!(matches!(
            edited(|v| v["taken"][0] = (-1).into()),
            Err(ShareLinkError::InvalidStep { step: 1, .. })
        ));
        assert!(matches!(
            edited(|v| v["taken"][2] = serde_json::json!({"step": "fly"})),
            Err(ShareLinkError::InvalidStep { step: 3, .. })
        ));
        assert!(matches!(
            edited(|v| v["extra"] = true.into()),
            Err(ShareLinkError::Invalid { .. })
        ));
        assert!(matches!(
            edited(|v| v["origin"]["format_version"] = 9.into()),
            Err(ShareLinkError::Scenario(
                ScenarioError::UnsupportedVersion { found: 9 }
            ))
        ));
    }

    #[test]
    fn every_cut_of_a_valid_link_is_an_error_or_the_lab_never_a_panic() {
        let link = encode(&lab_part_way());
        for end in 0..link.len() {
            let _ = decode(&link[..end]);
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn random_text_after_a_version_tag_never_panics(
            tag in prop::sample::select(vec!["", "v1.", "v2.", "#v2.", "v9."]),
            body in "[A-Za-z0-9_\\-$.#]{0,400}",
        ) {
            let _ = decode(&format!("{tag}{body}"));
        }

        #[test]
        fn random_bytes_deflated_behind_a_tag_never_panic(
            tag in prop::sample::select(vec![LINK_VERSION, LINK_VERSION_1]),
            bytes in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let _ = decode(&format!("{tag}{}", base64url_encode(&bytes)));
            let packed = miniz_oxide::deflate::compress_to_vec(&bytes, 6);
            let _ = decode(&format!("{tag}{}", base64url_encode(&packed)));
        }

        #[test]
        fn random_json_in_a_v2_link_is_an_error_or_a_lab(
            cursor in 0usize..6,
            taken in prop::collection::vec(
                prop_oneof![
                    (0u64..5).prop_map(serde_json::Value::from),
                    Just(serde_json::json!({"step": "deliver_all"})),
                    Just(serde_json::json!("send")),
                    Just(serde_json::json!(null)),
                ],
                0..6,
            ),
        ) {
            let json = serde_json::json!({
                "origin": {"format_version": 1, "producers": [{"id": "p1"}],
                           "steps": [{"step": "flush", "producer": "p1"}]},
                "taken": taken,
                "cursor": cursor,
            });
            if let Ok(SharedLink::Lab(lab)) = decode(&pack(LINK_VERSION, &json.to_string())) {
                prop_assert!(lab.cursor <= lab.history.len());
                prop_assert!(lab.history.iter().all(|s| s.scripted.is_none_or(|i| i == 0)));
            }
        }
    }
}
