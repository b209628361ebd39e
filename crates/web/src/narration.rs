//! A step told in one sentence, then its events grouped by what matters, so a step that
//! delivers forty messages reads as "what was written, refused, answered" instead of a wall of
//! forty explanations. Pure: built from the step's structured events and the world after it.
//!
//! The sentence follows one priority: a broken guarantee, then an error answer, a duplicate
//! refused, a message lost, records written, acknowledgements, transaction changes, timeouts
//! and crashes, consumers, messages, and time last.

use crate::steps::StepRecord;
use eos_core::network::{Endpoint, Message, Payload};
use eos_core::{Action, EventKind, TopicPartition, World};
use std::collections::BTreeMap;

/// A step told for a reader: the sentence, the groups, and every event's own explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepNarration {
    pub sentence: String,
    pub groups: Vec<EventGroup>,
    /// Each event's explanation, in order, for the "show all events" disclosure.
    pub events: Vec<String>,
}

/// One line summing up the events of one kind in the step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventGroup {
    pub kind: GroupKind,
    /// How many of the step's events the line stands for.
    pub count: usize,
    pub line: String,
}

/// What a group of events is about, in the order the groups are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKind {
    Guarantees,
    Errors,
    Duplicates,
    Written,
    Answers,
    Transactions,
    Failures,
    Consumers,
    Other,
}

impl GroupKind {
    /// A short word for the group, shown before its line (so colour is never the only sign).
    pub fn label(self) -> &'static str {
        match self {
            GroupKind::Guarantees => "Broken",
            GroupKind::Errors => "Errors",
            GroupKind::Duplicates => "Duplicates",
            GroupKind::Written => "Written",
            GroupKind::Answers => "Answers",
            GroupKind::Transactions => "Transactions",
            GroupKind::Failures => "Timeouts and crashes",
            GroupKind::Consumers => "Consumers",
            GroupKind::Other => "Network and more",
        }
    }

    /// The class name the stylesheet reads.
    pub fn class(self) -> &'static str {
        match self {
            GroupKind::Guarantees => "group-guarantees",
            GroupKind::Errors => "group-errors",
            GroupKind::Duplicates => "group-duplicates",
            GroupKind::Written => "group-written",
            GroupKind::Answers => "group-answers",
            GroupKind::Transactions => "group-transactions",
            GroupKind::Failures => "group-failures",
            GroupKind::Consumers => "group-consumers",
            GroupKind::Other => "group-other",
        }
    }
}

/// Tells `step`; `world` is the world right after it (for the records' keys).
pub fn narrate(step: &StepRecord, world: &World) -> StepNarration {
    let names = Names { world };
    StepNarration {
        sentence: sentence(step, &names),
        groups: groups(step, &names),
        events: step.events.iter().map(|e| e.explanation.clone()).collect(),
    }
}

/// What the first screen says before any step: the scenario's own introduction, then what to do.
pub fn intro_next_move(scripted_steps: usize) -> String {
    if scripted_steps == 0 {
        "Nothing is scripted: act on any part, for example Send on a producer, then deliver \
         what is in flight."
            .to_owned()
    } else {
        format!(
            "{scripted_steps} scripted steps tell this story. Press Next scripted step (n) to \
             take the first."
        )
    }
}

/// Looks up what the events name only by number.
struct Names<'a> {
    world: &'a World,
}

impl Names<'_> {
    /// The records of `send_ids`, by key ("pay-1 and pay-2"), or by value when unkeyed.
    fn records(&self, send_ids: &[u64]) -> String {
        let mut names: Vec<String> = Vec::new();
        for id in send_ids {
            let name = self
                .world
                .sends()
                .get(id)
                .map(|s| s.key.clone().unwrap_or_else(|| format!("\"{}\"", s.value)))
                .unwrap_or_else(|| format!("send #{id}"));
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if names.len() > 3 {
            return format!("{} records", send_ids.len());
        }
        and_list(&names)
    }

    fn producer_of(&self, send_ids: &[u64]) -> Option<String> {
        send_ids
            .first()
            .and_then(|id| self.world.sends().get(id))
            .map(|s| s.producer.to_string())
    }

    /// The keys of the records the partition's leader holds at `offset`.
    fn records_at(&self, tp: &TopicPartition, offset: eos_core::Offset) -> Option<String> {
        let batch = self
            .world
            .cluster()
            .partition(tp)?
            .leader_replica()?
            .log
            .batch_containing(offset)?;
        let names: Vec<String> = batch
            .records
            .iter()
            .map(|r| r.key.clone().unwrap_or_else(|| format!("\"{}\"", r.value)))
            .collect();
        (!names.is_empty()).then(|| and_list(&names))
    }
}

