//! "Why can't I see it?": for one offset of a partition, whether a `read_uncommitted` and a
//! `read_committed` consumer would get the record now, and why not, in Kafka's terms (high
//! watermark, last stable offset, aborted-transaction index, control records).
//!
//! The answer follows the read path the lab's consumers use (`consumer::read_fetched` over what
//! the leader returns below the high watermark or the LSO), so it cannot disagree with them.

use crate::broker::batch::ControlKind;
use crate::ids::{Offset, ProducerId, TopicPartition};
use crate::world::World;
use serde::Serialize;

/// Whether a reader gets the record at an offset, and if not, what stands in the way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "visibility", rename_all = "snake_case")]
pub enum Visibility {
    Visible,
    /// Not every in-sync replica has it yet: at or above the high watermark.
    AboveHighWatermark {
        high_watermark: Offset,
    },
    /// `read_committed` only: at or above the last stable offset, held there by the open
    /// transaction that starts at `held_by`, or (`None`) by a decided one whose marker is not
    /// yet below the high watermark.
    AboveLastStableOffset {
        last_stable_offset: Offset,
        held_by: Option<(ProducerId, Offset)>,
    },
    /// `read_committed` only: the record's transaction was aborted; the aborted-transaction
    /// index says so, and the consumer skips it.
    Aborted {
        producer_id: ProducerId,
        marker_offset: Offset,
    },
    /// A transaction marker: it takes an offset but is never handed to applications.
    ControlRecord {
        commit: bool,
    },
    /// Deleted by retention, or never written.
    OutOfRange,
}

/// What each isolation level would see at one offset, with a plain-words reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordVisibility {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    pub read_uncommitted: Visibility,
    pub read_committed: Visibility,
    pub explanation: String,
}

/// Explains what readers of `tp` would get at `offset`; `None` if the partition does not exist
/// or has no leader.
pub fn explain(world: &World, tp: &TopicPartition, offset: Offset) -> Option<RecordVisibility> {
    let partition = world.cluster().partition(tp)?;
    let log = &partition.leader_replica()?.log;
    let high_watermark = partition.high_watermark();
    let lso = partition.last_stable_offset();
    let (read_uncommitted, read_committed) = match log
        .batch_containing(offset)
        .filter(|_| offset >= log.log_start_offset())
    {
        None => (Visibility::OutOfRange, Visibility::OutOfRange),
        Some(batch) => match batch.control {
            Some(kind) => {
                let v = Visibility::ControlRecord {
                    commit: kind == ControlKind::Commit,
                };
                (v.clone(), v)
            }
            None => {
                let uncommitted = if offset >= high_watermark {
                    Visibility::AboveHighWatermark { high_watermark }
                } else {
                    Visibility::Visible
                };
                let aborted = batch.is_transactional.then(|| {
                    log.segments()
                        .iter()
                        .flat_map(|s| &s.aborted_txns)
                        .find(|t| {
                            t.producer_id == batch.stamp.producer_id
                                && t.first_offset <= offset
                                && offset <= t.last_offset
                        })
                });
                let committed = if offset >= high_watermark {
                    Visibility::AboveHighWatermark { high_watermark }
                } else if offset >= lso {
                    let held_by = partition
                        .leader_replica()
                        .and_then(|r| r.producers.ongoing_txns().next())
                        .map(|(first, pid)| (pid, first));
                    Visibility::AboveLastStableOffset {
                        last_stable_offset: lso,
                        held_by,
                    }
                } else if let Some(Some(t)) = aborted {
                    Visibility::Aborted {
                        producer_id: t.producer_id,
                        marker_offset: t.last_offset,
                    }
                } else {
                    Visibility::Visible
                };
                (uncommitted, committed)
            }
        },
    };
    let explanation = explanation(tp, offset, &read_uncommitted, &read_committed);
    Some(RecordVisibility {
        topic_partition: tp.clone(),
        offset,
        read_uncommitted,
        read_committed,
        explanation,
    })
}

