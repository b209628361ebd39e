//! Random but valid actions, drawn from the seeded generator: the raw material of property
//! tests, step-throughput benchmarks and (later) the counterexample explorer.
//!
//! Each action is chosen from what the world allows right now (only live clients are asked to
//! send, only messages in flight are dropped), so a random run exercises behaviour rather than
//! input validation.

pub mod counterexample;

use crate::action::Action;
use crate::clients::producer_txn::ClientTxnState;
use crate::config::Acks;
use crate::ids::ClientId;
use crate::ids::{BrokerId, TopicPartition};
use crate::network::Endpoint;
use crate::rng::SimRng;
use crate::world::World;

/// How wild a random run may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreLimits {
    /// The largest single time advance, in simulated milliseconds.
    pub max_advance_ms: u64,
    /// Whether brokers may crash.
    pub broker_faults: bool,
    /// Whether hand-made produce requests (which may come from any producer id) are used.
    pub raw_requests: bool,
    /// Whether single requests may be dropped, duplicated or overtaken. Kafka's clients rely on
    /// TCP, which never loses or reorders one request while delivering the next on the same
    /// connection; with this off, faults hit only answers (the lost ack) and time.
    pub request_faults: bool,
    /// Whether a consumer may commit its position before processing what it polled (an
    /// application's choice that skips records after a crash: at-most-once).
    pub early_commits: bool,
    /// Whether an operator may delete records below a partition's high watermark
    /// (`kafka-delete-records.sh`), moving its log start offset.
    pub delete_records: bool,
}

impl Default for ExploreLimits {
    fn default() -> Self {
        Self {
            max_advance_ms: 40_000,
            broker_faults: true,
            raw_requests: true,
            request_faults: true,
            early_commits: true,
            delete_records: true,
        }
    }
}

fn pick<T: Clone>(rng: &mut SimRng, items: &[T]) -> Option<T> {
    if items.is_empty() {
        return None;
    }
    let i = rng.below(items.len() as u64) as usize;
    items.get(i).cloned()
}

/// A random action the world can carry out now.
pub fn random_action(world: &World, rng: &mut SimRng, limits: ExploreLimits) -> Action {
    let partitions: Vec<TopicPartition> = world
        .cluster()
        .partitions()
        .map(|p| p.topic_partition.clone())
        .collect();
    // Most draws succeed at once; the bound keeps a world with nothing to do from spinning.
    for _ in 0..64 {
        let action = match rng.below(22) {
            0..=4 => {
                let live: Vec<_> = world
                    .producers()
                    .filter(|p| p.alive)
                    .map(|p| p.id().clone())
                    .collect();
                let (Some(producer), Some(tp)) = (pick(rng, &live), pick(rng, &partitions)) else {
                    continue;
                };
                // A transactional producer follows its API: sends only inside a transaction.
                if let Some(state) = world.producer(&producer).and_then(|p| p.txn_state())
                    && let Some(action) = transactional_step(
                        producer.clone(),
                        state,
                        world.consumers().find(|c| c.alive).map(|c| c.id().clone()),
                        rng,
                    )
                {
                    return action;
                }
                let n = rng.below(1000);
                Some(Action::Send {
                    producer,
                    topic: tp.topic,
                    partition: Some(tp.partition),
                    key: Some(format!("k{}", n % 50)),
                    value: format!("v{n}"),
                })
            }
            5..=8 => Some(match rng.below(4) {
                0 => Action::DeliverAll {},
                _ if world.network().is_empty() => Action::DeliverAll {},
                _ => Action::Deliver { message: None },
            }),
            9 => {
                let ids: Vec<_> = world
                    .network()
                    .in_flight()
                    .iter()
                    .filter(|m| limits.request_faults || matches!(m.to, Endpoint::Client(_)))
                    .map(|m| m.id)
                    .collect();
                pick(rng, &ids).map(|m| match rng.below(3) {
                    0 => Action::Drop { message: Some(m) },
                    1 => Action::Duplicate { message: Some(m) },
                    _ => Action::Delay { message: Some(m) },
                })
            }
            10 => Some(Action::AdvanceTime {
                ms: rng.below(limits.max_advance_ms.max(1)),
            }),
            11 => {
                let replicated: Vec<_> = world
                    .cluster()
                    .partitions()
                    .filter(|p| p.replicas.len() > 1 && p.leader.is_some())
                    .map(|p| p.topic_partition.clone())
                    .collect();
                pick(rng, &replicated).and_then(|tp| {
                    let live_follower = world.cluster().partition(&tp)?.replicas.iter().any(|r| {
                        Some(r.broker) != world.cluster().leader_of(&tp)
                            && world.cluster().is_alive(r.broker)
                    });
                    live_follower.then_some(Action::Replicate {
                        topic: tp.topic,
                        partition: tp.partition,
                        broker: None,
                    })
                })
            }
            12 if limits.broker_faults => {
                let brokers: Vec<(BrokerId, bool)> = world.cluster().brokers().collect();
                pick(rng, &brokers).map(|(b, alive)| {
                    if alive {
                        Action::CrashBroker { broker: b }
                    } else {
                        Action::RestartBroker { broker: b }
                    }
                })
            }
            13 => {
                let producers: Vec<_> = world
                    .producers()
                    .map(|p| (p.id().clone(), p.alive))
                    .collect();
                pick(rng, &producers).map(|(p, alive)| {
                    if alive {
                        Action::CrashProducer { producer: p }
                    } else {
                        Action::RestartProducer { producer: p }
                    }
                })
            }
            14..=16 => {
                let live: Vec<_> = world
                    .consumers()
                    .filter(|c| c.alive)
                    .map(|c| c.id().clone())
                    .collect();
                pick(rng, &live).map(|c| match rng.below(3) {
                    0 => Action::Poll { consumer: c },
                    1 => Action::Process { consumer: c },
                    _ if limits.early_commits => Action::Commit { consumer: c },
                    _ => Action::Process { consumer: c },
                })
            }
            17 => {
                let consumers: Vec<_> = world
                    .consumers()
                    .map(|c| (c.id().clone(), c.alive))
                    .collect();
                pick(rng, &consumers).map(|(c, alive)| {
                    if alive {
                        Action::CrashConsumer { consumer: c }
                    } else {
                        Action::RestartConsumer { consumer: c }
                    }
                })
            }
            18 if limits.raw_requests => pick(rng, &partitions).map(|tp| Action::ProduceRaw {
                topic: tp.topic,
                partition: tp.partition,
                producer_id: 9000 + rng.below(2) as i64,
                producer_epoch: rng.below(2) as i16,
                base_sequence: rng.below(8) as i32,
                record_count: 1 + rng.below(2) as u32,
                is_transactional: false,
                acks: if rng.below(2) == 0 {
                    Acks::All
                } else {
                    Acks::Leader
                },
            }),
            19 if limits.raw_requests => admin_action(world, &partitions, rng),
            20 => {
                let threads: Vec<ClientId> = world
                    .streams_apps()
                    .iter()
                    .flat_map(|app| app.threads.iter().cloned())
                    .filter(|t| world.consumer(t).is_some_and(|c| c.alive))
                    .collect();
                pick(rng, &threads).map(|thread| {
                    if rng.below(3) == 0 {
                        Action::StreamsCommit { thread }
                    } else {
                        Action::StreamsProcess { thread }
                    }
                })
            }
            _ if limits.delete_records && rng.below(8) == 0 => delete_records(world, rng),
            _ => {
                let live: Vec<_> = world
                    .producers()
                    .filter(|p| p.alive)
                    .map(|p| p.id().clone())
                    .collect();
                pick(rng, &live).map(|producer| Action::Flush { producer })
            }
        };
        if let Some(action) = action {
            return action;
        }
    }
    Action::AdvanceTime { ms: 1 }
}

