//! The cost model (`eos_core::views::cost_model`) as two plots against the commit interval: the
//! throughput a transactional producer gives up, and how long a read_committed consumer waits
//! for a record. The reader sets the workload in labelled fields and both plots follow; the
//! current interval is marked on each.
//!
//! Drawn like the offsets plot: plotters' SVG backend into a string, with a `<title>`, a
//! `<desc>` and `role="img"`; lines differ by dash pattern as well as colour, and the legend
//! gives the values at the current interval in words.

use eos_core::views::cost_model::{CostParameters, Pipeline, TransactionProtocol};
use plotters::prelude::*;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The commit intervals the plots span, in milliseconds (a log scale): from Kafka Streams'
/// exactly-once default of 100 ms down to 10, up to 10 s.
const FROM_MS: f64 = 10.0;
const TO_MS: f64 = 10_000.0;
const POINTS: usize = 61;
const WIDTH: u32 = 480;
const HEIGHT: u32 = 280;

/// One line of a plot: its name, dash pattern (`None`: solid), colour, and a value per interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    pub name: &'static str,
    pub dash: Option<(u32, u32)>,
    colour: RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// The commit intervals sampled, evenly on a log scale.
pub fn intervals() -> Vec<f64> {
    let (low, high) = (FROM_MS.ln(), TO_MS.ln());
    (0..POINTS)
        .map(|i| (low + (high - low) * i as f64 / (POINTS - 1) as f64).exp())
        .collect()
}

/// Throughput given up, in percent, against the two producers of Confluent's benchmark.
pub fn overhead_curves(model: &CostParameters) -> Vec<Curve> {
    let against = |name, dash, colour, baseline: Pipeline| Curve {
        name,
        dash,
        colour,
        points: intervals()
            .into_iter()
            .map(|t| {
                (
                    t,
                    100.0 * model.with_commit_interval(t).overhead_against(baseline),
                )
            })
            .collect(),
    };
    vec![
        against(
            "against acks=all, 1 in flight",
            None,
            RGBColor(0, 114, 178),
            Pipeline::ACKS_ALL_ONE_IN_FLIGHT,
        ),
        against(
            "against acks=1, 5 in flight",
            Some((8, 4)),
            RGBColor(213, 94, 0),
            Pipeline::ACKS_ONE_FIVE_IN_FLIGHT,
        ),
    ]
}

/// End-to-end latency in milliseconds: read_committed on average and at worst, and
/// read_uncommitted for comparison.
pub fn latency_curves(model: &CostParameters) -> Vec<Curve> {
    let line = |name, dash, colour, pick: fn(&CostParameters) -> f64| Curve {
        name,
        dash,
        colour,
        points: intervals()
            .into_iter()
            .map(|t| (t, pick(&model.with_commit_interval(t))))
            .collect(),
    };
    vec![
        line(
            "read_committed, worst",
            None,
            RGBColor(204, 121, 167),
            |m| m.end_to_end_latency(true).worst_ms,
        ),
        line(
            "read_committed, average",
            Some((8, 4)),
            RGBColor(0, 158, 115),
            |m| m.end_to_end_latency(true).mean_ms,
        ),
        line(
            "read_uncommitted",
            Some((2, 3)),
            RGBColor(24, 33, 45),
            |m| m.end_to_end_latency(false).mean_ms,
        ),
    ]
}

/// What a plot is, for drawing and for assistive technology.
#[derive(Debug)]
pub struct Plot<'a> {
    pub id: &'static str,
    pub title: &'a str,
    pub desc: &'a str,
    pub y_desc: &'static str,
    pub log_y: bool,
}

