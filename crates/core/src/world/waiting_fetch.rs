//! A consumer's fetch that waits at the broker for `fetch.min.bytes` (Kafka's `DelayedFetch` in
//! the fetch purgatory): parked by a poll, answered when enough bytes are readable, when
//! `fetch.max.wait.ms` has passed, or at once when a partition changes under it.

use super::*;
use crate::broker::fetch::Readiness;
use crate::clients::consumer::WaitingFetch;
use crate::event::FetchCompletion;
use crate::exchanges::{ExchangeIndex, HandMadeRequest};

/// A hand-made Fetch request as the leader reads it.
#[derive(Clone, Debug)]
pub(crate) struct RawFetch {
    pub topic_partition: TopicPartition,
    pub fetch_offset: Offset,
    pub isolation_level: IsolationLevel,
    pub max_records: Option<u32>,
}

impl RawFetch {
    /// The request as the network panel and the report show it.
    pub(crate) fn exchange_request(&self, min_bytes: u32) -> HandMadeRequest {
        HandMadeRequest::Fetch {
            topic_partition: self.topic_partition.clone(),
            fetch_offset: self.fetch_offset,
            isolation_level: self.isolation_level,
            min_bytes,
        }
    }
}

/// A hand-made Fetch the leader holds for its `min_bytes`.
#[derive(Clone, Debug)]
pub(crate) struct RawWaitingFetch {
    request: RawFetch,
    min_bytes: u32,
    since_ms: u64,
    until_ms: u64,
    leader: Option<BrokerId>,
    /// Its exchange, answered when the leader answers it.
    exchange: ExchangeIndex,
}

/// What a consumer's fetch finds over its partitions now.
enum Found {
    /// Readable bytes summed over the partitions (`DelayedFetch`'s `accumulatedSize`).
    Bytes(u64),
    /// A partition makes the broker answer now, whatever the bytes.
    AtOnce(FetchCompletion, u64),
}

/// One partition's readiness as the waiting fetch counts it.
fn found_in(readiness: Readiness) -> Found {
    match readiness {
        Readiness::Bytes(bytes) => Found::Bytes(bytes),
        Readiness::OtherSegment => Found::AtOnce(FetchCompletion::OtherSegment, 0),
        Readiness::Failed(_) => Found::AtOnce(FetchCompletion::PartitionError, 0),
    }
}

impl World {
    /// Holds a hand-made Fetch whose `min_bytes` are not readable yet, as the leader would
    /// (`ReplicaManager.fetchMessages`; unlike a consumer's, 1 byte counts). Returns whether it
    /// is held.
    pub(super) fn park_raw_fetch(
        &mut self,
        request: &RawFetch,
        min_bytes: u32,
        max_wait_ms: u64,
        out: &mut Events,
    ) -> bool {
        if min_bytes == 0 || max_wait_ms == 0 {
            return false;
        }
        let tp = &request.topic_partition;
        let Found::Bytes(bytes_readable) = found_in(self.cluster.readiness(
            tp,
            request.fetch_offset,
            request.isolation_level,
        )) else {
            return false;
        };
        if bytes_readable >= u64::from(min_bytes) {
            return false;
        }
        let until_ms = self.now_ms.saturating_add(max_wait_ms);
        let fetch_offset = request.fetch_offset;
        let leader = self.cluster.leader_of(tp);
        let exchange = self.record_exchange(leader, request.exchange_request(min_bytes), None);
        self.raw_fetches.push(RawWaitingFetch {
            request: request.clone(),
            min_bytes,
            since_ms: self.now_ms,
            until_ms,
            leader,
            exchange,
        });
        out.push_with(
            EventKind::RawFetchParked {
                topic_partition: tp.clone(),
                fetch_offset,
                min_bytes,
                bytes_readable,
                until_ms,
            },
            || format!("The hand-made Fetch of {tp} from offset {fetch_offset} asks for at least {min_bytes} bytes (MinBytes) and finds {bytes_readable} readable: the leader holds it in its purgatory until enough bytes are readable or MaxWaitMs={max_wait_ms} has passed, at {until_ms} ms at the latest."),
        );
        true
    }

