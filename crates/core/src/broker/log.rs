//! A partition replica's log: record batches with contiguous offsets, split into segments.
//!
//! Follows Kafka's `UnifiedLog` / `LocalLog` / `LogSegment`: offsets are contiguous from the log
//! start offset, a new segment is rolled when the active one is full, and
//! `log start <= high watermark <= log end`. Simplified: segments roll by record count (Kafka
//! rolls by bytes or time) so that segments are visible with a handful of records.
//!
//! Lookups by offset are binary searches, so a step costs the same with 100 or 100 000 records.
//! The batches are a persistent vector: a clone of the world (the lab keeps one per step it
//! shows) shares them instead of copying the whole log.

use crate::broker::batch::StoredBatch;
use crate::ids::{Offset, ProducerId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An entry of a segment's aborted-transaction index (`AbortedTxn`, `TransactionIndex`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortedTxn {
    pub producer_id: ProducerId,
    /// The transaction's first offset on this partition.
    pub first_offset: Offset,
    /// The offset of the ABORT marker.
    pub last_offset: Offset,
    /// The last stable offset when the marker was written.
    pub last_stable_offset: Offset,
}

/// A contiguous run of offsets stored together, as in Kafka's `LogSegment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub base_offset: Offset,
    /// The offset after the segment's last record.
    pub next_offset: Offset,
    /// Aborted transactions whose ABORT marker lies in this segment (`TransactionIndex`).
    pub aborted_txns: Vec<AbortedTxn>,
}

impl Segment {
    pub fn record_count(&self) -> i64 {
        self.next_offset.0 - self.base_offset.0
    }
}

/// The log of one partition replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionLog {
    batches: Batches,
    /// A new one every few records: persistent too, for the same reason as the batches.
    segments: imbl::Vector<Segment>,
    log_start_offset: Offset,
    /// The last batch's next offset, or the log start with no batch: kept as the batches
    /// change, since the checks ask for it at every step and the persistent vector's last
    /// element is a walk down its tree.
    log_end_offset: Offset,
    high_watermark: Offset,
    segment_max_records: i64,
    /// How many times the log was truncated: below its end, a log that was not truncated
    /// still holds the batches it held.
    truncations: u64,
}

impl PartitionLog {
    /// An empty log whose segments hold at most `segment_max_records` records each (a batch is
    /// never split, so a large batch may overfill a segment, as in Kafka).
    pub fn new(segment_max_records: u64) -> Self {
        Self {
            batches: Batches::new(),
            segments: imbl::vector![Segment {
                base_offset: Offset(0),
                next_offset: Offset(0),
                aborted_txns: Vec::new(),
            }],
            log_start_offset: Offset(0),
            log_end_offset: Offset(0),
            high_watermark: Offset(0),
            segment_max_records: i64::try_from(segment_max_records.max(1)).unwrap_or(i64::MAX),
            truncations: 0,
        }
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    /// The offset the next appended record will get (Kafka's log end offset, LEO).
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }

