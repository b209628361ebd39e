//! One `transactional.id`'s state machine as a small drawing: Kafka's eight `TransactionState`s
//! with an arrow for every transition `TransactionState::valid_previous_states` allows, the
//! current state lit (colour, a thicker border and a ● glyph) and a prepared transition still
//! being written dashed (◌). Screen readers get the current state and the transitions as text.

use super::dom_id;
use eos_core::coordinator::state_machine::TransactionState;
use yew::prelude::*;

/// The drawing's size in SVG units; it scales to the panel's width.
const WIDTH: f64 = 430.0;
const HEIGHT: f64 = 320.0;
/// Half a state box's width and height.
const HALF_WIDTH: f64 = 46.0;
const HALF_HEIGHT: f64 = 13.0;

/// Where each state sits: the usual path runs top to bottom, commit on the left, abort on the
/// right, and the fence that leads to an abort between them.
pub fn position(state: TransactionState) -> (f64, f64) {
    match state {
        TransactionState::Empty => (215.0, 30.0),
        TransactionState::Ongoing => (215.0, 95.0),
        TransactionState::PrepareCommit => (95.0, 160.0),
        TransactionState::PrepareEpochFence => (215.0, 160.0),
        TransactionState::PrepareAbort => (335.0, 160.0),
        TransactionState::CompleteCommit => (95.0, 225.0),
        TransactionState::CompleteAbort => (335.0, 225.0),
        TransactionState::Dead => (95.0, 290.0),
    }
}

/// Bézier control points for the arrows a straight line would draw through another state;
/// chosen so that no arrow crosses a box it does not start or end at (a test checks it).
fn bend(from: TransactionState, to: TransactionState) -> Option<[(f64, f64); 2]> {
    use TransactionState::*;
    Some(match (from, to) {
        (CompleteCommit, Empty) => [(-20.0, 230.0), (0.0, 30.0)],
        (CompleteAbort, Empty) => [(450.0, 230.0), (430.0, 30.0)],
        (CompleteCommit, Ongoing) => [(158.0, 205.0), (150.0, 125.0)],
        (CompleteAbort, Ongoing) => [(272.0, 205.0), (280.0, 125.0)],
        (Empty, PrepareAbort) => [(335.0, 30.0), (385.0, 90.0)],
        // The two directions between PrepareAbort and CompleteAbort, side by side.
        (CompleteAbort, PrepareAbort) => [(365.0, 205.0), (365.0, 180.0)],
        (PrepareAbort, CompleteAbort) => [(305.0, 180.0), (305.0, 205.0)],
        (Empty, Dead) => [(-20.0, 30.0), (-20.0, 290.0)],
        _ => return None,
    })
}

/// Every transition Kafka allows between two different states, as (from, to).
pub fn transitions() -> Vec<(TransactionState, TransactionState)> {
    TransactionState::ALL
        .into_iter()
        .flat_map(|to| {
            to.valid_previous_states()
                .iter()
                .filter(move |from| **from != to)
                .map(move |from| (*from, to))
        })
        .collect()
}

/// The cubic Bézier of one arrow, from its start state's centre to its end state's.
pub fn curve(from: TransactionState, to: TransactionState) -> [(f64, f64); 4] {
    let start = position(from);
    let end = position(to);
    let [c1, c2] =
        bend(from, to).unwrap_or([lerp(start, end, 1.0 / 3.0), lerp(start, end, 2.0 / 3.0)]);
    [start, c1, c2, end]
}

