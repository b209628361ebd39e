//! The starting configuration of a world: brokers, topics, clients and the external database.
//! Client settings use Kafka's own config keys (`enable.idempotence`, `acks`, ...), so what a
//! learner sets here is what they would set in a real client.

use crate::clients::streams::StreamsAppConfig;
use crate::ids::{ClientId, TopicPartition, TransactionVersion};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Everything a world starts with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub producers: Vec<ProducerConfig>,
    #[serde(default)]
    pub consumers: Vec<ConsumerConfig>,
    #[serde(default)]
    pub database: DatabaseConfig,
    /// Kafka Streams applications; each adds its threads (consumers) and producers.
    #[serde(default)]
    pub streams: Vec<StreamsAppConfig>,
}

impl Default for WorldConfig {
    /// One broker, one `payments` topic with one partition, one idempotent producer `p1` and one
    /// consumer `c1`: the smallest world that shows a log, a send and a read.
    fn default() -> Self {
        Self {
            cluster: ClusterConfig::default(),
            producers: vec![ProducerConfig::named("p1")],
            consumers: vec![ConsumerConfig::named("c1", "payments")],
            database: DatabaseConfig::default(),
            streams: Vec::new(),
        }
    }
}

/// Brokers and topics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Number of brokers, with ids 1, 2, 3, ...
    #[serde(default = "one")]
    pub brokers: u32,
    pub topics: Vec<TopicConfig>,
    /// `replica.lag.time.max.ms`: a follower that has not caught up for this long leaves the ISR.
    #[serde(default = "default_replica_lag_ms", rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,
    /// `producer.id.expiration.ms`: a partition forgets an idle producer after this long.
    #[serde(
        default = "default_pid_expiration_ms",
        rename = "producer.id.expiration.ms"
    )]
    pub producer_id_expiration_ms: u64,
    /// `transaction.partition.verification.enable` (KIP-890 part 1, `TransactionLogConfig`): before
    /// a partition's first transactional write from a producer, its leader asks the transaction
    /// coordinator whether the partition is in that producer's transaction.
    #[serde(default = "yes", rename = "transaction.partition.verification.enable")]
    pub transaction_partition_verification_enable: bool,
    /// `transaction.version`, the cluster's finalized feature level (`TransactionVersion`):
    /// 0 and 1 are the classic protocol; 2 is KIP-890 part 2, where the epoch is bumped at every
    /// transaction end and partition leaders add partitions to the transaction themselves. Kafka
    /// 4.0 finalizes 2 on new clusters; the lab starts at 1, the protocol most texts describe.
    #[serde(default, rename = "transaction.version")]
    pub transaction_version: TransactionVersionLevel,
    /// `transaction.max.timeout.ms`: the longest `transaction.timeout.ms` the transaction
    /// coordinator accepts; InitProducerId asking for more gets INVALID_TRANSACTION_TIMEOUT.
    #[serde(
        default = "default_transaction_max_timeout_ms",
        rename = "transaction.max.timeout.ms"
    )]
    pub transaction_max_timeout_ms: u64,
    /// `transactional.id.expiration.ms`: the transaction coordinator removes a transactional id
    /// idle this long in Empty, CompleteCommit or CompleteAbort.
    #[serde(
        default = "default_transactional_id_expiration_ms",
        rename = "transactional.id.expiration.ms"
    )]
    pub transactional_id_expiration_ms: u64,
    /// A lab setting, not Kafka's: how long the transaction coordinator takes to read
    /// `__transaction_state` back after its broker restarts or it moves to another replica (in
    /// Kafka, as long as the log takes to read). Until then it answers every request COORDINATOR_LOAD_IN_PROGRESS
    /// (`TransactionStateManager.getTransactionState`). 0 loads within the restart.
    #[serde(default)]
    pub coordinator_load_ms: u64,
    /// `transaction.state.log.replication.factor`: how many brokers hold `__transaction_state`
    /// (the lowest-numbered ones). Its leader hosts the transaction coordinator; when that broker
    /// crashes another in-sync replica takes over. Kafka's default is 3; the lab's is 1, where
    /// the coordinator waits for its broker's restart.
    #[serde(default = "one", rename = "transaction.state.log.replication.factor")]
    pub transaction_state_log_replication_factor: u32,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            brokers: 1,
            topics: vec![TopicConfig::named("payments", 1)],
            replica_lag_time_max_ms: default_replica_lag_ms(),
            producer_id_expiration_ms: default_pid_expiration_ms(),
            transaction_partition_verification_enable: true,
            transaction_version: TransactionVersionLevel::default(),
            transaction_max_timeout_ms: default_transaction_max_timeout_ms(),
            transactional_id_expiration_ms: default_transactional_id_expiration_ms(),
            coordinator_load_ms: 0,
            transaction_state_log_replication_factor: 1,
        }
    }
}

