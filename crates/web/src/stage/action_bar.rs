//! The buttons under the drawing for whatever is selected on it: the same core actions the
//! cards and the network panel dispatch, so acting on the stage is acting on the lab.

use super::model::StageItem;
use crate::components::act;
use crate::components::detail_layer::{DetailGroup, reveal};
use crate::components::producer_card::suggested_record;
use crate::state::LabAction;
use eos_core::network::MessageId;
use eos_core::{Action, ClientId, World};
use yew::prelude::*;

/// One button: its id suffix, its words and what it does.
#[derive(Debug)]
pub struct Choice {
    pub id: &'static str,
    pub label: String,
    pub action: Action,
}

fn choice(id: &'static str, label: impl Into<String>, action: Action) -> Choice {
    Choice {
        id,
        label: label.into(),
        action,
    }
}

/// What the selected item is, in a few words, and what one can do to it now.
pub fn choices(world: &World, item: &StageItem) -> Option<(String, Vec<Choice>)> {
    match item {
        StageItem::Message(id) => {
            let message = world.network().in_flight().iter().find(|m| m.id.0 == *id)?;
            let is_ack = message.payload.is_acknowledgement();
            let chosen = Some(MessageId(*id));
            Some((
                format!(
                    "#{id} {} ({} → {})",
                    message.payload.label(),
                    message.from,
                    message.to
                ),
                vec![
                    choice("deliver", "Deliver", Action::Deliver { message: chosen }),
                    choice(
                        "drop",
                        if is_ack { "Drop ack" } else { "Drop" },
                        Action::Drop { message: chosen },
                    ),
                    choice(
                        "duplicate",
                        "Duplicate",
                        Action::Duplicate { message: chosen },
                    ),
                    choice("delay", "Delay", Action::Delay { message: chosen }),
                ],
            ))
        }
        StageItem::Producer(id) => {
            let producer = world.producer(id)?;
            Some((
                format!(
                    "Producer {id} ({})",
                    if producer.alive { "running" } else { "crashed" }
                ),
                producer_choices(world, id, producer.alive, producer.txn.is_some()),
            ))
        }
        StageItem::Consumer(id) => {
            let consumer = world.consumer(id)?;
            let who = || ClientId(id.0.clone());
            let mut list = Vec::new();
            if consumer.alive {
                list.push(choice("poll", "poll", Action::Poll { consumer: who() }));
                list.push(choice(
                    "process",
                    "process",
                    Action::Process { consumer: who() },
                ));
                list.push(choice(
                    "commit",
                    "commitSync",
                    Action::Commit { consumer: who() },
                ));
                list.push(choice(
                    "crash",
                    "Crash",
                    Action::CrashConsumer { consumer: who() },
                ));
            } else {
                list.push(choice(
                    "restart",
                    "Restart",
                    Action::RestartConsumer { consumer: who() },
                ));
            }
            Some((
                format!(
                    "Consumer {id} ({})",
                    if consumer.alive { "running" } else { "crashed" }
                ),
                list,
            ))
        }
        StageItem::Broker(b) => {
            let broker = eos_core::ids::BrokerId(*b);
            world.cluster().has_broker(broker).then(|| {
                let alive = world.cluster().is_alive(broker);
                (
                    format!("Broker {b} ({})", if alive { "up" } else { "down" }),
                    vec![crash_or_restart(alive, broker, "Crash", "Restart")],
                )
            })
        }
        StageItem::Coordinator => {
            let broker = world.coordinator().broker();
            let alive = world.cluster().is_alive(broker);
            Some((
                format!(
                    "Transaction coordinator on broker {broker} ({})",
                    if alive { "up" } else { "down" }
                ),
                vec![crash_or_restart(
                    alive,
                    broker,
                    &format!("Crash broker {broker}"),
                    &format!("Restart broker {broker}"),
                )],
            ))
        }
    }
}

fn crash_or_restart(
    alive: bool,
    broker: eos_core::ids::BrokerId,
    crash: &str,
    restart: &str,
) -> Choice {
    if alive {
        choice("crash", crash, Action::CrashBroker { broker })
    } else {
        choice("restart", restart, Action::RestartBroker { broker })
    }
}

