//! What a `read_uncommitted` and a `read_committed` reader of one partition would get right now,
//! side by side, offset by offset from the log start, and why: the high watermark and the last
//! stable offset (and the open transaction holding it), the aborted-transaction index, markers
//! that take offsets but are never returned. Every verdict is the core's
//! (`eos_core::views::visibility::explain`); only the newest offsets get rows.

use super::fetch_response::{FetchShown, fetch_response_view};
use super::partition_log::{inspect_button, inspected_tag};
use super::{WorldRef, dom_id};
use crate::state::LabAction;
use eos_core::ids::ProducerId;
use eos_core::views::visibility::{Visibility, explain};
use eos_core::{Event, EventKind, Offset, TopicPartition, World};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The newest offsets that get a row.
pub const ROWS_SHOWN: usize = 20;

/// One offset and what each reader gets there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderRow {
    pub offset: Offset,
    /// Key and value, or `None` for a marker.
    pub record: Option<(Option<String>, String)>,
    pub read_uncommitted: Visibility,
    pub read_committed: Visibility,
}

/// The partition as its two kinds of reader see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadersView {
    pub topic_partition: TopicPartition,
    pub log_start: Offset,
    pub last_stable: Offset,
    pub high_watermark: Offset,
    pub log_end: Offset,
    /// The newest offsets, oldest first.
    pub rows: Vec<ReaderRow>,
    /// Offsets between the log start and the first row.
    pub hidden_before: usize,
}

impl ReadersView {
    /// The newest `shown` offsets of `tp`; `None` if it does not exist or has no leader.
    pub fn of(world: &World, tp: &TopicPartition, shown: usize) -> Option<Self> {
        let partition = world.cluster().partition(tp)?;
        let log = &partition.leader_replica()?.log;
        let log_start = log.log_start_offset();
        let log_end = log.log_end_offset();
        let first = Offset((log_end.0 - i64::try_from(shown).unwrap_or(i64::MAX)).max(log_start.0));
        let rows = (first.0..log_end.0)
            .filter_map(|o| {
                let offset = Offset(o);
                let verdict = explain(world, tp, offset)?;
                let record = log.batch_containing(offset).and_then(|batch| {
                    if batch.control.is_some() {
                        return None;
                    }
                    let index = usize::try_from(offset.0 - batch.base_offset.0).ok()?;
                    batch
                        .records
                        .get(index)
                        .map(|r| (r.key.clone(), r.value.clone()))
                });
                Some(ReaderRow {
                    offset,
                    record,
                    read_uncommitted: verdict.read_uncommitted,
                    read_committed: verdict.read_committed,
                })
            })
            .collect();
        Some(Self {
            topic_partition: tp.clone(),
            log_start,
            last_stable: partition.last_stable_offset(),
            high_watermark: partition.high_watermark(),
            log_end,
            rows,
            hidden_before: usize::try_from(first.0 - log_start.0).unwrap_or(0),
        })
    }

    /// The shown offsets a reader at this isolation level gets.
    pub fn returned(&self, committed: bool) -> Vec<Offset> {
        self.rows
            .iter()
            .filter(|r| {
                let verdict = if committed {
                    &r.read_committed
                } else {
                    &r.read_uncommitted
                };
                *verdict == Visibility::Visible
            })
            .map(|r| r.offset)
            .collect()
    }

