//! A partition replica's memory of each producer: what lets a broker recognise a retried batch,
//! reject a batch that is out of order or from a fenced epoch, and know which transactions are
//! still open. Follows Kafka's `ProducerStateManager`, `ProducerAppendInfo`,
//! `ProducerStateEntry` and `BatchMetadata` (package `org.apache.kafka.storage.internals.log`).
//!
//! What one partition replica keeps:
//!
//! ```text
//!  ProducerStateManager (one per partition replica)
//!  |
//!  +-- producers: producer id -> ProducerStateEntry
//!  |     producer 1000: epoch 0, coordinator epoch -1, last write at 1200 ms,
//!  |                    open transaction since offset 11 (or none)
//!  |       last 5 batches, oldest first (a 6th pushes out the oldest):
//!  |       +----------+----------+----------+----------+------------+
//!  |       | seq 0..1 | seq 2..2 | seq 3..5 | seq 6..6 | seq 7..8   |
//!  |       | off 0..1 | off 3..3 | off 4..6 | off 9..9 | off 11..12 |
//!  |       +----------+----------+----------+----------+------------+
//!  |
//!  +-- ongoing txns:      first offset -> producer id          (undecided)
//!  +-- unreplicated txns: first offset -> (producer id, marker offset)
//!                         (decided, but the marker is not yet below the high watermark)
//! ```
//!
//! The broker asks first (`check_data_batch`, `check_marker`: no change) and records after the
//! log append (`on_data_batch_appended`, `on_marker_appended`), as Kafka validates a whole append
//! before it writes anything.
//!
//! Simplifications, each a modelling choice:
//! - One batch per produce request and partition (Kafka's client sends one; `ProducerAppendInfo`
//!   can validate several).
//! - Transaction verification (KIP-890 part 1) is asked by the world before the append, as an
//!   instant question to the coordinator, and only its transaction version reaches the check
//!   (`VerificationStateEntry.supportsEpochBump`, rule B5.2); the guard and its lowest-sequence
//!   check (rules V2's race and V4, B5.1 of `kafka-rules.md`) are not modelled here.
//! - Markers are checked by the transaction version they carry, as from Kafka 4.2 (KIP-1228):
//!   version 2 needs `marker epoch > stored epoch`, version 0/1 `>=` (every marker before 4.2).
//! - A restart replays the whole log ([`ProducerStateManager::rebuild`]). Kafka starts from its
//!   latest snapshot, which keeps only each producer's last batch, and replays the log after it;
//!   so after a clean shutdown Kafka may remember fewer than 5 batches per producer.
//! - Time is the batch's append time (`timestamp_ms`), not the producer's record timestamps.

use crate::broker::batch::{ControlKind, ProducedBatch, Record, StoredBatch};
use crate::error_code::ErrorCode;
use crate::ids::{Offset, ProducerEpoch, ProducerId, Sequence, TransactionVersion};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;

/// How many batches' metadata a partition keeps per producer (`ProducerStateEntry`). The
/// producer's `max.in.flight.requests.per.connection` may not exceed it with idempotence on.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// Kafka's `coordinatorEpoch` before any marker was seen (`ProducerStateEntry.empty`).
const NO_COORDINATOR_EPOCH: i32 = -1;

/// What a partition remembers of one appended batch (`BatchMetadata`): enough to answer a retry
/// with the original offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchMetadata {
    pub first_seq: Sequence,
    pub last_seq: Sequence,
    pub first_offset: Offset,
    pub last_offset: Offset,
    pub timestamp_ms: u64,
}

impl BatchMetadata {
    fn of(batch: &StoredBatch) -> Self {
        Self {
            first_seq: batch.stamp.base_sequence,
            last_seq: batch.last_sequence(),
            first_offset: batch.base_offset,
            last_offset: batch.last_offset(),
            timestamp_ms: batch.timestamp_ms,
        }
    }
}

/// One producer's state on one partition (`ProducerStateEntry`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStateEntry {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    /// The coordinator epoch of the last transaction marker, -1 before any.
    pub coordinator_epoch: i32,
    pub last_timestamp_ms: u64,
    /// The first offset of this producer's open transaction on this partition, if one is open.
    pub current_txn_first_offset: Option<Offset>,
    batch_metadata: VecDeque<BatchMetadata>,
}

impl ProducerStateEntry {
    // ProducerStateEntry.empty: no epoch, no coordinator epoch, no batches.
    fn empty(producer_id: ProducerId) -> Self {
        Self {
            producer_id,
            producer_epoch: ProducerEpoch::NONE,
            coordinator_epoch: NO_COORDINATOR_EPOCH,
            last_timestamp_ms: 0,
            current_txn_first_offset: None,
            batch_metadata: VecDeque::with_capacity(NUM_BATCHES_TO_RETAIN),
        }
    }

    /// The retained batches of the current epoch, oldest first; at most
    /// [`NUM_BATCHES_TO_RETAIN`].
    pub fn batch_metadata(&self) -> &VecDeque<BatchMetadata> {
        &self.batch_metadata
    }

    /// The first sequence of the oldest retained batch, or `Sequence::NONE` if none is retained.
    pub fn first_seq(&self) -> Sequence {
        self.batch_metadata
            .front()
            .map_or(Sequence::NONE, |b| b.first_seq)
    }

    /// The last sequence written in the current epoch, or `Sequence::NONE` if none is retained.
    pub fn last_seq(&self) -> Sequence {
        self.batch_metadata
            .back()
            .map_or(Sequence::NONE, |b| b.last_seq)
    }

    // ProducerStateEntry.maybeUpdateProducerEpoch: a new epoch forgets the old epoch's batches.
    fn maybe_update_producer_epoch(&mut self, producer_epoch: ProducerEpoch) {
        if self.producer_epoch != producer_epoch {
            self.batch_metadata.clear();
            self.producer_epoch = producer_epoch;
        }
    }

    // ProducerStateEntry.addBatchMetadata: at capacity, the oldest batch makes room.
    fn add_batch_metadata(&mut self, batch: BatchMetadata) {
        if self.batch_metadata.len() >= NUM_BATCHES_TO_RETAIN {
            self.batch_metadata.pop_front();
        }
        self.batch_metadata.push_back(batch);
    }

    // ProducerStateEntry.findDuplicateBatch: same epoch and exactly the same sequence range.
    fn find_duplicate_batch(
        &self,
        epoch: ProducerEpoch,
        first_seq: Sequence,
        last_seq: Sequence,
    ) -> Option<BatchMetadata> {
        if epoch != self.producer_epoch {
            return None;
        }
        self.batch_metadata
            .iter()
            .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
            .copied()
    }
}

/// Who is appending, which decides how much is checked (`AppendOrigin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppendOrigin {
    /// A producer's Produce request to the leader: epoch, sequence and duplicate checks.
    Client,
    /// A coordinator's own write (transaction markers, transactional offset commits): epoch
    /// check only.
    Coordinator,
    /// A follower copying the leader's log, or a broker replaying its log: nothing is rejected,
    /// the leader already checked.
    Replication,
}

/// The broker's decision on a data batch that passed every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataBatchVerdict {
    /// Write it.
    Append,
    /// A retry of a batch already written: answer with the original offsets, write nothing
    /// (`UnifiedLog.append`, "Duplicate batch detected").
    Duplicate(BatchMetadata),
}

/// How an out-of-order batch relates to what the producer already wrote; all of them are
/// `OUT_OF_ORDER_SEQUENCE_NUMBER` to Kafka, the distinction is for the explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutOfOrderKind {
    /// The batch starts after the next expected sequence: something in between is missing.
    Gap,
    /// The batch overlaps sequences already written without matching a retained batch exactly.
    PartialOverlap,
    /// The batch starts before the oldest retained batch: too old to be recognised as a retry.
    OlderThanRetained { oldest_retained_seq: Sequence },
    /// No batch of this epoch is retained (a transaction marker set the epoch), so the next
    /// batch must start at 0.
    NoBatchInEpoch,
}

/// Why a partition refuses a batch or a marker. Each maps to the error Kafka answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// A client batch with a producer id but no sequence (`LogValidator.validateBatch`).
    MissingSequence {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        base_sequence: Sequence,
    },
    /// A data batch from an epoch older than the partition has seen
    /// (`ProducerAppendInfo.checkProducerEpoch`).
    StaleEpoch {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        current_epoch: ProducerEpoch,
    },
    /// A marker with a producer epoch older than the partition has seen, or under transaction
    /// version 2 not newer (`ProducerAppendInfo.appendEndTxnMarker` -> `checkProducerEpoch`).
    StaleMarkerEpoch {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        current_epoch: ProducerEpoch,
        transaction_version: TransactionVersion,
    },
    /// Under transaction protocol V2, a producer's first transactional batch on a partition
    /// that holds none of its batches does not start at sequence 0
    /// (`ProducerAppendInfo.checkSequence`, KAFKA-18202).
    FirstTransactionV2WriteNotFromZero {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        first_seq: Sequence,
    },
    /// The first batch of a new epoch does not start at sequence 0
    /// (`ProducerAppendInfo.checkSequence`).
    NewEpochNotFromZero {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        previous_epoch: ProducerEpoch,
        first_seq: Sequence,
    },
    /// The batch does not follow the producer's last written sequence and is not an exact retry
    /// (`ProducerAppendInfo.checkSequence`).
    OutOfOrderSequence {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        /// The last sequence written in this epoch (`Sequence::NONE` if none is retained).
        last_seq: Sequence,
        first_seq: Sequence,
        batch_last_seq: Sequence,
        kind: OutOfOrderKind,
    },
    /// A non-transactional batch while the producer has a transaction open on this partition
    /// (`ProducerAppendInfo.appendDataBatch`).
    NonTransactionalDuringTxn {
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        txn_first_offset: Offset,
    },
    /// A marker from a coordinator older than one this partition already heard from
    /// (`ProducerAppendInfo.checkCoordinatorEpoch`).
    CoordinatorFenced {
        producer_id: ProducerId,
        coordinator_epoch: i32,
        current_coordinator_epoch: i32,
    },
}

