//! Hand-made requests the brokers answer within their step (OffsetCommit, OffsetFetch and
//! TxnOffsetCommit at the group coordinator; a Fetch, a WriteTxnMarkers and a DeleteRecords at
//! a partition's leader), kept beside the network. The network holds only messages in flight, and these never travel it, so without
//! this record a reader of the network would not see that they were ever asked or answered.
//! The list is persistent (`imbl`), as every growing part of the world is: a world kept per
//! shown step shares it rather than copying it.

use crate::broker::fetch::FetchResponse;
use crate::config::IsolationLevel;
use crate::error_code::ErrorCode;
use crate::event::{FetchedOffsetAnswer, PartitionOffsetAnswer};
use crate::ids::{Offset, ProducerEpoch, ProducerId, TopicPartition, TransactionVersion};
use crate::network::Endpoint;
use serde::Serialize;

/// One hand-made request and, once given, its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The step that sent the request (counting from 1).
    pub step: u64,
    /// The lab's own client endpoint.
    pub from: Endpoint,
    /// The broker asked: the group coordinator's, or the partition's leader; `None` for a Fetch
    /// of a partition without a leader.
    pub to: Option<Endpoint>,
    pub request: HandMadeRequest,
    /// `None` while the broker holds the request (a Fetch waiting for its `min_bytes`).
    pub answer: Option<Answered>,
}

/// An answer and the step that gave it: the request's own step, or a later one for a held Fetch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answered {
    pub step: u64,
    pub answer: HandMadeAnswer,
}

/// What the request asked, with the fields a reader needs to recognise it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "api", rename_all = "snake_case")]
pub enum HandMadeRequest {
    OffsetCommit {
        group_id: String,
        generation_id: i32,
        member_id: String,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    OffsetFetch {
        group_id: String,
        require_stable: bool,
        partitions: Vec<TopicPartition>,
    },
    TxnOffsetCommit {
        group_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    Fetch {
        topic_partition: TopicPartition,
        fetch_offset: Offset,
        isolation_level: IsolationLevel,
        /// 0 when the request asks the leader to answer at once.
        min_bytes: u32,
    },
    /// A marker written by hand, as the transaction coordinator's would be.
    WriteTxnMarkers {
        topic_partition: TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        transaction_version: TransactionVersion,
        commit: bool,
    },
    /// `kafka-delete-records.sh`: delete below `offset` (-1: below the high watermark).
    DeleteRecords {
        topic_partition: TopicPartition,
        offset: Offset,
    },
}

/// The answer, as the matching `*_answered` event carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "api", rename_all = "snake_case")]
pub enum HandMadeAnswer {
    OffsetCommit {
        error: Option<ErrorCode>,
        committed: Vec<PartitionOffsetAnswer>,
    },
    OffsetFetch {
        partitions: Vec<FetchedOffsetAnswer>,
    },
    TxnOffsetCommit {
        error: Option<ErrorCode>,
    },
    Fetch {
        response: FetchResponse,
        /// The offsets a consumer would hand the application.
        returned: Vec<Offset>,
    },
    /// Where the marker was written, or why not.
    WriteTxnMarkers {
        result: Result<Offset, ErrorCode>,
    },
    DeleteRecords {
        error: Option<ErrorCode>,
        low_watermark: Offset,
    },
}

impl HandMadeRequest {
    /// Kafka's API name.
    pub fn api_name(&self) -> &'static str {
        match self {
            HandMadeRequest::OffsetCommit { .. } => "OffsetCommit",
            HandMadeRequest::OffsetFetch { .. } => "OffsetFetch",
            HandMadeRequest::TxnOffsetCommit { .. } => "TxnOffsetCommit",
            HandMadeRequest::Fetch { .. } => "Fetch",
            HandMadeRequest::WriteTxnMarkers { .. } => "WriteTxnMarkers",
            HandMadeRequest::DeleteRecords { .. } => "DeleteRecords",
        }
    }

    /// A short label such as `OffsetFetch request (group g1, require_stable: payments-0)`.
    pub fn label(&self) -> String {
        let details = match self {
            HandMadeRequest::OffsetCommit {
                group_id,
                generation_id,
                member_id,
                offsets,
            } => {
                let member = if member_id.is_empty() {
                    String::new()
                } else {
                    format!(", member {member_id}")
                };
                format!(
                    "group {group_id}, generation {generation_id}{member}: {}",
                    offsets_list(offsets)
                )
            }
            HandMadeRequest::OffsetFetch {
                group_id,
                require_stable,
                partitions,
            } => format!(
                "group {group_id}{}: {}",
                if *require_stable {
                    ", require_stable"
                } else {
                    ""
                },
                joined(partitions.iter().map(ToString::to_string))
            ),
            HandMadeRequest::TxnOffsetCommit {
                group_id,
                producer_id,
                producer_epoch,
                offsets,
            } => format!(
                "group {group_id}, producer {producer_id} epoch {producer_epoch}: {}",
                offsets_list(offsets)
            ),
            HandMadeRequest::Fetch {
                topic_partition,
                fetch_offset,
                isolation_level,
                min_bytes,
            } => {
                let level = match isolation_level {
                    IsolationLevel::ReadUncommitted => "read_uncommitted",
                    IsolationLevel::ReadCommitted => "read_committed",
                };
                let wait = if *min_bytes > 0 {
                    format!(", MinBytes {min_bytes}")
                } else {
                    String::new()
                };
                format!("{topic_partition} from offset {fetch_offset}, {level}{wait}")
            }
            HandMadeRequest::WriteTxnMarkers {
                topic_partition,
                producer_id,
                producer_epoch,
                coordinator_epoch,
                transaction_version,
                commit,
            } => format!(
                "{} to {topic_partition}, producer {producer_id} epoch {producer_epoch}, coordinator epoch {coordinator_epoch}, transaction version {}",
                if *commit { "COMMIT" } else { "ABORT" },
                match transaction_version {
                    TransactionVersion::V1 => 1,
                    TransactionVersion::V2 => 2,
                }
            ),
            HandMadeRequest::DeleteRecords {
                topic_partition,
                offset,
            } if *offset == Offset(-1) => {
                format!("{topic_partition} below its high watermark")
            }
            HandMadeRequest::DeleteRecords {
                topic_partition,
                offset,
            } => format!("{topic_partition} below offset {offset}"),
        };
        format!("{} request ({details})", self.api_name())
    }
}

impl HandMadeAnswer {
    /// The error the answer carries: the request's, or the first partition's.
    pub fn error(&self) -> Option<ErrorCode> {
        match self {
            HandMadeAnswer::OffsetCommit { error, committed } => {
                error.or_else(|| committed.iter().find_map(|c| c.error))
            }
            HandMadeAnswer::OffsetFetch { partitions } => partitions.iter().find_map(|p| p.error),
            HandMadeAnswer::TxnOffsetCommit { error } => *error,
            HandMadeAnswer::Fetch { response, .. } => response.error,
            HandMadeAnswer::WriteTxnMarkers { result } => result.err(),
            HandMadeAnswer::DeleteRecords { error, .. } => *error,
        }
    }

