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
//! Code map (the folders are the parts; one module, one reason to change):
//! - [`ids`], [`error_code`]: Kafka's vocabulary: offsets, producer ids, epochs, sequences, errors.
//! - [`config`]: the starting world, with Kafka's config keys.
//! - [`action`], [`event`]: everything one can do, everything that can happen.
//! - [`world`]: the world value and its `step` function; [`network`]: messages in flight, and
//!   the faults that befall them; [`exchanges`]: hand-made requests answered within a step,
//!   kept beside the network; [`invariants`]: named guarantees checked after every step;
//!   [`rng`]: the seeded generator.
//! - [`broker`]: record batches and a replica's log (segments, high watermark), a partition's
//!   memory of each producer (dedup, sequence and epoch checks), and the cluster (brokers,
//!   leaders, ISR, replication, leader election).
//! - [`coordinator`]: the transaction coordinator's state machine (pure) and the broker hosting
//!   it (`__transaction_state`, markers).
//! - [`clients`]: the producer (accumulator, sequences, retries, partitioner, transaction
//!   states), consumers, groups and offsets, Kafka Streams applications, the external database.
//! - [`views`]: read models for people: offsets now, provenance, visibility, tool output
//!   (`kafka-dump-log.sh`, `kafka-transactions.sh`), branch comparisons, costs.
//! - [`run`]: scenario files, the versioned JSON report, share links, the trace and its hash,
//!   the built-in demo.
//! - [`explore`]: random valid actions for property tests and benchmarks, counterexamples
//!   (runs that break a guarantee, found at random and shrunk), the explorer (swarm runs of a
//!   configuration, anomalies in Jepsen's words, named settings) and the exactly-once matrix.

pub mod action;
pub mod broker;
pub mod clients;
pub mod config;
pub mod coordinator;
pub mod error_code;
pub mod event;
pub mod exchanges;
pub mod explore;
pub mod ids;
pub mod invariants;
pub mod network;
pub mod rng;
pub mod run;
pub mod views;
pub mod world;

/// The Apache Kafka release whose broker and coordinator rules the lab follows where releases
/// differ (for example the strict epoch check on transaction-version-2 markers, new in 4.2).
/// The UI and ARCHITECTURE.md name it; a rule that changed in an earlier release says so in its
/// own narration.
pub const KAFKA_RELEASE: &str = "4.2";

pub use action::Action;
pub use config::WorldConfig;
pub use event::{Event, EventKind};
pub use ids::{ClientId, Offset, TopicPartition};
pub use run::scenario::{Scenario, ScenarioError, ScenarioRun};
pub use run::trace::Trace;
pub use world::{ActionError, World, WorldConfigError};
