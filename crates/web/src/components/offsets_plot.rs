//! Offsets over time: for one partition, the log end offset, high watermark, last stable offset
//! (LSO) and each consumer's position at every step so far, with a cursor at the timeline's
//! step. The band between the LSO and the high watermark is shaded: a read_committed consumer
//! waits there until the transaction holding the LSO is decided.
//!
//! Drawn with plotters' SVG backend into a string, then given a `<title>`, a `<desc>` and
//! `role="img"`. Every series has its own dash pattern and a text legend, so colour is never the
//! only cue; a visually hidden table gives screen readers the numbers.

use crate::steps::StepsSoFar;
use eos_core::views::offset_marks::PartitionMarks;
use eos_core::{ClientId, Offset, TopicPartition};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
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

    /// Dash length and gap in pixels (`None`: a solid line): the shape that tells the lines
    /// apart without colour.
    pub fn dash(&self) -> Option<(u32, u32)> {
        match self {
            SeriesKind::LogEnd => None,
            SeriesKind::HighWatermark => Some((8, 4)),
            SeriesKind::LastStable => Some((2, 3)),
            SeriesKind::Position(i) => Some([(12, 3), (4, 2), (16, 6), (1, 2)][i % 4]),
        }
    }

    /// The same pattern as an SVG `stroke-dasharray`, for the legend.
    pub fn dasharray(&self) -> String {
        self.dash()
            .map_or_else(|| "none".to_owned(), |(on, off)| format!("{on} {off}"))
    }

    /// Okabe-Ito colours, as in the stylesheet's `--oi-*` properties.
    fn colour(&self) -> RGBColor {
        match self {
            SeriesKind::LogEnd => RGBColor(0, 114, 178),
            SeriesKind::HighWatermark => RGBColor(86, 180, 233),
            SeriesKind::LastStable => RGBColor(204, 121, 167),
            SeriesKind::Position(i) => [
                RGBColor(0, 158, 115),
                RGBColor(213, 94, 0),
                RGBColor(230, 159, 0),
                RGBColor(24, 33, 45),
            ][i % 4],
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
    /// `history`: the partitions' offsets at the start and after each step.
    pub fn of<'a>(
        history: impl IntoIterator<Item = &'a [PartitionMarks]>,
        tp: &TopicPartition,
    ) -> Self {
        Self::from_marks(
            history
                .into_iter()
                .map(|marks| marks.iter().find(|m| &m.topic_partition == tp))
                .collect(),
        )
    }

    /// The same plot from a long history at a bounded cost: the offsets are read at about
    /// [`MAX_POINTS`] evenly spaced steps, at every step of `exact` (the steps the value table
    /// lists) and at the last one, and held in between, as the drawing would thin them anyway.
    /// `marks_at(i)` is the offsets after `i` steps, for `i` below `len`.
    pub fn sampled<'a>(
        len: usize,
        marks_at: impl Fn(usize) -> &'a [PartitionMarks],
        tp: &TopicPartition,
        exact: std::ops::RangeInclusive<usize>,
    ) -> Self {
        let stride = len.div_ceil(MAX_POINTS).max(1);
        let mut held = None;
        let at = (0..len)
            .map(|i| {
                if i % stride == 0 || exact.contains(&i) || i + 1 == len {
                    held = marks_at(i).iter().find(|m| &m.topic_partition == tp);
                }
                held
            })
            .collect();
        Self::from_marks(at)
    }

    /// The lines from the partition's offsets at each step (`None`: no leader then).
    fn from_marks(at: Vec<Option<&PartitionMarks>>) -> Self {
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
        // Consumers in the order they first hold a position; a step whose offsets are the same
        // value as the step before's (held by `sampled`) adds no one new.
        let mut consumers: Vec<&ClientId> = Vec::new();
        let mut previous: Option<&PartitionMarks> = None;
        for marks in at.iter().flatten() {
            if previous.is_some_and(|p| std::ptr::eq(p, *marks)) {
                continue;
            }
            previous = Some(marks);
            for (client, _) in &marks.positions {
                if !consumers.contains(&client) {
                    consumers.push(client);
                }
            }
        }
        for (i, consumer) in consumers.into_iter().enumerate() {
            let values = at
                .iter()
                .map(|m| {
                    m.and_then(|m| {
                        m.positions
                            .iter()
                            .find(|(c, _)| c == consumer)
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
            steps: at.len(),
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

/// The drawing's size in SVG units; the stylesheet scales it to its box.
// Narrow enough that at 375 px the words still read at about 11 px.
const WIDTH: u32 = 480;
const HEIGHT: u32 = 300;
const GAP_COLOUR: RGBColor = RGBColor(230, 159, 0);

/// The runs of a series as step-shaped points: each step holds its value until the next, so a
/// change is a vertical jump; a step without a value ends the run. Steps with the same value
/// add no point, so a long flat history stays short.
pub fn step_runs(values: &[Option<i64>]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut held: Option<i64> = None;
    for (step, value) in values.iter().enumerate() {
        let x = step as f64;
        match (held, *value) {
            (Some(h), None) => {
                if let Some(run) = runs.last_mut() {
                    run.push((x, h as f64));
                }
            }
            (None, Some(v)) => runs.push(vec![(x, v as f64)]),
            (Some(h), Some(v)) if h != v => {
                if let Some(run) = runs.last_mut() {
                    run.push((x, h as f64));
                    run.push((x, v as f64));
                }
            }
            _ => {}
        }
        held = *value;
    }
    if let (Some(h), Some(run)) = (held, runs.last_mut()) {
        run.push((values.len() as f64, h as f64));
    }
    runs
}

/// The most points a line keeps: about two per drawing unit. A long history is thinned to this,
/// so the drawing costs the same at 100 steps and at 100 000.
pub const MAX_POINTS: usize = 2 * WIDTH as usize;

/// Keeps the points of `run` at least `min_dx` steps apart (and always its last point): closer
/// ones fall within one drawing unit of a kept neighbour, so the line looks the same.
pub fn thin(run: Vec<(f64, f64)>, min_dx: f64) -> Vec<(f64, f64)> {
    if run.len() <= 2 || min_dx <= 0.0 {
        return run;
    }
    let last = run[run.len() - 1];
    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(MAX_POINTS + 2);
    for point in run {
        if kept.last().is_none_or(|k| point.0 - k.0 >= min_dx) {
            kept.push(point);
        }
    }
    if kept.last() != Some(&last) {
        kept.push(last);
    }
    kept
}

/// Joins gap bands closer than `min_dx` steps into one spanning both, for the same reason.
fn merge_close_bands(
    bands: &[(usize, usize, i64, i64)],
    min_dx: f64,
) -> Vec<(usize, usize, i64, i64)> {
    let mut merged: Vec<(usize, usize, i64, i64)> = Vec::new();
    for &band in bands {
        match merged.last_mut() {
            Some(last) if ((band.0 - last.1) as f64) < min_dx => {
                *last = (last.0, band.1, last.2.min(band.2), last.3.max(band.3));
            }
            _ => merged.push(band),
        }
    }
    merged
}

/// Whole numbers only: plotters may put ticks between steps or offsets.
fn whole(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// The plot as an SVG string drawn by plotters, with `title` and `desc` for assistive
/// technology; `None` if plotters reports an error.
pub fn draw_svg(series: &OffsetsSeries, cursor: usize, title: &str, desc: &str) -> Option<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let steps = series.steps.max(1) as f64;
        let min_dx = steps / MAX_POINTS as f64;
        // Head room so the top line is not drawn on the frame.
        let top = series.max_value() as f64 * 1.1 + 0.5;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..steps, 0f64..top)
            .ok()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(0)
            .y_labels(6)
            .x_labels(10)
            .x_desc("step")
            .y_desc("offset")
            .x_label_formatter(&whole)
            .y_label_formatter(&whole)
            .label_style(("sans-serif", 19))
            .axis_desc_style(("sans-serif", 19))
            .draw()
            .ok()?;
        let bands = merge_close_bands(&gap_bands(series), min_dx);
        chart
            .draw_series(bands.iter().map(|&(from, to, lso, hw)| {
                Rectangle::new(
                    [(from as f64, hw as f64), (to as f64, lso as f64)],
                    GAP_COLOUR.mix(0.3).filled(),
                )
            }))
            .ok()?;
        // The label goes on the band at the cursor, or else on the latest one.
        let labelled = bands
            .iter()
            .find(|b| b.0 <= cursor && cursor < b.1)
            .or_else(|| bands.last());
        if let Some(&(from, _, lso, hw)) = labelled {
            let middle = (hw + lso) as f64 / 2.0;
            // Left of the band's start when it is in the right half, so the words stay inside.
            let (x, anchor) = if (from as f64) < steps / 2.0 {
                (from as f64 + 0.1, HPos::Left)
            } else {
                (from as f64 - 0.1, HPos::Right)
            };
            let style =
                TextStyle::from(("sans-serif", 20).into_font()).pos(Pos::new(anchor, VPos::Center));
            chart
                .draw_series(std::iter::once(Text::new(
                    "read_committed waits here",
                    (x, middle),
                    style,
                )))
                .ok()?;
        }
        for s in &series.series {
            let style = s.kind.colour().stroke_width(3);
            for run in step_runs(&s.values)
                .into_iter()
                .map(|run| thin(run, min_dx))
            {
                match s.kind.dash() {
                    None => chart.draw_series(LineSeries::new(run, style)).ok()?,
                    Some((on, off)) => chart
                        .draw_series(DashedLineSeries::new(run, on, off, style))
                        .ok()?,
                };
            }
        }
        let x = cursor as f64 + 0.5;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, top)],
                BLACK.stroke_width(1),
            )))
            .ok()?;
        root.present().ok()?;
    }
    Some(super::plot_svg::accessible(
        &svg,
        "offsets-plot-svg",
        "offsets-plot",
        title,
        desc,
    ))
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

