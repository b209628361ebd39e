//! Everything a user, a lesson or a test can do to the world. The UI, the CLI and scenario files
//! all speak this one vocabulary: a scenario's `steps` are a list of these, written as JSON
//! objects tagged by `"step"` (e.g. `{"step": "send", "producer": "p1", "value": "10"}`).

use crate::broker::offsets_log::OffsetMetadata;
use crate::config::{Acks, ConsumerConfig, IsolationLevel, TransactionVersionLevel};
use crate::ids::{BrokerId, ClientId, TopicPartition};
use crate::network::MessageId;
use serde::{Deserialize, Serialize};

/// An offset for one partition, as OffsetCommit and TxnOffsetCommit carry it
/// (`OffsetAndMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionOffset {
    pub topic: String,
    pub partition: u32,
    pub offset: i64,
    /// `committedLeaderEpoch`: the leader epoch of the last record consumed; absent, Kafka's -1.
    #[serde(default)]
    pub leader_epoch: Option<i32>,
    /// `committedMetadata`: free text stored with the offset; longer than
    /// `offset.metadata.max.bytes` (4096) it is refused with OFFSET_METADATA_TOO_LARGE.
    #[serde(default)]
    pub metadata: Option<String>,
}

impl PartitionOffset {
    /// The partition it names.
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition::new(self.topic.as_str(), self.partition)
    }

    /// The leader epoch and metadata it carries besides the offset.
    pub fn details(&self) -> OffsetMetadata {
        OffsetMetadata {
            leader_epoch: self.leader_epoch,
            metadata: self.metadata.clone().unwrap_or_default(),
        }
    }
}

/// One record of a hand-made produce request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub value: String,
    /// The record's CreateTime in ms; absent, the time the leader appends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
}

