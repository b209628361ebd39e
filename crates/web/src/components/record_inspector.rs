//! "Why can't I see it?": for one offset of one partition, what a `read_uncommitted` and a
//! `read_committed` consumer get and why, the record's transaction status, and its provenance
//! (which send and request attempt wrote it, which retries the broker answered as duplicates).
//! Every answer comes from the core (`visibility`, `provenance`); this file only words it.

use crate::steps::StepsSoFar;
use eos_core::views::provenance::{RecordProvenance, provenance};
use eos_core::views::visibility::{TxnStatus, Visibility, explain, transaction_status};
use eos_core::{Offset, TopicPartition, World};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Debug, Properties)]
pub struct RecordInspectorProps {
    /// The world at the timeline's cursor.
    pub world: Rc<World>,
    /// The history up to the cursor: a deduplicated retry leaves nothing in the log, only an
    /// event, so provenance needs the events.
    pub steps: StepsSoFar,
    pub topic_partition: TopicPartition,
    pub offset: Offset,
}

// The world is not `PartialEq`; every step makes a new `Rc`, so identity is the right test.
impl PartialEq for RecordInspectorProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world)
            && self.steps == other.steps
            && self.topic_partition == other.topic_partition
            && self.offset == other.offset
    }
}

/// A glyph and words for what one isolation level gets, so the verdict never rests on colour.
pub fn verdict(visibility: &Visibility) -> (&'static str, &'static str, &'static str) {
    // (glyph, words, CSS modifier)
    match visibility {
        Visibility::Visible => ("✓", "returned to the application", "is-visible"),
        Visibility::AboveHighWatermark { .. } => {
            ("✗", "not yet: at or above the high watermark", "is-hidden")
        }
        Visibility::AboveLastStableOffset { .. } => (
            "◷",
            "waits: at or above the last stable offset (LSO)",
            "is-waiting",
        ),
        Visibility::Aborted { .. } => (
            "✗",
            "skipped: its transaction was aborted (aborted-transaction index)",
            "is-hidden",
        ),
        Visibility::ControlRecord { .. } => (
            "—",
            "never returned: a control record (transaction marker)",
            "is-hidden",
        ),
        Visibility::OutOfRange => ("?", "not in the log", "is-hidden"),
    }
}

/// The transaction status in words.
pub fn status_words(status: Option<TxnStatus>) -> &'static str {
    match status {
        None => "no record at this offset",
        Some(TxnStatus::None) => "not written in a transaction",
        Some(TxnStatus::Open) => "part of an open transaction (no marker yet on this partition)",
        Some(TxnStatus::Committed) => "part of a committed transaction",
        Some(TxnStatus::Aborted) => "part of an aborted transaction",
        Some(TxnStatus::Marker) => "a COMMIT or ABORT marker",
    }
}

/// "attempt 1 (the first request)", "attempt 3 (retry 2)".
pub fn attempt_words(attempt: u32) -> String {
    match attempt {
        0 => "no request attempt (written by hand or by the coordinator)".to_owned(),
        1 => "attempt 1 (the first request)".to_owned(),
        n => format!("attempt {n} (retry {})", n - 1),
    }
}

