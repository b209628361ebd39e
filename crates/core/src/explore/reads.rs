//! Two checks on what consumers read, kept beside the world's own guarantees rather than in
//! them: only the explorer needs them, and `World::step` stays as fast as it is. They are fed
//! each step's events, as the world's checks are.
//!
//! - `no_aborted_read`: no consumer receives a record whose transaction aborts (Jepsen's
//!   aborted read, G1a). A record polled while its transaction is open is remembered until
//!   the partition's marker decides it. A record whose send its transactional producer was
//!   told failed counts as aborted too: its application's transaction could only abort.
//! - `polls_monotonic`: a consumer's polls of a partition move forward; only a crash, a
//!   restart, a rebalance of its group or a Streams rewind may send it back.
//! - `one_producer_per_transactional_id`: a producer is fenced only by a newer instance of
//!   itself or by the coordinator's timeout, never by a different producer that was given the
//!   same `transactional.id`.
//! - `no_duplicate_output`: a Kafka Streams application commits the output of each input
//!   record once (Jepsen's duplicate, seen in the output topic): when a COMMIT marker lands in
//!   an output partition, no two committed records there carry the same transformed record.

use crate::broker::batch::StoredBatch;
use crate::broker::log::PartitionLog;
use crate::clients::producer::SendOutcome;
use crate::clients::producer_txn::ClientTxnState;
use crate::event::{Event, EventKind};
use crate::ids::{ClientId, Offset, ProducerId, TopicPartition};
use crate::views::visibility::{TxnStatus, transaction_status};
use crate::world::World;
use std::collections::BTreeMap;

pub const NO_ABORTED_READ: &str = "no_aborted_read";
pub const POLLS_MONOTONIC: &str = "polls_monotonic";
pub const ONE_PRODUCER_PER_TRANSACTIONAL_ID: &str = "one_producer_per_transactional_id";
pub const NO_DUPLICATE_OUTPUT: &str = "no_duplicate_output";

/// The checks' names and what they promise.
pub const CATALOGUE: [(&str, &str); 4] = [
    (
        NO_ABORTED_READ,
        "No consumer receives a record of a transaction that aborts.",
    ),
    (
        POLLS_MONOTONIC,
        "Each poll of a partition by a consumer returns offsets after the ones it returned before, unless a crash, a restart, a rebalance or a Streams rewind moved it back.",
    ),
    (
        ONE_PRODUCER_PER_TRANSACTIONAL_ID,
        "A producer is fenced only by a newer instance of itself or by its transaction's timeout, never by a different producer given the same transactional.id.",
    ),
    (
        NO_DUPLICATE_OUTPUT,
        "A Kafka Streams application commits the output of each input record once.",
    ),
];

/// What the read checks remember between steps, and what broke.
#[derive(Clone, Debug, Default)]
pub struct ReadChecks {
    /// Records received while their transaction was open: by partition and producer, who read
    /// which offset.
    open_reads: BTreeMap<(TopicPartition, ProducerId), Vec<(ClientId, Offset)>>,
    /// The last offset each consumer received from each partition since it last moved back.
    last_polled: BTreeMap<(ClientId, TopicPartition), Offset>,
    /// Which producer last got a producer id and epoch for each transactional id.
    holders: BTreeMap<String, ClientId>,
    broken: BTreeMap<&'static str, String>,
}

impl ReadChecks {
    /// Why `name` broke, if it did; `None` also for a name these checks do not know.
    pub fn broken(&self, name: &str) -> Option<&str> {
        self.broken.get(name).map(String::as_str)
    }

    /// Checks one step's events against the world after it; returns what broke just now.
    pub fn observe(&mut self, world: &World, events: &[Event]) -> Vec<(&'static str, String)> {
        let mut now = Vec::new();
        for event in events {
            match &event.kind {
                EventKind::RecordsPolled {
                    consumer,
                    topic_partition,
                    offsets,
                    ..
                } => {
                    self.check_order(consumer, topic_partition, offsets, &mut now);
                    self.check_reads(world, consumer, topic_partition, offsets, &mut now);
                }
                EventKind::MarkerWritten {
                    topic_partition,
                    broker,
                    producer_id,
                    offset,
                    commit,
                } if world.cluster().leader_of(topic_partition) == Some(*broker) => {
                    if *commit && is_streams_output(world, topic_partition) {
                        check_output_once(world, topic_partition, &mut now);
                    }
                    let reads = self
                        .open_reads
                        .remove(&(topic_partition.clone(), *producer_id))
                        .unwrap_or_default();
                    if let (false, Some((consumer, read))) =
                        (*commit, reads.iter().find(|(_, o)| o < offset))
                    {
                        now.push((
                            NO_ABORTED_READ,
                            format!(
                                "{consumer} received {topic_partition}@{read} while its transaction was open, and the ABORT marker at offset {offset} has now aborted it."
                            ),
                        ));
                    }
                }
                EventKind::ProducerIdAssigned { producer, .. } => {
                    if let Some(id) = transactional_id(world, producer) {
                        self.holders.insert(id.to_owned(), producer.clone());
                    }
                }
                EventKind::ProducerTxnStateChanged {
                    producer,
                    to: ClientTxnState::FatalError,
                    ..
                } => {
                    if let Some(id) = transactional_id(world, producer)
                        && let Some(holder) = self.holders.get(id).filter(|h| *h != producer)
                    {
                        now.push((
                            ONE_PRODUCER_PER_TRANSACTIONAL_ID,
                            format!(
                                "{producer} is fenced because {holder}, a different producer given the same transactional.id {id}, called initTransactions after it: the coordinator takes the two for one producer's old and new instance, and whatever {producer} had open is aborted."
                            ),
                        ));
                    }
                }
                EventKind::ConsumerCrashed { consumer, .. }
                | EventKind::ConsumerRestarted { consumer }
                | EventKind::StreamsTasksReset {
                    thread: consumer, ..
                } => self.last_polled.retain(|(c, _), _| c != consumer),
                EventKind::GroupRebalanced { group_id, .. } => {
                    self.last_polled.retain(|(c, _), _| {
                        world
                            .consumer(c)
                            .is_none_or(|c| c.config.group_id != *group_id)
                    });
                }
                _ => {}
            }
        }
        now.retain(|(name, _)| !self.broken.contains_key(name));
        for (name, why) in &now {
            self.broken.entry(name).or_insert_with(|| why.clone());
        }
        now
    }

