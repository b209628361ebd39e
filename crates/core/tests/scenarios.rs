//! Every shipped scenario runs, shows the behaviour its concept describes, and produces the same
//! report as its golden file in `tests/golden/reports/`.
//!
//! After an intended change, regenerate the golden reports with
//! `UPDATE_GOLDEN=1 cargo test -p eos-core --test scenarios` and review the diff.

use eos_core::broker::offsets_log::CommitRecordStatus;
use eos_core::clients::producer_txn::ClientTxnState;
use eos_core::coordinator::state_machine::TransactionState;
use eos_core::error_code::ErrorCode;
use eos_core::ids::BrokerId;
use eos_core::invariants::{
    COORDINATOR_TRANSITIONS_VALID, FENCED_WRITES_NEVER_COMMITTED, NO_ACKNOWLEDGED_WRITE_LOST,
    NO_DUPLICATE_EFFECT, NO_DUPLICATE_WRITE, NO_DUPLICATE_WRITE_ACROSS_SESSIONS,
    NO_RECORD_SKIPPED_BY_GROUP, NO_SEND_LOST, READ_COMMITTED_SEES_ONLY_COMMITTED,
    TRANSACTIONS_ALL_OR_NOTHING,
};
use eos_core::run::report::Report;
use eos_core::run::scenario::{Scenario, ScenarioRun};
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

/// What the leader answered each hand-made produce request, in order.
fn raw_produce_answers(run: &ScenarioRun) -> Vec<Option<Result<eos_core::Offset, ErrorCode>>> {
    run.events()
        .filter_map(|e| match &e.kind {
            EventKind::RawProduceHandled { result, .. } => Some(*result),
            _ => None,
        })
        .collect()
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
    assert_eq!(
        broken_at(&run, NO_SEND_LOST),
        Some(3),
        "the timeout gives up on pay-1, which is in no log"
    );
    assert_eq!(
        broken_at(&run, NO_RECORD_SKIPPED_BY_GROUP),
        Some(7),
        "c1 crashes holding pay-2, already committed past"
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
    assert!(
        holds(&run, NO_RECORD_SKIPPED_BY_GROUP),
        "reading pay-1 again after the crash is at-least-once, not a skip"
    );
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
    assert!(
        holds(&run, NO_DUPLICATE_WRITE),
        "two sends, each written once"
    );
    assert_eq!(
        broken_at(&run, NO_DUPLICATE_WRITE_ACROSS_SESSIONS),
        Some(9),
        "the resend after the restart is the same record"
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

// Partition.maybeIncrementHighWatermark over followers that fetched only part of the log, and
// the leader chosen in replica.assignment order among the in-sync replicas.
#[test]
fn partial_fetches_hold_the_high_watermark_and_the_next_assigned_replica_leads() {
    let (_, run) = run("09-partial-fetches-and-a-chosen-leader");
    let tp = TopicPartition::new("payments", 0);
    let partition = run.world.cluster().partition(&tp).expect("payments-0");
    let brokers: Vec<u32> = partition.replicas.iter().map(|r| r.broker.0).collect();
    assert_eq!(
        brokers,
        vec![2, 3, 1],
        "the scenario's assignment, in order"
    );
    assert_eq!(partition.leader.map(|b| b.0), Some(3));
    assert_eq!(log_values(&run, 0), vec!["10 EUR", "20 EUR", "30 EUR"]);
    assert_eq!(received_offsets(&run, "reader"), vec![0, 1, 2]);
    assert!(holds(&run, "no_acknowledged_write_lost"));
    assert!(holds(&run, "no_duplicate_write"));
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

fn last_stable_offset(run: &ScenarioRun) -> i64 {
    let tp = TopicPartition::new("payments", 0);
    run.world
        .cluster()
        .partition(&tp)
        .expect("partition exists")
        .last_stable_offset()
        .0
}

fn raw_answers(run: &ScenarioRun) -> Vec<(String, Option<ErrorCode>)> {
    run.events()
        .filter_map(|e| match &e.kind {
            EventKind::RawCoordinatorRequestHandled { request, error, .. } => {
                Some((request.clone(), *error))
            }
            _ => None,
        })
        .collect()
}

// Rules C9 and O3 by hand under transaction V2 (TransactionCoordinator.endTransaction,
// ClassicGroup.validateOffsetCommit): an epoch per EndTxn, a retry at the old epoch answered
// NONE, the empty abort, and the generation check of TxnOffsetCommit.
#[test]
fn hand_made_requests_under_transaction_v2_show_its_epoch_rules() {
    let (_, run) = run("10-14-hand-made-requests-transaction-v2");
    // The group coordinator answers a TxnOffsetCommit within its step; the transaction
    // coordinator's answers travel the network and arrive with the last step's deliver_all.
    let expected = [
        ("TxnOffsetCommit", None),
        ("TxnOffsetCommit", Some(ErrorCode::IllegalGeneration)),
        ("InitProducerId", None),
        ("AddOffsetsToTxn", None),
        ("EndTxn", None),
        ("EndTxn", None),
        ("EndTxn", Some(ErrorCode::InvalidTxnState)),
        ("EndTxn", None),
        ("AddPartitionsToTxn", Some(ErrorCode::ProducerFenced)),
    ];
    assert_eq!(
        raw_answers(&run),
        expected
            .iter()
            .map(|(r, e)| ((*r).to_owned(), *e))
            .collect::<Vec<_>>()
    );
    let committed = run
        .world
        .groups()
        .get("billing")
        .and_then(|g| g.committed.get(&TopicPartition::new("payments", 0)))
        .copied();
    assert_eq!(
        committed,
        Some(eos_core::Offset(5)),
        "the marker commits the pending offset"
    );
    let txn = run
        .world
        .coordinator()
        .transactions()
        .next()
        .expect("payment-writer");
    assert_eq!(txn.producer_epoch.0, 2, "one bump per transaction end");
}

#[test]
fn transaction_v2_first_write_to_a_partition_must_start_at_sequence_zero() {
    let (_, run) = run("07-14-hand-made-partition-requests-transaction-v2");
    let answers: Vec<Result<i64, ErrorCode>> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::RawProduceHandled {
                result: Some(result),
                ..
            } => Some(result.map(|offset| offset.0)),
            _ => None,
        })
        .collect();
    // ProducerAppendInfo.checkSequence (KAFKA-18202): sequence 3 first is refused, 0 is taken.
    assert_eq!(
        answers[..2],
        [Err(ErrorCode::OutOfOrderSequenceNumber), Ok(0)]
    );
    let first_batch_sequence = run
        .world
        .cluster()
        .partition(&TopicPartition::new("payments", 0))
        .and_then(|p| p.leader_replica())
        .and_then(|r| r.log.batches().front().map(|b| b.stamp.base_sequence.0));
    assert_eq!(
        first_batch_sequence,
        Some(0),
        "the refused batch left nothing in the log"
    );
}

#[test]
fn transaction_v2_marker_must_raise_the_epoch_and_a_version_1_marker_need_not() {
    let (_, run) = run("07-14-hand-made-partition-requests-transaction-v2");
    let written_offsets: Vec<i64> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::MarkerWritten { offset, .. } => Some(offset.0),
            _ => None,
        })
        .collect();
    // ProducerAppendInfo.checkProducerEpoch (Kafka 4.2, KIP-1228): the duplicated version-2
    // marker is refused; the hand-made version-1 marker at the same epoch is written.
    assert_eq!(written_offsets, vec![1, 2]);
    let refused = run
        .events()
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::BatchRejected {
                    error: ErrorCode::InvalidProducerEpoch,
                    ..
                }
            )
        })
        .count();
    assert_eq!(refused, 1, "the second copy of WriteTxnMarkers");
    let txn = run
        .world
        .coordinator()
        .transactions()
        .next()
        .expect("payment-writer");
    assert_eq!(txn.state, TransactionState::CompleteCommit);
}

