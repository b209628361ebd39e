//! A broker's side of a partition: record batches, the replica's log, the partition's memory of
//! each producer, the cluster of brokers that replicate it, and the group coordinator's
//! `__consumer_offsets-0`.

pub mod batch;
pub mod cluster;
pub mod delete_records;
pub mod fetch;
pub mod log;
pub mod offsets_log;
pub mod producer_state;
pub mod record_size;
pub mod topic_name;
