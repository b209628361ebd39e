//! Every shipped scenario runs, shows the behaviour its concept describes, and produces the same
//! report as its golden file in `tests/golden/reports/`.
//!
//! After an intended change, regenerate the golden reports with
//! `UPDATE_GOLDEN=1 cargo test -p eos-core --test scenarios` and review the diff.

use eos_core::invariants::{NO_ACKNOWLEDGED_WRITE_LOST, NO_DUPLICATE_EFFECT, NO_DUPLICATE_WRITE};
use eos_core::report::Report;
use eos_core::scenario::{Scenario, ScenarioRun};
use eos_core::{EventKind, TopicPartition};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(name: &str) -> (Scenario, ScenarioRun) {
    let path = root().join("assets/scenarios").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let run = scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"));
    (scenario, run)
}

/// Values in the leader's log of `payments-0`, in offset order.
fn log_values(run: &ScenarioRun, partition: u32) -> Vec<String> {
    let tp = TopicPartition::new("payments", partition);
    let p = run
        .world
        .cluster()
        .partition(&tp)
        .expect("partition exists");
    p.leader_replica()
        .map(|r| {
            r.log
                .batches()
                .iter()
                .flat_map(|b| b.records.iter().map(|r| r.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn holds(run: &ScenarioRun, name: &str) -> bool {
    run.world
        .invariants()
        .status(name)
        .expect("known invariant")
        .broken
        .is_none()
}

fn times_applied(run: &ScenarioRun, business_id: &str) -> u32 {
    run.world
        .store()
        .effects()
        .get(business_id)
        .map_or(0, |r| r.times_applied)
}

fn has_event(run: &ScenarioRun, pred: impl Fn(&EventKind) -> bool) -> bool {
    run.events().any(|e| pred(&e.kind))
}

#[test]
fn at_most_once_loses_the_dropped_send_and_the_record_polled_before_a_crash() {
    let (_, run) = run("01-at-most-once");
    assert_eq!(
        log_values(&run, 0),
        vec!["bob pays carol 5"],
        "pay-1 never reached the log"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::SendFailed { .. }
    )));
    assert_eq!(
        times_applied(&run, "pay-2"),
        0,
        "c1 committed pay-2 before processing it, then crashed"
    );
}

#[test]
fn at_least_once_writes_the_retry_twice_and_repeats_processing() {
    let (_, run) = run("02-at-least-once");
    assert_eq!(
        log_values(&run, 0),
        vec!["alice pays bob 10", "alice pays bob 10"]
    );
    assert!(!holds(&run, NO_DUPLICATE_WRITE));
    assert!(
        times_applied(&run, "pay-1") >= 3,
        "two copies, and the first round was repeated after the crash"
    );
    assert!(!holds(&run, NO_DUPLICATE_EFFECT));
}

#[test]
fn two_generals_timeouts_look_alike_but_the_logs_differ() {
    let (_, run) = run("03-two-generals");
    let timeouts: Vec<String> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::RequestTimedOut { producer, .. } => Some(producer.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(timeouts, vec!["p1", "p2"]);
    assert_eq!(
        log_values(&run, 0),
        vec!["from p1"],
        "only p1's request arrived"
    );
}

#[test]
fn effect_once_the_retry_travels_twice_but_is_written_and_applied_once() {
    let (_, run) = run("04-effect-once");
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::DuplicateBatch { .. }
    )));
    assert_eq!(log_values(&run, 0), vec!["alice pays bob 10"]);
    assert_eq!(times_applied(&run, "pay-1"), 1);
    assert!(run.world.invariants().all_hold());
}

#[test]
fn batches_carry_producer_id_epoch_and_per_partition_sequences() {
    let (_, run) = run("05-pid-epoch-sequence");
    let stamps = |p: u32| -> Vec<(i64, i16, i32)> {
        let tp = TopicPartition::new("payments", p);
        let part = run.world.cluster().partition(&tp).unwrap();
        part.leader_replica()
            .unwrap()
            .log
            .batches()
            .iter()
            .map(|b| {
                (
                    b.stamp.producer_id.0,
                    b.stamp.producer_epoch.0,
                    b.stamp.base_sequence.0,
                )
            })
            .collect()
    };
    assert_eq!(stamps(0), vec![(1000, 0, 0), (1000, 0, 1), (1000, 0, 2)]);
    assert_eq!(stamps(1), vec![(1000, 0, 0)]);
}

#[test]
fn a_retry_among_the_last_five_batches_is_deduplicated_an_older_one_is_out_of_order() {
    let (_, run) = run("06-dedup-last-five-batches");
    let results: Vec<Option<Result<i64, String>>> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::RawProduceHandled { result, .. } => {
                Some(result.map(|r| r.map(|o| o.0).map_err(|e| e.name().to_owned())))
            }
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 8);
    assert_eq!(
        results[6],
        Some(Ok(3)),
        "sequence 3 is answered with its original offset"
    );
    assert_eq!(
        results[7],
        Some(Err("OUT_OF_ORDER_SEQUENCE_NUMBER".to_owned()))
    );
    assert_eq!(
        log_values(&run, 0).len(),
        6,
        "nothing written by either retry"
    );
}

