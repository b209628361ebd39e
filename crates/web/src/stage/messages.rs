//! The messages on the stage: each one in flight as a pill in the lane between its sender and
//! its receiver, linked to both with an arrow to the receiver; those delivered in this step at
//! their receiver; "+n more" for those that do not fit.

use super::draw::{Handlers, control, fit, n, select_on};
use super::layout::{
    Align, Arrangement, Flow, Lane, Layout, PILL_HEIGHT, PillWish, Rect, pill_width, place_pills,
};
use super::model::{MessageNode, StageItem, StageModel};
use eos_core::network::Endpoint;
use yew::prelude::*;

/// Where a message leaves or reaches a node: the edge facing its lane, at a point along it.
/// In a tall drawing a broker's edge is not drawn to (the brokers are stacked, so a line to
/// a lower one would cross the others): its pill names it instead.
fn anchor(
    model: &StageModel,
    layout: &Layout,
    endpoint: &Endpoint,
    consumer_side: bool,
) -> Option<(f64, f64)> {
    let tall = layout.arrangement == Arrangement::Tall;
    // Producers and the lab's endpoint sit before the brokers (left, or above); consumers
    // after them (right, or below).
    let before = |r: &Rect| {
        if tall {
            (r.x + r.w / 2.0, r.bottom())
        } else {
            (r.right(), r.mid_y())
        }
    };
    let after = |r: &Rect| {
        if tall {
            (r.x + r.w / 2.0, r.y)
        } else {
            (r.x, r.mid_y())
        }
    };
    match endpoint {
        Endpoint::Client(id) => {
            if let Some(i) = model.producers.iter().position(|p| &p.id == id) {
                return Some(before(layout.producers.get(i)?));
            }
            match model.consumers.iter().position(|c| &c.id == id) {
                Some(i) => Some(after(layout.consumers.get(i)?)),
                None => Some(before(layout.lab.as_ref()?)),
            }
        }
        Endpoint::Broker(b) => {
            let i = model.brokers.iter().position(|node| node.id == b.0)?;
            let r = &layout.brokers.get(i)?.rect;
            Some(if tall {
                let lane = if consumer_side {
                    layout.consumer_lane.rect
                } else {
                    layout.producer_lane.rect
                };
                (
                    r.x + r.w / 2.0,
                    if consumer_side { lane.y } else { lane.bottom() },
                )
            } else {
                let y = r.y + (r.h / 2.0).min(40.0);
                (if consumer_side { r.right() } else { r.x }, y)
            })
        }
    }
}

/// A producer, or the lab's own endpoint beside them: their messages take the producers' lane.
fn is_producer(model: &StageModel, endpoint: &Endpoint) -> bool {
    matches!(endpoint, Endpoint::Client(id) if model.producers.iter().any(|p| &p.id == id))
        || model.is_lab(endpoint)
}

/// A message's way across the stage: its lane and the two anchors.
struct Route {
    lane: Lane,
    /// Whether this is the lane on the producers' side.
    producer_side: bool,
    from: (f64, f64),
    to: (f64, f64),
    /// In a tall band, a broker's end is met straight above or below the pill.
    from_broker: bool,
    to_broker: bool,
}

impl Route {
    /// Where the link from the pill's edge meets this end.
    fn end(&self, point: (f64, f64), broker: bool, edge: (f64, f64)) -> (f64, f64) {
        if broker && self.lane.flow == Flow::Down {
            (edge.0, point.1)
        } else {
            point
        }
    }
}

fn route(model: &StageModel, layout: &Layout, message: &MessageNode) -> Option<Route> {
    let left = is_producer(model, &message.from) || is_producer(model, &message.to);
    Some(Route {
        lane: if left {
            layout.producer_lane
        } else {
            layout.consumer_lane
        },
        producer_side: left,
        from: anchor(model, layout, &message.from, !left)?,
        to: anchor(model, layout, &message.to, !left)?,
        from_broker: matches!(message.from, Endpoint::Broker(_)),
        to_broker: matches!(message.to, Endpoint::Broker(_)),
    })
}

