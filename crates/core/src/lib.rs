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
//! - [`ids`]: Kafka's vocabulary as newtypes (offsets, topic-partitions).
//! - [`log`]: a partition's log: records, segments, log start offset, high watermark, log end.
//! - [`action`]: everything a user, lesson or test can do to the world.
//! - [`event`]: everything that can happen, with its explanation.
//! - [`world`]: the world value and its `step` function.
//! - [`trace`]: a run's record and its stable hash, for determinism checks and golden tests.
//! - [`rng`]: the seeded, pinned pseudo-random generator.
//! - [`demo`]: the tiny built-in scenario the CLI and tests run.

pub mod action;
pub mod demo;
pub mod event;
pub mod ids;
pub mod log;
pub mod rng;
pub mod trace;
pub mod world;

pub use action::Action;
pub use event::{Event, EventKind};
pub use ids::{Offset, TopicPartition};
pub use trace::Trace;
pub use world::{ActionError, ClusterConfig, TopicConfig, World};
