//! Names a goal uses, read as Kafka and the lab spell them, and checked against the starting
//! world so that a misspelt partition or guarantee is a located error when the file is checked,
//! not a goal that silently never holds. Where the lab has a closed list (error codes, states),
//! the list comes from the core's own types through serde, never a copy. Event kinds are the
//! exception: deserializing `EventKind` (83 internally tagged variants) is 225 KB of the
//! browser's wasm, so their names are listed here, and a test holds the list to serde's.

use super::{Bound, Goal};
use crate::error::{CourseError, ErrorKind, pointer};
use eos_core::clients::producer_txn::ClientTxnState;
use eos_core::coordinator::state_machine::TransactionState;
use eos_core::error_code::ErrorCode;
use eos_core::event::EventKind;
use eos_core::invariants::Invariants;
use eos_core::{ClientId, TopicPartition, World};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `payments-0` as a topic partition (the topic may itself contain dashes).
pub(crate) fn partition(name: &str) -> Option<TopicPartition> {
    let (topic, number) = name.rsplit_once('-')?;
    if topic.is_empty() || number.starts_with('+') {
        return None;
    }
    Some(TopicPartition::new(topic, number.parse().ok()?))
}

pub(crate) fn error_code(name: &str) -> Option<ErrorCode> {
    serde_json::from_value(json!(name)).ok()
}

pub(crate) fn transaction_state(name: &str) -> Option<TransactionState> {
    serde_json::from_value(json!(name)).ok()
}

/// An event kind's name as the report writes it (`message_dropped`).
pub(crate) fn event_name(kind: &EventKind) -> Option<String> {
    let value = serde_json::to_value(kind).ok()?;
    Some(value.get("event")?.as_str()?.to_owned())
}

/// Every event kind's name as the report writes it, in the core's order (what serde lists
/// after "expected one of"; the test `the_event_kinds_are_serdes` keeps it so).
const EVENT_KINDS: [&str; 95] = [
    "time_advanced",
    "message_sent",
    "message_delivered",
    "message_dropped",
    "message_duplicated",
    "message_delayed",
    "message_lost",
    "record_queued",
    "producer_id_assigned",
    "batch_appended",
    "marker_written",
    "duplicate_batch",
    "batch_rejected",
    "ack_deferred",
    "high_watermark_advanced",
    "send_acknowledged",
    "send_failed",
    "request_timed_out",
    "batch_requeued",
    "producer_epoch_bumped",
    "replica_fetched",
    "follower_truncated",
    "isr_shrunk",
    "isr_expanded",
    "leader_elected",
    "partition_offline",
    "broker_crashed",
    "broker_restarted",
    "producer_crashed",
    "producer_restarted",
    "outbox_relayed",
    "consumer_crashed",
    "consumer_restarted",
    "group_rebalanced",
    "transaction_verification_failed",
    "partition_added_for_producer",
    "streams_output_skipped",
    "streams_tasks_reset",
    "streams_commit_skipped",
    "raw_coordinator_request_sent",
    "raw_coordinator_request_handled",
    "transactions_listed",
    "producers_described",
    "hanging_transactions_found",
    "transaction_aborted_by_admin",
    "raw_produce_handled",
    "network_full",
    "nothing_polled",
    "nothing_to_process",
    "fetch_parked",
    "fetch_completed",
    "fetch_failed",
    "position_resolved",
    "record_transformed",
    "records_polled",
    "record_processed",
    "offset_committed",
    "offsets_sent_to_transaction",
    "txn_offset_commit_pending",
    "txn_offset_commit_refused",
    "txn_offset_completed",
    "producer_state_expired",
    "invariant_broken",
    "producer_call_timed_out",
    "producer_call_resumed",
    "producer_txn_state_changed",
    "txn_log_appended",
    "txn_state_changed",
    "markers_requested",
    "marker_acknowledged",
    "coordinator_moved",
    "coordinator_found",
    "coordinator_loading",
    "coordinator_loaded",
    "txn_request_refused",
    "consumer_seeked",
    "position_reset",
    "position_read",
    "committed_read",
    "offset_for_time_read",
    "group_metadata_read",
    "consumer_added",
    "consumer_assigned",
    "consumer_closed",
    "poll_timeout_expired",
    "commit_failed",
    "producer_close_started",
    "producer_closed",
    "offset_commit_answered",
    "fetch_answered",
    "records_deleted",
    "offset_fetch_answered",
    "raw_fetch_parked",
    "raw_fetch_completed",
    "offsets_marker_answered",
];

