//! Choosing where the lab starts: free play or one of the shipped scenarios.

use crate::scenarios::{Origin, catalog};
use crate::state::LabAction;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct ScenarioPickerProps {
    /// The scenario the lab runs now, for its name and description.
    /// Shared with the lab: a link's origin carries its whole script, so it is compared by
    /// identity first, never copied.
    pub origin: Rc<Origin>,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn ScenarioPicker(props: &ScenarioPickerProps) -> Html {
    let sources = use_memo((), |()| catalog());
    let chosen = use_state(|| 0_usize);
    let on_change = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let index = e
                .target_unchecked_into::<HtmlSelectElement>()
                .selected_index();
            chosen.set(usize::try_from(index).unwrap_or(0));
        })
    };
    let on_load = {
        let dispatch = props.dispatch.clone();
        let sources = sources.clone();
        let chosen = *chosen;
        Callback::from(move |_: MouseEvent| {
            if let Some(source) = sources.get(chosen) {
                dispatch.emit(LabAction::Load(source.clone()));
            }
        })
    };
    html! {
        <section class="panel panel-scenario" aria-labelledby="scenario-heading">
            <h2 id="scenario-heading" class="scenario-name">{&props.origin.name}</h2>
            // Folded, so the page opens on the controls; one click shows the whole story.
            <details class="scenario-about">
                <summary>{"About this scenario"}</summary>
                <p class="scenario-description" id="scenario-description">{&props.origin.description}</p>
            </details>
            <div class="scenario-choice">
                <label for="scenario-picker">{"Start from"}</label>
                <select id="scenario-picker" onchange={on_change}>
                    { for sources.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == *chosen}>{s.title()}</option>
                    }) }
                </select>
                <button type="button" class="button" id="load-scenario" onclick={on_load}>{"Load"}</button>
            </div>
        </section>
    }
}
