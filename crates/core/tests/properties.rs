//! Property tests over random runs: random valid actions (from `eos_core::explore`) never make
//! the core panic, and with Kafka's safe settings the guarantees hold whatever the faults.
//! Consumers that commit only after processing (at-least-once) never make their group skip a
//! record: a record read again after a crash is allowed, one never read again is not.
//!
//! Each case is a seed; a failure prints it, and `explore::random_action` replays it exactly.

#![cfg(not(target_arch = "wasm32"))]

use eos_core::broker::batch::ControlKind;
use eos_core::clients::streams::{ProcessingGuarantee, StreamsAppConfig};
use eos_core::config::{
    ClusterConfig, ConsumerConfig, DatabaseConfig, IsolationLevel, ProducerConfig, TopicConfig,
    WorldConfig,
};
use eos_core::explore::{ExploreLimits, random_action};
use eos_core::invariants::{
    COORDINATOR_TRANSITIONS_VALID, FENCED_WRITES_NEVER_COMMITTED, HIGH_WATERMARK_WITHIN_LOG,
    LSO_WITHIN_HIGH_WATERMARK, NO_ACKNOWLEDGED_WRITE_LOST, NO_DUPLICATE_WRITE,
    NO_RECORD_SKIPPED_BY_GROUP, OFFSETS_CONTIGUOUS, READ_COMMITTED_SEES_ONLY_COMMITTED,
    TRANSACTIONS_ALL_OR_NOTHING,
};
use eos_core::rng::SimRng;
use eos_core::{Action, World};
use proptest::prelude::*;

fn topic(replication_factor: u32, min_insync_replicas: u32) -> TopicConfig {
    TopicConfig {
        replication_factor,
        min_insync_replicas,
        ..TopicConfig::named("payments", 2)
    }
}

fn consumers() -> Vec<ConsumerConfig> {
    vec![
        ConsumerConfig::named("c1", "payments"),
        ConsumerConfig::named("c2", "payments"),
    ]
}

/// Three brokers, replication factor 3, min.insync.replicas 2, idempotent producers with
/// acks=all and one request in flight.
///
/// Why one: a broker accepts any sequence from a producer it has no state for (KIP-360). With
/// several requests in flight, a producer's first batch can be refused with a retriable error
/// (say NOT_ENOUGH_REPLICAS) while its second is accepted; the first then gets
/// OUT_OF_ORDER_SEQUENCE_NUMBER, the client bumps its epoch and re-sequences, and a batch that was
/// already written goes out again under new numbers. Kafka's own `RecordAccumulator` warns that
/// re-sequencing "may introduce duplicates"; this property found that path.
fn safe_world() -> WorldConfig {
    let producer = |id: &str| ProducerConfig {
        max_in_flight: 1,
        ..ProducerConfig::named(id)
    };
    WorldConfig {
        cluster: ClusterConfig {
            brokers: 3,
            topics: vec![topic(3, 2)],
            ..ClusterConfig::default()
        },
        producers: vec![producer("p1"), producer("p2")],
        consumers: consumers(),
        database: DatabaseConfig {
            idempotent: true,
            outbox_topic: None,
        },
        streams: Vec::new(),
    }
}

/// Anything goes: no idempotence, acks=1, replication factor 2 with min.insync.replicas 1.
fn unsafe_world() -> WorldConfig {
    let mut loose = ProducerConfig::named("p2");
    loose.acks = eos_core::config::Acks::Leader;
    loose.max_in_flight = 5;
    let mut none = ProducerConfig::named("p3");
    none.acks = eos_core::config::Acks::None;
    WorldConfig {
        cluster: ClusterConfig {
            brokers: 2,
            topics: vec![topic(2, 1)],
            ..ClusterConfig::default()
        },
        producers: vec![ProducerConfig::named("p1"), loose, none],
        consumers: consumers(),
        database: DatabaseConfig::default(),
        streams: Vec::new(),
    }
}

