//! The simulated world and its single entry point, [`World::step`].

use crate::action::Action;
use crate::event::{Event, EventKind};
use crate::ids::{Offset, TopicPartition};
use crate::log::PartitionLog;
use crate::rng::SimRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The cluster a world starts with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub topics: Vec<TopicConfig>,
}

/// One topic of the starting cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    pub name: String,
    pub partitions: u32,
    /// Records per log segment before a new one is rolled.
    #[serde(default = "default_segment_records")]
    pub segment_records: u64,
}

fn default_segment_records() -> u64 {
    4
}

impl Default for ClusterConfig {
    /// One topic, `payments`, with one partition: the smallest world that shows a log.
    fn default() -> Self {
        Self {
            topics: vec![TopicConfig {
                name: "payments".to_owned(),
                partitions: 1,
                segment_records: default_segment_records(),
            }],
        }
    }
}

/// An action that cannot be carried out because it names something that does not exist or
/// asks for something impossible. This is a mistake in the input, not a Kafka error: Kafka
/// errors are reported as events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    UnknownTopic(String),
    UnknownPartition(TopicPartition),
    NegativeOffset(i64),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::UnknownTopic(t) => write!(f, "topic `{t}` is not defined"),
            ActionError::UnknownPartition(tp) => write!(f, "partition `{tp}` is not defined"),
            ActionError::NegativeOffset(o) => write!(f, "offset {o} is negative"),
        }
    }
}

impl std::error::Error for ActionError {}

/// The whole simulated world: one value, changed only by [`World::step`].
#[derive(Clone, Debug)]
pub struct World {
    now_ms: u64,
    // Unused until faults are scheduled from the seed; kept so the seed is part of the state.
    #[allow(dead_code)]
    rng: SimRng,
    partitions: BTreeMap<TopicPartition, PartitionLog>,
}

