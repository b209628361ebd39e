//! Where transactions meet partitions and groups: the leader's verification (KIP-890 part 1)
//! and implicit add (part 2), and transactional offset commits at the group coordinator.

use super::produce_request::{FIRST_ABORTABLE_ERROR_PRODUCE_VERSION, ProduceTerms};
use super::*;
use crate::broker::offsets_log::OFFSET_METADATA_MAX_BYTES;
use crate::broker::producer_state::Rejection;
use crate::event::DecidedOffset;
use std::collections::BTreeSet;

impl World {
    /// KIP-890 part 1: before a producer's first transactional write to a partition at this
    /// epoch, the leader asks the coordinator whether the partition is in the producer's
    /// transaction (`ReplicaManager.maybeSendPartitionsToTransactionCoordinator`). `Err(error)`
    /// is the refusal the producer gets; `Ok(Some(version))` says a verification ran, under
    /// which transaction version, for the append's sequence check. The question and its answer
    /// are modelled as instant.
    pub(super) fn verify_transaction(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        batch: &ProducedBatch,
        terms: &ProduceTerms<'_>,
        out: &mut Events,
    ) -> Result<Option<TransactionVersion>, ErrorCode> {
        // AddPartitionsToTxnManager.produceRequestVersionToTransactionSupportedOperation: the
        // request's version, not the cluster's, decides whether the leader adds the partition.
        let v2 = terms.adds_partition();
        // With transaction V2 the leader must add the partition itself, whatever the setting.
        if !batch.is_transactional || !(v2 || self.cluster.verifies_transactions()) {
            return Ok(None);
        }
        let Some(partition) = self.cluster.partition(tp) else {
            return Ok(None);
        };
        if partition.leader != Some(broker) {
            return Ok(None);
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
            return Ok(None);
        }
        if v2 {
            let (producer_id, producer_epoch) = (stamp.producer_id, stamp.producer_epoch);
            return match self.add_partition_for_produce(
                broker,
                tp,
                producer_id,
                producer_epoch,
                out,
            ) {
                Some(error) => Err(error),
                None => Ok(Some(TransactionVersion::V2)),
            };
        }
        let pid = stamp.producer_id;
        let epoch = stamp.producer_epoch;
        let coordinator_up = self.cluster.is_alive(self.coordinator.broker());
        // The request's transactional id names the transaction; the lab's own clients (and a
        // hand-made request that leaves it out) are looked up by their producer id.
        let txn = match terms.transactional_id {
            Some(Some(id)) => self
                .coordinator
                .transactions()
                .find(|m| m.transactional_id == id),
            _ => self
                .coordinator
                .transactions()
                .find(|m| m.producer_id == pid),
        };
        // TransactionCoordinator.handleVerifyPartitionsInTransaction, then the broker's mapping
        // for old clients in AddPartitionsToTxnManager.
        let (coordinator_error, error, why) = match txn {
            _ if !coordinator_up => (
                ErrorCode::CoordinatorNotAvailable,
                ErrorCode::NotEnoughReplicas,
                "the coordinator is down".to_owned(),
            ),
            _ if self.coordinator.is_loading() => (
                ErrorCode::CoordinatorLoadInProgress,
                ErrorCode::NotEnoughReplicas,
                "the coordinator is still reading __transaction_state back".to_owned(),
            ),
            None => (
                ErrorCode::InvalidProducerIdMapping,
                ErrorCode::InvalidProducerIdMapping,
                match terms.transactional_id {
                    Some(Some(id)) => format!("it knows no transactional.id `{id}`"),
                    _ => format!("no transactional.id has producer id {pid}"),
                },
            ),
            Some(m) if m.producer_id != pid => (
                ErrorCode::InvalidProducerIdMapping,
                ErrorCode::InvalidProducerIdMapping,
                format!(
                    "{} has producer id {}, not {pid}",
                    m.transactional_id, m.producer_id
                ),
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
            Some(m) if m.topic_partitions.contains(tp) => return Ok(Some(TransactionVersion::V1)),
            Some(m) => (
                ErrorCode::TransactionAbortable,
                terms.abortable_error(),
                format!(
                    "{tp} was never added to {}'s transaction ({})",
                    m.transactional_id,
                    m.state.name()
                ),
            ),
        };
        let tail = if matches!(
            error,
            ErrorCode::InvalidTxnState
                | ErrorCode::TransactionAbortable
                | ErrorCode::InvalidProducerIdMapping
        ) {
            format!(" No transaction is opened on {tp} that the coordinator would never end.")
        } else {
            String::new()
        };
        let passed_on = if coordinator_error == ErrorCode::TransactionAbortable
            && error != coordinator_error
        {
            format!(
                "The leader refuses the write with {error}, what a client sending Produce v{} understands (from v{FIRST_ABORTABLE_ERROR_PRODUCE_VERSION} it gets {coordinator_error} itself)",
                terms.version
            )
        } else {
            format!("The leader refuses the write with {error}")
        };
        out.push_with(
            EventKind::TransactionVerificationFailed {
                topic_partition: tp.clone(),
                broker,
                producer_id: pid,
                coordinator_error,
                error,
            },
            || format!(
                "transaction.partition.verification.enable is on: before appending producer {pid}'s first transactional batch to {tp}, leader broker {broker} asks the transaction coordinator whether {tp} is in that producer's transaction. The coordinator answers {coordinator_error}: {why}. {passed_on}.{tail}"
            ),
        );
        Err(error)
    }

    /// Transaction V2's AddPartitionsToTxn from a broker (`AddPartitionsToTxnManager`, with
    /// `verifyOnly=false`), answered within the step; COORDINATOR_NOT_AVAILABLE if the
    /// coordinator's broker is down.
    fn add_partition_at_coordinator(
        &mut self,
        asked_by: &str,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        tp: &TopicPartition,
        out: &mut Events,
    ) -> Result<(), ErrorCode> {
        if !self.cluster.is_alive(self.coordinator.broker()) {
            return Err(ErrorCode::CoordinatorNotAvailable);
        }
        if self.coordinator.is_loading() {
            return Err(ErrorCode::CoordinatorLoadInProgress);
        }
        self.at_coordinator(|host, now, _, leader_of| {
            host.add_partition_for_producer(
                asked_by,
                producer_id,
                producer_epoch,
                tp.clone(),
                now,
                &leader_of,
                out,
            )
        })
    }

    /// Transaction V2 (KIP-890 part 2, `ReplicaManager.appendRecords` with `ADD_PARTITION`): the
    /// client sent no AddPartitionsToTxn, so before the first transactional batch of this epoch
    /// the leader has the coordinator add the partition, and appends only once it is in. `Some`
    /// is the refusal the producer gets. The request and its answer are modelled as instant.
    pub(super) fn add_partition_for_produce(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        out: &mut Events,
    ) -> Option<ErrorCode> {
        let asked_at = out.0.len();
        let result = self.add_partition_at_coordinator(
            &format!("leader broker {broker}"),
            producer_id,
            producer_epoch,
            tp,
            out,
        );
        // AddPartitionsToTxnManager / ReplicaManager: PRODUCER_FENCED reaches the producer as
        // INVALID_PRODUCER_EPOCH; what Kafka's leader would retry by itself is handed to the
        // producer as a retriable NOT_ENOUGH_REPLICAS here, so the producer retries instead.
        let (error, what) = match result {
            Ok(()) => (None, format!("{tp} is in the transaction now, and the leader goes on to its usual checks of the batch (epoch, sequence) before appending it.")),
            Err(ErrorCode::ProducerFenced) => (
                Some(ErrorCode::InvalidProducerEpoch),
                "the coordinator answers PRODUCER_FENCED, which the leader passes on as INVALID_PRODUCER_EPOCH: this epoch is no longer the transactional.id's.".to_owned(),
            ),
            Err(ErrorCode::CoordinatorNotAvailable) => (
                Some(ErrorCode::NotEnoughReplicas),
                "the coordinator's broker is down. The leader refuses the write with NOT_ENOUGH_REPLICAS, which the producer retries.".to_owned(),
            ),
            Err(ErrorCode::CoordinatorLoadInProgress) => (
                Some(ErrorCode::NotEnoughReplicas),
                "the coordinator is still reading __transaction_state back and answers COORDINATOR_LOAD_IN_PROGRESS. The leader refuses the write with NOT_ENOUGH_REPLICAS, which the producer retries.".to_owned(),
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

    /// `sendOffsetsToTransaction(consumer.position(...), consumer.groupMetadata())`.
    pub(super) fn send_offsets_to_transaction(
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
    pub(super) fn send_offsets(
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
            member_id: consumer_id.0.to_string(),
            group_instance_id: consumer.config.group_instance_id.clone(),
            offsets: positions,
            details: BTreeMap::new(),
        };
        if let Some(p) = self.producers.get_mut(producer) {
            p.send_offsets_to_transaction(offsets, out);
        }
        self.drain(producer, out);
    }

    /// TxnOffsetCommit reaches the group coordinator (`GroupCoordinator.commitTransactionalOffsets`,
    /// `OffsetMetadataManager.commitTransactionalOffset`): the generation is checked (KIP-447), then
    /// the offsets are written with the producer id and kept pending.
    pub(super) fn txn_offset_commit(
        &mut self,
        producer: &ClientId,
        offsets: TxnOffsets,
        out: &mut Events,
    ) {
        let Some((producer_id, producer_epoch)) = self
            .producers
            .get(producer)
            .map(|p| (p.producer_id, p.producer_epoch))
        else {
            return;
        };
        if let Err(error) =
            self.stage_txn_offsets(producer, producer_id, producer_epoch, offsets, out)
            && let Some(p) = self.producers.get_mut(producer)
        {
            p.on_txn_offset_commit(error, out);
        }
    }

    /// Transaction V2's TxnOffsetCommit, sent without AddOffsetsToTxn: the group coordinator first
    /// has the transaction coordinator add the group's offsets partition to the transaction
    /// (`CoordinatorRuntime.scheduleTransactionalWriteOperation`, `ADD_PARTITION`), then checks and
    /// stages the offsets as with V1.
    pub(super) fn txn_offset_commit_v2(
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
        let added = self.add_partition_at_coordinator(
            &format!("the group coordinator of {group_id}"),
            producer_id,
            producer_epoch,
            &tp,
            out,
        );
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
        self.stage_txn_offsets(producer, producer_id, producer_epoch, offsets, out)
    }

    /// The group coordinator's part of TxnOffsetCommit: the group metadata checked (KIP-447),
    /// then the offsets written with the producer id and kept pending.
    pub(super) fn stage_txn_offsets(
        &mut self,
        producer: &ClientId,
        producer_id: ProducerId,
        producer_epoch: ProducerEpoch,
        offsets: TxnOffsets,
        out: &mut Events,
    ) -> Result<(), ErrorCode> {
        let group_id = offsets.group_id.clone();
        // OffsetMetadataManager.validateTransactionalOffsetCommit with ClassicGroup.validateOffsetCommit.
        let check = validate_txn_offset_commit(
            self.groups.get(&group_id),
            offsets.generation_id,
            &offsets.member_id,
            offsets.group_instance_id.as_deref(),
        );
        let request = describe_group_metadata(&offsets);
        let accepted = match check {
            Ok(accepted) => accepted,
            Err(refusal) => {
                let error = refusal.error();
                let explanation = match refusal {
                    TxnOffsetCommitRefusal::OtherGeneration { current } => format!(
                        "{producer} sends TxnOffsetCommit to the group coordinator of {group_id} with generation {}, but the group is at generation {current}: {error}. The group has rebalanced since the offsets were taken, so this processor may no longer own those partitions (KIP-447 fences zombies through the group).",
                        offsets.generation_id
                    ),
                    _ => {
                        let why = refusal_reason(&refusal, &offsets, self.groups.get(&group_id));
                        format!(
                            "{producer} sends TxnOffsetCommit to the group coordinator of {group_id} ({request}): {why} The group coordinator answers {error} and keeps none of the offsets."
                        )
                    }
                };
                out.push(
                    EventKind::TxnOffsetCommitRefused {
                        producer: producer.clone(),
                        group_id: group_id.clone(),
                        error,
                    },
                    explanation,
                );
                return Err(error);
            }
        };
        // OffsetMetadataManager.commitTransactionalOffset: metadata over offset.metadata.max.bytes
        // fails its partition (OFFSET_METADATA_TOO_LARGE), which TxnOffsetCommitHandler takes as
        // an unexpected error: fatal for the producer. The other partitions are still written.
        let too_large: BTreeSet<&TopicPartition> = offsets
            .details
            .iter()
            .filter(|(_, d)| is_metadata_too_large(&d.metadata))
            .map(|(tp, _)| tp)
            .collect();
        let mut why_accepted = Some(match accepted {
            TxnOffsetCommitAccepted::SimpleGroupCreated => format!(
                "Group {group_id} does not exist and the request carries generation -1, a commit from outside group management, so the group coordinator creates {group_id} as a simple group with no member to hold the offsets. "
            ),
            TxnOffsetCommitAccepted::EmptyGroup => format!(
                "Generation -1 and group {group_id} has no member: a commit from outside group management is accepted. "
            ),
            TxnOffsetCommitAccepted::NoMemberNamed => format!(
                "The request names no member and carries generation -1, which a transactional commit may do, so group {group_id}'s members are not checked. "
            ),
            TxnOffsetCommitAccepted::MemberOfThisGeneration => String::new(),
        });
        if let Err(rejection) = self
            .offsets_log
            .check_txn_commit_epoch(producer_id, producer_epoch)
        {
            let error = rejection.error_code();
            out.push_with(
                EventKind::TxnOffsetCommitRefused {
                    producer: producer.clone(),
                    group_id: group_id.clone(),
                    error,
                },
                || format!("{producer} sends TxnOffsetCommit to the group coordinator of {group_id}: the group accepts it, but writing its records to __consumer_offsets-0 fails: {rejection}. The group coordinator answers {error} and keeps none of the offsets."),
            );
            return Err(error);
        }
        let written: BTreeMap<TopicPartition, Offset> = offsets
            .offsets
            .iter()
            .filter(|(tp, _)| !too_large.contains(tp))
            .map(|(tp, offset)| (tp.clone(), *offset))
            .collect();
        let group = self.groups.entry(group_id.clone()).or_default();
        group.stage_txn_offsets(producer_id, &written, &offsets.details);
        for (tp, offset) in &written {
            let details = offsets.details.get(tp).cloned().unwrap_or_default();
            self.offsets_log.append_txn_commit(
                &group_id,
                tp,
                *offset,
                &details,
                producer_id,
                producer_epoch,
                self.now_ms,
            );
            out.push_with(
                EventKind::TxnOffsetCommitPending { producer: producer.clone(), group_id: group_id.clone(), producer_id, topic_partition: tp.clone(), offset: *offset },
                || format!("{}{producer} sends TxnOffsetCommit to the group coordinator: group {group_id} writes offset {offset} for {tp} with producer id {producer_id} to __consumer_offsets, but keeps it PENDING (OffsetMetadataManager.pendingTransactionalOffsets). The committed offset does not move until the transaction's marker arrives.", why_accepted.take().unwrap_or_default()),
            );
        }
        if !too_large.is_empty() {
            let error = ErrorCode::OffsetMetadataTooLarge;
            out.push_with(
                EventKind::TxnOffsetCommitRefused {
                    producer: producer.clone(),
                    group_id: group_id.clone(),
                    error,
                },
                || format!("The group coordinator of {group_id} answers {error} for {}: the metadata given with the offset is longer than offset.metadata.max.bytes ({OFFSET_METADATA_MAX_BYTES}), so nothing is written for it. The producer client treats this answer as an unexpected error, which is fatal.", too_large.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
            );
            return Err(error);
        }
        Ok(())
    }

    /// The transaction's marker reaches `__consumer_offsets-0`: written there as into any
    /// partition, then replayed by the group coordinator (`OffsetMetadataManager
    /// .replayEndTransactionMarker`), which commits or discards the producer's pending offsets.
    pub(super) fn group_marker(
        &mut self,
        transactional_id: &str,
        marker: &OffsetsMarker,
        out: &mut Events,
    ) -> Result<Offset, ErrorCode> {
        let tp = offsets_partition();
        let name = marker.name();
        let producer_id = marker.producer_id;
        let (marker_offset, decided) = match self.write_offsets_marker(marker) {
            Ok(written) => written,
            Err(rejection) => {
                let error = rejection.error_code();
                out.push_with(
                    EventKind::BatchRejected { topic_partition: tp.clone(), broker: self.coordinator.broker(), error },
                    || format!("The group coordinator's {tp} refuses the {name} marker for {transactional_id} with {error}: {rejection}. The producer's pending offsets stay pending."),
                );
                return Err(error);
            }
        };
        for d in &decided {
            let offset_tp = &d.topic_partition;
            let offset = d.offset;
            let kept = self
                .groups
                .get(&d.group_id)
                .and_then(|g| g.committed.get(offset_tp))
                .map_or_else(|| "none yet".to_owned(), ToString::to_string);
            let what = match (marker.commit, d.applied) {
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
            out.push_with(
                EventKind::TxnOffsetCompleted { group_id: d.group_id.clone(), producer_id, commit: marker.commit, topic_partition: offset_tp.clone(), offset, applied: d.applied },
                || format!("The {name} marker for {transactional_id} is written at offset {marker_offset} of {tp}, and the group coordinator replays it: in group {}, {what}.", d.group_id),
            );
        }
        if decided.is_empty() {
            out.push_with(
                EventKind::MarkerAcknowledged { transactional_id: transactional_id.to_owned(), topic_partition: tp.clone() },
                || format!("The {name} marker for {transactional_id} is written at offset {marker_offset} of {tp}; the group coordinator has no pending offsets from producer {producer_id}, so nothing changes."),
            );
        }
        Ok(marker_offset)
    }

    /// A hand-made WriteTxnMarkers for `__consumer_offsets-0`, answered with one event.
    /// Returns where the marker was written, or the error it was refused with.
    pub(super) fn offsets_marker_raw(
        &mut self,
        marker: &OffsetsMarker,
        out: &mut Events,
    ) -> Result<Offset, ErrorCode> {
        let tp = offsets_partition();
        let name = marker.name();
        let (producer_id, producer_epoch) = (marker.producer_id, marker.producer_epoch);
        let (result, decided, explanation) = match self.write_offsets_marker(marker) {
            Ok((at, decided)) => {
                let rows: Vec<String> = decided
                    .iter()
                    .map(|d| {
                        let fate = match (marker.commit, d.applied) {
                            (true, true) => "committed",
                            (true, false) => "dropped for a newer plain commit",
                            _ => "discarded",
                        };
                        format!(
                            "in group {} offset {} for {} is {fate}",
                            d.group_id, d.offset, d.topic_partition
                        )
                    })
                    .collect();
                let what = if rows.is_empty() {
                    format!(
                        "producer {producer_id} has no pending offset there, so no group changes"
                    )
                } else {
                    format!("the group coordinator replays it, and {}", rows.join("; "))
                };
                (
                    Ok(at),
                    decided,
                    format!(
                        "The hand-made {name} marker (producer {producer_id}, epoch {producer_epoch}) is written at offset {at} of {tp}: {what}."
                    ),
                )
            }
            Err(rejection) => {
                let error = rejection.error_code();
                (
                    Err(error),
                    Vec::new(),
                    format!(
                        "{tp} refuses the hand-made {name} marker with {error}: {rejection}. Nothing is written, and pending offsets stay pending."
                    ),
                )
            }
        };
        out.push(
            EventKind::OffsetsMarkerAnswered {
                producer_id,
                commit: marker.commit,
                result,
                decided,
            },
            explanation,
        );
        result
    }

    /// Appends the marker to `__consumer_offsets-0` and replays it into every group: the
    /// marker's offset and what it decided.
    fn write_offsets_marker(
        &mut self,
        marker: &OffsetsMarker,
    ) -> Result<(Offset, Vec<DecidedOffset>), Rejection> {
        let at = self.offsets_log.append_marker(
            marker.producer_id,
            marker.producer_epoch,
            marker.coordinator_epoch,
            marker.transaction_version,
            marker.commit,
            self.now_ms,
        )?;
        let mut decided = Vec::new();
        for (group_id, group) in &mut self.groups {
            for (topic_partition, offset, applied) in
                group.end_transaction(marker.producer_id, marker.commit)
            {
                decided.push(DecidedOffset {
                    group_id: group_id.clone(),
                    topic_partition,
                    offset,
                    applied,
                });
            }
        }
        Ok((at, decided))
    }
}

/// A transaction marker for `__consumer_offsets-0`, as WriteTxnMarkers carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OffsetsMarker {
    pub producer_id: ProducerId,
    pub producer_epoch: ProducerEpoch,
    pub coordinator_epoch: i32,
    pub transaction_version: TransactionVersion,
    pub commit: bool,
}

impl OffsetsMarker {
    fn name(&self) -> &'static str {
        if self.commit { "COMMIT" } else { "ABORT" }
    }
}

/// The group metadata a TxnOffsetCommit carries, in words.
fn describe_group_metadata(offsets: &TxnOffsets) -> String {
    let member = if offsets.member_id.is_empty() {
        "no member id".to_owned()
    } else {
        format!("member {}", offsets.member_id)
    };
    let instance = offsets
        .group_instance_id
        .as_ref()
        .map(|i| format!(", group.instance.id {i}"))
        .unwrap_or_default();
    format!("generation {}, {member}{instance}", offsets.generation_id)
}

/// Why the group coordinator refused, from the refusal and the group as it is.
fn refusal_reason(
    refusal: &TxnOffsetCommitRefusal,
    offsets: &TxnOffsets,
    group: Option<&Group>,
) -> String {
    let group_id = &offsets.group_id;
    let generation = offsets.generation_id;
    match refusal {
        TxnOffsetCommitRefusal::UnknownGroup => format!(
            "group {group_id} does not exist, yet the request carries generation {generation}, which only a member of an existing group can have. Only generation -1 (no group management) may create a group by committing."
        ),
        TxnOffsetCommitRefusal::UnknownInstance => format!(
            "no static member of {group_id} has group.instance.id {}.",
            offsets.group_instance_id.as_deref().unwrap_or_default()
        ),
        TxnOffsetCommitRefusal::InstanceHeldByAnotherMember { holder } => format!(
            "group.instance.id {} belongs to member {holder} in {group_id}, not to {}. A static member keeps its instance id across restarts under a new member id, so a request pairing that instance id with another member id comes from an instance the group has replaced, and it is fenced.",
            offsets.group_instance_id.as_deref().unwrap_or_default(),
            if offsets.member_id.is_empty() {
                "a sender with no member id"
            } else {
                &offsets.member_id
            }
        ),
        TxnOffsetCommitRefusal::UnknownMember => {
            let members: Vec<String> = group
                .map(|g| g.members.keys().map(ToString::to_string).collect())
                .unwrap_or_default();
            let who = if offsets.member_id.is_empty() {
                "the request names no member".to_owned()
            } else {
                format!("{} is not a member of {group_id}", offsets.member_id)
            };
            let listed = if members.is_empty() {
                "the group has no member now".to_owned()
            } else {
                format!("its members are {}", members.join(", "))
            };
            format!(
                "{who} ({listed}). A generation other than -1 is only accepted from a member of the group, so a processor that left the group cannot commit offsets for partitions it may no longer own."
            )
        }
        TxnOffsetCommitRefusal::OtherGeneration { current } => {
            format!("the group is at generation {current}.")
        }
    }
}
