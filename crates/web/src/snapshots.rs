//! Worlds kept along the history, so that reaching any step costs one clone and a short replay.
//!
//! A snapshot is kept every [`INTERVAL`] steps, however long the history: a jump replays fewer
//! than `INTERVAL` steps from the nearest one, so going to step 100 000 costs what going to
//! step 1 000 does. Memory stays proportional to the history: the world's growing parts (the
//! logs, every send, the producer states, what the checks remember) are persistent
//! collections, so a snapshot shares them with the one before and adds only what changed.

use eos_core::World;
use std::rc::Rc;

/// Steps between snapshots.
pub const INTERVAL: usize = 64;

/// The kept worlds, by the number of steps after which each was taken; step 0 is always kept.
#[derive(Clone, Debug)]
pub struct Snapshots {
    kept: Vec<(usize, Rc<World>)>,
}

impl Snapshots {
    pub fn new(start: Rc<World>) -> Self {
        Self {
            kept: vec![(0, start)],
        }
    }

    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Keeps the world after `step` if the step is on the interval and newer than every kept
    /// one; `world` is only called when it is kept.
    pub fn offer(&mut self, step: usize, world: impl FnOnce() -> Rc<World>) {
        let newest = self.kept.last().map_or(0, |(s, _)| *s);
        if step == 0 || !step.is_multiple_of(INTERVAL) || step <= newest {
            return;
        }
        self.kept.push((step, world()));
    }

    /// The newest snapshot taken at or before `step`, and its step.
    pub fn at_or_before(&self, step: usize) -> Option<(usize, &Rc<World>)> {
        let index = self.kept.partition_point(|(s, _)| *s <= step);
        self.kept
            .get(index.checked_sub(1)?)
            .map(|(s, world)| (*s, world))
    }

    /// Drops the snapshots taken after `step`, when the history after it is discarded.
    pub fn forget_after(&mut self, step: usize) {
        let keep = self.kept.partition_point(|(s, _)| *s <= step);
        self.kept.truncate(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::WorldConfig;

    fn world() -> Rc<World> {
        Rc::new(World::new(&WorldConfig::default(), 0).expect("default world"))
    }

    #[test]
    fn a_snapshot_is_kept_every_interval() {
        let mut snapshots = Snapshots::new(world());
        for step in 1..=200 {
            snapshots.offer(step, world);
        }
        assert_eq!(snapshots.len(), 4, "steps 0, 64, 128 and 192");
        assert_eq!(snapshots.at_or_before(127).map(|(s, _)| s), Some(64));
        assert_eq!(snapshots.at_or_before(128).map(|(s, _)| s), Some(128));
    }

    #[test]
    fn a_long_history_keeps_the_interval() {
        let mut snapshots = Snapshots::new(world());
        let start = snapshots.at_or_before(0).map(|(_, w)| Rc::clone(w));
        for step in 1..=100_000 {
            snapshots.offer(step, || Rc::clone(start.as_ref().expect("start")));
        }
        for step in [999, 99_999] {
            let (at, _) = snapshots.at_or_before(step).expect("one");
            assert!(step - at < INTERVAL, "step {step}: from {at}");
        }
    }

    #[test]
    fn forgetting_keeps_the_snapshots_up_to_the_step() {
        let mut snapshots = Snapshots::new(world());
        for step in 1..=200 {
            snapshots.offer(step, world);
        }
        snapshots.forget_after(100);
        assert_eq!(snapshots.at_or_before(1000).map(|(s, _)| s), Some(64));
        snapshots.offer(128, world);
        assert_eq!(snapshots.len(), 3);
    }
}