fn sentence(step: &StepRecord, names: &Names<'_>) -> String {
    let broken: Vec<&str> = step
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::InvariantBroken { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let main = main_clause(step, names);
    if broken.is_empty() {
        return main;
    }
    let guarantees = if broken.len() == 1 {
        format!("Guarantee {} broke", broken[0])
    } else {
        format!("Guarantees {} broke", and_list(&broken))
    };
    format!("{guarantees}: {}", lower_first(&main))
}

/// The most important thing the step did, below a broken guarantee.
fn main_clause(step: &StepRecord, names: &Names<'_>) -> String {
    error_clause(step, names)
        .or_else(|| duplicate_clause(step, names))
        .or_else(|| lost_clause(step, names))
        .or_else(|| written_clause(step, names))
        .or_else(|| acknowledged_clause(step, names))
        .or_else(|| transaction_clause(step))
        .or_else(|| failure_clause(step))
        .or_else(|| consumer_clause(step))
        .or_else(|| message_clause(step, names))
        .or_else(|| time_clause(step))
        .or_else(|| step.events.first().map(|e| e.explanation.clone()))
        .unwrap_or_else(|| format!("{}: nothing changed", upper_first(&step.action.describe())))
}

fn error_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
    let fatal = step.events.iter().find_map(|e| match &e.kind {
        EventKind::ProducerTxnStateChanged { producer, to, .. } if to.name() == "FATAL_ERROR" => {
            Some(producer.to_string())
        }
        _ => None,
    });
    let retried = step.events.iter().find_map(|e| match &e.kind {
        EventKind::BatchRequeued { producer, .. } => Some(producer.to_string()),
        _ => None,
    });
    step.events.iter().find_map(|e| match &e.kind {
        EventKind::BatchRejected {
            topic_partition,
            broker,
            error,
        } => {
            let count = step
                .events
                .iter()
                .filter(|e| matches!(&e.kind, EventKind::BatchRejected { error: other, .. } if other == error))
                .count();
            let batches = if count == 1 {
                "a batch".to_owned()
            } else {
                format!("{count} batches")
            };
            let then = match &retried {
                Some(p) => format!(": {p} will send them again"),
                None => String::new(),
            };
            Some(format!(
                "Broker {broker} refused {batches} for {topic_partition} with {error}{then}"
            ))
        }
        EventKind::TxnRequestRefused {
            transactional_id,
            request,
            error,
        } => {
            let who = fatal.clone().unwrap_or_else(|| transactional_id.clone());
            let then = match (&fatal, error.name()) {
                (Some(p), "PRODUCER_FENCED") => {
                    format!(": {p} is fenced by a newer instance and must close, not retry")
                }
                (Some(p), _) => format!(": {p} can no longer use its transactions"),
                (None, _) => String::new(),
            };
            Some(format!(
                "The transaction coordinator refused {who}'s {request} with {error}{then}"
            ))
        }
        EventKind::SendFailed {
            producer,
            send_ids,
            error,
        } => Some(format!(
            "{producer} gave up on {} with {error}: the send failed for good",
            names.records(send_ids)
        )),
        EventKind::FetchFailed {
            consumer,
            topic_partition,
            error,
        } => Some(format!(
            "{consumer}'s fetch from {topic_partition} failed with {error}"
        )),
        EventKind::TxnOffsetCommitRefused {
            producer,
            group_id,
            error,
        } => Some(format!(
            "The group coordinator refused {producer}'s offsets for group {group_id} with {error}"
        )),
        EventKind::TransactionVerificationFailed {
            topic_partition,
            broker,
            error,
            ..
        } => Some(format!(
            "Broker {broker} refused a transactional write to {topic_partition} with {error}: \
             the coordinator does not count that partition in an open transaction"
        )),
        EventKind::RawProduceHandled {
            topic_partition,
            broker,
            result: Some(Err(error)),
        } => Some(format!(
            "Broker {broker} refused the hand-made batch for {topic_partition} with {error}"
        )),
        EventKind::RawCoordinatorRequestHandled {
            request,
            error: Some(error),
        } => Some(format!(
            "The transaction coordinator refused the hand-made {request} with {error}"
        )),
        EventKind::PartitionAddedForProducer {
            topic_partition,
            error: Some(error),
            ..
        } => Some(format!(
            "The transaction coordinator refused to add {topic_partition} to the transaction \
             with {error}"
        )),
        EventKind::TransactionAbortedByAdmin {
            topic_partition,
            result: Err(error),
            ..
        } => Some(format!(
            "The leader of {topic_partition} refused the admin's abort with {error}"
        )),
        _ => None,
    })
}

fn duplicate_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
    let duplicates: Vec<_> = step
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DuplicateBatch {
                topic_partition,
                broker,
                original_offset,
                send_ids,
                ..
            } => Some((topic_partition, broker, original_offset, send_ids)),
            _ => None,
        })
        .collect();
    let (tp, broker, offset, send_ids) = *duplicates.first()?;
    let producer = names
        .producer_of(send_ids)
        .unwrap_or_else(|| "the producer".to_owned());
    if duplicates.len() > 1 {
        return Some(format!(
            "Brokers refused {} retried batches as duplicates: nothing new was written, and \
             {producer} got the original offsets",
            duplicates.len()
        ));
    }
    Some(format!(
        "Broker {broker} refused a retried batch ({}) as a duplicate: nothing new was written to \
         {tp}, {producer} got the original offset {offset}",
        names.records(send_ids)
    ))
}

/// A message the step dropped, copied or held back, told by what it carried.
fn lost_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
    let message = step.message.as_ref()?;
    match &step.action {
        Action::Drop { .. } => Some(dropped(message, names)),
        Action::Duplicate { .. } => {
            let copy = step.events.iter().find_map(|e| match &e.kind {
                EventKind::MessageDuplicated { copy_id, .. } => Some(*copy_id),
                _ => None,
            })?;
            Some(format!(
                "The network copied {}: message #{copy} is a second copy on its way to {}",
                what(message),
                message.to
            ))
        }
        Action::Delay { .. } => Some(format!(
            "{} is held back: every message sent before it now arrives first",
            upper_first(&what(message))
        )),
        _ => None,
    }
}

