//! A step told in one sentence, then its events grouped by what matters, so a step that
//! delivers forty messages reads as "what was written, refused, answered" instead of a wall of
//! forty explanations. Pure: built from the step's structured events and the world after it.
//!
//! The sentence follows one priority: a broken guarantee, then an error answer, a duplicate
//! refused, a message lost, records written, acknowledgements, transaction changes, timeouts
//! and crashes, consumers, messages, and time last.

mod clauses;
mod groups;
mod sentence;
mod words;

use crate::steps::StepRecord;
use eos_core::World;
use eos_core::error_code::ErrorCode;
use words::Names;

/// A step told for a reader: the sentence, the groups, and every event's own explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepNarration {
    pub sentence: String,
    pub groups: Vec<EventGroup>,
    /// Each event's explanation, in order, for the "show all events" disclosure.
    pub events: Vec<String>,
}

/// One line summing up the events of one kind in the step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventGroup {
    pub kind: GroupKind,
    /// How many of the step's events the line stands for.
    pub count: usize,
    pub line: String,
    /// The errors of an error group, each shown with Kafka's own message.
    pub kafka_errors: Vec<ErrorCode>,
}

/// What a group of events is about, in the order the groups are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKind {
    Guarantees,
    Errors,
    Duplicates,
    Written,
    Answers,
    Transactions,
    Failures,
    Consumers,
    Other,
}

impl GroupKind {
    /// A short word for the group, shown before its line (so colour is never the only sign).
    pub fn label(self) -> &'static str {
        match self {
            GroupKind::Guarantees => "Broken",
            GroupKind::Errors => "Errors",
            GroupKind::Duplicates => "Duplicates",
            GroupKind::Written => "Written",
            GroupKind::Answers => "Answers",
            GroupKind::Transactions => "Transactions",
            GroupKind::Failures => "Failures",
            GroupKind::Consumers => "Consumers",
            GroupKind::Other => "Network and more",
        }
    }

    /// The class name the stylesheet reads.
    pub fn class(self) -> &'static str {
        match self {
            GroupKind::Guarantees => "group-guarantees",
            GroupKind::Errors => "group-errors",
            GroupKind::Duplicates => "group-duplicates",
            GroupKind::Written => "group-written",
            GroupKind::Answers => "group-answers",
            GroupKind::Transactions => "group-transactions",
            GroupKind::Failures => "group-failures",
            GroupKind::Consumers => "group-consumers",
            GroupKind::Other => "group-other",
        }
    }
}

/// Tells `step`; `world` is the world right after it (for the records' keys).
pub fn narrate(step: &StepRecord, world: &World) -> StepNarration {
    let names = Names { world };
    StepNarration {
        sentence: sentence::sentence(step, &names),
        groups: groups::groups(step, &names),
        events: step.events.iter().map(|e| e.explanation.clone()).collect(),
    }
}

