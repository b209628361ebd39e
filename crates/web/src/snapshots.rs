//! Worlds kept along the history, so that reaching any step costs one clone and a short replay.
//!
//! A snapshot is kept every `interval` steps. When more than [`MAX_KEPT`] are kept, the interval
//! doubles and every other one is dropped: memory stays bounded however long the history grows,
//! and a jump replays fewer than `interval` steps (about 1 500 at 100 000 steps, a few
//! milliseconds of core time).

use eos_core::World;
use std::rc::Rc;

/// Steps between snapshots while the history is short.
pub const FIRST_INTERVAL: usize = 64;
/// The most snapshots kept at once.
pub const MAX_KEPT: usize = 64;

/// The kept worlds, by the number of steps after which each was taken; step 0 is always kept.
#[derive(Clone, Debug)]
pub struct Snapshots {
    interval: usize,
    kept: Vec<(usize, Rc<World>)>,
}

impl Snapshots {
    pub fn new(start: Rc<World>) -> Self {
        Self {
            interval: FIRST_INTERVAL,
            kept: vec![(0, start)],
        }
    }

    pub fn interval(&self) -> usize {
        self.interval
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
        if step == 0 || !step.is_multiple_of(self.interval) || step <= newest {
            return;
        }
        self.kept.push((step, world()));
        if self.kept.len() > MAX_KEPT {
            self.interval *= 2;
            let interval = self.interval;
            self.kept.retain(|(s, _)| s.is_multiple_of(interval));
        }
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
        self.kept.retain(|(s, _)| *s <= step);
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
    fn a_long_history_keeps_a_bounded_number_with_a_wider_interval() {
        let mut snapshots = Snapshots::new(world());
        let start = snapshots.at_or_before(0).map(|(_, w)| Rc::clone(w));
        for step in 1..=100_000 {
            snapshots.offer(step, || Rc::clone(start.as_ref().expect("start")));
        }
        assert!(snapshots.len() <= MAX_KEPT);
        assert!(snapshots.interval() <= 100_000 / (MAX_KEPT / 2));
        let (at, _) = snapshots.at_or_before(99_999).expect("one");
        assert!(99_999 - at < snapshots.interval());
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
