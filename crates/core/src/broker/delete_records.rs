//! `Admin.deleteRecords` (`kafka-delete-records.sh`) at a partition's leader: the log start
//! offset moves forward, and with it the first offset any reader may fetch. The last stable
//! offset never falls below it (`Partition::last_stable_offset`).

use crate::broker::cluster::Cluster;
use crate::error_code::ErrorCode;
use crate::ids::{BrokerId, Offset, TopicPartition};

/// Kafka's `DeleteRecordsRequest.HIGH_WATERMARK`: delete everything below the high watermark.
const HIGH_WATERMARK: Offset = Offset(-1);

/// How the leader answered a DeleteRecords request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordsDeleted {
    pub leader: BrokerId,
    /// The leader's log start offset after the request.
    pub log_start_offset: Offset,
    /// The smallest log start among the live replicas (Kafka's low watermark): followers move
    /// theirs on their next fetch.
    pub low_watermark: Offset,
}

impl Cluster {
    /// `Admin.deleteRecords` at the partition leader (`Partition.deleteRecordsOnLeader` →
    /// `UnifiedLog.maybeIncrementLogStartOffset`): -1 means the high watermark; an offset above the
    /// high watermark, or below 0, is `OFFSET_OUT_OF_RANGE`; one at or below the log start
    /// changes nothing. Kafka's DelayedDeleteRecords then waits for every replica; the lab
    /// answers at once with the low watermark as it stands.
    pub fn delete_records(
        &mut self,
        tp: &TopicPartition,
        offset: Offset,
    ) -> Result<RecordsDeleted, ErrorCode> {
        let alive: Vec<BrokerId> = self.brokers().filter(|(_, a)| *a).map(|(b, _)| b).collect();
        let partition = self
            .partition_mut(tp)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        let leader = partition.leader.ok_or(ErrorCode::NotLeaderOrFollower)?;
        let high_watermark = partition.high_watermark();
        // DeleteRecordsRequest.HIGH_WATERMARK: -1 deletes everything below the high watermark.
        let offset = if offset == HIGH_WATERMARK {
            high_watermark
        } else {
            offset
        };
        if offset.0 < 0 || offset > high_watermark {
            return Err(ErrorCode::OffsetOutOfRange);
        }
        let replica = partition
            .replicas
            .iter_mut()
            .find(|r| r.broker == leader)
            .ok_or(ErrorCode::NotLeaderOrFollower)?;
        replica.log.increment_log_start_offset(offset);
        let log_start_offset = replica.log.log_start_offset();
        let low_watermark = partition
            .replicas
            .iter()
            .filter(|r| alive.contains(&r.broker))
            .map(|r| r.log.log_start_offset())
            .min()
            .unwrap_or(log_start_offset);
        Ok(RecordsDeleted {
            leader,
            log_start_offset,
            low_watermark,
        })
    }
}