    fn check_order(
        &mut self,
        consumer: &ClientId,
        tp: &TopicPartition,
        offsets: &[Offset],
        now: &mut Vec<(&'static str, String)>,
    ) {
        let key = (consumer.clone(), tp.clone());
        for offset in offsets {
            if let Some(last) = self.last_polled.get(&key).filter(|last| *offset <= **last) {
                now.push((
                    POLLS_MONOTONIC,
                    format!(
                        "{consumer} received {tp}@{offset} after it had already received offset {last}, with no crash, restart or rebalance between."
                    ),
                ));
            }
            self.last_polled.insert(key.clone(), *offset);
        }
    }

    fn check_reads(
        &mut self,
        world: &World,
        consumer: &ClientId,
        tp: &TopicPartition,
        offsets: &[Offset],
        now: &mut Vec<(&'static str, String)>,
    ) {
        let Some(log) = leader_log(world, tp) else {
            return;
        };
        for offset in offsets {
            match transaction_status(world, tp, *offset) {
                Some(TxnStatus::Aborted) => now.push((
                    NO_ABORTED_READ,
                    format!(
                        "{consumer} received {tp}@{offset}, a record of a transaction that had already aborted."
                    ),
                )),
                Some(TxnStatus::Open) => {
                    if let Some(batch) = log.batch_containing(*offset) {
                        self.open_reads
                            .entry((tp.clone(), batch.stamp.producer_id))
                            .or_default()
                            .push((consumer.clone(), *offset));
                    }
                }
                _ => {}
            }
            if let Some(why) =
                failed_transactional_send(world, log.batch_containing(*offset), *offset)
            {
                now.push((
                    NO_ABORTED_READ,
                    format!("{consumer} received {tp}@{offset}, {why}"),
                ));
            }
        }
    }
}

/// The log of `tp`'s leader, as readers see it; `None` while the partition has no leader.
fn leader_log<'w>(world: &'w World, tp: &TopicPartition) -> Option<&'w PartitionLog> {
    world
        .cluster()
        .partition(tp)
        .and_then(|p| p.leader_replica())
        .map(|l| &l.log)
}

fn is_streams_output(world: &World, tp: &TopicPartition) -> bool {
    world
        .streams_apps()
        .iter()
        .any(|app| *app.config.output == *tp.topic)
}

/// Every committed record of an output partition is the transform of one input record, and
/// each input record in the explorer's runs is unique, so two committed records with the same
/// key and value are one input's output committed twice.
fn check_output_once(world: &World, tp: &TopicPartition, now: &mut Vec<(&'static str, String)>) {
    let Some(log) = leader_log(world, tp) else {
        return;
    };
    let mut seen: BTreeMap<(&Option<String>, &str), Offset> = BTreeMap::new();
    for batch in log.batches().iter().filter(|b| b.control.is_none()) {
        for (i, record) in batch.records.iter().enumerate() {
            let offset = batch.base_offset.plus(i64::try_from(i).unwrap_or(0));
            if transaction_status(world, tp, offset) != Some(TxnStatus::Committed) {
                continue;
            }
            match seen.get(&(&record.key, record.value.as_str())) {
                Some(first) => {
                    now.push((
                        NO_DUPLICATE_OUTPUT,
                        format!(
                            "{tp}@{first} and {tp}@{offset} are both committed and both hold \"{}\": one input record's output, committed by two transactions.",
                            record.value
                        ),
                    ));
                    return;
                }
                None => {
                    seen.insert((&record.key, record.value.as_str()), offset);
                }
            }
        }
    }
}

fn transactional_id<'w>(world: &'w World, producer: &ClientId) -> Option<&'w str> {
    world.producer(producer)?.config.transactional_id.as_deref()
}

/// The record at `offset`, if a transactional producer was told its send failed: a failed send
/// leaves its transaction only abort (`TransactionManager` moves to ABORTABLE_ERROR or
/// FATAL_ERROR), so the application counts the record as aborted whatever the log says. It
/// reaches a reader only as a late write that a partition took into a later transaction.
fn failed_transactional_send(
    world: &World,
    batch: Option<&StoredBatch>,
    offset: Offset,
) -> Option<String> {
    let batch = batch.filter(|b| b.is_transactional)?;
    let index = usize::try_from(offset.0 - batch.base_offset.0).ok()?;
    let send_id = *batch.provenance.send_ids.get(index)?;
    world
        .producers()
        .filter(|p| p.txn.is_some())
        .find_map(|p| match p.outcomes.get(&send_id) {
            Some(SendOutcome::Failed { error }) => Some(format!(
                "the record of {}'s send #{send_id}, which failed with {error} inside a transaction that could then only abort: the write reached the partition late, after that transaction ended, and a later transaction of the same producer id took it in.",
                p.id()
            )),
            _ => None,
        })
}
