//! Hand-made requests answered within the step, so one rule can be seen alone: OffsetCommit and
//! OffsetFetch at the group coordinator, a consumer's Fetch at a partition's leader, and
//! `kafka-delete-records.sh` (DeleteRecords) there.

use super::*;
use crate::action::PartitionOffset;
use crate::broker::offsets_log::OFFSET_METADATA_MAX_BYTES;
use crate::clients::consumer::{
    OffsetCommitRefusal, fetch_committed_offset, validate_offset_commit,
};
use crate::event::{FetchedOffsetAnswer, PartitionOffsetAnswer};
use crate::exchanges::{Answered, Exchange, ExchangeIndex, HandMadeAnswer, HandMadeRequest};

/// Kafka's `-1`: no committed offset (`INVALID_OFFSET`), an error answer's offsets, or
/// DeleteRecords' "the high watermark".
const NO_OFFSET: Offset = Offset(-1);

impl World {
    /// Records a hand-made request to broker `to` (`None`: no broker could be asked), answered
    /// within this step unless `answer` is `None` (held), for the network panel and the report.
    pub(super) fn record_exchange(
        &mut self,
        to: Option<BrokerId>,
        request: HandMadeRequest,
        answer: Option<HandMadeAnswer>,
    ) -> ExchangeIndex {
        // `steps_taken` counts the step only once it is applied.
        let step = self.steps_taken + 1;
        self.exchanges.record(Exchange {
            step,
            from: Endpoint::Client(ClientId::new(LAB_CLIENT)),
            to: to.map(Endpoint::Broker),
            request,
            answer: answer.map(|answer| Answered { step, answer }),
        })
    }

    /// Gives a held hand-made request the answer this step gives it.
    pub(super) fn answer_exchange(&mut self, index: ExchangeIndex, answer: HandMadeAnswer) {
        let step = self.steps_taken + 1;
        self.exchanges.answer(index, Answered { step, answer });
    }
}

