//! A Fetch response beside what the consumer returned from it: the batches the leader sent,
//! unfiltered, with its offsets and aborted-transactions list, next to the offsets the
//! application got and the ones the consumer dropped. The clearest picture of read_committed:
//! the broker bounds the read at the last stable offset, the consumer skips aborted batches.
//! Built from the step's events (`records_polled`, `fetch_answered`), never from narration.

use eos_core::broker::batch::ControlKind;
use eos_core::broker::fetch::FetchResponse;
use eos_core::config::IsolationLevel;
use eos_core::{Event, EventKind, Offset, TopicPartition};
use yew::prelude::*;

/// One Fetch answer as the views show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchShown {
    /// The consumer whose poll it was, or `None` for a hand-made Fetch.
    pub consumer: Option<String>,
    pub topic_partition: TopicPartition,
    pub fetch_offset: Offset,
    /// Known for a hand-made Fetch; a poll's is its consumer's `isolation.level`.
    pub isolation_level: Option<IsolationLevel>,
    pub response: FetchResponse,
    pub returned: Vec<Offset>,
    /// Offsets the consumer dropped: aborted records, then markers (a poll says which is which).
    pub skipped_aborted: Vec<Offset>,
    pub skipped_markers: Vec<Offset>,
}

impl FetchShown {
    /// The last Fetch answer among a step's events: a poll's or a hand-made one.
    pub fn last_of(events: &[Event]) -> Option<Self> {
        events.iter().rev().find_map(|e| Self::of(&e.kind))
    }

    /// The last hand-made Fetch answer among a step's events.
    pub fn hand_made_of(events: &[Event]) -> Option<Self> {
        events
            .iter()
            .rev()
            .filter(|e| matches!(e.kind, EventKind::FetchAnswered { .. }))
            .find_map(|e| Self::of(&e.kind))
    }

    fn of(kind: &EventKind) -> Option<Self> {
        match kind {
            EventKind::RecordsPolled {
                consumer,
                topic_partition,
                offsets,
                fetch_offset,
                response,
                skipped_aborted,
                skipped_markers,
            } => Some(Self {
                consumer: Some(consumer.to_string()),
                topic_partition: topic_partition.clone(),
                fetch_offset: *fetch_offset,
                isolation_level: None,
                response: response.clone(),
                returned: offsets.clone(),
                skipped_aborted: skipped_aborted.clone(),
                skipped_markers: skipped_markers.clone(),
            }),
            EventKind::FetchAnswered {
                topic_partition,
                fetch_offset,
                isolation_level,
                response,
                returned,
                ..
            } => {
                let markers: Vec<Offset> = response
                    .batches
                    .iter()
                    .filter(|b| b.control_type.is_some() && b.base_offset >= *fetch_offset)
                    .map(|b| b.base_offset)
                    .collect();
                let skipped_aborted = response
                    .batches
                    .iter()
                    .filter(|b| b.control_type.is_none())
                    .flat_map(|b| b.base_offset.0..=b.last_offset.0)
                    .map(Offset)
                    .filter(|o| *o >= *fetch_offset && !returned.contains(o))
                    .collect();
                Some(Self {
                    consumer: None,
                    topic_partition: topic_partition.clone(),
                    fetch_offset: *fetch_offset,
                    isolation_level: Some(*isolation_level),
                    response: response.clone(),
                    returned: returned.clone(),
                    skipped_aborted,
                    skipped_markers: markers,
                })
            }
            _ => None,
        }
    }

    /// One line per batch the leader sent: its offsets, producer and kind.
    pub fn batch_lines(&self) -> Vec<String> {
        self.response
            .batches
            .iter()
            .map(|b| {
                let offsets = if b.base_offset == b.last_offset {
                    b.base_offset.to_string()
                } else {
                    format!("{}–{}", b.base_offset, b.last_offset)
                };
                let producer = if b.producer_id.is_none() {
                    "no producer id".to_owned()
                } else {
                    format!("producer {}", b.producer_id)
                };
                let kind = match (b.control_type, b.is_transactional) {
                    (Some(ControlKind::Commit), _) => "COMMIT marker",
                    (Some(ControlKind::Abort), _) => "ABORT marker",
                    (None, true) => "transactional",
                    (None, false) => "plain",
                };
                format!("{offsets}: {producer}, {kind}")
            })
            .collect()
    }