/// `kafka-delete-records.sh` on a partition with a live leader and records below its high
/// watermark that are not yet deleted: the log start moves to a random offset up to it.
fn delete_records(world: &World, rng: &mut SimRng) -> Option<Action> {
    let candidates: Vec<(TopicPartition, i64, i64)> = world
        .cluster()
        .partitions()
        .filter_map(|p| {
            let start = p.leader_replica()?.log.log_start_offset().0;
            let high_watermark = p.high_watermark().0;
            (high_watermark > start).then(|| (p.topic_partition.clone(), start, high_watermark))
        })
        .collect();
    let (tp, start, high_watermark) = pick(rng, &candidates)?;
    let span = u64::try_from(high_watermark - start).unwrap_or(1);
    Some(Action::DeleteRecords {
        topic: tp.topic,
        partition: tp.partition,
        offset: start + 1 + i64::try_from(rng.below(span)).unwrap_or(0),
    })
}

/// What an operator with `kafka-transactions.sh` (KIP-664) might do: list, describe, look for
/// hanging transactions, or abort an open transaction found on a partition.
fn admin_action(world: &World, partitions: &[TopicPartition], rng: &mut SimRng) -> Option<Action> {
    let tp = pick(rng, partitions)?;
    Some(match rng.below(4) {
        0 => Action::ListTransactions {},
        1 => Action::DescribeProducers {
            topic: tp.topic,
            partition: tp.partition,
        },
        2 => Action::FindHangingTransactions {
            max_transaction_timeout_ms: Some(rng.below(120_000)),
        },
        _ => {
            let leader = world.cluster().partition(&tp)?.leader_replica()?;
            let open: Vec<_> = leader
                .producers
                .ongoing_txns()
                .filter_map(|(_, pid)| leader.producers.entry(pid))
                .map(|e| (e.producer_id, e.producer_epoch))
                .collect();
            let (producer_id, producer_epoch) = pick(rng, &open)?;
            Action::AbortTransactionAdmin {
                topic: tp.topic,
                partition: tp.partition,
                producer_id: producer_id.0,
                producer_epoch: producer_epoch.0,
                coordinator_epoch: None,
            }
        }
    })
}

/// The transactional API call that fits the client's state, or `None` to send a record. Inside a
/// transaction it may hand a live consumer's offsets to it (consume-transform-produce).
fn transactional_step(
    producer: ClientId,
    state: ClientTxnState,
    consumer: Option<ClientId>,
    rng: &mut SimRng,
) -> Option<Action> {
    match state {
        ClientTxnState::Uninitialized => Some(Action::InitTransactions { producer }),
        ClientTxnState::Ready => Some(Action::BeginTransaction { producer }),
        ClientTxnState::InTransaction => match rng.below(6) {
            0 => Some(Action::CommitTransaction { producer }),
            1 => Some(Action::AbortTransaction { producer }),
            2 => consumer.map(|consumer| Action::SendOffsetsToTransaction { producer, consumer }),
            _ => None,
        },
        ClientTxnState::AbortableError => Some(Action::AbortTransaction { producer }),
        // A fenced producer is closed and replaced; the others wait for an answer.
        ClientTxnState::FatalError => Some(Action::CrashProducer { producer }),
        ClientTxnState::Initializing
        | ClientTxnState::CommittingTransaction
        | ClientTxnState::AbortingTransaction => Some(Action::DeliverAll {}),
    }
}
