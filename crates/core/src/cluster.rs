//! Brokers and partitions: leaders, followers, the in-sync replica set (ISR), the high
//! watermark, and leader election when a broker crashes.
//!
//! Follows Kafka's `Partition` (leader side: ISR, high watermark, `acks=all` waits) and
//! `ReplicaFetcherThread` (follower side: fetch, truncate to the leader). Simplified: there is no
//! controller quorum; leader election happens at once when a leader crashes, picking the first
//! live replica of the ISR in assignment order, and never an out-of-sync one
//! (`unclean.leader.election.enable=false`). Follower fetches are explicit steps.

use crate::batch::{ControlKind, ProducedBatch, ProducerStamp, Provenance, StoredBatch};
use crate::config::{Acks, ClusterConfig, TopicConfig};
use crate::error_code::ErrorCode;
use crate::event::{EventKind, Events};
use crate::ids::{BrokerId, ClientId, LeaderEpoch, Offset, TopicPartition};
use crate::ids::{ProducerEpoch, ProducerId, Sequence};
use crate::log::{AbortedTxn, PartitionLog};
use crate::producer_state::{
    AppendOrigin, CompletedTxn, DataBatchVerdict, ProducerStateManager, end_txn_marker_record,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One copy of a partition on one broker: its log and the producer state rebuilt from it.
#[derive(Clone, Debug)]
pub struct Replica {
    pub broker: BrokerId,
    pub log: PartitionLog,
    pub producers: ProducerStateManager,
}

/// What the leader knows of a follower, from the follower's fetches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerProgress {
    /// The follower's log end offset as of its last fetch (the fetch offset).
    pub log_end_offset: Offset,
    /// When the follower last fetched up to the leader's log end (`lastCaughtUpTimeMs`).
    pub last_caught_up_ms: u64,
}

/// An `acks=all` produce waiting until the high watermark passes its batch (Kafka's produce
/// purgatory, `DelayedProduce`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAck {
    pub client: ClientId,
    pub correlation_id: u64,
    pub base_offset: Offset,
    pub next_offset: Offset,
}

/// An `acks=all` answer released by a high-watermark move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasedAck {
    pub leader: BrokerId,
    pub topic_partition: TopicPartition,
    pub ack: PendingAck,
}

/// One partition and all its replicas.
#[derive(Clone, Debug)]
pub struct Partition {
    pub topic_partition: TopicPartition,
    /// Replicas in assignment order; the first is the preferred leader.
    pub replicas: Vec<Replica>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub isr: BTreeSet<BrokerId>,
    pub min_insync_replicas: u32,
    pub followers: BTreeMap<BrokerId, FollowerProgress>,
    pub pending_acks: Vec<PendingAck>,
}

impl Partition {
    pub fn replica(&self, broker: BrokerId) -> Option<&Replica> {
        self.replicas.iter().find(|r| r.broker == broker)
    }

    fn replica_mut(&mut self, broker: BrokerId) -> Option<&mut Replica> {
        self.replicas.iter_mut().find(|r| r.broker == broker)
    }

    /// The leader's replica, if the partition has a leader.
    pub fn leader_replica(&self) -> Option<&Replica> {
        self.leader.and_then(|b| self.replica(b))
    }

    /// The high watermark consumers see: the leader's.
    pub fn high_watermark(&self) -> Offset {
        self.leader_replica()
            .map_or(Offset(0), |r| r.log.high_watermark())
    }

    /// The last stable offset (`UnifiedLog.lastStableOffset`): the first offset of the earliest
    /// transaction not yet decided and replicated, or the high watermark when there is none. A
    /// read_committed consumer reads only below it.
    pub fn last_stable_offset(&self) -> Offset {
        let high_watermark = self.high_watermark();
        let Some(leader) = self.leader_replica() else {
            return high_watermark;
        };
        match leader.producers.first_unstable_offset() {
            Some(first_unstable) if first_unstable < high_watermark => {
                first_unstable.max(leader.log.log_start_offset())
            }
            _ => high_watermark,
        }
    }

