//! The machine-readable report of a run: the contract for lesson checks and graders. Keys are
//! snake_case after Kafka's own field names (`producer_id`, `high_watermark`, ...) and errors use
//! Kafka's names. The layout is versioned by [`REPORT_VERSION`]; `docs/report.md` documents it.
//! Change it only by adding fields, or by bumping the version.

use crate::action::Action;
use crate::broker::batch::ControlKind;
use crate::broker::log::AbortedTxn;
use crate::broker::offsets_log::{CommitRecordStatus, OffsetsLogRecord};
use crate::clients::consumer::{offsets_partition, read_fetched};
use crate::clients::producer::SendOutcome;
use crate::clients::producer_txn::ClientTxnState;
use crate::config::IsolationLevel;
use crate::coordinator::state_machine::{TransactionLogRecord, TransactionState};
use crate::error_code::ErrorCode;
use crate::event::Event;
use crate::ids::{BrokerId, LeaderEpoch, Offset, ProducerEpoch, ProducerId, Sequence};
use crate::run::scenario::{Scenario, ScenarioRun};
use crate::views::costs::Costs;
use crate::world::World;
use serde::Serialize;

/// The report layout version.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub report_version: u32,
    pub scenario: String,
    pub seed: u64,
    pub trace_hash: String,
    pub steps: Vec<StepReport>,
    pub partitions: Vec<PartitionReport>,
    pub producers: Vec<ProducerReport>,
    pub consumers: Vec<ConsumerReport>,
    pub database: DatabaseReport,
    pub invariants: Vec<InvariantReport>,
    /// The transaction coordinator's view, one entry per transactional id.
    pub transactions: Vec<TransactionReport>,
    /// The `__transaction_state` records, oldest first.
    pub transaction_log: Vec<TransactionLogRecord>,
    /// What the run's steps cost in requests, transaction-log writes and markers.
    pub costs: Costs,
    /// Kafka's message for each error the run's events carry, sorted by error name.
    pub error_messages: Vec<ErrorMessageReport>,
    /// `__consumer_offsets-0`, the group coordinator's log of offset commits and markers.
    pub consumer_offsets: ConsumerOffsetsReport,
}

#[derive(Debug, Serialize)]
pub struct TransactionReport {
    pub transactional_id: String,
    pub state: TransactionState,
    /// A transition waiting for its write or for its markers (`CompleteCommit` while markers are
    /// in flight).
    pub pending_state: Option<TransactionState>,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub partitions: Vec<String>,
    pub transaction_timeout_ms: u64,
    pub txn_start_timestamp_ms: Option<u64>,
    /// The epoch before the last bump (`TransactionMetadata.lastProducerEpoch`): a retried
    /// InitProducerId or EndTxn carrying it is answered as the bump it repeats.
    pub last_producer_epoch: ProducerEpoch,
    /// A fence's `__transaction_state` write failed after the epoch was raised in memory, so the
    /// next fence does not raise it again (`TransactionMetadata.hasFailedEpochFence`).
    pub has_failed_epoch_fence: bool,
    /// The producer id before the last transition; after a rotation (an exhausted epoch) the
    /// old one (`TransactionMetadata.prevProducerId`).
    pub prev_producer_id: ProducerId,
    /// The producer id allocated when a transaction V2 EndTxn exhausted the epoch, taken over
    /// when the transaction completes (`TransactionMetadata.nextProducerId`).
    pub next_producer_id: ProducerId,
    /// The coordinator's epoch (the `__transaction_state` partition's leader epoch), which its
    /// markers carry.
    pub coordinator_epoch: i32,
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub index: usize,
    pub action: Action,
    pub events: Vec<Event>,
}

