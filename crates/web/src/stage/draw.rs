//! The stage's SVG nodes: each producer, broker, replica row, offset cell, the coordinator,
//! consumers and the database, placed by the layout (the messages are `messages.rs`).
//! Every element one can act on is a focusable `role="button"` with a name saying what it is
//! and its state; none contains another (nested controls confuse screen readers).

use super::layout::{
    CELL_HEIGHT, CONSUMER_LINE, CONSUMER_LINES, COORDINATOR_HEAD, COORDINATOR_LINE,
    ROW_LABEL_WIDTH, Rect, STUB_WIDTH, boundary_x, cell_rect,
};
use super::model::{
    BrokerNode, Cell, ConsumerNode, CoordinatorNode, DatabaseNode, LabNode, LogStrip, ProducerNode,
    ReplicaRow, Role, StageItem,
};
use crate::components::dom_id;
use crate::components::partition_log::{status_class, status_label};
use eos_core::TopicPartition;
use eos_core::views::visibility::TxnStatus;
use yew::prelude::*;

/// What the drawing reports: a selection, or an offset to open in the inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct Handlers {
    pub select: Callback<(StageItem, bool)>,
    pub inspect: Callback<(TopicPartition, i64)>,
}

/// Numbers for SVG attributes, without needless decimals.
pub(super) fn n(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    format!("{rounded}")
}

/// `text` cut to `max` characters with an ellipsis.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

fn up_down(alive: bool, up: &'static str, down: &'static str) -> String {
    if alive {
        format!("▲ {up}")
    } else {
        format!("▼ {down}")
    }
}

/// A focusable control drawn in SVG: click, Enter or Space activates it; the `bool` says
/// whether the keyboard did (so focus can follow into the action bar). Its accessible name is
/// `name`; what is drawn inside is hidden from assistive technology.
pub(super) fn control(
    id: String,
    class: Classes,
    name: String,
    pressed: Option<bool>,
    on: Callback<bool>,
    children: Html,
) -> Html {
    let onclick = on.reform(|_: MouseEvent| false);
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            on.emit(true);
        }
    });
    html! {
        <g {id} class={classes!("stage-control", class)} tabindex="0" role="button" aria-label={name}
            aria-pressed={pressed.map(|p| if p { "true" } else { "false" })}
            {onclick} {onkeydown}>
            // The name says it all; the drawn words would only repeat it, in pieces.
            <g aria-hidden="true">{children}</g>
        </g>
    }
}

pub(super) fn select_on(handlers: &Handlers, item: StageItem) -> Callback<bool> {
    handlers
        .select
        .reform(move |keyboard: bool| (item.clone(), keyboard))
}

fn text(x: f64, y: f64, class: &'static str, content: impl Into<String>) -> Html {
    html! { <text x={n(x)} y={n(y)} class={class}>{content.into()}</text> }
}

fn box_rect(rect: &Rect, class: &'static str) -> Html {
    html! {
        <rect class={class} x={n(rect.x)} y={n(rect.y)} width={n(rect.w)} height={n(rect.h)} rx="8" />
    }
}

/// The "changed in this step" tag: a glyph and a word on the node's top edge.
fn changed_badge(rect: &Rect, changed: bool) -> Html {
    if !changed {
        return Html::default();
    }
    let (w, right) = (62.0, rect.right() - 10.0);
    html! {
        <g class="stage-changed-badge" aria-hidden="true">
            <rect class="stage-changed-tag" x={n(right - w)} y={n(rect.y - 6.0)} width={n(w)}
                height="12" rx="6" />
            <text class="stage-changed" x={n(right - w / 2.0)} y={n(rect.y + 3.5)}
                text-anchor="middle">{"✦ changed"}</text>
        </g>
    }
}

/// One line of words drawn in a node: where, how, what.
struct Line {
    x: f64,
    y: f64,
    class: &'static str,
    words: String,
    /// Right-aligned (a status in the top corner).
    end: bool,
}

fn line(x: f64, y: f64, class: &'static str, words: impl Into<String>) -> Line {
    Line {
        x,
        y,
        class,
        words: words.into(),
        end: false,
    }
}

/// A node's accessible name: its kind, then every drawn line in reading order (so the name
/// contains what sighted users read, as WCAG's "label in name" asks), then what the lines had
/// to cut short.
fn name_of(kind: &str, lines: &[Line], changed: bool, more: &str) -> String {
    let drawn: Vec<&str> = lines.iter().map(|l| l.words.as_str()).collect();
    format!(
        "{kind} {}{}{more}",
        drawn.join(", "),
        if changed { ", ✦ changed" } else { "" }
    )
}

