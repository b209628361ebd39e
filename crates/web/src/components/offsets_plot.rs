//! Offsets over time: for one partition, the log end offset, high watermark, last stable offset
//! (LSO) and each consumer's position at every step so far, with a cursor at the timeline's
//! step. The band between the LSO and the high watermark is shaded: a read_committed consumer
//! waits there until the transaction holding the LSO is decided.
//!
//! Drawn by hand as SVG, a path per series. Every series has its own dash pattern and a text
//! legend, so colour is never the only cue; a visually hidden table gives screen readers the
//! numbers.

use eos_core::offset_marks::PartitionMarks;
use eos_core::{Offset, TopicPartition};
use std::fmt::Write as _;
use std::rc::Rc;
use yew::prelude::*;

/// What a line stands for; each has its own colour class and dash pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeriesKind {
    LogEnd,
    HighWatermark,
    LastStable,
    /// A consumer's position; the number picks its style from a small cycle.
    Position(usize),
}

impl SeriesKind {
    fn class(&self) -> String {
        match self {
            SeriesKind::LogEnd => "series-log-end".to_owned(),
            SeriesKind::HighWatermark => "series-high-watermark".to_owned(),
            SeriesKind::LastStable => "series-lso".to_owned(),
            SeriesKind::Position(i) => format!("series-position series-position-{}", i % 4),
        }
    }

    /// The stroke pattern: the shape that tells the lines apart without colour.
    pub fn dash(&self) -> &'static str {
        match self {
            SeriesKind::LogEnd => "none",
            SeriesKind::HighWatermark => "8 4",
            SeriesKind::LastStable => "2 3",
            SeriesKind::Position(i) => ["10 3 2 3", "4 2", "12 2 2 2 2 2", "1 2"][i % 4],
        }
    }
}

/// One line of the plot: a value per step, `None` where it has none (no leader, no position).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub kind: SeriesKind,
    pub values: Vec<Option<i64>>,
}

/// The plot's data for one partition, read from the marks of every step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetsSeries {
    pub steps: usize,
    pub series: Vec<Series>,
}

impl OffsetsSeries {
    pub fn of(history: &[Vec<PartitionMarks>], tp: &TopicPartition) -> Self {
        let at: Vec<Option<&PartitionMarks>> = history
            .iter()
            .map(|marks| marks.iter().find(|m| &m.topic_partition == tp))
            .collect();
        let line = |name: &str, kind: SeriesKind, pick: fn(&PartitionMarks) -> Offset| Series {
            name: name.to_owned(),
            kind,
            values: at.iter().map(|m| m.map(|m| pick(m).0)).collect(),
        };
        let mut series = vec![
            line("log end offset", SeriesKind::LogEnd, |m| m.log_end_offset),
            line("high watermark", SeriesKind::HighWatermark, |m| {
                m.high_watermark
            }),
            line("last stable offset (LSO)", SeriesKind::LastStable, |m| {
                m.last_stable_offset
            }),
        ];
        // Consumers in the order they first hold a position.
        let mut consumers: Vec<String> = Vec::new();
        for (client, _) in at.iter().flatten().flat_map(|m| &m.positions) {
            let name = client.to_string();
            if !consumers.contains(&name) {
                consumers.push(name);
            }
        }
        for (i, consumer) in consumers.into_iter().enumerate() {
            let values = at
                .iter()
                .map(|m| {
                    m.and_then(|m| {
                        m.positions
                            .iter()
                            .find(|(c, _)| c.to_string() == consumer)
                            .map(|(_, o)| o.0)
                    })
                })
                .collect();
            series.push(Series {
                name: format!("{consumer}'s position"),
                kind: SeriesKind::Position(i),
                values,
            });
        }
        Self {
            steps: history.len(),
            series,
        }
    }

    fn value(&self, kind: &SeriesKind, step: usize) -> Option<i64> {
        self.series
            .iter()
            .find(|s| &s.kind == kind)
            .and_then(|s| s.values.get(step).copied().flatten())
    }

    /// The read_committed wait at `step`: LSO and high watermark when the LSO is below it.
    pub fn gap(&self, step: usize) -> Option<(i64, i64)> {
        let lso = self.value(&SeriesKind::LastStable, step)?;
        let hw = self.value(&SeriesKind::HighWatermark, step)?;
        (hw > lso).then_some((lso, hw))
    }

    fn max_value(&self) -> i64 {
        self.series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1)
    }
}

/// Where things go in the SVG's own coordinates; the browser scales the whole drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    steps: usize,
    max: i64,
}