/// The curves as an SVG string, with a vertical line at `current_ms`; `None` if plotters fails.
pub fn draw_svg(plot: &Plot<'_>, curves: &[Curve], current_ms: f64) -> Option<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let values = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1));
        let top = values.fold(0.0_f64, f64::max).max(1.0) * 1.1;
        let mut builder = ChartBuilder::on(&root);
        // Room on the right for the last tick's label, centred on the frame's edge.
        builder
            .margin(12)
            .margin_right(32)
            .x_label_area_size(46)
            .y_label_area_size(56);
        let x = (FROM_MS..TO_MS).log_scale();
        if plot.log_y {
            let bottom = curves
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p.1))
                .fold(f64::INFINITY, f64::min)
                .clamp(0.001, top)
                / 1.5;
            let chart = builder
                .build_cartesian_2d(x, (bottom..top).log_scale())
                .ok()?;
            draw_chart(chart, plot, curves, current_ms, (bottom, top))?;
        } else {
            let chart = builder.build_cartesian_2d(x, 0.0..top).ok()?;
            draw_chart(chart, plot, curves, current_ms, (0.0, top))?;
        }
        root.present().ok()?;
    }
    Some(super::plot_svg::accessible(
        &svg, plot.id, plot.id, plot.title, plot.desc,
    ))
}

/// The mesh, the curves and the line at `current_ms` (from `y_span.0` to `y_span.1`), on a
/// linear or a logarithmic y axis alike.
fn draw_chart<DB, X, Y>(
    mut chart: ChartContext<'_, DB, Cartesian2d<X, Y>>,
    plot: &Plot<'_>,
    curves: &[Curve],
    current_ms: f64,
    y_span: (f64, f64),
) -> Option<()>
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .max_light_lines(0)
        .x_desc("commit interval (ms)")
        .x_label_formatter(&|ms| format!("{ms:.0}"))
        .y_desc(plot.y_desc)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .ok()?;
    for curve in curves {
        draw_curve(&mut chart, curve)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(current_ms, y_span.0), (current_ms, y_span.1)],
            BLACK.stroke_width(1),
        )))
        .ok()?;
    Some(())
}

fn draw_curve<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    curve: &Curve,
) -> Option<()>
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
    let style = curve.colour.stroke_width(3);
    let points = curve.points.iter().copied();
    match curve.dash {
        None => chart.draw_series(LineSeries::new(points, style)).ok()?,
        Some((on, off)) => chart
            .draw_series(DashedLineSeries::new(points, on, off, style))
            .ok()?,
    };
    Some(())
}

/// The values at the current interval, in words: the plots' descriptions and legends.
pub fn overhead_summary(model: &CostParameters) -> String {
    let requests = model.requests_per_transaction();
    format!(
        "Committing every {} ms, a transaction carries about {:.0} records and the producer gives up {:.1}% of the throughput of acks=all with one request in flight and {:.1}% of acks=1 with five. Each transaction sends {} AddPartitionsToTxn, {} EndTxn and {} WriteTxnMarkers, writes {} records to __transaction_state and {} markers.",
        trim(model.commit_interval_ms),
        model.records_per_transaction(),
        100.0 * model.overhead_against(Pipeline::ACKS_ALL_ONE_IN_FLIGHT),
        100.0 * model.overhead_against(Pipeline::ACKS_ONE_FIVE_IN_FLIGHT),
        requests.add_partitions_to_txn,
        requests.end_txn,
        requests.write_txn_markers,
        requests.transaction_log_appends,
        requests.markers,
    )
}

pub fn latency_summary(model: &CostParameters) -> String {
    let committed = model.end_to_end_latency(true);
    let uncommitted = model.end_to_end_latency(false);
    format!(
        "Committing every {} ms, a read_committed consumer gets a record {:.1} ms after it was sent on average and {:.1} ms at worst; read_uncommitted gets it after {:.1} ms.",
        trim(model.commit_interval_ms),
        committed.mean_ms,
        committed.worst_ms,
        uncommitted.mean_ms,
    )
}