/// Each line as SVG text. The trailing space (not drawn) keeps the lines apart in the text
/// an accessibility checker reads from the subtree, as the commas do in the name.
fn draw_lines(lines: &[Line]) -> Html {
    lines
        .iter()
        .map(|l| {
            html! {
                <text x={n(l.x)} y={n(l.y)} class={l.class}
                    text-anchor={l.end.then_some("end")}>{format!("{} ", l.words)}</text>
            }
        })
        .collect()
}

pub fn producer(node: &ProducerNode, rect: &Rect, selected: bool, handlers: &Handlers) -> Html {
    let identity = match node.identity {
        Some((pid, epoch)) => format!("PID {pid} · epoch {epoch}"),
        None => "no producer id yet".to_owned(),
    };
    let activity = match node.txn_state {
        Some(state) => format!("{state} · {} in flight", node.in_flight),
        None => format!("{} in flight", node.in_flight),
    };
    let x = rect.x + 8.0;
    let kind = fit(&node.kind, 28);
    let lines = [
        line(x, rect.y + 16.0, "stage-title", fit(&node.id.0, 14)),
        Line {
            end: true,
            ..line(
                rect.right() - 8.0,
                rect.y + 16.0,
                "stage-status",
                up_down(node.alive, "running", "crashed"),
            )
        },
        line(x, rect.y + 31.0, "stage-line", kind.clone()),
        line(x, rect.y + 46.0, "stage-line", identity),
        line(
            x,
            rect.y + 60.0,
            "stage-line stage-muted",
            fit(&activity, 28),
        ),
    ];
    let more = if kind == node.kind {
        String::new()
    } else {
        format!(" ({})", node.kind)
    };
    control(
        dom_id("stage-producer", &node.id.0),
        classes!(
            "stage-node",
            "stage-producer",
            (!node.alive).then_some("is-down"),
            node.changed.then_some("is-changed"),
            selected.then_some("is-selected")
        ),
        name_of("Producer", &lines, node.changed, &more),
        Some(selected),
        select_on(handlers, StageItem::Producer(node.id.clone())),
        html! { <>
            {box_rect(rect, "stage-box")}
            {draw_lines(&lines)}
            {changed_badge(rect, node.changed)}
        </> },
    )
}

pub fn consumer(node: &ConsumerNode, rect: &Rect, selected: bool, handlers: &Handlers) -> Html {
    let at = |o: Option<i64>| o.map_or_else(|| "–".to_owned(), |o| o.to_string());
    let positions: Vec<String> = node
        .positions
        .iter()
        .map(|(tp, position, committed)| {
            format!("{tp} at {} · committed {}", at(*position), at(*committed))
        })
        .collect();
    let x = rect.x + 8.0;
    let hidden = positions.len().saturating_sub(CONSUMER_LINES);
    let mut lines = vec![
        line(x, rect.y + 16.0, "stage-title", fit(&node.id.0, 21)),
        line(
            x,
            rect.y + 31.0,
            "stage-line stage-muted",
            format!(
                "{} · {}",
                up_down(node.alive, "up", "crashed"),
                node.isolation
            ),
        ),
        match node.fetch_waits_until_ms {
            Some(until) => line(
                x,
                rect.y + 44.0,
                "stage-line stage-waiting",
                fit(&format!("fetch waiting, until {until} ms"), 30),
            ),
            None => line(
                x,
                rect.y + 44.0,
                "stage-line stage-muted",
                format!("{} processed", node.processed),
            ),
        },
    ];
    lines.extend(
        positions
            .iter()
            .take(CONSUMER_LINES)
            .enumerate()
            .map(|(i, words)| {
                line(
                    x,
                    rect.y + 58.0 + CONSUMER_LINE * i as f64,
                    "stage-line stage-small",
                    fit(words, 30),
                )
            }),
    );
    if hidden > 0 {
        lines.push(line(
            x,
            rect.y + 58.0 + CONSUMER_LINE * CONSUMER_LINES as f64,
            "stage-line stage-muted",
            format!("+{hidden} more partitions"),
        ));
    }
    let cut = lines.iter().any(|l| l.words.ends_with('…')) || hidden > 0;
    let more = if positions.is_empty() {
        ", no partition assigned".to_owned()
    } else if cut {
        format!(" ({}: {})", node.id, positions.join("; "))
    } else {
        String::new()
    };
    control(
        dom_id("stage-consumer", &node.id.0),
        classes!(
            "stage-node",
            "stage-consumer",
            (!node.alive).then_some("is-down"),
            node.changed.then_some("is-changed"),
            selected.then_some("is-selected")
        ),
        name_of("Consumer", &lines, node.changed, &more),
        Some(selected),
        select_on(handlers, StageItem::Consumer(node.id.clone())),
        html! { <>
            {box_rect(rect, "stage-box")}
            {draw_lines(&lines)}
            {changed_badge(rect, node.changed)}
        </> },
    )
}

