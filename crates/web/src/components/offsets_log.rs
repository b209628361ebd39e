//! `__consumer_offsets-0`, the group coordinator's log, drawn like a partition's: each offset
//! commit record with its group, partition, offset, leader epoch and metadata, whether it is
//! pending, committed, superseded or aborted and the marker that decided it; each transaction
//! marker as a control record. An internal topic, so it is folded until asked for. The records'
//! fates are the core's (`OffsetsLog::status_of`), as the report gives them.

use super::WorldRef;
use super::partition_log::{ROWS_PER_PAGE, status_class, status_label};
use eos_core::World;
use eos_core::broker::offsets_log::{CommitRecordStatus, OffsetsLogRecord};
use eos_core::views::visibility::TxnStatus;
use yew::prelude::*;

/// One row of the offsets log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetsRecordView {
    pub offset: i64,
    /// What the record says, in a line.
    pub text: String,
    /// For an offset commit: its fate in a word (`CommitRecordStatus::name`) and in words, with
    /// the marker that decided it.
    pub fate: Option<(&'static str, String)>,
    /// The colour and glyph the partition log uses for the same transaction status.
    pub status: TxnStatus,
}

/// What the panel shows: the newest records, oldest first, and how many came before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetsLogView {
    pub records: Vec<OffsetsRecordView>,
    pub hidden_before: usize,
    pub log_end: i64,
    /// Offset commits still waiting for their transaction's marker.
    pub pending: usize,
}

impl OffsetsLogView {
    /// The newest `shown` records of `world`'s `__consumer_offsets-0`.
    pub fn of(world: &World, shown: usize) -> Self {
        let log = world.offsets_log();
        let all: Vec<_> = log.records().collect();
        let skip = all.len().saturating_sub(shown);
        let pending = all
            .iter()
            .filter(|(at, _)| log.status_of(*at) == Some(CommitRecordStatus::Pending))
            .count();
        let records = all
            .iter()
            .skip(skip)
            .map(|(at, record)| row(*at, record, log.status_of(*at)))
            .collect();
        Self {
            records,
            hidden_before: skip,
            log_end: log.log_end_offset().0,
            pending,
        }
    }
}

