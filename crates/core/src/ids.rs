//! Kafka's vocabulary as small value types, so a partition number is never confused with an
//! offset, nor a producer id with an epoch.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A position in a partition's log. Kafka numbers records from 0 upwards, one offset each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Offset(pub i64);

impl Offset {
    /// The offset right after this one.
    #[must_use]
    pub fn next(self) -> Offset {
        Offset(self.0 + 1)
    }

    /// This offset moved forward by `n` records.
    #[must_use]
    pub fn plus(self, n: i64) -> Offset {
        Offset(self.0 + n)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id a broker gives a producer session (`producerId` in Kafka's record batch header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProducerId(pub i64);

impl ProducerId {
    /// Kafka's `RecordBatch.NO_PRODUCER_ID`: the batch comes from a producer without idempotence.
    pub const NONE: ProducerId = ProducerId(-1);

    pub fn is_none(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for ProducerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A producer id's generation (`producerEpoch`); a higher epoch fences lower ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProducerEpoch(pub i16);

impl ProducerEpoch {
    /// Kafka's `RecordBatch.NO_PRODUCER_EPOCH`.
    pub const NONE: ProducerEpoch = ProducerEpoch(-1);

    /// The next epoch; Kafka's epochs stop at `Short.MAX_VALUE`.
    #[must_use]
    pub fn bumped(self) -> ProducerEpoch {
        ProducerEpoch(self.0.saturating_add(1))
    }
}

impl fmt::Display for ProducerEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A per-partition sequence number stamped on a batch by an idempotent producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sequence(pub i32);

impl Sequence {
    /// Kafka's `RecordBatch.NO_SEQUENCE`.
    pub const NONE: Sequence = Sequence(-1);

    /// The sequence `n` records after this one, wrapping after `i32::MAX` to 0 as Kafka does
    /// (`DefaultRecordBatch.incrementSequence`).
    #[must_use]
    pub fn plus(self, n: i32) -> Sequence {
        let wide = i64::from(self.0) + i64::from(n);
        let wrapped = wide.rem_euclid(i64::from(i32::MAX) + 1);
        Sequence(i32::try_from(wrapped).unwrap_or(0))
    }
}

impl fmt::Display for Sequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A broker's id (`broker.id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BrokerId(pub u32);

impl fmt::Display for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A partition leader's generation; bumped at every leader election.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaderEpoch(pub i32);

impl fmt::Display for LeaderEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The name a scenario gives a client (a producer or a consumer), e.g. `p1`.
///
/// Shared rather than owned: ids are keys and values in the world's persistent maps, and a
/// step's first change to a map after a clone (a snapshot, a jump in time) copies a node of
/// up to 64 entries, each id a counter increment instead of an allocation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub Arc<str>);

impl ClientId {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A topic name and a partition number, written `topic-partition` as Kafka's tools do. The
/// name is shared, as a [`ClientId`] is, for the same reason.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: Arc<str>,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<Arc<str>>, partition: u32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// The transaction protocol (`transaction.version` feature; `TransactionVersion` in Kafka's
/// `server-common`): the coordinator runs by it, and since Kafka 4.2 (KIP-1228) each marker
/// carries it so the partition leader checks the marker's epoch by its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TransactionVersion {
    /// The classic protocol (Kafka's `TV_0`/`TV_1`): the epoch stays put across transactions, the
    /// client adds partitions itself.
    V1,
    /// KIP-890 (Kafka's `TV_2`): the epoch is bumped at every EndTxn, and an abort is accepted
    /// even when no transaction is open.
    V2,
}

impl TransactionVersion {
    /// `TransactionVersion.supportsEpochBump`.
    pub fn supports_epoch_bump(self) -> bool {
        self == TransactionVersion::V2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_wrap_after_i32_max_to_zero() {
        assert_eq!(Sequence(i32::MAX).plus(1), Sequence(0));
        assert_eq!(Sequence(i32::MAX - 1).plus(3), Sequence(1));
        assert_eq!(Sequence(4).plus(3), Sequence(7));
    }
}
