//! The network: every request and response is a message in flight until a step delivers, drops,
//! duplicates or delays it. Dropping a produce response is the famous lost ack.
//!
//! Messages are kept in sending order; "deliver" without a choice takes the oldest. Delaying a
//! message sends it to the back, so later messages overtake it (Kafka's TCP connections keep
//! order; a delay here stands for a retry on a new connection overtaking an old one).

use crate::action::TxnResult;
use crate::broker::batch::ProducedBatch;
use crate::config::Acks;
use crate::error_code::ErrorCode;
use crate::ids::{
    BrokerId, ClientId, Offset, ProducerEpoch, ProducerId, TopicPartition, TransactionVersion,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A message's lab-wide number, shown as `#7`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Who sends or receives a message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Client(ClientId),
    Broker(BrokerId),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Client(c) => write!(f, "{c}"),
            Endpoint::Broker(b) => write!(f, "broker {b}"),
        }
    }
}

/// What a message carries. Names follow Kafka's request and response types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    InitProducerIdRequest {
        correlation_id: u64,
    },
    InitProducerIdResponse {
        correlation_id: u64,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
    },
    ProduceRequest {
        correlation_id: u64,
        acks: Acks,
        topic_partition: TopicPartition,
        batch: ProducedBatch,
    },
    ProduceResponse {
        correlation_id: u64,
        topic_partition: TopicPartition,
        /// The base offset written (or, for a duplicate, the original one), or Kafka's error.
        result: Result<Offset, ErrorCode>,
    },
    /// InitProducerId with a `transactional.id`, to the transaction coordinator.
    TxnInitProducerIdRequest {
        correlation_id: u64,
        transactional_id: String,
        transaction_timeout_ms: u64,
        /// The producer id and epoch the client asks to bump (KIP-360); `None` from a new instance.
        bump: Option<(ProducerId, ProducerEpoch)>,
    },
    TxnInitProducerIdResponse {
        correlation_id: u64,
        result: Result<(ProducerId, ProducerEpoch), ErrorCode>,
    },
    AddPartitionsToTxnRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        partitions: Vec<TopicPartition>,
    },
    AddPartitionsToTxnResponse {
        correlation_id: u64,
        result: Result<(), ErrorCode>,
    },
    /// AddOffsetsToTxn: the coordinator adds the group's `__consumer_offsets` partition.
    AddOffsetsToTxnRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        group_id: String,
    },
    AddOffsetsToTxnResponse {
        correlation_id: u64,
        result: Result<(), ErrorCode>,
    },
    EndTxnRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        result: TxnResult,
    },
    /// With transaction protocol V2 a success carries the producer id and the epoch the
    /// coordinator bumped to; with V1 it carries none.
    EndTxnResponse {
        correlation_id: u64,
        result: Result<Option<(ProducerId, ProducerEpoch)>, ErrorCode>,
    },
    /// From the transaction coordinator to one partition leader: one entry of Kafka's
    /// `WriteTxnMarkersRequest`, for the partitions this leader holds.
    WriteTxnMarkersRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        coordinator_epoch: i32,
        /// WriteTxnMarkers v2 (KIP-1228, Kafka 4.2): the leader checks the marker's epoch by it.
        transaction_version: TransactionVersion,
        result: TxnResult,
        partitions: Vec<TopicPartition>,
    },
    WriteTxnMarkersResponse {
        correlation_id: u64,
        transactional_id: String,
        results: Vec<(TopicPartition, Result<Offset, ErrorCode>)>,
    },
}

