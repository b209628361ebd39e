//! Kafka Streams applications as a configuration: `processing.guarantee` decides which producers
//! an application runs, and so how much it asks of the transaction coordinator (concept 27).
//!
//! - `exactly_once` (EOS v1, removed in Kafka 4.0): one transactional producer per task, with
//!   `transactional.id = <application.id>-<task id>` (`StreamsProducer`), so a task that moves to
//!   another thread or instance fences its zombie through that id.
//! - `exactly_once_v2` (KIP-447): one transactional producer per stream thread, whatever tasks
//!   it runs. A zombie is fenced by the consumer group instead: its TxnOffsetCommit carries a
//!   generation the group has left (`ILLEGAL_GENERATION`).
//!
//! This module only lays the application out as clients the world already has; the world runs
//! one poll-process loop or one commit of a thread on request. One sub-topology: task `0_p` reads
//! partition `p` of the input topic.

use crate::config::{ConsumerConfig, IsolationLevel, ProcessingMode, ProducerConfig};
use crate::ids::ClientId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// `processing.guarantee` with transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingGuarantee {
    /// EOS v1: a producer per task.
    ExactlyOnce,
    /// EOS v2: a producer per thread, fenced through the consumer group.
    ExactlyOnceV2,
}

impl fmt::Display for ProcessingGuarantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProcessingGuarantee::ExactlyOnce => "exactly_once",
            ProcessingGuarantee::ExactlyOnceV2 => "exactly_once_v2",
        })
    }
}

/// How the application hands its input offsets to its transaction: which form of
/// `sendOffsetsToTransaction` its processor calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendOffsetsGroupMetadata {
    /// `sendOffsetsToTransaction(offsets, consumer.groupMetadata())` (KIP-447, what Kafka Streams
    /// does): the TxnOffsetCommit names the member and its generation, and the group
    /// coordinator refuses a member that has left or a generation that has passed.
    #[default]
    ConsumerGroupMetadata,
    /// The deprecated `sendOffsetsToTransaction(offsets, groupId)`: generation -1 and no member
    /// id, which `ClassicGroup.validateOffsetCommit` accepts from anyone. With a producer per
    /// task the `transactional.id` still fences a zombie; with one per thread nothing does.
    GroupIdOnly,
}

/// A Kafka Streams application that reads `input`, transforms each record and writes it to
/// `output`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamsAppConfig {
    /// `application.id`: the consumer group, and the prefix of every transactional id.
    #[serde(rename = "application.id")]
    pub application_id: String,
    #[serde(rename = "processing.guarantee")]
    pub processing_guarantee: ProcessingGuarantee,
    pub input: String,
    pub output: String,
    /// `num.stream.threads`: how many threads (each a consumer of the group) run the tasks.
    #[serde(default = "one", rename = "num.stream.threads")]
    pub num_stream_threads: u32,
    /// The lab's knob for a hand-written processor laid out like Streams: which form of
    /// `sendOffsetsToTransaction` it calls (Kafka Streams itself always sends the group
    /// metadata).
    #[serde(default)]
    pub send_offsets_group_metadata: SendOffsetsGroupMetadata,
}

fn one() -> u32 {
    1
}

/// The most threads one application may have in the lab.
pub const MAX_STREAM_THREADS: u32 = 8;

/// The clients an application runs and which producer writes for which task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamsLayout {
    pub config: StreamsAppConfig,
    /// The stream threads' consumers, in thread order.
    pub threads: Vec<ClientId>,
    /// `exactly_once_v2`: each thread's producer.
    pub thread_producers: BTreeMap<ClientId, ClientId>,
    /// `exactly_once`: each task's producer, by input partition.
    pub task_producers: BTreeMap<u32, ClientId>,
}

impl StreamsLayout {
    /// Lays out an application whose input topic has `input_partitions` partitions.
    pub fn new(config: &StreamsAppConfig, input_partitions: u32) -> Self {
        let app = &config.application_id;
        // StreamThread: threads are named <client.id>-StreamThread-<n>, counted from 1.
        let threads: Vec<ClientId> = (1..=config.num_stream_threads)
            .map(|n| ClientId::new(format!("{app}-StreamThread-{n}")))
            .collect();
        let mut thread_producers = BTreeMap::new();
        let mut task_producers = BTreeMap::new();
        match config.processing_guarantee {
            ProcessingGuarantee::ExactlyOnceV2 => {
                for thread in &threads {
                    thread_producers.insert(
                        thread.clone(),
                        ClientId::new(format!("{}-producer", thread.0)),
                    );
                }
            }
            ProcessingGuarantee::ExactlyOnce => {
                for p in 0..input_partitions {
                    task_producers.insert(p, ClientId::new(format!("{app}-0_{p}-producer")));
                }
            }
        }
        Self {
            config: config.clone(),
            threads,
            thread_producers,
            task_producers,
        }
    }