    /// How the leader answers a produce whose batch occupies `[base_offset, next_offset)`:
    /// `acks=0` never, `acks=1` at once, `acks=all` once the high watermark passes the batch
    /// (`DelayedProduce`). Also returns other `acks=all` answers the call released.
    fn answer(
        &mut self,
        acks: Acks,
        client: &ClientId,
        correlation_id: u64,
        base_offset: Offset,
        next_offset: Offset,
        out: &mut Events,
    ) -> (ProduceOutcome, Vec<ReleasedAck>) {
        let released = self.maybe_increment_high_watermark(out);
        match acks {
            Acks::None => (ProduceOutcome::NoResponse, released),
            Acks::Leader => (ProduceOutcome::Respond(Ok(base_offset)), released),
            Acks::All if self.high_watermark() >= next_offset => {
                (ProduceOutcome::Respond(Ok(base_offset)), released)
            }
            Acks::All => {
                let tp = self.topic_partition.clone();
                self.pending_acks.push(PendingAck {
                    client: client.clone(),
                    correlation_id,
                    base_offset,
                    next_offset,
                });
                out.push(
                    EventKind::AckDeferred { topic_partition: tp.clone(), waiting_for: next_offset },
                    format!(
                        "With acks=all the leader holds its answer until every in-sync replica of {tp} has offset {}; followers must fetch first.",
                        next_offset.plus(-1)
                    ),
                );
                (ProduceOutcome::Waiting, released)
            }
        }
    }

    /// Recomputes the leader's high watermark as the smallest log end in the ISR
    /// (`Partition.maybeIncrementLeaderHW`), and releases `acks=all` answers it now covers.
    fn maybe_increment_high_watermark(&mut self, out: &mut Events) -> Vec<ReleasedAck> {
        let Some(leader) = self.leader else {
            return Vec::new();
        };
        // Partition.maybeIncrementLeaderHW: no progress while the ISR is below min.insync.replicas.
        if u32::try_from(self.isr.len()).unwrap_or(u32::MAX) < self.min_insync_replicas {
            return Vec::new();
        }
        let Some(leader_end) = self.replica(leader).map(|r| r.log.log_end_offset()) else {
            return Vec::new();
        };
        let smallest = self
            .isr
            .iter()
            .filter(|b| **b != leader)
            .filter_map(|b| self.followers.get(b).map(|f| f.log_end_offset))
            .fold(leader_end, Offset::min);
        let tp = self.topic_partition.clone();
        let Some(replica) = self.replica_mut(leader) else {
            return Vec::new();
        };
        if !replica.log.advance_high_watermark(smallest) {
            return Vec::new();
        }
        let high_watermark = replica.log.high_watermark();
        replica.producers.on_high_watermark(high_watermark);
        out.push(
            EventKind::HighWatermarkAdvanced {
                topic_partition: tp.clone(),
                high_watermark,
            },
            format!(
                "The high watermark of {tp} moves to {high_watermark}: every replica in the ISR now has the records below it, so consumers may read them."
            ),
        );
        let (released, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_acks)
            .into_iter()
            .partition(|ack| ack.next_offset <= high_watermark);
        self.pending_acks = waiting;
        released
            .into_iter()
            .map(|ack| ReleasedAck {
                leader,
                topic_partition: tp.clone(),
                ack,
            })
            .collect()
    }
}

/// How the leader answers a produce request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProduceOutcome {
    /// Answer now with this result.
    Respond(Result<Offset, ErrorCode>),
    /// `acks=all`: the answer waits until the high watermark passes the batch.
    Waiting,
    /// `acks=0`: the producer expects no answer.
    NoResponse,
}

/// A mistake in a cluster description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfigError(pub String);

impl fmt::Display for ClusterConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// All brokers and partitions.
#[derive(Clone, Debug)]
pub struct Cluster {
    brokers: BTreeMap<BrokerId, bool>,
    partitions: BTreeMap<TopicPartition, Partition>,
    topics: BTreeMap<String, TopicConfig>,
    replica_lag_time_max_ms: u64,
    producer_id_expiration_ms: u64,
}

/// Upper bounds that keep every world small enough to step and draw.
pub const MAX_BROKERS: u32 = 9;
pub const MAX_PARTITIONS: u32 = 64;