#[test]
fn hand_made_coordinator_requests_show_each_coordinator_rule_alone() {
    let (_, run) = run("10-14-hand-made-coordinator-requests");
    let answers: Vec<(String, Option<ErrorCode>)> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::RawCoordinatorRequestHandled { request, error, .. } => {
                Some((request.clone(), *error))
            }
            _ => None,
        })
        .collect();
    let expected = [
        ("InitProducerId", None),
        ("EndTxn", Some(ErrorCode::InvalidTxnState)),
        ("AddPartitionsToTxn", None),
        ("InitProducerId", Some(ErrorCode::ConcurrentTransactions)),
        ("InitProducerId", None),
        ("EndTxn", Some(ErrorCode::ProducerFenced)),
        (
            "AddPartitionsToTxn",
            Some(ErrorCode::InvalidProducerIdMapping),
        ),
        // TransactionCoordinator.handleInitProducerId: "" is answered, not refused as input.
        ("InitProducerId", Some(ErrorCode::InvalidRequest)),
    ];
    assert_eq!(
        answers,
        expected
            .iter()
            .map(|(r, e)| ((*r).to_owned(), *e))
            .collect::<Vec<_>>()
    );
    let txn = run
        .world
        .coordinator()
        .transactions()
        .find(|m| m.transactional_id == "payment-writer")
        .expect("the coordinator knows payment-writer");
    assert_eq!(txn.state, TransactionState::Empty);
    assert_eq!(
        txn.producer_epoch.0, 2,
        "one bump to fence, one for the new instance"
    );
    assert_eq!(
        run.world.coordinator().transactions().count(),
        1,
        "the empty transactional.id gets no transaction"
    );
}

#[test]
fn without_verification_a_write_outside_the_transaction_hangs_until_an_admin_aborts_it() {
    let (_, run) = run("20-hanging-transaction-found-and-aborted");
    let nothing_polled = run
        .events()
        .filter(
            |e| matches!(&e.kind, EventKind::NothingPolled { consumer } if &*consumer.0 == "reader"),
        )
        .count();
    assert!(
        nothing_polled >= 2,
        "read_committed is stuck before and after transaction.timeout.ms passes"
    );
    let found: Vec<Vec<i64>> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::HangingTransactionsFound { hanging, .. } => {
                Some(hanging.iter().map(|h| h.producer_id.0).collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        found,
        vec![vec![1001], vec![]],
        "find-hanging reports producer 1001, and nothing once it is aborted"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::TransactionsListed { transactions }
            if transactions.len() == 1 && transactions[0].state == TransactionState::Empty
    )));
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::ProducersDescribed { producers, .. }
            if producers.iter().any(|p| p.producer_id.0 == 1001
                && p.current_transaction_start_offset.map(|o| o.0) == Some(0))
    )));
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::TransactionAbortedByAdmin { result: Ok(offset), .. } if offset.0 == 2
    )));
    assert_eq!(
        received_offsets(&run, "reader"),
        vec![1],
        "after the admin abort, p2's record is read and the hung one skipped"
    );
    assert_eq!(last_stable_offset(&run), 3);
}

// TransactionManager (KIP-360): under protocol V1 a send that fails inside a transaction makes
// the abort end with InitProducerId for the current producer id and epoch; a produce held up past
// all that still fits the partition, which has only seen the old epoch.
#[test]
fn a_send_given_up_under_v1_arrives_late_and_the_next_transaction_commits_it() {
    let (_, run) = run("20-late-write-after-a-given-up-send-is-committed");
    assert_eq!(
        epochs_of(&run, "p1"),
        vec![0, 1],
        "the abort bumps the epoch"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::SendFailed {
            error: ErrorCode::RequestTimedOut,
            ..
        }
    )));
    assert_eq!(
        log_values(&run, 0),
        vec!["coordinator_epoch=0", "1", "2", "coordinator_epoch=0"],
        "the given-up record sits between the ABORT marker and the next COMMIT marker"
    );
    assert_eq!(received_offsets(&run, "reader"), vec![1, 2]);
    assert!(!holds(&run, "fenced_writes_never_committed"));
}

#[test]
fn with_verification_the_leader_refuses_a_write_outside_the_transaction() {
    let (_, run) = run("20-verification-refuses-a-hanging-write");
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::TransactionVerificationFailed {
            coordinator_error: ErrorCode::TransactionAbortable,
            error: ErrorCode::TransactionAbortable,
            ..
        }
    )));
    // The same request as a client older than Kafka 3.8 sends it (Produce v10) gets the error
    // such clients know.
    let answers = raw_produce_answers(&run);
    assert_eq!(
        answers,
        vec![
            Some(Err(ErrorCode::TransactionAbortable)),
            Some(Err(ErrorCode::InvalidTxnState))
        ]
    );
    assert_eq!(log_values(&run, 0), vec!["committed by default"]);
    assert_eq!(received_offsets(&run, "reader"), vec![0]);
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::HangingTransactionsFound { hanging, .. } if hanging.is_empty()
    )));
}

/// The epochs `producer` was handed, in order (InitProducerId and, with transaction V2, EndTxn).
fn epochs_of(run: &ScenarioRun, producer: &str) -> Vec<i16> {
    run.events()
        .filter_map(|e| match &e.kind {
            EventKind::ProducerIdAssigned {
                producer: p,
                producer_epoch,
                ..
            } if &*p.0 == producer => Some(producer_epoch.0),
            _ => None,
        })
        .collect()
}

// KIP-890 part 2: the client sends no AddPartitionsToTxn, the leader adds the partition; every
// EndTxn bumps the epoch, so a late write from the finished transaction is refused
// (UnifiedLog.analyzeAndValidateProducerState, stale epoch) and nothing hangs.
#[test]
fn transaction_v2_adds_partitions_at_the_leader_and_refuses_a_late_write() {
    let (_, run) = run("20-transaction-v2-refuses-a-late-write");
    assert!(
        !has_event(
            &run,
            |k| matches!(k, EventKind::MessageSent { label, .. } if label.starts_with("AddPartitionsToTxn"))
        ),
        "the client never sends AddPartitionsToTxn"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::PartitionAddedForProducer { error: None, .. }
    )));
    assert_eq!(
        epochs_of(&run, "p1"),
        vec![0, 1, 2],
        "one bump per transaction"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::RawProduceHandled {
            result: Some(Err(ErrorCode::InvalidProducerEpoch)),
            ..
        }
    )));
    assert_eq!(
        log_values(&run, 0),
        vec![
            "first transaction",
            "coordinator_epoch=0",
            "plain write",
            "second transaction",
            "coordinator_epoch=0"
        ],
        "records and markers; the late write is not among them"
    );
    assert_eq!(received_offsets(&run, "reader"), vec![0, 2, 3]);
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::HangingTransactionsFound { hanging, .. } if hanging.is_empty()
    )));
}

// The same late write under transaction V1 without verification: same epoch, next sequence, so
// the leader appends it and opens a transaction the coordinator never ends.
#[test]
fn transaction_v1_without_verification_lets_the_same_late_write_hang() {
    let (_, run) = run("20-transaction-v1-lets-a-late-write-hang");
    assert_eq!(
        epochs_of(&run, "p1"),
        vec![0],
        "the epoch stays put across transactions"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::RawProduceHandled {
            result: Some(Ok(_)),
            ..
        }
    )));
    assert_eq!(
        received_offsets(&run, "reader"),
        vec![0],
        "p2's record waits behind the hanging transaction"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::HangingTransactionsFound { hanging, .. } if hanging.len() == 1
    )));
}

