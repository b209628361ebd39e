//! Brokers and partitions: leaders, followers, the in-sync replica set (ISR), the high
//! watermark, and leader election when a broker crashes.
//!
//! Follows Kafka's `Partition` (leader side: ISR, high watermark, `acks=all` waits) and
//! `ReplicaFetcherThread` (follower side: fetch, truncate to the leader). Simplified: there is no
//! controller quorum; leader election happens at once when a leader crashes, picking the first
//! live replica of the ISR in assignment order, and never an out-of-sync one
//! (`unclean.leader.election.enable=false`). Follower fetches are explicit steps.

use crate::broker::batch::{
    ControlKind, ProducedBatch, ProducerStamp, Provenance, StoredBatch, max_timestamp_ms,
};
use crate::broker::log::{AbortedTxn, PartitionLog};
use crate::broker::producer_state::{
    AppendOrigin, CompletedTxn, DataBatchVerdict, Expiry, ProducerStateManager, ReplayCheckpoint,
    end_txn_marker_record,
};
use crate::broker::topic_name::{collide, invalid_topic_name};
use crate::config::{Acks, ClusterConfig, TopicConfig};
use crate::error_code::ErrorCode;
use crate::event::{EventKind, Events};
use crate::ids::{BrokerId, ClientId, LeaderEpoch, Offset, TopicPartition};
use crate::ids::{ProducerEpoch, ProducerId, Sequence, TransactionVersion};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// One copy of a partition on one broker: its log and the producer state rebuilt from it.
#[derive(Clone, Debug)]
pub struct Replica {
    pub broker: BrokerId,
    pub log: PartitionLog,
    pub producers: ProducerStateManager,
    /// What rebuilding `producers` from `log` gave so far, so a rebuild replays only what was
    /// appended since.
    pub replay: ReplayCheckpoint,
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
                out.push_with(
                    EventKind::AckDeferred { topic_partition: tp.clone(), waiting_for: next_offset },
                    || format!(
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
        out.push_with(
            EventKind::HighWatermarkAdvanced {
                topic_partition: tp.clone(),
                high_watermark,
            },
            || format!(
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
    transaction_partition_verification_enable: bool,
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
            if let Some(why) = invalid_topic_name(&topic.name) {
                return Err(ClusterConfigError(why));
            }
            if topics.contains_key(&topic.name) {
                return Err(ClusterConfigError(format!(
                    "topic `{}` is defined twice",
                    topic.name
                )));
            }
            if let Some(other) = topics
                .keys()
                .find(|other: &&String| collide(other, &topic.name))
            {
                return Err(ClusterConfigError(format!(
                    "topic `{}` collides with topic `{other}`: Kafka refuses two names that differ only in `.` and `_`",
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
            let assignment = replica_assignment(topic, &ids)?;
            for (p, brokers) in (0..topic.partitions).zip(assignment) {
                let tp = TopicPartition::new(topic.name.clone(), p);
                let replicas: Vec<Replica> = brokers
                    .into_iter()
                    .map(|broker| Replica {
                        broker,
                        log: PartitionLog::new(topic.segment_records),
                        producers: ProducerStateManager::new(),
                        replay: ReplayCheckpoint::default(),
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
            transaction_partition_verification_enable: config
                .transaction_partition_verification_enable,
        })
    }

    pub fn brokers(&self) -> impl Iterator<Item = (BrokerId, bool)> + '_ {
        self.brokers.iter().map(|(b, alive)| (*b, *alive))
    }

    /// `transaction.partition.verification.enable` (KIP-890 part 1).
    pub fn verifies_transactions(&self) -> bool {
        self.transaction_partition_verification_enable
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

    pub(crate) fn partition_mut(&mut self, tp: &TopicPartition) -> Option<&mut Partition> {
        self.partitions.get_mut(tp)
    }

    pub fn topic(&self, name: &str) -> Option<&TopicConfig> {
        self.topics.get(name)
    }

    /// The partitions of `topic`, in order.
    pub fn partitions_of(&self, topic: &str) -> Vec<TopicPartition> {
        self.partitions
            .keys()
            .filter(|tp| *tp.topic == *topic)
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
        verified_under: Option<TransactionVersion>,
        leader_epoch_out: &mut Option<LeaderEpoch>,
        out: &mut Events,
    ) -> (ProduceOutcome, Vec<ReleasedAck>) {
        let respond = |r| (ProduceOutcome::Respond(r), Vec::new());
        let Some(partition) = self.partitions.get_mut(tp) else {
            out.push_with(
                EventKind::BatchRejected {
                    topic_partition: tp.clone(),
                    broker,
                    error: ErrorCode::UnknownTopicOrPartition,
                },
                || format!("Broker {broker} has no partition {tp}: UNKNOWN_TOPIC_OR_PARTITION."),
            );
            return respond(Err(ErrorCode::UnknownTopicOrPartition));
        };
        if partition.leader != Some(broker) {
            out.push_with(
                EventKind::BatchRejected {
                    topic_partition: tp.clone(),
                    broker,
                    error: ErrorCode::NotLeaderOrFollower,
                },
                || format!(
                    "Broker {broker} is not the leader of {tp} (any more): it answers NOT_LEADER_OR_FOLLOWER and the producer will retry at the current leader."
                ),
            );
            return respond(Err(ErrorCode::NotLeaderOrFollower));
        }
        // Partition.appendRecordsToLeader: acks=all needs at least min.insync.replicas in the ISR.
        let isr_size = u32::try_from(partition.isr.len()).unwrap_or(u32::MAX);
        if acks == Acks::All && isr_size < partition.min_insync_replicas {
            out.push_with(
                EventKind::BatchRejected {
                    topic_partition: tp.clone(),
                    broker,
                    error: ErrorCode::NotEnoughReplicas,
                },
                || format!(
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
            .check_data_batch(batch, AppendOrigin::Client, verified_under)
        {
            Err(rejection) => {
                let error = rejection.error_code();
                out.push_with(
                    EventKind::BatchRejected {
                        topic_partition: tp.clone(),
                        broker,
                        error,
                    },
                    || {
                        format!(
                            "Broker {broker} rejects the batch for {tp} with {error}: {rejection}."
                        )
                    },
                );
                return respond(Err(error));
            }
            Ok(DataBatchVerdict::Duplicate(original)) => {
                out.push_with(
                    EventKind::DuplicateBatch {
                        topic_partition: tp.clone(),
                        broker,
                        original_offset: original.first_offset,
                        send_ids: batch.provenance.send_ids.clone(),
                        attempt: batch.provenance.attempt,
                    },
                    || format!(
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
            timestamp_ms: max_timestamp_ms(&batch.records, now_ms),
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
        out.push_with(
            EventKind::BatchAppended {
                topic_partition: tp.clone(),
                broker,
                base_offset,
                last_offset,
                producer_id: stamp.producer_id,
                send_ids,
            },
            || format!("Leader broker {broker} appends the batch from {who} to {tp} at {range}."),
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
        up_to: Option<Offset>,
        now_ms: u64,
        out: &mut Events,
    ) -> Vec<ReleasedAck> {
        let alive = self.is_alive(follower);
        let Some(partition) = self.partitions.get_mut(tp) else {
            return Vec::new();
        };
        let Some(leader) = partition.leader else {
            out.push_with(
                EventKind::PartitionOffline {
                    topic_partition: tp.clone(),
                },
                || format!("{tp} has no leader, so broker {follower} has nobody to fetch from."),
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
                    // A fetch cut short returns whole batches (`FetchRequest` max bytes).
                    .take_while(|b| up_to.is_none_or(|end| b.base_offset < end))
                    .cloned()
                    .collect::<Vec<_>>(),
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
            out.push_with(
                EventKind::IsrExpanded { topic_partition: tp.clone(), broker: follower },
                || format!(
                    "Broker {follower} has caught up with the high watermark of {tp} and rejoins the in-sync replicas (ISR)."
                ),
            );
        }
        released.extend(partition.maybe_increment_high_watermark(out));
        let leader_high_watermark = partition.high_watermark();
        let leader_log_start = partition
            .replica(leader)
            .map_or(Offset(0), |r| r.log.log_start_offset());
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
        // ReplicaFetcherThread.processPartitionData: the follower follows the leader's log start.
        let follower_high_watermark = replica.log.high_watermark();
        replica
            .log
            .increment_log_start_offset(leader_log_start.min(follower_high_watermark));
        let log_end_offset = replica.log.log_end_offset();
        let mut copied = if count == 0 {
            "nothing new to copy".to_owned()
        } else {
            format!(
                "copies {count} record(s), up to offset {}",
                log_end_offset.plus(-1)
            )
        };
        if let Some(end) = up_to.filter(|_| log_end_offset < leader_end) {
            copied.push_str(&format!(
                " (this fetch takes only the batches that begin below {end}, so the follower stays behind the leader's log end, {leader_end})"
            ));
        }
        out.push_with(
            EventKind::ReplicaFetched {
                topic_partition: tp.clone(),
                follower,
                fetch_offset,
                log_end_offset,
            },
            || format!(
                "Follower broker {follower} fetches {tp} from leader broker {leader} at offset {fetch_offset} and {copied}; the leader learns the follower has everything below {fetch_offset}."
            ),
        );
        released
    }

    /// Crashes a broker: it stops answering and leaves every ISR; partitions it led elect a new
    /// leader from the ISR. Its logs stay on disk; answers it was holding are lost.
    pub fn crash_broker(&mut self, broker: BrokerId, now_ms: u64, out: &mut Events) {
        let expiry = self.expiry(now_ms);
        if let Some(alive) = self.brokers.get_mut(&broker) {
            *alive = false;
        }
        out.push_with(
            EventKind::BrokerCrashed { broker },
            || format!(
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
                out.push_with(
                    EventKind::IsrShrunk {
                        topic_partition: tp.clone(),
                        broker,
                    },
                    || format!("Broker {broker} leaves the ISR of {tp}."),
                );
            }
            if partition.leader == Some(broker) {
                partition.pending_acks.clear();
                elect_leader(partition, &alive, expiry, out);
            }
        }
    }

    /// Restarts a broker: it rebuilds producer state from its logs, truncates any log that
    /// diverged from the current leader's, and follows (or leads, if the partition had no leader
    /// and it was the last in-sync replica).
    pub fn restart_broker(&mut self, broker: BrokerId, now_ms: u64, out: &mut Events) {
        let expiry = self.expiry(now_ms);
        if let Some(alive) = self.brokers.get_mut(&broker) {
            *alive = true;
        }
        out.push_with(
            EventKind::BrokerRestarted { broker },
            || format!(
                "Broker {broker} restarts and rebuilds each partition's producer state by reading its log, as Kafka does on recovery."
            ),
        );
        let alive = self.brokers.clone();
        for partition in self.partitions.values_mut() {
            let Some(replica) = partition.replica_mut(broker) else {
                continue;
            };
            replica.producers =
                replica
                    .replay
                    .rebuild(replica.log.batches(), replica.log.high_watermark(), expiry);
            if partition.leader.is_none() && partition.isr.contains(&broker) {
                elect_leader(partition, &alive, expiry, out);
            } else {
                truncate_follower(partition, broker, expiry, out);
            }
        }
    }

    /// The time a rebuild of producer state happens at, with this cluster's
    /// `producer.id.expiration.ms`.
    fn expiry(&self, now_ms: u64) -> Expiry {
        Expiry {
            now_ms,
            producer_id_expiration_ms: self.producer_id_expiration_ms,
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
                out.push_with(
                    EventKind::IsrShrunk { topic_partition: tp.clone(), broker },
                    || format!(
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
                        out.push_with(
                            EventKind::ProducerStateExpired { topic_partition: tp.clone(), producer_id },
                            || format!(
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
        transaction_version: TransactionVersion,
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
            transaction_version,
        ) {
            let error = rejection.error_code();
            out.push_with(
                EventKind::BatchRejected { topic_partition: tp.clone(), broker: leader, error },
                || format!("Leader broker {leader} of {tp} refuses the {} marker with {error}: {rejection}.", marker_name(kind)),
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
        out.push_with(
            EventKind::MarkerWritten { topic_partition: tp.clone(), broker: leader, producer_id, offset, commit: kind == ControlKind::Commit },
            || format!(
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
/// Each partition's replicas, the preferred leader first: the topic's own assignment, checked
/// as `kafka-topics.sh --replica-assignment` checks it (`AdminUtils` / `ReplicationControlManager`),
/// or round-robin as Kafka's rack-unaware placement lays them out.
fn replica_assignment(
    topic: &TopicConfig,
    brokers: &[BrokerId],
) -> Result<Vec<Vec<BrokerId>>, ClusterConfigError> {
    let name = &topic.name;
    let Some(assignment) = &topic.replica_assignment else {
        let n = brokers.len();
        return Ok((0..topic.partitions as usize)
            .map(|p| {
                (0..topic.replication_factor as usize)
                    .map(|i| brokers[(p + i) % n])
                    .collect()
            })
            .collect());
    };
    if assignment.len() != topic.partitions as usize {
        return Err(ClusterConfigError(format!(
            "topic `{name}`: replica.assignment lists {} partitions, but the topic has {}",
            assignment.len(),
            topic.partitions
        )));
    }
    assignment
        .iter()
        .enumerate()
        .map(|(p, replicas)| {
            if replicas.len() != topic.replication_factor as usize {
                return Err(ClusterConfigError(format!(
                    "topic `{name}`: replica.assignment gives partition {p} {} replicas, but replication.factor is {}",
                    replicas.len(),
                    topic.replication_factor
                )));
            }
            let mut seen = Vec::with_capacity(replicas.len());
            for broker in replicas {
                let id = BrokerId(*broker);
                if !brokers.contains(&id) {
                    return Err(ClusterConfigError(format!(
                        "topic `{name}`: replica.assignment puts partition {p} on broker {broker}, which the cluster does not have (brokers 1 to {})",
                        brokers.len()
                    )));
                }
                if seen.contains(&id) {
                    return Err(ClusterConfigError(format!(
                        "topic `{name}`: replica.assignment names broker {broker} twice for partition {p}"
                    )));
                }
                seen.push(id);
            }
            Ok(seen)
        })
        .collect()
}

fn elect_leader(
    partition: &mut Partition,
    alive: &BTreeMap<BrokerId, bool>,
    expiry: Expiry,
    out: &mut Events,
) {
    let tp = partition.topic_partition.clone();
    let candidate = partition
        .replicas
        .iter()
        .map(|r| r.broker)
        .find(|b| partition.isr.contains(b) && alive.get(b).copied().unwrap_or(false));
    let Some(new_leader) = candidate else {
        partition.leader = None;
        out.push_with(
            EventKind::PartitionOffline { topic_partition: tp.clone() },
            || format!(
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
    out.push_with(
        EventKind::LeaderElected { topic_partition: tp.clone(), broker: new_leader, leader_epoch },
        || format!(
            "Broker {new_leader} was in sync, so it becomes the leader of {tp} with leader epoch {leader_epoch}. Records other replicas had beyond its log end ({leader_end}) will be truncated from them."
        ),
    );
    let followers: Vec<BrokerId> = partition.followers.keys().copied().collect();
    for follower in followers {
        if alive.get(&follower).copied().unwrap_or(false) {
            truncate_follower(partition, follower, expiry, out);
        }
    }
}

/// Truncates a follower's log to where it stops matching the leader's, as Kafka's followers do
/// with the leader epoch (`OffsetsForLeaderEpoch`, `ReplicaFetcherThread.truncate`); then the
/// follower rebuilds its producer state from what is left.
fn truncate_follower(
    partition: &mut Partition,
    follower: BrokerId,
    expiry: Expiry,
    out: &mut Events,
) {
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
    // Both logs are in offset order: one walk over the leader's finds the batch holding each of
    // the follower's base offsets (a lookup per batch cost a binary search of the persistent
    // vector, and the whole walk runs at every restart and election). The walks go leaf by
    // leaf, over slices: the persistent vector's own iterator costs a tree lookup per batch.
    let mut leader_leaves = leader_log.batches().leaves();
    let mut leader_batches: &[Arc<StoredBatch>] = &[];
    'walk: for leaf in replica.log.batches().leaves() {
        for batch in leaf {
            // The leader's batches that end at or before this one begins cannot be it.
            let candidate = loop {
                match leader_batches.split_first() {
                    Some((b, rest)) if b.next_offset() <= batch.base_offset => {
                        leader_batches = rest;
                    }
                    Some((b, _)) => break Some(b),
                    None => match leader_leaves.next() {
                        Some(next) => leader_batches = next,
                        None => break None,
                    },
                }
            };
            let same = candidate.is_some_and(|b| {
                b.base_offset == batch.base_offset
                    && b.leader_epoch == batch.leader_epoch
                    && b.record_count() == batch.record_count()
            });
            if !same {
                break 'walk;
            }
            keep = batch.next_offset();
        }
    }
    let before = replica.log.log_end_offset();
    if keep < before {
        replica.log.truncate_to(keep);
        replica.producers =
            replica
                .replay
                .rebuild(replica.log.batches(), replica.log.high_watermark(), expiry);
        let removed_records = before.0 - keep.0;
        out.push_with(
            EventKind::FollowerTruncated { topic_partition: tp.clone(), broker: follower, log_end_offset: keep, removed_records },
            || format!(
                "Broker {follower}'s log of {tp} goes past what leader broker {leader} has: it truncates {removed_records} record(s) back to offset {keep}. Those records are gone."
            ),
        );
    }
    if let Some(progress) = partition.followers.get_mut(&follower) {
        progress.log_end_offset = keep;
    }
}

#[cfg(test)]
mod tests {
    // Each test drives one partition, `payments-0`, replicated on every broker with broker 1 as
    // the first leader, and pins one rule of Kafka's Partition / ReplicaFetcherThread.
    use super::*;
    use crate::broker::batch::{ProducerStamp, Provenance, Record};
    use crate::ids::{ProducerEpoch, ProducerId, Sequence};

    const PID: ProducerId = ProducerId(1000);
    const OTHER: ProducerId = ProducerId(2000);
    const B1: BrokerId = BrokerId(1);
    const B2: BrokerId = BrokerId(2);
    const B3: BrokerId = BrokerId(3);
    const LAG_MS: u64 = 10_000;

    fn tp() -> TopicPartition {
        TopicPartition::new("payments", 0)
    }

    fn cluster(brokers: u32, min_insync_replicas: u32) -> Cluster {
        Cluster::new(&ClusterConfig {
            brokers,
            topics: vec![TopicConfig {
                replication_factor: brokers,
                min_insync_replicas,
                ..TopicConfig::named("payments", 1)
            }],
            replica_lag_time_max_ms: LAG_MS,
            ..ClusterConfig::default()
        })
        .expect("a valid cluster")
    }

    /// A one-record batch from `producer_id` (epoch 0) with sequence `seq`.
    fn batch(producer_id: ProducerId, seq: i32) -> ProducedBatch {
        ProducedBatch {
            stamp: ProducerStamp {
                producer_id,
                producer_epoch: ProducerEpoch(0),
                base_sequence: Sequence(seq),
            },
            is_transactional: false,
            records: vec![Record::new(None, format!("{producer_id}-{seq}"))],
            provenance: Provenance {
                send_ids: Vec::new(),
                attempt: 1,
            },
        }
    }

    /// A one-record batch from a producer without idempotence.
    fn plain() -> ProducedBatch {
        ProducedBatch {
            stamp: ProducerStamp::NONE,
            ..batch(PID, 0)
        }
    }

    struct Answer {
        outcome: ProduceOutcome,
        events: Vec<EventKind>,
    }

    fn produce(
        c: &mut Cluster,
        broker: BrokerId,
        acks: Acks,
        batch: &ProducedBatch,
        correlation_id: u64,
    ) -> Answer {
        let mut out = Events::default();
        let (outcome, _) = c.handle_produce(
            broker,
            &tp(),
            acks,
            batch,
            &ClientId::new("p1"),
            correlation_id,
            0,
            None,
            &mut None,
            &mut out,
        );
        Answer {
            outcome,
            events: out.0.into_iter().map(|e| e.kind).collect(),
        }
    }

    /// One follower fetch; returns the correlation ids of the acks=all answers it released.
    fn fetch(c: &mut Cluster, follower: BrokerId, now_ms: u64) -> Vec<u64> {
        released_ids(c.replicate(&tp(), follower, None, now_ms, &mut Events::default()))
    }

    fn released_ids(released: Vec<ReleasedAck>) -> Vec<u64> {
        released.iter().map(|r| r.ack.correlation_id).collect()
    }

    fn part(c: &Cluster) -> &Partition {
        c.partition(&tp()).expect("payments-0 exists")
    }

    fn log_end(c: &Cluster, broker: BrokerId) -> Offset {
        part(c)
            .replica(broker)
            .map(|r| r.log.log_end_offset())
            .expect("a replica")
    }

    fn isr(c: &Cluster) -> Vec<BrokerId> {
        part(c).isr.iter().copied().collect()
    }

    fn crash(c: &mut Cluster, broker: BrokerId) -> Vec<EventKind> {
        let mut out = Events::default();
        c.crash_broker(broker, 0, &mut out);
        out.0.into_iter().map(|e| e.kind).collect()
    }

    fn restart(c: &mut Cluster, broker: BrokerId) -> Vec<EventKind> {
        let mut out = Events::default();
        c.restart_broker(broker, 0, &mut out);
        out.0.into_iter().map(|e| e.kind).collect()
    }

    fn ok(offset: i64) -> ProduceOutcome {
        ProduceOutcome::Respond(Ok(Offset(offset)))
    }

    // ProducerStateManager.loadFromSnapshot skips expired producers: a broker that restarts
    // after its partition forgot an idle producer does not bring it back to forget it again.
    #[test]
    fn a_restart_does_not_bring_back_an_expired_producer() {
        let mut c = cluster(1, 1);
        let expiration_ms = ClusterConfig::default().producer_id_expiration_ms;
        let expired_now = |c: &mut Cluster, now_ms| {
            let mut out = Events::default();
            c.on_time(now_ms, &mut out);
            out.0
                .iter()
                .filter(|e| matches!(e.kind, EventKind::ProducerStateExpired { .. }))
                .count()
        };
        let idempotent = batch(PID, 0);
        assert_eq!(
            produce(&mut c, B1, Acks::All, &idempotent, 1).outcome,
            ok(0)
        );
        assert_eq!(expired_now(&mut c, expiration_ms), 1);
        crash(&mut c, B1);
        let mut out = Events::default();
        c.restart_broker(B1, expiration_ms + 1, &mut out);
        let replica = part(&c).replica(B1).expect("a replica");
        assert!(replica.producers.entry(PID).is_none(), "still forgotten");
        assert_eq!(
            expired_now(&mut c, expiration_ms + 2),
            0,
            "no second expiry"
        );
    }

    // DelayedProduce / Partition.checkEnoughReplicasReachOffset: the acks=all answer waits in
    // purgatory until the high watermark passes the batch, i.e. every in-sync replica has it.
    #[test]
    fn acks_all_answer_waits_until_the_high_watermark_passes_the_batch() {
        let mut c = cluster(3, 2);
        let a = produce(&mut c, B1, Acks::All, &plain(), 7);
        assert_eq!(a.outcome, ProduceOutcome::Waiting);
        assert_eq!(log_end(&c, B1), Offset(1), "written, just not answered");

        assert!(fetch(&mut c, B2, 0).is_empty());
        assert!(fetch(&mut c, B3, 0).is_empty());
        assert!(
            fetch(&mut c, B2, 0).is_empty(),
            "broker 3 has not confirmed yet"
        );
        assert_eq!(part(&c).high_watermark(), Offset(0));

        assert_eq!(fetch(&mut c, B3, 0), [7]);
        assert_eq!(part(&c).high_watermark(), Offset(1));
        assert!(part(&c).pending_acks.is_empty());
    }

    // L1 [INFERENCE in kafka-rules.md]: with the leader alone in the ISR the high watermark reaches
    // the log end right after the append, so acks=all is answered at once.
    #[test]
    fn acks_all_with_the_leader_alone_in_sync_is_answered_at_once() {
        let mut c = cluster(1, 1);
        assert_eq!(produce(&mut c, B1, Acks::All, &plain(), 1).outcome, ok(0));
        assert_eq!(part(&c).high_watermark(), Offset(1));
    }

    // Partition.appendRecordsToLeader with requiredAcks=1: the leader answers after its own
    // append, before any follower has the record.
    #[test]
    fn acks_1_is_answered_as_soon_as_the_leader_has_appended() {
        let mut c = cluster(3, 2);
        assert_eq!(
            produce(&mut c, B1, Acks::Leader, &plain(), 1).outcome,
            ok(0)
        );
        assert_eq!(part(&c).high_watermark(), Offset(0));
        assert!(part(&c).pending_acks.is_empty());
    }

    // KafkaApis.handleProduceRequest with acks=0: the batch is appended, no response is ever sent.
    #[test]
    fn acks_0_is_never_answered_though_the_batch_is_written() {
        let mut c = cluster(2, 1);
        let a = produce(&mut c, B1, Acks::None, &plain(), 1);
        assert_eq!(a.outcome, ProduceOutcome::NoResponse);
        assert_eq!(log_end(&c, B1), Offset(1));
        fetch(&mut c, B2, 0);
        assert!(fetch(&mut c, B2, 0).is_empty(), "no answer to release");
        assert_eq!(part(&c).high_watermark(), Offset(1));
    }

    // Partition.appendRecordsToLeader, ProducerFailureHandlingTest.testNotEnoughReplicas: acks=all
    // is refused before the append while the ISR is smaller than min.insync.replicas; acks=1 is not
    // subject to the check.
    #[test]
    fn acks_all_below_min_insync_replicas_is_refused_with_not_enough_replicas() {
        let mut c = cluster(3, 2);
        crash(&mut c, B2);
        crash(&mut c, B3);
        assert_eq!(isr(&c), [B1]);

        let a = produce(&mut c, B1, Acks::All, &plain(), 1);
        assert_eq!(
            a.outcome,
            ProduceOutcome::Respond(Err(ErrorCode::NotEnoughReplicas))
        );
        assert_eq!(log_end(&c, B1), Offset(0), "nothing is written");
        assert_eq!(
            produce(&mut c, B1, Acks::Leader, &plain(), 2).outcome,
            ok(0)
        );
    }

    // L1, Partition.maybeIncrementLeaderHW: the high watermark is the smallest log end offset
    // among the leader and the in-sync followers, so the slowest in-sync replica holds it back.
    #[test]
    fn high_watermark_is_the_smallest_log_end_in_the_isr() {
        let mut c = cluster(3, 1);
        for seq in 0..3 {
            produce(&mut c, B1, Acks::Leader, &batch(PID, seq), 1);
        }
        fetch(&mut c, B2, 0);
        fetch(&mut c, B2, 0);
        fetch(&mut c, B3, 0);
        assert_eq!(
            part(&c).high_watermark(),
            Offset(0),
            "broker 3 has not reported its log end"
        );

        produce(&mut c, B1, Acks::Leader, &batch(PID, 3), 2);
        fetch(&mut c, B3, 0);
        assert_eq!(log_end(&c, B1), Offset(4));
        assert_eq!(
            part(&c).high_watermark(),
            Offset(3),
            "both followers reported 3"
        );
    }

    // L1, Partition.maybeIncrementLeaderHW: no high watermark progress while the ISR is below
    // min.insync.replicas, even though every in-sync replica has the record; it resumes once a
    // follower is back in the ISR and has fetched.
    #[test]
    fn high_watermark_does_not_move_while_the_isr_is_below_min_insync_replicas() {
        let mut c = cluster(2, 2);
        crash(&mut c, B2);
        assert_eq!(
            produce(&mut c, B1, Acks::Leader, &plain(), 1).outcome,
            ok(0)
        );
        c.on_time(1, &mut Events::default());
        assert_eq!(isr(&c), [B1]);
        assert_eq!(part(&c).high_watermark(), Offset(0));

        restart(&mut c, B2);
        fetch(&mut c, B2, 2);
        assert_eq!(isr(&c), [B1, B2]);
        fetch(&mut c, B2, 3);
        assert_eq!(part(&c).high_watermark(), Offset(1));
    }

    // Partition.updateFollowerFetchState, PartitionTest.testUpdateFollowerFetchState: the fetch
    // offset is the follower's log end before the fetch, so what a fetch copies counts only at the
    // next fetch; the follower learns the leader's high watermark from the fetch response.
    #[test]
    fn a_follower_fetch_reports_its_log_end_and_the_high_watermark_moves_on_the_next_fetch() {
        let mut c = cluster(2, 1);
        produce(&mut c, B1, Acks::Leader, &batch(PID, 0), 1);
        produce(&mut c, B1, Acks::Leader, &batch(PID, 1), 2);
        let follower_hw = |c: &Cluster| part(c).replica(B2).map(|r| r.log.high_watermark());

        fetch(&mut c, B2, 0);
        assert_eq!(log_end(&c, B2), Offset(2));
        assert_eq!(part(&c).followers[&B2].log_end_offset, Offset(0));
        assert_eq!(part(&c).high_watermark(), Offset(0));
        assert_eq!(follower_hw(&c), Some(Offset(0)));

        fetch(&mut c, B2, 0);
        assert_eq!(part(&c).followers[&B2].log_end_offset, Offset(2));
        assert_eq!(part(&c).high_watermark(), Offset(2));
        assert_eq!(follower_hw(&c), Some(Offset(2)));
    }

    // Partition.maybeShrinkIsr / maybeExpandIsr, PartitionTest.testMaybeShrinkIsr and
    // testIsrExpansion: a follower behind the leader's log end that has not caught up for more
    // than replica.lag.time.max.ms leaves the ISR, which may release acks=all answers; it rejoins
    // once its log end reaches the high watermark.
    #[test]
    fn a_lagging_follower_leaves_the_isr_after_replica_lag_time_max_ms_and_rejoins_at_the_high_watermark()
     {
        let mut c = cluster(3, 1);
        assert_eq!(
            produce(&mut c, B1, Acks::All, &plain(), 9).outcome,
            ProduceOutcome::Waiting
        );
        fetch(&mut c, B2, 0);
        fetch(&mut c, B2, 0);

        assert!(released_ids(c.on_time(LAG_MS, &mut Events::default())).is_empty());
        assert_eq!(isr(&c), [B1, B2, B3], "exactly the lag is still in sync");
        let released = c.on_time(LAG_MS + 1, &mut Events::default());
        assert_eq!(
            isr(&c),
            [B1, B2],
            "broker 2 is caught up, however long ago it fetched"
        );
        assert_eq!(part(&c).high_watermark(), Offset(1));
        assert_eq!(released_ids(released), [9]);

        fetch(&mut c, B3, LAG_MS + 2);
        assert_eq!(
            isr(&c),
            [B1, B2],
            "it fetched from 0, below the high watermark"
        );
        produce(&mut c, B1, Acks::Leader, &plain(), 10);
        fetch(&mut c, B3, LAG_MS + 3);
        assert!(log_end(&c, B1) > part(&c).high_watermark());
        assert_eq!(
            isr(&c),
            [B1, B2, B3],
            "reaching the high watermark is enough, the log end need not be reached"
        );
    }

    // PartitionLeaderElectionAlgorithms.offlinePartitionLeaderElection: the first replica in
    // assignment order that is alive and in the ISR becomes leader, with a bumped leader epoch;
    // answers the old leader was holding are lost with it.
    #[test]
    fn a_crashed_leader_is_replaced_by_the_first_live_isr_replica_with_a_bumped_leader_epoch() {
        let mut c = cluster(3, 1);
        produce(&mut c, B1, Acks::Leader, &plain(), 1);
        fetch(&mut c, B3, 0);
        fetch(&mut c, B3, 0);
        c.on_time(LAG_MS + 1, &mut Events::default());
        assert_eq!(isr(&c), [B1, B3], "broker 2 never fetched");
        produce(&mut c, B1, Acks::All, &plain(), 2);
        assert_eq!(part(&c).pending_acks.len(), 1);

        let events = crash(&mut c, B1);
        assert_eq!(
            part(&c).leader,
            Some(B3),
            "broker 2 comes first but is out of sync"
        );
        assert_eq!(part(&c).leader_epoch, LeaderEpoch(1));
        assert!(part(&c).pending_acks.is_empty());
        assert!(events.iter().any(|e| matches!(
            e,
            EventKind::LeaderElected {
                broker: B3,
                leader_epoch: LeaderEpoch(1),
                ..
            }
        )));

        crash(&mut c, B3);
        assert_eq!(part(&c).leader, None, "broker 2 is alive but not in sync");
    }

    // UncleanLeaderElectionTest.testUncleanLeaderElectionDisabled: with no live in-sync replica the
    // partition stays offline rather than let an out-of-sync replica lead and lose acknowledged
    // records; it comes back when the last in-sync replica restarts.
    #[test]
    fn without_a_live_isr_replica_the_partition_is_offline_until_the_last_isr_member_restarts() {
        let mut c = cluster(2, 1);
        assert_eq!(
            produce(&mut c, B1, Acks::Leader, &plain(), 1).outcome,
            ok(0)
        );
        c.on_time(LAG_MS + 1, &mut Events::default());
        assert_eq!(isr(&c), [B1]);

        let events = crash(&mut c, B1);
        assert_eq!(part(&c).leader, None);
        assert_eq!(isr(&c), [B1], "the last in-sync replica stays recorded");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, EventKind::PartitionOffline { .. }))
        );
        assert_eq!(
            produce(&mut c, B2, Acks::Leader, &plain(), 2).outcome,
            ProduceOutcome::Respond(Err(ErrorCode::NotLeaderOrFollower))
        );

        restart(&mut c, B2);
        assert_eq!(part(&c).leader, None, "broker 2 is still out of sync");

        restart(&mut c, B1);
        assert_eq!(part(&c).leader, Some(B1));
        assert_eq!(part(&c).leader_epoch, LeaderEpoch(1));
        assert_eq!(
            log_end(&c, B1),
            Offset(1),
            "the acknowledged record survived"
        );
    }

    // AbstractFetcherThreadTest.testTruncation, ProducerStateManager.truncateAndReload: a broker
    // that returns after a leader change truncates what it wrote in an older leader epoch beyond
    // where the new leader's log diverges (the acks=1 write lost), rebuilds its producer state from
    // what is left, then copies the new leader's records.
    #[test]
    fn a_restarted_broker_truncates_what_diverged_from_the_leader_and_rebuilds_producer_state() {
        let mut c = cluster(3, 1);
        produce(&mut c, B1, Acks::Leader, &batch(PID, 0), 1);
        fetch(&mut c, B2, 0);
        fetch(&mut c, B3, 0);
        assert_eq!(
            produce(&mut c, B1, Acks::Leader, &batch(PID, 1), 2).outcome,
            ok(1)
        );
        crash(&mut c, B1);
        assert_eq!(part(&c).leader, Some(B2));
        assert_eq!(
            produce(&mut c, B2, Acks::Leader, &batch(OTHER, 0), 3).outcome,
            ok(1)
        );

        let events = restart(&mut c, B1);
        assert!(events.iter().any(|e| matches!(
            e,
            EventKind::FollowerTruncated {
                broker: B1,
                log_end_offset: Offset(1),
                removed_records: 1,
                ..
            }
        )));
        assert_eq!(log_end(&c, B1), Offset(1));
        let last_seq = |c: &Cluster| {
            part(c)
                .replica(B1)
                .and_then(|r| r.producers.entry(PID))
                .map(|e| e.last_seq())
        };
        assert_eq!(
            last_seq(&c),
            Some(Sequence(0)),
            "sequence 1 went with the truncated batch"
        );

        fetch(&mut c, B1, 0);
        let copied = &part(&c).replica(B1).expect("a replica").log.batches()[1];
        assert_eq!(
            (copied.stamp.producer_id, copied.leader_epoch),
            (OTHER, LeaderEpoch(1))
        );
    }

    // B3, UnifiedLog.append returns a duplicate's original offsets, and DelayedProduce then waits
    // for the high watermark to pass them, as for any acks=all write.
    #[test]
    fn a_duplicate_under_acks_all_also_waits_for_the_high_watermark() {
        let mut c = cluster(2, 1);
        produce(&mut c, B1, Acks::All, &batch(PID, 0), 1);
        let retry = produce(&mut c, B1, Acks::All, &batch(PID, 0), 2);
        assert_eq!(retry.outcome, ProduceOutcome::Waiting);
        assert!(retry.events.iter().any(|e| matches!(
            e,
            EventKind::DuplicateBatch {
                original_offset: Offset(0),
                ..
            }
        )));
        assert_eq!(log_end(&c, B1), Offset(1), "nothing written twice");

        fetch(&mut c, B2, 0);
        let released = c.replicate(&tp(), B2, None, 0, &mut Events::default());
        let answers: Vec<(u64, Offset)> = released
            .iter()
            .map(|r| (r.ack.correlation_id, r.ack.base_offset))
            .collect();
        assert_eq!(answers, [(1, Offset(0)), (2, Offset(0))]);
    }

    // ReplicaManager.appendRecords → Partition.appendRecordsToLeader: only the current leader
    // takes writes; a follower or a former leader answers NOT_LEADER_OR_FOLLOWER and writes
    // nothing.
    #[test]
    fn a_broker_that_is_not_the_leader_answers_not_leader_or_follower() {
        let mut c = cluster(2, 1);
        let not_leader = ProduceOutcome::Respond(Err(ErrorCode::NotLeaderOrFollower));
        assert_eq!(
            produce(&mut c, B2, Acks::Leader, &plain(), 1).outcome,
            not_leader
        );
        assert_eq!((log_end(&c, B1), log_end(&c, B2)), (Offset(0), Offset(0)));

        crash(&mut c, B1);
        restart(&mut c, B1);
        assert_eq!(part(&c).leader, Some(B2));
        assert_eq!(
            produce(&mut c, B1, Acks::Leader, &plain(), 2).outcome,
            not_leader
        );
        assert_eq!(
            produce(&mut c, B2, Acks::Leader, &plain(), 3).outcome,
            ok(0)
        );
    }

    // kafka-topics.sh --replica-assignment: a list per partition, replication.factor distinct
    // brokers of the cluster each; anything else is refused with the topic and partition named.
    #[test]
    fn a_replica_assignment_places_replicas_in_order_or_is_refused_with_its_reason() {
        let with = |assignment: Vec<Vec<u32>>| {
            Cluster::new(&ClusterConfig {
                brokers: 3,
                topics: vec![TopicConfig {
                    replication_factor: 2,
                    replica_assignment: Some(assignment),
                    ..TopicConfig::named("payments", 2)
                }],
                ..ClusterConfig::default()
            })
        };
        let c = with(vec![vec![3, 1], vec![2, 3]]).expect("a valid assignment");
        let brokers = |p: u32| -> Vec<u32> {
            let tp = TopicPartition::new("payments", p);
            let partition = c.partition(&tp).expect("partition");
            partition.replicas.iter().map(|r| r.broker.0).collect()
        };
        assert_eq!((brokers(0), brokers(1)), (vec![3, 1], vec![2, 3]));
        assert_eq!(
            c.leader_of(&TopicPartition::new("payments", 0)),
            Some(BrokerId(3))
        );
        for (assignment, why) in [
            (vec![vec![1, 2]], "lists 1 partitions, but the topic has 2"),
            (vec![vec![1, 2], vec![3]], "gives partition 1 1 replicas"),
            (
                vec![vec![1, 4], vec![2, 3]],
                "broker 4, which the cluster does not have",
            ),
            (
                vec![vec![1, 2], vec![2, 2]],
                "names broker 2 twice for partition 1",
            ),
        ] {
            let err = with(assignment).expect_err("refused").0;
            assert!(err.contains(why), "{err}");
        }
    }
}