/// The lab's own endpoint: hand-made requests leave from it and their answers come back to it.
pub fn lab(node: &LabNode, rect: &Rect) -> Html {
    let x = rect.x + 8.0;
    html! {
        <g id="stage-lab" class="stage-node stage-lab">
            {box_rect(rect, "stage-box")}
            {text(x, rect.y + 15.0, "stage-title", "lab")}
            <text x={n(rect.right() - 8.0)} y={n(rect.y + 15.0)} class="stage-status" text-anchor="end">
                {format!("{} in flight", node.in_flight)}
            </text>
            {text(x, rect.y + 29.0, "stage-line stage-muted", "hand-made requests")}
        </g>
    }
}

pub fn database(node: &DatabaseNode, rect: &Rect) -> Html {
    let x = rect.x + 8.0;
    let repeated = if node.repeated.is_empty() {
        format!("{} effects, each once", node.effects)
    } else {
        format!("✗ twice or more: {}", node.repeated.join(", "))
    };
    html! {
        <g id="stage-database" class={classes!("stage-node", "stage-database", node.changed.then_some("is-changed"),
                (!node.repeated.is_empty()).then_some("is-broken"))}>
            {box_rect(rect, "stage-box")}
            {text(x, rect.y + 15.0, "stage-title", "database")}
            <text x={n(rect.right() - 8.0)} y={n(rect.y + 15.0)} class="stage-status" text-anchor="end">
                {if node.idempotent { "dedup table" } else { "no dedup" }}
            </text>
            {text(x, rect.y + 31.0, "stage-line", fit(&repeated, 28))}
            {text(x, rect.y + 43.0, "stage-line stage-muted", "outside Kafka's transactions")}
            {changed_badge(rect, node.changed)}
        </g>
    }
}

/// A broker's box (the control) and, beside it in the tree, its rows and coordinator.
pub fn broker(
    node: &BrokerNode,
    broker_box: &super::layout::BrokerBox,
    coordinator_node: &CoordinatorNode,
    selected: Option<&StageItem>,
    inspected: Option<(&TopicPartition, i64)>,
    handlers: &Handlers,
) -> Html {
    let rect = &broker_box.rect;
    let leads: Vec<String> = node
        .replicas
        .iter()
        .filter(|r| r.role == Role::Leader)
        .map(|r| r.topic_partition.to_string())
        .collect();
    let name = format!(
        "Broker {}, {}{}{}{}",
        node.id,
        if node.alive { "up" } else { "down" },
        if node.is_coordinator {
            ", hosts the transaction coordinator"
        } else {
            ""
        },
        if leads.is_empty() {
            ", leads no partition".to_owned()
        } else {
            format!(", leads {}", leads.join(", "))
        },
        if node.changed {
            ", crashed or restarted in this step"
        } else {
            ""
        }
    );
    let is_selected = selected == Some(&StageItem::Broker(node.id));
    html! {
        <g class={classes!("stage-broker", (!node.alive).then_some("is-down"),
                node.changed.then_some("is-changed"))}>
            {control(
                format!("stage-broker-{}", node.id),
                classes!("stage-node", is_selected.then_some("is-selected")),
                name,
                Some(is_selected),
                select_on(handlers, StageItem::Broker(node.id)),
                html! { <>
                    {box_rect(rect, "stage-box")}
                    {text(rect.x + 10.0, rect.y + 17.0, "stage-title", format!("Broker {}", node.id))}
                    <text x={n(rect.right() - 10.0)} y={n(rect.y + 17.0)} class="stage-status" text-anchor="end">
                        {up_down(node.alive, "up", "down")}
                    </text>
                </> },
            )}
            { for node.replicas.iter().zip(&broker_box.rows).map(|(replica, row)| {
                replica_row(replica, row, inspected, handlers)
            }) }
            { for broker_box.coordinator.as_ref().map(|area| {
                coordinator(coordinator_node, area, selected == Some(&StageItem::Coordinator), handlers)
            }) }
            {changed_badge(rect, node.changed)}
        </g>
    }
}