#[derive(Debug, Serialize)]
pub struct PartitionReport {
    pub topic: String,
    pub partition: u32,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub isr: Vec<BrokerId>,
    pub log_start_offset: Offset,
    pub high_watermark: Offset,
    /// The first offset of the earliest undecided transaction, or the high watermark.
    pub last_stable_offset: Offset,
    pub log_end_offset: Offset,
    pub segments: Vec<SegmentReport>,
    pub records: Vec<RecordReport>,
    /// The aborted-transaction index entries of every segment, in offset order.
    pub aborted_transactions: Vec<AbortedTxn>,
    /// The leader's undecided transactions, oldest first (`ProducerStateManager.ongoingTxns`):
    /// what `kafka-transactions.sh describe-producers` shows as current transaction starts.
    pub ongoing_transactions: Vec<OngoingTxnReport>,
    /// The offsets a `read_uncommitted` consumer starting at the log start would receive now.
    pub visible_read_uncommitted: Vec<Offset>,
    /// The offsets a `read_committed` consumer starting at the log start would receive now.
    pub visible_read_committed: Vec<Offset>,
    pub replicas: Vec<ReplicaReport>,
    /// The leader's first unstable offset (`ProducerStateManager.firstUnstableOffset`, bounded
    /// below by the log start): the earliest undecided transaction, or decided one whose marker is
    /// not yet below the high watermark. `None` when every offset is stable.
    pub first_unstable_offset: Option<Offset>,
    /// What the leader remembers of each producer (`ProducerStateEntry`), by producer id.
    pub producer_states: Vec<ProducerStateReport>,
}

/// One producer's state on a partition's leader.
#[derive(Debug, Serialize)]
pub struct ProducerStateReport {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// The coordinator epoch of the producer's last marker here, -1 before any.
    pub coordinator_epoch: i32,
    pub last_timestamp_ms: u64,
    /// First and last sequence of the retained batches (at most 5), -1 when none is retained.
    pub first_sequence: Sequence,
    pub last_sequence: Sequence,
    /// First and last offset of the retained data batches, -1 when none is retained.
    pub first_offset: Offset,
    pub last_offset: Offset,
    /// Where the producer's open transaction starts here, if one is open.
    pub current_transaction_first_offset: Option<Offset>,
}

/// Kafka's message for an error the run's events carry (`Errors.java`).
/// `__consumer_offsets-0` at the end of the run.
#[derive(Debug, Serialize)]
pub struct ConsumerOffsetsReport {
    pub topic: &'static str,
    pub partition: u32,
    /// The broker that holds it (the lab's group coordinator shares the transaction
    /// coordinator's broker).
    pub leader: BrokerId,
    pub log_end_offset: Offset,
    pub records: Vec<OffsetsRecordReport>,
}

/// One record of `__consumer_offsets-0`: an offset commit or a transaction marker.
#[derive(Debug, Serialize)]
pub struct OffsetsRecordReport {
    pub offset: Offset,
    /// `offset_commit` or `marker`.
    #[serde(rename = "type")]
    pub record_type: &'static str,
    /// An offset commit's group, partition, committed offset, leader epoch and metadata.
    pub group_id: Option<String>,
    pub topic: Option<String>,
    pub partition: Option<u32>,
    pub committed_offset: Option<Offset>,
    pub leader_epoch: Option<i32>,
    pub metadata: Option<String>,
    /// -1 for a plain commit.
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// An offset commit's fate: `plain`, `pending`, `committed`, `superseded` or `aborted`.
    pub status: Option<&'static str>,
    /// The offset of the marker that decided a transactional commit.
    pub decided_by: Option<Offset>,
    /// A marker's result (false: ABORT) and coordinator epoch.
    pub commit: Option<bool>,
    pub coordinator_epoch: Option<i32>,
}

#[derive(Debug, Serialize)]
pub struct ErrorMessageReport {
    pub error: ErrorCode,
    pub message: &'static str,
}

#[derive(Debug, Serialize)]
pub struct OngoingTxnReport {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
}

#[derive(Debug, Serialize)]
pub struct SegmentReport {
    pub base_offset: Offset,
    pub next_offset: Offset,
}