impl Cluster {
    pub fn new(config: &ClusterConfig) -> Result<Self, ClusterConfigError> {
        if config.brokers == 0 || config.brokers > MAX_BROKERS {
            return Err(ClusterConfigError(format!(
                "the cluster needs between 1 and {MAX_BROKERS} brokers, not {}",
                config.brokers
            )));
        }
        let brokers: BTreeMap<BrokerId, bool> =
            (1..=config.brokers).map(|b| (BrokerId(b), true)).collect();
        let ids: Vec<BrokerId> = brokers.keys().copied().collect();
        let mut partitions = BTreeMap::new();
        let mut topics = BTreeMap::new();
        let mut total = 0;
        for topic in &config.topics {
            if topic.name.is_empty() || topics.contains_key(&topic.name) {
                return Err(ClusterConfigError(format!(
                    "topic names must be non-empty and unique (`{}`)",
                    topic.name
                )));
            }
            if topic.replication_factor == 0 || topic.replication_factor > config.brokers {
                return Err(ClusterConfigError(format!(
                    "topic `{}`: replication.factor {} needs between 1 and {} brokers",
                    topic.name, topic.replication_factor, config.brokers
                )));
            }
            if topic.min_insync_replicas == 0
                || topic.min_insync_replicas > topic.replication_factor
            {
                return Err(ClusterConfigError(format!(
                    "topic `{}`: min.insync.replicas {} must be between 1 and replication.factor {}",
                    topic.name, topic.min_insync_replicas, topic.replication_factor
                )));
            }
            total += topic.partitions;
            if topic.partitions == 0 || total > MAX_PARTITIONS {
                return Err(ClusterConfigError(format!(
                    "topic `{}`: a topic needs at least one partition, and the lab holds at most {MAX_PARTITIONS} in all",
                    topic.name
                )));
            }
            for p in 0..topic.partitions {
                let tp = TopicPartition::new(topic.name.clone(), p);
                // Round-robin assignment, as Kafka's rack-unaware replica placement does.
                let replicas: Vec<Replica> = (0..topic.replication_factor)
                    .map(|i| Replica {
                        broker: ids[((p + i) % config.brokers) as usize],
                        log: PartitionLog::new(topic.segment_records),
                        producers: ProducerStateManager::new(),
                    })
                    .collect();
                let leader = replicas[0].broker;
                let isr = replicas.iter().map(|r| r.broker).collect();
                let followers = replicas[1..]
                    .iter()
                    .map(|r| {
                        (
                            r.broker,
                            FollowerProgress {
                                log_end_offset: Offset(0),
                                last_caught_up_ms: 0,
                            },
                        )
                    })
                    .collect();
                partitions.insert(
                    tp.clone(),
                    Partition {
                        topic_partition: tp,
                        replicas,
                        leader: Some(leader),
                        leader_epoch: LeaderEpoch(0),
                        isr,
                        min_insync_replicas: topic.min_insync_replicas,
                        followers,
                        pending_acks: Vec::new(),
                    },
                );
            }
            topics.insert(topic.name.clone(), topic.clone());
        }
        Ok(Self {
            brokers,
            partitions,
            topics,
            replica_lag_time_max_ms: config.replica_lag_time_max_ms,
            producer_id_expiration_ms: config.producer_id_expiration_ms,
        })
    }

