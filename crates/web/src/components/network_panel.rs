//! The network: every request and response in flight, and what can befall each one. Dropping a
//! produce response is the lost acknowledgement, so it gets its own plainly named button. Below
//! them, the hand-made requests a broker answers within their step (`World::exchanges`), which
//! never travel the network, each with its answer or, for a held Fetch, as waiting.

use super::fetch_response::{FetchShown, fetch_response_view};
use super::{WorldRef, act};
use crate::state::LabAction;
use eos_core::error_code::ErrorCode;
use eos_core::exchanges::Exchange;
use eos_core::network::{Message, Payload};
use eos_core::{Action, World};
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
            label: message.payload.label_string(),
            is_ack,
            is_request,
            error: message.payload.error(),
        }
    }
}

/// What the panel shows of one hand-made request answered within its step, or held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeView {
    /// Its place among the world's exchanges, counting from 1.
    pub number: usize,
    /// The step that sent it.
    pub step: u64,
    pub from: String,
    pub to: String,
    pub request: String,
    /// The step that answered it and the answer in short; `None` while the broker holds it.
    pub answer: Option<(u64, String)>,
    /// The error the answer carries, shown with Kafka's message for it.
    pub error: Option<ErrorCode>,
    /// Sent or answered by the step at the cursor.
    pub is_current: bool,
}

impl ExchangeView {
    /// `index`: its place among the world's exchanges; `current_step`: the number of the step
    /// at the cursor.
    pub fn of(index: usize, exchange: &Exchange, current_step: u64) -> Self {
        let answer = exchange.answer.as_ref();
        Self {
            number: index + 1,
            step: exchange.step,
            from: exchange.from.to_string(),
            to: exchange
                .to
                .as_ref()
                .map_or_else(|| "no leader".to_owned(), ToString::to_string),
            request: exchange.request.label(),
            answer: answer.map(|a| (a.step, a.answer.label())),
            error: answer.and_then(|a| a.answer.error()),
            is_current: exchange.step == current_step
                || answer.is_some_and(|a| a.step == current_step),
        }
    }
}

/// Only the newest hand-made exchanges get rows, and every held one, newest first.
const EXCHANGES_SHOWN: usize = 8;

/// The hand-made exchanges the panel lists for `world`: every one still held and the newest
/// [`EXCHANGES_SHOWN`], newest first.
pub fn exchange_views(world: &World) -> Vec<ExchangeView> {
    let exchanges = world.exchanges();
    let newest_from = exchanges.len().saturating_sub(EXCHANGES_SHOWN);
    exchanges
        .iter()
        .enumerate()
        .rev()
        .filter(|(i, e)| *i >= newest_from || e.answer.is_none())
        .map(|(i, e)| ExchangeView::of(i, e, world.steps_taken()))
        .collect()
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
            {exchanges_view(&exchange_views(&props.world))}
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

/// The hand-made exchanges, or nothing before the first.
fn exchanges_view(exchanges: &[ExchangeView]) -> Html {
    if exchanges.is_empty() {
        return Html::default();
    }
    let row = |e: &ExchangeView| {
        let answer = match &e.answer {
            Some((step, label)) => html! {
                <p class="exchange-answer">
                    <span class="exchange-step">{format!("step {step}")}</span>
                    {format!(" {} → {}: ", e.to, e.from)}
                    <span class="message-label">{label}</span>
                </p>
            },
            None => html! {
                <p class="exchange-answer is-waiting">
                    {format!("Waiting: {} holds it and has not answered yet.", e.to)}
                </p>
            },
        };
        html! {
            <li class={classes!("message", "exchange", e.is_current.then_some("is-current"))}
                key={e.number} id={format!("exchange-{}", e.number)}>
                <p class="message-route">
                    <span class="exchange-step">{format!("step {}", e.step)}</span>
                    {format!(" {} → {}", e.from, e.to)}
                    <span class="tag">{if e.answer.is_some() { "answered" } else { "held" }}</span>
                </p>
                <p class="message-label">{&e.request}</p>
                {answer}
                {e.error.map(|error| html! {
                    <p class="message-error">{format!("Kafka: “{}”", error.message())}</p>
                })}
            </li>
        }
    };
    html! {
        <section class="exchanges" aria-labelledby="exchanges-heading">
            <h3 id="exchanges-heading">{"Answered within their step"}</h3>
            <p class="hint">
                {"Requests made by hand that a broker answers at once: they never travel the \
                  network, so nothing here can be delivered, dropped or delayed. A Fetch asking \
                  for more bytes than the leader has is held until it is answered."}
            </p>
            <ol id="exchanges" class="messages">
                { for exchanges.iter().map(row) }
            </ol>
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

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::Scenario;

    fn step(world: &mut World, action: &str) {
        let action: Action = serde_json::from_str(action).expect("a step");
        world.step(&action).expect("possible");
    }

    // A Fetch the leader holds stays listed, as waiting, however many answered requests follow.
    #[test]
    fn a_held_fetch_is_listed_as_waiting_behind_the_newest_answered_requests() {
        let scenario = Scenario::parse(
            r#"{"format_version": 1, "cluster": {"topics": [{"name": "payments"}]},
                "producers": [], "consumers": [], "steps": []}"#,
        )
        .expect("a scenario");
        let mut world = World::new(&scenario.world_config(), 1).expect("its world");
        step(
            &mut world,
            r#"{"step": "fetch_raw", "topic": "payments", "partition": 0, "offset": 0, "min_bytes": 1, "max_wait_ms": 500}"#,
        );
        for _ in 0..EXCHANGES_SHOWN + 1 {
            step(
                &mut world,
                r#"{"step": "offset_fetch_raw", "group_id": "g", "partitions": [{"topic": "payments", "partition": 0}]}"#,
            );
        }
        let views = exchange_views(&world);
        assert_eq!(views.len(), EXCHANGES_SHOWN + 1);
        let newest = &views[0];
        assert_eq!(newest.step, 10);
        assert!(newest.is_current);
        assert_eq!(
            newest.answer,
            Some((
                10,
                "OffsetFetch response (payments-0: none (-1))".to_owned()
            ))
        );
        let held = views.last().expect("the held fetch");
        assert_eq!((held.number, held.step), (1, 1));
        assert_eq!(held.to, "broker 1");
        assert_eq!(held.answer, None);
        assert!(!held.is_current);
    }
}
