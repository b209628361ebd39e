//! The transaction coordinator's memory: for each `transactional.id`, which producer id and epoch
//! it maps to, which partitions its open transaction touches, and where the transaction stands
//! in Kafka's two-phase commit. Follows Kafka's `TransactionCoordinator`,
//! `TransactionStateManager`, `TransactionMetadata`, `TransactionState` and
//! `TxnTransitMetadata` (packages `kafka.coordinator.transaction` and
//! `org.apache.kafka.coordinator.transaction`), as summed up in sections 10 to 12 of
//! `kafka-rules.md`.
//!
//! The states of one transactional id and the only moves between them:
//!
//! ```text
//!  InitProducerId, first time: epoch 0
//!    |
//!    v         AddPartitionsToTxn: the transaction starts
//!  Empty ------------------------------------------> Ongoing <--+
//!   | ^                                               |  |  |   | AddPartitionsToTxn
//!   | |                                               |  |  +---+ (more partitions)
//!   | |                                EndTxn(COMMIT) |  |
//!   | |                                               |  | EndTxn(ABORT); or InitProducerId from a
//!   | | InitProducerId:                               |  | new instance, or the timeout, through
//!   | | epoch + 1, or a new                           |  | PrepareEpochFence (pending, never written)
//!   | | producer id at epoch 0                        v  v
//!   | |                                  PrepareCommit  PrepareAbort <------+
//!   | |                                               |  |                  |
//!   | |                           all markers written |  | all markers      | transaction v2 only:
//!   | |                                               v  v written          | EndTxn(ABORT) from
//!   | +--------------------------------- CompleteCommit  CompleteAbort      | Empty, CompleteCommit
//!   |                                                 |  |                  | or CompleteAbort
//!   +-------------------------------------------------+--+------------------+
//! ```
//!
//! From CompleteCommit and CompleteAbort, AddPartitionsToTxn leads to Ongoing too; from Empty,
//! InitProducerId leads back to Empty. Empty, CompleteCommit and CompleteAbort may expire: Dead.
//!
//! Every change goes in two steps, as in Kafka (rule C3): a request handler *prepares* a
//! transition, which sets the metadata's `pending_state` and returns a [`TxnLogAppend`], the
//! record to append to `__transaction_state`; only when that append is durable does the caller
//! hand it back to [`TransactionCoordinatorState::complete_transition`], which applies it. While a
//! transition is pending every request for that id is answered `CONCURRENT_TRANSACTIONS`, and a
//! second prepare is refused. Once a PrepareCommit or PrepareAbort is durable (the commit point)
//! the coordinator at once prepares the CompleteCommit/CompleteAbort and hands out a
//! [`MarkerJob`]; the markers written, [`TransactionCoordinatorState::markers_complete`] gives the
//! Complete record to append.
//!
//! Simplifications, each a modelling choice:
//! - One value is the coordinator of one `__transaction_state` partition: one coordinator epoch.
//!   Whether this broker leads that partition (`NOT_COORDINATOR`), and loading
//!   (`COORDINATOR_LOAD_IN_PROGRESS`), are for the caller to answer.
//! - [`TransactionVersion::V1`] stands for Kafka's `TV_0` and `TV_1`, which the coordinator treats
//!   alike (`TV_1` only changes the record format); [`TransactionVersion::V2`] is KIP-890's `TV_2`.
//! - The expiry of an idle transactional id ([`TransactionCoordinatorState::expired`]) is
//!   checked whenever the caller asks (the world: every time time passes), not every
//!   `transaction.remove.expired.transaction.cleanup.interval.ms`; its tombstone is a record in
//!   state Dead (Kafka: the key with a null value).
//! - Where Kafka throws `IllegalStateException` (a coordinator bug, which a client sees as
//!   `UNKNOWN_SERVER_ERROR`), this module returns [`TransitionError`]; a request that runs into one
//!   is answered `INVALID_TXN_STATE`, the nearest code [`ErrorCode`] has.
//! - Time is the caller's `now_ms`; new producer ids come from the caller's allocator.

use crate::broker::batch::ControlKind;
use crate::error_code::ErrorCode;
use crate::ids::{ProducerEpoch, ProducerId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The epoch from which a producer id counts as exhausted (`TransactionMetadata.isEpochExhausted`:
/// `Short.MAX_VALUE - 1`). The last epoch, `Short.MAX_VALUE`, is kept so that the coordinator can
/// always fence once more.
pub const EXHAUSTED_EPOCH: ProducerEpoch = ProducerEpoch(i16::MAX - 1);

/// The transaction timeout that marks a KIP-939 two-phase-commit transaction, which the
/// coordinator never aborts on its own (`TransactionMetadata.isDistributedTwoPhaseCommitTxn`:
/// `Integer.MAX_VALUE`).
pub const TWO_PHASE_COMMIT_TIMEOUT_MS: u64 = 2_147_483_647;

/// `transaction.max.timeout.ms`'s default (`TransactionStateManagerConfig`): 15 minutes.
pub const DEFAULT_MAX_TIMEOUT_MS: u64 = 900_000;

/// `transactional.id.expiration.ms`'s default (`TransactionStateManagerConfig`): 7 days.
pub const DEFAULT_TRANSACTIONAL_ID_EXPIRATION_MS: u64 = 604_800_000;

/// Whether `epoch` leaves no room for another bump (`TransactionMetadata.isEpochExhausted`).
pub fn is_epoch_exhausted(epoch: ProducerEpoch) -> bool {
    epoch >= EXHAUSTED_EPOCH
}

/// Where one transactional id's transaction stands (`TransactionState`), with Kafka's ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TransactionState {
    /// No transaction open; the producer id and epoch are handed out.
    Empty,
    /// Partitions were added: the transaction is open.
    Ongoing,
    /// The decision to commit is written; markers are being written.
    PrepareCommit,
    /// The decision to abort is written; markers are being written.
    PrepareAbort,
    /// Every partition has its commit marker.
    CompleteCommit,
    /// Every partition has its abort marker.
    CompleteAbort,
    /// The transactional id expired and is being removed.
    Dead,
    /// A newer producer instance fences the open transaction; only ever a pending state.
    PrepareEpochFence,
}

impl TransactionState {
    /// All states, by id.
    pub const ALL: [TransactionState; 8] = [
        TransactionState::Empty,
        TransactionState::Ongoing,
        TransactionState::PrepareCommit,
        TransactionState::PrepareAbort,
        TransactionState::CompleteCommit,
        TransactionState::CompleteAbort,
        TransactionState::Dead,
        TransactionState::PrepareEpochFence,
    ];

    /// The id written in `__transaction_state` (`TransactionState.id`).
    pub fn id(self) -> u8 {
        match self {
            TransactionState::Empty => 0,
            TransactionState::Ongoing => 1,
            TransactionState::PrepareCommit => 2,
            TransactionState::PrepareAbort => 3,
            TransactionState::CompleteCommit => 4,
            TransactionState::CompleteAbort => 5,
            TransactionState::Dead => 6,
            TransactionState::PrepareEpochFence => 7,
        }
    }

    /// The state with this id, if any (`TransactionState.fromId`).
    pub fn from_id(id: u8) -> Option<TransactionState> {
        TransactionState::ALL
            .into_iter()
            .find(|state| state.id() == id)
    }

    /// Kafka's name, as `DescribeTransactions` shows it (`TransactionState.getName`).
    pub fn name(self) -> &'static str {
        match self {
            TransactionState::Empty => "Empty",
            TransactionState::Ongoing => "Ongoing",
            TransactionState::PrepareCommit => "PrepareCommit",
            TransactionState::PrepareAbort => "PrepareAbort",
            TransactionState::CompleteCommit => "CompleteCommit",
            TransactionState::CompleteAbort => "CompleteAbort",
            TransactionState::Dead => "Dead",
            TransactionState::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// The states this one may follow (`TransactionState.validPreviousStates`, Kafka 4.x).
    pub fn valid_previous_states(self) -> &'static [TransactionState] {
        use TransactionState::*;
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            // Transaction v2 lets a client abort without knowing whether a transaction is open
            // ("the client may not know the txn state on the server side").
            PrepareAbort => &[
                Ongoing,
                PrepareEpochFence,
                Empty,
                CompleteCommit,
                CompleteAbort,
            ],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteAbort, CompleteCommit],
            PrepareEpochFence => &[Ongoing],
        }
    }

    /// Whether a transactional id in this state may expire (`TransactionState.isExpirationAllowed`).
    pub fn is_expiration_allowed(self) -> bool {
        matches!(
            self,
            TransactionState::Empty
                | TransactionState::CompleteCommit
                | TransactionState::CompleteAbort
        )
    }

    fn is_prepare(self) -> bool {
        matches!(
            self,
            TransactionState::PrepareCommit | TransactionState::PrepareAbort
        )
    }

    fn is_complete(self) -> bool {
        matches!(
            self,
            TransactionState::CompleteCommit | TransactionState::CompleteAbort
        )
    }
}

impl fmt::Display for TransactionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Kafka's `TransactionVersion` is shared with the partition leaders, which check markers by it.
pub use crate::ids::TransactionVersion;

/// What EndTxn asks for (`TransactionResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TransactionResult {
    Commit,
    Abort,
}

impl TransactionResult {
    /// The control record the markers carry.
    pub fn marker_kind(self) -> ControlKind {
        match self {
            TransactionResult::Commit => ControlKind::Commit,
            TransactionResult::Abort => ControlKind::Abort,
        }
    }

    /// The state that records the decision.
    pub fn prepare_state(self) -> TransactionState {
        match self {
            TransactionResult::Commit => TransactionState::PrepareCommit,
            TransactionResult::Abort => TransactionState::PrepareAbort,
        }
    }
}

impl fmt::Display for TransactionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransactionResult::Commit => "COMMIT",
            TransactionResult::Abort => "ABORT",
        })
    }
}

/// A producer id with one of its epochs (`ProducerIdAndEpoch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProducerIdAndEpoch {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
}

impl ProducerIdAndEpoch {
    /// What Kafka puts in a response that carries no producer (`NO_PRODUCER_ID`,
    /// `NO_PRODUCER_EPOCH`).
    pub const NONE: ProducerIdAndEpoch = ProducerIdAndEpoch {
        producer_id: ProducerId::NONE,
        producer_epoch: ProducerEpoch::NONE,
    };

    pub fn new(producer_id: ProducerId, producer_epoch: ProducerEpoch) -> Self {
        Self {
            producer_id,
            producer_epoch,
        }
    }
}

impl fmt::Display for ProducerIdAndEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "producer id {} epoch {}",
            self.producer_id, self.producer_epoch
        )
    }
}

/// The new value of a transactional id's metadata, prepared but not yet applied
/// (`TxnTransitMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnTransitMetadata {
    pub producer_id: ProducerId,
    /// The producer id before this transition (`prepareTransitionTo` sets it).
    pub prev_producer_id: ProducerId,
    /// The producer id that takes over when an exhausted epoch completes its transaction (V2).
    pub next_producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub last_producer_epoch: ProducerEpoch,
    pub txn_timeout_ms: u64,
    pub txn_state: TransactionState,
    pub topic_partitions: BTreeSet<TopicPartition>,
    /// When the first partition was added; `None` is Kafka's -1.
    pub txn_start_timestamp_ms: Option<u64>,
    pub txn_last_update_timestamp_ms: u64,
    pub client_transaction_version: TransactionVersion,
}

/// One record of `__transaction_state`: what `TransactionLog.valueToBytes` writes, under the
/// transactional id as key. Kafka 4.x leaves out the previous and next producer ids and the last
/// epoch, so a coordinator that reloads the log no longer knows them (KAFKA-20357).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionLogRecord {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub txn_timeout_ms: u64,
    pub state: TransactionState,
    /// Kafka writes null for Empty.
    pub topic_partitions: BTreeSet<TopicPartition>,
    pub txn_last_update_timestamp_ms: u64,
    /// `None` is Kafka's -1.
    pub txn_start_timestamp_ms: Option<u64>,
    pub client_transaction_version: TransactionVersion,
    /// Not in the value: the coordinator epoch of the coordinator that wrote the record, which
    /// its batch carries as partition leader epoch (the coordinator epoch is the leader epoch of
    /// the `__transaction_state` partition, `TransactionStateManager.appendTransactionToLog`).
    pub coordinator_epoch: i32,
}

/// A write the coordinator waits for (the arguments of `TransactionStateManager.
/// appendTransactionToLog`): append [`TxnLogAppend::record`] to `__transaction_state`; once it
/// is durable call [`TransactionCoordinatorState::complete_transition`], if it failed for good
/// call [`TransactionCoordinatorState::append_failed`]. After a retriable failure
/// (`COORDINATOR_NOT_AVAILABLE`) append the same record again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnLogAppend {
    pub transactional_id: String,
    /// The coordinator epoch that prepared the write; a completion from an older one is ignored.
    pub coordinator_epoch: i32,
    pub transit: TxnTransitMetadata,
    /// The write aborts an open transaction to fence its producer (`isEpochFence` in
    /// `TransactionCoordinator.endTransaction`).
    pub is_epoch_fence: bool,
}

impl TxnLogAppend {
    /// The `__transaction_state` record to append.
    pub fn record(&self) -> TransactionLogRecord {
        let transit = &self.transit;
        TransactionLogRecord {
            transactional_id: self.transactional_id.clone(),
            producer_id: transit.producer_id,
            producer_epoch: transit.producer_epoch,
            txn_timeout_ms: transit.txn_timeout_ms,
            state: transit.txn_state,
            // Kafka writes null partitions for Empty, and a tombstone has no value at all.
            topic_partitions: if matches!(
                transit.txn_state,
                TransactionState::Empty | TransactionState::Dead
            ) {
                BTreeSet::new()
            } else {
                transit.topic_partitions.clone()
            },
            txn_last_update_timestamp_ms: transit.txn_last_update_timestamp_ms,
            txn_start_timestamp_ms: transit.txn_start_timestamp_ms,
            client_transaction_version: transit.client_transaction_version,
            coordinator_epoch: self.coordinator_epoch,
        }
    }
}

/// The markers to write once a PrepareCommit/PrepareAbort is durable (an entry of Kafka's
/// `WriteTxnMarkers` request, `TransactionMarkerChannelManager.addTxnMarkersToSend`). With no
/// partitions (a transaction v2 abort with nothing open) there is nothing to write: call
/// [`TransactionCoordinatorState::markers_complete`] at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerJob {
    pub transactional_id: String,
    pub result: TransactionResult,
    /// The producer id and epoch the markers carry (the PrepareX record's).
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub coordinator_epoch: i32,
    /// The transaction version each marker carries (`TxnMarkerEntry.transactionVersion`,
    /// KIP-1228): the transaction's client version, by which the leaders check the epoch.
    pub transaction_version: TransactionVersion,
    pub partitions: BTreeSet<TopicPartition>,
    /// What the EndTxn response carries: with transaction v2 the producer id and epoch the client
    /// continues with (the Complete record's), with v1 none.
    pub end_txn_answer: ProducerIdAndEpoch,
}

/// A transactional id's metadata at the coordinator (`TransactionMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionMetadata {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    /// The producer id before the last transition; after a producer id rotation, the old one.
    pub prev_producer_id: ProducerId,
    /// Allocated when a transaction v2 EndTxn exhausts the epoch; used once it completes.
    pub next_producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// The epoch before the last bump, so that a retried bump gets the same answer (KIP-360).
    pub last_producer_epoch: ProducerEpoch,
    pub txn_timeout_ms: u64,
    pub state: TransactionState,
    /// The transition prepared and waiting for its `__transaction_state` write.
    pub pending_state: Option<TransactionState>,
    pub topic_partitions: BTreeSet<TopicPartition>,
    /// When the first partition was added; `None` is Kafka's -1.
    pub txn_start_timestamp_ms: Option<u64>,
    pub txn_last_update_timestamp_ms: u64,
    pub client_transaction_version: TransactionVersion,
    /// A fence's write failed after the epoch was raised in memory (v1): do not raise it again.
    pub has_failed_epoch_fence: bool,
}

impl TransactionMetadata {
    /// The metadata InitProducerId creates for an unknown transactional id: Empty, with no epoch
    /// yet, so that the first bump gives epoch 0 (`TransactionCoordinator.handleInitProducerId`).
    pub fn new(
        transactional_id: impl Into<String>,
        producer_id: ProducerId,
        txn_timeout_ms: u64,
        now_ms: u64,
    ) -> Self {
        Self {
            transactional_id: transactional_id.into(),
            producer_id,
            prev_producer_id: ProducerId::NONE,
            next_producer_id: ProducerId::NONE,
            producer_epoch: ProducerEpoch::NONE,
            last_producer_epoch: ProducerEpoch::NONE,
            txn_timeout_ms,
            state: TransactionState::Empty,
            pending_state: None,
            topic_partitions: BTreeSet::new(),
            txn_start_timestamp_ms: None,
            txn_last_update_timestamp_ms: now_ms,
            client_transaction_version: TransactionVersion::V1,
            has_failed_epoch_fence: false,
        }
    }

    /// The metadata a record describes (`TransactionLog.readTxnRecordValue`): what the record
    /// does not hold starts empty.
    pub fn from_record(record: &TransactionLogRecord) -> Self {
        Self {
            transactional_id: record.transactional_id.clone(),
            producer_id: record.producer_id,
            prev_producer_id: ProducerId::NONE,
            next_producer_id: ProducerId::NONE,
            producer_epoch: record.producer_epoch,
            last_producer_epoch: ProducerEpoch::NONE,
            txn_timeout_ms: record.txn_timeout_ms,
            state: record.state,
            pending_state: None,
            topic_partitions: if record.state == TransactionState::Empty {
                BTreeSet::new()
            } else {
                record.topic_partitions.clone()
            },
            txn_start_timestamp_ms: record.txn_start_timestamp_ms,
            txn_last_update_timestamp_ms: record.txn_last_update_timestamp_ms,
            client_transaction_version: record.client_transaction_version,
            has_failed_epoch_fence: false,
        }
    }

    /// `TransactionMetadata.isProducerEpochExhausted`.
    pub fn is_producer_epoch_exhausted(&self) -> bool {
        is_epoch_exhausted(self.producer_epoch)
    }