    /// The consumers of the stream threads: the application's group, read_committed, offsets
    /// committed only through transactions.
    pub fn consumer_configs(&self) -> Vec<ConsumerConfig> {
        self.threads
            .iter()
            .map(|thread| ConsumerConfig {
                group_id: self.config.application_id.clone(),
                topics: vec![self.config.input.clone()],
                isolation_level: IsolationLevel::ReadCommitted,
                processing: ProcessingMode::Transactional,
                ..ConsumerConfig::named(&thread.0, &self.config.input)
            })
            .collect()
    }

    /// The transactional producers with their `transactional.id`s (`StreamsProducer`): per task
    /// `<application.id>-0_<p>`; per thread `<application.id>-<process id>-<n>`, where the lab
    /// writes the process id, a UUID in Kafka, as `p1`.
    pub fn producer_configs(&self) -> Vec<ProducerConfig> {
        let app = &self.config.application_id;
        let with_id = |client: &ClientId, transactional_id: String| ProducerConfig {
            transactional_id: Some(transactional_id),
            ..ProducerConfig::named(&client.0)
        };
        let per_thread = self.threads.iter().enumerate().filter_map(|(i, thread)| {
            let producer = self.thread_producers.get(thread)?;
            Some(with_id(producer, format!("{app}-p1-{}", i + 1)))
        });
        let per_task = self
            .task_producers
            .iter()
            .map(|(p, producer)| with_id(producer, format!("{app}-0_{p}")));
        per_thread.chain(per_task).collect()
    }

    pub fn is_thread(&self, consumer: &ClientId) -> bool {
        self.threads.contains(consumer)
    }

    /// The producer that writes the output of input partition `partition` when `thread` runs
    /// its task.
    pub fn producer_for(&self, thread: &ClientId, partition: u32) -> Option<&ClientId> {
        match self.config.processing_guarantee {
            ProcessingGuarantee::ExactlyOnceV2 => self.thread_producers.get(thread),
            ProcessingGuarantee::ExactlyOnce => self.task_producers.get(&partition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(guarantee: ProcessingGuarantee, threads: u32) -> StreamsAppConfig {
        StreamsAppConfig {
            application_id: "receipts".to_owned(),
            processing_guarantee: guarantee,
            input: "payments".to_owned(),
            output: "receipts-out".to_owned(),
            num_stream_threads: threads,
            send_offsets_group_metadata: SendOffsetsGroupMetadata::default(),
        }
    }

    // StreamsProducer (3.x): EOS-alpha creates one producer per task, EOS-v2 one per thread.
    #[test]
    fn exactly_once_has_a_producer_per_task_and_v2_one_per_thread() {
        let v1 = StreamsLayout::new(&app(ProcessingGuarantee::ExactlyOnce, 1), 4);
        let v2 = StreamsLayout::new(&app(ProcessingGuarantee::ExactlyOnceV2, 1), 4);
        assert_eq!(v1.producer_configs().len(), 4);
        assert_eq!(v2.producer_configs().len(), 1);
        let ids = |l: &StreamsLayout| -> Vec<String> {
            l.producer_configs()
                .into_iter()
                .filter_map(|p| p.transactional_id)
                .collect()
        };
        assert_eq!(
            ids(&v1),
            vec![
                "receipts-0_0",
                "receipts-0_1",
                "receipts-0_2",
                "receipts-0_3"
            ]
        );
        assert_eq!(ids(&v2), vec!["receipts-p1-1"]);
        let thread = ClientId::new("receipts-StreamThread-1");
        assert_eq!(
            v1.producer_for(&thread, 2),
            Some(&ClientId::new("receipts-0_2-producer"))
        );
        assert_eq!(
            v2.producer_for(&thread, 2),
            Some(&ClientId::new("receipts-StreamThread-1-producer"))
        );
    }
}