fn broken_at(run: &ScenarioRun, name: &str) -> Option<u64> {
    run.world
        .invariants()
        .status(name)
        .expect("known invariant")
        .broken
        .as_ref()
        .map(|v| v.step)
}

// KIP-664's abort is for hanging transactions: aimed at a live one, it aborts one partition's
// share of a transaction the coordinator then commits.
#[test]
fn an_admin_abort_of_a_live_transaction_breaks_all_or_nothing() {
    let (_, run) = run("20-admin-abort-of-a-live-transaction-breaks-atomicity");
    assert_eq!(broken_at(&run, TRANSACTIONS_ALL_OR_NOTHING), Some(11));
    assert_eq!(
        received_values(&run, "reader"),
        vec![("payments".to_owned(), "credit bob 10".to_owned())],
        "the credit without the debit"
    );
    assert!(holds(&run, COORDINATOR_TRANSITIONS_VALID));
}

// The problem KIP-890 solves: without verification, a fenced producer's late write opens a
// transaction on a partition that the next instance's COMMIT marker then closes.
#[test]
fn without_verification_a_zombies_late_write_is_committed_by_the_next_instance() {
    let (_, run) = run("14-20-late-zombie-write-committed-without-verification");
    assert_eq!(broken_at(&run, FENCED_WRITES_NEVER_COMMITTED), Some(14));
    assert_eq!(received_offsets(&run, "reader"), vec![0, 1]);
    assert!(holds(&run, TRANSACTIONS_ALL_OR_NOTHING));
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
            |k| matches!(k, EventKind::NothingPolled { consumer } if &*consumer.0 == "reader-committed")
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

/// (topic, value) of every record a consumer received, in order.
fn received_values(run: &ScenarioRun, consumer: &str) -> Vec<(String, String)> {
    let id = eos_core::ClientId::new(consumer);
    run.world
        .consumer(&id)
        .expect("consumer exists")
        .received
        .iter()
        .map(|r| (r.topic_partition.topic.to_string(), r.value.clone()))
        .collect()
}

fn txn_state(run: &ScenarioRun, producer: &str) -> Option<ClientTxnState> {
    run.world
        .producer(&eos_core::ClientId::new(producer))
        .and_then(|p| p.txn_state())
}

/// The `__transaction_state` records of one transactional id: (state, epoch).
fn txn_log(run: &ScenarioRun, transactional_id: &str) -> Vec<(TransactionState, i16)> {
    run.world
        .coordinator()
        .log()
        .iter()
        .filter(|r| r.transactional_id == transactional_id)
        .map(|r| (r.state, r.producer_epoch.0))
        .collect()
}

// Concept 11 (KIP-98): the records of a committed transaction become visible together, in both
// topics; an aborted one's never, though they stay in the logs.
#[test]
fn a_transaction_writes_two_topics_all_or_nothing() {
    let (_, run) = run("11-atomic-write-to-two-topics");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    let committed = received_values(&run, "reader");
    assert_eq!(
        committed,
        vec![
            (
                "ledger".to_owned(),
                "debit alice 10, credit bob 10".to_owned()
            ),
            ("payments".to_owned(), "alice pays bob 10".to_owned()),
        ],
        "both committed records, none of the aborted pay-2"
    );
    assert!(
        has_event(
            &run,
            |k| matches!(k, EventKind::NothingPolled { consumer } if &*consumer.0 == "reader")
        ),
        "while the transaction was open, read_committed saw neither record"
    );
    let raw = received_values(&run, "raw-reader");
    assert_eq!(
        raw.iter().filter(|(_, v)| v.contains("carol")).count(),
        2,
        "read_uncommitted sees the aborted records: {raw:?}"
    );
    assert_eq!(
        txn_log(&run, "payment-writer")
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        vec![
            TransactionState::Empty,
            TransactionState::Ongoing,
            TransactionState::Ongoing,
            TransactionState::PrepareCommit,
            TransactionState::CompleteCommit,
            TransactionState::Ongoing,
            TransactionState::Ongoing,
            TransactionState::PrepareAbort,
            TransactionState::CompleteAbort,
        ]
    );
}

// Concept 12 (rule section 11): PrepareCommit is written and answered before any marker; markers
// make each partition readable on its own; CompleteCommit comes last.
#[test]
fn two_phase_commit_answers_after_prepare_and_completes_after_every_marker() {
    let (_, run) = run("12-two-phase-commit-step-by-step");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    let order: Vec<&str> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::TxnLogAppended {
                state: TransactionState::PrepareCommit,
                ..
            } => Some("prepare"),
            EventKind::ProducerTxnStateChanged {
                to: ClientTxnState::Ready,
                from: ClientTxnState::CommittingTransaction,
                ..
            } => Some("client answered"),
            EventKind::MarkerWritten { .. } => Some("marker"),
            EventKind::TxnLogAppended {
                state: TransactionState::CompleteCommit,
                ..
            } => Some("complete"),
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        ["prepare", "client answered", "marker", "marker", "complete"]
    );
    let polls: Vec<Vec<(String, String)>> = run
        .trace
        .steps
        .iter()
        .filter(|s| matches!(s.action, eos_core::Action::Poll { .. }))
        .map(|s| {
            s.outcome
                .as_ref()
                .map(|events| {
                    events
                        .iter()
                        .filter_map(|e| match &e.kind {
                            EventKind::RecordsPolled {
                                topic_partition, ..
                            } => Some((topic_partition.to_string(), String::new())),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(polls.len(), 3);
    assert!(polls[0].is_empty(), "committed, but no marker yet: nothing");
    assert_eq!(polls[1], [("payments-0".to_owned(), String::new())]);
    assert_eq!(polls[2], [("payments-1".to_owned(), String::new())]);
}

// Concept 14 (rules C7, C8, P5): the new instance fences the zombie; the zombie's produce gets
// INVALID_PRODUCER_EPOCH (abortable), its EndTxn PRODUCER_FENCED (fatal); its records are never
// visible to read_committed.
#[test]
fn a_new_instance_fences_the_zombie_whose_records_never_become_visible() {
    let (_, run) = run("14-zombie-fencing");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::SendFailed {
            error: ErrorCode::InvalidProducerEpoch,
            ..
        }
    )));
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::TxnRequestRefused {
            error: ErrorCode::ProducerFenced,
            ..
        }
    )));
    assert_eq!(txn_state(&run, "p1"), Some(ClientTxnState::FatalError));
    assert_eq!(txn_state(&run, "p1-new"), Some(ClientTxnState::Ready));
    assert_eq!(
        received_values(&run, "reader"),
        vec![("payments".to_owned(), "from the new instance".to_owned())]
    );
    assert_eq!(
        run.world
            .producer(&eos_core::ClientId::new("p1-new"))
            .unwrap()
            .producer_epoch
            .0,
        2,
        "the fence raised the epoch to 1, the retried InitProducerId to 2"
    );
}

// Concept 15 (rule C10, C11): a transaction open longer than transaction.timeout.ms is aborted by
// the coordinator; the producer's later commit is PRODUCER_FENCED.
#[test]
fn a_too_low_transaction_timeout_aborts_good_work() {
    let (_, run) = run("15-transaction-timeout-aborts-good-work");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    assert_eq!(
        txn_log(&run, "hasty-writer"),
        vec![
            (TransactionState::Empty, 0),
            (TransactionState::Ongoing, 0),
            (TransactionState::PrepareAbort, 1),
            (TransactionState::CompleteAbort, 1),
        ]
    );
    assert_eq!(txn_state(&run, "p-hasty"), Some(ClientTxnState::FatalError));
    assert_eq!(
        received_values(&run, "reader"),
        vec![("payments".to_owned(), "slow and patient".to_owned())]
    );
}

