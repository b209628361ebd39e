//! Counterexamples: random runs that break a named guarantee, shrunk to the few steps that
//! matter. Under weak settings (idempotence off, `acks=1`, a plain database) the lab's
//! guarantees break, and the shortest run that breaks one is the clearest lesson.
//!
//! Finding draws runs from [`crate::explore`] seed by seed; shrinking removes ever smaller
//! chunks of steps while the guarantee still breaks (delta debugging). Steps that a shorter run
//! makes impossible are skipped on replay, so any subsequence is a valid candidate.

use crate::action::Action;
use crate::config::WorldConfig;
use crate::event::Narration;
use crate::explore::reads::ReadChecks;
use crate::explore::{ExploreLimits, random_action};
use crate::rng::SimRng;
use crate::world::World;

/// A run that breaks `invariant`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    pub invariant: &'static str,
    pub seed: u64,
    /// The steps, in order; replaying them from a fresh world of the same seed breaks it.
    pub actions: Vec<Action>,
    /// Why it broke, as the invariant says.
    pub why: String,
}

/// How long a search may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchLimits {
    pub seeds: u64,
    pub steps_per_run: usize,
    /// Replays the shrinker may spend.
    pub shrink_replays: usize,
}

impl Default for SearchLimits {
    fn default() -> Self {
        Self {
            seeds: 200,
            steps_per_run: 200,
            shrink_replays: 2_000,
        }
    }
}

/// Whether replaying `actions` on a fresh world breaks `invariant` (one of the world's
/// guarantees or of the explorer's read checks), and why. Impossible steps are skipped.
pub fn replay(
    config: &WorldConfig,
    seed: u64,
    actions: &[Action],
    invariant: &str,
) -> Option<String> {
    let mut world = World::new(config, seed).ok()?;
    // Guarantees are checked on the events' kinds; their words are not needed here.
    world.set_narration(Narration::Off);
    let mut reads = ReadChecks::default();
    for action in actions {
        let events = world.step(action).unwrap_or_default();
        reads.observe(&world, &events);
        if let Some(why) = broken_why(&world, &reads, invariant) {
            return Some(why);
        }
    }
    None
}

/// Why `invariant` is broken in this world, if it is.
pub(crate) fn broken_why(world: &World, reads: &ReadChecks, invariant: &str) -> Option<String> {
    match world.invariants().status(invariant) {
        Some(status) => status.broken.as_ref().map(|b| b.why.clone()),
        None => reads.broken(invariant).map(str::to_owned),
    }
}

/// The first random run (seeds `0..limits.seeds`) that breaks `invariant`, cut at the step
/// that broke it and shrunk.
pub fn find(
    config: &WorldConfig,
    invariant: &'static str,
    explore: ExploreLimits,
    limits: SearchLimits,
) -> Option<Counterexample> {
    for seed in 0..limits.seeds {
        let mut world = World::new(config, seed).ok()?;
        world.set_narration(Narration::Off);
        let mut rng = SimRng::new(seed);
        let mut actions = Vec::new();
        for _ in 0..limits.steps_per_run {
            let action = random_action(&world, &mut rng, explore);
            let _ = world.step(&action);
            actions.push(action);
            if world.invariants().status(invariant)?.broken.is_some() {
                let actions = shrink(config, seed, actions, invariant, limits.shrink_replays);
                let why = replay(config, seed, &actions, invariant)?;
                return Some(Counterexample {
                    invariant,
                    seed,
                    actions,
                    why,
                });
            }
        }
    }
    None
}

/// Delta debugging (ddmin): drop chunks of steps, halving the chunk size, as long as the
/// shorter run still breaks `invariant`; at most `budget` replays.
pub fn shrink(
    config: &WorldConfig,
    seed: u64,
    actions: Vec<Action>,
    invariant: &str,
    budget: usize,
) -> Vec<Action> {
    ddmin(actions, budget, |candidate| {
        replay(config, seed, candidate, invariant).is_some()
    })
}

/// Delta debugging over any test: the shortest subsequence of `actions` ddmin reaches for
/// which `still_fails` holds, trying at most `budget` candidates.
pub fn ddmin(
    mut actions: Vec<Action>,
    budget: usize,
    mut still_fails: impl FnMut(&[Action]) -> bool,
) -> Vec<Action> {
    let mut replays = 0;
    let mut chunk = actions.len().div_ceil(2).max(1);
    loop {
        let mut removed_any = false;
        let mut start = 0;
        while start < actions.len() && replays < budget {
            let end = (start + chunk).min(actions.len());
            let candidate: Vec<Action> = actions[..start]
                .iter()
                .chain(&actions[end..])
                .cloned()
                .collect();
            replays += 1;
            if still_fails(&candidate) {
                actions = candidate;
                removed_any = true;
            } else {
                start = end;
            }
        }
        if replays >= budget || (chunk == 1 && !removed_any) {
            return actions;
        }
        if !removed_any {
            chunk = chunk.div_ceil(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Acks, ProducerConfig};
    use crate::invariants::NO_DUPLICATE_WRITE;

    // Concept 2 found by the machine: without idempotence, some run writes a send twice, and
    // the few steps that matter are a send, a lost answer and the retry.
    #[test]
    fn a_duplicate_write_without_idempotence_is_found_and_shrunk_to_a_few_steps() {
        let config = WorldConfig {
            producers: vec![ProducerConfig {
                enable_idempotence: Some(false),
                acks: Acks::All,
                ..ProducerConfig::named("p1")
            }],
            ..WorldConfig::default()
        };
        let limits = ExploreLimits {
            broker_faults: false,
            raw_requests: false,
            ..ExploreLimits::default()
        };
        let found = find(&config, NO_DUPLICATE_WRITE, limits, SearchLimits::default())
            .expect("a duplicate write within 200 runs");
        assert!(
            found.actions.len() <= 6,
            "shrunk to {} steps: {:?}",
            found.actions.len(),
            found.actions
        );
        assert!(replay(&config, found.seed, &found.actions, NO_DUPLICATE_WRITE).is_some());
        assert!(found.why.contains("twice"), "{}", found.why);
        // Every step left matters: without any one of them the write is not duplicated.
        for i in 0..found.actions.len() {
            let mut fewer = found.actions.clone();
            fewer.remove(i);
            assert!(
                replay(&config, found.seed, &fewer, NO_DUPLICATE_WRITE).is_none(),
                "step {i} ({:?}) is not needed",
                found.actions[i]
            );
        }
    }

    #[test]
    fn with_idempotence_the_same_search_finds_nothing() {
        let config = WorldConfig::default();
        let limits = ExploreLimits {
            broker_faults: false,
            raw_requests: false,
            request_faults: false,
            ..ExploreLimits::default()
        };
        let search = SearchLimits {
            seeds: 30,
            ..SearchLimits::default()
        };
        assert_eq!(find(&config, NO_DUPLICATE_WRITE, limits, search), None);
    }
}
