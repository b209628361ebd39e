//! Kafka's error codes, by Kafka's own names. These are outcomes Kafka shows to clients
//! (`org.apache.kafka.common.protocol.Errors`), never simulator bugs: those are assertions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An error a broker or coordinator returns in a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    OutOfOrderSequenceNumber,
    DuplicateSequenceNumber,
    InvalidProducerEpoch,
    UnknownProducerId,
    ProducerFenced,
    InvalidTxnState,
    InvalidProducerIdMapping,
    ConcurrentTransactions,
    TransactionCoordinatorFenced,
    NotLeaderOrFollower,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    RequestTimedOut,
    UnknownTopicOrPartition,
    CoordinatorNotAvailable,
    NotCoordinator,
    InvalidRequest,
    InvalidRecord,
    /// Kafka's `TRANSACTION_ABORTABLE`; the lab also fails batches an abort discards with it
    /// (the client's `TransactionAbortedException`).
    TransactionAbortable,
    /// The group has a transactional offset commit pending for the partition
    /// (`OffsetMetadataManager.fetchOffsets` with `requireStable`): retry later.
    UnstableOffsetCommit,
    /// A TxnOffsetCommit or OffsetCommit carried a generation the group has moved past (KIP-447).
    IllegalGeneration,
    /// A TxnOffsetCommit or OffsetCommit named a member id the group does not have
    /// (`ClassicGroup.validateMember`).
    UnknownMemberId,
    /// A request named a static member's `group.instance.id` with another member id than the one
    /// the group holds for it (`ClassicGroup.validateMember`).
    FencedInstanceId,
    /// InitProducerId asked for a `transaction.timeout.ms` above the brokers'
    /// `transaction.max.timeout.ms` (or not above 0).
    InvalidTransactionTimeout,
    /// An OffsetCommit (v9 and later) named a group that does not exist with a generation
    /// other than -1 (`OffsetMetadataManager.validateOffsetCommit`).
    GroupIdNotFound,
    /// A fetch or DeleteRecords named an offset outside the log (`UnifiedLog.read`,
    /// `UnifiedLog.maybeIncrementLogStartOffset`).
    OffsetOutOfRange,
}

impl ErrorCode {
    /// Kafka's name for the error, e.g. `OUT_OF_ORDER_SEQUENCE_NUMBER`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            ErrorCode::DuplicateSequenceNumber => "DUPLICATE_SEQUENCE_NUMBER",
            ErrorCode::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            ErrorCode::UnknownProducerId => "UNKNOWN_PRODUCER_ID",
            ErrorCode::ProducerFenced => "PRODUCER_FENCED",
            ErrorCode::InvalidTxnState => "INVALID_TXN_STATE",
            ErrorCode::InvalidProducerIdMapping => "INVALID_PRODUCER_ID_MAPPING",
            ErrorCode::ConcurrentTransactions => "CONCURRENT_TRANSACTIONS",
            ErrorCode::TransactionCoordinatorFenced => "TRANSACTION_COORDINATOR_FENCED",
            ErrorCode::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            ErrorCode::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            ErrorCode::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            ErrorCode::RequestTimedOut => "REQUEST_TIMED_OUT",
            ErrorCode::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            ErrorCode::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            ErrorCode::NotCoordinator => "NOT_COORDINATOR",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::InvalidRecord => "INVALID_RECORD",
            ErrorCode::TransactionAbortable => "TRANSACTION_ABORTABLE",
            ErrorCode::UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
            ErrorCode::IllegalGeneration => "ILLEGAL_GENERATION",
            ErrorCode::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            ErrorCode::FencedInstanceId => "FENCED_INSTANCE_ID",
            ErrorCode::InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            ErrorCode::GroupIdNotFound => "GROUP_ID_NOT_FOUND",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
        }
    }

    /// Whether Kafka's client may retry the request as it is (`RetriableException` subclasses).
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            ErrorCode::NotLeaderOrFollower
                | ErrorCode::NotEnoughReplicas
                | ErrorCode::NotEnoughReplicasAfterAppend
                | ErrorCode::RequestTimedOut
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::CoordinatorNotAvailable
                | ErrorCode::NotCoordinator
                | ErrorCode::ConcurrentTransactions
                | ErrorCode::UnstableOffsetCommit
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_name_is_kafkas_name() {
        let json = serde_json::to_string(&ErrorCode::OutOfOrderSequenceNumber).unwrap();
        assert_eq!(json, "\"OUT_OF_ORDER_SEQUENCE_NUMBER\"");
        assert_eq!(ErrorCode::ProducerFenced.name(), "PRODUCER_FENCED");
    }
}
