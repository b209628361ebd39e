//! The transactional client API and the coordinator's answers, one Kafka rule per test, driven
//! through `World::step` as a scenario would drive them.

use eos_core::clients::producer_txn::ClientTxnState;
use eos_core::config::{ConsumerConfig, IsolationLevel, ProducerConfig, WorldConfig};
use eos_core::coordinator::state_machine::TransactionState;
use eos_core::error_code::ErrorCode;
use eos_core::{Action, ActionError, ClientId, EventKind, World};

fn world(configure: impl FnOnce(&mut ProducerConfig)) -> World {
    let mut config = WorldConfig::default();
    let mut p1 = ProducerConfig::named("p1");
    p1.transactional_id = Some("tx".to_owned());
    configure(&mut p1);
    config.producers = vec![p1];
    let mut c1 = ConsumerConfig::named("c1", "payments");
    c1.isolation_level = IsolationLevel::ReadCommitted;
    config.consumers = vec![c1];
    World::new(&config, 1).expect("valid world")
}

fn p1() -> ClientId {
    ClientId::new("p1")
}

fn step(world: &mut World, action: Action) -> Vec<EventKind> {
    world
        .step(&action)
        .unwrap_or_else(|e| panic!("{action:?}: {e}"))
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn refused(world: &mut World, action: Action) -> String {
    match world.step(&action) {
        Err(ActionError::InvalidRequest(why)) => why,
        other => panic!("{action:?} should be refused, got {other:?}"),
    }
}

fn send(value: &str) -> Action {
    Action::Send {
        producer: p1(),
        topic: "payments".to_owned(),
        partition: None,
        key: None,
        value: value.to_owned(),
    }
}

fn ready(world: &mut World) {
    step(world, Action::InitTransactions { producer: p1() });
    step(world, Action::DeliverAll {});
}

fn state(world: &World) -> Option<ClientTxnState> {
    world.producer(&p1()).and_then(|p| p.txn_state())
}

fn coordinator_state(world: &World) -> TransactionState {
    world
        .coordinator()
        .transactions()
        .next()
        .expect("the coordinator knows tx")
        .state
}

// TransactionManager.transitionTo: beginTransaction before initTransactions is an
// IllegalStateException, and so is a send before it (failIfNotReadyForSend).
#[test]
fn begin_and_send_before_init_transactions_are_refused_with_kafkas_message() {
    let mut w = world(|_| {});
    let why = refused(&mut w, Action::BeginTransaction { producer: p1() });
    assert!(
        why.contains(
            "Invalid transition attempted from state UNINITIALIZED to state IN_TRANSACTION"
        ),
        "{why}"
    );
    let why = refused(&mut w, send("x"));
    assert!(
        why.contains("before completing a call to initTransactions"),
        "{why}"
    );
    assert_eq!(w.steps_taken(), 0, "refused steps change nothing");
}

// failIfNotReadyForSend: a transactional producer sends only inside a transaction.
#[test]
fn a_send_outside_a_transaction_is_refused() {
    let mut w = world(|_| {});
    ready(&mut w);
    let why = refused(&mut w, send("x"));
    assert!(why.contains("Cannot call send in state READY"), "{why}");
    let why = refused(&mut w, Action::CommitTransaction { producer: p1() });
    assert!(
        why.contains("from state READY to state COMMITTING_TRANSACTION"),
        "{why}"
    );
}

// Transactional methods on a producer without transactional.id throw IllegalStateException.
#[test]
fn init_transactions_needs_a_transactional_id() {
    let mut w = world(|c| c.transactional_id = None);
    let why = refused(&mut w, Action::InitTransactions { producer: p1() });
    assert!(why.contains("no transactional.id"), "{why}");
}

// ProducerConfig.postProcessAndValidateIdempotenceConfigs: transactions need idempotence.
#[test]
fn a_transactional_id_without_idempotence_is_a_configuration_error() {
    let mut config = WorldConfig::default();
    let mut p1 = ProducerConfig::named("p1");
    p1.transactional_id = Some("tx".to_owned());
    p1.enable_idempotence = Some(false);
    config.producers = vec![p1];
    let err = World::new(&config, 1).unwrap_err().to_string();
    assert!(
        err.contains("Cannot set a transactional.id without also enabling idempotence"),
        "{err}"
    );
}

// TransactionManager: a batch waits until its partition is added; batches are transactional.
#[test]
fn a_batch_is_sent_only_after_its_partition_is_added_and_is_transactional() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("x"));
    let in_flight: Vec<String> = w
        .network()
        .in_flight()
        .iter()
        .map(|m| m.payload.label_string())
        .collect();
    assert_eq!(in_flight, ["AddPartitionsToTxn request (payments-0)"]);
    step(&mut w, Action::DeliverAll {});
    let tp = eos_core::TopicPartition::new("payments", 0);
    let log = &w
        .cluster()
        .partition(&tp)
        .unwrap()
        .leader_replica()
        .unwrap()
        .log;
    assert!(log.batches().iter().all(|b| b.is_transactional));
    assert_eq!(log.batches().len(), 1);
}