    pub fn brokers(&self) -> impl Iterator<Item = (BrokerId, bool)> + '_ {
        self.brokers.iter().map(|(b, alive)| (*b, *alive))
    }

    pub fn is_alive(&self, broker: BrokerId) -> bool {
        self.brokers.get(&broker).copied().unwrap_or(false)
    }

    pub fn has_broker(&self, broker: BrokerId) -> bool {
        self.brokers.contains_key(&broker)
    }

    pub fn partitions(&self) -> impl Iterator<Item = &Partition> {
        self.partitions.values()
    }

    pub fn partition(&self, tp: &TopicPartition) -> Option<&Partition> {
        self.partitions.get(tp)
    }

    pub fn topic(&self, name: &str) -> Option<&TopicConfig> {
        self.topics.get(name)
    }

    /// The partitions of `topic`, in order.
    pub fn partitions_of(&self, topic: &str) -> Vec<TopicPartition> {
        self.partitions
            .keys()
            .filter(|tp| tp.topic == topic)
            .cloned()
            .collect()
    }

    pub fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.partitions.get(tp).and_then(|p| p.leader)
    }

    /// The lowest-numbered live broker: where a client sends requests any broker can answer.
    pub fn any_live_broker(&self) -> Option<BrokerId> {
        self.brokers
            .iter()
            .find(|(_, alive)| **alive)
            .map(|(b, _)| *b)
    }

    /// Handles a produce request arriving at `broker` (`ReplicaManager.appendRecords` →
    /// `Partition.appendRecordsToLeader` → `UnifiedLog.append`).
    #[allow(clippy::too_many_arguments)] // one argument per field of Kafka's ProduceRequest that matters here
    pub fn handle_produce(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        acks: Acks,
        batch: &ProducedBatch,
        client: &ClientId,
        correlation_id: u64,
        now_ms: u64,
        leader_epoch_out: &mut Option<LeaderEpoch>,
        out: &mut Events,
    ) -> (ProduceOutcome, Vec<ReleasedAck>) {
        let respond = |r| (ProduceOutcome::Respond(r), Vec::new());
        let Some(partition) = self.partitions.get_mut(tp) else {
            out.push(
                EventKind::BatchRejected {
                    topic_partition: tp.clone(),
                    broker,
                    error: ErrorCode::UnknownTopicOrPartition,
                },
                format!("Broker {broker} has no partition {tp}: UNKNOWN_TOPIC_OR_PARTITION."),
            );
            return respond(Err(ErrorCode::UnknownTopicOrPartition));
        };
        if partition.leader != Some(broker) {
            out.push(
                EventKind::BatchRejected {
                    topic_partition: tp.clone(),
                    broker,
                    error: ErrorCode::NotLeaderOrFollower,
                },
                format!(
                    "Broker {broker} is not the leader of {tp} (any more): it answers NOT_LEADER_OR_FOLLOWER and the producer will retry at the current leader."
                ),
            );
            return respond(Err(ErrorCode::NotLeaderOrFollower));
        }
        // Partition.appendRecordsToLeader: acks=all needs at least min.insync.replicas in the ISR.
        let isr_size = u32::try_from(partition.isr.len()).unwrap_or(u32::MAX);
        if acks == Acks::All && isr_size < partition.min_insync_replicas {
            out.push(
                EventKind::BatchRejected {
                    topic_partition: tp.clone(),
                    broker,
                    error: ErrorCode::NotEnoughReplicas,
                },
                format!(
                    "Only {isr_size} replica(s) of {tp} are in sync but min.insync.replicas is {}: with acks=all the leader refuses the write with NOT_ENOUGH_REPLICAS rather than risk losing it.",
                    partition.min_insync_replicas
                ),
            );
            return respond(Err(ErrorCode::NotEnoughReplicas));
        }
        *leader_epoch_out = Some(partition.leader_epoch);
        let leader_epoch = partition.leader_epoch;
        let Some(replica) = partition.replica_mut(broker) else {
            return respond(Err(ErrorCode::NotLeaderOrFollower));
        };
        let stamp = batch.stamp;
        // UnifiedLog.analyzeAndValidateProducerState: duplicate, epoch and sequence checks.
        match replica
            .producers
            .check_data_batch(batch, AppendOrigin::Client)
        {
            Err(rejection) => {
                let error = rejection.error_code();
                out.push(
                    EventKind::BatchRejected {
                        topic_partition: tp.clone(),
                        broker,
                        error,
                    },
                    format!(
                        "Broker {broker} rejects the batch for {tp} with {error}: {rejection}."
                    ),
                );
                return respond(Err(error));
            }
            Ok(DataBatchVerdict::Duplicate(original)) => {
                out.push(
                    EventKind::DuplicateBatch {
                        topic_partition: tp.clone(),
                        broker,
                        original_offset: original.first_offset,
                    },
                    format!(
                        "Broker {broker} already has sequence {}..{} from producer {} epoch {} among its last 5 batches for {tp}: it answers with the original offset {} and writes nothing.",
                        original.first_seq,
                        original.last_seq,
                        stamp.producer_id,
                        stamp.producer_epoch,
                        original.first_offset
                    ),
                );
                // UnifiedLog.append returns the original offsets; the answer then waits like any
                // other (DelayedProduce needs the high watermark past the original batch).
                let (first, next) = (original.first_offset, original.last_offset.next());
                return partition.answer(acks, client, correlation_id, first, next, out);
            }
            Ok(DataBatchVerdict::Append) => {}
        }
        let stored = StoredBatch {
            base_offset: Offset(0),
            leader_epoch,
            stamp,
            is_transactional: batch.is_transactional,
            control: None,
            records: batch.records.clone(),
            timestamp_ms: now_ms,
            provenance: batch.provenance.clone(),
        };
        let base_offset = replica.log.append(stored);
        let last_offset = replica.log.log_end_offset().plus(-1);
        if let Some(appended) = replica.log.batches().last() {
            replica
                .producers
                .on_data_batch_appended(appended, AppendOrigin::Client);
        }
        let send_ids = batch.provenance.send_ids.clone();
        let who = if stamp.producer_id.is_none() {
            "a producer without idempotence (no producer id, no sequence)".to_owned()
        } else {
            format!(
                "producer {} epoch {}, sequence {}",
                stamp.producer_id, stamp.producer_epoch, stamp.base_sequence
            )
        };
        let range = if base_offset == last_offset {
            format!("offset {base_offset}")
        } else {
            format!("offsets {base_offset}..{last_offset}")
        };
        out.push(
            EventKind::BatchAppended {
                topic_partition: tp.clone(),
                broker,
                base_offset,
                last_offset,
                producer_id: stamp.producer_id,
                send_ids,
            },
            format!("Leader broker {broker} appends the batch from {who} to {tp} at {range}."),
        );
        partition.answer(
            acks,
            client,
            correlation_id,
            base_offset,
            last_offset.next(),
            out,
        )
    }
}