/// What the deduplicated retries of a batch were, in words.
pub fn deduplicated_words(attempts: &[u32]) -> String {
    match attempts {
        [] => "none: no later attempt of this batch reached the broker".to_owned(),
        [one] => format!(
            "attempt {one}: the broker found the batch's sequence in its last 5 and answered with the original offset, writing nothing"
        ),
        many => format!(
            "attempts {}: the broker found the batch's sequence in its last 5 and answered each with the original offset, writing nothing",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The record inspector: one region with a heading and definition lists.
#[component]
pub fn RecordInspector(props: &RecordInspectorProps) -> Html {
    let world = &*props.world;
    let tp = &props.topic_partition;
    let offset = props.offset;
    let subject = format!("{tp} offset {offset}");
    let Some(visibility) = explain(world, tp, offset) else {
        return html! {
            <section class="panel inspector record-inspector" aria-labelledby="record-inspector-heading">
                <h2 id="record-inspector-heading">{"Why can't I see it?"}</h2>
                <p class="inspector-subject">{subject}</p>
                <p class="empty">{if world.cluster().partition(tp).is_some() {
                    format!("{tp} has no leader right now, so no consumer can read it.")
                } else {
                    format!("There is no partition {tp} in this cluster.")
                }}</p>
            </section>
        };
    };
    let status = transaction_status(world, tp, offset);
    // Provenance reads the log and the brokers' duplicate answers, the only events it needs.
    let origin = provenance(world, tp, offset, props.steps.duplicate_events());
    let level = |name: &'static str, v: &Visibility| {
        let (glyph, words, modifier) = verdict(v);
        html! {
            <div class={classes!("inspector-fact", "verdict-row", modifier)}>
                <dt><code>{format!("isolation.level={name}")}</code></dt>
                <dd><span class="verdict-glyph" aria-hidden="true">{glyph}</span>{" "}{words}</dd>
            </div>
        }
    };
    html! {
        <section class="panel inspector record-inspector" aria-labelledby="record-inspector-heading">
            <h2 id="record-inspector-heading">{"Why can't I see it?"}</h2>
            <p class="inspector-subject">{subject}</p>
            <dl class="inspector-facts" id="record-visibility">
                {level("read_uncommitted", &visibility.read_uncommitted)}
                {level("read_committed", &visibility.read_committed)}
                <div class="inspector-fact">
                    <dt>{"Transaction status"}</dt>
                    <dd>{status_words(status)}</dd>
                </div>
                <div class="inspector-fact inspector-why">
                    <dt>{"Why"}</dt>
                    <dd id="record-explanation">{&visibility.explanation}</dd>
                </div>
            </dl>
            <h3 class="subhead" id="record-provenance-heading">{"Provenance"}</h3>
            {provenance_list(world, origin.as_ref(), timestamp_words(world, tp, offset))}
        </section>
    }
}

/// The record's timestamp and where it came from: the request's CreateTime, or the append time.
fn timestamp_words(world: &World, tp: &TopicPartition, offset: Offset) -> Option<String> {
    let replica = world.cluster().partition(tp)?.leader_replica()?;
    let batch = replica
        .log
        .batches()
        .iter()
        .find(|b| b.base_offset <= offset && offset < b.next_offset())?;
    let index = usize::try_from(offset.0 - batch.base_offset.0).ok()?;
    Some(match batch.records.get(index)?.timestamp_ms {
        Some(at) => format!("{at} ms, the CreateTime the hand-made request gave it"),
        None => format!(
            "{} ms, when the leader appended its batch",
            batch.timestamp_ms
        ),
    })
}

fn provenance_list(
    world: &World,
    origin: Option<&RecordProvenance>,
    stamp: Option<String>,
) -> Html {
    let Some(origin) = origin else {
        return html! {
            <p class="empty" id="record-provenance">{"No record at this offset, so nothing wrote it."}</p>
        };
    };
    let sends = if origin.send_ids.is_empty() {
        html! { {"no send: a hand-made batch (produce_raw) or a transaction marker from the coordinator"} }
    } else {
        html! {
            <ul class="plain-list">
                { for origin.send_ids.iter().map(|id| html! { <li>{send_words(world, *id)}</li> }) }
            </ul>
        }
    };
    html! {
        <dl class="inspector-facts" id="record-provenance">
            <div class="inspector-fact">
                <dt>{"Batch"}</dt>
                <dd>{format!("starts at offset {}", origin.batch_base_offset)}</dd>
            </div>
            if let Some(stamp) = stamp {
                <div class="inspector-fact">
                    <dt>{"Timestamp"}</dt>
                    <dd>{stamp}</dd>
                </div>
            }
            <div class="inspector-fact">
                <dt>{"Written by"}</dt>
                <dd>{sends}</dd>
            </div>
            <div class="inspector-fact">
                <dt>{"Request"}</dt>
                <dd>{attempt_words(origin.written_by_attempt)}</dd>
            </div>
            <div class="inspector-fact">
                <dt>{"Retries answered as duplicates"}</dt>
                <dd>{deduplicated_words(&origin.deduplicated_attempts)}</dd>
            </div>
        </dl>
    }
}

fn send_words(world: &World, send_id: u64) -> String {
    match world.sends().get(&send_id) {
        Some(send) => format!(
            "send #{send_id}: {} sent {}value \"{}\" to {}",
            send.producer,
            send.key
                .as_ref()
                .map_or_else(String::new, |k| format!("key {k}, ")),
            send.value,
            send.topic_partition
        ),
        None => format!("send #{send_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::ids::ProducerId;

    #[test]
    fn each_verdict_has_its_own_words_and_the_aborted_one_names_the_index() {
        let visibilities = [
            Visibility::Visible,
            Visibility::AboveHighWatermark {
                high_watermark: Offset(1),
            },
            Visibility::AboveLastStableOffset {
                last_stable_offset: Offset(0),
                held_by: None,
            },
            Visibility::Aborted {
                producer_id: ProducerId(6000),
                marker_offset: Offset(2),
            },
            Visibility::ControlRecord { commit: true },
            Visibility::OutOfRange,
        ];
        let mut words: Vec<&str> = visibilities.iter().map(|v| verdict(v).1).collect();
        assert!(words[3].contains("aborted-transaction index"));
        assert!(words[2].contains("LSO"));
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), visibilities.len(), "two verdicts read alike");
    }

    #[test]
    fn attempts_are_counted_from_the_first_request() {
        assert_eq!(attempt_words(1), "attempt 1 (the first request)");
        assert_eq!(attempt_words(3), "attempt 3 (retry 2)");
        assert!(deduplicated_words(&[]).starts_with("none"));
        assert!(deduplicated_words(&[2, 3]).starts_with("attempts 2, 3:"));
    }
}
