//! The buttons that drive the lab, what the next Send will write, and any action the core
//! refused.

use crate::state::{Payment, Refusal};
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct ControlsProps {
    /// The payment the Send button will append.
    pub next_payment: Payment,
    /// The last action the core refused, shown until one succeeds.
    pub refusal: Option<Refusal>,
    pub on_send: Callback<MouseEvent>,
    pub on_reset: Callback<MouseEvent>,
}

/// Send and Reset, with a preview of the next record.
#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let refusal = props.refusal.as_ref().map(|r| {
        html! {
            <p class="refusal" role="alert">
                <span class="refusal-title">{"Not done. "}</span>
                {format!("Could not {}: {}.", r.attempted, r.error)}
            </p>
        }
    });
    html! {
        <div class="controls">
            <div class="controls-buttons">
                <button id="send-button" type="button" class="button button-primary"
                    aria-describedby="next-payment" onclick={props.on_send.clone()}>
                    {"Send payment"}
                </button>
                <button id="reset-button" type="button" class="button button-secondary"
                    onclick={props.on_reset.clone()}>
                    {"Reset"}
                </button>
            </div>
            <p id="next-payment" class="next-payment">
                {"Next record: key "}<code>{&props.next_payment.key}</code>
                {", value "}<code>{&props.next_payment.value}</code>
            </p>
            {refusal}
        </div>
    }
}