impl Cluster {
    /// One fetch by a follower from its leader (`ReplicaFetcherThread`): the follower reports its
    /// log end, the leader may move the high watermark and the ISR, and the follower appends what
    /// it was sent and learns the leader's high watermark.
    pub fn replicate(
        &mut self,
        tp: &TopicPartition,
        follower: BrokerId,
        now_ms: u64,
        out: &mut Events,
    ) -> Vec<ReleasedAck> {
        let alive = self.is_alive(follower);
        let Some(partition) = self.partitions.get_mut(tp) else {
            return Vec::new();
        };
        let Some(leader) = partition.leader else {
            out.push(
                EventKind::PartitionOffline {
                    topic_partition: tp.clone(),
                },
                format!("{tp} has no leader, so broker {follower} has nobody to fetch from."),
            );
            return Vec::new();
        };
        if leader == follower || !alive {
            return Vec::new();
        }
        let Some(fetch_offset) = partition.replica(follower).map(|r| r.log.log_end_offset()) else {
            return Vec::new();
        };
        let (leader_end, leader_batches) = match partition.replica(leader) {
            Some(r) => (
                r.log.log_end_offset(),
                r.log
                    .read(fetch_offset, r.log.log_end_offset(), usize::MAX)
                    .to_vec(),
            ),
            None => return Vec::new(),
        };
        // Partition.updateFollowerFetchState: the fetch offset is the follower's log end.
        let caught_up = fetch_offset >= leader_end;
        if let Some(progress) = partition.followers.get_mut(&follower) {
            progress.log_end_offset = fetch_offset;
            if caught_up {
                progress.last_caught_up_ms = now_ms;
            }
        }
        let mut released = Vec::new();
        // Partition.maybeExpandIsr: a follower that reached the high watermark rejoins the ISR.
        if !partition.isr.contains(&follower) && fetch_offset >= partition.high_watermark() {
            partition.isr.insert(follower);
            out.push(
                EventKind::IsrExpanded { topic_partition: tp.clone(), broker: follower },
                format!(
                    "Broker {follower} has caught up with the high watermark of {tp} and rejoins the in-sync replicas (ISR)."
                ),
            );
        }
        released.extend(partition.maybe_increment_high_watermark(out));
        let leader_high_watermark = partition.high_watermark();
        let count: i64 = leader_batches.iter().map(StoredBatch::record_count).sum();
        let Some(replica) = partition.replica_mut(follower) else {
            return released;
        };
        for batch in leader_batches {
            replica.log.append(batch);
            let Some(appended) = replica.log.batches().last() else {
                continue;
            };
            if let Some(completed) = replica
                .producers
                .on_batch_appended(appended, AppendOrigin::Replication)
            {
                index_if_aborted(replica, &completed);
            }
        }
        replica
            .log
            .set_follower_high_watermark(leader_high_watermark);
        let log_end_offset = replica.log.log_end_offset();
        let copied = if count == 0 {
            "nothing new to copy".to_owned()
        } else {
            format!(
                "copies {count} record(s), up to offset {}",
                log_end_offset.plus(-1)
            )
        };
        out.push(
            EventKind::ReplicaFetched {
                topic_partition: tp.clone(),
                follower,
                fetch_offset,
                log_end_offset,
            },
            format!(
                "Follower broker {follower} fetches {tp} from leader broker {leader} at offset {fetch_offset} and {copied}; the leader learns the follower has everything below {fetch_offset}."
            ),
        );
        released
    }

