//! The exactly-once matrix as the explorer builds it: every named setting (rows) against every
//! kind of anomaly (columns), each cell the shortest run that showed it (a button that opens it
//! in the lab) or "none in N runs"; and a plot of how many kinds each setting showed as the
//! number of runs grew. Rows arrive one at a time from the explorer's worker.

use std::rc::Rc;

use eos_core::explore::job::{Column, FoundRun, MatrixCell};
use plotters::prelude::*;
use yew::prelude::*;

use crate::scenarios::Source;
use crate::state::LabAction;

const WIDTH: u32 = 480;
const HEIGHT: u32 = 280;

/// The matrix so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MatrixView {
    pub columns: Vec<Column>,
    /// Every setting (name, title), in row order.
    pub settings: Vec<(String, String)>,
    pub budgets: Vec<u64>,
    /// The rows done so far, by setting name.
    pub rows: Vec<RowView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RowView {
    pub setting: String,
    pub cells: Vec<MatrixCell>,
    pub found_by_budget: Vec<usize>,
}

impl MatrixView {
    fn row(&self, setting: &str) -> Option<&RowView> {
        self.rows.iter().find(|r| r.setting == setting)
    }
}

/// Opens a found run in the lab.
pub fn open_in_lab(run: &FoundRun, dispatch: &Callback<LabAction>) -> Callback<MouseEvent> {
    let dispatch = dispatch.clone();
    let (name, text): (Rc<str>, Rc<str>) = (
        format!("found-{}-seed-{}.json", run.guarantee, run.seed).into(),
        run.scenario.as_str().into(),
    );
    Callback::from(move |_: MouseEvent| {
        dispatch.emit(LabAction::Load(Source::File {
            name: name.clone(),
            text: text.clone(),
        }));
    })
}

#[derive(Debug, Properties, PartialEq)]
pub struct MatrixTableProps {
    pub matrix: MatrixView,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn MatrixTable(props: &MatrixTableProps) -> Html {
    let matrix = &props.matrix;
    let header = matrix.columns.iter().map(|column| {
        html! {
            <th scope="col">
                {column.anomaly.clone()}
                if let Some(jepsen) = &column.jepsen {
                    <span class="matrix-jepsen">{format!("Jepsen: {jepsen}")}</span>
                }
            </th>
        }
    });
    let rows = matrix.settings.iter().map(|(name, title)| {
        let cells = match matrix.row(name) {
            Some(row) => row
                .cells
                .iter()
                .zip(&matrix.columns)
                .map(|(cell, column)| cell_view(cell, column, title, &props.dispatch))
                .collect::<Html>(),
            None => html! {
                <td class="matrix-pending" colspan={matrix.columns.len().to_string()}>
                    {"not run yet"}
                </td>
            },
        };
        html! {
            <tr>
                <th scope="row"><code>{name.clone()}</code><span class="matrix-title">{title.clone()}</span></th>
                {cells}
            </tr>
        }
    });
    html! {
        <div class="inspector-table-box matrix-box" id="explorer-matrix" tabindex="0" role="region"
            aria-labelledby="explorer-matrix-caption">
            <table class="inspector-table matrix-table">
                <caption id="explorer-matrix-caption" class="inspector-note">
                    {"Settings against anomalies: the shortest run found, or none in the runs made"}
                </caption>
                <thead><tr><th scope="col">{"Setting"}</th>{ for header }</tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

fn cell_view(
    cell: &MatrixCell,
    column: &Column,
    setting: &str,
    dispatch: &Callback<LabAction>,
) -> Html {
    match cell {
        MatrixCell::Found { run } => {
            let class = if run.expected.is_some() {
                "button matrix-found matrix-expected"
            } else {
                "button matrix-found"
            };
            let label = format!(
                "Open the shortest run showing {} under {setting} ({} steps) in the lab{}",
                column.anomaly,
                run.steps,
                if run.expected.is_some() {
                    "; expected by design"
                } else {
                    ""
                }
            );
            html! {
                <td>
                    <button type="button" class={class} aria-label={label}
                        title={run.expected.clone().unwrap_or_else(|| run.why.clone())}
                        onclick={open_in_lab(run, dispatch)}>
                        {format!("{} steps", run.steps)}
                    </button>
                </td>
            }
        }
        MatrixCell::NoneIn { runs } => html! {
            <td class="matrix-none">{format!("none in {runs}")}</td>
        },
    }
}

/// Kinds found per setting against runs made, one line per setting that found any.
pub fn growth_svg(matrix: &MatrixView) -> Option<String> {
    let last = *matrix.budgets.last()?;
    let lines: Vec<(&RowView, usize)> = matrix
        .rows
        .iter()
        .filter(|r| r.found_by_budget.iter().any(|n| *n > 0))
        .enumerate()
        .map(|(i, r)| (r, i))
        .collect();
    let top = lines
        .iter()
        .flat_map(|(r, _)| r.found_by_budget.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1) as f64
        + 0.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(32)
            .x_label_area_size(46)
            .y_label_area_size(56)
            .build_cartesian_2d((1.0..(last.max(2) as f64)).log_scale(), 0.0..top)
            .ok()?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc("runs made")
            .x_label_formatter(&|n| format!("{n:.0}"))
            .y_desc("kinds of anomaly found")
            .y_label_formatter(&|n| format!("{n:.0}"))
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .ok()?;
        for (row, i) in &lines {
            let colour = PALETTE[i % PALETTE.len()];
            let points: Vec<(f64, f64)> = matrix
                .budgets
                .iter()
                .zip(&row.found_by_budget)
                .map(|(b, n)| (*b as f64, *n as f64))
                .collect();
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(3)))
                .ok()?;
        }
        root.present().ok()?;
    }
    Some(super::plot_svg::accessible(
        &svg,
        "explorer-growth-svg",
        "explorer-growth-svg",
        "Kinds of anomaly found per setting, as runs grow",
        &growth_summary(matrix),
    ))
}