// Concept 10 (rules C4, C6): the transactional.id keeps its producer id across restarts; each
// new instance's InitProducerId bumps the epoch, and every transition is in __transaction_state.
#[test]
fn the_transactional_id_keeps_its_producer_id_and_a_new_instance_bumps_the_epoch() {
    let (_, run) = run("10-transactional-id-and-the-transaction-log");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    assert_eq!(
        txn_log(&run, "payment-writer"),
        vec![
            (TransactionState::Empty, 0),
            (TransactionState::Ongoing, 0),
            (TransactionState::PrepareCommit, 0),
            (TransactionState::CompleteCommit, 0),
            (TransactionState::Empty, 1),
        ]
    );
    let p1 = run.world.producer(&eos_core::ClientId::new("p1")).unwrap();
    assert_eq!((p1.producer_id.0, p1.producer_epoch.0), (1000, 1));
    assert_eq!(
        received_values(&run, "reader"),
        vec![("payments".to_owned(), "alice pays bob 10".to_owned())]
    );
}

// Concept 17 (rule C12): a coordinator that fails after PrepareCommit rebuilds its state from
// __transaction_state and writes the markers again; nothing is visible until then.
#[test]
fn a_restarted_coordinator_finishes_a_commit_decided_before_it_failed() {
    let (_, run) = run("17-coordinator-failure-mid-commit");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    let polls: Vec<bool> = run
        .trace
        .steps
        .iter()
        .filter(|s| matches!(s.action, eos_core::Action::Poll { .. }))
        .map(|s| {
            s.outcome.as_ref().is_ok_and(|events| {
                events
                    .iter()
                    .any(|e| matches!(&e.kind, EventKind::RecordsPolled { offsets, .. } if !offsets.is_empty()))
            })
        })
        .collect();
    assert_eq!(
        polls,
        [false, true],
        "nothing before the recovery, then the commit"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::CoordinatorLoaded {
            coordinator_epoch: 1,
            ..
        }
    )));
    assert_eq!(
        txn_log(&run, "payment-writer").last(),
        Some(&(TransactionState::CompleteCommit, 0))
    );
    assert_eq!(received_values(&run, "reader").len(), 2);
}

// Concept 17 with a replicated __transaction_state: when the coordinator's broker crashes after
// PrepareCommit, another replica takes the coordinator over under a higher epoch and finishes
// the commit at once; the old coordinator's late markers are fenced by that epoch, and the
// producer finds the coordinator on its new broker.
#[test]
fn a_replica_of_the_transaction_log_takes_over_and_fences_the_old_coordinator() {
    let (_, run) = run("17-coordinator-failover");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::CoordinatorMoved {
            from: BrokerId(1),
            to: BrokerId(2),
            coordinator_epoch: 1,
        }
    )));
    assert_eq!(run.world.coordinator().broker(), BrokerId(2));
    let fenced = run
        .trace
        .steps
        .iter()
        .filter_map(|s| s.outcome.as_ref().ok())
        .flatten()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::BatchRejected {
                    error: ErrorCode::TransactionCoordinatorFenced,
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        fenced, 2,
        "both of the old coordinator's markers are fenced"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::CoordinatorFound {
            broker: BrokerId(2),
            ..
        }
    )));
    assert_eq!(
        txn_log(&run, "payment-writer").last(),
        Some(&(TransactionState::CompleteCommit, 0))
    );
    // Broker 1 never came back: the commit did not wait for it.
    assert!(!run.world.cluster().is_alive(BrokerId(1)));
    assert_eq!(received_values(&run, "reader").len(), 2);
}

// Concept 16 (rule C7): two different applications with one transactional.id fence each other
// at every start; both end fenced and nothing is committed.
#[test]
fn a_shared_transactional_id_makes_two_producers_fence_each_other() {
    let (_, run) = run("16-shared-transactional-id-fences-over-and-over");
    assert!(run.world.invariants().all_hold());
    let fences = run
        .events()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::TxnStateChanged {
                    to: TransactionState::PrepareEpochFence,
                    ..
                }
            )
        })
        .count();
    assert_eq!(fences, 2, "each start fenced the other's open transaction");
    assert_eq!(
        txn_state(&run, "refunds-app"),
        Some(ClientTxnState::FatalError)
    );
    assert!(
        received_values(&run, "reader").is_empty(),
        "nothing committed"
    );
    assert!(
        !txn_log(&run, "app")
            .iter()
            .any(|(s, _)| *s == TransactionState::CompleteCommit)
    );
}

fn committed_offset(run: &ScenarioRun, group: &str, topic: &str) -> Option<i64> {
    run.world
        .groups()
        .get(group)
        .and_then(|g| g.committed.get(&TopicPartition::new(topic, 0)))
        .map(|o| o.0)
}

/// (commit?, applied?) of each transactional offset a marker decided, in order.
fn txn_offset_outcomes(run: &ScenarioRun) -> Vec<(bool, bool)> {
    run.events()
        .filter_map(|e| match &e.kind {
            EventKind::TxnOffsetCompleted {
                commit, applied, ..
            } => Some((*commit, *applied)),
            _ => None,
        })
        .collect()
}

// Concept 22 (rule O1, O2): the input offset rides in the transaction. An abort discards it, so
// the input is processed again; the commit makes it committed only at the marker; meanwhile a
// restarted consumer is told UNSTABLE_OFFSET_COMMIT; read_committed sees exactly one receipt.
// KIP-890 part 2 (TransactionManager with isTransactionV2Enabled): TxnOffsetCommit goes without
// AddOffsetsToTxn and the group coordinator adds the offsets partition; the outcome is V1's.
#[test]
fn consume_transform_produce_under_transaction_v2_skips_add_requests_with_the_same_outcome() {
    let (_, run) = run("22-consume-transform-produce-transaction-v2");
    assert!(run.world.invariants().all_hold());
    assert!(
        !has_event(&run, |k| matches!(k, EventKind::MessageSent { label, .. }
            if label.starts_with("AddPartitionsToTxn") || label.starts_with("AddOffsetsToTxn"))),
        "the client sends neither AddPartitionsToTxn nor AddOffsetsToTxn"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::PartitionAddedForProducer { topic_partition, error: None, .. }
            if &*topic_partition.topic == "__consumer_offsets"
    )));
    assert_eq!(
        received_values(&run, "auditor"),
        vec![(
            "receipts".to_owned(),
            "receipt: alice paid bob 10".to_owned()
        )]
    );
    assert_eq!(
        txn_offset_outcomes(&run),
        vec![(false, false), (true, true)]
    );
    assert_eq!(
        epochs_of(&run, "tx"),
        vec![0, 1, 2],
        "each EndTxn bumps the epoch"
    );
}

fn costs_of(name: &str) -> eos_core::views::costs::Costs {
    let (_, run) = run(name);
    eos_core::views::costs::Costs::of(run.events())
}

// Concept 26: the coordinator round trips, transaction-log writes and markers are paid per
// transaction, so six one-record transactions cost several times what one six-record one does.
#[test]
fn transactions_pay_a_fixed_price_so_longer_ones_cost_less_per_record() {
    let small = costs_of("26-cost-one-record-per-transaction");
    let long = costs_of("26-cost-six-records-in-one-transaction");
    assert_eq!((small.records_appended, long.records_appended), (6, 6));
    assert_eq!(
        (small.markers_appended, long.markers_appended),
        (6, 2),
        "a marker per transaction and partition"
    );
    assert_eq!(
        (small.transactions_committed, long.transactions_committed),
        (6, 1)
    );
    assert!(
        small.transaction_requests() >= 3 * long.transaction_requests(),
        "{small:?} vs {long:?}"
    );
    assert!(small.transaction_log_appends >= 3 * long.transaction_log_appends);
}

