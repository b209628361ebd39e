//! Consumers and their groups: rebalances, fetches under each isolation level, processing
//! into the external database, offset commits.

use super::consumer_api::NO_GENERATION;
use super::*;
use crate::broker::offsets_log::OffsetMetadata;

impl World {
    /// Reassigns the group's partitions over its live members and bumps its generation.
    pub(super) fn rebalance(&mut self, group_id: &str, out: &mut Events) {
        self.streams_commit_before_revocation(group_id, out);
        let members: Vec<ClientId> = self
            .consumers
            .values()
            .filter(|c| c.alive && c.in_group && c.config.group_id == group_id)
            .map(|c| c.id().clone())
            .collect();
        let mut topics: Vec<String> = self
            .consumers
            .values()
            .filter(|c| c.config.group_id == group_id)
            .flat_map(|c| c.config.topics.clone())
            .collect();
        topics.sort();
        topics.dedup();
        let partitions: Vec<TopicPartition> = topics
            .iter()
            .flat_map(|t| self.cluster.partitions_of(t))
            .collect();
        let assignment = assign_round_robin(&partitions, &members);
        let static_ids: BTreeMap<ClientId, Option<String>> = members
            .iter()
            .filter_map(|m| self.consumers.get(m))
            .map(|c| (c.id().clone(), c.config.group_instance_id.clone()))
            .collect();
        let group = self.groups.entry(group_id.to_owned()).or_default();
        group.generation_id += 1;
        group.members = static_ids;
        let generation_id = group.generation_id;
        let mut lines = Vec::new();
        for (member, tps) in &assignment {
            let starts: Vec<(TopicPartition, Option<Offset>)> = match self.consumers.get(member) {
                Some(consumer) => tps
                    .iter()
                    .filter(|tp| !consumer.positions.contains_key(*tp))
                    .map(|tp| (tp.clone(), self.start_offset(consumer, tp)))
                    .collect(),
                None => continue,
            };
            let Some(consumer) = self.consumers.get_mut(member) else {
                continue;
            };
            consumer.assignment = tps.clone();
            consumer.positions.retain(|tp, _| tps.contains(tp));
            consumer.buffer.retain(|r| tps.contains(&r.topic_partition));
            let mut unstable = Vec::new();
            for (tp, start) in starts {
                match start {
                    Some(start) => {
                        consumer.positions.insert(tp, start);
                    }
                    None => unstable.push(tp.to_string()),
                }
            }
            let unstable_note = (!unstable.is_empty()).then(|| {
                format!(
                    "{member}'s OffsetFetch for {} is answered UNSTABLE_OFFSET_COMMIT (a transactional offset commit is still pending), so its position there stays unknown until the transaction ends",
                    unstable.join(", ")
                )
            });
            let names: Vec<String> = tps.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "{member} gets {}",
                if names.is_empty() {
                    "no partition".to_owned()
                } else {
                    names.join(", ")
                }
            ));
            lines.extend(unstable_note);
        }
        out.push_with(
            EventKind::GroupRebalanced {
                group_id: group_id.to_owned(),
                generation_id,
            },
            || {
                format!(
                    "Group {group_id} rebalances to generation {generation_id}: {}.",
                    if lines.is_empty() {
                        "no live member is left, so no partition is assigned".to_owned()
                    } else {
                        lines.join("; ")
                    }
                )
            },
        );
    }

    pub(super) fn poll(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let now = self.now_ms;
        let Some(consumer) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        consumer.last_poll_ms = now;
        // Fetcher.prepareFetchRequests: no second fetch to a broker while one is in flight.
        if let Some(waiting) = &consumer.waiting_fetch {
            out.push_with(
                EventKind::NothingPolled { consumer: consumer_id.clone() },
                || format!("{consumer_id} polls and receives nothing new: its fetch is still waiting at the broker for fetch.min.bytes ({} bytes), until {} ms at the latest, and a consumer sends no second fetch while one is in flight.", waiting.min_bytes, waiting.until_ms),
            );
            return;
        }
        // A member that left on max.poll.interval.ms joins again first
        // (`ConsumerCoordinator.poll` → `ensureActiveGroup`).
        if consumer.config.is_subscribed() && !consumer.in_group {
            consumer.in_group = true;
            let group_id = consumer.config.group_id.clone();
            self.rebalance(&group_id, out);
        }
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        // ConsumerCoordinator.maybeAutoCommitOffsetsAsync: poll commits the positions reached by
        // earlier polls once auto.commit.interval.ms has passed, processed or not.
        if consumer.config.enable_auto_commit
            && now.saturating_sub(consumer.last_auto_commit_ms)
                >= consumer.config.auto_commit_interval_ms
        {
            let why = if consumer.processing() == ProcessingMode::Transactional {
                "enable.auto.commit is on, so poll commits the positions from earlier polls on its own, outside any transaction: if the transaction that handles those records aborts, this plain commit stays, and the records are skipped after a restart"
            } else {
                "enable.auto.commit is on, so poll first commits the positions from earlier polls, whether or not those records were processed"
            };
            self.commit_positions(consumer_id, why, out);
            if let Some(c) = self.consumers.get_mut(consumer_id) {
                c.last_auto_commit_ms = now;
            }
        }
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        // ConsumerCoordinator.fetchCommittedOffsets: partitions whose OffsetFetch came back
        // UNSTABLE_OFFSET_COMMIT are asked again on every poll.
        let unknown: Vec<(TopicPartition, Option<Offset>)> = consumer
            .assignment
            .iter()
            .filter(|tp| !consumer.positions.contains_key(*tp))
            .map(|tp| (tp.clone(), self.start_offset(consumer, tp)))
            .collect();
        let mut waiting_unstable = false;
        for (tp, start) in unknown {
            waiting_unstable |= start.is_none();
            match start {
                Some(start) => {
                    if let Some(c) = self.consumers.get_mut(consumer_id) {
                        c.positions.insert(tp.clone(), start);
                    }
                    out.push_with(
                        EventKind::PositionResolved { consumer: consumer_id.clone(), topic_partition: tp.clone(), offset: start },
                        || format!("{consumer_id} asks the group coordinator again for its committed offset of {tp}: no transaction is pending any more, so it starts from {start}."),
                    );
                }
                None => out.push_with(
                    EventKind::FetchFailed { consumer: consumer_id.clone(), topic_partition: tp.clone(), error: ErrorCode::UnstableOffsetCommit },
                    || format!("{consumer_id} cannot start reading {tp}: the group coordinator answers its OffsetFetch with UNSTABLE_OFFSET_COMMIT because a transactional offset commit for {tp} is still pending. Reading from the last committed offset now could process input that the open transaction already handled, so the consumer waits and asks again on its next poll."),
                ),
            }
        }
        if self.park_fetch(consumer_id, out) {
            return;
        }
        self.fetch_into_buffer(consumer_id, waiting_unstable, out);
    }

    /// The fetch of a poll, answered: records from every position up to the isolation level's
    /// bound, into the application's buffer.
    pub(super) fn fetch_into_buffer(
        &mut self,
        consumer_id: &ClientId,
        waiting_unstable: bool,
        out: &mut Events,
    ) {
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        let isolation = consumer.isolation_level();
        let mut budget = consumer.config.max_poll_records as usize;
        let plan: Vec<(TopicPartition, Offset)> = consumer
            .positions
            .iter()
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        let mut fetched_any = false;
        // Partitions where read_committed is stopped at an LSO below the high watermark: only
        // there is an undecided transaction what keeps the consumer from reading more.
        let mut held_back: Vec<(TopicPartition, Offset, Offset)> = Vec::new();
        for (tp, planned) in plan {
            let Some(position) = self.reset_if_out_of_range(consumer_id, &tp, planned, out) else {
                continue;
            };
            let answer = self.cluster.fetch(&tp, position, isolation, None);
            if let Some(error) = answer.response.error {
                out.push_with(
                    EventKind::FetchFailed {
                        consumer: consumer_id.clone(),
                        topic_partition: tp.clone(),
                        error,
                    },
                    || format!("{consumer_id} cannot fetch {tp}: {error}."),
                );
                continue;
            }
            let high_watermark = answer.response.high_watermark;
            let last_stable_offset = answer.response.last_stable_offset;
            // FetchIsolation: read_uncommitted reads up to the high watermark, read_committed up to
            // the last stable offset.
            let (bound, bound_name) = match isolation {
                IsolationLevel::ReadUncommitted => (high_watermark, "the high watermark"),
                IsolationLevel::ReadCommitted => {
                    (last_stable_offset, "the last stable offset (LSO)")
                }
            };
            let fetched = read_fetched(
                &tp,
                &answer.batches,
                answer
                    .response
                    .aborted_transactions
                    .as_deref()
                    .unwrap_or_default(),
                position,
                isolation,
                budget,
            );
            if isolation == IsolationLevel::ReadCommitted
                && last_stable_offset < high_watermark
                && fetched.next_offset >= last_stable_offset
            {
                held_back.push((tp.clone(), last_stable_offset, high_watermark));
            }
            if fetched.next_offset == position {
                continue;
            }
            budget -= fetched.records.len();
            let next = fetched.next_offset;
            let offsets: Vec<Offset> = fetched.records.iter().map(|r| r.offset).collect();
            let Some(c) = self.consumers.get_mut(consumer_id) else {
                return;
            };
            c.positions.insert(tp.clone(), next);
            c.buffer.extend(fetched.records.iter().cloned());
            c.received.extend(fetched.records.into_iter().map(Arc::new));
            fetched_any |= !offsets.is_empty();
            let got = match offsets.as_slice() {
                [] => "receives no record".to_owned(),
                [one] => format!("receives offset {one}"),
                list if list.len() <= 6 => format!("receives offsets {}", offsets_list(list)),
                [first, .., last] => format!(
                    "receives {} records, offsets {first} to {last}",
                    offsets.len()
                ),
            };
            let mut skipped = Vec::new();
            if !fetched.skipped_markers.is_empty() {
                skipped.push(format!(
                    "skips the transaction marker(s) at {} (a marker takes an offset but is never shown to applications)",
                    offsets_list(&fetched.skipped_markers)
                ));
            }
            if !fetched.skipped_aborted.is_empty() {
                skipped.push(format!(
                    "skips the aborted record(s) at {}, found through the aborted-transaction list the broker sent",
                    offsets_list(&fetched.skipped_aborted)
                ));
            }
            let skipped = if skipped.is_empty() {
                String::new()
            } else {
                format!(", {}", skipped.join(", and "))
            };
            out.push_with(
                EventKind::RecordsPolled {
                    consumer: consumer_id.clone(),
                    topic_partition: tp.clone(),
                    offsets,
                    fetch_offset: position,
                    response: answer.response,
                    skipped_aborted: fetched.skipped_aborted.clone(),
                    skipped_markers: fetched.skipped_markers.clone(),
                },
                || format!("{consumer_id} fetches {tp} from offset {position} and {got}{skipped}; it may read up to {bound_name}, {bound}. Its position is now {next}."),
            );
        }
        if !fetched_any {
            let why = match isolation {
                _ if waiting_unstable => "where it may start is still unknown for a partition whose transactional offset commit is pending".to_owned(),
                IsolationLevel::ReadUncommitted => "it has read everything below the high watermark of its partitions".to_owned(),
                IsolationLevel::ReadCommitted if held_back.is_empty() => {
                    "it has read everything below the last stable offset (LSO) of its partitions, and there the LSO equals the high watermark: no transaction is holding it back".to_owned()
                }
                IsolationLevel::ReadCommitted => {
                    let held: Vec<String> = held_back
                        .iter()
                        .map(|(tp, lso, hw)| format!("{tp} (LSO {lso}, high watermark {hw})"))
                        .collect();
                    format!(
                        "with isolation.level=read_committed it reads only below the last stable offset (LSO), and an undecided transaction holds the LSO below the high watermark on {}",
                        held.join(" and ")
                    )
                }
            };
            out.push_with(
                EventKind::NothingPolled {
                    consumer: consumer_id.clone(),
                },
                || format!("{consumer_id} polls and receives nothing new: {why}."),
            );
        }
        if self
            .consumers
            .get(consumer_id)
            .is_some_and(|c| c.processing() == ProcessingMode::CommitBeforeProcessing)
            && fetched_any
        {
            self.commit_positions(consumer_id, "it commits before processing (at-most-once): if it crashes now, these records are never processed", out);
        }
    }

    pub(super) fn process(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let Some(consumer) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        let records = std::mem::take(&mut consumer.buffer);
        let incarnation = consumer.incarnation;
        if records.is_empty() {
            out.push_with(
                EventKind::NothingToProcess {
                    consumer: consumer_id.clone(),
                },
                || format!("{consumer_id} has nothing polled to process."),
            );
            return;
        }
        if self
            .consumers
            .get(consumer_id)
            .is_some_and(|c| c.processing() == ProcessingMode::Transactional)
        {
            for record in records {
                out.push_with(
                    EventKind::RecordTransformed { consumer: consumer_id.clone(), topic_partition: record.topic_partition.clone(), offset: record.offset },
                    || format!("{consumer_id} transforms {}@{}{}. Nothing is written to a database and no offset is committed here: the application sends the output through its transactional producer and hands the input offsets to the same transaction (sendOffsetsToTransaction).", record.topic_partition, record.offset, record.key.as_ref().map_or(String::new(), |k| format!(" ({k})"))),
                );
                if let Some(c) = self.consumers.get_mut(consumer_id) {
                    c.processed.push_back(Arc::new(ProcessedRecord {
                        business_id: record.key.clone().unwrap_or_else(|| {
                            format!("{}@{}", record.topic_partition, record.offset)
                        }),
                        topic_partition: record.topic_partition,
                        offset: record.offset,
                        incarnation,
                    }));
                }
            }
            return;
        }
        for record in records {
            let business_id = record
                .key
                .clone()
                .unwrap_or_else(|| format!("{}@{}", record.topic_partition, record.offset));
            let outcome = self.store.apply(
                &business_id,
                &record.value,
                (
                    consumer_id.clone(),
                    record.topic_partition.clone(),
                    record.offset,
                ),
            );
            let times = self
                .store
                .effects()
                .get(business_id.as_str())
                .map_or(0, |r| r.times_applied);
            let explanation = match outcome {
                EffectOutcome::Applied if times > 1 => format!(
                    "{consumer_id} processes {}@{} ({business_id}) and writes its effect to the database again: {business_id} has now been applied {times} times. Kafka's exactly-once stops at Kafka's edge.",
                    record.topic_partition, record.offset
                ),
                EffectOutcome::Applied => format!(
                    "{consumer_id} processes {}@{} and writes the effect of {business_id} to the external database{}.",
                    record.topic_partition,
                    record.offset,
                    if self.store.outbox_topic.is_some() {
                        ", with an outbox row announcing it in the same local transaction"
                    } else {
                        ""
                    }
                ),
                EffectOutcome::SkippedDuplicate => format!(
                    "{consumer_id} processes {}@{}, but the database's dedup table already holds {business_id}: the effect is not applied twice (an idempotent consumer).",
                    record.topic_partition, record.offset
                ),
            };
            out.push(
                EventKind::RecordProcessed {
                    consumer: consumer_id.clone(),
                    topic_partition: record.topic_partition.clone(),
                    offset: record.offset,
                    business_id: business_id.clone(),
                    outcome,
                },
                explanation,
            );
            if let Some(c) = self.consumers.get_mut(consumer_id) {
                c.processed.push_back(Arc::new(ProcessedRecord {
                    topic_partition: record.topic_partition,
                    offset: record.offset,
                    business_id,
                    incarnation,
                }));
            }
        }
    }

    pub(super) fn commit(&mut self, consumer_id: &ClientId, out: &mut Events) {
        self.commit_positions(consumer_id, "the application commits after processing (at-least-once): a crash before this point means the records are processed again", out);
    }

    pub(super) fn commit_positions(&mut self, consumer_id: &ClientId, why: &str, out: &mut Events) {
        let Some(consumer) = self.consumers.get(consumer_id) else {
            return;
        };
        let group_id = consumer.config.group_id.clone();
        let positions = consumer.positions.clone();
        // ConsumerCoordinator.sendOffsetCommitRequest: a subscribing consumer outside its group
        // fails the commit without sending it.
        if consumer.config.is_subscribed() && !consumer.in_group {
            out.push_with(
                EventKind::CommitFailed { consumer: consumer_id.clone(), group_id: group_id.clone(), error: None },
                || format!("{consumer_id}'s commit fails before any request is sent (CommitFailedException from commitSync; an automatic commit only logs it): it is not a member of group {group_id} any more (it was taken out when it did not poll within max.poll.interval.ms), so the offsets of the records it polled are not committed. Another member may already be reading them."),
            );
            return;
        }
        let (generation_id, member_id) = self.group_metadata_of(consumer);
        let instance = if consumer.config.is_subscribed() {
            consumer.config.group_instance_id.clone()
        } else {
            None
        };
        if positions.is_empty() {
            return;
        }
        if let Err(error) = validate_offset_commit(
            self.groups.get(&group_id),
            generation_id,
            &member_id,
            instance.as_deref(),
        )
        .map_err(|refusal| refusal.error())
        {
            out.push_with(
                EventKind::CommitFailed { consumer: consumer_id.clone(), group_id: group_id.clone(), error: Some(error) },
                || format!("{consumer_id}'s OffsetCommit (generation {generation_id}, member id \"{member_id}\") is answered {error} by the group coordinator{}: nothing is committed (commitSync throws CommitFailedException; an automatic commit only logs it).", if error == ErrorCode::UnknownMemberId && generation_id == NO_GENERATION { format!(", because group {group_id} has members and a commit from outside the group is taken only while it has none") } else { String::new() }),
            );
            return;
        }
        let group = self.groups.entry(group_id.clone()).or_default();
        for (tp, offset) in positions {
            if group.committed.get(&tp) == Some(&offset) {
                continue;
            }
            group.commit(tp.clone(), offset);
            self.offsets_log.append_commit(
                &group_id,
                &tp,
                offset,
                &OffsetMetadata::default(),
                self.now_ms,
            );
            out.push_with(
                EventKind::OffsetCommitted { consumer: consumer_id.clone(), group_id: group_id.clone(), topic_partition: tp.clone(), offset },
                || format!("{consumer_id} commits offset {offset} for {tp} in group {group_id} ({why}). After a restart the group resumes from {offset}."),
            );
        }
    }

    /// Where a consumer starts reading `tp`: the group's committed offset or `auto.offset.reset`;
    /// `None` while a transactional offset commit for it is pending (`OffsetFetch` with
    /// `requireStable` answers UNSTABLE_OFFSET_COMMIT, `ConsumerCoordinator.fetchCommittedOffsets`).
    pub(super) fn start_offset(&self, consumer: &Consumer, tp: &TopicPartition) -> Option<Offset> {
        let group = self.groups.get(&consumer.config.group_id);
        if group.is_some_and(|g| g.has_pending(tp)) {
            return None;
        }
        Some(match group.and_then(|g| g.committed.get(tp)) {
            Some(offset) => *offset,
            None => match consumer.offset_reset() {
                OffsetReset::Earliest => self
                    .cluster
                    .partition(tp)
                    .and_then(|p| p.leader_replica())
                    .map_or(Offset(0), |r| r.log.log_start_offset()),
                // ListOffsets for the latest offset answers the last stable offset to a
                // read_committed consumer (`Partition.fetchOffsetForTimestamp`).
                OffsetReset::Latest => self
                    .list_offset(tp, SeekTarget::End, consumer.isolation_level())
                    .or_else(|| self.cluster.partition(tp).map(|p| p.high_watermark()))
                    .unwrap_or(Offset(0)),
            },
        })
    }

    pub(super) fn crash_consumer(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let Some(c) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        c.alive = false;
        c.in_group = false;
        c.waiting_fetch = None;
        let unprocessed_records = c.buffer.len();
        c.buffer.clear();
        c.positions.clear();
        let group = c.config.group_id.clone();
        out.push_with(
            EventKind::ConsumerCrashed { consumer: consumer_id.clone(), unprocessed_records },
            || format!("{consumer_id} crashes with {unprocessed_records} polled record(s) not yet processed; its position in memory is lost. Only the offsets committed to the group survive."),
        );
        // Before its assignment goes: a stream thread's producers are those of its tasks.
        self.streams_thread_crashed(consumer_id, out);
        if let Some(c) = self.consumers.get_mut(consumer_id) {
            c.assignment.clear();
        }
        self.rebalance(&group, out);
        self.streams_revive_producers(out);
    }

    pub(super) fn restart_consumer(&mut self, consumer_id: &ClientId, out: &mut Events) {
        let Some(c) = self.consumers.get_mut(consumer_id) else {
            return;
        };
        c.alive = true;
        c.incarnation += 1;
        c.last_poll_ms = self.now_ms;
        let group = c.config.group_id.clone();
        if !c.config.is_subscribed() {
            out.push_with(EventKind::ConsumerRestarted { consumer: consumer_id.clone() }, || format!("{consumer_id} restarts with its partitions assigned by hand and resumes from group {group}'s committed offsets."));
            self.assign_manually(consumer_id);
            return;
        }
        c.in_group = true;
        out.push_with(EventKind::ConsumerRestarted { consumer: consumer_id.clone() }, || format!("{consumer_id} restarts, rejoins group {group} and resumes from the group's committed offsets."));
        self.rebalance(&group, out);
        self.streams_revive_producers(out);
    }

    /// A fetch outside the leader's log is answered OFFSET_OUT_OF_RANGE, and the consumer resets
    /// its position by `auto.offset.reset` (`FetchCollector.handleInitializeErrors`). Returns
    /// where to fetch from.
    fn reset_if_out_of_range(
        &mut self,
        consumer_id: &ClientId,
        tp: &TopicPartition,
        position: Offset,
        out: &mut Events,
    ) -> Option<Offset> {
        // Without a leader the fetch itself fails and says so.
        let Some((log_start, log_end)) = self
            .cluster
            .partition(tp)
            .and_then(|p| p.leader_replica())
            .map(|r| (r.log.log_start_offset(), r.log.log_end_offset()))
        else {
            return Some(position);
        };
        if (log_start..=log_end).contains(&position) {
            return Some(position);
        }
        let consumer = self.consumers.get(consumer_id)?;
        let (target, policy) = match consumer.offset_reset() {
            OffsetReset::Earliest => (SeekTarget::Beginning, "earliest"),
            OffsetReset::Latest => (SeekTarget::End, "latest"),
        };
        let offset = self.list_offset(tp, target, consumer.isolation_level())?;
        if let Some(c) = self.consumers.get_mut(consumer_id) {
            c.positions.insert(tp.clone(), offset);
        }
        out.push_with(
            EventKind::PositionReset { consumer: consumer_id.clone(), topic_partition: tp.clone(), from: position, offset },
            || format!("{consumer_id} fetches {tp} at {position}, outside the leader's log ({log_start} to {log_end}): the leader answers OFFSET_OUT_OF_RANGE, and auto.offset.reset={policy} moves the position to {offset}."),
        );
        Some(offset)
    }
}
