//! Named guarantees, checked after every step and reported green or red, never by panicking.
//!
//! Some guarantees hold only under the right settings: that is the point of the lab. A
//! non-idempotent producer's retry breaks `no_duplicate_write`; `acks=1` and a leader crash
//! break `no_acknowledged_write_lost`. Each check looks only at what the step touched, so its
//! cost does not grow with the log.

use crate::clients::producer::SendOutcome;
use crate::coordinator::state_machine::TransactionState;
use crate::event::{Event, EventKind};
use crate::ids::{BrokerId, ClientId, Offset, ProducerEpoch, ProducerId, TopicPartition};
use crate::world::World;
use std::sync::Arc;

/// One guarantee and, once broken, where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantStatus {
    pub name: &'static str,
    pub description: &'static str,
    /// The first step that broke it and why; `None` while it holds.
    pub broken: Option<Violation>,
}

/// Where a guarantee broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub step: u64,
    pub why: String,
}

pub const OFFSETS_CONTIGUOUS: &str = "offsets_contiguous";
pub const HIGH_WATERMARK_WITHIN_LOG: &str = "high_watermark_within_log";
pub const NO_DUPLICATE_WRITE: &str = "no_duplicate_write";
pub const NO_ACKNOWLEDGED_WRITE_LOST: &str = "no_acknowledged_write_lost";
pub const NO_DUPLICATE_EFFECT: &str = "no_duplicate_effect";
pub const LSO_WITHIN_HIGH_WATERMARK: &str = "lso_within_high_watermark";
pub const READ_COMMITTED_SEES_ONLY_COMMITTED: &str = "read_committed_sees_only_committed";
pub const TRANSACTIONS_ALL_OR_NOTHING: &str = "transactions_all_or_nothing";
pub const COORDINATOR_TRANSITIONS_VALID: &str = "coordinator_transitions_valid";
pub const FENCED_WRITES_NEVER_COMMITTED: &str = "fenced_writes_never_committed";
pub const NO_DUPLICATE_WRITE_ACROSS_SESSIONS: &str = "no_duplicate_write_across_sessions";
pub const NO_SEND_LOST: &str = "no_send_lost";
pub const NO_RECORD_SKIPPED_BY_GROUP: &str = "no_record_skipped_by_group";

const CATALOGUE: [(&str, &str); 13] = [
    (
        OFFSETS_CONTIGUOUS,
        "Every partition's offsets run on without gaps or overlaps.",
    ),
    (
        HIGH_WATERMARK_WITHIN_LOG,
        "On every replica, log start <= high watermark <= log end.",
    ),
    (
        NO_DUPLICATE_WRITE,
        "No send is written twice to a partition (what idempotence guarantees within one producer session).",
    ),
    (
        NO_ACKNOWLEDGED_WRITE_LOST,
        "Every acknowledged write is still in its partition's log.",
    ),
    (
        NO_DUPLICATE_EFFECT,
        "No business id's effect is applied twice in the external database.",
    ),
    (
        LSO_WITHIN_HIGH_WATERMARK,
        "Every partition's last stable offset is at most its high watermark.",
    ),
    (
        READ_COMMITTED_SEES_ONLY_COMMITTED,
        "A read_committed consumer never receives a record of an open or aborted transaction.",
    ),
    (
        TRANSACTIONS_ALL_OR_NOTHING,
        "A committed transaction's records are committed in every partition it wrote to; an aborted one's are aborted in all of them.",
    ),
    (
        COORDINATOR_TRANSITIONS_VALID,
        "Every __transaction_state record follows a state the coordinator may move from (Kafka's TransactionState table).",
    ),
    (
        FENCED_WRITES_NEVER_COMMITTED,
        "A transactional write made with an epoch the coordinator had already moved past is never committed.",
    ),
    (
        NO_DUPLICATE_WRITE_ACROSS_SESSIONS,
        "No producer writes the same record (key and value) to a partition again from a new session after a restart: deduplication cannot see across sessions.",
    ),
    (
        NO_SEND_LOST,
        "No send of a producer outside transactions fails for good while its record is not in the log (a transaction's failed send aborts it, and it is retried as a whole).",
    ),
    (
        NO_RECORD_SKIPPED_BY_GROUP,
        "A consumer group's committed offset never passes a record no member processed for good: a crash after an early commit, or an aborted transaction behind a plain commit, would skip it.",
    ),
];

