//! The producer client: the record accumulator, sequence numbers, in-flight requests, retries
//! and the reaction to each error, after Kafka's `KafkaProducer`, `RecordAccumulator`, `Sender`
//! and `TransactionManager`.
//!
//! The producer never touches the network or the brokers itself: it returns the requests it
//! wants sent ([`OutgoingRequest`]) and is told of answers and timeouts. The world carries them.
//!
//! ```text
//!   send ──▶ accumulator (per partition) ──drain──▶ in flight ──answer──▶ acknowledged
//!                ▲   sequences are stamped at drain    │ error or timeout
//!                └──────────── retry (same sequence) ◀─┘
//! ```

use crate::action::TxnResult;
use crate::broker::batch::{ProducedBatch, ProducerStamp, Provenance, Record};
use crate::clients::consumer::offsets_partition;
use crate::clients::producer_txn::{
    ClientTxnState, PendingCall, TransactionManager, TxnOffsets, TxnRequest,
};
use crate::config::{Acks, ProducerConfig};
use crate::error_code::ErrorCode;
use crate::event::{EventKind, Events};
use crate::ids::{BrokerId, ClientId, Offset, ProducerEpoch, ProducerId, Sequence, TopicPartition};
use std::collections::{BTreeMap, VecDeque};

/// A batch the producer owns until it is acknowledged or fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingBatch {
    pub topic_partition: TopicPartition,
    pub send_ids: Vec<u64>,
    pub records: Vec<Record>,
    /// Stamped when first drained and never changed on retry (`RecordAccumulator`), unless an
    /// epoch bump resets the partition's sequences.
    pub stamp: Option<ProducerStamp>,
    /// How many requests have carried this batch so far.
    pub attempts: u32,
    pub created_ms: u64,
    /// The batch is complete and may be drained (full, flushed, or a retry).
    pub ready: bool,
    /// A batch retried after an error answer waits for `retry.backoff.ms` (`RecordAccumulator`'s
    /// backoff), so a broker that keeps refusing is not asked again in the same instant.
    pub retry_not_before_ms: u64,
}

/// A request the producer wants on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutgoingRequest {
    InitProducerId {
        correlation_id: u64,
    },
    Produce {
        correlation_id: u64,
        broker: BrokerId,
        acks: Acks,
        batch: ProducedBatch,
        topic_partition: TopicPartition,
    },
    /// To the transaction coordinator: InitProducerId with the `transactional.id`.
    TxnInitProducerId {
        correlation_id: u64,
        transactional_id: String,
        transaction_timeout_ms: u64,
        /// The producer id and epoch to bump (KIP-360); `None` for a new instance.
        bump: Option<(ProducerId, ProducerEpoch)>,
    },
    AddPartitionsToTxn {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partitions: Vec<TopicPartition>,
    },
    AddOffsetsToTxn {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        group_id: String,
    },
    EndTxn {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        result: TxnResult,
    },
    /// Transaction protocol V2: to the group coordinator, without AddOffsetsToTxn first.
    TxnOffsetCommit {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        offsets: TxnOffsets,
    },
}

/// A produce request the producer is waiting on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    pub correlation_id: u64,
    pub broker: BrokerId,
    pub sent_at_ms: u64,
    pub batch: PendingBatch,
}

/// What became of one `send`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Acknowledged {
        topic_partition: TopicPartition,
        offset: Offset,
    },
    /// `acks=0`: handed to the network; nobody will ever say whether it arrived.
    SentWithoutAck {
        topic_partition: TopicPartition,
    },
    Failed {
        error: ErrorCode,
    },
}

/// One producer instance and the sends it has made.
#[derive(Clone, Debug)]
pub struct Producer {
    pub config: ProducerConfig,
    pub idempotent: bool,
    pub alive: bool,
    /// 1 for the first instance; each restart starts a new one.
    pub incarnation: u32,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    init_correlation: Option<u64>,
    next_sequence: BTreeMap<TopicPartition, Sequence>,
    last_acked_sequence: BTreeMap<TopicPartition, Sequence>,
    /// The epoch each partition's sequence numbers belong to (`TxnPartitionEntry`'s producer id
    /// and epoch): after an epoch bump, a partition keeps its old numbering until its
    /// unacknowledged batches are resolved, then restarts at 0.
    partition_epoch: BTreeMap<TopicPartition, ProducerEpoch>,
    accumulator: BTreeMap<TopicPartition, VecDeque<PendingBatch>>,
    in_flight: Vec<InFlight>,
    next_correlation: u64,
    /// Shared between clones of the world: it holds an entry for every send so far.
    pub outcomes: imbl::OrdMap<u64, SendOutcome>,
    /// With a `transactional.id`: the client's transaction state (`TransactionManager`).
    pub txn: Option<TransactionManager>,
    /// The cluster runs transaction protocol V2, which the client then uses (it learns so from
    /// the brokers' API versions).
    transaction_v2: bool,
    /// `close()` was called: no new call is taken while the sender finishes what is left.
    pub closing: bool,
    /// The close aborted a transaction left open.
    pub close_aborted_transaction: bool,
}

/// How long a batch may stay unanswered in total, and how often it may be retried, before the
/// send fails; the lab's stand-in for Kafka's `delivery.timeout.ms` / `retries` checks.
fn may_retry(config: &ProducerConfig, batch: &PendingBatch, now_ms: u64) -> bool {
    batch.attempts <= config.retries
        && now_ms.saturating_sub(batch.created_ms) < config.delivery_timeout_ms
}

impl Producer {
    pub fn new(config: ProducerConfig, idempotent: bool) -> Self {
        Self {
            idempotent,
            alive: true,
            incarnation: 1,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
            init_correlation: None,
            next_sequence: BTreeMap::new(),
            last_acked_sequence: BTreeMap::new(),
            partition_epoch: BTreeMap::new(),
            accumulator: BTreeMap::new(),
            in_flight: Vec::new(),
            next_correlation: 0,
            outcomes: imbl::OrdMap::new(),
            txn: config
                .transactional_id
                .clone()
                .map(|id| TransactionManager::new(id, false)),
            transaction_v2: false,
            closing: false,
            close_aborted_transaction: false,
            config,
        }
    }

    /// The same producer for a cluster on transaction protocol V2.
    pub fn with_transaction_v2(mut self, transaction_v2: bool) -> Self {
        self.transaction_v2 = transaction_v2;
        if let Some(txn) = self.txn.as_mut() {
            txn.transaction_v2 = transaction_v2;
        }
        self
    }

    pub fn id(&self) -> &ClientId {
        &self.config.id
    }

    pub fn in_flight(&self) -> &[InFlight] {
        &self.in_flight
    }

    /// Batches waiting to be sent, per partition.
    pub fn queued(&self) -> impl Iterator<Item = &PendingBatch> {
        self.accumulator.values().flatten()
    }

    pub fn next_sequence(&self, tp: &TopicPartition) -> Sequence {
        self.next_sequence.get(tp).copied().unwrap_or(Sequence(0))
    }

    pub fn next_sequences(&self) -> &BTreeMap<TopicPartition, Sequence> {
        &self.next_sequence
    }

    /// The last sequence acknowledged per partition in this session.
    pub fn last_acked_sequences(&self) -> &BTreeMap<TopicPartition, Sequence> {
        &self.last_acked_sequence
    }

    /// Whether the producer still needs its producer id before it may send.
    pub fn awaiting_producer_id(&self) -> bool {
        self.idempotent && self.producer_id.is_none()
    }

    fn next_correlation_id(&mut self) -> u64 {
        self.next_correlation += 1;
        self.next_correlation
    }

    /// Starts the instance: an idempotent producer first asks for a producer id
    /// (`InitProducerId` without a `transactional.id`).
    pub fn start(&mut self) -> Vec<OutgoingRequest> {
        // A transactional producer asks only when the application calls initTransactions.
        if !self.idempotent || self.txn.is_some() {
            return Vec::new();
        }
        let correlation_id = self.next_correlation_id();
        self.init_correlation = Some(correlation_id);
        vec![OutgoingRequest::InitProducerId { correlation_id }]
    }

    /// `KafkaProducer.send`: the record joins the partition's open batch in the accumulator.
    pub fn send(&mut self, send_id: u64, tp: TopicPartition, record: Record, now_ms: u64) {
        // TransactionManager.maybeAddPartition: a partition new to the transaction is added
        // (AddPartitionsToTxn) before any of its batches may be sent; with transaction V2 the
        // client only notes it, and the partition leader adds it when the first batch arrives.
        // isPartitionPendingAdd: a partition whose AddPartitionsToTxn is on its way is not added
        // again.
        if let Some(txn) = self.txn.as_mut()
            && !txn.partitions_in_txn.contains(&tp)
            && !txn.is_pending_add(&tp)
        {
            if txn.transaction_v2 {
                txn.partitions_in_txn.insert(tp.clone());
            } else {
                txn.new_partitions.insert(tp.clone());
            }
        }
        let per_batch = self.config.batch_records.max(1) as usize;
        let queue = self.accumulator.entry(tp.clone()).or_default();
        match queue.back_mut() {
            Some(open) if !open.ready && open.stamp.is_none() => {
                open.records.push(record);
                open.send_ids.push(send_id);
                open.ready = open.records.len() >= per_batch;
            }
            _ => queue.push_back(PendingBatch {
                topic_partition: tp,
                send_ids: vec![send_id],
                records: vec![record],
                stamp: None,
                attempts: 0,
                created_ms: now_ms,
                ready: per_batch <= 1,
                retry_not_before_ms: 0,
            }),
        }
    }

    /// `KafkaProducer.flush`: every open batch may go out now.
    pub fn flush(&mut self) {
        for batch in self.accumulator.values_mut().flatten() {
            batch.ready = true;
        }
    }

