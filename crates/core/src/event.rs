//! Everything that can happen in the world. Each event carries a plain-words explanation that
//! names the Kafka concept involved, so every step can be narrated.

use crate::ids::{Offset, TopicPartition};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One thing that happened during a step, with the sentence that explains it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(flatten)]
    pub kind: EventKind,
    pub explanation: String,
}

/// What happened, as data for views and checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The partition leader wrote a record at `offset`.
    RecordAppended {
        topic_partition: TopicPartition,
        offset: Offset,
        value: String,
    },
    /// The high watermark moved: records below it are now readable by consumers.
    HighWatermarkAdvanced {
        topic_partition: TopicPartition,
        high_watermark: Offset,
    },
    /// A fetch returned these offsets.
    RecordsFetched {
        topic_partition: TopicPartition,
        from: Offset,
        offsets: Vec<Offset>,
        high_watermark: Offset,
    },
    /// Simulated time moved forward.
    TimeAdvanced { now_ms: u64 },
}

impl Event {
    pub fn new(kind: EventKind, explanation: impl Into<String>) -> Self {
        Self {
            kind,
            explanation: explanation.into(),
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explanation)
    }
}