/// A polled record a group has not processed for good yet, and who holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Unsettled {
    consumer: ClientId,
    /// Transformed for a transaction that has not committed yet.
    transformed: bool,
    /// The producer whose transaction carries the transformed output, when the consumer has
    /// one of its own (a Kafka Streams thread's task): only that transaction's abort sends the
    /// record back. `None` for an application that picks its producer at each call.
    carrier: Option<ClientId>,
}

/// A record that may have been skipped: judged once every event of the step is in, since
/// the group's committed offset is read after the step, and a transaction decided in the same
/// step may have processed the record for good.
struct SkipSuspect {
    group: GroupKey,
    topic_partition: TopicPartition,
    offset: Offset,
    why: String,
}

/// Which client, in which of its sessions (incarnations), made a send.
type SendOwner = (ClientId, u32);

/// A record as its client sent it to a partition: partition, client, key and value. Shared
/// strings, as in the group keys below: these maps grow with the run, and a change after a
/// clone of the world copies a node of up to 64 keys, which should count references rather
/// than copy strings.
type SentRecord = (TopicPartition, ClientId, Option<Arc<str>>, Arc<str>);

/// A consumer group's id as the checks' keys hold it (shared, see [`SentRecord`]).
type GroupKey = Arc<str>;

/// What the transaction checks remember of a producer's records in one partition since its
/// last marker there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpenTxnData {
    first_offset: Offset,
    /// The first record written with an epoch the coordinator had moved past, if any.
    fenced_at: Option<(Offset, ProducerEpoch, ProducerEpoch)>,
}

/// The state of every guarantee, plus what the checks remember between steps.
#[derive(Clone, Debug)]
pub struct Invariants {
    statuses: Vec<InvariantStatus>,
    /// Where each send was first written, per partition.
    written: imbl::OrdMap<(TopicPartition, u64), Offset>,
    /// Each transactional id's last state in `__transaction_state`.
    txn_states: imbl::OrdMap<String, TransactionState>,
    /// Each decided transaction's producer id and partitions, from its Prepare record.
    prepared: imbl::OrdMap<String, (ProducerId, Vec<TopicPartition>)>,
    /// Transactional records with no marker after them yet, per partition and producer.
    open_data: imbl::OrdMap<(TopicPartition, ProducerId), OpenTxnData>,
    /// How a marker decided those records (true for COMMIT), until the coordinator completes.
    decided: imbl::OrdMap<(TopicPartition, ProducerId), bool>,
    /// The epoch of each producer id's latest `__transaction_state` record.
    coordinator_epochs: imbl::OrdMap<ProducerId, ProducerEpoch>,
    /// Who made each send, and in which session.
    send_owners: imbl::OrdMap<u64, SendOwner>,
    /// Where each client first wrote a record outside transactions: by partition, client, key
    /// and value, the session and offset.
    contents: imbl::OrdMap<SentRecord, (u32, Offset)>,
    /// Records polled by a group's members and not processed for good yet.
    unsettled: imbl::OrdMap<(GroupKey, TopicPartition), imbl::OrdMap<Offset, Unsettled>>,
    /// Records some member of the group processed for good: a copy another member still holds
    /// (from before a rebalance) is not skipped when that member crashes.
    processed: imbl::OrdSet<(GroupKey, TopicPartition, Offset)>,
    /// Below which offset a committed transaction settled the group's input.
    settled_below: imbl::OrdMap<(GroupKey, TopicPartition), Offset>,
    /// Which producer sent the pending transactional offsets of each producer id, so that an
    /// abort knows whose transaction it ended.
    offset_senders: imbl::OrdMap<ProducerId, ClientId>,
    /// Every acknowledgement per partition, in order: producer and send.
    acks: imbl::OrdMap<TopicPartition, imbl::Vector<(ClientId, u64)>>,
    /// What the last acknowledged-writes check of each partition found on each replica.
    ack_checks: imbl::OrdMap<(TopicPartition, BrokerId), AckCheck>,
}

/// An acknowledged-writes check of one replica's log, so that the next check of that replica
/// looks only at what may have changed: below `log_end`, a log that was not truncated since
/// still holds every send it held.
#[derive(Clone, Debug)]
struct AckCheck {
    truncations: u64,
    log_end: Offset,
    /// How many of the partition's acknowledgements it looked at.
    acks_seen: usize,
    /// The acknowledged sends it found missing (every one at or past `log_end` among them).
    missing: Vec<(ClientId, u64)>,
}