#[derive(Debug, Properties, PartialEq)]
pub struct OffsetsPlotProps {
    /// The history (its offsets after each step) and the timeline's step.
    pub steps: StepsSoFar,
    pub topic_partition: TopicPartition,
}

#[component]
pub fn OffsetsPlot(props: &OffsetsPlotProps) -> Html {
    let tp = &props.topic_partition;
    let steps = &props.steps;
    let len = steps.len() + 1;
    let cursor = steps.cursor();
    let series = OffsetsSeries::sampled(
        len,
        |i| steps.marks_at(i),
        tp,
        (cursor + 1).saturating_sub(TABLE_ROWS)..=cursor,
    );
    let heading = html! { <h2 id="offsets-plot-heading">{format!("Offsets over time: {tp}")}</h2> };
    if series.steps == 0 {
        return html! {
            <section class="panel inspector offsets-plot" aria-labelledby="offsets-plot-heading">
                {heading}
                <p class="empty">{"No steps yet."}</p>
            </section>
        };
    }
    let cursor = cursor.min(series.steps - 1);
    let description = summary(&series, tp, cursor);
    let title = format!("Offsets of {tp} at each step");
    // Plotters escapes every text it draws, and `accessible` the title and description.
    let drawing = match draw_svg(&series, cursor, &title, &description) {
        Some(svg) => Html::from_html_unchecked(AttrValue::from(svg)),
        None => html! { <p class="empty">{description.clone()}</p> },
    };
    html! {
        <section class="panel inspector offsets-plot" aria-labelledby="offsets-plot-heading">
            {heading}
            <figure class="plot-figure">
                <div class="plot">{drawing}</div>
                <figcaption class="plot-legend">
                    <p class="plot-cursor-note">{format!("The vertical line marks step {cursor}.")}</p>
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
                    stroke-dasharray={series.kind.dasharray()} />
            </svg>
            {format!("{}: {now}", series.name)}
        </li>
    }
}