// Rule C3: while a decided transaction's markers are in flight the coordinator answers
// CONCURRENT_TRANSACTIONS; the client retries after retry.backoff.ms and then succeeds.
#[test]
fn add_partitions_during_markers_gets_concurrent_transactions_and_is_retried() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("first"));
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::CommitTransaction { producer: p1() });
    step(&mut w, Action::Deliver { message: None }); // EndTxn: PrepareCommit, markers sent
    step(&mut w, Action::Deliver { message: None }); // EndTxn response: READY
    assert_eq!(state(&w), Some(ClientTxnState::Ready));
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("second"));
    // The marker request is older; deliver it later so the AddPartitionsToTxn arrives first.
    let marker = w.network().in_flight()[0].id;
    step(
        &mut w,
        Action::Delay {
            message: Some(marker),
        },
    );
    let events = step(&mut w, Action::Deliver { message: None });
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::TxnRequestRefused {
            error: ErrorCode::ConcurrentTransactions,
            ..
        }
    )));
    step(&mut w, Action::DeliverAll {});
    assert_eq!(coordinator_state(&w), TransactionState::CompleteCommit);
    step(&mut w, Action::AdvanceTime { ms: 100 });
    step(&mut w, Action::DeliverAll {});
    assert_eq!(coordinator_state(&w), TransactionState::Ongoing);
    step(&mut w, Action::CommitTransaction { producer: p1() });
    step(&mut w, Action::DeliverAll {});
    assert_eq!(coordinator_state(&w), TransactionState::CompleteCommit);
    step(
        &mut w,
        Action::Poll {
            consumer: ClientId::new("c1"),
        },
    );
    let received: Vec<String> = w
        .consumer(&ClientId::new("c1"))
        .unwrap()
        .received
        .iter()
        .map(|r| r.value.clone())
        .collect();
    assert_eq!(received, ["first", "second"]);
}

// Rule C8 and EndTxnHandler: a lost EndTxn answer is retried after request.timeout.ms; the
// coordinator, already at CompleteCommit, answers the retry NONE without writing anything.
#[test]
fn a_retried_end_txn_after_a_lost_answer_is_answered_none() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("x"));
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::CommitTransaction { producer: p1() });
    step(&mut w, Action::Deliver { message: None });
    step(&mut w, Action::Drop { message: None }); // the EndTxn response
    step(&mut w, Action::DeliverAll {});
    assert_eq!(coordinator_state(&w), TransactionState::CompleteCommit);
    assert_eq!(state(&w), Some(ClientTxnState::CommittingTransaction));
    let records = w.coordinator().log().len();
    step(&mut w, Action::AdvanceTime { ms: 30_000 });
    step(&mut w, Action::DeliverAll {});
    assert_eq!(state(&w), Some(ClientTxnState::Ready));
    assert_eq!(
        w.coordinator().log().len(),
        records,
        "the retry writes nothing"
    );
}

// RecordAccumulator.abortUndrainedBatches: abortTransaction fails the batches never sent.
#[test]
fn abort_fails_the_batches_not_yet_sent() {
    let mut w = world(|c| c.batch_records = 10);
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("never sent"));
    let events = step(&mut w, Action::AbortTransaction { producer: p1() });
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::SendFailed {
            error: ErrorCode::TransactionAbortable,
            ..
        }
    )));
    step(&mut w, Action::DeliverAll {});
    assert_eq!(state(&w), Some(ClientTxnState::Ready));
}

fn c1() -> ClientId {
    ClientId::new("c1")
}

fn send_offsets() -> Action {
    Action::SendOffsetsToTransaction {
        producer: p1(),
        consumer: c1(),
    }
}

/// The world of [`world`] with one record in payments that c1 has polled (position 1).
fn polled_one() -> World {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("input"));
    step(&mut w, Action::CommitTransaction { producer: p1() });
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::Poll { consumer: c1() });
    w
}

fn payments() -> eos_core::TopicPartition {
    eos_core::TopicPartition::new("payments", 0)
}

// TransactionManager.sendOffsetsToTransaction: "Cannot send offsets if a transaction is not in
// progress".
#[test]
fn send_offsets_outside_a_transaction_is_refused() {
    let mut w = polled_one();
    let why = refused(&mut w, send_offsets());
    assert!(
        why.contains("Cannot send offsets if a transaction is not in progress"),
        "{why}"
    );
}

