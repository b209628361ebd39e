//! Random but valid actions, drawn from the seeded generator: the raw material of property
//! tests, step-throughput benchmarks and the counterexample explorer.
//!
//! Each action is chosen from what the world allows right now (only live clients are asked to
//! send, only messages in flight are dropped), so a random run exercises behaviour rather than
//! input validation. How often each kind of action comes up is an [`ActionWeights`]; the
//! explorer draws new weights for every run from its seed ([`swarm`]).

pub mod anomaly;
pub mod counterexample;
pub mod explorer;
pub mod hold;
pub mod job;
pub mod matrix;
pub mod reads;
pub mod settings;
pub mod swarm;

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
    /// application's choice that skips records after a crash: at-most-once). Off, every
    /// application behaves as configured: a consumer commits only with nothing polled left to
    /// process, a consume-transform-produce consumer never commits outside its transaction,
    /// and a Kafka Streams application's clients are driven only by its threads.
    pub early_commits: bool,
    /// Whether consumers also seek, read their own state (`position`, `committed`,
    /// `offsetsForTimes`, `groupMetadata`), join mid-run and close. Off by default so that runs
    /// drawn before these calls existed (the explorer's, the benchmark's) stay the same.
    pub consumer_api: bool,
    /// Whether an operator may delete records below a partition's high watermark
    /// (`kafka-delete-records.sh`), moving its log start offset. Off by default, like
    /// `consumer_api`, so the runs drawn before it existed stay the same.
    pub delete_records: bool,
    /// Whether half of the broker faults crash the broker hosting the transaction coordinator
    /// (the leader of `__transaction_state`), so that with
    /// `transaction.state.log.replication.factor` above 1 the coordinator moves between brokers
    /// again and again. Off by default, like `consumer_api`, so the runs drawn before it existed
    /// stay the same.
    pub coordinator_failover: bool,
    /// Whether an application replaces a producer it closed because it was fenced (Kafka's
    /// advice for `ProducerFencedException`): the producer's next call is the new instance's
    /// start. Off, the producer stays down until a producer fault restarts it. Off by default,
    /// like `consumer_api`, so the runs drawn before it existed stay the same.
    pub replace_fenced_producers: bool,
    /// Whether followers fetch where they have something to fetch (a partition whose high
    /// watermark is below its log end, or whose live follower differs from the leader), as
    /// Kafka's followers fetch every partition all the time; otherwise any replicated
    /// partition. Off by default, like `consumer_api`.
    pub fetch_where_behind: bool,
    /// Every send gets a key and value of its own, so two sends are never mistaken for one
    /// record sent twice (a business id is the key; with shared keys two payments would look
    /// like one applied twice).
    pub unique_records: bool,
    pub weights: ActionWeights,
    /// How often the explorer holds a produce request back for long ([`hold::Holds`]); never
    /// by default. `random_action` draws one action at a time and does not hold.
    pub holds: hold::HoldMix,
}

/// How often each kind of action is drawn, relative to the others; 0 never. The defaults are
/// the mix property tests and benchmarks have always used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionWeights {
    /// A producer's next call: a send, or its transaction's next step.
    pub send: u32,
    pub deliver: u32,
    /// A message in flight is dropped, duplicated or delayed (the split is `drop`, `duplicate`, `delay`).
    pub message_fault: u32,
    pub drop: u32,
    pub duplicate: u32,
    pub delay: u32,
    /// Simulated time jumps forward (up to `max_advance_ms`): timeouts fire.
    pub advance_time: u32,
    pub replicate: u32,
    /// A broker crashes or restarts (with it, the transaction coordinator it hosts).
    pub broker_fault: u32,
    pub producer_fault: u32,
    /// A consumer's next call (the split is `poll`, `process`, `commit`).
    pub consumer: u32,
    pub poll: u32,
    pub process: u32,
    pub commit: u32,
    pub consumer_fault: u32,
    pub raw_request: u32,
    pub admin: u32,
    /// A Kafka Streams thread's next loop (the split is `streams_process`, `streams_commit`).
    pub streams: u32,
    pub streams_process: u32,
    pub streams_commit: u32,
    pub flush: u32,
}

impl Default for ActionWeights {
    fn default() -> Self {
        Self {
            send: 5,
            deliver: 4,
            message_fault: 1,
            drop: 1,
            duplicate: 1,
            delay: 1,
            advance_time: 1,
            replicate: 1,
            broker_fault: 1,
            producer_fault: 1,
            consumer: 3,
            poll: 1,
            process: 1,
            commit: 1,
            consumer_fault: 1,
            raw_request: 1,
            admin: 1,
            streams: 1,
            streams_process: 2,
            streams_commit: 1,
            flush: 1,
        }
    }
}