fn trim(ms: f64) -> String {
    let text = format!("{ms:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

/// A number field of the form: which parameter it sets, its label, bounds and step.
struct Field {
    id: &'static str,
    label: &'static str,
    min: &'static str,
    max: &'static str,
    step: &'static str,
    value: f64,
    set: fn(&mut CostParameters, f64),
}

fn fields(model: &CostParameters) -> Vec<Field> {
    // Counts from a form are whole and non-negative; the model clamps them further.
    fn count(value: f64) -> u32 {
        value.clamp(0.0, f64::from(u32::MAX)) as u32
    }
    vec![
        Field {
            id: "cost-commit-interval",
            label: "Commit interval (ms)",
            min: "1",
            max: "900000",
            step: "1",
            value: model.commit_interval_ms,
            set: |m, v| m.commit_interval_ms = v,
        },
        Field {
            id: "cost-record-bytes",
            label: "Record size (bytes)",
            min: "1",
            max: "1048576",
            step: "1",
            value: model.record_bytes,
            set: |m, v| m.record_bytes = v,
        },
        Field {
            id: "cost-rate",
            label: "Most records per second",
            min: "1",
            max: "10000000",
            step: "1000",
            value: model.records_per_second,
            set: |m, v| m.records_per_second = v,
        },
        Field {
            id: "cost-round-trip",
            label: "Round trip (ms)",
            min: "0.01",
            max: "60000",
            step: "0.1",
            value: model.round_trip_ms,
            set: |m, v| m.round_trip_ms = v,
        },
        Field {
            id: "cost-replication",
            label: "Replication (ms)",
            min: "0",
            max: "60000",
            step: "0.1",
            value: model.replication_ms,
            set: |m, v| m.replication_ms = v,
        },
        Field {
            id: "cost-partitions",
            label: "Partitions per transaction",
            min: "1",
            max: "10000",
            step: "1",
            value: f64::from(model.partitions),
            set: |m, v| m.partitions = count(v),
        },
        Field {
            id: "cost-in-flight",
            label: "Requests in flight (1 to 5)",
            min: "1",
            max: "5",
            step: "1",
            value: f64::from(model.max_in_flight),
            set: |m, v| m.max_in_flight = count(v),
        },
    ]
}

#[derive(Debug, Properties, PartialEq)]
pub struct CostModelPanelProps {}

#[component]
pub fn CostModelPanel(_props: &CostModelPanelProps) -> Html {
    let model = use_state(CostParameters::default);
    let shown = model.bounded();
    let field_views = fields(&model).into_iter().map(|field| {
        let on_input = {
            let model = model.clone();
            let set = field.set;
            Callback::from(move |e: InputEvent| {
                let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                    return;
                };
                // A field being edited (empty, "1e") keeps the last value that was a number.
                if let Ok(value) = input.value().trim().parse::<f64>()
                    && value.is_finite()
                {
                    let mut next = (*model).clone();
                    set(&mut next, value);
                    model.set(next.bounded());
                }
            })
        };
        html! {
            <div class="cost-field">
                <label for={field.id}>{field.label}</label>
                <input id={field.id} type="number" inputmode="decimal" min={field.min}
                    max={field.max} step={field.step} value={trim(field.value)}
                    oninput={on_input} />
            </div>
        }
    });
    let on_protocol = {
        let model = model.clone();
        Callback::from(move |e: web_sys::Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                let protocol = match select.value().as_str() {
                    "v2" => TransactionProtocol::V2,
                    _ => TransactionProtocol::V1,
                };
                model.set(CostParameters {
                    protocol,
                    ..(*model).clone()
                });
            }
        })
    };
    let overhead_desc = overhead_summary(&shown);
    let latency_desc = latency_summary(&shown);
    let overhead = draw_svg(
        &Plot {
            id: "cost-overhead-svg",
            title: "Throughput given up to transactions, by commit interval",
            desc: &overhead_desc,
            y_desc: "throughput given up (%)",
            log_y: false,
        },
        &overhead_curves(&shown),
        shown.commit_interval_ms,
    );
    let latency = draw_svg(
        &Plot {
            id: "cost-latency-svg",
            title: "End-to-end latency, by commit interval",
            desc: &latency_desc,
            y_desc: "latency (ms)",
            log_y: true,
        },
        &latency_curves(&shown),
        shown.commit_interval_ms,
    );
    let figure = |svg: Option<String>, desc: &str, curves: Vec<Curve>| {
        // Plotters escapes every text it draws, and `accessible` the title and description.
        let drawing = match svg {
            Some(svg) => Html::from_html_unchecked(AttrValue::from(svg)),
            None => html! { <p class="empty">{desc.to_owned()}</p> },
        };
        html! {
            <figure class="plot-figure">
                <div class="plot">{drawing}</div>
                <figcaption class="plot-legend">
                    <p class="plot-cursor-note">{desc.to_owned()}</p>
                    <ul class="legend" aria-label="Legend">
                        { for curves.iter().map(legend_item) }
                    </ul>
                </figcaption>
            </figure>
        }
    };
    html! {
        <section class="panel inspector cost-model" aria-labelledby="cost-model-heading">
            <h2 id="cost-model-heading">{"Cost model: what exactly-once costs at full speed"}</h2>
            <p class="cost-model-note">
                {"Worked out, not simulated: the pause each commit costs a producer (EndTxn, adding partitions, the last acknowledgements) and the wait for the COMMIT marker. The defaults are Confluent's benchmark: 1 KB records, a commit every 100 ms."}
            </p>
            <form class="cost-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                { for field_views }
                <div class="cost-field">
                    <label for="cost-protocol">{"Transaction protocol"}</label>
                    <select id="cost-protocol" onchange={on_protocol}>
                        <option value="v1" selected={shown.protocol == TransactionProtocol::V1}>
                            {"V1: the client adds partitions"}
                        </option>
                        <option value="v2" selected={shown.protocol == TransactionProtocol::V2}>
                            {"V2: the leaders add them (KIP-890)"}
                        </option>
                    </select>
                </div>
            </form>
            {figure(overhead, &overhead_desc, overhead_curves(&shown))}
            {figure(latency, &latency_desc, latency_curves(&shown))}
        </section>
    }
}