    /// `Sender.sendProducerData`: drains ready batches to their leaders while the in-flight limit
    /// allows, stamping sequences as batches are drained (`RecordAccumulator.drain`).
    pub fn drain(
        &mut self,
        leader_of: impl Fn(&TopicPartition) -> Option<BrokerId>,
        now_ms: u64,
        out: &mut Events,
    ) -> Vec<OutgoingRequest> {
        let mut requests = Vec::new();
        if !self.alive {
            return requests;
        }
        if self.awaiting_producer_id() {
            requests.extend(self.next_txn_request(now_ms, out));
            return requests;
        }
        let partitions: Vec<TopicPartition> = self.accumulator.keys().cloned().collect();
        for tp in partitions {
            let Some(broker) = leader_of(&tp) else {
                continue;
            };
            // Sender: a transactional batch goes out only inside a transaction, once its
            // partition is added to it.
            if let Some(txn) = &self.txn {
                let sending = matches!(
                    txn.state,
                    ClientTxnState::InTransaction
                        | ClientTxnState::CommittingTransaction
                        | ClientTxnState::AbortingTransaction
                );
                if !sending || !txn.partitions_in_txn.contains(&tp) {
                    continue;
                }
            }
            loop {
                let in_flight_to_broker =
                    self.in_flight.iter().filter(|f| f.broker == broker).count();
                if in_flight_to_broker >= self.config.max_in_flight as usize {
                    break;
                }
                let Some(front) = self.accumulator.get(&tp).and_then(VecDeque::front) else {
                    break;
                };
                if !front.ready || front.retry_not_before_ms > now_ms {
                    break;
                }
                // RecordAccumulator.shouldStopDrainBatchesForPartition: while a retried batch is
                // unresolved, only the first in-flight sequence may go out, one at a time.
                let partition_in_flight =
                    self.in_flight.iter().any(|f| f.batch.topic_partition == tp);
                let retrying = front.stamp.is_some()
                    || self
                        .in_flight
                        .iter()
                        .any(|f| f.batch.topic_partition == tp && f.batch.attempts > 1);
                if self.idempotent && retrying && partition_in_flight {
                    break;
                }
                // Sender.guaranteeMessageOrder: with one request in flight the partition is muted
                // until its batch is answered, whichever broker it went to.
                if self.config.max_in_flight == 1 && partition_in_flight {
                    break;
                }
                // RecordAccumulator.shouldStopDrainBatchesForPartition: no new batch while the
                // partition still has batches numbered under an older epoch.
                let stale = self
                    .partition_epoch
                    .get(&tp)
                    .is_some_and(|e| *e != self.producer_epoch);
                if front.stamp.is_none() && stale && self.has_unacknowledged(&tp) {
                    break;
                }
                let Some(mut batch) = self.accumulator.get_mut(&tp).and_then(VecDeque::pop_front)
                else {
                    break;
                };
                if batch.stamp.is_none() {
                    batch.stamp = Some(self.stamp_for(&tp, batch.records.len()));
                }
                batch.attempts += 1;
                let stamp = batch.stamp.unwrap_or(ProducerStamp::NONE);
                let produced = ProducedBatch {
                    stamp,
                    is_transactional: self.txn.is_some(),
                    records: batch.records.clone(),
                    provenance: Provenance {
                        send_ids: batch.send_ids.clone(),
                        attempt: batch.attempts,
                    },
                };
                let correlation_id = self.next_correlation_id();
                if self.config.acks == Acks::None {
                    // acks=0: the send counts as done the moment it is written to the socket.
                    for send_id in &batch.send_ids {
                        self.outcomes.insert(
                            *send_id,
                            SendOutcome::SentWithoutAck {
                                topic_partition: tp.clone(),
                            },
                        );
                    }
                    self.mark_acked(&tp, &batch);
                } else {
                    self.in_flight.push(InFlight {
                        correlation_id,
                        broker,
                        sent_at_ms: now_ms,
                        batch: batch.clone(),
                    });
                }
                if batch.attempts > 1 {
                    out.push(
                        EventKind::BatchRequeued {
                            producer: self.id().clone(),
                            topic_partition: tp.clone(),
                            attempt: batch.attempts,
                        },
                        retry_explanation(self, &batch, &tp),
                    );
                }
                requests.push(OutgoingRequest::Produce {
                    correlation_id,
                    broker,
                    acks: self.config.acks,
                    batch: produced,
                    topic_partition: tp.clone(),
                });
            }
        }
        requests.extend(self.next_txn_request(now_ms, out));
        requests
    }

    fn stamp_for(&mut self, tp: &TopicPartition, count: usize) -> ProducerStamp {
        if !self.idempotent {
            return ProducerStamp::NONE;
        }
        if self.partition_epoch.get(tp) != Some(&self.producer_epoch) {
            // TransactionManager.maybeUpdateProducerIdAndEpoch: a partition numbered under an
            // older epoch restarts at 0 (drain gets here only once it has nothing unacknowledged).
            self.next_sequence.insert(tp.clone(), Sequence(0));
            self.last_acked_sequence.remove(tp);
            self.partition_epoch.insert(tp.clone(), self.producer_epoch);
        }
        let base = self.next_sequence(tp);
        let n = i32::try_from(count).unwrap_or(i32::MAX);
        self.next_sequence.insert(tp.clone(), base.plus(n));
        ProducerStamp {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence: base,
        }
    }

    fn mark_acked(&mut self, tp: &TopicPartition, batch: &PendingBatch) {
        if let Some(stamp) = batch.stamp.filter(|s| !s.producer_id.is_none()) {
            let n = i32::try_from(batch.records.len()).unwrap_or(i32::MAX);
            self.last_acked_sequence
                .insert(tp.clone(), stamp.base_sequence.plus(n - 1));
        }
    }

    /// The `InitProducerId` answer: the producer id and epoch this instance stamps on batches.
    pub fn on_init_producer_id(
        &mut self,
        correlation_id: u64,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        out: &mut Events,
    ) -> bool {
        if self.init_correlation != Some(correlation_id) || !self.alive {
            return false;
        }
        self.init_correlation = None;
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.next_sequence.clear();
        self.last_acked_sequence.clear();
        self.partition_epoch.clear();
        out.push_with(
            EventKind::ProducerIdAssigned { producer: self.id().clone(), producer_id, producer_epoch },
            || format!(
                "{} gets producer id {producer_id} with epoch {producer_epoch}. From now on every batch carries this id, the epoch and a sequence number per partition starting at 0.",
                self.id()
            ),
        );
        true
    }

    /// A produce answer. Returns false when no request with that correlation id is waiting (an
    /// answer to a request that timed out, or to an earlier instance).
    pub fn on_produce_response(
        &mut self,
        correlation_id: u64,
        result: Result<Offset, ErrorCode>,
        now_ms: u64,
        out: &mut Events,
    ) -> bool {
        let Some(i) = self
            .in_flight
            .iter()
            .position(|f| f.correlation_id == correlation_id)
        else {
            return false;
        };
        let InFlight { batch, .. } = self.in_flight.remove(i);
        let tp = batch.topic_partition.clone();
        let producer = self.id().clone();
        match result {
            Ok(base_offset) => {
                self.mark_acked(&tp, &batch);
                for (i, send_id) in batch.send_ids.iter().enumerate() {
                    let offset = base_offset.plus(i64::try_from(i).unwrap_or(0));
                    self.outcomes.insert(
                        *send_id,
                        SendOutcome::Acknowledged {
                            topic_partition: tp.clone(),
                            offset,
                        },
                    );
                }
                out.push_with(
                    EventKind::SendAcknowledged { producer: producer.clone(), send_ids: batch.send_ids.clone(), topic_partition: tp.clone(), base_offset },
                    || format!("{producer} receives the acknowledgement for {} on {tp}: written at offset {base_offset}.", sends_label(&batch.send_ids)),
                );
            }
            Err(error) => self.on_produce_error(batch, error, now_ms, out),
        }
        true
    }

    /// `Sender.completeBatch` / `TransactionManager.canRetry`: retry, bump the epoch, or fail.
    fn on_produce_error(
        &mut self,
        mut batch: PendingBatch,
        error: ErrorCode,
        now_ms: u64,
        out: &mut Events,
    ) {
        let tp = batch.topic_partition.clone();
        let producer = self.id().clone();
        let retriable = match error {
            ErrorCode::OutOfOrderSequenceNumber if self.idempotent => {
                let base = batch.stamp.map_or(Sequence::NONE, |s| s.base_sequence);
                let expected = self
                    .last_acked_sequence
                    .get(&tp)
                    .map_or(Sequence(0), |s| s.plus(1));
                if base != expected {
                    // An earlier batch is still unresolved: this one may simply be early.
                    true
                } else if self.txn.is_some() {
                    // TransactionManager.handleFailedBatch: a transactional producer does not bump
                    // its own epoch; the error is abortable.
                    false
                } else {
                    // TransactionManager.handleFailedBatch (KIP-360): bump the epoch locally and
                    // restart this partition's sequences at 0.
                    self.bump_epoch(&tp, &mut batch, out);
                    true
                }
            }
            other => other.is_retriable(),
        };
        if retriable && may_retry(&self.config, &batch, now_ms) {
            batch.ready = true;
            batch.retry_not_before_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
            out.push_with(
                EventKind::BatchRequeued { producer: producer.clone(), topic_partition: tp.clone(), attempt: batch.attempts + 1 },
                || format!(
                    "{producer} gets {error} for {}; the error is retriable, so the batch goes back to the front of the queue for {tp} and is retried after retry.backoff.ms ({} ms).",
                    sends_label(&batch.send_ids),
                    self.config.retry_backoff_ms
                ),
            );
            self.requeue(batch);
        } else {
            self.fail(batch, error, out);
        }
    }

    /// Whether `tp` has batches that carry sequence numbers and are not yet acknowledged.
    fn has_unacknowledged(&self, tp: &TopicPartition) -> bool {
        self.in_flight
            .iter()
            .any(|f| &f.batch.topic_partition == tp)
            || self
                .accumulator
                .get(tp)
                .is_some_and(|q| q.iter().any(|b| b.stamp.is_some()))
    }