impl Payload {
    pub fn correlation_id(&self) -> u64 {
        match self {
            Payload::InitProducerIdRequest { correlation_id }
            | Payload::InitProducerIdResponse { correlation_id, .. }
            | Payload::ProduceRequest { correlation_id, .. }
            | Payload::ProduceResponse { correlation_id, .. }
            | Payload::TxnInitProducerIdRequest { correlation_id, .. }
            | Payload::TxnInitProducerIdResponse { correlation_id, .. }
            | Payload::AddPartitionsToTxnRequest { correlation_id, .. }
            | Payload::AddPartitionsToTxnResponse { correlation_id, .. }
            | Payload::AddOffsetsToTxnRequest { correlation_id, .. }
            | Payload::AddOffsetsToTxnResponse { correlation_id, .. }
            | Payload::EndTxnRequest { correlation_id, .. }
            | Payload::EndTxnResponse { correlation_id, .. }
            | Payload::WriteTxnMarkersRequest { correlation_id, .. }
            | Payload::WriteTxnMarkersResponse { correlation_id, .. } => *correlation_id,
        }
    }

    /// The answer a coordinator gives a transactional request it refuses as a whole with
    /// `error` (`NOT_COORDINATOR`, `COORDINATOR_LOAD_IN_PROGRESS`); `None` for other payloads.
    pub fn coordinator_error_answer(&self, error: ErrorCode) -> Option<Payload> {
        let correlation_id = self.correlation_id();
        Some(match self {
            Payload::TxnInitProducerIdRequest { .. } => Payload::TxnInitProducerIdResponse {
                correlation_id,
                result: Err(error),
            },
            Payload::AddPartitionsToTxnRequest { .. } => Payload::AddPartitionsToTxnResponse {
                correlation_id,
                result: Err(error),
            },
            Payload::AddOffsetsToTxnRequest { .. } => Payload::AddOffsetsToTxnResponse {
                correlation_id,
                result: Err(error),
            },
            Payload::EndTxnRequest { .. } => Payload::EndTxnResponse {
                correlation_id,
                result: Err(error),
            },
            _ => return None,
        })
    }

    /// The error an answer carries, if any (the first, for a WriteTxnMarkers answer).
    pub fn error(&self) -> Option<ErrorCode> {
        match self {
            Payload::ProduceResponse { result, .. } => result.err(),
            Payload::TxnInitProducerIdResponse { result, .. } => result.err(),
            Payload::AddPartitionsToTxnResponse { result, .. }
            | Payload::AddOffsetsToTxnResponse { result, .. } => result.err(),
            Payload::EndTxnResponse { result, .. } => result.err(),
            Payload::WriteTxnMarkersResponse { results, .. } => {
                results.iter().find_map(|(_, r)| r.err())
            }
            _ => None,
        }
    }

    /// The transactional id a transaction coordinator request names.
    pub fn transactional_id(&self) -> Option<&str> {
        match self {
            Payload::TxnInitProducerIdRequest {
                transactional_id, ..
            }
            | Payload::AddPartitionsToTxnRequest {
                transactional_id, ..
            }
            | Payload::AddOffsetsToTxnRequest {
                transactional_id, ..
            }
            | Payload::EndTxnRequest {
                transactional_id, ..
            } => Some(transactional_id),
            _ => None,
        }
    }

    /// Kafka's API name of a transaction coordinator request, as the costs count it.
    pub fn api_name(&self) -> &'static str {
        match self {
            Payload::InitProducerIdRequest { .. } | Payload::TxnInitProducerIdRequest { .. } => {
                "InitProducerId"
            }
            Payload::AddPartitionsToTxnRequest { .. } => "AddPartitionsToTxn",
            Payload::AddOffsetsToTxnRequest { .. } => "AddOffsetsToTxn",
            Payload::EndTxnRequest { .. } => "EndTxn",
            _ => "",
        }
    }

    /// Whether this is a produce response: the acknowledgement whose loss is the lost ack.
    pub fn is_acknowledgement(&self) -> bool {
        matches!(self, Payload::ProduceResponse { .. })
    }

    /// A short label such as `Produce request for payments-0 (producer 1, epoch 0, sequence 3)`,
    /// written straight into the sentence that names it.
    pub fn label(&self) -> Label<'_> {
        Label(self)
    }

    /// [`Self::label`] as a string of its own, sized for a label at once (`to_string` would
    /// grow it from empty, copying it several times).
    pub fn label_string(&self) -> String {
        use fmt::Write as _;
        let mut label = String::with_capacity(96);
        let _ = write!(label, "{}", self.label());
        label
    }
}

