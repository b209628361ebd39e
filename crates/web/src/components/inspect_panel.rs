//! One partition under the magnifying glass: pick a partition and an offset, and see why each
//! isolation level can or cannot read that record, what Kafka's own tools would print, and the
//! partition's offsets over time.

use crate::components::WorldRef;
use crate::components::offsets_plot::OffsetsPlot;
use crate::components::record_inspector::RecordInspector;
use crate::components::tool_view::ToolView;
use crate::steps::StepsSoFar;
use eos_core::{Offset, TopicPartition};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct InspectPanelProps {
    pub world: WorldRef,
    /// The history and the cursor: events for a record's provenance, offsets for the plot.
    pub steps: StepsSoFar,
}

#[component]
pub fn InspectPanel(props: &InspectPanelProps) -> Html {
    let partitions: Vec<TopicPartition> = props
        .world
        .cluster()
        .partitions()
        .map(|p| p.topic_partition.clone())
        .collect();
    let selected = use_state(|| 0usize);
    let offset = use_state(|| 0i64);
    let Some(tp) = partitions.get(*selected).or(partitions.first()).cloned() else {
        return Html::default();
    };
    let transactional_id = props
        .world
        .coordinator()
        .transactions()
        .next()
        .map(|m| AttrValue::from(m.transactional_id.clone()));
    let on_partition = {
        let selected = selected.clone();
        Callback::from(move |e: web_sys::Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                selected.set(select.value().parse().unwrap_or(0));
            }
        })
    };
    let on_offset = {
        let offset = offset.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                offset.set(input.value().parse::<i64>().unwrap_or(0).max(0));
            }
        })
    };
    html! {
        <div class="inspect-group">
        <section class="panel panel-inspect" aria-labelledby="inspect-heading">
            <h2 id="inspect-heading">{"Inspect a record"}</h2>
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
                topic_partition={tp.clone()} offset={Offset(*offset)} />
            <ToolView world={props.world.0.clone()} topic_partition={tp.clone()} {transactional_id} />
            <OffsetsPlot steps={props.steps.clone()} topic_partition={tp} />
        </div>
    }
}