impl Rejection {
    /// The error Kafka answers with (`org.apache.kafka.common.protocol.Errors`).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Rejection::MissingSequence { .. } => ErrorCode::InvalidRecord,
            Rejection::StaleEpoch { .. } | Rejection::StaleMarkerEpoch { .. } => {
                ErrorCode::InvalidProducerEpoch
            }
            Rejection::FirstTransactionV2WriteNotFromZero { .. }
            | Rejection::NewEpochNotFromZero { .. }
            | Rejection::OutOfOrderSequence { .. } => ErrorCode::OutOfOrderSequenceNumber,
            Rejection::NonTransactionalDuringTxn { .. } => ErrorCode::InvalidTxnState,
            Rejection::CoordinatorFenced { .. } => ErrorCode::TransactionCoordinatorFenced,
        }
    }
}

impl fmt::Display for Rejection {
    // One plain-words sentence, lower case and without a final stop, so that callers can embed it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::MissingSequence {
                producer_id,
                producer_epoch,
                base_sequence,
            } => write!(
                f,
                "producer {producer_id} epoch {producer_epoch} sent a batch with base sequence {base_sequence}, but a batch that carries a producer id must carry a sequence number of 0 or more"
            ),
            Rejection::StaleEpoch {
                producer_id,
                producer_epoch,
                current_epoch,
            } => write!(
                f,
                "producer {producer_id} wrote with epoch {producer_epoch}, but this partition has already seen epoch {current_epoch} from it, so the older epoch is fenced"
            ),
            Rejection::StaleMarkerEpoch {
                producer_id,
                producer_epoch,
                current_epoch,
                transaction_version: TransactionVersion::V2,
            } if producer_epoch == current_epoch => write!(
                f,
                "a transaction-version-2 marker for producer {producer_id} carries epoch {producer_epoch}, the epoch this partition already holds for it, and under V2 every transaction ends at a freshly bumped epoch, so a marker that does not raise it is a late or repeated one (the strict check of Kafka 4.2, KIP-1228; Kafka 4.1 and earlier accepted an equal epoch)"
            ),
            Rejection::StaleMarkerEpoch {
                producer_id,
                producer_epoch,
                current_epoch,
                ..
            } => write!(
                f,
                "a transaction marker for producer {producer_id} carries epoch {producer_epoch}, but this partition has already seen epoch {current_epoch} from it, so the marker is stale"
            ),
            Rejection::FirstTransactionV2WriteNotFromZero {
                producer_id,
                producer_epoch,
                first_seq,
            } => write!(
                f,
                "this partition holds no batch of producer {producer_id} (epoch {producer_epoch}) yet, and under transaction protocol V2 a producer's first transactional batch on a partition must start at sequence 0, but this one starts at {first_seq}: an earlier batch is missing, so nothing is appended"
            ),
            Rejection::NewEpochNotFromZero {
                producer_id,
                producer_epoch,
                previous_epoch,
                first_seq,
            } => write!(
                f,
                "producer {producer_id} moves from epoch {previous_epoch} to epoch {producer_epoch}, and a new epoch must start at sequence 0, but this batch starts at {first_seq}"
            ),
            Rejection::OutOfOrderSequence {
                producer_id,
                producer_epoch,
                last_seq,
                first_seq,
                batch_last_seq,
                kind,
            } => {
                let expected = last_seq.plus(1);
                match kind {
                    OutOfOrderKind::NoBatchInEpoch => write!(
                        f,
                        "producer {producer_id} has written no batch here since a transaction marker set its epoch to {producer_epoch}, so its next batch must start at sequence 0, but this one starts at {first_seq}"
                    ),
                    OutOfOrderKind::Gap => write!(
                        f,
                        "producer {producer_id} epoch {producer_epoch} last wrote sequence {last_seq} here, so the next batch must start at {expected}, but this one starts at {first_seq}"
                    ),
                    OutOfOrderKind::PartialOverlap => write!(
                        f,
                        "producer {producer_id} epoch {producer_epoch} last wrote sequence {last_seq} here, so the next batch must start at {expected}, but this one covers sequences {first_seq}..{batch_last_seq}, which overlap what it already wrote without matching one of its last {NUM_BATCHES_TO_RETAIN} batches exactly"
                    ),
                    OutOfOrderKind::OlderThanRetained {
                        oldest_retained_seq,
                    } => write!(
                        f,
                        "producer {producer_id} epoch {producer_epoch} last wrote sequence {last_seq} here, so the next batch must start at {expected}, but this one starts at {first_seq}, before sequence {oldest_retained_seq} where the last {NUM_BATCHES_TO_RETAIN} batches the broker remembers begin, so it cannot be recognised as a retry"
                    ),
                }
            }
            Rejection::NonTransactionalDuringTxn {
                producer_id,
                producer_epoch,
                txn_first_offset,
            } => write!(
                f,
                "producer {producer_id} epoch {producer_epoch} has a transaction open here since offset {txn_first_offset}, so it may not write a non-transactional batch until a marker ends that transaction"
            ),
            Rejection::CoordinatorFenced {
                producer_id,
                coordinator_epoch,
                current_coordinator_epoch,
            } => write!(
                f,
                "a transaction marker for producer {producer_id} comes from coordinator epoch {coordinator_epoch}, but this partition has already taken one from coordinator epoch {current_coordinator_epoch}, so it comes from a fenced coordinator"
            ),
        }
    }
}

impl std::error::Error for Rejection {}

/// A transaction that a marker just ended on this partition (`CompletedTxn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedTxn {
    pub producer_id: ProducerId,
    /// The offset of the transaction's first batch on this partition.
    pub first_offset: Offset,
    /// The offset of the marker.
    pub last_offset: Offset,
    pub is_aborted: bool,
}

/// The record inside a transaction marker (Kafka's `EndTransactionMarker`): the key names the
/// control type as `ControlRecordType` does, the value carries the coordinator epoch, so that a
/// replica replaying its log learns the coordinator epoch back.
pub fn end_txn_marker_record(kind: ControlKind, coordinator_epoch: i32) -> Record {
    let control_type = match kind {
        ControlKind::Commit => "COMMIT",
        ControlKind::Abort => "ABORT",
    };
    Record::new(
        Some(control_type.to_owned()),
        format!("coordinator_epoch={coordinator_epoch}"),
    )
}

/// The coordinator epoch written in a marker by [`end_txn_marker_record`], if it has one.
pub fn marker_coordinator_epoch(marker: &StoredBatch) -> Option<i32> {
    marker
        .records
        .first()?
        .value
        .strip_prefix("coordinator_epoch=")?
        .parse()
        .ok()
}

/// The producer state of one partition replica (`ProducerStateManager`).
#[derive(Clone, Debug, Default)]
pub struct ProducerStateManager {
    /// One entry per producer id the partition has seen and not expired: it grows with every
    /// new producer id, so it is a persistent map that a clone of the world shares. Each entry
    /// is shared too: the first change after a clone copies a node of up to 64 entries, which
    /// then costs 64 reference counts rather than 64 entries with their batch lists.
    producers: imbl::OrdMap<ProducerId, Arc<ProducerStateEntry>>,
    /// Undecided transactions by first offset (`ongoingTxns`).
    ongoing_txns: BTreeMap<Offset, ProducerId>,
    /// Decided transactions whose marker is at or above the high watermark, by first offset
    /// (`unreplicatedTxns`).
    unreplicated_txns: BTreeMap<Offset, CompletedTxn>,
    /// No entry without an open transaction was last written before this time, so none can
    /// expire until `producer.id.expiration.ms` after it: expiry, checked every step, looks at
    /// the entries only then, instead of at every producer id of the last day each step.
    /// Bookkeeping only, left out of equality.
    idle_since_at_least_ms: u64,
}

/// Two states are equal when they hold the same producers and transactions, however each was
/// built: the expiry bookkeeping (`idle_since_at_least_ms`) is not part of the state.
impl PartialEq for ProducerStateManager {
    fn eq(&self, other: &Self) -> bool {
        self.producers == other.producers
            && self.ongoing_txns == other.ongoing_txns
            && self.unreplicated_txns == other.unreplicated_txns
    }
}

impl Eq for ProducerStateManager {}

