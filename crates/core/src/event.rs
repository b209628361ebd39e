//! Everything that can happen in the world. Each event carries a plain-words explanation that
//! names the Kafka concept involved, so every step can be narrated; the kind is data for views,
//! checks and the JSON report.

use crate::broker::fetch::FetchResponse;
use crate::clients::producer_txn::ClientTxnState;
use crate::config::IsolationLevel;
use crate::coordinator::state_machine::TransactionState;
use crate::error_code::ErrorCode;
use crate::ids::{
    BrokerId, ClientId, LeaderEpoch, Offset, ProducerEpoch, ProducerId, TopicPartition,
};
use crate::network::{Endpoint, MessageId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One thing that happened during a step, with the sentence that explains it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(flatten)]
    pub kind: EventKind,
    pub explanation: String,
}

/// One row of `kafka-transactions.sh list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedTransaction {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub state: TransactionState,
}

/// One row of `kafka-transactions.sh describe-producers` (`ProducerState`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedProducer {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub last_sequence: i32,
    pub last_timestamp_ms: u64,
    pub coordinator_epoch: i32,
    pub current_transaction_start_offset: Option<Offset>,
}

/// One row of `kafka-transactions.sh find-hanging`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HangingTransaction {
    pub topic_partition: TopicPartition,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub coordinator_epoch: i32,
    pub start_offset: Offset,
    /// How long ago, in ms, the producer last wrote to the partition.
    pub idle_ms: u64,
}

/// Why a waiting fetch was answered (`DelayedFetch.tryComplete` and `onExpiration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchCompletion {
    /// At least `fetch.min.bytes` became readable (case G).
    EnoughBytes,
    /// `fetch.max.wait.ms` passed: answered with whatever is readable, maybe nothing.
    MaxWait,
    /// The readable bound moved onto a newer segment than the fetch offset, or below it (case F).
    OtherSegment,
    /// A partition can no longer be read here: no leader, or the offset left the log (cases A-D).
    PartitionError,
}

impl FetchCompletion {
    pub fn name(self) -> &'static str {
        match self {
            FetchCompletion::EnoughBytes => "enough_bytes",
            FetchCompletion::MaxWait => "max_wait",
            FetchCompletion::OtherSegment => "other_segment",
            FetchCompletion::PartitionError => "partition_error",
        }
    }
}

/// What a consumer's processing did to the external database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectOutcome {
    Applied,
    /// The dedup table already held the business id: the effect was not applied again.
    SkippedDuplicate,
}

