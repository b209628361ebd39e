//! The broker that hosts the transaction coordinator: it runs the pure state machine of
//! [`crate::coordinator::state_machine`] against the requests it receives, keeps the `__transaction_state`
//! log, and turns each durable decision into the messages Kafka sends (answers to the producer,
//! `WriteTxnMarkers` to partition leaders, each carrying the transaction's version).
//!
//! Simplifications, each a modelling choice of this slice:
//! - One coordinator for every `transactional.id`, on the leader of the one `__transaction_state`
//!   partition ([`TransactionLogPartition`]; `transaction.state.log.replication.factor`
//!   replicas). Clients send to wherever it is now: FindCoordinator is a lookup the world does
//!   for them, shown as an event when it finds the coordinator moved.
//! - `__transaction_state` is one in-memory list of records, durable the moment it is appended
//!   and held by every in-sync replica (Kafka writes it with acks=all to a replicated, compacted
//!   topic). A coordinator that takes over, on another replica after its leader crashed
//!   (`TransactionCoordinator.onElection`) or on the same broker after a restart, rebuilds its
//!   state from it under a higher coordinator epoch and writes the markers of every decided
//!   transaction again (`TransactionStateManager.loadTransactionsForTxnTopicPartition`). The
//!   old coordinator's state goes with its broker (`onResignation`); its markers still on the
//!   network carry the old epoch, and leaders that took the new one refuse them
//!   (TRANSACTION_COORDINATOR_FENCED, `ProducerStateManager`).
//! - The marker for the group coordinator's `__consumer_offsets-0` (added by AddOffsetsToTxn) is
//!   written into that log within the step and acknowledged at once, so unlike the markers to
//!   data partitions it cannot be dropped or delayed (the partition is the group coordinator's,
//!   always available in the lab; `broker::offsets_log`).
//! - Marker answers (rule M5): retriable errors are sent again to the current leader; a partition
//!   with no live leader waits until leaders change or time passes; any other error counts the
//!   partition as done (Kafka stops writing markers for such a transaction).
//!
//! Each request follows Kafka's sequence: a handler prepares a transition, the record is
//! appended, the transition is completed, and what follows ([`AfterAppend`]) is carried out.

use crate::action::TxnResult;
use crate::clients::consumer::offsets_partition;
use crate::coordinator::log_partition::TransactionLogPartition;
use crate::coordinator::state_log::TransactionStateLog;
use crate::coordinator::state_machine::{
    AddPartitionsOutcome, AddPartitionsRequest, AfterAppend, CoordinatorError, EndTxnOutcome,
    EndTxnRequest, InitProducerIdOutcome, InitProducerIdRequest, MarkerJob, ProducerIdAndEpoch,
    TransactionCoordinatorState, TransactionLogRecord, TransactionMetadata, TransactionResult,
    TransactionState, TransactionVersion, TxnLogAppend,
};
use crate::error_code::ErrorCode;
use crate::event::{EventKind, Events};
use crate::ids::{BrokerId, ClientId, Offset, ProducerEpoch, ProducerId, TopicPartition};
use crate::network::Payload;
use std::collections::{BTreeMap, BTreeSet};

/// A message the coordinator wants sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostOutput {
    /// An answer to a producer.
    Reply { client: ClientId, payload: Payload },
    /// `WriteTxnMarkers` to a partition leader.
    Markers { leader: BrokerId, payload: Payload },
    /// The marker for the group's `__consumer_offsets` partition: written into that log, then
    /// replayed by the group coordinator into its pending transactional offsets
    /// (`GroupCoordinatorService.onTransactionCompleted`). The world answers at once with
    /// [`CoordinatorHost::on_markers_response`].
    GroupMarker {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        transaction_version: TransactionVersion,
        commit: bool,
        topic_partition: TopicPartition,
    },
}

/// Who is waiting for a `__transaction_state` write.
#[derive(Clone, Debug)]
enum Waiter {
    InitProducerId(ClientId, u64),
    /// InitProducerId that found an open transaction: it is answered CONCURRENT_TRANSACTIONS
    /// once the fencing abort is decided.
    FencingInit(ClientId, u64),
    AddPartitions(ClientId, u64),
    AddOffsets(ClientId, u64),
    EndTxn(ClientId, u64),
    /// A partition leader or the group coordinator adding a partition for the producer
    /// (transaction V2): it learns the outcome from the call's return value.
    Broker,
    /// The coordinator itself (transaction timeout, completion after markers).
    Coordinator,
}

