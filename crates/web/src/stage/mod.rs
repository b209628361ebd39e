//! The stage: a drawing of the running system at the cursor (producers, brokers with their
//! replicas and logs, the transaction coordinator, consumers, the database, and every message
//! on its way), on which a newcomer acts directly. Selecting a thing shows its actions in a bar
//! under the drawing; an offset opens in the inspector. What the current step changed is marked
//! with a glyph and a word, not colour alone.
//!
//! `model` reads the world (pure), `layout` places it (pure), `draw` renders the nodes and
//! `messages` the messages as SVG, `action_bar` the buttons; this file keeps the selection and
//! wires them together.

pub mod action_bar;
pub mod draw;
pub mod layout;
pub mod messages;
pub mod model;

use crate::components::WorldRef;
use crate::state::LabAction;
use crate::steps::StepRecord;
use action_bar::ActionBar;
use eos_core::{Offset, TopicPartition};
use layout::{Arrangement, Layout, Shape};
use model::{LabNode, MessageNode, StageItem, StageModel, arrivals, marks_before};
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct StageProps {
    pub world: WorldRef,
    pub dispatch: Callback<LabAction>,
    /// The step that led to the world at the cursor, if any: what to highlight.
    #[prop_or_default]
    pub step: Option<Rc<StepRecord>>,
    /// The step before it, whose offsets say which marks moved.
    #[prop_or_default]
    pub before: Option<Rc<StepRecord>>,
    /// The record the inspector shows, marked on its strip.
    #[prop_or_default]
    pub inspected: Option<(TopicPartition, Offset)>,
    /// The element id of the thing a lesson's beat points at, outlined on the drawing.
    #[prop_or_default]
    pub pointed: Option<AttrValue>,
}

#[component]
pub fn Stage(props: &StageProps) -> Html {
    let selection = use_state(|| None::<StageItem>);
    // The messages in flight at the last world drawn and its step count, so one delivered in
    // the very next step can be drawn arriving where it went (a delivered message is gone from
    // the world). After a jump, a step back or another scenario, ids may name other messages.
    let last_in_flight = use_mut_ref(|| (u64::MAX, BTreeMap::<u64, MessageNode>::new()));
    let focus_bar = use_state(|| false);
    let first_button = use_node_ref();
    let scroll_box = use_node_ref();
    let arrangement = if use_narrow_box(scroll_box.clone()) {
        Arrangement::Tall
    } else {
        Arrangement::Wide
    };
    let drawing = {
        let step = props.step.clone();
        let before = props.before.clone();
        let last_in_flight = last_in_flight.clone();
        use_memo(
            (
                props.world.clone(),
                props.step.clone(),
                props.before.clone(),
                arrangement,
            ),
            move |(world, _, _, arrangement)| {
                let events = step.as_ref().map_or(&[][..], |s| &s.events[..]);
                let mut model = StageModel::of(world, events, &marks_before(before.as_deref()));
                let arrived = {
                    let (steps, previous) = &*last_in_flight.borrow();
                    if steps.checked_add(1) == Some(world.steps_taken()) {
                        arrivals(events, previous)
                    } else {
                        Vec::new()
                    }
                };
                *last_in_flight.borrow_mut() = (
                    world.steps_taken(),
                    model.messages.iter().map(|m| (m.id, m.clone())).collect(),
                );
                // An answer the lab's endpoint got in this step is drawn arriving there.
                if model.lab.is_none()
                    && arrived
                        .iter()
                        .any(|m| model.is_lab(&m.from) || model.is_lab(&m.to))
                {
                    model.lab = Some(LabNode { in_flight: 0 });
                }
                let layout = Layout::arranged(&Shape::of(&model), *arrangement);
                (model, layout, arrived)
            },
        )
    };
    let (model, layout, arrived) = &*drawing;
    let drawing_ref = use_node_ref();
    use_pointed_mark(drawing_ref.clone(), props.pointed.clone());
    let selected = (*selection).clone().filter(|item| model.has(item));
    let hint = use_node_ref();
    {
        // Drop a selection whose thing is gone, so stepping back does not bring it back. If
        // focus was on one of its buttons (delivered by keyboard), it goes to the hint that
        // says what to do next rather than to the top of the page.
        let selection = selection.clone();
        let hint = hint.clone();
        let gone = selection.is_some() && selected.is_none();
        use_effect_with(gone, move |gone| {
            if *gone {
                selection.set(None);
                let focus_lost = focus_is_lost();
                if let Some(hint) = hint.cast::<web_sys::HtmlElement>().filter(|_| focus_lost) {
                    let _ = hint.focus();
                }
            }
        });
    }
    {
        let focus_bar = focus_bar.clone();
        let first_button = first_button.clone();
        use_effect(move || {
            if *focus_bar {
                if let Some(button) = first_button.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
                focus_bar.set(false);
            }
        });
    }
    let handlers = draw::Handlers {
        select: {
            let selection = selection.clone();
            let focus_bar = focus_bar.clone();
            Callback::from(move |(item, keyboard): (StageItem, bool)| {
                // A second click on the selected thing lets it go.
                if !keyboard && selection.as_ref() == Some(&item) {
                    selection.set(None);
                } else {
                    selection.set(Some(item));
                    focus_bar.set(keyboard);
                }
            })
        },
        inspect: props
            .dispatch
            .reform(
                |(topic_partition, offset): (TopicPartition, i64)| LabAction::Inspect {
                    topic_partition,
                    offset: Offset(offset),
                    bring_into_view: true,
                },
            ),
    };
    let inspected = props.inspected.as_ref().map(|(tp, o)| (tp, o.0));
    let view_box = format!("0 0 {} {}", layout.width, layout.height);
    let tall = layout.arrangement == Arrangement::Tall;
    html! {
        <section class="stage" aria-labelledby="stage-heading">
            <h2 id="stage-heading" class="visually-hidden">{"The system, drawn"}</h2>
            <div class="stage-scroll" ref={scroll_box}>
                <svg ref={drawing_ref} class={classes!("stage-drawing", tall.then_some("is-tall"))} viewBox={view_box} role="group"
                    aria-labelledby="stage-heading" focusable="false">
                    <defs>
                        <marker id="stage-arrow" viewBox="0 0 10 10" refX="9" refY="5"
                            markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" class="stage-arrow-head" />
                        </marker>
                    </defs>
                    { for model.producers.iter().zip(&layout.producers).map(|(p, rect)| {
                        draw::producer(p, rect, selected == Some(StageItem::Producer(p.id.clone())), &handlers)
                    }) }
                    { for model.brokers.iter().zip(&layout.brokers).map(|(b, broker_box)| {
                        draw::broker(b, broker_box, &model.coordinator, selected.as_ref(), inspected, &handlers)
                    }) }
                    { for model.consumers.iter().zip(&layout.consumers).map(|(c, rect)| {
                        draw::consumer(c, rect, selected == Some(StageItem::Consumer(c.id.clone())), &handlers)
                    }) }
                    { for model.database.iter().zip(&layout.database).map(|(d, rect)| draw::database(d, rect)) }
                    { for model.lab.iter().zip(&layout.lab).map(|(l, rect)| draw::lab(l, rect)) }
                    {messages::messages(model, layout, arrived, selected.as_ref(), &handlers)}
                </svg>
            </div>
            <p class="stage-legend" aria-hidden="true">
                <span class="legend-item txn-none">{"· no transaction"}</span>
                <span class="legend-item txn-committed">{"✓ committed"}</span>
                <span class="legend-item txn-open">{"◷ open"}</span>
                <span class="legend-item txn-aborted">{"✗ aborted"}</span>
                <span class="legend-item txn-marker">{"◆ marker"}</span>
                <span class="legend-item">{"✦ changed in this step"}</span>
                <span class="legend-item">{"↺ answered as a duplicate"}</span>
            </p>
            <ActionBar world={props.world.clone()} selected={selected.clone()}
                dispatch={props.dispatch.clone()} {first_button} {hint} />
        </section>
    }
}