/// [`Payload::label`]: a payload's short label, as text.
#[derive(Debug)]
pub struct Label<'a>(&'a Payload);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Payload::InitProducerIdRequest { .. } => f.write_str("InitProducerId request"),
            Payload::InitProducerIdResponse {
                producer_id,
                producer_epoch,
                ..
            } => {
                write!(
                    f,
                    "InitProducerId response (producer id {producer_id}, epoch {producer_epoch})"
                )
            }
            Payload::ProduceRequest {
                topic_partition,
                batch,
                ..
            } => {
                if batch.stamp.producer_id.is_none() {
                    write!(f, "Produce request for {topic_partition}")
                } else {
                    write!(
                        f,
                        "Produce request for {topic_partition} (producer {}, epoch {}, sequence {})",
                        batch.stamp.producer_id,
                        batch.stamp.producer_epoch,
                        batch.stamp.base_sequence
                    )
                }
            }
            Payload::ProduceResponse {
                topic_partition,
                result,
                ..
            } => match result {
                Ok(offset) => write!(
                    f,
                    "Produce response for {topic_partition} (offset {offset})"
                ),
                Err(error) => write!(f, "Produce response for {topic_partition} ({error})"),
            },
            Payload::TxnInitProducerIdRequest {
                transactional_id,
                bump: None,
                ..
            } => write!(
                f,
                "InitProducerId request (transactional.id {})",
                shown_id(transactional_id)
            ),
            Payload::TxnInitProducerIdRequest {
                transactional_id,
                bump: Some((producer_id, producer_epoch)),
                ..
            } => write!(
                f,
                "InitProducerId request (transactional.id {}, bump producer {producer_id} epoch {producer_epoch})",
                shown_id(transactional_id)
            ),
            Payload::TxnInitProducerIdResponse { result, .. } => match result {
                Ok((producer_id, producer_epoch)) => write!(
                    f,
                    "InitProducerId response (producer id {producer_id}, epoch {producer_epoch})"
                ),
                Err(error) => write!(f, "InitProducerId response ({error})"),
            },
            Payload::AddPartitionsToTxnRequest { partitions, .. } => {
                write!(f, "AddPartitionsToTxn request ({})", tp_list(partitions))
            }
            Payload::AddPartitionsToTxnResponse { result, .. } => {
                write!(f, "AddPartitionsToTxn response ({})", or_none(*result))
            }
            Payload::AddOffsetsToTxnRequest { group_id, .. } => {
                write!(f, "AddOffsetsToTxn request (group {group_id})")
            }
            Payload::AddOffsetsToTxnResponse { result, .. } => {
                write!(f, "AddOffsetsToTxn response ({})", or_none(*result))
            }
            Payload::EndTxnRequest {
                result,
                producer_epoch,
                ..
            } => write!(
                f,
                "EndTxn request ({}, epoch {producer_epoch})",
                result_name(*result)
            ),
            Payload::EndTxnResponse { result, .. } => match result {
                Ok(Some((producer_id, producer_epoch))) => {
                    write!(
                        f,
                        "EndTxn response (NONE, producer {producer_id} epoch {producer_epoch})"
                    )
                }
                Ok(None) => f.write_str("EndTxn response (NONE)"),
                Err(error) => write!(f, "EndTxn response ({error})"),
            },
            Payload::WriteTxnMarkersRequest {
                result,
                producer_id,
                producer_epoch,
                transaction_version,
                partitions,
                ..
            } => write!(
                f,
                "WriteTxnMarkers request ({} for producer {producer_id}, epoch {producer_epoch}{}: {})",
                result_name(*result),
                if transaction_version.supports_epoch_bump() {
                    ", transaction V2"
                } else {
                    ""
                },
                tp_list(partitions)
            ),
            Payload::WriteTxnMarkersResponse { results, .. } => {
                f.write_str("WriteTxnMarkers response (")?;
                for (i, (tp, result)) in results.iter().enumerate() {
                    let comma = if i == 0 { "" } else { ", " };
                    match result {
                        Ok(offset) => write!(f, "{comma}{tp} at offset {offset}")?,
                        Err(error) => write!(f, "{comma}{tp}: {error}")?,
                    }
                }
                f.write_str(")")
            }
        }
    }
}

