//! A consumer's Fetch as the partition's leader answers it (`ReplicaManager.fetchMessages` →
//! `UnifiedLog.read` → `LocalLog.read`): whole batches from the fetch offset up to the bound its
//! isolation level sets, the partition's offsets, and under read_committed the aborted
//! transactions among the batches returned. The broker filters nothing; the consumer does
//! (`clients::consumer::read_fetched`).

use crate::broker::batch::{ControlKind, StoredBatch};
use crate::broker::cluster::Cluster;
use crate::broker::record_size::batch_size_in_bytes;
use crate::config::IsolationLevel;
use crate::error_code::ErrorCode;
use crate::ids::{Offset, ProducerEpoch, ProducerId, Sequence, TopicPartition};
use serde::{Deserialize, Serialize};

/// Kafka's `-1` for the offsets of a partition answered with an error (`INVALID_HIGH_WATERMARK`,
/// `INVALID_LAST_STABLE_OFFSET`, `INVALID_LOG_START_OFFSET`).
const NO_OFFSET: Offset = Offset(-1);

/// One batch header of a Fetch response, as the consumer reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedBatch {
    pub base_offset: Offset,
    pub last_offset: Offset,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub base_sequence: Sequence,
    pub is_transactional: bool,
    /// `commit` or `abort` for a control batch (a transaction marker), else `None`.
    pub control_type: Option<ControlKind>,
}

impl FetchedBatch {
    fn of(batch: &StoredBatch) -> Self {
        Self {
            base_offset: batch.base_offset,
            last_offset: batch.last_offset(),
            producer_id: batch.stamp.producer_id,
            producer_epoch: batch.stamp.producer_epoch,
            base_sequence: batch.stamp.base_sequence,
            is_transactional: batch.is_transactional,
            control_type: batch.control,
        }
    }
}

/// One entry of a Fetch response's aborted-transactions list (`FetchResponseData
/// .AbortedTransaction`): all a consumer learns of an aborted transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortedTransaction {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
}

/// One partition of a Fetch response (`FetchResponseData.PartitionData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchResponse {
    /// `None` for NONE; with an error every offset is -1 and nothing is returned.
    pub error: Option<ErrorCode>,
    pub high_watermark: Offset,
    pub last_stable_offset: Offset,
    pub log_start_offset: Offset,
    /// Under read_committed the aborted transactions overlapping the batches returned; `None`
    /// under read_uncommitted, as Kafka leaves the field null.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
    pub batches: Vec<FetchedBatch>,
}

/// A Fetch answer with the batches themselves, for the consumer that reads their records.
#[derive(Clone, Debug)]
pub struct FetchAnswer {
    pub response: FetchResponse,
    pub batches: Vec<StoredBatch>,
}

impl FetchAnswer {
    fn error(error: ErrorCode) -> Self {
        Self {
            response: FetchResponse {
                error: Some(error),
                high_watermark: NO_OFFSET,
                last_stable_offset: NO_OFFSET,
                log_start_offset: NO_OFFSET,
                aborted_transactions: None,
                batches: Vec::new(),
            },
            batches: Vec::new(),
        }
    }
}

/// What a fetch that may wait (`fetch.min.bytes`) finds on one partition now, as
/// `ReplicaManager.fetchMessages` reads it and `DelayedFetch.tryComplete` checks it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Bytes of whole batches from the fetch offset up to the isolation level's bound, on the
    /// fetch offset's segment (`LocalLog.read` reads one segment; `positionDiff`).
    Bytes(u64),
    /// The bound lies on a newer segment than the fetch offset, or below it: answered at once
    /// (`DelayedFetch` case F: the partition rolled a segment, or the leader truncated).
    OtherSegment,
    /// The partition cannot be read (no such partition, no leader, offset out of range):
    /// answered at once with the error (`DelayedFetch` cases A to D).
    Failed(ErrorCode),
}

