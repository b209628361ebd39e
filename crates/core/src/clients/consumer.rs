//! Consumers and their group: positions, fetched-but-unprocessed records, committed offsets,
//! and the assignment of partitions to the group's live members.
//!
//! Simplified from Kafka's `KafkaConsumer` and group coordinator: fetches and offset commits are
//! answered within the step (no messages in flight; a fetch held for `fetch.min.bytes` in a
//! later step), the group coordinator is always available,
//! and a membership change reassigns partitions at once (round-robin over live members sorted by
//! id), bumping the group's generation.

use crate::broker::offsets_log::OffsetMetadata;
use crate::config::{ConsumerConfig, IsolationLevel, OffsetReset, ProcessingMode};
use crate::error_code::ErrorCode;
use crate::ids::{BrokerId, ClientId, Offset, ProducerId, TopicPartition};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A record a consumer has received and not yet processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRecord {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    pub key: Option<String>,
    pub value: String,
}

/// A record a consumer processed, with the business id it applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedRecord {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    pub business_id: String,
    pub incarnation: u32,
}

/// One consumer instance.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub config: ConsumerConfig,
    pub alive: bool,
    pub incarnation: u32,
    pub assignment: Vec<TopicPartition>,
    /// Next offset to fetch, per assigned partition (`position`).
    pub positions: BTreeMap<TopicPartition, Offset>,
    pub buffer: Vec<ReceivedRecord>,
    /// Everything received so far, in order, across restarts. Persistent vectors: the lab
    /// clones the world at every step, and these grow with the run. Each record is shared: a
    /// push after a clone copies the last chunk of up to 64, which then counts references
    /// rather than copying keys, values and business ids.
    pub received: imbl::Vector<Arc<ReceivedRecord>>,
    pub processed: imbl::Vector<Arc<ProcessedRecord>>,
    pub last_auto_commit_ms: u64,
    /// When it last polled (or joined): `max.poll.interval.ms` counts from here.
    pub last_poll_ms: u64,
    /// Whether it is a member of its group now: false for an `assign` consumer, and after it
    /// left (close, crash, poll timeout) until it joins again.
    pub in_group: bool,
    /// Its poll's fetch, parked at the broker for `fetch.min.bytes` (`DelayedFetch`), if any.
    pub waiting_fetch: Option<WaitingFetch>,
}

/// A consumer's fetch waiting at the broker: the poll that sent it blocks until it is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaitingFetch {
    pub min_bytes: u32,
    pub since_ms: u64,
    /// `since_ms + fetch.max.wait.ms`: answered then with whatever is readable.
    pub until_ms: u64,
    /// The leader each partition was fetched from: a leader that changes answers at once.
    #[serde(skip)]
    pub leaders: BTreeMap<TopicPartition, Option<BrokerId>>,
}

impl Consumer {
    pub fn new(config: ConsumerConfig) -> Self {
        Self {
            alive: true,
            incarnation: 1,
            assignment: Vec::new(),
            positions: BTreeMap::new(),
            buffer: Vec::new(),
            received: imbl::Vector::new(),
            processed: imbl::Vector::new(),
            last_auto_commit_ms: 0,
            last_poll_ms: 0,
            in_group: config.is_subscribed(),
            waiting_fetch: None,
            config,
        }
    }

    pub fn id(&self) -> &ClientId {
        &self.config.id
    }

    pub fn isolation_level(&self) -> IsolationLevel {
        self.config.isolation_level
    }

    pub fn processing(&self) -> ProcessingMode {
        self.config.processing
    }

    pub fn offset_reset(&self) -> OffsetReset {
        self.config.auto_offset_reset
    }
}

/// The topic partition of `__consumer_offsets` that holds every group's offsets in the lab:
/// Kafka picks `abs(groupId.hashCode) % offsets.topic.num.partitions`; the lab has one. Its
/// records are [`crate::broker::offsets_log::OffsetsLog`]; [`Group`] is what replaying them gives.
pub fn offsets_partition() -> TopicPartition {
    TopicPartition::new("__consumer_offsets", 0)
}

/// One transactional offset commit waiting for its transaction's marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingTxnOffset {
    pub offset: Offset,
    pub details: OffsetMetadata,
    /// Where its record sits in `__consumer_offsets` (the lab counts commit records per group).
    pub record_position: u64,
}