impl ProducerStateManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// This partition's state for `producer_id`, if it has any.
    pub fn entry(&self, producer_id: ProducerId) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id).map(|entry| &**entry)
    }

    /// Every producer this partition remembers, by producer id (`activeProducers`).
    pub fn entries(&self) -> impl Iterator<Item = &ProducerStateEntry> {
        self.producers.values().map(|entry| &**entry)
    }

    /// Checks a data batch before it is written (`UnifiedLog.analyzeAndValidateProducerState`
    /// with `ProducerAppendInfo.appendDataBatch`); changes nothing. `verified_under` is the
    /// transaction version of the verification the leader ran for this batch, if it ran one.
    pub fn check_data_batch(
        &self,
        batch: &ProducedBatch,
        origin: AppendOrigin,
        verified_under: Option<TransactionVersion>,
    ) -> Result<DataBatchVerdict, Rejection> {
        let stamp = batch.stamp;
        let producer_id = stamp.producer_id;
        let epoch = stamp.producer_epoch;
        let first_seq = stamp.base_sequence;
        // UnifiedLog.analyzeAndValidateProducerState: only batches with a producer id have state.
        if producer_id.is_none() {
            return Ok(DataBatchVerdict::Append);
        }
        // ProducerAppendInfo.checkProducerEpoch / maybeValidateDataBatch: a follower or a replay
        // rejects nothing, the leader already did.
        if origin == AppendOrigin::Replication {
            return Ok(DataBatchVerdict::Append);
        }
        // LogValidator.validateBatch: a client batch with a producer id needs a sequence.
        if origin == AppendOrigin::Client && first_seq.0 < 0 {
            return Err(Rejection::MissingSequence {
                producer_id,
                producer_epoch: epoch,
                base_sequence: first_seq,
            });
        }
        let entry = self.entry(producer_id);
        // UnifiedLog.analyzeAndValidateProducerState: duplicates are looked for first, and only
        // for clients (ProducerStateEntry.findDuplicateBatch).
        if origin == AppendOrigin::Client
            && let Some(original) =
                entry.and_then(|e| e.find_duplicate_batch(epoch, first_seq, batch.last_sequence()))
        {
            return Ok(DataBatchVerdict::Duplicate(original));
        }
        let current_epoch = entry.map_or(ProducerEpoch::NONE, |e| e.producer_epoch);
        // ProducerAppendInfo.checkProducerEpoch: an older epoch is fenced; equal or newer is fine.
        if epoch < current_epoch {
            return Err(Rejection::StaleEpoch {
                producer_id,
                producer_epoch: epoch,
                current_epoch,
            });
        }
        if origin == AppendOrigin::Client {
            // ProducerAppendInfo.checkSequence (KAFKA-18202): a V2 transactional producer with no
            // batch here must start at 0; under V1 KIP-360 lets it start anywhere.
            let holds_no_batch = entry.is_none_or(|e| e.batch_metadata.is_empty());
            if verified_under.is_some_and(TransactionVersion::supports_epoch_bump)
                && holds_no_batch
                && first_seq != Sequence(0)
            {
                return Err(Rejection::FirstTransactionV2WriteNotFromZero {
                    producer_id,
                    producer_epoch: epoch,
                    first_seq,
                });
            }
            check_sequence(entry, producer_id, epoch, first_seq, batch.last_sequence())?;
        }
        // ProducerAppendInfo.appendDataBatch: no non-transactional write in an open transaction.
        if let Some(txn_first_offset) = entry.and_then(|e| e.current_txn_first_offset)
            && !batch.is_transactional
        {
            return Err(Rejection::NonTransactionalDuringTxn {
                producer_id,
                producer_epoch: epoch,
                txn_first_offset,
            });
        }
        Ok(DataBatchVerdict::Append)
    }

    /// Records a data batch just written to the log (`ProducerAppendInfo.appendDataBatch`, then
    /// `ProducerStateManager.update`). The update is the same for every origin: Kafka checks
    /// before, not while, it updates. A control batch given here is handled as a marker, with
    /// the coordinator epoch read from its record.
    pub fn on_data_batch_appended(&mut self, batch: &StoredBatch, _origin: AppendOrigin) {
        if batch.is_control() {
            self.apply_marker(batch, marker_coordinator_epoch(batch));
            return;
        }
        let producer_id = batch.stamp.producer_id;
        if producer_id.is_none() {
            return;
        }
        let entry = Arc::make_mut(
            self.producers
                .entry(producer_id)
                .or_insert_with(|| Arc::new(ProducerStateEntry::empty(producer_id))),
        );
        // ProducerStateEntry.addBatch: epoch change clears, then the last 5 are kept.
        entry.maybe_update_producer_epoch(batch.stamp.producer_epoch);
        entry.add_batch_metadata(BatchMetadata::of(batch));
        entry.last_timestamp_ms = batch.timestamp_ms;
        self.idle_since_at_least_ms = self.idle_since_at_least_ms.min(batch.timestamp_ms);
        // ProducerAppendInfo.appendDataBatch: a transactional batch with none open begins one.
        if batch.is_transactional && entry.current_txn_first_offset.is_none() {
            entry.current_txn_first_offset = Some(batch.base_offset);
            self.ongoing_txns.insert(batch.base_offset, producer_id);
        }
    }

    /// Records any batch just written or replayed, data or marker, as Kafka's
    /// `ProducerAppendInfo.append` does; returns the transaction a marker ended, if any. This is
    /// what a follower copying the leader's log calls.
    pub fn on_batch_appended(
        &mut self,
        batch: &StoredBatch,
        origin: AppendOrigin,
    ) -> Option<CompletedTxn> {
        if batch.is_control() {
            self.apply_marker(batch, marker_coordinator_epoch(batch))
        } else {
            self.on_data_batch_appended(batch, origin);
            None
        }
    }

    /// Checks a transaction marker before it is written (`ProducerAppendInfo.appendEndTxnMarker`);
    /// changes nothing. `transaction_version` is the one the marker carries (WriteTxnMarkers v2).
    pub fn check_marker(
        &self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        origin: AppendOrigin,
        transaction_version: TransactionVersion,
    ) -> Result<(), Rejection> {
        // ProducerAppendInfo.checkProducerEpoch / checkCoordinatorEpoch: replicas only log.
        if origin == AppendOrigin::Replication {
            return Ok(());
        }
        let Some(entry) = self.entry(producer_id) else {
            return Ok(());
        };
        // ProducerAppendInfo.checkProducerEpoch (Kafka 4.2, KIP-1228): transaction version 2
        // needs marker epoch > stored, versions 0/1 marker epoch >= stored.
        let stale = if transaction_version.supports_epoch_bump() {
            producer_epoch <= entry.producer_epoch
        } else {
            producer_epoch < entry.producer_epoch
        };
        if stale {
            return Err(Rejection::StaleMarkerEpoch {
                producer_id,
                producer_epoch,
                current_epoch: entry.producer_epoch,
                transaction_version,
            });
        }
        // ProducerAppendInfo.checkCoordinatorEpoch: an older coordinator's marker is a zombie's.
        if entry.coordinator_epoch > coordinator_epoch {
            return Err(Rejection::CoordinatorFenced {
                producer_id,
                coordinator_epoch,
                current_coordinator_epoch: entry.coordinator_epoch,
            });
        }
        Ok(())
    }

    /// Records a transaction marker just written at `marker.base_offset`
    /// (`ProducerAppendInfo.appendEndTxnMarker`, then `ProducerStateManager.completeTxn`).
    /// Returns the transaction it ended, or `None` if the producer had none open here.
    /// A batch whose `control` is not `Abort` counts as a commit.
    pub fn on_marker_appended(
        &mut self,
        marker: &StoredBatch,
        coordinator_epoch: i32,
    ) -> Option<CompletedTxn> {
        self.apply_marker(marker, Some(coordinator_epoch))
    }

    fn apply_marker(
        &mut self,
        marker: &StoredBatch,
        coordinator_epoch: Option<i32>,
    ) -> Option<CompletedTxn> {
        let producer_id = marker.stamp.producer_id;
        if producer_id.is_none() {
            return None;
        }
        let entry = Arc::make_mut(
            self.producers
                .entry(producer_id)
                .or_insert_with(|| Arc::new(ProducerStateEntry::empty(producer_id))),
        );
        // ProducerAppendInfo.appendEndTxnMarker: "Only emit the CompletedTxn for non-empty
        // transactions".
        let completed = entry
            .current_txn_first_offset
            .map(|first_offset| CompletedTxn {
                producer_id,
                first_offset,
                last_offset: marker.base_offset,
                is_aborted: marker.control == Some(ControlKind::Abort),
            });
        // ProducerStateEntry.update: the marker's epoch (clearing batches if it changed), its
        // coordinator epoch, and no open transaction.
        entry.maybe_update_producer_epoch(marker.stamp.producer_epoch);
        if let Some(coordinator_epoch) = coordinator_epoch {
            entry.coordinator_epoch = coordinator_epoch;
        }
        entry.current_txn_first_offset = None;
        entry.last_timestamp_ms = marker.timestamp_ms;
        self.idle_since_at_least_ms = self.idle_since_at_least_ms.min(marker.timestamp_ms);
        // ProducerStateManager.completeTxn: decided, but unstable until the HW passes the marker.
        if let Some(txn) = completed {
            self.ongoing_txns.remove(&txn.first_offset);
            self.unreplicated_txns.insert(txn.first_offset, txn);
        }
        completed
    }

    /// Undecided transactions, earliest first: (first offset, producer id).
    pub fn ongoing_txns(&self) -> impl Iterator<Item = (Offset, ProducerId)> {
        self.ongoing_txns
            .iter()
            .map(|(offset, producer_id)| (*offset, *producer_id))
    }

    /// Decided transactions whose marker the high watermark has not yet passed, earliest first.
    pub fn unreplicated_txns(&self) -> impl Iterator<Item = &CompletedTxn> {
        self.unreplicated_txns.values()
    }

    /// The first offset of the earliest undecided transaction (`firstUndecidedOffset`).
    pub fn first_undecided_offset(&self) -> Option<Offset> {
        self.ongoing_txns.keys().next().copied()
    }

    /// The earliest offset that is not yet stable (`ProducerStateManager.firstUnstableOffset`):
    /// the first offset of the earliest undecided transaction, or of the earliest decided one
    /// whose marker is not yet below the high watermark. The log bounds it below by its log
    /// start offset and above by the high watermark to get the last stable offset.
    pub fn first_unstable_offset(&self) -> Option<Offset> {
        let undecided = self.ongoing_txns.keys().next().copied();
        let unreplicated = self.unreplicated_txns.keys().next().copied();
        match (undecided, unreplicated) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The high watermark moved: transactions whose marker is now below it become stable
    /// (`onHighWatermarkUpdated` -> `removeUnreplicatedTransactions`).
    pub fn on_high_watermark(&mut self, high_watermark: Offset) {
        self.unreplicated_txns
            .retain(|_, txn| txn.last_offset >= high_watermark);
    }

    /// The last stable offset to store with an aborted transaction in the transaction index
    /// (`ProducerStateManager.lastStableOffset`): the first offset of the earliest transaction of
    /// another producer still open here, else the offset after the marker. The answer is the
    /// same before and after [`Self::on_marker_appended`], since it ignores `completed`'s own
    /// producer.
    pub fn last_stable_offset_for_completed(&self, completed: &CompletedTxn) -> Offset {
        // ProducerStateManager.findNextIncompleteTxn: another producer's earliest open transaction.
        self.ongoing_txns
            .iter()
            .find(|(_, producer_id)| **producer_id != completed.producer_id)
            .map_or(completed.last_offset.next(), |(offset, _)| *offset)
    }

    /// Forgets producers idle for `producer_id_expiration_ms` (`producer.id.expiration.ms`),
    /// never one with an open transaction (`ProducerStateManager.removeExpiredProducers`).
    /// Returns the forgotten ids in order.
    pub fn remove_expired(
        &mut self,
        now_ms: u64,
        producer_id_expiration_ms: u64,
    ) -> Vec<ProducerId> {
        if now_ms.saturating_sub(self.idle_since_at_least_ms) < producer_id_expiration_ms {
            return Vec::new();
        }
        // ProducerStateManager.isProducerExpired: no open txn, idle for the expiration time.
        let expired: Vec<ProducerId> = self
            .producers
            .values()
            .filter(|e| {
                e.current_txn_first_offset.is_none()
                    && now_ms.saturating_sub(e.last_timestamp_ms) >= producer_id_expiration_ms
            })
            .map(|e| e.producer_id)
            .collect();
        for producer_id in &expired {
            self.producers.remove(producer_id);
        }
        // An entry with an open transaction waits for its marker, which writes its time again.
        self.idle_since_at_least_ms = self
            .producers
            .values()
            .filter(|e| e.current_txn_first_offset.is_none())
            .map(|e| e.last_timestamp_ms)
            .min()
            .unwrap_or(u64::MAX);
        expired
    }

    /// Rebuilds the state by replaying a log, as a restarted broker or a truncated follower does
    /// (`UnifiedLog.rebuildProducerState` / `loadProducersFromRecords`, origin `Replication`).
    /// Markers' coordinator epochs are read from their records ([`marker_coordinator_epoch`]).
    /// Expiry is not applied; call [`Self::remove_expired`] after, with the current time.
    pub fn rebuild<'a>(
        batches: impl IntoIterator<Item = &'a StoredBatch>,
        high_watermark: Offset,
    ) -> Self {
        let mut state = Self::new();
        for batch in batches {
            state.on_batch_appended(batch, AppendOrigin::Replication);
        }
        state.on_high_watermark(high_watermark);
        state
    }
}

