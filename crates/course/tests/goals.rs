//! The goal language: every fact evaluated against real runs of shipped scenarios, in words;
//! `not`, `all` and `any` read plainly; and every name a goal can misspell is a located error.

use eos_core::run::scenario::Scenario;
use eos_core::{Event, World};
use eos_course::{ErrorKind, Goal, Location};
use std::path::PathBuf;

/// A shipped scenario run for its first `steps` steps: the world and the events.
fn run(stem: &str, steps: usize) -> (World, Vec<Event>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/scenarios")
        .join(format!("{stem}.json"));
    let scenario =
        Scenario::parse(&std::fs::read_to_string(path).expect("the scenario")).expect("it parses");
    let mut world = World::new(&scenario.world_config(), scenario.seed).expect("a world");
    let mut events = Vec::new();
    for action in scenario.steps.iter().take(steps) {
        events.extend(world.step(action).expect("the step applies"));
    }
    (world, events)
}

fn goal(json: &str) -> Goal {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// The goal's sentence in `world`, after checking its names.
fn sentence(world: &World, events: &[Event], json: &str) -> String {
    let goal = goal(json);
    goal.check("test", world, "/goal")
        .unwrap_or_else(|e| panic!("{e}"));
    goal.evaluate(world, events).sentence()
}

/// The located error a goal gives against `world`.
fn problem(world: &World, json: &str) -> String {
    goal(json)
        .check("lesson.json", world, "/beats/2/expect")
        .expect_err("the goal names something unknown")
        .to_string()
}

// An open transaction at offset 0 and a plain record at offset 1, both polled by the
// read_uncommitted reader; the read_committed one got nothing.
const OPEN: (&str, usize) = ("13-19-20-open-transaction-holds-the-lso", 6);

#[test]
fn offsets_are_compared_by_name() {
    let (world, events) = run(OPEN.0, OPEN.1);
    let s = |json: &str| sentence(&world, &events, json);
    assert_eq!(
        s(r#"{"offset": {"partition": "payments-0", "mark": "lso", "at_least": 2}}"#),
        "payments-0's LSO is at least 2: not yet, payments-0's LSO is 0"
    );
    assert_eq!(
        s(r#"{"offset": {"partition": "payments-0", "mark": "high_watermark", "eq": 2}}"#),
        "payments-0's high watermark is 2: met"
    );
    assert_eq!(
        s(
            r#"{"offset": {"partition": "payments-0", "mark": "log_end", "at_least": 1, "at_most": 3}}"#
        ),
        "payments-0's log end is between 1 and 3: met"
    );
    assert_eq!(
        s(r#"{"not": {"offset": {"partition": "payments-0", "mark": "log_start", "at_most": 0}}}"#),
        "payments-0's log start is above 0: not yet, payments-0's log start is 0"
    );
}

#[test]
fn visibility_says_what_holds_records_back() {
    let (world, events) = run(OPEN.0, OPEN.1);
    let s = |json: &str| sentence(&world, &events, json);
    assert_eq!(
        s(
            r#"{"visible": {"partition": "payments-0", "isolation": "read_committed", "at_least": 2}}"#
        ),
        "a read_committed consumer of payments-0 can see at least 2 records: not yet, a read_committed consumer of payments-0 can see 0 records (2 more are in the log), because the LSO is 0: an open transaction holds it there"
    );
    assert_eq!(
        s(
            r#"{"visible": {"partition": "payments-0", "isolation": "read_uncommitted", "key": "pay-1"}}"#
        ),
        "a read_uncommitted consumer of payments-0 can see a record with key pay-1: met"
    );
    assert_eq!(
        s(
            r#"{"not": {"visible": {"partition": "payments-0", "isolation": "read_committed", "value": "not in any transaction"}}}"#
        ),
        "a read_committed consumer of payments-0 can see no records with value \"not in any transaction\": met"
    );
    // Once the COMMIT marker is written, both records are visible.
    let (world, events) = run(OPEN.0, 7);
    assert_eq!(
        sentence(
            &world,
            &events,
            r#"{"visible": {"partition": "payments-0", "isolation": "read_committed", "eq": 2}}"#
        ),
        "a read_committed consumer of payments-0 can see exactly 2 records: met"
    );
}

#[test]
fn consumers_groups_and_the_database_are_observed() {
    // 24: c1 processed pay-1, crashed before committing, and processed it again.
    let (world, events) = run("24-side-effect-twice", 9);
    let s = |json: &str| sentence(&world, &events, json);
    assert_eq!(
        s(r#"{"effects": {"business_id": "pay-1", "eq": 2}}"#),
        "the database applies pay-1's effect exactly twice: met"
    );
    assert_eq!(
        s(r#"{"effects": {"at_most": 1}}"#),
        "the database applies at most 1 effect: not yet, the database applied 2 effects"
    );
    assert_eq!(
        s(r#"{"committed": {"group": "billing", "partition": "payments-0", "at_least": 1}}"#),
        "group billing's committed offset for payments-0 is at least 1: not yet, group billing has committed no offset for payments-0"
    );
    assert_eq!(
        s(r#"{"position": {"consumer": "c1", "partition": "payments-0", "eq": 1}}"#),
        "c1's position in payments-0 is 1: met"
    );
    assert_eq!(
        s(r#"{"consumer": {"id": "c1", "is": "crashed"}}"#),
        "c1 has crashed: not yet, c1 is running"
    );
    assert_eq!(
        s(r#"{"guarantee": {"name": "no_duplicate_effect", "is": "broken"}}"#),
        format!("no_duplicate_effect is broken: met")
    );
    assert!(
        s(r#"{"guarantee": {"name": "no_duplicate_effect", "is": "kept"}}"#).starts_with(
            "no_duplicate_effect is kept: not yet, no_duplicate_effect broke at step 9: "
        ),
    );
}

#[test]
fn transactions_producers_and_errors_are_observed() {
    // 14, to the end: p1 was fenced, p1-new committed.
    let (world, events) = run("14-zombie-fencing", 18);
    let s = |json: &str| sentence(&world, &events, json);
    assert_eq!(
        s(r#"{"transaction": {"transactional_id": "payment-writer", "is": "CompleteCommit"}}"#),
        "the coordinator has payment-writer in CompleteCommit: met"
    );
    assert_eq!(
        s(r#"{"producer": {"id": "p1", "is": "fenced"}}"#),
        "p1 is fenced: met"
    );
    assert_eq!(
        s(r#"{"producer": {"id": "p1-new", "is": "IN_TRANSACTION"}}"#),
        "p1-new is in IN_TRANSACTION: not yet, p1-new is running, in READY"
    );
    assert_eq!(
        s(r#"{"error_seen": {"error": "PRODUCER_FENCED", "client": "p1"}}"#),
        "PRODUCER_FENCED is answered to p1 at least once: met"
    );
    assert_eq!(
        s(r#"{"error_seen": {"error": "PRODUCER_FENCED", "client": "p1-new"}}"#),
        "PRODUCER_FENCED is answered to p1-new at least once: not yet, PRODUCER_FENCED was answered to p1-new 0 times"
    );
    assert_eq!(
        s(r#"{"not": {"event_seen": {"event": "marker_written"}}}"#),
        "marker_written never happens: not yet, marker_written happened twice"
    );
}

#[test]
fn all_any_and_not_read_plainly() {
    let (world, events) = run(OPEN.0, OPEN.1);
    let s = |json: &str| sentence(&world, &events, json);
    let lso = r#"{"offset": {"partition": "payments-0", "mark": "lso", "eq": 0}}"#;
    let hw = r#"{"offset": {"partition": "payments-0", "mark": "high_watermark", "eq": 5}}"#;
    assert_eq!(
        s(&format!(r#"{{"all": [{lso}, {hw}]}}"#)),
        "payments-0's LSO is 0, and payments-0's high watermark is 5: not yet, payments-0's high watermark is 2"
    );
    assert_eq!(
        s(&format!(r#"{{"any": [{lso}, {hw}]}}"#)),
        "payments-0's LSO is 0, or payments-0's high watermark is 5: met"
    );
    // not (a and b) = not a, or not b
    assert_eq!(
        s(&format!(r#"{{"not": {{"all": [{lso}, {hw}]}}}}"#)),
        "payments-0's LSO is other than 0, or payments-0's high watermark is other than 5: met"
    );
    assert_eq!(s(r#"{"all": []}"#), "nothing (always met): met");
}

#[test]
fn every_misspelt_name_is_located_by_its_json_pointer() {
    let (world, _) = run("14-zombie-fencing", 0);
    let cases = [
        (
            r#"{"all": [{"offset": {"partition": "payment-0", "mark": "lso", "eq": 0}}]}"#,
            "lesson.json: /beats/2/expect/all/0/offset/partition: the scenario has no partition `payment-0` (it has: payments-0)",
        ),
        (
            r#"{"not": {"guarantee": {"name": "no_duplicates", "is": "kept"}}}"#,
            "lesson.json: /beats/2/expect/not/guarantee/name: the lab checks no guarantee `no_duplicates`; it checks offsets_contiguous,",
        ),
        (
            r#"{"error_seen": {"error": "FENCED"}}"#,
            "lesson.json: /beats/2/expect/error_seen/error: `FENCED` is not an error code the lab answers: expected one of `OUT_OF_ORDER_SEQUENCE_NUMBER`,",
        ),
        (
            r#"{"error_seen": {"error": "PRODUCER_FENCED", "client": "p9"}}"#,
            "lesson.json: /beats/2/expect/error_seen/client: the scenario has no client `p9` (producers: p1, p1-new; consumers: reader)",
        ),
        (
            r#"{"event_seen": {"event": "message_lost_forever"}}"#,
            "lesson.json: /beats/2/expect/event_seen/event: `message_lost_forever` is not an event kind: expected one of `time_advanced`,",
        ),
        (
            r#"{"transaction": {"transactional_id": "payments-writer", "is": "Ongoing"}}"#,
            "lesson.json: /beats/2/expect/transaction/transactional_id: no producer of the scenario has transactional.id `payments-writer` (it has: payment-writer)",
        ),
        (
            r#"{"transaction": {"transactional_id": "payment-writer", "is": "ONGOING"}}"#,
            "lesson.json: /beats/2/expect/transaction/is: `ONGOING` is not a coordinator state: expected one of `Empty`,",
        ),
        (
            r#"{"producer": {"id": "p2", "is": "running"}}"#,
            "lesson.json: /beats/2/expect/producer/id: the scenario has no producer `p2` (it has: p1, p1-new)",
        ),
        (
            r#"{"producer": {"id": "p1", "is": "zombie"}}"#,
            "lesson.json: /beats/2/expect/producer/is: `zombie` is not a producer state",
        ),
        (
            r#"{"consumer": {"id": "c1", "is": "running"}}"#,
            "lesson.json: /beats/2/expect/consumer/id: the scenario has no consumer `c1` (it has: reader)",
        ),
        (
            r#"{"committed": {"group": "billing", "partition": "payments-0", "eq": 1}}"#,
            "lesson.json: /beats/2/expect/committed/group: no consumer of the scenario is in group `billing`, nor has it committed offsets (groups: audit)",
        ),
        (
            r#"{"position": {"consumer": "reader", "partition": "payments-0"}}"#,
            "lesson.json: /beats/2/expect/position: give the number to compare with",
        ),
        (
            r#"{"effects": {"at_least": 3, "at_most": 2}}"#,
            "lesson.json: /beats/2/expect/effects: at_least 3 is above at_most 2",
        ),
    ];
    for (json, expected) in cases {
        let message = problem(&world, json);
        assert!(
            message.starts_with(expected),
            "{json}\n  gave {message}\n  not {expected}"
        );
    }
    let err = goal(r#"{"any": [{"producer": {"id": "p1", "is": "running"}}]}"#)
        .check("x", &world, "")
        .err();
    assert_eq!(err, None);
    let located = goal(r#"{"offset": {"partition": "x-0", "mark": "lso", "eq": 0}}"#)
        .check("x", &world, "/goal")
        .expect_err("unknown");
    assert_eq!(located.kind, ErrorKind::UnknownName);
    assert_eq!(
        located.location,
        Location::Pointer("/goal/offset/partition".to_owned())
    );
}

#[test]
fn a_misspelt_fact_or_field_is_a_syntax_error() {
    let err = serde_json::from_str::<Goal>(r#"{"ofset": {}}"#).unwrap_err();
    assert!(err.to_string().contains("unknown variant `ofset`"), "{err}");
    let err = serde_json::from_str::<Goal>(
        r#"{"offset": {"partition": "payments-0", "mark": "lso", "at_lest": 2}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown field `at_lest`"), "{err}");
}

// `visible` counts with the consumers' read path; the inspector's `visibility::explain` tells
// the same path offset by offset. They agree on every partition of every shipped scenario.
#[test]
fn visible_counts_agree_with_the_inspector_everywhere() {
    use eos_core::views::visibility::{Visibility, explain};
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios");
    let mut checked = 0;
    for entry in std::fs::read_dir(folder).expect("the scenarios") {
        let path = entry.expect("an entry").path();
        let stem = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let scenario =
            Scenario::parse(&std::fs::read_to_string(&path).expect("readable")).expect("parses");
        let (world, events) = run(&stem, scenario.steps.len());
        for partition in world.cluster().partitions() {
            let tp = &partition.topic_partition;
            let Some(leader) = partition.leader_replica() else {
                continue;
            };
            let end = leader.log.log_end_offset().0;
            let (mut uncommitted, mut committed) = (0, 0);
            for offset in 0..end {
                if let Some(v) = explain(&world, tp, eos_core::Offset(offset)) {
                    uncommitted += i64::from(v.read_uncommitted == Visibility::Visible);
                    committed += i64::from(v.read_committed == Visibility::Visible);
                }
            }
            for (level, count) in [
                ("read_uncommitted", uncommitted),
                ("read_committed", committed),
            ] {
                let json = format!(
                    r#"{{"visible": {{"partition": "{tp}", "isolation": "{level}", "eq": {count}}}}}"#
                );
                let evaluation = goal(&json).evaluate(&world, &events);
                assert!(evaluation.met, "{stem}: {}", evaluation.sentence());
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked}");
}

// "Make an exercise from this lab" offers facts that hold now: each is met where it was drawn
// and names only what the world has.
#[test]
fn suggestions_hold_where_they_are_drawn_from() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios");
    for entry in std::fs::read_dir(folder).expect("the scenarios") {
        let path = entry.expect("an entry").path();
        let stem = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let scenario =
            Scenario::parse(&std::fs::read_to_string(&path).expect("readable")).expect("parses");
        let (world, events) = run(&stem, scenario.steps.len());
        let suggestions = Goal::suggestions(&world, &events);
        assert!(!suggestions.is_empty(), "{stem}");
        for goal in suggestions {
            goal.check("suggested", &world, "")
                .unwrap_or_else(|e| panic!("{stem}: {e}"));
            let evaluation = goal.evaluate(&world, &events);
            assert!(evaluation.met, "{stem}: {}", evaluation.sentence());
        }
    }
    let (world, events) = run("24-side-effect-twice", 10);
    let first = Goal::suggestions(&world, &events).remove(0);
    assert_eq!(first.describe(), "no_duplicate_effect is broken");
}