impl World {
    /// A world with the given cluster, every log empty, at simulated time 0.
    pub fn new(config: &ClusterConfig, seed: u64) -> Self {
        let mut partitions = BTreeMap::new();
        for topic in &config.topics {
            for p in 0..topic.partitions {
                partitions.insert(
                    TopicPartition::new(topic.name.clone(), p),
                    PartitionLog::new(topic.segment_records.max(1)),
                );
            }
        }
        Self {
            now_ms: 0,
            rng: SimRng::new(seed),
            partitions,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Every partition and its log, ordered by topic then partition.
    pub fn partitions(&self) -> impl Iterator<Item = (&TopicPartition, &PartitionLog)> {
        self.partitions.iter()
    }

    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionLog> {
        self.partitions.get(tp)
    }

    /// Applies one action and returns what happened. On error the world is unchanged.
    pub fn step(&mut self, action: &Action) -> Result<Vec<Event>, ActionError> {
        match action {
            Action::Append {
                topic,
                partition,
                key,
                value,
            } => self.append(topic, *partition, key.clone(), value.clone()),
            Action::Read {
                topic,
                partition,
                offset,
                max_records,
            } => self.read(topic, *partition, *offset, *max_records),
            Action::AdvanceTime { ms } => {
                self.now_ms = self.now_ms.saturating_add(*ms);
                Ok(vec![Event::new(
                    EventKind::TimeAdvanced {
                        now_ms: self.now_ms,
                    },
                    format!(
                        "{ms} ms pass; the simulated clock now reads {} ms.",
                        self.now_ms
                    ),
                )])
            }
        }
    }

    fn log_mut(&mut self, topic: &str, partition: u32) -> Result<&mut PartitionLog, ActionError> {
        let tp = TopicPartition::new(topic, partition);
        if !self.partitions.keys().any(|k| k.topic == topic) {
            return Err(ActionError::UnknownTopic(topic.to_owned()));
        }
        self.partitions
            .get_mut(&tp)
            .ok_or(ActionError::UnknownPartition(tp))
    }

    fn append(
        &mut self,
        topic: &str,
        partition: u32,
        key: Option<String>,
        value: String,
    ) -> Result<Vec<Event>, ActionError> {
        let now_ms = self.now_ms;
        let log = self.log_mut(topic, partition)?;
        let tp = TopicPartition::new(topic, partition);
        let offset = log.append(key, value.clone(), now_ms);
        // With one replica the in-sync set is the leader alone, so the high watermark reaches the
        // log end right after the append (Partition.maybeIncrementLeaderHW).
        log.advance_high_watermark(log.log_end_offset());
        let high_watermark = log.high_watermark();
        Ok(vec![
            Event::new(
                EventKind::RecordAppended {
                    topic_partition: tp.clone(),
                    offset,
                    value: value.clone(),
                },
                format!(
                    "The leader of {tp} appends \"{value}\" at offset {offset}: each record gets the next offset in the log."
                ),
            ),
            Event::new(
                EventKind::HighWatermarkAdvanced {
                    topic_partition: tp.clone(),
                    high_watermark,
                },
                format!(
                    "The high watermark of {tp} moves to {high_watermark}: every replica in sync has the record, so consumers may now read it."
                ),
            ),
        ])
    }

    fn read(
        &mut self,
        topic: &str,
        partition: u32,
        offset: i64,
        max_records: u32,
    ) -> Result<Vec<Event>, ActionError> {
        if offset < 0 {
            return Err(ActionError::NegativeOffset(offset));
        }
        let log = self.log_mut(topic, partition)?;
        let tp = TopicPartition::new(topic, partition);
        let from = Offset(offset);
        let high_watermark = log.high_watermark();
        let offsets: Vec<Offset> = log
            .read(from, high_watermark, max_records as usize)
            .iter()
            .map(|r| r.offset)
            .collect();
        let explanation = match (offsets.first(), offsets.last()) {
            (Some(first), Some(last)) => format!(
                "A consumer fetches {tp} from offset {from} and gets offsets {first} to {last}: it may read up to the high watermark, {high_watermark}."
            ),
            _ => format!(
                "A consumer fetches {tp} from offset {from} and gets nothing: there is nothing below the high watermark, {high_watermark}, from there."
            ),
        };
        Ok(vec![Event::new(
            EventKind::RecordsFetched {
                topic_partition: tp,
                from,
                offsets,
                high_watermark,
            },
            explanation,
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(value: &str) -> Action {
        Action::Append {
            topic: "payments".into(),
            partition: 0,
            key: None,
            value: value.into(),
        }
    }

    #[test]
    fn append_explains_the_offset_it_got() {
        let mut world = World::new(&ClusterConfig::default(), 0);
        world.step(&append("a")).unwrap();
        let events = world.step(&append("b")).unwrap();
        assert!(matches!(
            events[0].kind,
            EventKind::RecordAppended { offset: Offset(1), .. }
        ));
        assert!(events[0].explanation.contains("offset 1"));
    }

    #[test]
    fn unknown_topic_is_an_error_and_changes_nothing() {
        let mut world = World::new(&ClusterConfig::default(), 0);
        let err = world
            .step(&Action::Append {
                topic: "nope".into(),
                partition: 0,
                key: None,
                value: "x".into(),
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "topic `nope` is not defined");
        let tp = TopicPartition::new("payments", 0);
        assert_eq!(world.partition(&tp).unwrap().log_end_offset(), Offset(0));
    }

    #[test]
    fn read_returns_what_was_appended_up_to_the_high_watermark() {
        let mut world = World::new(&ClusterConfig::default(), 0);
        for v in ["a", "b", "c"] {
            world.step(&append(v)).unwrap();
        }
        let events = world
            .step(&Action::Read {
                topic: "payments".into(),
                partition: 0,
                offset: 1,
                max_records: 10,
            })
            .unwrap();
        let EventKind::RecordsFetched { offsets, .. } = &events[0].kind else {
            panic!("expected a fetch event, got {:?}", events[0].kind);
        };
        assert_eq!(offsets, &vec![Offset(1), Offset(2)]);
    }
}
