//! What each fact observes in the world and the run's events, and how `all` / `any` / `not`
//! combine the answers. Every answer comes with what stands now, in words, naming its subject
//! so that a reason read alone still makes sense ("payments-0's LSO is 0").

use super::names::{error_code, event_name, partition, transaction_state};
use super::words::{bound_holds, count_words, times};
use super::{Bound, Goal, Kept, Liveness, Mark};
use eos_core::broker::cluster::Replica;
use eos_core::clients::producer_txn::ClientTxnState;
use eos_core::config::IsolationLevel;
use eos_core::error_code::ErrorCode;
use eos_core::event::EventKind;
use eos_core::views::visibility::{TxnStatus, transaction_status};
use eos_core::{ClientId, Event, Offset, TopicPartition, World};

/// The world at the cursor and the events the goal counts.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    pub world: &'a World,
    pub events: &'a [Event],
}

impl<'a> Observation<'a> {
    pub fn new(world: &'a World, events: &'a [Event]) -> Self {
        Self { world, events }
    }
}

/// Whether `goal` is met when read with `positive` polarity (false under an odd number of
/// `not`s), and what stands now.
pub(super) fn evaluate(goal: &Goal, seen: &Observation<'_>, positive: bool) -> (bool, String) {
    match goal {
        Goal::Not(inner) => evaluate(inner, seen, !positive),
        // De Morgan: "not all" is "any not", "not any" is "all not".
        Goal::All(goals) if positive => every(goals, seen, positive),
        Goal::Any(goals) if !positive => every(goals, seen, positive),
        Goal::All(goals) | Goal::Any(goals) => some(goals, seen, positive),
        fact => {
            let (holds, status) = observe(fact, seen);
            (holds == positive, status)
        }
    }
}

fn every(goals: &[Goal], seen: &Observation<'_>, positive: bool) -> (bool, String) {
    let results: Vec<(bool, String)> = goals.iter().map(|g| evaluate(g, seen, positive)).collect();
    let unmet: Vec<&str> = results
        .iter()
        .filter(|(met, _)| !met)
        .map(|(_, s)| s.as_str())
        .collect();
    if unmet.is_empty() {
        let all: Vec<&str> = results.iter().map(|(_, s)| s.as_str()).collect();
        (true, all.join("; "))
    } else {
        (false, unmet.join("; "))
    }
}

fn some(goals: &[Goal], seen: &Observation<'_>, positive: bool) -> (bool, String) {
    let results: Vec<(bool, String)> = goals.iter().map(|g| evaluate(g, seen, positive)).collect();
    match results.iter().find(|(met, _)| *met) {
        Some((_, status)) => (true, status.clone()),
        None if results.is_empty() => (false, "there is nothing to choose from".to_owned()),
        None => {
            let all: Vec<&str> = results.iter().map(|(_, s)| s.as_str()).collect();
            (false, all.join("; "))
        }
    }
}

