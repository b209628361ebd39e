//! Facts that hold now, for "make an exercise from this lab": the app offers them as goals a
//! teacher can pick. Each suggestion is met by the world and events it was drawn from, and uses
//! only names that world knows.

use super::names::{error_code, event_name};
use super::{
    CommittedFact, ConsumerFact, EffectsFact, ErrorSeenFact, EventSeenFact, Goal, GuaranteeFact,
    Kept, Liveness, Mark, OffsetFact, ProducerFact, TransactionFact, VisibleFact,
};
use eos_core::clients::producer_txn::ClientTxnState;
use eos_core::config::IsolationLevel;
use eos_core::error_code::ErrorCode;
use eos_core::{Event, World};
use std::collections::BTreeSet;

/// Facts that hold for `world` and `events`, most telling first: broken guarantees, effects
/// applied more than once, then states, offsets and what readers can see.
pub(super) fn suggestions(world: &World, events: &[Event]) -> Vec<Goal> {
    let mut goals = Vec::new();
    for status in world.invariants().statuses() {
        if status.broken.is_some() {
            goals.push(Goal::Guarantee(GuaranteeFact {
                name: status.name.to_owned(),
                is: Kept::Broken,
            }));
        }
    }
    for (business_id, row) in world.store().effects() {
        goals.push(Goal::Effects(EffectsFact {
            business_id: Some(business_id.to_string()),
            eq: Some(i64::from(row.times_applied)),
            at_least: None,
            at_most: None,
        }));
    }
    for producer in world.producers() {
        let is = if !producer.alive {
            Some("crashed")
        } else if producer.txn.as_ref().is_some_and(|t| {
            t.state == ClientTxnState::FatalError && t.last_error == Some(ErrorCode::ProducerFenced)
        }) {
            Some("fenced")
        } else {
            producer.txn_state().map(ClientTxnState::name)
        };
        if let Some(is) = is {
            goals.push(Goal::Producer(ProducerFact {
                id: producer.id().to_string(),
                is: is.to_owned(),
            }));
        }
    }
    for consumer in world.consumers().filter(|c| !c.alive) {
        goals.push(Goal::Consumer(ConsumerFact {
            id: consumer.id().to_string(),
            is: Liveness::Crashed,
        }));
    }
    for txn in world.coordinator().transactions() {
        let known = world
            .producers()
            .any(|p| p.config.transactional_id.as_deref() == Some(txn.transactional_id.as_str()));
        if known {
            goals.push(Goal::Transaction(TransactionFact {
                transactional_id: txn.transactional_id.clone(),
                is: format!("{:?}", txn.state),
            }));
        }
    }
    for partition in world.cluster().partitions() {
        let Some(leader) = partition.leader_replica() else {
            continue;
        };
        let name = partition.topic_partition.to_string();
        let offsets = [
            (Mark::Lso, partition.last_stable_offset().0),
            (Mark::HighWatermark, partition.high_watermark().0),
            (Mark::LogEnd, leader.log.log_end_offset().0),
        ];
        if offsets.iter().all(|(_, offset)| *offset == 0) {
            continue;
        }
        for (mark, offset) in offsets {
            goals.push(Goal::Offset(OffsetFact {
                partition: name.clone(),
                mark,
                eq: Some(offset),
                at_least: None,
                at_most: None,
            }));
        }
        for isolation in [
            IsolationLevel::ReadUncommitted,
            IsolationLevel::ReadCommitted,
        ] {
            let probe = VisibleFact {
                partition: name.clone(),
                isolation,
                key: None,
                value: None,
                eq: Some(0),
                at_least: None,
                at_most: None,
            };
            let count = super::facts::visible_count(world, &probe);
            goals.push(Goal::Visible(VisibleFact {
                eq: Some(count),
                ..probe
            }));
        }
        for (group_id, group) in world.groups() {
            if let Some(offset) = group.committed.get(&partition.topic_partition) {
                goals.push(Goal::Committed(CommittedFact {
                    group: group_id.clone(),
                    partition: name.clone(),
                    eq: Some(offset.0),
                    at_least: None,
                    at_most: None,
                }));
            }
        }
    }
    let mut errors: BTreeSet<String> = events
        .iter()
        .filter_map(|e| serde_json::to_value(&e.kind).ok())
        .filter_map(|v| {
            ["error", "coordinator_error"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|e| e.as_str()).map(str::to_owned))
        })
        .filter(|name| error_code(name).is_some())
        .collect();
    // Errors an answer carries per partition or as its result, as the goal counts them.
    errors.extend(
        events
            .iter()
            .flat_map(|e| super::facts::errors_in(world, &e.kind))
            .map(|(error, _)| error.name().to_owned()),
    );
    for error in errors {
        goals.push(Goal::ErrorSeen(ErrorSeenFact {
            error,
            client: None,
            eq: None,
            at_least: Some(1),
            at_most: None,
        }));
    }
    let kinds: BTreeSet<String> = events.iter().filter_map(|e| event_name(&e.kind)).collect();
    for event in [
        "duplicate_batch",
        "message_dropped",
        "marker_written",
        "batch_rejected",
    ] {
        if kinds.contains(event) {
            goals.push(Goal::EventSeen(EventSeenFact {
                event: event.to_owned(),
                eq: None,
                at_least: Some(1),
                at_most: None,
            }));
        }
    }
    goals
}