/// When a rebuild of producer state happens, and how long a producer may stay idle: the rebuild
/// leaves out the producers already expired. Kafka's load skips a snapshot's expired producers
/// (`ProducerStateManager.loadFromSnapshot`, `isProducerExpired`); without it a restart would
/// bring back every producer id the log ever held, each to expire again, so a restart would cost
/// more the longer the lab ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    pub now_ms: u64,
    pub producer_id_expiration_ms: u64,
}

/// What replaying a replica's log gave so far, kept so that the next rebuild replays only the
/// batches appended since (the lab's stand-in for the snapshot Kafka takes when a segment rolls,
/// `ProducerStateManager.takeSnapshot`). The rebuilt state is the same as
/// [`ProducerStateManager::rebuild`] over the whole log, less the producers expired at the time
/// of the rebuild ([`Expiry`]), and a long lab's restarts cost no more than a short one's.
#[derive(Clone, Debug, Default)]
pub struct ReplayCheckpoint {
    /// How many leading batches of the log `state` has replayed, and the last of them (base
    /// offset, leader epoch), to notice a log that changed under it.
    replayed: usize,
    last: Option<(Offset, crate::ids::LeaderEpoch)>,
    /// The replayed state, without its decided transactions.
    state: ProducerStateManager,
    /// The replay's decided transactions in log order, so by marker offset: those the high
    /// watermark has passed are a prefix.
    completed: imbl::Vector<CompletedTxn>,
}

impl ReplayCheckpoint {
    /// The producer state replayed from `batches` (the replica's whole log) with
    /// `high_watermark`, as [`ProducerStateManager::rebuild`] gives it, replaying only the
    /// batches after the checkpoint when its batches are still the log's first ones.
    pub fn rebuild(
        &mut self,
        batches: &crate::broker::log::Batches,
        high_watermark: Offset,
        expiry: Expiry,
    ) -> ProducerStateManager {
        let still_a_prefix = self.replayed <= batches.len()
            && match self.replayed.checked_sub(1) {
                None => true,
                Some(last) => {
                    self.last == batches.get(last).map(|b| (b.base_offset, b.leader_epoch))
                }
            };
        if !still_a_prefix {
            *self = Self::default();
        }
        // `Vector::skip` splits the persistent vector; an iterator's `skip` would walk the log.
        for batch in &batches.skip(self.replayed) {
            if let Some(txn) = self
                .state
                .on_batch_appended(batch, AppendOrigin::Replication)
            {
                self.state.unreplicated_txns.remove(&txn.first_offset);
                self.completed.push_back(txn);
            }
            self.last = Some((batch.base_offset, batch.leader_epoch));
        }
        self.replayed = batches.len();
        self.state
            .remove_expired(expiry.now_ms, expiry.producer_id_expiration_ms);
        let mut state = self.state.clone();
        // ProducerStateManager.onHighWatermarkUpdated: only the decided transactions whose marker
        // the high watermark has not passed stay unreplicated.
        let passed = crate::broker::log::partition_point_by(&self.completed, |t| {
            t.last_offset < high_watermark
        });
        for txn in &self.completed.skip(passed) {
            state.unreplicated_txns.insert(txn.first_offset, *txn);
        }
        state
    }
}

// ProducerAppendInfo.checkSequence (rules B5.3, B5.4 and B6 of kafka-rules.md), for clients only.
fn check_sequence(
    entry: Option<&ProducerStateEntry>,
    producer_id: ProducerId,
    epoch: ProducerEpoch,
    first_seq: Sequence,
    batch_last_seq: Sequence,
) -> Result<(), Rejection> {
    let stored_epoch = entry.map_or(ProducerEpoch::NONE, |e| e.producer_epoch);
    if epoch != stored_epoch {
        // ProducerAppendInfo.checkSequence: a new epoch starts at 0, unless there is no state
        // at all (KIP-360: an unknown producer may start anywhere).
        if first_seq != Sequence(0) && stored_epoch != ProducerEpoch::NONE {
            return Err(Rejection::NewEpochNotFromZero {
                producer_id,
                producer_epoch: epoch,
                previous_epoch: stored_epoch,
                first_seq,
            });
        }
        return Ok(());
    }
    // ProducerAppendInfo.checkSequence: "If there is no current producer epoch ... accept writes
    // with any sequence number".
    let Some(entry) = entry.filter(|e| e.producer_epoch != ProducerEpoch::NONE) else {
        return Ok(());
    };
    let last_seq = entry.last_seq();
    if in_sequence(last_seq, first_seq) {
        return Ok(());
    }
    Err(Rejection::OutOfOrderSequence {
        producer_id,
        producer_epoch: epoch,
        last_seq,
        first_seq,
        batch_last_seq,
        kind: out_of_order_kind(entry, first_seq),
    })
}

// ProducerAppendInfo.inSequence: the next sequence, wrapping from Integer.MAX_VALUE to 0.
fn in_sequence(last_seq: Sequence, next_seq: Sequence) -> bool {
    i64::from(next_seq.0) == i64::from(last_seq.0) + 1
        || (next_seq.0 == 0 && last_seq.0 == i32::MAX)
}

