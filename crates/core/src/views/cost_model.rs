//! What exactly-once would cost a producer at full speed, worked out rather than counted: an
//! arithmetic model of the extra requests, `__transaction_state` writes, markers and waiting that
//! transactions add, and of how long a `read_committed` consumer waits for the last stable offset.
//! `costs.rs` counts what a simulated run did; this module predicts it for a steady stream, and
//! the two agree on the requests of one transaction (tests in `tests/cost_model.rs`).
//!
//! The model, in one paragraph. A producer sends for `commit_interval_ms`, then commits and opens
//! the next transaction; between the two it sends no record. That pause is the whole throughput
//! cost: the last produce requests have to be acknowledged (`commitTransaction` flushes first),
//! EndTxn has to come back, and the next transaction's partitions have to be registered with the
//! coordinator before their records may be appended. Each coordinator answer waits for a
//! replicated `__transaction_state` append, so it costs a round trip plus a replication. The pause
//! does not depend on how many records the transaction carried, so the overhead is
//! `pause / (commit_interval + pause)`: the same for any rate, and falling as the interval grows.
//! Markers are written by the coordinator after it has answered EndTxn, so they cost the brokers
//! work and the consumers time, not the producer.
//!
//! Calibration. Confluent's published benchmark (Kafka 0.11, 2017, the posts "Exactly-once
//! Semantics are Possible: Here's How Kafka Does It" and "Transactions in Apache Kafka"): with
//! 1 KB records and transactions committed every 100 ms, a transactional producer's throughput
//! was about 3% below a producer with `acks=all` and one request in flight (idempotence then
//! required one in flight), and about 20% below one with `acks=1` and five in flight; the cost is
//! per transaction, not per record. [`CostParameters::default`] is that setup, and the round trip
//! and replication times are the free constants, chosen so the model lands on both figures.

use serde::{Deserialize, Serialize};

/// The transaction protocol the cluster runs (`transaction.version`, KIP-890).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransactionProtocol {
    /// The client registers each new partition with AddPartitionsToTxn before writing to it.
    #[default]
    V1,
    /// KIP-890 part 2: the partition leader registers the partition itself when the first batch
    /// arrives (`AddPartitionsToTxnManager`, `verifyOnly=false`); the client sends no
    /// AddPartitionsToTxn.
    V2,
}

/// `acks`: how much of the write the leader waits for before answering a produce request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=1`: the leader's own append.
    Leader,
    /// `acks=all`: the append on every in-sync replica (required by idempotence).
    All,
}

/// A producer's pipeline: what it waits for and how many requests it keeps on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub acks: Acks,
    /// `max.in.flight.requests.per.connection`.
    pub max_in_flight: u32,
}

impl Pipeline {
    /// The at-least-once, in-order producer of the benchmark: `acks=all`, one request in flight.
    pub const ACKS_ALL_ONE_IN_FLIGHT: Self = Self {
        acks: Acks::All,
        max_in_flight: 1,
    };
    /// Kafka's default producer in 2017: `acks=1`, five requests in flight.
    pub const ACKS_ONE_FIVE_IN_FLIGHT: Self = Self {
        acks: Acks::Leader,
        max_in_flight: 5,
    };
}

/// The workload and the cluster, as a person would describe them. Out-of-range values (from a
/// form, a link) are brought into range before use, see [`CostParameters::bounded`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostParameters {
    /// Bytes of one record.
    pub record_bytes: f64,
    /// The most records per second the producer can push when it never waits (its network and
    /// the brokers' limit).
    pub records_per_second: f64,
    /// Network round trip between a client and a broker, or between two brokers.
    pub round_trip_ms: f64,
    /// Extra time for an append to reach the in-sync replicas (`acks=all`, and every
    /// `__transaction_state` write).
    pub replication_ms: f64,
    /// How long the producer sends between two commits.
    pub commit_interval_ms: f64,
    /// Partitions each transaction writes to: one marker each at the end.
    pub partitions: u32,
    /// AddPartitionsToTxn requests the client sends per transaction under V1. Kafka's client
    /// puts every partition waiting to be added into one request, so at full speed all
    /// partitions join in one; partitions first written while one is in flight need another.
    pub add_partitions_requests: u32,
    /// Brokers leading those partitions: the coordinator sends one WriteTxnMarkers to each.
    pub leader_brokers: u32,
    /// Bytes the producer puts in one batch per partition (`batch.size`, 16384 by default); a
    /// produce request carries a batch for each partition.
    pub batch_bytes: f64,
    /// `max.in.flight.requests.per.connection` of the transactional producer (1 to 5).
    pub max_in_flight: u32,
    pub protocol: TransactionProtocol,
}