/// Whether a fact holds, and what stands now.
fn observe(fact: &Goal, seen: &Observation<'_>) -> (bool, String) {
    let world = seen.world;
    match fact {
        Goal::All(_) | Goal::Any(_) | Goal::Not(_) => (false, String::new()),
        Goal::Offset(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most);
            match marks(world, &f.partition) {
                Some(m) => {
                    let value = m.get(f.mark).0;
                    (
                        bound_holds(bound, value),
                        format!("{}'s {} is {value}", f.partition, mark_name(f.mark)),
                    )
                }
                None => (false, no_partition(&f.partition)),
            }
        }
        Goal::Visible(f) => visible(world, f),
        Goal::Committed(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most);
            let committed = partition(&f.partition).and_then(|tp| {
                world
                    .groups()
                    .get(&f.group)
                    .and_then(|g| g.committed.get(&tp).copied())
            });
            match committed {
                Some(Offset(offset)) => (
                    bound_holds(bound, offset),
                    format!(
                        "group {} has committed offset {offset} for {}",
                        f.group, f.partition
                    ),
                ),
                None => (
                    false,
                    format!(
                        "group {} has committed no offset for {}",
                        f.group, f.partition
                    ),
                ),
            }
        }
        Goal::Position(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most);
            let position = partition(&f.partition).and_then(|tp| {
                world
                    .consumer(&ClientId::new(f.consumer.as_str()))
                    .filter(|c| c.alive)
                    .and_then(|c| c.positions.get(&tp).copied())
            });
            match position {
                Some(Offset(offset)) => (
                    bound_holds(bound, offset),
                    format!("{}'s position in {} is {offset}", f.consumer, f.partition),
                ),
                None => (
                    false,
                    format!(
                        "{} has no position in {} (not assigned it, not polled yet, or crashed)",
                        f.consumer, f.partition
                    ),
                ),
            }
        }
        Goal::Effects(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
            let effects = world.store().effects();
            match &f.business_id {
                Some(id) => {
                    let applied = effects.get(id.as_str()).map_or(0, |row| row.times_applied);
                    (
                        bound_holds(bound, i64::from(applied)),
                        format!(
                            "the database applied {id}'s effect {}",
                            times(i64::from(applied))
                        ),
                    )
                }
                None => {
                    let applied: i64 = effects.values().map(|r| i64::from(r.times_applied)).sum();
                    (
                        bound_holds(bound, applied),
                        format!(
                            "the database applied {}",
                            count_words(applied, "effect", "effects")
                        ),
                    )
                }
            }
        }
        Goal::Guarantee(f) => match world.invariants().status(&f.name) {
            Some(status) => match &status.broken {
                Some(violation) => (
                    f.is == Kept::Broken,
                    format!(
                        "{} broke at step {}: {}",
                        f.name,
                        violation.step,
                        violation.why.trim_end_matches('.')
                    ),
                ),
                None => (f.is == Kept::Kept, format!("{} holds", f.name)),
            },
            None => (false, format!("the lab checks no guarantee `{}`", f.name)),
        },
        Goal::Transaction(f) => {
            let wanted = transaction_state(&f.is);
            match world
                .coordinator()
                .transactions()
                .find(|t| t.transactional_id == f.transactional_id)
            {
                Some(txn) => (
                    Some(txn.state) == wanted,
                    format!(
                        "the coordinator has {} in {:?}",
                        f.transactional_id, txn.state
                    ),
                ),
                None => (
                    false,
                    format!(
                        "the coordinator knows no transaction for {} yet",
                        f.transactional_id
                    ),
                ),
            }
        }
        Goal::Producer(f) => match world.producer(&ClientId::new(f.id.as_str())) {
            Some(p) => {
                let txn = p.txn.as_ref();
                let fenced = txn.is_some_and(|t| {
                    t.state == ClientTxnState::FatalError
                        && t.last_error == Some(ErrorCode::ProducerFenced)
                });
                let holds = match f.is.as_str() {
                    "running" => p.alive,
                    "crashed" => !p.alive,
                    "fenced" => fenced,
                    state => p.alive && txn.is_some_and(|t| t.state.name() == state),
                };
                let now = if !p.alive {
                    format!("{} has crashed", f.id)
                } else if fenced {
                    format!("{} is fenced (FATAL_ERROR after PRODUCER_FENCED)", f.id)
                } else {
                    match txn {
                        Some(t) => format!("{} is running, in {}", f.id, t.state.name()),
                        None => format!("{} is running", f.id),
                    }
                };
                (holds, now)
            }
            None => (false, format!("there is no producer {}", f.id)),
        },
        Goal::Consumer(f) => match world.consumer(&ClientId::new(f.id.as_str())) {
            Some(c) => {
                let holds = match f.is {
                    Liveness::Running => c.alive,
                    Liveness::Crashed => !c.alive,
                };
                let now = if c.alive { "is running" } else { "has crashed" };
                (holds, format!("{} {now}", f.id))
            }
            None => (false, format!("there is no consumer {}", f.id)),
        },
        Goal::ErrorSeen(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
            let Some(code) = error_code(&f.error) else {
                return (false, format!("Kafka has no error {}", f.error));
            };
            let count = seen
                .events
                .iter()
                .flat_map(|e| errors_in(world, &e.kind))
                .filter(|(error, client)| {
                    *error == code
                        && f.client
                            .as_ref()
                            .is_none_or(|wanted| client.as_ref() == Some(wanted))
                })
                .count();
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            let to = f
                .client
                .as_ref()
                .map_or_else(String::new, |c| format!(" to {c}"));
            (
                bound_holds(bound, count),
                format!("{} was answered{to} {}", f.error, times(count)),
            )
        }
        Goal::EventSeen(f) => {
            let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
            let count = seen
                .events
                .iter()
                .filter(|e| event_name(&e.kind).as_deref() == Some(f.event.as_str()))
                .count();
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            (
                bound_holds(bound, count),
                format!("{} happened {}", f.event, times(count)),
            )
        }
    }
}

