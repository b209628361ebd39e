//! What Kafka's own tools would print for the simulated state, so that a learner recognises it on
//! a real cluster: `kafka-dump-log.sh --deep-iteration --print-data-log` for a partition's
//! segments and aborted-transaction index, and `kafka-transactions.sh` `list`, `describe` and
//! `describe-producers`.
//!
//! Fields the lab does not model (file positions, batch sizes, CRCs) are left out rather than
//! invented; everything printed comes from the world.

use crate::broker::batch::{ControlKind, StoredBatch};
use crate::broker::log::{PartitionLog, Segment, partition_point};
use crate::broker::producer_state::marker_coordinator_epoch;
use crate::ids::{ProducerEpoch, TopicPartition};
use crate::world::World;
use std::fmt::Write;

/// `kafka-dump-log.sh --deep-iteration --print-data-log --files <segment>.log` (and `.txnindex`)
/// for every segment of the leader's replica of `tp`; `None` if the partition has no leader.
pub fn dump_log(world: &World, tp: &TopicPartition) -> Option<String> {
    dump_last_segments(world, tp, usize::MAX).map(|dump| dump.output)
}

/// What `kafka-dump-log.sh` prints for some of a partition's segment files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentDump {
    /// The segment files dumped, as `--files` names them (`payments-0/00000000000000000004.log`).
    pub files: Vec<String>,
    /// How many older segments were left out.
    pub earlier_segments: usize,
    pub output: String,
}

/// The dump of the newest `segments` segment files of the leader's replica of `tp`, as a person
/// would dump a long log: naming the last files rather than all of them. Costs the same for a
/// log of 100 records and of 100 000.
pub fn dump_last_segments(
    world: &World,
    tp: &TopicPartition,
    segments: usize,
) -> Option<SegmentDump> {
    let partition = world.cluster().partition(tp)?;
    let log = &partition.leader_replica()?.log;
    let all = log.segments();
    let first = all.len().saturating_sub(segments);
    let shown = all.skip(first);
    let mut output = String::new();
    for segment in &shown {
        dump_segment(&mut output, tp, log, segment);
    }
    Some(SegmentDump {
        files: shown.iter().map(|s| segment_file(tp, s) + ".log").collect(),
        earlier_segments: first,
        output,
    })
}

/// Kafka names each segment file after its base offset, zero-padded to 20 digits.
fn segment_file(tp: &TopicPartition, segment: &Segment) -> String {
    format!("{tp}/{:020}", segment.base_offset.0)
}

fn dump_segment(out: &mut String, tp: &TopicPartition, log: &PartitionLog, segment: &Segment) {
    let file = segment_file(tp, segment);
    let _ = writeln!(out, "Dumping {file}.log");
    let _ = writeln!(out, "Log starting offset: {}", segment.base_offset);
    // Batches are in offset order: the segment's are one run, found by binary search.
    let batches = log.batches();
    let start = partition_point(batches, |b| b.base_offset < segment.base_offset);
    let end = partition_point(batches, |b| b.base_offset < segment.next_offset);
    // By index: an iterator's `skip` would walk the persistent vector from its start.
    for batch in (start..end).map(|i| &batches[i]) {
        dump_batch(out, batch);
    }
    if !segment.aborted_txns.is_empty() {
        let _ = writeln!(out, "Dumping {file}.txnindex");
        for t in &segment.aborted_txns {
            // TransactionIndex's AbortedTxn.toString.
            let _ = writeln!(
                out,
                "version: 0 producerId: {} firstOffset: {} lastOffset: {} lastStableOffset: {}",
                t.producer_id, t.first_offset, t.last_offset, t.last_stable_offset
            );
        }
    }
}

// DumpLogSegments.dumpLog: one line per batch, then with --deep-iteration one per record.
fn dump_batch(out: &mut String, batch: &StoredBatch) {
    let stamp = &batch.stamp;
    let _ = writeln!(
        out,
        "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {} producerId: {} producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} isControl: {} deleteHorizonMs: OptionalLong.empty CreateTime: {} magic: 2 compresscodec: none isvalid: true",
        batch.base_offset,
        batch.last_offset(),
        batch.record_count(),
        stamp.base_sequence,
        batch.last_sequence(),
        stamp.producer_id,
        stamp.producer_epoch,
        batch.leader_epoch.0,
        batch.is_transactional,
        batch.control.is_some(),
        batch.timestamp_ms,
    );
    for (i, record) in batch.records.iter().enumerate() {
        let offset = batch.base_offset.plus(i64::try_from(i).unwrap_or(0));
        match batch.control {
            Some(kind) => {
                // A control record's key is 4 bytes (version, type) and its value 6 (version,
                // coordinator epoch): EndTransactionMarker.
                let marker = match kind {
                    ControlKind::Commit => "COMMIT",
                    ControlKind::Abort => "ABORT",
                };
                let _ = writeln!(
                    out,
                    "| offset: {offset} CreateTime: {} keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: {marker} coordinatorEpoch: {}",
                    batch.timestamp_ms,
                    marker_coordinator_epoch(batch).unwrap_or(0)
                );
            }
            None => {
                let sequence = if stamp.base_sequence.0 < 0 {
                    -1
                } else {
                    stamp
                        .base_sequence
                        .0
                        .wrapping_add(i32::try_from(i).unwrap_or(0))
                };
                let key_size = record.key.as_ref().map_or(-1, |k| k.len() as i64);
                let key = record
                    .key
                    .as_ref()
                    .map_or(String::new(), |k| format!(" key: {k}"));
                let _ = writeln!(
                    out,
                    "| offset: {offset} CreateTime: {} keySize: {key_size} valueSize: {} sequence: {sequence} headerKeys: []{key} payload: {}",
                    batch.timestamp_ms,
                    record.value.len(),
                    record.value
                );
            }
        }
    }
}