impl Default for CostParameters {
    /// Confluent's benchmark: 1 KB records, commits every 100 ms, one request in flight,
    /// transaction protocol V1. Partitions, rate and batch size are not published; these are
    /// plausible values, and with them the round trip (1 ms) and replication (0.5 ms) land on
    /// the published 3% and 20%.
    fn default() -> Self {
        Self {
            record_bytes: 1024.0,
            records_per_second: 40_000.0,
            round_trip_ms: 1.0,
            replication_ms: 0.5,
            commit_interval_ms: 100.0,
            partitions: 16,
            add_partitions_requests: 1,
            leader_brokers: 3,
            batch_bytes: 16_384.0,
            max_in_flight: 1,
            protocol: TransactionProtocol::V1,
        }
    }
}

/// The requests and writes one transaction adds, by Kafka's names. Produce requests are left
/// out: a producer without transactions sends the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRequests {
    /// Sent by the client (V1 only).
    pub add_partitions_to_txn: u32,
    /// Sent by partition leaders for the producer (V2 only), one per partition.
    pub partitions_added_by_brokers: u32,
    pub end_txn: u32,
    /// One per broker leading a partition of the transaction (`TransactionMarkerChannelManager`).
    pub write_txn_markers: u32,
    /// `Ongoing` for each add that brings new partitions, then `PrepareCommit` and
    /// `CompleteCommit`.
    pub transaction_log_appends: u32,
    /// One COMMIT marker per partition; each takes an offset.
    pub markers: u32,
}

/// How long a record takes from `send` to a consumer, on average and at worst.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub mean_ms: f64,
    pub worst_ms: f64,
}

// Bounds for untrusted parameters. Above `transaction.max.timeout.ms` (15 minutes by default)
// the coordinator refuses the transaction timeout such a transaction would need.
const MAX_COMMIT_INTERVAL_MS: f64 = 900_000.0;
// `max.request.size` (1 MiB): a single record cannot be larger.
const MAX_RECORD_BYTES: f64 = 1_048_576.0;
// Idempotence allows at most five requests in flight per connection.
const MAX_IN_FLIGHT_WITH_IDEMPOTENCE: u32 = 5;
const MAX_PARTITIONS: u32 = 10_000;
const MAX_TIME_MS: f64 = 60_000.0;

impl CostParameters {
    /// The same parameters with every value in a range the formulas can use: not a number
    /// becomes the default, and each value is clamped (at least one partition, one request,
    /// one broker; at most five in flight; no more adds or leaders than partitions).
    pub fn bounded(&self) -> Self {
        let default = Self::default();
        let partitions = self.partitions.clamp(1, MAX_PARTITIONS);
        Self {
            record_bytes: within(
                self.record_bytes,
                1.0,
                MAX_RECORD_BYTES,
                default.record_bytes,
            ),
            records_per_second: within(
                self.records_per_second,
                1.0,
                1e9,
                default.records_per_second,
            ),
            round_trip_ms: within(
                self.round_trip_ms,
                0.001,
                MAX_TIME_MS,
                default.round_trip_ms,
            ),
            replication_ms: within(
                self.replication_ms,
                0.0,
                MAX_TIME_MS,
                default.replication_ms,
            ),
            commit_interval_ms: within(
                self.commit_interval_ms,
                1.0,
                MAX_COMMIT_INTERVAL_MS,
                default.commit_interval_ms,
            ),
            partitions,
            add_partitions_requests: self.add_partitions_requests.clamp(1, partitions),
            leader_brokers: self.leader_brokers.clamp(1, partitions),
            batch_bytes: within(
                self.batch_bytes,
                1.0,
                MAX_RECORD_BYTES * 64.0,
                default.batch_bytes,
            ),
            max_in_flight: self.max_in_flight.clamp(1, MAX_IN_FLIGHT_WITH_IDEMPOTENCE),
            protocol: self.protocol,
        }
    }

    /// The requests and writes each transaction adds (rules P8, V3, M3 of the Kafka rules).
    pub fn requests_per_transaction(&self) -> TransactionRequests {
        let p = self.bounded();
        let (client_adds, broker_adds) = match p.protocol {
            TransactionProtocol::V1 => (p.add_partitions_requests, 0),
            // Each leader adds its own partition on the produce path.
            TransactionProtocol::V2 => (0, p.partitions),
        };
        TransactionRequests {
            add_partitions_to_txn: client_adds,
            partitions_added_by_brokers: broker_adds,
            end_txn: 1,
            write_txn_markers: p.leader_brokers,
            transaction_log_appends: client_adds + broker_adds + 2,
            markers: p.partitions,
        }
    }

    /// Records per second a producer without transactions reaches with `pipeline`.
    pub fn throughput(&self, pipeline: Pipeline) -> f64 {
        let p = self.bounded();
        p.records_per_second * p.utilisation(pipeline)
    }