/// A partition's four offsets, from its leader.
struct Marks {
    log_start: Offset,
    lso: Offset,
    high_watermark: Offset,
    log_end: Offset,
}

impl Marks {
    fn get(&self, mark: Mark) -> Offset {
        match mark {
            Mark::LogStart => self.log_start,
            Mark::Lso => self.lso,
            Mark::HighWatermark => self.high_watermark,
            Mark::LogEnd => self.log_end,
        }
    }
}

fn marks(world: &World, name: &str) -> Option<Marks> {
    let tp = partition(name)?;
    let p = world.cluster().partition(&tp)?;
    let log = &p.leader_replica()?.log;
    Some(Marks {
        log_start: log.log_start_offset(),
        lso: p.last_stable_offset(),
        high_watermark: p.high_watermark(),
        log_end: log.log_end_offset(),
    })
}

pub(super) fn mark_name(mark: Mark) -> &'static str {
    match mark {
        Mark::LogStart => "log start",
        Mark::Lso => "LSO",
        Mark::HighWatermark => "high watermark",
        Mark::LogEnd => "log end",
    }
}

fn no_partition(name: &str) -> String {
    format!("{name} has no leader to read it from")
}

/// How many records a reader at the fact's isolation level can fetch from its partition now,
/// among those with its key and value (0 for a partition without a leader).
pub(super) fn visible_count(world: &World, f: &super::VisibleFact) -> i64 {
    let leader = partition(&f.partition).and_then(|tp| {
        let leader = world.cluster().partition(&tp)?.leader_replica()?;
        Some((tp, leader))
    });
    match (leader, marks(world, &f.partition)) {
        (Some((tp, leader)), Some(m)) => count_visible(world, &tp, leader, &m, f).1,
        _ => 0,
    }
}

/// (records matching the fact's key and value from the log start, those of them visible).
fn count_visible(
    world: &World,
    tp: &TopicPartition,
    leader: &Replica,
    m: &Marks,
    f: &super::VisibleFact,
) -> (i64, i64) {
    let mut matching = 0_i64;
    let mut seen = 0_i64;
    for batch in leader.log.batches().iter().filter(|b| !b.is_control()) {
        for (i, record) in batch.records.iter().enumerate() {
            let offset = batch.base_offset.plus(i64::try_from(i).unwrap_or(i64::MAX));
            let wanted = offset >= m.log_start
                && f.key
                    .as_ref()
                    .is_none_or(|k| record.key.as_ref() == Some(k))
                && f.value.as_ref().is_none_or(|v| &record.value == v);
            if !wanted {
                continue;
            }
            matching += 1;
            if is_visible(world, tp, offset, m, f.isolation) {
                seen += 1;
            }
        }
    }
    (matching, seen)
}

/// Records a reader at `isolation` can fetch from the partition now, among those matching the
/// key and value asked for; and why the others are out of reach.
fn visible(world: &World, f: &super::VisibleFact) -> (bool, String) {
    let bound = Bound::of(f.eq, f.at_least, f.at_most).or_at_least_one();
    let Some(tp) = partition(&f.partition) else {
        return (false, no_partition(&f.partition));
    };
    let (Some(m), Some(leader)) = (
        marks(world, &f.partition),
        world
            .cluster()
            .partition(&tp)
            .and_then(|p| p.leader_replica()),
    ) else {
        return (false, no_partition(&f.partition));
    };
    let (matching, seen) = count_visible(world, &tp, leader, &m, f);
    let level = isolation_name(f.isolation);
    let what = match (&f.key, &f.value) {
        (Some(k), Some(v)) => format!(" with key {k} and value \"{v}\""),
        (Some(k), None) => format!(" with key {k}"),
        (None, Some(v)) => format!(" with value \"{v}\""),
        (None, None) => String::new(),
    };
    let mut status = format!(
        "a {level} consumer of {} can see {}{what}",
        f.partition,
        count_words(seen, "record", "records")
    );
    if matching > seen {
        status.push_str(&why_hidden(&m, f.isolation, matching - seen));
    }
    (bound_holds(bound, seen), status)
}