// KIP-98 / OffsetMetadataManager: offsets sent in a transaction are pending, not committed, until
// the COMMIT marker reaches the group; that marker counts like a partition's, so CompleteCommit
// follows even when the transaction holds nothing but offsets.
#[test]
fn transactional_offsets_are_committed_only_by_the_commit_marker() {
    let mut w = polled_one();
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send_offsets());
    step(&mut w, Action::DeliverAll {});
    let group = &w.groups()["billing"];
    assert!(group.committed.is_empty(), "pending, not committed");
    assert!(group.has_pending(&payments()));
    step(&mut w, Action::CommitTransaction { producer: p1() });
    step(&mut w, Action::DeliverAll {});
    let group = &w.groups()["billing"];
    // The position c1 reached: past the input record and its COMMIT marker.
    assert_eq!(group.committed.get(&payments()).map(|o| o.0), Some(2));
    assert!(!group.has_pending(&payments()));
    assert_eq!(coordinator_state(&w), TransactionState::CompleteCommit);
    assert_eq!(state(&w), Some(ClientTxnState::Ready));
}

// OffsetMetadataManager.fetchOffsets with requireStable: while an offset is pending, a consumer
// that needs its starting position gets UNSTABLE_OFFSET_COMMIT and asks again later.
#[test]
fn a_restarted_consumer_waits_for_pending_offsets_with_unstable_offset_commit() {
    let mut w = polled_one();
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send_offsets());
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::CrashConsumer { consumer: c1() });
    step(&mut w, Action::RestartConsumer { consumer: c1() });
    let polled = step(&mut w, Action::Poll { consumer: c1() });
    assert!(polled.iter().any(|k| matches!(
        k,
        EventKind::FetchFailed {
            error: ErrorCode::UnstableOffsetCommit,
            ..
        }
    )));
    assert!(
        !polled
            .iter()
            .any(|k| matches!(k, EventKind::RecordsPolled { .. })),
        "it must not read from the old committed offset meanwhile"
    );
    step(&mut w, Action::AbortTransaction { producer: p1() });
    step(&mut w, Action::DeliverAll {});
    let polled = step(&mut w, Action::Poll { consumer: c1() });
    assert!(
        polled
            .iter()
            .any(|k| matches!(k, EventKind::RecordsPolled { offsets, .. } if offsets.first().map(|o| o.0) == Some(0))),
        "after the abort the offset was discarded, so it reads the input again: {polled:?}"
    );
}

// KIP-447, ClassicGroup.validateOffsetCommit: a TxnOffsetCommit from an older generation gets
// ILLEGAL_GENERATION, which TxnOffsetCommitHandler makes abortable.
#[test]
fn a_txn_offset_commit_from_a_stale_generation_is_illegal_generation_and_abortable() {
    let mut w = polled_one();
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send_offsets());
    // The group rebalances before TxnOffsetCommit reaches it.
    step(&mut w, Action::CrashConsumer { consumer: c1() });
    step(&mut w, Action::RestartConsumer { consumer: c1() });
    let events = step(&mut w, Action::DeliverAll {});
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::TxnOffsetCommitRefused {
            error: ErrorCode::IllegalGeneration,
            ..
        }
    )));
    assert_eq!(state(&w), Some(ClientTxnState::AbortableError));
    assert!(!w.groups()["billing"].has_pending(&payments()));
    let why = refused(&mut w, Action::CommitTransaction { producer: p1() });
    assert!(why.contains("ILLEGAL_GENERATION"), "{why}");
    step(&mut w, Action::AbortTransaction { producer: p1() });
    step(&mut w, Action::DeliverAll {});
    assert_eq!(state(&w), Some(ClientTxnState::Ready));
    assert!(w.groups()["billing"].committed.is_empty());
}

// ClassicGroup.validateMember: the member is checked before the generation, so a TxnOffsetCommit
// for a consumer that has left the group is UNKNOWN_MEMBER_ID, abortable like ILLEGAL_GENERATION.
#[test]
fn a_txn_offset_commit_for_a_consumer_that_left_the_group_is_unknown_member_id() {
    let mut w = polled_one();
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send_offsets());
    step(&mut w, Action::CrashConsumer { consumer: c1() });
    let events = step(&mut w, Action::DeliverAll {});
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::TxnOffsetCommitRefused {
            error: ErrorCode::UnknownMemberId,
            ..
        }
    )));
    assert_eq!(state(&w), Some(ClientTxnState::AbortableError));
    assert!(!w.groups()["billing"].has_pending(&payments()));
}

fn coordinator_producer_id(world: &World) -> i64 {
    world
        .coordinator()
        .transactions()
        .next()
        .expect("the coordinator knows tx")
        .producer_id
        .0
}

fn raw_txn_produce(producer_id: i64, producer_epoch: i16) -> Action {
    Action::ProduceRaw {
        topic: "payments".to_owned(),
        partition: 0,
        producer_id,
        producer_epoch,
        base_sequence: 0,
        record_count: Some(1),
        is_transactional: true,
        acks: eos_core::config::Acks::All,
        records: Vec::new(),
        transactional_id: None,
        version: None,
    }
}