    /// Records per second of the transactional producer (`acks=all`, as idempotence requires).
    pub fn transactional_throughput(&self) -> f64 {
        let p = self.bounded();
        let interval = p.commit_interval_ms;
        p.throughput(p.transactional_pipeline()) * interval
            / (interval + p.pause_per_transaction_ms())
    }

    /// The share of `baseline`'s throughput the transactional producer gives up (0.03 is 3%).
    pub fn overhead_against(&self, baseline: Pipeline) -> f64 {
        1.0 - self.transactional_throughput() / self.throughput(baseline)
    }

    /// Records one transaction carries at full speed.
    pub fn records_per_transaction(&self) -> f64 {
        let p = self.bounded();
        p.throughput(p.transactional_pipeline()) * p.commit_interval_ms / 1000.0
    }

    /// Time per transaction in which the producer sends nothing: the wait for the last produce
    /// acknowledgements the pipeline does not already hide, then one coordinator round trip for
    /// EndTxn and one per AddPartitionsToTxn (V1). Under V2 the leaders' adds, made in parallel,
    /// hold up the first produce of the next transaction by one coordinator round trip.
    pub fn pause_per_transaction_ms(&self) -> f64 {
        let p = self.bounded();
        let registration_round_trips = match p.protocol {
            TransactionProtocol::V1 => f64::from(p.add_partitions_requests),
            TransactionProtocol::V2 => 1.0,
        };
        p.drain_ms() + (1.0 + registration_round_trips) * p.coordinator_round_trip_ms()
    }

    /// From `send` to a consumer's poll, for a record sent at a uniformly random moment.
    /// `read_uncommitted` (or no transactions) sees it once it is replicated; `read_committed`
    /// waits for the end of the transaction, EndTxn, and the COMMIT marker that moves the last
    /// stable offset past it.
    pub fn end_to_end_latency(&self, read_committed: bool) -> Latency {
        let p = self.bounded();
        let visible = p.round_trip_ms + p.replication_ms;
        if !read_committed {
            return Latency {
                mean_ms: visible,
                worst_ms: visible,
            };
        }
        // The marker goes from the coordinator to the leader and must be replicated before
        // the high watermark, and with it the last stable offset, passes it.
        let commit = p.drain_ms() + 2.0 * p.coordinator_round_trip_ms();
        let interval = p.commit_interval_ms;
        Latency {
            mean_ms: visible + interval / 2.0 + commit,
            worst_ms: visible + interval + commit,
        }
    }

    /// The same parameters with another commit interval: what the plots vary.
    pub fn with_commit_interval(&self, commit_interval_ms: f64) -> Self {
        Self {
            commit_interval_ms,
            ..self.clone()
        }
    }

    fn transactional_pipeline(&self) -> Pipeline {
        Pipeline {
            acks: Acks::All,
            max_in_flight: self.max_in_flight,
        }
    }

    // A coordinator answers after its `__transaction_state` append is replicated.
    fn coordinator_round_trip_ms(&self) -> f64 {
        self.round_trip_ms + self.replication_ms
    }

    // Putting one request on the wire: a batch for each partition.
    fn send_ms(&self) -> f64 {
        let bytes_per_ms = self.records_per_second * self.record_bytes / 1000.0;
        self.batch_bytes * f64::from(self.partitions) / bytes_per_ms
    }

    fn ack_wait_ms(&self, acks: Acks) -> f64 {
        match acks {
            Acks::Leader => self.round_trip_ms,
            Acks::All => self.round_trip_ms + self.replication_ms,
        }
    }

    // Share of the time the producer is sending: with k requests in flight it sends k requests
    // per (send + wait) cycle, up to all the time.
    fn utilisation(&self, pipeline: Pipeline) -> f64 {
        let send = self.send_ms();
        let cycle = send + self.ack_wait_ms(pipeline.acks);
        (f64::from(pipeline.max_in_flight.max(1)) * send / cycle).min(1.0)
    }

    // Waiting for the last acknowledgement before EndTxn: with one request in flight the
    // producer waits after every request anyway; with k it normally hides (k - 1) sends of it.
    fn drain_ms(&self) -> f64 {
        let in_flight = f64::from(self.max_in_flight.max(1));
        self.ack_wait_ms(Acks::All)
            .min((in_flight - 1.0) * self.send_ms())
    }
}