    /// `TransactionManager.bumpIdempotentProducerEpoch` then `startSequencesAtBeginning`: a new
    /// epoch, and every unacknowledged batch of `tp` (the failed one included) renumbered from 0
    /// in its old order.
    fn bump_epoch(&mut self, tp: &TopicPartition, failed: &mut PendingBatch, out: &mut Events) {
        self.producer_epoch = self.producer_epoch.bumped();
        let new_epoch = self.producer_epoch;
        let old_sequence =
            |b: &PendingBatch| b.stamp.map_or(i64::MAX, |s| i64::from(s.base_sequence.0));
        let mut order: Vec<(i64, Option<usize>, Option<usize>)> =
            vec![(old_sequence(failed), None, None)];
        for (i, f) in self
            .in_flight
            .iter()
            .enumerate()
            .filter(|(_, f)| &f.batch.topic_partition == tp)
        {
            order.push((old_sequence(&f.batch), Some(i), None));
        }
        for (i, b) in self
            .accumulator
            .get(tp)
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, b)| b.stamp.is_some())
        {
            order.push((old_sequence(b), None, Some(i)));
        }
        order.sort_by_key(|(seq, _, _)| *seq);
        let mut next = Sequence(0);
        for (_, in_flight, queued) in order {
            let batch = match (in_flight, queued) {
                (Some(i), _) => self.in_flight.get_mut(i).map(|f| &mut f.batch),
                (None, Some(i)) => self.accumulator.get_mut(tp).and_then(|q| q.get_mut(i)),
                (None, None) => Some(&mut *failed),
            };
            let Some(batch) = batch else { continue };
            let stamp = ProducerStamp {
                producer_id: self.producer_id,
                producer_epoch: new_epoch,
                base_sequence: next,
            };
            batch.stamp = Some(stamp);
            next = next.plus(i32::try_from(batch.records.len()).unwrap_or(i32::MAX));
        }
        self.next_sequence.insert(tp.clone(), next);
        self.last_acked_sequence.remove(tp);
        self.partition_epoch.insert(tp.clone(), new_epoch);
        let producer = self.id().clone();
        out.push_with(
            EventKind::ProducerEpochBumped { producer: producer.clone(), producer_epoch: new_epoch },
            || format!(
                "{producer} bumps its epoch to {new_epoch} and renumbers its unacknowledged batches for {tp} from sequence 0, so the broker can accept them again (KIP-360). Other partitions restart at 0 once their batches are resolved."
            ),
        );
    }

    /// Puts a batch back at the front of its partition's queue, keeping sequence order.
    fn requeue(&mut self, batch: PendingBatch) {
        let queue = self
            .accumulator
            .entry(batch.topic_partition.clone())
            .or_default();
        let seq = |b: &PendingBatch| b.stamp.map(|s| s.base_sequence);
        let pos = queue
            .iter()
            .position(|b| b.stamp.is_none() || seq(b) > seq(&batch))
            .unwrap_or(queue.len());
        queue.insert(pos, batch);
    }

    /// A send fails; inside a transaction that makes the transaction abortable, or fatal when
    /// the producer is fenced (`TransactionManager.handleFailedBatch`).
    fn fail(&mut self, batch: PendingBatch, error: ErrorCode, out: &mut Events) {
        self.fail_sends(batch, error, out);
        if let Some(txn) = self.txn.as_mut() {
            // TransactionManager.maybeTransitionToErrorState: under protocol V1 a send that fails
            // outside a commit or abort means the abort must also bump the epoch, since the failed
            // batch may still reach its partition (`needToTriggerEpochBumpFromClient`).
            if !txn.transaction_v2 && !txn.is_completing() {
                txn.epoch_bump_required = true;
            }
            self.enter_txn_error(error, out);
        }
    }

    fn fail_sends(&mut self, batch: PendingBatch, error: ErrorCode, out: &mut Events) {
        let producer = self.id().clone();
        for send_id in &batch.send_ids {
            self.outcomes
                .insert(*send_id, SendOutcome::Failed { error });
        }
        out.push_with(
            EventKind::SendFailed { producer: producer.clone(), send_ids: batch.send_ids.clone(), error },
            || format!(
                "{producer} gives up on {} with {error}: the application's send callback reports the failure, yet the broker may or may not have written it.",
                sends_label(&batch.send_ids)
            ),
        );
    }

    /// `NetworkClient`: a request unanswered for `request.timeout.ms` closes its connection,
    /// failing every request in flight on it; the batches are retried in order if allowed.
    pub fn on_time(&mut self, now_ms: u64, out: &mut Events) {
        if !self.alive {
            return;
        }
        self.txn_on_time(now_ms, out);
        let timeout = self.config.request_timeout_ms;
        let expired_brokers: Vec<BrokerId> = self
            .in_flight
            .iter()
            .filter(|f| now_ms.saturating_sub(f.sent_at_ms) >= timeout)
            .map(|f| f.broker)
            .collect();
        for broker in expired_brokers {
            let (timed_out, kept): (Vec<InFlight>, Vec<InFlight>) =
                std::mem::take(&mut self.in_flight)
                    .into_iter()
                    .partition(|f| f.broker == broker);
            self.in_flight = kept;
            for f in timed_out.into_iter().rev() {
                let producer = self.id().clone();
                out.push_with(
                    EventKind::RequestTimedOut { producer: producer.clone(), correlation_id: f.correlation_id },
                    || format!(
                        "{producer} has waited request.timeout.ms ({timeout} ms) for broker {broker} to answer about {}: it closes the connection and cannot tell whether the write happened (the Two Generals problem).",
                        sends_label(&f.batch.send_ids)
                    ),
                );
                let batch = f.batch;
                if may_retry(&self.config, &batch, now_ms) {
                    let mut batch = batch;
                    batch.ready = true;
                    self.requeue(batch);
                } else {
                    self.fail(batch, ErrorCode::RequestTimedOut, out);
                }
            }
        }
    }

    /// The process dies: queued and in-flight batches are lost with it.
    pub fn crash(&mut self) -> usize {
        self.alive = false;
        let lost: usize = self
            .accumulator
            .values()
            .flatten()
            .map(|b| b.records.len())
            .sum::<usize>()
            + self
                .in_flight
                .iter()
                .map(|f| f.batch.records.len())
                .sum::<usize>();
        self.accumulator.clear();
        self.in_flight.clear();
        self.init_correlation = None;
        if let Some(txn) = self.txn.as_mut() {
            txn.in_flight = None;
        }
        lost
    }

    /// Nothing left to send or to wait for: no batch queued or in flight, no transactional
    /// request pending (the condition under which `Sender.run` stops after `close()`).
    pub fn is_idle(&self) -> bool {
        self.accumulator.values().all(VecDeque::is_empty)
            && self.in_flight.is_empty()
            && self.init_correlation.is_none()
            && self.txn.as_ref().is_none_or(|t| {
                t.in_flight.is_none()
                    && t.retry.is_none()
                    && t.pending_offsets.is_none()
                    && t.new_partitions.is_empty()
            })
    }

    /// A new instance with the same configuration; a non-transactional idempotent producer gets
    /// a new producer id, so the broker cannot link its sends to the old instance's.
    pub fn restart(&mut self) -> Vec<OutgoingRequest> {
        self.alive = true;
        self.closing = false;
        self.close_aborted_transaction = false;
        self.incarnation += 1;
        self.producer_id = ProducerId::NONE;
        self.producer_epoch = ProducerEpoch::NONE;
        self.next_sequence.clear();
        self.last_acked_sequence.clear();
        self.partition_epoch.clear();
        let transaction_v2 = self.transaction_v2;
        self.txn = self
            .config
            .transactional_id
            .clone()
            .map(|id| TransactionManager::new(id, transaction_v2));
        self.start()
    }
}

/// The transactional API (`KafkaProducer.initTransactions`, `beginTransaction`,
/// `commitTransaction`, `abortTransaction`) and the coordinator's answers (`TransactionManager`'s
/// handlers), for transaction protocol V1.
impl Producer {
    pub fn is_transactional(&self) -> bool {
        self.txn.is_some()
    }

    pub fn txn_state(&self) -> Option<ClientTxnState> {
        self.txn.as_ref().map(|t| t.state)
    }

    /// Why a transactional method may not be called now (the client's exception), if so.
    pub fn txn_refusal(&self, method: &str, target: ClientTxnState) -> Option<String> {
        match &self.txn {
            None => Some(format!(
                "{method} is refused: {} has no transactional.id (IllegalStateException: Transactional method invoked on a non-transactional producer)",
                self.id()
            )),
            Some(txn) => txn.refusal(method, target),
        }
    }

    /// `TransactionManager.failIfNotReadyForSend`: why `send` may not be called now, if so.
    pub fn send_refusal(&self) -> Option<String> {
        let txn = self.txn.as_ref()?;
        match txn.state {
            ClientTxnState::InTransaction => None,
            ClientTxnState::AbortableError | ClientTxnState::FatalError => Some(format!(
                "send is refused: KafkaException: Cannot perform send because at least one previous transactional or idempotent request has failed with errors ({}, state {})",
                txn.last_error.map_or("an error", ErrorCode::name),
                txn.state
            )),
            ClientTxnState::Uninitialized | ClientTxnState::Initializing => Some(
                "send is refused: IllegalStateException: Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled".to_owned(),
            ),
            other => Some(format!(
                "send is refused: IllegalStateException: Cannot call send in state {other} (call beginTransaction first)"
            )),
        }
    }

    fn set_txn_state(&mut self, to: ClientTxnState, why: &str, out: &mut Events) {
        let producer = self.id().clone();
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        let from = txn.state;
        if from == to {
            return;
        }
        txn.state = to;
        // The awaited result is there (or failed, which the call throws instead of waiting on).
        if !matches!(
            to,
            ClientTxnState::Initializing
                | ClientTxnState::CommittingTransaction
                | ClientTxnState::AbortingTransaction
        ) {
            txn.pending_call = None;
        }
        out.push_with(
            EventKind::ProducerTxnStateChanged {
                producer: producer.clone(),
                from,
                to,
            },
            || format!("{producer}'s transaction state moves from {from} to {to}: {why}"),
        );
    }

    /// A blocking call called again after it timed out waits for the answer it awaited
    /// (`TransactionManager.handleCachedTransactionRequestResult`); `true` if this call was one.
    fn resume_call(&mut self, method: &'static str, now_ms: u64, out: &mut Events) -> bool {
        let producer = self.id().clone();
        let Some(call) = self
            .txn
            .as_mut()
            .and_then(|t| t.pending_call.as_mut())
            .filter(|call| call.timed_out && call.method == method)
        else {
            return false;
        };
        call.timed_out = false;
        call.since_ms = now_ms;
        out.push_with(
            EventKind::ProducerCallResumed { producer: producer.clone(), method: method.to_owned() },
            || format!("{producer} calls {method} again after its TimeoutException: nothing new is sent; it waits, up to max.block.ms once more, for the answer the first call was waiting for."),
        );
        true
    }