fn row(
    at: eos_core::Offset,
    record: &OffsetsLogRecord,
    status: Option<CommitRecordStatus>,
) -> OffsetsRecordView {
    match record {
        OffsetsLogRecord::OffsetCommit {
            group_id,
            topic_partition,
            offset,
            details,
            producer_id,
            producer_epoch,
            ..
        } => {
            let mut extra = Vec::new();
            if let Some(epoch) = details.leader_epoch {
                extra.push(format!("leader epoch {epoch}"));
            }
            if !details.metadata.is_empty() {
                extra.push(format!("metadata {:?}", details.metadata));
            }
            if !producer_id.is_none() {
                extra.push(format!("PID {producer_id} · epoch {producer_epoch}"));
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(" · {}", extra.join(" · "))
            };
            let word = status.map_or("plain", CommitRecordStatus::name);
            let (fate, status) = match status {
                Some(CommitRecordStatus::Pending) => (
                    "pending: waits for its transaction's marker".to_owned(),
                    TxnStatus::Open,
                ),
                Some(CommitRecordStatus::Committed { marker_offset }) => (
                    format!("committed by the marker at {marker_offset}"),
                    TxnStatus::Committed,
                ),
                Some(CommitRecordStatus::Superseded { marker_offset }) => (
                    format!(
                        "its transaction committed (marker at {marker_offset}), but a newer commit wins"
                    ),
                    TxnStatus::Committed,
                ),
                Some(CommitRecordStatus::Aborted { marker_offset }) => (
                    format!("dropped by the ABORT marker at {marker_offset}"),
                    TxnStatus::Aborted,
                ),
                Some(CommitRecordStatus::Plain) | None => {
                    ("committed when written".to_owned(), TxnStatus::None)
                }
            };
            OffsetsRecordView {
                offset: at.0,
                text: format!("group {group_id} · {topic_partition} → {offset}{extra}"),
                fate: Some((word, fate)),
                status,
            }
        }
        OffsetsLogRecord::Marker {
            producer_id,
            producer_epoch,
            commit,
            ..
        } => OffsetsRecordView {
            offset: at.0,
            text: format!(
                "◆ {} marker (control record) · PID {producer_id} · epoch {producer_epoch}",
                if *commit { "COMMIT" } else { "ABORT" }
            ),
            fate: None,
            status: TxnStatus::Marker,
        },
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct OffsetsLogProps {
    pub world: WorldRef,
}

/// `__consumer_offsets-0`, folded: the summary says how many records and how many pending.
#[component]
pub fn OffsetsLogPanel(props: &OffsetsLogProps) -> Html {
    let shown = use_state(|| ROWS_PER_PAGE);
    let view = OffsetsLogView::of(&props.world, *shown);
    let summary = match (view.log_end, view.pending) {
        (0, _) => "no offset commit yet".to_owned(),
        (n, 0) => format!("{n} record(s)"),
        (n, pending) => format!("{n} record(s), {pending} pending"),
    };
    let earlier = (view.hidden_before > 0).then(|| {
        let shown = shown.clone();
        let count = ROWS_PER_PAGE.min(view.hidden_before);
        html! {
            <button type="button" class="button" id="show-earlier-consumer-offsets"
                onclick={Callback::from(move |_: MouseEvent| shown.set(*shown + ROWS_PER_PAGE))}>
                {format!("Show {count} earlier ({} not shown)", view.hidden_before)}
            </button>
        }
    });
    html! {
        <section class="panel panel-log" aria-labelledby="consumer-offsets-heading">
            <div class="panel-head">
                <h2 id="consumer-offsets-heading">{"Partition "}<code>{"__consumer_offsets-0"}</code></h2>
            </div>
            <details id="consumer-offsets" class="producer-state">
                <summary>{format!("Internal topic: the group coordinator's offset commits and markers ({summary})")}</summary>
                <p class="stat-hint">{"A transactional offset commit stays pending until its transaction's marker is written here; only then does the group's committed offset move."}</p>
                <p class="stat-hint">{"Simplified: every group shares this one partition (Kafka spreads groups over 50), it has one replica, on the transaction coordinator's broker, and never fails, and the coordinator's marker is written here in the step that sends it, so it cannot be dropped or delayed."}</p>
                {earlier}
                <ol id="consumer-offsets-log" class="log" aria-label="Records of __consumer_offsets-0">
                    { for view.records.iter().map(record_row) }
                </ol>
                <p class="log-end-text">
                    <span class="offset-number">{view.log_end}</span>
                    {" The next record will get this offset."}
                </p>
            </details>
        </section>
    }
}

fn record_row(record: &OffsetsRecordView) -> Html {
    let (glyph, status) = status_label(record.status);
    let fate = record.fate.as_ref().map(|(word, fate)| {
        html! {
            <>
                <span class={classes!("tag", "txn-tag")}>
                    <span aria-hidden="true">{glyph}</span>{format!(" {word}")}
                </span>
                <span class="offsets-record-text">{fate}</span>
            </>
        }
    });
    let class = classes!(
        "record",
        status_class(record.status),
        (record.status == TxnStatus::Marker).then_some("is-control"),
    );
    html! {
        <li {class} key={record.offset} data-offset={record.offset.to_string()} data-txn={status}>
            <div class="record-fields">
                <span class="offset-number">{record.offset}</span>
                <span class="offsets-record-text">{&record.text}</span>
                {fate}
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::Scenario;

    fn world_after(name: &str) -> World {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../assets/scenarios")
                .join(format!("{name}.json")),
        )
        .expect("the scenario");
        Scenario::parse(&text)
            .expect("parses")
            .run()
            .expect("runs")
            .world
    }

    #[test]
    fn the_view_shows_each_commit_with_its_fate_and_each_marker() {
        let view = OffsetsLogView::of(&world_after("22-consumer-offsets-log"), ROWS_PER_PAGE);
        assert_eq!(view.log_end, 7);
        assert_eq!(view.pending, 0);
        let statuses: Vec<TxnStatus> = view.records.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![
                TxnStatus::None,
                TxnStatus::Committed,
                TxnStatus::Marker,
                TxnStatus::Aborted,
                TxnStatus::Marker,
                TxnStatus::Committed,
                TxnStatus::Marker
            ]
        );
        assert_eq!(
            view.records[1].text,
            "group billing · payments-0 → 5 · leader epoch 0 · metadata \"receipts-run-1\" · PID 1000 · epoch 0"
        );
        assert_eq!(
            view.records[1].fate,
            Some(("committed", "committed by the marker at 2".to_owned()))
        );
    }

    #[test]
    fn only_the_newest_rows_are_drawn() {
        let view = OffsetsLogView::of(&world_after("22-consumer-offsets-log"), 2);
        assert_eq!(view.hidden_before, 5);
        assert_eq!(
            view.records.iter().map(|r| r.offset).collect::<Vec<_>>(),
            vec![5, 6]
        );
    }
}
