//! Two branches of one run side by side: after stepping back and acting differently, what the
//! core's `compare` finds different, grouped by partition, consumers, database and guarantees,
//! each difference in words.

use crate::state::{LabAction, MAX_BRANCHES};
use eos_core::World;
use eos_core::views::compare::{Difference, RecordSummary, compare};
use eos_core::views::offset_marks::PartitionMarks;
use eos_core::views::visibility::{TxnStatus, Visibility};
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// One row of the table: what differs, and how it reads in each branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DifferenceRow {
    pub subject: String,
    pub left: String,
    pub right: String,
}

/// The rows under one heading ("payments-0", "Consumers", "Database", "Guarantees").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DifferenceGroup {
    pub heading: String,
    pub rows: Vec<DifferenceRow>,
}

/// The differences in words, grouped in the order `compare` gives them (partitions first).
pub fn group_differences(differences: &[Difference]) -> Vec<DifferenceGroup> {
    let mut groups: Vec<DifferenceGroup> = Vec::new();
    for difference in differences {
        let (heading, row) = words(difference);
        match groups.iter_mut().find(|g| g.heading == heading) {
            Some(group) => group.rows.push(row),
            None => groups.push(DifferenceGroup {
                heading,
                rows: vec![row],
            }),
        }
    }
    groups
}

fn words(difference: &Difference) -> (String, DifferenceRow) {
    match difference {
        Difference::Record {
            topic_partition,
            offset,
            left,
            right,
        } => (
            format!("Partition {topic_partition}"),
            DifferenceRow {
                subject: format!("Record at offset {offset}"),
                left: record_words(left.as_ref()),
                right: record_words(right.as_ref()),
            },
        ),
        Difference::Marks {
            topic_partition,
            left,
            right,
        } => {
            let (l, r) = marks_words(left.as_ref(), right.as_ref());
            (
                format!("Partition {topic_partition}"),
                DifferenceRow {
                    subject: "Offsets".to_owned(),
                    left: l,
                    right: r,
                },
            )
        }
        Difference::Received {
            consumer,
            left,
            right,
        } => (
            "Consumers".to_owned(),
            DifferenceRow {
                subject: format!("{consumer} received"),
                left: records_count(*left),
                right: records_count(*right),
            },
        ),
        Difference::Effect {
            business_id,
            left,
            right,
        } => (
            "Database".to_owned(),
            DifferenceRow {
                subject: format!("Effect of {business_id}"),
                left: super::database_panel::times_words(*left),
                right: super::database_panel::times_words(*right),
            },
        ),
        Difference::Guarantee {
            name,
            left_holds,
            right_holds,
        } => (
            "Guarantees".to_owned(),
            DifferenceRow {
                subject: (*name).to_owned(),
                left: holds_words(*left_holds),
                right: holds_words(*right_holds),
            },
        ),
    }
}

fn records_count(n: usize) -> String {
    match n {
        1 => "1 record".to_owned(),
        n => format!("{n} records"),
    }
}

fn holds_words(holds: bool) -> String {
    if holds { "✓ holds" } else { "✗ broken" }.to_owned()
}

fn record_words(record: Option<&RecordSummary>) -> String {
    let Some(record) = record else {
        return "no record".to_owned();
    };
    let status = match record.status {
        TxnStatus::None => "no transaction",
        TxnStatus::Open => "open transaction",
        TxnStatus::Committed => "committed",
        TxnStatus::Aborted => "aborted",
        TxnStatus::Marker => "marker",
    };
    let read_committed = match &record.read_committed {
        Visibility::Visible => "read_committed reads it",
        Visibility::AboveHighWatermark { .. } => "above the high watermark",
        Visibility::AboveLastStableOffset { .. } => "read_committed waits (above the LSO)",
        Visibility::Aborted { .. } => "read_committed skips it",
        Visibility::ControlRecord { .. } => "never returned",
        Visibility::OutOfRange => "out of range",
    };
    if let Visibility::ControlRecord { commit } = record.read_committed {
        // The two markers differ only in their kind, so the kind is the words.
        return if commit {
            "COMMIT marker; never returned".to_owned()
        } else {
            "ABORT marker; never returned".to_owned()
        };
    }
    let what = match &record.key {
        Some(key) => format!("{key} = \"{}\"", record.value),
        None => format!("\"{}\"", record.value),
    };
    format!("{what}; {status}; {read_committed}")
}

/// One mark of a partition, as text.
type MarkField = fn(&PartitionMarks) -> String;