// Concept 19's price of a long transaction: its first records wait, unread, for the commit.
#[test]
fn a_long_transaction_keeps_read_committed_waiting_until_it_commits() {
    let (_, run) = run("26-cost-six-records-in-one-transaction");
    let polls: Vec<usize> = run
        .trace
        .steps
        .iter()
        .filter(|s| matches!(s.action, eos_core::Action::Poll { .. }))
        .map(|s| {
            s.outcome
                .as_ref()
                .map(|events| {
                    events
                        .iter()
                        .filter_map(|e| match &e.kind {
                            EventKind::RecordsPolled { offsets, .. } => Some(offsets.len()),
                            _ => None,
                        })
                        .sum()
                })
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(
        polls,
        vec![0, 6],
        "nothing mid-transaction, all six after the commit"
    );
}

// Concept 27 (StreamsProducer): exactly_once runs a transactional producer per task,
// exactly_once_v2 one per thread, so the same work costs one transaction per task per commit
// instead of one per thread.
#[test]
fn streams_exactly_once_v2_asks_less_of_the_coordinator_than_exactly_once_for_the_same_output() {
    let (_, v1) = run("27-streams-exactly-once");
    let (_, v2) = run("27-streams-exactly-once-v2");
    let ids = |run: &ScenarioRun| -> Vec<String> {
        run.world
            .coordinator()
            .transactions()
            .map(|m| m.transactional_id.clone())
            .collect()
    };
    assert_eq!(ids(&v1), vec!["receipts-app-0_0", "receipts-app-0_1"]);
    assert_eq!(ids(&v2), vec!["receipts-app-p1-1"]);
    assert_eq!(
        received_values(&v1, "auditor"),
        received_values(&v2, "auditor"),
        "the same receipts either way"
    );
    assert_eq!(received_values(&v2, "auditor").len(), 4);
    let (c1, c2) = (
        eos_core::views::costs::Costs::of(v1.events()),
        eos_core::views::costs::Costs::of(v2.events()),
    );
    assert_eq!(
        (c1.transactions_committed, c2.transactions_committed),
        (2, 1)
    );
    assert_eq!((c1.requests["EndTxn"], c2.requests["EndTxn"]), (2, 1));
    assert_eq!((c1.markers_appended, c2.markers_appended), (2, 1));
    assert!(c1.transaction_log_appends > c2.transaction_log_appends);
}

// Rule C4's expiry row and C6 (TransactionStateManager.removeExpiredTransactionalIds,
// TransactionCoordinator.prepareInitProducerIdTransit): an id idle for
// transactional.id.expiration.ms is tombstoned and forgotten; it comes back under a new producer
// id at epoch 0, and an InitProducerId holding the former producer id is PRODUCER_FENCED.
#[test]
fn an_idle_transactional_id_expires_and_comes_back_under_a_new_producer_id() {
    let (_, run) = run("10-14-transactional-id-expires");
    let log: Vec<(TransactionState, i64, i16)> = run
        .world
        .coordinator()
        .log()
        .iter()
        .map(|r| (r.state, r.producer_id.0, r.producer_epoch.0))
        .collect();
    assert_eq!(
        log,
        vec![
            (TransactionState::Empty, 1000, 0),
            (TransactionState::Ongoing, 1000, 0),
            (TransactionState::PrepareCommit, 1000, 0),
            (TransactionState::CompleteCommit, 1000, 0),
            (TransactionState::Dead, 1000, 0),
            (TransactionState::Empty, 1001, 0),
        ],
        "a tombstone, then payment-writer starts over at a new producer id"
    );
    assert_eq!(
        raw_answers(&run),
        vec![("InitProducerId".to_owned(), Some(ErrorCode::ProducerFenced))]
    );
    assert_eq!(
        run.world
            .coordinator()
            .transactions()
            .map(|m| (m.producer_id.0, m.producer_epoch.0))
            .collect::<Vec<_>>(),
        vec![(1001, 0)],
        "the old instance's InitProducerId changed nothing"
    );
}

// Rule O3 (OffsetMetadataManager.validateTransactionalOffsetCommit, ClassicGroup
// .validateOffsetCommit): a missing group takes only generation -1, then member, instance id and
// generation are checked, and only accepted offsets are committed by the marker.
#[test]
fn txn_offset_commit_checks_group_member_instance_and_generation() {
    let (_, run) = run("22-txn-offset-commit-checks-the-group");
    // The transaction coordinator's answers travel the network and arrive last.
    let expected = [
        ("TxnOffsetCommit", None),
        ("TxnOffsetCommit", Some(ErrorCode::IllegalGeneration)),
        ("TxnOffsetCommit", Some(ErrorCode::UnknownMemberId)),
        ("TxnOffsetCommit", Some(ErrorCode::FencedInstanceId)),
        ("TxnOffsetCommit", Some(ErrorCode::IllegalGeneration)),
        ("TxnOffsetCommit", None),
        ("InitProducerId", None),
        ("EndTxn", None),
    ];
    assert_eq!(
        raw_answers(&run),
        expected
            .iter()
            .map(|(r, e)| ((*r).to_owned(), *e))
            .collect::<Vec<_>>()
    );
    let tp = TopicPartition::new("payments", 0);
    let committed = |group: &str| {
        run.world
            .groups()
            .get(group)
            .and_then(|g| g.committed.get(&tp))
            .copied()
    };
    assert_eq!(
        committed("refunds"),
        Some(eos_core::Offset(3)),
        "a simple group was created"
    );
    assert_eq!(
        committed("billing"),
        Some(eos_core::Offset(5)),
        "only the member's offset"
    );
    assert!(
        !run.world.groups().contains_key("audit"),
        "a refused commit creates no group"
    );
}

// KIP-447: under exactly_once_v2 the group coordinator fences a commit made with a generation
// the group has left; Kafka Streams aborts, rewinds to the committed offsets and does it again.
#[test]
fn streams_v2_commit_with_a_stale_generation_is_fenced_and_redone_once() {
    let (_, run) = run("27-streams-v2-zombie-fenced-by-group-generation");
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::TxnOffsetCommitRefused {
            error: ErrorCode::IllegalGeneration,
            ..
        }
    )));
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::StreamsTasksReset { .. }
    )));
    let receipts = received_values(&run, "auditor");
    assert_eq!(
        receipts.len(),
        4,
        "each payment's receipt once: {receipts:?}"
    );
    assert!(run.world.invariants().all_hold());
    let costs = eos_core::views::costs::Costs::of(run.events());
    assert_eq!(
        (costs.transactions_aborted, costs.transactions_committed),
        (1, 1)
    );
}

