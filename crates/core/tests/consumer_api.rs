//! The consumer's API beyond poll and commit (`KafkaConsumer`): Kafka's refusals are typed
//! errors, never panics; closing is not crashing; a consumer added mid-run takes partitions.

use eos_core::config::{ConsumerConfig, TopicConfig, WorldConfig};
use eos_core::run::scenario::Scenario;
use eos_core::{Action, ActionError, ClientId, EventKind, TopicPartition, World, WorldConfigError};

/// A cluster whose topic `payments` has two partitions.
fn two_partitions() -> WorldConfig {
    let mut config = WorldConfig::default();
    config.cluster.topics = vec![TopicConfig::named("payments", 2)];
    config
}

fn world(consumers: Vec<ConsumerConfig>) -> World {
    let mut config = two_partitions();
    config.consumers = consumers;
    World::new(&config, 1).expect("valid world")
}

fn c(id: &str) -> ClientId {
    ClientId::new(id)
}

fn refused(world: &mut World, action: Action) -> String {
    match world.step(&action) {
        Err(ActionError::InvalidRequest(why)) => why,
        other => panic!("{action:?} should be refused, got {other:?}"),
    }
}

fn step(world: &mut World, action: Action) -> Vec<EventKind> {
    world
        .step(&action)
        .unwrap_or_else(|e| panic!("{action:?}: {e}"))
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

// KafkaConsumer.seek / position: IllegalStateException for a partition not assigned, and
// IllegalArgumentException for a negative offset.
#[test]
fn seeks_and_positions_need_an_assigned_partition_and_a_valid_offset() {
    let mut w = world(vec![
        ConsumerConfig::named("c1", "payments"),
        ConsumerConfig::named("c2", "payments"),
    ]);
    let owned_by_c2 = w.consumer(&c("c2")).unwrap().assignment[0].clone();
    let why = refused(
        &mut w,
        Action::Seek {
            consumer: c("c1"),
            topic: owned_by_c2.topic.to_string(),
            partition: owned_by_c2.partition,
            offset: 0,
        },
    );
    assert!(why.contains("No current assignment"), "{why}");
    let owned_by_c1 = w.consumer(&c("c1")).unwrap().assignment[0].clone();
    let why = refused(
        &mut w,
        Action::Seek {
            consumer: c("c1"),
            topic: owned_by_c1.topic.to_string(),
            partition: owned_by_c1.partition,
            offset: -1,
        },
    );
    assert!(why.contains("negative"), "{why}");
    assert!(matches!(
        w.step(&Action::Position {
            consumer: c("c1"),
            topic: "payments".to_owned(),
            partition: 99,
        }),
        Err(ActionError::UnknownPartition(_))
    ));
}

// A seek past the log end is answered OFFSET_OUT_OF_RANGE at the next fetch, and
// auto.offset.reset (earliest here) moves the position (FetchCollector.handleInitializeErrors).
#[test]
fn a_seek_past_the_log_end_is_reset_by_auto_offset_reset() {
    let mut w = world(vec![ConsumerConfig::named("c1", "payments")]);
    let tp = w.consumer(&c("c1")).unwrap().assignment[0].clone();
    step(
        &mut w,
        Action::Seek {
            consumer: c("c1"),
            topic: tp.topic.to_string(),
            partition: tp.partition,
            offset: 50,
        },
    );
    let events = step(&mut w, Action::Poll { consumer: c("c1") });
    assert!(events.iter().any(|k| matches!(
        k,
        EventKind::PositionReset {
            from: eos_core::Offset(50),
            offset: eos_core::Offset(0),
            ..
        }
    )));
}

// ConsumerCoordinator.close with auto-commit: the positions are committed, then the member
// leaves and the group rebalances. A crash commits nothing.
#[test]
fn close_commits_with_auto_commit_and_a_crash_does_not() {
    let auto = |id: &str| ConsumerConfig {
        enable_auto_commit: true,
        ..ConsumerConfig::named(id, "payments")
    };
    let mut config = two_partitions();
    config.producers = vec![eos_core::config::ProducerConfig::named("p1")];
    config.consumers = vec![auto("c1"), auto("c2")];
    let mut w = World::new(&config, 1).expect("valid world");
    step(&mut w, Action::DeliverAll {});
    for partition in 0..2 {
        step(
            &mut w,
            Action::Send {
                producer: c("p1"),
                topic: "payments".to_owned(),
                partition: Some(partition),
                key: None,
                value: "v".to_owned(),
            },
        );
    }
    step(&mut w, Action::DeliverAll {});
    step(&mut w, Action::Poll { consumer: c("c1") });
    step(&mut w, Action::Poll { consumer: c("c2") });
    let closed = step(&mut w, Action::CloseConsumer { consumer: c("c1") });
    assert!(
        closed
            .iter()
            .any(|k| matches!(k, EventKind::OffsetCommitted { .. }))
    );
    assert!(
        closed
            .iter()
            .any(|k| matches!(k, EventKind::GroupRebalanced { .. }))
    );
    assert_eq!(
        w.consumer(&c("c2")).unwrap().assignment.len(),
        2,
        "c2 takes both"
    );
    let crashed = step(&mut w, Action::CrashConsumer { consumer: c("c2") });
    assert!(
        !crashed
            .iter()
            .any(|k| matches!(k, EventKind::OffsetCommitted { .. }))
    );
    assert!(matches!(
        w.step(&Action::CloseConsumer { consumer: c("c1") }),
        Err(ActionError::ClientDown(_))
    ));
}

#[test]
fn an_added_consumer_is_checked_like_a_configured_one() {
    let mut w = world(vec![ConsumerConfig::named("c1", "payments")]);
    let why = refused(
        &mut w,
        Action::AddConsumer {
            consumer: ConsumerConfig::named("c1", "payments"),
        },
    );
    assert!(why.contains("already defined"), "{why}");
    let both = ConsumerConfig {
        assign: vec![TopicPartition::new("payments", 0)],
        ..ConsumerConfig::named("c2", "payments")
    };
    let why = refused(&mut w, Action::AddConsumer { consumer: both });
    assert!(why.contains("not both"), "{why}");
    let joined = step(
        &mut w,
        Action::AddConsumer {
            consumer: ConsumerConfig::named("c3", "payments"),
        },
    );
    assert!(
        joined
            .iter()
            .any(|k| matches!(k, EventKind::GroupRebalanced { .. }))
    );
    assert_eq!(
        w.consumer(&c("c1")).unwrap().assignment.len(),
        1,
        "one moved to c3"
    );
}

#[test]
fn a_consumer_with_neither_topics_nor_assign_is_a_located_error() {
    let config = WorldConfig {
        consumers: vec![ConsumerConfig {
            topics: Vec::new(),
            ..ConsumerConfig::named("c1", "payments")
        }],
        ..WorldConfig::default()
    };
    assert!(matches!(
        World::new(&config, 1),
        Err(WorldConfigError::Client(_))
    ));
    let text = r#"{"format_version": 1, "name": "x", "description": "x", "seed": 1,
        "consumers": [{"id": "c1", "group.id": "g", "topics": ["payments"]}],
        "steps": [{"step": "seek", "consumer": "c1", "topic": "payments", "partition": 0, "offset": "x"}]}"#;
    let err = Scenario::parse(text).unwrap_err().to_string();
    assert!(err.contains("steps[0]") || err.contains("step 1"), "{err}");
}