/// Only the marks that differ, named as Kafka names them.
fn marks_words(left: Option<&PartitionMarks>, right: Option<&PartitionMarks>) -> (String, String) {
    let (Some(l), Some(r)) = (left, right) else {
        let side = |m: Option<&PartitionMarks>| match m {
            Some(m) => format!(
                "log end {}, high watermark {}, LSO {}",
                m.log_end_offset, m.high_watermark, m.last_stable_offset
            ),
            None => "no leader".to_owned(),
        };
        return (side(left), side(right));
    };
    let fields: [(&str, MarkField); 6] = [
        ("log start", |m| m.log_start_offset.to_string()),
        ("log end", |m| m.log_end_offset.to_string()),
        ("high watermark", |m| m.high_watermark.to_string()),
        ("LSO", |m| m.last_stable_offset.to_string()),
        ("positions", |m| {
            pairs(m.positions.iter().map(|(c, o)| (c.to_string(), *o)))
        }),
        ("committed", |m| {
            pairs(m.committed.iter().map(|(g, o)| (g.clone(), *o)))
        }),
    ];
    let differing: Vec<_> = fields
        .iter()
        .filter(|(_, value)| value(l) != value(r))
        .collect();
    let side = |m: &PartitionMarks| {
        differing
            .iter()
            .map(|(name, value)| format!("{name} {}", value(m)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (side(l), side(r))
}

fn pairs(items: impl Iterator<Item = (String, eos_core::Offset)>) -> String {
    let all: Vec<String> = items.map(|(who, o)| format!("{who} at {o}")).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(" and ")
    }
}

#[derive(Debug, Properties)]
pub struct BranchCompareProps {
    pub left: Rc<World>,
    pub right: Rc<World>,
    /// How the columns are headed, e.g. "Branch 1 (commit)".
    #[prop_or(AttrValue::Static("Left branch"))]
    pub left_label: AttrValue,
    #[prop_or(AttrValue::Static("Right branch"))]
    pub right_label: AttrValue,
}

// The world is not `PartialEq`; every step makes a new `Rc`, so identity is the right test.
impl PartialEq for BranchCompareProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.left, &other.left)
            && Rc::ptr_eq(&self.right, &other.right)
            && self.left_label == other.left_label
            && self.right_label == other.right_label
    }
}

#[component]
pub fn BranchCompare(props: &BranchCompareProps) -> Html {
    let groups = group_differences(&compare(&props.left, &props.right));
    let count: usize = groups.iter().map(|g| g.rows.len()).sum();
    html! {
        <section class="panel inspector branch-compare" aria-labelledby="branch-compare-heading">
            <h2 id="branch-compare-heading">{"Compare two branches"}</h2>
            if groups.is_empty() {
                <p class="branch-agree" id="branch-compare-summary">
                    <span aria-hidden="true">{"= "}</span>
                    {"The branches agree: the same records, offsets, visibility, database effects and guarantees."}
                </p>
            } else {
                <p id="branch-compare-summary">
                    {format!("{count} {} between {} and {}.",
                        if count == 1 { "difference" } else { "differences" },
                        props.left_label, props.right_label)}
                </p>
                <div class="inspector-table-box" tabindex="0" role="region"
                    aria-label="Differences between the branches">
                    <table class="inspector-table compare-table stacks-on-phone" id="branch-compare-table">
                        <thead>
                            <tr>
                                <th scope="col">{"What"}</th>
                                <th scope="col">{props.left_label.clone()}</th>
                                <th scope="col">{props.right_label.clone()}</th>
                            </tr>
                        </thead>
                        { for groups.iter().map(|group| html! {
                            <tbody class="compare-group">
                                <tr>
                                    <th scope="rowgroup" colspan="3" class="compare-group-heading">
                                        {&group.heading}
                                    </th>
                                </tr>
                                { for group.rows.iter().map(|row| html! {
                                    <tr class="difference">
                                        <th scope="row">{&row.subject}</th>
                                        <td data-label={props.left_label.clone()}>{&row.left}</td>
                                        <td data-label={props.right_label.clone()}>{&row.right}</td>
                                    </tr>
                                }) }
                            </tbody>
                        }) }
                    </table>
                </div>
            }
        </section>
    }
}

#[derive(Debug, Properties)]
pub struct BranchesProps {
    /// Every kept branch's label, oldest first.
    pub labels: Rc<[String]>,
    /// The index of the branch compared.
    pub chosen: usize,
    /// The chosen branch's world at its end.
    pub left: Rc<World>,
    /// The current world.
    pub right: Rc<World>,
    pub right_label: AttrValue,
    pub dispatch: Callback<LabAction>,
}

