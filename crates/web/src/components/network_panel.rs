//! The network: every request and response in flight, and what can befall each one. Dropping a
//! produce response is the lost acknowledgement, so it gets its own plainly named button.

use super::fetch_response::{FetchShown, fetch_response_view};
use super::{WorldRef, act};
use crate::state::LabAction;
use eos_core::Action;
use eos_core::error_code::ErrorCode;
use eos_core::network::{Message, Payload};
use yew::prelude::*;

/// What the panel shows of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageView {
    pub id: u64,
    pub from: String,
    pub to: String,
    pub label: String,
    /// A produce response: losing it is the lost ack.
    pub is_ack: bool,
    pub is_request: bool,
    /// The error an answer carries, shown with Kafka's message for it.
    pub error: Option<ErrorCode>,
}

impl MessageView {
    pub fn of(message: &Message) -> Self {
        let is_ack = message.payload.is_acknowledgement();
        let is_request = matches!(
            message.payload,
            Payload::InitProducerIdRequest { .. }
                | Payload::ProduceRequest { .. }
                | Payload::TxnInitProducerIdRequest { .. }
                | Payload::AddPartitionsToTxnRequest { .. }
                | Payload::AddOffsetsToTxnRequest { .. }
                | Payload::EndTxnRequest { .. }
                | Payload::WriteTxnMarkersRequest { .. }
        );
        Self {
            id: message.id.0,
            from: message.from.to_string(),
            to: message.to.to_string(),
            label: message.payload.label(),
            is_ack,
            is_request,
            error: message.payload.error(),
        }
    }
}

/// Time steps offered by the clock buttons: enough to pass `retry.backoff.ms`,
/// `request.timeout.ms` (30 s) and `transaction.timeout.ms` (60 s).
const TIME_STEPS_MS: [u64; 3] = [100, 30_000, 60_000];

/// A runaway duplication can fill the network; only the oldest messages get rows.
const MESSAGES_SHOWN: usize = 40;

#[derive(Debug, Properties, PartialEq)]
pub struct NetworkPanelProps {
    pub world: WorldRef,
    pub dispatch: Callback<LabAction>,
    /// Whether the lab delivers everything in flight after each action.
    #[prop_or_default]
    pub auto_deliver: bool,
    /// The answer of a hand-made Fetch in the step at the cursor, which no message carries.
    #[prop_or_default]
    pub fetch_answer: Option<FetchShown>,
}

#[component]
pub fn NetworkPanel(props: &NetworkPanelProps) -> Html {
    let messages: Vec<MessageView> = props
        .world
        .network()
        .in_flight()
        .iter()
        .map(MessageView::of)
        .collect();
    let dispatch = &props.dispatch;
    let on_auto_deliver = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let on = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .checked();
            dispatch.emit(LabAction::SetAutoDeliver(on));
        })
    };
    let row = |m: &MessageView| {
        let message = Some(eos_core::network::MessageId(m.id));
        let drop_label = if m.is_ack { "Drop ack" } else { "Drop" };
        html! {
            <li class={classes!("message", m.is_ack.then_some("is-ack"))} key={m.id}
                data-message={m.id.to_string()}>
                <p class="message-route">
                    <span class="message-id">{format!("#{}", m.id)}</span>
                    {format!(" {} → {}", m.from, m.to)}
                    <span class="tag">{if m.is_request { "request" } else { "response" }}</span>
                </p>
                <p class="message-label">{&m.label}</p>
                {m.error.map(|error| html! {
                    <p class="message-error" id={format!("message-error-{}", m.id)}>
                        {format!("Kafka: “{}”", error.message())}
                    </p>
                })}
                <div class="button-row" role="group" aria-label={format!("Message #{}", m.id)}>
                    <button type="button" class="button button-primary" id={format!("deliver-{}", m.id)}
                        onclick={act::<MouseEvent>(dispatch, Action::Deliver { message })}>{"Deliver"}</button>
                    <button type="button" class={classes!("button", m.is_ack.then_some("button-danger"))}
                        id={format!("drop-{}", m.id)}
                        onclick={act::<MouseEvent>(dispatch, Action::Drop { message })}>{drop_label}</button>
                    <button type="button" class="button" id={format!("duplicate-{}", m.id)}
                        onclick={act::<MouseEvent>(dispatch, Action::Duplicate { message })}>{"Duplicate"}</button>
                    <button type="button" class="button" id={format!("delay-{}", m.id)}
                        onclick={act::<MouseEvent>(dispatch, Action::Delay { message })}>{"Delay"}</button>
                </div>
            </li>
        }
    };
    html! {
        <section class="panel panel-network" aria-labelledby="network-heading">
            <div class="panel-head">
                <h2 id="network-heading">{"Network"}</h2>
                <span class="badge" id="in-flight-count">{format!("{} in flight", messages.len())}</span>
            </div>
            <div class="button-row">
                <button type="button" class="button button-primary" id="deliver-all"
                    onclick={act::<MouseEvent>(dispatch, Action::DeliverAll {})}>{"Deliver all"}</button>
            </div>
            <div class="auto-deliver">
                <input type="checkbox" id="auto-deliver" checked={props.auto_deliver}
                    aria-describedby="auto-deliver-help" onchange={on_auto_deliver} />
                <label for="auto-deliver">{"Auto-deliver"}</label>
                <p id="auto-deliver-help" class="hint">
                    {"When on, every action you take is followed by a “deliver every message in \
                      flight” step, so sends arrive at once. Leave it off to catch a request or \
                      response in flight and drop it, such as the produce response (the lost ack)."}
                </p>
            </div>
            {if messages.is_empty() {
                html! { <p class="empty">{"No message is in flight."}</p> }
            } else {
                html! {
                    <>
                        <ol id="messages" class="messages">
                            { for messages.iter().take(MESSAGES_SHOWN).map(row) }
                        </ol>
                        {(messages.len() > MESSAGES_SHOWN).then(|| html! {
                            <p class="more">{format!("{} more, oldest first, are not shown.",
                                messages.len() - MESSAGES_SHOWN)}</p>
                        })}
                    </>
                }
            }}
            {props.fetch_answer.as_ref().map(|shown| fetch_response_view(shown, "network-fetch-answer"))}
            <div class="clock">
                <p>{"Simulated time "}<strong id="clock">{format!("{} ms", props.world.now_ms())}</strong></p>
                <div class="button-row" role="group" aria-label="Advance simulated time">
                    { for TIME_STEPS_MS.iter().map(|ms| html! {
                        <button type="button" class="button" id={format!("advance-{ms}")}
                            onclick={act::<MouseEvent>(dispatch, Action::AdvanceTime { ms: *ms })}>
                            {format!("+{}", human_ms(*ms))}
                        </button>
                    }) }
                </div>
            </div>
        </section>
    }
}

fn human_ms(ms: u64) -> String {
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}
