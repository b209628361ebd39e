//! The partition's log as the broker stores it: records grouped into segments, and where the
//! log start offset, high watermark and log end offset sit between them.

use eos_core::batch::ControlKind;
use eos_core::cluster::Partition;
use eos_core::{Offset, TopicPartition};
use yew::prelude::*;

/// What the view shows of a partition: its leader's log, read once per render so the
/// component compares plain values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogView {
    pub log_start: Offset,
    pub high_watermark: Offset,
    pub log_end: Offset,
    /// Oldest first; the last one is the active segment.
    pub segments: Vec<SegmentView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentView {
    pub base_offset: Offset,
    /// The segment's records still in the log, in offset order.
    pub records: Vec<RecordView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView {
    pub offset: Offset,
    pub key: Option<String>,
    pub value: String,
    /// Set for transaction markers, which hold no payload of their own.
    pub control: Option<ControlKind>,
}

impl LogView {
    /// The view of `partition` as consumers see it: the leader's log and high watermark.
    /// `None` while the partition has no leader.
    pub fn of(partition: &Partition) -> Option<Self> {
        let log = &partition.leader_replica()?.log;
        let records: Vec<RecordView> = log
            .batches()
            .iter()
            .flat_map(|batch| {
                batch
                    .records
                    .iter()
                    .zip(batch.base_offset.0..)
                    .map(|(record, offset)| RecordView {
                        offset: Offset(offset),
                        key: record.key.clone(),
                        value: record.value.clone(),
                        control: batch.control,
                    })
            })
            .collect();
        // Records are in offset order, so each segment's records are one slice of them.
        let segments = log
            .segments()
            .iter()
            .map(|segment| {
                let from = records.partition_point(|r| r.offset < segment.base_offset);
                let to = records.partition_point(|r| r.offset < segment.next_offset);
                SegmentView {
                    base_offset: segment.base_offset,
                    records: records.get(from..to).unwrap_or_default().to_vec(),
                }
            })
            .collect();
        Some(Self {
            log_start: log.log_start_offset(),
            high_watermark: partition.high_watermark(),
            log_end: log.log_end_offset(),
            segments,
        })
    }

    fn is_empty(&self) -> bool {
        self.segments.iter().all(|s| s.records.is_empty())
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct PartitionLogProps {
    pub topic_partition: TopicPartition,
    // A DOM row per record stops being fast after a few thousand; long logs will need a windowed
    // view.
    pub log: LogView,
}

/// One partition's offsets and records.
#[component]
pub fn PartitionLogView(props: &PartitionLogProps) -> Html {
    let log = &props.log;
    let marks = Marks::of(log);
    let last_segment = log.segments.len().saturating_sub(1);
    let rows = log.segments.iter().enumerate().flat_map(|(s, segment)| {
        let last = segment.records.len().saturating_sub(1);
        segment.records.iter().enumerate().map(move |(i, record)| {
            let place = SegmentPlace {
                base_offset: segment.base_offset,
                first: i == 0,
                last: i == last,
                active: s == last_segment,
            };
            record_row(record, place, marks)
        })
    });
    // The log end has no record yet; if the active segment is still empty, it starts there.
    let empty_active = log
        .segments
        .last()
        .filter(|s| s.records.is_empty())
        .map(|s| segment_label(s.base_offset, true));

    html! {
        <div class="partition">
            <div class="offsets">
                {offset_stat("log-start-offset", "Log start offset", marks.log_start,
                    "the oldest offset still kept")}
                {offset_stat("high-watermark", "High watermark", marks.high_watermark,
                    "consumers may read offsets below it")}
                {offset_stat("log-end-offset", "Log end offset", marks.log_end,
                    "where the next record goes")}
            </div>
            <div class="log-columns" aria-hidden="true">
                <span>{"Offset"}</span><span>{"Key"}</span><span>{"Value"}</span>
            </div>
            <ol id="partition-log" class="log"
                aria-label={format!("Records of {}", props.topic_partition)}>
                { for rows }
            </ol>
            <div class="log-end-slot" data-offset={marks.log_end.0.to_string()}>
                {boundary(marks.log_end, marks)}
                {empty_active}
                <p class="log-end-text">
                    <span class="offset-number">{marks.log_end.0}</span>
                    <span>
                        {if log.is_empty() {
                            "The log is empty. The first record will get this offset."
                        } else {
                            "The next record will get this offset."
                        }}
                    </span>
                </p>
            </div>
        </div>
    }
}

/// The three offsets that mark positions in the log.
#[derive(Clone, Copy)]
struct Marks {
    log_start: Offset,
    high_watermark: Offset,
    log_end: Offset,
}

impl Marks {
    fn of(log: &LogView) -> Self {
        Self {
            log_start: log.log_start,
            high_watermark: log.high_watermark,
            log_end: log.log_end,
        }
    }

    /// The names of the marks that sit just before `offset`.
    fn at(self, offset: Offset) -> Vec<(&'static str, &'static str)> {
        [
            (self.log_start, "log start offset", "mark-log-start"),
            (self.high_watermark, "high watermark", "mark-high-watermark"),
            (self.log_end, "log end offset", "mark-log-end"),
        ]
        .into_iter()
        .filter(|(at, _, _)| *at == offset)
        .map(|(_, name, class)| (name, class))
        .collect()
    }
}

/// Where a record sits in its segment, for drawing the segment's outline.
#[derive(Clone, Copy)]
struct SegmentPlace {
    base_offset: Offset,
    first: bool,
    last: bool,
    active: bool,
}

fn record_row(record: &RecordView, place: SegmentPlace, marks: Marks) -> Html {
    let readable = record.offset < marks.high_watermark;
    let class = classes!(
        "record",
        place.first.then_some("segment-first"),
        place.last.then_some("segment-last"),
        (!readable).then_some("above-high-watermark"),
    );
    html! {
        <li {class} key={record.offset.0}
            data-offset={record.offset.0.to_string()}
            data-segment={place.base_offset.0.to_string()}>
            {boundary(record.offset, marks)}
            {place.first.then(|| segment_label(place.base_offset, place.active))}
            <div class="record-fields">
                <span class="offset-number">
                    <span class="visually-hidden">{"Offset "}</span>{record.offset.0}
                </span>
                <span class="record-key">
                    <span class="visually-hidden">{"key "}</span>
                    {match &record.key {
                        Some(key) => html! { <code>{key}</code> },
                        None => html! { <span class="no-key">{"no key"}</span> },
                    }}
                </span>
                <span class="record-value">
                    <span class="visually-hidden">{"value "}</span>
                    {match record.control {
                        None => html! { {&record.value} },
                        Some(ControlKind::Commit) => html! {
                            <span class="control">{"commit marker"}</span>
                        },
                        Some(ControlKind::Abort) => html! {
                            <span class="control">{"abort marker"}</span>
                        },
                    }}
                </span>
                {(!readable).then(|| html! {
                    <span class="tag tag-unreadable">{"not yet readable"}</span>
                })}
            </div>
        </li>
    }
}

/// The marks that sit between the previous offset and `offset`, or nothing.
fn boundary(offset: Offset, marks: Marks) -> Html {
    let at = marks.at(offset);
    if at.is_empty() {
        return Html::default();
    }
    html! {
        <div class="boundary">
            { for at.into_iter().map(|(name, class)| html! {
                <span class={classes!("mark", class)}>{name}</span>
            }) }
        </div>
    }
}

fn segment_label(base_offset: Offset, active: bool) -> Html {
    html! {
        <p class="segment-label">
            <span class="segment-name">
                {if active { "Active segment" } else { "Segment" }}
            </span>
            {format!(" · base offset {base_offset}")}
            // Kafka names each segment's file after its base offset, zero-padded to 20 digits.
            <span class="segment-file">{format!("{:020}.log", base_offset.0)}</span>
        </p>
    }
}

fn offset_stat(id: &'static str, name: &'static str, offset: Offset, hint: &'static str) -> Html {
    html! {
        <p {id} class="offset-stat">
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

    #[test]
    fn records_are_grouped_by_the_segment_that_holds_them() {
        // The default topic rolls a new segment every 4 records.
        let state = (0..5).fold(Rc::new(LabState::default()), |s, _| {
            s.reduce(LabAction::Send)
        });
        let view = LogView::of(state.partition().expect("payments-0")).expect("a leader");
        let grouped: Vec<(i64, Vec<i64>)> = view
            .segments
            .iter()
            .map(|s| {
                (
                    s.base_offset.0,
                    s.records.iter().map(|r| r.offset.0).collect(),
                )
            })
            .collect();
        assert_eq!(grouped, vec![(0, vec![0, 1, 2, 3]), (4, vec![4])]);
        assert_eq!(view.log_end, Offset(5));
        assert_eq!(view.high_watermark, Offset(5));
    }

    #[test]
    fn every_mark_sits_at_the_log_end_of_an_empty_log() {
        let view =
            LogView::of(LabState::default().partition().expect("payments-0")).expect("a leader");
        assert!(view.is_empty());
        let names: Vec<&str> = Marks::of(&view)
            .at(Offset(0))
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            vec!["log start offset", "high watermark", "log end offset"]
        );
    }
}
