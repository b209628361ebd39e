//! The consumer's API beyond poll, process and commit (`KafkaConsumer`): seeks, the reads a
//! program makes of its own state (`position`, `committed`, `offsetsForTimes`,
//! `groupMetadata`), consumers started and closed during a run, manual assignment, and
//! `max.poll.interval.ms`.

use super::*;

/// Kafka's `JoinGroupRequest.UNKNOWN_GENERATION_ID`: the generation outside group management.
pub(super) const NO_GENERATION: i32 = -1;

impl World {
    /// Kafka's IllegalStateException for an API call on a partition the consumer is not assigned.
    pub(super) fn assigned(
        &self,
        consumer: &ClientId,
        partitions: &[TopicPartition],
        method: &str,
    ) -> Result<(), ActionError> {
        let assignment = self
            .consumers
            .get(consumer)
            .map(|c| c.assignment.as_slice())
            .unwrap_or_default();
        match partitions.iter().find(|tp| !assignment.contains(tp)) {
            Some(tp) => Err(ActionError::InvalidRequest(format!(
                "{method} is refused: IllegalStateException: No current assignment for partition {tp} (consumer `{consumer}` holds {})",
                if assignment.is_empty() {
                    "none".to_owned()
                } else {
                    assignment
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ))),
            None => Ok(()),
        }
    }

    /// `consumer.assign(partitions)`: the partitions are the consumer's without a rebalance; it
    /// starts from the group's committed offsets (asked again at each poll while a transactional
    /// commit keeps one unknown).
    pub(super) fn assign_manually(&mut self, consumer: &ClientId) {
        let now = self.now_ms;
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        let starts: Vec<(TopicPartition, Option<Offset>)> = c
            .config
            .assign
            .iter()
            .filter(|tp| !c.positions.contains_key(*tp))
            .map(|tp| (tp.clone(), self.start_offset(c, tp)))
            .collect();
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.assignment = c.config.assign.clone();
            c.positions.retain(|tp, _| c.config.assign.contains(tp));
            for (tp, start) in starts {
                if let Some(start) = start {
                    c.positions.insert(tp, start);
                }
            }
            c.in_group = false;
            c.last_poll_ms = now;
        }
    }