impl World {
    /// A plain OffsetCommit at the group coordinator (`GroupCoordinatorShard.commitOffset` →
    /// `OffsetMetadataManager.commitOffset`): the group checks, then each offset committed at
    /// once, newer than any pending transactional offset for the same partition.
    pub(super) fn offset_commit_raw(
        &mut self,
        group_id: &str,
        generation_id: i32,
        member_id: &str,
        group_instance_id: Option<&str>,
        offsets: &[PartitionOffset],
        out: &mut Events,
    ) {
        let check = validate_offset_commit(
            self.groups.get(group_id),
            generation_id,
            member_id,
            group_instance_id,
        );
        let member = if member_id.is_empty() {
            "no member id".to_owned()
        } else {
            format!("member {member_id}")
        };
        let request = format!("generation {generation_id}, {member}");
        let exchange = HandMadeRequest::OffsetCommit {
            group_id: group_id.to_owned(),
            generation_id,
            member_id: member_id.to_owned(),
            offsets: offsets
                .iter()
                .map(|o| (o.topic_partition(), Offset(o.offset)))
                .collect(),
        };
        let coordinator = Some(self.coordinator.broker());
        match check {
            Err(refusal) => {
                let error = refusal.error();
                let group = self.groups.get(group_id);
                let why = match &refusal {
                    OffsetCommitRefusal::GroupIdNotFound => format!(
                        "group {group_id} does not exist and the request carries generation {generation_id}; only a commit from outside group management (generation -1) may create a group"
                    ),
                    OffsetCommitRefusal::NoMemberNamed => format!(
                        "the request names no member and carries generation -1, but group {group_id} has members ({}); a plain commit from outside the group is only taken while the group is empty",
                        group
                            .map(|g| g
                                .members
                                .keys()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", "))
                            .unwrap_or_default()
                    ),
                    OffsetCommitRefusal::Member(TxnOffsetCommitRefusal::OtherGeneration {
                        current,
                    }) => format!(
                        "group {group_id} is at generation {current}: the member has not joined the current generation, so the partitions it commits for may belong to another member now"
                    ),
                    OffsetCommitRefusal::Member(
                        TxnOffsetCommitRefusal::InstanceHeldByAnotherMember { holder },
                    ) => format!(
                        "group.instance.id {} belongs to member {holder}, so this sender is an instance the group has replaced",
                        group_instance_id.unwrap_or_default()
                    ),
                    OffsetCommitRefusal::Member(_) => format!(
                        "{member} (group.instance.id {}) is not a member of {group_id}",
                        group_instance_id.unwrap_or("none")
                    ),
                };
                self.record_exchange(
                    coordinator,
                    exchange,
                    Some(HandMadeAnswer::OffsetCommit {
                        error: Some(error),
                        committed: Vec::new(),
                    }),
                );
                out.push_with(
                    EventKind::OffsetCommitAnswered {
                        group_id: group_id.to_owned(),
                        generation_id,
                        error: Some(error),
                        committed: Vec::new(),
                    },
                    || format!(
                        "The hand-made OffsetCommit ({request}) goes straight to the group coordinator of {group_id}: {why}. It answers {error} for every partition and stores nothing."
                    ),
                );
            }
            Ok(creates_group) => {
                let group = self.groups.entry(group_id.to_owned()).or_default();
                let mut answers = Vec::new();
                let mut list = Vec::new();
                let mut too_large = Vec::new();
                for o in offsets {
                    let (tp, offset) = (o.topic_partition(), Offset(o.offset));
                    // OffsetMetadataManager.commitOffset: metadata over offset.metadata.max.bytes
                    // fails its partition alone; the others are written.
                    if is_metadata_too_large(o.metadata.as_deref().unwrap_or_default()) {
                        too_large.push(tp.to_string());
                        answers.push(PartitionOffsetAnswer {
                            topic_partition: tp,
                            offset: NO_OFFSET,
                            error: Some(ErrorCode::OffsetMetadataTooLarge),
                        });
                        continue;
                    }
                    let details = o.details();
                    let at = self.offsets_log.append_commit(
                        group_id,
                        &tp,
                        offset,
                        &details,
                        self.now_ms,
                    );
                    list.push(format!(
                        "{tp} at {offset} (record {at} of {})",
                        offsets_partition()
                    ));
                    group.commit_with(tp.clone(), offset, details);
                    answers.push(PartitionOffsetAnswer {
                        topic_partition: tp,
                        offset,
                        error: None,
                    });
                }
                let refused = if too_large.is_empty() {
                    String::new()
                } else {
                    format!(
                        " It answers OFFSET_METADATA_TOO_LARGE for {}: the metadata is longer than offset.metadata.max.bytes ({OFFSET_METADATA_MAX_BYTES}), so nothing is written for it.",
                        too_large.join(", ")
                    )
                };
                let created = if creates_group {
                    format!(
                        " Group {group_id} did not exist: a commit at generation -1 creates it as a simple group with no member."
                    )
                } else {
                    String::new()
                };
                self.record_exchange(
                    coordinator,
                    exchange,
                    Some(HandMadeAnswer::OffsetCommit {
                        error: None,
                        committed: answers.clone(),
                    }),
                );
                out.push(
                    EventKind::OffsetCommitAnswered {
                        group_id: group_id.to_owned(),
                        generation_id,
                        error: None,
                        committed: answers,
                    },
                    if list.is_empty() {
                        format!(
                            "The hand-made OffsetCommit ({request}) goes straight to the group coordinator of {group_id}.{refused}{created}"
                        )
                    } else {
                        format!(
                            "The hand-made OffsetCommit ({request}) goes straight to the group coordinator of {group_id}, which commits {} at once: a plain commit is not held for any transaction, and being written last it wins over a pending transactional offset for the same partition when that transaction commits.{refused}{created}",
                            list.join(", ")
                        )
                    },
                );
            }
        }
    }

    /// OffsetFetch at the group coordinator (`OffsetMetadataManager.fetchOffsets`).
    pub(super) fn offset_fetch_raw(
        &mut self,
        group_id: &str,
        partitions: &[TopicPartition],
        require_stable: bool,
        out: &mut Events,
    ) {
        let group = self.groups.get(group_id);
        let answers: Vec<FetchedOffsetAnswer> = partitions
            .iter()
            .map(
                |tp| match fetch_committed_offset(group, tp, require_stable) {
                    Ok(committed) => {
                        // OffsetFetch answers the offset with the leader epoch and metadata it
                        // was committed with (`OffsetFetchResponsePartition`).
                        let details = committed
                            .and_then(|_| group.and_then(|g| g.committed_details.get(tp)))
                            .cloned()
                            .unwrap_or_default();
                        FetchedOffsetAnswer {
                            topic_partition: tp.clone(),
                            committed_offset: committed.unwrap_or(NO_OFFSET),
                            error: None,
                            leader_epoch: details.leader_epoch,
                            metadata: (!details.metadata.is_empty()).then_some(details.metadata),
                        }
                    }
                    Err(error) => FetchedOffsetAnswer {
                        topic_partition: tp.clone(),
                        committed_offset: NO_OFFSET,
                        error: Some(error),
                        leader_epoch: None,
                        metadata: None,
                    },
                },
            )
            .collect();
        let rows: Vec<String> = answers
            .iter()
            .map(|a| match a.error {
                Some(error) => format!(
                    "{} {error} (a transactional offset commit for it is still pending; a consumer would wait and ask again)",
                    a.topic_partition
                ),
                None if a.committed_offset == NO_OFFSET => {
                    format!("{} none (-1)", a.topic_partition)
                }
                None => {
                    let mut with = Vec::new();
                    if let Some(epoch) = a.leader_epoch {
                        with.push(format!("leader epoch {epoch}"));
                    }
                    if let Some(metadata) = &a.metadata {
                        with.push(format!("metadata {metadata:?}"));
                    }
                    let with = if with.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", with.join(", "))
                    };
                    format!("{} {}{with}", a.topic_partition, a.committed_offset)
                }
            })
            .collect();
        let pending_hidden = !require_stable
            && partitions
                .iter()
                .any(|tp| group.is_some_and(|g| g.has_pending(tp)));
        let note = if group.is_none() {
            format!(" Group {group_id} does not exist, so nothing is committed for it.")
        } else if pending_hidden {
            " Without require_stable the answer is the last committed offset even where a transactional commit is pending, which may be about to change.".to_owned()
        } else {
            String::new()
        };
        self.record_exchange(
            Some(self.coordinator.broker()),
            HandMadeRequest::OffsetFetch {
                group_id: group_id.to_owned(),
                require_stable,
                partitions: partitions.to_vec(),
            },
            Some(HandMadeAnswer::OffsetFetch {
                partitions: answers.clone(),
            }),
        );
        out.push_with(
            EventKind::OffsetFetchAnswered {
                group_id: group_id.to_owned(),
                require_stable,
                partitions: answers,
            },
            || format!(
                "The hand-made OffsetFetch{} goes straight to the group coordinator of {group_id}, which answers: {}.{note}",
                if require_stable {
                    " (require_stable)"
                } else {
                    ""
                },
                rows.join("; ")
            ),
        );
    }
}

