//! Named settings for the explorer and the exactly-once matrix: the safe one, with every knob
//! Kafka's exactly-once needs, and each weaker choice, one knob changed. Only what the world
//! honours is here: a knob the lab does not model has no row (see `docs/explorer.md`).

use crate::clients::streams::{ProcessingGuarantee, SendOffsetsGroupMetadata, StreamsAppConfig};
use crate::config::{
    Acks, ClusterConfig, ConsumerConfig, DatabaseConfig, IsolationLevel, ProcessingMode,
    ProducerConfig, TopicConfig, WorldConfig,
};
use crate::explore::reads::{
    NO_ABORTED_READ, NO_DUPLICATE_OUTPUT, ONE_PRODUCER_PER_TRANSACTIONAL_ID,
};
use crate::invariants::{
    NO_ACKNOWLEDGED_WRITE_LOST, NO_DUPLICATE_EFFECT, NO_DUPLICATE_WRITE, NO_RECORD_SKIPPED_BY_GROUP,
};

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The name `eos-lab explore --setting` takes.
    pub name: &'static str,
    pub title: &'static str,
    /// What differs from the safe setting, and what that gives up.
    pub about: &'static str,
    /// The guarantee this setting is here to show broken; `None` for settings that hold.
    pub shows: Option<&'static str>,
    pub config: WorldConfig,
}

pub const SAFE: &str = "safe";

/// A `transaction.timeout.ms` above the default `delivery.timeout.ms` (two minutes): 15 minutes,
/// the default `transaction.max.timeout.ms`.
pub const LONG_TRANSACTION_TIMEOUT_MS: u64 = 900_000;

fn topic(name: &str, partitions: u32) -> TopicConfig {
    TopicConfig {
        replication_factor: 3,
        min_insync_replicas: 2,
        ..TopicConfig::named(name, partitions)
    }
}

fn transactional(id: &str, transactional_id: &str) -> ProducerConfig {
    ProducerConfig {
        transactional_id: Some(transactional_id.to_owned()),
        ..ProducerConfig::named(id)
    }
}

/// Idempotence, acks=all, transactions, read_committed consumers, the processor's offsets in
/// its transaction, and a database that skips effects it has applied (the idempotent consumer).
/// Three brokers, replication factor 3, `min.insync.replicas` 2.
pub fn safe_config() -> WorldConfig {
    let processor = ConsumerConfig {
        group_id: "receipt-maker".to_owned(),
        isolation_level: IsolationLevel::ReadCommitted,
        processing: ProcessingMode::Transactional,
        ..ConsumerConfig::named("processor", "payments")
    };
    let billing = ConsumerConfig {
        isolation_level: IsolationLevel::ReadCommitted,
        ..ConsumerConfig::named("billing", "payments")
    };
    WorldConfig {
        cluster: ClusterConfig {
            brokers: 3,
            topics: vec![topic("payments", 2)],
            ..ClusterConfig::default()
        },
        producers: vec![transactional("tx", "payments-tx")],
        consumers: vec![processor, billing],
        database: DatabaseConfig {
            idempotent: true,
            outbox_topic: None,
        },
        streams: Vec::new(),
    }
}

fn changed(change: impl FnOnce(&mut WorldConfig)) -> WorldConfig {
    let mut config = safe_config();
    change(&mut config);
    config
}

fn consumer<'a>(config: &'a mut WorldConfig, id: &str) -> Option<&'a mut ConsumerConfig> {
    config.consumers.iter_mut().find(|c| *c.id.0 == *id)
}

fn with_streams(
    guarantee: ProcessingGuarantee,
    send_offsets_group_metadata: SendOffsetsGroupMetadata,
) -> WorldConfig {
    changed(|c| {
        c.cluster.topics.push(topic("receipts", 1));
        c.streams.push(StreamsAppConfig {
            application_id: "receipts-app".to_owned(),
            processing_guarantee: guarantee,
            input: "payments".to_owned(),
            output: "receipts".to_owned(),
            num_stream_threads: 2,
            send_offsets_group_metadata,
        });
    })
}