fn verification_refusal(events: &[EventKind]) -> Option<(ErrorCode, ErrorCode)> {
    events.iter().find_map(|k| match k {
        EventKind::TransactionVerificationFailed {
            coordinator_error,
            error,
            ..
        } => Some((*coordinator_error, *error)),
        _ => None,
    })
}

#[test]
fn verification_lets_a_write_to_a_partition_in_the_transaction_through() {
    let mut w = world(|_| {});
    ready(&mut w);
    let pid = coordinator_producer_id(&w);
    step(
        &mut w,
        Action::AddPartitionsRaw {
            transactional_id: "tx".to_owned(),
            producer_id: pid,
            producer_epoch: 0,
            partitions: vec![eos_core::TopicPartition::new("payments", 0)],
            broker: None,
        },
    );
    let events = step(&mut w, raw_txn_produce(pid, 0));
    assert_eq!(verification_refusal(&events), None);
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::RawProduceHandled {
            result: Some(Ok(_)),
            ..
        }
    )));
}

#[test]
fn verification_with_an_old_epoch_answers_invalid_producer_epoch() {
    // AddPartitionsToTxnManager maps the coordinator's PRODUCER_FENCED to INVALID_PRODUCER_EPOCH.
    let mut w = world(|_| {});
    ready(&mut w);
    let pid = coordinator_producer_id(&w);
    step(
        &mut w,
        Action::InitProducerIdRaw {
            transactional_id: "tx".to_owned(),
            expected_producer_id: None,
            expected_epoch: None,
            broker: None,
        },
    );
    let events = step(&mut w, raw_txn_produce(pid, 0));
    assert_eq!(
        verification_refusal(&events),
        Some((ErrorCode::ProducerFenced, ErrorCode::InvalidProducerEpoch))
    );
}

#[test]
fn verification_of_an_unknown_producer_id_answers_invalid_producer_id_mapping() {
    let mut w = world(|_| {});
    let events = step(&mut w, raw_txn_produce(4242, 0));
    assert_eq!(
        verification_refusal(&events),
        Some((
            ErrorCode::InvalidProducerIdMapping,
            ErrorCode::InvalidProducerIdMapping
        ))
    );
}

#[test]
fn a_hand_made_init_producer_id_needs_both_expected_fields_or_neither() {
    let mut w = world(|_| {});
    let why = refused(
        &mut w,
        Action::InitProducerIdRaw {
            transactional_id: "tx".to_owned(),
            expected_producer_id: Some(1000),
            expected_epoch: None,
            broker: None,
        },
    );
    assert!(why.contains("expected_epoch"), "{why}");
}

// TransactionCoordinator.handleInitProducerId refuses a transaction.timeout.ms above
// transaction.max.timeout.ms; InitProducerIdHandler makes every such error fatal.
#[test]
fn a_timeout_above_transaction_max_timeout_ms_is_invalid_transaction_timeout_and_fatal() {
    let mut config = WorldConfig::default();
    config.cluster.transaction_max_timeout_ms = 30_000;
    let mut producer = ProducerConfig::named("p1");
    producer.transactional_id = Some("tx".to_owned());
    producer.transaction_timeout_ms = 60_000;
    config.producers = vec![producer];
    let mut w = World::new(&config, 1).expect("valid world");
    let events = {
        step(&mut w, Action::InitTransactions { producer: p1() });
        step(&mut w, Action::DeliverAll {})
    };
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::TxnRequestRefused {
            error: ErrorCode::InvalidTransactionTimeout,
            ..
        }
    )));
    assert_eq!(state(&w), Some(ClientTxnState::FatalError));
    assert!(
        w.coordinator().transactions().next().is_none(),
        "no metadata is created for a refused timeout"
    );
    let why = refused(&mut w, Action::BeginTransaction { producer: p1() });
    assert!(why.contains("INVALID_TRANSACTION_TIMEOUT"), "{why}");
}

// A scenario may not name a transaction protocol Kafka does not have.
#[test]
fn an_unknown_transaction_version_is_refused_when_parsed() {
    let error = serde_json::from_str::<eos_core::config::ClusterConfig>(
        r#"{"topics": [{"name": "payments"}], "transaction.version": 3}"#,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("transaction.version 3 is unknown"),
        "{error}"
    );
}

/// The explanation of each `NothingPolled` in the open-transaction scenario, then in one more
/// read_committed poll after the commit was read.
fn nothing_polled_explanations() -> (Vec<String>, String) {
    let text =
        include_str!("../../../assets/scenarios/13-19-20-open-transaction-holds-the-lso.json");
    let scenario = eos_core::run::scenario::Scenario::parse(text).expect("the scenario parses");
    let mut world = World::new(&scenario.world_config(), scenario.seed).expect("a world");
    let nothing = |events: Vec<eos_core::Event>| {
        events
            .into_iter()
            .filter(|e| matches!(e.kind, EventKind::NothingPolled { .. }))
            .map(|e| e.explanation)
            .collect::<Vec<_>>()
    };
    let mut during = Vec::new();
    for action in &scenario.steps {
        during.extend(nothing(world.step(action).expect("a scripted step")));
    }
    let again = nothing(
        world
            .step(&Action::Poll {
                consumer: ClientId::new("reader-committed"),
            })
            .expect("a poll"),
    );
    (during, again.concat())
}