fn producer_choices(world: &World, id: &ClientId, alive: bool, transactional: bool) -> Vec<Choice> {
    let who = || id.clone();
    if !alive {
        return vec![choice(
            "restart",
            "Restart",
            Action::RestartProducer { producer: who() },
        )];
    }
    let topic = world
        .cluster()
        .partitions()
        .next()
        .map(|p| p.topic_partition.topic.to_string())
        .unwrap_or_default();
    let (key, value) = suggested_record(world.sends().len());
    let mut list = vec![choice(
        "send",
        format!("Send {key} to {topic}-0"),
        Action::Send {
            producer: who(),
            topic,
            partition: Some(0),
            key: Some(key),
            value,
        },
    )];
    if transactional {
        list.extend([
            choice(
                "init",
                "initTransactions",
                Action::InitTransactions { producer: who() },
            ),
            choice(
                "begin",
                "beginTransaction",
                Action::BeginTransaction { producer: who() },
            ),
            choice(
                "commit",
                "commitTransaction",
                Action::CommitTransaction { producer: who() },
            ),
            choice(
                "abort",
                "abortTransaction",
                Action::AbortTransaction { producer: who() },
            ),
        ]);
    }
    list.push(choice(
        "crash",
        "Crash",
        Action::CrashProducer { producer: who() },
    ));
    list
}

/// The detail panel that tells more about the selected thing, and the button's words for it.
fn details_of(item: Option<&StageItem>) -> (DetailGroup, &'static str) {
    match item {
        Some(StageItem::Message(_)) => (DetailGroup::Network, "Details: the network"),
        Some(StageItem::Producer(_) | StageItem::Consumer(_)) => {
            (DetailGroup::Clients, "Details: its card")
        }
        Some(StageItem::Broker(_)) | None => (DetailGroup::Logs, "Details: the partition logs"),
        Some(StageItem::Coordinator) => (DetailGroup::Coordinator, "Details: the coordinator"),
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct ActionBarProps {
    pub world: crate::components::WorldRef,
    pub selected: Option<StageItem>,
    pub dispatch: Callback<LabAction>,
    /// The first button, which takes focus when the selection was made by keyboard.
    pub first_button: NodeRef,
    /// The hint shown when nothing is selected, which takes focus when the selected thing
    /// disappears under it.
    pub hint: NodeRef,
}

#[component]
pub fn ActionBar(props: &ActionBarProps) -> Html {
    let Some((what, list)) = props
        .selected
        .as_ref()
        .and_then(|item| choices(&props.world, item))
    else {
        return html! {
            <div class="stage-actions is-empty">
                <p class="stage-hint" id="stage-selected" tabindex="-1" ref={props.hint.clone()}>
                    {"Select anything in the drawing (click it, or Tab to it and press Enter) to act on it; an offset opens in the inspector."}
                </p>
            </div>
        };
    };
    let (group, words) = details_of(props.selected.as_ref());
    let show_details = Callback::from(move |event: MouseEvent| {
        if let Some(button) = event.target_dyn_into::<web_sys::Element>() {
            reveal(&button, group.id());
        }
    });
    html! {
        <div class="stage-actions" role="group" aria-labelledby="stage-selected">
            <p class="stage-selected" id="stage-selected">
                <span class="stage-selected-kind">{"Selected: "}</span>{what}
            </p>
            <div class="button-row">
                { for list.into_iter().enumerate().map(|(i, c)| html! {
                    <button type="button" id={format!("stage-action-{}", c.id)}
                        class={classes!("button", (i == 0).then_some("button-primary"),
                            c.label.starts_with("Drop ack").then_some("button-danger"))}
                        ref={if i == 0 { props.first_button.clone() } else { NodeRef::default() }}
                        onclick={act::<MouseEvent>(&props.dispatch, c.action)}>{c.label}</button>
                }) }
                <button type="button" class="button stage-details-button" id="stage-show-details"
                    onclick={show_details}>{words}</button>
            </div>
        </div>
    }
}
