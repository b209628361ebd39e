//! A run's record: each step's action and events, rendered as narrated text, with a stable hash.
//!
//! The hash is FNV-1a (64 bit) over the rendered text, written out here so that it never
//! changes with a dependency: the same scenario must give the same hash on native and wasm.

use crate::action::Action;
use crate::event::Event;
use crate::world::{ActionError, World};
use std::fmt::Write as _;

/// One step of a run: the action and what it caused (or why it could not run).
#[derive(Clone, Debug)]
pub struct TraceStep {
    pub action: Action,
    pub outcome: Result<Vec<Event>, ActionError>,
}

/// A whole run, step by step.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub steps: Vec<TraceStep>,
}

impl Trace {
    /// Runs `actions` against `world` and records every step.
    pub fn record(world: &mut World, actions: &[Action]) -> Self {
        let steps = actions
            .iter()
            .map(|action| TraceStep {
                action: action.clone(),
                outcome: world.step(action),
            })
            .collect();
        Self { steps }
    }

    /// The narrated trace: one numbered line per step, then one indented line per event.
    pub fn narrate(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(out, "step {}: {}", i + 1, step.action.describe());
            match &step.outcome {
                Ok(events) => {
                    for event in events {
                        let _ = writeln!(out, "  {event}");
                    }
                }
                Err(error) => {
                    let _ = writeln!(out, "  rejected: {error}");
                }
            }
        }
        out
    }

    /// FNV-1a of the narrated trace.
    pub fn hash(&self) -> u64 {
        fnv1a(self.narrate().as_bytes())
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vector() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
