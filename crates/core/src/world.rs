//! The simulated world and its single entry point, [`World::step`]. The world owns the cluster,
//! the network, the clients and the external database, and carries messages between them; each
//! part decides for itself what a message means.

use crate::action::{Action, TxnResult};
use crate::batch::{ControlKind, ProducedBatch, ProducerStamp, Provenance, Record};
use crate::cluster::{Cluster, ProduceOutcome, ReleasedAck};
use crate::config::{ConfigError, IsolationLevel, OffsetReset, ProcessingMode, WorldConfig};
use crate::consumer::{
    Consumer, Group, ProcessedRecord, assign_round_robin, offsets_partition, read_fetched,
};
use crate::coordinator_host::{CoordinatorHost, HostOutput};
use crate::error_code::ErrorCode;
use crate::event::{
    DescribedProducer, EffectOutcome, Event, EventKind, Events, HangingTransaction,
    ListedTransaction,
};
use crate::ids::{BrokerId, ClientId, Offset, ProducerEpoch, ProducerId, Sequence, TopicPartition};
use crate::invariants::Invariants;
use crate::network::{Endpoint, Message, MessageId, Network, Payload};
use crate::partitioner::partition_for_key;
use crate::producer::{OutgoingRequest, Producer};
use crate::producer_txn::{ClientTxnState, TxnOffsets};
use crate::rng::SimRng;
use crate::store::ExternalStore;
use crate::streams::{MAX_STREAM_THREADS, StreamsLayout};
use crate::txn_coordinator::{ProducerIdAndEpoch, TransactionState, TransactionVersion};
use std::collections::BTreeMap;
use std::fmt;

mod streams_runtime;

/// An action that cannot be carried out because it names something that does not exist or asks
/// for something impossible. This is a mistake in the input, not a Kafka error: Kafka's errors
/// are reported as events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    UnknownProducer(ClientId),
    UnknownConsumer(ClientId),
    UnknownTopic(String),
    UnknownPartition(TopicPartition),
    UnknownBroker(BrokerId),
    UnknownMessage(MessageId),
    NoMessageInFlight,
    ClientDown(ClientId),
    ClientAlreadyRunning(ClientId),
    BrokerDown(BrokerId),
    BrokerAlreadyRunning(BrokerId),
    NetworkFull,
    InvalidRequest(String),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::UnknownProducer(c) => write!(f, "producer `{c}` is not defined"),
            ActionError::UnknownConsumer(c) => write!(f, "consumer `{c}` is not defined"),
            ActionError::UnknownTopic(t) => write!(f, "topic `{t}` is not defined"),
            ActionError::UnknownPartition(tp) => write!(f, "partition `{tp}` is not defined"),
            ActionError::UnknownBroker(b) => write!(f, "broker {b} is not defined"),
            ActionError::UnknownMessage(m) => write!(f, "no message {m} is in flight"),
            ActionError::NoMessageInFlight => write!(f, "no message is in flight"),
            ActionError::ClientDown(c) => write!(f, "client `{c}` has crashed; restart it first"),
            ActionError::ClientAlreadyRunning(c) => write!(f, "client `{c}` is already running"),
            ActionError::BrokerDown(b) => write!(f, "broker {b} is down; restart it first"),
            ActionError::BrokerAlreadyRunning(b) => write!(f, "broker {b} is already running"),
            ActionError::NetworkFull => write!(
                f,
                "the network holds {} messages, the most the lab allows",
                Network::CAPACITY
            ),
            ActionError::InvalidRequest(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ActionError {}

/// A configuration the world cannot start from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorldConfigError {
    Cluster(String),
    Client(ConfigError),
    DuplicateClient(ClientId),
    UnknownTopic { client: ClientId, topic: String },
}

impl fmt::Display for WorldConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorldConfigError::Cluster(why) => write!(f, "cluster: {why}"),
            WorldConfigError::Client(e) => write!(f, "{e}"),
            WorldConfigError::DuplicateClient(c) => write!(f, "client `{c}` is defined twice"),
            WorldConfigError::UnknownTopic { client, topic } => {
                write!(f, "client `{client}`: topic `{topic}` is not defined")
            }
        }
    }
}

impl std::error::Error for WorldConfigError {}

/// What the application asked to send, for views and invariants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRecord {
    pub producer: ClientId,
    pub topic_partition: TopicPartition,
    pub key: Option<String>,
    pub value: String,
}

/// The most deliveries one `deliver_all` makes before it stops and says so.
pub const DELIVER_ALL_LIMIT: usize = 1000;
/// `transaction.max.timeout.ms` (15 minutes), `find-hanging`'s default age for a suspect.
pub const TRANSACTION_MAX_TIMEOUT_MS: u64 = 900_000;
/// `transaction.timeout.ms`'s default, for hand-made InitProducerId requests.
const DEFAULT_TRANSACTION_TIMEOUT_MS: u64 = 60_000;

/// The error code a coordinator answer carries, `None` for success.
fn reply_error(payload: &Payload) -> Option<ErrorCode> {
    match payload {
        Payload::TxnInitProducerIdResponse { result, .. } => result.err(),
        Payload::AddPartitionsToTxnResponse { result, .. }
        | Payload::AddOffsetsToTxnResponse { result, .. } => result.err(),
        Payload::EndTxnResponse { result, .. } => result.err(),
        _ => None,
    }
}

/// The first producer id the cluster hands out, so ids read like Kafka's and never like counts.
const FIRST_PRODUCER_ID: i64 = 1000;

/// The whole simulated world: one value, changed only by [`World::step`].
#[derive(Clone, Debug)]
pub struct World {
    now_ms: u64,
    steps_taken: u64,
    // Reserved for randomised fault schedules; part of the state so the seed is the run's identity.
    #[allow(dead_code)]
    rng: SimRng,
    cluster: Cluster,
    network: Network,
    producers: BTreeMap<ClientId, Producer>,
    consumers: BTreeMap<ClientId, Consumer>,
    groups: BTreeMap<String, Group>,
    store: ExternalStore,
    next_producer_id: i64,
    sends: BTreeMap<u64, SendRecord>,
    invariants: Invariants,
    coordinator: CoordinatorHost,
    /// Kafka Streams applications and which of the clients above are theirs.
    streams: Vec<StreamsLayout>,
}

impl World {
    /// A world in its starting state, at simulated time 0. Producers with idempotence have
    /// already asked for their producer id: that request is the first message in flight.
    pub fn new(config: &WorldConfig, seed: u64) -> Result<Self, WorldConfigError> {
        let cluster = Cluster::new(&config.cluster).map_err(|e| WorldConfigError::Cluster(e.0))?;
        let transaction_version = if config.cluster.transaction_version.is_v2() {
            TransactionVersion::V2
        } else {
            TransactionVersion::V1
        };
        if config.cluster.transaction_max_timeout_ms == 0 {
            return Err(WorldConfigError::Cluster(
                "transaction.max.timeout.ms must be at least 1".to_owned(),
            ));
        }
        // The lab's one transaction coordinator lives on the lowest-numbered broker.
        let coordinator_broker = cluster
            .brokers()
            .map(|(b, _)| b)
            .min()
            .unwrap_or(BrokerId(1));
        let mut world = Self {
            now_ms: 0,
            steps_taken: 0,
            rng: SimRng::new(seed),
            cluster,
            network: Network::default(),
            producers: BTreeMap::new(),
            consumers: BTreeMap::new(),
            groups: BTreeMap::new(),
            store: ExternalStore::new(&config.database),
            next_producer_id: FIRST_PRODUCER_ID,
            sends: BTreeMap::new(),
            invariants: Invariants::default(),
            coordinator: CoordinatorHost::new(
                coordinator_broker,
                transaction_version,
                config.cluster.transaction_max_timeout_ms,
            ),
            streams: Vec::new(),
        };
        for p in &config.producers {
            if world.producers.contains_key(&p.id) || config.consumers.iter().any(|c| c.id == p.id)
            {
                return Err(WorldConfigError::DuplicateClient(p.id.clone()));
            }
            let idempotent = p.idempotence().map_err(WorldConfigError::Client)?;
            let producer = Producer::new(p.clone(), idempotent)
                .with_transaction_v2(transaction_version == TransactionVersion::V2);
            world.producers.insert(p.id.clone(), producer);
        }
        for c in &config.consumers {
            if world.consumers.contains_key(&c.id) {
                return Err(WorldConfigError::DuplicateClient(c.id.clone()));
            }
            if let Some(topic) = c.topics.iter().find(|t| world.cluster.topic(t).is_none()) {
                return Err(WorldConfigError::UnknownTopic {
                    client: c.id.clone(),
                    topic: topic.clone(),
                });
            }
            world
                .consumers
                .insert(c.id.clone(), Consumer::new(c.clone()));
        }
        for app in &config.streams {
            world.add_streams_app(app, transaction_version)?;
        }
        if let Some(topic) = config
            .database
            .outbox_topic
            .as_ref()
            .filter(|t| world.cluster.topic(t).is_none())
        {
            return Err(WorldConfigError::Cluster(format!(
                "the database's outbox.topic `{topic}` is not defined"
            )));
        }
        let mut out = Events::default();
        let ids: Vec<ClientId> = world.producers.keys().cloned().collect();
        for id in ids {
            let requests = world
                .producers
                .get_mut(&id)
                .map(Producer::start)
                .unwrap_or_default();
            world.send_requests(&id, requests, &mut out);
        }
        // A stream thread initialises its transactional producers as it starts.
        let streams_producers: Vec<ClientId> = world
            .streams
            .iter()
            .flat_map(|l| l.thread_producers.values().chain(l.task_producers.values()))
            .cloned()
            .collect();
        for id in streams_producers {
            if let Some(p) = world.producers.get_mut(&id) {
                p.init_transactions(&mut out);
            }
            world.drain(&id, &mut out);
        }
        let groups: Vec<String> = world
            .consumers
            .values()
            .map(|c| c.config.group_id.clone())
            .collect();
        for group in groups {
            world.rebalance(&group, &mut out);
        }
        Ok(world)
    }

    /// Adds a Kafka Streams application's threads and producers (`processing.guarantee`).
    fn add_streams_app(
        &mut self,
        app: &crate::streams::StreamsAppConfig,
        transaction_version: TransactionVersion,
    ) -> Result<(), WorldConfigError> {
        let name = ClientId::new(&app.application_id);
        let input_partitions = match self.cluster.topic(&app.input) {
            Some(topic) => topic.partitions,
            None => {
                return Err(WorldConfigError::UnknownTopic {
                    client: name,
                    topic: app.input.clone(),
                });
            }
        };
        if self.cluster.topic(&app.output).is_none() {
            return Err(WorldConfigError::UnknownTopic {
                client: name,
                topic: app.output.clone(),
            });
        }
        if !(1..=MAX_STREAM_THREADS).contains(&app.num_stream_threads) {
            return Err(WorldConfigError::Cluster(format!(
                "streams application `{}`: num.stream.threads must be 1 to {MAX_STREAM_THREADS}",
                app.application_id
            )));
        }
        let layout = StreamsLayout::new(app, input_partitions);
        for p in layout.producer_configs() {
            if self.producers.contains_key(&p.id) || self.consumers.contains_key(&p.id) {
                return Err(WorldConfigError::DuplicateClient(p.id.clone()));
            }
            let idempotent = p.idempotence().map_err(WorldConfigError::Client)?;
            let producer = Producer::new(p.clone(), idempotent)
                .with_transaction_v2(transaction_version == TransactionVersion::V2);
            self.producers.insert(p.id.clone(), producer);
        }
        for c in layout.consumer_configs() {
            if self.producers.contains_key(&c.id) || self.consumers.contains_key(&c.id) {
                return Err(WorldConfigError::DuplicateClient(c.id.clone()));
            }
            self.consumers.insert(c.id.clone(), Consumer::new(c));
        }
        self.streams.push(layout);
        Ok(())
    }