    /// Remembers that the application now waits in `method`, if the call did not end at once.
    fn await_call(&mut self, method: &'static str, now_ms: u64) {
        if let Some(txn) = self.txn.as_mut()
            && matches!(
                txn.state,
                ClientTxnState::Initializing
                    | ClientTxnState::CommittingTransaction
                    | ClientTxnState::AbortingTransaction
            )
        {
            txn.pending_call = Some(PendingCall {
                method,
                since_ms: now_ms,
                timed_out: false,
            });
        }
    }

    /// `initTransactions`: InitProducerId with the `transactional.id` goes to the coordinator.
    pub fn init_transactions(&mut self, now_ms: u64, out: &mut Events) {
        if self.resume_call("initTransactions", now_ms, out) {
            return;
        }
        self.set_txn_state(
            ClientTxnState::Initializing,
            "initTransactions asks the transaction coordinator for the producer id and epoch of this transactional.id.",
            out,
        );
        if let Some(txn) = self.txn.as_mut() {
            txn.retry = Some(TxnRequest::InitProducerId);
            txn.retry_not_before_ms = 0;
        }
        self.await_call("initTransactions", now_ms);
    }

    /// `beginTransaction`: only the client's state changes; nothing is sent.
    pub fn begin_transaction(&mut self, out: &mut Events) {
        self.set_txn_state(
            ClientTxnState::InTransaction,
            "beginTransaction is local to the client; the coordinator hears of the transaction only when the first partition is added.",
            out,
        );
    }

    /// `commitTransaction`: flush, then EndTxn(COMMIT) once every batch is acknowledged.
    pub fn commit_transaction(&mut self, now_ms: u64, out: &mut Events) {
        if self.resume_call("commitTransaction", now_ms, out) {
            return;
        }
        self.set_txn_state(
            ClientTxnState::CommittingTransaction,
            "commitTransaction first flushes every batch; EndTxn(COMMIT) goes to the coordinator once all of them are acknowledged.",
            out,
        );
        self.flush();
        self.maybe_complete_locally(out);
        self.await_call("commitTransaction", now_ms);
    }

    /// `abortTransaction`: unsent batches are dropped, then EndTxn(ABORT) once in-flight ones are
    /// answered (`RecordAccumulator.abortUndrainedBatches`).
    pub fn abort_transaction(&mut self, now_ms: u64, out: &mut Events) {
        if self.resume_call("abortTransaction", now_ms, out) {
            return;
        }
        self.set_txn_state(
            ClientTxnState::AbortingTransaction,
            "abortTransaction drops the batches not yet sent; EndTxn(ABORT) goes to the coordinator once the batches in flight are answered.",
            out,
        );
        self.fail_queued(ErrorCode::TransactionAbortable, out);
        if let Some(txn) = self.txn.as_mut() {
            txn.new_partitions.clear();
            txn.pending_offsets = None;
        }
        self.maybe_complete_locally(out);
        self.await_call("abortTransaction", now_ms);
    }

    /// TransactionManager.beginCompletingTransaction: a transaction that never added a partition
    /// ends without EndTxn.
    fn maybe_complete_locally(&mut self, out: &mut Events) {
        let empty = self.txn.as_ref().is_some_and(|t| {
            t.partitions_in_txn.is_empty()
                && t.new_partitions.is_empty()
                && t.pending_offsets.is_none()
                && t.in_flight.is_none()
        });
        if empty && self.in_flight.is_empty() && self.queued().next().is_none() {
            self.set_txn_state(
                ClientTxnState::Ready,
                "no partition was ever added, so the coordinator has nothing to end and no EndTxn is sent.",
                out,
            );
        }
    }

    fn fail_queued(&mut self, error: ErrorCode, out: &mut Events) {
        let queued: Vec<PendingBatch> = std::mem::take(&mut self.accumulator)
            .into_values()
            .flatten()
            .collect();
        for batch in queued {
            self.fail_sends(batch, error, out);
        }
    }

    /// `TransactionManager.transitionToAbortableError` / `transitionToFatalError`.
    fn enter_txn_error(&mut self, error: ErrorCode, out: &mut Events) {
        // TransactionManager: PRODUCER_FENCED, INVALID_TXN_STATE and INVALID_PRODUCER_ID_MAPPING
        // (`maybeTransitionToErrorState`, the request handlers' `fatalError`) are fatal;
        // everything else (INVALID_PRODUCER_EPOCH on a produce included) is abortable, except
        // TxnOffsetCommit's OFFSET_METADATA_TOO_LARGE, which TxnOffsetCommitHandler has no case
        // for: "Unexpected error in TxnOffsetCommitResponse", fatal.
        let fatal = matches!(
            error,
            ErrorCode::ProducerFenced
                | ErrorCode::InvalidTxnState
                | ErrorCode::InvalidProducerIdMapping
                | ErrorCode::OffsetMetadataTooLarge
        );
        self.enter_txn_error_as(error, fatal, out);
    }

    fn enter_txn_error_as(&mut self, error: ErrorCode, fatal: bool, out: &mut Events) {
        let Some(txn) = self.txn.as_ref() else {
            return;
        };
        let target = if fatal {
            ClientTxnState::FatalError
        } else {
            ClientTxnState::AbortableError
        };
        // transitionToAbortableError: an abort under way stays an abort.
        if txn.state == ClientTxnState::FatalError
            || (!fatal && txn.state == ClientTxnState::AbortingTransaction)
            || !txn.state.may_move_to(target)
        {
            return;
        }
        if let Some(txn) = self.txn.as_mut() {
            txn.last_error = Some(error);
            txn.retry = None;
        }
        let why = if error == ErrorCode::InvalidTransactionTimeout {
            format!(
                "{error} is fatal: the coordinator refuses this producer's transaction.timeout.ms ({} ms), which must be more than 0 and at most the brokers' transaction.max.timeout.ms. initTransactions fails; the application must fix the setting and start a new producer.",
                self.config.transaction_timeout_ms
            )
        } else if error == ErrorCode::InvalidProducerIdMapping {
            format!(
                "{error} is fatal: the transaction coordinator does not map this transactional.id to producer {} (the id expired after transactional.id.expiration.ms, say, or a newer instance now holds it under another producer id). The application must close the producer; a new one calls initTransactions.",
                self.producer_id
            )
        } else if fatal
            && !matches!(
                error,
                ErrorCode::ProducerFenced | ErrorCode::InvalidTxnState
            )
        {
            format!(
                "{error} is fatal for a transactional producer (InitProducerIdHandler treats every error it cannot retry so): the application must close the producer."
            )
        } else if fatal {
            format!(
                "{error} is fatal: the coordinator has moved this transactional.id to a newer epoch (a newer instance called initTransactions, or the coordinator aborted the transaction on timeout), so this instance is fenced. The right reaction is to close the producer, not to retry."
            )
        } else if matches!(
            error,
            ErrorCode::UnknownMemberId | ErrorCode::FencedInstanceId
        ) {
            format!(
                "{error} makes the transaction abortable (TxnOffsetCommitHandler): the group metadata handed to sendOffsetsToTransaction names a member the group no longer has, so that consumer may have lost its partitions (KIP-447). The application must call abortTransaction and poll again."
            )
        } else if error == ErrorCode::IllegalGeneration {
            format!(
                "{error} makes the transaction abortable (CommitFailedException): the consumer's group has rebalanced since its offsets were taken, so another member may own those partitions now (KIP-447). The application must call abortTransaction and poll again."
            )
        } else {
            format!(
                "{error} makes the transaction abortable: its batches cannot all be written, so the application must call abortTransaction (commitTransaction would fail)."
            )
        };
        self.set_txn_state(target, &why, out);
        self.fail_queued(error, out);
    }

    /// The next request to the coordinator, if one may go now (one at a time, like Kafka's
    /// `Sender.maybeSendAndPollTransactionalRequest`).
    fn next_txn_request(&mut self, now_ms: u64, out: &mut Events) -> Option<OutgoingRequest> {
        let has_batches = !self.in_flight.is_empty() || self.queued().next().is_some();
        let (producer_id, producer_epoch) = (self.producer_id, self.producer_epoch);
        let timeout = self.config.transaction_timeout_ms;
        let txn = self.txn.as_mut()?;
        if txn.in_flight.is_some() || now_ms < txn.retry_not_before_ms {
            return None;
        }
        let request = match txn.retry.take() {
            Some(request) => request,
            None => match txn.state {
                ClientTxnState::InTransaction | ClientTxnState::CommittingTransaction
                    if !txn.new_partitions.is_empty() =>
                {
                    TxnRequest::AddPartitions(std::mem::take(&mut txn.new_partitions))
                }
                // TransactionManager.sendOffsetsToTransaction: AddOffsetsToTxn goes before EndTxn;
                // with transaction V2 the client skips it and sends TxnOffsetCommit at once.
                ClientTxnState::InTransaction | ClientTxnState::CommittingTransaction
                    if txn.pending_offsets.is_some() =>
                {
                    match txn.pending_offsets.take() {
                        Some(offsets) if txn.transaction_v2 => TxnRequest::TxnOffsetCommit(offsets),
                        Some(offsets) => TxnRequest::AddOffsets(offsets),
                        None => return None,
                    }
                }
                ClientTxnState::CommittingTransaction if !has_batches => {
                    TxnRequest::EndTxn(TxnResult::Commit)
                }
                ClientTxnState::AbortingTransaction if !has_batches => {
                    TxnRequest::EndTxn(TxnResult::Abort)
                }
                _ => return None,
            },
        };
        if matches!(request, TxnRequest::EndTxn(_)) && txn.partitions_in_txn.is_empty() {
            self.maybe_complete_locally(out);
            return None;
        }
        self.next_correlation += 1;
        let correlation_id = self.next_correlation;
        let txn = self.txn.as_mut()?;
        let transactional_id = txn.transactional_id.clone();
        txn.in_flight = Some((correlation_id, request.clone(), now_ms));
        Some(match request {
            TxnRequest::InitProducerId => OutgoingRequest::TxnInitProducerId {
                correlation_id,
                transactional_id,
                transaction_timeout_ms: timeout,
                bump: None,
            },
            TxnRequest::BumpEpoch => OutgoingRequest::TxnInitProducerId {
                correlation_id,
                transactional_id,
                transaction_timeout_ms: timeout,
                bump: Some((producer_id, producer_epoch)),
            },
            TxnRequest::AddPartitions(partitions) => OutgoingRequest::AddPartitionsToTxn {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                partitions: partitions.into_iter().collect(),
            },
            TxnRequest::AddOffsets(offsets) => OutgoingRequest::AddOffsetsToTxn {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                group_id: offsets.group_id,
            },
            TxnRequest::EndTxn(result) => OutgoingRequest::EndTxn {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                result,
            },
            TxnRequest::TxnOffsetCommit(offsets) => OutgoingRequest::TxnOffsetCommit {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                offsets,
            },
        })
    }