fn explanation(
    tp: &TopicPartition,
    offset: Offset,
    uncommitted: &Visibility,
    committed: &Visibility,
) -> String {
    let at = format!("{tp}@{offset}");
    match (uncommitted, committed) {
        (Visibility::OutOfRange, _) => {
            format!("{at} is not in the log: below its start or not written yet.")
        }
        (Visibility::ControlRecord { commit }, _) => format!(
            "{at} is a {} marker, a control record the coordinator had written to end a transaction. It takes an offset, which is why offsets of a transactional topic have gaps, but no consumer ever hands it to the application.",
            if *commit { "COMMIT" } else { "ABORT" }
        ),
        (Visibility::AboveHighWatermark { high_watermark }, _) => format!(
            "{at} is at or above the high watermark ({high_watermark}): not every in-sync replica has it yet, so no consumer may read it, whatever its isolation.level."
        ),
        (
            Visibility::Visible,
            Visibility::AboveLastStableOffset {
                last_stable_offset,
                held_by,
            },
        ) => format!(
            "read_uncommitted consumers can read {at}. read_committed ones cannot yet: it is at or above the last stable offset ({last_stable_offset}){}. They wait there until that transaction is decided and its marker is below the high watermark.",
            held_by.map_or_else(
                || ", held by a decided transaction whose marker not every in-sync replica has yet"
                    .to_owned(),
                |(pid, first)| format!(
                    ", held by producer {pid}'s open transaction that starts at offset {first}"
                )
            )
        ),
        (
            Visibility::Visible,
            Visibility::Aborted {
                producer_id,
                marker_offset,
            },
        ) => format!(
            "read_uncommitted consumers read {at}, though its transaction was aborted. read_committed ones skip it: the aborted-transaction index lists producer {producer_id}'s transaction, ended by the ABORT marker at offset {marker_offset}."
        ),
        (Visibility::Visible, Visibility::Visible) => format!(
            "Both read_uncommitted and read_committed consumers can read {at}: it is below the last stable offset and not part of an aborted transaction."
        ),
        _ => format!("{at}: read_uncommitted {uncommitted:?}, read_committed {committed:?}."),
    }
}

/// Where a record stands with respect to transactions, as its partition knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnStatus {
    /// Written outside any transaction.
    None,
    /// Part of a transaction the partition has no marker for yet (it may be decided at the
    /// coordinator while its markers are on their way).
    Open,
    Committed,
    Aborted,
    /// A COMMIT or ABORT marker itself.
    Marker,
}

/// The transaction status of the record at `offset` in the leader's log of `tp`; `None` if
/// there is no such record.
pub fn transaction_status(world: &World, tp: &TopicPartition, offset: Offset) -> Option<TxnStatus> {
    let leader = world.cluster().partition(tp)?.leader_replica()?;
    let log = &leader.log;
    let batch = log
        .batch_containing(offset)
        .filter(|_| offset >= log.log_start_offset())?;
    if batch.control.is_some() {
        return Some(TxnStatus::Marker);
    }
    if !batch.is_transactional {
        return Some(TxnStatus::None);
    }
    let pid = batch.stamp.producer_id;
    // ProducerStateManager.ongoingTxns: the producer's open transaction on this partition.
    let open = leader
        .producers
        .ongoing_txns()
        .any(|(first, p)| p == pid && first <= offset);
    if open {
        return Some(TxnStatus::Open);
    }
    // TransactionIndex: aborted transactions are listed with their first and last offsets.
    let aborted = log
        .segments()
        .iter()
        .flat_map(|s| &s.aborted_txns)
        .any(|t| t.producer_id == pid && t.first_offset <= offset && offset <= t.last_offset);
    Some(if aborted {
        TxnStatus::Aborted
    } else {
        TxnStatus::Committed
    })
}