/// The transaction coordinator and its `__transaction_state` log.
#[derive(Clone, Debug)]
pub struct CoordinatorHost {
    /// `__transaction_state-0`: its leader is the broker the coordinator runs on.
    partition: TransactionLogPartition,
    state: TransactionCoordinatorState,
    log: TransactionStateLog,
    /// WriteTxnMarkers in flight, by correlation id: the transactional id they complete.
    markers_in_flight: BTreeMap<u64, String>,
    /// Markers that found no live leader, sent again when leaders change or time passes.
    parked: Vec<(MarkerJob, TopicPartition)>,
    next_correlation: u64,
    /// How long reading `__transaction_state` back takes (a lab setting).
    load_ms: u64,
    /// While the log is read back: when the load ends, and the epoch it brings.
    loading: Option<Loading>,
}

/// A load of `__transaction_state` under way (`TransactionStateManager.loadingPartitions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Loading {
    until_ms: u64,
    coordinator_epoch: i32,
    /// Whether the coordinator moved to another broker, rather than its broker restarting.
    moved: bool,
}

impl CoordinatorHost {
    pub fn new(
        partition: TransactionLogPartition,
        version: TransactionVersion,
        max_timeout_ms: u64,
    ) -> Self {
        Self {
            partition,
            state: TransactionCoordinatorState::new(version, 0).with_max_timeout_ms(max_timeout_ms),
            log: TransactionStateLog::default(),
            markers_in_flight: BTreeMap::new(),
            parked: Vec::new(),
            next_correlation: 0,
            load_ms: 0,
            loading: None,
        }
    }

    /// The same coordinator taking this long to read `__transaction_state` back when it takes the
    /// log over (after a restart, or on another replica).
    pub fn with_load_ms(mut self, load_ms: u64) -> Self {
        self.load_ms = load_ms;
        self
    }

    /// Whether the coordinator is still reading its log back: it answers every request
    /// COORDINATOR_LOAD_IN_PROGRESS (`TransactionStateManager.getTransactionState`).
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// The same coordinator with another `transactional.id.expiration.ms`.
    pub fn with_transactional_id_expiration_ms(mut self, expiration_ms: u64) -> Self {
        self.state = self
            .state
            .with_transactional_id_expiration_ms(expiration_ms);
        self
    }

    /// The broker the coordinator runs on.
    pub fn broker(&self) -> BrokerId {
        self.partition.leader()
    }

    /// `__transaction_state-0`: its replicas and which of them are in sync.
    pub fn log_partition(&self) -> &TransactionLogPartition {
        &self.partition
    }

    /// The cluster's transaction protocol, which every client follows.
    pub fn transaction_version(&self) -> TransactionVersion {
        self.state.transaction_version()
    }

    /// The coordinator epoch: raised each time the coordinator loads `__transaction_state`.
    pub fn coordinator_epoch(&self) -> i32 {
        self.state.coordinator_epoch()
    }

    /// Every transactional id's metadata.
    pub fn transactions(&self) -> impl Iterator<Item = &TransactionMetadata> {
        self.state.transactions()
    }

    /// The `__transaction_state` log, oldest first.
    pub fn log(&self) -> &imbl::Vector<std::sync::Arc<TransactionLogRecord>> {
        self.log.records()
    }

    /// InitProducerId with a transactional id (`TransactionCoordinator.handleInitProducerId`).
    #[allow(clippy::too_many_arguments)]
    pub fn init_producer_id(
        &mut self,
        client: &ClientId,
        correlation_id: u64,
        transactional_id: &str,
        transaction_timeout_ms: u64,
        expected: Option<ProducerIdAndEpoch>,
        now_ms: u64,
        allocate: &mut impl FnMut() -> ProducerId,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let request = InitProducerIdRequest {
            transactional_id: Some(transactional_id.to_owned()),
            transaction_timeout_ms,
            expected,
        };
        let mut outputs = Vec::new();
        match self.state.init_producer_id(&request, now_ms, allocate) {
            Ok(InitProducerIdOutcome::Append(append)) => self.write(
                append,
                Waiter::InitProducerId(client.clone(), correlation_id),
                now_ms,
                leader_of,
                out,
                &mut outputs,
            ),
            Ok(InitProducerIdOutcome::FenceOngoing(append)) => {
                out.push_with(
                    EventKind::TxnStateChanged { transactional_id: transactional_id.to_owned(), from: TransactionState::Ongoing, to: TransactionState::PrepareEpochFence },
                    || format!("The coordinator sees a new instance of transactional.id {transactional_id} while its transaction is still open: it fences the old producer by raising the epoch to {} (PrepareEpochFence, never written) and aborts the open transaction.", append.transit.producer_epoch),
                );
                self.write(
                    append,
                    Waiter::FencingInit(client.clone(), correlation_id),
                    now_ms,
                    leader_of,
                    out,
                    &mut outputs,
                );
            }
            Ok(InitProducerIdOutcome::Idempotent(p)) => outputs.push(HostOutput::Reply {
                client: client.clone(),
                payload: Payload::TxnInitProducerIdResponse {
                    correlation_id,
                    result: Ok((p.producer_id, p.producer_epoch)),
                },
            }),
            Err(error) => {
                let code = self.refuse(transactional_id, "InitProducerId", &error, out);
                outputs.push(HostOutput::Reply {
                    client: client.clone(),
                    payload: Payload::TxnInitProducerIdResponse {
                        correlation_id,
                        result: Err(code),
                    },
                });
            }
        }
        outputs
    }

