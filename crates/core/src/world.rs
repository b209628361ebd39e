//! The simulated world and its single entry point, [`World::step`]. The world owns the cluster,
//! the network, the clients and the external database, and carries messages between them; each
//! part decides for itself what a message means.

use crate::KAFKA_RELEASE;
use crate::action::{Action, TxnResult};
use crate::broker::batch::{ControlKind, ProducedBatch, ProducerStamp, Provenance, Record};
use crate::broker::cluster::{Cluster, ProduceOutcome, ReleasedAck};
use crate::broker::offsets_log::{OffsetsLog, is_metadata_too_large};
use crate::clients::consumer::{
    Consumer, Group, ProcessedRecord, TxnOffsetCommitAccepted, TxnOffsetCommitRefusal,
    assign_round_robin, offsets_partition, read_fetched, validate_offset_commit,
    validate_txn_offset_commit,
};
use crate::clients::partitioner::partition_for_key;
use crate::clients::producer::{OutgoingRequest, Producer};
use crate::clients::producer_txn::{ClientTxnState, TxnOffsets};
use crate::clients::store::ExternalStore;
use crate::clients::streams::{MAX_STREAM_THREADS, StreamsLayout};
use crate::config::{
    ConfigError, ConsumerConfig, IsolationLevel, OffsetReset, ProcessingMode, WorldConfig,
};
use crate::coordinator::host::{CoordinatorHost, HostOutput};
use crate::coordinator::log_partition::TransactionLogPartition;
use crate::coordinator::state_machine::{ProducerIdAndEpoch, TransactionState, TransactionVersion};
use crate::error_code::ErrorCode;
use crate::event::{
    DescribedProducer, EffectOutcome, Event, EventKind, Events, HangingTransaction,
    ListedTransaction, Narration, SeekTarget,
};
use crate::exchanges::{Exchanges, HandMadeAnswer, HandMadeRequest};
use crate::ids::{BrokerId, ClientId, Offset, ProducerEpoch, ProducerId, Sequence, TopicPartition};
use crate::invariants::Invariants;
use crate::network::{Endpoint, Message, MessageId, Network, Payload};
use crate::rng::SimRng;
use produce_request::{
    FIRST_ADD_PARTITION_PRODUCE_VERSION, PRODUCE_VERSIONS, ProduceTerms, raw_record_count,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use transactions::OffsetsMarker;

mod admin;
mod consumer_api;
mod consumers;
mod hand_made;
mod produce_request;
mod producer_api;
mod streams_runtime;
mod transactions;
mod waiting_fetch;

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

/// The producer id and epoch a coordinator answer carries, if any.
fn reply_producer(payload: &Payload) -> Option<(ProducerId, ProducerEpoch)> {
    match payload {
        Payload::TxnInitProducerIdResponse { result, .. } => result.ok(),
        Payload::EndTxnResponse { result, .. } => result.ok().flatten(),
        _ => None,
    }
}

/// The lab's own client endpoint: hand-made requests come from it and their answers go to it.
/// A producer a scenario happens to call `lab` keeps its own answers.
const LAB_CLIENT: &str = "lab";

/// The first producer id the cluster hands out, so ids read like Kafka's and never like counts.
const FIRST_PRODUCER_ID: i64 = 1000;

/// The whole simulated world: one value, changed only by [`World::step`].
#[derive(Clone, Debug)]
pub struct World {
    now_ms: u64,
    steps_taken: u64,
    /// Whether steps explain their events in words (on unless a search turns it off).
    narration: Narration,
    // Reserved for randomised fault schedules; part of the state so the seed is the run's identity.
    #[allow(dead_code)]
    rng: SimRng,
    cluster: Cluster,
    network: Network,
    producers: BTreeMap<ClientId, Producer>,
    consumers: BTreeMap<ClientId, Consumer>,
    groups: BTreeMap<String, Group>,
    /// `__consumer_offsets-0`: the records the group coordinator wrote, which `groups` replays.
    offsets_log: OffsetsLog,
    store: ExternalStore,
    next_producer_id: i64,
    /// Every `send()` so far, by send id; shared between clones of the world, and each send
    /// too: a new send after a clone copies the last node of up to 64 sends, which then counts
    /// references rather than copying every key and value.
    sends: imbl::OrdMap<u64, Arc<SendRecord>>,
    invariants: Invariants,
    coordinator: CoordinatorHost,
    /// The broker each producer last sent a transactional request to (its FindCoordinator answer).
    coordinator_seen: BTreeMap<ClientId, BrokerId>,
    /// Kafka Streams applications and which of the clients above are theirs.
    streams: Vec<StreamsLayout>,
    /// Hand-made Fetch requests the leaders hold for their `min_bytes` (`DelayedFetch`).
    raw_fetches: Vec<waiting_fetch::RawWaitingFetch>,
    /// Hand-made requests answered within a step, which no message carries.
    exchanges: Exchanges,
}

impl World {
    /// A world in its starting state, at simulated time 0. Producers with idempotence have
    /// already asked for their producer id: that request is the first message in flight.
    pub fn new(config: &WorldConfig, seed: u64) -> Result<Self, WorldConfigError> {
        let cluster = Cluster::new(&config.cluster).map_err(|e| WorldConfigError::Cluster(e.0))?;
        let transaction_version = config.cluster.transaction_version.version();
        if config.cluster.transaction_max_timeout_ms == 0 {
            return Err(WorldConfigError::Cluster(
                "transaction.max.timeout.ms must be at least 1".to_owned(),
            ));
        }
        if config.cluster.transactional_id_expiration_ms == 0 {
            return Err(WorldConfigError::Cluster(
                "transactional.id.expiration.ms must be at least 1".to_owned(),
            ));
        }
        // The lab's one transaction coordinator lives on the leader of `__transaction_state`.
        let brokers: Vec<BrokerId> = cluster.brokers().map(|(b, _)| b).collect();
        let transaction_log = TransactionLogPartition::new(
            &brokers,
            config.cluster.transaction_state_log_replication_factor,
        )
        .map_err(WorldConfigError::Cluster)?;
        let mut world = Self {
            now_ms: 0,
            steps_taken: 0,
            narration: Narration::On,
            rng: SimRng::new(seed),
            cluster,
            network: Network::default(),
            producers: BTreeMap::new(),
            consumers: BTreeMap::new(),
            groups: BTreeMap::new(),
            offsets_log: OffsetsLog::default(),
            store: ExternalStore::new(&config.database),
            next_producer_id: FIRST_PRODUCER_ID,
            sends: imbl::OrdMap::new(),
            invariants: Invariants::default(),
            coordinator: CoordinatorHost::new(
                transaction_log,
                transaction_version,
                config.cluster.transaction_max_timeout_ms,
            )
            .with_transactional_id_expiration_ms(config.cluster.transactional_id_expiration_ms)
            .with_load_ms(config.cluster.coordinator_load_ms),
            coordinator_seen: BTreeMap::new(),
            streams: Vec::new(),
            raw_fetches: Vec::new(),
            exchanges: Exchanges::default(),
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
            world.check_consumer_config(c)?;
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
                p.init_transactions(0, &mut out);
            }
            world.drain(&id, &mut out);
        }
        // One rebalance per subscribing consumer, as each joins in turn.
        let groups: Vec<String> = world
            .consumers
            .values()
            .filter(|c| c.config.is_subscribed())
            .map(|c| c.config.group_id.clone())
            .collect();
        for group in groups {
            world.rebalance(&group, &mut out);
        }
        let manual: Vec<ClientId> = world
            .consumers
            .values()
            .filter(|c| !c.config.is_subscribed())
            .map(|c| c.id().clone())
            .collect();
        for id in manual {
            world.assign_manually(&id);
        }
        Ok(world)
    }

    /// A consumer's settings as Kafka checks them, and the topics, partitions and static
    /// member id they name as the world has them.
    fn check_consumer_config(&self, c: &ConsumerConfig) -> Result<(), WorldConfigError> {
        c.check().map_err(WorldConfigError::Client)?;
        let unknown_topic = c
            .topics
            .iter()
            .map(String::as_str)
            .chain(c.assign.iter().map(|tp| &*tp.topic))
            .find(|t| self.cluster.topic(t).is_none());
        if let Some(topic) = unknown_topic {
            return Err(WorldConfigError::UnknownTopic {
                client: c.id.clone(),
                topic: topic.to_owned(),
            });
        }
        if let Some(tp) = c
            .assign
            .iter()
            .find(|tp| self.cluster.partition(tp).is_none())
        {
            return Err(WorldConfigError::Client(ConfigError {
                client: c.id.clone(),
                message: format!("assign: partition `{tp}` is not defined"),
            }));
        }
        self.check_group_instance_id(c)
    }

    /// `group.instance.id` is not empty and names one static member per group
    /// (`JoinGroupRequest.validateGroupInstanceId`; a second member with the same id would fence
    /// the first at once, which a starting world should not do).
    fn check_group_instance_id(&self, c: &ConsumerConfig) -> Result<(), WorldConfigError> {
        let Some(instance) = c.group_instance_id.as_deref() else {
            return Ok(());
        };
        let refuse = |message: String| {
            Err(WorldConfigError::Client(ConfigError {
                client: c.id.clone(),
                message,
            }))
        };
        if instance.is_empty() {
            return refuse("group.instance.id must not be empty".to_owned());
        }
        match self.consumers.values().find(|o| {
            o.config.group_id == c.group_id
                && o.config.group_instance_id.as_deref() == Some(instance)
        }) {
            Some(other) => refuse(format!(
                "group.instance.id `{instance}` is already {}'s in group {}",
                other.id(),
                c.group_id
            )),
            None => Ok(()),
        }
    }

    /// Adds a Kafka Streams application's threads and producers (`processing.guarantee`).
    fn add_streams_app(
        &mut self,
        app: &crate::clients::streams::StreamsAppConfig,
        transaction_version: TransactionVersion,
    ) -> Result<(), WorldConfigError> {
        let name = ClientId::new(app.application_id.as_str());
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

    /// Whether the consumer is a Kafka Streams thread's.
    pub fn is_streams_thread(&self, consumer: &ClientId) -> bool {
        self.streams
            .iter()
            .any(|app| app.threads.contains(consumer))
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

    /// The hand-made requests answered within their step (or held by a leader), oldest first:
    /// beside the network, since no message carries them.
    pub fn exchanges(&self) -> &Exchanges {
        &self.exchanges
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

    /// `__consumer_offsets-0`: every offset commit and transaction marker the group coordinator
    /// wrote.
    pub fn offsets_log(&self) -> &OffsetsLog {
        &self.offsets_log
    }

    pub fn store(&self) -> &ExternalStore {
        &self.store
    }

    pub fn sends(&self) -> &imbl::OrdMap<u64, Arc<SendRecord>> {
        &self.sends
    }

    pub fn invariants(&self) -> &Invariants {
        &self.invariants
    }

    /// The transaction coordinator and its `__transaction_state` log.
    pub fn coordinator(&self) -> &CoordinatorHost {
        &self.coordinator
    }

    /// Turns the plain-words explanations of events off (or back on). The events themselves,
    /// and so every check and the trace's outcome, stay the same; only `explanation` is empty.
    pub fn set_narration(&mut self, narration: Narration) {
        self.narration = narration;
    }

    /// Whether steps explain their events in words ([`Self::set_narration`]).
    pub fn narration(&self) -> Narration {
        self.narration
    }

    /// Applies one action and returns what happened. On error the world is unchanged.
    pub fn step(&mut self, action: &Action) -> Result<Vec<Event>, ActionError> {
        self.validate(action)?;
        let mut out = Events::new(self.narration);
        self.apply(action, &mut out)?;
        self.complete_waiting_fetches(&mut out);
        self.steps_taken += 1;
        let step = self.steps_taken;
        // The checks read the world while they update their own state: they are lent out for
        // the step, leaving a placeholder that allocates nothing (a default one builds every
        // guarantee's status).
        let mut invariants = std::mem::replace(&mut self.invariants, Invariants::placeholder());
        let broken = invariants.check(self, step, &out.0);
        self.invariants = invariants;
        for (name, why) in broken {
            out.push_with(
                EventKind::InvariantBroken {
                    name: name.to_owned(),
                },
                || format!("Guarantee `{name}` is broken: {why}"),
            );
        }
        Ok(out.0)
    }

    /// Checks every reference in `action` before anything changes, so a rejected action leaves
    /// the world as it was.
    fn validate(&self, action: &Action) -> Result<(), ActionError> {
        self.closed_producer_refusal(action)?;
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
        let known_partitions = |tps: &[TopicPartition]| {
            tps.iter()
                .try_for_each(|tp| partition(&tp.topic, tp.partition))
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
                up_to,
            } => {
                partition(topic, *p)?;
                if up_to.is_some_and(|end| end < 0) {
                    return Err(ActionError::InvalidRequest(format!(
                        "up_to {} is not an offset: a fetch stops at an offset of 0 or more",
                        up_to.unwrap_or_default()
                    )));
                }
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
                // The group coordinator's `__consumer_offsets-0` takes markers like any partition.
                if TopicPartition::new(topic.as_str(), *p) != offsets_partition() {
                    partition(topic, *p)?;
                }
                if *producer_id < 0 {
                    return Err(ActionError::InvalidRequest(
                        "a marker needs a producer id of 0 or more".to_owned(),
                    ));
                }
                Ok(())
            }
            Action::ListTransactions {} | Action::FindHangingTransactions { .. } => Ok(()),
            // An empty transactional.id is Kafka's to refuse: the coordinator answers
            // INVALID_REQUEST (`TransactionCoordinator.handleInitProducerId`).
            Action::InitProducerIdRaw {
                expected_producer_id,
                expected_epoch,
                broker: addressed,
                ..
            } => {
                if let Some(b) = addressed {
                    broker(b)?;
                }
                if expected_producer_id.is_some() != expected_epoch.is_some() {
                    return Err(ActionError::InvalidRequest(
                        "give both expected_producer_id and expected_epoch, or neither".to_owned(),
                    ));
                }
                Ok(())
            }
            Action::AddPartitionsRaw {
                partitions,
                broker: addressed,
                ..
            } => {
                if let Some(b) = addressed {
                    broker(b)?;
                }
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
            Action::EndTxnRaw {
                broker: addressed, ..
            }
            | Action::AddOffsetsRaw {
                broker: addressed, ..
            } => addressed.as_ref().map_or(Ok(()), broker),
            Action::TxnOffsetCommitRaw { offsets, .. }
            | Action::OffsetCommitRaw { offsets, .. } => {
                let request = match action {
                    Action::TxnOffsetCommitRaw { .. } => "TxnOffsetCommit",
                    _ => "OffsetCommit",
                };
                if offsets.is_empty() {
                    return Err(ActionError::InvalidRequest(format!(
                        "{request} needs at least one offset"
                    )));
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
            Action::FetchRaw {
                topic,
                partition: p,
                ..
            } => partition(topic, *p),
            Action::DeleteRecords {
                topic,
                partition: p,
                ..
            } => partition(topic, *p),
            Action::OffsetFetchRaw { partitions, .. } => {
                if partitions.is_empty() {
                    return Err(ActionError::InvalidRequest(
                        "OffsetFetch needs at least one partition".to_owned(),
                    ));
                }
                for tp in partitions {
                    partition(&tp.topic, tp.partition)?;
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
            Action::Seek {
                consumer: id,
                topic,
                partition: p,
                offset,
            } => {
                running(id, consumer(id)?.alive)?;
                partition(topic, *p)?;
                self.assigned(id, &[TopicPartition::new(topic.as_str(), *p)], "seek")?;
                if *offset < 0 {
                    return Err(ActionError::InvalidRequest(
                        "seek is refused: IllegalArgumentException: seek offset must not be a negative number".to_owned(),
                    ));
                }
                Ok(())
            }
            Action::SeekToBeginning {
                consumer: id,
                partitions,
            }
            | Action::SeekToEnd {
                consumer: id,
                partitions,
            } => {
                running(id, consumer(id)?.alive)?;
                known_partitions(partitions)?;
                self.assigned(id, partitions, "seek")
            }
            Action::Position {
                consumer: id,
                topic,
                partition: p,
            } => {
                running(id, consumer(id)?.alive)?;
                partition(topic, *p)?;
                self.assigned(id, &[TopicPartition::new(topic.as_str(), *p)], "position")
            }
            Action::Committed {
                consumer: id,
                topic,
                partition: p,
            }
            | Action::OffsetsForTimes {
                consumer: id,
                topic,
                partition: p,
                ..
            } => {
                running(id, consumer(id)?.alive)?;
                partition(topic, *p)
            }
            Action::GroupMetadata { consumer: id } | Action::CloseConsumer { consumer: id } => {
                running(id, consumer(id)?.alive)
            }
            Action::Assign {
                consumer: id,
                partitions,
            } => {
                running(id, consumer(id)?.alive)?;
                known_partitions(partitions)?;
                // SubscriptionState.setSubscriptionType: subscribe and assign are exclusive.
                if consumer(id)?.config.is_subscribed() {
                    return Err(ActionError::InvalidRequest(format!(
                        "assign is refused: IllegalStateException: Subscription to topics, partitions and pattern are mutually exclusive (`{id}` subscribes to {})",
                        consumer(id)?.config.topics.join(", ")
                    )));
                }
                Ok(())
            }
            Action::CloseProducer { producer: id } => running(id, producer(id)?.alive),
            Action::SendOffsetsToTransactionWith {
                producer: id,
                offsets,
                ..
            } => {
                let prod = producer(id)?;
                running(id, prod.alive)?;
                if offsets.is_empty() {
                    return Err(ActionError::InvalidRequest(
                        "sendOffsetsToTransaction needs at least one offset".to_owned(),
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
                match prod.txn_state() {
                    Some(ClientTxnState::InTransaction) => Ok(()),
                    _ => Err(ActionError::InvalidRequest(
                        prod.txn_refusal(
                            "sendOffsetsToTransaction",
                            ClientTxnState::CommittingTransaction,
                        )
                        .unwrap_or_else(|| "sendOffsetsToTransaction is refused: IllegalStateException: Cannot send offsets if a transaction is not in progress".to_owned()),
                    )),
                }
            }
            Action::AddConsumer { consumer: c } => {
                if self.consumers.contains_key(&c.id) || self.producers.contains_key(&c.id) {
                    return Err(ActionError::InvalidRequest(format!(
                        "client `{}` is already defined",
                        c.id
                    )));
                }
                self.check_consumer_config(c)
                    .map_err(|e| ActionError::InvalidRequest(e.to_string()))
            }
            Action::ProduceRaw {
                topic,
                partition: p,
                record_count,
                records,
                base_sequence,
                producer_id,
                version,
                ..
            } => {
                partition(topic, *p)?;
                let count = raw_record_count(*record_count, records)?;
                if count == 0 || count > 1000 {
                    return Err(ActionError::InvalidRequest(
                        "a hand-made batch holds between 1 and 1000 records".to_owned(),
                    ));
                }
                if let Some(v) = version {
                    if !PRODUCE_VERSIONS.contains(v) {
                        return Err(ActionError::InvalidRequest(format!(
                            "Kafka {KAFKA_RELEASE} brokers take Produce versions {} to {}, not {v}",
                            PRODUCE_VERSIONS.start(),
                            PRODUCE_VERSIONS.end()
                        )));
                    }
                    if *v >= FIRST_ADD_PARTITION_PRODUCE_VERSION
                        && self.coordinator.transaction_version() != TransactionVersion::V2
                    {
                        return Err(ActionError::InvalidRequest(format!(
                            "a client sends Produce v{FIRST_ADD_PARTITION_PRODUCE_VERSION} or later only once the cluster runs transaction.version 2; the lab does not model it under version 1"
                        )));
                    }
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
                        Action::InitTransactions { .. } => p.init_transactions(self.now_ms, out),
                        Action::BeginTransaction { .. } => p.begin_transaction(out),
                        Action::CommitTransaction { .. } => p.commit_transaction(self.now_ms, out),
                        _ => p.abort_transaction(self.now_ms, out),
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
                out.push_with(
                    EventKind::MessageDuplicated { message_id: id, copy_id },
                    || format!("The network delivers message {id} twice: copy {copy_id} is now in flight too."),
                );
            }
            Action::Delay { message } => {
                let id = self.resolve(*message)?;
                self.network.delay(id);
                out.push_with(EventKind::MessageDelayed { message_id: id }, || {
                    format!(
                        "Message {id} is held up: every message sent after it may now arrive first."
                    )
                });
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
                up_to,
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
                    let released =
                        self.cluster
                            .replicate(&tp, follower, up_to.map(Offset), self.now_ms, out);
                    self.send_released(released, out);
                }
            }
            Action::CrashBroker { broker } => {
                self.cluster.crash_broker(*broker, self.now_ms, out);
                let live = self.live_brokers();
                let outputs = self.at_coordinator(|host, now, _, leader_of| {
                    host.on_broker_crashed(*broker, &|b| live.contains(&b), now, &leader_of, out)
                });
                self.send_host_outputs(outputs, out);
                self.after_leader_change(out);
            }
            Action::RestartBroker { broker } => {
                self.cluster.restart_broker(*broker, self.now_ms, out);
                let live = self.live_brokers();
                let outputs = self.at_coordinator(|host, now, _, leader_of| {
                    host.on_broker_restarted(*broker, &|b| live.contains(&b), now, &leader_of, out)
                });
                self.send_host_outputs(outputs, out);
                self.after_leader_change(out);
            }
            Action::AdvanceTime { ms } => self.advance_time(*ms, out),
            Action::WriteTxnMarker {
                topic,
                partition,
                producer_id,
                producer_epoch,
                coordinator_epoch,
                transaction_version,
                result,
            } => {
                let tp = TopicPartition::new(topic.as_str(), *partition);
                let kind = match result {
                    TxnResult::Commit => ControlKind::Commit,
                    TxnResult::Abort => ControlKind::Abort,
                };
                // Without a version the marker carries the cluster's, as the coordinator's would.
                let version = transaction_version
                    .map_or(self.coordinator.transaction_version(), |level| {
                        level.version()
                    });
                let request = HandMadeRequest::WriteTxnMarkers {
                    topic_partition: tp.clone(),
                    producer_id: ProducerId(*producer_id),
                    producer_epoch: ProducerEpoch(*producer_epoch),
                    coordinator_epoch: *coordinator_epoch,
                    transaction_version: version,
                    commit: kind == ControlKind::Commit,
                };
                let (broker, result) = if tp == offsets_partition() {
                    let marker = OffsetsMarker {
                        producer_id: ProducerId(*producer_id),
                        producer_epoch: ProducerEpoch(*producer_epoch),
                        coordinator_epoch: *coordinator_epoch,
                        transaction_version: version,
                        commit: kind == ControlKind::Commit,
                    };
                    (
                        Some(self.coordinator.broker()),
                        self.offsets_marker_raw(&marker, out),
                    )
                } else {
                    let result = self.cluster.write_marker(
                        &tp,
                        ProducerId(*producer_id),
                        ProducerEpoch(*producer_epoch),
                        *coordinator_epoch,
                        version,
                        kind,
                        self.now_ms,
                        out,
                    );
                    (self.cluster.leader_of(&tp), result)
                };
                self.record_exchange(
                    broker,
                    request,
                    Some(HandMadeAnswer::WriteTxnMarkers { result }),
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
                member_id,
                group_instance_id,
                offsets,
            } => self.txn_offset_commit_raw(
                group_id,
                ProducerId(*producer_id),
                ProducerEpoch(*producer_epoch),
                TxnOffsets {
                    group_id: group_id.clone(),
                    generation_id: *generation_id,
                    member_id: member_id.clone(),
                    group_instance_id: group_instance_id.clone(),
                    offsets: offsets
                        .iter()
                        .map(|o| (o.topic_partition(), Offset(o.offset)))
                        .collect(),
                    details: offsets
                        .iter()
                        .map(|o| (o.topic_partition(), o.details()))
                        .collect(),
                },
                out,
            ),
            Action::OffsetCommitRaw {
                group_id,
                generation_id,
                member_id,
                group_instance_id,
                offsets,
            } => {
                self.offset_commit_raw(
                    group_id,
                    *generation_id,
                    member_id,
                    group_instance_id.as_deref(),
                    offsets,
                    out,
                );
            }
            Action::OffsetFetchRaw {
                group_id,
                partitions,
                require_stable,
            } => self.offset_fetch_raw(group_id, partitions, *require_stable, out),
            Action::FetchRaw {
                topic,
                partition,
                offset,
                isolation_level,
                max_records,
                min_bytes,
                max_wait_ms,
            } => {
                let request = waiting_fetch::RawFetch {
                    topic_partition: TopicPartition::new(topic.as_str(), *partition),
                    fetch_offset: Offset(*offset),
                    isolation_level: *isolation_level,
                    max_records: *max_records,
                };
                let min_bytes = min_bytes.unwrap_or(0);
                if !self.park_raw_fetch(&request, min_bytes, max_wait_ms.unwrap_or(0), out) {
                    let answer = self.fetch_raw(
                        &request.topic_partition,
                        request.fetch_offset,
                        request.isolation_level,
                        request.max_records,
                        out,
                    );
                    self.record_exchange(
                        self.cluster.leader_of(&request.topic_partition),
                        request.exchange_request(min_bytes),
                        Some(answer),
                    );
                }
            }
            Action::DeleteRecords {
                topic,
                partition,
                offset,
            } => self.delete_records(
                &TopicPartition::new(topic.as_str(), *partition),
                Offset(*offset),
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
            Action::Seek {
                consumer,
                topic,
                partition,
                offset,
            } => self.seek(
                consumer,
                &TopicPartition::new(topic.as_str(), *partition),
                Offset(*offset),
                out,
            ),
            Action::SeekToBeginning {
                consumer,
                partitions,
            } => self.seek_to(consumer, partitions, SeekTarget::Beginning, out),
            Action::SeekToEnd {
                consumer,
                partitions,
            } => self.seek_to(consumer, partitions, SeekTarget::End, out),
            Action::Position {
                consumer,
                topic,
                partition,
            } => self.position(
                consumer,
                &TopicPartition::new(topic.as_str(), *partition),
                out,
            ),
            Action::Committed {
                consumer,
                topic,
                partition,
            } => self.committed(
                consumer,
                &TopicPartition::new(topic.as_str(), *partition),
                out,
            ),
            Action::OffsetsForTimes {
                consumer,
                topic,
                partition,
                timestamp_ms,
            } => self.offsets_for_times(
                consumer,
                &TopicPartition::new(topic.as_str(), *partition),
                *timestamp_ms,
                out,
            ),
            Action::GroupMetadata { consumer } => self.group_metadata(consumer, out),
            Action::AddConsumer { consumer } => self.add_consumer(consumer, out),
            Action::CloseConsumer { consumer } => self.close_consumer(consumer, out),
            Action::Assign {
                consumer,
                partitions,
            } => self.assign(consumer, partitions, out),
            Action::CloseProducer { producer } => self.close_producer(producer, out),
            Action::SendOffsetsToTransactionWith {
                producer,
                group_id,
                generation_id,
                member_id,
                group_instance_id,
                offsets,
            } => {
                let offsets = TxnOffsets {
                    group_id: group_id.clone(),
                    generation_id: *generation_id,
                    member_id: member_id.clone(),
                    group_instance_id: group_instance_id.clone(),
                    offsets: offsets
                        .iter()
                        .map(|o| (o.topic_partition(), Offset(o.offset)))
                        .collect(),
                    details: offsets
                        .iter()
                        .map(|o| (o.topic_partition(), o.details()))
                        .collect(),
                };
                if let Some(p) = self.producers.get_mut(producer) {
                    p.send_offsets_to_transaction(offsets, out);
                }
                self.drain(producer, out);
            }
            Action::ProduceRaw {
                topic,
                partition,
                producer_id,
                producer_epoch,
                base_sequence,
                record_count,
                is_transactional,
                acks,
                records,
                transactional_id,
                version,
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
                    records: if records.is_empty() {
                        (0..record_count.unwrap_or(1))
                            .map(|i| Record::new(None, format!("raw-{i}")))
                            .collect()
                    } else {
                        records
                            .iter()
                            .map(|r| Record {
                                key: r.key.clone(),
                                value: r.value.clone(),
                                timestamp_ms: r.timestamp_ms,
                            })
                            .collect()
                    },
                    provenance: Provenance {
                        send_ids: Vec::new(),
                        attempt: 1,
                    },
                };
                let lab = ClientId::new(LAB_CLIENT);
                let mut epoch = None;
                let terms = ProduceTerms {
                    transactional_id: transactional_id.as_ref().map(Option::as_deref),
                    version: version.unwrap_or_else(|| self.client_produce_version()),
                };
                // KafkaApis, then ReplicaManager's verification, then UnifiedLog's validation.
                let mut why = String::new();
                let verified = self
                    .check_produce_request(&batch, &terms)
                    .map_err(|(error, reason)| {
                        why = format!(" {reason}");
                        error
                    })
                    .and_then(|()| self.verify_transaction(leader, &tp, &batch, &terms, out))
                    .and_then(|under| {
                        self.check_timestamps(&batch)
                            .map(|()| under)
                            .map_err(|(error, reason)| {
                                why = format!(" {reason}");
                                error
                            })
                    });
                let (outcome, released) = match verified {
                    Err(error) => (ProduceOutcome::Respond(Err(error)), Vec::new()),
                    Ok(verified_under) => self.cluster.handle_produce(
                        leader,
                        &tp,
                        *acks,
                        &batch,
                        &lab,
                        0,
                        self.now_ms,
                        verified_under,
                        &mut epoch,
                        out,
                    ),
                };
                let answer = match outcome {
                    ProduceOutcome::Respond(Ok(offset)) => {
                        format!("The leader answers NONE with base offset {offset}.")
                    }
                    ProduceOutcome::Respond(Err(error)) => {
                        format!("The leader answers {error}.{why}")
                    }
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
                out.push_with(
                    EventKind::RawProduceHandled {
                        topic_partition: tp,
                        broker: leader,
                        result,
                        producer_id: ProducerId(*producer_id),
                        producer_epoch: ProducerEpoch(*producer_epoch),
                    },
                    || format!("The hand-made produce request goes straight to leader broker {leader}, bypassing the producer client. {answer}"),
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
            Arc::new(SendRecord {
                producer: producer.clone(),
                topic_partition: tp.clone(),
                key: key.clone(),
                value: value.clone(),
            }),
        );
        let now = self.now_ms;
        let Some(prod) = self.producers.get_mut(producer) else {
            return;
        };
        prod.send(send_id, tp.clone(), Record::new(key, value), now);
        let waiting = if prod.awaiting_producer_id() {
            " It waits there until the producer has its producer id."
        } else {
            ""
        };
        out.push_with(
            EventKind::RecordQueued { producer: producer.clone(), send_id, topic_partition: tp.clone() },
            || format!("{producer} calls send (send #{send_id}); the record joins the batch for {tp} in the producer's buffer.{waiting}"),
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
        if self.producers.get(producer).is_some_and(|p| p.closing) {
            self.advance_close(producer, out);
        }
    }

    /// FindCoordinator, as the lab models it: a producer sends to the broker that leads
    /// `__transaction_state` now. Kafka's client looks it up again after NOT_COORDINATOR, a
    /// disconnect or a timeout; the lab does the lookup for every request and shows it when the
    /// answer changed (the first lookup, at start, is not shown).
    fn find_coordinator(&mut self, producer: &ClientId, out: &mut Events) -> BrokerId {
        let broker = self.coordinator.broker();
        let last = self.coordinator_seen.insert(producer.clone(), broker);
        if let Some(last) = last.filter(|last| *last != broker) {
            out.push_with(
                EventKind::CoordinatorFound { producer: producer.clone(), broker },
                || format!("{producer} looks the transaction coordinator up again (FindCoordinator): it is on broker {broker} now, no longer on broker {last}, so its transactional requests go there."),
            );
        }
        broker
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
                // Transactional requests go to wherever the coordinator is now.
                OutgoingRequest::TxnInitProducerId {
                    correlation_id,
                    transactional_id,
                    transaction_timeout_ms,
                    bump,
                } => (
                    self.find_coordinator(producer, out),
                    Payload::TxnInitProducerIdRequest {
                        correlation_id,
                        transactional_id,
                        transaction_timeout_ms,
                        bump,
                    },
                ),
                OutgoingRequest::AddPartitionsToTxn {
                    correlation_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    partitions,
                } => (
                    self.find_coordinator(producer, out),
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
                    self.find_coordinator(producer, out),
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
                    self.find_coordinator(producer, out),
                    Payload::EndTxnRequest {
                        correlation_id,
                        transactional_id,
                        producer_id,
                        producer_epoch,
                        result,
                    },
                ),
            };
            let label = payload.label_string();
            match self.network.send(Endpoint::Client(producer.clone()), Endpoint::Broker(to), self.now_ms, payload) {
                Some(message_id) => out.push_with(
                    EventKind::MessageSent { message_id, label: label.clone(), from: Endpoint::Client(producer.clone()), to: Endpoint::Broker(to) },
                    || format!("{producer} sends message {message_id} to broker {to}: {label}."),
                ),
                None => out.push_with(
                    EventKind::NetworkFull { label: label.clone() },
                    || format!("The network already holds {} messages, the most the lab allows; {producer}'s {label} is lost.", Network::CAPACITY),
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
            out.push_with(EventKind::MessageLost { message_id: id }, || {
                format!("Message {id} reaches broker {broker}, which is down: it is lost.")
            });
            return;
        }
        out.push_with(EventKind::MessageDelivered { message_id: id }, || {
            format!(
                "Message {id} ({}) arrives at broker {broker}.",
                message.payload.label()
            )
        });
        let client = match message.from.clone() {
            Endpoint::Client(client) => client,
            Endpoint::Broker(from) => {
                self.deliver_between_brokers(broker, from, message.payload, out);
                return;
            }
        };
        let payload = &message.payload;
        // TransactionStateManager.getTransactionState: a broker that does not lead
        // `__transaction_state` (any more) answers NOT_COORDINATOR.
        let coordinator = self.coordinator.broker();
        if broker != coordinator
            && let Some(answer) = payload.coordinator_error_answer(ErrorCode::NotCoordinator)
        {
            out.push_with(
                EventKind::TxnRequestRefused {
                    transactional_id: payload.transactional_id().unwrap_or_default().to_owned(),
                    request: payload.api_name().to_owned(),
                    error: ErrorCode::NotCoordinator,
                },
                || format!("Broker {broker} does not host the transaction coordinator (broker {coordinator} does): it answers {} with NOT_COORDINATOR, and {client} looks the coordinator up again and retries.", payload.api_name()),
            );
            self.reply(broker, &client, answer, out);
            return;
        }
        if self.coordinator.is_loading()
            && let Some(answer) =
                payload.coordinator_error_answer(ErrorCode::CoordinatorLoadInProgress)
        {
            out.push_with(
                    EventKind::TxnRequestRefused {
                        transactional_id: payload.transactional_id().unwrap_or_default().to_owned(),
                        request: payload.api_name().to_owned(),
                        error: ErrorCode::CoordinatorLoadInProgress,
                    },
                    || format!("The transaction coordinator on broker {broker} is still reading __transaction_state back: it answers {} with COORDINATOR_LOAD_IN_PROGRESS, and {client} retries after retry.backoff.ms.", payload.api_name()),
                );
            self.reply(broker, &client, answer, out);
            return;
        }
        let outputs = self.at_coordinator(|host, now, mut allocate, leader_of| match payload {
            Payload::TxnInitProducerIdRequest {
                correlation_id,
                transactional_id,
                transaction_timeout_ms,
                bump,
            } => Some(host.init_producer_id(
                &client,
                *correlation_id,
                transactional_id,
                *transaction_timeout_ms,
                bump.map(|(id, epoch)| ProducerIdAndEpoch::new(id, epoch)),
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
            } => Some(host.add_partitions(
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
            } => Some(host.add_offsets(
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
            } => Some(host.end_txn(
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
        });
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
                let terms = ProduceTerms {
                    transactional_id: None,
                    version: self.client_produce_version(),
                };
                let (outcome, released) =
                    match self.verify_transaction(broker, &topic_partition, &batch, &terms, out) {
                        Err(error) => (ProduceOutcome::Respond(Err(error)), Vec::new()),
                        Ok(verified_under) => self.cluster.handle_produce(
                            broker,
                            &topic_partition,
                            acks,
                            &batch,
                            &client,
                            correlation_id,
                            self.now_ms,
                            verified_under,
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
                transaction_version,
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
                            transaction_version,
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
                let outputs = self.at_coordinator(|host, now, _, leader_of| {
                    host.on_markers_response(correlation_id, &results, now, &leader_of, out)
                });
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
        let label = payload.label_string();
        if let Some(message_id) = self.network.send(
            Endpoint::Broker(from),
            Endpoint::Broker(to),
            self.now_ms,
            payload,
        ) {
            out.push_with(
                EventKind::MessageSent {
                    message_id,
                    label: label.clone(),
                    from: Endpoint::Broker(from),
                    to: Endpoint::Broker(to),
                },
                || format!("Broker {from} sends message {message_id} to broker {to}: {label}."),
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
                    producer_epoch,
                    coordinator_epoch,
                    transaction_version,
                    commit,
                    topic_partition,
                } => {
                    let marker = OffsetsMarker {
                        producer_id,
                        producer_epoch,
                        coordinator_epoch,
                        transaction_version,
                        commit,
                    };
                    let written = self.group_marker(&transactional_id, &marker, out);
                    let more = self.at_coordinator(|host, now, _, leader_of| {
                        host.on_markers_response(
                            correlation_id,
                            &[(topic_partition, written)],
                            now,
                            &leader_of,
                            out,
                        )
                    });
                    self.send_host_outputs(more, out);
                }
            }
        }
    }

    fn reply(&mut self, broker: BrokerId, client: &ClientId, payload: Payload, out: &mut Events) {
        let label = payload.label_string();
        if let Some(message_id) = self.network.send(
            Endpoint::Broker(broker),
            Endpoint::Client(client.clone()),
            self.now_ms,
            payload,
        ) {
            out.push_with(
                EventKind::MessageSent {
                    message_id,
                    label: label.clone(),
                    from: Endpoint::Broker(broker),
                    to: Endpoint::Client(client.clone()),
                },
                || format!("Broker {broker} answers {client} with message {message_id}: {label}."),
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
        if *client.0 == *LAB_CLIENT && !self.producers.contains_key(client) {
            self.deliver_to_lab(message, out);
            return;
        }
        let id = message.id;
        let now = self.now_ms;
        let Some(producer) = self.producers.get_mut(client) else {
            return;
        };
        if !producer.alive {
            out.push_with(EventKind::MessageLost { message_id: id }, || {
                format!(
                    "Message {id} reaches {client}, whose process has crashed: nobody reads it."
                )
            });
            return;
        }
        // Only the narration names it; the payload moves on below.
        let label = out.narrated(|| message.payload.label_string());
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
            out.push_with(
                EventKind::MessageLost { message_id: id },
                || format!("Message {id} ({label}) reaches {client}, which no longer waits for it (the request timed out, or an earlier process sent it): it is ignored."),
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
        out.push_with(
            EventKind::ProducerCrashed { producer: producer.clone(), unsent_records },
            || format!(
                "{producer}'s process crashes. {unsent_records} record(s) it held in memory, queued or awaiting an answer, are gone with it; messages already on the network still travel."
            ),
        );
    }

    /// After a leader moves, producers may send queued batches to the new leader.
    fn after_leader_change(&mut self, out: &mut Events) {
        if self.cluster.is_alive(self.coordinator.broker()) {
            let outputs =
                self.at_coordinator(|host, _, _, leader_of| host.resend_parked(&leader_of, out));
            self.send_host_outputs(outputs, out);
        }
        let ids: Vec<ClientId> = self.producers.keys().cloned().collect();
        for id in ids {
            self.drain(&id, out);
        }
    }

    fn live_brokers(&self) -> BTreeSet<BrokerId> {
        self.cluster
            .brokers()
            .filter_map(|(broker, alive)| alive.then_some(broker))
            .collect()
    }

    /// Runs `f` on the transaction coordinator with what its requests need from the rest of the
    /// world: the clock, the cluster-wide producer id counter (`ProducerIdManager`) and each
    /// partition's live leader.
    pub(super) fn at_coordinator<R>(
        &mut self,
        f: impl FnOnce(
            &mut CoordinatorHost,
            u64,
            &mut dyn FnMut() -> ProducerId,
            &dyn Fn(&TopicPartition) -> Option<BrokerId>,
        ) -> R,
    ) -> R {
        let now = self.now_ms;
        let next_producer_id = &mut self.next_producer_id;
        let mut allocate = || {
            let id = ProducerId(*next_producer_id);
            *next_producer_id += 1;
            id
        };
        let cluster = &self.cluster;
        let leader_of =
            |tp: &TopicPartition| cluster.leader_of(tp).filter(|b| cluster.is_alive(*b));
        f(&mut self.coordinator, now, &mut allocate, &leader_of)
    }

    fn advance_time(&mut self, ms: u64, out: &mut Events) {
        self.now_ms = self.now_ms.saturating_add(ms);
        let now = self.now_ms;
        out.push_with(EventKind::TimeAdvanced { now_ms: now }, || {
            format!("{ms} ms pass; the simulated clock reads {now} ms.")
        });
        let released = self.cluster.on_time(now, out);
        self.send_released(released, out);
        if self.cluster.is_alive(self.coordinator.broker()) {
            let loaded = self
                .at_coordinator(|host, now, _, leader_of| host.finish_load(now, &leader_of, out));
            self.send_host_outputs(loaded, out);
        }
        if self.cluster.is_alive(self.coordinator.broker()) && !self.coordinator.is_loading() {
            let outputs = self.at_coordinator(|host, now, mut allocate, leader_of| {
                host.abort_timed_out(now, &mut allocate, &leader_of, out)
            });
            self.send_host_outputs(outputs, out);
            self.coordinator.expire_transactional_ids(now, out);
        }
        self.expire_poll_timeouts(out);
        let ids: Vec<ClientId> = self.producers.keys().cloned().collect();
        for id in ids {
            if let Some(p) = self.producers.get_mut(&id) {
                p.on_time(now, out);
            }
            self.drain(&id, out);
        }
    }

    // ---- consumers ----
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