// Fetch isolation READ_COMMITTED stops at the LSO: the narration blames an undecided
// transaction only when one holds the LSO below the high watermark.
#[test]
fn an_empty_read_committed_poll_blames_a_transaction_only_when_the_lso_is_below_the_hw() {
    let (during, after) = nothing_polled_explanations();
    assert_eq!(during.len(), 1, "{during:?}");
    assert!(
        during[0].contains(
            "an undecided transaction holds the LSO below the high watermark on payments-0 (LSO 0, high watermark 2)"
        ),
        "{}",
        during[0]
    );
    assert!(
        after.contains("the LSO equals the high watermark") && !after.contains("undecided"),
        "{after}"
    );
}

// Sender.run after KafkaProducer.close: queued batches are sent and answered, then the
// transaction left open is aborted ("Aborting incomplete transaction due to shutdown"); no new
// call is taken meanwhile. A crash instead leaves the transaction to the coordinator's timeout.
#[test]
fn close_sends_what_is_queued_then_aborts_the_open_transaction() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("queued at close"));
    let started = step(&mut w, Action::CloseProducer { producer: p1() });
    assert!(
        started
            .iter()
            .any(|k| matches!(k, EventKind::ProducerCloseStarted { .. }))
    );
    let why = refused(&mut w, send("after close"));
    assert!(why.contains("after producer has been closed"), "{why}");
    let events = step(&mut w, Action::DeliverAll {});
    assert!(
        events
            .iter()
            .any(|k| matches!(k, EventKind::SendAcknowledged { .. }))
    );
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::ProducerClosed {
            aborted_transaction: true,
            ..
        }
    )));
    assert_eq!(coordinator_state(&w), TransactionState::CompleteAbort);
    let p = w.producer(&p1()).unwrap();
    assert!(!p.alive, "closed");
    assert!(p.outcomes.values().all(|o| matches!(
        o,
        eos_core::clients::producer::SendOutcome::Acknowledged { .. }
    )));
    // A new instance may start after a close, as after a crash.
    step(&mut w, Action::RestartProducer { producer: p1() });
}

#[test]
fn a_crash_leaves_the_open_transaction_to_the_coordinator() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("x"));
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::CrashProducer { producer: p1() });
    step(&mut w, Action::DeliverAll {});
    assert_eq!(coordinator_state(&w), TransactionState::Ongoing);
}

// KIP-447: offsets handed over with a stale generation are refused by the group coordinator
// (ILLEGAL_GENERATION) and the transaction becomes abortable.
#[test]
fn offsets_sent_with_a_stale_generation_are_refused_by_the_group() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    let generation = w.groups()["billing"].generation_id;
    step(
        &mut w,
        Action::SendOffsetsToTransactionWith {
            producer: p1(),
            group_id: "billing".to_owned(),
            generation_id: generation - 1,
            member_id: "c1".to_owned(),
            group_instance_id: None,
            offsets: vec![eos_core::action::PartitionOffset {
                topic: "payments".to_owned(),
                partition: 0,
                offset: 1,
                leader_epoch: None,
                metadata: None,
            }],
        },
    );
    let events = step(&mut w, Action::DeliverAll {});
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::TxnOffsetCommitRefused {
            error: ErrorCode::IllegalGeneration,
            ..
        }
    )));
    assert_eq!(state(&w), Some(ClientTxnState::AbortableError));
}

// OffsetMetadataManager.commitTransactionalOffset: metadata longer than offset.metadata.max.bytes
// fails its partition with OFFSET_METADATA_TOO_LARGE, which TxnOffsetCommitHandler has no case for
// ("Unexpected error in TxnOffsetCommitResponse"): the producer is in a fatal error.
#[test]
fn offsets_with_metadata_over_offset_metadata_max_bytes_are_refused_and_fatal_for_the_producer() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    let generation = w.groups()["billing"].generation_id;
    step(
        &mut w,
        Action::SendOffsetsToTransactionWith {
            producer: p1(),
            group_id: "billing".to_owned(),
            generation_id: generation,
            member_id: "c1".to_owned(),
            group_instance_id: None,
            offsets: vec![eos_core::action::PartitionOffset {
                topic: "payments".to_owned(),
                partition: 0,
                offset: 1,
                leader_epoch: Some(0),
                metadata: Some("m".repeat(4097)),
            }],
        },
    );
    let events = step(&mut w, Action::DeliverAll {});
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::TxnOffsetCommitRefused {
            error: ErrorCode::OffsetMetadataTooLarge,
            ..
        }
    )));
    assert_eq!(state(&w), Some(ClientTxnState::FatalError));
    assert!(
        w.offsets_log().is_empty(),
        "nothing written to __consumer_offsets"
    );
}