/// A consumer group's members, generation and committed offsets (a classic group and its
/// `__consumer_offsets` records, simplified).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub generation_id: i32,
    /// The members of the current generation by member id (the lab's member id is the
    /// consumer's id), each with its `group.instance.id` if it is a static member. None: the group
    /// is Empty, as a simple group made by an offset commit is.
    pub members: BTreeMap<ClientId, Option<String>>,
    pub committed: BTreeMap<TopicPartition, Offset>,
    /// The leader epoch and metadata each committed offset was committed with.
    pub committed_details: BTreeMap<TopicPartition, OffsetMetadata>,
    /// Record position of each committed offset, so a transactional commit never overwrites a
    /// newer plain one (`OffsetMetadataManager.replayEndTransactionMarker`).
    pub committed_at: BTreeMap<TopicPartition, u64>,
    /// TxnOffsetCommit records not yet decided, by producer id
    /// (`OffsetMetadataManager.pendingTransactionalOffsets`).
    pub pending_txn_offsets: BTreeMap<ProducerId, BTreeMap<TopicPartition, PendingTxnOffset>>,
    /// Commit records written so far: the next record's position.
    pub records_written: u64,
}

impl Group {
    /// A plain OffsetCommit: committed at once.
    pub fn commit(&mut self, tp: TopicPartition, offset: Offset) {
        self.commit_with(tp, offset, OffsetMetadata::default());
    }

    /// A plain OffsetCommit carrying a leader epoch and metadata.
    pub fn commit_with(&mut self, tp: TopicPartition, offset: Offset, details: OffsetMetadata) {
        self.records_written += 1;
        self.committed_at.insert(tp.clone(), self.records_written);
        self.committed_details.insert(tp.clone(), details);
        self.committed.insert(tp, offset);
    }

    /// Whether some transaction has an undecided offset for `tp` (`hasPendingTransactionalOffsets`).
    pub fn has_pending(&self, tp: &TopicPartition) -> bool {
        self.pending_txn_offsets
            .values()
            .any(|m| m.contains_key(tp))
    }

    /// A TxnOffsetCommit: the offsets are stored as pending under the producer id.
    pub fn stage_txn_offsets(
        &mut self,
        producer_id: ProducerId,
        offsets: &BTreeMap<TopicPartition, Offset>,
        details: &BTreeMap<TopicPartition, OffsetMetadata>,
    ) {
        for (tp, offset) in offsets {
            self.records_written += 1;
            let record_position = self.records_written;
            self.pending_txn_offsets
                .entry(producer_id)
                .or_default()
                .insert(
                    tp.clone(),
                    PendingTxnOffset {
                        offset: *offset,
                        details: details.get(tp).cloned().unwrap_or_default(),
                        record_position,
                    },
                );
        }
    }

    /// The transaction marker reaches the group (`replayEndTransactionMarker`): COMMIT makes the
    /// pending offsets committed unless a newer plain commit exists; ABORT discards them. Returns
    /// what happened per partition: (partition, offset, whether it became the committed one).
    pub fn end_transaction(
        &mut self,
        producer_id: ProducerId,
        commit: bool,
    ) -> Vec<(TopicPartition, Offset, bool)> {
        let Some(pending) = self.pending_txn_offsets.remove(&producer_id) else {
            return Vec::new();
        };
        let mut outcome = Vec::new();
        for (tp, p) in pending {
            let newer_plain = self
                .committed_at
                .get(&tp)
                .is_some_and(|at| *at > p.record_position);
            let applied = commit && !newer_plain;
            if applied {
                self.committed.insert(tp.clone(), p.offset);
                self.committed_at.insert(tp.clone(), p.record_position);
                self.committed_details.insert(tp.clone(), p.details);
            }
            outcome.push((tp, p.offset, applied));
        }
        outcome
    }
}

/// Why the group coordinator accepted a TxnOffsetCommit's group metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnOffsetCommitAccepted {
    /// No such group and generation -1: a simple group is created for the offsets.
    SimpleGroupCreated,
    /// Generation -1 and the group has no member: a commit from outside group management.
    EmptyGroup,
    /// Generation -1 with no member id and no instance id: a transactional commit need not name
    /// a member (older TxnOffsetCommit versions could not).
    NoMemberNamed,
    /// The member is in the group at the request's generation.
    MemberOfThisGeneration,
}

