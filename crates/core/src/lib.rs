//! The EOS Lab simulation core: a sans-IO, deterministic model of how Kafka achieves
//! exactly-once semantics.
//!
//! The whole simulated world is one value, [`World`]. Nothing changes it but
//! [`World::step`], which takes one [`Action`] and returns the [`Event`]s it caused, each with a
//! plain-words explanation. Time and randomness are inputs: the core never reads a clock or the
//! operating system's randomness, so the same seed and actions give the same trace on every
//! platform (native, wasm). Drivers (the web UI, the CLI, tests) only send actions and render
//! state.
//!
//! Code map (one module, one reason to change):
//! - [`ids`], [`error_code`]: Kafka's vocabulary: offsets, producer ids, epochs, sequences, errors.
//! - [`config`]: the starting world, with Kafka's config keys.
//! - [`batch`], [`log`]: record batches and a replica's log (segments, high watermark).
//! - [`producer_state`]: a partition's memory of each producer (dedup, sequence and epoch checks).
//! - [`txn_coordinator`]: the transaction coordinator's state machine (pure).
//! - [`coordinator_host`]: the broker hosting the coordinator: `__transaction_state`, markers.
//! - [`cluster`]: brokers, partitions, leaders, ISR, replication, leader election.
//! - [`network`]: messages in flight, and the faults that befall them.
//! - [`producer`], [`partitioner`]: the producer client (accumulator, sequences, retries).
//! - [`producer_txn`]: the producer client's transaction states (`TransactionManager`).
//! - [`consumer`], [`store`]: consumers, groups and offsets; the external database.
//! - [`streams`]: Kafka Streams applications laid out as threads and producers.
//! - [`action`], [`event`]: everything one can do, everything that can happen.
//! - [`world`]: the world value and its `step` function.
//! - [`invariants`]: named guarantees checked after every step.
//! - [`costs`]: what exactly-once costs (requests, transaction-log writes, markers), from events.
//! - [`explore`]: random valid actions for property tests and benchmarks.
//! - [`counterexample`]: runs that break a guarantee, found at random and shrunk.
//! - [`scenario`], [`report`]: scenario files and the versioned JSON report.
//! - [`share`]: a scenario as a share link (deflate + base64url), decoded as untrusted input.
//! - [`compare`]: what differs between two branches of a run.
//! - [`offset_marks`]: each partition's offsets now (log start, HW, LSO, log end, positions).
//! - [`provenance`]: which send and attempt wrote a record, which retries were deduplicated.
//! - [`visibility`]: why a record is or is not visible to each isolation level.
//! - [`tool_views`]: what `kafka-dump-log.sh` and `kafka-transactions.sh` would print.
//! - [`trace`], [`rng`]: a run's record and hash; the seeded generator.
//! - [`demo`]: the tiny built-in scenario.

pub mod action;
pub mod batch;
pub mod cluster;
pub mod compare;
pub mod config;
pub mod consumer;
pub mod coordinator_host;
pub mod costs;
pub mod counterexample;
pub mod demo;
pub mod error_code;
pub mod event;
pub mod explore;
pub mod ids;
pub mod invariants;
pub mod log;
pub mod network;
pub mod offset_marks;
pub mod partitioner;
pub mod producer;
pub mod producer_state;
pub mod producer_txn;
pub mod provenance;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod share;
pub mod store;
pub mod streams;
pub mod tool_views;
pub mod trace;
pub mod txn_coordinator;
pub mod visibility;
pub mod world;

pub use action::Action;
pub use config::WorldConfig;
pub use event::{Event, EventKind};
pub use ids::{ClientId, Offset, TopicPartition};
pub use trace::Trace;
pub use world::{ActionError, World, WorldConfigError};