fn dropped(message: &Message, names: &Names<'_>) -> String {
    match (&message.payload, &message.to, &message.from) {
        (
            Payload::ProduceResponse {
                topic_partition,
                result: Ok(offset),
                ..
            },
            Endpoint::Client(producer),
            _,
        ) => {
            let records = names
                .records_at(topic_partition, *offset)
                .unwrap_or_else(|| "its batch".to_owned());
            format!(
                "The acknowledgement to {producer} was lost: {producer} cannot tell whether \
                 {records} was written (it was, at offset {offset} of {topic_partition})"
            )
        }
        (
            Payload::ProduceRequest {
                topic_partition,
                batch,
                ..
            },
            _,
            Endpoint::Client(producer),
        ) => {
            let keys: Vec<String> = batch
                .records
                .iter()
                .map(|r| r.key.clone().unwrap_or_else(|| format!("\"{}\"", r.value)))
                .collect();
            format!(
                "{producer}'s produce request with {} was lost on the way: nothing was written \
                 to {topic_partition}, and {producer} will not hear back",
                and_list(&keys)
            )
        }
        _ => format!(
            "{} was lost on the way to {}",
            upper_first(&what(message)),
            message.to
        ),
    }
}

/// A message named by its number and what it carries ("message #2 (Produce response ...)").
fn what(message: &Message) -> String {
    format!("message #{} ({})", message.id, message.payload.label())
}

fn written_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
    let appends: Vec<_> = step
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.kind {
            EventKind::BatchAppended {
                topic_partition,
                broker,
                base_offset,
                last_offset,
                send_ids,
                ..
            } => Some((
                i,
                topic_partition,
                broker,
                *base_offset,
                *last_offset,
                send_ids,
            )),
            _ => None,
        })
        .collect();
    let &(at, tp, broker, base, last, send_ids) = appends.first()?;
    let acknowledged = acknowledgement_count(step);
    if appends.len() > 1 {
        let records: i64 = appends.iter().map(|a| a.4.0 - a.3.0 + 1).sum();
        let partitions = partitions(appends.iter().map(|a| a.1));
        let answers = match acknowledged {
            0 => String::new(),
            1 => ", and 1 send was acknowledged".to_owned(),
            n => format!(", and {n} sends were acknowledged"),
        };
        return Some(format!(
            "{records} records were written to {partitions}{answers}"
        ));
    }
    let offsets = if base == last {
        format!("offset {base}")
    } else {
        format!("offsets {base} to {last}")
    };
    let waiting = step
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::AckDeferred { .. }));
    let answered = step.events[at..]
        .iter()
        .any(|e| matches!(e.kind, EventKind::MessageSent { .. }));
    let producer = names.producer_of(send_ids);
    let then = match (&producer, waiting, acknowledged > 0, answered) {
        (Some(p), true, _, _) => {
            format!(": {p}'s acknowledgement waits until the followers have it (acks=all)")
        }
        (Some(p), false, true, _) => format!(", and {p} got its acknowledgement"),
        (Some(p), false, false, true) => format!(" and sent {p} its acknowledgement"),
        _ => String::new(),
    };
    Some(format!(
        "Broker {broker} wrote {} at {offsets} of {tp}{then}",
        names.records(send_ids)
    ))
}

fn acknowledgement_count(step: &StepRecord) -> usize {
    step.events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SendAcknowledged { .. }))
        .count()
}

fn acknowledged_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
    let acks: Vec<_> = step
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SendAcknowledged {
                producer,
                send_ids,
                topic_partition,
                base_offset,
            } => Some((producer, send_ids, topic_partition, base_offset)),
            _ => None,
        })
        .collect();
    let (producer, send_ids, tp, offset) = *acks.first()?;
    if acks.len() > 1 {
        return Some(format!("{} sends were acknowledged", acks.len()));
    }
    Some(format!(
        "{producer} got the acknowledgement for {}: written at offset {offset} of {tp}",
        names.records(send_ids)
    ))
}

fn transaction_clause(step: &StepRecord) -> Option<String> {
    let markers: Vec<_> = step
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MarkerWritten {
                topic_partition,
                commit,
                ..
            } => Some((topic_partition, *commit)),
            _ => None,
        })
        .collect();
    if let Some(&(_, commit)) = markers.first() {
        let (kind, outcome) = if commit {
            ("Commit", "visible to read_committed consumers")
        } else {
            ("Abort", "skipped by read_committed consumers")
        };
        let partitions = partitions(markers.iter().map(|m| m.0));
        let plural = if markers.len() == 1 { "" } else { "s" };
        return Some(format!(
            "{kind} marker{plural} written to {partitions}: the transaction's records there are \
             now {outcome}"
        ));
    }
    if let Some((tid, from, to)) = coordinator_moves(step).into_iter().next() {
        return Some(format!(
            "The transaction coordinator moved {tid} from {from} to {to}"
        ));
    }
    step.events.iter().find_map(|e| match &e.kind {
        EventKind::ProducerIdAssigned {
            producer,
            producer_id,
            producer_epoch,
        } => Some(format!(
            "{producer} got producer id {producer_id} with epoch {producer_epoch}"
        )),
        EventKind::ProducerEpochBumped {
            producer,
            producer_epoch,
        } => Some(format!("{producer}'s epoch is now {producer_epoch}")),
        EventKind::TxnOffsetCommitPending {
            producer, group_id, ..
        } => Some(format!(
            "The group coordinator holds {producer}'s offsets for group {group_id} until the \
             transaction ends"
        )),
        EventKind::TxnOffsetCompleted {
            group_id, commit, ..
        } => Some(if *commit {
            format!("Group {group_id}'s offsets from the transaction are committed")
        } else {
            format!("Group {group_id}'s offsets from the transaction are discarded")
        }),
        EventKind::TransactionAbortedByAdmin {
            topic_partition,
            result: Ok(offset),
            ..
        } => Some(format!(
            "An admin wrote an ABORT marker at offset {offset} of {topic_partition}"
        )),
        EventKind::OffsetsSentToTransaction { producer } => Some(format!(
            "{producer} hands the consumer's offsets to its transaction \
             (sendOffsetsToTransaction): they commit only if the transaction does"
        )),
        EventKind::ProducerTxnStateChanged { producer, from, to } => Some(format!(
            "{producer}'s transaction state moved from {from} to {to}"
        )),
        _ => None,
    })
}

