//! The transactional half of the producer client, after Kafka's `TransactionManager` (transaction
//! protocol V1): the client's transaction states and their valid moves (rule P7), the partitions
//! the open transaction holds, and the one request to the transaction coordinator it may have in
//! flight (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn or EndTxn).
//!
//! ```text
//!  UNINITIALIZED --initTransactions--> INITIALIZING --answer--> READY --begin--> IN_TRANSACTION
//!                                                                 ^                 |   |
//!                                          EndTxn answered NONE   |   commit/abort  |   | produce error
//!                                    COMMITTING_ / ABORTING_TRANSACTION <-----------+   v
//!                                                                 ^------abort--- ABORTABLE_ERROR
//!  any state --PRODUCER_FENCED--> FATAL_ERROR (never left: close the producer)
//! ```

use crate::action::TxnResult;
use crate::broker::offsets_log::OffsetMetadata;
use crate::error_code::ErrorCode;
use crate::ids::{Offset, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The client's transaction state (`TransactionManager.State`, without KIP-939's
/// PREPARED_TRANSACTION).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientTxnState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    AbortableError,
    FatalError,
}

impl ClientTxnState {
    pub fn name(self) -> &'static str {
        match self {
            ClientTxnState::Uninitialized => "UNINITIALIZED",
            ClientTxnState::Initializing => "INITIALIZING",
            ClientTxnState::Ready => "READY",
            ClientTxnState::InTransaction => "IN_TRANSACTION",
            ClientTxnState::CommittingTransaction => "COMMITTING_TRANSACTION",
            ClientTxnState::AbortingTransaction => "ABORTING_TRANSACTION",
            ClientTxnState::AbortableError => "ABORTABLE_ERROR",
            ClientTxnState::FatalError => "FATAL_ERROR",
        }
    }

    /// `TransactionManager.State.isTransitionValid` (rule P7).
    pub fn may_move_to(self, target: ClientTxnState) -> bool {
        use ClientTxnState as S;
        match target {
            S::Uninitialized => matches!(self, S::Ready | S::AbortableError),
            S::Initializing => matches!(
                self,
                S::Uninitialized | S::CommittingTransaction | S::AbortingTransaction
            ),
            S::Ready => matches!(
                self,
                S::Initializing | S::CommittingTransaction | S::AbortingTransaction
            ),
            S::InTransaction => self == S::Ready,
            S::CommittingTransaction => self == S::InTransaction,
            S::AbortingTransaction => matches!(self, S::InTransaction | S::AbortableError),
            S::AbortableError => matches!(
                self,
                S::InTransaction | S::CommittingTransaction | S::AbortableError | S::Initializing
            ),
            S::FatalError => true,
        }
    }
}

impl fmt::Display for ClientTxnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request to the transaction coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnRequest {
    InitProducerId,
    /// InitProducerId with the producer's current id and epoch, which the coordinator answers
    /// with the next epoch (KIP-360): transaction protocol V1's way to fence what a failed
    /// transaction may still have in flight (`TransactionManager.initializeTransactions` with a
    /// `ProducerIdAndEpoch`).
    BumpEpoch,
    AddPartitions(BTreeSet<TopicPartition>),
    /// AddOffsetsToTxn, followed by TxnOffsetCommit once answered (`AddOffsetsToTxnHandler`).
    AddOffsets(TxnOffsets),
    /// Transaction protocol V2: TxnOffsetCommit straight to the group coordinator, which adds the
    /// offsets partition to the transaction itself (`TxnOffsetCommitHandler`).
    TxnOffsetCommit(TxnOffsets),
    EndTxn(TxnResult),
}

/// What `sendOffsetsToTransaction` hands over: the offsets to commit and the consumer's group
/// metadata (`ConsumerGroupMetadata`), which TxnOffsetCommit carries for KIP-447 fencing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnOffsets {
    pub group_id: String,
    pub generation_id: i32,
    /// The member id (`""` when the sender is no member: Kafka's `UNKNOWN_MEMBER_ID` value).
    pub member_id: String,
    /// The static member's `group.instance.id`, if any.
    pub group_instance_id: Option<String>,
    pub offsets: BTreeMap<TopicPartition, Offset>,
    /// The leader epoch and metadata given with an offset (`OffsetAndMetadata`); a partition
    /// absent here carries none (-1 and `""`).
    pub details: BTreeMap<TopicPartition, OffsetMetadata>,
}

/// The transactional state of one producer instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionManager {
    pub transactional_id: String,
    /// Transaction protocol V2 (`isTransactionV2Enabled`): no AddPartitionsToTxn or
    /// AddOffsetsToTxn from the client, and a new epoch from every EndTxn.
    pub transaction_v2: bool,
    pub state: ClientTxnState,
    /// Partitions the coordinator has added to the open transaction.
    pub partitions_in_txn: BTreeSet<TopicPartition>,
    /// Partitions sent to since the last AddPartitionsToTxn (`newPartitionsInTransaction`).
    pub new_partitions: BTreeSet<TopicPartition>,
    /// Offsets handed to `sendOffsetsToTransaction` whose AddOffsetsToTxn has not gone out yet.
    pub pending_offsets: Option<TxnOffsets>,
    /// The request waiting to be sent again after `CONCURRENT_TRANSACTIONS` or a timeout.
    pub retry: Option<TxnRequest>,
    pub retry_not_before_ms: u64,
    /// The coordinator request in flight: (correlation id, request, sent at).
    pub in_flight: Option<(u64, TxnRequest, u64)>,
    /// The error behind ABORTABLE_ERROR or FATAL_ERROR (`lastError`).
    pub last_error: Option<ErrorCode>,
    /// A send failed inside the open transaction under protocol V1, so its abort ends with an
    /// epoch bump (`clientSideEpochBumpRequired`).
    pub epoch_bump_required: bool,
    /// The blocking call the application is waiting in, if any.
    pub pending_call: Option<PendingCall>,
}