/// Whether `name` is one of the core's event kinds.
pub(crate) fn is_event_kind(name: &str) -> bool {
    EVENT_KINDS.contains(&name)
}

/// The event kinds as serde would list them for a name that is none of them.
fn expected_event_kinds() -> String {
    let names: Vec<String> = EVENT_KINDS.iter().map(|n| format!("`{n}`")).collect();
    format!("expected one of {}", names.join(", "))
}

/// What serde lists after "expected one of" for a closed set of names, if `name` is not in it.
pub(crate) fn not_one_of<T: DeserializeOwned>(value: Value) -> Option<String> {
    match serde_json::from_value::<T>(value) {
        Ok(_) => None,
        Err(e) => {
            let message = e.to_string();
            Some(match message.find("expected ") {
                Some(i) => message[i..].to_owned(),
                None => message,
            })
        }
    }
}

impl Bound {
    /// The range a fact's `eq`, `at_least` and `at_most` fields give.
    pub fn of(eq: Option<i64>, at_least: Option<i64>, at_most: Option<i64>) -> Self {
        Self {
            eq,
            at_least,
            at_most,
        }
    }

    /// Counts default to "at least 1" when no field is given.
    pub fn or_at_least_one(self) -> Self {
        if self.is_empty() {
            Self {
                at_least: Some(1),
                ..self
            }
        } else {
            self
        }
    }

    fn is_empty(self) -> bool {
        self.eq.is_none() && self.at_least.is_none() && self.at_most.is_none()
    }
}

struct Checker<'a> {
    source: &'a str,
    world: &'a World,
}

/// The first problem in `goal` (written at `at` in `source`) against the starting world.
pub(super) fn check(goal: &Goal, source: &str, world: &World, at: &str) -> Result<(), CourseError> {
    Checker { source, world }.goal(goal, at)
}