    /// The aborted-transactions list in words: absent under read_uncommitted.
    pub fn aborted_line(&self) -> String {
        match &self.response.aborted_transactions {
            None => "none sent (read_uncommitted)".to_owned(),
            Some(list) if list.is_empty() => "empty".to_owned(),
            Some(list) => list
                .iter()
                .map(|t| format!("producer {} from offset {}", t.producer_id, t.first_offset))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

fn offsets_text(offsets: &[Offset]) -> String {
    if offsets.is_empty() {
        "none".to_owned()
    } else {
        offsets
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The response and what the application got, side by side; `id` names the block.
pub fn fetch_response_view(shown: &FetchShown, id: &str) -> Html {
    let who = match &shown.consumer {
        Some(consumer) => format!("Fetch response behind {consumer}'s poll"),
        None => "Hand-made Fetch answer".to_owned(),
    };
    let level = shown.isolation_level.map(|l| match l {
        IsolationLevel::ReadUncommitted => " (read_uncommitted)",
        IsolationLevel::ReadCommitted => " (read_committed)",
    });
    let r = &shown.response;
    html! {
        <section class="fetch-response" id={id.to_owned()} aria-label={who.clone()}>
            <h3>{format!("{who}: {} from offset {}{}", shown.topic_partition, shown.fetch_offset, level.unwrap_or_default())}</h3>
            {match r.error {
                Some(error) => html! {
                    <p class="fetch-error">{format!("Error {error}: nothing returned, every offset -1.")}</p>
                },
                None => html! {
                    <div class="fetch-columns">
                        <div class="fetch-sent">
                            <h4>{"Broker sent"}</h4>
                            <p class="fetch-offsets">{format!("HW {} · LSO {} · log start {}",
                                r.high_watermark, r.last_stable_offset, r.log_start_offset)}</p>
                            {if r.batches.is_empty() {
                                html! { <p class="empty">{"No batch."}</p> }
                            } else {
                                html! {
                                    <ul class="fetch-batches">
                                        { for shown.batch_lines().into_iter().map(|line| html! { <li>{line}</li> }) }
                                    </ul>
                                }
                            }}
                            <p class="fetch-aborted">{"Aborted transactions: "}{shown.aborted_line()}</p>
                        </div>
                        <div class="fetch-returned">
                            <h4>{"Application got"}</h4>
                            <p class="fetch-returned-offsets">{format!("Offsets {}", offsets_text(&shown.returned))}</p>
                            <p>{format!("Skipped as aborted: {}", offsets_text(&shown.skipped_aborted))}</p>
                            <p>{format!("Skipped markers: {}", offsets_text(&shown.skipped_markers))}</p>
                        </div>
                    </div>
                },
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{LabAction, LabState};
    use std::rc::Rc;
    use yew::Reducible;

    fn step_events(file: &str, step: usize) -> Vec<Event> {
        let source = crate::scenarios::catalog()
            .into_iter()
            .find(|s| s.name() == file)
            .expect("shipped");
        let state = std::iter::once(LabAction::Load(source))
            .chain(std::iter::repeat_n(LabAction::NextScripted, step))
            .fold(Rc::new(LabState::default()), |s, a| s.reduce(a));
        state
            .history()
            .get(step - 1)
            .expect("a step")
            .events
            .clone()
    }

    const FETCH: &str = "18-21-hand-made-fetch-and-delete-records.json";

    #[test]
    fn a_read_committed_answer_shows_the_aborted_batch_sent_and_only_offset_2_returned() {
        let shown = FetchShown::hand_made_of(&step_events(FETCH, 5)).expect("a Fetch answer");
        assert_eq!(shown.consumer, None);
        assert_eq!(
            shown.batch_lines(),
            vec![
                "0–1: producer 5000, transactional",
                "2: producer 6000, plain",
                "3: producer 5000, ABORT marker"
            ]
        );
        assert_eq!(shown.aborted_line(), "producer 5000 from offset 0");
        assert_eq!(shown.returned, vec![Offset(2)]);
        assert_eq!(shown.skipped_aborted, vec![Offset(0), Offset(1)]);
        assert_eq!(shown.skipped_markers, vec![Offset(3)]);
    }

    #[test]
    fn a_poll_shows_the_response_behind_what_the_consumer_returned() {
        let events = step_events(FETCH, 9);
        assert_eq!(
            FetchShown::hand_made_of(&events),
            None,
            "a poll is not hand-made"
        );
        let shown = FetchShown::last_of(&events).expect("the poll's response");
        assert_eq!(shown.consumer.as_deref(), Some("reader"));
        assert_eq!(shown.returned, vec![Offset(2), Offset(4), Offset(5)]);
        assert_eq!(shown.skipped_aborted, vec![Offset(0), Offset(1)]);
        assert_eq!(shown.skipped_markers, vec![Offset(3), Offset(6)]);
        assert_eq!(shown.aborted_line(), "producer 5000 from offset 0");
    }
}