impl Frame {
    pub fn new(steps: usize, max: i64) -> Self {
        Self {
            width: 640.0,
            height: 260.0,
            left: 40.0,
            right: 10.0,
            top: 26.0,
            bottom: 28.0,
            steps: steps.max(1),
            max: max.max(1),
        }
    }

    /// The left edge of step `step`'s column: each step holds its value until the next.
    pub fn x(&self, step: usize) -> f64 {
        let plot = self.width - self.left - self.right;
        self.left + plot * step as f64 / self.steps as f64
    }

    pub fn y(&self, offset: i64) -> f64 {
        let plot = self.height - self.top - self.bottom;
        self.top + plot * (1.0 - offset as f64 / self.max as f64)
    }
}

/// A step-shaped SVG path: flat while the value holds, a vertical jump when it changes, a break
/// where there is no value. Steps with the same value share one segment, so a long flat history
/// stays a short path.
pub fn step_path(values: &[Option<i64>], frame: &Frame) -> String {
    let mut d = String::new();
    let mut held: Option<i64> = None;
    for (step, value) in values.iter().enumerate() {
        match (held, *value) {
            (Some(_), None) => {
                let _ = write!(d, "H{:.1}", frame.x(step));
            }
            (None, Some(v)) => {
                let _ = write!(d, "M{:.1} {:.1}", frame.x(step), frame.y(v));
            }
            (Some(h), Some(v)) if h != v => {
                let _ = write!(d, "H{:.1}V{:.1}", frame.x(step), frame.y(v));
            }
            _ => {}
        }
        held = *value;
    }
    if held.is_some() {
        let _ = write!(d, "H{:.1}", frame.x(values.len()));
    }
    d
}

/// The columns where the LSO is below the high watermark, merged while the band stays the same:
/// (first step, steps after the last, LSO, high watermark).
pub fn gap_bands(series: &OffsetsSeries) -> Vec<(usize, usize, i64, i64)> {
    let mut bands: Vec<(usize, usize, i64, i64)> = Vec::new();
    for step in 0..series.steps {
        let Some((lso, hw)) = series.gap(step) else {
            continue;
        };
        match bands.last_mut() {
            Some(band) if band.1 == step && band.2 == lso && band.3 == hw => band.1 = step + 1,
            _ => bands.push((step, step + 1, lso, hw)),
        }
    }
    bands
}

/// The sentence the SVG's description and the caption share: every value at `step`.
pub fn summary(series: &OffsetsSeries, tp: &TopicPartition, step: usize) -> String {
    let values: Vec<String> = series
        .series
        .iter()
        .filter_map(|s| {
            Some(format!(
                "{} {}",
                s.name,
                s.values.get(step).copied().flatten()?
            ))
        })
        .collect();
    if values.is_empty() {
        return format!("{tp} has no offsets at step {step}.");
    }
    let wait = match series.gap(step) {
        Some((lso, hw)) => format!(
            " read_committed consumers wait at the LSO, {} below the high watermark.",
            plural(hw - lso, "offset")
        ),
        None => " The LSO is at the high watermark: read_committed consumers wait for nothing."
            .to_owned(),
    };
    format!("{tp} at step {step}: {}.{wait}", values.join(", "))
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// How many rows the screen-reader table holds: the steps up to the cursor, at most this many.
pub const TABLE_ROWS: usize = 50;

#[derive(Debug, Properties)]
pub struct OffsetsPlotProps {
    /// `eos_core::offset_marks::marks` of the world after each step, oldest first; index 0 may
    /// be the world before any step.
    pub history: Rc<[Vec<PartitionMarks>]>,
    pub topic_partition: TopicPartition,
    /// The timeline's step: an index into `history`.
    pub cursor: usize,
}

// The history can be long; a new one is a new `Rc`, so identity is the right test.
impl PartialEq for OffsetsPlotProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.history, &other.history)
            && self.topic_partition == other.topic_partition
            && self.cursor == other.cursor
    }
}

