//! One partition's log as its leader stores it: each record with its offset, key and value, the
//! producer id, epoch and sequence it was written with, and its transaction's outcome; markers
//! drawn as control records; the log start offset, last stable offset, high watermark and log
//! end offset between them. Only the newest records get rows, so a log of any length stays fast.
//! A record's transaction status is the core's (`eos_core::views::visibility::transaction_status`), the
//! same answer the inspector gives; each offset is a button that picks the record for it.

use super::{WorldRef, act, dom_id};
use crate::state::LabAction;
use eos_core::broker::batch::ControlKind;
use eos_core::broker::cluster::Partition;
pub use eos_core::views::visibility::TxnStatus;
use eos_core::views::visibility::transaction_status;
use eos_core::{Action, Offset, TopicPartition, World};
use yew::prelude::*;

/// Rows shown at first, and added by each "show earlier".
pub const ROWS_PER_PAGE: usize = 30;

/// A glyph and a word for a record's transaction status, so colour is never the only cue.
pub fn status_label(status: TxnStatus) -> (&'static str, &'static str) {
    match status {
        TxnStatus::None => ("·", "no transaction"),
        TxnStatus::Open => ("◷", "open"),
        TxnStatus::Committed => ("✓", "committed"),
        TxnStatus::Aborted => ("✗", "aborted"),
        TxnStatus::Marker => ("◆", "marker"),
    }
}

/// The CSS class that colours a record by its transaction status.
pub fn status_class(status: TxnStatus) -> &'static str {
    match status {
        TxnStatus::None => "txn-none",
        TxnStatus::Open => "txn-open",
        TxnStatus::Committed => "txn-committed",
        TxnStatus::Aborted => "txn-aborted",
        TxnStatus::Marker => "txn-marker",
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView {
    pub offset: Offset,
    pub key: Option<String>,
    pub value: String,
    /// Set for transaction markers, which hold no payload of their own.
    pub control: Option<ControlKind>,
    /// Producer id, epoch and this record's sequence, for records of idempotent producers.
    pub stamp: Option<(i64, i16, i32)>,
    pub status: TxnStatus,
    /// The record opens a segment with this base offset.
    pub opens_segment: bool,
}

/// What the view shows of a partition, read once per render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionView {
    pub topic_partition: TopicPartition,
    /// Broker, log end offset and whether it leads, per replica.
    pub replicas: Vec<(u32, Offset, bool)>,
    pub isr: Vec<u32>,
    pub log_start: Offset,
    pub last_stable: Offset,
    pub high_watermark: Offset,
    pub log_end: Offset,
    /// The newest records, oldest first.
    pub records: Vec<RecordView>,
    /// Records in the log before the first shown one.
    pub hidden_before: usize,
    /// What the leader remembers of each producer, for deduplication and fencing.
    pub producers: Vec<ProducerStateView>,
}

/// One producer as a partition leader remembers it (`ProducerStateEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerStateView {
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// The retained batches, oldest first: sequences and the offsets they were written at.
    pub batches: Vec<String>,
    /// Where the producer's open transaction starts, if one is open.
    pub open_transaction_at: Option<i64>,
}

