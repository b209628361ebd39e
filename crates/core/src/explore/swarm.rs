//! Swarm testing (Groce et al., 2012): every run draws its own mix of actions and faults from
//! its seed. One run hardly ever crashes a broker, another loses every third answer, a third
//! never lets time pass; rare combinations come up because most runs leave most faults out.
//! The seed alone decides the mix, so it stays the run's whole identity.

use super::hold::HoldMix;
use super::{ActionWeights, ExploreLimits};
use crate::rng::SimRng;

/// Kept apart from the seed's action stream, so the mix does not shift the actions drawn.
const MIX_STREAM: u64 = 0x5357_4152_4d5f_4d49;

/// The weights' unit: a kind of action drawn "once" weighs this much, so a fault can be drawn
/// rarer than that. A broker or producer crash interrupts every transaction in flight, and a
/// transaction needs dozens of steps to commit; at one step in thirty-five, the old unit, a run
/// that has producer faults hardly commits, and nothing behind a commit is reached. With a
/// weight of 1 on this scale such a run has one or two of them. Consumer crashes and restarts
/// (the rebalances Kafka Streams' threads race through) span the other way, from none to one
/// step in twelve.
const SCALE: u32 = 4;

/// The limits of the run with this seed: `base`'s flags (what the application may do at all),
/// with weights and time jumps drawn from the seed. Request faults stay off if `base` has them
/// off; otherwise half the runs keep them.
pub fn swarm(seed: u64, base: ExploreLimits) -> ExploreLimits {
    let mut rng = SimRng::new(seed ^ MIX_STREAM);
    let mut between = |low: u32, high: u32| low + rng.below(u64::from(high - low + 1)) as u32;
    let weights = ActionWeights {
        send: SCALE * between(4, 12),
        deliver: SCALE * between(2, 8),
        message_fault: SCALE * between(0, 4),
        drop: between(0, 3),
        duplicate: between(0, 3),
        delay: between(0, 3),
        advance_time: SCALE * between(0, 2),
        replicate: SCALE * between(3, 10),
        broker_fault: between(0, 1),
        producer_fault: between(0, 1),
        consumer: SCALE * between(3, 8),
        poll: between(1, 3),
        process: between(1, 3),
        commit: between(1, 3),
        consumer_fault: between(0, 3 * SCALE),
        raw_request: base.weights.raw_request,
        admin: base.weights.admin,
        streams: SCALE * between(1, 4),
        // Under exactly-once a thread commits every `commit.interval.ms` (100 ms), so most
        // of its loops end in a commit.
        streams_process: 1,
        streams_commit: 1,
        flush: SCALE * between(0, 1),
    };
    const ADVANCES_MS: [u64; 4] = [500, 5_000, 40_000, 130_000];
    let advance = ADVANCES_MS[between(0, 3) as usize];
    let request_faults = base.request_faults && between(0, 1) == 1;
    // Drawn last, so the draws above are those of the runs before holds existed. Half the runs
    // hold nothing; the others hold a produce request now and then, for a while.
    const HOLD_PERCENTS: [u32; 6] = [0, 0, 0, 10, 25, 50];
    const HOLD_STEPS: [u32; 4] = [30, 60, 100, 150];
    let holds = HoldMix {
        percent: HOLD_PERCENTS[between(0, 5) as usize],
        steps: HOLD_STEPS[between(0, 3) as usize],
    };
    ExploreLimits {
        max_advance_ms: advance,
        request_faults,
        weights,
        holds,
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_the_seeds_and_differs_between_seeds() {
        let base = ExploreLimits::default();
        assert_eq!(swarm(7, base), swarm(7, base));
        let mixes: std::collections::BTreeSet<_> = (0..20)
            .map(|seed| format!("{:?}", swarm(seed, base)))
            .collect();
        assert!(mixes.len() > 15, "{} distinct mixes", mixes.len());
        // Some runs leave broker faults out entirely, others keep them.
        let broker = |seed| swarm(seed, base).weights.broker_fault;
        assert!((0..20).any(|s| broker(s) == 0) && (0..20).any(|s| broker(s) > 0));
    }
}