fn value_table(series: &OffsetsSeries, tp: &TopicPartition, cursor: usize) -> Html {
    let last = cursor;
    let first = (last + 1).saturating_sub(TABLE_ROWS);
    html! {
        // The wrapper hides it: a table grows to its content whatever width it is given, and
        // would widen the page.
        <div class="visually-hidden">
        <table id="offsets-plot-table">
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
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::ClientId as Client;

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
                    positions: vec![(Client::new("reader"), Offset(lso))],
                    committed: Vec::new(),
                }]
            })
            .collect()
    }

    #[test]
    fn series_follow_the_marks_and_the_gap_is_where_the_lso_lags() {
        let history = marks(&[(0, 0, 0), (3, 3, 0), (3, 3, 0), (4, 4, 4)]);
        let tp = TopicPartition::new("payments", 0);
        let series = OffsetsSeries::of(history.iter().map(Vec::as_slice), &tp);
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
        let series = OffsetsSeries::of(history.iter().map(Vec::as_slice), &tp);
        assert_eq!(step_runs(&series.series[0].values).len(), 2);
    }

    #[test]
    fn a_value_is_held_until_the_next_step_changes_it() {
        assert_eq!(
            step_runs(&[Some(2), Some(2), Some(5)]),
            vec![vec![(0.0, 2.0), (2.0, 2.0), (2.0, 5.0), (3.0, 5.0)]]
        );
        assert!(step_runs(&[None, None]).is_empty());
    }

    #[test]
    fn the_drawing_gets_a_role_a_title_and_an_escaped_description() {
        let history = marks(&[(0, 0, 0), (3, 3, 0)]);
        let series = OffsetsSeries::of(
            history.iter().map(Vec::as_slice),
            &TopicPartition::new("payments", 0),
        );
        let svg = draw_svg(&series, 1, "Offsets", "a < b & c").expect("plotters draws");
        assert!(
            svg.starts_with("<svg id=\"offsets-plot-svg\" role=\"img\""),
            "{svg}"
        );
        assert!(svg.contains("<desc id=\"offsets-plot-desc\">a &lt; b &amp; c</desc>"));
        assert!(svg.contains("read_committed waits here"));
        assert_eq!(svg.matches("<svg").count(), 1);
    }

    // A record per two steps for 20 000 steps: every line changes at every other step. The
    // drawing must stay about as large as a short history's, or the page slows as the log grows.
    #[test]
    fn a_long_history_draws_no_larger_than_its_thinned_lines() {
        let steps = |n: i64| -> Vec<(i64, i64, i64)> {
            (0..n)
                .map(|i| (i / 2, i / 2, (i / 2) - (i / 2) % 7))
                .collect()
        };
        let tp = TopicPartition::new("payments", 0);
        let short = OffsetsSeries::of(marks(&steps(200)).iter().map(Vec::as_slice), &tp);
        let long = OffsetsSeries::of(marks(&steps(20_000)).iter().map(Vec::as_slice), &tp);
        let short_svg = draw_svg(&short, 199, "t", "d").expect("plotters draws");
        let long_svg = draw_svg(&long, 19_999, "t", "d").expect("plotters draws");
        assert!(
            long_svg.len() < short_svg.len() * 4,
            "{} bytes at 20 000 steps vs {} at 200",
            long_svg.len(),
            short_svg.len()
        );
        for s in &long.series {
            for run in step_runs(&s.values) {
                let last = *run.last().expect("a point");
                let thinned = thin(run, 20_000.0 / MAX_POINTS as f64);
                assert!(thinned.len() <= MAX_POINTS + 2, "{} points", thinned.len());
                assert_eq!(
                    thinned.last(),
                    Some(&last),
                    "the line still ends where it ends"
                );
            }
        }
    }

    #[test]
    fn close_gap_bands_become_one() {
        let bands = [(0, 1, 0, 2), (2, 3, 1, 3), (40, 41, 5, 6)];
        assert_eq!(
            merge_close_bands(&bands, 5.0),
            vec![(0, 3, 0, 3), (40, 41, 5, 6)]
        );
    }

    // A long history read at sampled steps: exact where the table reads it and wherever it was
    // sampled, the same as reading every step; a short one is read in full.
    #[test]
    fn a_sampled_history_agrees_with_the_full_one_where_it_reads() {
        let tp = TopicPartition::new("payments", 0);
        let steps = |n: i64| -> Vec<(i64, i64, i64)> {
            (0..n)
                .map(|i| (i / 2, i / 2, (i / 2) - (i / 2) % 7))
                .collect()
        };
        let short = marks(&steps(300));
        let full = OffsetsSeries::of(short.iter().map(Vec::as_slice), &tp);
        let sampled = OffsetsSeries::sampled(short.len(), |i| &short[i], &tp, 250..=299);
        assert_eq!(sampled, full, "under MAX_POINTS steps every step is read");

        let long = marks(&steps(20_000));
        let full = OffsetsSeries::of(long.iter().map(Vec::as_slice), &tp);
        let sampled = OffsetsSeries::sampled(long.len(), |i| &long[i], &tp, 9_950..=9_999);
        assert_eq!(sampled.steps, full.steps);
        let stride = long.len().div_ceil(MAX_POINTS);
        for (s, f) in sampled.series.iter().zip(&full.series) {
            for step in (0..long.len())
                .filter(|i| i % stride == 0)
                .chain(9_950..10_000)
            {
                assert_eq!(s.values[step], f.values[step], "{} at step {step}", s.name);
            }
            assert_eq!(s.values.last(), f.values.last());
        }
        assert_eq!(sampled.gap(9_999), full.gap(9_999));
    }
}
