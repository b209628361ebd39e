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

use crate::batch::{ProducedBatch, ProducerStamp, Provenance, Record};
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
    accumulator: BTreeMap<TopicPartition, VecDeque<PendingBatch>>,
    in_flight: Vec<InFlight>,
    next_correlation: u64,
    pub outcomes: BTreeMap<u64, SendOutcome>,
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
            config,
            idempotent,
            alive: true,
            incarnation: 1,
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
            init_correlation: None,
            next_sequence: BTreeMap::new(),
            last_acked_sequence: BTreeMap::new(),
            accumulator: BTreeMap::new(),
            in_flight: Vec::new(),
            next_correlation: 0,
            outcomes: BTreeMap::new(),
        }
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
        if !self.idempotent {
            return Vec::new();
        }
        let correlation_id = self.next_correlation_id();
        self.init_correlation = Some(correlation_id);
        vec![OutgoingRequest::InitProducerId { correlation_id }]
    }

    /// `KafkaProducer.send`: the record joins the partition's open batch in the accumulator.
    pub fn send(&mut self, send_id: u64, tp: TopicPartition, record: Record, now_ms: u64) {
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
        if !self.alive || self.awaiting_producer_id() {
            return requests;
        }
        let partitions: Vec<TopicPartition> = self.accumulator.keys().cloned().collect();
        for tp in partitions {
            let Some(broker) = leader_of(&tp) else {
                continue;
            };
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
                    is_transactional: false,
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
        requests
    }

    fn stamp_for(&mut self, tp: &TopicPartition, count: usize) -> ProducerStamp {
        if !self.idempotent {
            return ProducerStamp::NONE;
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
        out.push(
            EventKind::ProducerIdAssigned { producer: self.id().clone(), producer_id, producer_epoch },
            format!(
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
                out.push(
                    EventKind::SendAcknowledged { producer: producer.clone(), send_ids: batch.send_ids.clone(), topic_partition: tp.clone(), base_offset },
                    format!("{producer} receives the acknowledgement for {} on {tp}: written at offset {base_offset}.", sends_label(&batch.send_ids)),
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
                } else {
                    // TransactionManager.handleFailedBatch (KIP-360): bump the epoch locally and
                    // restart this partition's sequences at 0.
                    self.bump_epoch(&tp, out);
                    batch.stamp = None;
                    true
                }
            }
            other => other.is_retriable(),
        };
        if retriable && may_retry(&self.config, &batch, now_ms) {
            batch.ready = true;
            batch.retry_not_before_ms = now_ms.saturating_add(self.config.retry_backoff_ms);
            out.push(
                EventKind::BatchRequeued { producer: producer.clone(), topic_partition: tp.clone(), attempt: batch.attempts + 1 },
                format!(
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

    fn bump_epoch(&mut self, tp: &TopicPartition, out: &mut Events) {
        self.producer_epoch = self.producer_epoch.bumped();
        self.next_sequence.insert(tp.clone(), Sequence(0));
        self.last_acked_sequence.remove(tp);
        for batch in self.accumulator.get_mut(tp).into_iter().flatten() {
            batch.stamp = None;
        }
        let producer = self.id().clone();
        out.push(
            EventKind::ProducerEpochBumped { producer: producer.clone(), producer_epoch: self.producer_epoch },
            format!(
                "{producer} bumps its epoch to {} and restarts the sequence of {tp} at 0, so the broker can accept its batches again (KIP-360).",
                self.producer_epoch
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

    fn fail(&mut self, batch: PendingBatch, error: ErrorCode, out: &mut Events) {
        let producer = self.id().clone();
        for send_id in &batch.send_ids {
            self.outcomes
                .insert(*send_id, SendOutcome::Failed { error });
        }
        out.push(
            EventKind::SendFailed { producer: producer.clone(), send_ids: batch.send_ids.clone(), error },
            format!(
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
                out.push(
                    EventKind::RequestTimedOut { producer: producer.clone(), correlation_id: f.correlation_id },
                    format!(
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
        lost
    }

    /// A new instance with the same configuration; a non-transactional idempotent producer gets
    /// a new producer id, so the broker cannot link its sends to the old instance's.
    pub fn restart(&mut self) -> Vec<OutgoingRequest> {
        self.alive = true;
        self.incarnation += 1;
        self.producer_id = ProducerId::NONE;
        self.producer_epoch = ProducerEpoch::NONE;
        self.next_sequence.clear();
        self.last_acked_sequence.clear();
        self.start()
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