    /// Why the two readers differ, in plain words, from the verdicts of the shown offsets.
    pub fn reasons(&self) -> Vec<String> {
        let mut reasons = vec![format!(
            "High watermark {}: no reader gets an offset at or above it, whatever its isolation.level; not every in-sync replica has those yet.",
            self.high_watermark
        )];
        let held_by = self.rows.iter().find_map(|r| match r.read_committed {
            Visibility::AboveLastStableOffset { held_by, .. } => Some(held_by),
            _ => None,
        });
        reasons.push(match held_by {
            Some(Some((pid, first))) => format!(
                "Last stable offset (LSO) {}: read_committed stops there, held by producer {pid}'s open transaction that starts at offset {first}. Everything from it up to the high watermark waits, even records of other producers.",
                self.last_stable
            ),
            Some(None) => format!(
                "Last stable offset (LSO) {}: read_committed stops there until a decided transaction's marker is below the high watermark.",
                self.last_stable
            ),
            None => format!(
                "Last stable offset (LSO) {}: no open transaction holds read_committed back below the high watermark.",
                self.last_stable
            ),
        });
        let mut aborted: Vec<(ProducerId, Offset)> = self
            .rows
            .iter()
            .filter_map(|r| match r.read_committed {
                Visibility::Aborted {
                    producer_id,
                    marker_offset,
                } => Some((producer_id, marker_offset)),
                _ => None,
            })
            .collect();
        aborted.dedup();
        for (pid, marker) in aborted {
            let offsets = self
                .rows
                .iter()
                .filter(|r| {
                    r.read_committed
                        == Visibility::Aborted {
                            producer_id: pid,
                            marker_offset: marker,
                        }
                })
                .map(|r| r.offset.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            reasons.push(format!(
                "Aborted-transaction index: producer {pid}'s transaction ended by the ABORT marker at offset {marker}. read_committed skips its records (offsets {offsets}); read_uncommitted returns them."
            ));
        }
        let markers: Vec<String> = self
            .rows
            .iter()
            .filter(|r| matches!(r.read_uncommitted, Visibility::ControlRecord { .. }))
            .map(|r| r.offset.to_string())
            .collect();
        if !markers.is_empty() {
            reasons.push(format!(
                "Markers at offsets {}: control records are never returned to the application, so the offsets a reader sees have gaps there.",
                markers.join(", ")
            ));
        }
        reasons
    }
}

/// A glyph, a short word and a data value for one verdict, so the table never rests on colour.
pub fn verdict_cell(visibility: &Visibility) -> (&'static str, &'static str, &'static str) {
    match visibility {
        Visibility::Visible => ("✓", "returned", "returned"),
        Visibility::AboveHighWatermark { .. } => ("✗", "above HW", "above-high-watermark"),
        Visibility::AboveLastStableOffset { .. } => ("◷", "above LSO", "above-lso"),
        Visibility::Aborted { .. } => ("✗", "aborted", "aborted"),
        Visibility::ControlRecord { .. } => ("—", "marker", "marker"),
        Visibility::OutOfRange => ("?", "not in log", "out-of-range"),
    }
}

/// The partition a step acted on, for the view to follow: the last one its events wrote a
/// batch or a marker to, answered a produce on, or polled records from. `None` for a step that
/// touched no partition's log (a crash, a delivered answer), so the view stays where it was.
pub fn partition_acted_on(events: &[Event]) -> Option<TopicPartition> {
    events.iter().rev().find_map(|event| match &event.kind {
        EventKind::BatchAppended {
            topic_partition, ..
        }
        | EventKind::MarkerWritten {
            topic_partition, ..
        }
        | EventKind::DuplicateBatch {
            topic_partition, ..
        }
        | EventKind::BatchRejected {
            topic_partition, ..
        }
        | EventKind::RawProduceHandled {
            topic_partition, ..
        }
        | EventKind::TransactionAbortedByAdmin {
            topic_partition, ..
        }
        | EventKind::RecordsPolled {
            topic_partition, ..
        }
        | EventKind::FetchAnswered {
            topic_partition, ..
        }
        | EventKind::RecordsDeleted {
            topic_partition, ..
        } => Some(topic_partition.clone()),
        _ => None,
    })
}

/// Which partition the view shows: the one the user picked, else the one the steps last acted
/// on, else the first.
pub fn shown_partition(
    partitions: &[TopicPartition],
    picked: Option<&TopicPartition>,
    followed: Option<&TopicPartition>,
) -> Option<TopicPartition> {
    picked
        .filter(|tp| partitions.contains(tp))
        .or_else(|| followed.filter(|tp| partitions.contains(tp)))
        .or(partitions.first())
        .cloned()
}

/// The select's value for "follow the steps".
const FOLLOW: &str = "follow";

#[derive(Debug, Properties, PartialEq)]
pub struct ConsumerViewProps {
    pub world: WorldRef,
    pub dispatch: Callback<LabAction>,
    /// The record the inspector shows, marked in the table.
    #[prop_or_default]
    pub inspected: Option<(TopicPartition, Offset)>,
    /// The partition the step at the cursor acted on ([`partition_acted_on`]), followed until
    /// the user picks one.
    #[prop_or_default]
    pub acted_on: Option<TopicPartition>,
    /// The Fetch response behind the step's poll or hand-made Fetch, shown beside what the
    /// consumer returned ([`FetchShown::last_of`]).
    #[prop_or_default]
    pub fetch: Option<FetchShown>,
}

#[component]
pub fn ConsumerView(props: &ConsumerViewProps) -> Html {
    let partitions: Vec<TopicPartition> = props
        .world
        .cluster()
        .partitions()
        .map(|p| p.topic_partition.clone())
        .collect();
    let picked = use_state(|| None::<TopicPartition>);
    // Kept across steps that act on no partition, so a crash or an answer does not send the
    // view back to the first partition. Written during render: it only remembers a prop.
    let followed = use_mut_ref(|| None::<TopicPartition>);
    if let Some(tp) = &props.acted_on {
        *followed.borrow_mut() = Some(tp.clone());
    }
    let followed = followed.borrow().clone();
    let Some(tp) = shown_partition(&partitions, picked.as_ref(), followed.as_ref()) else {
        return Html::default();
    };
    let on_partition = {
        let picked = picked.clone();
        let partitions = partitions.clone();
        Callback::from(move |e: web_sys::Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                let index = select.value().parse::<usize>().ok();
                picked.set(index.and_then(|i| partitions.get(i).cloned()));
            }
        })
    };
    let following = picked.is_none();
    let followed =
        shown_partition(&partitions, None, followed.as_ref()).unwrap_or_else(|| tp.clone());
    let body = match ReadersView::of(&props.world, &tp, ROWS_SHOWN) {
        None => html! {
            <p class="notice">{format!("{tp} has no leader right now: no reader gets anything.")}</p>
        },
        Some(view) => {
            let inspected = props
                .inspected
                .as_ref()
                .filter(|(at, _)| *at == tp)
                .map(|(_, offset)| *offset);
            readers(&view, inspected, &props.dispatch)
        }
    };
    html! {
        <section class="panel panel-consumer-view" id="consumer-view" aria-labelledby="consumer-view-heading">
            <h2 id="consumer-view-heading">{"Consumer view: read_committed and read_uncommitted"}</h2>
            <div class="consumer-view-pick">
                <label for="consumer-view-partition">{"Partition"}</label>
                <select id="consumer-view-partition" onchange={on_partition}>
                    <option value={FOLLOW} selected={following}>
                        {format!("Follow the steps (now {followed})")}
                    </option>
                    { for partitions.iter().enumerate().map(|(i, p)| html! {
                        <option value={i.to_string()} selected={!following && p == &tp}>{p.to_string()}</option>
                    }) }
                </select>
            </div>
            {body}
            {props.fetch.as_ref().map(|shown| fetch_response_view(shown, "consumer-view-fetch"))}
        </section>
    }
}