/// The plot in words: each setting's kinds found at the full budget, and when it found its first.
pub fn growth_summary(matrix: &MatrixView) -> String {
    let parts: Vec<String> = matrix
        .rows
        .iter()
        .map(|row| {
            let all = row.found_by_budget.last().copied().unwrap_or(0);
            let first = matrix
                .budgets
                .iter()
                .zip(&row.found_by_budget)
                .find(|(_, n)| **n > 0)
                .map(|(b, _)| format!(", the first within {b} runs"))
                .unwrap_or_default();
            format!("{}: {all}{first}", row.setting)
        })
        .collect();
    if parts.is_empty() {
        return "No row is done yet.".to_owned();
    }
    format!("Kinds of anomaly found. {}.", parts.join("; "))
}

/// Colours told apart by most readers (Okabe and Ito).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
    RGBColor(24, 33, 45),
];

/// The legend: each plotted setting with its colour.
pub fn growth_legend(matrix: &MatrixView) -> Html {
    let plotted = matrix
        .rows
        .iter()
        .filter(|r| r.found_by_budget.iter().any(|n| *n > 0))
        .enumerate();
    html! {
        <ul class="legend" aria-label="Legend">
            { for plotted.map(|(i, row)| {
                let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
                html! {
                    <li class="legend-item">
                        <svg class="legend-swatch" viewBox="0 0 28 10" aria-hidden="true">
                            <line class="plot-line" x1="0" y1="5" x2="28" y2="5"
                                stroke={format!("rgb({r},{g},{b})")} />
                        </svg>
                        {row.setting.clone()}
                    </li>
                }
            }) }
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> MatrixView {
        MatrixView {
            columns: vec![Column {
                anomaly: "duplicate".into(),
                jepsen: Some("duplicate".into()),
            }],
            settings: vec![
                ("safe".into(), "Safe".into()),
                ("acks-1".into(), "acks=1".into()),
            ],
            budgets: vec![1, 2, 5, 10],
            rows: vec![
                RowView {
                    setting: "safe".into(),
                    cells: vec![MatrixCell::NoneIn { runs: 10 }],
                    found_by_budget: vec![0, 0, 0, 0],
                },
                RowView {
                    setting: "acks-1".into(),
                    cells: vec![MatrixCell::NoneIn { runs: 10 }],
                    found_by_budget: vec![0, 1, 1, 2],
                },
            ],
        }
    }

    #[test]
    fn the_plot_says_in_words_what_each_setting_found_and_when() {
        assert_eq!(
            growth_summary(&matrix()),
            "Kinds of anomaly found. safe: 0; acks-1: 2, the first within 2 runs."
        );
        let svg = growth_svg(&matrix()).expect("drawn");
        assert!(svg.starts_with("<svg id=\"explorer-growth-svg\" role=\"img\""));
    }
}