/// The kinds of action, in the order their weights are laid end to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Send,
    Deliver,
    MessageFault,
    AdvanceTime,
    Replicate,
    BrokerFault,
    ProducerFault,
    Consumer,
    ConsumerFault,
    RawRequest,
    Admin,
    Streams,
    Flush,
}

impl ActionWeights {
    fn kinds(&self) -> [(Kind, u32); 13] {
        [
            (Kind::Send, self.send),
            (Kind::Deliver, self.deliver),
            (Kind::MessageFault, self.message_fault),
            (Kind::AdvanceTime, self.advance_time),
            (Kind::Replicate, self.replicate),
            (Kind::BrokerFault, self.broker_fault),
            (Kind::ProducerFault, self.producer_fault),
            (Kind::Consumer, self.consumer),
            (Kind::ConsumerFault, self.consumer_fault),
            (Kind::RawRequest, self.raw_request),
            (Kind::Admin, self.admin),
            (Kind::Streams, self.streams),
            (Kind::Flush, self.flush),
        ]
    }
}

/// The index of the item drawn with the given weights (one draw of `below(total)`, so equal
/// weights draw exactly as `below(n)` does); `None` when every weight is 0.
fn weighted(rng: &mut SimRng, weights: &[u32]) -> Option<usize> {
    let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if total == 0 {
        return None;
    }
    let mut draw = rng.below(total);
    for (i, w) in weights.iter().enumerate() {
        let w = u64::from(*w);
        if draw < w {
            return Some(i);
        }
        draw -= w;
    }
    None
}