/// The consumers' read path, as the inspector tells it (`eos_core::views::visibility`): below the
/// high watermark; for read_committed also below the LSO and not in an aborted transaction.
fn is_visible(
    world: &World,
    tp: &TopicPartition,
    offset: Offset,
    m: &Marks,
    level: IsolationLevel,
) -> bool {
    if offset >= m.high_watermark {
        return false;
    }
    match level {
        IsolationLevel::ReadUncommitted => true,
        IsolationLevel::ReadCommitted => {
            offset < m.lso
                && matches!(
                    transaction_status(world, tp, offset),
                    Some(TxnStatus::None | TxnStatus::Committed)
                )
        }
    }
}

fn why_hidden(m: &Marks, level: IsolationLevel, hidden: i64) -> String {
    let hidden = count_words(hidden, "more is", "more are");
    if m.high_watermark < m.log_end {
        format!(
            " ({hidden} in the log): the high watermark is {}, and the log ends at {}",
            m.high_watermark.0, m.log_end.0
        )
    } else if level == IsolationLevel::ReadCommitted && m.lso < m.high_watermark {
        format!(
            " ({hidden} in the log), because the LSO is {}: an open transaction holds it there",
            m.lso.0
        )
    } else if level == IsolationLevel::ReadCommitted {
        format!(" ({hidden} in the log, in aborted transactions)")
    } else {
        format!(" ({hidden} in the log)")
    }
}

pub(super) fn isolation_name(level: IsolationLevel) -> &'static str {
    match level {
        IsolationLevel::ReadUncommitted => "read_uncommitted",
        IsolationLevel::ReadCommitted => "read_committed",
    }
}

/// Every error code an event carries, with the client it was answered to when the event names
/// one (a producer by id; a coordinator refusal by the transactional.id's producer).
pub(super) fn errors_in(world: &World, kind: &EventKind) -> Vec<(ErrorCode, Option<String>)> {
    let producer_of = |txn_id: &str| {
        world
            .producers()
            .find(|p| p.config.transactional_id.as_deref() == Some(txn_id))
            .map(|p| p.id().to_string())
    };
    match kind {
        EventKind::BatchRejected { error, .. } => vec![(*error, None)],
        EventKind::SendFailed {
            producer, error, ..
        }
        | EventKind::TxnOffsetCommitRefused {
            producer, error, ..
        } => vec![(*error, Some(producer.to_string()))],
        EventKind::FetchFailed {
            consumer, error, ..
        }
        | EventKind::CommitFailed {
            consumer,
            error: Some(error),
            ..
        }
        | EventKind::PositionRead {
            consumer,
            error: Some(error),
            ..
        }
        | EventKind::CommittedRead {
            consumer,
            error: Some(error),
            ..
        } => vec![(*error, Some(consumer.to_string()))],
        EventKind::TransactionVerificationFailed {
            coordinator_error,
            error,
            ..
        } => vec![(*error, None), (*coordinator_error, None)],
        EventKind::PartitionAddedForProducer {
            error: Some(error), ..
        }
        | EventKind::RawCoordinatorRequestHandled {
            error: Some(error), ..
        }
        | EventKind::TransactionAbortedByAdmin {
            result: Err(error), ..
        }
        | EventKind::RawProduceHandled {
            result: Some(Err(error)),
            ..
        } => vec![(*error, None)],
        EventKind::TxnRequestRefused {
            transactional_id,
            error,
            ..
        } => vec![(*error, producer_of(transactional_id))],
        EventKind::OffsetCommitAnswered {
            error: Some(error), ..
        }
        | EventKind::OffsetsMarkerAnswered {
            result: Err(error), ..
        } => vec![(*error, None)],
        EventKind::OffsetCommitAnswered { committed, .. } => committed
            .iter()
            .filter_map(|p| p.error.map(|e| (e, None)))
            .collect(),
        EventKind::FetchAnswered { response, .. } => {
            response.error.map(|e| (e, None)).into_iter().collect()
        }
        EventKind::RecordsDeleted {
            error: Some(error), ..
        } => vec![(*error, None)],
        EventKind::OffsetFetchAnswered { partitions, .. } => partitions
            .iter()
            .filter_map(|p| p.error.map(|e| (e, None)))
            .collect(),
        _ => Vec::new(),
    }
}