#[derive(Debug, Serialize)]
pub struct RecordReport {
    pub offset: Offset,
    pub key: Option<String>,
    pub value: String,
    /// The CreateTime a hand-made request stamped the record with; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// The record's own sequence (the batch's base sequence plus its position), or -1.
    pub sequence: Sequence,
    pub base_sequence: Sequence,
    pub is_transactional: bool,
    pub is_control: bool,
    pub control_type: Option<ControlKind>,
    pub send_id: Option<u64>,
    pub attempt: u32,
}

#[derive(Debug, Serialize)]
pub struct ReplicaReport {
    pub broker: BrokerId,
    pub alive: bool,
    pub in_sync: bool,
    pub log_end_offset: Offset,
    pub high_watermark: Offset,
}

#[derive(Debug, Serialize)]
pub struct ProducerReport {
    pub id: String,
    pub enable_idempotence: bool,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub transactional_id: Option<String>,
    /// The client's transaction state (`TransactionManager.State`); absent without a
    /// `transactional.id`.
    pub transaction_state: Option<ClientTxnState>,
    pub sends: Vec<SendReport>,
    /// Per partition the client has sequenced: next sequence, last acknowledged sequence and
    /// offset.
    pub partition_states: Vec<ProducerPartitionReport>,
    /// Produce requests sent and not yet answered, oldest first.
    pub in_flight_requests: Vec<InFlightReport>,
}

#[derive(Debug, Serialize)]
pub struct ProducerPartitionReport {
    pub topic: String,
    pub partition: u32,
    /// The sequence the next new batch to this partition gets.
    pub next_sequence: Sequence,
    /// The last sequence acknowledged in this session, if any.
    pub last_acked_sequence: Option<Sequence>,
    /// The offset of the last acknowledged send to this partition, if any.
    pub last_acked_offset: Option<Offset>,
}

#[derive(Debug, Serialize)]
pub struct InFlightReport {
    pub correlation_id: u64,
    pub broker: BrokerId,
    pub topic: String,
    pub partition: u32,
    pub base_sequence: Sequence,
    pub record_count: usize,
    pub attempt: u32,
}

