//! The step's events sorted into groups, each told as one line with counts.

use super::words::{Names, and_list, count, dedup, partitions, times};
use super::{EventGroup, GroupKind};
use crate::steps::StepRecord;
use eos_core::EventKind;
use eos_core::error_code::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

/// The step's events as at most one line per [`GroupKind`].
pub(super) fn groups(step: &StepRecord, names: &Names<'_>) -> Vec<EventGroup> {
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
            kafka_errors: match kind {
                GroupKind::Errors => {
                    let distinct: BTreeSet<ErrorCode> =
                        events.iter().filter_map(|e| error_of(e)).collect();
                    distinct.into_iter().collect()
                }
                _ => Vec::new(),
            },
        })
        .collect()
}

pub(super) fn group_of(kind: &EventKind) -> GroupKind {
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
        | K::TransactionAbortedByAdmin { result: Err(_), .. }
        | K::OffsetsMarkerAnswered { result: Err(_), .. }
        | K::OffsetCommitAnswered { error: Some(_), .. }
        | K::RecordsDeleted { error: Some(_), .. } => GroupKind::Errors,
        K::FetchAnswered { response, .. } if response.error.is_some() => GroupKind::Errors,
        K::OffsetFetchAnswered { partitions, .. }
            if partitions.iter().any(|p| p.error.is_some()) =>
        {
            GroupKind::Errors
        }
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
        | K::CoordinatorLoading { .. }
        | K::CoordinatorLoaded { .. }
        | K::CoordinatorFound { .. }
        | K::TransactionAbortedByAdmin { .. }
        | K::OffsetsMarkerAnswered { .. } => GroupKind::Transactions,
        K::RequestTimedOut { .. }
        | K::BatchRequeued { .. }
        | K::BrokerCrashed { .. }
        | K::BrokerRestarted { .. }
        | K::ProducerCrashed { .. }
        | K::ProducerRestarted { .. }
        | K::ConsumerCrashed { .. }
        | K::ConsumerRestarted { .. }
        | K::LeaderElected { .. }
        | K::CoordinatorMoved { .. }
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
        | K::FetchParked { .. }
        | K::FetchCompleted { .. }
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

pub(super) fn group_line(kind: GroupKind, events: &[&EventKind], names: &Names<'_>) -> String {
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
                    *counts.entry(error.name()).or_default() += 1;
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

pub(super) fn transactions_line(events: &[&EventKind]) -> String {
    use EventKind as K;
    let mut commit = Vec::new();
    let mut abort = Vec::new();
    let mut moves: Vec<(String, String, String)> = Vec::new();
    let mut log_writes = 0;
    // WriteTxnMarkers requests from the coordinator and the leaders' confirmations.
    let mut marker_requests = 0;
    let mut named: Vec<String> = Vec::new();
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
            K::MarkersRequested { .. } | K::MarkerAcknowledged { .. } => marker_requests += 1,
            K::ProducerIdAssigned {
                producer,
                producer_id,
                producer_epoch,
            } => named.push(format!(
                "{producer} got producer id {producer_id}, epoch {producer_epoch}"
            )),
            K::ProducerEpochBumped {
                producer,
                producer_epoch,
            } => named.push(format!("{producer} at epoch {producer_epoch}")),
            K::TxnOffsetCommitPending { group_id, .. } => {
                named.push(format!("group {group_id}'s offsets pending"));
            }
            K::TxnOffsetCompleted {
                group_id, commit, ..
            } => named.push(format!(
                "group {group_id}'s offsets {}",
                if *commit { "committed" } else { "discarded" }
            )),
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
    if marker_requests > 0 {
        parts.push(count(
            marker_requests,
            "WriteTxnMarkers request or answer",
            "WriteTxnMarkers requests and answers",
        ));
    }
    parts.extend(dedup(named.into_iter()));
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
pub(super) fn follow(
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

pub(super) fn consumers_line(events: &[&EventKind]) -> String {
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

pub(super) fn error_of(event: &EventKind) -> Option<ErrorCode> {
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
        }
        | K::OffsetCommitAnswered {
            error: Some(error), ..
        }
        | K::OffsetsMarkerAnswered {
            result: Err(error), ..
        }
        | K::RecordsDeleted {
            error: Some(error), ..
        } => Some(*error),
        K::FetchAnswered { response, .. } => response.error,
        K::OffsetFetchAnswered { partitions, .. } => partitions.iter().find_map(|p| p.error),
        _ => None,
    }
}