#[component]
pub fn OffsetsPlot(props: &OffsetsPlotProps) -> Html {
    let tp = &props.topic_partition;
    let series = OffsetsSeries::of(&props.history, tp);
    let heading = html! { <h2 id="offsets-plot-heading">{format!("Offsets over time: {tp}")}</h2> };
    if series.steps == 0 {
        return html! {
            <section class="panel inspector offsets-plot" aria-labelledby="offsets-plot-heading">
                {heading}
                <p class="empty">{"No steps yet."}</p>
            </section>
        };
    }
    let cursor = props.cursor.min(series.steps - 1);
    let frame = Frame::new(series.steps, series.max_value());
    let description = summary(&series, tp, cursor);
    html! {
        <section class="panel inspector offsets-plot" aria-labelledby="offsets-plot-heading">
            {heading}
            <figure class="plot-figure">
                <svg class="plot" id="offsets-plot-svg" role="img"
                    viewBox={format!("0 0 {} {}", frame.width, frame.height)}
                    aria-labelledby="offsets-plot-title offsets-plot-desc">
                    <title id="offsets-plot-title">{format!("Offsets of {tp} at each step")}</title>
                    <desc id="offsets-plot-desc">{description.clone()}</desc>
                    {axes(&frame, series.steps)}
                    {gaps(&series, &frame, cursor)}
                    { for series.series.iter().map(|s| html! {
                        <path class={classes!("plot-line", s.kind.class())} data-series={s.name.clone()}
                            d={step_path(&s.values, &frame)} fill="none"
                            stroke-dasharray={s.kind.dash()} />
                    }) }
                    {cursor_line(&frame, cursor)}
                </svg>
                <figcaption class="plot-legend">
                    <ul class="legend" aria-label="Legend">
                        { for series.series.iter().map(|s| legend_item(s, cursor)) }
                        <li class="legend-item">
                            <svg class="legend-swatch" viewBox="0 0 28 10" aria-hidden="true">
                                <rect class="plot-gap" x="0" y="0" width="28" height="10" />
                            </svg>
                            {"shaded: read_committed waits here (between the LSO and the high watermark)"}
                        </li>
                    </ul>
                </figcaption>
            </figure>
            {value_table(&series, tp, cursor)}
        </section>
    }
}

fn axes(frame: &Frame, steps: usize) -> Html {
    let bottom = frame.y(0);
    let ticks = {
        let mut t = vec![0, frame.max / 2, frame.max];
        t.dedup();
        t
    };
    html! {
        <g class="plot-axes" aria-hidden="true">
            <line x1={fmt(frame.x(0))} y1={fmt(frame.top)} x2={fmt(frame.x(0))} y2={fmt(bottom)} />
            <line x1={fmt(frame.x(0))} y1={fmt(bottom)} x2={fmt(frame.x(steps))} y2={fmt(bottom)} />
            { for ticks.into_iter().map(|t| html! {
                <>
                    <line class="plot-grid" x1={fmt(frame.x(0))} y1={fmt(frame.y(t))}
                        x2={fmt(frame.x(steps))} y2={fmt(frame.y(t))} />
                    <text x={fmt(frame.x(0) - 6.0)} y={fmt(frame.y(t) + 4.0)} text-anchor="end">{t}</text>
                </>
            }) }
            <text x={fmt(frame.x(0))} y={fmt(frame.top - 10.0)} text-anchor="middle">{"offset"}</text>
            <text x={fmt(frame.x(0))} y={fmt(frame.height - 8.0)} text-anchor="start">{"step 0"}</text>
            <text x={fmt(frame.x(steps))} y={fmt(frame.height - 8.0)} text-anchor="end">
                {format!("step {}", steps - 1)}
            </text>
        </g>
    }
}

fn gaps(series: &OffsetsSeries, frame: &Frame, cursor: usize) -> Html {
    let bands = gap_bands(series);
    // The label goes on the band at the cursor, or else on the latest one.
    let labelled = bands
        .iter()
        .position(|b| b.0 <= cursor && cursor < b.1)
        .or_else(|| bands.len().checked_sub(1));
    html! {
        <g class="plot-gaps">
            { for bands.iter().enumerate().map(|(i, &(from, to, lso, hw))| {
                let (x0, x1) = (frame.x(from), frame.x(to));
                let (top, bottom) = (frame.y(hw), frame.y(lso));
                // Kept inside the drawing even when the band is at an edge.
                let label_x = ((x0 + x1) / 2.0).clamp(frame.x(0) + 75.0, frame.width - 85.0);
                let label_y = ((top + bottom) / 2.0 + 4.0).max(frame.top + 10.0);
                html! {
                    <>
                        <rect class="plot-gap" x={fmt(x0)} y={fmt(top)}
                            width={fmt(x1 - x0)} height={fmt(bottom - top)} />
                        if Some(i) == labelled {
                            <text class="plot-gap-label" x={fmt(label_x)} y={fmt(label_y)}
                                text-anchor="middle">{"read_committed waits here"}</text>
                        }
                    </>
                }
            }) }
        </g>
    }
}