/// The wide drawing's least width in rem (`.stage-drawing`'s `min-width` in stage.css): a box
/// narrower than this draws the tall stage.
const WIDE_DRAWING_REM: f64 = 52.0;

/// Embedded beside a lesson, the wide drawing shrinks to its frame (style.css) and stays compact
/// down to a phone's width: the tall one, as long as the brokers are many, would make the frame
/// taller than the lesson around it.
const EMBEDDED_WIDE_DRAWING_REM: f64 = 36.0;

/// Before the stage's box is measured, the page's width decides, as it does for the static
/// first screen (stage.css): the first render is then the drawing that page showed.
const NARROW_PAGE: &str = "(max-width: 55rem)";

/// Whether `boxed` is too narrow for the wide drawing; follows it as the window is resized or
/// turned, and as an embedding page sizes its frame.
#[hook]
fn use_narrow_box(boxed: NodeRef) -> bool {
    let narrow = use_state_eq(|| {
        web_sys::window()
            .and_then(|w| w.match_media(NARROW_PAGE).ok().flatten())
            .is_some_and(|query| query.matches())
    });
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let element = boxed.cast::<web_sys::Element>();
            let measure = {
                let element = element.clone();
                move || {
                    if let Some(element) = &element {
                        let width = f64::from(element.client_width());
                        let embedded = element.closest(".eos-embed").ok().flatten().is_some();
                        let least = if embedded {
                            EMBEDDED_WIDE_DRAWING_REM
                        } else {
                            WIDE_DRAWING_REM
                        };
                        narrow.set(width > 0.0 && width < least * rem_px());
                    }
                }
            };
            measure();
            let callback = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| measure());
            let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(element)) = (&observer, &element) {
                observer.observe(element);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(callback);
            }
        });
    }
    *narrow
}

/// The page's rem in CSS pixels (16 unless the reader set a larger text size).
fn rem_px() -> f64 {
    web_sys::window()
        .zip(
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element()),
        )
        .and_then(|(window, root)| window.get_computed_style(&root).ok().flatten())
        .and_then(|style| style.get_property_value("font-size").ok())
        .and_then(|size| size.trim_end_matches("px").parse::<f64>().ok())
        .filter(|px| *px > 0.0)
        .unwrap_or(16.0)
}

/// Outlines the element a lesson points at (class `is-pointed`) after every render, since a
/// render may rewrite the element's classes; the drawing's own ids say which element it is.
#[hook]
fn use_pointed_mark(drawing: NodeRef, pointed: Option<AttrValue>) {
    use_effect(move || {
        let Some(svg) = drawing.cast::<web_sys::Element>() else {
            return;
        };
        if let Ok(marked) = svg.query_selector_all(".is-pointed") {
            for i in 0..marked.length() {
                if let Some(element) = marked
                    .item(i)
                    .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                {
                    let _ = element.class_list().remove_1("is-pointed");
                }
            }
        }
        if let Some(element) = pointed
            .as_deref()
            .and_then(|id| svg.query_selector(&format!("#{id}")).ok().flatten())
        {
            let _ = element.class_list().add_1("is-pointed");
        }
    });
}

/// Whether nothing has focus (the focused element was removed from the page).
fn focus_is_lost() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.active_element().is_none_or(|e| e.tag_name() == "BODY"))
}