#[test]
fn consume_transform_produce_commits_output_and_input_offsets_together() {
    let (_, run) = run("22-consume-transform-produce");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    assert_eq!(
        received_values(&run, "auditor"),
        vec![(
            "receipts".to_owned(),
            "receipt: alice paid bob 10".to_owned()
        )],
        "exactly one receipt is visible, though two were written"
    );
    assert_eq!(
        received_values(&run, "processor")
            .iter()
            .filter(|(_, v)| v == "alice pays bob 10")
            .count(),
        2,
        "after the abort the processor reads pay-1 again"
    );
    assert_eq!(
        txn_offset_outcomes(&run),
        vec![(false, false), (true, true)],
        "the aborted transaction's offset is discarded, the committed one's applied"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::FetchFailed { consumer, error: ErrorCode::UnstableOffsetCommit, .. }
            if &*consumer.0 == "processor"
    )));
    assert_eq!(committed_offset(&run, "receipt-maker", "payments"), Some(1));
    let group = &run.world.groups()["receipt-maker"];
    assert!(group.pending_txn_offsets.is_empty());
    let processor = run
        .world
        .consumer(&eos_core::ClientId::new("processor"))
        .unwrap();
    assert_eq!(
        processor
            .positions
            .get(&TopicPartition::new("payments", 0))
            .map(|o| o.0),
        Some(1),
        "after the marker the restarted processor starts after pay-1, not before it"
    );
}

// Concept 23: a plain auto-commit on poll, outside the transaction, survives the transaction's
// abort, so the restarted processor skips input whose output was never committed.
#[test]
fn auto_commit_with_transactions_loses_the_output_of_an_aborted_transaction() {
    let (_, run) = run("23-auto-commit-breaks-exactly-once");
    let receipts: Vec<String> = received_values(&run, "auditor")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        receipts,
        vec!["receipt: alice paid bob 10".to_owned()],
        "the receipt for pay-2 is missing: the guarantee is broken"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::OffsetCommitted { consumer, offset, .. }
            if &*consumer.0 == "processor" && offset.0 == 2
    )));
    assert_eq!(
        txn_offset_outcomes(&run),
        vec![(true, true), (false, false)]
    );
    assert_eq!(
        committed_offset(&run, "receipt-maker", "payments"),
        Some(2),
        "the auto-committed offset stays past pay-2 although its transaction aborted"
    );
    assert_eq!(
        received_values(&run, "processor")
            .iter()
            .filter(|(_, v)| v == "carol pays dave 20")
            .count(),
        1,
        "pay-2 is never processed again"
    );
    assert_eq!(
        broken_at(&run, NO_RECORD_SKIPPED_BY_GROUP),
        Some(25),
        "the abort leaves pay-2 behind the auto-committed offset"
    );
}

// Concept 28: one transaction per checkpoint holds several inputs' output; read_committed sees
// none of it before the checkpoint commits, all of it after, and a crash between checkpoints
// rolls the interval back so that each receipt is visible exactly once.
#[test]
fn one_transaction_per_checkpoint_commits_several_inputs_together() {
    let (_, run) = run("28-one-transaction-per-checkpoint");
    assert!(
        run.world.invariants().all_hold(),
        "{:?}",
        run.world.invariants().statuses()
    );
    assert!(
        has_event(
            &run,
            |k| matches!(k, EventKind::NothingPolled { consumer } if &*consumer.0 == "auditor")
        ),
        "before the first checkpoint the auditor sees no receipt at all"
    );
    let receipts: Vec<String> = received_values(&run, "auditor")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        receipts,
        vec![
            "receipt: alice paid bob 10",
            "receipt: carol paid dave 20",
            "receipt: erin paid frank 30",
            "receipt: gina paid hal 40",
            "receipt: ivan paid judy 50",
        ],
        "each receipt exactly once, though pay-4 and pay-5 were written twice"
    );
    assert_eq!(
        txn_offset_outcomes(&run),
        vec![(true, true), (true, true)],
        "one offset commit per checkpoint, each covering several inputs"
    );
    assert_eq!(committed_offset(&run, "receipt-job", "payments"), Some(5));
    assert_eq!(
        received_values(&run, "source")
            .iter()
            .filter(|(_, v)| v.contains("gina") || v.contains("ivan"))
            .count(),
        4,
        "the interval that crashed is read again from the last checkpoint"
    );
}

// docs/concepts.md lists, for each concept, exactly the shipped scenarios that name it.
#[test]
fn the_concepts_table_lists_every_scenario_under_each_of_its_concepts() {
    let table = std::fs::read_to_string(root().join("docs/concepts.md")).unwrap();
    let mut listed: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    for row in table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let Ok(concept) = cells[1].parse::<u32>() else {
            continue;
        };
        let files = cells[3]
            .split(", ")
            .map(|f| f.trim_matches('`').to_owned())
            .collect();
        listed.insert(concept, files);
    }
    assert_eq!(
        listed.keys().copied().collect::<Vec<_>>(),
        (1..=28).collect::<Vec<_>>()
    );
    let mut expected: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    let mut paths: Vec<_> = std::fs::read_dir(root().join("assets/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let scenario = Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for concept in scenario.concepts {
            expected.entry(concept).or_default().push(file.clone());
        }
    }
    assert_eq!(listed, expected);
}