    /// Sets [`Self::log_end_offset`] after the batches or the log start changed.
    fn recompute_log_end(&mut self) {
        self.log_end_offset = self
            .batches
            .last()
            .map_or(self.log_start_offset, |batch| batch.next_offset());
    }

    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }

    pub fn segments(&self) -> &imbl::Vector<Segment> {
        &self.segments
    }

    pub fn batches(&self) -> &Batches {
        &self.batches
    }

    /// How many times [`Self::truncate_to`] cut the log.
    pub fn truncations(&self) -> u64 {
        self.truncations
    }

    /// Appends `batch` at the log end, giving it its base offset, and returns that offset.
    pub fn append(&mut self, mut batch: StoredBatch) -> Offset {
        let base = self.log_end_offset();
        batch.base_offset = base;
        let count = batch.record_count();
        let roll = self.segments.last().is_some_and(|s| {
            s.record_count() > 0 && s.record_count() + count > self.segment_max_records
        });
        if roll {
            self.segments.push_back(Segment {
                base_offset: base,
                next_offset: base,
                aborted_txns: Vec::new(),
            });
        }
        if let Some(active) = self.segments.back_mut() {
            active.next_offset = base.plus(count);
        }
        self.batches.push_back(Arc::new(batch));
        self.recompute_log_end();
        base
    }

    /// Moves the high watermark forward to `offset`, bounded by the log end
    /// (`UnifiedLog.maybeIncrementHighWatermark`: the leader only ever increases it). Returns
    /// whether it moved.
    pub fn advance_high_watermark(&mut self, offset: Offset) -> bool {
        let bounded = offset.min(self.log_end_offset());
        if bounded > self.high_watermark {
            self.high_watermark = bounded;
            return true;
        }
        false
    }

    /// Sets the high watermark a follower learns from its leader (`min(leader HW, own LEO)`).
    pub fn set_follower_high_watermark(&mut self, leader_high_watermark: Offset) {
        self.high_watermark = leader_high_watermark
            .min(self.log_end_offset())
            .max(self.log_start_offset);
    }

    /// Moves the log start offset forward to `offset` (`UnifiedLog.maybeIncrementLogStartOffset`):
    /// records below it can no longer be read. The caller keeps it at or below the high
    /// watermark. Kafka deletes the segments wholly below it later, on its retention check; the
    /// lab keeps their batches, unreadable. Returns whether it moved.
    pub fn increment_log_start_offset(&mut self, offset: Offset) -> bool {
        if offset <= self.log_start_offset {
            return false;
        }
        self.log_start_offset = offset;
        self.recompute_log_end();
        self.high_watermark = self.high_watermark.max(offset);
        true
    }

    /// Index of the batch that holds `offset`, if any.
    fn batch_index(&self, offset: Offset) -> Option<usize> {
        let i = partition_point(&self.batches, |b| b.next_offset() <= offset);
        (i < self.batches.len() && self.batches[i].base_offset <= offset).then_some(i)
    }

    pub fn batch_containing(&self, offset: Offset) -> Option<&StoredBatch> {
        self.batch_index(offset).map(|i| &*self.batches[i])
    }

    /// Whole batches from the one holding `from` up to (not including) any batch that reaches
    /// `upper_bound`, at most `max_batches` of them (`LocalLog.read`: reads stop at the bound).
    pub fn read(
        &self,
        from: Offset,
        upper_bound: Offset,
        max_batches: usize,
    ) -> impl Iterator<Item = &StoredBatch> {
        let start = self
            .batch_index(from)
            .filter(|_| from < upper_bound)
            .unwrap_or(self.batches.len());
        let mut end = start;
        while end < self.batches.len()
            && end - start < max_batches
            && self.batches[end].next_offset() <= upper_bound
        {
            end += 1;
        }
        // By index: an iterator's `skip` would walk the persistent vector from its start.
        (start..end).map(|i| &*self.batches[i])
    }

    /// The base offset of the segment an offset falls in: the last one starting at or before
    /// it (`LogOffsetMetadata.segmentBaseOffset`).
    pub fn segment_base_of(&self, offset: Offset) -> Offset {
        let holding = partition_point_by(&self.segments, |s| s.base_offset <= offset);
        holding
            .checked_sub(1)
            .and_then(|i| self.segments.get(i))
            .map_or(self.log_start_offset, |s| s.base_offset)
    }

    /// Records an aborted transaction in the segment that holds its marker
    /// (`LogSegment.updateTxnIndex`; only aborted transactions are indexed).
    pub fn index_aborted(&mut self, entry: AbortedTxn) {
        let marker = entry.last_offset;
        // The last segment that starts at or before the marker (segments are in offset order).
        let holding = partition_point_by(&self.segments, |s| s.base_offset <= marker);
        if let Some(segment) = holding
            .checked_sub(1)
            .and_then(|i| self.segments.get_mut(i))
        {
            segment.aborted_txns.push(entry);
        }
    }

    /// Aborted transactions that overlap `[from, upper_bound)`, as a read_committed fetch
    /// collects them (`TransactionIndex.collectAbortedTxns`): marker at or after `from` and first
    /// offset before the bound.
    pub fn aborted_txns_between(&self, from: Offset, upper_bound: Offset) -> Vec<AbortedTxn> {
        // Segments are in offset order: those that reach `from` are the last ones.
        let first = partition_point_by(&self.segments, |s| {
            !(s.next_offset > from || s.base_offset >= from)
        });
        self.segments
            .skip(first)
            .iter()
            .flat_map(|s| s.aborted_txns.iter())
            .filter(|t| t.last_offset >= from && t.first_offset < upper_bound)
            .copied()
            .collect()
    }

    /// Removes every batch at or after `offset` (a follower truncating to its new leader's log).
    /// Returns the removed batches.
    pub fn truncate_to(&mut self, offset: Offset) -> Vec<StoredBatch> {
        let keep = partition_point(&self.batches, |b| b.base_offset < offset);
        self.truncations += 1;
        let removed: Vec<StoredBatch> = (self.batches.split_off(keep).into_iter())
            .map(Arc::unwrap_or_clone)
            .collect();
        self.recompute_log_end();
        let end = self.log_end_offset();
        // Segments are in offset order: those starting at or past the new end are the last ones.
        let past_end = partition_point_by(&self.segments, |s| s.base_offset < end);
        let log_start = self.log_start_offset;
        for segment in self.segments.split_off(past_end) {
            if segment.base_offset == log_start {
                self.segments.push_back(segment);
            }
        }
        if let Some(active) = self.segments.back_mut() {
            active.next_offset = end;
        }
        // Changed in place only where an aborted transaction goes, so the rest stays shared.
        let cut: Vec<usize> = (self.segments.iter().enumerate())
            .filter(|(_, s)| s.aborted_txns.iter().any(|t| t.last_offset >= end))
            .map(|(i, _)| i)
            .collect();
        for i in cut {
            if let Some(segment) = self.segments.get_mut(i) {
                segment.aborted_txns.retain(|t| t.last_offset < end);
            }
        }
        self.high_watermark = self.high_watermark.min(end);
        removed
    }
}