    /// The Kafka Streams applications and their clients.
    pub fn streams_apps(&self) -> &[StreamsLayout] {
        &self.streams
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// How many steps have been applied (rejected actions do not count).
    pub fn steps_taken(&self) -> u64 {
        self.steps_taken
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn producers(&self) -> impl Iterator<Item = &Producer> {
        self.producers.values()
    }

    pub fn producer(&self, id: &ClientId) -> Option<&Producer> {
        self.producers.get(id)
    }

    pub fn consumers(&self) -> impl Iterator<Item = &Consumer> {
        self.consumers.values()
    }

    pub fn consumer(&self, id: &ClientId) -> Option<&Consumer> {
        self.consumers.get(id)
    }

    pub fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }

    pub fn store(&self) -> &ExternalStore {
        &self.store
    }

    pub fn sends(&self) -> &BTreeMap<u64, SendRecord> {
        &self.sends
    }

    pub fn invariants(&self) -> &Invariants {
        &self.invariants
    }

    /// The transaction coordinator and its `__transaction_state` log.
    pub fn coordinator(&self) -> &CoordinatorHost {
        &self.coordinator
    }

    /// Applies one action and returns what happened. On error the world is unchanged.
    pub fn step(&mut self, action: &Action) -> Result<Vec<Event>, ActionError> {
        self.validate(action)?;
        let mut out = Events::default();
        self.apply(action, &mut out)?;
        self.steps_taken += 1;
        let step = self.steps_taken;
        let mut invariants = std::mem::take(&mut self.invariants);
        let broken = invariants.check(self, step, &out.0);
        self.invariants = invariants;
        for (name, why) in broken {
            out.push(
                EventKind::InvariantBroken {
                    name: name.to_owned(),
                },
                format!("Guarantee `{name}` is broken: {why}"),
            );
        }
        Ok(out.0)
    }

    /// Checks every reference in `action` before anything changes, so a rejected action leaves
    /// the world as it was.
    fn validate(&self, action: &Action) -> Result<(), ActionError> {
        let producer = |id: &ClientId| {
            self.producers
                .get(id)
                .ok_or_else(|| ActionError::UnknownProducer(id.clone()))
        };
        let consumer = |id: &ClientId| {
            self.consumers
                .get(id)
                .ok_or_else(|| ActionError::UnknownConsumer(id.clone()))
        };
        // A client must be running to act, and down to be restarted.
        let running = |id: &ClientId, alive: bool| {
            if alive {
                Ok(())
            } else {
                Err(ActionError::ClientDown(id.clone()))
            }
        };
        let stopped = |id: &ClientId, alive: bool| {
            if alive {
                Err(ActionError::ClientAlreadyRunning(id.clone()))
            } else {
                Ok(())
            }
        };
        let broker = |b: &BrokerId| {
            if self.cluster.has_broker(*b) {
                Ok(())
            } else {
                Err(ActionError::UnknownBroker(*b))
            }
        };
        let partition = |topic: &str, p: u32| {
            self.cluster
                .topic(topic)
                .ok_or_else(|| ActionError::UnknownTopic(topic.to_owned()))?;
            let tp = TopicPartition::new(topic, p);
            self.cluster
                .partition(&tp)
                .map(|_| ())
                .ok_or(ActionError::UnknownPartition(tp))
        };
        let message = |m: &Option<MessageId>| match m {
            Some(id) => self
                .network
                .find(Some(*id))
                .map(|_| ())
                .ok_or(ActionError::UnknownMessage(*id)),
            None if self.network.is_empty() => Err(ActionError::NoMessageInFlight),
            None => Ok(()),
        };
        match action {
            Action::Send {
                producer: id,
                topic,
                partition: p,
                ..
            } => {
                let prod = producer(id)?;
                self.cluster
                    .topic(topic)
                    .ok_or_else(|| ActionError::UnknownTopic(topic.clone()))?;
                if let Some(p) = p {
                    partition(topic, *p)?;
                }
                running(id, prod.alive)?;
                if let Some(why) = prod.send_refusal() {
                    return Err(ActionError::InvalidRequest(why));
                }
                Ok(())
            }
            Action::InitTransactions { producer: id }
            | Action::BeginTransaction { producer: id }
            | Action::CommitTransaction { producer: id }
            | Action::AbortTransaction { producer: id } => {
                let prod = producer(id)?;
                running(id, prod.alive)?;
                let (method, target) = match action {
                    Action::InitTransactions { .. } => {
                        ("initTransactions", ClientTxnState::Initializing)
                    }
                    Action::BeginTransaction { .. } => {
                        ("beginTransaction", ClientTxnState::InTransaction)
                    }
                    Action::CommitTransaction { .. } => {
                        ("commitTransaction", ClientTxnState::CommittingTransaction)
                    }
                    _ => ("abortTransaction", ClientTxnState::AbortingTransaction),
                };
                match prod.txn_refusal(method, target) {
                    Some(why) => Err(ActionError::InvalidRequest(why)),
                    None => Ok(()),
                }
            }
            Action::SendOffsetsToTransaction {
                producer: id,
                consumer: c,
            } => {
                let prod = producer(id)?;
                running(id, prod.alive)?;
                running(c, consumer(c)?.alive)?;
                // TransactionManager.sendOffsetsToTransaction: only inside an open transaction.
                match prod.txn_state() {
                    Some(ClientTxnState::InTransaction) => Ok(()),
                    None | Some(ClientTxnState::FatalError | ClientTxnState::AbortableError) => {
                        Err(ActionError::InvalidRequest(
                            prod.txn_refusal(
                                "sendOffsetsToTransaction",
                                ClientTxnState::CommittingTransaction,
                            )
                            .unwrap_or_default(),
                        ))
                    }
                    Some(state) => Err(ActionError::InvalidRequest(format!(
                        "sendOffsetsToTransaction is refused: IllegalStateException: Cannot send offsets if a transaction is not in progress (current state: {state})"
                    ))),
                }
            }
            Action::StreamsProcess { thread } | Action::StreamsCommit { thread } => {
                running(thread, consumer(thread)?.alive)?;
                self.streams_refusal(thread)
            }
            Action::RelayOutbox { producer: id } => {
                if let Some(why) = producer(id)?.send_refusal() {
                    return Err(ActionError::InvalidRequest(why));
                }
                let alive = producer(id)?.alive;
                if self.store.outbox_topic.is_none() {
                    return Err(ActionError::InvalidRequest(
                        "the database has no outbox (set database `outbox.topic`)".to_owned(),
                    ));
                }
                running(id, alive)
            }
            Action::Flush { producer: id } | Action::CrashProducer { producer: id } => {
                running(id, producer(id)?.alive)
            }
            Action::RestartProducer { producer: id } => stopped(id, producer(id)?.alive),
            Action::Poll { consumer: id }
            | Action::Process { consumer: id }
            | Action::Commit { consumer: id }
            | Action::CrashConsumer { consumer: id } => running(id, consumer(id)?.alive),
            Action::RestartConsumer { consumer: id } => stopped(id, consumer(id)?.alive),
            Action::Deliver { message: m }
            | Action::Drop { message: m }
            | Action::Duplicate { message: m }
            | Action::Delay { message: m } => {
                message(m)?;
                if matches!(action, Action::Duplicate { .. })
                    && self.network.in_flight().len() >= Network::CAPACITY
                {
                    return Err(ActionError::NetworkFull);
                }
                Ok(())
            }
            Action::DeliverAll {} | Action::AdvanceTime { .. } => Ok(()),
            Action::Replicate {
                topic,
                partition: p,
                broker: b,
            } => {
                partition(topic, *p)?;
                if let Some(b) = b {
                    broker(b)?;
                    let tp = TopicPartition::new(topic.as_str(), *p);
                    let is_replica = self
                        .cluster
                        .partition(&tp)
                        .is_some_and(|part| part.replica(*b).is_some());
                    if !is_replica {
                        return Err(ActionError::InvalidRequest(format!(
                            "broker {b} holds no replica of {tp}"
                        )));
                    }
                    if !self.cluster.is_alive(*b) {
                        return Err(ActionError::BrokerDown(*b));
                    }
                }
                Ok(())
            }
            Action::CrashBroker { broker: b } => {
                broker(b)?;
                if !self.cluster.is_alive(*b) {
                    return Err(ActionError::BrokerDown(*b));
                }
                Ok(())
            }
            Action::RestartBroker { broker: b } => {
                broker(b)?;
                if self.cluster.is_alive(*b) {
                    return Err(ActionError::BrokerAlreadyRunning(*b));
                }
                Ok(())
            }
            Action::WriteTxnMarker {
                topic,
                partition: p,
                producer_id,
                ..
            } => {
                partition(topic, *p)?;
                if *producer_id < 0 {
                    return Err(ActionError::InvalidRequest(
                        "a marker needs a producer id of 0 or more".to_owned(),
                    ));
                }
                Ok(())
            }
            Action::ListTransactions {} | Action::FindHangingTransactions { .. } => Ok(()),
            Action::InitProducerIdRaw {
                transactional_id,
                expected_producer_id,
                expected_epoch,
            } => {
                if transactional_id.is_empty() {
                    return Err(ActionError::InvalidRequest(
                        "a transactional.id cannot be empty".to_owned(),
                    ));
                }
                if expected_producer_id.is_some() != expected_epoch.is_some() {
                    return Err(ActionError::InvalidRequest(
                        "give both expected_producer_id and expected_epoch, or neither".to_owned(),
                    ));
                }
                Ok(())
            }
            Action::AddPartitionsRaw { partitions, .. } => {
                if partitions.is_empty() {
                    return Err(ActionError::InvalidRequest(
                        "AddPartitionsToTxn needs at least one partition".to_owned(),
                    ));
                }
                for tp in partitions {
                    partition(&tp.topic, tp.partition)?;
                }
                Ok(())
            }
            Action::EndTxnRaw { .. } | Action::AddOffsetsRaw { .. } => Ok(()),
            Action::TxnOffsetCommitRaw { offsets, .. } => {
                if offsets.is_empty() {
                    return Err(ActionError::InvalidRequest(
                        "TxnOffsetCommit needs at least one offset".to_owned(),
                    ));
                }
                for o in offsets {
                    partition(&o.topic, o.partition)?;
                    if o.offset < 0 {
                        return Err(ActionError::InvalidRequest(format!(
                            "offset {} for {}-{} is negative",
                            o.offset, o.topic, o.partition
                        )));
                    }
                }
                Ok(())
            }
            Action::DescribeProducers {
                topic,
                partition: p,
            } => partition(topic, *p),
            Action::AbortTransactionAdmin {
                topic,
                partition: p,
                producer_id,
                ..
            } => {
                partition(topic, *p)?;
                if *producer_id < 0 {
                    return Err(ActionError::InvalidRequest(
                        "an abort needs a producer id of 0 or more".to_owned(),
                    ));
                }
                Ok(())
            }
            Action::ProduceRaw {
                topic,
                partition: p,
                record_count,
                base_sequence,
                producer_id,
                ..
            } => {
                partition(topic, *p)?;
                if *record_count == 0 || *record_count > 1000 {
                    return Err(ActionError::InvalidRequest(
                        "a hand-made batch holds between 1 and 1000 records".to_owned(),
                    ));
                }
                // UnifiedLog.analyzeAndValidateRecords: a batch with a producer id needs a sequence.
                if *producer_id >= 0 && *base_sequence < 0 {
                    return Err(ActionError::InvalidRequest(
                        "a batch with a producer id must have a base sequence of 0 or more"
                            .to_owned(),
                    ));
                }
                Ok(())
            }
        }
    }

    fn apply(&mut self, action: &Action, out: &mut Events) -> Result<(), ActionError> {
        match action {
            Action::Send {
                producer,
                topic,
                partition,
                key,
                value,
            } => self.send(producer, topic, *partition, key.clone(), value.clone(), out),
            Action::Flush { producer } => {
                if let Some(p) = self.producers.get_mut(producer) {
                    p.flush();
                }
                self.drain(producer, out);
            }
            Action::CrashProducer { producer } => self.crash_producer(producer, out),
            Action::InitTransactions { producer }
            | Action::BeginTransaction { producer }
            | Action::CommitTransaction { producer }
            | Action::AbortTransaction { producer } => {
                if let Some(p) = self.producers.get_mut(producer) {
                    match action {
                        Action::InitTransactions { .. } => p.init_transactions(out),
                        Action::BeginTransaction { .. } => p.begin_transaction(out),
                        Action::CommitTransaction { .. } => p.commit_transaction(out),
                        _ => p.abort_transaction(out),
                    }
                }
                self.drain(producer, out);
            }
            Action::RelayOutbox { producer } => self.relay_outbox(producer, out),
            Action::SendOffsetsToTransaction { producer, consumer } => {
                self.send_offsets_to_transaction(producer, consumer, out);
            }
            Action::RestartProducer { producer } => {
                let requests = self
                    .producers
                    .get_mut(producer)
                    .map(Producer::restart)
                    .unwrap_or_default();
                let explanation = match self.producers.get(producer) {
                    Some(p) if p.is_transactional() => format!(
                        "A new {producer} process starts with the same transactional.id. It has no producer id until it calls initTransactions, which bumps the epoch and fences the old instance."
                    ),
                    Some(p) if p.idempotent => format!(
                        "A new {producer} process starts. It knows nothing of the old one: it asks for a new producer id, so the brokers cannot match its sends to the old instance's."
                    ),
                    _ => format!(
                        "A new {producer} process starts, without idempotence: its batches carry no producer id."
                    ),
                };
                out.push(
                    EventKind::ProducerRestarted {
                        producer: producer.clone(),
                    },
                    explanation,
                );
                self.send_requests(producer, requests, out);
            }
            Action::Poll { consumer } => self.poll(consumer, out),
            Action::StreamsProcess { thread } => self.streams_process(thread, out),
            Action::StreamsCommit { thread } => self.streams_commit(thread, out),
            Action::Process { consumer } => self.process(consumer, out),
            Action::Commit { consumer } => self.commit(consumer, out),
            Action::CrashConsumer { consumer } => self.crash_consumer(consumer, out),
            Action::RestartConsumer { consumer } => self.restart_consumer(consumer, out),
            Action::Deliver { message } => {
                let id = self.resolve(*message)?;
                self.deliver(id, out);
            }
            Action::Drop { message } => {
                let id = self.resolve(*message)?;
                if let Some(m) = self.network.take(id) {
                    out.push(
                        EventKind::MessageDropped { message_id: id },
                        drop_explanation(&m),
                    );
                }
            }
            Action::Duplicate { message } => {
                let id = self.resolve(*message)?;
                let copy_id = self.network.duplicate(id).ok_or(ActionError::NetworkFull)?;
                out.push(
                    EventKind::MessageDuplicated { message_id: id, copy_id },
                    format!("The network delivers message {id} twice: copy {copy_id} is now in flight too."),
                );
            }
            Action::Delay { message } => {
                let id = self.resolve(*message)?;
                self.network.delay(id);
                out.push(
                    EventKind::MessageDelayed { message_id: id },
                    format!(
                        "Message {id} is held up: every message sent after it may now arrive first."
                    ),
                );
            }
            Action::DeliverAll {} => {
                let mut delivered = 0;
                while let Some(m) = self.network.find(None).map(|m| m.id) {
                    if delivered == DELIVER_ALL_LIMIT {
                        return Err(ActionError::InvalidRequest(format!(
                            "delivered {DELIVER_ALL_LIMIT} messages and more keep coming; stopped"
                        )));
                    }
                    self.deliver(m, out);
                    delivered += 1;
                }
            }
            Action::Replicate {
                topic,
                partition,
                broker,
            } => {
                let tp = TopicPartition::new(topic.as_str(), *partition);
                let followers: Vec<BrokerId> = match broker {
                    Some(b) => vec![*b],
                    None => self
                        .cluster
                        .partition(&tp)
                        .map(|p| {
                            p.replicas
                                .iter()
                                .map(|r| r.broker)
                                .filter(|b| Some(*b) != p.leader)
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                let live: Vec<BrokerId> = followers
                    .into_iter()
                    .filter(|b| self.cluster.is_alive(*b))
                    .collect();
                if live.is_empty() {
                    return Err(ActionError::InvalidRequest(format!(
                        "{tp} has no live follower to fetch"
                    )));
                }
                for follower in live {
                    let released = self.cluster.replicate(&tp, follower, self.now_ms, out);
                    self.send_released(released, out);
                }
            }
            Action::CrashBroker { broker } => {
                self.cluster.crash_broker(*broker, out);
                if *broker == self.coordinator.broker() {
                    self.coordinator.crash();
                }
                self.after_leader_change(out);
            }
            Action::RestartBroker { broker } => {
                self.cluster.restart_broker(*broker, out);
                if *broker == self.coordinator.broker() {
                    let cluster = &self.cluster;
                    let leader_of = |tp: &TopicPartition| {
                        cluster.leader_of(tp).filter(|b| cluster.is_alive(*b))
                    };
                    let outputs = self.coordinator.reload(self.now_ms, &leader_of, out);
                    self.send_host_outputs(outputs, out);
                }
                self.after_leader_change(out);
            }
            Action::AdvanceTime { ms } => self.advance_time(*ms, out),
            Action::WriteTxnMarker {
                topic,
                partition,
                producer_id,
                producer_epoch,
                coordinator_epoch,
                result,
            } => {
                let tp = TopicPartition::new(topic.as_str(), *partition);
                let kind = match result {
                    TxnResult::Commit => ControlKind::Commit,
                    TxnResult::Abort => ControlKind::Abort,
                };
                let _ = self.cluster.write_marker(
                    &tp,
                    ProducerId(*producer_id),
                    ProducerEpoch(*producer_epoch),
                    *coordinator_epoch,
                    kind,
                    self.now_ms,
                    out,
                );
            }
            Action::InitProducerIdRaw { .. }
            | Action::AddPartitionsRaw { .. }
            | Action::EndTxnRaw { .. }
            | Action::AddOffsetsRaw { .. } => self.coordinator_request_raw(action, out)?,
            Action::TxnOffsetCommitRaw {
                group_id,
                producer_id,
                producer_epoch,
                generation_id,
                offsets,
            } => self.txn_offset_commit_raw(
                group_id,
                ProducerId(*producer_id),
                ProducerEpoch(*producer_epoch),
                *generation_id,
                offsets,
                out,
            ),
            Action::ListTransactions {} => self.list_transactions(out),
            Action::DescribeProducers { topic, partition } => {
                self.describe_producers(&TopicPartition::new(topic.as_str(), *partition), out);
            }
            Action::FindHangingTransactions {
                max_transaction_timeout_ms,
            } => self.find_hanging_transactions(
                max_transaction_timeout_ms.unwrap_or(TRANSACTION_MAX_TIMEOUT_MS),
                out,
            ),
            Action::AbortTransactionAdmin {
                topic,
                partition,
                producer_id,
                producer_epoch,
                coordinator_epoch,
            } => self.abort_transaction_admin(
                &TopicPartition::new(topic.as_str(), *partition),
                ProducerId(*producer_id),
                ProducerEpoch(*producer_epoch),
                *coordinator_epoch,
                out,
            ),
            Action::ProduceRaw {
                topic,
                partition,
                producer_id,
                producer_epoch,
                base_sequence,
                record_count,
                is_transactional,
                acks,
            } => {
                let tp = TopicPartition::new(topic.as_str(), *partition);
                let Some(leader) = self.cluster.leader_of(&tp) else {
                    return Err(ActionError::InvalidRequest(format!(
                        "{tp} has no leader to send to"
                    )));
                };
                let batch = ProducedBatch {
                    stamp: ProducerStamp {
                        producer_id: ProducerId(*producer_id),
                        producer_epoch: ProducerEpoch(*producer_epoch),
                        base_sequence: if *producer_id < 0 {
                            Sequence::NONE
                        } else {
                            Sequence(*base_sequence)
                        },
                    },
                    is_transactional: *is_transactional,
                    records: (0..*record_count)
                        .map(|i| Record {
                            key: None,
                            value: format!("raw-{i}"),
                        })
                        .collect(),
                    provenance: Provenance {
                        send_ids: Vec::new(),
                        attempt: 1,
                    },
                };
                let lab = ClientId::new("lab");
                let mut epoch = None;
                let (outcome, released) = match self.verify_transaction(leader, &tp, &batch, out) {
                    Some(error) => (ProduceOutcome::Respond(Err(error)), Vec::new()),
                    None => self.cluster.handle_produce(
                        leader,
                        &tp,
                        *acks,
                        &batch,
                        &lab,
                        0,
                        self.now_ms,
                        &mut epoch,
                        out,
                    ),
                };
                let answer = match outcome {
                    ProduceOutcome::Respond(Ok(offset)) => {
                        format!("The leader answers NONE with base offset {offset}.")
                    }
                    ProduceOutcome::Respond(Err(error)) => format!("The leader answers {error}."),
                    ProduceOutcome::Waiting => {
                        "The leader will answer once the followers have the batch (acks=all)."
                            .to_owned()
                    }
                    ProduceOutcome::NoResponse => {
                        "With acks=0 the leader sends no answer.".to_owned()
                    }
                };
                let result = match outcome {
                    ProduceOutcome::Respond(result) => Some(result),
                    ProduceOutcome::Waiting | ProduceOutcome::NoResponse => None,
                };
                out.push(
                    EventKind::RawProduceHandled { topic_partition: tp, broker: leader, result },
                    format!("The hand-made produce request goes straight to leader broker {leader}, bypassing the producer client. {answer}"),
                );
                self.send_released(
                    released
                        .into_iter()
                        .filter(|r| r.ack.client != lab)
                        .collect(),
                    out,
                );
            }
        }
        Ok(())
    }

    /// A coordinator request built by hand (`init_producer_id_raw`, `add_partitions_raw`,
    /// `end_txn_raw`), handed to the coordinator as if it had just arrived; its answer is
    /// narrated instead of sent, and any markers it starts go out as usual.
    fn coordinator_request_raw(
        &mut self,
        action: &Action,
        out: &mut Events,
    ) -> Result<(), ActionError> {
        let coordinator = self.coordinator.broker();
        if !self.cluster.is_alive(coordinator) {
            return Err(ActionError::BrokerDown(coordinator));
        }
        let lab = ClientId::new("lab");
        let now = self.now_ms;
        let mut next_producer_id = self.next_producer_id;
        let mut allocate = || {
            let id = ProducerId(next_producer_id);
            next_producer_id += 1;
            id
        };
        let cluster = &self.cluster;
        let leader_of =
            |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
        let (request, outputs) = match action {
            Action::InitProducerIdRaw {
                transactional_id,
                expected_producer_id,
                expected_epoch,
            } => (
                "InitProducerId",
                self.coordinator.init_producer_id(
                    &lab,
                    0,
                    transactional_id,
                    DEFAULT_TRANSACTION_TIMEOUT_MS,
                    expected_producer_id
                        .zip(*expected_epoch)
                        .map(|(id, epoch)| {
                            ProducerIdAndEpoch::new(ProducerId(id), ProducerEpoch(epoch))
                        }),
                    now,
                    &mut allocate,
                    &leader_of,
                    out,
                ),
            ),
            Action::AddPartitionsRaw {
                transactional_id,
                producer_id,
                producer_epoch,
                partitions,
            } => (
                "AddPartitionsToTxn",
                self.coordinator.add_partitions(
                    &lab,
                    0,
                    transactional_id,
                    ProducerId(*producer_id),
                    ProducerEpoch(*producer_epoch),
                    partitions,
                    now,
                    &leader_of,
                    out,
                ),
            ),
            Action::AddOffsetsRaw {
                transactional_id,
                producer_id,
                producer_epoch,
                group_id: _,
            } => (
                "AddOffsetsToTxn",
                self.coordinator.add_offsets(
                    &lab,
                    0,
                    transactional_id,
                    ProducerId(*producer_id),
                    ProducerEpoch(*producer_epoch),
                    now,
                    &leader_of,
                    out,
                ),
            ),
            Action::EndTxnRaw {
                transactional_id,
                producer_id,
                producer_epoch,
                result,
            } => (
                "EndTxn",
                self.coordinator.end_txn(
                    &lab,
                    0,
                    transactional_id,
                    ProducerId(*producer_id),
                    ProducerEpoch(*producer_epoch),
                    *result,
                    now,
                    &mut allocate,
                    &leader_of,
                    out,
                ),
            ),
            _ => return Ok(()),
        };
        self.next_producer_id = next_producer_id;
        let (answers, others): (Vec<HostOutput>, Vec<HostOutput>) = outputs
            .into_iter()
            .partition(|o| matches!(o, HostOutput::Reply { client, .. } if *client == lab));
        let mut answered = false;
        for answer in answers {
            if let HostOutput::Reply { payload, .. } = answer {
                answered = true;
                let error = reply_error(&payload);
                out.push(
                    EventKind::RawCoordinatorRequestHandled {
                        request: request.to_owned(),
                        error,
                    },
                    format!(
                        "The hand-made {request} request goes straight to the transaction coordinator on broker {coordinator}, bypassing the producer client. The coordinator answers: {}.",
                        payload.label()
                    ),
                );
            }
        }
        if !answered {
            out.push(
                EventKind::RawCoordinatorRequestHandled {
                    request: request.to_owned(),
                    error: None,
                },
                format!(
                    "The hand-made {request} request goes straight to the transaction coordinator on broker {coordinator}, bypassing the producer client. The coordinator will answer once its __transaction_state write completes."
                ),
            );
        }
        self.send_host_outputs(others, out);
        Ok(())
    }

    /// Admin `listTransactions` (`TransactionCoordinator.handleListTransactions`).
    fn list_transactions(&self, out: &mut Events) {
        let transactions: Vec<ListedTransaction> = self
            .coordinator
            .transactions()
            .map(|m| ListedTransaction {
                transactional_id: m.transactional_id.clone(),
                producer_id: m.producer_id,
                producer_epoch: m.producer_epoch,
                state: m.state,
            })
            .collect();
        let rows: Vec<String> = transactions
            .iter()
            .map(|t| {
                format!(
                    "{} (producer {}, epoch {}) is {}",
                    t.transactional_id,
                    t.producer_id,
                    t.producer_epoch,
                    t.state.name()
                )
            })
            .collect();
        let explanation = if rows.is_empty() {
            "kafka-transactions.sh list: the transaction coordinator knows no transactional.id."
                .to_owned()
        } else {
            format!(
                "kafka-transactions.sh list: the transaction coordinator knows {} transactional.id(s): {}.",
                rows.len(),
                rows.join("; ")
            )
        };
        out.push(EventKind::TransactionsListed { transactions }, explanation);
    }

    /// What the leader of `tp` remembers of each producer (`Partition.activeProducerState`).
    fn producers_of(&self, tp: &TopicPartition) -> Vec<DescribedProducer> {
        self.cluster
            .partition(tp)
            .and_then(|p| p.leader_replica())
            .map(|r| {
                r.producers
                    .entries()
                    .map(|e| DescribedProducer {
                        producer_id: e.producer_id,
                        producer_epoch: e.producer_epoch,
                        last_sequence: e.last_seq().0,
                        last_timestamp_ms: e.last_timestamp_ms,
                        coordinator_epoch: e.coordinator_epoch,
                        current_transaction_start_offset: e.current_txn_first_offset,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Admin `describeProducers` (`KafkaApis.handleDescribeProducersRequest`).
    fn describe_producers(&self, tp: &TopicPartition, out: &mut Events) {
        let producers = self.producers_of(tp);
        let rows: Vec<String> = producers
            .iter()
            .map(|p| {
                let txn = p.current_transaction_start_offset.map_or_else(
                    || "no open transaction".to_owned(),
                    |o| format!("an open transaction since offset {o}"),
                );
                format!(
                    "producer {} at epoch {}, last sequence {}, {txn}",
                    p.producer_id, p.producer_epoch, p.last_sequence
                )
            })
            .collect();
        let explanation = if rows.is_empty() {
            format!(
                "kafka-transactions.sh describe-producers on {tp}: the leader remembers no producer."
            )
        } else {
            format!(
                "kafka-transactions.sh describe-producers on {tp}: the leader remembers {}.",
                rows.join("; ")
            )
        };
        out.push(
            EventKind::ProducersDescribed {
                topic_partition: tp.clone(),
                producers,
            },
            explanation,
        );
    }

    /// `kafka-transactions.sh find-hanging` (`TransactionsCommand.FindHangingTransactionsCommand`):
    /// an open transaction idle longer than the timeout is hanging when the coordinator has no
    /// transaction for its producer id, or that transaction does not hold the partition.
    fn find_hanging_transactions(&self, max_timeout_ms: u64, out: &mut Events) {
        let mut hanging = Vec::new();
        for partition in self.cluster.partitions() {
            let tp = &partition.topic_partition;
            for p in self.producers_of(tp) {
                let Some(start_offset) = p.current_transaction_start_offset else {
                    continue;
                };
                let idle_ms = self.now_ms.saturating_sub(p.last_timestamp_ms);
                if idle_ms < max_timeout_ms {
                    continue;
                }
                let known = self.coordinator.transactions().any(|m| {
                    m.producer_id == p.producer_id
                        && m.state == TransactionState::Ongoing
                        && m.topic_partitions.contains(tp)
                });
                if !known {
                    hanging.push(HangingTransaction {
                        topic_partition: tp.clone(),
                        producer_id: p.producer_id,
                        producer_epoch: p.producer_epoch,
                        coordinator_epoch: p.coordinator_epoch,
                        start_offset,
                        idle_ms,
                    });
                }
            }
        }
        let rows: Vec<String> = hanging
            .iter()
            .map(|h| {
                format!(
                    "{}: producer {} (epoch {}) since offset {}, idle {} ms",
                    h.topic_partition, h.producer_id, h.producer_epoch, h.start_offset, h.idle_ms
                )
            })
            .collect();
        let explanation = if rows.is_empty() {
            format!(
                "kafka-transactions.sh find-hanging: no open transaction idle for {max_timeout_ms} ms or more lacks a transaction at the coordinator; nothing hangs."
            )
        } else {
            format!(
                "kafka-transactions.sh find-hanging: {} open transaction(s) idle for {max_timeout_ms} ms or more that the coordinator does not hold, so nothing will ever end them and each freezes its partition's last stable offset: {}. Abort each with abort_transaction_admin.",
                rows.len(),
                rows.join("; ")
            )
        };
        out.push(
            EventKind::HangingTransactionsFound {
                max_transaction_timeout_ms: max_timeout_ms,
                hanging,
            },
            explanation,
        );
    }

    /// Admin `abortTransaction` (KIP-664): the leader writes an ABORT marker as a
    /// `WriteTxnMarkers` request would (`KafkaApis.handleWriteTxnMarkersRequest`).
    fn abort_transaction_admin(
        &mut self,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: Option<i32>,
        out: &mut Events,
    ) {
        // AbortTransactionHandler: the tool takes the coordinator epoch from describe-producers.
        let coordinator_epoch = coordinator_epoch.unwrap_or_else(|| {
            self.producers_of(tp)
                .iter()
                .find(|p| p.producer_id == producer_id)
                .map_or(0, |p| p.coordinator_epoch.max(0))
        });
        let result = self.cluster.write_marker(
            tp,
            producer_id,
            producer_epoch,
            coordinator_epoch,
            ControlKind::Abort,
            self.now_ms,
            out,
        );
        let explanation = match result {
            Ok(offset) => format!(
                "kafka-transactions.sh abort: the leader of {tp} writes an ABORT marker for producer {producer_id} (epoch {producer_epoch}, coordinator epoch {coordinator_epoch}) at offset {offset}, as the coordinator would have. The transaction's records stay in the log, read_committed consumers skip them, and the last stable offset may move on."
            ),
            Err(error) => format!(
                "kafka-transactions.sh abort: the leader of {tp} refuses the ABORT marker for producer {producer_id} (epoch {producer_epoch}, coordinator epoch {coordinator_epoch}) with {error}."
            ),
        };
        out.push(
            EventKind::TransactionAbortedByAdmin {
                topic_partition: tp.clone(),
                producer_id,
                result,
            },
            explanation,
        );
    }

    /// KIP-890 part 1: before a producer's first transactional write to a partition at this
    /// epoch, the leader asks the coordinator whether the partition is in the producer's
    /// transaction (`ReplicaManager.maybeSendPartitionsToTransactionCoordinator`). `Some(error)`
    /// is the refusal the producer gets. The question and its answer are modelled as instant.
    fn verify_transaction(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        batch: &ProducedBatch,
        out: &mut Events,
    ) -> Option<ErrorCode> {
        let v2 = self.coordinator.transaction_version() == TransactionVersion::V2;
        // With transaction V2 the leader must add the partition itself, whatever the setting.
        if !batch.is_transactional || !(v2 || self.cluster.verifies_transactions()) {
            return None;
        }
        let partition = self.cluster.partition(tp)?;
        if partition.leader != Some(broker) {
            return None;
        }
        let stamp = &batch.stamp;
        let entry = partition
            .leader_replica()
            .and_then(|r| r.producers.entry(stamp.producer_id));
        // UnifiedLog.maybeStartTransactionVerification: only without an ongoing txn at this
        // epoch; a batch from an older epoch is left to the append's INVALID_PRODUCER_EPOCH.
        let skip = entry.is_some_and(|e| {
            (e.producer_epoch == stamp.producer_epoch && e.current_txn_first_offset.is_some())
                || e.producer_epoch > stamp.producer_epoch
        });
        if skip {
            return None;
        }
        if v2 {
            let (producer_id, producer_epoch) = (stamp.producer_id, stamp.producer_epoch);
            return self.add_partition_for_produce(broker, tp, producer_id, producer_epoch, out);
        }
        let pid = stamp.producer_id;
        let epoch = stamp.producer_epoch;
        let coordinator_up = self.cluster.is_alive(self.coordinator.broker());
        let txn = self
            .coordinator
            .transactions()
            .find(|m| m.producer_id == pid);
        // TransactionCoordinator.handleVerifyPartitionsInTransaction, then the broker's mapping
        // for old clients in AddPartitionsToTxnManager.
        let (coordinator_error, error, why) = match txn {
            _ if !coordinator_up => (
                ErrorCode::CoordinatorNotAvailable,
                ErrorCode::NotEnoughReplicas,
                "the coordinator is down".to_owned(),
            ),
            None => (
                ErrorCode::InvalidProducerIdMapping,
                ErrorCode::InvalidProducerIdMapping,
                format!("no transactional.id has producer id {pid}"),
            ),
            Some(m) if m.producer_epoch != epoch => (
                ErrorCode::ProducerFenced,
                ErrorCode::InvalidProducerEpoch,
                format!(
                    "{} is at epoch {}, not {epoch}",
                    m.transactional_id, m.producer_epoch
                ),
            ),
            Some(m)
                if matches!(
                    m.state,
                    TransactionState::PrepareCommit | TransactionState::PrepareAbort
                ) =>
            {
                (
                    ErrorCode::ConcurrentTransactions,
                    ErrorCode::NotEnoughReplicas,
                    format!(
                        "{} is ending its transaction ({})",
                        m.transactional_id,
                        m.state.name()
                    ),
                )
            }
            Some(m) if m.topic_partitions.contains(tp) => return None,
            Some(m) => (
                ErrorCode::TransactionAbortable,
                ErrorCode::InvalidTxnState,
                format!(
                    "{tp} was never added to {}'s transaction ({})",
                    m.transactional_id,
                    m.state.name()
                ),
            ),
        };
        let tail = if matches!(
            error,
            ErrorCode::InvalidTxnState | ErrorCode::InvalidProducerIdMapping
        ) {
            format!(" No transaction is opened on {tp} that the coordinator would never end.")
        } else {
            String::new()
        };
        out.push(
            EventKind::TransactionVerificationFailed {
                topic_partition: tp.clone(),
                broker,
                producer_id: pid,
                coordinator_error,
                error,
            },
            format!(
                "transaction.partition.verification.enable is on: before appending producer {pid}'s first transactional batch to {tp}, leader broker {broker} asks the transaction coordinator whether {tp} is in that producer's transaction. The coordinator answers {coordinator_error}: {why}. The leader refuses the write with {error}.{tail}"
            ),
        );
        Some(error)
    }

    /// Transaction V2 (KIP-890 part 2, `ReplicaManager.appendRecords` with `ADD_PARTITION`): the
    /// client sent no AddPartitionsToTxn, so before the first transactional batch of this epoch
    /// the leader has the coordinator add the partition, and appends only once it is in. `Some`
    /// is the refusal the producer gets. The request and its answer are modelled as instant.
    fn add_partition_for_produce(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        out: &mut Events,
    ) -> Option<ErrorCode> {
        let asked_at = out.0.len();
        let result = if self.cluster.is_alive(self.coordinator.broker()) {
            let now = self.now_ms;
            let cluster = &self.cluster;
            let leader_of =
                |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
            self.coordinator.add_partition_for_producer(
                &format!("leader broker {broker}"),
                producer_id,
                producer_epoch,
                tp.clone(),
                now,
                &leader_of,
                out,
            )
        } else {
            Err(ErrorCode::CoordinatorNotAvailable)
        };
        // AddPartitionsToTxnManager / ReplicaManager: PRODUCER_FENCED reaches the producer as
        // INVALID_PRODUCER_EPOCH; what Kafka's leader would retry by itself is handed to the
        // producer as a retriable NOT_ENOUGH_REPLICAS here, so the producer retries instead.
        let (error, what) = match result {
            Ok(()) => (None, format!("{tp} is in the transaction now, and the leader appends the batch.")),
            Err(ErrorCode::ProducerFenced) => (
                Some(ErrorCode::InvalidProducerEpoch),
                "the coordinator answers PRODUCER_FENCED, which the leader passes on as INVALID_PRODUCER_EPOCH: this epoch is no longer the transactional.id's.".to_owned(),
            ),
            Err(ErrorCode::CoordinatorNotAvailable) => (
                Some(ErrorCode::NotEnoughReplicas),
                "the coordinator's broker is down. The leader refuses the write with NOT_ENOUGH_REPLICAS, which the producer retries.".to_owned(),
            ),
            Err(ErrorCode::ConcurrentTransactions) => (
                Some(ErrorCode::NotEnoughReplicas),
                "the coordinator answers CONCURRENT_TRANSACTIONS: the producer's previous transaction is still writing its markers. Kafka's leader would wait and ask again by itself; the lab refuses the write with NOT_ENOUGH_REPLICAS so that the producer retries after retry.backoff.ms.".to_owned(),
            ),
            Err(error) => (
                Some(error),
                format!("the coordinator answers {error}, and the leader refuses the write with it."),
            ),
        };
        // The explanation goes before what the coordinator did in answer.
        out.0.insert(asked_at, Event::new(
            EventKind::PartitionAddedForProducer { topic_partition: tp.clone(), producer_id, error },
            format!("Transaction protocol V2: producer {producer_id} sent no AddPartitionsToTxn for {tp}; its first transactional batch of epoch {producer_epoch} makes leader broker {broker} ask the transaction coordinator to add {tp} to the transaction (AddPartitionsToTxn with verifyOnly=false): {what}"),
        ));
        error
    }

    fn resolve(&self, message: Option<MessageId>) -> Result<MessageId, ActionError> {
        self.network
            .find(message)
            .map(|m| m.id)
            .ok_or(match message {
                Some(id) => ActionError::UnknownMessage(id),
                None => ActionError::NoMessageInFlight,
            })
    }

    fn send(
        &mut self,
        producer: &ClientId,
        topic: &str,
        partition: Option<u32>,
        key: Option<String>,
        value: String,
        out: &mut Events,
    ) {
        let count = u32::try_from(self.cluster.partitions_of(topic).len())
            .unwrap_or(1)
            .max(1);
        let p =
            partition.unwrap_or_else(|| key.as_deref().map_or(0, |k| partition_for_key(k, count)));
        let tp = TopicPartition::new(topic, p);
        let send_id = u64::try_from(self.sends.len())
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        self.sends.insert(
            send_id,
            SendRecord {
                producer: producer.clone(),
                topic_partition: tp.clone(),
                key: key.clone(),
                value: value.clone(),
            },
        );
        let now = self.now_ms;
        let Some(prod) = self.producers.get_mut(producer) else {
            return;
        };
        prod.send(send_id, tp.clone(), Record { key, value }, now);
        let waiting = if prod.awaiting_producer_id() {
            " It waits there until the producer has its producer id."
        } else {
            ""
        };
        out.push(
            EventKind::RecordQueued { producer: producer.clone(), send_id, topic_partition: tp.clone() },
            format!("{producer} calls send (send #{send_id}); the record joins the batch for {tp} in the producer's buffer.{waiting}"),
        );
        self.drain(producer, out);
    }

    /// Lets a producer send what its in-flight limit allows.
    fn drain(&mut self, producer: &ClientId, out: &mut Events) {
        let now = self.now_ms;
        let cluster = &self.cluster;
        let leader_of =
            |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
        let requests = match self.producers.get_mut(producer) {
            Some(p) => p.drain(leader_of, now, out),
            None => return,
        };
        self.send_requests(producer, requests, out);
    }

    fn send_requests(
        &mut self,
        producer: &ClientId,
        requests: Vec<OutgoingRequest>,
        out: &mut Events,
    ) {
        let mut answered_at_once = false;
        for request in requests {
            let (to, payload) = match request {
                // TxnOffsetCommit is answered within the step, like every group coordinator call.
                OutgoingRequest::TxnOffsetCommit {
                    correlation_id,
                    producer_id,
                    producer_epoch,
                    offsets,
                    ..
                } => {
                    let result = self.txn_offset_commit_v2(
                        producer,
                        producer_id,
                        producer_epoch,
                        offsets,
                        out,
                    );
                    let now = self.now_ms;
                    if let Some(p) = self.producers.get_mut(producer) {
                        p.on_txn_offset_commit_v2(correlation_id, result, now, out);
                    }
                    answered_at_once = true;
                    continue;
                }
                OutgoingRequest::InitProducerId { correlation_id } => {
                    let Some(broker) = self.cluster.any_live_broker() else {
                        continue;
                    };
                    (broker, Payload::InitProducerIdRequest { correlation_id })
                }
                OutgoingRequest::Produce {
                    correlation_id,
                    broker,
                    acks,
                    batch,
                    topic_partition,
                } => (
                    broker,
                    Payload::ProduceRequest {
                        correlation_id,
                        acks,
                        topic_partition,
                        batch,
                    },
                ),
                // FindCoordinator is not modelled: transactional requests go to the one
                // coordinator's broker.
                OutgoingRequest::TxnInitProducerId {
                    correlation_id,
                    transactional_id,
                    transaction_timeout_ms,
                } => (
                    self.coordinator.broker(),
                    Payload::TxnInitProducerIdRequest {
                        correlation_id,
                        transactional_id,
                        transaction_timeout_ms,
                    },
                ),
                OutgoingRequest::AddPartitionsToTxn {
                    correlation_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    partitions,
                } => (
                    self.coordinator.broker(),
                    Payload::AddPartitionsToTxnRequest {
                        correlation_id,
                        transactional_id,
                        producer_id,
                        producer_epoch,
                        partitions,
                    },
                ),
                OutgoingRequest::AddOffsetsToTxn {
                    correlation_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    group_id,
                } => (
                    self.coordinator.broker(),
                    Payload::AddOffsetsToTxnRequest {
                        correlation_id,
                        transactional_id,
                        producer_id,
                        producer_epoch,
                        group_id,
                    },
                ),
                OutgoingRequest::EndTxn {
                    correlation_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    result,
                } => (
                    self.coordinator.broker(),
                    Payload::EndTxnRequest {
                        correlation_id,
                        transactional_id,
                        producer_id,
                        producer_epoch,
                        result,
                    },
                ),
            };
            let label = payload.label();
            match self.network.send(Endpoint::Client(producer.clone()), Endpoint::Broker(to), self.now_ms, payload) {
                Some(message_id) => out.push(
                    EventKind::MessageSent { message_id, label: label.clone() },
                    format!("{producer} sends message {message_id} to broker {to}: {label}."),
                ),
                None => out.push(
                    EventKind::NetworkFull { label: label.clone() },
                    format!("The network already holds {} messages, the most the lab allows; {producer}'s {label} is lost.", Network::CAPACITY),
                ),
            }
        }
        // The answer may let the producer's next request (EndTxn, say) go out now.
        if answered_at_once {
            self.drain(producer, out);
        }
    }

    fn deliver(&mut self, id: MessageId, out: &mut Events) {
        let Some(message) = self.network.take(id) else {
            return;
        };
        match message.to.clone() {
            Endpoint::Broker(broker) => self.deliver_to_broker(broker, message, out),
            Endpoint::Client(client) => self.deliver_to_client(&client, message, out),
        }
    }

    fn deliver_to_broker(&mut self, broker: BrokerId, message: Message, out: &mut Events) {
        let id = message.id;
        if !self.cluster.is_alive(broker) {
            out.push(
                EventKind::MessageLost { message_id: id },
                format!("Message {id} reaches broker {broker}, which is down: it is lost."),
            );
            return;
        }
        out.push(
            EventKind::MessageDelivered { message_id: id },
            format!(
                "Message {id} ({}) arrives at broker {broker}.",
                message.payload.label()
            ),
        );
        let client = match message.from.clone() {
            Endpoint::Client(client) => client,
            Endpoint::Broker(from) => {
                self.deliver_between_brokers(broker, from, message.payload, out);
                return;
            }
        };
        let now = self.now_ms;
        let mut next_producer_id = self.next_producer_id;
        let mut allocate = || {
            let id = ProducerId(next_producer_id);
            next_producer_id += 1;
            id
        };
        let cluster = &self.cluster;
        let leader_of =
            |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
        let outputs = match &message.payload {
            Payload::TxnInitProducerIdRequest {
                correlation_id,
                transactional_id,
                transaction_timeout_ms,
            } => Some(self.coordinator.init_producer_id(
                &client,
                *correlation_id,
                transactional_id,
                *transaction_timeout_ms,
                None,
                now,
                &mut allocate,
                &leader_of,
                out,
            )),
            Payload::AddPartitionsToTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                partitions,
            } => Some(self.coordinator.add_partitions(
                &client,
                *correlation_id,
                transactional_id,
                *producer_id,
                *producer_epoch,
                partitions,
                now,
                &leader_of,
                out,
            )),
            Payload::AddOffsetsToTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                ..
            } => Some(self.coordinator.add_offsets(
                &client,
                *correlation_id,
                transactional_id,
                *producer_id,
                *producer_epoch,
                now,
                &leader_of,
                out,
            )),
            Payload::EndTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                result,
            } => Some(self.coordinator.end_txn(
                &client,
                *correlation_id,
                transactional_id,
                *producer_id,
                *producer_epoch,
                *result,
                now,
                &mut allocate,
                &leader_of,
                out,
            )),
            _ => None,
        };
        self.next_producer_id = next_producer_id;
        if let Some(outputs) = outputs {
            self.send_host_outputs(outputs, out);
            return;
        }
        match message.payload {
            Payload::InitProducerIdRequest { correlation_id } => {
                // ProducerIdManager: ids come from a cluster-wide counter; epoch 0 for a new id.
                let producer_id = ProducerId(self.next_producer_id);
                self.next_producer_id += 1;
                let payload = Payload::InitProducerIdResponse {
                    correlation_id,
                    producer_id,
                    producer_epoch: ProducerEpoch(0),
                };
                self.reply(broker, &client, payload, out);
            }
            Payload::ProduceRequest {
                correlation_id,
                acks,
                topic_partition,
                batch,
            } => {
                let mut epoch = None;
                let (outcome, released) =
                    match self.verify_transaction(broker, &topic_partition, &batch, out) {
                        Some(error) => (ProduceOutcome::Respond(Err(error)), Vec::new()),
                        None => self.cluster.handle_produce(
                            broker,
                            &topic_partition,
                            acks,
                            &batch,
                            &client,
                            correlation_id,
                            self.now_ms,
                            &mut epoch,
                            out,
                        ),
                    };
                if let ProduceOutcome::Respond(result) = outcome {
                    self.reply(
                        broker,
                        &client,
                        Payload::ProduceResponse {
                            correlation_id,
                            topic_partition,
                            result,
                        },
                        out,
                    );
                }
                self.send_released(released, out);
            }
            _ => {}
        }
    }

    /// Coordinator-to-leader traffic: WriteTxnMarkers and its answer.
    fn deliver_between_brokers(
        &mut self,
        broker: BrokerId,
        from: BrokerId,
        payload: Payload,
        out: &mut Events,
    ) {
        let now = self.now_ms;
        match payload {
            // KafkaApis.handleWriteTxnMarkersRequest: each partition this broker leads gets its
            // control batch; the others are answered NOT_LEADER_OR_FOLLOWER.
            Payload::WriteTxnMarkersRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                coordinator_epoch,
                result,
                partitions,
            } => {
                let kind = match result {
                    TxnResult::Commit => ControlKind::Commit,
                    TxnResult::Abort => ControlKind::Abort,
                };
                let mut results = Vec::new();
                for tp in partitions {
                    let written = if self.cluster.leader_of(&tp) == Some(broker) {
                        self.cluster.write_marker(
                            &tp,
                            producer_id,
                            producer_epoch,
                            coordinator_epoch,
                            kind,
                            now,
                            out,
                        )
                    } else {
                        Err(ErrorCode::NotLeaderOrFollower)
                    };
                    results.push((tp, written));
                }
                let payload = Payload::WriteTxnMarkersResponse {
                    correlation_id,
                    transactional_id,
                    results,
                };
                self.send_between_brokers(broker, from, payload, out);
            }
            Payload::WriteTxnMarkersResponse {
                correlation_id,
                results,
                ..
            } if broker == self.coordinator.broker() => {
                let cluster = &self.cluster;
                let leader_of =
                    |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
                let outputs = self.coordinator.on_markers_response(
                    correlation_id,
                    &results,
                    now,
                    &leader_of,
                    out,
                );
                self.send_host_outputs(outputs, out);
            }
            _ => {}
        }
    }

    fn send_between_brokers(
        &mut self,
        from: BrokerId,
        to: BrokerId,
        payload: Payload,
        out: &mut Events,
    ) {
        let label = payload.label();
        if let Some(message_id) = self.network.send(
            Endpoint::Broker(from),
            Endpoint::Broker(to),
            self.now_ms,
            payload,
        ) {
            out.push(
                EventKind::MessageSent {
                    message_id,
                    label: label.clone(),
                },
                format!("Broker {from} sends message {message_id} to broker {to}: {label}."),
            );
        }
    }

    /// Puts the coordinator's answers and marker requests on the network.
    fn send_host_outputs(&mut self, outputs: Vec<HostOutput>, out: &mut Events) {
        let coordinator = self.coordinator.broker();
        for output in outputs {
            match output {
                HostOutput::Reply { client, payload } => {
                    self.reply(coordinator, &client, payload, out);
                }
                HostOutput::Markers { leader, payload } => {
                    self.send_between_brokers(coordinator, leader, payload, out);
                }
                HostOutput::GroupMarker {
                    correlation_id,
                    transactional_id,
                    producer_id,
                    commit,
                    topic_partition,
                } => {
                    self.group_marker(
                        &transactional_id,
                        producer_id,
                        commit,
                        &topic_partition,
                        out,
                    );
                    let now = self.now_ms;
                    let cluster = &self.cluster;
                    let leader_of = |tp: &TopicPartition| {
                        cluster.leader_of(tp).filter(|b| cluster.is_alive(*b))
                    };
                    let more = self.coordinator.on_markers_response(
                        correlation_id,
                        &[(topic_partition, Ok(Offset(0)))],
                        now,
                        &leader_of,
                        out,
                    );
                    self.send_host_outputs(more, out);
                }
            }
        }
    }

    fn reply(&mut self, broker: BrokerId, client: &ClientId, payload: Payload, out: &mut Events) {
        let label = payload.label();
        if let Some(message_id) = self.network.send(
            Endpoint::Broker(broker),
            Endpoint::Client(client.clone()),
            self.now_ms,
            payload,
        ) {
            out.push(
                EventKind::MessageSent {
                    message_id,
                    label: label.clone(),
                },
                format!("Broker {broker} answers {client} with message {message_id}: {label}."),
            );
        }
    }

    fn send_released(&mut self, released: Vec<ReleasedAck>, out: &mut Events) {
        for r in released {
            let payload = Payload::ProduceResponse {
                correlation_id: r.ack.correlation_id,
                topic_partition: r.topic_partition,
                result: Ok(r.ack.base_offset),
            };
            if self.cluster.is_alive(r.leader) && self.producers.contains_key(&r.ack.client) {
                self.reply(r.leader, &r.ack.client, payload, out);
            }
        }
    }

    fn deliver_to_client(&mut self, client: &ClientId, message: Message, out: &mut Events) {
        let id = message.id;
        let now = self.now_ms;
        let Some(producer) = self.producers.get_mut(client) else {
            return;
        };
        if !producer.alive {
            out.push(
                EventKind::MessageLost { message_id: id },
                format!(
                    "Message {id} reaches {client}, whose process has crashed: nobody reads it."
                ),
            );
            return;
        }
        let label = message.payload.label();
        let delivered_at = out.0.len();
        let mut txn_offsets = None;
        let handled = match message.payload {
            Payload::InitProducerIdResponse {
                correlation_id,
                producer_id,
                producer_epoch,
            } => producer.on_init_producer_id(correlation_id, producer_id, producer_epoch, out),
            Payload::ProduceResponse {
                correlation_id,
                result,
                ..
            } => producer.on_produce_response(correlation_id, result, now, out),
            Payload::TxnInitProducerIdResponse {
                correlation_id,
                result,
            } => producer.on_txn_init_producer_id(correlation_id, result, now, out),
            Payload::AddPartitionsToTxnResponse {
                correlation_id,
                result,
            } => producer.on_add_partitions_to_txn(correlation_id, result, now, out),
            Payload::AddOffsetsToTxnResponse {
                correlation_id,
                result,
            } => {
                let (handled, offsets) =
                    producer.on_add_offsets_to_txn(correlation_id, result, now, out);
                txn_offsets = offsets;
                handled
            }
            Payload::EndTxnResponse {
                correlation_id,
                result,
            } => producer.on_end_txn(correlation_id, result, now, out),
            _ => false,
        };
        if handled {
            out.0.insert(
                delivered_at,
                Event::new(
                    EventKind::MessageDelivered { message_id: id },
                    format!("Message {id} ({label}) arrives at {client}."),
                ),
            );
        } else {
            out.push(
                EventKind::MessageLost { message_id: id },
                format!("Message {id} ({label}) reaches {client}, which no longer waits for it (the request timed out, or an earlier process sent it): it is ignored."),
            );
        }
        if let Some(offsets) = txn_offsets {
            self.txn_offset_commit(client, offsets, out);
        }
        self.drain(client, out);
    }

    /// The outbox relay: every unpublished outbox row becomes a send through `producer`.
    fn relay_outbox(&mut self, producer: &ClientId, out: &mut Events) {
        let Some(topic) = self.store.outbox_topic.clone() else {
            return;
        };
        let rows = self.store.take_unpublished();
        out.push(
            EventKind::OutboxRelayed { producer: producer.clone(), rows: rows.len() },
            if rows.is_empty() {
                "The outbox relay finds no unpublished rows.".to_owned()
            } else {
                format!(
                    "The outbox relay reads {} unpublished row(s) and publishes them through {producer} to {topic}, keyed by business id, so consumers downstream can drop any repeat.",
                    rows.len()
                )
            },
        );
        for row in rows {
            self.send(
                producer,
                &topic,
                None,
                Some(row.business_id),
                row.value,
                out,
            );
        }
    }

    fn crash_producer(&mut self, producer: &ClientId, out: &mut Events) {
        let Some(p) = self.producers.get_mut(producer) else {
            return;
        };
        let unsent_records = p.crash();
        out.push(
            EventKind::ProducerCrashed { producer: producer.clone(), unsent_records },
            format!(
                "{producer}'s process crashes. {unsent_records} record(s) it held in memory, queued or awaiting an answer, are gone with it; messages already on the network still travel."
            ),
        );
    }

    /// After a leader moves, producers may send queued batches to the new leader.
    fn after_leader_change(&mut self, out: &mut Events) {
        if self.cluster.is_alive(self.coordinator.broker()) {
            let cluster = &self.cluster;
            let leader_of =
                |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
            let outputs = self.coordinator.resend_parked(&leader_of, out);
            self.send_host_outputs(outputs, out);
        }
        let ids: Vec<ClientId> = self.producers.keys().cloned().collect();
        for id in ids {
            self.drain(&id, out);
        }
    }

    fn advance_time(&mut self, ms: u64, out: &mut Events) {
        self.now_ms = self.now_ms.saturating_add(ms);
        let now = self.now_ms;
        out.push(
            EventKind::TimeAdvanced { now_ms: now },
            format!("{ms} ms pass; the simulated clock reads {now} ms."),
        );
        let released = self.cluster.on_time(now, out);
        self.send_released(released, out);
        if self.cluster.is_alive(self.coordinator.broker()) {
            let mut next_producer_id = self.next_producer_id;
            let mut allocate = || {
                let id = ProducerId(next_producer_id);
                next_producer_id += 1;
                id
            };
            let cluster = &self.cluster;
            let leader_of =
                |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
            let outputs = self
                .coordinator
                .abort_timed_out(now, &mut allocate, &leader_of, out);
            self.next_producer_id = next_producer_id;
            self.send_host_outputs(outputs, out);
        }
        let ids: Vec<ClientId> = self.producers.keys().cloned().collect();
        for id in ids {
            if let Some(p) = self.producers.get_mut(&id) {
                p.on_time(now, out);
            }
            self.drain(&id, out);
        }
    }

    // ---- consumers ----

    /// Reassigns the group's partitions over its live members and bumps its generation.
    fn rebalance(&mut self, group_id: &str, out: &mut Events) {
        let members: Vec<ClientId> = self
            .consumers
            .values()
            .filter(|c| c.alive && c.config.group_id == group_id)
            .map(|c| c.id().clone())
            .collect();
        let mut topics: Vec<String> = self
            .consumers
            .values()
            .filter(|c| c.config.group_id == group_id)
            .flat_map(|c| c.config.topics.clone())
            .collect();
        topics.sort();
        topics.dedup();
        let partitions: Vec<TopicPartition> = topics
            .iter()
            .flat_map(|t| self.cluster.partitions_of(t))
            .collect();
        let assignment = assign_round_robin(&partitions, &members);
        let group = self.groups.entry(group_id.to_owned()).or_default();
        group.generation_id += 1;
        let generation_id = group.generation_id;
        let mut lines = Vec::new();
        for (member, tps) in &assignment {
            let starts: Vec<(TopicPartition, Option<Offset>)> = match self.consumers.get(member) {
                Some(consumer) => tps
                    .iter()
                    .filter(|tp| !consumer.positions.contains_key(*tp))
                    .map(|tp| (tp.clone(), self.start_offset(consumer, tp)))
                    .collect(),
                None => continue,
            };
            let Some(consumer) = self.consumers.get_mut(member) else {
                continue;
            };
            consumer.assignment = tps.clone();
            consumer.positions.retain(|tp, _| tps.contains(tp));
            consumer.buffer.retain(|r| tps.contains(&r.topic_partition));
            let mut unstable = Vec::new();
            for (tp, start) in starts {
                match start {
                    Some(start) => {
                        consumer.positions.insert(tp, start);
                    }
                    None => unstable.push(tp.to_string()),
                }
            }
            let unstable_note = (!unstable.is_empty()).then(|| {
                format!(
                    "{member}'s OffsetFetch for {} is answered UNSTABLE_OFFSET_COMMIT (a transactional offset commit is still pending), so its position there stays unknown until the transaction ends",
                    unstable.join(", ")
                )
            });
            let names: Vec<String> = tps.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "{member} gets {}",
                if names.is_empty() {
                    "no partition".to_owned()
                } else {
                    names.join(", ")
                }
            ));
            lines.extend(unstable_note);
        }
        out.push(
            EventKind::GroupRebalanced {
                group_id: group_id.to_owned(),
                generation_id,
            },
            format!(
                "Group {group_id} rebalances to generation {generation_id}: {}.",
                if lines.is_empty() {
                    "no live member is left, so no partition is assigned".to_owned()
                } else {
                    lines.join("; ")
                }
            ),
        );
    }

    fn poll(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let now = self.now_ms;
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        // ConsumerCoordinator.maybeAutoCommitOffsetsAsync: poll commits the positions reached by
        // earlier polls once auto.commit.interval.ms has passed, processed or not.
        if consumer.config.enable_auto_commit
            && now.saturating_sub(consumer.last_auto_commit_ms)
                >= consumer.config.auto_commit_interval_ms
        {
            let why = if consumer.processing() == ProcessingMode::Transactional {
                "enable.auto.commit is on, so poll commits the positions from earlier polls on its own, outside any transaction: if the transaction that handles those records aborts, this plain commit stays, and the records are skipped after a restart"
            } else {
                "enable.auto.commit is on, so poll first commits the positions from earlier polls, whether or not those records were processed"
            };
            self.commit_positions(consumer_id, why, out);
            if let Some(c) = self.consumers.get_mut(consumer_id) {
                c.last_auto_commit_ms = now;
            }
        }
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        // ConsumerCoordinator.fetchCommittedOffsets: partitions whose OffsetFetch came back
        // UNSTABLE_OFFSET_COMMIT are asked again on every poll.
        let unknown: Vec<(TopicPartition, Option<Offset>)> = consumer
            .assignment
            .iter()
            .filter(|tp| !consumer.positions.contains_key(*tp))
            .map(|tp| (tp.clone(), self.start_offset(consumer, tp)))
            .collect();
        let mut waiting_unstable = false;
        for (tp, start) in unknown {
            waiting_unstable |= start.is_none();
            match start {
                Some(start) => {
                    if let Some(c) = self.consumers.get_mut(consumer_id) {
                        c.positions.insert(tp.clone(), start);
                    }
                    out.push(
                        EventKind::PositionResolved { consumer: consumer_id.clone(), topic_partition: tp.clone(), offset: start },
                        format!("{consumer_id} asks the group coordinator again for its committed offset of {tp}: no transaction is pending any more, so it starts from {start}."),
                    );
                }
                None => out.push(
                    EventKind::FetchFailed { consumer: consumer_id.clone(), topic_partition: tp.clone(), error: ErrorCode::UnstableOffsetCommit },
                    format!("{consumer_id} cannot start reading {tp}: the group coordinator answers its OffsetFetch with UNSTABLE_OFFSET_COMMIT because a transactional offset commit for {tp} is still pending. Reading from the last committed offset now could process input that the open transaction already handled, so the consumer waits and asks again on its next poll."),
                ),
            }
        }
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        let isolation = consumer.isolation_level();
        let mut budget = consumer.config.max_poll_records as usize;
        let plan: Vec<(TopicPartition, Offset)> = consumer
            .positions
            .iter()
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        let mut fetched_any = false;
        for (tp, position) in plan {
            let Some(partition) = self.cluster.partition(&tp) else {
                continue;
            };
            let high_watermark = partition.high_watermark();
            let last_stable_offset = partition.last_stable_offset();
            // FetchIsolation: read_uncommitted reads up to the high watermark, read_committed up to
            // the last stable offset.
            let (bound, bound_name) = match isolation {
                IsolationLevel::ReadUncommitted => (high_watermark, "the high watermark"),
                IsolationLevel::ReadCommitted => {
                    (last_stable_offset, "the last stable offset (LSO)")
                }
            };
            let (batches, aborted) = match self.cluster.fetch(&tp, position, bound, usize::MAX) {
                Ok(fetched) => fetched,
                Err(error) => {
                    out.push(
                        EventKind::FetchFailed {
                            consumer: consumer_id.clone(),
                            topic_partition: tp.clone(),
                            error,
                        },
                        format!("{consumer_id} cannot fetch {tp}: {error}."),
                    );
                    continue;
                }
            };
            let fetched = read_fetched(&tp, &batches, &aborted, position, isolation, budget);
            if fetched.next_offset == position {
                continue;
            }
            budget -= fetched.records.len();
            let next = fetched.next_offset;
            let offsets: Vec<Offset> = fetched.records.iter().map(|r| r.offset).collect();
            let Some(c) = self.consumers.get_mut(consumer_id) else {
                return;
            };
            c.positions.insert(tp.clone(), next);
            c.buffer.extend(fetched.records.iter().cloned());
            c.received.extend(fetched.records);
            fetched_any |= !offsets.is_empty();
            let got = match offsets.as_slice() {
                [] => "receives no record".to_owned(),
                [one] => format!("receives offset {one}"),
                list if list.len() <= 6 => format!("receives offsets {}", offsets_list(list)),
                [first, .., last] => format!(
                    "receives {} records, offsets {first} to {last}",
                    offsets.len()
                ),
            };
            let mut skipped = Vec::new();
            if !fetched.skipped_markers.is_empty() {
                skipped.push(format!(
                    "skips the transaction marker(s) at {} (a marker takes an offset but is never shown to applications)",
                    offsets_list(&fetched.skipped_markers)
                ));
            }
            if !fetched.skipped_aborted.is_empty() {
                skipped.push(format!(
                    "skips the aborted record(s) at {}, found through the aborted-transaction list the broker sent",
                    offsets_list(&fetched.skipped_aborted)
                ));
            }
            let skipped = if skipped.is_empty() {
                String::new()
            } else {
                format!(", {}", skipped.join(", and "))
            };
            out.push(
                EventKind::RecordsPolled { consumer: consumer_id.clone(), topic_partition: tp.clone(), offsets },
                format!("{consumer_id} fetches {tp} from offset {position} and {got}{skipped}; it may read up to {bound_name}, {bound}. Its position is now {next}."),
            );
        }
        if !fetched_any {
            let why = match isolation {
                _ if waiting_unstable => "where it may start is still unknown for a partition whose transactional offset commit is pending".to_owned(),
                IsolationLevel::ReadUncommitted => "it has read everything below the high watermark of its partitions".to_owned(),
                IsolationLevel::ReadCommitted => {
                    "with isolation.level=read_committed it reads only below the last stable offset (LSO), and an undecided transaction may be holding it back".to_owned()
                }
            };
            out.push(
                EventKind::NothingPolled {
                    consumer: consumer_id.clone(),
                },
                format!("{consumer_id} polls and receives nothing new: {why}."),
            );
        }
        if self
            .consumers
            .get(consumer_id)
            .is_some_and(|c| c.processing() == ProcessingMode::CommitBeforeProcessing)
            && fetched_any
        {
            self.commit_positions(consumer_id, "it commits before processing (at-most-once): if it crashes now, these records are never processed", out);
        }
    }

    fn process(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let Some(consumer) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        let records = std::mem::take(&mut consumer.buffer);
        let incarnation = consumer.incarnation;
        if records.is_empty() {
            out.push(
                EventKind::NothingToProcess {
                    consumer: consumer_id.clone(),
                },
                format!("{consumer_id} has nothing polled to process."),
            );
            return;
        }
        if self
            .consumers
            .get(consumer_id)
            .is_some_and(|c| c.processing() == ProcessingMode::Transactional)
        {
            for record in records {
                out.push(
                    EventKind::RecordTransformed { consumer: consumer_id.clone(), topic_partition: record.topic_partition.clone(), offset: record.offset },
                    format!("{consumer_id} transforms {}@{}{}. Nothing is written to a database and no offset is committed here: the application sends the output through its transactional producer and hands the input offsets to the same transaction (sendOffsetsToTransaction).", record.topic_partition, record.offset, record.key.as_ref().map_or(String::new(), |k| format!(" ({k})"))),
                );
                if let Some(c) = self.consumers.get_mut(consumer_id) {
                    c.processed.push(ProcessedRecord {
                        business_id: record.key.clone().unwrap_or_else(|| {
                            format!("{}@{}", record.topic_partition, record.offset)
                        }),
                        topic_partition: record.topic_partition,
                        offset: record.offset,
                        incarnation,
                    });
                }
            }
            return;
        }
        for record in records {
            let business_id = record
                .key
                .clone()
                .unwrap_or_else(|| format!("{}@{}", record.topic_partition, record.offset));
            let outcome = self.store.apply(
                &business_id,
                &record.value,
                (
                    consumer_id.clone(),
                    record.topic_partition.clone(),
                    record.offset,
                ),
            );
            let times = self
                .store
                .effects()
                .get(&business_id)
                .map_or(0, |r| r.times_applied);
            let explanation = match outcome {
                EffectOutcome::Applied if times > 1 => format!(
                    "{consumer_id} processes {}@{} ({business_id}) and writes its effect to the database again: {business_id} has now been applied {times} times. Kafka's exactly-once stops at Kafka's edge.",
                    record.topic_partition, record.offset
                ),
                EffectOutcome::Applied => format!(
                    "{consumer_id} processes {}@{} and writes the effect of {business_id} to the external database{}.",
                    record.topic_partition,
                    record.offset,
                    if self.store.outbox_topic.is_some() {
                        ", with an outbox row announcing it in the same local transaction"
                    } else {
                        ""
                    }
                ),
                EffectOutcome::SkippedDuplicate => format!(
                    "{consumer_id} processes {}@{}, but the database's dedup table already holds {business_id}: the effect is not applied twice (an idempotent consumer).",
                    record.topic_partition, record.offset
                ),
            };
            out.push(
                EventKind::RecordProcessed {
                    consumer: consumer_id.clone(),
                    topic_partition: record.topic_partition.clone(),
                    offset: record.offset,
                    business_id: business_id.clone(),
                    outcome,
                },
                explanation,
            );
            if let Some(c) = self.consumers.get_mut(consumer_id) {
                c.processed.push(ProcessedRecord {
                    topic_partition: record.topic_partition,
                    offset: record.offset,
                    business_id,
                    incarnation,
                });
            }
        }
    }

    fn commit(&mut self, consumer_id: &ClientId, out: &mut Events) {
        self.commit_positions(consumer_id, "the application commits after processing (at-least-once): a crash before this point means the records are processed again", out);
    }

    fn commit_positions(&mut self, consumer_id: &ClientId, why: &str, out: &mut Events) {
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        let group_id = consumer.config.group_id.clone();
        let positions = consumer.positions.clone();
        let group = self.groups.entry(group_id.clone()).or_default();
        for (tp, offset) in positions {
            if group.committed.get(&tp) == Some(&offset) {
                continue;
            }
            group.commit(tp.clone(), offset);
            out.push(
                EventKind::OffsetCommitted { consumer: consumer_id.clone(), group_id: group_id.clone(), topic_partition: tp.clone(), offset },
                format!("{consumer_id} commits offset {offset} for {tp} in group {group_id} ({why}). After a restart the group resumes from {offset}."),
            );
        }
    }

    /// `sendOffsetsToTransaction(consumer.position(...), consumer.groupMetadata())`.
    fn send_offsets_to_transaction(
        &mut self,
        producer: &ClientId,
        consumer_id: &ClientId,
        out: &mut Events,
    ) {
        let positions = self
            .consumers
            .get(consumer_id)
            .map(|c| c.positions.clone())
            .unwrap_or_default();
        self.send_offsets(producer, consumer_id, positions, out);
    }

    /// `sendOffsetsToTransaction(offsets, consumer.groupMetadata())` with the given offsets.
    fn send_offsets(
        &mut self,
        producer: &ClientId,
        consumer_id: &ClientId,
        positions: BTreeMap<TopicPartition, Offset>,
        out: &mut Events,
    ) {
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        let group_id = consumer.config.group_id.clone();
        let offsets = TxnOffsets {
            generation_id: self.groups.get(&group_id).map_or(0, |g| g.generation_id),
            group_id,
            member: consumer_id.clone(),
            offsets: positions,
        };
        if let Some(p) = self.producers.get_mut(producer) {
            p.send_offsets_to_transaction(offsets, out);
        }
        self.drain(producer, out);
    }

    /// TxnOffsetCommit reaches the group coordinator (`GroupCoordinator.commitTransactionalOffsets`,
    /// `OffsetMetadataManager.commitTransactionalOffset`): the generation is checked (KIP-447), then
    /// the offsets are written with the producer id and kept pending.
    fn txn_offset_commit(&mut self, producer: &ClientId, offsets: TxnOffsets, out: &mut Events) {
        let Some(producer_id) = self.producers.get(producer).map(|p| p.producer_id) else {
            return;
        };
        if let Err(error) = self.stage_txn_offsets(producer, producer_id, offsets, out)
            && let Some(p) = self.producers.get_mut(producer)
        {
            p.on_txn_offset_commit(error, out);
        }
    }

    /// Transaction V2's TxnOffsetCommit, sent without AddOffsetsToTxn: the group coordinator first
    /// has the transaction coordinator add the group's offsets partition to the transaction
    /// (`CoordinatorRuntime.scheduleTransactionalWriteOperation`, `ADD_PARTITION`), then checks and
    /// stages the offsets as with V1.
    fn txn_offset_commit_v2(
        &mut self,
        producer: &ClientId,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        offsets: TxnOffsets,
        out: &mut Events,
    ) -> Result<(), ErrorCode> {
        let tp = offsets_partition();
        let group_id = offsets.group_id.clone();
        let asked_at = out.0.len();
        let added = if self.cluster.is_alive(self.coordinator.broker()) {
            let now = self.now_ms;
            let cluster = &self.cluster;
            let leader_of =
                |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
            self.coordinator.add_partition_for_producer(
                &format!("the group coordinator of {group_id}"),
                producer_id,
                producer_epoch,
                tp.clone(),
                now,
                &leader_of,
                out,
            )
        } else {
            Err(ErrorCode::CoordinatorNotAvailable)
        };
        let what = match added {
            Ok(()) => format!("{tp} is in the transaction now."),
            Err(error) => format!(
                "the transaction coordinator answers {error}, and so does the group coordinator to {producer}."
            ),
        };
        out.0.insert(asked_at, Event::new(
            EventKind::PartitionAddedForProducer { topic_partition: tp.clone(), producer_id, error: added.err() },
            format!("Transaction protocol V2: {producer} sends TxnOffsetCommit for group {group_id} without AddOffsetsToTxn, so the group coordinator asks the transaction coordinator to add {tp} to producer {producer_id}'s transaction (epoch {producer_epoch}): {what}"),
        ));
        added?;
        self.stage_txn_offsets(producer, producer_id, offsets, out)
    }

    /// A hand-made TxnOffsetCommit reaches the group coordinator, as the client's would.
    fn txn_offset_commit_raw(
        &mut self,
        group_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        generation_id: i32,
        offsets: &[crate::action::PartitionOffset],
        out: &mut Events,
    ) {
        let lab = ClientId::new("lab");
        let offsets = TxnOffsets {
            group_id: group_id.to_owned(),
            generation_id,
            member: lab.clone(),
            offsets: offsets
                .iter()
                .map(|o| (TopicPartition::new(&o.topic, o.partition), Offset(o.offset)))
                .collect(),
        };
        let result = if self.coordinator.transaction_version() == TransactionVersion::V2 {
            self.txn_offset_commit_v2(&lab, producer_id, producer_epoch, offsets, out)
        } else {
            self.stage_txn_offsets(&lab, producer_id, offsets, out)
        };
        let error = result.err();
        out.push(
            EventKind::RawCoordinatorRequestHandled { request: "TxnOffsetCommit".to_owned(), error },
            format!(
                "The hand-made TxnOffsetCommit request goes straight to the group coordinator of {group_id}, bypassing the producer client. It answers {}.",
                error.map_or("NONE".to_owned(), |e| e.to_string())
            ),
        );
    }

    /// The group coordinator's part of TxnOffsetCommit: the KIP-447 generation check, then the
    /// offsets written with the producer id and kept pending.
    fn stage_txn_offsets(
        &mut self,
        producer: &ClientId,
        producer_id: ProducerId,
        offsets: TxnOffsets,
        out: &mut Events,
    ) -> Result<(), ErrorCode> {
        let group_id = offsets.group_id.clone();
        let group = self.groups.entry(group_id.clone()).or_default();
        // ClassicGroup.validateOffsetCommit: a stale generation is ILLEGAL_GENERATION.
        if offsets.generation_id != group.generation_id {
            let current = group.generation_id;
            out.push(
                EventKind::TxnOffsetCommitRefused { producer: producer.clone(), group_id: group_id.clone(), error: ErrorCode::IllegalGeneration },
                format!("{producer} sends TxnOffsetCommit to the group coordinator of {group_id} with generation {}, but the group is at generation {current}: ILLEGAL_GENERATION. The group has rebalanced since the offsets were taken, so this processor may no longer own those partitions (KIP-447 fences zombies through the group)."
                    , offsets.generation_id),
            );
            return Err(ErrorCode::IllegalGeneration);
        }
        group.stage_txn_offsets(producer_id, &offsets.offsets);
        for (tp, offset) in &offsets.offsets {
            out.push(
                EventKind::TxnOffsetCommitPending { producer: producer.clone(), group_id: group_id.clone(), producer_id, topic_partition: tp.clone(), offset: *offset },
                format!("{producer} sends TxnOffsetCommit to the group coordinator: group {group_id} writes offset {offset} for {tp} with producer id {producer_id} to __consumer_offsets, but keeps it PENDING (OffsetMetadataManager.pendingTransactionalOffsets). The committed offset does not move until the transaction's marker arrives."),
            );
        }
        Ok(())
    }

    /// The transaction's marker reaches `__consumer_offsets-0` (`OffsetMetadataManager
    /// .replayEndTransactionMarker`): the group coordinator commits or discards the pending offsets.
    fn group_marker(
        &mut self,
        transactional_id: &str,
        producer_id: ProducerId,
        commit: bool,
        tp: &TopicPartition,
        out: &mut Events,
    ) {
        let marker = if commit { "COMMIT" } else { "ABORT" };
        let mut any = false;
        for (group_id, group) in &mut self.groups {
            for (offset_tp, offset, applied) in group.end_transaction(producer_id, commit) {
                any = true;
                let kept = group
                    .committed
                    .get(&offset_tp)
                    .map_or_else(|| "none yet".to_owned(), ToString::to_string);
                let what = match (commit, applied) {
                    (true, true) => format!(
                        "offset {offset} for {offset_tp} is now committed: a restarted consumer resumes there"
                    ),
                    (true, false) => format!(
                        "offset {offset} for {offset_tp} is dropped because a plain commit written after it is newer (the group always keeps the most recent committed offset)"
                    ),
                    _ => format!(
                        "pending offset {offset} for {offset_tp} is discarded: the group's committed offset for it stays {kept}, and a restarted consumer resumes from there"
                    ),
                };
                out.push(
                    EventKind::TxnOffsetCompleted { group_id: group_id.clone(), producer_id, commit, topic_partition: offset_tp, offset, applied },
                    format!("The {marker} marker for {transactional_id} reaches {tp}, which the group coordinator handles instead of a log append: in group {group_id}, {what}."),
                );
            }
        }
        if !any {
            out.push(
                EventKind::MarkerAcknowledged { transactional_id: transactional_id.to_owned(), topic_partition: tp.clone() },
                format!("The {marker} marker for {transactional_id} reaches {tp}; the group coordinator has no pending offsets from producer {producer_id}, so nothing changes."),
            );
        }
    }

    /// Where a consumer starts reading `tp`: the group's committed offset or `auto.offset.reset`;
    /// `None` while a transactional offset commit for it is pending (`OffsetFetch` with
    /// `requireStable` answers UNSTABLE_OFFSET_COMMIT, `ConsumerCoordinator.fetchCommittedOffsets`).
    fn start_offset(&self, consumer: &Consumer, tp: &TopicPartition) -> Option<Offset> {
        let group = self.groups.get(&consumer.config.group_id);
        if group.is_some_and(|g| g.has_pending(tp)) {
            return None;
        }
        Some(match group.and_then(|g| g.committed.get(tp)) {
            Some(offset) => *offset,
            None => match consumer.offset_reset() {
                OffsetReset::Earliest => self
                    .cluster
                    .partition(tp)
                    .and_then(|p| p.leader_replica())
                    .map_or(Offset(0), |r| r.log.log_start_offset()),
                OffsetReset::Latest => self
                    .cluster
                    .partition(tp)
                    .map_or(Offset(0), |p| p.high_watermark()),
            },
        })
    }

    fn crash_consumer(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let Some(c) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        c.alive = false;
        let unprocessed_records = c.buffer.len();
        c.buffer.clear();
        c.positions.clear();
        c.assignment.clear();
        let group = c.config.group_id.clone();
        out.push(
            EventKind::ConsumerCrashed { consumer: consumer_id.clone(), unprocessed_records },
            format!("{consumer_id} crashes with {unprocessed_records} polled record(s) not yet processed; its position in memory is lost. Only the offsets committed to the group survive."),
        );
        self.rebalance(&group, out);
    }

    fn restart_consumer(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let Some(c) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        c.alive = true;
        c.incarnation += 1;
        let group = c.config.group_id.clone();
        out.push(EventKind::ConsumerRestarted { consumer: consumer_id.clone() }, format!("{consumer_id} restarts, rejoins group {group} and resumes from the group's committed offsets."));
        self.rebalance(&group, out);
    }
}

fn drop_explanation(m: &Message) -> String {
    let id = m.id;
    match &m.payload {
        Payload::ProduceResponse {
            result: Ok(offset), ..
        } => format!(
            "The network loses message {id}, the acknowledgement from {}: the record is safely at offset {offset}, but {} will never hear so.",
            m.from, m.to
        ),
        Payload::ProduceRequest { .. } => format!(
            "The network loses message {id} before it reaches {}: nothing is written.",
            m.to
        ),
        _ => format!("The network loses message {id} ({}).", m.payload.label()),
    }
}

/// Offsets as "0, 1 and 3".
fn offsets_list(offsets: &[Offset]) -> String {
    let names: Vec<String> = offsets.iter().map(ToString::to_string).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