/// "B2" for a broker; nothing for a client, whose pill a line joins.
fn broker_tag(endpoint: &Endpoint) -> Option<String> {
    match endpoint {
        Endpoint::Broker(b) => Some(format!("B{}", b.0)),
        Endpoint::Client(_) => None,
    }
}

fn pill_text(message: &MessageNode, route: &Route) -> String {
    match route.lane.flow {
        Flow::Across => {
            let max = if route.producer_side { 28 } else { 12 };
            fit(&format!("#{} {}", message.id, message.short), max)
        }
        Flow::Down => {
            let way = match (broker_tag(&message.from), broker_tag(&message.to)) {
                (Some(from), Some(to)) => format!("{from}→{to} "),
                (None, Some(to)) => format!("→{to} "),
                (Some(from), None) => format!("{from}→ "),
                (None, None) => String::new(),
            };
            fit(&format!("#{} {way}{}", message.id, message.short), 30)
        }
    }
}

/// Every message in flight on its way, those delivered in this step at their receiver, and how
/// many did not fit.
pub fn messages(
    model: &StageModel,
    layout: &Layout,
    arrivals: &[MessageNode],
    selected: Option<&StageItem>,
    handlers: &Handlers,
) -> Html {
    let routed: Vec<(&MessageNode, Route, bool)> = model
        .messages
        .iter()
        .map(|m| (m, false))
        .chain(arrivals.iter().map(|m| (m, true)))
        .filter_map(|(m, arrived)| Some((m, route(model, layout, m)?, arrived)))
        .collect();
    let wishes: Vec<PillWish> = routed
        .iter()
        .map(|(m, route, arrived)| {
            let across = route.lane.flow == Flow::Across;
            let along = |p: (f64, f64)| if across { p.1 } else { p.0 };
            let ahead = if across {
                route.to.0 > route.from.0 || !route.producer_side
            } else {
                route.to.1 > route.from.1
            };
            PillWish {
                lane: route.lane,
                at: if *arrived {
                    along(route.to)
                } else {
                    (along(route.from) + along(route.to)) / 2.0
                },
                w: pill_width(&pill_text(m, route)) + if *arrived { 14.0 } else { 0.0 },
                align: match (arrived, ahead) {
                    (false, _) => Align::Centre,
                    (true, true) => Align::End,
                    (true, false) => Align::Start,
                },
            }
        })
        .collect();
    let placed = place_pills(&wishes, layout.height);
    let unplaced = placed.iter().filter(|p| p.is_none()).count();
    let hidden = model.hidden_messages + unplaced;
    let more_at = {
        let lane = layout.producer_lane.rect;
        match layout.arrangement {
            Arrangement::Wide => (lane.x + lane.w / 2.0, layout.height - 6.0),
            Arrangement::Tall => (lane.x + lane.w / 2.0, lane.bottom() - 1.0),
        }
    };
    html! {
        <g class="stage-messages">
            { for routed.iter().zip(&placed).filter_map(|((m, route, arrived), rect)| {
                let rect = (*rect)?;
                Some(if *arrived {
                    arrival(m, route, &rect)
                } else {
                    in_flight(m, route, &rect, selected == Some(&StageItem::Message(m.id)), handlers)
                })
            }) }
            {(hidden > 0).then(|| html! {
                <text class="stage-more" x={n(more_at.0)} y={n(more_at.1)}
                    text-anchor="middle">{format!("+{hidden} more in flight")}</text>
            })}
        </g>
    }
}

fn link(from: (f64, f64), to: (f64, f64), class: &'static str) -> Html {
    html! {
        <line class={class} x1={n(from.0)} y1={n(from.1)} x2={n(to.0)} y2={n(to.1)} />
    }
}

/// The pill's edge a link meets: the side facing `point` (left or right across a wide lane,
/// top or bottom of a tall band).
fn edge_towards(rect: &Rect, point: (f64, f64), flow: Flow) -> (f64, f64) {
    match flow {
        Flow::Across => {
            let x = if point.0 < rect.x {
                rect.x
            } else {
                rect.right()
            };
            (x, rect.mid_y())
        }
        Flow::Down => {
            let y = if point.1 < rect.y {
                rect.y
            } else {
                rect.bottom()
            };
            (rect.x + rect.w / 2.0, y)
        }
    }
}

