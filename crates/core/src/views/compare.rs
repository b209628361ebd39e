//! Two branches of one run side by side: after stepping back and acting differently, which
//! records, offsets, visibility, database effects and guarantees differ between the worlds.

use crate::ids::{ClientId, Offset, TopicPartition};
use crate::views::offset_marks::{PartitionMarks, marks};
use crate::views::visibility::{TxnStatus, Visibility, explain, transaction_status};
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one record looks like in one branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    pub key: Option<String>,
    pub value: String,
    pub status: TxnStatus,
    /// What a read_committed consumer would get now.
    pub read_committed: Visibility,
}

/// One difference between the left and the right branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "difference", rename_all = "snake_case")]
pub enum Difference {
    /// The offset holds a record in one branch only, or different records.
    Record {
        topic_partition: TopicPartition,
        offset: Offset,
        left: Option<RecordSummary>,
        right: Option<RecordSummary>,
    },
    /// High watermark, LSO, log end or positions differ.
    Marks {
        topic_partition: TopicPartition,
        left: Option<PartitionMarks>,
        right: Option<PartitionMarks>,
    },
    /// A consumer received a different number of records.
    Received {
        consumer: ClientId,
        left: usize,
        right: usize,
    },
    /// A business id's effect was applied a different number of times.
    Effect {
        business_id: String,
        left: u32,
        right: u32,
    },
    /// A guarantee holds in one branch and is broken in the other.
    Guarantee {
        name: &'static str,
        left_holds: bool,
        right_holds: bool,
    },
}

/// Every difference between `left` and `right`, partitions first, in a fixed order.
pub fn compare(left: &World, right: &World) -> Vec<Difference> {
    let mut out = Vec::new();
    let left_marks = by_partition(marks(left));
    let right_marks = by_partition(marks(right));
    let mut partitions: Vec<&TopicPartition> =
        left_marks.keys().chain(right_marks.keys()).collect();
    partitions.sort();
    partitions.dedup();
    for tp in partitions {
        let (l, r) = (left_marks.get(tp), right_marks.get(tp));
        let end = l
            .map(|m| m.log_end_offset)
            .max(r.map(|m| m.log_end_offset))
            .unwrap_or(Offset(0));
        let start = l
            .map(|m| m.log_start_offset)
            .min(r.map(|m| m.log_start_offset))
            .unwrap_or(Offset(0));
        for o in start.0..end.0 {
            let offset = Offset(o);
            let (a, b) = (summary(left, tp, offset), summary(right, tp, offset));
            if a != b {
                out.push(Difference::Record {
                    topic_partition: tp.clone(),
                    offset,
                    left: a,
                    right: b,
                });
            }
        }
        if l != r {
            out.push(Difference::Marks {
                topic_partition: tp.clone(),
                left: l.cloned(),
                right: r.cloned(),
            });
        }
    }
    let received = |w: &World| -> BTreeMap<ClientId, usize> {
        w.consumers()
            .map(|c| (c.id().clone(), c.received.len()))
            .collect()
    };
    let (l, r) = (received(left), received(right));
    for (consumer, &count) in &l {
        let other = r.get(consumer).copied().unwrap_or(0);
        if count != other {
            out.push(Difference::Received {
                consumer: consumer.clone(),
                left: count,
                right: other,
            });
        }
    }
    let effects = |w: &World| -> BTreeMap<String, u32> {
        w.store()
            .effects()
            .iter()
            .map(|(id, row)| (id.to_string(), row.times_applied))
            .collect()
    };
    let (l, r) = (effects(left), effects(right));
    let mut ids: Vec<&String> = l.keys().chain(r.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let (a, b) = (
            l.get(id).copied().unwrap_or(0),
            r.get(id).copied().unwrap_or(0),
        );
        if a != b {
            out.push(Difference::Effect {
                business_id: id.clone(),
                left: a,
                right: b,
            });
        }
    }
    for (a, b) in left
        .invariants()
        .statuses()
        .iter()
        .zip(right.invariants().statuses())
    {
        let (left_holds, right_holds) = (a.broken.is_none(), b.broken.is_none());
        if left_holds != right_holds {
            out.push(Difference::Guarantee {
                name: a.name,
                left_holds,
                right_holds,
            });
        }
    }
    out
}

fn by_partition(marks: Vec<PartitionMarks>) -> BTreeMap<TopicPartition, PartitionMarks> {
    marks
        .into_iter()
        .map(|m| (m.topic_partition.clone(), m))
        .collect()
}

fn summary(world: &World, tp: &TopicPartition, offset: Offset) -> Option<RecordSummary> {
    let log = &world.cluster().partition(tp)?.leader_replica()?.log;
    let batch = log.batch_containing(offset)?;
    let index = usize::try_from(offset.0 - batch.base_offset.0).ok()?;
    let record = batch.records.get(index)?;
    Some(RecordSummary {
        key: record.key.clone(),
        value: record.value.clone(),
        status: transaction_status(world, tp, offset)?,
        read_committed: explain(world, tp, offset)?.read_committed,
    })
}