#[derive(Debug, Serialize)]
pub struct SendReport {
    pub send_id: u64,
    pub topic: String,
    pub partition: u32,
    pub key: Option<String>,
    pub value: String,
    /// `acknowledged`, `sent_without_ack`, `failed` or `pending`.
    pub outcome: &'static str,
    pub offset: Option<Offset>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConsumerReport {
    pub id: String,
    pub group_id: String,
    pub isolation_level: IsolationLevel,
    pub received: Vec<ConsumedReport>,
    pub processed: Vec<ConsumedReport>,
    pub committed: Vec<CommittedReport>,
    /// Transactional offset commits the group holds pending for this consumer's topics.
    pub pending_txn_offsets: Vec<PendingTxnOffsetReport>,
    /// Whether its process is running (false after a crash or a close).
    pub alive: bool,
    /// Whether it is a member of its group now (false with `assign`, and after it left).
    pub in_group: bool,
    /// The partitions it reads now, by group assignment or `assign`.
    pub assignment: Vec<PartitionRef>,
    /// The next offset it fetches, per partition whose start is known.
    pub positions: Vec<CommittedReport>,
    /// What `groupMetadata()` returns: the group's generation and its member id, or -1 and "".
    pub generation_id: i32,
    pub member_id: String,
    /// Its poll's fetch while it waits at the broker for `fetch.min.bytes`; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_fetch: Option<crate::clients::consumer::WaitingFetch>,
}

#[derive(Debug, Serialize)]
pub struct PartitionRef {
    pub topic: String,
    pub partition: u32,
}

#[derive(Debug, Serialize)]
pub struct PendingTxnOffsetReport {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    pub producer_id: crate::ids::ProducerId,
}

#[derive(Debug, Serialize)]
pub struct ConsumedReport {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
    pub key: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CommittedReport {
    pub topic: String,
    pub partition: u32,
    pub offset: Offset,
}

#[derive(Debug, Serialize)]
pub struct DatabaseReport {
    pub idempotent: bool,
    pub effects: Vec<EffectReport>,
    /// The outbox table, in insertion order (empty without `outbox.topic`).
    pub outbox: Vec<OutboxReport>,
}

#[derive(Debug, Serialize)]
pub struct OutboxReport {
    pub business_id: String,
    pub value: String,
    pub published: bool,
}

#[derive(Debug, Serialize)]
pub struct EffectReport {
    pub business_id: String,
    pub value: String,
    pub times_applied: u32,
}

#[derive(Debug, Serialize)]
pub struct InvariantReport {
    pub name: &'static str,
    pub description: &'static str,
    pub holds: bool,
    pub broken_at_step: Option<u64>,
    pub why: Option<String>,
}

impl Report {
    /// The report of a finished scenario run.
    pub fn new(scenario: &Scenario, run: &ScenarioRun) -> Self {
        let steps = run
            .trace
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepReport {
                index: i + 1,
                action: s.action.clone(),
                events: s.outcome.clone().unwrap_or_default(),
            })
            .collect();
        let world = &run.world;
        Self {
            report_version: REPORT_VERSION,
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            trace_hash: format!("{:016x}", run.trace.hash()),
            steps,
            partitions: partitions(world),
            producers: producers(world),
            consumers: consumers(world),
            database: DatabaseReport {
                idempotent: world.store().idempotent,
                effects: world
                    .store()
                    .effects()
                    .iter()
                    .map(|(id, row)| EffectReport {
                        business_id: id.to_string(),
                        value: row.value.clone(),
                        times_applied: row.times_applied,
                    })
                    .collect(),
                outbox: world
                    .store()
                    .outbox()
                    .iter()
                    .map(|row| OutboxReport {
                        business_id: row.business_id.clone(),
                        value: row.value.clone(),
                        published: row.published,
                    })
                    .collect(),
            },
            invariants: world
                .invariants()
                .statuses()
                .iter()
                .map(|s| InvariantReport {
                    name: s.name,
                    description: s.description,
                    holds: s.broken.is_none(),
                    broken_at_step: s.broken.as_ref().map(|v| v.step),
                    why: s.broken.as_ref().map(|v| v.why.clone()),
                })
                .collect(),
            transactions: world
                .coordinator()
                .transactions()
                .map(|m| TransactionReport {
                    transactional_id: m.transactional_id.clone(),
                    state: m.state,
                    pending_state: m.pending_state,
                    producer_id: m.producer_id,
                    producer_epoch: m.producer_epoch,
                    partitions: m.topic_partitions.iter().map(ToString::to_string).collect(),
                    transaction_timeout_ms: m.txn_timeout_ms,
                    txn_start_timestamp_ms: m.txn_start_timestamp_ms,
                    last_producer_epoch: m.last_producer_epoch,
                    has_failed_epoch_fence: m.has_failed_epoch_fence,
                    prev_producer_id: m.prev_producer_id,
                    next_producer_id: m.next_producer_id,
                    coordinator_epoch: world.coordinator().coordinator_epoch(),
                })
                .collect(),
            transaction_log: world
                .coordinator()
                .log()
                .iter()
                .map(|r| (**r).clone())
                .collect(),
            costs: Costs::of(run.events()),
            error_messages: Vec::new(),
            consumer_offsets: consumer_offsets(world),
        }
        .with_error_messages()
    }

