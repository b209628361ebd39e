//! What one partition replica remembers about each producer, after Kafka's
//! `ProducerStateManager`, `ProducerAppendInfo`, `ProducerStateEntry` and `BatchMetadata`.
//!
//! ```text
//!   producer id ─▶ epoch, coordinator epoch, last write time, open transaction's first offset,
//!                  last 5 batches: (first seq, last seq, first offset, last offset)
//! ```
//!
//! A client batch is checked against this memory before it is appended: an exact retry of one of
//! the last 5 batches is answered with its original offsets and not written again; anything else
//! must continue the sequence, with the current epoch or a new one starting at 0.

use crate::batch::{ControlKind, ProducedBatch, StoredBatch};
use crate::error_code::ErrorCode;
use crate::ids::{Offset, ProducerEpoch, ProducerId, Sequence};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;

/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// One retained batch (`BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMetadata {
    pub first_seq: Sequence,
    pub last_seq: Sequence,
    pub first_offset: Offset,
    pub last_offset: Offset,
    pub timestamp_ms: u64,
}

/// What the partition knows of one producer (`ProducerStateEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerStateEntry {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub coordinator_epoch: i32,
    pub last_timestamp_ms: u64,
    pub current_txn_first_offset: Option<Offset>,
    batch_metadata: VecDeque<BatchMetadata>,
}

impl ProducerStateEntry {
    fn new(producer_id: ProducerId) -> Self {
        Self {
            producer_id,
            producer_epoch: ProducerEpoch::NONE,
            coordinator_epoch: -1,
            last_timestamp_ms: 0,
            current_txn_first_offset: None,
            batch_metadata: VecDeque::new(),
        }
    }

    /// The retained batches, oldest first.
    pub fn batch_metadata(&self) -> &VecDeque<BatchMetadata> {
        &self.batch_metadata
    }

    pub fn last_seq(&self) -> Option<Sequence> {
        self.batch_metadata.back().map(|b| b.last_seq)
    }

    /// `ProducerStateEntry.maybeUpdateProducerEpoch`: a new epoch forgets the retained batches.
    fn update_epoch(&mut self, epoch: ProducerEpoch) {
        if self.producer_epoch != epoch {
            self.batch_metadata.clear();
            self.producer_epoch = epoch;
        }
    }

    /// `ProducerStateEntry.addBatchMetadata`: keep only the last 5.
    fn add_batch(&mut self, batch: BatchMetadata) {
        if self.batch_metadata.len() == NUM_BATCHES_TO_RETAIN {
            self.batch_metadata.pop_front();
        }
        self.batch_metadata.push_back(batch);
    }
}

/// Who is appending (`AppendOrigin`): clients are checked fully, the coordinator's writes for
/// epochs only, replication not at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendOrigin {
    Client,
    Coordinator,
    Replication,
}

/// The verdict on a data batch that passed the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataBatchVerdict {
    Append,
    /// An exact retry: answer with these original offsets and write nothing.
    Duplicate(BatchMetadata),
}

/// Why a batch or marker is refused, in Kafka's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    StaleEpoch {
        producer_id: ProducerId,
        stored: ProducerEpoch,
        got: ProducerEpoch,
    },
    NewEpochNotAtZero {
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        first_seq: Sequence,
    },
    SequenceGap {
        producer_id: ProducerId,
        epoch: ProducerEpoch,
        last_seq: Sequence,
        first_seq: Sequence,
    },
    NonTransactionalDuringTransaction {
        producer_id: ProducerId,
    },
    CoordinatorFenced {
        producer_id: ProducerId,
        stored: i32,
        got: i32,
    },
}

impl Rejection {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Rejection::StaleEpoch { .. } => ErrorCode::InvalidProducerEpoch,
            Rejection::NewEpochNotAtZero { .. } | Rejection::SequenceGap { .. } => {
                ErrorCode::OutOfOrderSequenceNumber
            }
            Rejection::NonTransactionalDuringTransaction { .. } => ErrorCode::InvalidTxnState,
            Rejection::CoordinatorFenced { .. } => ErrorCode::TransactionCoordinatorFenced,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::StaleEpoch {
                producer_id,
                stored,
                got,
            } => write!(
                f,
                "producer {producer_id} has already written with epoch {stored}, so epoch {got} belongs to an older, fenced instance"
            ),
            Rejection::NewEpochNotAtZero {
                producer_id,
                epoch,
                first_seq,
            } => write!(
                f,
                "producer {producer_id} starts epoch {epoch} here, and a new epoch must start at sequence 0, but this batch starts at {first_seq}"
            ),
            Rejection::SequenceGap {
                producer_id,
                epoch,
                last_seq,
                first_seq,
            } => write!(
                f,
                "producer {producer_id} epoch {epoch} last wrote sequence {last_seq} here, so the next batch must start at {}, but this one starts at {first_seq} and is not one of the last 5 batches either",
                last_seq.plus(1)
            ),
            Rejection::NonTransactionalDuringTransaction { producer_id } => write!(
                f,
                "producer {producer_id} has a transaction open on this partition, so it may not write outside it"
            ),
            Rejection::CoordinatorFenced {
                producer_id,
                stored,
                got,
            } => write!(
                f,
                "the marker for producer {producer_id} comes from coordinator epoch {got}, older than the {stored} this partition has seen"
            ),
        }
    }
}