    /// `consumer.assign(partitions)` during the run (`KafkaConsumer.assign`): partitions kept
    /// keep their positions, new ones start from the group's committed offsets or
    /// `auto.offset.reset`, and dropped ones are forgotten; no group hears of it.
    pub(super) fn assign(
        &mut self,
        consumer: &ClientId,
        partitions: &[TopicPartition],
        out: &mut Events,
    ) {
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let before = std::mem::replace(&mut c.config.assign, dedup(partitions));
        self.assign_manually(consumer);
        let listed = |tps: &[TopicPartition]| {
            if tps.is_empty() {
                "no partition".to_owned()
            } else {
                tps.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        let positions: Vec<String> = c
            .assignment
            .iter()
            .map(|tp| match c.positions.get(tp) {
                Some(offset) => format!("{tp} at {offset}"),
                None => format!("{tp} once the pending transactional commit is decided"),
            })
            .collect();
        out.push_with(
            EventKind::ConsumerAssigned {
                consumer: consumer.clone(),
                partitions: c.assignment.clone(),
            },
            || format!(
                "{consumer} calls assign: it now reads {} (it read {} before). No group is told and nobody rebalances: assigning by hand is the application's own business.{}",
                listed(&c.assignment),
                listed(&before),
                if positions.is_empty() {
                    String::new()
                } else {
                    format!(" It reads from {}.", positions.join(", "))
                }
            ),
        );
    }

    /// What `consumer.groupMetadata()` returns: the generation and member id it holds, or
    /// generation -1 and no member id outside the group (`ConsumerGroupMetadata`,
    /// `AbstractCoordinator.Generation.NO_GENERATION`). The lab's member id is the consumer's id.
    pub fn group_metadata_of(&self, consumer: &Consumer) -> (i32, String) {
        match self.groups.get(&consumer.config.group_id) {
            Some(group) if consumer.in_group && group.members.contains_key(consumer.id()) => {
                (group.generation_id, consumer.id().0.to_string())
            }
            _ => (NO_GENERATION, String::new()),
        }
    }

    /// ListOffsets EARLIEST or LATEST for the consumer's isolation level: the log start, or the
    /// last stable offset under read_committed and the high watermark under read_uncommitted
    /// (`Partition.fetchOffsetForTimestamp`).
    pub(super) fn list_offset(
        &self,
        tp: &TopicPartition,
        target: SeekTarget,
        isolation: IsolationLevel,
    ) -> Option<Offset> {
        let partition = self.cluster.partition(tp)?;
        let leader = partition.leader_replica()?;
        Some(match (target, isolation) {
            (SeekTarget::Beginning, _) => leader.log.log_start_offset(),
            (_, IsolationLevel::ReadCommitted) => partition.last_stable_offset(),
            (_, IsolationLevel::ReadUncommitted) => partition.high_watermark(),
        })
    }

    pub(super) fn seek(
        &mut self,
        consumer: &ClientId,
        tp: &TopicPartition,
        offset: Offset,
        out: &mut Events,
    ) {
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let before = c.positions.insert(tp.clone(), offset);
        let from = before.map_or_else(
            || "an unknown position".to_owned(),
            |b| format!("position {b}"),
        );
        out.push_with(
            EventKind::ConsumerSeeked { consumer: consumer.clone(), topic_partition: tp.clone(), offset, to: SeekTarget::Offset },
            || format!("{consumer} seeks {tp} from {from} to offset {offset}: its next poll fetches from there. Nothing is committed: the group still resumes from its committed offset after a restart. Records it already polled stay in its hands."),
        );
    }

    /// `seekToBeginning` / `seekToEnd`, resolved at once through ListOffsets (Kafka resolves it
    /// at the next poll or `position`; nothing can happen in between within one step).
    pub(super) fn seek_to(
        &mut self,
        consumer: &ClientId,
        partitions: &[TopicPartition],
        target: SeekTarget,
        out: &mut Events,
    ) {
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        let isolation = c.isolation_level();
        let partitions = if partitions.is_empty() {
            c.assignment.clone()
        } else {
            partitions.to_vec()
        };
        for tp in partitions {
            let Some(offset) = self.list_offset(&tp, target, isolation) else {
                out.push_with(
                    EventKind::FetchFailed { consumer: consumer.clone(), topic_partition: tp.clone(), error: ErrorCode::NotLeaderOrFollower },
                    || format!("{consumer} cannot seek {tp}: the partition has no leader to answer its ListOffsets request. Its position stays where it was."),
                );
                continue;
            };
            if let Some(c) = self.consumers.get_mut(consumer) {
                c.positions.insert(tp.clone(), offset);
            }
            let why = match (target, isolation) {
                (SeekTarget::Beginning, _) => "the log start offset".to_owned(),
                (_, IsolationLevel::ReadCommitted) => "the last stable offset (LSO): with read_committed, ListOffsets answers the end a read_committed fetch may reach, not the high watermark".to_owned(),
                (_, IsolationLevel::ReadUncommitted) => "the high watermark: with read_uncommitted, ListOffsets answers the end of what is replicated".to_owned(),
            };
            out.push_with(
                EventKind::ConsumerSeeked {
                    consumer: consumer.clone(),
                    topic_partition: tp.clone(),
                    offset,
                    to: target,
                },
                || {
                    format!(
                        "{consumer} seeks {tp} to {}: offset {offset}, {why}.",
                        match target {
                            SeekTarget::Beginning => "the beginning",
                            _ => "the end",
                        }
                    )
                },
            );
        }
    }

    pub(super) fn position(&mut self, consumer: &ClientId, tp: &TopicPartition, out: &mut Events) {
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        let known = c.positions.get(tp).copied();
        // Without a position, position() asks the group first, as poll does
        // (`ConsumerCoordinator.refreshCommittedOffsetsIfNeeded`).
        let resolved = known.or_else(|| self.start_offset(c, tp));
        if known.is_none()
            && let (Some(offset), Some(c)) = (resolved, self.consumers.get_mut(consumer))
        {
            c.positions.insert(tp.clone(), offset);
        }
        match resolved {
            Some(offset) => out.push_with(
                EventKind::PositionRead { consumer: consumer.clone(), topic_partition: tp.clone(), offset: Some(offset), error: None },
                || format!("{consumer}'s position on {tp} is {offset}: the offset of the next record its poll will fetch{}.", if known.is_none() { ", just asked of the group coordinator" } else { "" }),
            ),
            None => out.push_with(
                EventKind::PositionRead { consumer: consumer.clone(), topic_partition: tp.clone(), offset: None, error: Some(ErrorCode::UnstableOffsetCommit) },
                || format!("{consumer} cannot learn its position on {tp}: the group coordinator answers UNSTABLE_OFFSET_COMMIT while a transactional offset commit for it is pending, and position() keeps asking until its timeout (a TimeoutException in Kafka)."),
            ),
        }
    }

    /// `committed()`: OffsetFetch with `require_stable` (always set by `ConsumerCoordinator`).
    pub(super) fn committed(&mut self, consumer: &ClientId, tp: &TopicPartition, out: &mut Events) {
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        let group_id = c.config.group_id.clone();
        let group = self.groups.get(&group_id);
        let (offset, error, explanation) = if group.is_some_and(|g| g.has_pending(tp)) {
            (
                None,
                Some(ErrorCode::UnstableOffsetCommit),
                format!(
                    "{consumer} asks group {group_id} for its committed offset of {tp} and is answered UNSTABLE_OFFSET_COMMIT: a transactional offset commit for it waits for its transaction's marker, and committed() keeps asking until its timeout."
                ),
            )
        } else {
            match group.and_then(|g| g.committed.get(tp)) {
                Some(o) => (
                    Some(*o),
                    None,
                    format!(
                        "Group {group_id}'s committed offset of {tp} is {o}: where a consumer of the group starts after a restart or a rebalance."
                    ),
                ),
                None => (
                    None,
                    None,
                    format!(
                        "Group {group_id} has no committed offset for {tp}: committed() returns null, and a consumer starting there follows auto.offset.reset."
                    ),
                ),
            }
        };
        out.push(
            EventKind::CommittedRead {
                consumer: consumer.clone(),
                topic_partition: tp.clone(),
                offset,
                error,
            },
            explanation,
        );
    }

    /// `offsetsForTimes()`: ListOffsets with a timestamp. The lab's records carry the time their
    /// leader appended them; the first batch at or after the time answers, but only below the
    /// bound of the consumer's isolation level (`Partition.fetchOffsetForTimestamp`).
    pub(super) fn offsets_for_times(
        &mut self,
        consumer: &ClientId,
        tp: &TopicPartition,
        timestamp_ms: u64,
        out: &mut Events,
    ) {
        let Some(isolation) = self.consumers.get(consumer).map(Consumer::isolation_level) else {
            return;
        };
        let bound = self.list_offset(tp, SeekTarget::End, isolation);
        let found = self
            .cluster
            .partition(tp)
            .and_then(|p| p.leader_replica())
            .and_then(|r| {
                // LogSegment.findOffsetByTimestamp: the first batch whose largest timestamp
                // reaches the time, then its first record that does.
                r.log
                    .batches()
                    .iter()
                    .filter(|b| b.timestamp_ms >= timestamp_ms)
                    .find_map(|b| {
                        b.record_timestamps_ms()
                            .enumerate()
                            .find(|(_, at)| *at >= timestamp_ms)
                            .map(|(i, at)| {
                                let stamped = b.records[i].timestamp_ms.is_some();
                                (b.base_offset.plus(i as i64), at, stamped)
                            })
                    })
            });
        let answer = match (found, bound) {
            (Some((offset, at, stamped)), Some(bound)) if offset < bound => {
                Some((offset, at, stamped))
            }
            _ => None,
        };
        let bound_name = match isolation {
            IsolationLevel::ReadCommitted => "the last stable offset",
            IsolationLevel::ReadUncommitted => "the high watermark",
        };
        let explanation = match (answer, found) {
            (Some((offset, at, true)), _) => format!(
                "{consumer} asks which offset of {tp} is at time {timestamp_ms} ms: offset {offset}, stamped {at} ms by its producer, the first record stamped at or after that time."
            ),
            (Some((offset, at, false)), _) => format!(
                "{consumer} asks which offset of {tp} is at time {timestamp_ms} ms: offset {offset}, written at {at} ms, the first record written at or after that time."
            ),
            (None, Some((offset, ..))) => format!(
                "{consumer} asks which offset of {tp} is at time {timestamp_ms} ms and gets null: the first record written since then, at offset {offset}, is not below {bound_name}, so a {} consumer may not be told of it yet.",
                isolation_name(isolation)
            ),
            (None, None) => format!(
                "{consumer} asks which offset of {tp} is at time {timestamp_ms} ms and gets null: no record was written at or after that time."
            ),
        };
        out.push(
            EventKind::OffsetForTimeRead {
                consumer: consumer.clone(),
                topic_partition: tp.clone(),
                timestamp_ms,
                offset: answer.map(|(o, ..)| o),
                record_timestamp_ms: answer.map(|(_, at, _)| at),
            },
            explanation,
        );
    }

    pub(super) fn group_metadata(&mut self, consumer: &ClientId, out: &mut Events) {
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        let (generation_id, member_id) = self.group_metadata_of(c);
        let group_id = c.config.group_id.clone();
        let group_instance_id = c.config.group_instance_id.clone();
        let explanation = if generation_id == NO_GENERATION {
            format!(
                "{consumer}'s group metadata: group {group_id}, generation -1 and no member id, because it is not a member of the group now. Offsets a transactional producer sends with it are checked by the group coordinator as a commit from outside the group."
            )
        } else {
            format!(
                "{consumer}'s group metadata: group {group_id}, generation {generation_id}, member id {member_id}{}. A transactional producer hands it to sendOffsetsToTransaction so that the group coordinator can refuse offsets from a member that a rebalance has replaced (KIP-447).",
                group_instance_id
                    .as_ref()
                    .map(|i| format!(", group.instance.id {i}"))
                    .unwrap_or_default()
            )
        };
        out.push(
            EventKind::GroupMetadataRead {
                consumer: consumer.clone(),
                group_id,
                generation_id,
                member_id,
                group_instance_id,
            },
            explanation,
        );
    }

    /// A consumer process starts: a subscribing one joins its group, which rebalances and may
    /// move partitions from other members to it.
    pub(super) fn add_consumer(&mut self, config: &ConsumerConfig, out: &mut Events) {
        let id = config.id.clone();
        let group_id = config.group_id.clone();
        let mut consumer = Consumer::new(config.clone());
        consumer.last_poll_ms = self.now_ms;
        consumer.last_auto_commit_ms = self.now_ms;
        self.consumers.insert(id.clone(), consumer);
        if config.is_subscribed() {
            out.push_with(
                EventKind::ConsumerAdded { consumer: id.clone(), group_id: group_id.clone() },
                || format!("A new consumer {id} starts and joins group {group_id}: the group rebalances, and partitions may move to it from other members."),
            );
            self.rebalance(&group_id, out);
        } else {
            self.assign_manually(&id);
            let partitions: Vec<String> = config.assign.iter().map(ToString::to_string).collect();
            out.push_with(
                EventKind::ConsumerAdded { consumer: id.clone(), group_id: group_id.clone() },
                || format!("A new consumer {id} starts with {} assigned by hand: it joins no group, so nobody rebalances; it commits to group {group_id} with generation -1.", partitions.join(", ")),
            );
        }
    }

    /// `consumer.close()` (`ConsumerCoordinator.close`): with auto-commit on it commits its
    /// positions first, then leaves the group (LeaveGroup), which rebalances at once. Unlike a
    /// crash it is orderly; like a crash, polled records not yet processed are not processed.
    pub(super) fn close_consumer(&mut self, consumer: &ClientId, out: &mut Events) {
        let Some(c) = self.consumers.get(consumer) else {
            return;
        };
        if c.config.enable_auto_commit {
            self.commit_positions(consumer, "close() commits the positions reached so far, as enable.auto.commit is on, whether or not those records were processed", out);
        }
        let Some(c) = self.consumers.get_mut(consumer) else {
            return;
        };
        let was_member = c.in_group;
        let unprocessed_records = c.buffer.len();
        c.alive = false;
        c.in_group = false;
        c.waiting_fetch = None;
        c.buffer.clear();
        c.positions.clear();
        c.assignment.clear();
        let group_id = c.config.group_id.clone();
        let leaves = if was_member {
            format!(
                " It sends LeaveGroup, so group {group_id} rebalances now rather than after session.timeout.ms."
            )
        } else {
            String::new()
        };
        out.push_with(
            EventKind::ConsumerClosed {
                consumer: consumer.clone(),
                unprocessed_records,
            },
            || {
                format!(
                    "{consumer} closes{}.{leaves}",
                    if unprocessed_records > 0 {
                        format!(", leaving {unprocessed_records} polled record(s) unprocessed")
                    } else {
                        String::new()
                    }
                )
            },
        );
        if was_member {
            self.rebalance(&group_id, out);
        }
    }

    /// `max.poll.interval.ms` (`AbstractCoordinator.HeartbeatThread`): a member that has not
    /// polled within it leaves the group (`handlePollTimeoutExpiry`, `maybeLeaveGroup`), which
    /// rebalances; the consumer drops its generation and partitions and rejoins at its next poll.
    pub(super) fn expire_poll_timeouts(&mut self, out: &mut Events) {
        let now = self.now_ms;
        let expired: Vec<ClientId> = self
            .consumers
            .values()
            .filter(|c| {
                c.alive
                    && c.in_group
                    && now.saturating_sub(c.last_poll_ms) >= c.config.max_poll_interval_ms
            })
            .map(|c| c.id().clone())
            .collect();
        for id in expired {
            // While it still knows its tasks: a stream thread's producers are theirs.
            self.streams_tasks_lost(&id, out);
            let Some(c) = self.consumers.get_mut(&id) else {
                continue;
            };
            c.in_group = false;
            c.positions.clear();
            c.assignment.clear();
            let group_id = c.config.group_id.clone();
            let interval = c.config.max_poll_interval_ms;
            let held = c.buffer.len();
            out.push_with(
                EventKind::PollTimeoutExpired { consumer: id.clone(), group_id: group_id.clone() },
                || format!("{id} has not polled for {interval} ms (max.poll.interval.ms): its heartbeat thread takes it out of group {group_id} (LeaveGroup) and forgets its generation and partitions{}. A commit now fails with CommitFailedException; its next poll rejoins the group.", if held > 0 { format!("; the {held} record(s) it polled stay with the application, which may still process them") } else { String::new() }),
            );
            self.rebalance(&group_id, out);
        }
    }
}

fn isolation_name(isolation: IsolationLevel) -> &'static str {
    match isolation {
        IsolationLevel::ReadCommitted => "read_committed",
        IsolationLevel::ReadUncommitted => "read_uncommitted",
    }
}

/// The partitions in their first order, each once (`assign` takes a collection).
fn dedup(partitions: &[TopicPartition]) -> Vec<TopicPartition> {
    let mut out: Vec<TopicPartition> = Vec::with_capacity(partitions.len());
    for tp in partitions {
        if !out.contains(tp) {
            out.push(tp.clone());
        }
    }
    out
}