/// What happened, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    TimeAdvanced {
        now_ms: u64,
    },
    /// A message went on the network from `from` to `to`.
    MessageSent {
        message_id: MessageId,
        label: String,
        from: Endpoint,
        to: Endpoint,
    },
    MessageDelivered {
        message_id: MessageId,
    },
    MessageDropped {
        message_id: MessageId,
    },
    MessageDuplicated {
        message_id: MessageId,
        copy_id: MessageId,
    },
    MessageDelayed {
        message_id: MessageId,
    },
    /// A message reached a crashed endpoint, or a response nobody waits for any more.
    MessageLost {
        message_id: MessageId,
    },
    RecordQueued {
        producer: ClientId,
        send_id: u64,
        topic_partition: TopicPartition,
    },
    ProducerIdAssigned {
        producer: ClientId,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    },
    BatchAppended {
        topic_partition: TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
        last_offset: Offset,
        producer_id: ProducerId,
        send_ids: Vec<u64>,
    },
    /// A transaction marker (control record) was written.
    MarkerWritten {
        topic_partition: TopicPartition,
        broker: BrokerId,
        producer_id: ProducerId,
        offset: Offset,
        commit: bool,
    },
    /// A retry the broker recognised among the producer's last five batches: nothing written,
    /// the original offset answered. `send_ids` and `attempt` say which request carried it.
    DuplicateBatch {
        topic_partition: TopicPartition,
        broker: BrokerId,
        original_offset: Offset,
        send_ids: Vec<u64>,
        attempt: u32,
    },
    BatchRejected {
        topic_partition: TopicPartition,
        broker: BrokerId,
        error: ErrorCode,
    },
    /// An `acks=all` answer waits for the high watermark to reach `waiting_for`.
    AckDeferred {
        topic_partition: TopicPartition,
        waiting_for: Offset,
    },
    HighWatermarkAdvanced {
        topic_partition: TopicPartition,
        high_watermark: Offset,
    },
    SendAcknowledged {
        producer: ClientId,
        send_ids: Vec<u64>,
        topic_partition: TopicPartition,
        base_offset: Offset,
    },
    SendFailed {
        producer: ClientId,
        send_ids: Vec<u64>,
        error: ErrorCode,
    },
    RequestTimedOut {
        producer: ClientId,
        correlation_id: u64,
    },
    BatchRequeued {
        producer: ClientId,
        topic_partition: TopicPartition,
        attempt: u32,
    },
    ProducerEpochBumped {
        producer: ClientId,
        producer_epoch: ProducerEpoch,
    },
    ReplicaFetched {
        topic_partition: TopicPartition,
        follower: BrokerId,
        fetch_offset: Offset,
        log_end_offset: Offset,
    },
    FollowerTruncated {
        topic_partition: TopicPartition,
        broker: BrokerId,
        log_end_offset: Offset,
        removed_records: i64,
    },
    IsrShrunk {
        topic_partition: TopicPartition,
        broker: BrokerId,
    },
    IsrExpanded {
        topic_partition: TopicPartition,
        broker: BrokerId,
    },
    LeaderElected {
        topic_partition: TopicPartition,
        broker: BrokerId,
        leader_epoch: LeaderEpoch,
    },
    PartitionOffline {
        topic_partition: TopicPartition,
    },
    BrokerCrashed {
        broker: BrokerId,
    },
    BrokerRestarted {
        broker: BrokerId,
    },
    ProducerCrashed {
        producer: ClientId,
        unsent_records: usize,
    },
    ProducerRestarted {
        producer: ClientId,
    },
    OutboxRelayed {
        producer: ClientId,
        rows: usize,
    },
    ConsumerCrashed {
        consumer: ClientId,
        unprocessed_records: usize,
    },
    ConsumerRestarted {
        consumer: ClientId,
    },
    GroupRebalanced {
        group_id: String,
        generation_id: i32,
    },
    /// KIP-890 part 1: the leader asked the transaction coordinator whether the partition is in
    /// the producer's transaction and refuses the write with `error` (the coordinator answered
    /// `coordinator_error`).
    TransactionVerificationFailed {
        topic_partition: TopicPartition,
        broker: BrokerId,
        producer_id: ProducerId,
        coordinator_error: ErrorCode,
        error: ErrorCode,
    },
    /// Transaction protocol V2: a partition leader or the group coordinator asks the transaction
    /// coordinator to add `topic_partition` to the producer's transaction, since the client no
    /// longer does (KIP-890 part 2).
    PartitionAddedForProducer {
        topic_partition: TopicPartition,
        producer_id: ProducerId,
        error: Option<ErrorCode>,
    },
    /// A Kafka Streams thread could not send a record's output: the producer was not in a
    /// transaction it could write in.
    StreamsOutputSkipped {
        thread: ClientId,
        producer: ClientId,
        topic_partition: TopicPartition,
        offset: Offset,
    },
    /// A Kafka Streams thread aborted a failed producer's transaction and rewound the input of
    /// its tasks to the committed offsets.
    StreamsTasksReset {
        thread: ClientId,
        producer: ClientId,
        partitions: Vec<TopicPartition>,
    },
    /// A Kafka Streams commit found no open transaction on one of the thread's producers.
    StreamsCommitSkipped {
        thread: ClientId,
        producer: ClientId,
    },
    /// A hand-made transaction coordinator request reached `broker`; its answer travels back to
    /// the lab over the network.
    RawCoordinatorRequestSent {
        request: String,
        broker: BrokerId,
    },
    /// The answer to a hand-made coordinator request reached the lab (TxnOffsetCommit: was
    /// given within the step); `error` is `None` for NONE.
    RawCoordinatorRequestHandled {
        request: String,
        /// The broker that answered: the coordinator's, or the one the request was addressed to.
        broker: BrokerId,
        error: Option<ErrorCode>,
        /// The producer id and epoch the answer carries (InitProducerId; EndTxn under
        /// transaction version 2), else `None`.
        producer_id: Option<ProducerId>,
        producer_epoch: Option<ProducerEpoch>,
    },
    /// Admin `listTransactions`: the coordinator's transactional ids.
    TransactionsListed {
        transactions: Vec<ListedTransaction>,
    },
    /// Admin `describeProducers` on one partition.
    ProducersDescribed {
        topic_partition: TopicPartition,
        producers: Vec<DescribedProducer>,
    },
    /// `kafka-transactions.sh find-hanging`: the open transactions that look hung.
    HangingTransactionsFound {
        max_transaction_timeout_ms: u64,
        hanging: Vec<HangingTransaction>,
    },
    /// Admin `abortTransaction`: the ABORT marker's offset, or the leader's refusal.
    TransactionAbortedByAdmin {
        topic_partition: TopicPartition,
        producer_id: ProducerId,
        result: Result<Offset, ErrorCode>,
    },
    /// A hand-made produce request was handled; `result` is `None` when no answer is due yet.
    RawProduceHandled {
        topic_partition: TopicPartition,
        broker: BrokerId,
        result: Option<Result<Offset, ErrorCode>>,
        /// The producer id and epoch of the batch.
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    },
    NetworkFull {
        label: String,
    },
    NothingPolled {
        consumer: ClientId,
    },
    NothingToProcess {
        consumer: ClientId,
    },
    /// The consumer's fetch found fewer than `fetch.min.bytes` readable and waits at the broker
    /// (`DelayedFetch` in the fetch purgatory) until `until_ms` at most; its poll blocks.
    FetchParked {
        consumer: ClientId,
        min_bytes: u32,
        bytes_readable: u64,
        until_ms: u64,
    },
    /// The waiting fetch was answered, for `reason`, after `waited_ms`; the records it got follow
    /// as `records_polled` (or `nothing_polled`).
    FetchCompleted {
        consumer: ClientId,
        reason: FetchCompletion,
        bytes_readable: u64,
        waited_ms: u64,
    },
    FetchFailed {
        consumer: ClientId,
        topic_partition: TopicPartition,
        error: ErrorCode,
    },
    /// A consumer learned where to start reading a partition after waiting for a transaction.
    PositionResolved {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offset: Offset,
    },
    /// A consume-transform-produce application handled a record; its output goes out through
    /// a transactional producer, not into the external database.
    RecordTransformed {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offset: Offset,
    },
    /// A poll returned the records at `offsets` to the application; `response` is the Fetch
    /// response behind it, and `skipped_aborted` and `skipped_markers` what the consumer
    /// dropped from it (aborted records under read_committed, markers always).
    RecordsPolled {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offsets: Vec<Offset>,
        fetch_offset: Offset,
        response: FetchResponse,
        skipped_aborted: Vec<Offset>,
        skipped_markers: Vec<Offset>,
    },
    RecordProcessed {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offset: Offset,
        business_id: String,
        outcome: EffectOutcome,
    },
    OffsetCommitted {
        consumer: ClientId,
        group_id: String,
        topic_partition: TopicPartition,
        offset: Offset,
    },
    /// `sendOffsetsToTransaction` was called; AddOffsetsToTxn follows.
    OffsetsSentToTransaction {
        producer: ClientId,
    },
    /// The group coordinator stored a TxnOffsetCommit as pending.
    TxnOffsetCommitPending {
        producer: ClientId,
        group_id: String,
        producer_id: ProducerId,
        topic_partition: TopicPartition,
        offset: Offset,
    },
    /// The group coordinator refused a TxnOffsetCommit.
    TxnOffsetCommitRefused {
        producer: ClientId,
        group_id: String,
        error: ErrorCode,
    },
    /// A transaction marker reached the group coordinator: a pending offset was committed
    /// (`applied`) or discarded.
    TxnOffsetCompleted {
        group_id: String,
        producer_id: ProducerId,
        commit: bool,
        topic_partition: TopicPartition,
        offset: Offset,
        applied: bool,
    },
    ProducerStateExpired {
        topic_partition: TopicPartition,
        producer_id: ProducerId,
    },
    InvariantBroken {
        name: String,
    },
    /// A blocking transactional call threw TimeoutException after `max.block.ms`; its request
    /// goes on.
    ProducerCallTimedOut {
        producer: ClientId,
        method: String,
    },
    /// The application called the timed-out method again: it waits for the same answer.
    ProducerCallResumed {
        producer: ClientId,
        method: String,
    },
    /// The producer client's transaction state moved (`TransactionManager.State`).
    ProducerTxnStateChanged {
        producer: ClientId,
        from: ClientTxnState,
        to: ClientTxnState,
    },
    /// A record was appended to `__transaction_state` (written durably at once in the lab).
    TxnLogAppended {
        transactional_id: String,
        state: TransactionState,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partitions: Vec<TopicPartition>,
    },
    /// The coordinator's state for a transactional id moved.
    TxnStateChanged {
        transactional_id: String,
        from: TransactionState,
        to: TransactionState,
    },
    /// The coordinator sends transaction markers to the partition leaders.
    MarkersRequested {
        transactional_id: String,
        commit: bool,
        partitions: Vec<TopicPartition>,
    },
    /// A partition leader confirmed one marker; others are still awaited.
    MarkerAcknowledged {
        transactional_id: String,
        topic_partition: TopicPartition,
    },
    /// The leader of `__transaction_state` crashed and another in-sync replica took it over:
    /// the transaction coordinator now runs on `to` under `coordinator_epoch`.
    CoordinatorMoved {
        from: BrokerId,
        to: BrokerId,
        coordinator_epoch: i32,
    },
    /// A producer looked the transaction coordinator up again (FindCoordinator) and found it
    /// on another broker than the one it last sent to.
    CoordinatorFound {
        producer: ClientId,
        broker: BrokerId,
    },
    /// The restarted coordinator's broker started reading `__transaction_state` back; until
    /// `until_ms` it answers COORDINATOR_LOAD_IN_PROGRESS.
    CoordinatorLoading {
        broker: BrokerId,
        coordinator_epoch: i32,
        until_ms: u64,
    },
    /// The transaction coordinator rebuilt its state from `__transaction_state`.
    CoordinatorLoaded {
        broker: BrokerId,
        coordinator_epoch: i32,
    },
    /// The coordinator refuses a transactional request with Kafka's error.
    TxnRequestRefused {
        transactional_id: String,
        request: String,
        error: ErrorCode,
    },
    // ---- the consumer's API beyond poll and commit ----
    /// `seek`, `seekToBeginning` or `seekToEnd` moved a consumer's position.
    ConsumerSeeked {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offset: Offset,
        to: SeekTarget,
    },
    /// A fetch position outside the leader's log (`OFFSET_OUT_OF_RANGE`) was reset by
    /// `auto.offset.reset`.
    PositionReset {
        consumer: ClientId,
        topic_partition: TopicPartition,
        from: Offset,
        offset: Offset,
    },
    /// `consumer.position(partition)`: `offset` is `None` when it cannot be known yet (`error`).
    PositionRead {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offset: Option<Offset>,
        error: Option<ErrorCode>,
    },
    /// `consumer.committed(partition)`: the group's committed offset, `None` without one.
    CommittedRead {
        consumer: ClientId,
        topic_partition: TopicPartition,
        offset: Option<Offset>,
        error: Option<ErrorCode>,
    },
    /// `consumer.offsetsForTimes`: the first offset whose record time is at least
    /// `timestamp_ms`, below the consumer's bound; `None` when there is none.
    OffsetForTimeRead {
        consumer: ClientId,
        topic_partition: TopicPartition,
        timestamp_ms: u64,
        offset: Option<Offset>,
        record_timestamp_ms: Option<u64>,
    },
    /// `consumer.groupMetadata()`.
    GroupMetadataRead {
        consumer: ClientId,
        group_id: String,
        generation_id: i32,
        member_id: String,
        group_instance_id: Option<String>,
    },
    /// A consumer started during the run.
    ConsumerAdded {
        consumer: ClientId,
        group_id: String,
    },
    /// `consumer.assign(partitions)` during the run: its partitions, with no rebalance.
    ConsumerAssigned {
        consumer: ClientId,
        partitions: Vec<TopicPartition>,
    },
    /// `consumer.close()`: it committed if auto-commit is on, and left its group.
    ConsumerClosed {
        consumer: ClientId,
        unprocessed_records: usize,
    },
    /// The consumer did not poll within `max.poll.interval.ms` and left its group.
    PollTimeoutExpired {
        consumer: ClientId,
        group_id: String,
    },
    /// An offset commit failed (`CommitFailedException`); `error` is the group coordinator's
    /// answer, `None` when the client refused to send it.
    CommitFailed {
        consumer: ClientId,
        group_id: String,
        error: Option<ErrorCode>,
    },
    // ---- the producer's close ----
    /// `producer.close()` was called: the sender finishes what is queued and in flight.
    ProducerCloseStarted {
        producer: ClientId,
    },
    /// The closing producer had nothing left to send or wait for, and is closed;
    /// `aborted_transaction` says whether it aborted an open transaction on the way.
    ProducerClosed {
        producer: ClientId,
        aborted_transaction: bool,
    },
    // Answers to hand-made group, fetch and admin requests (issue 12, scenario surface, part A).
    /// A hand-made OffsetCommit was answered: `error` for the whole request (`None` when the
    /// group accepted it), and the offsets it stored.
    OffsetCommitAnswered {
        group_id: String,
        generation_id: i32,
        error: Option<ErrorCode>,
        committed: Vec<PartitionOffsetAnswer>,
    },
    /// A hand-made Fetch was answered by the partition's leader (`broker`, `None` without one):
    /// Kafka's Fetch response, and `returned`, the offsets a consumer at this isolation level
    /// would hand the application from it.
    FetchAnswered {
        topic_partition: TopicPartition,
        broker: Option<BrokerId>,
        fetch_offset: Offset,
        isolation_level: IsolationLevel,
        max_records: Option<u32>,
        response: FetchResponse,
        returned: Vec<Offset>,
    },
    /// `delete_records` was answered by the partition's leader (`broker`, `None` without one):
    /// its new `log_start_offset` and the `low_watermark` (the smallest log start among live
    /// replicas), both -1 with an `error`.
    RecordsDeleted {
        topic_partition: TopicPartition,
        broker: Option<BrokerId>,
        requested_offset: Offset,
        error: Option<ErrorCode>,
        log_start_offset: Offset,
        low_watermark: Offset,
    },
    /// A hand-made OffsetFetch was answered, one row per partition asked for.
    OffsetFetchAnswered {
        group_id: String,
        require_stable: bool,
        partitions: Vec<FetchedOffsetAnswer>,
    },
    /// A hand-made Fetch asking for `min_bytes` found `bytes_readable` and is held by the
    /// leader (`DelayedFetch`) until `until_ms` at most; `fetch_answered` follows when it is
    /// answered.
    RawFetchParked {
        topic_partition: TopicPartition,
        fetch_offset: Offset,
        min_bytes: u32,
        bytes_readable: u64,
        until_ms: u64,
    },
    /// The held hand-made Fetch is answered, for `reason`, after `waited_ms`.
    RawFetchCompleted {
        topic_partition: TopicPartition,
        fetch_offset: Offset,
        reason: FetchCompletion,
        bytes_readable: u64,
        waited_ms: u64,
    },
    /// A hand-made WriteTxnMarkers reached `__consumer_offsets-0`: the marker's offset there or
    /// the error, and the pending offsets it decided.
    OffsetsMarkerAnswered {
        producer_id: ProducerId,
        commit: bool,
        result: Result<Offset, ErrorCode>,
        decided: Vec<DecidedOffset>,
    },
}

