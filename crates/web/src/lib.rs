//! The EOS Lab browser app: a Yew view over the `eos_core` simulation.
//!
//! The UI owns no simulation logic. It renders the core's state and changes it only by
//! dispatching a [`state::LabAction`], which the reducer turns into a core `Action` for
//! `World::step`. The library holds the whole app so browser tests can mount [`App`]; the
//! `eos-web` binary only renders it.
//!
//! Code map:
//! - [`app`]: the page layout and the one reducer that owns the state.
//! - [`state`]: [`state::LabState`], [`state::LabAction`] and the pure `reduce`: the history
//!   of applied core actions, snapshots and the cursor (time travel).
//! - [`snapshots`]: worlds kept along the history, bounded in number.
//! - [`scenarios`]: where a lab starts: free play or a shipped scenario file.
//! - [`components`]: one view per file, each fed by props and callbacks only.
//! - [`saved`]: the saved-lab format (autosave, export, import); [`autosave`]: its storage hook.

pub mod app;
pub mod autosave;
pub mod components;
pub mod saved;
pub mod scenarios;
pub mod snapshots;
pub mod state;

pub use app::App;