fn within(value: f64, low: f64, high: f64, fallback: f64) -> f64 {
    if value.is_nan() {
        fallback
    } else {
        value.clamp(low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(share: f64) -> f64 {
        share * 100.0
    }

    // Confluent's benchmark: 1 KB records, 100 ms transactions: about 3% below acks=all with one
    // request in flight.
    #[test]
    fn transactions_cost_about_three_percent_against_acks_all_one_in_flight() {
        let overhead =
            percent(CostParameters::default().overhead_against(Pipeline::ACKS_ALL_ONE_IN_FLIGHT));
        assert!((overhead - 3.0).abs() <= 1.0, "{overhead:.2}%");
    }

    // ... and about 20% below acks=1 with five in flight.
    #[test]
    fn transactions_cost_about_twenty_percent_against_acks_one_five_in_flight() {
        let overhead =
            percent(CostParameters::default().overhead_against(Pipeline::ACKS_ONE_FIVE_IN_FLIGHT));
        assert!((overhead - 20.0).abs() <= 3.0, "{overhead:.2}%");
    }

    #[test]
    fn overhead_falls_as_the_commit_interval_grows() {
        let model = CostParameters::default();
        let overheads: Vec<f64> = [1.0, 10.0, 50.0, 100.0, 1_000.0, 10_000.0]
            .into_iter()
            .map(|interval| {
                model
                    .with_commit_interval(interval)
                    .overhead_against(Pipeline::ACKS_ALL_ONE_IN_FLIGHT)
            })
            .collect();
        assert!(
            overheads.windows(2).all(|pair| pair[1] < pair[0]),
            "{overheads:?}"
        );
        assert!(overheads[0] > 0.5 && overheads[5] < 0.001, "{overheads:?}");
    }

    // The price is paid per transaction: eight times the records in a transaction of the same
    // length cost the same share.
    #[test]
    fn overhead_does_not_depend_on_the_records_per_transaction() {
        let slow = CostParameters {
            records_per_second: 10_000.0,
            ..CostParameters::default()
        };
        let fast = CostParameters {
            records_per_second: 80_000.0,
            ..CostParameters::default()
        };
        let ratio = fast.records_per_transaction() / slow.records_per_transaction();
        assert!(ratio > 4.0, "records per transaction: {ratio:.2}x");
        let baseline = Pipeline::ACKS_ALL_ONE_IN_FLIGHT;
        assert!((fast.overhead_against(baseline) - slow.overhead_against(baseline)).abs() < 1e-12);
    }

    // V2 sends no AddPartitionsToTxn from the client: the leaders add their partitions, all at
    // once on the produce path, so partitions that would join in several V1 requests cost one
    // round trip.
    #[test]
    fn protocol_v2_moves_the_adds_to_the_leaders_and_saves_the_extra_round_trips() {
        let v1 = CostParameters {
            add_partitions_requests: 3,
            ..CostParameters::default()
        };
        let v2 = CostParameters {
            protocol: TransactionProtocol::V2,
            ..v1.clone()
        };
        let (r1, r2) = (v1.requests_per_transaction(), v2.requests_per_transaction());
        assert_eq!(
            (r1.add_partitions_to_txn, r1.partitions_added_by_brokers),
            (3, 0)
        );
        assert_eq!(
            (r2.add_partitions_to_txn, r2.partitions_added_by_brokers),
            (0, 16)
        );
        assert_eq!((r1.markers, r2.markers), (16, 16));
        let extra = v1.pause_per_transaction_ms() - v2.pause_per_transaction_ms();
        assert!((extra - 2.0 * 1.5).abs() < 1e-9, "{extra}");
        assert!(v2.transactional_throughput() > v1.transactional_throughput());
    }

    #[test]
    fn read_committed_waits_for_the_commit_and_read_uncommitted_does_not() {
        let model = CostParameters::default();
        let uncommitted = model.end_to_end_latency(false);
        let committed = model.end_to_end_latency(true);
        assert!(committed.mean_ms > uncommitted.mean_ms + 50.0);
        let longer = model.with_commit_interval(1_000.0).end_to_end_latency(true);
        assert!(longer.worst_ms > committed.worst_ms + 899.0);
    }

    #[test]
    fn out_of_range_parameters_give_numbers_not_panics() {
        let wild = CostParameters {
            record_bytes: f64::NAN,
            records_per_second: -5.0,
            round_trip_ms: f64::INFINITY,
            replication_ms: f64::NEG_INFINITY,
            commit_interval_ms: 0.0,
            partitions: 0,
            add_partitions_requests: 40,
            leader_brokers: 0,
            batch_bytes: 0.0,
            max_in_flight: 0,
            protocol: TransactionProtocol::V1,
        };
        let overhead = wild.overhead_against(Pipeline::ACKS_ONE_FIVE_IN_FLIGHT);
        assert!(
            overhead.is_finite() && (0.0..=1.0).contains(&overhead),
            "{overhead}"
        );
        assert!(wild.end_to_end_latency(true).worst_ms.is_finite());
        assert_eq!(wild.requests_per_transaction().add_partitions_to_txn, 1);
    }
}
