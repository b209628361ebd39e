//! The explorer's vocabulary: each guarantee the lab checks, named as Jepsen's Kafka queue
//! checker would name its breach, and whether a configuration allows it by design.
//!
//! Jepsen names what a client sees; the lab's guarantees name what the log and the clients did.
//! Several guarantees map to one name (a duplicate in the log and a side effect applied twice are
//! both a duplicate). Guarantees with no counterpart in Jepsen's checker keep a lab name.

use super::reads::{
    NO_ABORTED_READ, NO_DUPLICATE_OUTPUT, ONE_PRODUCER_PER_TRANSACTIONAL_ID, POLLS_MONOTONIC,
};
use crate::clients::streams::{ProcessingGuarantee, SendOffsetsGroupMetadata};
use crate::config::{Acks, IsolationLevel, ProcessingMode, WorldConfig};
use crate::invariants::{
    COORDINATOR_TRANSITIONS_VALID, FENCED_WRITES_NEVER_COMMITTED, HIGH_WATERMARK_WITHIN_LOG,
    LSO_WITHIN_HIGH_WATERMARK, NO_ACKNOWLEDGED_WRITE_LOST, NO_DUPLICATE_EFFECT, NO_DUPLICATE_WRITE,
    NO_DUPLICATE_WRITE_ACROSS_SESSIONS, NO_RECORD_SKIPPED_BY_GROUP, NO_SEND_LOST,
    OFFSETS_CONTIGUOUS, READ_COMMITTED_SEES_ONLY_COMMITTED, TRANSACTIONS_ALL_OR_NOTHING,
};
use serde::Serialize;
use std::fmt;

/// What kind of wrong a broken guarantee is, in Jepsen's words where they fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// One record (or one record's effect) appears twice.
    Duplicate,
    /// An acknowledged write is gone from the log.
    LostWrite,
    /// A consumer group moves past records no member processed.
    PollSkip,
    /// A consumer receives offsets it has already passed.
    NonMonotonicPoll,
    /// A reader sees a record of an aborted transaction (G1a).
    AbortedRead,
    /// A transaction is committed in some partitions and aborted in others (lab name).
    PartialTransaction,
    /// A producer gave up on a send that is in no log (lab name).
    SendGivenUp,
    /// A producer is fenced by a different producer with its `transactional.id` (lab name).
    FencedByAnother,
    /// The model's own bookkeeping disagrees with itself (lab name): a bug in the lab.
    ModelInconsistent,
}

impl AnomalyKind {
    /// Every kind, in the matrix's column order.
    pub const ALL: [AnomalyKind; 9] = [
        AnomalyKind::Duplicate,
        AnomalyKind::LostWrite,
        AnomalyKind::PollSkip,
        AnomalyKind::NonMonotonicPoll,
        AnomalyKind::AbortedRead,
        AnomalyKind::PartialTransaction,
        AnomalyKind::SendGivenUp,
        AnomalyKind::FencedByAnother,
        AnomalyKind::ModelInconsistent,
    ];

    /// The name Jepsen's Kafka queue checker gives it, if it has one.
    pub fn jepsen_name(self) -> Option<&'static str> {
        match self {
            AnomalyKind::Duplicate => Some("duplicate"),
            AnomalyKind::LostWrite => Some("lost-write"),
            AnomalyKind::PollSkip => Some("poll-skip"),
            AnomalyKind::NonMonotonicPoll => Some("nonmonotonic-poll"),
            AnomalyKind::AbortedRead => Some("G1a (aborted read)"),
            _ => None,
        }
    }

    /// The short name the explorer prints.
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::Duplicate => "duplicate",
            AnomalyKind::LostWrite => "lost write",
            AnomalyKind::PollSkip => "poll skip",
            AnomalyKind::NonMonotonicPoll => "non-monotonic poll",
            AnomalyKind::AbortedRead => "aborted read",
            AnomalyKind::PartialTransaction => "partial transaction",
            AnomalyKind::SendGivenUp => "send given up",
            AnomalyKind::FencedByAnother => "fenced by another producer",
            AnomalyKind::ModelInconsistent => "model inconsistent",
        }
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every guarantee the explorer checks (the world's and the read checks'), with its kind.
pub const GUARANTEES: [(&str, AnomalyKind); 17] = [
    (NO_DUPLICATE_WRITE, AnomalyKind::Duplicate),
    (NO_DUPLICATE_OUTPUT, AnomalyKind::Duplicate),
    (NO_DUPLICATE_WRITE_ACROSS_SESSIONS, AnomalyKind::Duplicate),
    (NO_DUPLICATE_EFFECT, AnomalyKind::Duplicate),
    (NO_ACKNOWLEDGED_WRITE_LOST, AnomalyKind::LostWrite),
    (NO_RECORD_SKIPPED_BY_GROUP, AnomalyKind::PollSkip),
    (POLLS_MONOTONIC, AnomalyKind::NonMonotonicPoll),
    (NO_ABORTED_READ, AnomalyKind::AbortedRead),
    (READ_COMMITTED_SEES_ONLY_COMMITTED, AnomalyKind::AbortedRead),
    (FENCED_WRITES_NEVER_COMMITTED, AnomalyKind::AbortedRead),
    (TRANSACTIONS_ALL_OR_NOTHING, AnomalyKind::PartialTransaction),
    (NO_SEND_LOST, AnomalyKind::SendGivenUp),
    (
        ONE_PRODUCER_PER_TRANSACTIONAL_ID,
        AnomalyKind::FencedByAnother,
    ),
    (OFFSETS_CONTIGUOUS, AnomalyKind::ModelInconsistent),
    (HIGH_WATERMARK_WITHIN_LOG, AnomalyKind::ModelInconsistent),
    (LSO_WITHIN_HIGH_WATERMARK, AnomalyKind::ModelInconsistent),
    (
        COORDINATOR_TRANSITIONS_VALID,
        AnomalyKind::ModelInconsistent,
    ),
];

