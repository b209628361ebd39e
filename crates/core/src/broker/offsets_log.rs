//! `__consumer_offsets-0` as a log: every offset commit the group coordinator takes is a record
//! in it (`OffsetCommitKey` + `OffsetCommitValue`: group, partition, offset, leader epoch,
//! metadata), a transactional one carries its producer id and epoch, and the transaction's
//! COMMIT or ABORT marker is written into it as into any other partition
//! (`GroupCoordinatorShard.replay`, `OffsetMetadataManager.replayEndTransactionMarker`).
//!
//! The group's committed view ([`crate::clients::consumer::Group`]) is what replaying these
//! records gives, as Kafka's group coordinator builds its state from the records it writes. The
//! marker checks are the partition's own: the producer state of this log decides, with the same
//! epoch rules as a data partition (`ProducerAppendInfo.checkProducerEpoch`).
//!
//! Simplified: one replica, on the transaction coordinator's broker, durable once appended and
//! always available (the lab's group coordinator never fails over); no compaction or retention.

use crate::broker::batch::{ControlKind, ProducerStamp, Provenance, Record, StoredBatch};
use crate::broker::producer_state::{
    AppendOrigin, ProducerStateManager, Rejection, end_txn_marker_record,
};
use crate::ids::{
    LeaderEpoch, Offset, ProducerEpoch, ProducerId, Sequence, TopicPartition, TransactionVersion,
};
use serde::Serialize;

/// The leader epoch and metadata an offset commit carries besides the offset
/// (`OffsetAndMetadata`: `committedLeaderEpoch`, `committedMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OffsetMetadata {
    /// The leader epoch of the last record consumed; `None` is Kafka's -1 (unknown).
    pub leader_epoch: Option<i32>,
    /// Free text the committer attaches; `""` when none.
    pub metadata: String,
}

/// `offset.metadata.max.bytes`' default: longer metadata is refused per partition with
/// OFFSET_METADATA_TOO_LARGE (`OffsetMetadataManager.isMetadataInvalid`).
pub const OFFSET_METADATA_MAX_BYTES: usize = 4096;

/// Whether the group coordinator refuses this metadata (`OffsetMetadataManager.isMetadataInvalid`
/// compares the string's length with `offset.metadata.max.bytes`).
pub fn is_metadata_too_large(metadata: &str) -> bool {
    metadata.chars().count() > OFFSET_METADATA_MAX_BYTES
}

/// One record of `__consumer_offsets-0`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OffsetsLogRecord {
    /// An offset commit: plain (producer id -1) or transactional.
    OffsetCommit {
        group_id: String,
        topic_partition: TopicPartition,
        offset: Offset,
        #[serde(flatten)]
        details: OffsetMetadata,
        /// The transaction's producer id; -1 for a plain commit.
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        timestamp_ms: u64,
    },
    /// A transaction marker (a control batch) deciding the producer's pending commits.
    Marker {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        commit: bool,
        timestamp_ms: u64,
    },
}

/// What became of one offset commit record, read from the log after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum CommitRecordStatus {
    /// A plain commit: the committed offset the moment it was written.
    Plain,
    /// Transactional, and no marker for its producer yet.
    Pending,
    /// Its transaction's COMMIT marker made it the committed offset.
    Committed { marker_offset: Offset },
    /// Its transaction committed, but a newer commit for the partition had been written, which
    /// the group keeps (`replayEndTransactionMarker` keeps the most recent record).
    Superseded { marker_offset: Offset },
    /// Its transaction's ABORT marker dropped it.
    Aborted { marker_offset: Offset },
}

impl CommitRecordStatus {
    /// Its name in the report and the UI.
    pub fn name(self) -> &'static str {
        match self {
            CommitRecordStatus::Plain => "plain",
            CommitRecordStatus::Pending => "pending",
            CommitRecordStatus::Committed { .. } => "committed",
            CommitRecordStatus::Superseded { .. } => "superseded",
            CommitRecordStatus::Aborted { .. } => "aborted",
        }
    }

    /// The marker that decided it, if one did.
    pub fn marker_offset(self) -> Option<Offset> {
        match self {
            CommitRecordStatus::Plain | CommitRecordStatus::Pending => None,
            CommitRecordStatus::Committed { marker_offset }
            | CommitRecordStatus::Superseded { marker_offset }
            | CommitRecordStatus::Aborted { marker_offset } => Some(marker_offset),
        }
    }
}

/// The `__consumer_offsets-0` partition: its records, offset = position, and what the partition
/// remembers of each transactional producer.
#[derive(Clone, Debug, Default)]
pub struct OffsetsLog {
    /// Grows with every commit: persistent, so a clone of the world shares it.
    records: imbl::Vector<OffsetsLogRecord>,
    producers: ProducerStateManager,
}

impl OffsetsLog {
    /// Every record, the first at offset 0.
    pub fn records(&self) -> impl Iterator<Item = (Offset, &OffsetsLogRecord)> {
        self.records
            .iter()
            .enumerate()
            .map(|(i, r)| (offset_at(i), r))
    }