fn cursor_line(frame: &Frame, cursor: usize) -> Html {
    let x = (frame.x(cursor) + frame.x(cursor + 1)) / 2.0;
    let anchor = if x > frame.width / 2.0 {
        "end"
    } else {
        "start"
    };
    let label_x = if anchor == "end" { x - 4.0 } else { x + 4.0 };
    html! {
        <g class="plot-cursor" aria-hidden="true">
            <line x1={fmt(x)} y1={fmt(frame.top - 4.0)} x2={fmt(x)} y2={fmt(frame.y(0))} />
            <text x={fmt(label_x)} y={fmt(frame.top - 10.0)} text-anchor={anchor}>
                {format!("step {cursor}")}
            </text>
        </g>
    }
}

fn legend_item(series: &Series, cursor: usize) -> Html {
    let now = series
        .values
        .get(cursor)
        .copied()
        .flatten()
        .map_or_else(|| "none".to_owned(), |v| v.to_string());
    html! {
        <li class="legend-item">
            <svg class="legend-swatch" viewBox="0 0 28 10" aria-hidden="true">
                <line class={classes!("plot-line", series.kind.class())} x1="0" y1="5" x2="28" y2="5"
                    stroke-dasharray={series.kind.dash()} />
            </svg>
            {format!("{}: {now}", series.name)}
        </li>
    }
}

fn value_table(series: &OffsetsSeries, tp: &TopicPartition, cursor: usize) -> Html {
    let last = cursor;
    let first = (last + 1).saturating_sub(TABLE_ROWS);
    html! {
        <table class="visually-hidden" id="offsets-plot-table">
            <caption>{format!("Offsets of {tp}, steps {first} to {last}")}</caption>
            <thead>
                <tr>
                    <th scope="col">{"Step"}</th>
                    { for series.series.iter().map(|s| html! { <th scope="col">{&s.name}</th> }) }
                </tr>
            </thead>
            <tbody>
                { for (first..=last).map(|step| html! {
                    <tr data-step={step.to_string()}>
                        <th scope="row">{step}</th>
                        { for series.series.iter().map(|s| html! {
                            <td>{s.values.get(step).copied().flatten()
                                .map_or_else(|| "none".to_owned(), |v| v.to_string())}</td>
                        }) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::ClientId;

    fn marks(step_values: &[(i64, i64, i64)]) -> Vec<Vec<PartitionMarks>> {
        step_values
            .iter()
            .map(|&(log_end, hw, lso)| {
                vec![PartitionMarks {
                    topic_partition: TopicPartition::new("payments", 0),
                    log_start_offset: Offset(0),
                    high_watermark: Offset(hw),
                    last_stable_offset: Offset(lso),
                    log_end_offset: Offset(log_end),
                    positions: vec![(ClientId::new("reader"), Offset(lso))],
                    committed: Vec::new(),
                }]
            })
            .collect()
    }

    #[test]
    fn series_follow_the_marks_and_the_gap_is_where_the_lso_lags() {
        let history = marks(&[(0, 0, 0), (3, 3, 0), (3, 3, 0), (4, 4, 4)]);
        let tp = TopicPartition::new("payments", 0);
        let series = OffsetsSeries::of(&history, &tp);
        let names: Vec<&str> = series.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "log end offset",
                "high watermark",
                "last stable offset (LSO)",
                "reader's position"
            ]
        );
        assert_eq!(series.gap(1), Some((0, 3)));
        assert_eq!(series.gap(3), None);
        // Two steps with the same band are one shaded rectangle.
        assert_eq!(gap_bands(&series), vec![(1, 3, 0, 3)]);
        let text = summary(&series, &tp, 2);
        assert!(text.contains("high watermark 3"), "{text}");
        assert!(
            text.contains("3 offsets below the high watermark"),
            "{text}"
        );
    }

    #[test]
    fn a_partition_missing_from_the_marks_breaks_its_lines() {
        let tp = TopicPartition::new("payments", 0);
        let mut history = marks(&[(1, 1, 1), (1, 1, 1), (2, 2, 2)]);
        history[1].clear();
        let series = OffsetsSeries::of(&history, &tp);
        let frame = Frame::new(series.steps, 2);
        let path = step_path(&series.series[0].values, &frame);
        assert_eq!(path.matches('M').count(), 2, "{path}");
    }

    #[test]
    fn steps_with_one_value_make_one_segment() {
        let frame = Frame::new(3, 4);
        let path = step_path(&[Some(2), Some(2), Some(2)], &frame);
        assert_eq!(path, format!("M40.0 {:.1}H630.0", frame.y(2)));
        assert!(frame.y(4) < frame.y(0), "higher offsets are drawn higher");
    }
}