// Only for the explanation: where the rejected batch sits relative to the retained window.
fn out_of_order_kind(entry: &ProducerStateEntry, first_seq: Sequence) -> OutOfOrderKind {
    let (Some(oldest), Some(newest)) = (entry.batch_metadata.front(), entry.batch_metadata.back())
    else {
        return OutOfOrderKind::NoBatchInEpoch;
    };
    let (low, high) = (oldest.first_seq.0, newest.last_seq.0);
    let seq = first_seq.0;
    let within = if low <= high {
        (low..=high).contains(&seq)
    } else {
        // The retained window wraps past i32::MAX.
        seq >= low || seq <= high
    };
    if within {
        OutOfOrderKind::PartialOverlap
    } else if low <= high && seq < low {
        OutOfOrderKind::OlderThanRetained {
            oldest_retained_seq: oldest.first_seq,
        }
    } else {
        OutOfOrderKind::Gap
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::batch::{ProducerStamp, Provenance};
    use crate::ids::LeaderEpoch;
    use crate::rng::SimRng;

    const PID: ProducerId = ProducerId(1000);
    const OTHER: ProducerId = ProducerId(2000);
    const DAY_MS: u64 = 86_400_000;

    fn produced(
        producer_id: ProducerId,
        epoch: i16,
        base_seq: i32,
        records: usize,
        txn: bool,
    ) -> ProducedBatch {
        ProducedBatch {
            stamp: ProducerStamp {
                producer_id,
                producer_epoch: ProducerEpoch(epoch),
                base_sequence: Sequence(base_seq),
            },
            is_transactional: txn,
            records: (0..records)
                .map(|i| Record::new(None, format!("v{i}")))
                .collect(),
            provenance: Provenance {
                send_ids: Vec::new(),
                attempt: 1,
            },
        }
    }

    /// A partition leader in miniature: a log, its producer state and the time, wired as the
    /// broker wires them (check, then append, then record).
    struct Leader {
        log: Vec<StoredBatch>,
        state: ProducerStateManager,
        now_ms: u64,
    }

    impl Leader {
        /// The log as a replica keeps it, for rebuilds.
        fn batches(&self) -> crate::broker::log::Batches {
            self.log.iter().cloned().map(Arc::new).collect()
        }

        fn new() -> Self {
            Self {
                log: Vec::new(),
                state: ProducerStateManager::new(),
                now_ms: 1_000,
            }
        }

        fn log_end(&self) -> Offset {
            self.log.last().map_or(Offset(0), StoredBatch::next_offset)
        }

        fn store(&mut self, batch: &ProducedBatch, control: Option<ControlKind>) -> StoredBatch {
            let stored = StoredBatch {
                base_offset: self.log_end(),
                leader_epoch: LeaderEpoch(0),
                stamp: batch.stamp,
                is_transactional: batch.is_transactional,
                control,
                records: batch.records.clone(),
                timestamp_ms: self.now_ms,
                provenance: batch.provenance.clone(),
            };
            self.log.push(stored.clone());
            stored
        }

        /// A produce with the given origin; the offset is the batch's first, new or original.
        fn send(
            &mut self,
            batch: &ProducedBatch,
            origin: AppendOrigin,
        ) -> Result<(DataBatchVerdict, Offset), Rejection> {
            match self.state.check_data_batch(batch, origin, None)? {
                DataBatchVerdict::Duplicate(original) => {
                    Ok((DataBatchVerdict::Duplicate(original), original.first_offset))
                }
                DataBatchVerdict::Append => {
                    let stored = self.store(batch, None);
                    self.state.on_data_batch_appended(&stored, origin);
                    Ok((DataBatchVerdict::Append, stored.base_offset))
                }
            }
        }

        fn produce(
            &mut self,
            producer_id: ProducerId,
            epoch: i16,
            seq: i32,
            records: usize,
            txn: bool,
        ) -> Result<(DataBatchVerdict, Offset), Rejection> {
            self.send(
                &produced(producer_id, epoch, seq, records, txn),
                AppendOrigin::Client,
            )
        }

        /// Appends `produce` and expects a fresh append; returns its first offset.
        fn append_ok(
            &mut self,
            producer_id: ProducerId,
            epoch: i16,
            seq: i32,
            records: usize,
            txn: bool,
        ) -> Offset {
            match self.produce(producer_id, epoch, seq, records, txn) {
                Ok((DataBatchVerdict::Append, offset)) => offset,
                other => panic!("expected an append of seq {seq} epoch {epoch}, got {other:?}"),
            }
        }

        /// A marker of transaction version 0/1, the only kind before Kafka 4.2.
        fn marker(
            &mut self,
            producer_id: ProducerId,
            epoch: i16,
            coordinator_epoch: i32,
            kind: ControlKind,
        ) -> Result<(Offset, Option<CompletedTxn>), Rejection> {
            self.versioned_marker(
                producer_id,
                epoch,
                coordinator_epoch,
                kind,
                TransactionVersion::V1,
            )
        }

        fn versioned_marker(
            &mut self,
            producer_id: ProducerId,
            epoch: i16,
            coordinator_epoch: i32,
            kind: ControlKind,
            version: TransactionVersion,
        ) -> Result<(Offset, Option<CompletedTxn>), Rejection> {
            self.state.check_marker(
                producer_id,
                ProducerEpoch(epoch),
                coordinator_epoch,
                AppendOrigin::Coordinator,
                version,
            )?;
            let batch = ProducedBatch {
                stamp: ProducerStamp {
                    producer_id,
                    producer_epoch: ProducerEpoch(epoch),
                    base_sequence: Sequence::NONE,
                },
                is_transactional: true,
                records: vec![end_txn_marker_record(kind, coordinator_epoch)],
                provenance: Provenance {
                    send_ids: Vec::new(),
                    attempt: 1,
                },
            };
            let stored = self.store(&batch, Some(kind));
            Ok((
                stored.base_offset,
                self.state.on_marker_appended(&stored, coordinator_epoch),
            ))
        }

        /// Pads the log with batches of a producer without idempotence, to reach a given offset.
        fn pad_to(&mut self, offset: i64) {
            while self.log_end().0 < offset {
                self.append_ok(ProducerId::NONE, -1, -1, 1, false);
            }
        }
    }

    fn error_of<T: fmt::Debug>(result: Result<T, Rejection>) -> (ErrorCode, Rejection) {
        match result {
            Err(rejection) => (rejection.error_code(), rejection),
            Ok(ok) => panic!("expected a rejection, got {ok:?}"),
        }
    }

    // UnifiedLogTest.testDuplicateAppends; ProducerStateEntry.findDuplicateBatch.
    #[test]
    fn retry_matching_one_of_last_five_batches_is_a_duplicate_with_original_offsets() {
        let mut leader = Leader::new();
        let mut firsts = Vec::new();
        for i in 0..5 {
            firsts.push(leader.append_ok(PID, 0, i * 2, 2, false));
        }
        let log_end = leader.log_end();
        for i in 0..5 {
            let (verdict, offset) = leader.produce(PID, 0, i * 2, 2, false).unwrap();
            let DataBatchVerdict::Duplicate(original) = verdict else {
                panic!("retry of batch {i} should be a duplicate, got {verdict:?}");
            };
            assert_eq!(offset, firsts[i as usize]);
            assert_eq!(original.last_offset, firsts[i as usize].plus(1));
            assert_eq!(
                (original.first_seq, original.last_seq),
                (Sequence(i * 2), Sequence(i * 2 + 1))
            );
        }
        assert_eq!(leader.log_end(), log_end, "a duplicate writes nothing");
    }

    // ProducerStateEntry.addBatchMetadata; ProducerStateManagerTest.testBasicIdMapping ("Duplicates
    // are checked separately and should result in OutOfOrderSequence").
    #[test]
    fn retry_older_than_five_batches_is_out_of_order() {
        let mut leader = Leader::new();
        for seq in 0..6 {
            leader.append_ok(PID, 0, seq, 1, false);
        }
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(entry.batch_metadata().len(), NUM_BATCHES_TO_RETAIN);
        assert_eq!(
            (entry.first_seq(), entry.last_seq()),
            (Sequence(1), Sequence(5))
        );
        // Sequence 1 is the oldest retained batch: still a duplicate.
        assert!(matches!(
            leader.produce(PID, 0, 1, 1, false),
            Ok((DataBatchVerdict::Duplicate(_), Offset(1)))
        ));
        // Sequence 0 was pushed out by the 6th batch.
        let (code, rejection) = error_of(leader.produce(PID, 0, 0, 1, false));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        assert!(matches!(
            rejection,
            Rejection::OutOfOrderSequence {
                kind: OutOfOrderKind::OlderThanRetained {
                    oldest_retained_seq: Sequence(1)
                },
                ..
            }
        ));
        assert_eq!(leader.log_end(), Offset(6));
    }

    // ProducerStateEntry.batchWithSequenceRange: only an exact (first, last) match is a duplicate.
    #[test]
    fn partial_overlap_is_out_of_order_not_duplicate() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 3, false); // 0..2
        leader.append_ok(PID, 0, 3, 3, false); // 3..5
        for (seq, records) in [(1, 2), (3, 2), (2, 3), (4, 4)] {
            let (code, rejection) = error_of(leader.produce(PID, 0, seq, records, false));
            assert_eq!(
                code,
                ErrorCode::OutOfOrderSequenceNumber,
                "{seq} x{records}"
            );
            assert!(
                matches!(
                    rejection,
                    Rejection::OutOfOrderSequence {
                        kind: OutOfOrderKind::PartialOverlap,
                        ..
                    }
                ),
                "{rejection:?}"
            );
        }
        assert_eq!(leader.log_end(), Offset(6));
    }

    // ProducerAppendInfo.checkSequence; ProducerStateManagerTest.testBasicIdMapping.
    #[test]
    fn gap_is_out_of_order() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 1, false);
        leader.append_ok(PID, 0, 1, 3, false); // 1..3
        let (code, rejection) = error_of(leader.produce(PID, 0, 6, 1, false));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        assert!(matches!(
            rejection,
            Rejection::OutOfOrderSequence {
                kind: OutOfOrderKind::Gap,
                ..
            }
        ));
        assert_eq!(
            rejection.to_string(),
            "producer 1000 epoch 0 last wrote sequence 3 here, so the next batch must start at 4, but this one starts at 6"
        );
        // The next one in order still goes through: a rejection changes nothing.
        leader.append_ok(PID, 0, 4, 1, false);
    }

    // ProducerAppendInfo.checkSequence ("no current producer epoch ... accept writes with any
    // sequence number", KIP-360); ProducerStateManagerTest.testPidExpirationTimeout.
    #[test]
    fn unknown_producer_may_start_at_any_sequence() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 3, 42, 2, false);
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(
            (entry.producer_epoch, entry.last_seq()),
            (ProducerEpoch(3), Sequence(43))
        );
        // From then on the producer is known, and must follow on.
        let (code, _) = error_of(leader.produce(PID, 3, 50, 1, false));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        leader.append_ok(PID, 3, 44, 1, false);
    }

    // ProducerAppendInfo.checkSequence with a transaction-version-1 verification entry;
    // ProducerStateManagerTest.testAllowNonZeroSequenceForTransactionsV1WithEmptyState.
    #[test]
    fn transaction_v1_first_write_may_start_at_any_sequence() {
        let leader = Leader::new();
        let batch = produced(PID, 0, 5, 1, true);
        let verdict = leader.state.check_data_batch(
            &batch,
            AppendOrigin::Client,
            Some(TransactionVersion::V1),
        );
        assert_eq!(verdict, Ok(DataBatchVerdict::Append));
    }

    // ProducerAppendInfo.checkSequence with a transaction-version-2 verification entry
    // (KAFKA-18202); ProducerStateManagerTest.testRejectNonZeroSequenceForTransactionsV2WithEmptyState.
    #[test]
    fn transaction_v2_first_write_must_start_at_zero() {
        let mut leader = Leader::new();
        let v2 = Some(TransactionVersion::V2);
        let late = produced(PID, 0, 5, 1, true);
        let (code, rejection) = error_of(leader.state.check_data_batch(
            &late,
            AppendOrigin::Client,
            v2,
        ));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        assert!(
            rejection
                .to_string()
                .contains("must start at sequence 0, but this one starts at 5"),
            "{rejection}"
        );
        let first = produced(PID, 0, 0, 1, true);
        assert_eq!(
            leader
                .state
                .check_data_batch(&first, AppendOrigin::Client, v2),
            Ok(DataBatchVerdict::Append)
        );
        // Once a batch is retained, the usual in-sequence rule takes over.
        leader.append_ok(PID, 0, 0, 1, true);
        let next = produced(PID, 0, 1, 1, true);
        assert_eq!(
            leader
                .state
                .check_data_batch(&next, AppendOrigin::Client, v2),
            Ok(DataBatchVerdict::Append)
        );
    }

    // ProducerAppendInfo.checkSequence ("Invalid sequence number for new epoch");
    // ProducerStateManagerTest.testRejectNonZeroSequenceForDirectEpochBump.
    #[test]
    fn new_epoch_must_start_at_zero() {
        let mut leader = Leader::new();
        for seq in 0..3 {
            leader.append_ok(PID, 0, seq, 1, false);
        }
        let (code, rejection) = error_of(leader.produce(PID, 1, 5, 1, false));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        assert_eq!(
            rejection.to_string(),
            "producer 1000 moves from epoch 0 to epoch 1, and a new epoch must start at sequence 0, but this batch starts at 5"
        );
        leader.append_ok(PID, 1, 0, 1, false);
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(entry.producer_epoch, ProducerEpoch(1));
        assert_eq!(
            entry.batch_metadata().len(),
            1,
            "the new epoch forgets the old epoch's batches"
        );
    }

    // ProducerStateEntry.findDuplicateBatch: another epoch is never a duplicate.
    #[test]
    fn same_sequences_under_a_new_epoch_are_not_a_duplicate() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 1, false);
        let offset = leader.append_ok(PID, 1, 0, 1, false);
        assert_eq!(
            offset,
            Offset(1),
            "epoch 1 sequence 0 is new data, written at a new offset"
        );
    }

    // ProducerAppendInfo.checkProducerEpoch; UnifiedLogTest.testOldProducerEpoch.
    #[test]
    fn older_epoch_is_invalid_producer_epoch() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 1, false);
        leader.append_ok(PID, 1, 0, 1, false);
        // Even an exact retry of an old-epoch batch is fenced, not a duplicate.
        let (code, rejection) = error_of(leader.produce(PID, 0, 0, 1, false));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
        assert_eq!(
            rejection.to_string(),
            "producer 1000 wrote with epoch 0, but this partition has already seen epoch 1 from it, so the older epoch is fenced"
        );
        let (code, _) = error_of(leader.produce(PID, 0, 1, 1, false));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
        assert_eq!(leader.log_end(), Offset(2));
    }

    // ProducerStateManagerTest.testAcceptAppendWithSequenceGapsOnReplica;
    // UnifiedLogTest.testDuplicateAppendToFollower.
    #[test]
    fn replication_origin_accepts_gaps_and_duplicates() {
        let mut follower = Leader::new();
        follower.append_ok(PID, 0, 0, 1, false);
        let gap = produced(PID, 0, 3, 1, false);
        assert_eq!(
            follower
                .state
                .check_data_batch(&gap, AppendOrigin::Client, None)
                .map_err(|r| r.error_code()),
            Err(ErrorCode::OutOfOrderSequenceNumber)
        );
        assert_eq!(follower.state.entry(PID).unwrap().last_seq(), Sequence(0));
        follower.send(&gap, AppendOrigin::Replication).unwrap();
        assert_eq!(follower.state.entry(PID).unwrap().last_seq(), Sequence(3));
        // A duplicate and an old epoch are written too: the leader decided.
        assert!(matches!(
            follower.send(&gap, AppendOrigin::Replication),
            Ok((DataBatchVerdict::Append, Offset(2)))
        ));
        follower
            .send(&produced(PID, 2, 9, 1, false), AppendOrigin::Replication)
            .unwrap();
        follower
            .send(&produced(PID, 1, 0, 1, false), AppendOrigin::Replication)
            .unwrap();
        assert_eq!(follower.log_end(), Offset(5));
    }

    // ProducerAppendInfo.maybeValidateDataBatch;
    // ProducerStateManagerTest.testSequenceNotValidatedForGroupMetadataTopic.
    #[test]
    fn coordinator_origin_checks_epoch_but_not_sequence() {
        let mut leader = Leader::new();
        for offset in [0, 1] {
            let (verdict, at) = leader
                .send(&produced(PID, 4, -1, 1, true), AppendOrigin::Coordinator)
                .unwrap();
            assert_eq!((verdict, at), (DataBatchVerdict::Append, Offset(offset)));
        }
        let (code, _) =
            error_of(leader.send(&produced(PID, 3, -1, 1, true), AppendOrigin::Coordinator));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
    }

    // LogValidator.validateBatch ("Invalid sequence number ... in record batch with producerId").
    #[test]
    fn client_batch_with_producer_id_but_no_sequence_is_invalid_record() {
        let mut leader = Leader::new();
        let (code, _) = error_of(leader.produce(PID, 0, -1, 1, false));
        assert_eq!(code, ErrorCode::InvalidRecord);
        assert!(leader.state.entry(PID).is_none());
    }

    // UnifiedLog.analyzeAndValidateProducerState: only batches with a producer id have state.
    #[test]
    fn batch_without_producer_id_is_always_appended_and_leaves_no_state() {
        let mut leader = Leader::new();
        for _ in 0..3 {
            let (verdict, _) = leader.produce(ProducerId::NONE, -1, -1, 1, false).unwrap();
            assert_eq!(verdict, DataBatchVerdict::Append);
        }
        assert_eq!(
            leader.log_end(),
            Offset(3),
            "without idempotence a retry is written again"
        );
        assert_eq!(leader.state.entries().count(), 0);
    }

    // ProducerAppendInfo.appendDataBatch;
    // ProducerStateManagerTest.testNonTransactionalAppendWithOngoingTransaction.
    #[test]
    fn non_transactional_write_during_open_txn_is_invalid_txn_state() {
        let mut leader = Leader::new();
        leader.pad_to(7);
        leader.append_ok(PID, 0, 0, 1, true);
        let (code, rejection) = error_of(leader.produce(PID, 0, 1, 1, false));
        assert_eq!(code, ErrorCode::InvalidTxnState);
        assert_eq!(
            rejection.to_string(),
            "producer 1000 epoch 0 has a transaction open here since offset 7, so it may not write a non-transactional batch until a marker ends that transaction"
        );
        // After the marker, non-transactional writes are fine again.
        leader.marker(PID, 0, 0, ControlKind::Commit).unwrap();
        leader.append_ok(PID, 0, 1, 1, false);
    }

    // ProducerAppendInfo.appendDataBatch ("Began a new transaction");
    // ProducerStateManagerTest.testFirstUnstableOffset.
    #[test]
    fn transactional_write_starts_txn_at_its_base_offset() {
        let mut leader = Leader::new();
        leader.pad_to(3);
        leader.append_ok(PID, 0, 0, 2, true);
        leader.append_ok(PID, 0, 2, 2, true);
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(
            entry.current_txn_first_offset,
            Some(Offset(3)),
            "later batches join the same transaction"
        );
        assert_eq!(
            leader.state.ongoing_txns().collect::<Vec<_>>(),
            vec![(Offset(3), PID)]
        );
        assert_eq!(leader.state.first_unstable_offset(), Some(Offset(3)));
    }

    // ProducerStateManagerTest.testControlRecordBumpsProducerEpoch,
    // testOutOfSequenceAfterControlRecordEpochBump,
    // testProducerStateAfterFencingAbortMarker.
    #[test]
    fn abort_marker_with_bumped_epoch_fences_old_epoch() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 1, true);
        leader.append_ok(PID, 0, 1, 1, true);
        let (marker_offset, completed) = leader.marker(PID, 1, 0, ControlKind::Abort).unwrap();
        assert_eq!(
            completed,
            Some(CompletedTxn {
                producer_id: PID,
                first_offset: Offset(0),
                last_offset: marker_offset,
                is_aborted: true
            })
        );
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(entry.producer_epoch, ProducerEpoch(1));
        assert_eq!(entry.current_txn_first_offset, None);
        assert!(entry.batch_metadata().is_empty());
        // The zombie at epoch 0 is fenced.
        let (code, _) = error_of(leader.produce(PID, 0, 2, 1, true));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
        // Epoch 1 (and any later epoch) must start again at 0.
        let (code, rejection) = error_of(leader.produce(PID, 1, 2, 1, true));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        assert!(matches!(
            rejection,
            Rejection::OutOfOrderSequence {
                kind: OutOfOrderKind::NoBatchInEpoch,
                ..
            }
        ));
        let (code, _) = error_of(leader.produce(PID, 2, 2, 1, true));
        assert_eq!(code, ErrorCode::OutOfOrderSequenceNumber);
        // The fencing epoch is kept even when idle: the entry has a fresh timestamp.
        assert!(
            leader
                .state
                .remove_expired(leader.now_ms, DAY_MS)
                .is_empty()
        );
        leader.append_ok(PID, 1, 0, 1, true);
    }

    // ProducerStateManagerTest.testOldEpochForControlRecord.
    #[test]
    fn marker_with_older_producer_epoch_is_invalid_producer_epoch() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 5, 0, 1, true);
        let (code, _) = error_of(leader.marker(PID, 3, 0, ControlKind::Commit));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
        // Equal epoch is accepted (transaction version 0/1 rule).
        assert!(
            leader
                .marker(PID, 5, 0, ControlKind::Commit)
                .unwrap()
                .1
                .is_some()
        );
    }

    // ProducerAppendInfo.checkProducerEpoch with a transaction-version-2 marker (Kafka 4.2,
    // KIP-1228); UnifiedLogTest.testEndTxnWithFencedProducerEpoch,
    // testTV2MarkerWithBumpedEpochSucceeds.
    #[test]
    fn transaction_v2_marker_must_raise_the_epoch() {
        let v2 = TransactionVersion::V2;
        let mut leader = Leader::new();
        leader.append_ok(PID, 5, 0, 1, true);
        let (code, rejection) =
            error_of(leader.versioned_marker(PID, 5, 0, ControlKind::Commit, v2));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
        assert!(rejection.to_string().contains("KIP-1228"), "{rejection}");
        let (_, completed) = leader
            .versioned_marker(PID, 6, 0, ControlKind::Commit, v2)
            .unwrap();
        assert!(
            completed.is_some(),
            "the bumped marker ends the transaction"
        );
        // A copy of that marker arriving again no longer raises the epoch.
        let (code, _) = error_of(leader.versioned_marker(PID, 6, 0, ControlKind::Commit, v2));
        assert_eq!(code, ErrorCode::InvalidProducerEpoch);
    }

    // ProducerAppendInfo.checkCoordinatorEpoch; ProducerStateManagerTest.testCoordinatorFencing.
    #[test]
    fn marker_with_old_coordinator_epoch_is_fenced() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 5, 0, 1, true);
        leader.marker(PID, 5, 1, ControlKind::Commit).unwrap();
        assert_eq!(leader.state.entry(PID).unwrap().coordinator_epoch, 1);
        leader.marker(PID, 5, 1, ControlKind::Commit).unwrap();
        leader.marker(PID, 5, 2, ControlKind::Commit).unwrap();
        let (code, rejection) = error_of(leader.marker(PID, 5, 1, ControlKind::Commit));
        assert_eq!(code, ErrorCode::TransactionCoordinatorFenced);
        assert_eq!(
            rejection,
            Rejection::CoordinatorFenced {
                producer_id: PID,
                coordinator_epoch: 1,
                current_coordinator_epoch: 2
            }
        );
    }

    // ProducerAppendInfo.appendEndTxnMarker ("Only emit the CompletedTxn for non-empty
    // transactions");
    // ProducerStateManagerTest.testAppendTxnMarkerWithNoProducerState, testSkipEmptyTransactions.
    #[test]
    fn marker_without_open_txn_is_accepted_and_completes_nothing() {
        let mut leader = Leader::new();
        leader.pad_to(27);
        let (_, completed) = leader.marker(PID, 2, 0, ControlKind::Commit).unwrap();
        assert_eq!(completed, None);
        assert_eq!(leader.state.first_unstable_offset(), None);
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(
            (entry.producer_epoch, entry.last_seq()),
            (ProducerEpoch(2), Sequence::NONE)
        );
        // Fencing works even if the marker is all that is left, and the next write starts at 0.
        assert_eq!(
            error_of(leader.produce(PID, 0, 0, 1, false)).0,
            ErrorCode::InvalidProducerEpoch
        );
        assert_eq!(
            error_of(leader.produce(PID, 2, 17, 1, false)).0,
            ErrorCode::OutOfOrderSequenceNumber
        );
        leader.append_ok(PID, 2, 0, 1, false);
    }

    // ProducerStateManager.firstUnstableOffset / onHighWatermarkUpdated;
    // ProducerStateManagerTest.testFirstUnstableOffset.
    #[test]
    fn first_unstable_offset_stays_until_hw_passes_marker() {
        let mut leader = Leader::new();
        leader.pad_to(99);
        leader.append_ok(PID, 5, 0, 1, true); // 99
        leader.pad_to(105);
        leader.append_ok(OTHER, 5, 0, 1, true); // 105
        assert_eq!(leader.state.first_unstable_offset(), Some(Offset(99)));
        leader.pad_to(109);
        let (marker, _) = leader.marker(PID, 5, 0, ControlKind::Commit).unwrap();
        assert_eq!(marker, Offset(109));
        assert_eq!(leader.state.first_undecided_offset(), Some(Offset(105)));
        assert_eq!(
            leader.state.first_unstable_offset(),
            Some(Offset(99)),
            "decided but not replicated"
        );
        leader.state.on_high_watermark(Offset(109));
        assert_eq!(
            leader.state.first_unstable_offset(),
            Some(Offset(99)),
            "HW at the marker is not past it"
        );
        leader.state.on_high_watermark(Offset(110));
        assert_eq!(leader.state.first_unstable_offset(), Some(Offset(105)));
        leader.pad_to(112);
        leader.marker(OTHER, 5, 0, ControlKind::Abort).unwrap();
        assert_eq!(leader.state.first_undecided_offset(), None);
        assert_eq!(leader.state.first_unstable_offset(), Some(Offset(105)));
        leader.state.on_high_watermark(Offset(113));
        assert_eq!(leader.state.first_unstable_offset(), None);
    }

    // ProducerStateManager.lastStableOffset / findNextIncompleteTxn;
    // ProducerStateManagerTest.testLastStableOffsetCompletedTxn.
    #[test]
    fn last_stable_offset_of_completed_txn_is_first_offset_of_next_open_txn_of_another_producer() {
        let third = ProducerId(3000);
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 1, true); // 0
        leader.pad_to(25);
        leader.append_ok(OTHER, 0, 0, 1, true); // 25
        leader.pad_to(57);
        leader.append_ok(third, 0, 0, 1, true); // 57
        leader.pad_to(72);
        // Kafka computes it before completing the transaction; the answer must not depend on that.
        let before = CompletedTxn {
            producer_id: PID,
            first_offset: Offset(0),
            last_offset: Offset(72),
            is_aborted: true,
        };
        assert_eq!(
            leader.state.last_stable_offset_for_completed(&before),
            Offset(25)
        );
        let (_, first) = leader.marker(PID, 0, 0, ControlKind::Abort).unwrap();
        assert_eq!(first, Some(before));
        assert_eq!(
            leader.state.last_stable_offset_for_completed(&before),
            Offset(25)
        );
        leader.pad_to(92);
        let (_, third_done) = leader.marker(third, 0, 0, ControlKind::Abort).unwrap();
        assert_eq!(
            leader
                .state
                .last_stable_offset_for_completed(&third_done.unwrap()),
            Offset(25)
        );
        leader.pad_to(170);
        let (marker, other_done) = leader.marker(OTHER, 0, 0, ControlKind::Abort).unwrap();
        assert_eq!(
            leader
                .state
                .last_stable_offset_for_completed(&other_done.unwrap()),
            marker.next()
        );
    }

    // ProducerStateManager.isProducerExpired; ProducerStateManagerTest.testPidExpirationTimeout,
    // testProducersWithOngoingTransactionsDontExpire.
    #[test]
    fn expired_producer_forgets_state_but_not_with_open_txn() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 5, 0, 1, false);
        leader.append_ok(OTHER, 5, 0, 1, true);
        let start = leader.now_ms;
        assert!(
            leader
                .state
                .remove_expired(start + DAY_MS - 1, DAY_MS)
                .is_empty()
        );
        assert_eq!(
            leader.state.remove_expired(start + DAY_MS, DAY_MS),
            vec![PID]
        );
        assert!(leader.state.entry(PID).is_none());
        assert_eq!(
            leader.state.entry(OTHER).unwrap().current_txn_first_offset,
            Some(Offset(1))
        );
        // Forgotten, PID is an unknown producer again: any sequence is accepted.
        leader.now_ms = start + DAY_MS;
        leader.append_ok(PID, 5, 1, 1, false);
        assert_eq!(leader.state.entry(PID).unwrap().last_seq(), Sequence(1));
    }

    // UnifiedLog.rebuildProducerState;
    // ProducerStateManagerTest.testRecoverFromSnapshotUnfinishedTransaction,
    // testRecoverFromSnapshotFinishedTransaction, testCoordinatorFencedAfterReload.
    #[test]
    fn rebuild_from_log_gives_same_state() {
        let mut leader = Leader::new();
        for seq in 0..7 {
            leader.append_ok(PID, 0, seq, 1, false);
            leader.now_ms += 10;
        }
        leader.append_ok(OTHER, 2, 0, 2, true);
        leader.append_ok(OTHER, 2, 2, 1, true);
        leader.marker(OTHER, 3, 4, ControlKind::Abort).unwrap();
        leader.append_ok(OTHER, 3, 0, 1, true);
        leader.append_ok(ProducerId(3000), 0, 0, 1, true);
        leader
            .marker(ProducerId(3000), 0, 4, ControlKind::Commit)
            .unwrap();
        let high_watermark = Offset(12);
        leader.state.on_high_watermark(high_watermark);

        let rebuilt = ProducerStateManager::rebuild(&leader.log, high_watermark);
        assert_eq!(rebuilt, leader.state);
        // What that state is for: the same answers after a restart.
        assert_eq!(rebuilt.first_unstable_offset(), Some(Offset(11)));
        assert!(matches!(
            rebuilt.check_data_batch(&produced(PID, 0, 6, 1, false), AppendOrigin::Client, None),
            Ok(DataBatchVerdict::Duplicate(_))
        ));
        assert_eq!(
            rebuilt
                .check_marker(
                    OTHER,
                    ProducerEpoch(3),
                    3,
                    AppendOrigin::Coordinator,
                    TransactionVersion::V1
                )
                .map_err(|r| r.error_code()),
            Err(ErrorCode::TransactionCoordinatorFenced)
        );
    }

    // ProducerStateManager.truncateAndReload;
    // ProducerStateManagerTest.testFirstUnstableOffsetAfterTruncation.
    #[test]
    fn rebuild_after_truncation_before_the_marker_reopens_the_transaction() {
        let mut leader = Leader::new();
        leader.pad_to(99);
        leader.append_ok(PID, 0, 0, 1, true);
        leader.pad_to(105);
        leader.marker(PID, 0, 0, ControlKind::Commit).unwrap();
        leader.state.on_high_watermark(Offset(106));
        assert_eq!(leader.state.first_unstable_offset(), None);
        let kept: Vec<StoredBatch> = leader
            .log
            .iter()
            .filter(|b| b.base_offset < Offset(100))
            .cloned()
            .collect();
        let truncated = ProducerStateManager::rebuild(&kept, Offset(100));
        assert_eq!(truncated.first_unstable_offset(), Some(Offset(99)));
        assert_eq!(
            truncated.entry(PID).unwrap().current_txn_first_offset,
            Some(Offset(99))
        );
    }

    const NEVER_EXPIRES: Expiry = Expiry {
        now_ms: 0,
        producer_id_expiration_ms: u64::MAX,
    };

    // A rebuild after a producer's expiration time leaves it out, as the rebuild before it did
    // not, and a producer that wrote since is kept.
    #[test]
    fn a_rebuild_leaves_out_the_producers_already_expired() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 0, 0, 1, false);
        let mut checkpoint = ReplayCheckpoint::default();
        let at = |now_ms| Expiry {
            now_ms,
            producer_id_expiration_ms: 1_000,
        };
        let before = checkpoint.rebuild(&leader.batches(), Offset(1), at(1_999));
        assert!(
            before.entry(PID).is_some(),
            "idle for less than the expiration"
        );
        leader.now_ms = 2_000;
        leader.append_ok(OTHER, 2, 0, 2, false);
        let after = checkpoint.rebuild(&leader.batches(), Offset(2), at(2_000));
        assert!(after.entry(PID).is_none(), "expired: not brought back");
        assert!(after.entry(OTHER).is_some());
        let mut whole =
            ProducerStateManager::rebuild(leader.batches().iter().map(|b| &**b), Offset(2));
        whole.remove_expired(2_000, 1_000);
        assert_eq!(after, whole, "the whole replay, less the expired producers");
    }

    // Expiry looks at the entries only once one may be due: each producer still goes exactly
    // when it has been idle for the expiration time, an open transaction keeps one however
    // long it idles, and its marker starts the wait again.
    #[test]
    fn each_producer_expires_when_its_idle_time_is_up_and_not_before() {
        let mut leader = Leader::new(); // now 1 000
        leader.append_ok(PID, 0, 0, 1, true);
        leader.now_ms = 1_500;
        leader.append_ok(OTHER, 2, 0, 1, false);
        let expire = |leader: &mut Leader, now_ms| leader.state.remove_expired(now_ms, 1_000);
        assert_eq!(expire(&mut leader, 2_499), Vec::<ProducerId>::new());
        assert_eq!(expire(&mut leader, 2_500), vec![OTHER], "idle since 1 500");
        assert_eq!(
            expire(&mut leader, 9_000),
            Vec::<ProducerId>::new(),
            "an open transaction keeps its producer"
        );
        leader.now_ms = 9_000;
        leader.marker(PID, 0, 0, ControlKind::Commit).unwrap();
        leader.now_ms = 9_200;
        leader.append_ok(OTHER, 2, 0, 1, false);
        assert_eq!(expire(&mut leader, 9_999), Vec::<ProducerId>::new());
        assert_eq!(
            expire(&mut leader, 10_000),
            vec![PID],
            "idle since its marker"
        );
        assert_eq!(expire(&mut leader, 10_199), Vec::<ProducerId>::new());
        assert_eq!(expire(&mut leader, 10_200), vec![OTHER]);
        assert!(leader.state.entries().next().is_none());
    }

    // A restart after more appends, and one after a truncation, rebuild what a replay of the
    // whole log gives, however much the checkpoint had replayed before.
    #[test]
    fn rebuilding_from_the_checkpoint_gives_the_whole_replay() {
        let mut leader = Leader::new();
        let mut checkpoint = ReplayCheckpoint::default();
        let same = |checkpoint: &mut ReplayCheckpoint, log: &crate::broker::log::Batches, hw| {
            assert_eq!(
                checkpoint.rebuild(log, hw, NEVER_EXPIRES),
                ProducerStateManager::rebuild(log.iter().map(|b| &**b), hw)
            );
        };
        leader.append_ok(PID, 0, 0, 1, true);
        leader.append_ok(OTHER, 2, 0, 2, true);
        same(&mut checkpoint, &leader.batches(), Offset(1));
        leader.marker(PID, 0, 0, ControlKind::Commit).unwrap();
        leader.marker(OTHER, 2, 1, ControlKind::Abort).unwrap();
        leader.append_ok(PID, 0, 1, 1, true);
        for hw in [Offset(2), Offset(4), Offset(5), Offset(7)] {
            same(&mut checkpoint, &leader.batches(), hw);
        }
        let truncated: crate::broker::log::Batches = leader
            .log
            .iter()
            .filter(|b| b.base_offset < Offset(3))
            .cloned()
            .map(Arc::new)
            .collect();
        same(&mut checkpoint, &truncated, Offset(3));
        same(&mut checkpoint, &leader.batches(), Offset(6));
    }

    // ProducerAppendInfo.inSequence; ProducerStateManagerTest.testProducerSequenceWrapAround,
    // testProducerSequenceInvalidWrapAround, testProducerSequenceWithWrapAroundBatchRecord.
    #[test]
    fn sequence_wraps_to_zero_after_i32_max() {
        let mut leader = Leader::new();
        leader
            .send(
                &produced(PID, 15, i32::MAX, 1, false),
                AppendOrigin::Replication,
            )
            .unwrap();
        assert_eq!(
            error_of(leader.produce(PID, 15, 1, 1, false)).0,
            ErrorCode::OutOfOrderSequenceNumber
        );
        leader.append_ok(PID, 15, 0, 1, false);
        let entry = leader.state.entry(PID).unwrap();
        assert_eq!(
            (entry.first_seq(), entry.last_seq()),
            (Sequence(i32::MAX), Sequence(0))
        );

        // A batch may itself span the wrap; its retry is still recognised.
        let mut leader = Leader::new();
        leader.append_ok(OTHER, 0, i32::MAX - 1, 4, false); // MAX-1, MAX, 0, 1
        assert_eq!(leader.state.entry(OTHER).unwrap().last_seq(), Sequence(1));
        assert!(matches!(
            leader.produce(OTHER, 0, i32::MAX - 1, 4, false),
            Ok((DataBatchVerdict::Duplicate(_), Offset(0)))
        ));
        let (_, rejection) = error_of(leader.produce(OTHER, 0, i32::MAX, 1, false));
        assert!(matches!(
            rejection,
            Rejection::OutOfOrderSequence {
                kind: OutOfOrderKind::PartialOverlap,
                ..
            }
        ));
        leader.append_ok(OTHER, 0, 2, 1, false);
    }

    #[test]
    fn every_rejection_names_its_kafka_error_in_one_sentence() {
        let mut leader = Leader::new();
        leader.append_ok(PID, 1, 0, 1, true);
        leader.marker(PID, 1, 3, ControlKind::Commit).unwrap();
        let rejections = [
            error_of(leader.produce(PID, 1, -1, 1, false)),
            error_of(leader.produce(PID, 0, 1, 1, false)),
            error_of(leader.marker(PID, 0, 3, ControlKind::Commit)),
            error_of(leader.marker(PID, 1, 2, ControlKind::Commit)),
            error_of(leader.produce(PID, 2, 4, 1, false)),
            error_of(leader.produce(PID, 1, 4, 1, false)),
            error_of(Leader::new().state.check_data_batch(
                &produced(PID, 0, 5, 1, true),
                AppendOrigin::Client,
                Some(TransactionVersion::V2),
            )),
            error_of(leader.versioned_marker(
                PID,
                1,
                3,
                ControlKind::Commit,
                TransactionVersion::V2,
            )),
        ];
        let codes: Vec<ErrorCode> = rejections.iter().map(|(code, _)| *code).collect();
        assert_eq!(
            codes,
            vec![
                ErrorCode::InvalidRecord,
                ErrorCode::InvalidProducerEpoch,
                ErrorCode::InvalidProducerEpoch,
                ErrorCode::TransactionCoordinatorFenced,
                ErrorCode::OutOfOrderSequenceNumber,
                ErrorCode::OutOfOrderSequenceNumber,
                ErrorCode::OutOfOrderSequenceNumber,
                ErrorCode::InvalidProducerEpoch,
            ]
        );
        for (_, rejection) in &rejections {
            let text = rejection.to_string();
            assert!(text.contains("1000"), "names the producer: {text}");
            assert!(
                !text.contains(". ") && !text.ends_with('.'),
                "one sentence without a stop: {text}"
            );
            assert!(
                text.starts_with(|c: char| c.is_lowercase()),
                "embeddable: {text}"
            );
        }
    }

    /// A batch a random client sent: (epoch, base sequence, records, transactional).
    type Sent = (i16, i32, usize, bool);

    /// Random produce, retry, epoch bump, marker and high-watermark steps, driven by the
    /// simulation's own seeded generator: nothing panics, no sequence of one producer epoch is
    /// ever written twice, a duplicate always points at the original batch, and replaying the
    /// log gives back the same state.
    #[test]
    fn random_retries_never_write_a_sequence_twice_and_replay_matches() {
        for seed in 0..200 {
            let mut rng = SimRng::new(seed);
            let mut leader = Leader::new();
            let producers = [PID, OTHER, ProducerId(3000)];
            // Per producer: (epoch, next sequence, sent batches).
            let mut clients: Vec<(i16, i32, Vec<Sent>)> = vec![(0, 0, Vec::new()); 3];
            let mut high_watermark = Offset(0);
            for _ in 0..120 {
                let who = rng.below(3) as usize;
                let producer_id = producers[who];
                let (epoch, next_seq, sent) = &mut clients[who];
                let txn = who == 2 || rng.below(4) == 0;
                let (send_epoch, seq, records, txn) = match rng.below(10) {
                    0..=3 => {
                        let records = 1 + rng.below(3) as usize;
                        let batch = (*epoch, *next_seq, records, txn);
                        *next_seq += records as i32;
                        batch
                    }
                    4..=5 if !sent.is_empty() => sent[rng.below(sent.len() as u64) as usize],
                    6 => (
                        *epoch,
                        next_seq.saturating_add(rng.below(4) as i32 - 2).max(0),
                        1,
                        txn,
                    ),
                    7 => {
                        *epoch += 1;
                        *next_seq = rng.below(2) as i32;
                        let batch = (*epoch, *next_seq, 1, txn);
                        *next_seq += 1;
                        batch
                    }
                    8 => {
                        let bump = rng.below(2) as i16;
                        let kind = if rng.below(2) == 0 {
                            ControlKind::Commit
                        } else {
                            ControlKind::Abort
                        };
                        if leader.marker(producer_id, *epoch + bump, 0, kind).is_ok() && bump == 1 {
                            *epoch += 1;
                            *next_seq = 0;
                        }
                        continue;
                    }
                    _ => {
                        let log_end = leader.log_end().0;
                        high_watermark = high_watermark
                            .max(Offset(log_end - rng.below(3) as i64).max(Offset(0)));
                        leader.state.on_high_watermark(high_watermark);
                        continue;
                    }
                };
                sent.push((send_epoch, seq, records, txn));
                if let Ok((DataBatchVerdict::Duplicate(original), _)) =
                    leader.produce(producer_id, send_epoch, seq, records, txn)
                {
                    let at = leader
                        .log
                        .iter()
                        .find(|b| b.base_offset == original.first_offset)
                        .unwrap();
                    assert_eq!(
                        (
                            at.stamp.producer_id,
                            at.stamp.producer_epoch,
                            at.stamp.base_sequence,
                            at.record_count()
                        ),
                        (
                            producer_id,
                            ProducerEpoch(send_epoch),
                            Sequence(seq),
                            records as i64
                        ),
                        "seed {seed}"
                    );
                }
            }
            let mut written: BTreeMap<(ProducerId, ProducerEpoch, i32), Offset> = BTreeMap::new();
            for batch in leader
                .log
                .iter()
                .filter(|b| !b.is_control() && !b.stamp.producer_id.is_none())
            {
                for i in 0..batch.record_count() as i32 {
                    let key = (
                        batch.stamp.producer_id,
                        batch.stamp.producer_epoch,
                        batch.stamp.base_sequence.plus(i).0,
                    );
                    assert!(
                        written.insert(key, batch.base_offset).is_none(),
                        "seed {seed}: {key:?} written twice"
                    );
                }
            }
            assert_eq!(
                ProducerStateManager::rebuild(&leader.log, high_watermark),
                leader.state,
                "seed {seed}"
            );
        }
    }
}
