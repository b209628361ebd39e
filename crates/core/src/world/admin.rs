//! The operator's and the tester's way in: KIP-664's `kafka-transactions.sh` (list,
//! describe-producers, find-hanging, abort) and coordinator requests built by hand.

use super::*;
use crate::event::joined;
use crate::exchanges::{HandMadeAnswer, HandMadeRequest};

/// How many producers a describe-producers sentence names one by one: a partition that has
/// seen many producer sessions (each restart of a producer without a transactional.id is a new
/// producer id, kept until `producer.id.expiration.ms`) would otherwise make one sentence of
/// dozens of rows.
const DESCRIBED_IN_FULL: usize = 5;

impl World {
    /// Admin `listTransactions` (`TransactionCoordinator.handleListTransactions`).
    pub(super) fn list_transactions(&self, out: &mut Events) {
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
        let explanation = || {
            if transactions.is_empty() {
                return "kafka-transactions.sh list: the transaction coordinator knows no transactional.id."
                    .to_owned();
            }
            let rows = joined(&transactions, "; ", |t, f| {
                write!(
                    f,
                    "{} (producer {}, epoch {}) is {}",
                    t.transactional_id,
                    t.producer_id,
                    t.producer_epoch,
                    t.state.name()
                )
            });
            format!(
                "kafka-transactions.sh list: the transaction coordinator knows {} transactional.id(s): {rows}.",
                transactions.len(),
            )
        };
        let explanation = out.narrated(explanation);
        out.push(EventKind::TransactionsListed { transactions }, explanation);
    }