impl PartitionView {
    /// The newest `shown` records of the leader's log of `partition` (a partition of `world`)
    /// and its marks; `None` without a leader.
    pub fn of(world: &World, partition: &Partition, shown: usize) -> Option<Self> {
        let leader = partition.leader_replica()?;
        let log = &leader.log;
        let segment_bases: Vec<Offset> = log.segments().iter().map(|s| s.base_offset).collect();
        let tp = &partition.topic_partition;
        let mut records = Vec::new();
        for batch in log.batches().iter().rev() {
            if records.len() >= shown {
                break;
            }
            // A batch belongs to one producer and one transaction: one answer for all its records.
            let status =
                transaction_status(world, tp, batch.base_offset).unwrap_or(TxnStatus::None);
            for (index, record) in batch.records.iter().enumerate().rev() {
                if records.len() >= shown {
                    break;
                }
                let offset = batch.base_offset.plus(index as i64);
                let stamp = (!batch.stamp.producer_id.is_none()).then(|| {
                    (
                        batch.stamp.producer_id.0,
                        batch.stamp.producer_epoch.0,
                        batch.stamp.base_sequence.plus(index as i32).0,
                    )
                });
                records.push(RecordView {
                    offset,
                    key: record.key.clone(),
                    value: record.value.clone(),
                    control: batch.control,
                    stamp: if batch.control.is_some() { None } else { stamp },
                    status,
                    opens_segment: segment_bases.binary_search(&offset).is_ok(),
                });
            }
        }
        records.reverse();
        let first_shown = records.first().map_or(log.log_end_offset(), |r| r.offset);
        Some(Self {
            topic_partition: partition.topic_partition.clone(),
            replicas: partition
                .replicas
                .iter()
                .map(|r| {
                    (
                        r.broker.0,
                        r.log.log_end_offset(),
                        partition.leader == Some(r.broker),
                    )
                })
                .collect(),
            isr: partition.isr.iter().map(|b| b.0).collect(),
            log_start: log.log_start_offset(),
            last_stable: partition.last_stable_offset(),
            high_watermark: partition.high_watermark(),
            log_end: log.log_end_offset(),
            hidden_before: usize::try_from(first_shown.0 - log.log_start_offset().0).unwrap_or(0),
            records,
            producers: leader
                .producers
                .entries()
                .map(|entry| ProducerStateView {
                    producer_id: entry.producer_id.0,
                    producer_epoch: entry.producer_epoch.0,
                    batches: entry
                        .batch_metadata()
                        .iter()
                        .map(|b| {
                            format!(
                                "seq {}–{} at {}–{}",
                                b.first_seq, b.last_seq, b.first_offset, b.last_offset
                            )
                        })
                        .collect(),
                    open_transaction_at: entry.current_txn_first_offset.map(|o| o.0),
                })
                .collect(),
        })
    }