/// `transaction.version` as a scenario writes it: Kafka's feature levels 0, 1 and 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct TransactionVersionLevel(u8);

impl TransactionVersionLevel {
    /// Level 2 and above: KIP-890 part 2 (`TransactionVersion.supportsEpochBump`).
    pub fn is_v2(self) -> bool {
        self.0 >= 2
    }

    /// The protocol this level runs: levels 0 and 1 are the classic one.
    pub fn version(self) -> TransactionVersion {
        if self.is_v2() {
            TransactionVersion::V2
        } else {
            TransactionVersion::V1
        }
    }
}

impl Default for TransactionVersionLevel {
    fn default() -> Self {
        Self(1)
    }
}

impl TryFrom<u8> for TransactionVersionLevel {
    type Error = String;

    fn try_from(level: u8) -> Result<Self, Self::Error> {
        if level <= 2 {
            Ok(Self(level))
        } else {
            Err(format!(
                "transaction.version {level} is unknown: Kafka's levels are 0, 1 and 2"
            ))
        }
    }
}

impl From<TransactionVersionLevel> for u8 {
    fn from(level: TransactionVersionLevel) -> Self {
        level.0
    }
}

/// One topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    pub name: String,
    #[serde(default = "one")]
    pub partitions: u32,
    #[serde(default = "one", rename = "replication.factor")]
    pub replication_factor: u32,
    #[serde(default = "one", rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    /// Records per log segment before a new segment is rolled. Kafka rolls by bytes
    /// (`segment.bytes`); the lab counts records so segments show up with a few records.
    #[serde(default = "default_segment_records", rename = "segment.records")]
    pub segment_records: u64,
    /// Which brokers hold each partition's replicas, in order, the first being the preferred
    /// leader (`kafka-topics.sh --replica-assignment`); absent: Kafka's round-robin placement.
    #[serde(default, rename = "replica.assignment")]
    pub replica_assignment: Option<Vec<Vec<u32>>>,
}

impl TopicConfig {
    pub fn named(name: &str, partitions: u32) -> Self {
        Self {
            name: name.to_owned(),
            partitions,
            replication_factor: 1,
            min_insync_replicas: 1,
            segment_records: default_segment_records(),
            replica_assignment: None,
        }
    }
}

/// `acks`: how many replicas must have a write before the leader answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=0`: the producer does not wait for any answer.
    #[serde(rename = "0")]
    None,
    /// `acks=1`: the leader answers once it has written the batch.
    #[serde(rename = "1")]
    Leader,
    /// `acks=all` (or `-1`): the leader answers once every in-sync replica has the batch.
    #[serde(rename = "all", alias = "-1")]
    All,
}

impl fmt::Display for Acks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        })
    }
}