    /// The simulated time after which the coordinator aborts this transaction on its own if it
    /// is still open (`txnStartTimestamp + txnTimeoutMs`); `None` when no timeout applies: not
    /// Ongoing, or a two-phase-commit transaction. The abort comes at the first check strictly
    /// later than this time.
    pub fn times_out_after_ms(&self) -> Option<u64> {
        (self.state == TransactionState::Ongoing
            && self.txn_timeout_ms != TWO_PHASE_COMMIT_TIMEOUT_MS)
            .then(|| {
                self.txn_start_timestamp_ms
                    .unwrap_or(0)
                    .saturating_add(self.txn_timeout_ms)
            })
    }

    /// The current producer id and epoch.
    pub fn producer(&self) -> ProducerIdAndEpoch {
        ProducerIdAndEpoch::new(self.producer_id, self.producer_epoch)
    }

    /// Prepares the fence of an open transaction (`prepareFenceProducerEpoch`): the epoch one
    /// higher, unless a failed fence already raised it or it is at its maximum.
    pub fn prepare_fence_producer_epoch(&mut self) -> Result<TxnTransitMetadata, TransitionError> {
        let mut data = self.transit_to(TransactionState::PrepareEpochFence);
        if !self.has_failed_epoch_fence && self.producer_epoch.0 < i16::MAX {
            data.producer_epoch = self.producer_epoch.bumped();
        }
        self.prepare_transition_to(data)
    }

    /// Prepares the bump InitProducerId makes (`prepareIncrementProducerEpoch`, KIP-360).
    pub fn prepare_increment_producer_epoch(
        &mut self,
        new_txn_timeout_ms: u64,
        expected_epoch: Option<ProducerEpoch>,
        now_ms: u64,
    ) -> Result<TxnTransitMetadata, CoordinatorError> {
        if self.is_producer_epoch_exhausted() {
            return Err(TransitionError::EpochExhausted {
                transactional_id: self.transactional_id.clone(),
                producer: self.producer(),
            }
            .into());
        }
        let mut data = self.transit_to(TransactionState::Empty);
        let bumped = self.producer_epoch.bumped();
        match expected_epoch {
            // A new producer instance: whoever held the id before is fenced, no retry possible.
            None => {
                data.producer_epoch = bumped;
                data.last_producer_epoch = ProducerEpoch::NONE;
            }
            // The same instance recovering from an error: bump, and remember for a retry.
            Some(expected)
                if self.producer_epoch == ProducerEpoch::NONE
                    || expected == self.producer_epoch =>
            {
                data.producer_epoch = bumped;
                data.last_producer_epoch = self.producer_epoch;
            }
            // A retry of a bump that succeeded: the same answer again.
            Some(expected) if expected == self.last_producer_epoch => {}
            Some(expected) => {
                return Err(CoordinatorError::InitProducerIdFenced {
                    transactional_id: self.transactional_id.clone(),
                    expected: ProducerIdAndEpoch::new(self.producer_id, expected),
                    current: self.producer(),
                    last_producer_epoch: self.last_producer_epoch,
                });
            }
        }
        data.txn_timeout_ms = new_txn_timeout_ms;
        data.topic_partitions = BTreeSet::new();
        data.txn_start_timestamp_ms = None;
        data.txn_last_update_timestamp_ms = now_ms;
        Ok(self.prepare_transition_to(data)?)
    }

    /// Prepares the move to a new producer id at epoch 0 when the epochs are used up
    /// (`prepareProducerIdRotation`).
    pub fn prepare_producer_id_rotation(
        &mut self,
        new_producer_id: ProducerId,
        new_txn_timeout_ms: u64,
        now_ms: u64,
        record_last_epoch: bool,
    ) -> Result<TxnTransitMetadata, TransitionError> {
        let mut data = self.transit_to(TransactionState::Empty);
        data.producer_id = new_producer_id;
        data.producer_epoch = ProducerEpoch(0);
        data.last_producer_epoch = if record_last_epoch {
            self.producer_epoch
        } else {
            ProducerEpoch::NONE
        };
        data.txn_timeout_ms = new_txn_timeout_ms;
        data.topic_partitions = BTreeSet::new();
        data.txn_start_timestamp_ms = None;
        data.txn_last_update_timestamp_ms = now_ms;
        self.prepare_transition_to(data)
    }

    /// Prepares adding partitions (`prepareAddPartitions`): the transaction starts now if none
    /// was open.
    pub fn prepare_add_partitions(
        &mut self,
        added: &BTreeSet<TopicPartition>,
        now_ms: u64,
        client_transaction_version: TransactionVersion,
    ) -> Result<TxnTransitMetadata, TransitionError> {
        let mut data = self.transit_to(TransactionState::Ongoing);
        if matches!(
            self.state,
            TransactionState::Empty
                | TransactionState::CompleteCommit
                | TransactionState::CompleteAbort
        ) {
            data.txn_start_timestamp_ms = Some(now_ms);
        }
        data.topic_partitions.extend(added.iter().cloned());
        data.txn_last_update_timestamp_ms = now_ms;
        data.client_transaction_version = client_transaction_version;
        self.prepare_transition_to(data)
    }

    /// Prepares the decision (`prepareAbortOrCommit`): with transaction v2 the epoch goes up by
    /// one and the old one becomes the last epoch; an abort with no partition added starts now.
    pub fn prepare_abort_or_commit(
        &mut self,
        new_state: TransactionState,
        client_transaction_version: TransactionVersion,
        next_producer_id: ProducerId,
        now_ms: u64,
        no_partition_added: bool,
    ) -> Result<TxnTransitMetadata, TransitionError> {
        let mut data = self.transit_to(new_state);
        if client_transaction_version.supports_epoch_bump() {
            // An abort at the very last epoch goes through without a bump, so that a broken
            // producer can still be cleaned up.
            if !(self.producer_epoch.0 == i16::MAX && new_state == TransactionState::PrepareAbort) {
                data.producer_epoch = self.producer_epoch.bumped();
            }
            data.last_producer_epoch = self.producer_epoch;
        }
        if no_partition_added {
            data.txn_start_timestamp_ms = Some(now_ms);
        }
        data.next_producer_id = next_producer_id;
        data.txn_last_update_timestamp_ms = now_ms;
        data.client_transaction_version = client_transaction_version;
        self.prepare_transition_to(data)
    }

    /// Prepares the end of a decided transaction (`prepareComplete`): partitions cleared, and with
    /// transaction v2 after an exhausted epoch the next producer id at epoch 0.
    pub fn prepare_complete(&mut self, now_ms: u64) -> Result<TxnTransitMetadata, TransitionError> {
        // The decision is durable, so a failed fence no longer needs remembering.
        self.has_failed_epoch_fence = false;
        let target = if self.state == TransactionState::PrepareCommit {
            TransactionState::CompleteCommit
        } else {
            TransactionState::CompleteAbort
        };
        let mut data = self.transit_to(target);
        if self.client_transaction_version.supports_epoch_bump() && !self.next_producer_id.is_none()
        {
            data.producer_id = self.next_producer_id;
            data.producer_epoch = ProducerEpoch(0);
        }
        data.next_producer_id = ProducerId::NONE;
        data.topic_partitions = BTreeSet::new();
        data.txn_last_update_timestamp_ms = now_ms;
        self.prepare_transition_to(data)
    }

    /// Forgets a partition whose marker is written (`removePartition`); only while the markers of
    /// a decided transaction are in flight.
    pub fn remove_partition(&mut self, partition: &TopicPartition) -> Result<(), TransitionError> {
        if !self.state.is_prepare() {
            return Err(TransitionError::NotPreparing {
                transactional_id: self.transactional_id.clone(),
                state: self.state,
            });
        }
        self.topic_partitions.remove(partition);
        Ok(())
    }

    /// Applies a prepared transition whose record is durable (`completeTransitionTo`); refuses
    /// one that is not the pending transition or does not follow from the current metadata.
    pub fn complete_transition(
        &mut self,
        transit: &TxnTransitMetadata,
    ) -> Result<(), TransitionError> {
        let target = transit.txn_state;
        let Some(pending) = self.pending_state else {
            return Err(TransitionError::NoPendingTransition {
                transactional_id: self.transactional_id.clone(),
                target,
            });
        };
        if pending != target {
            return Err(TransitionError::NotThePendingTransition {
                transactional_id: self.transactional_id.clone(),
                pending,
                target,
            });
        }
        let problem = match target {
            TransactionState::Empty => {
                if self.producer_epoch != transit.producer_epoch
                    && !self.valid_producer_epoch_bump(transit)
                {
                    Some("the epoch is neither kept, bumped by one, nor 0 for a new producer id")
                } else if !transit.topic_partitions.is_empty() {
                    Some("an Empty transaction may not hold partitions")
                } else if transit.txn_start_timestamp_ms.is_some() {
                    Some("an Empty transaction has no start time")
                } else {
                    None
                }
            }
            TransactionState::Ongoing => {
                if !self.valid_producer_epoch(transit) {
                    Some("the producer id or epoch changed")
                } else if !transit.topic_partitions.is_superset(&self.topic_partitions) {
                    Some("partitions of the open transaction went missing")
                } else if self.txn_timeout_ms != transit.txn_timeout_ms {
                    Some("the transaction timeout changed")
                } else {
                    None
                }
            }
            TransactionState::PrepareCommit | TransactionState::PrepareAbort => {
                // Transaction v2 lets Empty and Complete* abort, with a start time of its own.
                let allowed_empty_abort = target == TransactionState::PrepareAbort
                    && transit.client_transaction_version.supports_epoch_bump()
                    && matches!(
                        self.state,
                        TransactionState::Empty
                            | TransactionState::CompleteCommit
                            | TransactionState::CompleteAbort
                    );
                if !self.valid_producer_epoch(transit) {
                    Some("the producer id or epoch does not follow from the current one")
                } else if self.topic_partitions != transit.topic_partitions {
                    Some("the partitions changed")
                } else if self.txn_timeout_ms != transit.txn_timeout_ms {
                    Some("the transaction timeout changed")
                } else if self.txn_start_timestamp_ms != transit.txn_start_timestamp_ms
                    && !allowed_empty_abort
                {
                    Some("the start time changed")
                } else {
                    None
                }
            }
            TransactionState::CompleteCommit | TransactionState::CompleteAbort => {
                if !self.valid_producer_epoch(transit) {
                    Some("the producer id or epoch does not follow from the current one")
                } else if self.txn_timeout_ms != transit.txn_timeout_ms {
                    Some("the transaction timeout changed")
                } else if transit.txn_start_timestamp_ms.is_none() {
                    Some("a finished transaction must have a start time")
                } else {
                    None
                }
            }
            // PrepareEpochFence is replaced by PrepareAbort before anything is written; Dead ends
            // in removal once its tombstone is written (`remove_dead`), not in new metadata.
            TransactionState::PrepareEpochFence | TransactionState::Dead => {
                Some("this state is never written to the transaction log")
            }
        };
        if let Some(reason) = problem {
            return Err(TransitionError::UnexpectedMetadata {
                transactional_id: self.transactional_id.clone(),
                target,
                reason,
            });
        }
        self.producer_id = transit.producer_id;
        self.prev_producer_id = transit.prev_producer_id;
        self.next_producer_id = transit.next_producer_id;
        self.producer_epoch = transit.producer_epoch;
        self.last_producer_epoch = transit.last_producer_epoch;
        self.txn_timeout_ms = transit.txn_timeout_ms;
        self.topic_partitions = transit.topic_partitions.clone();
        self.txn_start_timestamp_ms = transit.txn_start_timestamp_ms;
        self.txn_last_update_timestamp_ms = transit.txn_last_update_timestamp_ms;
        self.client_transaction_version = transit.client_transaction_version;
        self.pending_state = None;
        self.state = target;
        Ok(())
    }

    // TransactionMetadata.TransitionData: a transition starts as a copy of the current values.
    fn transit_to(&self, state: TransactionState) -> TxnTransitMetadata {
        TxnTransitMetadata {
            producer_id: self.producer_id,
            prev_producer_id: self.producer_id,
            next_producer_id: self.next_producer_id,
            producer_epoch: self.producer_epoch,
            last_producer_epoch: self.last_producer_epoch,
            txn_timeout_ms: self.txn_timeout_ms,
            txn_state: state,
            topic_partitions: self.topic_partitions.clone(),
            txn_start_timestamp_ms: self.txn_start_timestamp_ms,
            txn_last_update_timestamp_ms: self.txn_last_update_timestamp_ms,
            client_transaction_version: self.client_transaction_version,
        }
    }

    // TransactionMetadata.prepareTransitionTo: one transition at a time, only to a state that may
    // follow the current one; the previous producer id is the current one.
    fn prepare_transition_to(
        &mut self,
        mut data: TxnTransitMetadata,
    ) -> Result<TxnTransitMetadata, TransitionError> {
        let target = data.txn_state;
        if let Some(pending) = self.pending_state {
            return Err(TransitionError::PendingTransition {
                transactional_id: self.transactional_id.clone(),
                state: self.state,
                pending,
                target,
            });
        }
        if data.producer_id.is_none() {
            return Err(TransitionError::UnexpectedMetadata {
                transactional_id: self.transactional_id.clone(),
                target,
                reason: "the producer id is negative",
            });
        }
        if target != TransactionState::Dead && data.producer_epoch.0 < 0 {
            return Err(TransitionError::UnexpectedMetadata {
                transactional_id: self.transactional_id.clone(),
                target,
                reason: "the producer epoch is negative",
            });
        }
        if !target.valid_previous_states().contains(&self.state) {
            return Err(TransitionError::InvalidTransition {
                transactional_id: self.transactional_id.clone(),
                from: self.state,
                to: target,
            });
        }
        data.prev_producer_id = self.producer_id;
        self.pending_state = Some(target);
        Ok(data)
    }

    // TransactionMetadata.validProducerEpoch: with transaction v2 a decision carries the bumped
    // epoch, and a completion after an overflow carries the next producer id at epoch 0.
    fn valid_producer_epoch(&self, transit: &TxnTransitMetadata) -> bool {
        let v2 = transit.client_transaction_version.supports_epoch_bump();
        if v2 && transit.txn_state.is_complete() && transit.producer_epoch == ProducerEpoch(0) {
            return transit.last_producer_epoch == self.last_producer_epoch
                && transit.prev_producer_id == self.producer_id;
        }
        if v2 && transit.txn_state.is_prepare() {
            return transit.last_producer_epoch == self.producer_epoch
                && transit.producer_id == self.producer_id;
        }
        transit.producer_epoch == self.producer_epoch && transit.producer_id == self.producer_id
    }

    // TransactionMetadata.validProducerEpochBump.
    fn valid_producer_epoch_bump(&self, transit: &TxnTransitMetadata) -> bool {
        i32::from(transit.producer_epoch.0) == i32::from(self.producer_epoch.0) + 1
            || (transit.producer_epoch == ProducerEpoch(0)
                && transit.producer_id != self.producer_id)
    }
}

/// InitProducerId (`InitProducerIdRequest`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitProducerIdRequest {
    /// `None` for an idempotent producer without transactions.
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: u64,
    /// The producer id and epoch the client already has, when it re-initialises after an error
    /// (KIP-360); `None` for a new producer instance.
    pub expected: Option<ProducerIdAndEpoch>,
}

/// AddPartitionsToTxn (`AddPartitionsToTxnRequest`): from the client with transaction v1, from
/// the partition leader (or the group coordinator, for offsets) with v2. AddOffsetsToTxn is the
/// same request for the group's `__consumer_offsets` partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddPartitionsRequest {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub partitions: BTreeSet<TopicPartition>,
    pub client_transaction_version: TransactionVersion,
}

/// EndTxn (`EndTxnRequest`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndTxnRequest {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub result: TransactionResult,
    pub client_transaction_version: TransactionVersion,
}

/// What InitProducerId does when it does not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitProducerIdOutcome {
    /// No transactional id: a fresh producer id at epoch 0, nothing written.
    Idempotent(ProducerIdAndEpoch),
    /// Write the Empty record; once durable the response is `NONE` with
    /// [`AfterAppend::ProducerIdReady`]'s producer id and epoch.
    Append(TxnLogAppend),
    /// The id has an open transaction: write its PrepareAbort with the fenced epoch; once durable
    /// write the abort markers and answer `CONCURRENT_TRANSACTIONS`, so that the client retries
    /// until the abort is complete and then gets an epoch bumped once more.
    FenceOngoing(TxnLogAppend),
}

/// What AddPartitionsToTxn does when it does not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddPartitionsOutcome {
    /// The open transaction already holds every partition: `NONE` at once, nothing written.
    AlreadyAdded,
    /// Write the Ongoing record; once durable the response is `NONE`.
    Append(TxnLogAppend),
}

/// What EndTxn does when it does not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndTxnOutcome {
    /// A retry of an EndTxn already done: `NONE` at once, nothing written, with the producer id
    /// and epoch to carry on with (transaction v2; none with v1).
    Answered(ProducerIdAndEpoch),
    /// Write the PrepareCommit/PrepareAbort record; once durable the response is `NONE` with
    /// [`MarkerJob::end_txn_answer`], and the markers are written.
    Append(TxnLogAppend),
}

/// What follows a durable write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterAppend {
    /// An Empty record: InitProducerId answers with this producer id and epoch.
    ProducerIdReady(ProducerIdAndEpoch),
    /// An Ongoing record: AddPartitionsToTxn answers `NONE`.
    PartitionsAdded,
    /// A PrepareCommit/PrepareAbort record, the commit point: answer EndTxn, write the markers.
    WriteMarkers(MarkerJob),
    /// A CompleteCommit/CompleteAbort record: the transaction is over; the producer continues
    /// with this id and epoch.
    TransactionCompleted {
        result: TransactionResult,
        producer: ProducerIdAndEpoch,
    },
}