    /// The marks that sit just before `offset`, as (name, class).
    fn marks_at(&self, offset: Offset) -> Vec<(&'static str, &'static str)> {
        [
            (self.log_start, "log start offset", "mark-log-start"),
            (self.last_stable, "last stable offset (LSO)", "mark-lso"),
            (self.high_watermark, "high watermark", "mark-high-watermark"),
            (self.log_end, "log end offset", "mark-log-end"),
        ]
        .into_iter()
        .filter(|(at, _, _)| *at == offset)
        .map(|(_, name, class)| (name, class))
        .collect()
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct PartitionLogProps {
    pub world: WorldRef,
    pub topic_partition: TopicPartition,
    pub dispatch: Callback<LabAction>,
    /// The offset of this partition the inspector shows, marked in the log.
    #[prop_or_default]
    pub inspected: Option<Offset>,
}

/// One partition: its offsets, replicas and newest records.
#[component]
pub fn PartitionLogView(props: &PartitionLogProps) -> Html {
    let shown = use_state(|| ROWS_PER_PAGE);
    let tp = &props.topic_partition;
    let name = tp.to_string();
    let heading = dom_id("partition-heading", &name);
    let Some(partition) = props.world.cluster().partition(tp) else {
        return Html::default();
    };
    let body = match PartitionView::of(&props.world, partition, *shown) {
        None => {
            html! { <p class="notice">{format!("{tp} has no leader right now: no replica can serve it.")}</p> }
        }
        Some(view) => log_body(&view, &shown, props),
    };
    html! {
        <section class="panel panel-log" aria-labelledby={heading.clone()}>
            <div class="panel-head">
                <h2 id={heading}>{"Partition "}<code>{name}</code></h2>
            </div>
            {body}
        </section>
    }
}

fn log_body(
    view: &PartitionView,
    shown: &UseStateHandle<usize>,
    props: &PartitionLogProps,
) -> Html {
    let name = view.topic_partition.to_string();
    let earlier = (view.hidden_before > 0).then(|| {
        let shown = shown.clone();
        let count = ROWS_PER_PAGE.min(view.hidden_before);
        html! {
            <button type="button" class="button" id={dom_id("show-earlier", &name)}
                onclick={Callback::from(move |_: MouseEvent| shown.set(*shown + ROWS_PER_PAGE))}>
                {format!("Show {count} earlier ({} not shown)", view.hidden_before)}
            </button>
        }
    });
    let replicas = (view.replicas.len() > 1).then(|| {
        let tp = &view.topic_partition;
        html! {
            <div class="replicas">
                <p>
                    {"Replicas: "}
                    { for view.replicas.iter().map(|(broker, end, leader)| html! {
                        <span class="chip">{format!("broker {broker}{} · log end {end}",
                            if *leader { " (leader)" } else { "" })}</span>
                    }) }
                    {format!(" ISR: {}", view.isr.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))}
                </p>
                <button type="button" class="button" id={dom_id("replicate", &name)}
                    onclick={act::<MouseEvent>(&props.dispatch, Action::Replicate {
                        topic: tp.topic.to_string(), partition: tp.partition, broker: None, up_to: None })}>
                    {"Followers fetch"}
                </button>
            </div>
        }
    });
    html! {
        <div class="partition">
            <div class="offsets">
                {offset_stat(&dom_id("log-start-offset", &name), "Log start", view.log_start, "oldest offset kept")}
                {offset_stat(&dom_id("last-stable-offset", &name), "LSO", view.last_stable, "read_committed reads below it")}
                {offset_stat(&dom_id("high-watermark", &name), "High watermark", view.high_watermark, "consumers read below it")}
                {offset_stat(&dom_id("log-end-offset", &name), "Log end", view.log_end, "the next record goes here")}
            </div>
            {replicas}
            {producer_state(view)}
            {earlier}
            <ol id={dom_id("partition-log", &name)} class="log" aria-label={format!("Records of {name}")}>
                { for view.records.iter().map(|r| record_row(r, view, props)) }
            </ol>
            <div class="log-end-slot">
                {boundary(view, view.log_end)}
                <p class="log-end-text">
                    <span class="offset-number">{view.log_end.0}</span>
                    {if view.records.is_empty() && view.hidden_before == 0 {
                        " The log is empty; the first record will get this offset."
                    } else {
                        " The next record will get this offset."
                    }}
                </p>
            </div>
        </div>
    }
}

/// The leader's memory of each producer, folded: the last batches it keeps to spot retries.
fn producer_state(view: &PartitionView) -> Html {
    if view.producers.is_empty() {
        return Html::default();
    }
    html! {
        <details class="producer-state">
            <summary>{format!("What the leader remembers of {} producer(s)", view.producers.len())}</summary>
            <table class="positions">
                <thead><tr>
                    <th scope="col">{"PID"}</th><th scope="col">{"Epoch"}</th>
                    <th scope="col">{"Last batches kept (up to 5)"}</th>
                    <th scope="col">{"Open transaction from"}</th>
                </tr></thead>
                <tbody>
                    { for view.producers.iter().map(|p| html! {
                        <tr>
                            <th scope="row">{p.producer_id}</th>
                            <td>{p.producer_epoch}</td>
                            <td>{p.batches.join("; ")}</td>
                            <td>{p.open_transaction_at.map_or_else(|| "none".to_owned(), |o| o.to_string())}</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </details>
    }
}

fn record_row(record: &RecordView, view: &PartitionView, props: &PartitionLogProps) -> Html {
    let inspected = props.inspected == Some(record.offset);
    let (glyph, status) = status_label(record.status);
    let class = classes!(
        "record",
        status_class(record.status),
        record.control.is_some().then_some("is-control"),
        (record.offset >= view.high_watermark).then_some("above-high-watermark"),
        inspected.then_some("is-inspected"),
    );
    let body = match record.control {
        Some(kind) => {
            let word = if kind == ControlKind::Commit {
                "COMMIT"
            } else {
                "ABORT"
            };
            html! { <span class="control">{format!("◆ {word} marker (control record)")}</span> }
        }
        None => html! {
            <>
                <span class="record-key">
                    <span class="visually-hidden">{"key "}</span>
                    {record.key.clone().map_or_else(|| html! { <span class="no-key">{"no key"}</span> },
                        |key| html! { <code>{key}</code> })}
                </span>
                <span class="record-value"><span class="visually-hidden">{"value "}</span>{&record.value}</span>
                <span class="record-stamp">
                    {record.stamp.map_or_else(|| "no producer id".to_owned(),
                        |(pid, epoch, seq)| format!("PID {pid} · epoch {epoch} · seq {seq}"))}
                </span>
                <span class={classes!("tag", "txn-tag")}>
                    <span aria-hidden="true">{glyph}</span>{format!(" {status}")}
                </span>
            </>
        },
    };
    html! {
        <li {class} key={record.offset.0} data-offset={record.offset.0.to_string()}
            data-txn={status} aria-current={inspected.then_some("true")}>
            {boundary(view, record.offset)}
            {record.opens_segment.then(|| html! {
                <p class="segment-label">{format!("Segment {:020}.log", record.offset.0)}</p>
            })}
            <div class="record-fields">
                {inspect_button(&view.topic_partition, record.offset, &props.dispatch)}
                {body}
                {(record.offset >= view.high_watermark).then(|| html! {
                    <span class="tag tag-unreadable">{"not yet readable"}</span>
                })}
                {inspected.then(inspected_tag)}
            </div>
        </li>
    }
}

/// The record's offset as a button that picks it for the inspector ("why can't I see it?").
pub fn inspect_button(tp: &TopicPartition, offset: Offset, dispatch: &Callback<LabAction>) -> Html {
    let onclick = {
        let dispatch = dispatch.clone();
        let topic_partition = tp.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(LabAction::Inspect {
                topic_partition: topic_partition.clone(),
                offset,
                bring_into_view: true,
            });
        })
    };
    html! {
        <button type="button" class="offset-number record-inspect" {onclick}
            aria-label={format!("Inspect offset {offset} of {tp}")}
            title="Why can this record be seen, or not? Open it in the inspector">
            {offset.0}
        </button>
    }
}

/// Marks the record the inspector shows, in words as well as by the row's outline.
pub fn inspected_tag() -> Html {
    html! { <span class="tag tag-inspected"><span aria-hidden="true">{"▶ "}</span>{"in the inspector"}</span> }
}

/// The marks that sit between the previous offset and `offset`, or nothing.
fn boundary(view: &PartitionView, offset: Offset) -> Html {
    let at = view.marks_at(offset);
    if at.is_empty() {
        return Html::default();
    }
    html! {
        <div class="boundary">
            { for at.into_iter().map(|(name, class)| html! {
                <span class={classes!("mark", class)}>{"▸ "}{name}</span>
            }) }
        </div>
    }
}

fn offset_stat(id: &str, name: &'static str, offset: Offset, hint: &'static str) -> Html {
    html! {
        <p id={id.to_owned()} class="offset-stat">
            // The spaces keep the words apart when the text is read as one string.
            <span class="stat-name">{name}</span>{" "}
            <span class="stat-value">{offset.0}</span>{" "}
            <span class="stat-hint">{hint}</span>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{LabAction, LabState};
    use std::rc::Rc;
    use yew::Reducible;

    fn scenario_end(file: &str) -> Rc<LabState> {
        let source = crate::scenarios::catalog()
            .into_iter()
            .find(|s| s.name() == file)
            .expect("shipped");
        let steps = source.origin().expect("parses").script.len();
        std::iter::once(LabAction::Load(source))
            .chain(std::iter::repeat_n(LabAction::NextScripted, steps))
            .fold(Rc::new(LabState::default()), |s, a| s.reduce(a))
    }

    fn view(state: &LabState, tp: &str, partition: u32, shown: usize) -> PartitionView {
        let world = state.world().expect("world");
        let tp = TopicPartition::new(tp, partition);
        PartitionView::of(
            world,
            world.cluster().partition(&tp).expect("partition"),
            shown,
        )
        .expect("a leader")
    }

    #[test]
    fn committed_and_aborted_transactions_and_their_markers_are_told_apart() {
        let state = scenario_end("11-atomic-write-to-two-topics.json");
        let rows: Vec<(i64, TxnStatus, Option<ControlKind>)> = view(&state, "payments", 0, 100)
            .records
            .iter()
            .map(|r| (r.offset.0, r.status, r.control))
            .collect();
        assert_eq!(
            rows,
            vec![
                (0, TxnStatus::Committed, None),
                (1, TxnStatus::Marker, Some(ControlKind::Commit)),
                (2, TxnStatus::Aborted, None),
                (3, TxnStatus::Marker, Some(ControlKind::Abort)),
            ]
        );
    }

    #[test]
    fn an_open_transaction_holds_the_last_stable_offset() {
        let source = crate::scenarios::catalog()
            .into_iter()
            .find(|s| s.name() == "13-19-20-open-transaction-holds-the-lso.json")
            .expect("shipped");
        // Up to the reads, before the marker: the transactional record at 0 is still open.
        let state = std::iter::once(LabAction::Load(source))
            .chain(std::iter::repeat_n(LabAction::NextScripted, 6))
            .fold(Rc::new(LabState::default()), |s, a| s.reduce(a));
        let view = view(&state, "payments", 0, 100);
        assert_eq!(view.records[0].status, TxnStatus::Open);
        assert_eq!(view.last_stable, Offset(0));
        assert_eq!(view.high_watermark, Offset(2));
        let names: Vec<&str> = view
            .marks_at(Offset(0))
            .iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(names, vec!["log start offset", "last stable offset (LSO)"]);
    }

    #[test]
    fn a_ten_thousand_record_log_gets_one_page_of_rows() {
        let mut world = eos_core::World::new(&eos_core::WorldConfig::default(), 0).expect("world");
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
        let partition = world
            .cluster()
            .partition(&TopicPartition::new("payments", 0))
            .expect("payments-0");
        let view = PartitionView::of(&world, partition, ROWS_PER_PAGE).expect("a leader");
        assert_eq!(view.records.len(), ROWS_PER_PAGE);
        assert_eq!(
            view.records[0].offset,
            Offset(10_000 - ROWS_PER_PAGE as i64)
        );
        assert_eq!(view.hidden_before, 10_000 - ROWS_PER_PAGE);
        assert_eq!(view.log_end, Offset(10_000));
    }

    #[test]
    fn the_leader_keeps_a_producers_last_five_batches() {
        let state = scenario_end("06-dedup-last-five-batches.json");
        let producers = view(&state, "payments", 0, 10).producers;
        assert_eq!(producers.len(), 1);
        assert_eq!(producers[0].producer_id, 4000);
        assert_eq!(producers[0].batches.len(), 5);
        assert_eq!(producers[0].batches[4], "seq 5–5 at 5–5");
    }

    #[test]
    fn only_the_newest_records_get_rows() {
        let state = scenario_end("06-dedup-last-five-batches.json");
        let full = view(&state, "payments", 0, 1000);
        let tail = view(&state, "payments", 0, 2);
        assert_eq!(tail.records.len(), 2);
        assert_eq!(tail.records[..], full.records[full.records.len() - 2..]);
        assert_eq!(tail.hidden_before, full.records.len() - 2);
    }

    // The log and the inspector read the same status from the core, so they cannot disagree.
    #[test]
    fn every_row_has_the_status_the_inspector_gives() {
        for file in [
            "11-atomic-write-to-two-topics.json",
            "18-21-aborted-records-are-skipped.json",
            "17-coordinator-failure-mid-commit.json",
        ] {
            let state = scenario_end(file);
            let world = state.world().expect("world");
            for partition in world.cluster().partitions() {
                let tp = &partition.topic_partition;
                let Some(view) = PartitionView::of(world, partition, 1000) else {
                    continue;
                };
                for record in &view.records {
                    assert_eq!(
                        Some(record.status),
                        transaction_status(world, tp, record.offset),
                        "{file} {tp}@{}",
                        record.offset
                    );
                }
            }
        }
    }
}
