//! The step's one sentence: the most important thing it did, by the module's priority, with a
//! broken guarantee leading; and the clauses for errors, duplicates and lost messages.

use super::clauses::{
    acknowledged_clause, consumer_clause, failure_clause, message_clause, time_clause,
    transaction_clause, written_clause,
};
use super::words::{Names, and_list, lower_first, upper_first};
use crate::steps::StepRecord;
use eos_core::network::{Endpoint, Message, Payload};
use eos_core::{Action, EventKind};

pub(super) fn sentence(step: &StepRecord, names: &Names<'_>) -> String {
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
pub(super) fn main_clause(step: &StepRecord, names: &Names<'_>) -> String {
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

pub(super) fn error_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
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
            ..
        } => Some(format!(
            "Broker {broker} refused the hand-made batch for {topic_partition} with {error}"
        )),
        EventKind::RawCoordinatorRequestHandled {
            request,
            broker,
            error: Some(error),
            ..
        } => Some(format!(
            "Broker {broker} refused the hand-made {request} with {error}"
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
        EventKind::OffsetsMarkerAnswered {
            result: Err(error), ..
        } => Some(format!(
            "__consumer_offsets-0 refused the hand-made marker with {error}"
        )),
        EventKind::FetchAnswered {
            topic_partition,
            response,
            ..
        } => response.error.map(|error| {
            format!("The leader answered the hand-made Fetch of {topic_partition} with {error}")
        }),
        EventKind::RecordsDeleted {
            topic_partition,
            error: Some(error),
            ..
        } => Some(format!(
            "Deleting the records of {topic_partition} was refused with {error}"
        )),
        EventKind::OffsetCommitAnswered {
            group_id,
            error: Some(error),
            ..
        } => Some(format!(
            "The group coordinator refused the hand-made OffsetCommit for group {group_id} with {error}"
        )),
        EventKind::OffsetFetchAnswered {
            group_id,
            partitions,
            ..
        } => partitions.iter().find_map(|p| {
            p.error.map(|error| {
                format!(
                    "The group coordinator answered the hand-made OffsetFetch for group {group_id} with {error} for {}",
                    p.topic_partition
                )
            })
        }),
        _ => None,
    })
}

pub(super) fn duplicate_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
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
pub(super) fn lost_clause(step: &StepRecord, names: &Names<'_>) -> Option<String> {
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

pub(super) fn dropped(message: &Message, names: &Names<'_>) -> String {
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
pub(super) fn what(message: &Message) -> String {
    format!("message #{} ({})", message.id, message.payload.label())
}