// OffsetMetadataManager.commitOffset: the partition with too much metadata alone is refused.
#[test]
fn a_plain_commit_refuses_only_the_partition_whose_metadata_is_too_large() {
    let mut config = WorldConfig::default();
    config.cluster.topics[0].partitions = 2;
    let mut w = World::new(&config, 1).expect("valid world");
    let offset = |partition: u32, metadata: String| eos_core::action::PartitionOffset {
        topic: "payments".to_owned(),
        partition,
        offset: 3,
        leader_epoch: Some(1),
        metadata: Some(metadata),
    };
    let events = step(
        &mut w,
        Action::OffsetCommitRaw {
            group_id: "audit".to_owned(),
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
            offsets: vec![offset(0, "m".repeat(4097)), offset(1, "m".repeat(4096))],
        },
    );
    let committed = events
        .iter()
        .find_map(|k| match k {
            EventKind::OffsetCommitAnswered { committed, .. } => Some(committed.clone()),
            _ => None,
        })
        .expect("answered");
    let errors: Vec<Option<ErrorCode>> = committed.iter().map(|c| c.error).collect();
    assert_eq!(errors, vec![Some(ErrorCode::OffsetMetadataTooLarge), None]);
    let group = &w.groups()["audit"];
    assert_eq!(group.committed.len(), 1, "only partition 1 is committed");
    assert_eq!(
        group
            .committed_details
            .values()
            .next()
            .map(|d| d.leader_epoch),
        Some(Some(1))
    );
    assert_eq!(w.offsets_log().records().count(), 1);
}

// KafkaProducer.initTransactions: TimeoutException after max.block.ms while InitProducerId is
// unanswered; calling it again waits for the same result instead of starting over
// (TransactionManager.handleCachedTransactionRequestResult), and a second call without a timeout
// is refused as an invalid transition.
#[test]
fn a_blocking_call_times_out_after_max_block_ms_and_a_second_call_waits_for_the_same_answer() {
    let mut w = world(|p| p.max_block_ms = 5_000);
    step(&mut w, Action::InitTransactions { producer: p1() });
    assert!(matches!(
        w.step(&Action::InitTransactions { producer: p1() }),
        Err(ActionError::InvalidRequest(_))
    ));
    let events = step(&mut w, Action::AdvanceTime { ms: 5_000 });
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::ProducerCallTimedOut { method, .. } if method == "initTransactions"
    )));
    let in_flight = w.network().in_flight().len();
    let events = step(&mut w, Action::InitTransactions { producer: p1() });
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::ProducerCallResumed { method, .. } if method == "initTransactions"
    )));
    assert_eq!(
        w.network().in_flight().len(),
        in_flight,
        "nothing new is sent"
    );
    step(&mut w, Action::DeliverAll {});
    let p = w.producer(&p1()).expect("p1");
    assert_eq!(p.txn_state(), Some(ClientTxnState::Ready));
    assert_eq!(p.txn.as_ref().and_then(|t| t.pending_call.clone()), None);
}

// TransactionStateManager.getTransactionState while the partition loads: a producer's EndTxn is
// answered COORDINATOR_LOAD_IN_PROGRESS, retried, and succeeds once the load is done.
#[test]
fn a_producer_retries_its_commit_while_the_restarted_coordinator_loads() {
    let mut config = WorldConfig::default();
    config.cluster.coordinator_load_ms = 500;
    let mut producer = ProducerConfig::named("p1");
    producer.transactional_id = Some("tx".to_owned());
    config.producers = vec![producer];
    config.consumers = Vec::new();
    let mut w = World::new(&config, 1).expect("valid world");
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("a"));
    step(&mut w, Action::DeliverAll {});
    step(
        &mut w,
        Action::CrashBroker {
            broker: eos_core::ids::BrokerId(1),
        },
    );
    step(
        &mut w,
        Action::RestartBroker {
            broker: eos_core::ids::BrokerId(1),
        },
    );
    step(&mut w, Action::CommitTransaction { producer: p1() });
    let refused = step(&mut w, Action::DeliverAll {});
    assert!(
        refused.iter().any(|k| matches!(
            k,
            EventKind::TxnRequestRefused {
                error: ErrorCode::CoordinatorLoadInProgress,
                ..
            }
        )),
        "{refused:?}"
    );
    assert_eq!(state(&w), Some(ClientTxnState::CommittingTransaction));
    let loaded = step(&mut w, Action::AdvanceTime { ms: 500 });
    assert!(
        loaded
            .iter()
            .any(|k| matches!(k, EventKind::CoordinatorLoaded { .. }))
    );
    step(&mut w, Action::DeliverAll {});
    assert_eq!(
        state(&w),
        Some(ClientTxnState::Ready),
        "the retried EndTxn got through"
    );
}

