//! The clients and the world around them: producers, consumers, Kafka Streams applications, and
//! the external database the applications write their effects to.

pub mod consumer;
pub mod partitioner;
pub mod producer;
pub mod producer_txn;
pub mod store;
pub mod streams;