/// Why the group coordinator refused a TxnOffsetCommit's group metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnOffsetCommitRefusal {
    /// No such group, and the request carries a generation (not -1).
    UnknownGroup,
    /// The `group.instance.id` belongs to no static member.
    UnknownInstance,
    /// The `group.instance.id` belongs to another member id: this one was replaced.
    InstanceHeldByAnotherMember { holder: ClientId },
    /// The member id is not in the group.
    UnknownMember,
    /// The member is in the group, but the group is at another generation.
    OtherGeneration { current: i32 },
}

impl TxnOffsetCommitRefusal {
    pub fn error(&self) -> ErrorCode {
        match self {
            TxnOffsetCommitRefusal::UnknownGroup
            | TxnOffsetCommitRefusal::OtherGeneration { .. } => ErrorCode::IllegalGeneration,
            TxnOffsetCommitRefusal::UnknownInstance | TxnOffsetCommitRefusal::UnknownMember => {
                ErrorCode::UnknownMemberId
            }
            TxnOffsetCommitRefusal::InstanceHeldByAnotherMember { .. } => {
                ErrorCode::FencedInstanceId
            }
        }
    }
}

/// The group coordinator's checks of a TxnOffsetCommit's group metadata, in Kafka's order
/// (`OffsetMetadataManager.validateTransactionalOffsetCommit`, then
/// `ClassicGroup.validateOffsetCommit` and `validateMember` with `isTransactional`).
pub fn validate_txn_offset_commit(
    group: Option<&Group>,
    generation_id: i32,
    member_id: &str,
    group_instance_id: Option<&str>,
) -> Result<TxnOffsetCommitAccepted, TxnOffsetCommitRefusal> {
    let Some(group) = group else {
        return if generation_id < 0 {
            Ok(TxnOffsetCommitAccepted::SimpleGroupCreated)
        } else {
            Err(TxnOffsetCommitRefusal::UnknownGroup)
        };
    };
    if generation_id < 0 && group.members.is_empty() {
        return Ok(TxnOffsetCommitAccepted::EmptyGroup);
    }
    if generation_id < 0 && member_id.is_empty() && group_instance_id.is_none() {
        return Ok(TxnOffsetCommitAccepted::NoMemberNamed);
    }
    if let Some(instance) = group_instance_id {
        let holder = group
            .members
            .iter()
            .find(|(_, i)| i.as_deref() == Some(instance))
            .map(|(m, _)| m);
        match holder {
            None => return Err(TxnOffsetCommitRefusal::UnknownInstance),
            Some(holder) if *holder.0 != *member_id => {
                return Err(TxnOffsetCommitRefusal::InstanceHeldByAnotherMember {
                    holder: holder.clone(),
                });
            }
            Some(_) => {}
        }
    }
    if !group.members.keys().any(|m| *m.0 == *member_id) {
        return Err(TxnOffsetCommitRefusal::UnknownMember);
    }
    if generation_id != group.generation_id {
        return Err(TxnOffsetCommitRefusal::OtherGeneration {
            current: group.generation_id,
        });
    }
    Ok(TxnOffsetCommitAccepted::MemberOfThisGeneration)
}

/// Why the group coordinator refused a plain OffsetCommit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetCommitRefusal {
    /// No such group, and the request carries a generation (not -1): OffsetCommit v9 and later
    /// answer `GROUP_ID_NOT_FOUND` (`OffsetMetadataManager.validateOffsetCommit`).
    GroupIdNotFound,
    /// Generation -1 with no member id and no instance id, but the group has members: only an
    /// Empty group takes commits from outside group management.
    NoMemberNamed,
    /// The member checks a TxnOffsetCommit makes too (`ClassicGroup.validateMember`, generation).
    Member(TxnOffsetCommitRefusal),
}

impl OffsetCommitRefusal {
    pub fn error(&self) -> ErrorCode {
        match self {
            OffsetCommitRefusal::GroupIdNotFound => ErrorCode::GroupIdNotFound,
            OffsetCommitRefusal::NoMemberNamed => ErrorCode::UnknownMemberId,
            OffsetCommitRefusal::Member(refusal) => refusal.error(),
        }
    }
}