    /// What the leader of `tp` remembers of each producer (`Partition.activeProducerState`).
    pub(super) fn producers_of(&self, tp: &TopicPartition) -> Vec<DescribedProducer> {
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

    /// Admin `describeProducers` (`KafkaApis.handleDescribeProducersRequest`). Past
    /// [`DESCRIBED_IN_FULL`] producers the sentence names only those in a transaction (the ones
    /// find-hanging and abort are about); the event keeps every row.
    pub(super) fn describe_producers(&self, tp: &TopicPartition, out: &mut Events) {
        let producers = self.producers_of(tp);
        let explanation = || {
            if producers.is_empty() {
                return format!(
                    "kafka-transactions.sh describe-producers on {tp}: the leader remembers no producer."
                );
            }
            let row = |p: &DescribedProducer, f: &mut fmt::Formatter<'_>| {
                write!(
                    f,
                    "producer {} at epoch {}, last sequence {}, ",
                    p.producer_id, p.producer_epoch, p.last_sequence
                )?;
                match p.current_transaction_start_offset {
                    Some(o) => write!(f, "an open transaction since offset {o}"),
                    None => f.write_str("no open transaction"),
                }
            };
            if producers.len() <= DESCRIBED_IN_FULL {
                let rows = joined(&producers, "; ", row);
                return format!(
                    "kafka-transactions.sh describe-producers on {tp}: the leader remembers {rows}."
                );
            }
            let open: Vec<&DescribedProducer> = producers
                .iter()
                .filter(|p| p.current_transaction_start_offset.is_some())
                .collect();
            if open.is_empty() {
                return format!(
                    "kafka-transactions.sh describe-producers on {tp}: the leader remembers {} producers, none with an open transaction.",
                    producers.len()
                );
            }
            let rows = joined(&open, "; ", |p, f| row(p, f));
            let others = match producers.len() - open.len() {
                0 => String::new(),
                1 => " The other one has no open transaction.".to_owned(),
                n => format!(" The other {n} have no open transaction."),
            };
            format!(
                "kafka-transactions.sh describe-producers on {tp}: the leader remembers {} producers. In a transaction: {rows}.{others}",
                producers.len(),
            )
        };
        let explanation = out.narrated(explanation);
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
    pub(super) fn find_hanging_transactions(&self, max_timeout_ms: u64, out: &mut Events) {
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
        let explanation = out.narrated(|| {
            if hanging.is_empty() {
                return format!(
                    "kafka-transactions.sh find-hanging: no open transaction idle for {max_timeout_ms} ms or more lacks a transaction at the coordinator; nothing hangs."
                );
            }
            let rows = joined(&hanging, "; ", |h, f| {
                write!(
                    f,
                    "{}: producer {} (epoch {}) since offset {}, idle {} ms",
                    h.topic_partition, h.producer_id, h.producer_epoch, h.start_offset, h.idle_ms
                )
            });
            format!(
                "kafka-transactions.sh find-hanging: {} open transaction(s) idle for {max_timeout_ms} ms or more that the coordinator does not hold, so nothing will ever end them and each freezes its partition's last stable offset: {rows}. Abort each with abort_transaction_admin.",
                hanging.len(),
            )
        });
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
    pub(super) fn abort_transaction_admin(
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
        // The lab's reading of Kafka 4.2: the admin client's WriteTxnMarkers leaves the
        // transaction version at its default, so the partition applies the version 0/1 epoch rule.
        let result = self.cluster.write_marker(
            tp,
            producer_id,
            producer_epoch,
            coordinator_epoch,
            TransactionVersion::V1,
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

    /// A coordinator request built by hand (`init_producer_id_raw`, `add_partitions_raw`,
    /// `end_txn_raw`), handed to the coordinator as if it had just arrived; its answer is
    /// narrated instead of sent, and any markers it starts go out as usual.
    pub(super) fn coordinator_request_raw(
        &mut self,
        action: &Action,
        out: &mut Events,
    ) -> Result<(), ActionError> {
        let coordinator = self.coordinator.broker();
        let Some((request, transactional_id, addressed)) = raw_coordinator_request(action) else {
            return Ok(());
        };
        let addressed = addressed.unwrap_or(coordinator);
        if !self.cluster.is_alive(addressed) {
            return Err(ActionError::BrokerDown(addressed));
        }
        // TransactionStateManager.getTransactionState: a broker that does not lead the
        // transactional id's `__transaction_state` partition answers NOT_COORDINATOR, one still
        // reading it back COORDINATOR_LOAD_IN_PROGRESS. An empty id is refused before that
        // (INVALID_REQUEST, TransactionCoordinator), so it reaches the coordinator's own checks.
        let refusal = if transactional_id.is_empty() {
            None
        } else if addressed != coordinator {
            Some((
                ErrorCode::NotCoordinator,
                format!(
                    "broker {addressed} is not the transaction coordinator (broker {coordinator} is), so it answers NOT_COORDINATOR; a client would look the coordinator up again (FindCoordinator) and resend"
                ),
            ))
        } else if self.coordinator.is_loading() {
            Some((ErrorCode::CoordinatorLoadInProgress, "the coordinator is still reading __transaction_state back after its restart, so it answers COORDINATOR_LOAD_IN_PROGRESS; a client retries after retry.backoff.ms".to_owned()))
        } else {
            None
        };
        let lab = ClientId::new(LAB_CLIENT);
        out.push_with(
            EventKind::RawCoordinatorRequestSent {
                request: request.to_owned(),
                broker: addressed,
            },
            || format!("The hand-made {request} request for {transactional_id:?} reaches broker {addressed} directly, bypassing the producer client. Its answer travels back to the lab over the network, where it can be delivered, dropped, delayed or duplicated like any other."),
        );
        if let Some((error, why)) = refusal {
            if let Some(payload) = raw_refusal(request, error) {
                out.push_with(
                    EventKind::TxnRequestRefused {
                        transactional_id: transactional_id.to_owned(),
                        request: request.to_owned(),
                        error,
                    },
                    || format!("Broker {addressed} refuses the hand-made {request}: {why}."),
                );
                self.reply(addressed, &lab, payload, out);
            }
            return Ok(());
        }
        let Some((_, outputs)) = self.at_coordinator(|host, now, mut allocate, leader_of| {
            Some(match action {
                Action::InitProducerIdRaw {
                    transactional_id,
                    expected_producer_id,
                    expected_epoch,
                    ..
                } => (
                    "InitProducerId",
                    host.init_producer_id(
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
                    ..
                } => (
                    "AddPartitionsToTxn",
                    host.add_partitions(
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
                    ..
                } => (
                    "AddOffsetsToTxn",
                    host.add_offsets(
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
                    ..
                } => (
                    "EndTxn",
                    host.end_txn(
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
                _ => return None,
            })
        }) else {
            return Ok(());
        };
        self.send_host_outputs(outputs, out);
        Ok(())
    }

    /// An answer reaches the lab's own client endpoint: the answer to a hand-made coordinator
    /// request, reported when it arrives.
    pub(super) fn deliver_to_lab(&mut self, message: Message, out: &mut Events) {
        let id = message.id;
        let label = message.payload.label();
        let (Some(request), Endpoint::Broker(broker)) =
            (raw_answer_request(&message.payload), message.from)
        else {
            out.push_with(
                EventKind::MessageLost { message_id: id },
                || format!("Message {id} ({label}) reaches the lab, which waits for no such answer: it is ignored."),
            );
            return;
        };
        let producer = reply_producer(&message.payload);
        out.push_with(EventKind::MessageDelivered { message_id: id }, || {
            format!("Message {id} ({label}) arrives at the lab.")
        });
        out.push_with(
            EventKind::RawCoordinatorRequestHandled {
                request: request.to_owned(),
                broker,
                error: reply_error(&message.payload),
                producer_id: producer.map(|(id, _)| id),
                producer_epoch: producer.map(|(_, epoch)| epoch),
            },
            || format!("Broker {broker}'s answer to the hand-made {request} request: {label}."),
        );
    }

    /// A hand-made TxnOffsetCommit reaches the group coordinator, as the client's would.
    pub(super) fn txn_offset_commit_raw(
        &mut self,
        group_id: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        offsets: TxnOffsets,
        out: &mut Events,
    ) {
        let lab = ClientId::new(LAB_CLIENT);
        let request = HandMadeRequest::TxnOffsetCommit {
            group_id: group_id.to_owned(),
            producer_id,
            producer_epoch,
            offsets: offsets
                .offsets
                .iter()
                .map(|(tp, offset)| (tp.clone(), *offset))
                .collect(),
        };
        let result = if self.coordinator.transaction_version() == TransactionVersion::V2 {
            self.txn_offset_commit_v2(&lab, producer_id, producer_epoch, offsets, out)
        } else {
            self.stage_txn_offsets(&lab, producer_id, producer_epoch, offsets, out)
        };
        let error = result.err();
        self.record_exchange(
            Some(self.coordinator.broker()),
            request,
            Some(HandMadeAnswer::TxnOffsetCommit { error }),
        );
        out.push_with(
            EventKind::RawCoordinatorRequestHandled { request: "TxnOffsetCommit".to_owned(), broker: self.coordinator.broker(), error, producer_id: None, producer_epoch: None },
            || format!(
                "The hand-made TxnOffsetCommit request goes straight to the group coordinator of {group_id}, bypassing the producer client. It answers {}.",
                error.map_or("NONE".to_owned(), |e| e.to_string())
            ),
        );
    }
}

/// A hand-made transaction coordinator request's API name, transactional id and addressed broker.
fn raw_coordinator_request(action: &Action) -> Option<(&'static str, &str, Option<BrokerId>)> {
    Some(match action {
        Action::InitProducerIdRaw {
            transactional_id,
            broker,
            ..
        } => ("InitProducerId", transactional_id, *broker),
        Action::AddPartitionsRaw {
            transactional_id,
            broker,
            ..
        } => ("AddPartitionsToTxn", transactional_id, *broker),
        Action::AddOffsetsRaw {
            transactional_id,
            broker,
            ..
        } => ("AddOffsetsToTxn", transactional_id, *broker),
        Action::EndTxnRaw {
            transactional_id,
            broker,
            ..
        } => ("EndTxn", transactional_id, *broker),
        _ => return None,
    })
}

/// The answer a broker gives a hand-made coordinator request it refuses as a whole.
fn raw_refusal(request: &str, error: ErrorCode) -> Option<Payload> {
    let correlation_id = 0;
    Some(match request {
        "InitProducerId" => Payload::TxnInitProducerIdResponse {
            correlation_id,
            result: Err(error),
        },
        "AddPartitionsToTxn" => Payload::AddPartitionsToTxnResponse {
            correlation_id,
            result: Err(error),
        },
        "AddOffsetsToTxn" => Payload::AddOffsetsToTxnResponse {
            correlation_id,
            result: Err(error),
        },
        "EndTxn" => Payload::EndTxnResponse {
            correlation_id,
            result: Err(error),
        },
        _ => return None,
    })
}

/// The hand-made request an answer to the lab belongs to.
fn raw_answer_request(payload: &Payload) -> Option<&'static str> {
    match payload {
        Payload::TxnInitProducerIdResponse { .. } => Some("InitProducerId"),
        Payload::AddPartitionsToTxnResponse { .. } => Some("AddPartitionsToTxn"),
        Payload::AddOffsetsToTxnResponse { .. } => Some("AddOffsetsToTxn"),
        Payload::EndTxnResponse { .. } => Some("EndTxn"),
        _ => None,
    }
}