/// One pending transactional offset a marker in `__consumer_offsets-0` decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidedOffset {
    pub group_id: String,
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    /// Whether it became the group's committed offset (false: aborted, or a newer commit won).
    pub applied: bool,
}

/// One partition's offset in an OffsetCommit answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOffsetAnswer {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    /// The partition's own error (OFFSET_METADATA_TOO_LARGE); absent when it was committed.
    #[serde(default)]
    pub error: Option<ErrorCode>,
}

/// One partition of an OffsetFetch answer: the committed offset (-1 for none, Kafka's
/// `INVALID_OFFSET`) or the partition's error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedOffsetAnswer {
    pub topic_partition: TopicPartition,
    pub committed_offset: Offset,
    pub error: Option<ErrorCode>,
    /// The leader epoch committed with the offset; absent for Kafka's -1.
    #[serde(default)]
    pub leader_epoch: Option<i32>,
    /// The metadata committed with the offset; absent when empty.
    #[serde(default)]
    pub metadata: Option<String>,
}

/// Where a seek moved a consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeekTarget {
    /// `seek(partition, offset)`.
    Offset,
    /// `seekToBeginning`: the log start offset.
    Beginning,
    /// `seekToEnd`: the last stable offset under read_committed, the high watermark otherwise.
    End,
}