/// A producer and its Kafka client settings. Unset keys take Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerConfig {
    pub id: ClientId,
    /// `enable.idempotence`; unset means Kafka's default (on, unless another setting conflicts).
    #[serde(default, rename = "enable.idempotence")]
    pub enable_idempotence: Option<bool>,
    #[serde(default = "default_acks")]
    pub acks: Acks,
    #[serde(default = "default_retries")]
    pub retries: u32,
    #[serde(
        default = "default_max_in_flight",
        rename = "max.in.flight.requests.per.connection"
    )]
    pub max_in_flight: u32,
    #[serde(default = "default_request_timeout_ms", rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// `retry.backoff.ms`: how long a batch waits before it is retried after an error answer.
    #[serde(default = "default_retry_backoff_ms", rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    #[serde(
        default = "default_delivery_timeout_ms",
        rename = "delivery.timeout.ms"
    )]
    pub delivery_timeout_ms: u64,
    /// Records per batch. Kafka fills batches by `batch.size` bytes and `linger.ms`; the lab
    /// counts records (default 1: every send is its own batch). A partial batch goes out on `flush`.
    #[serde(default = "one", rename = "batch.records")]
    pub batch_records: u32,
    /// `transactional.id`: the producer is transactional (idempotence required); its
    /// transactions go through the transaction coordinator.
    #[serde(default, rename = "transactional.id")]
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`: how long a transaction may stay open before the coordinator
    /// aborts it.
    #[serde(
        default = "default_transaction_timeout_ms",
        rename = "transaction.timeout.ms"
    )]
    pub transaction_timeout_ms: u64,
    /// `max.block.ms`: how long initTransactions, commitTransaction and abortTransaction wait
    /// for their answer before they throw TimeoutException (the request goes on; calling the
    /// same method again waits for it again).
    #[serde(default = "default_max_block_ms", rename = "max.block.ms")]
    pub max_block_ms: u64,
}

impl ProducerConfig {
    pub fn named(id: &str) -> Self {
        Self {
            id: ClientId::new(id),
            enable_idempotence: None,
            acks: default_acks(),
            retries: default_retries(),
            max_in_flight: default_max_in_flight(),
            request_timeout_ms: default_request_timeout_ms(),
            retry_backoff_ms: default_retry_backoff_ms(),
            delivery_timeout_ms: default_delivery_timeout_ms(),
            batch_records: 1,
            transactional_id: None,
            transaction_timeout_ms: default_transaction_timeout_ms(),
            max_block_ms: default_max_block_ms(),
        }
    }

    /// Whether idempotence is on, following `ProducerConfig.postProcessAndValidateIdempotenceConfigs`:
    /// explicitly set wins (and conflicts are errors); unset means on unless `acks` is not `all`,
    /// `retries` is 0 or more than 5 requests may be in flight.
    pub fn idempotence(&self) -> Result<bool, ConfigError> {
        let conflict = if self.acks != Acks::All {
            Some(format!("acks={} (it must be all)", self.acks))
        } else if self.retries == 0 {
            Some("retries=0 (it must be more than 0)".to_owned())
        } else if self.max_in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
            Some(format!(
                "max.in.flight.requests.per.connection={} (it must be at most 5)",
                self.max_in_flight
            ))
        } else {
            None
        };
        let enabled = match (self.enable_idempotence, conflict) {
            (Some(true), Some(conflict)) => {
                return Err(ConfigError {
                    client: self.id.clone(),
                    message: format!("enable.idempotence=true conflicts with {conflict}"),
                });
            }
            (Some(explicit), _) => explicit,
            (None, conflict) => conflict.is_none(),
        };
        // ProducerConfig.postProcessAndValidateIdempotenceConfigs: transactions need idempotence.
        if self.transactional_id.is_some() && !enabled {
            return Err(ConfigError {
                client: self.id.clone(),
                message: "Cannot set a transactional.id without also enabling idempotence"
                    .to_owned(),
            });
        }
        Ok(enabled)
    }
}

/// `MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE` in Kafka's `ProducerConfig`: it
/// equals the 5 batches a broker keeps per producer for deduplication.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: u32 = 5;

/// `isolation.level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// Reads everything below the high watermark, open and aborted transactions included.
    #[default]
    ReadUncommitted,
    /// Reads only below the last stable offset and skips aborted transactions.
    ReadCommitted,
}

/// When a consumer commits its offsets relative to processing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingMode {
    /// Commit right after each poll, before processing: a crash loses records (at-most-once).
    CommitBeforeProcessing,
    /// Commit only after processing: a crash repeats records (at-least-once).
    #[default]
    CommitAfterProcessing,
    /// Consume-transform-produce: processing commits nothing itself; the application writes its
    /// output in a transaction and hands the input offsets to it (`sendOffsetsToTransaction`).
    /// With `enable.auto.commit` on, poll still commits on its own: concept 23's trap.
    Transactional,
}

