//! The messages on the stage: each one in flight as a pill in the lane between its sender and
//! its receiver, linked to both with an arrow to the receiver; those delivered in this step at
//! their receiver; "+n more" for those that do not fit.

use super::draw::{Handlers, control, fit, n, select_on};
use super::layout::{
    Align, LEFT_LANE, Layout, PILL_HEIGHT, PillWish, RIGHT_LANE, Rect, pill_width, place_pills,
};
use super::model::{MessageNode, StageItem, StageModel};
use eos_core::network::Endpoint;
use yew::prelude::*;

/// Where a message leaves or reaches a node: the edge facing its lane, and a height.
fn anchor(
    model: &StageModel,
    layout: &Layout,
    endpoint: &Endpoint,
    right_lane: bool,
) -> Option<(f64, f64)> {
    match endpoint {
        Endpoint::Client(id) => {
            if let Some(i) = model.producers.iter().position(|p| &p.id == id) {
                let r = layout.producers.get(i)?;
                return Some((r.right(), r.mid_y()));
            }
            let i = model.consumers.iter().position(|c| &c.id == id)?;
            let r = layout.consumers.get(i)?;
            Some((r.x, r.mid_y()))
        }
        Endpoint::Broker(b) => {
            let i = model.brokers.iter().position(|node| node.id == b.0)?;
            let r = &layout.brokers.get(i)?.rect;
            let y = r.y + (r.h / 2.0).min(40.0);
            Some((if right_lane { r.right() } else { r.x }, y))
        }
    }
}

fn is_producer(model: &StageModel, endpoint: &Endpoint) -> bool {
    matches!(endpoint, Endpoint::Client(id) if model.producers.iter().any(|p| &p.id == id))
}

/// A message's way across the stage: its lane and the two anchors.
struct Route {
    lane: (f64, f64),
    from: (f64, f64),
    to: (f64, f64),
}

fn route(model: &StageModel, layout: &Layout, message: &MessageNode) -> Option<Route> {
    let left = is_producer(model, &message.from) || is_producer(model, &message.to);
    Some(Route {
        lane: if left { LEFT_LANE } else { RIGHT_LANE },
        from: anchor(model, layout, &message.from, !left)?,
        to: anchor(model, layout, &message.to, !left)?,
    })
}

fn pill_text(message: &MessageNode, lane: (f64, f64)) -> String {
    let max = if lane == LEFT_LANE { 28 } else { 12 };
    fit(&format!("#{} {}", message.id, message.short), max)
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
            let towards_right = route.to.0 > route.from.0 || route.lane == RIGHT_LANE;
            PillWish {
                lane: route.lane,
                y: if *arrived {
                    route.to.1
                } else {
                    (route.from.1 + route.to.1) / 2.0
                },
                w: pill_width(&pill_text(m, route.lane)) + if *arrived { 14.0 } else { 0.0 },
                align: match (arrived, towards_right) {
                    (false, _) => Align::Centre,
                    (true, true) => Align::Right,
                    (true, false) => Align::Left,
                },
            }
        })
        .collect();
    let placed = place_pills(&wishes, layout.height);
    let unplaced = placed.iter().filter(|p| p.is_none()).count();
    let hidden = model.hidden_messages + unplaced;
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
                <text class="stage-more" x={n((LEFT_LANE.0 + LEFT_LANE.1) / 2.0)} y={n(layout.height - 6.0)}
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

/// The pill's edge a link meets: the side facing `point`.
fn edge_towards(rect: &Rect, point: (f64, f64)) -> (f64, f64) {
    let x = if point.0 < rect.x {
        rect.x
    } else {
        rect.right()
    };
    (x, rect.mid_y())
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
        pill_text(message, route.lane),
        if message.new { " ✦" } else { "" }
    );
    // The name starts with the pill's words (label in name), then says it in full.
    let name = format!("{drawn}. {}", message.name());
    let from_edge = edge_towards(rect, route.from);
    let to_edge = edge_towards(rect, route.to);
    html! {
        <g class="stage-flight">
            {link(route.from, from_edge, "stage-link")}
            {link(to_edge, route.to, "stage-link stage-link-head")}
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
    let lane_middle = (route.lane.0 + route.lane.1) / 2.0 - rect.w / 2.0;
    let mid_y = (route.from.1 + route.to.1) / 2.0 - PILL_HEIGHT / 2.0;
    html! {
        <g class={classes!("stage-arrival", message.is_ack.then_some("is-ack"))} aria-hidden="true">
            <ArrivalMove from_x={n(lane_middle - rect.x)} from_y={n(mid_y - rect.y)}>
                <rect class="stage-pill-box" x={n(rect.x)} y={n(rect.y)} width={n(rect.w)}
                    height={n(PILL_HEIGHT)} rx="9" />
                <text class="stage-pill-text" x={n(rect.x + rect.w / 2.0)} y={n(rect.y + 12.5)}
                    text-anchor="middle">{format!("✓ {}", pill_text(message, route.lane))}</text>
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
