//! A partition's log: an append-only sequence of records, split into segments.
//!
//! Follows Kafka's `UnifiedLog` / `LocalLog` / `LogSegment`: offsets are contiguous from the log
//! start offset, a new segment is rolled when the active one is full, and the high watermark
//! never exceeds the log end offset. Simplified: segments roll by record count (Kafka rolls by
//! bytes or time) so that segments are visible with a handful of records.

use crate::ids::Offset;
use serde::{Deserialize, Serialize};

/// One record as stored in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub offset: Offset,
    pub key: Option<String>,
    pub value: String,
    /// Simulated milliseconds at which the leader appended it.
    pub timestamp_ms: u64,
}

/// A contiguous run of offsets stored together, as in Kafka's `LogSegment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub base_offset: Offset,
    /// Number of records in the segment.
    pub record_count: u64,
}

/// The log of one partition replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionLog {
    records: Vec<StoredRecord>,
    segments: Vec<Segment>,
    log_start_offset: Offset,
    high_watermark: Offset,
    segment_max_records: u64,
}

impl PartitionLog {
    /// An empty log whose segments hold at most `segment_max_records` records each.
    pub fn new(segment_max_records: u64) -> Self {
        assert!(segment_max_records > 0, "a segment must hold at least one record");
        Self {
            records: Vec::new(),
            segments: vec![Segment {
                base_offset: Offset(0),
                record_count: 0,
            }],
            log_start_offset: Offset(0),
            high_watermark: Offset(0),
            segment_max_records,
        }
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    /// The offset the next appended record will get (Kafka's LEO).
    pub fn log_end_offset(&self) -> Offset {
        Offset(self.log_start_offset.0 + self.records.len() as i64)
    }

    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn records(&self) -> &[StoredRecord] {
        &self.records
    }

    /// Appends one record at the log end and returns its offset.
    pub fn append(&mut self, key: Option<String>, value: String, timestamp_ms: u64) -> Offset {
        let offset = self.log_end_offset();
        let active_is_full = self
            .segments
            .last()
            .is_some_and(|s| s.record_count >= self.segment_max_records);
        if active_is_full {
            self.segments.push(Segment {
                base_offset: offset,
                record_count: 0,
            });
        }
        if let Some(active) = self.segments.last_mut() {
            active.record_count += 1;
        }
        self.records.push(StoredRecord {
            offset,
            key,
            value,
            timestamp_ms,
        });
        offset
    }

    /// Moves the high watermark forward to `offset`, bounded by the log end
    /// (`UnifiedLog.maybeIncrementHighWatermark`: it only ever increases).
    pub fn advance_high_watermark(&mut self, offset: Offset) {
        let bounded = offset.min(self.log_end_offset());
        if bounded > self.high_watermark {
            self.high_watermark = bounded;
        }
    }

    /// The records in `[from, upper_bound)`, at most `max_records` of them.
    pub fn read(&self, from: Offset, upper_bound: Offset, max_records: usize) -> &[StoredRecord] {
        if from < self.log_start_offset || from >= upper_bound {
            return &[];
        }
        let start = (from.0 - self.log_start_offset.0) as usize;
        let end = ((upper_bound.0 - self.log_start_offset.0) as usize).min(self.records.len());
        let end = end.min(start.saturating_add(max_records));
        self.records.get(start..end).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(values: &[&str], segment_max_records: u64) -> PartitionLog {
        let mut log = PartitionLog::new(segment_max_records);
        for v in values {
            log.append(None, (*v).to_owned(), 0);
        }
        log
    }

    #[test]
    fn offsets_are_contiguous_from_zero() {
        let log = log_with(&["a", "b", "c"], 100);
        let offsets: Vec<i64> = log.records().iter().map(|r| r.offset.0).collect();
        assert_eq!(offsets, vec![0, 1, 2]);
        assert_eq!(log.log_end_offset(), Offset(3));
    }

    #[test]
    fn segments_roll_when_full() {
        let log = log_with(&["a", "b", "c", "d", "e"], 2);
        let bases: Vec<i64> = log.segments().iter().map(|s| s.base_offset.0).collect();
        assert_eq!(bases, vec![0, 2, 4]);
    }

    #[test]
    fn high_watermark_never_passes_log_end_nor_moves_back() {
        let mut log = log_with(&["a", "b"], 10);
        log.advance_high_watermark(Offset(7));
        assert_eq!(log.high_watermark(), Offset(2));
        log.advance_high_watermark(Offset(1));
        assert_eq!(log.high_watermark(), Offset(2));
    }

    #[test]
    fn read_stops_at_the_upper_bound_and_is_empty_at_it() {
        let log = log_with(&["a", "b", "c"], 10);
        let got: Vec<&str> = log
            .read(Offset(1), Offset(2), 10)
            .iter()
            .map(|r| r.value.as_str())
            .collect();
        assert_eq!(got, vec!["b"]);
        assert!(log.read(Offset(2), Offset(2), 10).is_empty());
        assert!(log.read(Offset(9), Offset(2), 10).is_empty());
    }
}