/// `auto.offset.reset`: where a consumer with no committed offset starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    /// The lab's default, so that a new consumer sees the log from its start.
    #[default]
    Earliest,
    /// Kafka's default.
    Latest,
}

/// A consumer and its Kafka client settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
    pub id: ClientId,
    #[serde(rename = "group.id")]
    pub group_id: String,
    /// `group.instance.id`: makes the consumer a static member of its group. The lab uses it only
    /// where the group coordinator checks it (TxnOffsetCommit); rebalances stay dynamic.
    #[serde(default, rename = "group.instance.id")]
    pub group_instance_id: Option<String>,
    /// Topics the consumer subscribes to; the group spreads their partitions over its members.
    /// Empty for a consumer given `assign` instead (Kafka refuses both on one consumer).
    #[serde(default)]
    pub topics: Vec<String>,
    /// `consumer.assign(partitions)`: partitions read without group membership (no rebalance);
    /// its commits go to `group.id` as a simple commit, generation -1 and no member id.
    #[serde(default)]
    pub assign: Vec<TopicPartition>,
    #[serde(default, rename = "isolation.level")]
    pub isolation_level: IsolationLevel,
    #[serde(default, rename = "enable.auto.commit")]
    pub enable_auto_commit: bool,
    #[serde(default = "default_auto_commit_ms", rename = "auto.commit.interval.ms")]
    pub auto_commit_interval_ms: u64,
    #[serde(default, rename = "auto.offset.reset")]
    pub auto_offset_reset: OffsetReset,
    #[serde(default = "default_max_poll", rename = "max.poll.records")]
    pub max_poll_records: u32,
    /// `max.poll.interval.ms`: a group member that does not poll within it leaves the group
    /// (`AbstractCoordinator.handlePollTimeoutExpiry`).
    #[serde(
        default = "default_max_poll_interval_ms",
        rename = "max.poll.interval.ms"
    )]
    pub max_poll_interval_ms: u64,
    /// `fetch.min.bytes`: the least data a fetch waits for at the broker
    /// (`ReplicaManager.fetchMessages`); the lab parks a poll's fetch only above 1 byte.
    #[serde(default = "default_fetch_min_bytes", rename = "fetch.min.bytes")]
    pub fetch_min_bytes: u32,
    /// `fetch.max.wait.ms`: how long a fetch waits for `fetch.min.bytes` (`DelayedFetch`).
    #[serde(default = "default_fetch_max_wait_ms", rename = "fetch.max.wait.ms")]
    pub fetch_max_wait_ms: u64,
    #[serde(default)]
    pub processing: ProcessingMode,
}

impl ConsumerConfig {
    pub fn named(id: &str, topic: &str) -> Self {
        Self {
            id: ClientId::new(id),
            group_id: "billing".to_owned(),
            group_instance_id: None,
            topics: vec![topic.to_owned()],
            assign: Vec::new(),
            isolation_level: IsolationLevel::default(),
            enable_auto_commit: false,
            auto_commit_interval_ms: default_auto_commit_ms(),
            auto_offset_reset: OffsetReset::default(),
            max_poll_records: default_max_poll(),
            max_poll_interval_ms: default_max_poll_interval_ms(),
            fetch_min_bytes: default_fetch_min_bytes(),
            fetch_max_wait_ms: default_fetch_max_wait_ms(),
            processing: ProcessingMode::default(),
        }
    }

    /// Whether the consumer subscribes (group membership) rather than being assigned partitions.
    pub fn is_subscribed(&self) -> bool {
        !self.topics.is_empty()
    }

    /// Whether a poll's fetch may wait at the broker for `fetch.min.bytes`. At 1 byte the lab
    /// answers at once (ARCHITECTURE.md, "Where the lab simplifies"), as it does with no wait.
    pub fn fetch_may_wait(&self) -> bool {
        self.fetch_min_bytes > 1 && self.fetch_max_wait_ms > 0
    }