fn replica_row(
    replica: &ReplicaRow,
    row: &Rect,
    inspected: Option<(&TopicPartition, i64)>,
    handlers: &Handlers,
) -> Html {
    let tp = &replica.topic_partition;
    let isr = if replica.in_isr {
        "✓ in ISR"
    } else {
        "✗ out of ISR"
    };
    match (&replica.role, &replica.strip) {
        (Role::Leader, Some(strip)) => {
            let role_line = match &strip.refused {
                Some(error) => format!("✗ {}", fit(error, 14)),
                None => format!("leader · {isr}"),
            };
            html! {
                <g id={crate::components::dom_id("stage-partition", &tp.to_string())}
                    class={classes!("stage-row", "is-leader", strip.refused.is_some().then_some("is-refused"))}>
                    {text(row.x + 4.0, row.y + 29.0, "stage-row-title", fit(&tp.to_string(), 13))}
                    {text(row.x + 4.0, row.y + 43.0, "stage-line stage-muted", role_line)}
                    {log_strip(tp, strip, row, inspected.filter(|(t, _)| *t == tp).map(|(_, o)| o), handlers)}
                </g>
            }
        }
        _ => {
            let role = match replica.role {
                Role::Leader => "leader",
                Role::Follower => "follower",
            };
            html! {
                <g class={classes!("stage-row", "is-follower", (!replica.in_isr).then_some("is-out"))}>
                    {text(row.x + 4.0, row.y + 14.0, "stage-line",
                        format!("{tp} {role} · {isr} · log end {}", replica.log_end))}
                </g>
            }
        }
    }
}

/// The marks at one boundary of the strip, as one label ("LSO · HW").
struct MarkLabel {
    x: f64,
    above: bool,
    words: Vec<String>,
    moved: bool,
}

fn log_strip(
    tp: &TopicPartition,
    strip: &LogStrip,
    row: &Rect,
    inspected: Option<i64>,
    handlers: &Handlers,
) -> Html {
    let first = strip.cells.first().map_or(strip.log_end, |c| c.offset);
    let drawn = strip.cells.len();
    let stub_x = row.x + ROW_LABEL_WIDTH;
    let at = |offset: i64| -> (f64, bool) {
        match usize::try_from(offset - first) {
            Ok(i) if i <= drawn => (boundary_x(row, i), true),
            _ => (stub_x + 1.0, false),
        }
    };
    // HW and log end above the cells (how far it is written and replicated), log start and LSO
    // below (where reading starts and where read_committed stops).
    let mut labels: Vec<MarkLabel> = Vec::new();
    for (name, offset, above) in [
        ("HW", strip.high_watermark, true),
        ("end", strip.log_end, true),
        ("start", strip.log_start, false),
        ("LSO", strip.last_stable, false),
    ] {
        let (x, in_view) = at(offset);
        let moved = strip.marks_moved.iter().any(|m| {
            *m == name
                || (name == "end" && *m == "log end")
                || (name == "start" && *m == "log start")
        });
        let word = if in_view {
            name.to_owned()
        } else {
            format!("{name} {offset}")
        };
        match labels
            .iter_mut()
            .find(|l| l.above == above && (l.x - x).abs() < 1.0)
        {
            Some(label) => {
                label.words.push(word);
                label.moved |= moved;
            }
            None => labels.push(MarkLabel {
                x,
                above,
                words: vec![word],
                moved,
            }),
        }
    }
    let cells_top = row.y + 15.0;
    html! {
        <g class="stage-strip">
            {(strip.hidden_before > 0).then(|| html! { <>
                <rect class="stage-stub" x={n(stub_x)} y={n(cells_top)} width={n(STUB_WIDTH - 4.0)}
                    height={n(CELL_HEIGHT)} rx="4" />
                <text class="stage-stub-text" x={n(stub_x + (STUB_WIDTH - 4.0) / 2.0)} y={n(cells_top + 11.0)}
                    text-anchor="middle">{strip.hidden_before.to_string()}</text>
                <text class="stage-stub-text" x={n(stub_x + (STUB_WIDTH - 4.0) / 2.0)} y={n(cells_top + 21.0)}
                    text-anchor="middle">{"earlier"}</text>
            </> })}
            {strip.cells.is_empty().then(|| html! {
                <text class="stage-line stage-muted" x={n(boundary_x(row, 0) + 8.0)} y={n(cells_top + 15.0)}>
                    {"empty log: no record written yet"}
                </text>
            })}
            { for strip.cells.iter().enumerate().map(|(i, cell)| {
                offset_cell(tp, cell, &cell_rect(row, i), inspected == Some(cell.offset), handlers)
            }) }
            { for labels.iter().map(|label| {
                let (tick_top, tick_bottom, text_y) = if label.above {
                    (cells_top - 3.0, cells_top + CELL_HEIGHT, cells_top - 4.0)
                } else {
                    (cells_top, cells_top + CELL_HEIGHT + 3.0, cells_top + CELL_HEIGHT + 13.0)
                };
                let words = format!("{}{}", label.words.join(" · "), if label.moved { " ✦" } else { "" });
                // Near the row's right edge the words sit left of their tick, inside the box.
                let (text_x, anchor) = if label.x > row.right() - 60.0 {
                    (label.x - 2.0, "end")
                } else {
                    (label.x + 2.0, "start")
                };
                html! {
                    <g class={classes!("stage-mark", label.moved.then_some("is-moved"))}>
                        <line x1={n(label.x)} x2={n(label.x)} y1={n(tick_top)} y2={n(tick_bottom)} />
                        <text x={n(text_x)} y={n(text_y)} text-anchor={anchor}>{words}</text>
                    </g>
                }
            }) }
        </g>
    }
}