    /// Takes the answered coordinator request, if `correlation_id` is the one in flight.
    fn take_txn_request(&mut self, correlation_id: u64) -> Option<TxnRequest> {
        let txn = self.txn.as_mut()?;
        match &txn.in_flight {
            Some((c, _, _)) if *c == correlation_id && self.alive => {
                txn.in_flight.take().map(|(_, r, _)| r)
            }
            _ => None,
        }
    }

    /// A retriable coordinator error: the same request again after `retry.backoff.ms`.
    fn retry_txn_request(&mut self, request: TxnRequest, now_ms: u64) {
        let backoff = self.config.retry_backoff_ms;
        if let Some(txn) = self.txn.as_mut() {
            txn.retry = Some(request);
            txn.retry_not_before_ms = now_ms.saturating_add(backoff);
        }
    }

    /// A new producer id and epoch from the coordinator: every partition's sequence starts again
    /// at 0 under it (`TransactionManager.setProducerIdAndEpoch`, `resetSequenceNumbers`).
    fn adopt_producer_id(&mut self, producer_id: ProducerId, producer_epoch: ProducerEpoch) {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.next_sequence.clear();
        self.last_acked_sequence.clear();
        self.partition_epoch.clear();
    }

    /// The InitProducerId answer for a transactional producer (`InitProducerIdHandler`).
    pub fn on_txn_init_producer_id(
        &mut self,
        correlation_id: u64,
        result: Result<(ProducerId, ProducerEpoch), ErrorCode>,
        now_ms: u64,
        out: &mut Events,
    ) -> bool {
        let Some(request) = self.take_txn_request(correlation_id) else {
            return false;
        };
        match result {
            Ok((producer_id, producer_epoch)) => {
                self.adopt_producer_id(producer_id, producer_epoch);
                let producer = self.id().clone();
                let (assigned, done) = if request == TxnRequest::BumpEpoch {
                    (
                        format!(
                            "{producer} gets epoch {producer_epoch} for producer id {producer_id}: the coordinator bumped the epoch it had. Its next writes carry the new epoch, and each partition refuses the old one once it has seen the new one (a marker or a write)."
                        ),
                        "abortTransaction returns with the new epoch; the producer may begin a transaction.",
                    )
                } else {
                    (
                        format!(
                            "{producer} gets producer id {producer_id} with epoch {producer_epoch} from the transaction coordinator. Any older instance with the same transactional.id has a lower epoch now, so brokers and the coordinator refuse it."
                        ),
                        "initTransactions is done; the producer may begin a transaction.",
                    )
                };
                out.push(
                    EventKind::ProducerIdAssigned {
                        producer: producer.clone(),
                        producer_id,
                        producer_epoch,
                    },
                    assigned,
                );
                self.set_txn_state(ClientTxnState::Ready, done, out);
            }
            Err(error) if error.is_retriable() => self.retry_txn_request(request, now_ms),
            Err(ErrorCode::TransactionAbortable) => {
                self.enter_txn_error(ErrorCode::TransactionAbortable, out);
            }
            // InitProducerIdHandler: every other error is fatal.
            Err(error) => self.enter_txn_error_as(error, true, out),
        }
        true
    }

    /// The AddPartitionsToTxn answer (`AddPartitionsToTxnHandler`).
    pub fn on_add_partitions_to_txn(
        &mut self,
        correlation_id: u64,
        result: Result<(), ErrorCode>,
        now_ms: u64,
        out: &mut Events,
    ) -> bool {
        let Some(request) = self.take_txn_request(correlation_id) else {
            return false;
        };
        match (result, request) {
            (Ok(()), TxnRequest::AddPartitions(partitions)) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.partitions_in_txn.extend(partitions);
                }
            }
            (Err(error), request) if error.is_retriable() => {
                self.retry_txn_request(request, now_ms);
            }
            (
                Err(error @ (ErrorCode::InvalidProducerIdMapping | ErrorCode::UnknownProducerId)),
                _,
            ) => {
                self.enter_txn_error(error, out);
            }
            (Err(error), _) => {
                self.enter_txn_error(fenced_if_stale_epoch(error), out);
            }
            (Ok(()), _) => {}
        }
        true
    }

    /// `sendOffsetsToTransaction`: the offsets wait for AddOffsetsToTxn, which goes out before
    /// EndTxn; a second call before that merges into the first.
    pub fn send_offsets_to_transaction(&mut self, offsets: TxnOffsets, out: &mut Events) {
        let producer = self.id().clone();
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        let listed: Vec<String> = offsets
            .offsets
            .iter()
            .map(|(tp, o)| format!("{tp} at {o}"))
            .collect();
        let how = if txn.transaction_v2 {
            "With transaction protocol V2, TxnOffsetCommit goes straight to the group coordinator, which adds the group's __consumer_offsets partition to the transaction itself and keeps the offsets pending until the transaction ends."
        } else {
            "First AddOffsetsToTxn asks the transaction coordinator to add the group's __consumer_offsets partition to the transaction; then TxnOffsetCommit takes the offsets to the group coordinator, which keeps them pending until the transaction ends."
        };
        let explanation = format!(
            "{producer} calls sendOffsetsToTransaction for group {} (generation {}, member {}): offsets {}. {how}",
            offsets.group_id,
            offsets.generation_id,
            offsets.member_id,
            if listed.is_empty() {
                "none (the consumer has no position yet)".to_owned()
            } else {
                listed.join(", ")
            }
        );
        match txn.pending_offsets.as_mut() {
            Some(queued) if queued.group_id == offsets.group_id => {
                queued.generation_id = offsets.generation_id;
                queued.member_id = offsets.member_id;
                queued.group_instance_id = offsets.group_instance_id;
                queued.offsets.extend(offsets.offsets);
            }
            _ => txn.pending_offsets = Some(offsets),
        }
        out.push(
            EventKind::OffsetsSentToTransaction { producer },
            explanation,
        );
    }

    /// The AddOffsetsToTxn answer (`AddOffsetsToTxnHandler`): on success the offsets partition is
    /// in the transaction and the returned offsets go to the group coordinator (TxnOffsetCommit).
    pub fn on_add_offsets_to_txn(
        &mut self,
        correlation_id: u64,
        result: Result<(), ErrorCode>,
        now_ms: u64,
        out: &mut Events,
    ) -> (bool, Option<TxnOffsets>) {
        let Some(request) = self.take_txn_request(correlation_id) else {
            return (false, None);
        };
        match (result, request) {
            (Ok(()), TxnRequest::AddOffsets(offsets)) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.partitions_in_txn.insert(offsets_partition());
                }
                return (true, Some(offsets));
            }
            (Err(error), request) if error.is_retriable() => {
                self.retry_txn_request(request, now_ms);
            }
            (Err(error), _) => {
                self.enter_txn_error(fenced_if_stale_epoch(error), out);
            }
            (Ok(()), _) => {}
        }
        (true, None)
    }

    /// The group coordinator's TxnOffsetCommit answer (`TxnOffsetCommitHandler`):
    /// ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID are abortable (`CommitFailedException`).
    pub fn on_txn_offset_commit(&mut self, error: ErrorCode, out: &mut Events) {
        self.enter_txn_error(error, out);
    }

    /// The answer to a transaction V2 TxnOffsetCommit, sent without AddOffsetsToTxn
    /// (`TxnOffsetCommitHandler`): on success the group's offsets partition is in the transaction.
    pub fn on_txn_offset_commit_v2(
        &mut self,
        correlation_id: u64,
        result: Result<(), ErrorCode>,
        now_ms: u64,
        out: &mut Events,
    ) {
        let Some(request) = self.take_txn_request(correlation_id) else {
            return;
        };
        match result {
            Ok(()) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.partitions_in_txn.insert(offsets_partition());
                }
            }
            Err(error) if error.is_retriable() => self.retry_txn_request(request, now_ms),
            Err(error) => self.enter_txn_error(fenced_if_stale_epoch(error), out),
        }
    }

    /// The EndTxn answer (`EndTxnHandler`): `NONE` ends the transaction for the client.
    pub fn on_end_txn(
        &mut self,
        correlation_id: u64,
        result: Result<Option<(ProducerId, ProducerEpoch)>, ErrorCode>,
        now_ms: u64,
        out: &mut Events,
    ) -> bool {
        let Some(request) = self.take_txn_request(correlation_id) else {
            return false;
        };
        match result {
            Ok(next) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.partitions_in_txn.clear();
                }
                // EndTxnHandler with transaction V2: the answer carries the epoch the coordinator
                // bumped, and every partition's sequences start again at 0 under it.
                if let Some((producer_id, producer_epoch)) = next
                    && (producer_id, producer_epoch) != (self.producer_id, self.producer_epoch)
                {
                    self.adopt_producer_id(producer_id, producer_epoch);
                    let producer = self.id().clone();
                    out.push_with(
                        EventKind::ProducerIdAssigned { producer: producer.clone(), producer_id, producer_epoch },
                        || format!("Transaction protocol V2: the EndTxn answer gives {producer} producer id {producer_id} with epoch {producer_epoch}, one more than the transaction it ended. Its next transaction starts every partition's sequence at 0 under the new epoch, so a late write from the old transaction can never be taken for part of the next one."),
                    );
                }
                // TransactionManager.completeTransaction: after a failed send the abort goes on
                // to InitProducerId with the current producer id and epoch (KIP-360).
                if let Some(txn) = self.txn.as_mut()
                    && std::mem::take(&mut txn.epoch_bump_required)
                {
                    txn.retry = Some(TxnRequest::BumpEpoch);
                    txn.retry_not_before_ms = 0;
                    let epoch = self.producer_epoch;
                    self.set_txn_state(
                        ClientTxnState::Initializing,
                        &format!("the coordinator has written PrepareAbort, but a send of this transaction failed and may still be on its way to its partition. Under transaction protocol V1 the epoch stays {epoch} across transactions, so such a late write could join the next one: abortTransaction goes on to ask the coordinator for a new epoch (InitProducerId with the current producer id and epoch, KIP-360)."),
                        out,
                    );
                    return true;
                }
                let done = match request {
                    TxnRequest::EndTxn(TxnResult::Commit) => {
                        "commitTransaction returns: the coordinator has written PrepareCommit, the commit point. The markers may still be on their way."
                    }
                    _ => {
                        "abortTransaction returns: the coordinator has written PrepareAbort; the abort markers follow."
                    }
                };
                self.set_txn_state(ClientTxnState::Ready, done, out);
            }
            Err(error) if error.is_retriable() => self.retry_txn_request(request, now_ms),
            Err(ErrorCode::InvalidProducerIdMapping) => {
                self.enter_txn_error(ErrorCode::InvalidProducerIdMapping, out);
            }
            Err(error) => {
                self.enter_txn_error(fenced_if_stale_epoch(error), out);
            }
        }
        true
    }

    /// `KafkaProducer`: a blocking transactional call unanswered after `max.block.ms` throws
    /// TimeoutException (`TransactionalRequestResult.await`); the request is not cancelled.
    fn call_on_time(&mut self, now_ms: u64, out: &mut Events) {
        let max_block = self.config.max_block_ms;
        let producer = self.id().clone();
        let Some(call) = self
            .txn
            .as_mut()
            .and_then(|t| t.pending_call.as_mut())
            .filter(|call| !call.timed_out && now_ms.saturating_sub(call.since_ms) >= max_block)
        else {
            return;
        };
        call.timed_out = true;
        let method = call.method;
        out.push_with(
            EventKind::ProducerCallTimedOut { producer: producer.clone(), method: method.to_owned() },
            || format!("{producer}'s {method} has waited max.block.ms ({max_block} ms) without an answer: it throws TimeoutException to the application. The request is not withdrawn; the application may call {method} again, which waits for the same answer rather than starting over."),
        );
    }

    /// A coordinator request unanswered for `request.timeout.ms` is sent again.
    fn txn_on_time(&mut self, now_ms: u64, out: &mut Events) {
        self.call_on_time(now_ms, out);
        let timeout = self.config.request_timeout_ms;
        let producer = self.id().clone();
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        let Some((correlation_id, _, sent_at)) = &txn.in_flight else {
            return;
        };
        if now_ms.saturating_sub(*sent_at) < timeout {
            return;
        }
        let correlation_id = *correlation_id;
        if let Some((_, request, _)) = txn.in_flight.take() {
            txn.retry = Some(request);
            txn.retry_not_before_ms = now_ms;
        }
        out.push_with(
            EventKind::RequestTimedOut { producer: producer.clone(), correlation_id },
            || format!("{producer} has waited request.timeout.ms ({timeout} ms) for the transaction coordinator to answer: it sends the request again."),
        );
    }
}