    /// Kafka's own refusals of a consumer setting: `subscribe` and `assign` are exclusive
    /// (`SubscriptionState.setSubscriptionType`), and `max.poll.interval.ms` is at least 1.
    pub fn check(&self) -> Result<(), ConfigError> {
        let refuse = |message: &str| {
            Err(ConfigError {
                client: self.id.clone(),
                message: message.to_owned(),
            })
        };
        match (self.topics.is_empty(), self.assign.is_empty()) {
            (false, false) => refuse(
                "give `topics` (subscribe) or `assign`, not both: Kafka's subscribe and assign are mutually exclusive",
            ),
            (true, true) => refuse(
                "give `topics` to subscribe or `assign` to read chosen partitions: the consumer has nothing to read",
            ),
            _ if self.max_poll_interval_ms == 0 => {
                refuse("max.poll.interval.ms must be at least 1")
            }
            _ => Ok(()),
        }
    }
}

/// The external database consumers write their side effects into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Keep a dedup table keyed by the record's business id (its key) and skip repeats: the
    /// idempotent consumer.
    #[serde(default)]
    pub idempotent: bool,
    /// The outbox pattern: each applied effect also writes an outbox row in the same local
    /// transaction, and a relay (`relay_outbox`) later publishes the rows to this topic.
    #[serde(default, rename = "outbox.topic")]
    pub outbox_topic: Option<String>,
}

/// A client setting Kafka itself would refuse (`ConfigException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub client: ClientId,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client `{}`: {}", self.client, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn one() -> u32 {
    1
}
fn default_segment_records() -> u64 {
    4
}
fn default_replica_lag_ms() -> u64 {
    30_000
}
fn yes() -> bool {
    true
}
fn default_pid_expiration_ms() -> u64 {
    86_400_000
}
fn default_acks() -> Acks {
    Acks::All
}
fn default_retries() -> u32 {
    i32::MAX.unsigned_abs()
}
fn default_max_in_flight() -> u32 {
    5
}
fn default_retry_backoff_ms() -> u64 {
    100
}
fn default_request_timeout_ms() -> u64 {
    30_000
}
fn default_delivery_timeout_ms() -> u64 {
    120_000
}
fn default_transaction_timeout_ms() -> u64 {
    60_000
}
fn default_max_block_ms() -> u64 {
    60_000
}
/// `TransactionStateManagerConfig`'s default: 15 minutes.
fn default_transaction_max_timeout_ms() -> u64 {
    900_000
}
fn default_transactional_id_expiration_ms() -> u64 {
    crate::coordinator::state_machine::DEFAULT_TRANSACTIONAL_ID_EXPIRATION_MS
}
fn default_auto_commit_ms() -> u64 {
    5_000
}
fn default_max_poll() -> u32 {
    500
}
fn default_max_poll_interval_ms() -> u64 {
    300_000
}
/// `ConsumerConfig.DEFAULT_FETCH_MIN_BYTES`.
fn default_fetch_min_bytes() -> u32 {
    1
}
/// `ConsumerConfig.DEFAULT_FETCH_MAX_WAIT_MS`.
fn default_fetch_max_wait_ms() -> u64 {
    500
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotence_defaults_on_and_turns_off_silently_for_acks_1() {
        let mut p = ProducerConfig::named("p");
        assert_eq!(p.idempotence(), Ok(true));
        p.acks = Acks::Leader;
        assert_eq!(p.idempotence(), Ok(false));
    }

    #[test]
    fn explicit_idempotence_with_too_many_in_flight_is_a_config_error() {
        let mut p = ProducerConfig::named("p");
        p.enable_idempotence = Some(true);
        p.max_in_flight = 6;
        let err = p.idempotence().unwrap_err();
        assert!(
            err.to_string()
                .contains("max.in.flight.requests.per.connection=6")
        );
    }

    #[test]
    fn kafka_config_keys_parse_from_json() {
        let p: ProducerConfig = serde_json::from_str(
            r#"{"id":"p1","enable.idempotence":false,"acks":"1","max.in.flight.requests.per.connection":2}"#,
        )
        .unwrap();
        assert_eq!(p.acks, Acks::Leader);
        assert_eq!(p.enable_idempotence, Some(false));
        assert_eq!(p.max_in_flight, 2);
        let unknown =
            serde_json::from_str::<ProducerConfig>(r#"{"id":"p1","acks":"all","linger":3}"#);
        assert!(unknown.is_err());
    }
}