/// Each transactional id's first and last coordinator state in the step.
fn coordinator_moves(step: &StepRecord) -> Vec<(String, String, String)> {
    let mut moves = Vec::new();
    for event in &step.events {
        if let EventKind::TxnStateChanged {
            transactional_id,
            from,
            to,
        } = &event.kind
        {
            follow(&mut moves, transactional_id.clone(), from, to);
        }
    }
    moves
}

fn failure_clause(step: &StepRecord) -> Option<String> {
    step.events.iter().find_map(|e| match &e.kind {
        EventKind::RequestTimedOut { producer, .. } => {
            let retry = step.events.iter().find_map(|e| match &e.kind {
                EventKind::BatchRequeued {
                    producer: p,
                    topic_partition,
                    attempt,
                } if p == producer => Some((topic_partition, attempt)),
                _ => None,
            });
            Some(match retry {
                Some((tp, attempt)) => format!(
                    "{producer} waited request.timeout.ms without an answer: it cannot tell \
                     whether its batch for {tp} was written, and sends it again (attempt {attempt})"
                ),
                None => format!(
                    "{producer} waited request.timeout.ms without an answer and gave up on the \
                     request"
                ),
            })
        }
        EventKind::BrokerCrashed { broker } => Some(format!("Broker {broker} crashed")),
        EventKind::BrokerRestarted { broker } => Some(format!("Broker {broker} restarted")),
        EventKind::LeaderElected {
            topic_partition,
            broker,
            ..
        } => Some(format!(
            "Broker {broker} became the leader of {topic_partition}"
        )),
        EventKind::ProducerCrashed {
            producer,
            unsent_records,
        } => Some(format!(
            "{producer} crashed, losing {unsent_records} record(s) it had not sent"
        )),
        EventKind::ProducerRestarted { producer } => {
            Some(format!("{producer} restarted as a new instance"))
        }
        EventKind::ConsumerCrashed {
            consumer,
            unprocessed_records,
        } => Some(format!(
            "{consumer} crashed with {unprocessed_records} polled record(s) not processed; only \
             its committed offsets survive"
        )),
        EventKind::ConsumerRestarted { consumer } => Some(format!(
            "{consumer} restarted and resumes from its group's committed offsets"
        )),
        EventKind::MessageLost { message_id } => Some(format!(
            "Message #{message_id} was lost: its receiver is down or no longer waits for it"
        )),
        _ => None,
    })
}

fn consumer_clause(step: &StepRecord) -> Option<String> {
    let processed: Vec<_> = step
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordProcessed {
                consumer,
                business_id,
                outcome,
                ..
            } => Some((consumer, business_id, outcome)),
            _ => None,
        })
        .collect();
    if let Some(&(consumer, business_id, _)) = processed.first() {
        let skipped = processed
            .iter()
            .filter(|p| matches!(p.2, eos_core::event::EffectOutcome::SkippedDuplicate))
            .count();
        let applied = processed.len() - skipped;
        let what = if processed.len() == 1 {
            format!("processed {business_id}")
        } else {
            format!("processed {} records", processed.len())
        };
        let effects = match (applied, skipped) {
            (_, 0) => " and wrote the effects to the database".to_owned(),
            (0, _) => ", and the dedup table kept the effects from being applied again".to_owned(),
            (a, s) => format!(": {a} effect(s) applied, {s} kept out by the dedup table"),
        };
        return Some(format!("{consumer} {what}{effects}"));
    }
    step.events.iter().find_map(|e| match &e.kind {
        EventKind::RecordsPolled {
            consumer,
            topic_partition,
            offsets,
        } => Some(match (offsets.first(), offsets.last()) {
            (Some(first), Some(last)) if first == last => {
                format!("{consumer} read offset {first} of {topic_partition}")
            }
            (Some(first), Some(last)) => format!(
                "{consumer} read {} records of {topic_partition} (offsets {first} to {last})",
                offsets.len()
            ),
            _ => format!("{consumer} read nothing new from {topic_partition}"),
        }),
        EventKind::NothingPolled { consumer } => {
            Some(format!("{consumer} polled and got nothing it may read"))
        }
        EventKind::NothingToProcess { consumer } => {
            Some(format!("{consumer} had nothing polled to process"))
        }
        EventKind::OffsetCommitted {
            consumer,
            group_id,
            topic_partition,
            offset,
        } => Some(format!(
            "{consumer} committed offset {offset} of {topic_partition} for group {group_id}: \
             after a restart the group resumes there"
        )),
        EventKind::RecordTransformed {
            consumer,
            topic_partition,
            offset,
        } => Some(format!(
            "{consumer} transformed {topic_partition}@{offset} into an output record"
        )),
        EventKind::GroupRebalanced {
            group_id,
            generation_id,
        } => Some(format!(
            "Group {group_id} rebalanced to generation {generation_id}"
        )),
        _ => None,
    })
}