/// The kind of a guarantee's breach; `None` for a name the explorer does not check.
pub fn kind_of(guarantee: &str) -> Option<AnomalyKind> {
    GUARANTEES
        .iter()
        .find(|(name, _)| *name == guarantee)
        .map(|(_, kind)| *kind)
}

/// Why `config` allows `guarantee` to break by design, if it does: a choice the configuration
/// made gives it up, and Kafka says so. `None`: the configuration is meant to prevent it.
pub fn expected_by_design(config: &WorldConfig, guarantee: &str) -> Option<&'static str> {
    let plain_producers = || {
        config
            .producers
            .iter()
            .filter(|p| p.transactional_id.is_none())
    };
    match guarantee {
        NO_DUPLICATE_WRITE if plain_producers().any(|p| p.idempotence().is_ok_and(|on| !on)) => {
            Some(
                "a producer without idempotence writes a retried batch again when only its answer was lost: at-least-once is what it asked for",
            )
        }
        NO_DUPLICATE_WRITE_ACROSS_SESSIONS if plain_producers().next().is_some() => Some(
            "idempotence lasts one producer session: a restarted producer without a transactional.id gets a new producer id, and the broker cannot recognise what it sends again",
        ),
        NO_DUPLICATE_EFFECT if !config.database.idempotent => Some(
            "Kafka's transactions end at Kafka: a database write made while processing is made again when the record is read again after a crash, unless the database remembers what it applied",
        ),
        NO_ACKNOWLEDGED_WRITE_LOST if plain_producers().any(|p| p.acks != Acks::All) => Some(
            "acks=1 acknowledges a write the followers may not have yet; a new leader without it loses it",
        ),
        NO_ACKNOWLEDGED_WRITE_LOST
            if config
                .cluster
                .topics
                .iter()
                .any(|t| t.replication_factor > 1 && t.min_insync_replicas < 2) =>
        {
            Some(
                "with min.insync.replicas=1, acks=all may mean the leader alone; a new leader without the write loses it",
            )
        }
        NO_RECORD_SKIPPED_BY_GROUP
            if config
                .consumers
                .iter()
                .any(|c| c.processing == ProcessingMode::CommitBeforeProcessing) =>
        {
            Some(
                "committing before processing is at-most-once by choice: a crash between the two leaves records no one processes",
            )
        }
        NO_SEND_LOST if plain_producers().next().is_some() => Some(
            "the producer tells the application the send failed for good; sending it again is the application's part",
        ),
        NO_ABORTED_READ
            if config
                .consumers
                .iter()
                .any(|c| c.isolation_level == IsolationLevel::ReadUncommitted) =>
        {
            Some(
                "read_uncommitted returns records of open transactions, including ones that will abort",
            )
        }
        NO_DUPLICATE_OUTPUT
            if config.streams.iter().any(|app| {
                app.processing_guarantee == ProcessingGuarantee::ExactlyOnceV2
                    && app.send_offsets_group_metadata == SendOffsetsGroupMetadata::GroupIdOnly
            }) =>
        {
            Some(
                "offsets committed without the group's generation are not fenced: with one producer per thread, a thread whose partitions moved to another in a rebalance still commits its output and offsets for them (KIP-447 added the generation for this)",
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invariants::Invariants;

    #[test]
    fn every_guarantee_the_world_checks_has_a_kind() {
        for status in Invariants::default().statuses() {
            assert!(
                kind_of(status.name).is_some(),
                "{} has no kind",
                status.name
            );
        }
        for (name, _) in super::super::reads::CATALOGUE {
            assert!(kind_of(name).is_some(), "{name} has no kind");
        }
    }

    #[test]
    fn a_plain_database_repeats_effects_by_design_an_idempotent_one_does_not() {
        let mut config = WorldConfig::default();
        assert!(expected_by_design(&config, NO_DUPLICATE_EFFECT).is_some());
        config.database.idempotent = true;
        assert!(expected_by_design(&config, NO_DUPLICATE_EFFECT).is_none());
        // An idempotent producer is meant to prevent duplicates in the log.
        assert!(expected_by_design(&config, NO_DUPLICATE_WRITE).is_none());
    }
}
