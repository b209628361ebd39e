//! Every shipped scenario names its moment and ends with a recap, and at the moment of each
//! concept's primary scenario (the one `?concept=N` opens) the concept is there to see: the
//! step's own events or the world after it show it, not only the end of the run.

use eos_core::coordinator::state_machine::TransactionState;
use eos_core::error_code::ErrorCode;
use eos_core::event::EffectOutcome;
use eos_core::invariants::{
    NO_ACKNOWLEDGED_WRITE_LOST, NO_DUPLICATE_EFFECT, NO_DUPLICATE_WRITE,
    NO_DUPLICATE_WRITE_ACROSS_SESSIONS, NO_RECORD_SKIPPED_BY_GROUP,
};
use eos_core::run::scenario::{Scenario, primary_for_concept};
use eos_core::{EventKind, TopicPartition, World};
use std::path::PathBuf;

fn shipped() -> Vec<(String, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios");
    let mut files: Vec<(String, Scenario)> = std::fs::read_dir(&dir)
        .expect("assets/scenarios")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            let text = std::fs::read_to_string(&path).ok()?;
            Some((
                stem,
                Scenario::parse(&text).expect("a shipped scenario parses"),
            ))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// The world after the moment's step, and that step's events.
fn at_moment(scenario: &Scenario) -> (World, Vec<EventKind>) {
    let moment = scenario.moment.as_ref().expect("a moment").step.get() as usize;
    let mut shortened = scenario.clone();
    shortened.steps.truncate(moment);
    let run = shortened.run().expect("the script runs to its moment");
    let events = run
        .trace
        .steps
        .last()
        .and_then(|s| s.outcome.as_ref().ok())
        .map(|events| events.iter().map(|e| e.kind.clone()).collect())
        .unwrap_or_default();
    (run.world, events)
}

fn broken_now(world: &World, name: &str, step: usize) -> bool {
    world
        .invariants()
        .status(name)
        .and_then(|s| s.broken.as_ref())
        .is_some_and(|v| v.step == step as u64)
}

fn lso_behind_hw(world: &World, topic: &str, partition: u32) -> bool {
    world
        .cluster()
        .partition(&TopicPartition::new(topic, partition))
        .is_some_and(|p| p.last_stable_offset() < p.high_watermark())
}

fn any(events: &[EventKind], pred: impl Fn(&EventKind) -> bool) -> bool {
    events.iter().any(pred)
}

fn count(events: &[EventKind], pred: impl Fn(&EventKind) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}

fn rejected_with(events: &[EventKind], code: ErrorCode) -> bool {
    any(
        events,
        |e| matches!(e, EventKind::BatchRejected { error, .. } if *error == code),
    )
}

fn processed_as_duplicate(events: &[EventKind]) -> bool {
    any(events, |e| {
        matches!(
            e,
            EventKind::RecordProcessed {
                outcome: EffectOutcome::SkippedDuplicate,
                ..
            }
        )
    })
}

fn coordinator_wrote(events: &[EventKind], wanted: TransactionState) -> usize {
    count(
        events,
        |e| matches!(e, EventKind::TxnLogAppended { state, .. } if *state == wanted),
    )
}

/// Whether the world after the moment step, and that step's events, show the concept.
fn shows(concept: u32, world: &World, events: &[EventKind], step: usize) -> bool {
    match concept {
        1 => broken_now(world, NO_RECORD_SKIPPED_BY_GROUP, step),
        2 => broken_now(world, NO_DUPLICATE_WRITE, step),
        3 => {
            count(events, |e| {
                matches!(
                    e,
                    EventKind::SendFailed {
                        error: ErrorCode::RequestTimedOut,
                        ..
                    }
                )
            }) == 2
                && world
                    .cluster()
                    .partition(&TopicPartition::new("payments", 0))
                    .and_then(|p| p.leader_replica())
                    .is_some_and(|l| l.log.log_end_offset().0 == 1)
        }
        4 | 25 => processed_as_duplicate(events),
        5 => {
            let partitions: std::collections::BTreeSet<u32> = events
                .iter()
                .filter_map(|e| match e {
                    EventKind::BatchAppended {
                        topic_partition,
                        producer_id,
                        ..
                    } if producer_id.0 >= 0 => Some(topic_partition.partition),
                    _ => None,
                })
                .collect();
            partitions.len() == 2
        }
        6 => any(events, |e| matches!(e, EventKind::DuplicateBatch { .. })),
        7 => rejected_with(events, ErrorCode::OutOfOrderSequenceNumber),
        8 => broken_now(world, NO_DUPLICATE_WRITE_ACROSS_SESSIONS, step),
        9 => broken_now(world, NO_ACKNOWLEDGED_WRITE_LOST, step),
        10 => any(
            events,
            |e| matches!(e, EventKind::TxnLogAppended { state: TransactionState::Empty, producer_epoch, .. } if producer_epoch.0 > 0),
        ),
        11 => {
            let topics: std::collections::BTreeSet<&str> = events
                .iter()
                .filter_map(|e| match e {
                    EventKind::RecordsPolled {
                        topic_partition, ..
                    } => Some(&*topic_partition.topic),
                    _ => None,
                })
                .collect();
            topics.len() == 2
        }
        12 => {
            any(
                events,
                |e| matches!(e, EventKind::RecordsPolled { topic_partition, .. } if topic_partition.partition == 0),
            ) && lso_behind_hw(world, "payments", 1)
        }
        13 | 19 | 20 => {
            any(events, |e| matches!(e, EventKind::NothingPolled { .. }))
                && lso_behind_hw(world, "payments", 0)
        }
        14 => rejected_with(events, ErrorCode::InvalidProducerEpoch),
        15 => any(events, |e| {
            matches!(e, EventKind::MarkerWritten { commit: false, .. })
        }),
        16 => coordinator_wrote(events, TransactionState::PrepareAbort) == 1,
        17 => {
            count(events, |e| {
                matches!(e, EventKind::MarkerWritten { commit: true, .. })
            }) == 2
                && coordinator_wrote(events, TransactionState::CompleteCommit) == 1
        }
        18 | 21 => any(
            events,
            |e| matches!(e, EventKind::RecordsPolled { offsets, .. } if offsets.iter().map(|o| o.0).eq([3])),
        ),
        22 => {
            any(events, |e| {
                matches!(
                    e,
                    EventKind::TxnOffsetCompleted {
                        commit: true,
                        applied: true,
                        ..
                    }
                )
            }) && any(events, |e| {
                matches!(e, EventKind::MarkerWritten { commit: true, .. })
            })
        }
        23 => broken_now(world, NO_RECORD_SKIPPED_BY_GROUP, step),
        24 => broken_now(world, NO_DUPLICATE_EFFECT, step),
        26 => any(events, |e| {
            matches!(e, EventKind::MarkerWritten { commit: true, .. })
        }),
        // exactly_once_v2 fences a zombie thread by the group's generation.
        27 => any(events, |e| {
            matches!(
                e,
                EventKind::TxnOffsetCommitRefused {
                    error: ErrorCode::IllegalGeneration,
                    ..
                }
            )
        }),
        28 => {
            any(events, |e| matches!(e, EventKind::NothingPolled { .. }))
                && lso_behind_hw(world, "receipts", 0)
        }
        _ => false,
    }
}

#[test]
fn every_shipped_scenario_has_a_moment_and_a_recap() {
    let missing: Vec<String> = shipped()
        .into_iter()
        .filter(|(_, s)| s.moment.is_none() || s.recap.is_none())
        .map(|(stem, _)| stem)
        .collect();
    assert!(missing.is_empty(), "no moment or recap: {missing:?}");
}

#[test]
fn each_concepts_primary_scenario_shows_it_at_its_moment() {
    let files = shipped();
    let listed: Vec<(&str, &[u32])> = files
        .iter()
        .map(|(stem, s)| (stem.as_str(), s.concepts.as_slice()))
        .collect();
    let mut hidden = Vec::new();
    for concept in 1..=28 {
        let stem = primary_for_concept(concept, listed.iter().copied())
            .unwrap_or_else(|| panic!("no shipped scenario shows concept {concept}"));
        let scenario = &files.iter().find(|(s, _)| s == stem).expect("listed").1;
        let step = scenario.moment.as_ref().expect("a moment").step.get() as usize;
        let (world, events) = at_moment(scenario);
        if !shows(concept, &world, &events, step) {
            hidden.push(format!("concept {concept} in {stem} at step {step}"));
        }
    }
    assert!(hidden.is_empty(), "the moment does not show: {hidden:#?}");
}