    /// A short label such as `OffsetFetch response (payments-0: UNSTABLE_OFFSET_COMMIT)`.
    pub fn label(&self) -> String {
        let (api, details) = match self {
            HandMadeAnswer::OffsetCommit {
                error: Some(error), ..
            } => ("OffsetCommit", error.to_string()),
            HandMadeAnswer::OffsetCommit {
                error: None,
                committed,
            } if committed.is_empty() => ("OffsetCommit", "NONE, nothing committed".to_owned()),
            HandMadeAnswer::OffsetCommit {
                error: None,
                committed,
            } => (
                "OffsetCommit",
                joined(committed.iter().map(|c| match c.error {
                    Some(error) => format!("{}: {error}", c.topic_partition),
                    None => format!("{} at {}", c.topic_partition, c.offset),
                })),
            ),
            HandMadeAnswer::OffsetFetch { partitions } => (
                "OffsetFetch",
                joined(partitions.iter().map(|p| match p.error {
                    Some(error) => format!("{}: {error}", p.topic_partition),
                    None if p.committed_offset == Offset(-1) => {
                        format!("{}: none (-1)", p.topic_partition)
                    }
                    None => match p.leader_epoch {
                        Some(epoch) => format!(
                            "{} at {}, leader epoch {epoch}",
                            p.topic_partition, p.committed_offset
                        ),
                        None => format!("{} at {}", p.topic_partition, p.committed_offset),
                    },
                })),
            ),
            HandMadeAnswer::TxnOffsetCommit { error } => (
                "TxnOffsetCommit",
                error.map_or_else(|| "NONE".to_owned(), |e| e.to_string()),
            ),
            HandMadeAnswer::Fetch { response, returned } => (
                "Fetch",
                match response.error {
                    Some(error) => error.to_string(),
                    None => format!(
                        "{}, high watermark {}, last stable offset {}; returns {}",
                        batch_count(response.batches.len()),
                        response.high_watermark,
                        response.last_stable_offset,
                        match returned.as_slice() {
                            [] => "nothing".to_owned(),
                            list => joined(list.iter().map(ToString::to_string)),
                        }
                    ),
                },
            ),
            HandMadeAnswer::WriteTxnMarkers { result } => (
                "WriteTxnMarkers",
                match result {
                    Ok(offset) => format!("NONE, written at offset {offset}"),
                    Err(error) => error.to_string(),
                },
            ),
            HandMadeAnswer::DeleteRecords {
                error,
                low_watermark,
            } => (
                "DeleteRecords",
                match error {
                    Some(error) => error.to_string(),
                    None => format!("NONE, low watermark {low_watermark}"),
                },
            ),
        };
        format!("{api} response ({details})")
    }
}

fn batch_count(count: usize) -> String {
    match count {
        1 => "1 batch".to_owned(),
        n => format!("{n} batches"),
    }
}

fn offsets_list(offsets: &[(TopicPartition, Offset)]) -> String {
    joined(
        offsets
            .iter()
            .map(|(tp, offset)| format!("{tp} at {offset}")),
    )
}

fn joined(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// The world's hand-made exchanges, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exchanges {
    list: imbl::Vector<Exchange>,
}

/// Where an exchange sits in [`Exchanges`], so a held request's answer finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExchangeIndex(usize);

impl Exchanges {
    pub(crate) fn record(&mut self, exchange: Exchange) -> ExchangeIndex {
        self.list.push_back(exchange);
        ExchangeIndex(self.list.len() - 1)
    }

    /// Gives a held request its answer.
    pub(crate) fn answer(&mut self, index: ExchangeIndex, answered: Answered) {
        if let Some(exchange) = self.list.get_mut(index.0) {
            exchange.answer = Some(answered);
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every exchange, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Exchange> + ExactSizeIterator {
        self.list.iter()
    }
}