/// Why the coordinator refuses a request: the error a client gets, with the numbers behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoordinatorError {
    /// An empty transactional id, which the producer client refuses too.
    EmptyTransactionalId,
    /// The transactional id is unknown here.
    UnknownTransactionalId { transactional_id: String },
    /// The transactional id maps to another producer id.
    ProducerIdMismatch {
        transactional_id: String,
        producer_id: ProducerId,
        current_producer_id: ProducerId,
    },
    /// The request's epoch is not one the coordinator accepts in this state.
    ProducerFenced {
        transactional_id: String,
        state: TransactionState,
        producer_epoch: ProducerEpoch,
        current_epoch: ProducerEpoch,
    },
    /// InitProducerId names a producer id and epoch that a newer instance replaced.
    InitProducerIdFenced {
        transactional_id: String,
        expected: ProducerIdAndEpoch,
        current: ProducerIdAndEpoch,
        last_producer_epoch: ProducerEpoch,
    },
    /// A transition is waiting for its write, or a decided transaction for its markers.
    ConcurrentTransactions {
        transactional_id: String,
        state: TransactionState,
        pending_state: Option<TransactionState>,
    },
    /// InitProducerId asks for a `transaction.timeout.ms` above `transaction.max.timeout.ms`, or
    /// not above 0.
    InvalidTransactionTimeout {
        transaction_timeout_ms: u64,
        max_timeout_ms: u64,
    },
    /// The request does not fit the transaction's state.
    InvalidTxnState {
        transactional_id: String,
        state: TransactionState,
        result: TransactionResult,
    },
    /// The coordinator's own state is inconsistent (Kafka: `IllegalStateException`).
    IllegalState(TransitionError),
}

impl CoordinatorError {
    /// The error Kafka answers with (`org.apache.kafka.common.protocol.Errors`).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            CoordinatorError::EmptyTransactionalId => ErrorCode::InvalidRequest,
            CoordinatorError::UnknownTransactionalId { .. }
            | CoordinatorError::ProducerIdMismatch { .. } => ErrorCode::InvalidProducerIdMapping,
            CoordinatorError::ProducerFenced { .. }
            | CoordinatorError::InitProducerIdFenced { .. } => ErrorCode::ProducerFenced,
            CoordinatorError::ConcurrentTransactions { .. } => ErrorCode::ConcurrentTransactions,
            CoordinatorError::InvalidTransactionTimeout { .. } => {
                ErrorCode::InvalidTransactionTimeout
            }
            // Kafka answers UNKNOWN_SERVER_ERROR to an IllegalStateException; ErrorCode has no such
            // code and INVALID_TXN_STATE is the nearest.
            CoordinatorError::InvalidTxnState { .. } | CoordinatorError::IllegalState(_) => {
                ErrorCode::InvalidTxnState
            }
        }
    }
}

impl From<TransitionError> for CoordinatorError {
    fn from(error: TransitionError) -> Self {
        CoordinatorError::IllegalState(error)
    }
}

impl fmt::Display for CoordinatorError {
    // One plain-words sentence, lower case and without a final stop, so that callers can embed it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoordinatorError::EmptyTransactionalId => f.write_str(
                "an empty string is not a transactional id (a producer without one sends none and gets a plain idempotent producer id), so the coordinator refuses the request as invalid",
            ),
            CoordinatorError::UnknownTransactionalId { transactional_id } => write!(
                f,
                "transactional id `{transactional_id}` has no producer id at this coordinator, so the producer must call InitProducerId first"
            ),
            CoordinatorError::ProducerIdMismatch {
                transactional_id,
                producer_id,
                current_producer_id,
            } => write!(
                f,
                "transactional id `{transactional_id}` maps to producer id {current_producer_id} now, not to producer id {producer_id} named in the request"
            ),
            CoordinatorError::ProducerFenced {
                transactional_id,
                state,
                producer_epoch,
                current_epoch,
            } => write!(
                f,
                "transactional id `{transactional_id}` has epoch {current_epoch} now (state {state}), so a request with epoch {producer_epoch} comes from a fenced instance"
            ),
            CoordinatorError::InitProducerIdFenced {
                transactional_id,
                expected,
                current,
                last_producer_epoch,
            } if *last_producer_epoch == ProducerEpoch::NONE => write!(
                f,
                "transactional id `{transactional_id}` has {current} now, so an InitProducerId that expects {expected} comes from a fenced instance"
            ),
            CoordinatorError::InitProducerIdFenced {
                transactional_id,
                expected,
                current,
                last_producer_epoch,
            } => write!(
                f,
                "transactional id `{transactional_id}` has {current} now and takes a retry only from epoch {last_producer_epoch}, so an InitProducerId that expects {expected} comes from a fenced instance"
            ),
            CoordinatorError::ConcurrentTransactions {
                transactional_id,
                state,
                pending_state: Some(pending),
            } => write!(
                f,
                "transactional id `{transactional_id}` is moving from {state} to {pending} and waits for that write, so the request must be retried later"
            ),
            CoordinatorError::ConcurrentTransactions {
                transactional_id,
                state,
                pending_state: None,
            } => write!(
                f,
                "transactional id `{transactional_id}` is in state {state} until its transaction markers are written, so the request must be retried later"
            ),
            CoordinatorError::InvalidTransactionTimeout {
                transaction_timeout_ms,
                max_timeout_ms,
            } => write!(
                f,
                "the producer asks for transaction.timeout.ms={transaction_timeout_ms}, but the coordinator accepts only more than 0 and at most transaction.max.timeout.ms={max_timeout_ms}"
            ),
            CoordinatorError::InvalidTxnState {
                transactional_id,
                state,
                result,
            } => write!(
                f,
                "transactional id `{transactional_id}` is in state {state}, where an EndTxn with result {result} is not valid"
            ),
            CoordinatorError::IllegalState(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for CoordinatorError {}

/// A transition the metadata refuses: a coordinator bug, or a caller that completes what was not
/// prepared (Kafka: `IllegalStateException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransitionError {
    UnknownTransactionalId {
        transactional_id: String,
    },
    /// A second prepare while one is pending (`prepareTransitionTo`).
    PendingTransition {
        transactional_id: String,
        state: TransactionState,
        pending: TransactionState,
        target: TransactionState,
    },
    /// The target may not follow the current state (`validPreviousStates`).
    InvalidTransition {
        transactional_id: String,
        from: TransactionState,
        to: TransactionState,
    },
    /// A completion with nothing prepared (`completeTransitionTo`).
    NoPendingTransition {
        transactional_id: String,
        target: TransactionState,
    },
    /// A completion of another transition than the one prepared (`completeTransitionTo`).
    NotThePendingTransition {
        transactional_id: String,
        pending: TransactionState,
        target: TransactionState,
    },
    /// The prepared values do not follow from the current ones (`completeTransitionTo`,
    /// `prepareTransitionTo`).
    UnexpectedMetadata {
        transactional_id: String,
        target: TransactionState,
        reason: &'static str,
    },
    /// InitProducerId would bump an exhausted epoch (`prepareIncrementProducerEpoch`).
    EpochExhausted {
        transactional_id: String,
        producer: ProducerIdAndEpoch,
    },
    /// A completion prepared by an earlier coordinator epoch (`TransactionStateManager.
    /// appendTransactionToLog`, which answers `NOT_COORDINATOR`).
    StaleCoordinatorEpoch {
        transactional_id: String,
        coordinator_epoch: i32,
        current_coordinator_epoch: i32,
    },
    /// Markers reported for a transaction that is not waiting for any.
    NotPreparing {
        transactional_id: String,
        state: TransactionState,
    },
    /// Markers reported for a decided transaction whose Complete record is not held here (its
    /// write was already handed out, or failed for good).
    NoMarkersPending {
        transactional_id: String,
        state: TransactionState,
    },
}

impl fmt::Display for TransitionError {
    // One plain-words sentence, lower case and without a final stop, so that callers can embed it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::UnknownTransactionalId { transactional_id } => write!(
                f,
                "transactional id `{transactional_id}` is unknown to this coordinator, so there is nothing to apply"
            ),
            TransitionError::PendingTransition {
                transactional_id,
                state,
                pending,
                target,
            } => write!(
                f,
                "transactional id `{transactional_id}` is already moving from {state} to {pending}, so a second transition to {target} is refused until that write completes"
            ),
            TransitionError::InvalidTransition {
                transactional_id,
                from,
                to,
            } => {
                let allowed: Vec<&str> = to
                    .valid_previous_states()
                    .iter()
                    .map(|state| state.name())
                    .collect();
                write!(
                    f,
                    "transactional id `{transactional_id}` cannot move from {from} to {to}, which may only follow {}",
                    allowed.join(", ")
                )
            }
            TransitionError::NoPendingTransition {
                transactional_id,
                target,
            } => write!(
                f,
                "transactional id `{transactional_id}` has no transition waiting for its write, so a record moving it to {target} cannot be applied"
            ),
            TransitionError::NotThePendingTransition {
                transactional_id,
                pending,
                target,
            } => write!(
                f,
                "transactional id `{transactional_id}` waits for its move to {pending}, so a record moving it to {target} cannot be applied"
            ),
            TransitionError::UnexpectedMetadata {
                transactional_id,
                target,
                reason,
            } => write!(
                f,
                "the record moving transactional id `{transactional_id}` to {target} does not follow from its metadata: {reason}"
            ),
            TransitionError::EpochExhausted {
                transactional_id,
                producer,
            } => write!(
                f,
                "transactional id `{transactional_id}` has {producer}, and epochs from {EXHAUSTED_EPOCH} on are not handed out, so the epoch cannot be bumped"
            ),
            TransitionError::StaleCoordinatorEpoch {
                transactional_id,
                coordinator_epoch,
                current_coordinator_epoch,
            } => write!(
                f,
                "the write for transactional id `{transactional_id}` was prepared by coordinator epoch {coordinator_epoch}, but this coordinator is at epoch {current_coordinator_epoch}, so it is not applied"
            ),
            TransitionError::NotPreparing {
                transactional_id,
                state,
            } => write!(
                f,
                "transactional id `{transactional_id}` is in state {state}, so it has no transaction markers in flight"
            ),
            TransitionError::NoMarkersPending {
                transactional_id,
                state,
            } => write!(
                f,
                "transactional id `{transactional_id}` is in state {state}, but its Complete record is no longer waiting for markers here"
            ),
        }
    }
}

impl std::error::Error for TransitionError {}

/// The coordinator of one `__transaction_state` partition: every transactional id it owns, and
/// the Complete records waiting for their markers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionCoordinatorState {
    /// The cluster's protocol, used when the coordinator aborts on its own (fence, timeout).
    transaction_version: TransactionVersion,
    /// The leader epoch of the `__transaction_state` partition (`TransactionCoordinator.onElection`).
    coordinator_epoch: i32,
    /// `transaction.max.timeout.ms`.
    max_timeout_ms: u64,
    /// `transactional.id.expiration.ms`.
    transactional_id_expiration_ms: u64,
    transactions: BTreeMap<String, TransactionMetadata>,
    /// Complete records prepared when their decision became durable, by transactional id (what
    /// `TransactionMarkerChannelManager` keeps with the markers it sends).
    pending_completions: BTreeMap<String, TxnLogAppend>,
}

impl TransactionCoordinatorState {
    pub fn new(transaction_version: TransactionVersion, coordinator_epoch: i32) -> Self {
        Self {
            transaction_version,
            coordinator_epoch,
            max_timeout_ms: DEFAULT_MAX_TIMEOUT_MS,
            transactional_id_expiration_ms: DEFAULT_TRANSACTIONAL_ID_EXPIRATION_MS,
            transactions: BTreeMap::new(),
            pending_completions: BTreeMap::new(),
        }
    }

    /// The same coordinator with another `transaction.max.timeout.ms`.
    pub fn with_max_timeout_ms(mut self, max_timeout_ms: u64) -> Self {
        self.max_timeout_ms = max_timeout_ms;
        self
    }

    /// The same coordinator with another `transactional.id.expiration.ms`.
    pub fn with_transactional_id_expiration_ms(mut self, expiration_ms: u64) -> Self {
        self.transactional_id_expiration_ms = expiration_ms;
        self
    }

    pub fn transaction_version(&self) -> TransactionVersion {
        self.transaction_version
    }

    /// `transactional.id.expiration.ms`.
    pub fn transactional_id_expiration_ms(&self) -> u64 {
        self.transactional_id_expiration_ms
    }

    pub fn coordinator_epoch(&self) -> i32 {
        self.coordinator_epoch
    }

    /// One transactional id's metadata, if this coordinator has it.
    pub fn metadata(&self, transactional_id: &str) -> Option<&TransactionMetadata> {
        self.transactions.get(transactional_id)
    }

    /// Every transactional id's metadata, by id.
    pub fn transactions(&self) -> impl Iterator<Item = &TransactionMetadata> {
        self.transactions.values()
    }

    /// InitProducerId (`TransactionCoordinator.handleInitProducerId`,
    /// `prepareInitProducerIdTransit`).
    pub fn init_producer_id(
        &mut self,
        request: &InitProducerIdRequest,
        now_ms: u64,
        allocate_producer_id: &mut impl FnMut() -> ProducerId,
    ) -> Result<InitProducerIdOutcome, CoordinatorError> {
        // TC.handleInitProducerId: without a transactional id, a fresh producer id, no state.
        let Some(transactional_id) = &request.transactional_id else {
            return Ok(InitProducerIdOutcome::Idempotent(ProducerIdAndEpoch::new(
                allocate_producer_id(),
                ProducerEpoch(0),
            )));
        };
        // TC.handleInitProducerId: an empty transactional id is an invalid request.
        if transactional_id.is_empty() {
            return Err(CoordinatorError::EmptyTransactionalId);
        }
        // TC.handleInitProducerId (TransactionStateManager.validateTransactionTimeoutMs): the
        // timeout is checked before any metadata exists.
        let timeout = request.transaction_timeout_ms;
        if timeout == 0 || timeout > self.max_timeout_ms {
            return Err(CoordinatorError::InvalidTransactionTimeout {
                transaction_timeout_ms: timeout,
                max_timeout_ms: self.max_timeout_ms,
            });
        }
        // TC.handleInitProducerId: the first InitProducerId creates the metadata before writing.
        let metadata = self
            .transactions
            .entry(transactional_id.clone())
            .or_insert_with(|| {
                TransactionMetadata::new(
                    transactional_id.clone(),
                    allocate_producer_id(),
                    request.transaction_timeout_ms,
                    now_ms,
                )
            });
        // TC.prepareInitProducerIdTransit: a pending transition is answered first.
        if let Some(pending) = metadata.pending_state {
            return Err(concurrent(metadata, Some(pending)));
        }
        // TC.prepareInitProducerIdTransit (isValidProducerId): the expected producer id must be
        // the current one, or the previous one with an exhausted epoch, unless no epoch is out yet.
        if let Some(expected) = request.expected {
            let valid = metadata.producer_epoch == ProducerEpoch::NONE
                || expected.producer_id == metadata.producer_id
                || (expected.producer_id == metadata.prev_producer_id
                    && is_epoch_exhausted(expected.producer_epoch));
            if !valid {
                return Err(CoordinatorError::InitProducerIdFenced {
                    transactional_id: transactional_id.clone(),
                    expected,
                    current: metadata.producer(),
                    last_producer_epoch: metadata.last_producer_epoch,
                });
            }
        }
        let transit = match metadata.state {
            // TC.prepareInitProducerIdTransit: a decided transaction finishes first.
            TransactionState::PrepareCommit | TransactionState::PrepareAbort => {
                return Err(concurrent(metadata, None));
            }
            TransactionState::Empty
            | TransactionState::CompleteCommit
            | TransactionState::CompleteAbort => {
                // TC.prepareInitProducerIdTransit: exhausted epochs move to a new producer id.
                let expected_current = request
                    .expected
                    .is_none_or(|e| e.producer_epoch == metadata.producer_epoch);
                if metadata.is_producer_epoch_exhausted() && expected_current {
                    metadata.prepare_producer_id_rotation(
                        allocate_producer_id(),
                        request.transaction_timeout_ms,
                        now_ms,
                        request.expected.is_some(),
                    )?
                } else {
                    metadata.prepare_increment_producer_epoch(
                        request.transaction_timeout_ms,
                        request.expected.map(|e| e.producer_epoch),
                        now_ms,
                    )?
                }
            }
            // TC.prepareInitProducerIdTransit: an open transaction is fenced and aborted first.
            TransactionState::Ongoing => {
                let append =
                    self.fence_and_abort(transactional_id, now_ms, allocate_producer_id)?;
                return Ok(InitProducerIdOutcome::FenceOngoing(append));
            }
            TransactionState::Dead | TransactionState::PrepareEpochFence => {
                return Err(never_current(metadata).into());
            }
        };
        Ok(InitProducerIdOutcome::Append(self.append(
            transactional_id,
            transit,
            false,
        )))
    }

    /// AddPartitionsToTxn (`TransactionCoordinator.handleAddPartitionsToTransaction`, Kafka 4.x
    /// order: the pending state is checked before the producer id and epoch).
    pub fn add_partitions(
        &mut self,
        request: &AddPartitionsRequest,
        now_ms: u64,
    ) -> Result<AddPartitionsOutcome, CoordinatorError> {
        let transactional_id = &request.transactional_id;
        if transactional_id.is_empty() {
            return Err(CoordinatorError::EmptyTransactionalId);
        }
        let metadata = self.transactions.get_mut(transactional_id).ok_or_else(|| {
            CoordinatorError::UnknownTransactionalId {
                transactional_id: transactional_id.clone(),
            }
        })?;
        if let Some(pending) = metadata.pending_state {
            return Err(concurrent(metadata, Some(pending)));
        }
        if metadata.producer_id != request.producer_id {
            return Err(producer_id_mismatch(metadata, request.producer_id));
        }
        if metadata.producer_epoch != request.producer_epoch {
            return Err(fenced(metadata, request.producer_epoch));
        }
        if metadata.state.is_prepare() {
            return Err(concurrent(metadata, None));
        }
        // TC.handleAddPartitionsToTransaction: partitions already in the open transaction are an
        // immediate NONE, without a write.
        if metadata.state == TransactionState::Ongoing
            && request.partitions.is_subset(&metadata.topic_partitions)
        {
            return Ok(AddPartitionsOutcome::AlreadyAdded);
        }
        let transit = metadata.prepare_add_partitions(
            &request.partitions,
            now_ms,
            request.client_transaction_version,
        )?;
        Ok(AddPartitionsOutcome::Append(self.append(
            transactional_id,
            transit,
            false,
        )))
    }