/// The group coordinator's checks of a plain OffsetCommit, in Kafka's order
/// (`OffsetMetadataManager.validateOffsetCommit`, then `ClassicGroup.validateOffsetCommit`). A
/// plain commit differs from a transactional one where the request names no member: a group
/// with members refuses it. Returns whether the group must be created (a simple group).
pub fn validate_offset_commit(
    group: Option<&Group>,
    generation_id: i32,
    member_id: &str,
    group_instance_id: Option<&str>,
) -> Result<bool, OffsetCommitRefusal> {
    let Some(group) = group else {
        return if generation_id < 0 {
            Ok(true)
        } else {
            Err(OffsetCommitRefusal::GroupIdNotFound)
        };
    };
    if generation_id < 0 && group.members.is_empty() {
        return Ok(false);
    }
    if generation_id < 0 && member_id.is_empty() && group_instance_id.is_none() {
        return Err(OffsetCommitRefusal::NoMemberNamed);
    }
    match validate_txn_offset_commit(Some(group), generation_id, member_id, group_instance_id) {
        Ok(_) => Ok(false),
        Err(refusal) => Err(OffsetCommitRefusal::Member(refusal)),
    }
}

/// What OffsetFetch answers for one partition (`OffsetMetadataManager.fetchOffsets`): with
/// `require_stable`, `UNSTABLE_OFFSET_COMMIT` while a transactional commit for it is pending;
/// otherwise the committed offset, or none (-1) for a group or partition with no commit.
pub fn fetch_committed_offset(
    group: Option<&Group>,
    tp: &TopicPartition,
    require_stable: bool,
) -> Result<Option<Offset>, ErrorCode> {
    let Some(group) = group else {
        return Ok(None);
    };
    if require_stable && group.has_pending(tp) {
        return Err(ErrorCode::UnstableOffsetCommit);
    }
    Ok(group.committed.get(tp).copied())
}