#[test]
fn a_hand_made_request_to_a_broker_the_cluster_lacks_is_refused_with_its_id() {
    let mut w = world(|_| {});
    let result = w.step(&Action::InitProducerIdRaw {
        transactional_id: "tx".to_owned(),
        expected_producer_id: None,
        expected_epoch: None,
        broker: Some(eos_core::ids::BrokerId(7)),
    });
    assert!(
        matches!(
            result,
            Err(ActionError::UnknownBroker(eos_core::ids::BrokerId(7)))
        ),
        "{result:?}"
    );
}

fn in_flight(
    world: &World,
    pred: impl Fn(&eos_core::network::Payload) -> bool,
) -> Vec<eos_core::network::MessageId> {
    world
        .network()
        .in_flight()
        .iter()
        .filter(|m| pred(&m.payload))
        .map(|m| m.id)
        .collect()
}

fn raw_answers(events: &[EventKind]) -> Vec<Option<ErrorCode>> {
    events
        .iter()
        .filter_map(|k| match k {
            EventKind::RawCoordinatorRequestHandled { error, .. } => Some(*error),
            _ => None,
        })
        .collect()
}

// The answer to a hand-made request is a message to the lab: reported when it arrives, never
// when dropped, twice when duplicated; the coordinator acted on the request either way.
#[test]
fn a_hand_made_requests_answer_travels_the_network() {
    let mut w = world(|_| {});
    let init = Action::InitProducerIdRaw {
        transactional_id: "other".to_owned(),
        expected_producer_id: None,
        expected_epoch: None,
        broker: None,
    };
    let sent = step(&mut w, init.clone());
    assert!(
        raw_answers(&sent).is_empty(),
        "nothing arrives within the step"
    );
    let answers = in_flight(&w, |p| {
        matches!(
            p,
            eos_core::network::Payload::TxnInitProducerIdResponse { .. }
        )
    });
    assert_eq!(answers.len(), 1);
    step(
        &mut w,
        Action::Drop {
            message: answers.first().copied(),
        },
    );
    assert!(raw_answers(&step(&mut w, Action::DeliverAll {})).is_empty());
    assert!(
        w.coordinator()
            .transactions()
            .any(|m| m.transactional_id == "other"),
        "the coordinator handled the request although its answer was lost"
    );

    step(&mut w, init);
    let answer = in_flight(&w, |p| {
        matches!(
            p,
            eos_core::network::Payload::TxnInitProducerIdResponse { .. }
        )
    });
    step(
        &mut w,
        Action::Duplicate {
            message: answer.first().copied(),
        },
    );
    assert_eq!(
        raw_answers(&step(&mut w, Action::DeliverAll {})),
        vec![None, None],
        "both copies arrive"
    );
}

// TransactionCoordinator.handleEndTransaction: a producer whose EndTxn answer was lost sends
// EndTxn again; while the markers are being written it gets CONCURRENT_TRANSACTIONS and retries,
// and once the commit is complete the retry of the same commit is answered NONE.
#[test]
fn a_dropped_end_txn_answer_makes_the_producer_retry_until_the_commit_is_answered() {
    let mut w = world(|_| {});
    ready(&mut w);
    step(&mut w, Action::BeginTransaction { producer: p1() });
    step(&mut w, send("a"));
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::CommitTransaction { producer: p1() });
    let end_txn = |p: &eos_core::network::Payload| {
        matches!(p, eos_core::network::Payload::EndTxnRequest { .. })
    };
    let request = in_flight(&w, end_txn);
    step(
        &mut w,
        Action::Deliver {
            message: request.first().copied(),
        },
    );
    let answer = in_flight(&w, |p| {
        matches!(p, eos_core::network::Payload::EndTxnResponse { .. })
    });
    assert_eq!(answer.len(), 1);
    step(
        &mut w,
        Action::Drop {
            message: answer.first().copied(),
        },
    );
    assert_eq!(state(&w), Some(ClientTxnState::CommittingTransaction));

    // request.timeout.ms passes before the markers are acknowledged: the resent EndTxn finds the
    // transaction still PrepareCommit.
    let mut seen = Vec::new();
    seen.extend(step(&mut w, Action::AdvanceTime { ms: 30_000 }));
    let resent = in_flight(&w, end_txn);
    assert_eq!(resent.len(), 1, "the producer sent EndTxn again");
    seen.extend(step(
        &mut w,
        Action::Deliver {
            message: resent.first().copied(),
        },
    ));
    seen.extend(step(&mut w, Action::DeliverAll {}));
    assert!(
        seen.iter().any(|k| matches!(
            k,
            EventKind::TxnRequestRefused {
                error: ErrorCode::ConcurrentTransactions,
                ..
            }
        )),
        "{seen:?}"
    );
    for _ in 0..5 {
        if state(&w) == Some(ClientTxnState::Ready) {
            break;
        }
        step(&mut w, Action::AdvanceTime { ms: 100 });
        step(&mut w, Action::DeliverAll {});
    }
    assert_eq!(
        state(&w),
        Some(ClientTxnState::Ready),
        "the retried commit was answered NONE"
    );
    assert!(
        w.coordinator()
            .transactions()
            .all(|m| m.state == TransactionState::CompleteCommit)
    );
}

