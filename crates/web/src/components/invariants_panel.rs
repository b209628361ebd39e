//! The core's named guarantees, each holding or broken, with the step that broke it.

use super::{WorldRef, on};
use crate::state::LabAction;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct InvariantsPanelProps {
    pub world: WorldRef,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn InvariantsPanel(props: &InvariantsPanelProps) -> Html {
    let statuses = props.world.invariants().statuses();
    html! {
        <section class="panel panel-invariants" aria-labelledby="invariants-heading">
            <h2 id="invariants-heading">{"Guarantees"}</h2>
            <ul class="invariants" id="invariants">
                { for statuses.iter().map(|status| match &status.broken {
                    None => html! {
                        <li class="invariant holds" data-invariant={status.name}>
                            <span class="verdict"><span aria-hidden="true">{"✓ "}</span>{"holds"}</span>
                            <code>{status.name}</code>
                            <span class="invariant-text">{status.description}</span>
                        </li>
                    },
                    Some(violation) => html! {
                        <li class="invariant broken" data-invariant={status.name}>
                            <span class="verdict"><span aria-hidden="true">{"✗ "}</span>{"broken"}</span>
                            <code>{status.name}</code>
                            <span class="invariant-text">{status.description}</span>
                            <span class="invariant-why">{format!("At step {}: {}", violation.step, violation.why)}</span>
                            <button type="button" class="button" id={format!("invariant-jump-{}", status.name)}
                                onclick={on::<MouseEvent>(&props.dispatch,
                                    LabAction::JumpTo(usize::try_from(violation.step).unwrap_or(usize::MAX)))}>
                                {format!("Go to step {}", violation.step)}
                            </button>
                        </li>
                    },
                }) }
            </ul>
        </section>
    }
}