impl Event {
    pub fn new(kind: EventKind, explanation: impl Into<String>) -> Self {
        Self {
            kind,
            explanation: explanation.into(),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explanation)
    }
}

/// Items written one after another with `separator` between them, each by `item`: a list in a
/// sentence without a string per item (the tool views list every producer a partition remembers).
pub(crate) fn joined<'a, T>(
    items: &'a [T],
    separator: &'static str,
    item: impl Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result + 'a,
) -> impl fmt::Display + 'a {
    struct Joined<'a, T, F>(&'a [T], &'static str, F);
    impl<T, F: Fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Joined<'_, T, F> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for (i, t) in self.0.iter().enumerate() {
                if i > 0 {
                    f.write_str(self.1)?;
                }
                (self.2)(t, f)?;
            }
            Ok(())
        }
    }
    Joined(items, separator, item)
}

/// Collects a step's events in order.
#[derive(Debug)]
pub struct Events(pub Vec<Event>, Narration);

/// Whether events carry their plain-words explanation. Random runs that only check guarantees
/// (the explorer) leave it out: building the sentences is most of what a step allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Narration {
    On,
    Off,
}

impl Default for Events {
    fn default() -> Self {
        Events::new(Narration::On)
    }
}

impl Events {
    pub fn new(narration: Narration) -> Self {
        Events(Vec::new(), narration)
    }

    pub fn push(&mut self, kind: EventKind, explanation: impl Into<String>) {
        self.0.push(Event::new(kind, explanation));
    }

    /// Like [`Events::push`], building the explanation only when the world narrates.
    pub fn push_with(&mut self, kind: EventKind, explanation: impl FnOnce() -> String) {
        let explanation = self.narrated(explanation);
        self.0.push(Event::new(kind, explanation));
    }

    /// `explanation()` when the world narrates, else nothing: for an explanation built before
    /// its event is, from data the event then takes.
    pub fn narrated(&self, explanation: impl FnOnce() -> String) -> String {
        match self.1 {
            Narration::On => explanation(),
            Narration::Off => String::new(),
        }
    }
}
