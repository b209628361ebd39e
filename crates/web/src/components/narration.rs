//! The narration: every step the user took, with the core's explanation of each event it
//! caused.

use crate::state::Step;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct NarrationProps {
    /// Every step so far, oldest first.
    pub steps: Vec<Step>,
}

/// The story of the run so far, in plain words.
#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let empty = props.steps.is_empty().then(|| {
        html! {
            <p class="empty">
                {"Nothing has happened yet. Each step you take is explained here, in order."}
            </p>
        }
    });
    html! {
        <>
            <h2 id="narration-heading">{"What happened"}</h2>
            {empty}
            // Polite, so a screen reader reads each new step after the click that caused it.
            <ol id="narration" class="narration" aria-live="polite">
                { for props.steps.iter().enumerate().map(|(i, s)| {
                    step(s, i + 1 == props.steps.len())
                }) }
            </ol>
        </>
    }
}

/// One step; only the newest is open, so the list stays short while the latest story is in full.
fn step(step: &Step, newest: bool) -> Html {
    html! {
        <li class="step" key={step.number} data-step={step.number.to_string()}>
            <details class="step-details" open={newest}>
                <summary class="step-label">
                    <span class="step-number">{format!("Step {}", step.number)}</span>
                    {&step.label}
                </summary>
                { for step.actions.iter().map(|action| html! {
                    <div class="step-action">
                        <p class="step-action-label">{&action.label}</p>
                        <ul class="step-events">
                            { for action.events.iter().map(|event| html! {
                                <li>{&event.explanation}</li>
                            }) }
                        </ul>
                    </div>
                }) }
            </details>
        </li>
    }
}