fn lerp(a: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

/// The point on the border of the box centred at `centre`, heading towards `towards`.
fn on_border(centre: (f64, f64), towards: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (towards.0 - centre.0, towards.1 - centre.1);
    let scale_x = if dx == 0.0 {
        f64::INFINITY
    } else {
        HALF_WIDTH / dx.abs()
    };
    let scale_y = if dy == 0.0 {
        f64::INFINITY
    } else {
        HALF_HEIGHT / dy.abs()
    };
    let scale = scale_x.min(scale_y);
    if scale.is_finite() {
        (centre.0 + dx * scale, centre.1 + dy * scale)
    } else {
        centre
    }
}

/// The SVG path of one arrow, cut at the two boxes' borders so the arrowhead shows.
fn arrow_path(from: TransactionState, to: TransactionState) -> String {
    let [start, c1, c2, end] = curve(from, to);
    let start = on_border(start, c1);
    let end = on_border(end, c2);
    format!(
        "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
        start.0, start.1, c1.0, c1.1, c2.0, c2.1, end.0, end.1
    )
}

/// What a screen reader hears for the drawing.
pub fn summary(
    transactional_id: &str,
    current: TransactionState,
    pending: Option<TransactionState>,
) -> String {
    let pending = pending.map_or_else(String::new, |p| {
        format!(
            ", moving to {} (being written to __transaction_state)",
            p.name()
        )
    });
    format!(
        "State diagram of {transactional_id}: current state: {}{pending}.",
        current.name()
    )
}

#[derive(Debug, Properties, PartialEq)]
pub struct TxnStateDiagramProps {
    pub transactional_id: AttrValue,
    pub current: TransactionState,
    /// The transition prepared and waiting for its `__transaction_state` write.
    pub pending: Option<TransactionState>,
}

#[component]
pub fn TxnStateDiagram(props: &TxnStateDiagramProps) -> Html {
    let id = dom_id("txn-diagram", &props.transactional_id);
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let arrow_id = format!("{id}-arrow");
    let next_arrow_id = format!("{id}-arrow-next");
    let transitions = transitions();
    let described = transitions
        .iter()
        .map(|(from, to)| format!("{} to {}", from.name(), to.name()))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <figure class="txn-diagram" id={id.clone()}>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
                aria-labelledby={title_id.clone()} aria-describedby={desc_id.clone()}>
                <title id={title_id}>{summary(&props.transactional_id, props.current, props.pending)}</title>
                <desc id={desc_id}>{format!("Allowed transitions: {described}.")}</desc>
                <defs>
                    <marker id={arrow_id.clone()} class="txn-arrowhead" viewBox="0 0 10 10" refX="9" refY="5"
                        markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M0 0 L10 5 L0 10 z" />
                    </marker>
                    <marker id={next_arrow_id.clone()} class="txn-arrowhead is-next" viewBox="0 0 10 10" refX="9" refY="5"
                        markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M0 0 L10 5 L0 10 z" />
                    </marker>
                </defs>
                { for transitions.iter().map(|(from, to)| {
                    // The ways out of the current state are drawn stronger: where it can go next.
                    let next = *from == props.current;
                    let marker = if next { &next_arrow_id } else { &arrow_id };
                    html! {
                        <path class={classes!("txn-edge", next.then_some("is-next"))}
                            d={arrow_path(*from, *to)} marker-end={format!("url(#{marker})")}
                            data-from={from.name()} data-to={to.name()} />
                    }
                }) }
                { for TransactionState::ALL.into_iter().map(|state| node(state, props.current, props.pending)) }
            </svg>
            <figcaption class="txn-diagram-caption">
                <span aria-hidden="true">{"● "}</span>{"current state: "}<strong>{props.current.name()}</strong>
                {props.pending.map(|p| html! {
                    <>{" · "}<span aria-hidden="true">{"◌ "}</span>{"being written: "}<strong>{p.name()}</strong></>
                })}
            </figcaption>
        </figure>
    }
}

fn node(
    state: TransactionState,
    current: TransactionState,
    pending: Option<TransactionState>,
) -> Html {
    let (x, y) = position(state);
    let is_current = state == current;
    let is_pending = pending == Some(state);
    let glyph = if is_current {
        "● "
    } else if is_pending {
        "◌ "
    } else {
        ""
    };
    html! {
        <g class={classes!("txn-node", is_current.then_some("is-current"), is_pending.then_some("is-pending"))}
            data-state={state.name()}>
            <rect x={format!("{:.1}", x - HALF_WIDTH)} y={format!("{:.1}", y - HALF_HEIGHT)}
                width={format!("{:.1}", HALF_WIDTH * 2.0)} height={format!("{:.1}", HALF_HEIGHT * 2.0)}
                rx="5" />
            <text x={format!("{x:.1}")} y={format!("{:.1}", y + 3.5)} text-anchor="middle">
                {format!("{glyph}{}", state.name())}
            </text>
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(curve: &[(f64, f64); 4], t: f64) -> (f64, f64) {
        let u = 1.0 - t;
        let weights = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
        curve
            .iter()
            .zip(weights)
            .fold((0.0, 0.0), |(x, y), (p, w)| (x + p.0 * w, y + p.1 * w))
    }

    #[test]
    fn every_transition_kafka_allows_is_drawn_once() {
        let all = transitions();
        assert_eq!(all.len(), 17);
        assert!(all.contains(&(TransactionState::Ongoing, TransactionState::PrepareCommit)));
        assert!(all.contains(&(
            TransactionState::PrepareEpochFence,
            TransactionState::PrepareAbort
        )));
        assert!(!all.contains(&(TransactionState::Ongoing, TransactionState::Ongoing)));
    }

    // An arrow through a box it has nothing to do with would read as a transition that
    // does not exist.
    #[test]
    fn no_arrow_crosses_a_state_it_does_not_join_and_all_stay_in_the_drawing() {
        for (from, to) in transitions() {
            let curve = curve(from, to);
            for step in 0..=200 {
                let (x, y) = point(&curve, f64::from(step) / 200.0);
                assert!(
                    (0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y),
                    "{from} → {to} leaves the drawing at ({x}, {y})"
                );
                for other in TransactionState::ALL {
                    if other == from || other == to {
                        continue;
                    }
                    let (cx, cy) = position(other);
                    assert!(
                        (x - cx).abs() > HALF_WIDTH || (y - cy).abs() > HALF_HEIGHT,
                        "{from} → {to} crosses {other} at ({x}, {y})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_screen_reader_hears_the_current_state() {
        assert_eq!(
            summary("payment-writer", TransactionState::Ongoing, None),
            "State diagram of payment-writer: current state: Ongoing."
        );
        assert!(
            summary(
                "t",
                TransactionState::Ongoing,
                Some(TransactionState::PrepareCommit)
            )
            .contains("moving to PrepareCommit")
        );
    }
}