    /// Answers the held hand-made Fetches that can be answered after a step, oldest first.
    fn complete_raw_fetches(&mut self, out: &mut Events) {
        if self.raw_fetches.is_empty() {
            return;
        }
        let now = self.now_ms;
        let held = std::mem::take(&mut self.raw_fetches);
        for fetch in held {
            let tp = &fetch.request.topic_partition;
            let found = if fetch.leader == self.cluster.leader_of(tp) {
                found_in(self.cluster.readiness(
                    tp,
                    fetch.request.fetch_offset,
                    fetch.request.isolation_level,
                ))
            } else {
                Found::AtOnce(FetchCompletion::PartitionError, 0)
            };
            let (reason, bytes_readable) = match found {
                Found::AtOnce(reason, bytes) => (reason, bytes),
                Found::Bytes(bytes) if bytes >= u64::from(fetch.min_bytes) => {
                    (FetchCompletion::EnoughBytes, bytes)
                }
                Found::Bytes(bytes) if now >= fetch.until_ms => (FetchCompletion::MaxWait, bytes),
                Found::Bytes(_) => {
                    self.raw_fetches.push(fetch);
                    continue;
                }
            };
            let answered_at = match reason {
                FetchCompletion::MaxWait => fetch.until_ms,
                _ => now,
            };
            let waited_ms = answered_at.saturating_sub(fetch.since_ms);
            let fetch_offset = fetch.request.fetch_offset;
            out.push_with(
                EventKind::RawFetchCompleted {
                    topic_partition: tp.clone(),
                    fetch_offset,
                    reason,
                    bytes_readable,
                    waited_ms,
                },
                || format!("The leader answers the held hand-made Fetch of {tp} from offset {fetch_offset} after {waited_ms} ms: {}.", completion_words(reason, bytes_readable, fetch.min_bytes, REQUEST_LIMITS)),
            );
            let answer = self.fetch_raw(
                tp,
                fetch_offset,
                fetch.request.isolation_level,
                fetch.request.max_records,
                out,
            );
            self.answer_exchange(fetch.exchange, answer);
        }
    }

    /// What the consumer's fetch finds over its partitions, from the leader each was asked of.
    fn found(&self, consumer: &Consumer) -> Found {
        let mut bytes = 0u64;
        for (tp, from) in &consumer.positions {
            // DelayedFetch case A: the broker holding the fetch is no longer the leader.
            let parked_at = consumer
                .waiting_fetch
                .as_ref()
                .and_then(|w| w.leaders.get(tp));
            if parked_at.is_some_and(|leader| *leader != self.cluster.leader_of(tp)) {
                return Found::AtOnce(FetchCompletion::PartitionError, bytes);
            }
            match found_in(
                self.cluster
                    .readiness(tp, *from, consumer.isolation_level()),
            ) {
                Found::Bytes(more) => bytes = bytes.saturating_add(more),
                Found::AtOnce(reason, _) => return Found::AtOnce(reason, bytes),
            }
        }
        Found::Bytes(bytes)
    }