    /// EndTxn (`TransactionCoordinator.handleEndTransaction`), by the client's transaction
    /// version.
    pub fn end_txn(
        &mut self,
        request: &EndTxnRequest,
        now_ms: u64,
        allocate_producer_id: &mut impl FnMut() -> ProducerId,
    ) -> Result<EndTxnOutcome, CoordinatorError> {
        if request.transactional_id.is_empty() {
            return Err(CoordinatorError::EmptyTransactionalId);
        }
        match request.client_transaction_version {
            TransactionVersion::V1 => self.end_txn_v1(request, now_ms),
            TransactionVersion::V2 => self.end_txn_v2(request, now_ms, allocate_producer_id),
        }
    }

    // TC.endTransactionWithTV1 (rule C8): same epoch only, no bump, a retry after completion is
    // NONE and the response carries no producer.
    fn end_txn_v1(
        &mut self,
        request: &EndTxnRequest,
        now_ms: u64,
    ) -> Result<EndTxnOutcome, CoordinatorError> {
        let transactional_id = &request.transactional_id;
        let metadata = self.transactions.get_mut(transactional_id).ok_or_else(|| {
            CoordinatorError::UnknownTransactionalId {
                transactional_id: transactional_id.clone(),
            }
        })?;
        if metadata.producer_id != request.producer_id {
            return Err(producer_id_mismatch(metadata, request.producer_id));
        }
        if metadata.producer_epoch != request.producer_epoch {
            return Err(fenced(metadata, request.producer_epoch));
        }
        if let Some(pending) = metadata.pending_state {
            return Err(concurrent(metadata, Some(pending)));
        }
        let invalid = |metadata: &TransactionMetadata| CoordinatorError::InvalidTxnState {
            transactional_id: metadata.transactional_id.clone(),
            state: metadata.state,
            result: request.result,
        };
        let transit = match (metadata.state, request.result) {
            (TransactionState::Ongoing, result) => metadata.prepare_abort_or_commit(
                result.prepare_state(),
                TransactionVersion::V1,
                ProducerId::NONE,
                now_ms,
                false,
            )?,
            (TransactionState::CompleteCommit, TransactionResult::Commit)
            | (TransactionState::CompleteAbort, TransactionResult::Abort) => {
                return Ok(EndTxnOutcome::Answered(ProducerIdAndEpoch::NONE));
            }
            (TransactionState::PrepareCommit, TransactionResult::Commit)
            | (TransactionState::PrepareAbort, TransactionResult::Abort) => {
                return Err(concurrent(metadata, None));
            }
            (TransactionState::Dead | TransactionState::PrepareEpochFence, _) => {
                return Err(never_current(metadata).into());
            }
            _ => return Err(invalid(metadata)),
        };
        Ok(EndTxnOutcome::Append(self.append(
            transactional_id,
            transit,
            false,
        )))
    }

    // TC.endTransaction for transaction v2 (rule C9): every EndTxn bumps the epoch, so a retry
    // carries the epoch before the bump.
    fn end_txn_v2(
        &mut self,
        request: &EndTxnRequest,
        now_ms: u64,
        allocate_producer_id: &mut impl FnMut() -> ProducerId,
    ) -> Result<EndTxnOutcome, CoordinatorError> {
        let transactional_id = &request.transactional_id;
        let metadata = self.transactions.get_mut(transactional_id).ok_or_else(|| {
            CoordinatorError::UnknownTransactionalId {
                transactional_id: transactional_id.clone(),
            }
        })?;
        if let Some(pending) = metadata.pending_state {
            return Err(concurrent(metadata, Some(pending)));
        }
        let current_epoch = i32::from(metadata.producer_epoch.0);
        let request_epoch = i32::from(request.producer_epoch.0);
        // A retry of an EndTxn whose epoch overflow moved the id to a new producer id.
        let retry_on_overflow = metadata.prev_producer_id == request.producer_id
            && request.producer_epoch == EXHAUSTED_EPOCH
            && metadata.producer_epoch == ProducerEpoch(0);
        // A retry of an EndTxn whose bump is stored.
        let retry_on_epoch_bump = current_epoch == request_epoch + 1;
        if metadata.producer_id != request.producer_id && !retry_on_overflow {
            return Err(producer_id_mismatch(metadata, request.producer_id));
        }
        let valid_epoch = match metadata.state {
            TransactionState::PrepareCommit | TransactionState::PrepareAbort => retry_on_epoch_bump,
            TransactionState::CompleteCommit | TransactionState::CompleteAbort => {
                retry_on_epoch_bump || retry_on_overflow || request_epoch == current_epoch
            }
            _ => request_epoch == current_epoch,
        };
        if !valid_epoch {
            return Err(fenced(metadata, request.producer_epoch));
        }
        let is_retry = retry_on_epoch_bump || retry_on_overflow;
        let invalid = |metadata: &TransactionMetadata| CoordinatorError::InvalidTxnState {
            transactional_id: metadata.transactional_id.clone(),
            state: metadata.state,
            result: request.result,
        };
        // (the next state, whether no partition was added), or the answer without a write.
        let (next_state, no_partition_added) = match (metadata.state, request.result) {
            (TransactionState::Ongoing, result) => (result.prepare_state(), false),
            (TransactionState::CompleteCommit, TransactionResult::Commit)
            | (TransactionState::CompleteAbort, TransactionResult::Abort)
                if is_retry =>
            {
                return Ok(EndTxnOutcome::Answered(metadata.producer()));
            }
            (TransactionState::CompleteCommit, TransactionResult::Commit) => {
                return Err(invalid(metadata));
            }
            (TransactionState::CompleteCommit, TransactionResult::Abort) if is_retry => {
                return Err(invalid(metadata));
            }
            (
                TransactionState::Empty
                | TransactionState::CompleteCommit
                | TransactionState::CompleteAbort,
                TransactionResult::Abort,
            ) => (TransactionState::PrepareAbort, true),
            (TransactionState::PrepareCommit, TransactionResult::Commit)
            | (TransactionState::PrepareAbort, TransactionResult::Abort) => {
                return Err(concurrent(metadata, None));
            }
            (TransactionState::Dead | TransactionState::PrepareEpochFence, _) => {
                return Err(never_current(metadata).into());
            }
            _ => return Err(invalid(metadata)),
        };
        // TC.endTransaction (generateTxnTransitMetadataForTxnCompletion): an exhausted epoch gets
        // the producer id to continue with now, used when the transaction completes.
        let next_producer_id = if metadata.is_producer_epoch_exhausted() {
            allocate_producer_id()
        } else {
            ProducerId::NONE
        };
        let transit = metadata.prepare_abort_or_commit(
            next_state,
            TransactionVersion::V2,
            next_producer_id,
            now_ms,
            no_partition_added,
        )?;
        Ok(EndTxnOutcome::Append(self.append(
            transactional_id,
            transit,
            false,
        )))
    }

    /// Fences the producer of an open transaction and aborts it, as InitProducerId from a new
    /// instance and the timeout scanner do (`prepareFenceProducerEpoch`, then
    /// `TransactionCoordinator.endTransaction(ABORT, isFromClient = false)` with the cluster's
    /// transaction version). The PrepareAbort to write carries the fenced epoch.
    pub fn fence_and_abort(
        &mut self,
        transactional_id: &str,
        now_ms: u64,
        allocate_producer_id: &mut impl FnMut() -> ProducerId,
    ) -> Result<TxnLogAppend, CoordinatorError> {
        let version = self.transaction_version;
        let metadata = self.transactions.get_mut(transactional_id).ok_or_else(|| {
            CoordinatorError::UnknownTransactionalId {
                transactional_id: transactional_id.to_owned(),
            }
        })?;
        // TC.abortTimedOutTransactions: a pending transition is left alone.
        if let Some(pending) = metadata.pending_state {
            return Err(concurrent(metadata, Some(pending)));
        }
        let fence = metadata.prepare_fence_producer_epoch()?;
        // The fence is never written: its pending state makes way for the abort at once.
        metadata.pending_state = None;
        let transit = match version {
            // TC.endTransactionWithTV1: the fenced epoch becomes the epoch before the write, so a
            // failed write does not undo the fence (hasFailedEpochFence keeps it from growing).
            TransactionVersion::V1 => {
                metadata.producer_epoch = fence.producer_epoch;
                metadata.last_producer_epoch = ProducerEpoch::NONE;
                metadata.prepare_abort_or_commit(
                    TransactionState::PrepareAbort,
                    TransactionVersion::V1,
                    ProducerId::NONE,
                    now_ms,
                    false,
                )?
            }
            // TC.endTransaction with transaction v2 (KAFKA-19367): the abort's own bump is the
            // fence, so the epoch rises once.
            TransactionVersion::V2 => {
                let next_producer_id = if metadata.is_producer_epoch_exhausted() {
                    allocate_producer_id()
                } else {
                    ProducerId::NONE
                };
                metadata.prepare_abort_or_commit(
                    TransactionState::PrepareAbort,
                    TransactionVersion::V2,
                    next_producer_id,
                    now_ms,
                    false,
                )?
            }
        };
        Ok(self.append(transactional_id, transit, true))
    }

    /// Applies a write that is now durable (`TransactionStateManager.appendTransactionToLog` →
    /// `completeTransitionTo`) and says what follows. A durable PrepareCommit/PrepareAbort at once
    /// prepares its Complete record (`TransactionCoordinator.endTransaction`,
    /// `sendTxnMarkersCallback`), so that requests get `CONCURRENT_TRANSACTIONS` while the
    /// markers are in flight.
    pub fn complete_transition(
        &mut self,
        append: &TxnLogAppend,
        now_ms: u64,
    ) -> Result<AfterAppend, TransitionError> {
        let transactional_id = &append.transactional_id;
        // TSM.appendTransactionToLog: a newer coordinator epoch owns the metadata now.
        if append.coordinator_epoch != self.coordinator_epoch {
            return Err(TransitionError::StaleCoordinatorEpoch {
                transactional_id: transactional_id.clone(),
                coordinator_epoch: append.coordinator_epoch,
                current_coordinator_epoch: self.coordinator_epoch,
            });
        }
        let metadata = known_mut(&mut self.transactions, transactional_id)?;
        metadata.complete_transition(&append.transit)?;
        let after = match append.transit.txn_state {
            TransactionState::Empty => AfterAppend::ProducerIdReady(metadata.producer()),
            TransactionState::Ongoing => AfterAppend::PartitionsAdded,
            TransactionState::PrepareCommit | TransactionState::PrepareAbort => {
                let (job, complete) = marker_job(metadata, self.coordinator_epoch, now_ms)?;
                self.pending_completions
                    .insert(transactional_id.clone(), complete);
                AfterAppend::WriteMarkers(job)
            }
            TransactionState::CompleteCommit => AfterAppend::TransactionCompleted {
                result: TransactionResult::Commit,
                producer: metadata.producer(),
            },
            TransactionState::CompleteAbort => AfterAppend::TransactionCompleted {
                result: TransactionResult::Abort,
                producer: metadata.producer(),
            },
            // complete_transition refuses these.
            TransactionState::Dead | TransactionState::PrepareEpochFence => {
                return Err(never_current(metadata));
            }
        };
        Ok(after)
    }

    /// A write that failed for good (`TransactionStateManager.appendTransactionToLog`): the
    /// pending state is dropped, and a failed v1 fence is remembered so that the next fence does
    /// not raise the epoch again (`TransactionCoordinator.endTransactionWithTV1`). A write from an
    /// earlier coordinator epoch changes nothing.
    pub fn append_failed(&mut self, append: &TxnLogAppend) -> Result<(), TransitionError> {
        if append.coordinator_epoch != self.coordinator_epoch {
            return Ok(());
        }
        let transactional_id = &append.transactional_id;
        let metadata = known_mut(&mut self.transactions, transactional_id)?;
        let target = append.transit.txn_state;
        match metadata.pending_state {
            Some(pending) if pending == target => {}
            Some(pending) => {
                return Err(TransitionError::NotThePendingTransition {
                    transactional_id: transactional_id.clone(),
                    pending,
                    target,
                });
            }
            None => {
                return Err(TransitionError::NoPendingTransition {
                    transactional_id: transactional_id.clone(),
                    target,
                });
            }
        }
        metadata.pending_state = None;
        if append.is_epoch_fence
            && !append
                .transit
                .client_transaction_version
                .supports_epoch_bump()
        {
            metadata.has_failed_epoch_fence = true;
        }
        Ok(())
    }

    /// One partition's marker is written (`TransactionMarkerRequestCompletionHandler` →
    /// `removePartition`); once none is left, the Complete record to append
    /// (`TransactionMarkerChannelManager.maybeWriteTxnCompletion`).
    pub fn marker_written(
        &mut self,
        transactional_id: &str,
        partition: &TopicPartition,
    ) -> Result<Option<TxnLogAppend>, TransitionError> {
        let metadata = known_mut(&mut self.transactions, transactional_id)?;
        metadata.remove_partition(partition)?;
        if metadata.topic_partitions.is_empty() {
            return self.markers_complete(transactional_id).map(Some);
        }
        Ok(None)
    }

    /// Every marker of a decided transaction is written: the CompleteCommit/CompleteAbort record
    /// to append (`TransactionMarkerChannelManager.maybeWriteTxnCompletion`).
    pub fn markers_complete(
        &mut self,
        transactional_id: &str,
    ) -> Result<TxnLogAppend, TransitionError> {
        let metadata = known_mut(&mut self.transactions, transactional_id)?;
        if !metadata.state.is_prepare() {
            return Err(TransitionError::NotPreparing {
                transactional_id: transactional_id.to_owned(),
                state: metadata.state,
            });
        }
        let complete = self
            .pending_completions
            .remove(transactional_id)
            .ok_or_else(|| TransitionError::NoMarkersPending {
                transactional_id: transactional_id.to_owned(),
                state: metadata.state,
            })?;
        metadata.topic_partitions.clear();
        Ok(complete)
    }

    /// The transactional ids whose open transaction has outlived its timeout
    /// (`TransactionStateManager.timedOutTransactions`): Ongoing, no transition pending, not a
    /// two-phase-commit transaction, and started more than the timeout before `now_ms`. Each is
    /// for [`TransactionCoordinatorState::fence_and_abort`].
    pub fn timed_out(&self, now_ms: u64) -> Vec<String> {
        self.transactions
            .values()
            .filter(|metadata| {
                metadata.pending_state.is_none()
                    && metadata
                        .times_out_after_ms()
                        .is_some_and(|after| after < now_ms)
            })
            .map(|metadata| metadata.transactional_id.clone())
            .collect()
    }

    /// The transactional ids idle for `transactional.id.expiration.ms`
    /// (`TransactionStateManager.removeExpiredTransactionalIds` with `shouldExpire`): no
    /// transition pending, a state that may expire (Empty, CompleteCommit, CompleteAbort), and
    /// last updated that long or longer before `now_ms`. Each is for
    /// [`TransactionCoordinatorState::prepare_dead`].
    pub fn expired(&self, now_ms: u64) -> Vec<String> {
        let Some(cutoff) = now_ms.checked_sub(self.transactional_id_expiration_ms) else {
            return Vec::new();
        };
        self.transactions
            .values()
            .filter(|m| {
                m.pending_state.is_none()
                    && m.state.is_expiration_allowed()
                    && m.txn_last_update_timestamp_ms <= cutoff
            })
            .map(|m| m.transactional_id.clone())
            .collect()
    }

    /// Prepares the removal of an expired transactional id (`TransactionMetadata.prepareDead`):
    /// the returned append is the tombstone to write; once it is durable,
    /// [`TransactionCoordinatorState::remove_dead`] forgets the id.
    pub fn prepare_dead(
        &mut self,
        transactional_id: &str,
    ) -> Result<TxnLogAppend, TransitionError> {
        let metadata = known_mut(&mut self.transactions, transactional_id)?;
        let mut data = metadata.transit_to(TransactionState::Dead);
        data.topic_partitions.clear();
        let transit = metadata.prepare_transition_to(data)?;
        Ok(self.append(transactional_id, transit, false))
    }

    /// The tombstone is durable: the id is forgotten, so its next InitProducerId starts over
    /// with a new producer id at epoch 0 (`writeTombstonesForExpiredTransactionalIds`: only if
    /// Dead is still pending at the same epoch under the same coordinator epoch).
    pub fn remove_dead(&mut self, append: &TxnLogAppend) -> Result<(), TransitionError> {
        let transactional_id = &append.transactional_id;
        let metadata = known_mut(&mut self.transactions, transactional_id)?;
        if append.coordinator_epoch != self.coordinator_epoch
            || metadata.pending_state != Some(TransactionState::Dead)
            || metadata.producer_epoch != append.transit.producer_epoch
        {
            metadata.pending_state = None;
            return Err(TransitionError::UnexpectedMetadata {
                transactional_id: transactional_id.clone(),
                target: TransactionState::Dead,
                reason: "the expired id changed before its tombstone was written",
            });
        }
        self.transactions.remove(transactional_id);
        Ok(())
    }

    /// Rebuilds the coordinator from its `__transaction_state` partition after an election
    /// (`TransactionStateManager.loadTransactionsForTxnTopicPartition`): the last record of each
    /// transactional id wins. Every decided transaction gets its Complete record prepared and is
    /// returned as markers to (re)write; open ones stay open, subject to the timeout. A decided
    /// transaction whose record has a negative producer id or epoch is an error.
    pub fn load<'a>(
        &mut self,
        coordinator_epoch: i32,
        records: impl IntoIterator<Item = &'a TransactionLogRecord>,
        now_ms: u64,
    ) -> Result<Vec<MarkerJob>, TransitionError> {
        self.coordinator_epoch = coordinator_epoch;
        self.transactions.clear();
        self.pending_completions.clear();
        for record in records {
            match record.state {
                // Dead is never written (expiry writes a tombstone), so take it as one.
                TransactionState::Dead => {
                    self.transactions.remove(&record.transactional_id);
                }
                // Never written by Kafka either; such a record is ignored.
                TransactionState::PrepareEpochFence => {}
                _ => {
                    self.transactions.insert(
                        record.transactional_id.clone(),
                        TransactionMetadata::from_record(record),
                    );
                }
            }
        }
        // TSM.loadTransactionsForTxnTopicPartition (transactionsPendingForCompletion).
        let mut jobs = Vec::new();
        for metadata in self.transactions.values_mut() {
            if metadata.state.is_prepare() {
                let (job, complete) = marker_job(metadata, coordinator_epoch, now_ms)?;
                self.pending_completions
                    .insert(metadata.transactional_id.clone(), complete);
                jobs.push(job);
            }
        }
        Ok(jobs)
    }

    fn append(
        &self,
        transactional_id: &str,
        transit: TxnTransitMetadata,
        is_epoch_fence: bool,
    ) -> TxnLogAppend {
        TxnLogAppend {
            transactional_id: transactional_id.to_owned(),
            coordinator_epoch: self.coordinator_epoch,
            transit,
            is_epoch_fence,
        }
    }
}