impl Default for Invariants {
    fn default() -> Self {
        Self::with_statuses(
            CATALOGUE
                .iter()
                .map(|(name, description)| InvariantStatus {
                    name,
                    description,
                    broken: None,
                })
                .collect(),
        )
    }
}

impl Invariants {
    fn with_statuses(statuses: Vec<InvariantStatus>) -> Self {
        Self {
            statuses,
            written: imbl::OrdMap::new(),
            txn_states: imbl::OrdMap::new(),
            prepared: imbl::OrdMap::new(),
            open_data: imbl::OrdMap::new(),
            decided: imbl::OrdMap::new(),
            coordinator_epochs: imbl::OrdMap::new(),
            send_owners: imbl::OrdMap::new(),
            contents: imbl::OrdMap::new(),
            unsettled: imbl::OrdMap::new(),
            processed: imbl::OrdSet::new(),
            settled_below: imbl::OrdMap::new(),
            offset_senders: imbl::OrdMap::new(),
            acks: imbl::OrdMap::new(),
            ack_checks: imbl::OrdMap::new(),
        }
    }

    /// No guarantee at all and nothing remembered, without allocating: what stands in the
    /// world while its checks are lent out for a step (`World::step`).
    pub(crate) fn placeholder() -> Self {
        Self::with_statuses(Vec::new())
    }

    pub fn statuses(&self) -> &[InvariantStatus] {
        &self.statuses
    }

    pub fn status(&self, name: &str) -> Option<&InvariantStatus> {
        self.statuses.iter().find(|s| s.name == name)
    }

    pub fn all_hold(&self) -> bool {
        self.statuses.iter().all(|s| s.broken.is_none())
    }