/// The events of one step (counting from 1), as the report numbers them.
fn step_events(run: &ScenarioRun, step: usize) -> Vec<EventKind> {
    run.trace.steps[step - 1]
        .outcome
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

// TransactionsTest.testReadCommittedConsumerShouldNotSeeUndecidedData: seekToEnd goes to the LSO
// under read_committed and to the high watermark under read_uncommitted, and offsetsForTimes
// answers null for undecided data (Partition.fetchOffsetForTimestamp).
#[test]
fn seek_to_end_and_offsets_for_times_stop_at_the_lso_under_read_committed() {
    use eos_core::event::SeekTarget;
    let (_, run) = run("18-19-seek-to-end-stops-at-the-lso");
    let tp = TopicPartition::new("payments", 0);
    let seeked = |step, consumer: &str| {
        step_events(&run, step).into_iter().find_map(|k| match k {
            EventKind::ConsumerSeeked {
                consumer: c,
                offset,
                to: SeekTarget::End,
                ..
            } if &*c.0 == consumer => Some(offset.0),
            _ => None,
        })
    };
    assert_eq!(seeked(10, "reader"), Some(1), "read_committed: the LSO");
    assert_eq!(seeked(11, "auditor"), Some(2), "read_uncommitted: the HW");
    let for_time = |step| {
        step_events(&run, step).into_iter().find_map(|k| match k {
            EventKind::OffsetForTimeRead { offset, .. } => Some(offset.map(|o| o.0)),
            _ => None,
        })
    };
    assert_eq!(
        for_time(12),
        Some(Some(1)),
        "auditor sees the undecided record"
    );
    assert_eq!(
        for_time(13),
        Some(None),
        "reader is told null while undecided"
    );
    assert_eq!(for_time(16), Some(Some(1)), "after the commit");
    assert_eq!(
        seeked(17, "reader"),
        Some(3),
        "past the marker once decided"
    );
    assert!(step_events(&run, 19).iter().any(|k| matches!(
        k,
        EventKind::PositionRead {
            offset: Some(eos_core::Offset(0)),
            ..
        }
    )));
    // An assigned consumer commits as a simple group: generation -1, no member.
    assert_eq!(
        run.world
            .groups()
            .get("reporting")
            .and_then(|g| g.committed.get(&tp)),
        Some(&eos_core::Offset(3))
    );
    assert!(step_events(&run, 23).iter().any(|k| matches!(
        k,
        EventKind::GroupMetadataRead { generation_id: -1, member_id, .. } if member_id.is_empty()
    )));
    assert!(holds(&run, READ_COMMITTED_SEES_ONLY_COMMITTED));
}

// AbstractCoordinator.handlePollTimeoutExpiry and ConsumerCoordinator.sendOffsetCommitRequest: a
// member that does not poll within max.poll.interval.ms leaves, its commit fails without a
// request, and another member processes the same records again. A simple commit while the group
// has members is UNKNOWN_MEMBER_ID (ClassicGroup.validateOffsetCommit).
#[test]
fn a_consumer_too_slow_for_max_poll_interval_loses_its_partitions_and_its_commit() {
    let (_, run) = run("02-slow-consumer-leaves-its-group");
    assert!(step_events(&run, 7).iter().any(|k| matches!(
        k,
        EventKind::PollTimeoutExpired { consumer, .. } if &*consumer.0 == "c1"
    )));
    assert!(step_events(&run, 9).iter().any(|k| matches!(
        k,
        EventKind::CommitFailed { consumer, error: None, .. } if &*consumer.0 == "c1"
    )));
    assert!(step_events(&run, 11).iter().any(|k| matches!(
        k,
        EventKind::GroupRebalanced {
            generation_id: 3,
            ..
        }
    )));
    assert!(step_events(&run, 16).iter().any(|k| matches!(
        k,
        EventKind::CommitFailed { consumer, error: Some(ErrorCode::UnknownMemberId), .. } if &*consumer.0 == "auditor"
    )));
    assert_eq!(times_applied(&run, "pay-1"), 2);
    assert!(!holds(&run, NO_DUPLICATE_EFFECT));
    let c1 = run.world.consumer(&eos_core::ClientId::new("c1")).unwrap();
    assert_eq!(c1.assignment, vec![TopicPartition::new("payments", 0)]);
    assert!(step_events(&run, 18).iter().any(|k| matches!(
        k,
        EventKind::ConsumerClosed { consumer, .. } if &*consumer.0 == "c2"
    )));
    assert!(
        step_events(&run, 18)
            .iter()
            .any(|k| matches!(k, EventKind::GroupRebalanced { .. }))
    );
}

fn offset_commit_errors(run: &ScenarioRun) -> Vec<Option<ErrorCode>> {
    run.trace
        .steps
        .iter()
        .filter_map(|s| s.outcome.as_ref().ok())
        .flatten()
        .filter_map(|e| match &e.kind {
            EventKind::OffsetCommitAnswered { error, .. } => Some(*error),
            _ => None,
        })
        .collect()
}

fn offset_fetch_answers(run: &ScenarioRun) -> Vec<(i64, Option<ErrorCode>)> {
    run.trace
        .steps
        .iter()
        .filter_map(|s| s.outcome.as_ref().ok())
        .flatten()
        .filter_map(|e| match &e.kind {
            EventKind::OffsetFetchAnswered { partitions, .. } => {
                partitions.first().map(|p| (p.committed_offset.0, p.error))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn hand_made_offset_commits_check_the_group_and_a_stable_fetch_waits_for_the_transaction() {
    let (_, run) = run("22-offset-commit-and-fetch-by-hand");
    assert_eq!(
        offset_commit_errors(&run),
        vec![
            Some(ErrorCode::GroupIdNotFound),
            None,
            Some(ErrorCode::UnknownMemberId),
            None
        ]
    );
    assert_eq!(committed_offset(&run, "audit", "payments"), Some(2));
    assert_eq!(
        offset_fetch_answers(&run),
        vec![
            (-1, Some(ErrorCode::UnstableOffsetCommit)),
            (1, None),
            (4, None)
        ],
        "stable: unstable while pending; plain: the last committed; stable after the marker: the transaction's"
    );
    assert_eq!(committed_offset(&run, "billing", "payments"), Some(4));
}

#[test]
fn consumer_offsets_is_a_log_whose_markers_decide_the_pending_commits() {
    let (_, run) = run("22-consumer-offsets-log");
    let log = run.world.offsets_log();
    let statuses: Vec<Option<&str>> = log
        .records()
        .map(|(at, _)| log.status_of(at).map(CommitRecordStatus::name))
        .collect();
    assert_eq!(
        statuses,
        vec![
            Some("plain"),
            Some("committed"),
            None,
            Some("aborted"),
            None,
            Some("committed"),
            None
        ],
        "records 2, 4 and 6 are markers"
    );
    assert_eq!(
        offset_fetch_answers(&run),
        vec![
            (-1, Some(ErrorCode::UnstableOffsetCommit)),
            (5, None),
            (5, None),
            (12, None)
        ],
        "pending, committed by the marker, kept through the abort, committed by the hand-made marker"
    );
    let details: Vec<(Option<i32>, Option<String>)> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::OffsetFetchAnswered { partitions, .. } => partitions.first().cloned(),
            _ => None,
        })
        .map(|p| (p.leader_epoch, p.metadata))
        .collect();
    assert_eq!(
        details[1],
        (Some(0), Some("receipts-run-1".to_owned())),
        "OffsetFetch returns the leader epoch and metadata committed with the offset"
    );
    let hand_made: Vec<Result<i64, ErrorCode>> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::OffsetsMarkerAnswered { result, .. } => Some(result.map(|o| o.0)),
            _ => None,
        })
        .collect();
    assert_eq!(
        hand_made,
        vec![Err(ErrorCode::InvalidProducerEpoch), Ok(6)],
        "transaction version 2 wants the marker's epoch above the partition's"
    );
    assert_eq!(committed_offset(&run, "billing", "payments"), Some(12));
}

#[test]
fn a_hand_made_fetch_returns_kafkas_response_and_the_consumer_filters_it() {
    let (_, run) = run("18-21-hand-made-fetch-and-delete-records");
    let answers: Vec<_> = run
        .trace
        .steps
        .iter()
        .filter_map(|s| s.outcome.as_ref().ok())
        .flatten()
        .filter_map(|e| match &e.kind {
            EventKind::FetchAnswered {
                response, returned, ..
            } => Some((response.clone(), returned.clone())),
            _ => None,
        })
        .collect();
    let (committed, returned) = &answers[0];
    assert_eq!(committed.last_stable_offset.0, 4);
    assert_eq!(committed.high_watermark.0, 6);
    let bases: Vec<i64> = committed.batches.iter().map(|b| b.base_offset.0).collect();
    assert_eq!(
        bases,
        vec![0, 2, 3],
        "unfiltered: aborted batch and marker included"
    );
    let aborted = committed
        .aborted_transactions
        .clone()
        .expect("read_committed");
    assert_eq!(
        aborted
            .iter()
            .map(|t| (t.producer_id.0, t.first_offset.0))
            .collect::<Vec<_>>(),
        vec![(5000, 0)]
    );
    assert_eq!(returned.iter().map(|o| o.0).collect::<Vec<_>>(), vec![2]);
    let (uncommitted, returned) = &answers[1];
    assert_eq!(uncommitted.aborted_transactions, None);
    assert_eq!(
        returned.iter().map(|o| o.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 4, 5]
    );
    assert_eq!(
        answers[2].0.batches.len(),
        1,
        "max_records 2: the first batch only"
    );
    assert_eq!(answers[3].0.error, Some(ErrorCode::OffsetOutOfRange));
    assert_eq!(answers[3].0.high_watermark.0, -1);
    assert_eq!(received_offsets(&run, "reader"), vec![2, 4, 5]);
}

#[test]
fn deleting_records_moves_the_log_start_and_the_lso_never_falls_below_it() {
    let (_, run) = run("18-21-hand-made-fetch-and-delete-records");
    let deleted: Vec<(Option<ErrorCode>, i64)> = run
        .trace
        .steps
        .iter()
        .filter_map(|s| s.outcome.as_ref().ok())
        .flatten()
        .filter_map(|e| match &e.kind {
            EventKind::RecordsDeleted {
                error,
                log_start_offset,
                ..
            } => Some((*error, log_start_offset.0)),
            _ => None,
        })
        .collect();
    assert_eq!(
        deleted,
        vec![(Some(ErrorCode::OffsetOutOfRange), -1), (None, 8)],
        "past the high watermark: refused; below it: the log start moves"
    );
    let partition = run
        .world
        .cluster()
        .partition(&TopicPartition::new("payments", 0))
        .expect("payments-0");
    let log = &partition.leader_replica().expect("a leader").log;
    assert_eq!(log.log_start_offset().0, 8);
    assert_eq!(
        partition.last_stable_offset().0,
        8,
        "the open transaction at 7 is below the log start: the LSO is the log start"
    );
    let reader = run
        .world
        .consumer(&eos_core::ClientId::new("reader"))
        .expect("reader");
    assert_eq!(
        reader
            .positions
            .get(&TopicPartition::new("payments", 0))
            .map(|o| o.0),
        Some(8),
        "reset to the log start by auto.offset.reset=earliest"
    );
}

#[test]
fn the_report_gives_the_first_unstable_offset_each_producers_state_and_kafkas_messages() {
    let (scenario, run) = run("18-21-hand-made-fetch-and-delete-records");
    let report: serde_json::Value =
        serde_json::from_str(&Report::new(&scenario, &run).to_json()).expect("JSON");
    let partition = &report["partitions"][0];
    assert_eq!(
        partition["first_unstable_offset"], 8,
        "the open transaction at 7, bounded below by the log start"
    );
    let states = partition["producer_states"].as_array().expect("a list");
    let p5000 = states
        .iter()
        .find(|p| p["producer_id"] == 5000)
        .expect("producer 5000");
    assert_eq!(p5000["first_sequence"], 0);
    assert_eq!(p5000["last_sequence"], 4);
    assert_eq!(p5000["first_offset"], 0);
    assert_eq!(p5000["last_offset"], 7);
    assert_eq!(p5000["coordinator_epoch"], 0, "its last marker's");
    assert_eq!(p5000["current_transaction_first_offset"], 7);
    let messages = report["error_messages"].as_array().expect("a list");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["error"], "OFFSET_OUT_OF_RANGE");
    assert_eq!(
        messages[0]["message"],
        ErrorCode::OffsetOutOfRange.message()
    );
    let sent = report["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["events"].as_array().into_iter().flatten())
        .find(|e| e["event"] == "message_sent");
    assert!(sent.is_none(), "no message travels in this scenario");
}

#[test]
fn every_message_names_its_sender_and_receiver() {
    let (_, run) = run("02-at-least-once");
    let sent: Vec<(String, String)> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent { from, to, .. } => Some((from.to_string(), to.to_string())),
            _ => None,
        })
        .collect();
    assert!(sent.contains(&("p1".to_owned(), "broker 1".to_owned())));
    assert!(sent.contains(&("broker 1".to_owned(), "p1".to_owned())));
}