    /// Crashes a broker: it stops answering and leaves every ISR; partitions it led elect a new
    /// leader from the ISR. Its logs stay on disk; answers it was holding are lost.
    pub fn crash_broker(&mut self, broker: BrokerId, out: &mut Events) {
        if let Some(alive) = self.brokers.get_mut(&broker) {
            *alive = false;
        }
        out.push(
            EventKind::BrokerCrashed { broker },
            format!(
                "Broker {broker} crashes. What it wrote to its logs survives on disk; requests in flight to it and answers it was holding are lost."
            ),
        );
        let alive = self.brokers.clone();
        for partition in self.partitions.values_mut() {
            if partition.replica(broker).is_none() {
                continue;
            }
            let tp = partition.topic_partition.clone();
            let may_leave = partition.isr.len() > 1 || partition.leader != Some(broker);
            if may_leave && partition.isr.remove(&broker) {
                out.push(
                    EventKind::IsrShrunk {
                        topic_partition: tp.clone(),
                        broker,
                    },
                    format!("Broker {broker} leaves the ISR of {tp}."),
                );
            }
            if partition.leader == Some(broker) {
                partition.pending_acks.clear();
                elect_leader(partition, &alive, out);
            }
        }
    }

    /// Restarts a broker: it rebuilds producer state from its logs, truncates any log that
    /// diverged from the current leader's, and follows (or leads, if the partition had no leader
    /// and it was the last in-sync replica).
    pub fn restart_broker(&mut self, broker: BrokerId, out: &mut Events) {
        if let Some(alive) = self.brokers.get_mut(&broker) {
            *alive = true;
        }
        out.push(
            EventKind::BrokerRestarted { broker },
            format!(
                "Broker {broker} restarts and rebuilds each partition's producer state by reading its log, as Kafka does on recovery."
            ),
        );
        let alive = self.brokers.clone();
        for partition in self.partitions.values_mut() {
            let Some(replica) = partition.replica_mut(broker) else {
                continue;
            };
            replica.producers =
                ProducerStateManager::rebuild(replica.log.batches(), replica.log.high_watermark());
            if partition.leader.is_none() && partition.isr.contains(&broker) {
                elect_leader(partition, &alive, out);
            } else {
                truncate_follower(partition, broker, out);
            }
        }
    }

    /// Time-driven housekeeping: followers that fell behind for longer than
    /// `replica.lag.time.max.ms` leave the ISR (`Partition.maybeShrinkIsr`), and idle producers'
    /// state expires after `producer.id.expiration.ms` (`ProducerStateManager.removeExpiredProducers`).
    pub fn on_time(&mut self, now_ms: u64, out: &mut Events) -> Vec<ReleasedAck> {
        let mut released = Vec::new();
        for partition in self.partitions.values_mut() {
            let tp = partition.topic_partition.clone();
            let Some(leader) = partition.leader else {
                continue;
            };
            let leader_end = partition
                .replica(leader)
                .map_or(Offset(0), |r| r.log.log_end_offset());
            let lagging: Vec<BrokerId> = partition
                .isr
                .iter()
                .filter(|b| **b != leader)
                .filter(|b| {
                    partition.followers.get(b).is_some_and(|f| {
                        f.log_end_offset < leader_end
                            && now_ms.saturating_sub(f.last_caught_up_ms)
                                > self.replica_lag_time_max_ms
                    })
                })
                .copied()
                .collect();
            for broker in lagging {
                partition.isr.remove(&broker);
                out.push(
                    EventKind::IsrShrunk { topic_partition: tp.clone(), broker },
                    format!(
                        "Broker {broker} has not caught up with {tp} for more than replica.lag.time.max.ms ({} ms): the leader drops it from the ISR.",
                        self.replica_lag_time_max_ms
                    ),
                );
            }
            released.extend(partition.maybe_increment_high_watermark(out));
            for replica in &mut partition.replicas {
                for producer_id in replica
                    .producers
                    .remove_expired(now_ms, self.producer_id_expiration_ms)
                {
                    if replica.broker == leader {
                        out.push(
                            EventKind::ProducerStateExpired { topic_partition: tp.clone(), producer_id },
                            format!(
                                "Producer {producer_id} has been idle on {tp} for producer.id.expiration.ms ({} ms): the partition forgets its sequence numbers.",
                                self.producer_id_expiration_ms
                            ),
                        );
                    }
                }
            }
        }
        released
    }