/// Two transactional producers sharing one transactional.id (so they fence each other), one plain
/// idempotent producer, and read_committed and read_uncommitted consumers; two brokers, no
/// replication, so a leader's log is never truncated.
fn transactional_world(transaction_version: u8) -> WorldConfig {
    let txn = |id: &str, timeout: u64| ProducerConfig {
        transactional_id: Some("tx".to_owned()),
        transaction_timeout_ms: timeout,
        ..ProducerConfig::named(id)
    };
    let mut committed = ConsumerConfig::named("reader", "payments");
    committed.isolation_level = IsolationLevel::ReadCommitted;
    WorldConfig {
        cluster: ClusterConfig {
            brokers: 2,
            topics: vec![topic(1, 1), TopicConfig::named("receipts", 1)],
            transaction_version: transaction_version.try_into().expect("a known level"),
            ..ClusterConfig::default()
        },
        producers: vec![
            txn("t1", 60_000),
            txn("t2", 20_000),
            ProducerConfig::named("plain"),
        ],
        consumers: vec![committed, ConsumerConfig::named("raw", "payments")],
        database: DatabaseConfig::default(),
        // A Kafka Streams application too, per task under V1 and per thread under V2.
        streams: vec![StreamsAppConfig {
            application_id: "app".to_owned(),
            processing_guarantee: if transaction_version == 1 {
                ProcessingGuarantee::ExactlyOnce
            } else {
                ProcessingGuarantee::ExactlyOnceV2
            },
            input: "payments".to_owned(),
            output: "receipts".to_owned(),
            num_stream_threads: 2,
            send_offsets_group_metadata: Default::default(),
        }],
    }
}

/// Records a read_committed consumer received that belong to a transaction the leader's log
/// aborted (the first marker of that producer after the record is ABORT) or never decided.
fn uncommitted_reads(world: &World) -> Vec<String> {
    let mut bad = Vec::new();
    let Some(reader) = world.consumer(&eos_core::ClientId::new("reader")) else {
        return bad;
    };
    for r in &reader.received {
        let Some(log) = world
            .cluster()
            .partition(&r.topic_partition)
            .and_then(|p| p.leader_replica())
            .map(|l| &l.log)
        else {
            continue;
        };
        let batches = log.batches();
        let Some(i) = batches.iter().position(|b| {
            b.base_offset <= r.offset && r.offset.0 < b.base_offset.0 + b.records.len() as i64
        }) else {
            continue;
        };
        let batch = &batches[i];
        if !batch.is_transactional || batch.is_control() {
            continue;
        }
        let marker = batches
            .iter()
            .skip(i + 1)
            .find(|b| b.is_control() && b.stamp.producer_id == batch.stamp.producer_id);
        match marker.and_then(|m| m.control) {
            Some(ControlKind::Commit) => {}
            other => bad.push(format!("{}@{}: {other:?}", r.topic_partition, r.offset)),
        }
    }
    bad
}

fn run(
    config: &WorldConfig,
    seed: u64,
    steps: usize,
    limits: ExploreLimits,
) -> (World, Vec<Action>) {
    let mut world = World::new(&waiting_fetches(config, seed), seed).expect("valid world");
    let mut rng = SimRng::new(seed);
    let mut actions = Vec::with_capacity(steps);
    for _ in 0..steps {
        let action = random_action(&world, &mut rng, limits);
        // A random action may still be refused (say, a fetch with no live follower); that is a
        // typed error, never a panic, and the world must stay usable.
        let _ = world.step(&action);
        actions.push(action);
    }
    (world, actions)
}

/// Half the runs give every consumer a `fetch.min.bytes` of one to a few records and a
/// `fetch.max.wait.ms` of 100 to 900 ms, so polls wait at the broker under the same faults.
fn waiting_fetches(config: &WorldConfig, seed: u64) -> WorldConfig {
    let mut config = config.clone();
    if seed % 2 == 1 {
        for consumer in &mut config.consumers {
            consumer.fetch_min_bytes = 60 + u32::try_from(seed % 400).unwrap_or(0);
            consumer.fetch_max_wait_ms = 100 + (seed / 2) % 800;
        }
    }
    config
}