fn message_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
    let queued: Vec<_> = step
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordQueued {
                producer,
                send_id,
                topic_partition,
            } => Some((producer, *send_id, topic_partition)),
            _ => None,
        })
        .collect();
    let sent = step
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessageSent { .. }))
        .count();
    if let Some(&(producer, _, tp)) = queued.first() {
        let ids: Vec<u64> = queued.iter().map(|q| q.1).collect();
        let records = names.records(&ids);
        return Some(if sent > 0 {
            format!("{producer} sent {records} to {tp}: the request is on its way to the leader")
        } else {
            format!("{producer} put {records} in its buffer for {tp}; nothing is sent yet")
        });
    }
    let delivered = step
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessageDelivered { .. }))
        .count();
    if let (Some(message), 1) = (&step.message, delivered) {
        return Some(format!(
            "{} arrived at {}",
            upper_first(&what(message)),
            message.to
        ));
    }
    let first_sent = step.events.iter().find_map(|e| match &e.kind {
        EventKind::MessageSent { label, .. } => Some(label.clone()),
        _ => None,
    });
    match (delivered, sent, first_sent) {
        (0, 1, Some(label)) => Some(format!("{label} is on its way")),
        (0, 0, _) => None,
        (d, s, _) => Some(format!("{d} message(s) arrived and {s} were sent")),
    }
}

fn time_clause(step: &StepRecord) -> Option<String> {
    step.events.iter().find_map(|e| match &e.kind {
        EventKind::TimeAdvanced { now_ms } => {
            let passed = match &step.action {
                Action::AdvanceTime { ms } => format!("{ms} ms passed"),
                _ => "Time passed".to_owned(),
            };
            Some(format!(
                "{passed} (the clock reads {now_ms} ms), and nothing timed out"
            ))
        }
        _ => None,
    })
}

/// The step's events as at most one line per [`GroupKind`].
fn groups(step: &StepRecord, names: &Names<'_>) -> Vec<EventGroup> {
    let mut by_kind: BTreeMap<GroupKind, Vec<&EventKind>> = BTreeMap::new();
    for event in &step.events {
        by_kind
            .entry(group_of(&event.kind))
            .or_default()
            .push(&event.kind);
    }
    by_kind
        .into_iter()
        .map(|(kind, events)| EventGroup {
            kind,
            count: events.len(),
            line: group_line(kind, &events, names),
        })
        .collect()
}

fn group_of(kind: &EventKind) -> GroupKind {
    use EventKind as K;
    match kind {
        K::InvariantBroken { .. } => GroupKind::Guarantees,
        K::BatchRejected { .. }
        | K::SendFailed { .. }
        | K::TxnRequestRefused { .. }
        | K::FetchFailed { .. }
        | K::TxnOffsetCommitRefused { .. }
        | K::TransactionVerificationFailed { .. }
        | K::RawProduceHandled {
            result: Some(Err(_)),
            ..
        }
        | K::RawCoordinatorRequestHandled { error: Some(_), .. }
        | K::PartitionAddedForProducer { error: Some(_), .. }
        | K::TransactionAbortedByAdmin { result: Err(_), .. } => GroupKind::Errors,
        K::DuplicateBatch { .. } => GroupKind::Duplicates,
        K::BatchAppended { .. } | K::HighWatermarkAdvanced { .. } | K::AckDeferred { .. } => {
            GroupKind::Written
        }
        K::SendAcknowledged { .. } => GroupKind::Answers,
        K::MarkerWritten { .. }
        | K::TxnStateChanged { .. }
        | K::TxnLogAppended { .. }
        | K::MarkersRequested { .. }
        | K::MarkerAcknowledged { .. }
        | K::ProducerTxnStateChanged { .. }
        | K::ProducerIdAssigned { .. }
        | K::ProducerEpochBumped { .. }
        | K::OffsetsSentToTransaction { .. }
        | K::TxnOffsetCommitPending { .. }
        | K::TxnOffsetCompleted { .. }
        | K::PartitionAddedForProducer { .. }
        | K::CoordinatorLoaded { .. }
        | K::TransactionAbortedByAdmin { .. } => GroupKind::Transactions,
        K::RequestTimedOut { .. }
        | K::BatchRequeued { .. }
        | K::BrokerCrashed { .. }
        | K::BrokerRestarted { .. }
        | K::ProducerCrashed { .. }
        | K::ProducerRestarted { .. }
        | K::ConsumerCrashed { .. }
        | K::ConsumerRestarted { .. }
        | K::LeaderElected { .. }
        | K::PartitionOffline { .. }
        | K::IsrShrunk { .. }
        | K::IsrExpanded { .. }
        | K::FollowerTruncated { .. }
        | K::MessageLost { .. }
        | K::MessageDropped { .. } => GroupKind::Failures,
        K::RecordsPolled { .. }
        | K::RecordProcessed { .. }
        | K::OffsetCommitted { .. }
        | K::NothingPolled { .. }
        | K::NothingToProcess { .. }
        | K::PositionResolved { .. }
        | K::RecordTransformed { .. }
        | K::GroupRebalanced { .. }
        | K::StreamsOutputSkipped { .. }
        | K::StreamsTasksReset { .. }
        | K::StreamsCommitSkipped { .. } => GroupKind::Consumers,
        _ => GroupKind::Other,
    }
}