/// Spreads `partitions` over `members` round-robin (both sorted), as Kafka's
/// `RoundRobinAssignor` does for one subscription.
pub fn assign_round_robin(
    partitions: &[TopicPartition],
    members: &[ClientId],
) -> BTreeMap<ClientId, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<ClientId, Vec<TopicPartition>> =
        members.iter().map(|m| (m.clone(), Vec::new())).collect();
    if members.is_empty() {
        return assignment;
    }
    for (i, tp) in partitions.iter().enumerate() {
        if let Some(list) = assignment.get_mut(&members[i % members.len()]) {
            list.push(tp.clone());
        }
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_spreads_partitions_over_members() {
        let tps: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new("t", p)).collect();
        let members = vec![ClientId::new("a"), ClientId::new("b")];
        let got = assign_round_robin(&tps, &members);
        assert_eq!(
            got[&ClientId::new("a")],
            vec![tps[0].clone(), tps[2].clone()]
        );
        assert_eq!(got[&ClientId::new("b")], vec![tps[1].clone()]);
    }

    fn offsets(tp: &TopicPartition, o: i64) -> BTreeMap<TopicPartition, Offset> {
        [(tp.clone(), Offset(o))].into()
    }

    // OffsetMetadataManagerTest.testReplayTransactionEndMarkerWithCommit / ...WithAbort.
    #[test]
    fn txn_offsets_stay_pending_until_the_marker() {
        let tp = TopicPartition::new("payments", 0);
        let mut g = Group::default();
        g.stage_txn_offsets(ProducerId(7), &offsets(&tp, 3), &BTreeMap::new());
        assert!(g.has_pending(&tp));
        assert!(g.committed.is_empty(), "pending is not committed");
        g.end_transaction(ProducerId(7), false);
        assert!(!g.has_pending(&tp));
        assert!(g.committed.is_empty(), "an abort discards the offsets");
        g.stage_txn_offsets(ProducerId(7), &offsets(&tp, 3), &BTreeMap::new());
        g.end_transaction(ProducerId(7), true);
        assert_eq!(g.committed[&tp], Offset(3));
    }

    fn group_of(generation_id: i32, members: &[(&str, Option<&str>)]) -> Group {
        Group {
            generation_id,
            members: members
                .iter()
                .map(|(m, i)| (ClientId::new(*m), i.map(str::to_owned)))
                .collect(),
            ..Group::default()
        }
    }

    // OffsetMetadataManagerTest.testGenericGroupTransactionalOffsetCommitWithUnknownGroupId and
    // ...WithIllegalGenerationId: generation -1 makes a simple group, any other is refused.
    #[test]
    fn an_unknown_group_accepts_only_generation_minus_one() {
        assert_eq!(
            validate_txn_offset_commit(None, -1, "", None),
            Ok(TxnOffsetCommitAccepted::SimpleGroupCreated)
        );
        let refused = validate_txn_offset_commit(None, 0, "", None).unwrap_err();
        assert_eq!(refused.error(), ErrorCode::IllegalGeneration);
    }

    // ClassicGroup.validateOffsetCommit: the member is checked before the generation.
    #[test]
    fn a_group_with_members_checks_the_member_then_the_generation() {
        let group = group_of(3, &[("c1", None)]);
        let check = |generation, member| {
            validate_txn_offset_commit(Some(&group), generation, member, None)
                .map_err(|r| r.error())
        };
        assert_eq!(
            check(3, "c1"),
            Ok(TxnOffsetCommitAccepted::MemberOfThisGeneration)
        );
        assert_eq!(check(2, "c1"), Err(ErrorCode::IllegalGeneration));
        assert_eq!(check(2, "c9"), Err(ErrorCode::UnknownMemberId));
        assert_eq!(check(3, ""), Err(ErrorCode::UnknownMemberId));
        assert_eq!(check(-1, ""), Ok(TxnOffsetCommitAccepted::NoMemberNamed));
        assert_eq!(check(-1, "c1"), Err(ErrorCode::IllegalGeneration));
        let empty = group_of(3, &[]);
        assert_eq!(
            validate_txn_offset_commit(Some(&empty), -1, "c1", None),
            Ok(TxnOffsetCommitAccepted::EmptyGroup)
        );
    }

    // ClassicGroup.validateMember: a static member's instance id must come with its member id.
    #[test]
    fn a_static_members_instance_id_must_come_with_its_member_id() {
        let group = group_of(2, &[("c1", Some("checkout-1")), ("c2", None)]);
        let check = |member, instance| {
            validate_txn_offset_commit(Some(&group), 2, member, Some(instance))
                .map_err(|r| r.error())
        };
        assert_eq!(
            check("c1", "checkout-1"),
            Ok(TxnOffsetCommitAccepted::MemberOfThisGeneration)
        );
        assert_eq!(check("c2", "checkout-1"), Err(ErrorCode::FencedInstanceId));
        assert_eq!(check("c2", "checkout-9"), Err(ErrorCode::UnknownMemberId));
    }

    // ClassicGroup.validateOffsetCommit: a simple commit (generation -1, no member) is taken only
    // while the group has no member; a member's commit is checked like a transactional one.
    #[test]
    fn a_plain_commit_without_a_member_is_refused_by_a_group_with_members() {
        let group = group_of(2, &[("c1", None)]);
        assert_eq!(
            validate_offset_commit(Some(&group), -1, "", None),
            Err(OffsetCommitRefusal::NoMemberNamed)
        );
        assert_eq!(
            validate_txn_offset_commit(Some(&group), -1, "", None),
            Ok(TxnOffsetCommitAccepted::NoMemberNamed),
            "a transactional commit may name no member"
        );
        assert_eq!(
            validate_offset_commit(Some(&group), 2, "c1", None),
            Ok(false)
        );
        assert_eq!(
            validate_offset_commit(Some(&group), 1, "c1", None).map_err(|r| r.error()),
            Err(ErrorCode::IllegalGeneration)
        );
    }

    #[test]
    fn a_plain_commit_to_no_group_creates_one_only_at_generation_minus_one() {
        assert_eq!(validate_offset_commit(None, -1, "", None), Ok(true));
        assert_eq!(
            validate_offset_commit(None, 0, "c1", None).map_err(|r| r.error()),
            Err(ErrorCode::GroupIdNotFound)
        );
        let empty = group_of(3, &[]);
        assert_eq!(
            validate_offset_commit(Some(&empty), -1, "", None),
            Ok(false)
        );
    }

    #[test]
    fn offset_fetch_answers_unstable_only_when_asked_for_stable_offsets() {
        let tp = TopicPartition::new("payments", 0);
        let mut group = Group::default();
        group.commit(tp.clone(), Offset(3));
        group.stage_txn_offsets(ProducerId(1000), &offsets(&tp, 7), &BTreeMap::new());
        assert_eq!(
            fetch_committed_offset(Some(&group), &tp, true),
            Err(ErrorCode::UnstableOffsetCommit)
        );
        assert_eq!(
            fetch_committed_offset(Some(&group), &tp, false),
            Ok(Some(Offset(3)))
        );
        assert_eq!(fetch_committed_offset(None, &tp, true), Ok(None));
    }

    // OffsetMetadataManagerTest.testReplayTransactionEndMarkerKeepsTheMostRecentCommittedOffset.
    #[test]
    fn a_newer_plain_commit_wins_over_a_committed_txn_offset() {
        let tp = TopicPartition::new("payments", 0);
        let mut g = Group::default();
        g.stage_txn_offsets(ProducerId(7), &offsets(&tp, 3), &BTreeMap::new());
        g.commit(tp.clone(), Offset(5));
        let outcome = g.end_transaction(ProducerId(7), true);
        assert_eq!(outcome, vec![(tp.clone(), Offset(3), false)]);
        assert_eq!(g.committed[&tp], Offset(5));
    }
}