    /// The offset the next record gets (the log end offset).
    pub fn log_end_offset(&self) -> Offset {
        offset_at(self.records.len())
    }

    /// Whether nothing was ever written.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Appends a plain offset commit; returns its offset.
    pub fn append_commit(
        &mut self,
        group_id: &str,
        topic_partition: &TopicPartition,
        offset: Offset,
        details: &OffsetMetadata,
        now_ms: u64,
    ) -> Offset {
        self.push(OffsetsLogRecord::OffsetCommit {
            group_id: group_id.to_owned(),
            topic_partition: topic_partition.clone(),
            offset,
            details: details.clone(),
            producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
            timestamp_ms: now_ms,
        })
    }

    /// Whether this log takes a transactional commit at `producer_epoch`: the group coordinator's
    /// write is a batch with the producer's id and epoch, and the log's producer state fences
    /// an epoch older than one it has seen, whatever the origin (`ProducerAppendInfo
    /// .checkProducerEpoch`, INVALID_PRODUCER_EPOCH).
    pub fn check_txn_commit_epoch(
        &self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    ) -> Result<(), Rejection> {
        match self.producers.entry(producer_id) {
            Some(entry) if producer_epoch < entry.producer_epoch => Err(Rejection::StaleEpoch {
                producer_id,
                producer_epoch,
                current_epoch: entry.producer_epoch,
            }),
            _ => Ok(()),
        }
    }

    /// Appends a transactional offset commit (TxnOffsetCommit), which opens the producer's
    /// transaction on this partition if none is open; returns its offset.
    #[allow(clippy::too_many_arguments)] // the record's fields, as Kafka's record has them
    pub fn append_txn_commit(
        &mut self,
        group_id: &str,
        topic_partition: &TopicPartition,
        offset: Offset,
        details: &OffsetMetadata,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        now_ms: u64,
    ) -> Offset {
        let at = self.push(OffsetsLogRecord::OffsetCommit {
            group_id: group_id.to_owned(),
            topic_partition: topic_partition.clone(),
            offset,
            details: details.clone(),
            producer_id,
            producer_epoch,
            timestamp_ms: now_ms,
        });
        let batch = batch_at(
            at,
            producer_id,
            producer_epoch,
            None,
            Record::new(
                Some(format!("{group_id}/{topic_partition}")),
                offset.to_string(),
            ),
            now_ms,
        );
        self.producers
            .on_data_batch_appended(&batch, AppendOrigin::Coordinator);
        at
    }

    /// Checks and writes a transaction marker, as the partition's leader does for WriteTxnMarkers
    /// (`ProducerAppendInfo.appendEndTxnMarker`: the epoch by the marker's transaction version,
    /// then the coordinator epoch). Returns the marker's offset.
    pub fn append_marker(
        &mut self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        transaction_version: TransactionVersion,
        commit: bool,
        now_ms: u64,
    ) -> Result<Offset, Rejection> {
        self.producers.check_marker(
            producer_id,
            producer_epoch,
            coordinator_epoch,
            AppendOrigin::Coordinator,
            transaction_version,
        )?;
        let at = self.push(OffsetsLogRecord::Marker {
            producer_id,
            producer_epoch,
            coordinator_epoch,
            commit,
            timestamp_ms: now_ms,
        });
        let kind = if commit {
            ControlKind::Commit
        } else {
            ControlKind::Abort
        };
        let marker = batch_at(
            at,
            producer_id,
            producer_epoch,
            Some(kind),
            end_txn_marker_record(kind, coordinator_epoch),
            now_ms,
        );
        self.producers
            .on_marker_appended(&marker, coordinator_epoch);
        // The lab's group coordinator has every write acknowledged at once, so the high
        // watermark is the log end: the decided transaction is stable now, and is not kept
        // among the unreplicated ones (`onHighWatermarkUpdated`), where it would stay forever.
        self.producers.on_high_watermark(self.log_end_offset());
        Ok(at)
    }

    /// What became of the offset commit record at `at` (`None` for a marker or no record).
    pub fn status_of(&self, at: Offset) -> Option<CommitRecordStatus> {
        let index = usize::try_from(at.0).ok()?;
        let OffsetsLogRecord::OffsetCommit {
            group_id,
            topic_partition,
            producer_id,
            ..
        } = self.records.get(index)?
        else {
            return None;
        };
        if producer_id.is_none() {
            return Some(CommitRecordStatus::Plain);
        }
        let Some((marker_offset, commit)) = self.marker_after(index, *producer_id) else {
            return Some(CommitRecordStatus::Pending);
        };
        if !commit {
            return Some(CommitRecordStatus::Aborted { marker_offset });
        }
        // replayEndTransactionMarker keeps the most recent record: a commit for the same
        // partition written after this one and in force when the marker came wins.
        let newer_in_force = (index + 1..offset_index(marker_offset)).any(|later| {
            self.records.get(later).is_some_and(|r| match r {
                OffsetsLogRecord::OffsetCommit {
                    group_id: g,
                    topic_partition: tp,
                    producer_id: p,
                    ..
                } if g == group_id && tp == topic_partition => {
                    p.is_none()
                        || self
                            .marker_after(later, *p)
                            .is_some_and(|(m, c)| c && m < marker_offset)
                }
                _ => false,
            })
        });
        Some(if newer_in_force {
            CommitRecordStatus::Superseded { marker_offset }
        } else {
            CommitRecordStatus::Committed { marker_offset }
        })
    }