impl PartialEq for BranchesProps {
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
            && self.chosen == other.chosen
            && Rc::ptr_eq(&self.left, &other.left)
            && Rc::ptr_eq(&self.right, &other.right)
            && self.right_label == other.right_label
            && self.dispatch == other.dispatch
    }
}

/// The kept branches: which one to compare with the current run, a switch to it, and the
/// comparison itself.
#[component]
pub fn Branches(props: &BranchesProps) -> Html {
    let on_choose = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let chosen = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(index) = chosen.parse() {
                dispatch.emit(LabAction::CompareBranch(index));
            }
        })
    };
    let chosen = props.chosen;
    let left_label = props.labels.get(chosen).cloned().unwrap_or_default();
    html! {
        <>
            <section class="panel branch-picker" aria-labelledby="branches-heading">
                <h2 id="branches-heading">{"Branches"}</h2>
                <p class="branch-note" id="branch-note">
                    {format!("{} kept. Acting after stepping back, editing a client's settings \
                        or switching keeps the run you leave; the lab keeps the {MAX_BRANCHES} \
                        newest and drops older ones.",
                        match props.labels.len() { 1 => "1 branch".to_owned(), n => format!("{n} branches") })}
                </p>
                <label for="branch-choice">{"Compare this run with"}</label>
                <select id="branch-choice" onchange={on_choose}>
                    { for props.labels.iter().enumerate().map(|(index, label)| html! {
                        <option value={index.to_string()} selected={index == chosen}>{label}</option>
                    }) }
                </select>
                <button type="button" class="button" id="switch-branch"
                    onclick={super::on::<MouseEvent>(&props.dispatch, LabAction::SwitchBranch(chosen))}>
                    {"Switch to this branch"}
                </button>
            </section>
            <BranchCompare left={props.left.clone()} right={props.right.clone()}
                left_label={left_label} right_label={props.right_label.clone()} />
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::{ClientId, Offset, TopicPartition};

    fn marks(high_watermark: i64, lso: i64) -> PartitionMarks {
        PartitionMarks {
            topic_partition: TopicPartition::new("payments", 0),
            log_start_offset: Offset(0),
            high_watermark: Offset(high_watermark),
            last_stable_offset: Offset(lso),
            log_end_offset: Offset(high_watermark),
            positions: vec![(ClientId::new("reader"), Offset(lso))],
            committed: Vec::new(),
        }
    }

    fn marker(commit: bool) -> RecordSummary {
        RecordSummary {
            key: None,
            value: String::new(),
            status: TxnStatus::Marker,
            read_committed: Visibility::ControlRecord { commit },
        }
    }

    #[test]
    fn differences_are_grouped_under_partition_consumers_database_and_guarantees() {
        let tp = TopicPartition::new("payments", 0);
        let differences = vec![
            Difference::Record {
                topic_partition: tp.clone(),
                offset: Offset(0),
                left: None,
                right: None,
            },
            Difference::Marks {
                topic_partition: tp,
                left: Some(marks(3, 3)),
                right: Some(marks(3, 0)),
            },
            Difference::Record {
                topic_partition: TopicPartition::new("payments", 1),
                offset: Offset(3),
                left: Some(marker(true)),
                right: Some(marker(false)),
            },
            Difference::Received {
                consumer: ClientId::new("reader"),
                left: 3,
                right: 0,
            },
            Difference::Effect {
                business_id: "pay-1".into(),
                left: 2,
                right: 1,
            },
            Difference::Guarantee {
                name: "no_duplicate_effect",
                left_holds: false,
                right_holds: true,
            },
        ];
        let groups = group_differences(&differences);
        let headings: Vec<&str> = groups.iter().map(|g| g.heading.as_str()).collect();
        assert_eq!(
            headings,
            vec![
                "Partition payments-0",
                "Partition payments-1",
                "Consumers",
                "Database",
                "Guarantees"
            ]
        );
        let offsets = &groups[0].rows[1];
        // Only what differs is named: the LSO and the reader's position, not the high watermark.
        assert_eq!(offsets.left, "LSO 3, positions reader at 3");
        assert_eq!(offsets.right, "LSO 0, positions reader at 0");
        // The two markers differ only in their kind, and the words say which.
        assert_eq!(groups[1].rows[0].left, "COMMIT marker; never returned");
        assert_eq!(groups[1].rows[0].right, "ABORT marker; never returned");
        assert_eq!(groups[3].rows[0].left, "applied twice");
        assert_eq!(groups[4].rows[0].left, "✗ broken");
    }

    #[test]
    fn no_differences_give_no_groups() {
        assert!(group_differences(&[]).is_empty());
    }
}