/// What a consumer makes of one fetch response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOutcome {
    pub records: Vec<ReceivedRecord>,
    /// Where the next fetch starts: after the last record read or skipped.
    pub next_offset: Offset,
    /// Offsets skipped because their transaction was aborted (read_committed only).
    pub skipped_aborted: Vec<Offset>,
    /// Offsets of transaction markers, which no consumer ever returns.
    pub skipped_markers: Vec<Offset>,
}

/// Turns fetched batches into the records the application sees, as Kafka's consumer does
/// (`CompletedFetch.nextFetchedRecord`): markers are never returned; with read_committed, a
/// transactional batch from a producer whose aborted transaction covers it is skipped, using the
/// aborted list the broker sent (ordered by first offset) and the ABORT markers that close them.
pub fn read_fetched(
    tp: &TopicPartition,
    batches: &[crate::broker::batch::StoredBatch],
    aborted: &[crate::broker::fetch::AbortedTransaction],
    position: Offset,
    isolation: IsolationLevel,
    mut budget: usize,
) -> FetchOutcome {
    use crate::broker::batch::ControlKind;
    use std::collections::BTreeSet;
    let mut pending: Vec<&crate::broker::fetch::AbortedTransaction> = aborted.iter().collect();
    pending.sort_by_key(|t| t.first_offset);
    let mut pending = pending.into_iter().peekable();
    let mut aborted_producers = BTreeSet::new();
    let mut outcome = FetchOutcome {
        records: Vec::new(),
        next_offset: position,
        skipped_aborted: Vec::new(),
        skipped_markers: Vec::new(),
    };
    for batch in batches {
        if budget == 0 {
            break;
        }
        if batch.next_offset() <= position {
            continue;
        }
        let read_committed = isolation == IsolationLevel::ReadCommitted;
        if read_committed {
            while let Some(t) = pending.next_if(|t| t.first_offset <= batch.last_offset()) {
                aborted_producers.insert(t.producer_id);
            }
        }
        if batch.is_control() {
            if read_committed && batch.control == Some(ControlKind::Abort) {
                aborted_producers.remove(&batch.stamp.producer_id);
            }
            outcome.skipped_markers.push(batch.base_offset);
            outcome.next_offset = batch.next_offset();
            continue;
        }
        if read_committed
            && batch.is_transactional
            && aborted_producers.contains(&batch.stamp.producer_id)
        {
            outcome
                .skipped_aborted
                .extend((batch.base_offset.0..batch.next_offset().0).map(Offset));
            outcome.next_offset = batch.next_offset();
            continue;
        }
        for (i, record) in batch.records.iter().enumerate() {
            let offset = batch.base_offset.plus(i64::try_from(i).unwrap_or(0));
            if offset < position {
                continue;
            }
            if budget == 0 {
                break;
            }
            budget -= 1;
            outcome.records.push(ReceivedRecord {
                topic_partition: tp.clone(),
                offset,
                key: record.key.clone(),
                value: record.value.clone(),
            });
            outcome.next_offset = offset.next();
        }
    }
    outcome
}
