//! Record batches as Kafka stores them: a header with the producer's id, epoch and sequence, and
//! one or more records (`DefaultRecordBatch`). Control batches (transaction markers) are a kind of
//! batch with exactly one record.

use crate::ids::{LeaderEpoch, Offset, ProducerEpoch, ProducerId, Sequence};
use serde::{Deserialize, Serialize};

/// One key/value record inside a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: Option<String>,
    pub value: String,
    /// The record's own CreateTime, set only by hand-made produce requests; the lab's clients
    /// leave it out and the batch's append time stands for it (see `StoredBatch::timestamp_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
}

impl Record {
    /// A record with no timestamp of its own.
    pub fn new(key: Option<String>, value: String) -> Self {
        Record {
            key,
            value,
            timestamp_ms: None,
        }
    }
}

/// The kind of a control batch's single record (`ControlRecordType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    Commit,
    Abort,
}

/// Where a batch came from, for the lab's provenance view; not part of Kafka's format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The lab-wide numbers of the `send`s whose records the batch holds, in record order
    /// (empty for hand-made batches and markers).
    pub send_ids: Vec<u64>,
    /// 1 for the first request that carried the batch, 2 for the first retry, and so on.
    pub attempt: u32,
}

/// The producer fields of a batch header (`producerId`, `producerEpoch`, `baseSequence`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStamp {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub base_sequence: Sequence,
}

impl ProducerStamp {
    /// The header of a batch from a producer without idempotence.
    pub const NONE: ProducerStamp = ProducerStamp {
        producer_id: ProducerId::NONE,
        producer_epoch: ProducerEpoch::NONE,
        base_sequence: Sequence::NONE,
    };
}

/// A batch as a client sends it: not yet given offsets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducedBatch {
    pub stamp: ProducerStamp,
    pub is_transactional: bool,
    pub records: Vec<Record>,
    pub provenance: Provenance,
}

impl ProducedBatch {
    /// The sequence of the batch's last record (`lastSequence`), wrapping like Kafka's.
    pub fn last_sequence(&self) -> Sequence {
        let n = i32::try_from(self.records.len()).unwrap_or(i32::MAX);
        if self.stamp.base_sequence == Sequence::NONE {
            return Sequence::NONE;
        }
        self.stamp.base_sequence.plus(n.saturating_sub(1))
    }
}

/// A batch stored in a log, with its offsets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBatch {
    pub base_offset: Offset,
    /// The leader epoch in which the batch was appended (`partitionLeaderEpoch`); followers use it
    /// to find where their log diverges from a new leader's.
    pub leader_epoch: LeaderEpoch,
    pub stamp: ProducerStamp,
    pub is_transactional: bool,
    /// Set for transaction markers; such a batch holds exactly one record.
    pub control: Option<ControlKind>,
    pub records: Vec<Record>,
    /// The append time, or with hand-made CreateTimes the largest of them (`maxTimestamp`).
    pub timestamp_ms: u64,
    pub provenance: Provenance,
}

impl StoredBatch {
    pub fn record_count(&self) -> i64 {
        i64::try_from(self.records.len()).unwrap_or(i64::MAX)
    }

    /// The offset of the batch's last record (`lastOffset`).
    pub fn last_offset(&self) -> Offset {
        self.base_offset.plus(self.record_count() - 1)
    }

    /// The offset right after the batch (`nextOffset`).
    pub fn next_offset(&self) -> Offset {
        self.base_offset.plus(self.record_count())
    }

    pub fn last_sequence(&self) -> Sequence {
        if self.stamp.base_sequence == Sequence::NONE {
            return Sequence::NONE;
        }
        let n = i32::try_from(self.records.len()).unwrap_or(i32::MAX);
        self.stamp.base_sequence.plus(n.saturating_sub(1))
    }

    pub fn is_control(&self) -> bool {
        self.control.is_some()
    }

    /// Each record's timestamp in order: its own CreateTime, else the batch's timestamp.
    pub fn record_timestamps_ms(&self) -> impl Iterator<Item = u64> + '_ {
        self.records
            .iter()
            .map(|r| r.timestamp_ms.unwrap_or(self.timestamp_ms))
    }
}

/// The batch's timestamp (`maxTimestamp` with CreateTime): the largest of its records' own
/// timestamps, a record without one counting as appended now.
pub fn max_timestamp_ms(records: &[Record], now_ms: u64) -> u64 {
    records
        .iter()
        .map(|r| r.timestamp_ms.unwrap_or(now_ms))
        .max()
        .unwrap_or(now_ms)
}