    /// AddPartitionsToTxn from the client (`handleAddPartitionsToTransaction`).
    #[allow(clippy::too_many_arguments)]
    pub fn add_partitions(
        &mut self,
        client: &ClientId,
        correlation_id: u64,
        transactional_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partitions: &[TopicPartition],
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let request = AddRequest {
            client,
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            kind: AddKind::Partitions,
        };
        self.add(
            request,
            partitions.iter().cloned().collect(),
            now_ms,
            leader_of,
            out,
        )
    }

    /// AddOffsetsToTxn (`KafkaApis.handleAddOffsetsToTxnRequest`): the coordinator adds the group's
    /// `__consumer_offsets` partition to the transaction, exactly as AddPartitionsToTxn would.
    #[allow(clippy::too_many_arguments)]
    pub fn add_offsets(
        &mut self,
        client: &ClientId,
        correlation_id: u64,
        transactional_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let request = AddRequest {
            client,
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            kind: AddKind::Offsets,
        };
        self.add(
            request,
            [offsets_partition()].into(),
            now_ms,
            leader_of,
            out,
        )
    }

    /// Transaction protocol V2: a partition leader (before a produce) or the group coordinator
    /// (before a TxnOffsetCommit) adds `partition` to the producer's transaction on the client's
    /// behalf (`AddPartitionsToTxnManager` with `verifyOnly=false`, then
    /// `TransactionCoordinator.handleAddPartitionsToTransaction`). Kafka's request names the
    /// transactional id; the lab finds it from the producer id, which maps to one id at a time.
    #[allow(clippy::too_many_arguments)]
    pub fn add_partition_for_producer(
        &mut self,
        asked_by: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partition: TopicPartition,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Result<(), ErrorCode> {
        let request_name = format!("AddPartitionsToTxn from {asked_by} for {partition}");
        let Some(transactional_id) = self
            .state
            .transactions()
            .find(|m| m.producer_id == producer_id)
            .map(|m| m.transactional_id.clone())
        else {
            out.push_with(
                EventKind::TxnRequestRefused {
                    transactional_id: String::new(),
                    request: request_name.clone(),
                    error: ErrorCode::InvalidProducerIdMapping,
                },
                || format!("The transaction coordinator answers {request_name} with INVALID_PRODUCER_ID_MAPPING: no transactional.id has producer id {producer_id}."),
            );
            return Err(ErrorCode::InvalidProducerIdMapping);
        };
        let request = AddPartitionsRequest {
            transactional_id: transactional_id.clone(),
            producer_id,
            producer_epoch,
            partitions: [partition].into(),
            client_transaction_version: TransactionVersion::V2,
        };
        match self.state.add_partitions(&request, now_ms) {
            Ok(AddPartitionsOutcome::Append(append)) => {
                let mut outputs = Vec::new();
                self.write(append, Waiter::Broker, now_ms, leader_of, out, &mut outputs);
                debug_assert!(outputs.is_empty(), "adding a partition sends nothing");
                Ok(())
            }
            Ok(AddPartitionsOutcome::AlreadyAdded) => Ok(()),
            Err(error) => Err(self.refuse(&transactional_id, &request_name, &error, out)),
        }
    }

    /// What AddPartitionsToTxn and AddOffsetsToTxn share: both add partitions to the transaction
    /// (`TransactionCoordinator.handleAddPartitionsToTransaction`) and differ only in the answer.
    fn add(
        &mut self,
        request: AddRequest<'_>,
        partitions: BTreeSet<TopicPartition>,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let AddRequest {
            client,
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            kind,
        } = request;
        let state_request = AddPartitionsRequest {
            transactional_id: transactional_id.to_owned(),
            producer_id,
            producer_epoch,
            partitions,
            client_transaction_version: self.state.transaction_version(),
        };
        let reply = |result| HostOutput::Reply {
            client: client.clone(),
            payload: match kind {
                AddKind::Partitions => Payload::AddPartitionsToTxnResponse {
                    correlation_id,
                    result,
                },
                AddKind::Offsets => Payload::AddOffsetsToTxnResponse {
                    correlation_id,
                    result,
                },
            },
        };
        let (waiter, request_name) = match kind {
            AddKind::Partitions => (
                Waiter::AddPartitions(client.clone(), correlation_id),
                "AddPartitionsToTxn",
            ),
            AddKind::Offsets => (
                Waiter::AddOffsets(client.clone(), correlation_id),
                "AddOffsetsToTxn",
            ),
        };
        let mut outputs = Vec::new();
        match self.state.add_partitions(&state_request, now_ms) {
            Ok(AddPartitionsOutcome::Append(append)) => {
                self.write(append, waiter, now_ms, leader_of, out, &mut outputs)
            }
            Ok(AddPartitionsOutcome::AlreadyAdded) => outputs.push(reply(Ok(()))),
            Err(error) => {
                let code = self.refuse(transactional_id, request_name, &error, out);
                outputs.push(reply(Err(code)));
            }
        }
        outputs
    }

    /// EndTxn (`handleEndTransaction`, transaction protocol V1).
    #[allow(clippy::too_many_arguments)]
    pub fn end_txn(
        &mut self,
        client: &ClientId,
        correlation_id: u64,
        transactional_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        result: TxnResult,
        now_ms: u64,
        allocate: &mut impl FnMut() -> ProducerId,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let request = EndTxnRequest {
            transactional_id: transactional_id.to_owned(),
            producer_id,
            producer_epoch,
            result: match result {
                TxnResult::Commit => TransactionResult::Commit,
                TxnResult::Abort => TransactionResult::Abort,
            },
            client_transaction_version: self.state.transaction_version(),
        };
        let mut outputs = Vec::new();
        let reply = |result| HostOutput::Reply {
            client: client.clone(),
            payload: Payload::EndTxnResponse {
                correlation_id,
                result,
            },
        };
        match self.state.end_txn(&request, now_ms, allocate) {
            Ok(EndTxnOutcome::Append(append)) => self.write(
                append,
                Waiter::EndTxn(client.clone(), correlation_id),
                now_ms,
                leader_of,
                out,
                &mut outputs,
            ),
            Ok(EndTxnOutcome::Answered(producer)) => {
                outputs.push(reply(Ok(end_txn_producer(producer))))
            }
            Err(error) => {
                let code = self.refuse(transactional_id, "EndTxn", &error, out);
                outputs.push(reply(Err(code)));
            }
        }
        outputs
    }

    /// A partition leader's answer to WriteTxnMarkers
    /// (`TransactionMarkerRequestCompletionHandler`, rule M5).
    pub fn on_markers_response(
        &mut self,
        correlation_id: u64,
        results: &[(TopicPartition, Result<Offset, ErrorCode>)],
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let mut outputs = Vec::new();
        // A response to an earlier coordinator incarnation is ignored.
        let Some(transactional_id) = self.markers_in_flight.remove(&correlation_id) else {
            return outputs;
        };
        for (tp, result) in results {
            let done = match result {
                Ok(_) => true,
                // Retriable: send again to the (possibly new) leader.
                Err(error) if error.is_retriable() => false,
                // INVALID_PRODUCER_EPOCH and others: the lab stops trying for this partition.
                Err(_) => true,
            };
            if !done {
                if let Some(job) = self.job_for(&transactional_id) {
                    self.send_markers(&job, [tp.clone()].into(), leader_of, out, &mut outputs);
                }
                continue;
            }
            let written = self.state.marker_written(&transactional_id, tp);
            let remaining: Vec<TopicPartition> = self
                .state
                .metadata(&transactional_id)
                .map(|m| m.topic_partitions.iter().cloned().collect())
                .unwrap_or_default();
            if matches!(written, Ok(None)) {
                out.push_with(
                    EventKind::MarkerAcknowledged { transactional_id: transactional_id.clone(), topic_partition: tp.clone() },
                    || format!("The coordinator learns that {tp} has its marker for {transactional_id}; it still waits for {}.", tp_list(&remaining)),
                );
            }
            if let Ok(Some(complete)) = written {
                self.write(
                    complete,
                    Waiter::Coordinator,
                    now_ms,
                    leader_of,
                    out,
                    &mut outputs,
                );
            }
        }
        outputs
    }

    /// The transaction timeout (`TransactionCoordinator.abortTimedOutTransactions`): open
    /// transactions older than their `transaction.timeout.ms` are fenced and aborted.
    pub fn abort_timed_out(
        &mut self,
        now_ms: u64,
        allocate: &mut impl FnMut() -> ProducerId,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let mut outputs = Vec::new();
        for transactional_id in self.state.timed_out(now_ms) {
            let timeout = self
                .state
                .metadata(&transactional_id)
                .map_or(0, |m| m.txn_timeout_ms);
            let Ok(append) = self
                .state
                .fence_and_abort(&transactional_id, now_ms, allocate)
            else {
                continue;
            };
            out.push_with(
                EventKind::TxnStateChanged { transactional_id: transactional_id.clone(), from: TransactionState::Ongoing, to: TransactionState::PrepareEpochFence },
                || format!("Transaction {transactional_id} has been open longer than its transaction.timeout.ms ({timeout} ms): the coordinator aborts it on its own, raising the epoch to {} so that the producer, if it is still alive, is fenced.", append.transit.producer_epoch),
            );
            self.write(
                append,
                Waiter::Coordinator,
                now_ms,
                leader_of,
                out,
                &mut outputs,
            );
        }
        outputs.extend(self.resend_parked(leader_of, out));
        outputs
    }

    /// The transactional id expiry (`TransactionStateManager.removeExpiredTransactionalIds`): an
    /// id idle in Empty, CompleteCommit or CompleteAbort for `transactional.id.expiration.ms`
    /// gets a tombstone in `__transaction_state` (`maybeAppendExpiration`) and is forgotten.
    pub fn expire_transactional_ids(&mut self, now_ms: u64, out: &mut Events) {
        let expiration_ms = self.state.transactional_id_expiration_ms();
        for transactional_id in self.state.expired(now_ms) {
            let Some((from, idle_ms)) = self.state.metadata(&transactional_id).map(|m| {
                (
                    m.state,
                    now_ms.saturating_sub(m.txn_last_update_timestamp_ms),
                )
            }) else {
                continue;
            };
            let Ok(append) = self.state.prepare_dead(&transactional_id) else {
                continue;
            };
            let record = append.record();
            let (producer_id, producer_epoch) = (record.producer_id, record.producer_epoch);
            out.push_with(
                EventKind::TxnLogAppended {
                    transactional_id: transactional_id.clone(),
                    state: TransactionState::Dead,
                    producer_id,
                    producer_epoch,
                    partitions: Vec::new(),
                },
                || format!("{transactional_id} has been idle in {from} for {idle_ms} ms, at least transactional.id.expiration.ms ({expiration_ms} ms): the coordinator appends a tombstone for it to __transaction_state (the key with no value) and forgets it. The id no longer maps to producer {producer_id}: its next InitProducerId gets a new producer id at epoch 0, and an instance still holding producer {producer_id} (epoch {producer_epoch}) is refused."),
            );
            self.log.append(record);
            if self.state.remove_dead(&append).is_ok() {
                out.push_with(
                    EventKind::TxnStateChanged {
                        transactional_id: transactional_id.clone(),
                        from,
                        to: TransactionState::Dead,
                    },
                    || format!("Transaction {transactional_id} moves from {from} to Dead at the coordinator: the transactional id is removed."),
                );
            }
        }
    }

    /// Sends again the markers that found no live leader.
    pub fn resend_parked(
        &mut self,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let mut outputs = Vec::new();
        for (job, tp) in std::mem::take(&mut self.parked) {
            self.send_markers(&job, [tp].into(), leader_of, out, &mut outputs);
        }
        outputs
    }

    /// A broker went down. If it hosted the coordinator, the coordinator's memory and markers in
    /// flight go with it (`TransactionCoordinator.onResignation`); if another in-sync replica of
    /// `__transaction_state` takes the partition over, its coordinator loads the log
    /// (`onElection`).
    pub fn on_broker_crashed(
        &mut self,
        broker: BrokerId,
        is_alive: &impl Fn(BrokerId) -> bool,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let from = self.broker();
        if broker == from {
            self.crash();
        }
        match self.partition.on_crash(broker, is_alive) {
            Some(to) => self.take_over(from, to, now_ms, leader_of, out),
            None => Vec::new(),
        }
    }

    /// A broker came back. If `__transaction_state` had no live leader and this broker may lead
    /// it, its coordinator loads the log; otherwise it is a follower again.
    pub fn on_broker_restarted(
        &mut self,
        broker: BrokerId,
        is_alive: &impl Fn(BrokerId) -> bool,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let from = self.broker();
        match self.partition.on_restart(broker, is_alive) {
            Some(to) => self.take_over(from, to, now_ms, leader_of, out),
            None => Vec::new(),
        }
    }

    /// The coordinator starts on `to`, the new leader of `__transaction_state`: its memory is
    /// rebuilt from the log under a new coordinator epoch, and every decided transaction's
    /// markers are written again. With a load time, the rebuild waits until that much time has
    /// passed ([`Self::finish_load`]).
    fn take_over(
        &mut self,
        from: BrokerId,
        to: BrokerId,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let epoch = self.state.coordinator_epoch() + 1;
        self.markers_in_flight.clear();
        self.parked.clear();
        let moved = from != to;
        if moved {
            out.push_with(
                EventKind::CoordinatorMoved { from, to, coordinator_epoch: epoch },
                || format!("Broker {from}, which led __transaction_state and hosted the transaction coordinator, is down. Broker {to}, an in-sync replica of that log, becomes its leader: the coordinator now runs there, under coordinator epoch {epoch}, and markers from the old one carry a lower epoch."),
            );
        }
        // A cluster that never saw a transactional producer has nothing to load or to tell;
        // a new leader still starts its coordinator under the new epoch.
        if self.log.is_empty() {
            if moved {
                let _ = self.state.load(epoch, &[], now_ms);
            }
            return Vec::new();
        }
        if self.load_ms == 0 {
            return self.load(epoch, moved, now_ms, leader_of, out);
        }
        let until_ms = now_ms.saturating_add(self.load_ms);
        self.loading = Some(Loading {
            until_ms,
            coordinator_epoch: epoch,
            moved,
        });
        let broker = self.broker();
        let how = if moved { "takes over" } else { "starts again" };
        out.push_with(
            EventKind::CoordinatorLoading { broker, coordinator_epoch: epoch, until_ms },
            || format!("The transaction coordinator on broker {broker} {how} and reads __transaction_state back ({} records) under coordinator epoch {epoch}; until it is done, at {until_ms} ms, it answers every request COORDINATOR_LOAD_IN_PROGRESS and clients retry.", self.log.len()),
        );
        Vec::new()
    }

    /// Ends a load of `__transaction_state` whose time has come.
    pub fn finish_load(
        &mut self,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        match self.loading {
            Some(loading) if loading.until_ms <= now_ms => {
                self.loading = None;
                self.load(
                    loading.coordinator_epoch,
                    loading.moved,
                    now_ms,
                    leader_of,
                    out,
                )
            }
            _ => Vec::new(),
        }
    }

    fn load(
        &mut self,
        epoch: i32,
        moved: bool,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
    ) -> Vec<HostOutput> {
        let mut outputs = Vec::new();
        let Ok(jobs) = self.state.load(epoch, self.log.compacted(), now_ms) else {
            return outputs;
        };
        let broker = self.broker();
        let how = if moved { "takes over" } else { "starts again" };
        out.push_with(
            EventKind::CoordinatorLoaded { broker, coordinator_epoch: epoch },
            || format!("The transaction coordinator on broker {broker} {how} with coordinator epoch {epoch}: it reads __transaction_state back ({} records) and finishes every transaction whose decision was already written.", self.log.len()),
        );
        for job in jobs {
            self.send_markers(&job, job.partitions.clone(), leader_of, out, &mut outputs);
        }
        outputs
    }

    /// The coordinator's broker crashed: markers in flight are forgotten.
    fn crash(&mut self) {
        self.markers_in_flight.clear();
        self.parked.clear();
        self.loading = None;
    }

    fn job_for(&self, transactional_id: &str) -> Option<MarkerJob> {
        let m = self.state.metadata(transactional_id)?;
        let result = match m.state {
            TransactionState::PrepareCommit => TransactionResult::Commit,
            TransactionState::PrepareAbort => TransactionResult::Abort,
            _ => return None,
        };
        Some(MarkerJob {
            transactional_id: transactional_id.to_owned(),
            result,
            producer_id: m.producer_id,
            producer_epoch: m.producer_epoch,
            coordinator_epoch: self.state.coordinator_epoch(),
            transaction_version: m.client_transaction_version,
            partitions: m.topic_partitions.clone(),
            end_txn_answer: crate::coordinator::state_machine::ProducerIdAndEpoch::NONE,
        })
    }

    fn refuse(
        &self,
        transactional_id: &str,
        request: &str,
        error: &CoordinatorError,
        out: &mut Events,
    ) -> ErrorCode {
        let code = error.error_code();
        let reaction = match code {
            ErrorCode::ConcurrentTransactions => {
                " The client retries after retry.backoff.ms (advance time to let it)."
            }
            ErrorCode::ProducerFenced => {
                " For the client this is fatal: the transactional.id has moved to a newer epoch (a new instance called initTransactions, or the coordinator aborted on timeout)."
            }
            _ => "",
        };
        out.push_with(
            EventKind::TxnRequestRefused {
                transactional_id: transactional_id.to_owned(),
                request: request.to_owned(),
                error: code,
            },
            || {
                format!(
                    "The transaction coordinator answers {request} with {code}: {error}.{reaction}"
                )
            },
        );
        code
    }

    /// Appends a prepared transition to `__transaction_state`, completes it (the write is durable
    /// at once), and carries out what follows.
    fn write(
        &mut self,
        append: TxnLogAppend,
        waiter: Waiter,
        now_ms: u64,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
        outputs: &mut Vec<HostOutput>,
    ) {
        let record = append.record();
        let transactional_id = append.transactional_id.clone();
        let from = self
            .state
            .metadata(&transactional_id)
            .map_or(TransactionState::Empty, |m| m.state);
        let to = record.state;
        let partitions: Vec<TopicPartition> = record.topic_partitions.iter().cloned().collect();
        out.push_with(
            EventKind::TxnLogAppended {
                transactional_id: transactional_id.clone(),
                state: to,
                producer_id: record.producer_id,
                producer_epoch: record.producer_epoch,
                partitions: partitions.clone(),
            },
            || format!(
                "The coordinator appends {to} for {transactional_id} (producer {}, epoch {}{}) to __transaction_state. {}",
                record.producer_id,
                record.producer_epoch,
                if partitions.is_empty() {
                    String::new()
                } else {
                    format!(", partitions {}", tp_list(&partitions))
                },
                log_meaning(to)
            ),
        );
        self.log.append(record);
        let after = match self.state.complete_transition(&append, now_ms) {
            Ok(after) => after,
            Err(_) => return,
        };
        if from != to {
            out.push_with(
                EventKind::TxnStateChanged {
                    transactional_id: transactional_id.clone(),
                    from,
                    to,
                },
                || format!(
                    "Transaction {transactional_id} moves from {from} to {to} at the coordinator."
                ),
            );
        }
        // Who is answered, and with what, now that the write is durable. After PrepareCommit or
        // PrepareAbort the client is answered before any marker is written
        // (TransactionCoordinator.endTransaction); a fencing InitProducerId is told to retry.
        let answer = match (&after, waiter) {
            (AfterAppend::ProducerIdReady(p), Waiter::InitProducerId(client, correlation_id)) => {
                Some((
                    client,
                    Payload::TxnInitProducerIdResponse {
                        correlation_id,
                        result: Ok((p.producer_id, p.producer_epoch)),
                    },
                ))
            }
            (AfterAppend::PartitionsAdded, Waiter::AddPartitions(client, correlation_id)) => {
                Some((
                    client,
                    Payload::AddPartitionsToTxnResponse {
                        correlation_id,
                        result: Ok(()),
                    },
                ))
            }
            (AfterAppend::PartitionsAdded, Waiter::AddOffsets(client, correlation_id)) => Some((
                client,
                Payload::AddOffsetsToTxnResponse {
                    correlation_id,
                    result: Ok(()),
                },
            )),
            (AfterAppend::WriteMarkers(job), Waiter::EndTxn(client, correlation_id)) => Some((
                client,
                Payload::EndTxnResponse {
                    correlation_id,
                    result: Ok(end_txn_producer(job.end_txn_answer)),
                },
            )),
            (AfterAppend::WriteMarkers(_), Waiter::FencingInit(client, correlation_id)) => Some((
                client,
                Payload::TxnInitProducerIdResponse {
                    correlation_id,
                    result: Err(ErrorCode::ConcurrentTransactions),
                },
            )),
            _ => None,
        };
        if let Some((client, payload)) = answer {
            outputs.push(HostOutput::Reply { client, payload });
        }
        if let AfterAppend::WriteMarkers(job) = after {
            if job.partitions.is_empty() {
                if let Ok(complete) = self.state.markers_complete(&transactional_id) {
                    self.write(
                        complete,
                        Waiter::Coordinator,
                        now_ms,
                        leader_of,
                        out,
                        outputs,
                    );
                }
            } else {
                self.send_markers(&job, job.partitions.clone(), leader_of, out, outputs);
            }
        }
    }

    /// `TransactionMarkerChannelManager.addTxnMarkersToBrokerQueue`: one WriteTxnMarkers per
    /// partition leader.
    fn send_markers(
        &mut self,
        job: &MarkerJob,
        partitions: BTreeSet<TopicPartition>,
        leader_of: &impl Fn(&TopicPartition) -> Option<BrokerId>,
        out: &mut Events,
        outputs: &mut Vec<HostOutput>,
    ) {
        let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
        for tp in partitions {
            if tp == offsets_partition() {
                self.next_correlation += 1;
                let correlation_id = self.next_correlation;
                self.markers_in_flight
                    .insert(correlation_id, job.transactional_id.clone());
                outputs.push(HostOutput::GroupMarker {
                    correlation_id,
                    transactional_id: job.transactional_id.clone(),
                    producer_id: job.producer_id,
                    producer_epoch: job.producer_epoch,
                    coordinator_epoch: job.coordinator_epoch,
                    transaction_version: job.transaction_version,
                    commit: job.result == TransactionResult::Commit,
                    topic_partition: tp,
                });
                continue;
            }
            match leader_of(&tp) {
                Some(leader) => by_leader.entry(leader).or_default().push(tp),
                None => self.parked.push((job.clone(), tp)),
            }
        }
        let commit = job.result == TransactionResult::Commit;
        let result = if commit {
            TxnResult::Commit
        } else {
            TxnResult::Abort
        };
        for (leader, tps) in by_leader {
            out.push_with(
                EventKind::MarkersRequested {
                    transactional_id: job.transactional_id.clone(),
                    commit,
                    partitions: tps.clone(),
                },
                || format!(
                    "The coordinator asks leader broker {leader} to write {} markers for {} to {} (WriteTxnMarkers). Until every marker is written, the coordinator answers CONCURRENT_TRANSACTIONS to this transactional.id.",
                    if commit { "COMMIT" } else { "ABORT" },
                    job.transactional_id,
                    tp_list(&tps)
                ),
            );
            self.next_correlation += 1;
            let correlation_id = self.next_correlation;
            self.markers_in_flight
                .insert(correlation_id, job.transactional_id.clone());
            outputs.push(HostOutput::Markers {
                leader,
                payload: Payload::WriteTxnMarkersRequest {
                    correlation_id,
                    transactional_id: job.transactional_id.clone(),
                    producer_id: job.producer_id,
                    producer_epoch: job.producer_epoch,
                    coordinator_epoch: job.coordinator_epoch,
                    transaction_version: job.transaction_version,
                    result,
                    partitions: tps,
                },
            });
        }
    }
}

/// What an EndTxn answer tells the client: nothing with V1 (`ProducerIdAndEpoch::NONE`), the
/// producer id and bumped epoch to carry on with under V2.
fn end_txn_producer(answer: ProducerIdAndEpoch) -> Option<(ProducerId, ProducerEpoch)> {
    (answer != ProducerIdAndEpoch::NONE).then_some((answer.producer_id, answer.producer_epoch))
}

fn log_meaning(state: TransactionState) -> &'static str {
    match state {
        TransactionState::Empty => {
            "The transactional.id now maps to this producer id and epoch; no transaction is open."
        }
        TransactionState::Ongoing => {
            "The transaction is open and the coordinator knows every partition it touches, so it can end them all."
        }
        TransactionState::PrepareCommit => {
            "This durable record is the commit point: from now on the transaction will be committed, even if the coordinator fails."
        }
        TransactionState::PrepareAbort => {
            "This durable record decides the abort: every partition will get an ABORT marker."
        }
        TransactionState::CompleteCommit => {
            "Every partition has its COMMIT marker: the transaction is over."
        }
        TransactionState::CompleteAbort => {
            "Every partition has its ABORT marker: the transaction is over."
        }
        TransactionState::Dead | TransactionState::PrepareEpochFence => "",
    }
}

fn tp_list(partitions: &[TopicPartition]) -> String {
    let names: Vec<String> = partitions.iter().map(ToString::to_string).collect();
    names.join(", ")
}

/// Which of the two add requests a client sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AddKind {
    Partitions,
    Offsets,
}

/// The fields AddPartitionsToTxn and AddOffsetsToTxn have in common.
#[derive(Clone, Copy, Debug)]
struct AddRequest<'a> {
    client: &'a ClientId,
    correlation_id: u64,
    transactional_id: &'a str,
    producer_id: ProducerId,
    producer_epoch: ProducerEpoch,
    kind: AddKind,
}