// Partition.fetchOffsetForTimestamp: the latest offset a read_committed consumer is given is the
// last stable offset, so auto.offset.reset=latest does not jump over an open transaction.
#[test]
fn latest_under_read_committed_starts_at_the_last_stable_offset() {
    let text = r#"{"format_version": 1, "name": "x", "description": "x", "seed": 1,
        "producers": [{"id": "plain"}, {"id": "tx", "transactional.id": "t"}],
        "steps": [
            {"step": "send", "producer": "plain", "topic": "payments", "key": "a", "value": "before"},
            {"step": "deliver_all"},
            {"step": "init_transactions", "producer": "tx"},
            {"step": "deliver_all"},
            {"step": "begin_transaction", "producer": "tx"},
            {"step": "send", "producer": "tx", "topic": "payments", "key": "b", "value": "in the transaction"},
            {"step": "deliver_all"},
            {"step": "add_consumer", "consumer": {"id": "reader", "group.id": "g", "topics": ["payments"],
                "isolation.level": "read_committed", "auto.offset.reset": "latest"}},
            {"step": "poll", "consumer": "reader"},
            {"step": "commit_transaction", "producer": "tx"},
            {"step": "deliver_all"},
            {"step": "poll", "consumer": "reader"}
        ]}"#;
    let run = Scenario::parse(text).expect("valid").run().expect("runs");
    let reader = run.world.consumer(&c("reader")).expect("reader");
    let received: Vec<String> = reader.received.iter().map(|r| r.value.clone()).collect();
    assert_eq!(received, vec!["in the transaction"]);
}

// KafkaConsumer.assign: a consumer outside any group changes its partitions with no rebalance,
// keeping the positions of those it keeps; a subscribing consumer is refused
// (SubscriptionState.setSubscriptionType).
#[test]
fn assign_moves_a_consumer_between_partitions_without_a_group() {
    let p = |n| TopicPartition::new("payments", n);
    let auditor = ConsumerConfig {
        topics: Vec::new(),
        assign: vec![p(0)],
        ..ConsumerConfig::named("auditor", "payments")
    };
    let mut w = world(vec![ConsumerConfig::named("member", "payments"), auditor]);
    let member_before = w.consumer(&c("member")).unwrap().assignment.clone();
    let events = step(
        &mut w,
        Action::Assign {
            consumer: c("auditor"),
            partitions: vec![p(1), p(0), p(1)],
        },
    );
    assert!(events.iter().any(|e| matches!(
        e,
        EventKind::ConsumerAssigned { partitions, .. } if partitions == &vec![p(1), p(0)]
    )));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventKind::GroupRebalanced { .. }))
    );
    assert_eq!(w.consumer(&c("member")).unwrap().assignment, member_before);
    step(
        &mut w,
        Action::Assign {
            consumer: c("auditor"),
            partitions: Vec::new(),
        },
    );
    assert!(w.consumer(&c("auditor")).unwrap().assignment.is_empty());
    let why = refused(
        &mut w,
        Action::Assign {
            consumer: c("member"),
            partitions: vec![p(0)],
        },
    );
    assert!(why.contains("mutually exclusive"), "{why}");
}