    /// Parks the poll's fetch when fewer than `fetch.min.bytes` are readable
    /// (`ReplicaManager.fetchMessages`: answered at once when `maxWaitMs <= 0`, when nothing is
    /// asked, on an error, or when `bytesReadable >= minBytes`). Returns whether it parked.
    /// With `fetch.min.bytes` 1 the lab answers at once, even with nothing readable: the
    /// application cannot tell the difference (ARCHITECTURE.md, "Where the lab simplifies").
    pub(super) fn park_fetch(&mut self, consumer_id: &ClientId, out: &mut Events) -> bool {
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return false;
        };
        let min_bytes = consumer.config.fetch_min_bytes;
        let max_wait_ms = consumer.config.fetch_max_wait_ms;
        if !consumer.config.fetch_may_wait() || consumer.positions.is_empty() {
            return false;
        }
        let Found::Bytes(bytes_readable) = self.found(consumer) else {
            return false;
        };
        if bytes_readable >= u64::from(min_bytes) {
            return false;
        }
        let held_by_lso = consumer.isolation_level() == IsolationLevel::ReadCommitted
            && consumer.positions.keys().any(|tp| {
                self.cluster
                    .partition(tp)
                    .is_some_and(|p| p.last_stable_offset() < p.high_watermark())
            });
        let since_ms = self.now_ms;
        let until_ms = since_ms.saturating_add(max_wait_ms);
        let leaders = consumer
            .positions
            .keys()
            .map(|tp| (tp.clone(), self.cluster.leader_of(tp)))
            .collect();
        if let Some(c) = self.consumers.get_mut(consumer_id) {
            c.waiting_fetch = Some(WaitingFetch {
                min_bytes,
                since_ms,
                until_ms,
                leaders,
            });
        }
        out.push_with(
            EventKind::FetchParked {
                consumer: consumer_id.clone(),
                min_bytes,
                bytes_readable,
                until_ms,
            },
            || {
                let lso = if held_by_lso {
                    " (with isolation.level=read_committed only bytes below the last stable offset count, and an open transaction holds the LSO back: its records are not readable yet)"
                } else {
                    ""
                };
                format!("{consumer_id} polls, but its fetch finds {bytes_readable} bytes readable{lso}, fewer than fetch.min.bytes={min_bytes}. The broker does not answer yet: it holds the fetch in its purgatory until enough bytes are readable or fetch.max.wait.ms={max_wait_ms} has passed, at {until_ms} ms at the latest. The poll waits for that answer.")
            },
        );
        true
    }

    /// Answers every waiting fetch that can be answered after a step
    /// (`DelayedFetchPurgatory.checkAndComplete` on an append, a high watermark or LSO move;
    /// `DelayedFetch.onExpiration` after `fetch.max.wait.ms`). The lab checks them all after
    /// every step rather than by partition key.
    pub(super) fn complete_waiting_fetches(&mut self, out: &mut Events) {
        self.complete_raw_fetches(out);
        if !self.consumers.values().any(|c| c.waiting_fetch.is_some()) {
            return;
        }
        let now = self.now_ms;
        let waiting: Vec<ClientId> = self
            .consumers
            .values()
            .filter(|c| c.waiting_fetch.is_some())
            .map(|c| c.id().clone())
            .collect();
        for id in waiting {
            let Some(consumer) = self.consumers.get(&id) else {
                continue;
            };
            let Some(fetch) = consumer.waiting_fetch.clone() else {
                continue;
            };
            let (reason, bytes_readable) = match self.found(consumer) {
                Found::AtOnce(reason, bytes) => (reason, bytes),
                Found::Bytes(bytes) if bytes >= u64::from(fetch.min_bytes) => {
                    (FetchCompletion::EnoughBytes, bytes)
                }
                Found::Bytes(bytes) if now >= fetch.until_ms => (FetchCompletion::MaxWait, bytes),
                Found::Bytes(_) => continue,
            };
            let answered_at = match reason {
                FetchCompletion::MaxWait => fetch.until_ms,
                _ => now,
            };
            let waited_ms = answered_at.saturating_sub(fetch.since_ms);
            let waiting_unstable = consumer
                .assignment
                .iter()
                .any(|tp| !consumer.positions.contains_key(tp));
            if let Some(c) = self.consumers.get_mut(&id) {
                c.waiting_fetch = None;
            }
            out.push_with(
                EventKind::FetchCompleted {
                    consumer: id.clone(),
                    reason,
                    bytes_readable,
                    waited_ms,
                },
                || {
                    format!("The broker answers {id}'s waiting fetch after {waited_ms} ms: {}. Its poll returns.", completion_words(reason, bytes_readable, fetch.min_bytes, CONSUMER_LIMITS))
                },
            );
            self.fetch_into_buffer(&id, waiting_unstable, out);
        }
    }
}

/// The names a consumer's setting and a Fetch request's fields give the two limits.
const CONSUMER_LIMITS: (&str, &str) = ("fetch.min.bytes", "fetch.max.wait.ms");
const REQUEST_LIMITS: (&str, &str) = ("MinBytes", "MaxWaitMs");

/// Why a waiting fetch is answered, in words.
fn completion_words(
    reason: FetchCompletion,
    bytes_readable: u64,
    min_bytes: u32,
    (min_name, wait_name): (&str, &str),
) -> String {
    match reason {
        FetchCompletion::EnoughBytes => format!("{bytes_readable} bytes are now readable, at least {min_name}={min_bytes}"),
        FetchCompletion::MaxWait => format!("{wait_name} has passed with only {bytes_readable} bytes readable ({min_name}={min_bytes}), so the broker answers with what it has, which may be nothing"),
        FetchCompletion::OtherSegment => "the end a partition may be read to moved onto a newer log segment than the fetch offset, or below it, which the broker answers at once".to_owned(),
        FetchCompletion::PartitionError => "a partition can no longer be read where it was asked (its leader changed or is gone, or the offset left the log), which the broker answers at once".to_owned(),
    }
}
