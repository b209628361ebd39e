//! Consumers and their group: positions, fetched-but-unprocessed records, committed offsets,
//! and the assignment of partitions to the group's live members.
//!
//! Simplified from Kafka's `KafkaConsumer` and group coordinator: fetches and offset commits are
//! answered within the step (no messages in flight), the group coordinator is always available,
//! and a membership change reassigns partitions at once (round-robin over live members sorted by
//! id), bumping the group's generation.

use crate::config::{ConsumerConfig, IsolationLevel, OffsetReset, ProcessingMode};
use crate::ids::{ClientId, Offset, TopicPartition};
use std::collections::BTreeMap;

/// A record a consumer has received and not yet processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRecord {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    pub key: Option<String>,
    pub value: String,
}

/// A record a consumer processed, with the business id it applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedRecord {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    pub business_id: String,
    pub incarnation: u32,
}

/// One consumer instance.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub config: ConsumerConfig,
    pub alive: bool,
    pub incarnation: u32,
    pub assignment: Vec<TopicPartition>,
    /// Next offset to fetch, per assigned partition (`position`).
    pub positions: BTreeMap<TopicPartition, Offset>,
    pub buffer: Vec<ReceivedRecord>,
    /// Everything received so far, in order, across restarts.
    pub received: Vec<ReceivedRecord>,
    pub processed: Vec<ProcessedRecord>,
    pub last_auto_commit_ms: u64,
}

impl Consumer {
    pub fn new(config: ConsumerConfig) -> Self {
        Self {
            config,
            alive: true,
            incarnation: 1,
            assignment: Vec::new(),
            positions: BTreeMap::new(),
            buffer: Vec::new(),
            received: Vec::new(),
            processed: Vec::new(),
            last_auto_commit_ms: 0,
        }
    }

    pub fn id(&self) -> &ClientId {
        &self.config.id
    }

    pub fn isolation_level(&self) -> IsolationLevel {
        self.config.isolation_level
    }

    pub fn processing(&self) -> ProcessingMode {
        self.config.processing
    }

    pub fn offset_reset(&self) -> OffsetReset {
        self.config.auto_offset_reset
    }
}

/// A consumer group's committed offsets and generation (`__consumer_offsets`, simplified).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub generation_id: i32,
    pub committed: BTreeMap<TopicPartition, Offset>,
}

/// Spreads `partitions` over `members` round-robin (both sorted), as Kafka's
/// `RoundRobinAssignor` does for one subscription.
pub fn assign_round_robin(
    partitions: &[TopicPartition],
    members: &[ClientId],
) -> BTreeMap<ClientId, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<ClientId, Vec<TopicPartition>> =
        members.iter().map(|m| (m.clone(), Vec::new())).collect();
    if members.is_empty() {
        return assignment;
    }
    for (i, tp) in partitions.iter().enumerate() {
        if let Some(list) = assignment.get_mut(&members[i % members.len()]) {
            list.push(tp.clone());
        }
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_spreads_partitions_over_members() {
        let tps: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new("t", p)).collect();
        let members = vec![ClientId::new("a"), ClientId::new("b")];
        let got = assign_round_robin(&tps, &members);
        assert_eq!(
            got[&ClientId::new("a")],
            vec![tps[0].clone(), tps[2].clone()]
        );
        assert_eq!(got[&ClientId::new("b")], vec![tps[1].clone()]);
    }
}