/// `Some(None)` for a field written as `null`, so that "absent" (`None`, via `default`) and
/// "explicitly none" stay apart.
fn present_even_if_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// One input to [`crate::World::step`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The application calls `producer.send(record)`. Without a partition, a keyed record goes
    /// where Kafka's default partitioner puts it (murmur2 of the key) and a record without key
    /// to partition 0.
    Send {
        producer: ClientId,
        topic: String,
        #[serde(default)]
        partition: Option<u32>,
        #[serde(default)]
        key: Option<String>,
        value: String,
    },
    /// `producer.flush()`: partly filled batches go out now.
    Flush {
        producer: ClientId,
    },
    /// The producer's process dies; what it had not yet sent is lost.
    CrashProducer {
        producer: ClientId,
    },
    /// A new producer process with the same configuration starts.
    RestartProducer {
        producer: ClientId,
    },
    /// `producer.initTransactions()`: a transactional producer asks the transaction coordinator
    /// for its producer id and epoch, fencing any older instance with the same `transactional.id`.
    InitTransactions {
        producer: ClientId,
    },
    /// `producer.beginTransaction()`: local to the client; nothing is sent.
    BeginTransaction {
        producer: ClientId,
    },
    /// `producer.commitTransaction()`: flush, then EndTxn(COMMIT) to the coordinator.
    CommitTransaction {
        producer: ClientId,
    },
    /// `producer.abortTransaction()`: drop unsent batches, then EndTxn(ABORT) to the coordinator.
    AbortTransaction {
        producer: ClientId,
    },
    /// `producer.sendOffsetsToTransaction(consumer.position(...), consumer.groupMetadata())`: the
    /// consumer's current positions become part of the producer's open transaction
    /// (AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group
    /// coordinator), committed only if the transaction commits.
    SendOffsetsToTransaction {
        producer: ClientId,
        consumer: ClientId,
    },
    /// `consumer.poll()`: fetch what the consumer may read from its assigned partitions.
    Poll {
        consumer: ClientId,
    },
    /// The application processes every record it has polled, writing their effects to the
    /// external database.
    Process {
        consumer: ClientId,
    },
    /// `consumer.commitSync()`: the group remembers the consumer's positions.
    Commit {
        consumer: ClientId,
    },
    CrashConsumer {
        consumer: ClientId,
    },
    /// The outbox relay publishes every unpublished outbox row through `producer`, keyed by
    /// business id, to the database's `outbox.topic`.
    RelayOutbox {
        producer: ClientId,
    },
    RestartConsumer {
        consumer: ClientId,
    },
    /// One loop of a Kafka Streams thread: poll, then for each record the producer of its task
    /// (`exactly_once`) or of the thread (`exactly_once_v2`) begins a transaction if none is open
    /// and sends the transformed record to the application's output topic.
    StreamsProcess {
        thread: ClientId,
    },
    /// A Kafka Streams thread commits (`commit.interval.ms` has passed): every producer it wrote
    /// through hands its tasks' input offsets to its transaction and commits it.
    StreamsCommit {
        thread: ClientId,
    },
    /// Deliver a message in flight (the oldest, unless one is named).
    Deliver {
        #[serde(default)]
        message: Option<MessageId>,
    },
    /// Lose a message in flight; dropping a produce response is the lost ack.
    Drop {
        #[serde(default)]
        message: Option<MessageId>,
    },
    /// Deliver a message twice: a second copy joins the messages in flight.
    Duplicate {
        #[serde(default)]
        message: Option<MessageId>,
    },
    /// Hold a message back so that every later message overtakes it.
    Delay {
        #[serde(default)]
        message: Option<MessageId>,
    },
    /// Deliver messages, oldest first, until none is in flight (at most 1000). Written with braces
    /// because serde ignores `deny_unknown_fields` on unit variants of a tagged enum.
    DeliverAll {},
    /// One fetch by a follower from the partition's leader (every follower, unless one is named).
    Replicate {
        topic: String,
        partition: u32,
        #[serde(default)]
        broker: Option<BrokerId>,
        /// Copy only the leader's batches that begin below this offset, as a fetch cut short by
        /// its size limit returns whole batches up to there; absent: everything the leader has.
        #[serde(default)]
        up_to: Option<i64>,
    },
    CrashBroker {
        broker: BrokerId,
    },
    RestartBroker {
        broker: BrokerId,
    },
    /// Simulated time moves forward; timeouts fire.
    AdvanceTime {
        ms: u64,
    },
    /// A produce request built by hand and handed straight to the partition's leader, bypassing
    /// the producer client, so one broker rule can be seen alone.
    ProduceRaw {
        topic: String,
        partition: u32,
        producer_id: i64,
        producer_epoch: i16,
        base_sequence: i32,
        /// How many records the batch holds; absent, 1, or as many as `records` lists.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        record_count: Option<u32>,
        #[serde(default)]
        is_transactional: bool,
        #[serde(default = "acks_all")]
        acks: Acks,
        /// The records, each with its key, value and CreateTime timestamp; absent, values
        /// `raw-0`, `raw-1`, ... without key or timestamp of their own.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        records: Vec<RawRecord>,
        /// The request's `transactionalId`: absent, the one the coordinator holds for the
        /// batch's producer id (what that producer's client would send); `null`, none.
        #[serde(
            default,
            deserialize_with = "present_even_if_null",
            skip_serializing_if = "Option::is_none"
        )]
        transactional_id: Option<Option<String>>,
        /// The Produce request version (3 to 13); absent, what a Kafka 4.2 client sends: 12
        /// under `transaction.version` 2, 11 under 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<u16>,
    },
    /// A transaction marker built by hand, as the transaction coordinator's `WriteTxnMarkers`
    /// request would carry it, handed straight to the partition's leader.
    WriteTxnMarker {
        topic: String,
        partition: u32,
        producer_id: i64,
        producer_epoch: i16,
        #[serde(default)]
        coordinator_epoch: i32,
        /// The `transaction.version` the marker carries (WriteTxnMarkers v2, KIP-1228): 2 makes
        /// the leader require an epoch above the one it holds. Absent: the cluster's.
        #[serde(default)]
        transaction_version: Option<TransactionVersionLevel>,
        result: TxnResult,
    },
    /// `kafka-transactions.sh list` (KIP-664, `Admin.listTransactions`): every transactional id
    /// the transaction coordinator knows, with its producer id and state.
    ListTransactions {},
    /// `kafka-transactions.sh describe-producers` (KIP-664, `Admin.describeProducers`): what the
    /// partition's leader remembers of each producer, including the start offset of its open
    /// transaction.
    DescribeProducers {
        topic: String,
        partition: u32,
    },
    /// `kafka-transactions.sh find-hanging` (KIP-664): open transactions older than
    /// `max_transaction_timeout_ms` (default `transaction.max.timeout.ms`, 15 minutes) whose
    /// producer the coordinator does not know, or whose transaction there does not hold the
    /// partition.
    FindHangingTransactions {
        #[serde(default)]
        max_transaction_timeout_ms: Option<u64>,
    },
    /// `kafka-transactions.sh abort` (KIP-664, `Admin.abortTransaction`): an ABORT marker for the
    /// producer's open transaction, written by the partition's leader as if the coordinator had
    /// sent it. Without a coordinator epoch, the one the partition last saw for this producer.
    AbortTransactionAdmin {
        topic: String,
        partition: u32,
        producer_id: i64,
        producer_epoch: i16,
        #[serde(default)]
        coordinator_epoch: Option<i32>,
    },
    /// An InitProducerId request built by hand and handed straight to the transaction
    /// coordinator, bypassing the producer client. `expected_producer_id` and `expected_epoch`
    /// (both or neither) are the id and epoch a client already holds when it re-initialises
    /// (KIP-360).
    InitProducerIdRaw {
        transactional_id: String,
        #[serde(default)]
        expected_producer_id: Option<i64>,
        #[serde(default)]
        expected_epoch: Option<i16>,
        /// The broker the request is addressed to; absent, the transaction coordinator's. Any
        /// other broker answers NOT_COORDINATOR.
        #[serde(default)]
        broker: Option<BrokerId>,
    },
    /// An AddPartitionsToTxn request built by hand, handed straight to the transaction
    /// coordinator.
    AddPartitionsRaw {
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
        /// The broker the request is addressed to; absent, the transaction coordinator's. Any
        /// other broker answers NOT_COORDINATOR.
        #[serde(default)]
        broker: Option<BrokerId>,
    },
    /// An AddOffsetsToTxn request built by hand, handed straight to the transaction
    /// coordinator: it adds the group's `__consumer_offsets` partition to the transaction.
    AddOffsetsRaw {
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        group_id: String,
        /// The broker the request is addressed to; absent, the transaction coordinator's. Any
        /// other broker answers NOT_COORDINATOR.
        #[serde(default)]
        broker: Option<BrokerId>,
    },
    /// A TxnOffsetCommit request built by hand, handed straight to the group coordinator: the
    /// offsets are kept pending under the producer id until its transaction's marker. With
    /// transaction protocol V2 the group coordinator first adds the offsets partition to the
    /// transaction itself.
    TxnOffsetCommitRaw {
        group_id: String,
        producer_id: i64,
        producer_epoch: i16,
        generation_id: i32,
        /// The member id of `consumer.groupMetadata()`; `""` (Kafka's default) names none.
        #[serde(default)]
        member_id: String,
        /// The static member's `group.instance.id`, if any.
        #[serde(default)]
        group_instance_id: Option<String>,
        offsets: Vec<PartitionOffset>,
    },
    /// An EndTxn request built by hand, handed straight to the transaction coordinator.
    EndTxnRaw {
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        result: TxnResult,
        /// The broker the request is addressed to; absent, the transaction coordinator's. Any
        /// other broker answers NOT_COORDINATOR.
        #[serde(default)]
        broker: Option<BrokerId>,
    },
    // ---- the consumer's API beyond poll and commit ----
    /// `consumer.seek(partition, offset)`: the next poll fetches from `offset`.
    Seek {
        consumer: ClientId,
        topic: String,
        partition: u32,
        offset: i64,
    },
    /// `consumer.seekToBeginning(partitions)`: to the log start offset (ListOffsets EARLIEST);
    /// no partition named: every assigned one.
    SeekToBeginning {
        consumer: ClientId,
        #[serde(default)]
        partitions: Vec<TopicPartition>,
    },
    /// `consumer.seekToEnd(partitions)`: to the last stable offset under read_committed, the
    /// high watermark under read_uncommitted (ListOffsets LATEST); no partition named: every
    /// assigned one.
    SeekToEnd {
        consumer: ClientId,
        #[serde(default)]
        partitions: Vec<TopicPartition>,
    },
    /// `consumer.position(partition)`, answered as an event.
    Position {
        consumer: ClientId,
        topic: String,
        partition: u32,
    },
    /// `consumer.committed(partition)`: the group's committed offset, answered as an event.
    Committed {
        consumer: ClientId,
        topic: String,
        partition: u32,
    },
    /// `consumer.offsetsForTimes({partition: timestamp_ms})`, answered as an event.
    OffsetsForTimes {
        consumer: ClientId,
        topic: String,
        partition: u32,
        timestamp_ms: u64,
    },
    /// `consumer.groupMetadata()`, answered as an event.
    GroupMetadata {
        consumer: ClientId,
    },
    /// A new consumer process starts during the run; a subscribing one joins its group.
    AddConsumer {
        consumer: ConsumerConfig,
    },
    /// `consumer.close()`: commits its positions if `enable.auto.commit` is on, then leaves its
    /// group, which rebalances.
    CloseConsumer {
        consumer: ClientId,
    },
    /// `consumer.assign(partitions)` on a consumer that does not subscribe: its partitions
    /// become these, with no group and no rebalance (an empty list is `unsubscribe()`).
    Assign {
        consumer: ClientId,
        partitions: Vec<TopicPartition>,
    },
    // ---- the producer's API beyond send and the transaction calls ----
    /// `producer.close()`: no new call is taken; the sender sends what is queued, waits for the
    /// answers, aborts a transaction still open, then the producer is closed.
    CloseProducer {
        producer: ClientId,
    },
    /// `producer.sendOffsetsToTransaction(offsets, groupMetadata)` with offsets and group
    /// metadata given by hand (a stale generation, another member id) rather than taken from a
    /// consumer.
    SendOffsetsToTransactionWith {
        producer: ClientId,
        group_id: String,
        generation_id: i32,
        /// The member id; `""` names none.
        #[serde(default)]
        member_id: String,
        #[serde(default)]
        group_instance_id: Option<String>,
        offsets: Vec<PartitionOffset>,
    },
    // Hand-made group, fetch and admin requests (issue 12, the scenario surface, part A).
    /// An OffsetCommit request built by hand, handed straight to the group coordinator: a plain
    /// commit, stored at once if the group accepts it. Generation -1 with no member id is a
    /// commit from outside group management (a simple commit with explicit offsets).
    OffsetCommitRaw {
        group_id: String,
        generation_id: i32,
        /// The member id the request carries; `""` names none.
        #[serde(default)]
        member_id: String,
        /// The static member's `group.instance.id`, if any.
        #[serde(default)]
        group_instance_id: Option<String>,
        offsets: Vec<PartitionOffset>,
    },
    /// An OffsetFetch request built by hand, handed straight to the group coordinator: the
    /// group's committed offset for each partition. With `require_stable` (as every consumer
    /// sends it) a partition with a pending transactional commit is `UNSTABLE_OFFSET_COMMIT`.
    OffsetFetchRaw {
        group_id: String,
        partitions: Vec<TopicPartition>,
        #[serde(default)]
        require_stable: bool,
    },
    /// A consumer's Fetch request built by hand, handed straight to the partition's leader: its
    /// answer is Kafka's Fetch response (batches and markers, high watermark, last stable offset,
    /// log start, and under read_committed the aborted transactions).
    FetchRaw {
        topic: String,
        partition: u32,
        offset: i64,
        #[serde(default)]
        isolation_level: IsolationLevel,
        /// Stands in for the request's byte limits: at most this many records, in whole
        /// batches, and always the first batch. Absent: everything up to the bound.
        #[serde(default)]
        max_records: Option<u32>,
        /// The request's MinBytes: with fewer bytes readable, the leader holds it
        /// (`DelayedFetch`) until enough are, or `max_wait_ms` has passed. Absent or 0: answered
        /// at once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_bytes: Option<u32>,
        /// The request's MaxWaitMs: how long the leader may hold it. Absent or 0: at once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_wait_ms: Option<u64>,
    },
    /// `kafka-delete-records.sh` (`Admin.deleteRecords`): the partition's leader moves its log
    /// start offset up to `offset` (-1: the high watermark); records below it can no longer be
    /// read.
    DeleteRecords {
        topic: String,
        partition: u32,
        offset: i64,
    },
}