// TC.endTransaction (sendTxnMarkersCallback) and TSM.loadTransactionsForTxnTopicPartition: a
// durable decision prepares its completion and sends markers with the decision's producer id and
// epoch.
fn marker_job(
    metadata: &mut TransactionMetadata,
    coordinator_epoch: i32,
    now_ms: u64,
) -> Result<(MarkerJob, TxnLogAppend), TransitionError> {
    let result = if metadata.state == TransactionState::PrepareCommit {
        TransactionResult::Commit
    } else {
        TransactionResult::Abort
    };
    let complete = metadata.prepare_complete(now_ms)?;
    let end_txn_answer = if metadata.client_transaction_version.supports_epoch_bump() {
        ProducerIdAndEpoch::new(complete.producer_id, complete.producer_epoch)
    } else {
        ProducerIdAndEpoch::NONE
    };
    let job = MarkerJob {
        transactional_id: metadata.transactional_id.clone(),
        result,
        producer_id: metadata.producer_id,
        producer_epoch: metadata.producer_epoch,
        coordinator_epoch,
        transaction_version: metadata.client_transaction_version,
        partitions: metadata.topic_partitions.clone(),
        end_txn_answer,
    };
    let append = TxnLogAppend {
        transactional_id: metadata.transactional_id.clone(),
        coordinator_epoch,
        transit: complete,
        is_epoch_fence: false,
    };
    Ok((job, append))
}

fn concurrent(
    metadata: &TransactionMetadata,
    pending_state: Option<TransactionState>,
) -> CoordinatorError {
    CoordinatorError::ConcurrentTransactions {
        transactional_id: metadata.transactional_id.clone(),
        state: metadata.state,
        pending_state,
    }
}

fn producer_id_mismatch(
    metadata: &TransactionMetadata,
    producer_id: ProducerId,
) -> CoordinatorError {
    CoordinatorError::ProducerIdMismatch {
        transactional_id: metadata.transactional_id.clone(),
        producer_id,
        current_producer_id: metadata.producer_id,
    }
}

fn fenced(metadata: &TransactionMetadata, producer_epoch: ProducerEpoch) -> CoordinatorError {
    CoordinatorError::ProducerFenced {
        transactional_id: metadata.transactional_id.clone(),
        state: metadata.state,
        producer_epoch,
        current_epoch: metadata.producer_epoch,
    }
}

// Kafka: "This is illegal as we should never have transitioned to this state."
fn never_current(metadata: &TransactionMetadata) -> TransitionError {
    TransitionError::UnexpectedMetadata {
        transactional_id: metadata.transactional_id.clone(),
        target: metadata.state,
        reason: "a transaction is never at rest in this state",
    }
}

