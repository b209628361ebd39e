//! Profiling aid for time travel (docs/performance.md): grows a free-play lab with the history
//! bench's random actions, then makes many jumps around one step, in a function of its own so
//! that a profiler can count only the jumps:
//! `valgrind --tool=callgrind --toggle-collect='*jumps::jump_around*' target/release/examples/jumps 100000`.
//! Arguments: the step to jump around (default 1 000), and how many rounds of 64 jumps (4).

#![allow(clippy::disallowed_methods)] // prints wall-clock time on purpose, like the benches

use std::rc::Rc;
use std::time::Instant;

use eos_core::explore::{ExploreLimits, random_action};
use eos_core::rng::SimRng;
use eos_web::state::{LabAction, LabState};
use yew::Reducible;

fn grow(steps: usize) -> Rc<LabState> {
    let limits = ExploreLimits {
        raw_requests: false,
        ..ExploreLimits::default()
    };
    let mut rng = SimRng::new(7);
    let mut lab = Rc::new(LabState::default());
    for _ in 0..steps {
        let Ok(world) = lab.world() else { break };
        let action = random_action(world, &mut rng, limits);
        lab = lab.reduce(LabAction::Act(action));
    }
    lab
}

/// Copies of `lab` at its end, one per jump, made before anything is counted (as the bench does).
fn starts(lab: &Rc<LabState>, jumps: usize) -> Vec<Rc<LabState>> {
    let end = lab.history().len();
    (0..jumps)
        .map(|_| Rc::clone(lab).reduce(LabAction::JumpTo(end)))
        .collect()
}

/// One jump from each of `starts` to targets 17 steps apart around `step`, 64 in turn.
#[inline(never)]
fn jump_around(starts: Vec<Rc<LabState>>, step: usize) -> Vec<Rc<LabState>> {
    let first = step.saturating_sub(32 * 17);
    starts
        .into_iter()
        .enumerate()
        .map(|(i, at_end)| at_end.reduce(LabAction::JumpTo(first + 17 * (i % 64))))
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let step: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    // The history bench's lab: 2 000 steps past the far step.
    let lab = grow(102_000);
    let jumps = 64 * rounds;
    let starts = starts(&lab, jumps);
    let started = Instant::now();
    let arrived = jump_around(starts, step);
    let per_jump = started.elapsed().as_secs_f64() * 1e3 / jumps as f64;
    let reached: usize = arrived.iter().map(|lab| lab.cursor()).sum();
    println!("{jumps} jumps around step {step}: {per_jump:.3} ms each (cursors sum {reached})");
    // What the replays had to do, to tell a costlier step from a busier stretch of the lab.
    let first = step.saturating_sub(32 * 17);
    let replayed = (0..64).map(|i| first + 17 * i).flat_map(|target| {
        let snapshot = target - target % eos_web::snapshots::INTERVAL;
        snapshot..target
    });
    let (steps, events) = replayed.fold((0, 0), |(steps, events), i| {
        (steps + 1, events + lab.history()[i].events.len())
    });
    println!("each round replays {steps} steps causing {events} events");
}