/// How a transaction ends (`TransactionResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnResult {
    Commit,
    Abort,
}

/// The partitions a seek names, or "every assigned partition" for none.
fn partitions_or_all(partitions: &[TopicPartition]) -> String {
    if partitions.is_empty() {
        "every assigned partition".to_owned()
    } else {
        partitions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn acks_all() -> Acks {
    Acks::All
}

impl Action {
    /// A short label for the action, as a timeline row or the narration shows it.
    pub fn describe(&self) -> String {
        let or_oldest = |m: &Option<MessageId>| {
            m.map_or_else(
                || "the oldest message".to_owned(),
                |m| format!("message {m}"),
            )
        };
        match self {
            Action::Send {
                producer,
                topic,
                partition,
                key,
                value,
            } => {
                let target = partition.map_or_else(|| topic.clone(), |p| format!("{topic}-{p}"));
                match key {
                    Some(k) => format!("{producer} sends {k}=\"{value}\" to {target}"),
                    None => format!("{producer} sends \"{value}\" to {target}"),
                }
            }
            Action::Flush { producer } => format!("{producer} flushes"),
            Action::CrashProducer { producer } => format!("crash producer {producer}"),
            Action::RestartProducer { producer } => format!("restart producer {producer}"),
            Action::InitTransactions { producer } => format!("{producer} calls initTransactions"),
            Action::BeginTransaction { producer } => format!("{producer} begins a transaction"),
            Action::CommitTransaction { producer } => {
                format!("{producer} commits its transaction")
            }
            Action::AbortTransaction { producer } => format!("{producer} aborts its transaction"),
            Action::SendOffsetsToTransaction { producer, consumer } => {
                format!("{producer} sends {consumer}'s offsets to its transaction")
            }
            Action::Poll { consumer } => format!("{consumer} polls"),
            Action::StreamsProcess { thread } => {
                format!("{thread} polls and processes (one Kafka Streams loop)")
            }
            Action::StreamsCommit { thread } => format!("{thread} commits its tasks"),
            Action::Process { consumer } => format!("{consumer} processes what it polled"),
            Action::Commit { consumer } => format!("{consumer} commits its offsets"),
            Action::CrashConsumer { consumer } => format!("crash consumer {consumer}"),
            Action::RelayOutbox { producer } => {
                format!("the outbox relay publishes through {producer}")
            }
            Action::RestartConsumer { consumer } => format!("restart consumer {consumer}"),
            Action::Deliver { message } => format!("deliver {}", or_oldest(message)),
            Action::Drop { message } => format!("drop {}", or_oldest(message)),
            Action::Duplicate { message } => format!("duplicate {}", or_oldest(message)),
            Action::Delay { message } => format!("delay {}", or_oldest(message)),
            Action::DeliverAll {} => "deliver every message in flight".to_owned(),
            Action::Replicate {
                topic,
                partition,
                broker,
                up_to,
            } => {
                let what = match up_to {
                    Some(end) => format!("{topic}-{partition} below offset {end}"),
                    None => format!("{topic}-{partition}"),
                };
                match broker {
                    Some(b) => format!("broker {b} fetches {what} from its leader"),
                    None => format!("followers fetch {what} from its leader"),
                }
            }
            Action::CrashBroker { broker } => format!("crash broker {broker}"),
            Action::RestartBroker { broker } => format!("restart broker {broker}"),
            Action::AdvanceTime { ms } => format!("advance time by {ms} ms"),
            Action::WriteTxnMarker {
                topic,
                partition,
                producer_id,
                producer_epoch,
                transaction_version,
                result,
                ..
            } => format!(
                "hand-made {} marker{} to {topic}-{partition} for producer {producer_id}, epoch {producer_epoch}",
                match result {
                    TxnResult::Commit => "COMMIT",
                    TxnResult::Abort => "ABORT",
                },
                transaction_version.map_or_else(String::new, |level| format!(
                    " (transaction version {})",
                    u8::from(level)
                ))
            ),
            Action::InitProducerIdRaw {
                transactional_id,
                broker,
                ..
            } if transactional_id.is_empty() => format!(
                "hand-made InitProducerId with an empty transactional.id (\"\"){}",
                to_broker(*broker)
            ),
            Action::InitProducerIdRaw {
                transactional_id,
                broker,
                ..
            } => format!(
                "hand-made InitProducerId for transactional.id {transactional_id}{}",
                to_broker(*broker)
            ),
            Action::AddPartitionsRaw {
                transactional_id,
                producer_id,
                producer_epoch,
                partitions,
                broker,
            } => format!(
                "hand-made AddPartitionsToTxn for {transactional_id} (producer {producer_id}, epoch {producer_epoch}): {}{}",
                partitions
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                to_broker(*broker)
            ),
            Action::AddOffsetsRaw {
                transactional_id,
                producer_id,
                producer_epoch,
                group_id,
                broker,
            } => format!(
                "hand-made AddOffsetsToTxn for {transactional_id} (producer {producer_id}, epoch {producer_epoch}): group {group_id}{}",
                to_broker(*broker)
            ),
            Action::TxnOffsetCommitRaw {
                group_id,
                producer_id,
                generation_id,
                member_id,
                group_instance_id,
                offsets,
                ..
            } => format!(
                "hand-made TxnOffsetCommit for group {group_id} (producer {producer_id}, generation {generation_id}{}{}): {}",
                member_clause(member_id),
                group_instance_id
                    .as_ref()
                    .map(|i| format!(", group.instance.id {i}"))
                    .unwrap_or_default(),
                offsets_list(offsets)
            ),
            Action::EndTxnRaw {
                transactional_id,
                producer_id,
                producer_epoch,
                result,
                broker,
            } => format!(
                "hand-made EndTxn({}) for {transactional_id} (producer {producer_id}, epoch {producer_epoch}){}",
                match result {
                    TxnResult::Commit => "COMMIT",
                    TxnResult::Abort => "ABORT",
                },
                to_broker(*broker)
            ),
            Action::Seek {
                consumer,
                topic,
                partition,
                offset,
            } => format!("{consumer} seeks {topic}-{partition} to offset {offset}"),
            Action::SeekToBeginning {
                consumer,
                partitions,
            } => format!(
                "{consumer} seeks {} to the beginning",
                partitions_or_all(partitions)
            ),
            Action::SeekToEnd {
                consumer,
                partitions,
            } => format!(
                "{consumer} seeks {} to the end",
                partitions_or_all(partitions)
            ),
            Action::Position {
                consumer,
                topic,
                partition,
            } => format!("{consumer} asks its position on {topic}-{partition}"),
            Action::Committed {
                consumer,
                topic,
                partition,
            } => format!("{consumer} asks the committed offset of {topic}-{partition}"),
            Action::OffsetsForTimes {
                consumer,
                topic,
                partition,
                timestamp_ms,
            } => format!(
                "{consumer} asks which offset of {topic}-{partition} is at time {timestamp_ms} ms"
            ),
            Action::GroupMetadata { consumer } => format!("{consumer} asks its group metadata"),
            Action::AddConsumer { consumer } => {
                format!(
                    "consumer {} starts in group {}",
                    consumer.id, consumer.group_id
                )
            }
            Action::CloseConsumer { consumer } => format!("{consumer} closes"),
            Action::Assign {
                consumer,
                partitions,
            } if partitions.is_empty() => format!("{consumer} assigns itself no partition"),
            Action::Assign {
                consumer,
                partitions,
            } => format!(
                "{consumer} assigns itself {}",
                partitions_or_all(partitions)
            ),
            Action::CloseProducer { producer } => format!("{producer} closes"),
            Action::SendOffsetsToTransactionWith {
                producer,
                group_id,
                generation_id,
                member_id,
                offsets,
                ..
            } => format!(
                "{producer} sends offsets {} of group {group_id} (generation {generation_id}{}) to its transaction",
                offsets_list(offsets),
                member_clause(member_id)
            ),
            Action::OffsetCommitRaw {
                group_id,
                generation_id,
                member_id,
                offsets,
                ..
            } => format!(
                "hand-made OffsetCommit for group {group_id} (generation {generation_id}{}): {}",
                member_clause(member_id),
                offsets_list(offsets)
            ),
            Action::OffsetFetchRaw {
                group_id,
                partitions,
                require_stable,
            } => format!(
                "hand-made OffsetFetch for group {group_id}{}: {}",
                if *require_stable {
                    " (require_stable)"
                } else {
                    ""
                },
                partitions
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Action::FetchRaw {
                topic,
                partition,
                offset,
                isolation_level,
                max_records,
                min_bytes,
                max_wait_ms,
            } => format!(
                "hand-made Fetch of {topic}-{partition} from offset {offset} ({}{}{})",
                match isolation_level {
                    IsolationLevel::ReadUncommitted => "read_uncommitted",
                    IsolationLevel::ReadCommitted => "read_committed",
                },
                max_records.map_or_else(String::new, |m| format!(", at most {m} records")),
                match (min_bytes, max_wait_ms) {
                    (Some(min), Some(wait)) if *min > 0 && *wait > 0 =>
                        format!(", at least {min} bytes within {wait} ms"),
                    _ => String::new(),
                }
            ),
            Action::DeleteRecords {
                topic,
                partition,
                offset,
            } if *offset == -1 => {
                format!("admin: delete the records of {topic}-{partition} below its high watermark")
            }
            Action::DeleteRecords {
                topic,
                partition,
                offset,
            } => format!("admin: delete the records of {topic}-{partition} below offset {offset}"),
            Action::ListTransactions {} => "admin: list transactions".to_owned(),
            Action::DescribeProducers { topic, partition } => {
                format!("admin: describe the producers of {topic}-{partition}")
            }
            Action::FindHangingTransactions { .. } => "admin: find hanging transactions".to_owned(),
            Action::AbortTransactionAdmin {
                topic,
                partition,
                producer_id,
                producer_epoch,
                ..
            } => format!(
                "admin: abort producer {producer_id}'s (epoch {producer_epoch}) open transaction on {topic}-{partition}"
            ),
            Action::ProduceRaw {
                topic,
                partition,
                producer_id,
                producer_epoch,
                base_sequence,
                record_count,
                records,
                ..
            } => {
                let count = record_count.unwrap_or(records.len().max(1) as u32);
                format!(
                    "hand-made produce to {topic}-{partition}: producer {producer_id}, epoch {producer_epoch}, sequence {base_sequence}, {count} record(s)"
                )
            }
        }
    }
}

/// ", member ID" in a request's description; nothing when it names no member.
fn member_clause(member_id: &str) -> String {
    if member_id.is_empty() {
        String::new()
    } else {
        format!(", member {member_id}")
    }
}

/// A request's offsets, "payments-0 at 3, payments-1 at 7".
fn offsets_list(offsets: &[PartitionOffset]) -> String {
    offsets
        .iter()
        .map(|o| format!("{}-{} at {}", o.topic, o.partition, o.offset))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ", to broker N" for a hand-made request addressed to a chosen broker.
fn to_broker(broker: Option<BrokerId>) -> String {
    broker.map_or_else(String::new, |b| format!(", to broker {b}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_from_their_json_form() {
        let a: Action = serde_json::from_str(
            r#"{"step":"send","producer":"p1","topic":"payments","key":"pay-1","value":"10"}"#,
        )
        .unwrap();
        assert_eq!(a.describe(), "p1 sends pay-1=\"10\" to payments");
        let d: Action = serde_json::from_str(r#"{"step":"drop","message":3}"#).unwrap();
        assert_eq!(
            d,
            Action::Drop {
                message: Some(MessageId(3))
            }
        );
    }

    #[test]
    fn unknown_fields_in_a_step_are_rejected() {
        let err =
            serde_json::from_str::<Action>(r#"{"step":"flush","producer":"p1","force":true}"#)
                .unwrap_err();
        assert!(err.to_string().contains("force"), "{err}");
    }
}
