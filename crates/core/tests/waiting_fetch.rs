//! `fetch.min.bytes` and `fetch.max.wait.ms`: a poll whose fetch finds too few bytes waits at the
//! broker (`DelayedFetch`) and is answered on each of Kafka's completion paths.

use eos_core::event::FetchCompletion;
use eos_core::run::scenario::Scenario;
use eos_core::{Action, ClientId, EventKind, World};

/// A world from a scenario's settings (its steps are not run).
fn world(settings: &str) -> World {
    let text = format!(
        r#"{{"format_version": 1, "name": "t", "description": "t", "seed": 1, {settings}, "steps": []}}"#
    );
    let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    World::new(&scenario.world_config(), 1).expect("valid world")
}

fn step(world: &mut World, action: &str) -> Vec<EventKind> {
    let action: Action = serde_json::from_str(action).unwrap_or_else(|e| panic!("{action}: {e}"));
    world
        .step(&action)
        .unwrap_or_else(|e| panic!("{action:?}: {e}"))
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn completed(events: &[EventKind]) -> Option<FetchCompletion> {
    events.iter().find_map(|e| match e {
        EventKind::FetchCompleted { reason, .. } => Some(*reason),
        _ => None,
    })
}

fn parked(events: &[EventKind]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, EventKind::FetchParked { .. }))
}

