//! The sentence's clauses below errors and duplicates: records written, acknowledgements,
//! transaction changes, timeouts and crashes, consumers, messages and time.

use super::groups::follow;
use super::sentence::what;
use super::words::{Names, partitions, upper_first};
use crate::steps::StepRecord;
use eos_core::event::FetchCompletion;
use eos_core::{Action, EventKind};

pub(super) fn written_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
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

pub(super) fn acknowledgement_count(step: &StepRecord) -> usize {
    step.events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SendAcknowledged { .. }))
        .count()
}

pub(super) fn acknowledged_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
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

pub(super) fn transaction_clause(step: &StepRecord) -> Option<String> {
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
        // Dead is where an idle transactional.id ends: tombstoned and forgotten.
        if to == eos_core::coordinator::state_machine::TransactionState::Dead.to_string() {
            return Some(format!(
                "{tid} sat idle in {from} for transactional.id.expiration.ms, so the transaction \
                 coordinator wrote a tombstone for it and forgot it"
            ));
        }
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
pub(super) fn coordinator_moves(step: &StepRecord) -> Vec<(String, String, String)> {
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

pub(super) fn failure_clause(step: &StepRecord) -> Option<String> {
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
        EventKind::BrokerCrashed { broker } => {
            let moved = step.events.iter().find_map(|e| match &e.kind {
                EventKind::CoordinatorMoved {
                    to,
                    coordinator_epoch,
                    ..
                } => Some((to, coordinator_epoch)),
                _ => None,
            });
            Some(match moved {
                Some((to, epoch)) => format!(
                    "Broker {broker} crashed; the transaction coordinator moved to broker {to}, \
                     a replica of __transaction_state, under coordinator epoch {epoch}"
                ),
                None => format!("Broker {broker} crashed"),
            })
        }
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

pub(super) fn consumer_clause(step: &StepRecord) -> Option<String> {
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
    let waited = step.events.iter().find_map(|e| match &e.kind {
        EventKind::FetchCompleted {
            reason, waited_ms, ..
        } => Some(match reason {
            FetchCompletion::EnoughBytes => {
                format!(", once its fetch had waited {waited_ms} ms at the broker for enough bytes")
            }
            FetchCompletion::MaxWait => format!(
                ", when its fetch had waited fetch.max.wait.ms ({waited_ms} ms) at the broker"
            ),
            FetchCompletion::OtherSegment | FetchCompletion::PartitionError => format!(
                ", after its fetch had waited {waited_ms} ms at the broker and the partition changed under it"
            ),
        }),
        _ => None,
    });
    let clause = step.events.iter().find_map(|e| match &e.kind {
        EventKind::FetchParked {
            consumer,
            min_bytes,
            until_ms,
            ..
        } => Some(format!(
            "{consumer}'s fetch waits at the broker for {min_bytes} bytes (fetch.min.bytes), until {until_ms} ms at the latest"
        )),
        EventKind::RecordsPolled {
            consumer,
            topic_partition,
            offsets,
            ..
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
    });
    clause.map(|clause| format!("{clause}{}", waited.unwrap_or_default()))
}

pub(super) fn message_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
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

pub(super) fn time_clause(step: &StepRecord) -> Option<String> {
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
