//! One partition under the magnifying glass: pick a partition and an offset, and see why each
//! isolation level can or cannot read that record, what Kafka's own tools would print, and the
//! partition's offsets over time. The pick lives in the lab's reducer ([`Inspection`]): a click
//! on a record row elsewhere picks it too, and brings this panel into view.

use crate::components::WorldRef;
use crate::components::offsets_plot::OffsetsPlot;
use crate::components::record_inspector::RecordInspector;
use crate::components::tool_view::ToolView;
use crate::state::{Inspection, LabAction};
use crate::steps::StepsSoFar;
use eos_core::{Offset, TopicPartition};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct InspectPanelProps {
    pub world: WorldRef,
    /// The history and the cursor: events for a record's provenance, offsets for the plot.
    pub steps: StepsSoFar,
    /// The record picked, by this panel's fields or a click on a record row.
    pub inspected: Option<Inspection>,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn InspectPanel(props: &InspectPanelProps) -> Html {
    let partitions: Vec<TopicPartition> = props
        .world
        .cluster()
        .partitions()
        .map(|p| p.topic_partition.clone())
        .collect();
    let heading = use_node_ref();
    use_bring_into_view(
        props.inspected.as_ref().map_or(0, |i| i.reveals),
        heading.clone(),
    );
    let picked = props
        .inspected
        .as_ref()
        .filter(|i| partitions.contains(&i.topic_partition));
    let Some(tp) = picked
        .map(|i| i.topic_partition.clone())
        .or_else(|| partitions.first().cloned())
    else {
        return Html::default();
    };
    let offset = picked.map_or(0, |i| i.offset.0);
    let transactional_id = props
        .world
        .coordinator()
        .transactions()
        .next()
        .map(|m| AttrValue::from(m.transactional_id.clone()));
    let on_partition = {
        let dispatch = props.dispatch.clone();
        let partitions = partitions.clone();
        Callback::from(move |e: web_sys::Event| {
            let chosen = e
                .target_dyn_into::<HtmlSelectElement>()
                .and_then(|select| select.value().parse::<usize>().ok())
                .and_then(|i| partitions.get(i).cloned());
            if let Some(topic_partition) = chosen {
                dispatch.emit(LabAction::Inspect {
                    topic_partition,
                    offset: Offset(offset),
                    bring_into_view: false,
                });
            }
        })
    };
    let on_offset = {
        let dispatch = props.dispatch.clone();
        let tp = tp.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                dispatch.emit(LabAction::Inspect {
                    topic_partition: tp.clone(),
                    offset: Offset(input.value().parse::<i64>().unwrap_or(0).max(0)),
                    bring_into_view: false,
                });
            }
        })
    };
    html! {
        <div class="inspect-group">
        <section class="panel panel-inspect" aria-labelledby="inspect-heading">
            // Focusable from code only, so a click on a record row can move focus here.
            <h2 id="inspect-heading" tabindex="-1" ref={heading}>{"Inspect a record"}</h2>
            <div class="inspect-pick">
                <label for="inspect-partition">{"Partition"}</label>
                <select id="inspect-partition" onchange={on_partition}>
                    { for partitions.iter().enumerate().map(|(i, p)| html! {
                        <option value={i.to_string()} selected={p == &tp}>{p.to_string()}</option>
                    }) }
                </select>
                <label for="inspect-offset">{"Offset"}</label>
                <input id="inspect-offset" type="number" min="0" value={offset.to_string()}
                    oninput={on_offset} />
            </div>
        </section>
            <RecordInspector world={props.world.0.clone()} steps={props.steps.clone()}
                topic_partition={tp.clone()} offset={Offset(offset)} />
            <ToolView world={props.world.0.clone()} topic_partition={tp.clone()} {transactional_id} />
            <OffsetsPlot steps={props.steps.clone()} topic_partition={tp} />
        </div>
    }
}

/// Each new reveal (a record row was clicked) scrolls the inspector into view and moves focus to
/// its heading, so keyboard and screen-reader users land on the answer. Smooth scrolling only
/// when the user has not asked for reduced motion.
#[hook]
fn use_bring_into_view(reveals: u64, heading: NodeRef) {
    use_effect_with(reveals, move |reveals| {
        let Some(element) = heading
            .cast::<web_sys::HtmlElement>()
            .filter(|_| *reveals > 0)
        else {
            return;
        };
        // The inspector sits in a folded detail group; a reveal unfolds it first.
        super::detail_layer::unfold_around(&element);
        let reduced_motion = web_sys::window()
            .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok())
            .flatten()
            .is_none_or(|query| query.matches());
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_behavior(if reduced_motion {
            web_sys::ScrollBehavior::Instant
        } else {
            web_sys::ScrollBehavior::Smooth
        });
        options.set_block(web_sys::ScrollLogicalPosition::Start);
        element.scroll_into_view_with_scroll_into_view_options(&options);
        let focus = web_sys::FocusOptions::new();
        focus.set_prevent_scroll(true);
        let _ = element.focus_with_options(&focus);
    });
}