/// `TxnRequestHandler`: INVALID_PRODUCER_EPOCH from the coordinator or the group coordinator
/// means a newer instance owns the transactional.id, which the client raises as
/// `ProducerFencedException`.
fn fenced_if_stale_epoch(error: ErrorCode) -> ErrorCode {
    if error == ErrorCode::InvalidProducerEpoch {
        ErrorCode::ProducerFenced
    } else {
        error
    }
}

fn sends_label(send_ids: &[u64]) -> String {
    match send_ids {
        [one] => format!("send #{one}"),
        [first, .., last] => format!("sends #{first}..#{last}"),
        [] => "an empty batch".to_owned(),
    }
}

fn retry_explanation(producer: &Producer, batch: &PendingBatch, tp: &TopicPartition) -> String {
    let who = producer.id();
    match batch.stamp.filter(|s| !s.producer_id.is_none()) {
        Some(stamp) => format!(
            "{who} sends {} to {tp} again (attempt {}) with the same producer id {}, epoch {} and sequence {}: if the first attempt was written, the broker will recognise the duplicate.",
            sends_label(&batch.send_ids),
            batch.attempts,
            stamp.producer_id,
            stamp.producer_epoch,
            stamp.base_sequence
        ),
        None => format!(
            "{who} sends {} to {tp} again (attempt {}). Without idempotence the batch carries no sequence number: if the first attempt was written, this one is written a second time.",
            sends_label(&batch.send_ids),
            batch.attempts
        ),
    }
}

#[cfg(test)]
mod tests {
    // Each test drives one producer by hand, playing the network and the broker, and pins one
    // rule of kafka-rules.md §2 or one producer config key.
    use super::*;

    const PID: ProducerId = ProducerId(1000);
    const B1: BrokerId = BrokerId(1);
    const B2: BrokerId = BrokerId(2);
    const B3: BrokerId = BrokerId(3);
    const BACKOFF: u64 = 100;

    fn tp(partition: u32) -> TopicPartition {
        TopicPartition::new("payments", partition)
    }

    fn config(change: impl FnOnce(&mut ProducerConfig)) -> ProducerConfig {
        let mut config = ProducerConfig::named("p1");
        config.retry_backoff_ms = BACKOFF;
        change(&mut config);
        config
    }

    fn init_correlation(requests: &[OutgoingRequest]) -> u64 {
        match requests {
            [OutgoingRequest::InitProducerId { correlation_id }] => *correlation_id,
            other => panic!("expected one InitProducerId request, got {other:?}"),
        }
    }

    /// An idempotent producer that already holds producer id `PID`, epoch 0.
    fn idempotent(config: ProducerConfig) -> Producer {
        let mut producer = Producer::new(config, true);
        let correlation_id = init_correlation(&producer.start());
        assert!(producer.on_init_producer_id(
            correlation_id,
            PID,
            ProducerEpoch(0),
            &mut Events::default()
        ));
        producer
    }

    fn send(producer: &mut Producer, send_id: u64, partition: u32, now_ms: u64) {
        let record = Record::new(None, format!("v{send_id}"));
        producer.send(send_id, tp(partition), record, now_ms);
    }

    /// One Produce request as the producer put it on the wire.
    #[derive(Debug)]
    struct Sent {
        correlation_id: u64,
        broker: BrokerId,
        partition: u32,
        batch: ProducedBatch,
    }

    impl Sent {
        fn epoch(&self) -> ProducerEpoch {
            self.batch.stamp.producer_epoch
        }

        fn seq(&self) -> i32 {
            self.batch.stamp.base_sequence.0
        }
    }

    /// Drains with partition `n` led by broker `n + 1`.
    fn drain(producer: &mut Producer, now_ms: u64) -> Vec<Sent> {
        drain_with(producer, now_ms, |tp| Some(BrokerId(tp.partition + 1)))
    }

    fn drain_with(
        producer: &mut Producer,
        now_ms: u64,
        leader_of: impl Fn(&TopicPartition) -> Option<BrokerId>,
    ) -> Vec<Sent> {
        producer
            .drain(leader_of, now_ms, &mut Events::default())
            .into_iter()
            .map(|request| match request {
                OutgoingRequest::Produce {
                    correlation_id,
                    broker,
                    batch,
                    topic_partition,
                    ..
                } => Sent {
                    correlation_id,
                    broker,
                    partition: topic_partition.partition,
                    batch,
                },
                other => panic!("drain sent {other:?}"),
            })
            .collect()
    }

    fn answer(
        producer: &mut Producer,
        sent: &Sent,
        result: Result<Offset, ErrorCode>,
        now_ms: u64,
    ) -> Vec<EventKind> {
        let mut out = Events::default();
        assert!(
            producer.on_produce_response(sent.correlation_id, result, now_ms, &mut out),
            "nobody waits for request {}",
            sent.correlation_id
        );
        out.0.into_iter().map(|e| e.kind).collect()
    }

    /// (partition, base sequence) of each request, in sending order.
    fn seqs(sent: &[Sent]) -> Vec<(u32, i32)> {
        sent.iter().map(|s| (s.partition, s.seq())).collect()
    }

    fn queued_seqs(producer: &Producer, partition: u32) -> Vec<Option<i32>> {
        producer
            .queued()
            .filter(|b| b.topic_partition == tp(partition))
            .map(|b| b.stamp.map(|s| s.base_sequence.0))
            .collect()
    }

    fn bumped(events: &[EventKind]) -> bool {
        events
            .iter()
            .any(|e| matches!(e, EventKind::ProducerEpochBumped { .. }))
    }

    // P1, RecordAccumulator.drain: `setProducerState(..., sequenceNumber(tp), ...)` happens as the
    // batch leaves the accumulator, never in `send`.
    #[test]
    fn sequence_is_stamped_at_drain_not_at_send() {
        let mut p = Producer::new(config(|c| c.max_in_flight = 1), true);
        let correlation_id = init_correlation(&p.start());
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        assert!(
            drain(&mut p, 0).is_empty(),
            "nothing leaves without a producer id"
        );
        assert_eq!(queued_seqs(&p, 0), [None, None]);

        p.on_init_producer_id(
            correlation_id,
            PID,
            ProducerEpoch(0),
            &mut Events::default(),
        );
        let sent = drain(&mut p, 0);
        assert_eq!(seqs(&sent), [(0, 0)]);
        assert_eq!(sent[0].batch.stamp.producer_id, PID);
        // The second batch still waits unnumbered behind the in-flight limit.
        assert_eq!(queued_seqs(&p, 0), [None]);
        assert_eq!(p.next_sequence(&tp(0)), Sequence(1));
    }