impl Default for ExploreLimits {
    fn default() -> Self {
        Self {
            max_advance_ms: 40_000,
            broker_faults: true,
            raw_requests: true,
            request_faults: true,
            early_commits: true,
            unique_records: false,
            weights: ActionWeights::default(),
            consumer_api: false,
            delete_records: false,
            coordinator_failover: false,
            replace_fenced_producers: false,
            fetch_where_behind: false,
            holds: hold::HoldMix::default(),
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
    // Borrowed: most draws need no partition, and a copy of each name allocates.
    let partitions: Vec<&TopicPartition> = world
        .cluster()
        .partitions()
        .map(|p| &p.topic_partition)
        .collect();
    // Most draws succeed at once; the bound keeps a world with nothing to do from spinning.
    let kinds = limits.weights.kinds();
    let kind_weights = kinds.map(|(_, w)| w);
    for _ in 0..64 {
        let Some(kind) = weighted(rng, &kind_weights).map(|i| kinds[i].0) else {
            return Action::AdvanceTime { ms: 1 };
        };
        let action = match kind {
            Kind::Send => {
                // A producer its application closed because it was fenced comes back as a new
                // instance: that is the application's next call, not a fault.
                let live: Vec<_> = world
                    .producers()
                    .filter(|p| p.alive || (limits.replace_fenced_producers && closed_as_fenced(p)))
                    .filter(|p| limits.early_commits || !is_streams_producer(world, p.id()))
                    .map(|p| p.id())
                    .collect();
                let (Some(producer), Some(tp)) = (pick(rng, &live), pick(rng, &partitions)) else {
                    continue;
                };
                let producer = producer.clone();
                if limits.replace_fenced_producers
                    && world.producer(&producer).is_some_and(closed_as_fenced)
                {
                    return Action::RestartProducer { producer };
                }
                // A transactional producer follows its API: sends only inside a transaction.
                if let Some(state) = world.producer(&producer).and_then(|p| p.txn_state())
                    && let Some(action) = transactional_step(
                        producer.clone(),
                        state,
                        offsets_consumer(world, limits),
                        rng,
                    )
                {
                    return action;
                }
                let (key, value) = if limits.unique_records {
                    let n = rng.next_u64() >> 24;
                    (format!("k{n}"), format!("v{n}"))
                } else {
                    let n = rng.below(1000);
                    (format!("k{}", n % 50), format!("v{n}"))
                };
                Some(Action::Send {
                    producer,
                    topic: tp.topic.to_string(),
                    partition: Some(tp.partition),
                    key: Some(key),
                    value,
                })
            }
            Kind::Deliver => Some(match rng.below(4) {
                0 => Action::DeliverAll {},
                _ if world.network().is_empty() => Action::DeliverAll {},
                _ => Action::Deliver { message: None },
            }),
            Kind::MessageFault => {
                let w = &limits.weights;
                let ids: Vec<_> = world
                    .network()
                    .in_flight()
                    .iter()
                    .filter(|m| limits.request_faults || matches!(m.to, Endpoint::Client(_)))
                    .map(|m| m.id)
                    .collect();
                pick(rng, &ids).and_then(|m| {
                    Some(match weighted(rng, &[w.drop, w.duplicate, w.delay])? {
                        0 => Action::Drop { message: Some(m) },
                        1 => Action::Duplicate { message: Some(m) },
                        _ => Action::Delay { message: Some(m) },
                    })
                })
            }
            Kind::AdvanceTime => Some(Action::AdvanceTime {
                ms: rng.below(limits.max_advance_ms.max(1)),
            }),
            Kind::Replicate => {
                let (behind, others): (Vec<_>, Vec<_>) = world
                    .cluster()
                    .partitions()
                    .filter(|p| p.replicas.len() > 1 && p.leader.is_some())
                    .partition(|p| limits.fetch_where_behind && followers_behind(world, p));
                let replicated: Vec<TopicPartition> =
                    if behind.is_empty() { others } else { behind }
                        .into_iter()
                        .map(|p| p.topic_partition.clone())
                        .collect();
                pick(rng, &replicated).and_then(|tp| {
                    let live_follower = world.cluster().partition(&tp)?.replicas.iter().any(|r| {
                        Some(r.broker) != world.cluster().leader_of(&tp)
                            && world.cluster().is_alive(r.broker)
                    });
                    live_follower.then_some(Action::Replicate {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                        broker: None,
                        up_to: None,
                    })
                })
            }
            Kind::BrokerFault if limits.broker_faults => {
                let coordinator = world.coordinator().broker();
                if limits.coordinator_failover
                    && world.cluster().is_alive(coordinator)
                    && rng.below(2) == 0
                {
                    return Action::CrashBroker {
                        broker: coordinator,
                    };
                }
                let brokers: Vec<(BrokerId, bool)> = world.cluster().brokers().collect();
                pick(rng, &brokers).map(|(b, alive)| {
                    if alive {
                        Action::CrashBroker { broker: b }
                    } else {
                        Action::RestartBroker { broker: b }
                    }
                })
            }
            Kind::ProducerFault => {
                let producers: Vec<_> = world
                    .producers()
                    .filter(|p| limits.early_commits || !is_streams_producer(world, p.id()))
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
            Kind::Consumer => {
                let w = &limits.weights;
                // A Streams thread's consumer is driven by its thread's loop, not by hand,
                // unless the run may do what no well-behaved application does.
                let live: Vec<_> = world
                    .consumers()
                    .filter(|c| c.alive)
                    .filter(|c| limits.early_commits || !is_stream_thread(world, c.id()))
                    .map(|c| c.id())
                    .collect();
                pick(rng, &live).cloned().and_then(|c| {
                    if limits.consumer_api && rng.below(4) == 0 {
                        // A call beyond poll, process and commit: a read or a seek.
                        return consumer_call(world, c, rng, limits);
                    }
                    Some(match weighted(rng, &[w.poll, w.process, w.commit])? {
                        0 => Action::Poll { consumer: c },
                        1 => Action::Process { consumer: c },
                        _ if limits.early_commits || commits_as_configured(world, &c) => {
                            Action::Commit { consumer: c }
                        }
                        _ => Action::Process { consumer: c },
                    })
                })
            }
            Kind::ConsumerFault => {
                let consumers: Vec<_> = world
                    .consumers()
                    .map(|c| (c.id().clone(), c.alive))
                    .collect();
                let draw = if limits.consumer_api && !consumers.is_empty() {
                    rng.below(8)
                } else {
                    2
                };
                match draw {
                    0 => add_consumer(world),
                    1 => pick(rng, &consumers)
                        .filter(|(c, alive)| *alive && may_close(world, c, limits))
                        .map(|(c, _)| Action::CloseConsumer { consumer: c }),
                    _ => pick(rng, &consumers).map(|(c, alive)| {
                        if alive {
                            Action::CrashConsumer { consumer: c }
                        } else {
                            Action::RestartConsumer { consumer: c }
                        }
                    }),
                }
            }
            Kind::RawRequest if limits.raw_requests => {
                pick(rng, &partitions).map(|tp| Action::ProduceRaw {
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    producer_id: 9000 + rng.below(2) as i64,
                    producer_epoch: rng.below(2) as i16,
                    base_sequence: rng.below(8) as i32,
                    record_count: Some(1 + rng.below(2) as u32),
                    is_transactional: false,
                    acks: if rng.below(2) == 0 {
                        Acks::All
                    } else {
                        Acks::Leader
                    },
                    records: Vec::new(),
                    transactional_id: None,
                    version: None,
                })
            }
            Kind::Admin if limits.raw_requests => admin_action(world, &partitions, rng),
            Kind::Streams => {
                let threads: Vec<ClientId> = world
                    .streams_apps()
                    .iter()
                    .flat_map(|app| app.threads.iter().cloned())
                    .filter(|t| world.consumer(t).is_some_and(|c| c.alive))
                    .collect();
                let w = &limits.weights;
                pick(rng, &threads).and_then(|thread| {
                    Some(
                        match weighted(rng, &[w.streams_commit, w.streams_process])? {
                            0 => Action::StreamsCommit { thread },
                            _ => Action::StreamsProcess { thread },
                        },
                    )
                })
            }
            Kind::Flush if limits.delete_records && rng.below(8) == 0 => delete_records(world, rng),
            // A kind turned off by a flag flushes instead, as it always has, so that turning
            // faults off does not change how the other kinds are drawn.
            Kind::Flush | Kind::BrokerFault | Kind::RawRequest | Kind::Admin => {
                let live: Vec<_> = world
                    .producers()
                    .filter(|p| p.alive)
                    .map(|p| p.id())
                    .collect();
                pick(rng, &live).map(|producer| Action::Flush {
                    producer: producer.clone(),
                })
            }
        };
        if let Some(action) = action {
            return action;
        }
    }
    Action::AdvanceTime { ms: 1 }
}

/// Whether the producer is down because its application closed it in FATAL_ERROR (fenced, as
/// `transactional_step` does), rather than because it crashed. Kafka's advice for a fenced
/// producer is to close it and create a new one; without that the run waits for a producer
/// fault to bring it back, and a run without producer faults loses its only writer.
fn closed_as_fenced(producer: &crate::clients::producer::Producer) -> bool {
    !producer.alive && producer.txn_state() == Some(ClientTxnState::FatalError)
}

/// Whether a partition's followers have something to fetch: its high watermark is below the
/// leader's log end (a follower's next fetch moves it), or a live follower's log ends elsewhere.
fn followers_behind(world: &World, partition: &crate::broker::cluster::Partition) -> bool {
    let Some(leader) = partition.leader_replica() else {
        return false;
    };
    let end = leader.log.log_end_offset();
    leader.log.high_watermark() < end
        || partition.replicas.iter().any(|r| {
            r.broker != leader.broker
                && world.cluster().is_alive(r.broker)
                && r.log.log_end_offset() != end
        })
}

/// Whether the consumer's application would call `commitSync` now: it commits what it has
/// processed, so only with nothing polled left, and never outside the transaction that
/// carries its offsets.
fn commits_as_configured(world: &World, consumer: &ClientId) -> bool {
    world.consumer(consumer).is_some_and(|c| {
        c.buffer.is_empty() && c.processing() != crate::config::ProcessingMode::Transactional
    })
}

/// The most consumers a random run adds.
const MAX_ADDED_CONSUMERS: usize = 2;

/// A consumer's API call beyond poll and commit: a read of its own state, or a seek within the
/// leader's log of one of its partitions. Moving forward past what it has not processed skips
/// records, an application's choice made only where early commits are allowed.
fn consumer_call(
    world: &World,
    consumer: ClientId,
    rng: &mut SimRng,
    limits: ExploreLimits,
) -> Option<Action> {
    let c = world.consumer(&consumer)?;
    let tp = pick(rng, &c.assignment);
    Some(match (rng.below(6), tp) {
        (0, _) => Action::GroupMetadata { consumer },
        (1, Some(tp)) => Action::Position {
            consumer,
            topic: tp.topic.to_string(),
            partition: tp.partition,
        },
        (2, Some(tp)) => Action::Committed {
            consumer,
            topic: tp.topic.to_string(),
            partition: tp.partition,
        },
        (3, Some(tp)) => Action::OffsetsForTimes {
            consumer,
            topic: tp.topic.to_string(),
            partition: tp.partition,
            timestamp_ms: rng.below(world.now_ms().saturating_add(1)),
        },
        (4, Some(tp)) => Action::SeekToBeginning {
            consumer,
            partitions: vec![tp],
        },
        (_, Some(tp)) if limits.early_commits => {
            let log = &world.cluster().partition(&tp)?.leader_replica()?.log;
            let start = log.log_start_offset().0;
            let span = log.log_end_offset().0.saturating_sub(start).max(0) as u64;
            if rng.below(2) == 0 {
                Action::SeekToEnd {
                    consumer,
                    partitions: Vec::new(),
                }
            } else {
                Action::Seek {
                    consumer,
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    offset: start + rng.below(span + 1) as i64,
                }
            }
        }
        _ => Action::GroupMetadata { consumer },
    })
}

/// A consumer closing commits what it polled if auto-commit is on, processed or not: a skip
/// allowed only where early commits are.
fn may_close(world: &World, consumer: &ClientId, limits: ExploreLimits) -> bool {
    limits.early_commits
        || world
            .consumer(consumer)
            .is_some_and(|c| !c.config.enable_auto_commit)
}

/// A new consumer like the first subscribing one, joining its group mid-run.
fn add_consumer(world: &World) -> Option<Action> {
    let added = world
        .consumers()
        .filter(|c| c.id().0.starts_with("added-"))
        .count();
    if added >= MAX_ADDED_CONSUMERS {
        return None;
    }
    let model = world
        .consumers()
        .find(|c| c.config.is_subscribed() && !world.is_streams_thread(c.id()))?;
    let mut config = model.config.clone();
    config.id = ClientId::new(format!("added-{}", added + 1));
    config.group_instance_id = None;
    Some(Action::AddConsumer { consumer: config })
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
        topic: tp.topic.to_string(),
        partition: tp.partition,
        offset: start + 1 + i64::try_from(rng.below(span)).unwrap_or(0),
    })
}

/// What an operator with `kafka-transactions.sh` (KIP-664) might do: list, describe, look for
/// hanging transactions, or abort an open transaction found on a partition.
fn admin_action(world: &World, partitions: &[&TopicPartition], rng: &mut SimRng) -> Option<Action> {
    let tp = pick(rng, partitions)?;
    Some(match rng.below(4) {
        0 => Action::ListTransactions {},
        1 => Action::DescribeProducers {
            topic: tp.topic.to_string(),
            partition: tp.partition,
        },
        2 => Action::FindHangingTransactions {
            max_transaction_timeout_ms: Some(rng.below(120_000)),
        },
        _ => {
            let leader = world.cluster().partition(tp)?.leader_replica()?;
            let open: Vec<_> = leader
                .producers
                .ongoing_txns()
                .filter_map(|(_, pid)| leader.producers.entry(pid))
                .map(|e| (e.producer_id, e.producer_epoch))
                .collect();
            let (producer_id, producer_epoch) = pick(rng, &open)?;
            Action::AbortTransactionAdmin {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                producer_id: producer_id.0,
                producer_epoch: producer_epoch.0,
                coordinator_epoch: None,
            }
        }
    })
}

/// Whether the consumer is a Kafka Streams thread (its application hands its offsets to its
/// own producers).
fn is_stream_thread(world: &World, consumer: &ClientId) -> bool {
    world
        .streams_apps()
        .iter()
        .any(|app| app.threads.contains(consumer))
}

/// Whether the producer belongs to a Kafka Streams application (its threads drive it).
fn is_streams_producer(world: &World, producer: &ClientId) -> bool {
    world.streams_apps().iter().any(|app| {
        app.thread_producers.values().any(|p| p == producer)
            || app.task_producers.values().any(|p| p == producer)
    })
}

/// The live consumer whose offsets a transaction carries. An application that behaves as
/// configured hands over its own consume-transform-produce consumer's (never a Streams
/// thread's); otherwise, the first live consumer's.
fn offsets_consumer(world: &World, limits: ExploreLimits) -> Option<ClientId> {
    let live = || world.consumers().filter(|c| c.alive);
    if limits.early_commits {
        return live().next().map(|c| c.id().clone());
    }
    let own = || live().filter(|c| !is_stream_thread(world, c.id()));
    own()
        .find(|c| c.processing() == crate::config::ProcessingMode::Transactional)
        .or_else(|| own().next())
        .map(|c| c.id().clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    // Seeds recorded in property-test failures and benchmarks must keep replaying the same
    // runs: with the default weights a kind is drawn by one `below(22)`, as before weights.
    #[test]
    fn default_weights_draw_exactly_as_one_below_22() {
        let weights = ActionWeights::default().kinds().map(|(_, w)| w);
        assert_eq!(weights.iter().sum::<u32>(), 22);
        let (mut a, mut b) = (SimRng::new(9), SimRng::new(9));
        let mut bucket_start = Vec::new();
        let mut start = 0;
        for w in weights {
            bucket_start.push(start);
            start += u64::from(w);
        }
        for _ in 0..1000 {
            let kind = weighted(&mut a, &weights).expect("weights");
            let draw = b.below(22);
            assert!(
                bucket_start[kind] <= draw && draw < bucket_start[kind] + u64::from(weights[kind])
            );
        }
        assert_eq!(weighted(&mut a, &[0, 0]), None);
    }
}
