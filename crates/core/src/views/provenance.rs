//! Where a record came from: the `send`s and the request attempt that wrote it, and every later
//! attempt the broker recognised as a duplicate of it and answered without writing (the
//! idempotent producer at work, concept 6).

use crate::event::{Event, EventKind};
use crate::ids::{Offset, TopicPartition};
use crate::world::World;
use serde::Serialize;

/// The history of the batch holding one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordProvenance {
    pub topic_partition: TopicPartition,
    /// The first offset of the batch holding the record.
    pub batch_base_offset: Offset,
    /// The sends whose records the batch holds (empty for hand-made batches and markers).
    pub send_ids: Vec<u64>,
    /// The request attempt that wrote it: 1 for the first, 2 for the first retry, ...
    pub written_by_attempt: u32,
    /// Later attempts of the same batch that the broker answered with this batch's offsets.
    pub deduplicated_attempts: Vec<u32>,
}

/// The provenance of the record at `offset` in the leader's log of `tp`, given the events so
/// far (the duplicates are only in the events: a deduplicated retry leaves nothing in the log).
pub fn provenance<'a>(
    world: &World,
    tp: &TopicPartition,
    offset: Offset,
    events: impl IntoIterator<Item = &'a Event>,
) -> Option<RecordProvenance> {
    let log = &world.cluster().partition(tp)?.leader_replica()?.log;
    let batch = log
        .batch_containing(offset)
        .filter(|_| offset >= log.log_start_offset())?;
    let deduplicated_attempts = events
        .into_iter()
        .filter_map(|e| match &e.kind {
            EventKind::DuplicateBatch {
                topic_partition,
                original_offset,
                attempt,
                ..
            } if topic_partition == tp && *original_offset == batch.base_offset => Some(*attempt),
            _ => None,
        })
        .collect();
    Some(RecordProvenance {
        topic_partition: tp.clone(),
        batch_base_offset: batch.base_offset,
        send_ids: batch.provenance.send_ids.clone(),
        written_by_attempt: batch.provenance.attempt,
        deduplicated_attempts,
    })
}