impl Cluster {
    /// How much a fetch of `tp` from `from` could read now, for `fetch.min.bytes`.
    pub fn readiness(
        &self,
        tp: &TopicPartition,
        from: Offset,
        isolation: IsolationLevel,
    ) -> Readiness {
        let Some(partition) = self.partition(tp) else {
            return Readiness::Failed(ErrorCode::UnknownTopicOrPartition);
        };
        let Some(leader) = partition.leader_replica() else {
            return Readiness::Failed(ErrorCode::NotLeaderOrFollower);
        };
        let log = &leader.log;
        if from < log.log_start_offset() || from > log.log_end_offset() {
            return Readiness::Failed(ErrorCode::OffsetOutOfRange);
        }
        let bound = match isolation {
            IsolationLevel::ReadUncommitted => partition.high_watermark(),
            IsolationLevel::ReadCommitted => partition.last_stable_offset(),
        };
        // DelayedFetch.tryComplete, case F: a fetch offset past the bound (a truncated leader) or
        // on an older segment than the bound is answered now; equal offsets go to case G.
        let on_older_segment =
            from < bound && log.segment_base_of(from) < log.segment_base_of(bound);
        if from > bound || on_older_segment {
            return Readiness::OtherSegment;
        }
        Readiness::Bytes(
            log.read(from, bound, usize::MAX)
                .map(batch_size_in_bytes)
                .fold(0, u64::saturating_add),
        )
    }

    /// The leader's answer to a consumer fetching `tp` from `from`. read_uncommitted reads below
    /// the high watermark, read_committed below the last stable offset (`FetchIsolation`).
    /// `max_records` stands in for the byte limits: whole batches while they fit, and always the
    /// first one (KIP-74). An offset below the log start or past the log end is
    /// `OFFSET_OUT_OF_RANGE` (`UnifiedLog.read`, `LocalLog.read`).
    pub fn fetch(
        &self,
        tp: &TopicPartition,
        from: Offset,
        isolation: IsolationLevel,
        max_records: Option<u32>,
    ) -> FetchAnswer {
        let Some(partition) = self.partition(tp) else {
            return FetchAnswer::error(ErrorCode::UnknownTopicOrPartition);
        };
        let Some(leader) = partition.leader_replica() else {
            return FetchAnswer::error(ErrorCode::NotLeaderOrFollower);
        };
        let log = &leader.log;
        if from < log.log_start_offset() || from > log.log_end_offset() {
            return FetchAnswer::error(ErrorCode::OffsetOutOfRange);
        }
        let high_watermark = partition.high_watermark();
        let last_stable_offset = partition.last_stable_offset();
        let bound = match isolation {
            IsolationLevel::ReadUncommitted => high_watermark,
            IsolationLevel::ReadCommitted => last_stable_offset,
        };
        let limit = max_records.map_or(i64::MAX, i64::from);
        let mut taken = 0;
        let batches: Vec<StoredBatch> = log
            .read(from, bound, usize::MAX)
            .take_while(|b| {
                let fits = taken == 0 || taken + b.record_count() <= limit;
                taken += b.record_count();
                fits
            })
            .cloned()
            .collect();
        // LocalLog.addAbortedTransactions: the upper bound is the offset after the bytes read.
        let aborted_transactions = (isolation == IsolationLevel::ReadCommitted).then(|| {
            batches
                .last()
                .map(|last| {
                    log.aborted_txns_between(from, last.next_offset())
                        .into_iter()
                        .map(|t| AbortedTransaction {
                            producer_id: t.producer_id,
                            first_offset: t.first_offset,
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        FetchAnswer {
            response: FetchResponse {
                error: None,
                high_watermark,
                last_stable_offset,
                log_start_offset: log.log_start_offset(),
                aborted_transactions,
                batches: batches.iter().map(FetchedBatch::of).collect(),
            },
            batches,
        }
    }
}