fn group_line(kind: GroupKind, events: &[&EventKind], names: &Names<'_>) -> String {
    use EventKind as K;
    match kind {
        GroupKind::Guarantees => {
            let broken: Vec<&str> = events
                .iter()
                .filter_map(|e| match e {
                    K::InvariantBroken { name } => Some(name.as_str()),
                    _ => None,
                })
                .collect();
            format!("guarantee {} broke in this step", and_list(&broken))
        }
        GroupKind::Errors => {
            let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
            for event in events {
                if let Some(error) = error_of(event) {
                    *counts.entry(error).or_default() += 1;
                }
            }
            let parts: Vec<String> = counts
                .into_iter()
                .map(|(error, n)| times(n, error))
                .collect();
            format!(
                "{}: {}",
                count(events.len(), "error answer", "error answers"),
                parts.join(", ")
            )
        }
        GroupKind::Duplicates => {
            let tps = partitions(events.iter().filter_map(|e| match e {
                K::DuplicateBatch {
                    topic_partition, ..
                } => Some(topic_partition),
                _ => None,
            }));
            format!(
                "{} answered as duplicates on {tps}: nothing written again",
                count(events.len(), "retried batch", "retried batches")
            )
        }
        GroupKind::Written => {
            let mut records = 0;
            let mut tps = Vec::new();
            let mut watermarks = Vec::new();
            for event in events {
                match event {
                    K::BatchAppended {
                        topic_partition,
                        base_offset,
                        last_offset,
                        ..
                    } => {
                        records += last_offset.0 - base_offset.0 + 1;
                        tps.push(topic_partition);
                    }
                    K::HighWatermarkAdvanced {
                        topic_partition,
                        high_watermark,
                    } => {
                        watermarks.retain(|(tp, _)| tp != &topic_partition);
                        watermarks.push((topic_partition, high_watermark));
                    }
                    _ => {}
                }
            }
            let mut parts = Vec::new();
            if records > 0 {
                parts.push(format!(
                    "{} written to {}",
                    count(usize::try_from(records).unwrap_or(0), "record", "records"),
                    partitions(tps.into_iter())
                ));
            }
            if !watermarks.is_empty() {
                let marks: Vec<String> = watermarks
                    .iter()
                    .map(|(tp, hw)| format!("{tp} {hw}"))
                    .collect();
                parts.push(format!("high watermark now {}", marks.join(", ")));
            }
            if parts.is_empty() {
                parts.push("an acknowledgement waits for the followers".to_owned());
            }
            parts.join("; ")
        }
        GroupKind::Answers => {
            let producers: Vec<String> = dedup(events.iter().filter_map(|e| match e {
                K::SendAcknowledged { producer, .. } => Some(producer.to_string()),
                _ => None,
            }));
            format!(
                "{} to {}",
                count(events.len(), "acknowledgement", "acknowledgements"),
                and_list(&producers)
            )
        }
        GroupKind::Transactions => transactions_line(events),
        GroupKind::Failures => {
            let timeouts = events
                .iter()
                .filter(|e| matches!(e, K::RequestTimedOut { .. }))
                .count();
            let retries = events
                .iter()
                .filter(|e| matches!(e, K::BatchRequeued { .. }))
                .count();
            let lost = events
                .iter()
                .filter(|e| matches!(e, K::MessageLost { .. } | K::MessageDropped { .. }))
                .count();
            let rest = events.len() - timeouts - retries - lost;
            let mut parts = Vec::new();
            if timeouts > 0 {
                parts.push(count(timeouts, "request timed out", "requests timed out"));
            }
            if retries > 0 {
                parts.push(count(
                    retries,
                    "batch queued to retry",
                    "batches queued to retry",
                ));
            }
            if lost > 0 {
                parts.push(count(lost, "message lost", "messages lost"));
            }
            if rest > 0 {
                parts.push(count(
                    rest,
                    "crash, restart or leader change",
                    "crashes, restarts or leader changes",
                ));
            }
            parts.join(", ")
        }
        GroupKind::Consumers => consumers_line(events),
        GroupKind::Other => {
            let sent = events
                .iter()
                .filter(|e| matches!(e, K::MessageSent { .. }))
                .count();
            let delivered = events
                .iter()
                .filter(|e| matches!(e, K::MessageDelivered { .. }))
                .count();
            let queued: Vec<u64> = events
                .iter()
                .filter_map(|e| match e {
                    K::RecordQueued { send_id, .. } => Some(*send_id),
                    _ => None,
                })
                .collect();
            let clock = events.iter().find_map(|e| match e {
                K::TimeAdvanced { now_ms } => Some(*now_ms),
                _ => None,
            });
            let rest =
                events.len() - sent - delivered - queued.len() - usize::from(clock.is_some());
            let mut parts = Vec::new();
            if !queued.is_empty() {
                parts.push(format!("{} queued", names.records(&queued)));
            }
            if sent > 0 {
                parts.push(count(sent, "message sent", "messages sent"));
            }
            if delivered > 0 {
                parts.push(format!("{delivered} delivered"));
            }
            if let Some(now_ms) = clock {
                parts.push(format!("clock at {now_ms} ms"));
            }
            if rest > 0 {
                parts.push(count(rest, "other event", "other events"));
            }
            parts.join(", ")
        }
    }
}

fn transactions_line(events: &[&EventKind]) -> String {
    use EventKind as K;
    let mut commit = Vec::new();
    let mut abort = Vec::new();
    let mut moves: Vec<(String, String, String)> = Vec::new();
    let mut log_writes = 0;
    let mut other = 0;
    for event in events {
        match event {
            K::MarkerWritten {
                topic_partition,
                commit: true,
                ..
            } => commit.push(topic_partition),
            K::MarkerWritten {
                topic_partition, ..
            } => abort.push(topic_partition),
            K::TxnStateChanged {
                transactional_id,
                from,
                to,
            } => follow(&mut moves, transactional_id.clone(), from, to),
            K::ProducerTxnStateChanged { producer, from, to } => {
                follow(&mut moves, producer.to_string(), from, to);
            }
            K::TxnLogAppended { .. } => log_writes += 1,
            _ => other += 1,
        }
    }
    let mut parts = Vec::new();
    if !commit.is_empty() {
        parts.push(format!(
            "{} on {}",
            count(commit.len(), "commit marker", "commit markers"),
            partitions(commit.into_iter())
        ));
    }
    if !abort.is_empty() {
        parts.push(format!(
            "{} on {}",
            count(abort.len(), "abort marker", "abort markers"),
            partitions(abort.into_iter())
        ));
    }
    for (who, from, to) in moves {
        parts.push(format!("{who} {from} → {to}"));
    }
    if log_writes > 0 {
        parts.push(count(
            log_writes,
            "write to __transaction_state",
            "writes to __transaction_state",
        ));
    }
    if other > 0 {
        parts.push(count(
            other,
            "other transaction event",
            "other transaction events",
        ));
    }
    parts.join("; ")
}