impl Checker<'_> {
    fn unknown(&self, at: &str, field: &str, message: String) -> CourseError {
        CourseError::at(
            self.source,
            &pointer(at, field),
            ErrorKind::UnknownName,
            message,
        )
    }

    fn goal(&self, goal: &Goal, at: &str) -> Result<(), CourseError> {
        match goal {
            Goal::All(goals) | Goal::Any(goals) => {
                let key = if matches!(goal, Goal::All(_)) {
                    "all"
                } else {
                    "any"
                };
                let base = pointer(at, key);
                for (i, g) in goals.iter().enumerate() {
                    self.goal(g, &pointer(&base, i))?;
                }
                Ok(())
            }
            Goal::Not(inner) => self.goal(inner, &pointer(at, "not")),
            Goal::Offset(f) => {
                let at = pointer(at, "offset");
                self.partition(&f.partition, &at)?;
                self.bound(Bound::of(f.eq, f.at_least, f.at_most), true, &at)
            }
            Goal::Visible(f) => {
                let at = pointer(at, "visible");
                self.partition(&f.partition, &at)?;
                self.bound(Bound::of(f.eq, f.at_least, f.at_most), false, &at)
            }
            Goal::Committed(f) => {
                let at = pointer(at, "committed");
                // A group is known by its consumers, or by the offsets hand-made requests
                // committed for it before the start.
                let known = self.world.consumers().any(|c| c.config.group_id == f.group)
                    || self.world.groups().contains_key(&f.group);
                if !known {
                    return Err(self.unknown(
                        &at,
                        "group",
                        format!(
                            "no consumer of the scenario is in group `{}`, nor has it committed \
                             offsets (groups: {})",
                            f.group,
                            self.groups()
                        ),
                    ));
                }
                self.partition(&f.partition, &at)?;
                self.bound(Bound::of(f.eq, f.at_least, f.at_most), true, &at)
            }
            Goal::Position(f) => {
                let at = pointer(at, "position");
                self.consumer(&f.consumer, &at, "consumer")?;
                self.partition(&f.partition, &at)?;
                self.bound(Bound::of(f.eq, f.at_least, f.at_most), true, &at)
            }
            Goal::Effects(f) => self.bound(
                Bound::of(f.eq, f.at_least, f.at_most),
                false,
                &pointer(at, "effects"),
            ),
            Goal::Guarantee(f) => {
                let at = pointer(at, "guarantee");
                let names: Vec<&str> = Invariants::default()
                    .statuses()
                    .iter()
                    .map(|s| s.name)
                    .collect();
                if names.contains(&f.name.as_str()) {
                    Ok(())
                } else {
                    Err(self.unknown(
                        &at,
                        "name",
                        format!(
                            "the lab checks no guarantee `{}`; it checks {}",
                            f.name,
                            names.join(", ")
                        ),
                    ))
                }
            }
            Goal::Transaction(f) => {
                let at = pointer(at, "transaction");
                let mut ids: Vec<String> = self
                    .world
                    .producers()
                    .filter_map(|p| p.config.transactional_id.clone())
                    .collect();
                ids.sort();
                ids.dedup();
                if !ids.contains(&f.transactional_id) {
                    return Err(self.unknown(
                        &at,
                        "transactional_id",
                        format!(
                            "no producer of the scenario has transactional.id `{}` (it has: {})",
                            f.transactional_id,
                            list(&ids)
                        ),
                    ));
                }
                match not_one_of::<TransactionState>(json!(f.is)) {
                    None => Ok(()),
                    Some(expected) => Err(self.unknown(
                        &at,
                        "is",
                        format!("`{}` is not a coordinator state: {expected}", f.is),
                    )),
                }
            }
            Goal::Producer(f) => {
                let at = pointer(at, "producer");
                let Some(producer) = self.world.producer(&ClientId::new(f.id.as_str())) else {
                    return Err(self.unknown(
                        &at,
                        "id",
                        format!(
                            "the scenario has no producer `{}` (it has: {})",
                            f.id,
                            self.producers()
                        ),
                    ));
                };
                match f.is.as_str() {
                    "running" | "crashed" => Ok(()),
                    state => {
                        let known = state == "fenced"
                            || not_one_of::<ClientTxnState>(json!(state)).is_none();
                        if !known {
                            Err(self.unknown(
                                &at,
                                "is",
                                format!(
                                    "`{state}` is not a producer state: expected `running`, `crashed`, `fenced` or a transaction state (UNINITIALIZED, INITIALIZING, READY, IN_TRANSACTION, COMMITTING_TRANSACTION, ABORTING_TRANSACTION, ABORTABLE_ERROR, FATAL_ERROR)"
                                ),
                            ))
                        } else if producer.is_transactional() {
                            Ok(())
                        } else {
                            Err(CourseError::at(
                                self.source,
                                &pointer(&at, "is"),
                                ErrorKind::Invalid,
                                format!(
                                    "{} has no transactional.id, so it is only `running` or `crashed`",
                                    f.id
                                ),
                            ))
                        }
                    }
                }
            }
            Goal::Consumer(f) => self.consumer(&f.id, &pointer(at, "consumer"), "id"),
            Goal::ErrorSeen(f) => {
                let at = pointer(at, "error_seen");
                if let Some(expected) = not_one_of::<ErrorCode>(json!(f.error)) {
                    return Err(self.unknown(
                        &at,
                        "error",
                        format!(
                            "`{}` is not an error code the lab answers: {expected}",
                            f.error
                        ),
                    ));
                }
                if let Some(client) = &f.client {
                    let id = ClientId::new(client.as_str());
                    if self.world.producer(&id).is_none() && self.world.consumer(&id).is_none() {
                        return Err(self.unknown(
                            &at,
                            "client",
                            format!(
                                "the scenario has no client `{client}` (producers: {}; consumers: {})",
                                self.producers(),
                                self.consumers()
                            ),
                        ));
                    }
                }
                self.bound(Bound::of(f.eq, f.at_least, f.at_most), false, &at)
            }
            Goal::EventSeen(f) => {
                let at = pointer(at, "event_seen");
                if !is_event_kind(&f.event) {
                    return Err(self.unknown(
                        &at,
                        "event",
                        format!(
                            "`{}` is not an event kind: {}",
                            f.event,
                            expected_event_kinds()
                        ),
                    ));
                }
                self.bound(Bound::of(f.eq, f.at_least, f.at_most), false, &at)
            }
        }
    }

    fn partition(&self, name: &str, at: &str) -> Result<(), CourseError> {
        let known = partition(name).is_some_and(|tp| self.world.cluster().partition(&tp).is_some());
        if known {
            return Ok(());
        }
        let all: Vec<String> = self
            .world
            .cluster()
            .partitions()
            .map(|p| p.topic_partition.to_string())
            .collect();
        Err(self.unknown(
            at,
            "partition",
            format!(
                "the scenario has no partition `{name}` (it has: {})",
                list(&all)
            ),
        ))
    }

    fn consumer(&self, id: &str, at: &str, field: &str) -> Result<(), CourseError> {
        if self.world.consumer(&ClientId::new(id)).is_some() {
            Ok(())
        } else {
            Err(self.unknown(
                at,
                field,
                format!(
                    "the scenario has no consumer `{id}` (it has: {})",
                    self.consumers()
                ),
            ))
        }
    }

    /// A range must be satisfiable, and offsets must be compared to something.
    fn bound(&self, bound: Bound, required: bool, at: &str) -> Result<(), CourseError> {
        let invalid = |message: &str| {
            Err(CourseError::at(
                self.source,
                at,
                ErrorKind::Invalid,
                message.to_owned(),
            ))
        };
        if required && bound.is_empty() {
            return invalid("give the number to compare with: `eq`, `at_least` or `at_most`");
        }
        if bound.eq.is_some() && (bound.at_least.is_some() || bound.at_most.is_some()) {
            return invalid("`eq` stands alone: drop `at_least` and `at_most`, or `eq`");
        }
        if let (Some(low), Some(high)) = (bound.at_least, bound.at_most)
            && low > high
        {
            return invalid(&format!(
                "at_least {low} is above at_most {high}: no number is both"
            ));
        }
        Ok(())
    }

    fn producers(&self) -> String {
        list(
            &self
                .world
                .producers()
                .map(|p| p.id().to_string())
                .collect::<Vec<_>>(),
        )
    }

    fn consumers(&self) -> String {
        list(
            &self
                .world
                .consumers()
                .map(|c| c.id().to_string())
                .collect::<Vec<_>>(),
        )
    }

    fn groups(&self) -> String {
        let mut groups: Vec<String> = self
            .world
            .consumers()
            .map(|c| c.config.group_id.clone())
            .chain(self.world.groups().keys().cloned())
            .collect();
        groups.sort();
        groups.dedup();
        list(&groups)
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list must be serde's: a new event kind in the core fails here until it is added.
    #[test]
    fn the_event_kinds_are_serdes() {
        let serde_says = not_one_of::<EventKind>(json!({ "event": "no such kind" }))
            .expect("an unknown kind is refused");
        assert_eq!(
            expected_event_kinds(),
            serde_says,
            "keep EVENT_KINDS in crates/course/src/goal/names.rs equal to serde's list"
        );
        assert!(is_event_kind("message_dropped"));
        assert!(!is_event_kind("message_lost_forever"));
    }
}