fn legend_item(curve: &Curve) -> Html {
    let dasharray = curve
        .dash
        .map_or_else(|| "none".to_owned(), |(on, off)| format!("{on} {off}"));
    let RGBColor(r, g, b) = curve.colour;
    html! {
        <li class="legend-item">
            <svg class="legend-swatch" viewBox="0 0 28 10" aria-hidden="true">
                <line class="plot-line" x1="0" y1="5" x2="28" y2="5"
                    stroke={format!("rgb({r},{g},{b})")} stroke-dasharray={dasharray} />
            </svg>
            {curve.name}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overhead_curves_fall_from_left_to_right() {
        for curve in overhead_curves(&CostParameters::default()) {
            assert!(
                curve.points.windows(2).all(|p| p[1].1 < p[0].1),
                "{}",
                curve.name
            );
        }
    }

    #[test]
    fn both_plots_draw_with_their_titles() {
        let model = CostParameters::default();
        let plot = Plot {
            id: "p",
            title: "a <title>",
            desc: "d",
            y_desc: "y",
            log_y: true,
        };
        let svg = draw_svg(&plot, &latency_curves(&model), 100.0).expect("drawn");
        assert!(svg.starts_with("<svg id=\"p\" role=\"img\""), "{svg:.80}");
        assert!(svg.contains("a &lt;title&gt;"));
        let linear = Plot {
            log_y: false,
            ..plot
        };
        assert!(draw_svg(&linear, &overhead_curves(&model), 100.0).is_some());
    }

    #[test]
    fn the_summary_names_the_calibration_figures_at_the_defaults() {
        let text = overhead_summary(&CostParameters::default());
        assert!(
            text.contains("2.9% of the throughput of acks=all"),
            "{text}"
        );
        assert!(text.contains("21.3% of acks=1"), "{text}");
    }
}
