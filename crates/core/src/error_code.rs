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
    /// The coordinator is still reading its log back after becoming leader of it
    /// (`TransactionStateManager.getTransactionState` while the partition loads): retry later.
    CoordinatorLoadInProgress,
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
    /// An offset commit's metadata is longer than `offset.metadata.max.bytes`
    /// (`OffsetMetadataManager.isMetadataInvalid`); that partition is not committed.
    OffsetMetadataTooLarge,
    /// A fetch or DeleteRecords named an offset outside the log (`UnifiedLog.read`,
    /// `UnifiedLog.maybeIncrementLogStartOffset`).
    OffsetOutOfRange,
    /// A record's CreateTime is further ahead of the broker's clock than
    /// `message.timestamp.after.max.ms` allows (`LogValidator.validateTimestamp`).
    InvalidTimestamp,
    /// A produce request with transactional batches carried no transactional id, or one the
    /// client may not use (`KafkaApis.handleProduceRequest`).
    TransactionalIdAuthorizationFailed,
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
            ErrorCode::CoordinatorLoadInProgress => "COORDINATOR_LOAD_IN_PROGRESS",
            ErrorCode::NotCoordinator => "NOT_COORDINATOR",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::InvalidRecord => "INVALID_RECORD",
            ErrorCode::InvalidTimestamp => "INVALID_TIMESTAMP",
            ErrorCode::TransactionalIdAuthorizationFailed => {
                "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"
            }
            ErrorCode::TransactionAbortable => "TRANSACTION_ABORTABLE",
            ErrorCode::UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
            ErrorCode::IllegalGeneration => "ILLEGAL_GENERATION",
            ErrorCode::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            ErrorCode::FencedInstanceId => "FENCED_INSTANCE_ID",
            ErrorCode::InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            ErrorCode::GroupIdNotFound => "GROUP_ID_NOT_FOUND",
            ErrorCode::OffsetMetadataTooLarge => "OFFSET_METADATA_TOO_LARGE",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
        }
    }

    /// Every error the lab uses.
    pub const ALL: [ErrorCode; 30] = [
        ErrorCode::OutOfOrderSequenceNumber,
        ErrorCode::DuplicateSequenceNumber,
        ErrorCode::InvalidProducerEpoch,
        ErrorCode::UnknownProducerId,
        ErrorCode::ProducerFenced,
        ErrorCode::InvalidTxnState,
        ErrorCode::InvalidProducerIdMapping,
        ErrorCode::ConcurrentTransactions,
        ErrorCode::TransactionCoordinatorFenced,
        ErrorCode::NotLeaderOrFollower,
        ErrorCode::NotEnoughReplicas,
        ErrorCode::NotEnoughReplicasAfterAppend,
        ErrorCode::RequestTimedOut,
        ErrorCode::UnknownTopicOrPartition,
        ErrorCode::CoordinatorNotAvailable,
        ErrorCode::CoordinatorLoadInProgress,
        ErrorCode::NotCoordinator,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidRecord,
        ErrorCode::TransactionAbortable,
        ErrorCode::UnstableOffsetCommit,
        ErrorCode::IllegalGeneration,
        ErrorCode::UnknownMemberId,
        ErrorCode::FencedInstanceId,
        ErrorCode::InvalidTransactionTimeout,
        ErrorCode::GroupIdNotFound,
        ErrorCode::OffsetOutOfRange,
        ErrorCode::InvalidTimestamp,
        ErrorCode::TransactionalIdAuthorizationFailed,
        ErrorCode::OffsetMetadataTooLarge,
    ];

    /// Kafka's default message for the error, as `Errors.java` (Kafka 4.2) gives it: Kafka's
    /// text, quoted as data beside the name, like the name itself.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::OutOfOrderSequenceNumber => {
                "The broker received an out of order sequence number."
            }
            ErrorCode::DuplicateSequenceNumber => {
                "The broker received a duplicate sequence number."
            }
            ErrorCode::InvalidProducerEpoch => "Producer attempted to produce with an old epoch.",
            ErrorCode::UnknownProducerId => {
                "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question. This could happen if, for instance, the producer's records were deleted because their retention time had elapsed. Once the last records of the producerId are removed, the producer's metadata is removed from the broker, and future appends by the producer will return this exception."
            }
            ErrorCode::ProducerFenced => {
                "There is a newer producer with the same transactionalId which fences the current one."
            }
            ErrorCode::InvalidTxnState => {
                "The producer attempted a transactional operation in an invalid state."
            }
            ErrorCode::InvalidProducerIdMapping => {
                "The producer attempted to use a producer id which is not currently assigned to its transactional id."
            }
            ErrorCode::ConcurrentTransactions => {
                "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing."
            }
            ErrorCode::TransactionCoordinatorFenced => {
                "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer."
            }
            ErrorCode::NotLeaderOrFollower => {
                "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition."
            }
            ErrorCode::NotEnoughReplicas => {
                "Messages are rejected since there are fewer in-sync replicas than required."
            }
            ErrorCode::NotEnoughReplicasAfterAppend => {
                "Messages are written to the log, but to fewer in-sync replicas than required."
            }
            ErrorCode::RequestTimedOut => "The request timed out.",
            ErrorCode::UnknownTopicOrPartition => "This server does not host this topic-partition.",
            ErrorCode::CoordinatorNotAvailable => "The coordinator is not available.",
            ErrorCode::CoordinatorLoadInProgress => {
                "The coordinator is loading and hence can't process requests."
            }
            ErrorCode::NotCoordinator => "This is not the correct coordinator.",
            ErrorCode::InvalidRequest => {
                "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details."
            }
            ErrorCode::InvalidRecord => {
                "This record has failed the validation on broker and hence will be rejected."
            }
            ErrorCode::TransactionAbortable => {
                "The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID."
            }
            ErrorCode::UnstableOffsetCommit => {
                "There are unstable offsets that need to be cleared."
            }
            ErrorCode::IllegalGeneration => "Specified group generation id is not valid.",
            ErrorCode::UnknownMemberId => "The coordinator is not aware of this member.",
            ErrorCode::FencedInstanceId => {
                "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id."
            }
            ErrorCode::InvalidTransactionTimeout => {
                "The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms)."
            }
            ErrorCode::GroupIdNotFound => "The group id does not exist.",
            ErrorCode::OffsetMetadataTooLarge => {
                "The metadata field of the offset request was too large."
            }
            ErrorCode::OffsetOutOfRange => {
                "The requested offset is not within the range of offsets maintained by the server."
            }
            ErrorCode::InvalidTimestamp => {
                "The timestamp of the message is out of acceptable range."
            }
            ErrorCode::TransactionalIdAuthorizationFailed => {
                "Transactional Id authorization failed."
            }
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
                | ErrorCode::CoordinatorLoadInProgress
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
    fn every_error_is_listed_once_with_kafkas_message() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        // serde names every variant in its refusal of an unknown one: ALL must hold them all.
        let refusal = serde_json::from_str::<ErrorCode>("\"NO_SUCH_ERROR\"")
            .unwrap_err()
            .to_string();
        assert_eq!(
            refusal.matches('`').count() / 2 - 1,
            ErrorCode::ALL.len(),
            "{refusal}"
        );
        assert!(ErrorCode::ALL.iter().all(|e| e.message().ends_with('.')));
        assert_eq!(
            ErrorCode::ProducerFenced.message(),
            "There is a newer producer with the same transactionalId which fences the current one."
        );
    }

    #[test]
    fn serialized_name_is_kafkas_name() {
        let json = serde_json::to_string(&ErrorCode::OutOfOrderSequenceNumber).unwrap();
        assert_eq!(json, "\"OUT_OF_ORDER_SEQUENCE_NUMBER\"");
        assert_eq!(ErrorCode::ProducerFenced.name(), "PRODUCER_FENCED");
    }
}