    // P1, TransactionManagerTest.testDefaultSequenceNumber: the next base sequence is the previous
    // base plus its record count (0 -> 3), counted separately for each partition.
    #[test]
    fn sequences_continue_per_partition_by_record_count() {
        let mut p = idempotent(config(|c| c.batch_records = 3));
        for id in 1..=6 {
            send(&mut p, id, 0, 0);
        }
        send(&mut p, 7, 1, 0);
        p.flush();
        let sent = drain(&mut p, 0);
        assert_eq!(seqs(&sent), [(0, 0), (0, 3), (1, 0)]);
        assert_eq!(p.next_sequence(&tp(0)), Sequence(6));
        assert_eq!(p.next_sequence(&tp(1)), Sequence(1));
    }

    // P2, SenderTest.testIdempotenceWithMultipleInflightsRetriedInOrder: a retry carries the
    // producer id, epoch and sequence of its first attempt; later batches get fresh numbers.
    #[test]
    fn retried_batch_keeps_its_sequence() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        let first = drain(&mut p, 0);
        answer(&mut p, &first[0], Err(ErrorCode::NotLeaderOrFollower), 10);
        answer(&mut p, &first[1], Err(ErrorCode::NotLeaderOrFollower), 10);
        send(&mut p, 3, 0, 10);