/// `kafka-transactions.sh list`.
pub fn list_transactions(world: &World) -> String {
    let coordinator = world.coordinator().broker().to_string();
    let rows = world
        .coordinator()
        .transactions()
        .map(|m| {
            vec![
                m.transactional_id.clone(),
                coordinator.clone(),
                m.producer_id.to_string(),
                m.state.name().to_owned(),
            ]
        })
        .collect::<Vec<_>>();
    pretty_table(
        &[
            "TransactionalId",
            "Coordinator",
            "ProducerId",
            "TransactionState",
        ],
        &rows,
    )
}

/// `kafka-transactions.sh describe --transactional-id <id>`; `None` for an id the coordinator
/// does not know (the tool fails with `TRANSACTIONAL_ID_NOT_FOUND`).
pub fn describe_transaction(world: &World, transactional_id: &str) -> Option<String> {
    let m = world
        .coordinator()
        .transactions()
        .find(|m| m.transactional_id == transactional_id)?;
    let (start, duration) = match m.txn_start_timestamp_ms {
        Some(start) => (
            start.to_string(),
            world.now_ms().saturating_sub(start).to_string(),
        ),
        None => ("None".to_owned(), "None".to_owned()),
    };
    let partitions = m
        .topic_partitions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let row = vec![
        world.coordinator().broker().to_string(),
        m.transactional_id.clone(),
        m.producer_id.to_string(),
        m.producer_epoch.to_string(),
        m.state.name().to_owned(),
        m.txn_timeout_ms.to_string(),
        start,
        duration,
        partitions,
    ];
    Some(pretty_table(
        &[
            "CoordinatorId",
            "TransactionalId",
            "ProducerId",
            "ProducerEpoch",
            "TransactionState",
            "TransactionTimeoutMs",
            "CurrentTransactionStartTimeMs",
            "TransactionDurationMs",
            "TopicPartitions",
        ],
        &[row],
    ))
}

/// `kafka-transactions.sh describe-producers --topic <t> --partition <p>`, from the partition
/// leader; `None` if the partition has no leader.
pub fn describe_producers(world: &World, tp: &TopicPartition) -> Option<String> {
    let leader = world.cluster().partition(tp)?.leader_replica()?;
    let rows = leader
        .producers
        .entries()
        .filter(|e| e.producer_epoch != ProducerEpoch::NONE)
        .map(|e| {
            vec![
                e.producer_id.to_string(),
                e.producer_epoch.to_string(),
                e.coordinator_epoch.to_string(),
                e.last_seq().to_string(),
                e.last_timestamp_ms.to_string(),
                e.current_txn_first_offset
                    .map_or("None".to_owned(), |o| o.to_string()),
            ]
        })
        .collect::<Vec<_>>();
    Some(pretty_table(
        &[
            "ProducerId",
            "ProducerEpoch",
            "LatestCoordinatorEpoch",
            "LastSequence",
            "LastTimestamp",
            "CurrentTransactionStartOffset",
        ],
        &rows,
    ))
}

/// `ToolsUtils.prettyPrintTable`: every cell padded to its column's width and followed by a tab.
fn pretty_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&headers).chain(rows) {
        for (w, cell) in widths.iter().zip(row) {
            let _ = write!(out, "{cell:<w$}\t");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // ToolsUtils.prettyPrintTable pads to the widest cell and ends every cell with a tab.
    #[test]
    fn tables_are_padded_like_kafkas_tools() {
        let table = pretty_table(
            &["ProducerId", "LastSequence"],
            &[vec!["12".to_owned(), "11".to_owned()]],
        );
        assert_eq!(
            table,
            "ProducerId\tLastSequence\t\n12        \t11          \t\n"
        );
    }
}
