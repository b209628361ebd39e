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
//! - [`steps`]: each applied step's record and [`steps::StepsSoFar`], the shared handle views
//!   use to look back over the history without copying it.
//! - [`scenarios`]: where a lab starts: free play or a shipped scenario file.
//! - [`components`]: one view per file, each fed by props and callbacks only.
//! - [`narration`]: a step told in one sentence with its events grouped (pure, for
//!   `components::narration`); [`concepts`]: the concepts' short titles, in the story's order.
//! - [`launch`]: the URL parameters that choose how a lab starts (pure, typed problems).
//! - [`playback`]: play speeds and the timer hook that ticks the reducer.
//! - [`embed`]: embed mode's effects: chrome class, height messages, pause off-screen.
//! - [`course`]: the course outline and the lesson player beside the stage, exercise mode,
//!   making an exercise from a lab; course files fetched when opened, progress in the browser.
//! - [`turns`]: the page's first drawing in turns (top band, stage, details), each its own task.
//! - [`saved`]: the saved-lab format (autosave, export, import); [`autosave`]: its storage hook.

pub mod app;
pub mod autosave;
pub mod components;
pub mod concepts;
pub mod course;
pub mod embed;
pub mod explorer;
pub mod launch;
pub mod narration;
pub mod playback;
pub mod saved;
pub mod scenarios;
pub mod snapshots;
pub mod stage;
pub mod state;
pub mod steps;
pub mod turns;

pub use app::App;