/// Notes that `who` moved from `from` to `to`, keeping its first state and its last.
fn follow(
    moves: &mut Vec<(String, String, String)>,
    who: String,
    from: &impl ToString,
    to: &impl ToString,
) {
    match moves.iter_mut().find(|m| m.0 == who) {
        Some(m) => m.2 = to.to_string(),
        None => moves.push((who, from.to_string(), to.to_string())),
    }
}

fn consumers_line(events: &[&EventKind]) -> String {
    use EventKind as K;
    // Per consumer: records read, processed, commits, records transformed.
    let mut per_consumer: BTreeMap<String, (usize, usize, Vec<String>, usize)> = BTreeMap::new();
    let mut rebalanced: Vec<String> = Vec::new();
    let mut other = 0;
    for event in events {
        match event {
            K::RecordsPolled {
                consumer, offsets, ..
            } => per_consumer.entry(consumer.to_string()).or_default().0 += offsets.len(),
            K::RecordProcessed { consumer, .. } => {
                per_consumer.entry(consumer.to_string()).or_default().1 += 1;
            }
            K::OffsetCommitted {
                consumer,
                topic_partition,
                offset,
                ..
            } => per_consumer
                .entry(consumer.to_string())
                .or_default()
                .2
                .push(format!("{offset} on {topic_partition}")),
            K::RecordTransformed { consumer, .. } => {
                per_consumer.entry(consumer.to_string()).or_default().3 += 1;
            }
            K::GroupRebalanced { group_id, .. } => rebalanced.push(group_id.clone()),
            _ => other += 1,
        }
    }
    let mut parts: Vec<String> = per_consumer
        .into_iter()
        .map(|(consumer, (read, processed, commits, transformed))| {
            let mut did = Vec::new();
            if read > 0 {
                did.push(format!("read {}", count(read, "record", "records")));
            }
            if processed > 0 {
                did.push(format!("processed {processed}"));
            }
            if !commits.is_empty() {
                did.push(format!("committed {}", commits.join(", ")));
            }
            if transformed > 0 {
                did.push(format!("transformed {transformed}"));
            }
            format!("{consumer} {}", and_list(&did))
        })
        .collect();
    for group in dedup(rebalanced.into_iter()) {
        parts.push(format!("group {group} rebalanced"));
    }
    if other > 0 {
        parts.push(count(
            other,
            "other consumer event",
            "other consumer events",
        ));
    }
    parts.join("; ")
}

fn error_of(event: &EventKind) -> Option<&'static str> {
    use EventKind as K;
    match event {
        K::BatchRejected { error, .. }
        | K::SendFailed { error, .. }
        | K::TxnRequestRefused { error, .. }
        | K::FetchFailed { error, .. }
        | K::TxnOffsetCommitRefused { error, .. }
        | K::TransactionVerificationFailed { error, .. }
        | K::RawProduceHandled {
            result: Some(Err(error)),
            ..
        }
        | K::RawCoordinatorRequestHandled {
            error: Some(error), ..
        }
        | K::PartitionAddedForProducer {
            error: Some(error), ..
        }
        | K::TransactionAbortedByAdmin {
            result: Err(error), ..
        } => Some(error.name()),
        _ => None,
    }
}