fn describe_violations(world: &World) -> String {
    world
        .invariants()
        .statuses()
        .iter()
        .filter_map(|s| {
            s.broken
                .as_ref()
                .map(|v| format!("{} at step {}: {}", s.name, v.step, v.why))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// Case count: proptest's default (256), or PROPTEST_CASES for a longer search.
proptest! {

    #[test]
    fn random_runs_never_panic_and_keep_logs_well_formed(seed in any::<u64>()) {
        let (world, _) = run(&unsafe_world(), seed, 300, ExploreLimits { consumer_api: true, ..ExploreLimits::default() });
        guarantees_hold(&world, &[OFFSETS_CONTIGUOUS, HIGH_WATERMARK_WITHIN_LOG], &format!("seed {seed}"))?;
    }

    #[test]
    fn with_idempotence_and_acks_all_no_write_is_duplicated_or_lost(seed in any::<u64>()) {
        // Producer state expires after producer.id.expiration.ms (a day); 300 steps of at most
        // 40 s stay well inside it, as a real retry does. Kafka's guarantee also rests on TCP:
        // a connection never loses or reorders one request while delivering later ones, so here
        // the network loses, copies and delays answers only.
        // Consumers commit what they processed (at-least-once), never a position ahead of it.
        let limits = ExploreLimits { raw_requests: false, request_faults: false, early_commits: false, consumer_api: true, ..ExploreLimits::default() };
        let (world, _) = run(&safe_world(), seed, 300, limits);
        guarantees_hold(&world, &[NO_DUPLICATE_WRITE, NO_ACKNOWLEDGED_WRITE_LOST, NO_RECORD_SKIPPED_BY_GROUP, OFFSETS_CONTIGUOUS, HIGH_WATERMARK_WITHIN_LOG], &format!("seed {seed}"))?;
    }
}

/// Each named guarantee unbroken at the end of `run`, with every violation described if not.
fn guarantees_hold(world: &World, names: &[&str], run: &str) -> Result<(), TestCaseError> {
    for name in names {
        prop_assert!(
            world
                .invariants()
                .status(name)
                .expect("a known guarantee")
                .broken
                .is_none(),
            "{run}: {}",
            describe_violations(world)
        );
    }
    Ok(())
}

/// Every guarantee a transactional world keeps under random faults, and no record of an
/// aborted or undecided transaction received by a read_committed consumer.
fn transaction_guarantees_hold(world: &World, run: &str) -> Result<(), TestCaseError> {
    guarantees_hold(
        world,
        &[
            OFFSETS_CONTIGUOUS,
            HIGH_WATERMARK_WITHIN_LOG,
            LSO_WITHIN_HIGH_WATERMARK,
            READ_COMMITTED_SEES_ONLY_COMMITTED,
            TRANSACTIONS_ALL_OR_NOTHING,
            COORDINATOR_TRANSITIONS_VALID,
            FENCED_WRITES_NEVER_COMMITTED,
        ],
        run,
    )?;
    let bad = uncommitted_reads(world);
    prop_assert!(bad.is_empty(), "{run}: read_committed received {bad:?}");
    Ok(())
}

proptest! {
    // Transactions under random faults (lost, copied and delayed messages, broker and producer
    // crashes, fencing, timeouts): never a panic, logs stay well formed, and a read_committed
    // consumer never receives a record of an aborted or undecided transaction.
    #[test]
    fn with_transactions_read_committed_never_sees_aborted_or_open_records(
        seed in any::<u64>(),
        transaction_version in 1u8..=2,
    ) {
        // no_record_skipped_by_group is not claimed here: the explorer hands one consumer's
        // offsets to any producer's transaction, which no application does.
        let limits = ExploreLimits { raw_requests: false, consumer_api: true, ..ExploreLimits::default() };
        let (world, _) = run(&transactional_world(transaction_version), seed, 300, limits);
        transaction_guarantees_hold(&world, &format!("seed {seed}, transaction.version {transaction_version}"))?;
    }

    // The same with transactional.id.expiration.ms shorter than a random time step, so that idle
    // transactional ids are removed (TransactionStateManager.removeExpiredTransactionalIds) and
    // come back under new producer ids while old instances still hold the former ones.
    #[test]
    fn with_transactional_ids_expiring_every_transaction_guarantee_holds(
        seed in any::<u64>(),
        transaction_version in 1u8..=2,
    ) {
        let limits = ExploreLimits { raw_requests: false, consumer_api: true, ..ExploreLimits::default() };
        let mut config = transactional_world(transaction_version);
        config.cluster.transactional_id_expiration_ms = 30_000;
        let (world, _) = run(&config, seed, 300, limits);
        transaction_guarantees_hold(&world, &format!("seed {seed}, transaction.version {transaction_version}"))?;
    }

    // The same with `__transaction_state` on both brokers and half of the broker faults aimed
    // at the coordinator's broker: the coordinator moves back and forth, each new one loads the
    // log under a higher epoch and finishes decided transactions, and the old one's markers
    // still on the network are fenced.
    #[test]
    fn with_coordinator_failover_every_transaction_guarantee_holds(
        seed in any::<u64>(),
        transaction_version in 1u8..=2,
    ) {
        let limits = ExploreLimits { raw_requests: false, consumer_api: true, coordinator_failover: true, ..ExploreLimits::default() };
        let mut config = transactional_world(transaction_version);
        config.cluster.transaction_state_log_replication_factor = 2;
        let (world, _) = run(&config, seed, 300, limits);
        transaction_guarantees_hold(&world, &format!("seed {seed}, transaction.version {transaction_version}"))?;
    }
}

// Random runs with coordinator failover on do move the coordinator, finish transactions on the
// new one and fence late markers, so the property above is not vacuous (a fenced marker needs
// an old one overtaken on the network: seed 240 is the first to show one).
#[test]
fn random_runs_with_coordinator_failover_move_the_coordinator_and_fence_late_markers() {
    let mut config = transactional_world(1);
    config.cluster.transaction_state_log_replication_factor = 2;
    let limits = ExploreLimits {
        raw_requests: false,
        coordinator_failover: true,
        ..ExploreLimits::default()
    };
    let (mut moved, mut fenced, mut completed_after_move) = (false, false, false);
    for seed in 0..400u64 {
        if moved && fenced && completed_after_move {
            break;
        }
        let mut world = World::new(&config, seed).expect("valid world");
        let mut rng = SimRng::new(seed);
        let mut moved_here = false;
        for _ in 0..300 {
            let action = random_action(&world, &mut rng, limits);
            let Ok(events) = world.step(&action) else {
                continue;
            };
            for e in &events {
                match &e.kind {
                    eos_core::EventKind::CoordinatorMoved { .. } => moved_here = true,
                    eos_core::EventKind::BatchRejected {
                        error: eos_core::error_code::ErrorCode::TransactionCoordinatorFenced,
                        ..
                    } => fenced = true,
                    eos_core::EventKind::TxnStateChanged { to, .. }
                        if moved_here && to.name().starts_with("Complete") =>
                    {
                        completed_after_move = true;
                    }
                    _ => {}
                }
            }
        }
        moved |= moved_here;
    }
    assert!(moved, "no random run moved the coordinator");
    assert!(
        completed_after_move,
        "no transaction completed after a move"
    );
    assert!(fenced, "no random run fenced a late marker");
}

// The failover flag is off by default, so runs drawn before it existed stay the same.
#[test]
fn coordinator_failover_is_off_by_default() {
    assert!(!ExploreLimits::default().coordinator_failover);
}

// Random runs with a short transactional.id.expiration.ms do expire ids, so the property above
// is not vacuous.
#[test]
fn random_runs_with_a_short_expiration_do_expire_transactional_ids() {
    let mut config = transactional_world(2);
    config.cluster.transactional_id_expiration_ms = 30_000;
    let limits = ExploreLimits {
        raw_requests: false,
        ..ExploreLimits::default()
    };
    let expired = (0..20u64).any(|seed| {
        let (world, _) = run(&config, seed, 300, limits);
        world
            .coordinator()
            .log()
            .iter()
            .any(|r| r.state == eos_core::coordinator::state_machine::TransactionState::Dead)
    });
    assert!(expired, "no random run expired a transactional id");
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let (a, actions_a) = run(&safe_world(), 42, 200, ExploreLimits::default());
    let (b, actions_b) = run(&safe_world(), 42, 200, ExploreLimits::default());
    assert_eq!(actions_a, actions_b);
    assert_eq!(a.steps_taken(), b.steps_taken());
}

// The properties above cover the consumer's whole API only if random runs use it: seeks,
// reads, consumers joining and closing, and the refusals never reached (only valid calls drawn).
#[test]
fn random_runs_seek_read_add_and_close_consumers() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let limits = ExploreLimits {
            consumer_api: true,
            ..ExploreLimits::default()
        };
        let (_, actions) = run(&unsafe_world(), seed, 300, limits);
        for action in actions {
            let kind = match action {
                Action::Seek { .. } => "seek",
                Action::SeekToBeginning { .. } => "seek_to_beginning",
                Action::SeekToEnd { .. } => "seek_to_end",
                Action::Position { .. } => "position",
                Action::Committed { .. } => "committed",
                Action::OffsetsForTimes { .. } => "offsets_for_times",
                Action::GroupMetadata { .. } => "group_metadata",
                Action::AddConsumer { .. } => "add_consumer",
                Action::CloseConsumer { .. } => "close_consumer",
                _ => continue,
            };
            seen.insert(kind);
        }
    }
    assert_eq!(seen.len(), 9, "only {seen:?}");
}

// The runs with fetch.min.bytes above 1 do make polls wait at the broker, and each wait ends
// by one of DelayedFetch's ways: enough bytes, fetch.max.wait.ms, or a partition changing.
#[test]
fn random_runs_park_fetches_and_answer_them() {
    let mut parked = 0;
    let mut reasons = std::collections::BTreeSet::new();
    for seed in (1..60).step_by(2) {
        let mut world =
            World::new(&waiting_fetches(&transactional_world(2), seed), seed).expect("valid world");
        let mut rng = SimRng::new(seed);
        // No hand-made requests: an admin abort breaks atomicity by design.
        let limits = ExploreLimits {
            broker_faults: true,
            raw_requests: false,
            ..ExploreLimits::default()
        };
        for _ in 0..300 {
            let action = random_action(&world, &mut rng, limits);
            let Ok(events) = world.step(&action) else {
                continue;
            };
            for e in events {
                match e.kind {
                    eos_core::EventKind::FetchParked { .. } => parked += 1,
                    eos_core::EventKind::FetchCompleted { reason, .. } => {
                        reasons.insert(reason.name());
                    }
                    _ => {}
                }
            }
        }
        transaction_guarantees_hold(&world, &format!("seed {seed}")).expect("guarantees hold");
    }
    assert!(parked > 0, "no poll ever waited");
    assert!(
        reasons.contains("enough_bytes") && reasons.contains("max_wait"),
        "only {reasons:?}"
    );
}

/// Random runs delete records now and then (`kafka-delete-records.sh`), and every guarantee
/// about offsets holds through it: the log start moves, the LSO never falls below it.
#[test]
fn random_runs_delete_records_and_the_offsets_stay_ordered() {
    let limits = ExploreLimits {
        raw_requests: false,
        delete_records: true,
        ..ExploreLimits::default()
    };
    let mut moved = 0;
    for seed in 0..20u64 {
        let (world, _) = run(&transactional_world(2), seed, 300, limits);
        guarantees_hold(
            &world,
            &[
                OFFSETS_CONTIGUOUS,
                HIGH_WATERMARK_WITHIN_LOG,
                LSO_WITHIN_HIGH_WATERMARK,
                READ_COMMITTED_SEES_ONLY_COMMITTED,
            ],
            &format!("seed {seed}"),
        )
        .expect("offsets stay ordered");
        moved += world
            .cluster()
            .partitions()
            .filter(|p| {
                p.leader_replica()
                    .is_some_and(|r| r.log.log_start_offset().0 > 0)
            })
            .count();
    }
    assert!(moved > 0, "some random run deleted records");
}

// The explorer runs without narration; what it checks must be what a narrated run shows: the
// same events, step by step, and every narrated event explained in words.
#[test]
fn turning_narration_off_changes_only_the_words() {
    let config = transactional_world(2);
    let limits = ExploreLimits {
        consumer_api: true,
        delete_records: true,
        raw_requests: true,
        broker_faults: true,
        request_faults: true,
        early_commits: true,
        ..ExploreLimits::default()
    };
    for seed in 0..8 {
        let config = waiting_fetches(&config, seed);
        let mut narrated = World::new(&config, seed).expect("valid world");
        let mut silent = World::new(&config, seed).expect("valid world");
        silent.set_narration(eos_core::event::Narration::Off);
        let mut rng = SimRng::new(seed);
        for _ in 0..300 {
            let action = random_action(&narrated, &mut rng, limits);
            let said = narrated.step(&action);
            let done = silent.step(&action);
            match (said, done) {
                (Ok(said), Ok(done)) => {
                    let kinds = |events: &[eos_core::Event]| {
                        events.iter().map(|e| e.kind.clone()).collect::<Vec<_>>()
                    };
                    assert_eq!(kinds(&said), kinds(&done), "seed {seed}: {action:?}");
                    assert!(
                        said.iter().all(|e| !e.explanation.is_empty()),
                        "seed {seed}: an event without words after {action:?}"
                    );
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("seed {seed}: {action:?} gave {a:?} narrated, {b:?} silent"),
            }
        }
    }
}