fn in_flight(
    message: &MessageNode,
    route: &Route,
    rect: &Rect,
    selected: bool,
    handlers: &Handlers,
) -> Html {
    let drawn = format!(
        "{}{}",
        pill_text(message, route),
        if message.new { " ✦" } else { "" }
    );
    // The name starts with the pill's words (label in name), then says it in full.
    let name = format!("{drawn}. {}", message.name());
    let from_edge = edge_towards(rect, route.from, route.lane.flow);
    let to_edge = edge_towards(rect, route.to, route.lane.flow);
    html! {
        <g class="stage-flight">
            {link(route.end(route.from, route.from_broker, from_edge), from_edge, "stage-link")}
            {link(to_edge, route.end(route.to, route.to_broker, to_edge), "stage-link stage-link-head")}
            {control(
                format!("stage-message-{}", message.id),
                classes!("stage-pill", message.is_ack.then_some("is-ack"), message.new.then_some("is-new"),
                    selected.then_some("is-selected")),
                name,
                Some(selected),
                select_on(handlers, StageItem::Message(message.id)),
                html! { <>
                    <title>{&message.label}</title>
                    <rect class="stage-pill-box" x={n(rect.x)} y={n(rect.y)} width={n(rect.w)}
                        height={n(PILL_HEIGHT)} rx="9" />
                    <text class="stage-pill-text" x={n(rect.x + rect.w / 2.0)} y={n(rect.y + 12.5)}
                        text-anchor="middle">{drawn}</text>
                </> },
            )}
        </g>
    }
}

/// A message delivered in this step, at its receiver; it glides there from the middle of its
/// lane unless the reader asked for reduced motion (stage.css).
fn arrival(message: &MessageNode, route: &Route, rect: &Rect) -> Html {
    let lane = route.lane.rect;
    let (lane_middle, mid_y) = match route.lane.flow {
        Flow::Across => (
            lane.x + lane.w / 2.0 - rect.w / 2.0,
            (route.from.1 + route.to.1) / 2.0 - PILL_HEIGHT / 2.0,
        ),
        Flow::Down => (
            (route.from.0 + route.to.0) / 2.0 - rect.w / 2.0,
            lane.y + lane.h / 2.0 - PILL_HEIGHT / 2.0,
        ),
    };
    html! {
        <g class={classes!("stage-arrival", message.is_ack.then_some("is-ack"))} aria-hidden="true">
            <ArrivalMove from_x={n(lane_middle - rect.x)} from_y={n(mid_y - rect.y)}>
                <rect class="stage-pill-box" x={n(rect.x)} y={n(rect.y)} width={n(rect.w)}
                    height={n(PILL_HEIGHT)} rx="9" />
                <text class="stage-pill-text" x={n(rect.x + rect.w / 2.0)} y={n(rect.y + 12.5)}
                    text-anchor="middle">{format!("✓ {}", pill_text(message, route))}</text>
            </ArrivalMove>
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct ArrivalMoveProps {
    /// Where the glide starts, relative to where the pill ends, in the drawing's units.
    from_x: String,
    from_y: String,
    children: Html,
}

/// The group that glides: stage.css animates it from `--from-x`, `--from-y`. They are set
/// through the element's style object, because the page's Content-Security-Policy refuses
/// `style` attributes (ARCHITECTURE.md); Yew would write one. Set before the browser next
/// draws, so the glide starts from them.
#[component]
fn ArrivalMove(props: &ArrivalMoveProps) -> Html {
    let group = use_node_ref();
    {
        let group = group.clone();
        use_effect_with(
            (props.from_x.clone(), props.from_y.clone()),
            move |(x, y)| {
                if let Some(group) = group.cast::<web_sys::SvgElement>() {
                    let style = group.style();
                    let _ = style.set_property("--from-x", &format!("{x}px"));
                    let _ = style.set_property("--from-y", &format!("{y}px"));
                }
            },
        );
    }
    html! {
        <g class="stage-arrival-move" ref={group}>{props.children.clone()}</g>
    }
}