#[test]
fn a_sequence_gap_is_refused_and_retries_restore_the_order() {
    let (_, run) = run("07-out-of-order-sequence");
    assert!(has_event(
        &run,
        |k| matches!(k, EventKind::BatchRejected { error, .. } if error.name() == "OUT_OF_ORDER_SEQUENCE_NUMBER")
    ));
    assert_eq!(
        log_values(&run, 0),
        vec!["first", "second", "third", "fourth"]
    );
    assert!(run.world.invariants().all_hold());
}

#[test]
fn a_restarted_producer_gets_a_new_id_and_its_resend_is_a_duplicate() {
    let (_, run) = run("08-dedup-scope-is-one-session");
    let tp = TopicPartition::new("payments", 0);
    let pids: Vec<i64> = run
        .world
        .cluster()
        .partition(&tp)
        .unwrap()
        .leader_replica()
        .unwrap()
        .log
        .batches()
        .iter()
        .map(|b| b.stamp.producer_id.0)
        .collect();
    assert_eq!(
        pids,
        vec![1000, 1001],
        "the same payment, written by two producer sessions"
    );
}

#[test]
fn acks_1_turns_idempotence_off_and_the_retry_is_written_twice() {
    let (_, run) = run("09-acks-1-turns-idempotence-off");
    assert_eq!(
        log_values(&run, 0),
        vec!["alice pays bob 10", "alice pays bob 10"]
    );
    assert!(!run.world.producers().next().unwrap().idempotent);
}

#[test]
fn acks_1_loses_an_acknowledged_write_when_the_leader_fails_early() {
    let (_, run) = run("09-acks-1-leader-failover-loses-acked-write");
    assert!(!holds(&run, NO_ACKNOWLEDGED_WRITE_LOST));
    assert!(log_values(&run, 0).is_empty());
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::FollowerTruncated {
            removed_records: 1,
            ..
        }
    )));
}

#[test]
fn acks_all_keeps_the_write_through_a_leader_failover() {
    let (_, run) = run("09-acks-all-survives-failover");
    assert!(holds(&run, NO_ACKNOWLEDGED_WRITE_LOST));
    assert_eq!(log_values(&run, 0), vec!["alice pays bob 10"]);
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::AckDeferred { .. }
    )));
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::SendAcknowledged { .. }
    )));
}

#[test]
fn a_side_effect_happens_twice_although_kafka_holds_one_record() {
    let (_, run) = run("24-side-effect-twice");
    assert_eq!(log_values(&run, 0).len(), 1);
    assert_eq!(times_applied(&run, "pay-1"), 2);
    assert!(holds(&run, NO_DUPLICATE_WRITE));
    assert!(!holds(&run, NO_DUPLICATE_EFFECT));
}

#[test]
fn an_idempotent_consumer_applies_the_effect_once() {
    let (_, run) = run("25-idempotent-consumer");
    assert_eq!(times_applied(&run, "pay-1"), 1);
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::RecordProcessed {
            outcome: eos_core::event::EffectOutcome::SkippedDuplicate,
            ..
        }
    )));
    assert!(run.world.invariants().all_hold());
}