fn raw_produce(edit: impl FnOnce(&mut Action)) -> Action {
    let mut action: Action = serde_json::from_str(
        r#"{"step": "produce_raw", "topic": "payments", "partition": 0, "producer_id": -1, "producer_epoch": -1, "base_sequence": -1}"#,
    )
    .expect("a valid step");
    edit(&mut action);
    action
}

// What a scenario could write but Kafka cannot be sent is refused before anything happens, with
// the reason: a record count that contradicts the records, a Produce version no 4.2 broker
// takes, and v12 (the leader adds the partition) on a cluster at transaction version 1.
#[test]
fn a_hand_made_produce_request_that_contradicts_itself_is_refused_with_the_reason() {
    let mut w = world(|_| {});
    let contradicting: Action = serde_json::from_str(
        r#"{"step": "produce_raw", "topic": "payments", "partition": 0, "producer_id": -1, "producer_epoch": -1, "base_sequence": -1, "record_count": 3, "records": [{"value": "a"}]}"#,
    )
    .expect("parses");
    assert!(refused(&mut w, contradicting).contains("record_count says 3"));
    let too_new = raw_produce(|a| {
        if let Action::ProduceRaw { version, .. } = a {
            *version = Some(14);
        }
    });
    assert!(refused(&mut w, too_new).contains("Produce versions 3 to 13"));
    let v12 = raw_produce(|a| {
        if let Action::ProduceRaw { version, .. } = a {
            *version = Some(12);
        }
    });
    let why = refused(&mut w, v12);
    assert!(why.contains("transaction.version 2"), "{why}");
    // `null` and an absent transactional id are told apart.
    let null_id: Action = serde_json::from_str(
        r#"{"step": "produce_raw", "topic": "payments", "partition": 0, "producer_id": 7, "producer_epoch": 0, "base_sequence": 0, "is_transactional": true, "transactional_id": null}"#,
    )
    .expect("parses");
    assert!(matches!(
        null_id,
        Action::ProduceRaw {
            transactional_id: Some(None),
            ..
        }
    ));
    assert!(matches!(
        raw_produce(|_| {}),
        Action::ProduceRaw {
            transactional_id: None,
            ..
        }
    ));
}

// ProducerAppendInfo.checkProducerEpoch: the group coordinator writes a TxnOffsetCommit as a
// batch with the producer's id and epoch, so __consumer_offsets-0's producer state fences an
// epoch older than one it has seen, even with partition verification off (nothing asked the
// transaction coordinator first).
#[test]
fn a_txn_offset_commit_older_than_the_offsets_log_has_seen_is_invalid_producer_epoch() {
    let text = r#"{"format_version": 1, "name": "x", "description": "x", "seed": 1,
        "cluster": {"topics": [{"name": "payments", "partitions": 1}], "transaction.version": 1,
            "transaction.partition.verification.enable": false},
        "steps": [
            {"step": "init_producer_id_raw", "transactional_id": "receipts"},
            {"step": "init_producer_id_raw", "transactional_id": "receipts"},
            {"step": "add_offsets_raw", "transactional_id": "receipts", "producer_id": 1000, "producer_epoch": 1, "group_id": "billing"},
            {"step": "txn_offset_commit_raw", "group_id": "billing", "producer_id": 1000, "producer_epoch": 1, "generation_id": -1,
                "offsets": [{"topic": "payments", "partition": 0, "offset": 5}]},
            {"step": "txn_offset_commit_raw", "group_id": "billing", "producer_id": 1000, "producer_epoch": 0, "generation_id": -1,
                "offsets": [{"topic": "payments", "partition": 0, "offset": 7}]}
        ]}"#;
    let run = eos_core::run::scenario::Scenario::parse(text)
        .expect("valid")
        .run()
        .expect("runs");
    let refusals: Vec<ErrorCode> = run
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::TxnOffsetCommitRefused { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(refusals, vec![ErrorCode::InvalidProducerEpoch]);
    let written: Vec<i64> = run
        .world
        .offsets_log()
        .records()
        .filter_map(|(_, r)| match r {
            eos_core::broker::offsets_log::OffsetsLogRecord::OffsetCommit { offset, .. } => {
                Some(offset.0)
            }
            _ => None,
        })
        .collect();
    assert_eq!(written, vec![5], "the stale commit writes nothing");
}