/// A log's batches in offset order. Each is shared: appending after a clone of the world copies
/// the vector's last chunk of up to 64 batches, which then costs 64 reference counts rather
/// than 64 batches with their records' strings.
pub type Batches = imbl::Vector<Arc<StoredBatch>>;

/// The number of leading batches for which `before` holds (`slice::partition_point` for the
/// persistent vector): `before` must hold for a prefix and not after it.
pub fn partition_point(batches: &Batches, before: impl Fn(&StoredBatch) -> bool) -> usize {
    partition_point_by(batches, |batch| before(batch))
}

/// [`partition_point`] for any persistent vector.
pub fn partition_point_by<T: Clone>(items: &imbl::Vector<T>, before: impl Fn(&T) -> bool) -> usize {
    let (mut low, mut high) = (0, items.len());
    while low < high {
        let middle = low + (high - low) / 2;
        if before(&items[middle]) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::batch::{ProducerStamp, Provenance, Record};
    use crate::ids::LeaderEpoch;

    fn batch(values: &[&str]) -> StoredBatch {
        StoredBatch {
            base_offset: Offset(-1),
            leader_epoch: LeaderEpoch(0),
            stamp: ProducerStamp::NONE,
            is_transactional: false,
            control: None,
            records: values
                .iter()
                .map(|v| Record::new(None, (*v).to_owned()))
                .collect(),
            timestamp_ms: 0,
            provenance: Provenance {
                send_ids: Vec::new(),
                attempt: 1,
            },
        }
    }

    fn log_with(batches: &[&[&str]], segment_max_records: u64) -> PartitionLog {
        let mut log = PartitionLog::new(segment_max_records);
        for b in batches {
            log.append(batch(b));
        }
        log
    }

    #[test]
    fn offsets_are_contiguous_across_batches() {
        let log = log_with(&[&["a"], &["b", "c"], &["d"]], 100);
        let bases: Vec<i64> = log.batches().iter().map(|b| b.base_offset.0).collect();
        assert_eq!(bases, vec![0, 1, 3]);
        assert_eq!(log.log_end_offset(), Offset(4));
    }

    #[test]
    fn segments_roll_when_the_next_batch_does_not_fit() {
        let log = log_with(&[&["a"], &["b"], &["c", "d"], &["e"]], 2);
        let bases: Vec<i64> = log.segments().iter().map(|s| s.base_offset.0).collect();
        assert_eq!(bases, vec![0, 2, 4]);
    }

    #[test]
    fn high_watermark_never_passes_log_end_nor_moves_back() {
        let mut log = log_with(&[&["a"], &["b"]], 10);
        assert!(log.advance_high_watermark(Offset(7)));
        assert_eq!(log.high_watermark(), Offset(2));
        assert!(!log.advance_high_watermark(Offset(1)));
        assert_eq!(log.high_watermark(), Offset(2));
    }

    #[test]
    fn read_returns_whole_batches_below_the_bound_and_nothing_at_it() {
        let log = log_with(&[&["a"], &["b", "c"], &["d"]], 10);
        let got: Vec<i64> = log
            .read(Offset(2), Offset(4), 10)
            .map(|b| b.base_offset.0)
            .collect();
        assert_eq!(got, vec![1, 3], "offset 2 lies in the batch at 1");
        assert_eq!(log.read(Offset(3), Offset(3), 10).count(), 0);
        assert_eq!(
            log.read(Offset(0), Offset(2), 10).count(),
            1,
            "the batch 1..=2 reaches past 2"
        );
    }

    #[test]
    fn the_log_start_only_moves_forward() {
        let mut log = log_with(&[&["a"], &["b"], &["c"]], 10);
        log.advance_high_watermark(Offset(3));
        assert!(log.increment_log_start_offset(Offset(2)));
        assert_eq!(log.log_start_offset(), Offset(2));
        assert!(!log.increment_log_start_offset(Offset(1)), "never back");
        assert_eq!(log.log_end_offset(), Offset(3), "the log end stays");
    }

    #[test]
    fn truncation_drops_the_tail_and_lowers_the_high_watermark() {
        let mut log = log_with(&[&["a"], &["b"], &["c"], &["d"], &["e"]], 2);
        log.advance_high_watermark(Offset(5));
        let removed = log.truncate_to(Offset(3));
        assert_eq!(removed.len(), 2);
        assert_eq!(log.log_end_offset(), Offset(3));
        assert_eq!(log.high_watermark(), Offset(3));
        assert_eq!(log.segments().last().unwrap().next_offset, Offset(3));
        assert_eq!(log.append(batch(&["x"])), Offset(3));
    }
}