// Transaction metadata in the report (`TransactionMetadata`): the epoch a retried bump repeats,
// the producer ids around a rotation and the coordinator epoch, so a check never reads narration.
#[test]
fn the_report_gives_each_transactional_ids_metadata_and_the_coordinator_epoch_of_each_record() {
    let report = |name: &str| -> serde_json::Value {
        let (scenario, run) = run(name);
        serde_json::from_str(&Report::new(&scenario, &run).to_json()).expect("JSON")
    };
    let v2 = report("10-14-hand-made-requests-transaction-v2");
    let txn = &v2["transactions"][0];
    assert_eq!(txn["producer_epoch"], 2);
    assert_eq!(
        txn["last_producer_epoch"], 1,
        "the epoch before the abort's bump: an EndTxn retried at epoch 1 is answered as that bump"
    );
    assert_eq!(txn["prev_producer_id"], 1000);
    assert_eq!(
        txn["next_producer_id"], -1,
        "the epoch is far from exhausted"
    );
    assert_eq!(txn["has_failed_epoch_fence"], false);
    assert_eq!(txn["coordinator_epoch"], 0);

    let reloaded = report("17-coordinator-failure-mid-commit");
    assert_eq!(reloaded["transactions"][0]["coordinator_epoch"], 1);
    let epochs: Vec<(String, i64)> = reloaded["transaction_log"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            (
                r["state"].as_str().unwrap_or_default().to_owned(),
                r["coordinator_epoch"].as_i64().unwrap_or(-2),
            )
        })
        .collect();
    assert_eq!(
        epochs.last(),
        Some(&("CompleteCommit".to_owned(), 1)),
        "the restarted coordinator, at epoch 1, writes the completion of the commit decided at epoch 0"
    );
    assert!(epochs[..epochs.len() - 1].iter().all(|(_, e)| *e == 0));
}

// TransactionStateManager.getTransactionState: only the coordinator's broker coordinates a
// transactional id (NOT_COORDINATOR elsewhere), and not while it reads its log back
// (COORDINATOR_LOAD_IN_PROGRESS); the load finishes the commit decided before the crash.
#[test]
fn a_wrong_broker_answers_not_coordinator_and_a_loading_coordinator_load_in_progress() {
    let (_, run) = run("17-not-coordinator-and-load-in-progress");
    assert!(run.world.invariants().all_hold());
    assert_eq!(
        raw_answers(&run),
        vec![
            ("InitProducerId".to_owned(), Some(ErrorCode::NotCoordinator)),
            ("InitProducerId".to_owned(), None),
            ("AddPartitionsToTxn".to_owned(), None),
            ("EndTxn".to_owned(), None),
            (
                "EndTxn".to_owned(),
                Some(ErrorCode::CoordinatorLoadInProgress)
            ),
            ("EndTxn".to_owned(), None),
        ]
    );
    let answered_by: Vec<u32> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::RawCoordinatorRequestHandled { broker, .. } => Some(broker.0),
            _ => None,
        })
        .collect();
    assert_eq!(answered_by, [2, 1, 1, 1, 1, 1]);
    assert_eq!(
        txn_log(&run, "payment-writer"),
        vec![
            (TransactionState::Empty, 0),
            (TransactionState::Ongoing, 0),
            (TransactionState::PrepareCommit, 0),
            (TransactionState::CompleteCommit, 0),
        ],
        "NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS write nothing"
    );
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::CoordinatorLoaded {
            coordinator_epoch: 1,
            ..
        }
    )));
}

// A hand-made produce request carries records with keys, values and CreateTimes, its
// transactional id and version: LogValidator, KafkaApis.handleProduceRequest and the
// coordinator's verification each refuse their own case.
#[test]
fn a_hand_made_produce_request_carries_timestamps_a_transactional_id_and_a_version() {
    let (scenario, run) = run("10-20-hand-made-produce-request-fields");
    assert_eq!(log_values(&run, 0), vec!["10", "20"]);
    assert!(has_event(&run, |k| matches!(
        k,
        EventKind::OffsetForTimeRead {
            offset: Some(eos_core::Offset(1)),
            record_timestamp_ms: Some(5000),
            ..
        }
    )));
    let answers = raw_produce_answers(&run);
    assert_eq!(
        answers,
        vec![
            Some(Ok(eos_core::Offset(0))),
            Some(Err(ErrorCode::InvalidTimestamp)),
            Some(Err(ErrorCode::TransactionalIdAuthorizationFailed)),
            Some(Err(ErrorCode::InvalidProducerIdMapping)),
            Some(Err(ErrorCode::TransactionAbortable)),
        ]
    );
    let report = serde_json::to_value(Report::new(&scenario, &run)).expect("report serializes");
    let stamps: Vec<_> = report["partitions"][0]["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| (r["key"].clone(), r["timestamp_ms"].clone()))
        .collect();
    assert_eq!(
        stamps,
        vec![
            (serde_json::json!("pay-1"), serde_json::json!(1000)),
            (serde_json::json!("pay-2"), serde_json::json!(5000)),
        ]
    );
}
