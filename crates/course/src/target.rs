//! What a beat points at on the stage: a client, a broker, a partition or one of its offsets,
//! the transaction coordinator, the external database, or a detail panel. Written in files as
//! `{"producer": "p1"}`, `{"partition": "payments-0"}`,
//! `{"offset": {"partition": "payments-0", "offset": 3}}`, `{"broker": 0}`, `"coordinator"`,
//! `"database"` or `{"panel": "network"}`; checked against the starting world.

use crate::error::{CourseError, ErrorKind, pointer};
use crate::goal::partition_named;
use eos_core::{ClientId, World};
use serde::{Deserialize, Serialize};

/// A thing on the stage or in the detail layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    Producer(String),
    Consumer(String),
    Broker(u32),
    /// A partition, written `topic-N`.
    Partition(String),
    Offset(OffsetTarget),
    Coordinator,
    Database,
    Panel(Panel),
}

/// One offset of a partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetTarget {
    pub partition: String,
    pub offset: i64,
}

/// The detail panels a beat may open and point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Panel {
    Network,
    PartitionLog,
    ConsumerView,
    Coordinator,
    StateDiagram,
    Database,
    Guarantees,
    Timeline,
    Inspector,
    ToolView,
    OffsetsPlot,
}

impl Target {
    /// Whether the starting world has what the target names; located under `at` in `source`.
    pub fn check(&self, source: &str, world: &World, at: &str) -> Result<(), CourseError> {
        let missing = |field: &str, message: String| {
            Err(CourseError::at(
                source,
                &pointer(at, field),
                ErrorKind::UnknownName,
                message,
            ))
        };
        match self {
            Target::Producer(id) if world.producer(&ClientId::new(id.as_str())).is_none() => {
                missing("producer", format!("the scenario has no producer `{id}`"))
            }
            Target::Consumer(id) if world.consumer(&ClientId::new(id.as_str())).is_none() => {
                missing("consumer", format!("the scenario has no consumer `{id}`"))
            }
            Target::Broker(id) if !world.cluster().brokers().any(|(b, _)| b.0 == *id) => {
                missing("broker", format!("the scenario has no broker {id}"))
            }
            Target::Partition(name) if !has_partition(world, name) => missing(
                "partition",
                format!("the scenario has no partition `{name}`"),
            ),
            Target::Offset(o) if !has_partition(world, &o.partition) => missing(
                "offset",
                format!("the scenario has no partition `{}`", o.partition),
            ),
            Target::Offset(o) if o.offset < 0 => missing(
                "offset",
                format!("offset {} is below 0: offsets count from 0", o.offset),
            ),
            _ => Ok(()),
        }
    }
}

fn has_partition(world: &World, name: &str) -> bool {
    partition_named(name).is_some_and(|tp| world.cluster().partition(&tp).is_some())
}