    /// Lists Kafka's message for every error name the steps' events carry, found by name in
    /// their JSON so that an event added later is covered too.
    fn with_error_messages(mut self) -> Self {
        fn collect(value: &serde_json::Value, seen: &mut std::collections::BTreeSet<String>) {
            match value {
                serde_json::Value::String(s) => {
                    seen.insert(s.clone());
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, seen)),
                serde_json::Value::Object(map) => map
                    .iter()
                    .filter(|(key, _)| key.as_str() != "explanation")
                    .for_each(|(_, v)| collect(v, seen)),
                _ => {}
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Ok(steps) = serde_json::to_value(&self.steps) {
            collect(&steps, &mut seen);
        }
        self.error_messages = ErrorCode::ALL
            .iter()
            .filter(|e| seen.contains(e.name()))
            .map(|e| ErrorMessageReport {
                error: *e,
                message: e.message(),
            })
            .collect();
        self.error_messages.sort_by_key(|m| m.error.name());
        self
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn partitions(world: &World) -> Vec<PartitionReport> {
    world
        .cluster()
        .partitions()
        .map(|p| {
            let leader = p.leader_replica();
            let log = leader.map(|r| &r.log);
            let mut records = Vec::new();
            let log_start = log.map_or(Offset(0), |l| l.log_start_offset());
            for batch in log.into_iter().flat_map(|l| l.batches()) {
                for (i, record) in batch.records.iter().enumerate() {
                    let i32_index = i32::try_from(i).unwrap_or(0);
                    // Records below the log start (delete_records) are gone for every reader.
                    if batch.base_offset.plus(i64::from(i32_index)) < log_start {
                        continue;
                    }
                    records.push(RecordReport {
                        offset: batch.base_offset.plus(i64::from(i32_index)),
                        key: record.key.clone(),
                        value: record.value.clone(),
                        timestamp_ms: record.timestamp_ms,
                        producer_id: batch.stamp.producer_id,
                        producer_epoch: batch.stamp.producer_epoch,
                        sequence: if batch.stamp.base_sequence == Sequence::NONE {
                            Sequence::NONE
                        } else {
                            batch.stamp.base_sequence.plus(i32_index)
                        },
                        base_sequence: batch.stamp.base_sequence,
                        is_transactional: batch.is_transactional,
                        is_control: batch.is_control(),
                        control_type: batch.control,
                        send_id: batch.provenance.send_ids.get(i).copied(),
                        attempt: batch.provenance.attempt,
                    });
                }
            }
            let high_watermark = p.high_watermark();
            let visible = |isolation| {
                let start = log.map_or(Offset(0), |l| l.log_start_offset());
                let answer = world
                    .cluster()
                    .fetch(&p.topic_partition, start, isolation, None);
                read_fetched(
                    &p.topic_partition,
                    &answer.batches,
                    answer
                        .response
                        .aborted_transactions
                        .as_deref()
                        .unwrap_or_default(),
                    start,
                    isolation,
                    usize::MAX,
                )
                .records
                .iter()
                .map(|r| r.offset)
                .collect()
            };
            PartitionReport {
                aborted_transactions: log
                    .map(|l| {
                        l.segments()
                            .iter()
                            .flat_map(|s| s.aborted_txns.iter().copied())
                            .collect()
                    })
                    .unwrap_or_default(),
                ongoing_transactions: p
                    .leader_replica()
                    .map(|r| {
                        r.producers
                            .ongoing_txns()
                            .map(|(first_offset, producer_id)| OngoingTxnReport {
                                producer_id,
                                first_offset,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                visible_read_uncommitted: visible(IsolationLevel::ReadUncommitted),
                visible_read_committed: visible(IsolationLevel::ReadCommitted),
                topic: p.topic_partition.topic.to_string(),
                partition: p.topic_partition.partition,
                leader: p.leader,
                leader_epoch: p.leader_epoch,
                isr: p.isr.iter().copied().collect(),
                log_start_offset: log.map_or(Offset(0), |l| l.log_start_offset()),
                high_watermark,
                last_stable_offset: p.last_stable_offset(),
                log_end_offset: log.map_or(Offset(0), |l| l.log_end_offset()),
                segments: log
                    .map(|l| {
                        l.segments()
                            .iter()
                            .map(|s| SegmentReport {
                                base_offset: s.base_offset,
                                next_offset: s.next_offset,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                records,
                replicas: p
                    .replicas
                    .iter()
                    .map(|r| ReplicaReport {
                        broker: r.broker,
                        alive: world.cluster().is_alive(r.broker),
                        in_sync: p.isr.contains(&r.broker),
                        log_end_offset: r.log.log_end_offset(),
                        high_watermark: r.log.high_watermark(),
                    })
                    .collect(),
                first_unstable_offset: leader.and_then(|r| {
                    r.producers
                        .first_unstable_offset()
                        .map(|o| o.max(r.log.log_start_offset()))
                }),
                producer_states: leader
                    .map(|r| {
                        r.producers
                            .entries()
                            .map(|e| {
                                let batches = e.batch_metadata();
                                ProducerStateReport {
                                    producer_id: e.producer_id,
                                    producer_epoch: e.producer_epoch,
                                    coordinator_epoch: e.coordinator_epoch,
                                    last_timestamp_ms: e.last_timestamp_ms,
                                    first_sequence: e.first_seq(),
                                    last_sequence: e.last_seq(),
                                    first_offset: batches
                                        .front()
                                        .map_or(Offset(-1), |b| b.first_offset),
                                    last_offset: batches
                                        .back()
                                        .map_or(Offset(-1), |b| b.last_offset),
                                    current_transaction_first_offset: e.current_txn_first_offset,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn producers(world: &World) -> Vec<ProducerReport> {
    world
        .producers()
        .map(|p| {
            let sends = world
                .sends()
                .iter()
                .filter(|(_, s)| &s.producer == p.id())
                .map(|(send_id, s)| {
                    let (outcome, offset, error) = match p.outcomes.get(send_id) {
                        Some(SendOutcome::Acknowledged { offset, .. }) => {
                            ("acknowledged", Some(*offset), None)
                        }
                        Some(SendOutcome::SentWithoutAck { .. }) => {
                            ("sent_without_ack", None, None)
                        }
                        Some(SendOutcome::Failed { error }) => {
                            ("failed", None, Some(error.name().to_owned()))
                        }
                        None => ("pending", None, None),
                    };
                    SendReport {
                        send_id: *send_id,
                        topic: s.topic_partition.topic.to_string(),
                        partition: s.topic_partition.partition,
                        key: s.key.clone(),
                        value: s.value.clone(),
                        outcome,
                        offset,
                        error,
                    }
                })
                .collect();
            ProducerReport {
                id: p.id().to_string(),
                enable_idempotence: p.idempotent,
                producer_id: p.producer_id,
                producer_epoch: p.producer_epoch,
                transactional_id: p.config.transactional_id.clone(),
                transaction_state: p.txn_state(),
                sends,
                partition_states: producer_partitions(p),
                in_flight_requests: p
                    .in_flight()
                    .iter()
                    .map(|f| InFlightReport {
                        correlation_id: f.correlation_id,
                        broker: f.broker,
                        topic: f.batch.topic_partition.topic.to_string(),
                        partition: f.batch.topic_partition.partition,
                        base_sequence: f.batch.stamp.map_or(Sequence::NONE, |s| s.base_sequence),
                        record_count: f.batch.records.len(),
                        attempt: f.batch.attempts,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The client's sequence state per partition, with the offset its last acknowledged send got.
fn producer_partitions(p: &crate::clients::producer::Producer) -> Vec<ProducerPartitionReport> {
    let mut last_offset: std::collections::BTreeMap<&crate::ids::TopicPartition, Offset> =
        std::collections::BTreeMap::new();
    for outcome in p.outcomes.values() {
        if let SendOutcome::Acknowledged {
            topic_partition,
            offset,
        } = outcome
        {
            let at = last_offset.entry(topic_partition).or_insert(*offset);
            *at = (*at).max(*offset);
        }
    }
    let mut partitions: Vec<&crate::ids::TopicPartition> = p
        .next_sequences()
        .keys()
        .chain(p.last_acked_sequences().keys())
        .chain(last_offset.keys().copied())
        .collect();
    partitions.sort();
    partitions.dedup();
    partitions
        .into_iter()
        .map(|tp| ProducerPartitionReport {
            topic: tp.topic.to_string(),
            partition: tp.partition,
            next_sequence: if p.idempotent {
                p.next_sequence(tp)
            } else {
                Sequence::NONE
            },
            last_acked_sequence: p.last_acked_sequences().get(tp).copied(),
            last_acked_offset: last_offset.get(tp).copied(),
        })
        .collect()
}

fn consumers(world: &World) -> Vec<ConsumerReport> {
    world
        .consumers()
        .map(|c| {
            let consumed = |tp: &crate::ids::TopicPartition,
                            offset: Offset,
                            key: Option<String>| ConsumedReport {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                offset,
                key,
            };
            ConsumerReport {
                id: c.id().to_string(),
                group_id: c.config.group_id.clone(),
                isolation_level: c.isolation_level(),
                received: c
                    .received
                    .iter()
                    .map(|r| consumed(&r.topic_partition, r.offset, r.key.clone()))
                    .collect(),
                processed: c
                    .processed
                    .iter()
                    .map(|r| consumed(&r.topic_partition, r.offset, Some(r.business_id.clone())))
                    .collect(),
                committed: world
                    .groups()
                    .get(&c.config.group_id)
                    .map(|g| {
                        g.committed
                            .iter()
                            .filter(|(tp, _)| c.config.topics.iter().any(|t| **t == *tp.topic))
                            .map(|(tp, o)| CommittedReport {
                                topic: tp.topic.to_string(),
                                partition: tp.partition,
                                offset: *o,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                pending_txn_offsets: world
                    .groups()
                    .get(&c.config.group_id)
                    .map(|g| {
                        g.pending_txn_offsets
                            .iter()
                            .flat_map(|(pid, offsets)| {
                                offsets.iter().map(move |(tp, p)| (*pid, tp, p.offset))
                            })
                            .filter(|(_, tp, _)| c.config.topics.iter().any(|t| **t == *tp.topic))
                            .map(|(producer_id, tp, offset)| PendingTxnOffsetReport {
                                topic: tp.topic.to_string(),
                                partition: tp.partition,
                                offset,
                                producer_id,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                alive: c.alive,
                in_group: c.in_group,
                assignment: c
                    .assignment
                    .iter()
                    .map(|tp| PartitionRef {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                    })
                    .collect(),
                positions: c
                    .positions
                    .iter()
                    .map(|(tp, o)| CommittedReport {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                        offset: *o,
                    })
                    .collect(),
                generation_id: world.group_metadata_of(c).0,
                member_id: world.group_metadata_of(c).1,
                waiting_fetch: c.waiting_fetch.clone(),
            }
        })
        .collect()
}

fn consumer_offsets(world: &World) -> ConsumerOffsetsReport {
    let log = world.offsets_log();
    let tp = offsets_partition();
    ConsumerOffsetsReport {
        topic: "__consumer_offsets",
        partition: tp.partition,
        leader: world.coordinator().broker(),
        log_end_offset: log.log_end_offset(),
        records: log
            .records()
            .map(|(at, record)| match record {
                OffsetsLogRecord::OffsetCommit {
                    group_id,
                    topic_partition,
                    offset,
                    details,
                    producer_id,
                    producer_epoch,
                    ..
                } => {
                    let status = log.status_of(at);
                    OffsetsRecordReport {
                        offset: at,
                        record_type: "offset_commit",
                        group_id: Some(group_id.clone()),
                        topic: Some(topic_partition.topic.to_string()),
                        partition: Some(topic_partition.partition),
                        committed_offset: Some(*offset),
                        leader_epoch: details.leader_epoch,
                        metadata: Some(details.metadata.clone()),
                        producer_id: *producer_id,
                        producer_epoch: *producer_epoch,
                        status: status.map(CommitRecordStatus::name),
                        decided_by: status.and_then(CommitRecordStatus::marker_offset),
                        commit: None,
                        coordinator_epoch: None,
                    }
                }
                OffsetsLogRecord::Marker {
                    producer_id,
                    producer_epoch,
                    coordinator_epoch,
                    commit,
                    ..
                } => OffsetsRecordReport {
                    offset: at,
                    record_type: "marker",
                    group_id: None,
                    topic: None,
                    partition: None,
                    committed_offset: None,
                    leader_epoch: None,
                    metadata: None,
                    producer_id: *producer_id,
                    producer_epoch: *producer_epoch,
                    status: None,
                    decided_by: None,
                    commit: Some(*commit),
                    coordinator_epoch: Some(*coordinator_epoch),
                },
            })
            .collect(),
    }
}