/// The metadata of a transactional id the coordinator knows, or the error naming it. Over the
/// map rather than the coordinator, so callers can still read the coordinator's other fields.
fn known_mut<'a>(
    transactions: &'a mut BTreeMap<String, TransactionMetadata>,
    transactional_id: &str,
) -> Result<&'a mut TransactionMetadata, TransitionError> {
    transactions
        .get_mut(transactional_id)
        .ok_or_else(|| TransitionError::UnknownTransactionalId {
            transactional_id: transactional_id.to_owned(),
        })
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;
    use TransactionState::*;
    use TransactionVersion::{V1, V2};

    const T1: &str = "t1";
    const TIMEOUT_MS: u64 = 60_000;
    const PID: ProducerId = ProducerId(1000);

    fn pe(producer_id: i64, epoch: i16) -> ProducerIdAndEpoch {
        ProducerIdAndEpoch::new(ProducerId(producer_id), ProducerEpoch(epoch))
    }

    fn partitions(list: &[(&str, u32)]) -> BTreeSet<TopicPartition> {
        list.iter()
            .map(|(topic, partition)| TopicPartition::new(*topic, *partition))
            .collect()
    }

    fn allocate(next: &mut i64) -> ProducerId {
        let id = ProducerId(*next);
        *next += 1;
        id
    }

    /// A `__transaction_state` record, for loading a coordinator in a given state.
    fn record(
        transactional_id: &str,
        producer: ProducerIdAndEpoch,
        state: TransactionState,
        list: &[(&str, u32)],
        version: TransactionVersion,
    ) -> TransactionLogRecord {
        TransactionLogRecord {
            transactional_id: transactional_id.to_owned(),
            producer_id: producer.producer_id,
            producer_epoch: producer.producer_epoch,
            txn_timeout_ms: TIMEOUT_MS,
            state,
            topic_partitions: partitions(list),
            txn_last_update_timestamp_ms: 1_000,
            txn_start_timestamp_ms: (state != Empty).then_some(1_000),
            client_transaction_version: version,
            coordinator_epoch: 0,
        }
    }

    /// A coordinator in miniature: its state, the time, the producer id allocator and the
    /// `__transaction_state` partition, wired as Kafka wires them (prepare, append, complete).
    struct Coordinator {
        state: TransactionCoordinatorState,
        now_ms: u64,
        next_producer_id: i64,
        log: Vec<TransactionLogRecord>,
    }

    impl Coordinator {
        fn new(version: TransactionVersion) -> Self {
            Self {
                state: TransactionCoordinatorState::new(version, 0),
                now_ms: 1_000,
                next_producer_id: 1000,
                log: Vec::new(),
            }
        }

        /// A coordinator elected with this log; new producer ids start at 2000.
        fn loaded(version: TransactionVersion, records: Vec<TransactionLogRecord>) -> Self {
            let mut coordinator = Self::new(version);
            coordinator.next_producer_id = 2000;
            coordinator.log = records;
            let (reloaded, _) = coordinator.reloaded(0);
            reloaded
        }

        /// The coordinator a newly elected leader builds from this one's log.
        fn reloaded(&self, coordinator_epoch: i32) -> (Coordinator, Vec<MarkerJob>) {
            let mut state = TransactionCoordinatorState::new(self.state.transaction_version(), -1);
            let jobs = state
                .load(coordinator_epoch, &self.log, self.now_ms)
                .expect("a log of valid records loads");
            let coordinator = Coordinator {
                state,
                now_ms: self.now_ms,
                next_producer_id: self.next_producer_id,
                log: self.log.clone(),
            };
            (coordinator, jobs)
        }

        fn version(&self) -> TransactionVersion {
            self.state.transaction_version()
        }

        fn md(&self, transactional_id: &str) -> &TransactionMetadata {
            self.state
                .metadata(transactional_id)
                .expect("a known transactional id")
        }

        fn init(
            &mut self,
            transactional_id: &str,
            expected: Option<ProducerIdAndEpoch>,
        ) -> Result<InitProducerIdOutcome, CoordinatorError> {
            let request = InitProducerIdRequest {
                transactional_id: Some(transactional_id.to_owned()),
                transaction_timeout_ms: TIMEOUT_MS,
                expected,
            };
            let next = &mut self.next_producer_id;
            self.state
                .init_producer_id(&request, self.now_ms, &mut || allocate(next))
        }

        /// The record is durable: it is in the log and the coordinator applies it.
        fn write(&mut self, append: &TxnLogAppend) -> AfterAppend {
            self.log.push(append.record());
            self.state
                .complete_transition(append, self.now_ms)
                .expect("a prepared write applies once durable")
        }

        fn init_ok(
            &mut self,
            transactional_id: &str,
            expected: Option<ProducerIdAndEpoch>,
        ) -> ProducerIdAndEpoch {
            match self.init(transactional_id, expected) {
                Ok(InitProducerIdOutcome::Append(append)) => match self.write(&append) {
                    AfterAppend::ProducerIdReady(producer) => producer,
                    other => panic!("an Empty record readies the producer, got {other:?}"),
                },
                other => panic!("expected an Empty record to write, got {other:?}"),
            }
        }

        fn add(
            &mut self,
            transactional_id: &str,
            producer: ProducerIdAndEpoch,
            list: &[(&str, u32)],
        ) -> Result<AddPartitionsOutcome, CoordinatorError> {
            let request = AddPartitionsRequest {
                transactional_id: transactional_id.to_owned(),
                producer_id: producer.producer_id,
                producer_epoch: producer.producer_epoch,
                partitions: partitions(list),
                client_transaction_version: self.version(),
            };
            self.state.add_partitions(&request, self.now_ms)
        }

        fn add_ok(
            &mut self,
            transactional_id: &str,
            producer: ProducerIdAndEpoch,
            list: &[(&str, u32)],
        ) {
            match self.add(transactional_id, producer, list) {
                Ok(AddPartitionsOutcome::Append(append)) => {
                    assert_eq!(self.write(&append), AfterAppend::PartitionsAdded);
                }
                other => panic!("expected an Ongoing record to write, got {other:?}"),
            }
        }

        fn end(
            &mut self,
            transactional_id: &str,
            producer: ProducerIdAndEpoch,
            result: TransactionResult,
        ) -> Result<EndTxnOutcome, CoordinatorError> {
            let request = EndTxnRequest {
                transactional_id: transactional_id.to_owned(),
                producer_id: producer.producer_id,
                producer_epoch: producer.producer_epoch,
                result,
                client_transaction_version: self.version(),
            };
            let next = &mut self.next_producer_id;
            self.state
                .end_txn(&request, self.now_ms, &mut || allocate(next))
        }

        /// EndTxn whose decision is written: the markers to write.
        fn end_ok(
            &mut self,
            transactional_id: &str,
            producer: ProducerIdAndEpoch,
            result: TransactionResult,
        ) -> MarkerJob {
            match self.end(transactional_id, producer, result) {
                Ok(EndTxnOutcome::Append(append)) => match self.write(&append) {
                    AfterAppend::WriteMarkers(job) => job,
                    other => panic!("a decision leads to markers, got {other:?}"),
                },
                other => panic!("expected a decision to write, got {other:?}"),
            }
        }

        fn fence(&mut self, transactional_id: &str) -> Result<TxnLogAppend, CoordinatorError> {
            let next = &mut self.next_producer_id;
            self.state
                .fence_and_abort(transactional_id, self.now_ms, &mut || allocate(next))
        }

        /// Every marker written and the Complete record durable: the producer to continue with.
        fn finish(&mut self, transactional_id: &str) -> ProducerIdAndEpoch {
            let complete = self
                .state
                .markers_complete(transactional_id)
                .expect("a decided transaction awaits its markers");
            match self.write(&complete) {
                AfterAppend::TransactionCompleted { producer, .. } => producer,
                other => panic!("a Complete record ends the transaction, got {other:?}"),
            }
        }

        /// A V2 decision written, its markers written, but the Complete write failed for good:
        /// the only way to a Prepare state with no pending transition.
        fn stuck_in_prepare(&mut self, transactional_id: &str) {
            let complete = self
                .state
                .markers_complete(transactional_id)
                .expect("a decided transaction awaits its markers");
            self.state
                .append_failed(&complete)
                .expect("the Complete write was pending");
        }
    }

    fn code<T: fmt::Debug>(result: Result<T, CoordinatorError>) -> ErrorCode {
        match result {
            Err(error) => error.error_code(),
            Ok(ok) => panic!("expected a rejection, got {ok:?}"),
        }
    }

    fn fence_of(outcome: Result<InitProducerIdOutcome, CoordinatorError>) -> TxnLogAppend {
        match outcome {
            Ok(InitProducerIdOutcome::FenceOngoing(append)) => append,
            other => panic!("expected the open transaction to be fenced, got {other:?}"),
        }
    }

    fn markers_of(after: AfterAppend) -> MarkerJob {
        match after {
            AfterAppend::WriteMarkers(job) => job,
            other => panic!("expected markers to write, got {other:?}"),
        }
    }

    // TransactionState ids and names (rule C1); isExpirationAllowed.
    #[test]
    fn states_carry_kafkas_ids_and_names() {
        let expected = [
            (Empty, 0, "Empty"),
            (Ongoing, 1, "Ongoing"),
            (PrepareCommit, 2, "PrepareCommit"),
            (PrepareAbort, 3, "PrepareAbort"),
            (CompleteCommit, 4, "CompleteCommit"),
            (CompleteAbort, 5, "CompleteAbort"),
            (Dead, 6, "Dead"),
            (PrepareEpochFence, 7, "PrepareEpochFence"),
        ];
        for (state, id, name) in expected {
            assert_eq!(state.id(), id);
            assert_eq!(TransactionState::from_id(id), Some(state));
            assert_eq!(state.to_string(), name);
        }
        assert_eq!(TransactionState::from_id(8), None);
        let expirable: Vec<TransactionState> = TransactionState::ALL
            .into_iter()
            .filter(|state| state.is_expiration_allowed())
            .collect();
        assert_eq!(expirable, vec![Empty, CompleteCommit, CompleteAbort]);
    }

    // TransactionState.validPreviousStates, Kafka 4.x (rule C2).
    #[test]
    fn valid_previous_states_are_kafka_4x_table_with_v2_empty_abort() {
        let table: [(TransactionState, &[TransactionState]); 8] = [
            (Empty, &[Empty, CompleteCommit, CompleteAbort]),
            (Ongoing, &[Ongoing, Empty, CompleteCommit, CompleteAbort]),
            (PrepareCommit, &[Ongoing]),
            (
                PrepareAbort,
                &[
                    Ongoing,
                    PrepareEpochFence,
                    Empty,
                    CompleteCommit,
                    CompleteAbort,
                ],
            ),
            (CompleteCommit, &[PrepareCommit]),
            (CompleteAbort, &[PrepareAbort]),
            (Dead, &[Empty, CompleteAbort, CompleteCommit]),
            (PrepareEpochFence, &[Ongoing]),
        ];
        for (target, sources) in table {
            let got: BTreeSet<TransactionState> =
                target.valid_previous_states().iter().copied().collect();
            let want: BTreeSet<TransactionState> = sources.iter().copied().collect();
            assert_eq!(got, want, "sources of {target}");
        }
    }

    // TransactionMetadata.prepareTransitionTo: validPreviousStates is enforced.
    #[test]
    fn prepare_to_a_state_that_may_not_follow_is_refused() {
        let mut metadata = TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000);
        metadata.producer_epoch = ProducerEpoch(0);
        let refused =
            metadata.prepare_abort_or_commit(PrepareCommit, V1, ProducerId::NONE, 2_000, false);
        let Err(error) = refused else {
            panic!("Empty may not move to PrepareCommit, got {refused:?}");
        };
        assert!(matches!(
            error,
            TransitionError::InvalidTransition {
                from: Empty,
                to: PrepareCommit,
                ..
            }
        ));
        assert!(error.to_string().ends_with("which may only follow Ongoing"));
        assert_eq!(metadata.pending_state, None);
    }

    // TransactionMetadataTest.testInitializeEpoch.
    #[test]
    fn first_bump_of_a_new_transactional_id_gives_epoch_0() {
        let mut metadata = TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000);
        assert_eq!(metadata.producer_epoch, ProducerEpoch::NONE);
        let transit = metadata
            .prepare_increment_producer_epoch(TIMEOUT_MS, None, 2_000)
            .unwrap();
        metadata.complete_transition(&transit).unwrap();
        assert_eq!(metadata.producer(), pe(1000, 0));
        assert_eq!(metadata.last_producer_epoch, ProducerEpoch::NONE);
    }

    // TransactionMetadataTest.testNormalEpochBump.
    #[test]
    fn bump_for_a_new_instance_raises_the_epoch_and_forgets_the_last_one() {
        let mut metadata = TransactionMetadata {
            producer_epoch: ProducerEpoch(735),
            last_producer_epoch: ProducerEpoch(734),
            ..TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000)
        };
        let transit = metadata
            .prepare_increment_producer_epoch(TIMEOUT_MS, None, 2_000)
            .unwrap();
        metadata.complete_transition(&transit).unwrap();
        assert_eq!(metadata.producer(), pe(1000, 736));
        assert_eq!(metadata.last_producer_epoch, ProducerEpoch::NONE);
    }

    // TransactionMetadataTest.testBumpEpochNotAllowedIfEpochsExhausted.
    #[test]
    fn exhausted_epoch_is_not_bumped() {
        let mut metadata = TransactionMetadata {
            producer_epoch: EXHAUSTED_EPOCH,
            ..TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000)
        };
        assert!(metadata.is_producer_epoch_exhausted());
        let refused = metadata.prepare_increment_producer_epoch(TIMEOUT_MS, None, 2_000);
        assert!(matches!(
            refused,
            Err(CoordinatorError::IllegalState(
                TransitionError::EpochExhausted { .. }
            ))
        ));
        assert_eq!(metadata.pending_state, None);
    }

    // TransactionMetadata.prepareTransitionTo (rule C3): one transition at a time.
    #[test]
    fn second_prepare_while_one_is_pending_is_refused() {
        let mut metadata = TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000);
        metadata.producer_epoch = ProducerEpoch(0);
        let first = metadata
            .prepare_add_partitions(&partitions(&[("a", 0)]), 2_000, V1)
            .unwrap();
        let second = metadata.prepare_increment_producer_epoch(TIMEOUT_MS, None, 2_000);
        assert!(matches!(
            second,
            Err(CoordinatorError::IllegalState(
                TransitionError::PendingTransition {
                    state: Empty,
                    pending: Ongoing,
                    target: Empty,
                    ..
                }
            ))
        ));
        metadata.complete_transition(&first).unwrap();
        assert_eq!(metadata.state, Ongoing);
    }

    // TransactionMetadata.completeTransitionTo (rule C3): only the completion applies a prepared
    // transition, and only once.
    #[test]
    fn prepared_transition_changes_nothing_until_completed() {
        let mut metadata = TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000);
        metadata.producer_epoch = ProducerEpoch(0);
        let before = metadata.clone();
        let transit = metadata
            .prepare_add_partitions(&partitions(&[("a", 0)]), 2_000, V1)
            .unwrap();
        assert_eq!(metadata.pending_state, Some(Ongoing));
        assert_eq!(
            TransactionMetadata {
                pending_state: None,
                ..metadata.clone()
            },
            before
        );
        metadata.complete_transition(&transit).unwrap();
        assert_eq!(
            (
                metadata.state,
                metadata.pending_state,
                metadata.topic_partitions.clone(),
                metadata.txn_start_timestamp_ms
            ),
            (Ongoing, None, partitions(&[("a", 0)]), Some(2_000))
        );
        assert!(matches!(
            metadata.complete_transition(&transit),
            Err(TransitionError::NoPendingTransition {
                target: Ongoing,
                ..
            })
        ));
    }

    // TransactionMetadata.completeTransitionTo: a record other than the prepared one is refused.
    #[test]
    fn completion_of_another_record_than_the_prepared_one_is_refused() {
        let mut metadata = TransactionMetadata {
            producer_epoch: ProducerEpoch(0),
            state: Ongoing,
            topic_partitions: partitions(&[("a", 0)]),
            txn_start_timestamp_ms: Some(1_000),
            ..TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000)
        };
        let commit = metadata
            .prepare_abort_or_commit(PrepareCommit, V1, ProducerId::NONE, 2_000, false)
            .unwrap();
        let abort = TxnTransitMetadata {
            txn_state: PrepareAbort,
            ..commit.clone()
        };
        assert!(matches!(
            metadata.complete_transition(&abort),
            Err(TransitionError::NotThePendingTransition {
                pending: PrepareCommit,
                target: PrepareAbort,
                ..
            })
        ));
        let mut more_partitions = commit.clone();
        more_partitions
            .topic_partitions
            .insert(TopicPartition::new("b", 0));
        assert!(matches!(
            metadata.complete_transition(&more_partitions),
            Err(TransitionError::UnexpectedMetadata {
                reason: "the partitions changed",
                ..
            })
        ));
        metadata.complete_transition(&commit).unwrap();
        assert_eq!(metadata.state, PrepareCommit);
    }

    // TransactionMetadataTest.testEpochBumpOnEndTxnOverflow.
    #[test]
    fn v2_decision_at_exhausted_epoch_completes_on_the_next_producer_id_at_epoch_0() {
        let mut metadata = TransactionMetadata {
            producer_epoch: EXHAUSTED_EPOCH,
            state: Ongoing,
            txn_start_timestamp_ms: Some(1_000),
            client_transaction_version: V2,
            ..TransactionMetadata::new(T1, PID, TIMEOUT_MS, 1_000)
        };
        let prepare = metadata
            .prepare_abort_or_commit(PrepareCommit, V2, ProducerId(9893), 2_000, false)
            .unwrap();
        metadata.complete_transition(&prepare).unwrap();
        assert_eq!(metadata.producer(), pe(1000, i16::MAX));
        let complete = metadata.prepare_complete(3_000).unwrap();
        metadata.complete_transition(&complete).unwrap();
        assert_eq!(metadata.producer(), pe(9893, 0));
        assert_eq!(
            (metadata.prev_producer_id, metadata.last_producer_epoch),
            (PID, EXHAUSTED_EPOCH)
        );
        assert_eq!(metadata.next_producer_id, ProducerId::NONE);
    }

    // TransactionCoordinator.handleInitProducerId: the first InitProducerId of an id.
    #[test]
    fn first_init_producer_id_writes_an_empty_record_with_epoch_0() {
        let mut coordinator = Coordinator::new(V1);
        let Ok(InitProducerIdOutcome::Append(append)) = coordinator.init(T1, None) else {
            panic!("the first InitProducerId writes a record");
        };
        assert_eq!(
            append.record(),
            TransactionLogRecord {
                transactional_id: T1.to_owned(),
                producer_id: PID,
                producer_epoch: ProducerEpoch(0),
                txn_timeout_ms: TIMEOUT_MS,
                state: Empty,
                topic_partitions: BTreeSet::new(),
                txn_last_update_timestamp_ms: 1_000,
                txn_start_timestamp_ms: None,
                client_transaction_version: V1,
                coordinator_epoch: 0,
            }
        );
        // The metadata exists before the write, with no epoch handed out yet.
        assert_eq!(coordinator.md(T1).producer_epoch, ProducerEpoch::NONE);
        assert_eq!(coordinator.md(T1).pending_state, Some(Empty));
        assert_eq!(
            coordinator.write(&append),
            AfterAppend::ProducerIdReady(pe(1000, 0))
        );
    }

    // TransactionCoordinator.handleInitProducerId: no transactional id, an idempotent producer.
    #[test]
    fn init_producer_id_without_transactional_id_gives_a_fresh_producer_id_and_keeps_nothing() {
        let mut state = TransactionCoordinatorState::new(V1, 0);
        let mut next = 1000;
        let request = InitProducerIdRequest {
            transactional_id: None,
            transaction_timeout_ms: TIMEOUT_MS,
            expected: None,
        };
        for expected_id in [1000, 1001] {
            assert_eq!(
                state.init_producer_id(&request, 1_000, &mut || allocate(&mut next)),
                Ok(InitProducerIdOutcome::Idempotent(pe(expected_id, 0)))
            );
        }
        assert_eq!(state.transactions().count(), 0);
    }

    // TransactionCoordinator: an empty transactional id is INVALID_REQUEST for every request.
    #[test]
    fn empty_transactional_id_is_an_invalid_request() {
        let mut coordinator = Coordinator::new(V2);
        assert_eq!(code(coordinator.init("", None)), ErrorCode::InvalidRequest);
        assert_eq!(
            code(coordinator.add("", pe(1000, 0), &[("a", 0)])),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code(coordinator.end("", pe(1000, 0), TransactionResult::Abort)),
            ErrorCode::InvalidRequest
        );
        assert_eq!(coordinator.state.transactions().count(), 0);
    }

    // TransactionMetadata.prepareIncrementProducerEpoch (rule C6): a new instance bumps.
    #[test]
    fn init_producer_id_from_a_new_instance_bumps_the_epoch() {
        let mut coordinator = Coordinator::new(V1);
        assert_eq!(coordinator.init_ok(T1, None), pe(1000, 0));
        assert_eq!(coordinator.init_ok(T1, None), pe(1000, 1));
        assert_eq!(coordinator.md(T1).last_producer_epoch, ProducerEpoch::NONE);
    }

    // TransactionCoordinatorTest.testInitProducerIdWithCurrentEpochProvided (KIP-360).
    #[test]
    fn init_producer_id_with_current_epoch_bumps_and_its_retry_gets_the_same_answer() {
        let mut coordinator = Coordinator::new(V1);
        let first = coordinator.init_ok(T1, None);
        assert_eq!(coordinator.init_ok(T1, Some(first)), pe(1000, 1));
        assert_eq!(coordinator.md(T1).last_producer_epoch, ProducerEpoch(0));
        // The response was lost; the producer asks again with what it had.
        assert_eq!(coordinator.init_ok(T1, Some(first)), pe(1000, 1));
    }

    // TransactionCoordinatorTest.testInitProducerIdStaleCurrentEpochProvided.
    #[test]
    fn init_producer_id_with_an_epoch_a_new_instance_replaced_is_fenced() {
        let mut coordinator = Coordinator::new(V1);
        let old = coordinator.init_ok(T1, None);
        coordinator.init_ok(T1, None);
        let refused = coordinator.init(T1, Some(old));
        assert_eq!(code(refused.clone()), ErrorCode::ProducerFenced);
        assert!(matches!(
            refused,
            Err(CoordinatorError::InitProducerIdFenced {
                last_producer_epoch: ProducerEpoch::NONE,
                ..
            })
        ));
    }

    // TransactionCoordinatorTest.testFenceProducerWhenMappingExistsWithDifferentProducerId.
    #[test]
    fn init_producer_id_naming_another_producer_id_is_fenced() {
        let mut coordinator = Coordinator::new(V1);
        coordinator.init_ok(T1, None);
        assert_eq!(
            code(coordinator.init(T1, Some(pe(999, 0)))),
            ErrorCode::ProducerFenced
        );
        assert_eq!(coordinator.md(T1).pending_state, None);
    }

    // TransactionCoordinatorTest.shouldGenerateNewProducerIdIfEpochsExhausted.
    #[test]
    fn init_producer_id_at_an_exhausted_epoch_moves_to_a_new_producer_id() {
        let mut coordinator =
            Coordinator::loaded(V1, vec![record(T1, pe(1000, i16::MAX - 1), Empty, &[], V1)]);
        assert_eq!(coordinator.init_ok(T1, None), pe(2000, 0));
        let metadata = coordinator.md(T1);
        assert_eq!(
            (metadata.prev_producer_id, metadata.last_producer_epoch),
            (PID, ProducerEpoch::NONE)
        );
    }

    // TransactionCoordinatorTest.testRetryInitProducerIdAfterProducerIdRotation.
    #[test]
    fn retried_init_producer_id_after_a_rotation_gets_the_new_producer_id_again() {
        let mut coordinator =
            Coordinator::loaded(V1, vec![record(T1, pe(1000, i16::MAX - 1), Empty, &[], V1)]);
        let old = pe(1000, i16::MAX - 1);
        assert_eq!(coordinator.init_ok(T1, Some(old)), pe(2000, 0));
        assert_eq!(coordinator.md(T1).last_producer_epoch, EXHAUSTED_EPOCH);
        assert_eq!(coordinator.init_ok(T1, Some(old)), pe(2000, 0));
        // The old producer id is only recognised with its exhausted epoch.
        assert_eq!(
            code(coordinator.init(T1, Some(pe(1000, 5)))),
            ErrorCode::ProducerFenced
        );
    }

    // TransactionCoordinatorTest.testInitProducerIdWithNoLastProducerData; TransactionLog
    // .valueToBytes leaves the last epoch out (KAFKA-20357).
    #[test]
    fn reloaded_coordinator_no_longer_recognises_a_retried_epoch_bump() {
        let mut coordinator = Coordinator::new(V1);
        let first = coordinator.init_ok(T1, None);
        coordinator.init_ok(T1, Some(first));
        let (mut reloaded, _) = coordinator.reloaded(1);
        assert_eq!(reloaded.md(T1).last_producer_epoch, ProducerEpoch::NONE);
        assert_eq!(
            code(reloaded.init(T1, Some(first))),
            ErrorCode::ProducerFenced
        );
        assert_eq!(coordinator.init_ok(T1, Some(first)), pe(1000, 1));
    }

    // TransactionCoordinator.prepareInitProducerIdTransit (rule C3): markers in flight.
    #[test]
    fn init_producer_id_while_markers_are_in_flight_is_concurrent_transactions() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Commit);
        let refused = coordinator.init(T1, None);
        assert!(matches!(
            refused,
            Err(CoordinatorError::ConcurrentTransactions {
                state: PrepareCommit,
                pending_state: Some(CompleteCommit),
                ..
            })
        ));
        coordinator.finish(T1);
        assert_eq!(coordinator.init_ok(T1, None), pe(1000, 1));
    }

    // Rule C7, transaction v1: TransactionCoordinator.prepareInitProducerIdTransit (Ongoing) and
    // endTransactionWithTV1 with isFromClient = false.
    #[test]
    fn new_instance_fences_an_open_transaction_v1() {
        let mut coordinator = Coordinator::new(V1);
        let zombie = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, zombie, &[("a", 0), ("b", 1)]);
        let abort = fence_of(coordinator.init(T1, None));
        let record = abort.record();
        assert_eq!(
            (record.state, record.producer_epoch, record.topic_partitions),
            (
                PrepareAbort,
                ProducerEpoch(1),
                partitions(&[("a", 0), ("b", 1)])
            )
        );
        assert!(abort.is_epoch_fence);
        // Transaction v1 raises the epoch in memory before the write.
        assert_eq!(coordinator.md(T1).producer_epoch, ProducerEpoch(1));
        assert_eq!(
            code(coordinator.add(T1, zombie, &[("c", 0)])),
            ErrorCode::ConcurrentTransactions
        );
        let job = markers_of(coordinator.write(&abort));
        assert_eq!(
            (
                job.result,
                job.producer_id,
                job.producer_epoch,
                job.partitions
            ),
            (
                TransactionResult::Abort,
                PID,
                ProducerEpoch(1),
                partitions(&[("a", 0), ("b", 1)])
            )
        );
        // The new instance was answered CONCURRENT_TRANSACTIONS and retries until the abort is
        // complete; then its epoch is bumped a second time.
        assert_eq!(
            code(coordinator.init(T1, None)),
            ErrorCode::ConcurrentTransactions
        );
        coordinator.finish(T1);
        assert_eq!(coordinator.init_ok(T1, None), pe(1000, 2));
        assert_eq!(
            code(coordinator.end(T1, zombie, TransactionResult::Commit)),
            ErrorCode::ProducerFenced
        );
        assert_eq!(
            code(coordinator.add(T1, zombie, &[("a", 0)])),
            ErrorCode::ProducerFenced
        );
    }

    // Rule C7, transaction v2: the abort's own bump is the fence (KAFKA-19367).
    #[test]
    fn new_instance_fences_an_open_transaction_v2_with_one_epoch_bump() {
        let mut coordinator = Coordinator::new(V2);
        let zombie = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, zombie, &[("a", 0)]);
        let abort = fence_of(coordinator.init(T1, None));
        assert_eq!(
            (
                abort.transit.producer_epoch,
                abort.transit.last_producer_epoch
            ),
            (ProducerEpoch(1), ProducerEpoch(0))
        );
        // Nothing changes in memory before the write.
        assert_eq!(coordinator.md(T1).producer_epoch, ProducerEpoch(0));
        let job = markers_of(coordinator.write(&abort));
        assert_eq!(job.producer_epoch, ProducerEpoch(1));
        assert_eq!(coordinator.finish(T1), pe(1000, 1));
        assert_eq!(coordinator.init_ok(T1, None), pe(1000, 2));
        assert_eq!(
            code(coordinator.end(T1, zombie, TransactionResult::Abort)),
            ErrorCode::ProducerFenced
        );
    }

    // TransactionCoordinatorTest.shouldNotCauseEpochOverflowWhenInitPidDuringOngoingTxnV2,
    // shouldRotateProducerIdWhenInitPidFencesOngoingTxnAtEpochOverflowBoundaryTV2.
    #[test]
    fn fence_at_epoch_32766_v2_reaches_32767_and_completes_on_a_new_producer_id() {
        let zombie = pe(1000, i16::MAX - 1);
        let mut coordinator =
            Coordinator::loaded(V2, vec![record(T1, zombie, Ongoing, &[("a", 0)], V2)]);
        let abort = fence_of(coordinator.init(T1, None));
        assert_eq!(abort.record().producer_epoch, ProducerEpoch(i16::MAX));
        assert_eq!(abort.transit.next_producer_id, ProducerId(2000));
        let job = markers_of(coordinator.write(&abort));
        assert_eq!(
            (job.producer_id, job.producer_epoch),
            (PID, ProducerEpoch(i16::MAX))
        );
        assert_eq!(coordinator.finish(T1), pe(2000, 0));
        // The zombie's own abort is taken as a retry across the overflow.
        assert_eq!(
            coordinator.end(T1, zombie, TransactionResult::Abort),
            Ok(EndTxnOutcome::Answered(pe(2000, 0)))
        );
    }

    // TransactionCoordinatorTest
    // .shouldNotRepeatedlyBumpEpochDueToInitPidDuringOngoingTxnIfAppendToLogFails.
    #[test]
    fn failed_fence_write_v1_does_not_raise_the_epoch_again() {
        let mut coordinator = Coordinator::new(V1);
        let zombie = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, zombie, &[("a", 0)]);
        let first = fence_of(coordinator.init(T1, None));
        coordinator.state.append_failed(&first).unwrap();
        let metadata = coordinator.md(T1);
        assert_eq!(
            (
                metadata.producer_epoch,
                metadata.has_failed_epoch_fence,
                metadata.pending_state
            ),
            (ProducerEpoch(1), true, None)
        );
        let second = fence_of(coordinator.init(T1, None));
        assert_eq!(second.transit.producer_epoch, ProducerEpoch(1));
        coordinator.write(&second);
        assert!(!coordinator.md(T1).has_failed_epoch_fence);
        coordinator.finish(T1);
        assert_eq!(coordinator.init_ok(T1, None), pe(1000, 2));
    }

    // TransactionCoordinatorTest.testTV2AllowsEpochReBumpingAfterFailedWrite.
    #[test]
    fn failed_fence_write_v2_leaves_the_epoch_so_the_next_fence_bumps_from_it() {
        let mut coordinator = Coordinator::new(V2);
        let zombie = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, zombie, &[("a", 0)]);
        let first = fence_of(coordinator.init(T1, None));
        coordinator.state.append_failed(&first).unwrap();
        let metadata = coordinator.md(T1);
        assert_eq!(
            (metadata.producer_epoch, metadata.has_failed_epoch_fence),
            (ProducerEpoch(0), false)
        );
        let second = fence_of(coordinator.init(T1, None));
        assert_eq!(second.transit.producer_epoch, ProducerEpoch(1));
    }

    // TransactionCoordinator.handleAddPartitionsToTransaction, Kafka 4.x order (rule C5).
    #[test]
    fn add_partitions_answers_concurrent_transactions_before_checking_producer_and_epoch() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        let Ok(EndTxnOutcome::Append(_)) = coordinator.end(T1, producer, TransactionResult::Commit)
        else {
            panic!("the decision is prepared");
        };
        for stranger in [pe(999, 0), pe(1000, 7)] {
            assert_eq!(
                code(coordinator.add(T1, stranger, &[("b", 0)])),
                ErrorCode::ConcurrentTransactions
            );
        }
    }

    // TransactionCoordinator.handleAddPartitionsToTransaction (rule C5).
    #[test]
    fn add_partitions_with_an_unknown_id_a_wrong_producer_id_or_epoch_is_refused() {
        let mut coordinator = Coordinator::new(V1);
        assert_eq!(
            code(coordinator.add("nobody", pe(1000, 0), &[("a", 0)])),
            ErrorCode::InvalidProducerIdMapping
        );
        coordinator.init_ok(T1, None);
        assert_eq!(
            code(coordinator.add(T1, pe(999, 0), &[("a", 0)])),
            ErrorCode::InvalidProducerIdMapping
        );
        let fenced = coordinator.add(T1, pe(1000, 1), &[("a", 0)]);
        assert_eq!(code(fenced.clone()), ErrorCode::ProducerFenced);
        let Err(error) = fenced else { unreachable!() };
        assert_eq!(
            error.to_string(),
            "transactional id `t1` has epoch 0 now (state Empty), so a request with epoch 1 comes from a fenced instance"
        );
    }

    // TransactionCoordinator.handleAddPartitionsToTransaction: PrepareCommit/PrepareAbort.
    #[test]
    fn add_partitions_to_a_decided_transaction_is_concurrent_transactions() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Commit);
        coordinator.stuck_in_prepare(T1);
        assert_eq!(coordinator.md(T1).pending_state, None);
        assert!(matches!(
            coordinator.add(T1, producer, &[("b", 0)]),
            Err(CoordinatorError::ConcurrentTransactions {
                state: PrepareCommit,
                pending_state: None,
                ..
            })
        ));
    }

    // TransactionCoordinator.handleAddPartitionsToTransaction: "if the partitions are already in
    // the metadata reply OK immediately".
    #[test]
    fn add_partitions_already_in_the_transaction_answers_none_without_a_write() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0), ("b", 0)]);
        let log_len = coordinator.log.len();
        assert_eq!(
            coordinator.add(T1, producer, &[("a", 0)]),
            Ok(AddPartitionsOutcome::AlreadyAdded)
        );
        assert_eq!(coordinator.md(T1).pending_state, None);
        assert_eq!(coordinator.log.len(), log_len);
        let Ok(AddPartitionsOutcome::Append(append)) =
            coordinator.add(T1, producer, &[("a", 0), ("c", 0)])
        else {
            panic!("a new partition is written");
        };
        assert_eq!(
            append.transit.topic_partitions,
            partitions(&[("a", 0), ("b", 0), ("c", 0)])
        );
    }

    // TransactionMetadata.prepareAddPartitions; ProducerConfig: "The start of the transaction is
    // set at the time that the first partition is added to it".
    // TransactionCoordinator.handleInitProducerId: validateTransactionTimeoutMs comes before the
    // transactional id gets any metadata.
    #[test]
    fn init_producer_id_above_the_max_timeout_is_invalid_transaction_timeout() {
        let mut coordinator = Coordinator::new(V1);
        coordinator.state = coordinator
            .state
            .clone()
            .with_max_timeout_ms(TIMEOUT_MS - 1);
        let error = coordinator.init(T1, None).unwrap_err();
        assert_eq!(error.error_code(), ErrorCode::InvalidTransactionTimeout);
        assert!(coordinator.state.metadata(T1).is_none());
        coordinator.state = coordinator.state.clone().with_max_timeout_ms(TIMEOUT_MS);
        coordinator.init_ok(T1, None);
    }

    #[test]
    fn transaction_starts_when_its_first_partition_is_added() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.now_ms = 5_000;
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.now_ms = 6_000;
        coordinator.add_ok(T1, producer, &[("b", 0)]);
        assert_eq!(coordinator.md(T1).txn_start_timestamp_ms, Some(5_000));
        coordinator.end_ok(T1, producer, TransactionResult::Commit);
        coordinator.finish(T1);
        coordinator.now_ms = 9_000;
        coordinator.add_ok(T1, producer, &[("c", 0)]);
        assert_eq!(coordinator.md(T1).txn_start_timestamp_ms, Some(9_000));
    }

    // Rule C8 and section 11: TransactionCoordinator.endTransactionWithTV1, sendTxnMarkersCallback,
    // TransactionMarkerChannelManager.maybeWriteTxnCompletion.
    #[test]
    fn commit_v1_writes_prepare_commit_then_markers_then_complete_commit_with_the_same_epoch() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0), ("b", 0)]);
        let job = coordinator.end_ok(T1, producer, TransactionResult::Commit);
        assert_eq!(
            job,
            MarkerJob {
                transactional_id: T1.to_owned(),
                result: TransactionResult::Commit,
                producer_id: PID,
                producer_epoch: ProducerEpoch(0),
                coordinator_epoch: 0,
                transaction_version: V1,
                partitions: partitions(&[("a", 0), ("b", 0)]),
                end_txn_answer: ProducerIdAndEpoch::NONE,
            }
        );
        let prepare = coordinator.log.last().unwrap();
        assert_eq!(
            (prepare.state, prepare.producer_epoch),
            (PrepareCommit, ProducerEpoch(0))
        );
        assert_eq!(coordinator.md(T1).pending_state, Some(CompleteCommit));
        assert_eq!(coordinator.finish(T1), pe(1000, 0));
        let complete = coordinator.log.last().unwrap();
        assert_eq!(
            (complete.state, complete.topic_partitions.len()),
            (CompleteCommit, 0)
        );
    }

    // Rule C8: CompleteCommit + COMMIT, CompleteAbort + ABORT.
    #[test]
    fn end_txn_v1_retried_after_completion_answers_none_without_a_write() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Abort);
        coordinator.finish(T1);
        let log_len = coordinator.log.len();
        assert_eq!(
            coordinator.end(T1, producer, TransactionResult::Abort),
            Ok(EndTxnOutcome::Answered(ProducerIdAndEpoch::NONE))
        );
        assert_eq!(coordinator.log.len(), log_len);
    }

    // Rule C8 step 4: any other combination is INVALID_TXN_STATE.
    #[test]
    fn end_txn_v1_that_does_not_fit_the_state_is_invalid_txn_state() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        for result in [TransactionResult::Commit, TransactionResult::Abort] {
            assert_eq!(
                code(coordinator.end(T1, producer, result)),
                ErrorCode::InvalidTxnState,
                "{result} from Empty"
            );
        }
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Commit);
        coordinator.finish(T1);
        assert_eq!(
            code(coordinator.end(T1, producer, TransactionResult::Abort)),
            ErrorCode::InvalidTxnState
        );
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Commit);
        coordinator.stuck_in_prepare(T1);
        assert_eq!(
            code(coordinator.end(T1, producer, TransactionResult::Abort)),
            ErrorCode::InvalidTxnState
        );
        assert_eq!(
            code(coordinator.end(T1, producer, TransactionResult::Commit)),
            ErrorCode::ConcurrentTransactions
        );
    }

    // Rule C8 step 2: a client's EndTxn needs exactly the current epoch.
    #[test]
    fn end_txn_v1_with_another_epoch_is_producer_fenced() {
        let mut coordinator = Coordinator::new(V1);
        let old = coordinator.init_ok(T1, None);
        let current = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, current, &[("a", 0)]);
        // The instance replaced by the second InitProducerId, and an epoch from nowhere.
        for claimed in [old, pe(1000, 2)] {
            assert_eq!(
                code(coordinator.end(T1, claimed, TransactionResult::Commit)),
                ErrorCode::ProducerFenced,
                "{claimed}"
            );
        }
        assert_eq!(
            code(coordinator.end(T1, pe(1001, 1), TransactionResult::Commit)),
            ErrorCode::InvalidProducerIdMapping
        );
    }

    // Rule C3: while the markers are in flight EndTxn gets CONCURRENT_TRANSACTIONS, with both
    // protocols (TransactionCoordinatorTest
    // .shouldReturnConcurrentTransactionsOnEndTxnRequestWhenStatusIsPrepareCommit).
    #[test]
    fn end_txn_while_markers_are_in_flight_is_concurrent_transactions() {
        for version in [V1, V2] {
            let mut coordinator = Coordinator::new(version);
            let producer = coordinator.init_ok(T1, None);
            coordinator.add_ok(T1, producer, &[("a", 0)]);
            coordinator.end_ok(T1, producer, TransactionResult::Commit);
            assert_eq!(
                code(coordinator.end(T1, producer, TransactionResult::Commit)),
                ErrorCode::ConcurrentTransactions,
                "{version:?}"
            );
        }
    }

    /// What one EndTxn gets in the rule C9 table.
    #[derive(Debug, PartialEq)]
    enum Cell {
        Error(ErrorCode),
        NoneWithoutWrite(ProducerIdAndEpoch),
        Writes(TransactionState, ProducerEpoch),
    }

    /// The four cells of a C9 row, each on a fresh coordinator at epoch 1: ABORT with the retry
    /// epoch 0, ABORT with the current epoch, COMMIT with the retry epoch, COMMIT current.
    fn c9_row(setup: fn() -> Coordinator) -> [Cell; 4] {
        let cell = |result, epoch| {
            let mut coordinator = setup();
            assert_eq!(coordinator.md(T1).producer_epoch, ProducerEpoch(1));
            match coordinator.end(T1, pe(1000, epoch), result) {
                Err(error) => Cell::Error(error.error_code()),
                Ok(EndTxnOutcome::Answered(producer)) => Cell::NoneWithoutWrite(producer),
                Ok(EndTxnOutcome::Append(append)) => {
                    Cell::Writes(append.transit.txn_state, append.transit.producer_epoch)
                }
            }
        };
        [
            cell(TransactionResult::Abort, 0),
            cell(TransactionResult::Abort, 1),
            cell(TransactionResult::Commit, 0),
            cell(TransactionResult::Commit, 1),
        ]
    }

    fn v2_empty() -> Coordinator {
        let mut coordinator = Coordinator::new(V2);
        coordinator.init_ok(T1, None);
        coordinator.init_ok(T1, None);
        coordinator
    }

    fn v2_ongoing() -> Coordinator {
        let mut coordinator = v2_empty();
        coordinator.add_ok(T1, pe(1000, 1), &[("a", 0)]);
        coordinator
    }

    fn v2_decided(result: TransactionResult) -> Coordinator {
        let mut coordinator = Coordinator::new(V2);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, result);
        coordinator
    }

    fn v2_complete_commit() -> Coordinator {
        let mut coordinator = v2_decided(TransactionResult::Commit);
        coordinator.finish(T1);
        coordinator
    }

    fn v2_complete_abort() -> Coordinator {
        let mut coordinator = v2_decided(TransactionResult::Abort);
        coordinator.finish(T1);
        coordinator
    }

    fn v2_prepare_commit() -> Coordinator {
        let mut coordinator = v2_decided(TransactionResult::Commit);
        coordinator.stuck_in_prepare(T1);
        coordinator
    }

    fn v2_prepare_abort() -> Coordinator {
        let mut coordinator = v2_decided(TransactionResult::Abort);
        coordinator.stuck_in_prepare(T1);
        coordinator
    }

    const FENCED: Cell = Cell::Error(ErrorCode::ProducerFenced);
    const INVALID: Cell = Cell::Error(ErrorCode::InvalidTxnState);
    const CONCURRENT: Cell = Cell::Error(ErrorCode::ConcurrentTransactions);

    // Rule C9, row Empty: TransactionCoordinatorTest.TestEndTxnRequestWhenEmptyTransactionState
    // ForAbortInV2, ...ForCommitInV2.
    #[test]
    fn end_txn_v2_in_empty_aborts_with_a_bump_and_refuses_the_rest() {
        assert_eq!(
            c9_row(v2_empty),
            [
                FENCED,
                Cell::Writes(PrepareAbort, ProducerEpoch(2)),
                FENCED,
                INVALID
            ]
        );
    }

    // Rule C9, row CompleteAbort: TransactionCoordinatorTest
    // .shouldReturnOkOnEndTxnWhenStatusIsCompleteAbortAndResultIsAbortInV2.
    #[test]
    fn end_txn_v2_in_complete_abort_answers_a_retried_abort_with_the_current_epoch() {
        assert_eq!(
            c9_row(v2_complete_abort),
            [
                Cell::NoneWithoutWrite(pe(1000, 1)),
                Cell::Writes(PrepareAbort, ProducerEpoch(2)),
                INVALID,
                INVALID
            ]
        );
    }

    // Rule C9, row CompleteCommit: TransactionCoordinatorTest
    // .testEndTxnWhenStatusIsCompleteCommitAndResultIsCommitInV2,
    // testEndTxnRequestWhenStatusIsCompleteCommitAndResultIsAbortInV2.
    #[test]
    fn end_txn_v2_in_complete_commit_answers_a_retried_commit_with_the_current_epoch() {
        assert_eq!(
            c9_row(v2_complete_commit),
            [
                INVALID,
                Cell::Writes(PrepareAbort, ProducerEpoch(2)),
                Cell::NoneWithoutWrite(pe(1000, 1)),
                INVALID
            ]
        );
    }

    // Rule C9, row Ongoing: the current epoch only, bumped by the decision.
    #[test]
    fn end_txn_v2_in_ongoing_decides_with_a_bump_and_fences_older_epochs() {
        assert_eq!(
            c9_row(v2_ongoing),
            [
                FENCED,
                Cell::Writes(PrepareAbort, ProducerEpoch(2)),
                FENCED,
                Cell::Writes(PrepareCommit, ProducerEpoch(2))
            ]
        );
    }

    // Rule C9, row PrepareCommit (no transition pending), as in Kafka 4.2's
    // TransactionCoordinatorTest.shouldReturnInvalidTxnRequestOnEndTxnV2IfNotEndTxnV2Retry; later
    // upstream code answers CONCURRENT_TRANSACTIONS in every Prepare cell.
    #[test]
    fn end_txn_v2_in_prepare_commit_answers_only_a_retried_commit_with_concurrent_transactions() {
        assert_eq!(
            c9_row(v2_prepare_commit),
            [INVALID, FENCED, CONCURRENT, FENCED]
        );
    }

    // Rule C9, row PrepareAbort (no transition pending).
    #[test]
    fn end_txn_v2_in_prepare_abort_answers_only_a_retried_abort_with_concurrent_transactions() {
        assert_eq!(
            c9_row(v2_prepare_abort),
            [CONCURRENT, FENCED, INVALID, FENCED]
        );
    }

    // Rule S4.1 / C9: every EndTxn bumps the epoch with transaction v2, never with v1.
    #[test]
    fn every_end_txn_bumps_the_epoch_with_v2_and_none_does_with_v1() {
        for (version, epochs) in [(V1, [0, 0, 0]), (V2, [1, 2, 3])] {
            let mut coordinator = Coordinator::new(version);
            let mut producer = coordinator.init_ok(T1, None);
            let mut seen = Vec::new();
            for result in [
                TransactionResult::Commit,
                TransactionResult::Abort,
                TransactionResult::Commit,
            ] {
                coordinator.add_ok(T1, producer, &[("a", 0)]);
                let job = coordinator.end_ok(T1, producer, result);
                seen.push(job.producer_epoch.0);
                let completed = coordinator.finish(T1);
                if version == V2 {
                    assert_eq!(job.end_txn_answer, completed, "the client learns its epoch");
                    producer = completed;
                }
            }
            assert_eq!(seen, epochs, "{version:?}");
        }
    }

    // TransactionCoordinatorTest.shouldReturnOkOnEndTxnV2IfEndTxnV2RetryEpochOverflow; rule C9
    // overflow.
    #[test]
    fn end_txn_v2_at_epoch_32766_moves_to_the_next_producer_id_and_recognises_its_retry() {
        let old = pe(1000, i16::MAX - 1);
        let mut coordinator =
            Coordinator::loaded(V2, vec![record(T1, old, Ongoing, &[("a", 0)], V2)]);
        let job = coordinator.end_ok(T1, old, TransactionResult::Commit);
        assert_eq!(
            (job.producer_id, job.producer_epoch, job.end_txn_answer),
            (PID, ProducerEpoch(i16::MAX), pe(2000, 0))
        );
        assert_eq!(
            code(coordinator.end(T1, old, TransactionResult::Commit)),
            ErrorCode::ConcurrentTransactions
        );
        assert_eq!(coordinator.finish(T1), pe(2000, 0));
        assert_eq!(
            coordinator.end(T1, old, TransactionResult::Commit),
            Ok(EndTxnOutcome::Answered(pe(2000, 0)))
        );
        coordinator.add_ok(T1, pe(2000, 0), &[("b", 0)]);
    }

    // TransactionMarkerRequestCompletionHandler → TransactionMetadata.removePartition;
    // TransactionMarkerChannelManager.maybeWriteTxnCompletion.
    #[test]
    fn markers_acknowledged_one_by_one_give_the_complete_record_after_the_last() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0), ("b", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Commit);
        let a = TopicPartition::new("a", 0);
        let b = TopicPartition::new("b", 0);
        assert_eq!(coordinator.state.marker_written(T1, &a), Ok(None));
        assert_eq!(coordinator.md(T1).topic_partitions, partitions(&[("b", 0)]));
        assert_eq!(coordinator.state.marker_written(T1, &a), Ok(None));
        let complete = coordinator
            .state
            .marker_written(T1, &b)
            .unwrap()
            .expect("the last marker completes the transaction");
        assert_eq!(complete.transit.txn_state, CompleteCommit);
        assert_eq!(
            coordinator.write(&complete),
            AfterAppend::TransactionCompleted {
                result: TransactionResult::Commit,
                producer: pe(1000, 0)
            }
        );
    }

    // TransactionMetadata.removePartition: markers only while a decision awaits them.
    #[test]
    fn markers_for_a_transaction_that_awaits_none_are_refused() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        let a = TopicPartition::new("a", 0);
        assert!(matches!(
            coordinator.state.marker_written(T1, &a),
            Err(TransitionError::NotPreparing { state: Ongoing, .. })
        ));
        assert!(matches!(
            coordinator.state.markers_complete(T1),
            Err(TransitionError::NotPreparing { state: Ongoing, .. })
        ));
        assert!(matches!(
            coordinator.state.markers_complete("nobody"),
            Err(TransitionError::UnknownTransactionalId { .. })
        ));
        assert_eq!(coordinator.md(T1).topic_partitions, partitions(&[("a", 0)]));
    }

    // Rule C4/S4.3: TransactionsTest.testEmptyAbortAfterCommit; TransactionMetadata
    // .prepareAbortOrCommit with noPartitionAdded.
    #[test]
    fn empty_abort_v2_starts_now_has_no_markers_and_completes_at_once() {
        let mut coordinator = Coordinator::new(V2);
        let producer = coordinator.init_ok(T1, None);
        coordinator.now_ms = 7_000;
        let job = coordinator.end_ok(T1, producer, TransactionResult::Abort);
        let prepare = coordinator.log.last().unwrap();
        assert_eq!(
            (
                prepare.state,
                prepare.producer_epoch,
                prepare.txn_start_timestamp_ms
            ),
            (PrepareAbort, ProducerEpoch(1), Some(7_000))
        );
        assert!(job.partitions.is_empty());
        assert_eq!(coordinator.finish(T1), pe(1000, 1));
        assert_eq!(coordinator.md(T1).state, CompleteAbort);
    }

    // TransactionStateManagerTest.shouldOnlyConsiderTransactionsInTheOngoingStateToAbort.
    #[test]
    fn only_ongoing_transactions_time_out() {
        let records = [
            Empty,
            Ongoing,
            PrepareCommit,
            PrepareAbort,
            CompleteCommit,
            CompleteAbort,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, state)| {
            let list: &[(&str, u32)] = if state == Empty { &[] } else { &[("a", 0)] };
            record(state.name(), pe(1000 + i as i64, 0), state, list, V1)
        })
        .collect();
        let coordinator = Coordinator::loaded(V1, records);
        assert_eq!(coordinator.state.timed_out(10_000_000), vec!["Ongoing"]);
    }

    // TransactionStateManagerTest
    // .shouldNotAbortExpiredTransactionsThatHaveAPendingStateTransition.
    #[test]
    fn expired_transaction_with_a_pending_transition_is_left_alone() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        let Ok(AddPartitionsOutcome::Append(append)) = coordinator.add(T1, producer, &[("b", 0)])
        else {
            panic!("a new partition is written");
        };
        coordinator.now_ms = 1_000 + TIMEOUT_MS + 1;
        assert!(coordinator.state.timed_out(coordinator.now_ms).is_empty());
        assert_eq!(
            code(coordinator.fence(T1)),
            ErrorCode::ConcurrentTransactions
        );
        coordinator.write(&append);
        assert_eq!(coordinator.state.timed_out(coordinator.now_ms), vec![T1]);
    }

    // TransactionStateManager.timedOutTransactions: txnStartTimestamp + txnTimeoutMs < now.
    #[test]
    fn transaction_times_out_only_once_start_plus_timeout_has_passed() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        assert!(coordinator.state.timed_out(1_000 + TIMEOUT_MS).is_empty());
        assert_eq!(
            coordinator.state.timed_out(1_000 + TIMEOUT_MS + 1),
            vec![T1]
        );
    }

    // The deadline the lab shows is the one the timeout check uses.
    #[test]
    fn an_open_transaction_times_out_after_its_start_plus_its_timeout() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        let metadata = |c: &Coordinator| c.state.metadata(T1).expect("known").clone();
        assert_eq!(metadata(&coordinator).times_out_after_ms(), None, "Empty");
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        let open = metadata(&coordinator);
        let start = open.txn_start_timestamp_ms.expect("started");
        assert_eq!(open.times_out_after_ms(), Some(start + TIMEOUT_MS));
        assert!(coordinator.state.timed_out(start + TIMEOUT_MS).is_empty());
        assert_eq!(
            coordinator.state.timed_out(start + TIMEOUT_MS + 1),
            vec![T1]
        );
    }

    // TransactionStateManager.timedOutTransactions: KIP-939 transactions are never timed out.
    #[test]
    fn two_phase_commit_transactions_never_time_out() {
        let open = TransactionLogRecord {
            txn_timeout_ms: TWO_PHASE_COMMIT_TIMEOUT_MS,
            ..record(T1, pe(1000, 0), Ongoing, &[("a", 0)], V1)
        };
        let coordinator = Coordinator::loaded(V1, vec![open]);
        assert!(coordinator.state.timed_out(u64::MAX).is_empty());
    }

    // Rules C10 and C11, transaction v1: TransactionCoordinator.abortTimedOutTransactions.
    #[test]
    fn timeout_abort_v1_fences_the_producer_for_good() {
        let mut coordinator = Coordinator::new(V1);
        let zombie = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, zombie, &[("a", 0)]);
        coordinator.now_ms = 70_000;
        assert_eq!(coordinator.state.timed_out(coordinator.now_ms), vec![T1]);
        let abort = coordinator.fence(T1).unwrap();
        assert_eq!(
            (abort.transit.txn_state, abort.transit.producer_epoch),
            (PrepareAbort, ProducerEpoch(1))
        );
        coordinator.write(&abort);
        assert_eq!(coordinator.finish(T1), pe(1000, 1));
        assert_eq!(
            code(coordinator.end(T1, zombie, TransactionResult::Commit)),
            ErrorCode::ProducerFenced
        );
        assert_eq!(
            code(coordinator.add(T1, zombie, &[("a", 0)])),
            ErrorCode::ProducerFenced
        );
    }

    // Rules C10 and C11, transaction v2: the timed-out producer's abort is a retry, its commit is
    // refused.
    #[test]
    fn timeout_abort_v2_lets_the_producer_abort_again_but_not_commit() {
        let mut coordinator = Coordinator::new(V2);
        let zombie = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, zombie, &[("a", 0)]);
        coordinator.now_ms = 70_000;
        let abort = coordinator.fence(T1).unwrap();
        coordinator.write(&abort);
        assert_eq!(coordinator.finish(T1), pe(1000, 1));
        assert_eq!(
            code(coordinator.end(T1, zombie, TransactionResult::Commit)),
            ErrorCode::InvalidTxnState
        );
        assert_eq!(
            coordinator.end(T1, zombie, TransactionResult::Abort),
            Ok(EndTxnOutcome::Answered(pe(1000, 1)))
        );
    }

    // TransactionStateManagerTest.shouldWriteTxnMarkersForTransactionInPreparedCommitState; rule
    // C12: a crash between PrepareCommit and CompleteCommit.
    #[test]
    fn reloaded_prepare_commit_has_its_commit_markers_written_again() {
        let mut old = Coordinator::new(V1);
        let producer = old.init_ok(T1, None);
        old.add_ok(T1, producer, &[("a", 0), ("b", 0)]);
        old.end_ok(T1, producer, TransactionResult::Commit);
        let (mut new, jobs) = old.reloaded(1);
        assert_eq!(
            jobs,
            vec![MarkerJob {
                transactional_id: T1.to_owned(),
                result: TransactionResult::Commit,
                producer_id: PID,
                producer_epoch: ProducerEpoch(0),
                coordinator_epoch: 1,
                transaction_version: V1,
                partitions: partitions(&[("a", 0), ("b", 0)]),
                end_txn_answer: ProducerIdAndEpoch::NONE,
            }]
        );
        assert_eq!(code(new.init(T1, None)), ErrorCode::ConcurrentTransactions);
        // The old coordinator's Complete record is not the new one's to apply.
        let stale = old.state.markers_complete(T1).unwrap();
        assert!(matches!(
            new.state.complete_transition(&stale, new.now_ms),
            Err(TransitionError::StaleCoordinatorEpoch {
                coordinator_epoch: 0,
                current_coordinator_epoch: 1,
                ..
            })
        ));
        assert_eq!(new.finish(T1), pe(1000, 0));
        assert_eq!(new.md(T1).state, CompleteCommit);
    }

    // TransactionStateManagerTest.shouldWriteTxnMarkersForTransactionInPreparedAbortState.
    #[test]
    fn reloaded_prepare_abort_has_its_abort_markers_written_again() {
        let mut old = Coordinator::new(V2);
        let producer = old.init_ok(T1, None);
        old.add_ok(T1, producer, &[("a", 0)]);
        old.now_ms = 70_000;
        let abort = old.fence(T1).unwrap();
        old.write(&abort);
        let (_, jobs) = old.reloaded(1);
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            (
                jobs[0].result,
                jobs[0].producer_epoch,
                jobs[0].partitions.clone()
            ),
            (
                TransactionResult::Abort,
                ProducerEpoch(1),
                partitions(&[("a", 0)])
            )
        );
    }

    // TransactionStateManagerTest.testLoadAndRemoveTransactionsForPartition: the last record of
    // each id wins; an open transaction stays open and can still time out.
    #[test]
    fn reload_keeps_the_last_record_of_each_transactional_id() {
        let mut coordinator = Coordinator::new(V1);
        let one = coordinator.init_ok(T1, None);
        coordinator.add_ok(T1, one, &[("a", 0)]);
        coordinator.end_ok(T1, one, TransactionResult::Commit);
        coordinator.finish(T1);
        let two = coordinator.init_ok("t2", None);
        coordinator.add_ok("t2", two, &[("b", 0)]);
        let (reloaded, jobs) = coordinator.reloaded(1);
        assert!(jobs.is_empty());
        let t1 = reloaded.md(T1);
        assert_eq!(
            (t1.state, t1.producer(), t1.topic_partitions.len()),
            (CompleteCommit, pe(1000, 0), 0)
        );
        let t2 = reloaded.md("t2");
        assert_eq!(
            (t2.state, t2.producer(), t2.topic_partitions.clone()),
            (Ongoing, pe(1001, 0), partitions(&[("b", 0)]))
        );
        assert_eq!(reloaded.state.timed_out(1_000 + TIMEOUT_MS + 1), vec!["t2"]);
    }

    #[test]
    fn every_rejection_names_its_kafka_error_in_one_sentence() {
        let mut coordinator = Coordinator::new(V1);
        let producer = coordinator.init_ok(T1, None);
        let mut rejections = vec![
            coordinator.add("t9", producer, &[("a", 0)]).unwrap_err(),
            coordinator.add(T1, pe(999, 0), &[("a", 0)]).unwrap_err(),
            coordinator.add(T1, pe(1000, 3), &[("a", 0)]).unwrap_err(),
            coordinator.init(T1, Some(pe(999, 0))).unwrap_err(),
            coordinator
                .end(T1, producer, TransactionResult::Commit)
                .unwrap_err(),
        ];
        coordinator.add_ok(T1, producer, &[("a", 0)]);
        coordinator.end_ok(T1, producer, TransactionResult::Abort);
        rejections.push(coordinator.init(T1, None).unwrap_err());
        coordinator.stuck_in_prepare(T1);
        rejections.push(coordinator.init(T1, None).unwrap_err());
        let mut metadata = coordinator.md(T1).clone();
        rejections.push(CoordinatorError::from(
            metadata
                .prepare_add_partitions(&partitions(&[("b", 0)]), 1_000, V1)
                .unwrap_err(),
        ));
        let codes: Vec<ErrorCode> = rejections
            .iter()
            .map(CoordinatorError::error_code)
            .collect();
        assert_eq!(
            codes,
            vec![
                ErrorCode::InvalidProducerIdMapping,
                ErrorCode::InvalidProducerIdMapping,
                ErrorCode::ProducerFenced,
                ErrorCode::ProducerFenced,
                ErrorCode::InvalidTxnState,
                ErrorCode::ConcurrentTransactions,
                ErrorCode::ConcurrentTransactions,
                ErrorCode::InvalidTxnState,
            ]
        );
        rejections.push(CoordinatorError::EmptyTransactionalId);
        for rejection in &rejections {
            let text = rejection.to_string();
            assert!(
                text.contains("`t") || *rejection == CoordinatorError::EmptyTransactionalId,
                "names the transactional id: {text}"
            );
            assert!(
                !text.contains(". ") && !text.ends_with('.'),
                "one sentence without a stop: {text}"
            );
            assert!(
                text.starts_with(|c: char| c.is_lowercase()),
                "embeddable: {text}"
            );
        }
        assert_eq!(
            rejections[3].to_string(),
            "transactional id `t1` has producer id 1000 epoch 0 now, so an InitProducerId that expects producer id 999 epoch 0 comes from a fenced instance"
        );
    }

    /// Random requests, writes, failed writes, markers and timeouts on two transactional ids,
    /// with both protocols, driven by the simulation's seeded generator: nothing panics, every
    /// write the coordinator asked for applies once durable, every applied state follows its
    /// predecessor in Kafka's table, and a coordinator rebuilt from the log agrees with the live
    /// one on every settled id.
    #[test]
    fn random_runs_follow_the_state_table_and_reload_to_the_same_state() {
        let ids = ["t1", "t2"];
        let all = [("a", 0), ("b", 0), ("c", 1)];
        for seed in 0..300 {
            let mut rng = SimRng::new(seed);
            let version = if seed % 2 == 0 { V1 } else { V2 };
            let mut coordinator = Coordinator::new(version);
            let mut known: BTreeMap<&str, ProducerIdAndEpoch> = BTreeMap::new();
            let mut in_flight: Vec<TxnLogAppend> = Vec::new();
            for _ in 0..80 {
                coordinator.now_ms += rng.below(25_000);
                let id = ids[rng.below(2) as usize];
                let mut claimed = known.get(id).copied().unwrap_or(pe(1000, 0));
                if rng.below(4) == 0 {
                    claimed.producer_epoch =
                        ProducerEpoch(claimed.producer_epoch.0 + rng.below(3) as i16 - 1);
                }
                let result = if rng.below(2) == 0 {
                    TransactionResult::Commit
                } else {
                    TransactionResult::Abort
                };
                match rng.below(10) {
                    0 => {
                        let expected = (rng.below(2) == 0).then_some(claimed);
                        if let Ok(
                            InitProducerIdOutcome::Append(append)
                            | InitProducerIdOutcome::FenceOngoing(append),
                        ) = coordinator.init(id, expected)
                        {
                            in_flight.push(append);
                        }
                    }
                    1 => {
                        let list: Vec<(&str, u32)> =
                            all.into_iter().filter(|_| rng.below(2) == 0).collect();
                        if let Ok(AddPartitionsOutcome::Append(append)) =
                            coordinator.add(id, claimed, &list)
                        {
                            in_flight.push(append);
                        }
                    }
                    2 => match coordinator.end(id, claimed, result) {
                        Ok(EndTxnOutcome::Append(append)) => in_flight.push(append),
                        Ok(EndTxnOutcome::Answered(producer)) if version == V2 => {
                            known.insert(id, producer);
                        }
                        _ => {}
                    },
                    3..=5 if !in_flight.is_empty() => {
                        let append = in_flight.remove(rng.below(in_flight.len() as u64) as usize);
                        let id = ids
                            .into_iter()
                            .find(|id| *id == append.transactional_id)
                            .unwrap();
                        let before = coordinator.md(id).state;
                        let after = coordinator.write(&append);
                        let now = coordinator.md(id).state;
                        assert!(
                            now.valid_previous_states().contains(&before),
                            "seed {seed}: {before} -> {now}"
                        );
                        match after {
                            AfterAppend::ProducerIdReady(producer) => {
                                known.insert(id, producer);
                            }
                            AfterAppend::WriteMarkers(job) if version == V2 => {
                                known.insert(id, job.end_txn_answer);
                            }
                            _ => {}
                        }
                    }
                    6 if !in_flight.is_empty() => {
                        let append = in_flight.remove(rng.below(in_flight.len() as u64) as usize);
                        coordinator.state.append_failed(&append).unwrap();
                    }
                    7 => {
                        let partition = TopicPartition::new(all[rng.below(3) as usize].0, 0);
                        if let Ok(Some(append)) = coordinator.state.marker_written(id, &partition) {
                            in_flight.push(append);
                        }
                    }
                    8 => {
                        if let Ok(append) = coordinator.state.markers_complete(id) {
                            in_flight.push(append);
                        }
                    }
                    _ => {
                        for timed_out in coordinator.state.timed_out(coordinator.now_ms) {
                            if let Ok(append) = coordinator.fence(&timed_out) {
                                in_flight.push(append);
                            }
                        }
                    }
                }
            }
            let (reloaded, _) = coordinator.reloaded(1);
            for live in coordinator.state.transactions() {
                if live.pending_state.is_some()
                    || live.has_failed_epoch_fence
                    || live.producer_epoch == ProducerEpoch::NONE
                {
                    continue;
                }
                let back = reloaded.md(&live.transactional_id);
                assert_eq!(
                    (
                        back.state,
                        back.producer(),
                        back.txn_start_timestamp_ms,
                        back.txn_timeout_ms
                    ),
                    (
                        live.state,
                        live.producer(),
                        live.txn_start_timestamp_ms,
                        live.txn_timeout_ms
                    ),
                    "seed {seed}: {}",
                    live.transactional_id
                );
                if !live.state.is_prepare() {
                    assert_eq!(back.topic_partitions, live.topic_partitions, "seed {seed}");
                }
            }
        }
    }

    // TransactionStateManager.shouldExpire: only Empty, CompleteCommit and CompleteAbort expire,
    // once last updated at least transactional.id.expiration.ms ago; an open transaction never.
    #[test]
    fn only_idle_ids_in_an_expirable_state_expire() {
        let mut c = Coordinator::new(TransactionVersion::V1);
        c.state = c.state.clone().with_transactional_id_expiration_ms(10_000);
        let idle = c.init_ok("idle", None);
        let busy = c.init_ok("busy", None);
        c.add_ok("busy", busy, &[("payments", 0)]);
        assert!(c.state.expired(10_999).is_empty(), "not yet 10 s idle");
        assert_eq!(c.state.expired(11_000), vec!["idle".to_owned()]);
        let tombstone = c.state.prepare_dead("idle").expect("Empty may expire");
        assert_eq!(tombstone.record().state, Dead);
        assert!(
            c.state.expired(11_000).is_empty(),
            "a pending Dead is not expired twice"
        );
        c.state
            .remove_dead(&tombstone)
            .expect("the tombstone is durable");
        assert!(c.state.metadata("idle").is_none());
        // The id starts over: a new producer id at epoch 0, and the former one is fenced.
        let again = c.init_ok("idle", None);
        assert_eq!(again, pe(1002, 0));
        assert_eq!(code(c.init("idle", Some(idle))), ErrorCode::ProducerFenced);
    }
}