    /// What a consumer's fetch from the leader returns (`UnifiedLog.read`): whole batches from
    /// `from` below `bound`, and the aborted transactions among them. The broker does not filter
    /// aborted data; the consumer does.
    pub fn fetch(
        &self,
        tp: &TopicPartition,
        from: Offset,
        bound: Offset,
        max_batches: usize,
    ) -> Result<(Vec<StoredBatch>, Vec<AbortedTxn>), ErrorCode> {
        let partition = self
            .partitions
            .get(tp)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        let leader = partition
            .leader_replica()
            .ok_or(ErrorCode::NotLeaderOrFollower)?;
        let batches = leader.log.read(from, bound, max_batches).to_vec();
        let aborted = leader.log.aborted_txns_between(from, bound);
        Ok((batches, aborted))
    }

    /// Appends a transaction marker at the partition leader (`KafkaApis.handleWriteTxnMarkersRequest`
    /// → `UnifiedLog.appendAsLeader` with origin COORDINATOR): a control batch of one record that
    /// ends the producer's open transaction here.
    #[allow(clippy::too_many_arguments)] // the fields of one WriteTxnMarkers entry
    pub fn write_marker(
        &mut self,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        kind: ControlKind,
        now_ms: u64,
        out: &mut Events,
    ) -> Result<Offset, ErrorCode> {
        let partition = self
            .partitions
            .get_mut(tp)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        let leader = partition.leader.ok_or(ErrorCode::NotLeaderOrFollower)?;
        let leader_epoch = partition.leader_epoch;
        let replica = partition
            .replica_mut(leader)
            .ok_or(ErrorCode::NotLeaderOrFollower)?;
        if let Err(rejection) = replica.producers.check_marker(
            producer_id,
            producer_epoch,
            coordinator_epoch,
            AppendOrigin::Coordinator,
        ) {
            let error = rejection.error_code();
            out.push(
                EventKind::BatchRejected { topic_partition: tp.clone(), broker: leader, error },
                format!("Leader broker {leader} of {tp} refuses the {} marker with {error}: {rejection}.", marker_name(kind)),
            );
            return Err(error);
        }
        let marker = StoredBatch {
            base_offset: Offset(0),
            leader_epoch,
            stamp: ProducerStamp {
                producer_id,
                producer_epoch,
                base_sequence: Sequence::NONE,
            },
            is_transactional: true,
            control: Some(kind),
            records: vec![end_txn_marker_record(kind, coordinator_epoch)],
            timestamp_ms: now_ms,
            provenance: Provenance {
                send_ids: Vec::new(),
                attempt: 1,
            },
        };
        let offset = replica.log.append(marker);
        let completed = replica
            .log
            .batches()
            .last()
            .cloned()
            .and_then(|m| replica.producers.on_marker_appended(&m, coordinator_epoch));
        let what = match (&completed, kind) {
            (Some(t), ControlKind::Abort) => format!(
                "It closes producer {producer_id}'s transaction that began at offset {}: those records stay in the log, but the aborted-transaction index now lists them so read_committed consumers skip them.",
                t.first_offset
            ),
            (Some(t), ControlKind::Commit) => format!(
                "It closes producer {producer_id}'s transaction that began at offset {}: once the high watermark passes the marker, read_committed consumers may read it.",
                t.first_offset
            ),
            (None, _) => format!(
                "Producer {producer_id} had no open transaction here, so the marker completes nothing (Kafka accepts it)."
            ),
        };
        if let Some(completed) = completed {
            index_if_aborted(replica, &completed);
        }
        out.push(
            EventKind::MarkerWritten { topic_partition: tp.clone(), broker: leader, producer_id, offset, commit: kind == ControlKind::Commit },
            format!(
                "Leader broker {leader} writes {} marker for producer {producer_id} (epoch {producer_epoch}) to {tp} at offset {offset}: a control record that takes one offset and that consumers never see. {what}",
                match kind {
                    ControlKind::Commit => "a COMMIT",
                    ControlKind::Abort => "an ABORT",
                }
            ),
        );
        let _released = partition.maybe_increment_high_watermark(out);
        Ok(offset)
    }
}

fn marker_name(kind: ControlKind) -> &'static str {
    match kind {
        ControlKind::Commit => "COMMIT",
        ControlKind::Abort => "ABORT",
    }
}

