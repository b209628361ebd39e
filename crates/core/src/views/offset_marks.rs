//! The offsets that matter for each partition at one moment: log start, high watermark, last
//! stable offset, log end, and where each consumer and group stands. Sampled after every step
//! they give the "offsets over time" plot, where the gap between the high watermark and the LSO
//! is the wait of a read_committed consumer.

use crate::ids::{ClientId, Offset, TopicPartition};
use crate::world::World;
use serde::Serialize;

/// One partition's marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionMarks {
    pub topic_partition: TopicPartition,
    pub log_start_offset: Offset,
    pub high_watermark: Offset,
    pub last_stable_offset: Offset,
    pub log_end_offset: Offset,
    /// Each live consumer assigned the partition, with its position (next offset to fetch), if
    /// it has one.
    pub positions: Vec<(ClientId, Offset)>,
    /// Each group's committed offset for the partition.
    pub committed: Vec<(String, Offset)>,
}

/// Every partition's marks now, in topic and partition order; a partition without a leader has
/// only its log's marks from no replica, so it is left out.
pub fn marks(world: &World) -> Vec<PartitionMarks> {
    world
        .cluster()
        .partitions()
        .filter_map(|p| {
            let log = &p.leader_replica()?.log;
            let tp = &p.topic_partition;
            let positions = world
                .consumers()
                .filter(|c| c.alive)
                .filter_map(|c| Some((c.id().clone(), *c.positions.get(tp)?)))
                .collect();
            let committed = world
                .groups()
                .iter()
                .filter_map(|(g, group)| Some((g.clone(), *group.committed.get(tp)?)))
                .collect();
            Some(PartitionMarks {
                topic_partition: tp.clone(),
                log_start_offset: log.log_start_offset(),
                high_watermark: p.high_watermark(),
                last_stable_offset: p.last_stable_offset(),
                log_end_offset: log.log_end_offset(),
                positions,
                committed,
            })
        })
        .collect()
}