/// Every named setting, the safe one first.
pub fn catalogue() -> Vec<Setting> {
    vec![
        Setting {
            name: SAFE,
            title: "Everything right",
            about: "Idempotence, acks=all with min.insync.replicas=2, a transactional producer, read_committed consumers, the processor's offsets sent to its transaction, and an idempotent database write.",
            shows: None,
            config: safe_config(),
        },
        Setting {
            name: "idempotence-off",
            title: "enable.idempotence=false",
            about: "The producer has no producer id or sequence numbers (and so no transactions): a retry after a lost answer is written again.",
            shows: Some(NO_DUPLICATE_WRITE),
            config: changed(|c| {
                c.producers = vec![ProducerConfig {
                    enable_idempotence: Some(false),
                    ..ProducerConfig::named("p1")
                }];
            }),
        },
        Setting {
            name: "acks-1",
            title: "acks=1",
            about: "The leader answers before any follower has the write (and idempotence turns off with it, so no transactions): a leader crash can lose an acknowledged write.",
            shows: Some(NO_ACKNOWLEDGED_WRITE_LOST),
            config: changed(|c| {
                c.producers = vec![ProducerConfig {
                    acks: Acks::Leader,
                    ..ProducerConfig::named("p1")
                }];
            }),
        },
        Setting {
            name: "read-uncommitted",
            title: "isolation.level=read_uncommitted",
            about: "Consumers read records of open transactions, including ones that later abort.",
            shows: Some(NO_ABORTED_READ),
            config: changed(|c| {
                for consumer in &mut c.consumers {
                    consumer.isolation_level = IsolationLevel::ReadUncommitted;
                }
            }),
        },
        Setting {
            name: "auto-commit-with-transactions",
            title: "enable.auto.commit=true with transactions",
            about: "The processor's poll commits its position on its own, outside the transaction: when the transaction aborts, its input is skipped.",
            shows: Some(NO_RECORD_SKIPPED_BY_GROUP),
            config: changed(|c| {
                if let Some(processor) = consumer(c, "processor") {
                    processor.enable_auto_commit = true;
                }
            }),
        },
        Setting {
            name: "commit-before-process",
            title: "Commit before processing",
            about: "The billing consumer commits right after each poll: a crash before processing skips what it polled (at-most-once).",
            shows: Some(NO_RECORD_SKIPPED_BY_GROUP),
            config: changed(|c| {
                if let Some(billing) = consumer(c, "billing") {
                    billing.processing = ProcessingMode::CommitBeforeProcessing;
                }
            }),
        },
        Setting {
            name: "non-idempotent-database",
            title: "A plain database write",
            about: "The database applies every effect it is given: a record processed again after a crash is applied twice.",
            shows: Some(NO_DUPLICATE_EFFECT),
            config: changed(|c| c.database.idempotent = false),
        },
        Setting {
            name: "shared-transactional-id",
            title: "One transactional.id, two producers",
            about: "Two different producers share one transactional.id: each initTransactions fences the other and aborts its open transaction.",
            shows: Some(ONE_PRODUCER_PER_TRANSACTIONAL_ID),
            config: changed(|c| {
                c.producers = vec![
                    transactional("tx-a", "payments-tx"),
                    transactional("tx-b", "payments-tx"),
                ];
            }),
        },
        Setting {
            name: "verification-off-v1",
            title: "transaction.partition.verification.enable=false under transaction.version 1",
            about: "A partition leader accepts a transactional write without asking the coordinator, and under protocol V1 the epoch stays the same from one transaction to the next: a write that arrives after its transaction was aborted is taken into the next one. Here transaction.timeout.ms is 15 minutes, longer than delivery.timeout.ms (as sinks that keep a transaction open across a checkpoint set it), so the producer gives up on a send and aborts before the coordinator would. A produce request held on a stalled path arrives after the abort's marker and is committed by the next transaction.",
            shows: Some(NO_ABORTED_READ),
            config: changed(|c| {
                c.cluster.transaction_partition_verification_enable = false;
                for producer in &mut c.producers {
                    producer.transaction_timeout_ms = LONG_TRANSACTION_TIMEOUT_MS;
                }
            }),
        },
        Setting {
            name: "streams-exactly-once",
            title: "Kafka Streams processing.guarantee=exactly_once",
            about: "A Streams application with two threads beside the safe clients, a transactional producer per task; a crashed thread's tasks move to the other thread in a rebalance, and the task's producer, created again there, fences the dead one through its transactional.id.",
            shows: None,
            config: with_streams(
                ProcessingGuarantee::ExactlyOnce,
                SendOffsetsGroupMetadata::ConsumerGroupMetadata,
            ),
        },
        Setting {
            name: "streams-exactly-once-v2",
            title: "Kafka Streams processing.guarantee=exactly_once_v2",
            about: "The same application with one transactional producer per thread, fenced through the consumer group's generation: fewer producers and transactions for the same guarantee.",
            shows: None,
            config: with_streams(
                ProcessingGuarantee::ExactlyOnceV2,
                SendOffsetsGroupMetadata::ConsumerGroupMetadata,
            ),
        },
        Setting {
            name: "per-thread-group-id-only",
            title: "A producer per thread, sendOffsetsToTransaction(offsets, groupId)",
            about: "The per-thread layout of exactly_once_v2, but the processor hands its offsets over with the group id alone (generation -1, no member), as before KIP-447: the group coordinator accepts them from anyone, so a thread whose partitions moved in a rebalance still commits its output and offsets for them.",
            shows: Some(NO_DUPLICATE_OUTPUT),
            config: with_streams(
                ProcessingGuarantee::ExactlyOnceV2,
                SendOffsetsGroupMetadata::GroupIdOnly,
            ),
        },
    ]
}

/// The setting with this name.
pub fn setting(name: &str) -> Option<Setting> {
    catalogue().into_iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::World;

    #[test]
    fn every_setting_is_a_world_kafka_would_accept() {
        for setting in catalogue() {
            assert!(
                World::new(&setting.config, 0).is_ok(),
                "{} is refused",
                setting.name
            );
        }
    }
}