/// "payments-0", "payments-0 and payments-1": each partition once, in first-seen order.
fn partitions<'a>(tps: impl Iterator<Item = &'a TopicPartition>) -> String {
    and_list(&dedup(tps.map(ToString::to_string)))
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// "a", "a and b", "a, b and c".
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// "1 record", "3 records": the number with the form of the noun it takes.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn times(n: usize, what: &str) -> String {
    if n == 1 {
        what.to_owned()
    } else {
        format!("{what} ×{n}")
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), text.chars().nth(1)) {
        (Some(first), Some(second)) if first.is_ascii_uppercase() && second.is_lowercase() => {
            first.to_ascii_lowercase().to_string() + chars.as_str()
        }
        _ => text.to_owned(),
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{Origin, catalog};

    /// Every step of a shipped scenario's script, each told with the world right after it.
    fn told(file: &str) -> Vec<(StepRecord, StepNarration)> {
        let source = catalog()
            .into_iter()
            .find(|s| s.name() == file)
            .unwrap_or_else(|| panic!("no scenario {file}"));
        let origin: Origin = source.origin().expect("a shipped scenario parses");
        let mut world = World::new(&origin.config, origin.seed).expect("its world builds");
        origin
            .script
            .iter()
            .enumerate()
            .map(|(i, action)| {
                let step = StepRecord::apply(&mut world, action.clone(), Some(i))
                    .unwrap_or_else(|e| panic!("{file} step {}: {e}", i + 1));
                let narration = narrate(&step, &world);
                (step, narration)
            })
            .collect()
    }

    fn group<'a>(narration: &'a StepNarration, kind: GroupKind) -> &'a EventGroup {
        narration
            .groups
            .iter()
            .find(|g| g.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} group in {:#?}", narration.groups))
    }

    #[test]
    fn a_write_names_the_record_its_offset_and_the_answer() {
        let steps = told("02-at-least-once.json");
        assert_eq!(
            steps[1].1.sentence,
            "Broker 1 wrote pay-1 at offset 0 of payments-0 and sent p1 its acknowledgement"
        );
    }

    #[test]
    fn a_dropped_produce_response_is_the_lost_acknowledgement() {
        let steps = told("02-at-least-once.json");
        assert!(matches!(steps[2].0.action, Action::Drop { .. }));
        assert_eq!(
            steps[2].1.sentence,
            "The acknowledgement to p1 was lost: p1 cannot tell whether pay-1 was written \
             (it was, at offset 0 of payments-0)"
        );
    }

    #[test]
    fn a_timeout_says_the_producer_cannot_tell_and_retries() {
        let steps = told("02-at-least-once.json");
        let sentence = &steps[3].1.sentence;
        assert!(
            sentence.starts_with("p1 waited request.timeout.ms"),
            "{sentence}"
        );
        assert!(sentence.contains("attempt 2"), "{sentence}");
    }

    #[test]
    fn a_broken_guarantee_leads_the_sentence() {
        let steps = told("02-at-least-once.json");
        let (_, retry) = &steps[4];
        assert!(
            retry
                .sentence
                .starts_with("Guarantee no_duplicate_write broke: "),
            "{}",
            retry.sentence
        );
        assert!(
            retry.sentence.contains("offset 1 of payments-0"),
            "{}",
            retry.sentence
        );
        assert_eq!(retry.groups[0].kind, GroupKind::Guarantees);
    }

    #[test]
    fn a_duplicate_answer_says_nothing_new_was_written() {
        let steps = told("06-dedup-last-five-batches.json");
        let (_, narration) = steps
            .iter()
            .find(|(step, _)| step.has_duplicate())
            .expect("the scenario answers a retry as a duplicate");
        assert!(
            narration
                .sentence
                .contains("as a duplicate: nothing new was written to payments-0"),
            "{}",
            narration.sentence
        );
        assert!(
            narration.sentence.contains("got the original offset"),
            "{}",
            narration.sentence
        );
        assert_eq!(group(narration, GroupKind::Duplicates).count, 1);
    }

    #[test]
    fn out_of_order_sequence_leads_the_sentence_and_is_counted() {
        let steps = told("07-out-of-order-sequence.json");
        let (_, narration) = &steps[7];
        assert_eq!(
            narration.sentence,
            "Broker 1 refused 2 batches for payments-0 with OUT_OF_ORDER_SEQUENCE_NUMBER: p1 \
             will send them again"
        );
        assert_eq!(
            group(narration, GroupKind::Errors).line,
            "2 error answers: OUT_OF_ORDER_SEQUENCE_NUMBER ×2"
        );
    }

    #[test]
    fn a_fenced_producer_is_told_to_close() {
        let steps = told("14-zombie-fencing.json");
        let (_, narration) = &steps[12];
        assert_eq!(
            narration.sentence,
            "The transaction coordinator refused p1's EndTxn with PRODUCER_FENCED: p1 is fenced \
             by a newer instance and must close, not retry"
        );
    }

    #[test]
    fn the_busiest_transactional_step_reads_in_a_few_counted_lines() {
        for file in [
            "28-one-transaction-per-checkpoint.json",
            "11-atomic-write-to-two-topics.json",
        ] {
            let steps = told(file);
            let (step, narration) = steps
                .iter()
                .max_by_key(|(step, _)| step.events.len())
                .expect("steps");
            assert!(matches!(step.action, Action::DeliverAll {}), "{file}");
            assert!(step.events.len() > 15, "{file}: {}", step.events.len());
            assert!(
                narration.groups.len() <= 6,
                "{file}: {:#?}",
                narration.groups
            );
            assert_eq!(narration.events.len(), step.events.len(), "{file}");
            let counted: usize = narration.groups.iter().map(|g| g.count).sum();
            assert_eq!(
                counted,
                step.events.len(),
                "{file}: every event is in one group"
            );
            // The counts in the lines are the events' own.
            let written: i64 = step
                .events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::BatchAppended {
                        base_offset,
                        last_offset,
                        ..
                    } => Some(last_offset.0 - base_offset.0 + 1),
                    _ => None,
                })
                .sum();
            if written > 0 {
                let line = &group(narration, GroupKind::Written).line;
                assert!(
                    line.starts_with(&format!("{written} record")),
                    "{file}: {line}"
                );
            }
            let markers = step
                .events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::MarkerWritten { commit: true, .. }))
                .count();
            if markers > 0 {
                let line = &group(narration, GroupKind::Transactions).line;
                assert!(
                    line.contains(&format!("{markers} commit marker")),
                    "{file}: {line}"
                );
            }
        }
    }

    #[test]
    fn every_shipped_step_gets_a_sentence_of_its_own_words() {
        for source in catalog().into_iter().skip(1) {
            for (i, (step, narration)) in told(source.name()).iter().enumerate() {
                assert!(
                    !narration.sentence.is_empty(),
                    "{} step {}",
                    source.name(),
                    i + 1
                );
                assert!(
                    narration.groups.len() <= 9,
                    "{} step {}: {:#?}",
                    source.name(),
                    i + 1,
                    narration.groups
                );
                let counted: usize = narration.groups.iter().map(|g| g.count).sum();
                assert_eq!(
                    counted,
                    step.events.len(),
                    "{} step {}",
                    source.name(),
                    i + 1
                );
            }
        }
    }

    #[test]
    fn the_intro_says_what_to_press_first() {
        assert!(intro_next_move(12).contains("Next scripted step (n)"));
        assert!(intro_next_move(0).contains("Send"));
    }
}