/// Adds an aborted transaction to the index of the segment holding its marker
/// (`LogSegment.updateTxnIndex`), with the last stable offset at that moment
/// (`ProducerStateManager.lastStableOffset`).
fn index_if_aborted(replica: &mut Replica, completed: &CompletedTxn) {
    if !completed.is_aborted {
        return;
    }
    let last_stable_offset = replica
        .producers
        .last_stable_offset_for_completed(completed);
    replica.log.index_aborted(AbortedTxn {
        producer_id: completed.producer_id,
        first_offset: completed.first_offset,
        last_offset: completed.last_offset,
        last_stable_offset,
    });
}

/// Picks the first live in-sync replica, in assignment order, as the new leader, and bumps the
/// leader epoch; with none, the partition goes offline (no unclean election).
fn elect_leader(partition: &mut Partition, alive: &BTreeMap<BrokerId, bool>, out: &mut Events) {
    let tp = partition.topic_partition.clone();
    let candidate = partition
        .replicas
        .iter()
        .map(|r| r.broker)
        .find(|b| partition.isr.contains(b) && alive.get(b).copied().unwrap_or(false));
    let Some(new_leader) = candidate else {
        partition.leader = None;
        out.push(
            EventKind::PartitionOffline { topic_partition: tp.clone() },
            format!(
                "No live replica of {tp} is in sync, and unclean leader election is off: the partition is offline until an in-sync replica returns."
            ),
        );
        return;
    };
    partition.leader = Some(new_leader);
    partition.leader_epoch = LeaderEpoch(partition.leader_epoch.0 + 1);
    partition
        .isr
        .retain(|b| alive.get(b).copied().unwrap_or(false));
    partition.isr.insert(new_leader);
    let leader_end = partition
        .replica(new_leader)
        .map_or(Offset(0), |r| r.log.log_end_offset());
    partition.followers = partition
        .replicas
        .iter()
        .filter(|r| r.broker != new_leader)
        .map(|r| {
            (
                r.broker,
                FollowerProgress {
                    log_end_offset: r.log.log_end_offset().min(leader_end),
                    last_caught_up_ms: 0,
                },
            )
        })
        .collect();
    let leader_epoch = partition.leader_epoch;
    out.push(
        EventKind::LeaderElected { topic_partition: tp.clone(), broker: new_leader, leader_epoch },
        format!(
            "Broker {new_leader} was in sync, so it becomes the leader of {tp} with leader epoch {leader_epoch}. Records other replicas had beyond its log end ({leader_end}) will be truncated from them."
        ),
    );
    let followers: Vec<BrokerId> = partition.followers.keys().copied().collect();
    for follower in followers {
        if alive.get(&follower).copied().unwrap_or(false) {
            truncate_follower(partition, follower, out);
        }
    }
}

/// Truncates a follower's log to where it stops matching the leader's, as Kafka's followers do
/// with the leader epoch (`OffsetsForLeaderEpoch`, `ReplicaFetcherThread.truncate`); then the
/// follower rebuilds its producer state from what is left.
fn truncate_follower(partition: &mut Partition, follower: BrokerId, out: &mut Events) {
    let tp = partition.topic_partition.clone();
    let Some(leader) = partition.leader else {
        return;
    };
    if leader == follower {
        return;
    }
    let Some(leader_log) = partition.replica(leader).map(|r| r.log.clone()) else {
        return;
    };
    let Some(replica) = partition.replica_mut(follower) else {
        return;
    };
    let mut keep = replica.log.log_start_offset();
    for batch in replica.log.batches() {
        let same = leader_log
            .batch_containing(batch.base_offset)
            .is_some_and(|b| {
                b.base_offset == batch.base_offset
                    && b.leader_epoch == batch.leader_epoch
                    && b.record_count() == batch.record_count()
            });
        if !same {
            break;
        }
        keep = batch.next_offset();
    }
    let before = replica.log.log_end_offset();
    if keep < before {
        replica.log.truncate_to(keep);
        replica.producers =
            ProducerStateManager::rebuild(replica.log.batches(), replica.log.high_watermark());
        let removed_records = before.0 - keep.0;
        out.push(
            EventKind::FollowerTruncated { topic_partition: tp.clone(), broker: follower, log_end_offset: keep, removed_records },
            format!(
                "Broker {follower}'s log of {tp} goes past what leader broker {leader} has: it truncates {removed_records} record(s) back to offset {keep}. Those records are gone."
            ),
        );
    }
    if let Some(progress) = partition.followers.get_mut(&follower) {
        progress.log_end_offset = keep;
    }
}