fn tp_list(partitions: &[TopicPartition]) -> String {
    let names: Vec<String> = partitions.iter().map(ToString::to_string).collect();
    names.join(", ")
}

fn or_none(result: Result<(), ErrorCode>) -> String {
    result.map_or_else(|e| e.to_string(), |()| "NONE".to_owned())
}

fn result_name(result: TxnResult) -> &'static str {
    match result {
        TxnResult::Commit => "COMMIT",
        TxnResult::Abort => "ABORT",
    }
}

/// One message in flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub from: Endpoint,
    pub to: Endpoint,
    pub sent_at_ms: u64,
    pub payload: Payload,
}

/// Messages in flight, oldest first. At most [`Network::CAPACITY`] at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
    in_flight: Vec<Message>,
    next_id: u64,
}

impl Network {
    /// A bound on messages in flight, so that a runaway duplication cannot exhaust memory.
    pub const CAPACITY: usize = 10_000;

    /// Puts a message on the wire and returns its id, or `None` if the network is full.
    pub fn send(
        &mut self,
        from: Endpoint,
        to: Endpoint,
        sent_at_ms: u64,
        payload: Payload,
    ) -> Option<MessageId> {
        if self.in_flight.len() >= Self::CAPACITY {
            return None;
        }
        self.next_id += 1;
        let id = MessageId(self.next_id);
        self.in_flight.push(Message {
            id,
            from,
            to,
            sent_at_ms,
            payload,
        });
        Some(id)
    }

    pub fn in_flight(&self) -> &[Message] {
        &self.in_flight
    }

    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// The message with `id`, or the oldest one when `id` is `None`.
    pub fn find(&self, id: Option<MessageId>) -> Option<&Message> {
        match id {
            Some(id) => self.in_flight.iter().find(|m| m.id == id),
            None => self.in_flight.first(),
        }
    }

    /// Takes a message off the wire.
    pub fn take(&mut self, id: MessageId) -> Option<Message> {
        let i = self.in_flight.iter().position(|m| m.id == id)?;
        Some(self.in_flight.remove(i))
    }

    /// Moves a message behind every other one.
    pub fn delay(&mut self, id: MessageId) -> bool {
        match self.take(id) {
            Some(m) => {
                self.in_flight.push(m);
                true
            }
            None => false,
        }
    }

    /// Sends a second copy of a message, as a network that retransmits might.
    pub fn duplicate(&mut self, id: MessageId) -> Option<MessageId> {
        let m = self.in_flight.iter().find(|m| m.id == id)?.clone();
        self.send(m.from, m.to, m.sent_at_ms, m.payload)
    }

    /// Removes every message to or from `endpoint` that `keep` rejects.
    pub fn retain(&mut self, mut keep: impl FnMut(&Message) -> bool) {
        self.in_flight.retain(|m| keep(m));
    }
}

/// A transactional id as a label shows it: the empty one (which the coordinator refuses) as
/// `""`, so it is not read as a missing word.
fn shown_id(transactional_id: &str) -> std::borrow::Cow<'_, str> {
    if transactional_id.is_empty() {
        "\"\"".into()
    } else {
        transactional_id.into()
    }
}