    /// The first marker for `producer_id` after the record at `index`: its offset, and COMMIT.
    fn marker_after(&self, index: usize, producer_id: ProducerId) -> Option<(Offset, bool)> {
        self.records
            .iter()
            .enumerate()
            .skip(index + 1)
            .find_map(|(i, r)| match r {
                OffsetsLogRecord::Marker {
                    producer_id: p,
                    commit,
                    ..
                } if *p == producer_id => Some((offset_at(i), *commit)),
                _ => None,
            })
    }

    fn push(&mut self, record: OffsetsLogRecord) -> Offset {
        let at = self.log_end_offset();
        self.records.push_back(record);
        at
    }
}

fn offset_at(index: usize) -> Offset {
    Offset(i64::try_from(index).unwrap_or(i64::MAX))
}

fn offset_index(offset: Offset) -> usize {
    usize::try_from(offset.0).unwrap_or(0)
}

/// The batch Kafka's log would hold for a record of this partition, for its producer state.
fn batch_at(
    at: Offset,
    producer_id: ProducerId,
    producer_epoch: ProducerEpoch,
    control: Option<ControlKind>,
    record: Record,
    now_ms: u64,
) -> StoredBatch {
    StoredBatch {
        base_offset: at,
        leader_epoch: LeaderEpoch(0),
        stamp: ProducerStamp {
            producer_id,
            producer_epoch,
            base_sequence: Sequence::NONE,
        },
        is_transactional: true,
        control,
        records: vec![record],
        timestamp_ms: now_ms,
        provenance: Provenance {
            send_ids: Vec::new(),
            attempt: 1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp() -> TopicPartition {
        TopicPartition::new("orders", 0)
    }

    fn txn_commit(log: &mut OffsetsLog, producer: i64, offset: i64) -> Offset {
        log.append_txn_commit(
            "g",
            &tp(),
            Offset(offset),
            &OffsetMetadata::default(),
            ProducerId(producer),
            ProducerEpoch(0),
            0,
        )
    }

    #[test]
    fn a_transactional_commit_is_pending_until_its_marker_decides_it() {
        let mut log = OffsetsLog::default();
        let first = txn_commit(&mut log, 7, 5);
        let second = txn_commit(&mut log, 8, 9);
        assert_eq!(log.status_of(first), Some(CommitRecordStatus::Pending));
        let commit = log
            .append_marker(
                ProducerId(7),
                ProducerEpoch(1),
                0,
                TransactionVersion::V2,
                true,
                1,
            )
            .expect("epoch above the record's");
        let abort = log
            .append_marker(
                ProducerId(8),
                ProducerEpoch(0),
                0,
                TransactionVersion::V1,
                false,
                1,
            )
            .expect("version 1 takes the same epoch");
        assert_eq!(
            log.status_of(first),
            Some(CommitRecordStatus::Committed {
                marker_offset: commit
            })
        );
        assert_eq!(
            log.status_of(second),
            Some(CommitRecordStatus::Aborted {
                marker_offset: abort
            })
        );
        assert_eq!(log.status_of(commit), None, "a marker is no commit");
        assert_eq!(log.log_end_offset(), Offset(4));
    }

    #[test]
    fn a_plain_commit_written_after_a_transactional_one_supersedes_it() {
        let mut log = OffsetsLog::default();
        let txn = txn_commit(&mut log, 7, 5);
        log.append_commit("g", &tp(), Offset(6), &OffsetMetadata::default(), 0);
        let marker = log
            .append_marker(
                ProducerId(7),
                ProducerEpoch(0),
                0,
                TransactionVersion::V1,
                true,
                1,
            )
            .expect("accepted");
        assert_eq!(
            log.status_of(txn),
            Some(CommitRecordStatus::Superseded {
                marker_offset: marker
            })
        );
    }

    #[test]
    fn a_transaction_version_2_marker_at_the_records_epoch_is_refused() {
        let mut log = OffsetsLog::default();
        txn_commit(&mut log, 7, 5);
        let refused = log.append_marker(
            ProducerId(7),
            ProducerEpoch(0),
            0,
            TransactionVersion::V2,
            true,
            1,
        );
        assert!(refused.is_err());
        assert_eq!(log.log_end_offset(), Offset(1), "nothing written");
    }

    #[test]
    fn metadata_longer_than_offset_metadata_max_bytes_is_too_large() {
        assert!(!is_metadata_too_large(
            &"m".repeat(OFFSET_METADATA_MAX_BYTES)
        ));
        assert!(is_metadata_too_large(
            &"m".repeat(OFFSET_METADATA_MAX_BYTES + 1)
        ));
    }
}