impl World {
    /// A consumer's Fetch at the partition's leader (`ReplicaManager.fetchMessages`), answered
    /// with Kafka's Fetch response and what a consumer would return from it; the answer is
    /// returned too, for the exchange the caller records or completes.
    pub(super) fn fetch_raw(
        &self,
        tp: &TopicPartition,
        fetch_offset: Offset,
        isolation_level: IsolationLevel,
        max_records: Option<u32>,
        out: &mut Events,
    ) -> HandMadeAnswer {
        let answer = self
            .cluster
            .fetch(tp, fetch_offset, isolation_level, max_records);
        let broker = self.cluster.leader_of(tp);
        let aborted = answer
            .response
            .aborted_transactions
            .as_deref()
            .unwrap_or_default();
        let read = read_fetched(
            tp,
            &answer.batches,
            aborted,
            fetch_offset,
            isolation_level,
            usize::MAX,
        );
        let returned: Vec<Offset> = read.records.iter().map(|r| r.offset).collect();
        let level = match isolation_level {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        };
        let response = &answer.response;
        let explanation = match (response.error, broker) {
            (Some(error), Some(broker)) => {
                let log = self
                    .cluster
                    .partition(tp)
                    .and_then(|p| p.leader_replica())
                    .map(|r| (r.log.log_start_offset(), r.log.log_end_offset()));
                let (start, end) = log.unwrap_or((Offset(0), Offset(0)));
                format!(
                    "The hand-made {level} Fetch of {tp} from offset {fetch_offset} goes straight to leader broker {broker}, which answers {error}: a fetch offset must lie between the log start offset, {start}, and the log end offset, {end}. It returns nothing, and every offset in its answer is -1."
                )
            }
            (Some(error), None) => {
                format!("The hand-made Fetch of {tp} finds no leader to answer it: {error}.")
            }
            (None, _) => {
                let batches = match response.batches.as_slice() {
                    [] => "no batch".to_owned(),
                    [one] => format!(
                        "1 batch (offsets {} to {})",
                        one.base_offset, one.last_offset
                    ),
                    [first, .., last] => format!(
                        "{} batches (offsets {} to {})",
                        response.batches.len(),
                        first.base_offset,
                        last.last_offset
                    ),
                };
                let markers = response
                    .batches
                    .iter()
                    .filter(|b| b.control_type.is_some())
                    .count();
                let aborted_list = match &response.aborted_transactions {
                    None => {
                        " Under read_uncommitted the response carries no aborted-transactions list."
                            .to_owned()
                    }
                    Some(list) if list.is_empty() => {
                        " Its aborted-transactions list is empty.".to_owned()
                    }
                    Some(list) => format!(
                        " Its aborted-transactions list names {}: the consumer skips that producer's transactional batches from each first offset until the producer's ABORT marker.",
                        list.iter()
                            .map(|t| format!(
                                "producer {} from offset {}",
                                t.producer_id, t.first_offset
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let bound = match isolation_level {
                    IsolationLevel::ReadUncommitted => {
                        format!("the high watermark, {}", response.high_watermark)
                    }
                    IsolationLevel::ReadCommitted => {
                        format!("the last stable offset, {}", response.last_stable_offset)
                    }
                };
                let given = match returned.as_slice() {
                    [] => "nothing".to_owned(),
                    [one] => format!("offset {one}"),
                    list => format!(
                        "offsets {}",
                        list.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                format!(
                    "The hand-made {level} Fetch of {tp} from offset {fetch_offset} goes straight to leader broker {}, which returns {batches}{} below {bound} (high watermark {}, last stable offset {}, log start {}); the broker filters nothing.{aborted_list} A consumer would hand the application {given}.",
                    broker.map_or_else(|| "?".to_owned(), |b| b.to_string()),
                    if markers > 0 {
                        format!(
                            ", {markers} of them {}",
                            if markers == 1 {
                                "a transaction marker"
                            } else {
                                "transaction markers"
                            }
                        )
                    } else {
                        String::new()
                    },
                    response.high_watermark,
                    response.last_stable_offset,
                    response.log_start_offset,
                )
            }
        };
        let exchange = HandMadeAnswer::Fetch {
            response: answer.response.clone(),
            returned: returned.clone(),
        };
        out.push(
            EventKind::FetchAnswered {
                topic_partition: tp.clone(),
                broker,
                fetch_offset,
                isolation_level,
                max_records,
                response: answer.response,
                returned,
            },
            explanation,
        );
        exchange
    }
}

impl World {
    /// `Admin.deleteRecords` at the partition's leader (`ReplicaManager.deleteRecords`).
    pub(super) fn delete_records(&mut self, tp: &TopicPartition, offset: Offset, out: &mut Events) {
        let before = self
            .cluster
            .partition(tp)
            .and_then(|p| p.leader_replica())
            .map(|r| r.log.log_start_offset());
        let target = if offset == NO_OFFSET {
            "below its high watermark".to_owned()
        } else {
            format!("below offset {offset}")
        };
        let (broker, error, log_start_offset, low_watermark, explanation) = match self
            .cluster
            .delete_records(tp, offset)
        {
            Ok(deleted) => {
                let moved = before.is_some_and(|b| deleted.log_start_offset > b);
                let partition = self.cluster.partition(tp);
                let last_stable = partition.map_or(Offset(0), |p| p.last_stable_offset());
                let what = if moved {
                    format!(
                        "moves its log start offset to {}: records below it can no longer be fetched (a consumer positioned there gets OFFSET_OUT_OF_RANGE and resets by auto.offset.reset), and the last stable offset, now {last_stable}, never falls below it",
                        deleted.log_start_offset
                    )
                } else {
                    format!(
                        "keeps its log start offset at {}: nothing below the requested offset is left to delete",
                        deleted.log_start_offset
                    )
                };
                let followers = if deleted.low_watermark < deleted.log_start_offset {
                    format!(
                        " The low watermark, the smallest log start among live replicas, is {}: followers move theirs on their next fetch.",
                        deleted.low_watermark
                    )
                } else {
                    String::new()
                };
                (
                    Some(deleted.leader),
                    None,
                    deleted.log_start_offset,
                    deleted.low_watermark,
                    format!(
                        "kafka-delete-records.sh asks leader broker {} to delete the records of {tp} {target}. It {what}.{followers}",
                        deleted.leader
                    ),
                )
            }
            Err(error) => {
                let high_watermark = self
                    .cluster
                    .partition(tp)
                    .map_or(Offset(0), |p| p.high_watermark());
                let why = match error {
                    ErrorCode::OffsetOutOfRange => format!(
                        "records may be deleted only below the high watermark, {high_watermark}; offset {offset} is past it"
                    ),
                    _ => format!("{tp} has no leader to ask"),
                };
                (
                    self.cluster.leader_of(tp),
                    Some(error),
                    NO_OFFSET,
                    NO_OFFSET,
                    format!(
                        "kafka-delete-records.sh asks to delete the records of {tp} {target}, and is answered {error}: {why}. Nothing is deleted."
                    ),
                )
            }
        };
        self.record_exchange(
            broker,
            HandMadeRequest::DeleteRecords {
                topic_partition: tp.clone(),
                offset,
            },
            Some(HandMadeAnswer::DeleteRecords {
                error,
                low_watermark,
            }),
        );
        out.push(
            EventKind::RecordsDeleted {
                topic_partition: tp.clone(),
                broker,
                requested_offset: offset,
                error,
                log_start_offset,
                low_watermark,
            },
            explanation,
        );
    }
}