fn readers(view: &ReadersView, inspected: Option<Offset>, dispatch: &Callback<LabAction>) -> Html {
    let name = view.topic_partition.to_string();
    let summary = |committed: bool| {
        let level = if committed {
            "read_committed"
        } else {
            "read_uncommitted"
        };
        let returned = view.returned(committed);
        let list = if returned.is_empty() {
            "nothing".to_owned()
        } else {
            format!(
                "offsets {}",
                returned
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        html! {
            <p class="reader-summary" id={dom_id(&format!("consumer-view-{level}"), &name)}>
                <code>{level}</code>{format!(" returns {list}")}
                {if view.hidden_before > 0 { format!(" (of the {} newest offsets)", view.rows.len()) } else { String::new() }}
            </p>
        }
    };
    html! {
        <>
            <p class="consumer-view-offsets">
                {format!("Log start {} · LSO {} · high watermark {} · log end {}",
                    view.log_start, view.last_stable, view.high_watermark, view.log_end)}
            </p>
            {summary(false)}
            {summary(true)}
            {(view.hidden_before > 0).then(|| html! {
                <p class="consumer-view-hidden">{format!("{} earlier offsets not shown.", view.hidden_before)}</p>
            })}
            {if view.rows.is_empty() {
                html! { <p class="empty">{"The log is empty: neither reader gets anything."}</p> }
            } else {
                html! {
                    <div class="consumer-view-table">
                        <table id="consumer-view-rows">
                            <caption class="visually-hidden">{format!("What each reader of {name} gets, offset by offset")}</caption>
                            <thead><tr>
                                <th scope="col">{"Offset"}</th>
                                <th scope="col">{"Record"}</th>
                                // A line may break after "read_" on a phone, not inside a word.
                                <th scope="col"><code>{"read_"}<wbr />{"uncommitted"}</code></th>
                                <th scope="col"><code>{"read_"}<wbr />{"committed"}</code></th>
                            </tr></thead>
                            <tbody>
                                { for view.rows.iter().map(|row| reader_row(row, &view.topic_partition, inspected == Some(row.offset), dispatch)) }
                            </tbody>
                        </table>
                    </div>
                }
            }}
            <ul class="consumer-view-reasons" aria-label="Why the readers differ">
                { for view.reasons().into_iter().map(|reason| html! { <li>{reason}</li> }) }
            </ul>
        </>
    }
}

fn reader_row(
    row: &ReaderRow,
    tp: &TopicPartition,
    inspected: bool,
    dispatch: &Callback<LabAction>,
) -> Html {
    let record = match &row.record {
        None => html! { <span class="control">{"◆ marker"}</span> },
        Some((key, value)) => html! {
            <>
                {key.as_ref().map(|k| html! { <><code>{k}</code>{" "}</> })}
                <span class="record-value">{value}</span>
            </>
        },
    };
    let record = html! { <>{record}{inspected.then(|| html! { <>{" "}{inspected_tag()}</> })}</> };
    let cell = |visibility: &Visibility, level: &'static str| {
        let (glyph, word, data) = verdict_cell(visibility);
        html! {
            <td class={classes!("reader-verdict", format!("reader-{level}"), format!("is-{data}"))} data-verdict={data}>
                <span aria-hidden="true">{glyph}</span>{format!(" {word}")}
            </td>
        }
    };
    html! {
        <tr key={row.offset.0} data-offset={row.offset.0.to_string()}
            class={classes!(inspected.then_some("is-inspected"))} aria-current={inspected.then_some("true")}>
            <th scope="row">{inspect_button(tp, row.offset, dispatch)}</th>
            <td class="reader-record">{record}</td>
            {cell(&row.read_uncommitted, "uncommitted")}
            {cell(&row.read_committed, "committed")}
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LabState;
    use std::rc::Rc;
    use yew::Reducible;

    fn after_steps(file: &str, steps: Option<usize>) -> Rc<LabState> {
        let source = crate::scenarios::catalog()
            .into_iter()
            .find(|s| s.name() == file)
            .expect("shipped");
        let steps = steps.unwrap_or_else(|| source.origin().expect("parses").script.len());
        std::iter::once(LabAction::Load(source))
            .chain(std::iter::repeat_n(LabAction::NextScripted, steps))
            .fold(Rc::new(LabState::default()), |s, a| s.reduce(a))
    }

    fn payments_0(state: &LabState, shown: usize) -> ReadersView {
        let world = state.world().expect("world");
        ReadersView::of(world, &TopicPartition::new("payments", 0), shown).expect("a leader")
    }

    const OPEN: &str = "13-19-20-open-transaction-holds-the-lso.json";

    #[test]
    fn an_open_transaction_hides_everything_from_its_start_from_read_committed() {
        let view = payments_0(&after_steps(OPEN, Some(6)), ROWS_SHOWN);
        assert_eq!(view.returned(false), vec![Offset(0), Offset(1)]);
        assert_eq!(view.returned(true), Vec::<Offset>::new());
        assert!(matches!(
            view.rows[1].read_committed,
            Visibility::AboveLastStableOffset {
                held_by: Some((ProducerId(5000), Offset(0))),
                ..
            }
        ));
        let reasons = view.reasons().join(" ");
        assert!(
            reasons.contains("producer 5000's open transaction"),
            "{reasons}"
        );
    }

    #[test]
    fn after_the_commit_both_read_the_records_and_neither_the_marker() {
        let view = payments_0(&after_steps(OPEN, None), ROWS_SHOWN);
        assert_eq!(view.returned(false), vec![Offset(0), Offset(1)]);
        assert_eq!(view.returned(true), vec![Offset(0), Offset(1)]);
        assert_eq!(view.rows[2].record, None, "offset 2 is the COMMIT marker");
        assert!(
            view.reasons()
                .iter()
                .any(|r| r.contains("Markers at offsets 2"))
        );
    }

    #[test]
    fn aborted_records_are_returned_only_under_read_uncommitted() {
        let view = payments_0(
            &after_steps("18-21-aborted-records-are-skipped.json", None),
            ROWS_SHOWN,
        );
        let aborted: Vec<Offset> = view
            .rows
            .iter()
            .filter(|r| matches!(r.read_committed, Visibility::Aborted { .. }))
            .map(|r| r.offset)
            .collect();
        assert!(!aborted.is_empty());
        for offset in aborted {
            assert!(view.returned(false).contains(&offset));
            assert!(!view.returned(true).contains(&offset));
        }
        assert!(
            view.reasons()
                .iter()
                .any(|r| r.contains("Aborted-transaction index"))
        );
    }

    #[test]
    fn a_ten_thousand_record_log_gets_only_the_newest_rows() {
        let mut world = World::new(&eos_core::WorldConfig::default(), 0).expect("world");
        // Ten hand-made batches of a thousand records: the most one batch may hold.
        for batch in 0..10 {
            world
                .step(&eos_core::Action::ProduceRaw {
                    topic: "payments".to_owned(),
                    partition: 0,
                    producer_id: 5000,
                    producer_epoch: 0,
                    base_sequence: batch * 1000,
                    record_count: Some(1000),
                    is_transactional: false,
                    acks: eos_core::config::Acks::All,
                    records: Vec::new(),
                    transactional_id: None,
                    version: None,
                })
                .expect("a hand-made batch");
        }
        let tp = TopicPartition::new("payments", 0);
        let view = ReadersView::of(&world, &tp, ROWS_SHOWN).expect("a leader");
        assert_eq!(view.rows.len(), ROWS_SHOWN);
        assert_eq!(view.rows[0].offset, Offset(10_000 - ROWS_SHOWN as i64));
        assert_eq!(view.hidden_before, 10_000 - ROWS_SHOWN);
        assert_eq!(
            view.returned(true).len(),
            ROWS_SHOWN,
            "nothing transactional"
        );
    }

    /// Free play after `actions`: the events of its last step.
    fn last_step_events(actions: Vec<eos_core::Action>) -> Vec<Event> {
        let state = actions
            .into_iter()
            .map(LabAction::Act)
            .fold(Rc::new(LabState::default()), |s, a| s.reduce(a));
        let last = state.history().len().checked_sub(1).expect("a step");
        state.history().get(last).expect("a step").events.clone()
    }

    fn send_to(partition: u32) -> eos_core::Action {
        eos_core::Action::Send {
            producer: eos_core::ClientId::new("p1"),
            topic: "payments".to_owned(),
            partition: Some(partition),
            key: None,
            value: "10".to_owned(),
        }
    }

    #[test]
    fn the_view_follows_a_write_to_the_second_partition() {
        let delivered = last_step_events(vec![send_to(1), eos_core::Action::DeliverAll {}]);
        let payments_1 = TopicPartition::new("payments", 1);
        assert_eq!(partition_acted_on(&delivered), Some(payments_1.clone()));
        let partitions = [TopicPartition::new("payments", 0), payments_1.clone()];
        assert_eq!(
            shown_partition(&partitions, None, Some(&payments_1)),
            Some(payments_1)
        );
    }

    #[test]
    fn a_poll_is_followed_to_the_partition_it_read_from() {
        let polled = last_step_events(vec![
            send_to(1),
            eos_core::Action::DeliverAll {},
            eos_core::Action::Poll {
                consumer: eos_core::ClientId::new("raw-reader"),
            },
        ]);
        assert_eq!(
            partition_acted_on(&polled),
            Some(TopicPartition::new("payments", 1))
        );
    }

    #[test]
    fn a_step_on_no_partition_is_not_followed_and_a_pick_wins_over_following() {
        let sent = last_step_events(vec![send_to(1)]);
        assert_eq!(partition_acted_on(&sent), None, "a send only queues");
        let payments_0 = TopicPartition::new("payments", 0);
        let payments_1 = TopicPartition::new("payments", 1);
        let partitions = [payments_0.clone(), payments_1.clone()];
        assert_eq!(
            shown_partition(&partitions, Some(&payments_0), Some(&payments_1)),
            Some(payments_0.clone()),
            "the user's pick"
        );
        assert_eq!(
            shown_partition(&partitions, None, None),
            Some(payments_0.clone())
        );
        let gone = TopicPartition::new("orders", 0);
        assert_eq!(
            shown_partition(&partitions, None, Some(&gone)),
            Some(payments_0),
            "a partition the world no longer has"
        );
    }

    #[test]
    fn only_the_newest_offsets_get_rows() {
        let full = payments_0(&after_steps(OPEN, None), ROWS_SHOWN);
        let tail = payments_0(&after_steps(OPEN, None), 1);
        assert_eq!(tail.rows.len(), 1);
        assert_eq!(tail.rows[0], full.rows[full.rows.len() - 1]);
        assert_eq!(tail.hidden_before, full.rows.len() - 1);
    }
}