fn received_offsets(run: &ScenarioRun, consumer: &str) -> Vec<i64> {
    let id = eos_core::ClientId::new(consumer);
    run.world
        .consumer(&id)
        .expect("consumer exists")
        .received
        .iter()
        .map(|r| r.offset.0)
        .collect()
}

#[test]
fn an_open_transaction_is_in_the_log_and_holds_read_committed_at_the_lso() {
    let (_, run) = run("13-19-20-open-transaction-holds-the-lso");
    assert_eq!(
        received_offsets(&run, "reader-uncommitted"),
        vec![0, 1],
        "read_uncommitted reads the open transaction at once"
    );
    assert!(
        has_event(
            &run,
            |k| matches!(k, EventKind::NothingPolled { consumer } if consumer.0 == "reader-committed")
        ),
        "read_committed first gets nothing: the LSO is held at 0, even for p1's plain record at 1"
    );
    assert_eq!(
        received_offsets(&run, "reader-committed"),
        vec![0, 1],
        "after the COMMIT marker at 2"
    );
    let tp = TopicPartition::new("payments", 0);
    assert_eq!(
        run.world
            .cluster()
            .partition(&tp)
            .unwrap()
            .last_stable_offset()
            .0,
        3
    );
}

#[test]
fn aborted_records_are_skipped_by_read_committed_only_and_markers_by_both() {
    let (_, run) = run("18-21-aborted-records-are-skipped");
    assert_eq!(received_offsets(&run, "reader-uncommitted"), vec![0, 1, 3]);
    assert_eq!(received_offsets(&run, "reader-committed"), vec![3]);
    let tp = TopicPartition::new("payments", 0);
    let leader = run
        .world
        .cluster()
        .partition(&tp)
        .unwrap()
        .leader_replica()
        .unwrap();
    let index: Vec<(i64, i64, i64)> = leader
        .log
        .segments()
        .iter()
        .flat_map(|s| s.aborted_txns.iter())
        .map(|t| (t.producer_id.0, t.first_offset.0, t.last_offset.0))
        .collect();
    assert_eq!(
        index,
        vec![(6000, 0, 2)],
        "the aborted-transaction index holds producer, first offset and marker offset"
    );
}

#[test]
fn the_outbox_announces_each_effect_once_through_an_idempotent_relay() {
    let (_, run) = run("25-outbox");
    assert_eq!(times_applied(&run, "pay-1"), 1);
    assert_eq!(
        run.world.store().outbox().len(),
        1,
        "the skipped repeat wrote no second outbox row"
    );
    assert!(run.world.store().outbox()[0].published);
    let tp = TopicPartition::new("receipts", 0);
    let receipts = run
        .world
        .cluster()
        .partition(&tp)
        .unwrap()
        .leader_replica()
        .unwrap()
        .log
        .log_end_offset();
    assert_eq!(receipts.0, 1, "the relay's retried send was deduplicated");
    assert!(run.world.invariants().all_hold());
}

#[test]
fn every_scenario_matches_its_golden_report() {
    let dir = root().join("assets/scenarios");
    let golden_dir = root().join("tests/golden/reports");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatched = Vec::new();
    for name in names {
        let (scenario, run) = run(&name);
        let report = Report::new(&scenario, &run).to_json() + "\n";
        let golden_path = golden_dir.join(format!("{name}.json"));
        if update {
            std::fs::write(&golden_path, &report).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&golden_path).unwrap_or_default();
        if golden != report {
            mismatched.push(name);
        }
    }
    assert!(
        mismatched.is_empty(),
        "reports differ from tests/golden/reports for: {mismatched:?}"
    );
}

#[test]
fn running_a_scenario_twice_gives_the_same_trace_hash() {
    let (_, a) = run("07-out-of-order-sequence");
    let (_, b) = run("07-out-of-order-sequence");
    assert_eq!(a.trace.hash(), b.trace.hash());
}
