//! A broker's side of a partition: record batches, the replica's log, the partition's memory of
//! each producer, and the cluster of brokers that replicate it.

pub mod batch;
pub mod cluster;
pub mod delete_records;
pub mod fetch;
pub mod log;
pub mod producer_state;