fn offset_cell(
    tp: &TopicPartition,
    cell: &Cell,
    rect: &Rect,
    inspected: bool,
    handlers: &Handlers,
) -> Html {
    let (glyph, _) = status_label(cell.status);
    let corner = if cell.answered_duplicate {
        "↺"
    } else if cell.new {
        "✦"
    } else {
        ""
    };
    let on = {
        let inspect = handlers.inspect.clone();
        let target = (tp.clone(), cell.offset);
        Callback::from(move |_keyboard: bool| inspect.emit(target.clone()))
    };
    control(
        dom_id("stage-offset", &format!("{tp}-{}", cell.offset)),
        classes!(
            "stage-cell",
            status_class(cell.status),
            (cell.status == TxnStatus::Marker).then_some("is-marker"),
            cell.above_high_watermark.then_some("is-above-hw"),
            cell.new.then_some("is-new"),
            cell.answered_duplicate.then_some("is-duplicate"),
            inspected.then_some("is-inspected")
        ),
        cell.name(tp),
        None,
        on,
        html! { <>
            <rect class="stage-cell-box" x={n(rect.x)} y={n(rect.y)} width={n(rect.w)}
                height={n(rect.h)} rx="3" />
            <text class="stage-cell-offset" x={n(rect.x + rect.w / 2.0)} y={n(rect.y + 10.5)}
                text-anchor="middle">{cell.offset.to_string()}</text>
            <text class="stage-cell-glyph" x={n(rect.x + rect.w / 2.0)} y={n(rect.y + 22.5)}
                text-anchor="middle">{glyph}</text>
            {(!corner.is_empty()).then(|| html! {
                <text class="stage-cell-corner" x={n(rect.right() - 1.5)} y={n(rect.y + 9.0)}
                    text-anchor="end">{corner}</text>
            })}
        </> },
    )
}

fn coordinator(node: &CoordinatorNode, area: &Rect, selected: bool, handlers: &Handlers) -> Html {
    let x = area.x + 8.0;
    let line_y = |i: usize| area.y + COORDINATOR_HEAD + 11.0 + COORDINATOR_LINE * i as f64;
    let mut lines = vec![line(
        x,
        area.y + 15.0,
        "stage-row-title",
        if node.alive {
            format!("Transaction coordinator, epoch {}", node.coordinator_epoch)
        } else {
            "Transaction coordinator (its broker is down)".to_owned()
        },
    )];
    if node.transactions.is_empty() {
        lines.push(line(
            x,
            line_y(0),
            "stage-line stage-muted",
            "no transactional.id yet",
        ));
    }
    lines.extend(
        node.transactions
            .iter()
            .enumerate()
            .map(|(i, (id, state, changed))| {
                line(
                    x,
                    line_y(i),
                    "stage-line",
                    fit(
                        &format!("{id}: {state}{}", if *changed { " ✦" } else { "" }),
                        60,
                    ),
                )
            }),
    );
    if node.hidden_transactions > 0 {
        lines.push(line(
            x,
            line_y(node.transactions.len()),
            "stage-line stage-muted",
            format!("+{} more transactional ids", node.hidden_transactions),
        ));
    }
    let more = format!(", on broker {}", node.broker);
    control(
        "stage-coordinator".to_owned(),
        classes!(
            "stage-coordinator",
            node.changed.then_some("is-changed"),
            selected.then_some("is-selected")
        ),
        name_of("", &lines, false, &more).trim_start().to_owned(),
        Some(selected),
        select_on(handlers, StageItem::Coordinator),
        html! { <>
            <rect class="stage-coordinator-box" x={n(area.x)} y={n(area.y + 2.0)} width={n(area.w)}
                height={n(area.h - 2.0)} rx="6" />
            {draw_lines(&lines)}
        </> },
    )
}