/// A transaction whose marker was just written (`CompletedTxn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompletedTxn {
    pub producer_id: ProducerId,
    pub first_offset: Offset,
    /// The offset of the marker.
    pub last_offset: Offset,
    pub is_aborted: bool,
}

/// Producer state of one partition replica (`ProducerStateManager`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStateManager {
    producers: BTreeMap<ProducerId, ProducerStateEntry>,
    /// Undecided transactions by first offset (`ongoingTxns`).
    ongoing_txns: BTreeMap<Offset, ProducerId>,
    /// Decided transactions whose marker is not yet below the high watermark (`unreplicatedTxns`).
    unreplicated_txns: BTreeMap<Offset, CompletedTxn>,
}

impl ProducerStateManager {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn entry(&self, producer_id: ProducerId) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    pub fn entries(&self) -> impl Iterator<Item = &ProducerStateEntry> {
        self.producers.values()
    }

    /// Checks a data batch (`UnifiedLog.analyzeAndValidateProducerState` → `ProducerAppendInfo`).
    pub fn check_data_batch(
        &self,
        batch: &ProducedBatch,
        origin: AppendOrigin,
    ) -> Result<DataBatchVerdict, Rejection> {
        let stamp = batch.stamp;
        if stamp.producer_id.is_none() || origin == AppendOrigin::Replication {
            return Ok(DataBatchVerdict::Append);
        }
        let Some(entry) = self.producers.get(&stamp.producer_id) else {
            // ProducerAppendInfo.checkSequence (KIP-360): no state, so any sequence is accepted.
            return Ok(DataBatchVerdict::Append);
        };
        let first_seq = stamp.base_sequence;
        let last_seq = batch.last_sequence();
        // ProducerStateEntry.findDuplicateBatch: same epoch and exactly the same sequence range.
        if origin == AppendOrigin::Client
            && stamp.producer_epoch == entry.producer_epoch
            && let Some(original) = entry
                .batch_metadata
                .iter()
                .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
        {
            return Ok(DataBatchVerdict::Duplicate(*original));
        }
        // ProducerAppendInfo.checkProducerEpoch: an older epoch is fenced.
        if entry.producer_epoch != ProducerEpoch::NONE
            && stamp.producer_epoch < entry.producer_epoch
        {
            return Err(Rejection::StaleEpoch {
                producer_id: stamp.producer_id,
                stored: entry.producer_epoch,
                got: stamp.producer_epoch,
            });
        }
        // ProducerAppendInfo.appendDataBatch: no plain writes inside an open transaction.
        if !batch.is_transactional && entry.current_txn_first_offset.is_some() {
            return Err(Rejection::NonTransactionalDuringTransaction {
                producer_id: stamp.producer_id,
            });
        }
        if origin == AppendOrigin::Client {
            self.check_sequence(entry, stamp.producer_epoch, first_seq)?;
        }
        Ok(DataBatchVerdict::Append)
    }

    /// `ProducerAppendInfo.checkSequence`.
    fn check_sequence(
        &self,
        entry: &ProducerStateEntry,
        epoch: ProducerEpoch,
        first_seq: Sequence,
    ) -> Result<(), Rejection> {
        if entry.producer_epoch == ProducerEpoch::NONE {
            return Ok(());
        }
        if epoch != entry.producer_epoch {
            // A new epoch must start at sequence 0.
            if first_seq != Sequence(0) {
                return Err(Rejection::NewEpochNotAtZero {
                    producer_id: entry.producer_id,
                    epoch,
                    first_seq,
                });
            }
            return Ok(());
        }
        match entry.last_seq() {
            None => Ok(()),
            Some(last) if first_seq == last.plus(1) => Ok(()),
            Some(last) => Err(Rejection::SequenceGap {
                producer_id: entry.producer_id,
                epoch,
                last_seq: last,
                first_seq,
            }),
        }
    }