fn polled(events: &[EventKind]) -> Vec<i64> {
    events
        .iter()
        .flat_map(|e| match e {
            EventKind::RecordsPolled { offsets, .. } => offsets.iter().map(|o| o.0).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn waiting(world: &World) -> bool {
    world
        .consumer(&ClientId::new("reader"))
        .is_some_and(|c| c.waiting_fetch.is_some())
}

const SEND: &str = r#"{"step": "send", "producer": "p1", "topic": "payments", "partition": 0, "key": "pay-1", "value": "carol pays dave 20"}"#;
const DELIVER: &str = r#"{"step": "deliver_all"}"#;
const POLL: &str = r#"{"step": "poll", "consumer": "reader"}"#;

/// reader (read_uncommitted) with the given consumer settings, on one broker; `topic` adds to
/// the topic's settings.
fn reader_world(reader: &str, topic: &str) -> World {
    world(&format!(
        r#""cluster": {{"topics": [{{"name": "payments", "partitions": 1{topic}}}]}}, "producers": [{{"id": "p1"}}],
        "consumers": [{{"id": "reader", "group.id": "g", "topics": ["payments"]{reader}}}]"#
    ))
}

// One such record is 91 bytes in Kafka's format (a 61-byte batch header and a 30-byte record).
#[test]
fn a_fetch_waits_until_enough_bytes_are_appended_and_then_gets_them_all() {
    let mut w = reader_world(r#", "fetch.min.bytes": 150"#, "");
    step(&mut w, DELIVER);
    step(&mut w, SEND);
    step(&mut w, DELIVER);
    let events = step(&mut w, POLL);
    assert!(parked(&events), "91 bytes are fewer than 150: {events:?}");
    assert!(polled(&events).is_empty());
    step(&mut w, SEND);
    let events = step(&mut w, DELIVER);
    assert_eq!(
        completed(&events),
        Some(FetchCompletion::EnoughBytes),
        "{events:?}"
    );
    assert_eq!(polled(&events), vec![0, 1]);
    assert!(!waiting(&w));
}

#[test]
fn a_fetch_with_too_little_expires_after_fetch_max_wait_ms_with_what_is_readable() {
    let mut w = reader_world(r#", "fetch.min.bytes": 1000, "fetch.max.wait.ms": 300"#, "");
    step(&mut w, DELIVER);
    step(&mut w, SEND);
    step(&mut w, DELIVER);
    assert!(parked(&step(&mut w, POLL)));
    let events = step(&mut w, r#"{"step": "advance_time", "ms": 299}"#);
    assert_eq!(completed(&events), None);
    assert!(waiting(&w), "still waiting 1 ms before the deadline");
    let events = step(&mut w, r#"{"step": "advance_time", "ms": 1}"#);
    assert_eq!(completed(&events), Some(FetchCompletion::MaxWait));
    assert_eq!(
        polled(&events),
        vec![0],
        "answered with the one record readable"
    );
}

#[test]
fn a_poll_while_the_fetch_waits_sends_no_second_fetch_and_gets_nothing() {
    let mut w = reader_world(r#", "fetch.min.bytes": 1000"#, "");
    step(&mut w, DELIVER);
    assert!(parked(&step(&mut w, POLL)));
    let events = step(&mut w, POLL);
    assert!(!parked(&events));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EventKind::NothingPolled { .. }))
    );
    assert!(waiting(&w));
}

#[test]
fn a_leader_that_goes_away_answers_the_waiting_fetch_at_once() {
    let mut w = reader_world(r#", "fetch.min.bytes": 1000"#, "");
    step(&mut w, DELIVER);
    assert!(parked(&step(&mut w, POLL)));
    let events = step(&mut w, r#"{"step": "crash_broker", "broker": 1}"#);
    assert_eq!(
        completed(&events),
        Some(FetchCompletion::PartitionError),
        "{events:?}"
    );
    assert!(!waiting(&w));
}

// DelayedFetch case F: the high watermark moved onto a newer segment than the fetch offset.
#[test]
fn a_new_segment_under_the_high_watermark_answers_the_waiting_fetch_at_once() {
    let mut w = reader_world(r#", "fetch.min.bytes": 1000"#, r#", "segment.records": 2"#);
    step(&mut w, DELIVER);
    for _ in 0..2 {
        step(&mut w, SEND);
        step(&mut w, DELIVER);
    }
    assert!(
        parked(&step(&mut w, POLL)),
        "two records on one segment: 182 bytes"
    );
    step(&mut w, SEND);
    let events = step(&mut w, DELIVER);
    assert_eq!(
        completed(&events),
        Some(FetchCompletion::OtherSegment),
        "{events:?}"
    );
    assert_eq!(polled(&events), vec![0, 1, 2]);
}

#[test]
fn a_crash_drops_the_waiting_fetch() {
    let mut w = reader_world(r#", "fetch.min.bytes": 1000"#, "");
    step(&mut w, DELIVER);
    assert!(parked(&step(&mut w, POLL)));
    step(
        &mut w,
        r#"{"step": "crash_consumer", "consumer": "reader"}"#,
    );
    assert!(!waiting(&w));
    let events = step(&mut w, r#"{"step": "advance_time", "ms": 1000}"#);
    assert_eq!(completed(&events), None);
}

// The lab's choice: with the default fetch.min.bytes of 1, a poll with nothing readable returns
// at once (Kafka's broker would hold it up to fetch.max.wait.ms; the application sees the same).
#[test]
fn with_the_default_one_byte_a_poll_never_waits() {
    let mut w = reader_world("", "");
    step(&mut w, DELIVER);
    let events = step(&mut w, POLL);
    assert!(!parked(&events));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EventKind::NothingPolled { .. }))
    );
}

#[test]
fn fetch_max_wait_ms_zero_answers_at_once() {
    let mut w = reader_world(r#", "fetch.min.bytes": 1000, "fetch.max.wait.ms": 0"#, "");
    step(&mut w, DELIVER);
    assert!(!parked(&step(&mut w, POLL)));
}

fn raw_completed(events: &[EventKind]) -> Option<FetchCompletion> {
    events.iter().find_map(|e| match e {
        EventKind::RawFetchCompleted { reason, .. } => Some(*reason),
        _ => None,
    })
}

fn answered(events: &[EventKind]) -> Option<Vec<i64>> {
    events.iter().find_map(|e| match e {
        EventKind::FetchAnswered { returned, .. } => Some(returned.iter().map(|o| o.0).collect()),
        _ => None,
    })
}

// A hand-made Fetch with MinBytes and MaxWaitMs is held by the leader like a consumer's, and a
// read_committed one counts only bytes below the LSO: the COMMIT marker releases it.
#[test]
fn a_hand_made_fetch_with_min_bytes_is_held_until_the_commit_moves_the_lso() {
    let mut w = world(
        r#""cluster": {"topics": [{"name": "payments", "partitions": 1}]},
        "producers": [{"id": "tx", "transactional.id": "t"}]"#,
    );
    for action in [
        DELIVER,
        r#"{"step": "init_transactions", "producer": "tx"}"#,
        DELIVER,
        r#"{"step": "begin_transaction", "producer": "tx"}"#,
        r#"{"step": "send", "producer": "tx", "topic": "payments", "partition": 0, "value": "v"}"#,
        DELIVER,
    ] {
        step(&mut w, action);
    }
    let fetch = r#"{"step": "fetch_raw", "topic": "payments", "partition": 0, "offset": 0, "isolation_level": "read_committed", "min_bytes": 1, "max_wait_ms": 500}"#;
    let events = step(&mut w, fetch);
    assert!(
        events.iter().any(|e| matches!(
            e,
            EventKind::RawFetchParked {
                bytes_readable: 0,
                ..
            }
        )),
        "{events:?}"
    );
    assert_eq!(
        answered(&events),
        None,
        "no answer while the transaction is open"
    );
    step(
        &mut w,
        r#"{"step": "commit_transaction", "producer": "tx"}"#,
    );
    let events = step(&mut w, DELIVER);
    assert_eq!(
        raw_completed(&events),
        Some(FetchCompletion::EnoughBytes),
        "{events:?}"
    );
    assert_eq!(answered(&events), Some(vec![0]));
    // Nothing readable from the end: held for MaxWaitMs, then answered empty.
    let events = step(&mut w, &fetch.replace(r#""offset": 0"#, r#""offset": 2"#));
    assert_eq!(answered(&events), None);
    let events = step(&mut w, r#"{"step": "advance_time", "ms": 500}"#);
    assert_eq!(raw_completed(&events), Some(FetchCompletion::MaxWait));
    assert_eq!(answered(&events), Some(vec![]));
}

#[test]
fn a_hand_made_fetch_without_min_bytes_is_answered_at_once() {
    let mut w = reader_world("", "");
    step(&mut w, DELIVER);
    let events = step(
        &mut w,
        r#"{"step": "fetch_raw", "topic": "payments", "partition": 0, "offset": 0, "max_wait_ms": 500}"#,
    );
    assert_eq!(answered(&events), Some(vec![]));
}