    /// Checks the guarantees the step's events touch; returns those that broke just now.
    pub(crate) fn check(
        &mut self,
        world: &World,
        step: u64,
        events: &[Event],
    ) -> Vec<(&'static str, String)> {
        let mut broken = Vec::new();
        let mut suspects = Vec::new();
        // Every acknowledgement of the step first: a check reads the world after the step.
        for event in events {
            if let EventKind::SendAcknowledged {
                producer,
                send_ids,
                topic_partition,
                ..
            } = &event.kind
            {
                let acks = self.acks.entry(topic_partition.clone()).or_default();
                acks.extend(send_ids.iter().map(|id| (producer.clone(), *id)));
            }
        }
        for event in events {
            match &event.kind {
                EventKind::BatchAppended {
                    topic_partition,
                    broker,
                    base_offset,
                    last_offset,
                    send_ids,
                    producer_id,
                } => {
                    self.track_transactional_data(
                        world,
                        topic_partition,
                        *broker,
                        *base_offset,
                        *producer_id,
                    );
                    self.check_append(
                        world,
                        topic_partition,
                        *broker,
                        *base_offset,
                        *last_offset,
                        send_ids,
                        &mut broken,
                    );
                    self.check_resend_across_sessions(
                        world,
                        topic_partition,
                        *broker,
                        *base_offset,
                        send_ids,
                        &mut broken,
                    );
                }
                EventKind::RecordQueued {
                    producer, send_id, ..
                } => {
                    let incarnation = world.producer(producer).map_or(0, |p| p.incarnation);
                    self.send_owners
                        .insert(*send_id, (producer.clone(), incarnation));
                }
                EventKind::SendFailed {
                    producer,
                    send_ids,
                    error,
                } => self.check_failed_send(world, producer, send_ids, *error, &mut broken),
                EventKind::RecordTransformed {
                    consumer,
                    topic_partition,
                    offset,
                } => {
                    let carrier = world
                        .streams_output_producer(consumer, topic_partition)
                        .cloned();
                    if let Some(held) = self.held(world, consumer, topic_partition, *offset) {
                        held.transformed = true;
                        held.carrier = carrier;
                    }
                }
                EventKind::ConsumerCrashed { consumer, .. } => {
                    self.on_consumer_crash(world, consumer, &mut suspects);
                }
                EventKind::TxnOffsetCommitPending {
                    producer,
                    producer_id,
                    ..
                } => {
                    self.offset_senders.insert(*producer_id, producer.clone());
                }
                EventKind::TxnOffsetCompleted {
                    group_id,
                    producer_id,
                    commit,
                    topic_partition,
                    offset,
                    ..
                } => self.on_txn_offsets_decided(
                    world,
                    (group_id, topic_partition, *offset),
                    *producer_id,
                    *commit,
                    &mut suspects,
                ),
                EventKind::MarkerWritten {
                    topic_partition,
                    broker,
                    producer_id,
                    offset,
                    commit,
                } => self.on_marker(
                    world,
                    topic_partition,
                    *broker,
                    *producer_id,
                    *offset,
                    *commit,
                    &mut broken,
                ),
                EventKind::TxnLogAppended {
                    transactional_id,
                    state,
                    producer_id,
                    producer_epoch,
                    partitions,
                } => self.on_txn_log_append(
                    transactional_id,
                    *state,
                    (*producer_id, *producer_epoch),
                    partitions,
                    &mut broken,
                ),
                EventKind::LeaderElected {
                    topic_partition, ..
                }
                | EventKind::FollowerTruncated {
                    topic_partition, ..
                } => {
                    self.check_acknowledged(world, topic_partition, &mut broken);
                }
                EventKind::RecordsPolled {
                    consumer,
                    topic_partition,
                    offsets,
                    ..
                } => {
                    check_read_committed(world, consumer, topic_partition, offsets, &mut broken);
                    self.on_polled(world, consumer, topic_partition, offsets);
                }
                EventKind::RecordProcessed {
                    business_id,
                    consumer,
                    topic_partition,
                    offset,
                    ..
                } => {
                    if let Some(group) = group_of(world, consumer) {
                        self.settle(group, topic_partition, *offset);
                    }
                    if let Some(row) = world
                        .store()
                        .effects()
                        .get(business_id.as_str())
                        .filter(|r| r.times_applied > 1)
                    {
                        broken.push((
                            NO_DUPLICATE_EFFECT,
                            format!(
                                "the effect of {business_id} has been applied {} times.",
                                row.times_applied
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
        for suspect in suspects {
            if !self.processed_for_good(&suspect.group, &suspect.topic_partition, suspect.offset) {
                broken.push((NO_RECORD_SKIPPED_BY_GROUP, suspect.why));
            }
        }
        for partition in world.cluster().partitions() {
            // UnifiedLog.maybeIncrementFirstUnstableOffset: never below the log start either.
            let log_start = partition
                .leader_replica()
                .map_or(Offset(0), |r| r.log.log_start_offset());
            let last_stable_offset = partition.last_stable_offset();
            if last_stable_offset < log_start {
                broken.push((
                    LSO_WITHIN_HIGH_WATERMARK,
                    format!(
                        "{} has last stable offset {last_stable_offset} below its log start {log_start}.",
                        partition.topic_partition,
                    ),
                ));
            }
            let high_watermark = partition.high_watermark();
            if last_stable_offset > high_watermark {
                broken.push((
                    LSO_WITHIN_HIGH_WATERMARK,
                    format!(
                        "{} has last stable offset {last_stable_offset} above its high watermark {high_watermark}.",
                        partition.topic_partition,
                    ),
                ));
            }
            for replica in &partition.replicas {
                let log = &replica.log;
                if !(log.log_start_offset() <= log.high_watermark()
                    && log.high_watermark() <= log.log_end_offset())
                {
                    broken.push((
                        HIGH_WATERMARK_WITHIN_LOG,
                        format!(
                            "broker {}'s replica of {} has log start {}, high watermark {} and log end {}.",
                            replica.broker,
                            partition.topic_partition,
                            log.log_start_offset(),
                            log.high_watermark(),
                            log.log_end_offset()
                        ),
                    ));
                }
            }
        }
        let mut newly = Vec::new();
        for (name, why) in broken {
            if let Some(status) = self.statuses.iter_mut().find(|s| s.name == name)
                && status.broken.is_none()
            {
                status.broken = Some(Violation {
                    step,
                    why: why.clone(),
                });
                newly.push((name, why));
            }
        }
        newly
    }

    /// A polled record is the group's to process now.
    fn on_polled(
        &mut self,
        world: &World,
        consumer: &ClientId,
        tp: &TopicPartition,
        offsets: &[Offset],
    ) {
        let Some(group) = group_of(world, consumer) else {
            return;
        };
        let held = self.unsettled.entry((group, tp.clone())).or_default();
        for offset in offsets {
            held.insert(
                *offset,
                Unsettled {
                    consumer: consumer.clone(),
                    transformed: false,
                    carrier: None,
                },
            );
        }
    }

    /// The member holding a polled record its group has not processed for good yet.
    #[cfg(test)]
    pub(crate) fn holder(
        &self,
        group: &str,
        tp: &TopicPartition,
        offset: Offset,
    ) -> Option<&ClientId> {
        self.unsettled
            .get(&(GroupKey::from(group), tp.clone()))?
            .get(&offset)
            .map(|held| &held.consumer)
    }

    fn settle(&mut self, group: GroupKey, tp: &TopicPartition, offset: Offset) {
        if let Some(held) = self.unsettled.get_mut(&(group.clone(), tp.clone())) {
            held.remove(&offset);
        }
        self.processed.insert((group, tp.clone(), offset));
    }

    fn processed_for_good(&self, group: &str, tp: &TopicPartition, offset: Offset) -> bool {
        self.settled_below
            .get(&(GroupKey::from(group), tp.clone()))
            .is_some_and(|below| offset < *below)
            || self
                .processed
                .contains(&(GroupKey::from(group), tp.clone(), offset))
    }

    fn held(
        &mut self,
        world: &World,
        consumer: &ClientId,
        tp: &TopicPartition,
        offset: Offset,
    ) -> Option<&mut Unsettled> {
        let group = group_of(world, consumer)?;
        self.unsettled
            .get_mut(&(group, tp.clone()))?
            .get_mut(&offset)
    }

    /// A crashed member's unprocessed records are read again from the committed offset, unless
    /// the group already committed past them. Transformed ones wait for their transaction.
    fn on_consumer_crash(
        &mut self,
        world: &World,
        consumer: &ClientId,
        suspects: &mut Vec<SkipSuspect>,
    ) {
        let Some(group) = group_of(world, consumer) else {
            return;
        };
        let keys: Vec<(GroupKey, TopicPartition)> = self
            .unsettled
            .keys()
            .filter(|(g, _)| *g == group)
            .cloned()
            .collect();
        for key in keys {
            let Some(held) = self.unsettled.get_mut(&key) else {
                continue;
            };
            let tp = &key.1;
            let committed = committed_offset(world, &group, tp);
            let lost: Vec<Offset> = held
                .iter()
                .filter(|(_, u)| u.consumer == *consumer && !u.transformed)
                .map(|(offset, _)| *offset)
                .collect();
            for offset in lost {
                held.remove(&offset);
                if let Some(committed) = committed.filter(|c| offset < *c) {
                    suspects.push(SkipSuspect {
                        group: group.clone(),
                        topic_partition: tp.clone(),
                        offset,
                        why: format!(
                            "{consumer} crashed before processing {tp}@{offset}, but group {group} had already committed offset {committed}: no member will read that record again."
                        ),
                    });
                }
            }
        }
    }

    /// A transaction's marker settles the records its output covered: a commit for good; an
    /// abort sends them back to be read again, unless a plain commit already passed them. An
    /// abort leaves alone a record another member transformed since for a transaction of its
    /// own: the group coordinator keeps each producer id's pending offsets apart and discards
    /// only the aborted one's (`OffsetMetadataManager.replayEndTransactionMarker`).
    fn on_txn_offsets_decided(
        &mut self,
        world: &World,
        (group, tp, offset): (&str, &TopicPartition, Offset),
        producer_id: ProducerId,
        commit: bool,
        suspects: &mut Vec<SkipSuspect>,
    ) {
        let committed = committed_offset(world, group, tp);
        let sender = self.offset_senders.get(&producer_id).cloned();
        if commit {
            let below = self
                .settled_below
                .entry((GroupKey::from(group), tp.clone()))
                .or_insert(offset);
            *below = (*below).max(offset);
        }
        let Some(held) = self.unsettled.get_mut(&(GroupKey::from(group), tp.clone())) else {
            return;
        };
        // A commit settles every copy below its offset (they are processed for good now); an
        // abort only those its producer carried, when both are known.
        let settled_by_this_marker = |u: &Unsettled| match (&u.carrier, &sender) {
            (Some(carrier), Some(sender)) if !commit => carrier == sender,
            _ => true,
        };
        let covered: Vec<Offset> = held
            .range(..offset)
            .filter(|(_, u)| u.transformed && settled_by_this_marker(u))
            .map(|(o, _)| *o)
            .collect();
        for record in &covered {
            held.remove(record);
        }
        if commit {
            return;
        }
        for record in covered {
            if let Some(committed) = committed.filter(|c| record < *c) {
                suspects.push(SkipSuspect {
                    group: GroupKey::from(group),
                    topic_partition: tp.clone(),
                    offset: record,
                    why: format!(
                        "the transaction carrying the output for {tp}@{record} aborted, but group {group} had already committed offset {committed} outside it: no member will read that record again."
                    ),
                });
            }
        }
    }

    /// The same record from the same client, written again by a later session of it: the
    /// broker's deduplication knows only the current producer id.
    fn check_resend_across_sessions(
        &mut self,
        world: &World,
        tp: &TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
        send_ids: &[u64],
        broken: &mut Vec<(&'static str, String)>,
    ) {
        let Some(partition) = world.cluster().partition(tp) else {
            return;
        };
        if partition.leader != Some(broker) {
            return;
        }
        let Some(log) = partition.replica(broker).map(|r| &r.log) else {
            return;
        };
        let Some(batch) = log.batch_containing(base_offset) else {
            return;
        };
        if batch.is_transactional || batch.is_control() {
            return;
        }
        for (i, (send_id, record)) in send_ids.iter().zip(&batch.records).enumerate() {
            let Some((client, session)) = self.send_owners.get(send_id).cloned() else {
                continue;
            };
            let offset = base_offset.plus(i64::try_from(i).unwrap_or(0));
            let key = (
                tp.clone(),
                client.clone(),
                record.key.as_deref().map(Arc::from),
                Arc::from(record.value.as_str()),
            );
            match self.contents.get(&key).copied() {
                Some((first_session, first))
                    if first_session != session
                        && log.batch_containing(first).is_some_and(|b| {
                            b.records
                                .iter()
                                .any(|r| r.key == record.key && r.value == record.value)
                        }) =>
                {
                    let shown_key = record.key.as_deref().unwrap_or("(no key)");
                    broken.push((
                        NO_DUPLICATE_WRITE_ACROSS_SESSIONS,
                        format!(
                            "{client} wrote {shown_key}=\"{}\" to {tp} at offset {first}, and again at offset {offset} after a restart: the new session's producer id is unknown to the broker's deduplication.",
                            record.value
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    self.contents.insert(key, (session, offset));
                }
            }
        }
    }

    /// A send given up for good by a producer outside transactions: was its record written?
    fn check_failed_send(
        &self,
        world: &World,
        producer: &ClientId,
        send_ids: &[u64],
        error: crate::error_code::ErrorCode,
        broken: &mut Vec<(&'static str, String)>,
    ) {
        let transactional = world
            .producer(producer)
            .is_some_and(|p| p.config.transactional_id.is_some());
        if transactional {
            return;
        }
        for send_id in send_ids {
            // A send is only ever written to the partition it was queued for.
            let written = world.sends().get(send_id).is_some_and(|send| {
                self.written
                    .contains_key(&(send.topic_partition.clone(), *send_id))
            });
            if !written {
                broken.push((
                    NO_SEND_LOST,
                    format!(
                        "{producer} gave up on send #{send_id} with {error} and its record is in no log: unless the application sends it again, it is lost."
                    ),
                ));
            }
        }
    }

    /// A transactional batch on a partition leader opens (or extends) its producer's
    /// transaction there; one written with an epoch the coordinator has moved past is noted.
    fn track_transactional_data(
        &mut self,
        world: &World,
        tp: &TopicPartition,
        broker: BrokerId,
        base_offset: Offset,
        producer_id: ProducerId,
    ) {
        let Some(partition) = world.cluster().partition(tp) else {
            return;
        };
        let Some(batch) = partition
            .replica(broker)
            .filter(|_| partition.leader == Some(broker))
            .and_then(|r| r.log.batch_containing(base_offset))
        else {
            return;
        };
        if !batch.is_transactional || batch.is_control() {
            return;
        }
        let epoch = batch.stamp.producer_epoch;
        // The coordinator's epoch when the batch was appended, not after the step: events are
        // replayed here in the order they happened.
        let fenced = self
            .coordinator_epochs
            .get(&producer_id)
            .copied()
            .filter(|current| *current > epoch)
            .map(|current| (base_offset, epoch, current));
        let entry = self
            .open_data
            .entry((tp.clone(), producer_id))
            .or_insert(OpenTxnData {
                first_offset: base_offset,
                fenced_at: None,
            });
        if entry.fenced_at.is_none() {
            entry.fenced_at = fenced;
        }
    }

    /// A marker decides the producer's open records in the partition.
    #[allow(clippy::too_many_arguments)] // the fields of one MarkerWritten event
    fn on_marker(
        &mut self,
        world: &World,
        tp: &TopicPartition,
        broker: BrokerId,
        producer_id: ProducerId,
        offset: Offset,
        commit: bool,
        broken: &mut Vec<(&'static str, String)>,
    ) {
        if world.cluster().leader_of(tp) != Some(broker) {
            return;
        }
        let Some(open) = self.open_data.remove(&(tp.clone(), producer_id)) else {
            return;
        };
        self.decided.insert((tp.clone(), producer_id), commit);
        if let (true, Some((at, epoch, current))) = (commit, open.fenced_at) {
            broken.push((
                FENCED_WRITES_NEVER_COMMITTED,
                format!(
                    "producer {producer_id}'s record at {tp}@{at} was written with epoch {epoch} after the coordinator had moved it to epoch {current}, and the COMMIT marker at offset {offset} commits it with the transaction that began at offset {}.",
                    open.first_offset
                ),
            ));
        }
    }

    /// Checks each `__transaction_state` record against the state table, and a completed
    /// transaction against the markers its partitions received.
    fn on_txn_log_append(
        &mut self,
        transactional_id: &str,
        state: TransactionState,
        (producer_id, producer_epoch): (ProducerId, ProducerEpoch),
        partitions: &[TopicPartition],
        broken: &mut Vec<(&'static str, String)>,
    ) {
        self.coordinator_epochs.insert(producer_id, producer_epoch);
        let from = self
            .txn_states
            .insert(transactional_id.to_owned(), state)
            .unwrap_or(TransactionState::Empty);
        if !state.valid_previous_states().contains(&from) {
            broken.push((
                COORDINATOR_TRANSITIONS_VALID,
                format!("{transactional_id} moved from {from} to {state}, which Kafka's TransactionState table does not allow."),
            ));
        }
        // An expired id's tombstone: a later InitProducerId starts the id over, as a new one.
        if state == TransactionState::Dead {
            self.txn_states.remove(transactional_id);
        }
        match state {
            TransactionState::PrepareCommit | TransactionState::PrepareAbort => {
                self.prepared.insert(
                    transactional_id.to_owned(),
                    (producer_id, partitions.to_vec()),
                );
            }
            TransactionState::CompleteCommit | TransactionState::CompleteAbort => {
                let commit = state == TransactionState::CompleteCommit;
                let Some((pid, partitions)) = self.prepared.remove(transactional_id) else {
                    return;
                };
                for tp in partitions {
                    match self.decided.remove(&(tp.clone(), pid)) {
                        Some(decided) if decided != commit => broken.push((
                            TRANSACTIONS_ALL_OR_NOTHING,
                            format!(
                                "transaction {transactional_id} {} but its records in {tp} were {} by an earlier marker (an admin abort, say).",
                                if commit { "committed" } else { "aborted" },
                                if decided { "committed" } else { "aborted" }
                            ),
                        )),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)] // the fields of one BatchAppended event
    fn check_append(
        &mut self,
        world: &World,
        tp: &TopicPartition,
        broker: crate::ids::BrokerId,
        base_offset: Offset,
        last_offset: Offset,
        send_ids: &[u64],
        broken: &mut Vec<(&'static str, String)>,
    ) {
        let Some(log) = world
            .cluster()
            .partition(tp)
            .and_then(|p| p.replica(broker))
            .map(|r| &r.log)
        else {
            return;
        };
        let mut newest = log.batches().iter().rev();
        if let (Some(last), Some(before)) = (newest.next(), newest.next())
            && before.next_offset() != last.base_offset
        {
            broken.push((
                OFFSETS_CONTIGUOUS,
                format!(
                    "in {tp}, a batch ends at {} but the next starts at {}.",
                    before.last_offset(),
                    last.base_offset
                ),
            ));
        }
        for (i, send_id) in send_ids.iter().enumerate() {
            let offset = base_offset.plus(i64::try_from(i).unwrap_or(0));
            let key = (tp.clone(), *send_id);
            match self.written.get(&key) {
                Some(first)
                    if *first != offset
                        && log
                            .batch_containing(*first)
                            .is_some_and(|b| b.provenance.send_ids.contains(send_id)) =>
                {
                    broken.push((
                        NO_DUPLICATE_WRITE,
                        format!(
                            "send #{send_id} is in {tp} twice, at offsets {first} and {offset}."
                        ),
                    ));
                }
                _ => {
                    self.written.insert(key, offset);
                }
            }
        }
        let _ = last_offset;
    }
}

impl Invariants {
    /// After a leader change or truncation: is every acknowledged send to `tp` still in the
    /// leader's log? Looks again only at the sends the leader's last check found missing and
    /// those acknowledged since, unless the leader's log was truncated since that check: the
    /// answer is the same as looking at every acknowledged send, at a cost that does not grow
    /// with the history.
    fn check_acknowledged(
        &mut self,
        world: &World,
        tp: &TopicPartition,
        broken: &mut Vec<(&'static str, String)>,
    ) {
        let Some(leader) = world
            .cluster()
            .partition(tp)
            .and_then(|p| p.leader_replica())
        else {
            return;
        };
        let log = &leader.log;
        let acks = self.acks.get(tp).cloned().unwrap_or_default();
        let key = (tp.clone(), leader.broker);
        let mut candidates: Vec<(ClientId, u64)> = match self.ack_checks.get(&key) {
            Some(last)
                if last.truncations == log.truncations()
                    && last.log_end <= log.log_end_offset()
                    && last.acks_seen <= acks.len() =>
            {
                let mut since = last.missing.clone();
                since.extend(acks.skip(last.acks_seen));
                since
            }
            _ => acks.iter().cloned().collect(),
        };
        // In the order of a walk over every producer's sends: by producer, then send.
        candidates.sort();
        candidates.dedup();
        let mut missing = Vec::new();
        for (client, send_id) in candidates {
            let Some(SendOutcome::Acknowledged {
                topic_partition,
                offset,
            }) = world
                .producer(&client)
                .and_then(|p| p.outcomes.get(&send_id))
            else {
                continue;
            };
            if topic_partition != tp {
                continue;
            }
            let present = log
                .batch_containing(*offset)
                .is_some_and(|b| b.provenance.send_ids.contains(&send_id));
            if !present {
                broken.push((
                    NO_ACKNOWLEDGED_WRITE_LOST,
                    format!("send #{send_id} was acknowledged at offset {offset} of {tp}, but the current leader (broker {}) does not have it.", leader.broker),
                ));
                missing.push((client, send_id));
            }
        }
        self.ack_checks.insert(
            key,
            AckCheck {
                truncations: log.truncations(),
                log_end: log.log_end_offset(),
                acks_seen: acks.len(),
                missing,
            },
        );
    }
}

fn group_of(world: &World, consumer: &ClientId) -> Option<GroupKey> {
    world
        .consumer(consumer)
        .map(|c| GroupKey::from(c.config.group_id.as_str()))
}

fn committed_offset(world: &World, group: &str, tp: &TopicPartition) -> Option<Offset> {
    world.groups().get(group)?.committed.get(tp).copied()
}

/// A read_committed poll may return only records below the LSO that no aborted transaction covers.
fn check_read_committed(
    world: &World,
    consumer: &crate::ids::ClientId,
    tp: &TopicPartition,
    offsets: &[Offset],
    broken: &mut Vec<(&'static str, String)>,
) {
    let reads_committed = world
        .consumer(consumer)
        .is_some_and(|c| c.isolation_level() == crate::config::IsolationLevel::ReadCommitted);
    let Some(partition) = world.cluster().partition(tp) else {
        return;
    };
    let Some(leader) = partition.leader_replica() else {
        return;
    };
    if !reads_committed || offsets.is_empty() {
        return;
    }
    let last_stable_offset = partition.last_stable_offset();
    let aborted = leader
        .log
        .aborted_txns_between(offsets[0], offsets[offsets.len() - 1].next());
    for offset in offsets {
        let Some(batch) = leader.log.batch_containing(*offset) else {
            continue;
        };
        let in_aborted = batch.is_transactional
            && aborted.iter().any(|t| {
                t.producer_id == batch.stamp.producer_id
                    && t.first_offset <= *offset
                    && *offset <= t.last_offset
            });
        if *offset >= last_stable_offset || in_aborted {
            let why = if in_aborted {
                "belongs to an aborted transaction"
            } else {
                "is at or above the last stable offset"
            };
            broken.push((
                READ_COMMITTED_SEES_ONLY_COMMITTED,
                format!("{consumer} (read_committed) received {tp} offset {offset}, which {why}."),
            ));
            return;
        }
    }
}