/// What the first screen says before any step: the scenario's own introduction, then what to do.
pub fn intro_next_move(scripted_steps: usize) -> String {
    if scripted_steps == 0 {
        "Nothing is scripted: act on any part, for example Send on a producer, then deliver \
         what is in flight."
            .to_owned()
    } else {
        format!(
            "{scripted_steps} scripted steps tell this story. Press Next scripted step (n) to \
             take the first."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{Origin, catalog};
    use eos_core::{Action, EventKind};

    /// Every step of a shipped scenario's script, each told with the world right after it.
    fn told(file: &str) -> Vec<(StepRecord, StepNarration)> {
        let source = catalog()
            .into_iter()
            .find(|s| s.name() == file)
            .unwrap_or_else(|| panic!("no scenario {file}"));
        let origin: Origin = source.origin().expect("a shipped scenario parses");
        let mut world = World::new(&origin.config, origin.seed).expect("its world builds");
        origin
            .script
            .iter()
            .enumerate()
            .map(|(i, action)| {
                let step = StepRecord::apply(&mut world, action.clone(), Some(i))
                    .unwrap_or_else(|e| panic!("{file} step {}: {e}", i + 1));
                let narration = narrate(&step, &world);
                (step, narration)
            })
            .collect()
    }

    fn group(narration: &StepNarration, kind: GroupKind) -> &EventGroup {
        narration
            .groups
            .iter()
            .find(|g| g.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} group in {:#?}", narration.groups))
    }

    #[test]
    fn a_write_names_the_record_its_offset_and_the_answer() {
        let steps = told("02-at-least-once.json");
        assert_eq!(
            steps[1].1.sentence,
            "Broker 1 wrote pay-1 at offset 0 of payments-0 and sent p1 its acknowledgement"
        );
    }

    #[test]
    fn a_dropped_produce_response_is_the_lost_acknowledgement() {
        let steps = told("02-at-least-once.json");
        assert!(matches!(steps[2].0.action, Action::Drop { .. }));
        assert_eq!(
            steps[2].1.sentence,
            "The acknowledgement to p1 was lost: p1 cannot tell whether pay-1 was written \
             (it was, at offset 0 of payments-0)"
        );
    }

    #[test]
    fn a_timeout_says_the_producer_cannot_tell_and_retries() {
        let steps = told("02-at-least-once.json");
        let sentence = &steps[3].1.sentence;
        assert!(
            sentence.starts_with("p1 waited request.timeout.ms"),
            "{sentence}"
        );
        assert!(sentence.contains("attempt 2"), "{sentence}");
    }

    #[test]
    fn a_broken_guarantee_leads_the_sentence() {
        let steps = told("02-at-least-once.json");
        let (_, retry) = &steps[4];
        assert!(
            retry
                .sentence
                .starts_with("Guarantee no_duplicate_write broke: "),
            "{}",
            retry.sentence
        );
        assert!(
            retry.sentence.contains("offset 1 of payments-0"),
            "{}",
            retry.sentence
        );
        assert_eq!(retry.groups[0].kind, GroupKind::Guarantees);
    }

    #[test]
    fn a_duplicate_answer_says_nothing_new_was_written() {
        let steps = told("06-dedup-last-five-batches.json");
        let (_, narration) = steps
            .iter()
            .find(|(step, _)| step.has_duplicate())
            .expect("the scenario answers a retry as a duplicate");
        assert!(
            narration
                .sentence
                .contains("as a duplicate: nothing new was written to payments-0"),
            "{}",
            narration.sentence
        );
        assert!(
            narration.sentence.contains("got the original offset"),
            "{}",
            narration.sentence
        );
        assert_eq!(group(narration, GroupKind::Duplicates).count, 1);
    }

    #[test]
    fn out_of_order_sequence_leads_the_sentence_and_is_counted() {
        let steps = told("07-out-of-order-sequence.json");
        let (_, narration) = &steps[7];
        assert_eq!(
            narration.sentence,
            "Broker 1 refused 2 batches for payments-0 with OUT_OF_ORDER_SEQUENCE_NUMBER: p1 \
             will send them again"
        );
        assert_eq!(
            group(narration, GroupKind::Errors).line,
            "2 error answers: OUT_OF_ORDER_SEQUENCE_NUMBER ×2"
        );
        // Each error once, shown with Kafka's own message.
        assert_eq!(
            group(narration, GroupKind::Errors).kafka_errors,
            vec![ErrorCode::OutOfOrderSequenceNumber]
        );
    }

    #[test]
    fn a_fenced_producer_is_told_to_close() {
        let steps = told("14-zombie-fencing.json");
        let (_, narration) = &steps[12];
        assert_eq!(
            narration.sentence,
            "The transaction coordinator refused p1's EndTxn with PRODUCER_FENCED: p1 is fenced \
             by a newer instance and must close, not retry"
        );
    }

    #[test]
    fn a_commit_says_where_its_markers_went_and_how_the_transaction_moved() {
        let steps = told("28-one-transaction-per-checkpoint.json");
        let (_, narration) = &steps[19];
        assert_eq!(
            narration.sentence,
            "Commit marker written to receipts-0: the transaction's records there are now \
             visible to read_committed consumers"
        );
        let line = &group(narration, GroupKind::Transactions).line;
        assert!(
            line.starts_with("1 commit marker on receipts-0; "),
            "{line}"
        );
        assert!(
            line.contains("receipt-job-sink-0 Ongoing → CompleteCommit"),
            "{line}"
        );
        assert!(
            line.contains("sink COMMITTING_TRANSACTION → READY"),
            "{line}"
        );
        assert!(!line.contains("other"), "every kind is named: {line}");
    }

    #[test]
    fn the_busiest_transactional_step_reads_in_a_few_counted_lines() {
        for file in [
            "28-one-transaction-per-checkpoint.json",
            "11-atomic-write-to-two-topics.json",
        ] {
            let steps = told(file);
            let (step, narration) = steps
                .iter()
                .max_by_key(|(step, _)| step.events.len())
                .expect("steps");
            assert!(matches!(step.action, Action::DeliverAll {}), "{file}");
            assert!(step.events.len() > 15, "{file}: {}", step.events.len());
            assert!(
                narration.groups.len() <= 6,
                "{file}: {:#?}",
                narration.groups
            );
            assert_eq!(narration.events.len(), step.events.len(), "{file}");
            let counted: usize = narration.groups.iter().map(|g| g.count).sum();
            assert_eq!(
                counted,
                step.events.len(),
                "{file}: every event is in one group"
            );
            // The counts in the lines are the events' own.
            let written: i64 = step
                .events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::BatchAppended {
                        base_offset,
                        last_offset,
                        ..
                    } => Some(last_offset.0 - base_offset.0 + 1),
                    _ => None,
                })
                .sum();
            if written > 0 {
                let line = &group(narration, GroupKind::Written).line;
                assert!(
                    line.starts_with(&format!("{written} record")),
                    "{file}: {line}"
                );
            }
            let markers = step
                .events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::MarkerWritten { commit: true, .. }))
                .count();
            if markers > 0 {
                let line = &group(narration, GroupKind::Transactions).line;
                assert!(
                    line.contains(&format!("{markers} commit marker")),
                    "{file}: {line}"
                );
            }
        }
    }

    #[test]
    fn every_shipped_step_gets_a_sentence_of_its_own_words() {
        for source in catalog().into_iter().skip(1) {
            for (i, (step, narration)) in told(source.name()).iter().enumerate() {
                assert!(
                    !narration.sentence.is_empty(),
                    "{} step {}",
                    source.name(),
                    i + 1
                );
                assert!(
                    narration.groups.len() <= 9,
                    "{} step {}: {:#?}",
                    source.name(),
                    i + 1,
                    narration.groups
                );
                let counted: usize = narration.groups.iter().map(|g| g.count).sum();
                assert_eq!(
                    counted,
                    step.events.len(),
                    "{} step {}",
                    source.name(),
                    i + 1
                );
            }
        }
    }

    #[test]
    fn the_intro_says_what_to_press_first() {
        assert!(intro_next_move(12).contains("Next scripted step (n)"));
        assert!(intro_next_move(0).contains("Send"));
    }

    #[test]
    fn an_expired_transactional_id_is_told_as_removed() {
        let steps = told("10-14-transactional-id-expires.json");
        assert_eq!(
            steps[7].1.sentence,
            "payment-writer sat idle in CompleteCommit for transactional.id.expiration.ms, so the \
             transaction coordinator wrote a tombstone for it and forgot it"
        );
        assert_eq!(steps[10].1.sentence, "p1 got producer id 1001 with epoch 0");
    }
}