    /// Records an appended data batch (`ProducerAppendInfo.appendDataBatch`, `ProducerStateEntry.addBatchMetadata`).
    pub fn on_data_batch_appended(&mut self, batch: &StoredBatch, _origin: AppendOrigin) {
        let stamp = batch.stamp;
        if stamp.producer_id.is_none() || batch.is_control() {
            return;
        }
        let entry = self
            .producers
            .entry(stamp.producer_id)
            .or_insert_with(|| ProducerStateEntry::new(stamp.producer_id));
        entry.update_epoch(stamp.producer_epoch);
        entry.last_timestamp_ms = batch.timestamp_ms;
        entry.add_batch(BatchMetadata {
            first_seq: stamp.base_sequence,
            last_seq: batch.last_sequence(),
            first_offset: batch.base_offset,
            last_offset: batch.last_offset(),
            timestamp_ms: batch.timestamp_ms,
        });
        // A transactional batch with no transaction open starts one at its base offset.
        if batch.is_transactional && entry.current_txn_first_offset.is_none() {
            entry.current_txn_first_offset = Some(batch.base_offset);
            self.ongoing_txns
                .insert(batch.base_offset, stamp.producer_id);
        }
    }

    /// Checks a transaction marker (`ProducerAppendInfo.checkProducerEpoch`, `checkCoordinatorEpoch`).
    pub fn check_marker(
        &self,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
    ) -> Result<(), Rejection> {
        let Some(entry) = self.producers.get(&producer_id) else {
            return Ok(());
        };
        if entry.producer_epoch != ProducerEpoch::NONE && producer_epoch < entry.producer_epoch {
            return Err(Rejection::StaleEpoch {
                producer_id,
                stored: entry.producer_epoch,
                got: producer_epoch,
            });
        }
        if entry.coordinator_epoch > coordinator_epoch {
            return Err(Rejection::CoordinatorFenced {
                producer_id,
                stored: entry.coordinator_epoch,
                got: coordinator_epoch,
            });
        }
        Ok(())
    }

    /// Records an appended marker (`ProducerAppendInfo.appendEndTxnMarker`); returns the completed
    /// transaction, if one was open.
    pub fn on_marker_appended(
        &mut self,
        marker: &StoredBatch,
        coordinator_epoch: i32,
    ) -> Option<CompletedTxn> {
        let producer_id = marker.stamp.producer_id;
        let entry = self
            .producers
            .entry(producer_id)
            .or_insert_with(|| ProducerStateEntry::new(producer_id));
        entry.update_epoch(marker.stamp.producer_epoch);
        entry.coordinator_epoch = coordinator_epoch;
        entry.last_timestamp_ms = marker.timestamp_ms;
        let first_offset = entry.current_txn_first_offset.take()?;
        self.ongoing_txns.remove(&first_offset);
        let completed = CompletedTxn {
            producer_id,
            first_offset,
            last_offset: marker.base_offset,
            is_aborted: marker.control == Some(ControlKind::Abort),
        };
        self.unreplicated_txns.insert(first_offset, completed);
        Some(completed)
    }

    /// `ProducerStateManager.firstUnstableOffset`.
    pub fn first_unstable_offset(&self) -> Option<Offset> {
        let ongoing = self.ongoing_txns.keys().next().copied();
        let unreplicated = self.unreplicated_txns.keys().next().copied();
        match (ongoing, unreplicated) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// `ProducerStateManager.onHighWatermarkUpdated`: decided transactions whose marker is below
    /// the high watermark are stable.
    pub fn on_high_watermark(&mut self, high_watermark: Offset) {
        self.unreplicated_txns
            .retain(|_, t| t.last_offset >= high_watermark);
    }

    /// `ProducerStateManager.removeExpiredProducers`: idle producers without an open transaction.
    pub fn remove_expired(
        &mut self,
        now_ms: u64,
        producer_id_expiration_ms: u64,
    ) -> Vec<ProducerId> {
        let expired: Vec<ProducerId> = self
            .producers
            .values()
            .filter(|e| {
                e.current_txn_first_offset.is_none()
                    && now_ms.saturating_sub(e.last_timestamp_ms) >= producer_id_expiration_ms
            })
            .map(|e| e.producer_id)
            .collect();
        for id in &expired {
            self.producers.remove(id);
        }
        expired
    }

    /// Rebuilds the state by replaying a log, as a restarted broker or a truncated follower does.
    pub fn rebuild<'a>(
        batches: impl IntoIterator<Item = &'a StoredBatch>,
        high_watermark: Offset,
    ) -> Self {
        let mut state = Self::new();
        for batch in batches {
            if batch.is_control() {
                let coordinator_epoch = state
                    .producers
                    .get(&batch.stamp.producer_id)
                    .map_or(-1, |e| e.coordinator_epoch);
                state.on_marker_appended(batch, coordinator_epoch);
            } else {
                state.on_data_batch_appended(batch, AppendOrigin::Replication);
            }
        }
        state.on_high_watermark(high_watermark);
        state
    }
}
