//! Step throughput and how a step's cost grows with the log. Run with
//! `cargo bench -p eos-core --bench step`; the figures go into `docs/performance.md`.
//!
//! A plain harness (no criterion) keeps the build light on 2-core machines: each measurement
//! is the median, or the fastest, of several runs (each says which and why).

#![allow(clippy::disallowed_methods)] // a benchmark measures wall-clock time on purpose

use eos_core::config::{ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig, WorldConfig};
use eos_core::explore::{ExploreLimits, random_action};
use eos_core::rng::SimRng;
use eos_core::run::trace::Trace;
use eos_core::{Action, ClientId, World};
use std::time::{Duration, Instant};

/// The wasm side allocates as the app and the explorer's worker do (their `main.rs`).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn world_config() -> WorldConfig {
    WorldConfig {
        cluster: ClusterConfig {
            brokers: 3,
            topics: vec![TopicConfig {
                replication_factor: 3,
                min_insync_replicas: 2,
                ..TopicConfig::named("payments", 2)
            }],
            ..ClusterConfig::default()
        },
        producers: vec![ProducerConfig::named("p1"), ProducerConfig::named("p2")],
        consumers: vec![ConsumerConfig::named("c1", "payments")],
        ..WorldConfig::default()
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The seeds of the random runs.
const SEEDS: u64 = 5;

/// The random runs' actions, seed by seed, as the benchmark plays them.
fn random_actions(seed: u64, steps: usize) -> Vec<Action> {
    let mut world = World::new(&world_config(), seed).expect("valid world");
    let mut rng = SimRng::new(seed);
    (0..steps)
        .map(|_| {
            let a = random_action(&world, &mut rng, ExploreLimits::default());
            let _ = world.step(&a);
            a
        })
        .collect()
}

/// One hash over the narrated traces of every seed's run: equal natively and in wasm, or the
/// two did not run the same steps.
fn random_run_trace_hash(steps: usize) -> u64 {
    (0..SEEDS).fold(0, |hash, seed| {
        let mut world = World::new(&world_config(), seed).expect("valid world");
        let trace = Trace::record(&mut world, &random_actions(seed, steps));
        hash.rotate_left(7) ^ trace.hash()
    })
}

/// Steps per second over long random runs with faults: every seed's steps over the time of its
/// fastest replay. The fastest of a few, because a replay can only be slowed (a neighbour on
/// the machine, a JIT still compiling the first one in wasm), never sped up; summed over seeds,
/// because seeds differ in how much a step does and a median would compare different seeds.
fn random_run_throughput(steps: usize, replays: usize) -> f64 {
    let total: Duration = (0..SEEDS)
        .map(|seed| {
            let actions = random_actions(seed, steps);
            (0..replays)
                .map(|_| {
                    let mut replay = World::new(&world_config(), seed).expect("valid world");
                    let start = Instant::now();
                    for a in &actions {
                        let _ = replay.step(a);
                    }
                    start.elapsed()
                })
                .min()
                .unwrap_or_default()
        })
        .sum();
    (SEEDS as usize * steps) as f64 / total.as_secs_f64()
}

/// The cost of one send-and-deliver step on a single-replica partition already holding `records`.
fn step_cost_at(records: usize) -> Duration {
    let mut world = World::new(&WorldConfig::default(), 1).expect("valid world");
    let _ = world.step(&Action::DeliverAll {});
    let send = |i: usize| Action::Send {
        producer: ClientId::new("p1"),
        topic: "payments".into(),
        partition: Some(0),
        key: Some(format!("k{i}")),
        value: "v".into(),
    };
    for i in 0..records {
        let _ = world.step(&send(i));
        let _ = world.step(&Action::DeliverAll {});
    }
    let samples: Vec<Duration> = (0..2_000)
        .map(|i| {
            let start = Instant::now();
            let _ = world.step(&send(records + i));
            let _ = world.step(&Action::DeliverAll {});
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn main() {
    // `cargo test --benches` runs this binary too; keep that quick.
    let quick =
        std::env::args().any(|a| a == "--test") || std::env::var_os("BENCH_QUICK").is_some();
    let (steps, big, replays) = if quick {
        (2_000, 2_000, 1)
    } else {
        (50_000, 100_000, 3)
    };
    println!(
        "random run with faults: {:.0} steps/s ({steps} steps)",
        random_run_throughput(steps, replays)
    );
    // A browser's clock is too coarse to time one step; there the throughput is what counts.
    if std::env::var_os("BENCH_THROUGHPUT_ONLY").is_some() {
        print_trace_hash(steps);
        return;
    }
    let small = step_cost_at(100);
    let large = step_cost_at(big);
    println!(
        "send+deliver step at 100 records: {:.2} µs",
        small.as_secs_f64() * 1e6
    );
    println!(
        "send+deliver step at {big} records: {:.2} µs",
        large.as_secs_f64() * 1e6
    );
    println!("ratio: {:.2}", large.as_secs_f64() / small.as_secs_f64());
    print_trace_hash(steps);
}

/// Asked for by `cargo xtask bench`, which compares it with the same benchmark in wasm.
fn print_trace_hash(steps: usize) {
    if std::env::var_os("BENCH_TRACE").is_some() {
        println!("trace hash: {:016x}", random_run_trace_hash(steps));
    }
}