/// A blocking transactional call not answered yet (`TransactionalRequestResult.await`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCall {
    /// `initTransactions`, `commitTransaction` or `abortTransaction`.
    pub method: &'static str,
    /// When the application called it (or called it again after a timeout).
    pub since_ms: u64,
    /// It threw TimeoutException after `max.block.ms`; calling it again waits for the same answer
    /// (`TransactionManager.handleCachedTransactionRequestResult`).
    pub timed_out: bool,
}

impl TransactionManager {
    pub fn new(transactional_id: String, transaction_v2: bool) -> Self {
        Self {
            transactional_id,
            transaction_v2,
            state: ClientTxnState::Uninitialized,
            partitions_in_txn: BTreeSet::new(),
            new_partitions: BTreeSet::new(),
            pending_offsets: None,
            retry: None,
            retry_not_before_ms: 0,
            in_flight: None,
            last_error: None,
            epoch_bump_required: false,
            pending_call: None,
        }
    }

    /// Whether the transaction is being committed or aborted (`TransactionManager.isCompleting`).
    pub fn is_completing(&self) -> bool {
        matches!(
            self.state,
            ClientTxnState::CommittingTransaction | ClientTxnState::AbortingTransaction
        )
    }

    /// Whether calling `method` now waits again for the answer a timed-out call of it awaited.
    pub fn resumes(&self, method: &str) -> bool {
        self.pending_call
            .as_ref()
            .is_some_and(|call| call.timed_out && call.method == method)
    }

    /// Whether an AddPartitionsToTxn carrying `tp` is in flight or waits to be sent again
    /// (`TransactionManager.isPartitionPendingAdd`).
    pub fn is_pending_add(&self, tp: &TopicPartition) -> bool {
        let in_flight = self.in_flight.as_ref().map(|(_, r, _)| r);
        [in_flight, self.retry.as_ref()]
            .into_iter()
            .flatten()
            .any(|r| matches!(r, TxnRequest::AddPartitions(ps) if ps.contains(tp)))
    }

    /// The exception Kafka's client throws when a method is called in the wrong state
    /// (`TransactionManager.transitionTo`, `maybeFailWithError`), or `None` if the move is valid.
    pub fn refusal(&self, method: &str, target: ClientTxnState) -> Option<String> {
        let id = &self.transactional_id;
        if self.resumes(method) {
            return None;
        }
        match self.state {
            ClientTxnState::FatalError => Some(format!(
                "{method} is refused: the producer is in FATAL_ERROR ({}); the application must close it (KafkaException: Cannot execute transactional method because we are in an error state)",
                self.last_error.map_or("an earlier error", ErrorCode::name)
            )),
            ClientTxnState::AbortableError if target != ClientTxnState::AbortingTransaction => {
                Some(format!(
                    "{method} is refused: the transaction hit {} and is in ABORTABLE_ERROR; only abortTransaction is allowed (KafkaException: Cannot execute transactional method because we are in an error state)",
                    self.last_error.map_or("an error", ErrorCode::name)
                ))
            }
            from if !from.may_move_to(target) => Some(format!(
                "{method} is refused: IllegalStateException: TransactionalId {id}: Invalid transition attempted from state {from} to state {target}"
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClientTxnState as S;

    // TransactionManager.State.isTransitionValid: commit only from IN_TRANSACTION; abort also from
    // ABORTABLE_ERROR; FATAL_ERROR from anywhere and never left.
    #[test]
    fn client_transitions_follow_kafkas_table() {
        assert!(S::InTransaction.may_move_to(S::CommittingTransaction));
        assert!(!S::AbortableError.may_move_to(S::CommittingTransaction));
        assert!(S::AbortableError.may_move_to(S::AbortingTransaction));
        assert!(!S::Ready.may_move_to(S::CommittingTransaction));
        assert!(!S::Uninitialized.may_move_to(S::InTransaction));
        assert!(S::Ready.may_move_to(S::FatalError));
        assert!(!S::FatalError.may_move_to(S::Ready));
    }

    // KafkaProducer.commitTransaction in ABORTABLE_ERROR throws (maybeFailWithError); abort works.
    #[test]
    fn after_an_abortable_error_only_abort_is_allowed() {
        let mut m = TransactionManager::new("tx".to_owned(), false);
        m.state = S::AbortableError;
        m.last_error = Some(ErrorCode::InvalidProducerEpoch);
        let refused = m
            .refusal("commitTransaction", S::CommittingTransaction)
            .unwrap();
        assert!(refused.contains("INVALID_PRODUCER_EPOCH"), "{refused}");
        assert!(
            m.refusal("abortTransaction", S::AbortingTransaction)
                .is_none()
        );
    }
}