        let mut now = 10 + BACKOFF;
        let mut resent = Vec::new();
        while resent.len() < 3 {
            let sent = drain(&mut p, now);
            assert!(!sent.is_empty(), "the partition is stuck");
            for s in sent {
                answer(&mut p, &s, Ok(Offset(s.seq().into())), now);
                resent.push(s);
            }
            now += 1;
        }
        assert_eq!(resent[0].batch.stamp, first[0].batch.stamp);
        assert_eq!(resent[1].batch.stamp, first[1].batch.stamp);
        assert_eq!(
            (
                resent[0].batch.provenance.attempt,
                resent[1].batch.provenance.attempt
            ),
            (2, 2)
        );
        assert_eq!(resent[2].batch.provenance.send_ids, [3]);
        assert_eq!(resent[2].seq(), 2, "a new batch never reuses a sequence");
    }

    // max.in.flight.requests.per.connection (NetworkClient's InFlightRequests.canSendMore): the
    // limit counts the requests on one broker connection.
    #[test]
    fn in_flight_limit_holds_per_broker_connection() {
        let mut p = idempotent(config(|c| c.max_in_flight = 2));
        for id in 1..=3 {
            send(&mut p, id, 0, 0);
        }
        for id in 4..=6 {
            send(&mut p, id, 1, 0);
        }
        let sent = drain(&mut p, 0);
        assert_eq!(seqs(&sent), [(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert_eq!(
            sent.iter().map(|s| s.broker).collect::<Vec<_>>(),
            [B1, B1, B2, B2]
        );
        assert_eq!(p.queued().count(), 2);
        assert!(drain(&mut p, 0).is_empty());

        answer(&mut p, &sent[0], Ok(Offset(0)), 1);
        assert_eq!(seqs(&drain(&mut p, 1)), [(0, 2)]);
    }

    // Sender.guaranteeMessageOrder, SenderTest.testSendInOrder: with one request in flight the
    // partition is muted until its batch is answered, even after its leader moved to a broker
    // whose connection is idle. Other partitions are not held up.
    #[test]
    fn with_max_in_flight_1_the_partition_is_muted_while_its_batch_is_in_flight() {
        let mut p = Producer::new(
            config(|c| {
                c.max_in_flight = 1;
                c.acks = Acks::Leader;
            }),
            false,
        );
        send(&mut p, 1, 0, 0);
        let first = drain_with(&mut p, 0, |_| Some(B1));
        assert_eq!(first.len(), 1);

        let moved = |tp: &TopicPartition| Some(if tp.partition == 0 { B2 } else { B3 });
        send(&mut p, 2, 0, 0);
        send(&mut p, 3, 1, 0);
        let other = drain_with(&mut p, 0, moved);
        assert_eq!(
            other.iter().map(|s| s.partition).collect::<Vec<_>>(),
            [1],
            "partition 0 stays muted"
        );

        answer(&mut p, &first[0], Ok(Offset(0)), 1);
        let second = drain_with(&mut p, 1, moved);
        assert_eq!(second.len(), 1);
        assert_eq!((second[0].partition, second[0].broker), (0, B2));
        assert_eq!(second[0].batch.provenance.send_ids, [2]);
    }

    // P3, RecordAccumulator.shouldStopDrainBatchesForPartition: while retried batches are
    // unresolved they go out one at a time in sequence order ("This effectively reduces our in
    // flight request count to 1"); new batches wait behind them.
    #[test]
    fn while_a_retried_batch_is_unresolved_only_it_goes_out() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        let first = drain(&mut p, 0);
        answer(&mut p, &first[0], Err(ErrorCode::NotEnoughReplicas), 0);
        answer(&mut p, &first[1], Err(ErrorCode::NotEnoughReplicas), 0);
        send(&mut p, 3, 0, 0);
        send(&mut p, 4, 0, 0);

        let now = BACKOFF;
        let retry0 = drain(&mut p, now);
        assert_eq!(
            seqs(&retry0),
            [(0, 0)],
            "five may be in flight, yet one goes"
        );
        answer(&mut p, &retry0[0], Ok(Offset(0)), now);

        let retry1 = drain(&mut p, now);
        assert_eq!(seqs(&retry1), [(0, 1)]);
        assert_eq!(retry1[0].batch.provenance.attempt, 2);
        assert!(drain(&mut p, now).is_empty());
        answer(&mut p, &retry1[0], Ok(Offset(1)), now);

        // Resolved: the new batches flow again, several at once.
        assert_eq!(seqs(&drain(&mut p, now)), [(0, 2), (0, 3)]);
    }

    // P5, TransactionManager.canRetry, SenderTest.testCorrectHandlingOfOutOfOrderResponses:
    // OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is not the next expected one only means an
    // earlier batch is unresolved; it is retried as it is, epoch unchanged.
    #[test]
    fn out_of_order_for_a_batch_that_is_not_next_is_retried_without_an_epoch_bump() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        let sent = drain(&mut p, 0);
        let events = answer(
            &mut p,
            &sent[1],
            Err(ErrorCode::OutOfOrderSequenceNumber),
            5,
        );
        assert!(!bumped(&events));
        assert_eq!(p.producer_epoch, ProducerEpoch(0));
        assert_eq!(queued_seqs(&p, 0), [Some(1)]);

        answer(&mut p, &sent[0], Ok(Offset(0)), 6);
        let retry = drain(&mut p, 5 + BACKOFF);
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].batch.stamp, sent[1].batch.stamp);
        assert!(!matches!(
            p.outcomes.get(&2),
            Some(SendOutcome::Failed { .. })
        ));
    }

    // P5/P6, KIP-360, SenderTest.testEpochBumpOnOutOfOrderSequenceForNextBatch: the same error for
    // the next expected batch means the broker lost the producer's sequence; an idempotent
    // producer bumps its epoch locally and the partition's sequences restart at 0.
    #[test]
    fn out_of_order_for_the_next_expected_batch_bumps_the_epoch_and_restarts_sequences() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 0, 0);
        let first = drain(&mut p, 0);
        answer(&mut p, &first[0], Ok(Offset(0)), 1);
        send(&mut p, 2, 0, 1);
        let second = drain(&mut p, 1);
        assert_eq!(seqs(&second), [(0, 1)]);

        let events = answer(
            &mut p,
            &second[0],
            Err(ErrorCode::OutOfOrderSequenceNumber),
            2,
        );
        assert!(bumped(&events));
        assert_eq!(p.producer_epoch, ProducerEpoch(1));
        assert_eq!(p.producer_id, PID, "no new producer id, only a new epoch");

        let retry = drain(&mut p, 2 + BACKOFF);
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].batch.provenance.send_ids, [2]);
        assert_eq!((retry[0].epoch(), retry[0].seq()), (ProducerEpoch(1), 0));
        answer(&mut p, &retry[0], Ok(Offset(1)), 200);

        send(&mut p, 3, 0, 200);
        let third = drain(&mut p, 200);
        assert_eq!((third[0].epoch(), third[0].seq()), (ProducerEpoch(1), 1));
    }

    // TransactionManager.startSequencesAtBeginning: after the bump, the partition's batches still
    // in flight are renumbered under the new epoch behind the failed one, so both go through.
    #[test]
    fn after_an_epoch_bump_in_flight_batches_of_the_partition_are_renumbered_in_order() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 0, 0);
        let first = drain(&mut p, 0);
        answer(&mut p, &first[0], Ok(Offset(0)), 1);
        send(&mut p, 2, 0, 1);
        send(&mut p, 3, 0, 1);
        let in_flight = drain(&mut p, 1);
        assert_eq!(seqs(&in_flight), [(0, 1), (0, 2)]);
        answer(
            &mut p,
            &in_flight[0],
            Err(ErrorCode::OutOfOrderSequenceNumber),
            2,
        );
        answer(
            &mut p,
            &in_flight[1],
            Err(ErrorCode::OutOfOrderSequenceNumber),
            3,
        );
        let first_retry = drain(&mut p, 3 + BACKOFF);
        assert_eq!(first_retry.len(), 1, "one retry at a time");
        assert_eq!(first_retry[0].batch.provenance.send_ids, [2]);
        assert_eq!(
            (first_retry[0].epoch(), first_retry[0].seq()),
            (ProducerEpoch(1), 0)
        );
        answer(&mut p, &first_retry[0], Ok(Offset(1)), 200);
        let second_retry = drain(&mut p, 200 + BACKOFF);
        assert_eq!(second_retry[0].batch.provenance.send_ids, [3]);
        assert_eq!(
            (second_retry[0].epoch(), second_retry[0].seq()),
            (ProducerEpoch(1), 1)
        );
    }

    // TransactionManager.maybeUpdateProducerIdAndEpoch: another partition keeps its numbering
    // until its batches are resolved, then starts the new epoch at sequence 0, not mid-count.
    #[test]
    fn after_an_epoch_bump_other_partitions_restart_at_zero_under_the_new_epoch() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 1, 0);
        let other = drain(&mut p, 0);
        answer(&mut p, &other[0], Ok(Offset(0)), 1);
        send(&mut p, 2, 0, 1);
        let failing = drain(&mut p, 1);
        answer(
            &mut p,
            &failing[0],
            Err(ErrorCode::OutOfOrderSequenceNumber),
            2,
        );
        assert_eq!(p.producer_epoch, ProducerEpoch(1));
        send(&mut p, 3, 1, 2);
        let next_on_other = drain(&mut p, 2 + BACKOFF)
            .into_iter()
            .find(|s| s.partition == 1)
            .expect("partition 1 sends");
        assert_eq!(
            (next_on_other.epoch(), next_on_other.seq()),
            (ProducerEpoch(1), 0)
        );
    }

    // NetworkClient.handleTimedOutRequests: a request unanswered for request.timeout.ms closes its
    // connection, failing every request on it; the batches are requeued in sequence order
    // (RecordAccumulator.insertInSequenceOrder). Other brokers' requests are untouched.
    #[test]
    fn request_timeout_fails_every_request_to_that_broker_and_requeues_them_in_order() {
        let mut p = idempotent(config(|c| c.request_timeout_ms = 1_000));
        send(&mut p, 1, 0, 0);
        let early = drain(&mut p, 0);
        send(&mut p, 2, 0, 500);
        send(&mut p, 3, 1, 500);
        let late = drain(&mut p, 500);
        assert_eq!(seqs(&late), [(0, 1), (1, 0)]);

        let mut out = Events::default();
        p.on_time(999, &mut out);
        assert!(out.0.is_empty());
        p.on_time(1_000, &mut out);
        let mut timed_out: Vec<u64> = out
            .0
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::RequestTimedOut { correlation_id, .. } => Some(correlation_id),
                _ => None,
            })
            .collect();
        timed_out.sort_unstable();
        assert_eq!(
            timed_out,
            [early[0].correlation_id, late[0].correlation_id],
            "the 500 ms old request to broker 1 goes down with the connection"
        );
        assert_eq!(
            p.in_flight().iter().map(|f| f.broker).collect::<Vec<_>>(),
            [B2]
        );
        assert_eq!(queued_seqs(&p, 0), [Some(0), Some(1)]);
        assert!(!p.on_produce_response(early[0].correlation_id, Ok(Offset(0)), 1_001, &mut out));

        let resent = drain(&mut p, 1_000);
        assert_eq!(seqs(&resent), [(0, 0)]);
        assert_eq!(resent[0].batch.stamp, early[0].batch.stamp);
    }

    // Sender.canRetry: `retries` counts retries, so retries=0 fails the send at the first
    // retriable error and retries=1 at the second.
    #[test]
    fn retries_bounds_how_often_a_batch_is_retried() {
        for (retries, attempts) in [(0_u32, 1_u64), (1, 2)] {
            let mut p = Producer::new(
                config(|c| {
                    c.retries = retries;
                    c.acks = Acks::Leader;
                }),
                false,
            );
            send(&mut p, 1, 0, 0);
            for attempt in 1..=attempts {
                let sent = drain(&mut p, attempt * 1_000);
                assert_eq!(sent.len(), 1, "retries={retries}, attempt {attempt}");
                answer(&mut p, &sent[0], Err(ErrorCode::NotLeaderOrFollower), 0);
            }
            assert_eq!(
                p.outcomes.get(&1),
                Some(&SendOutcome::Failed {
                    error: ErrorCode::NotLeaderOrFollower
                }),
                "retries={retries}"
            );
            assert_eq!(p.queued().count(), 0);
            assert!(drain(&mut p, 100_000).is_empty());
        }
    }

    // ProducerBatch.hasReachedDeliveryTimeout: once delivery.timeout.ms has passed since the send,
    // a retriable error is no longer retried.
    #[test]
    fn delivery_timeout_ends_retries() {
        let mut p = idempotent(config(|c| c.delivery_timeout_ms = 1_000));
        send(&mut p, 1, 0, 0);
        let sent = drain(&mut p, 0);
        answer(&mut p, &sent[0], Err(ErrorCode::NotEnoughReplicas), 999);
        let retry = drain(&mut p, 999 + BACKOFF);
        answer(&mut p, &retry[0], Err(ErrorCode::NotEnoughReplicas), 1_000);
        assert_eq!(
            p.outcomes.get(&1),
            Some(&SendOutcome::Failed {
                error: ErrorCode::NotEnoughReplicas
            })
        );
    }

    // RecordAccumulatorTest.testRetryBackoff: a batch answered with an error waits
    // retry.backoff.ms before it is drained again.
    #[test]
    fn a_retry_waits_for_retry_backoff_ms() {
        let mut p = idempotent(config(|c| c.retry_backoff_ms = 100));
        send(&mut p, 1, 0, 0);
        let sent = drain(&mut p, 0);
        answer(&mut p, &sent[0], Err(ErrorCode::NotEnoughReplicas), 50);
        assert!(drain(&mut p, 149).is_empty());
        let retry = drain(&mut p, 150);
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].batch.provenance.attempt, 2);
    }

    // Sender.sendProduceRequest with acks=0: no response is expected, so the send counts as done
    // the moment the request is written; nothing waits or times out.
    #[test]
    fn with_acks_0_a_send_is_done_once_drained() {
        let mut p = Producer::new(config(|c| c.acks = Acks::None), false);
        send(&mut p, 1, 0, 0);
        let sent = drain(&mut p, 0);
        assert_eq!(sent.len(), 1);
        assert_eq!(
            p.outcomes.get(&1),
            Some(&SendOutcome::SentWithoutAck {
                topic_partition: tp(0)
            })
        );
        assert!(p.in_flight().is_empty());
        let mut out = Events::default();
        p.on_time(10 * p.config.request_timeout_ms, &mut out);
        assert!(out.0.is_empty());
        assert!(!p.on_produce_response(sent[0].correlation_id, Ok(Offset(0)), 1, &mut out));
    }

    // The producer's buffers live in its process: a crash loses what was queued or awaiting an
    // answer, and a late answer finds nobody waiting.
    #[test]
    fn a_crash_loses_queued_and_in_flight_batches() {
        let mut p = idempotent(config(|c| c.max_in_flight = 1));
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        let sent = drain(&mut p, 0);
        assert_eq!((p.in_flight().len(), p.queued().count()), (1, 1));

        assert_eq!(p.crash(), 2);
        assert!(p.in_flight().is_empty());
        assert_eq!(p.queued().count(), 0);
        assert!(!p.on_produce_response(
            sent[0].correlation_id,
            Ok(Offset(0)),
            1,
            &mut Events::default()
        ));
        assert!(p.outcomes.is_empty(), "no callback ever fires");
    }

    // A new idempotent KafkaProducer (no transactional.id) sends InitProducerId and gets a fresh
    // producer id; its sequences start at 0 again, and answers meant for the old instance are
    // ignored.
    #[test]
    fn a_restarted_idempotent_producer_gets_a_new_producer_id_and_restarts_sequences() {
        let mut p = idempotent(config(|_| {}));
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        let old = drain(&mut p, 0);
        answer(&mut p, &old[0], Ok(Offset(0)), 1);
        p.crash();

        let correlation_id = init_correlation(&p.restart());
        assert_eq!(p.incarnation, 2);
        assert!(p.awaiting_producer_id());
        send(&mut p, 3, 0, 2);
        assert!(drain(&mut p, 2).is_empty());
        assert!(!p.on_produce_response(
            old[1].correlation_id,
            Ok(Offset(1)),
            2,
            &mut Events::default()
        ));

        let new_pid = ProducerId(1001);
        p.on_init_producer_id(
            correlation_id,
            new_pid,
            ProducerEpoch(0),
            &mut Events::default(),
        );
        let sent = drain(&mut p, 3);
        assert_eq!(
            sent[0].batch.stamp,
            ProducerStamp {
                producer_id: new_pid,
                producer_epoch: ProducerEpoch(0),
                base_sequence: Sequence(0),
            }
        );
    }

    // RecordAccumulator.append and RecordAccumulatorTest.testFlush: records join their
    // partition's open batch until it is full (batch.records stands in for batch.size); flush
    // makes a partly filled batch ready at once. Offsets are handed out per record.
    #[test]
    fn batch_records_groups_sends_and_flush_sends_a_partial_batch() {
        let mut p = idempotent(config(|c| c.batch_records = 3));
        send(&mut p, 1, 0, 0);
        send(&mut p, 2, 0, 0);
        assert!(drain(&mut p, 0).is_empty());
        send(&mut p, 3, 0, 0);
        let full = drain(&mut p, 0);
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].batch.provenance.send_ids, [1, 2, 3]);
        assert_eq!(full[0].batch.records.len(), 3);

        send(&mut p, 4, 0, 0);
        assert!(drain(&mut p, 0).is_empty());
        p.flush();
        let partial = drain(&mut p, 0);
        assert_eq!(partial[0].batch.provenance.send_ids, [4]);
        assert_eq!(partial[0].seq(), 3);

        answer(&mut p, &full[0], Ok(Offset(10)), 1);
        let offsets: Vec<_> = (1..=3).map(|id| p.outcomes.get(&id).cloned()).collect();
        let acked = |o: i64| {
            Some(SendOutcome::Acknowledged {
                topic_partition: tp(0),
                offset: Offset(o),
            })
        };
        assert_eq!(offsets, [acked(10), acked(11), acked(12)]);
    }

    // RecordBatch.NO_PRODUCER_ID / NO_SEQUENCE: without idempotence there is no InitProducerId and
    // batches carry no producer id, epoch or sequence, retries included, so a broker cannot tell
    // a retry from a new record.
    #[test]
    fn a_producer_without_idempotence_stamps_no_producer_id() {
        let mut p = Producer::new(config(|c| c.enable_idempotence = Some(false)), false);
        assert!(p.start().is_empty());
        assert!(!p.awaiting_producer_id());
        send(&mut p, 1, 0, 0);
        let sent = drain(&mut p, 0);
        assert_eq!(sent[0].batch.stamp, ProducerStamp::NONE);

        answer(&mut p, &sent[0], Err(ErrorCode::NotLeaderOrFollower), 0);
        let retry = drain(&mut p, BACKOFF);
        assert_eq!(retry[0].batch.provenance.attempt, 2);
        assert_eq!(retry[0].batch.stamp, ProducerStamp::NONE);
    }
}
