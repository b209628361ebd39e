//! The transaction coordinator: each `transactional.id` with its state among all eight (the
//! current one lit), its producer id and epoch, the partitions in its transaction, and the
//! `__transaction_state` log; plus the brokers, so the coordinator's can be crashed and restarted.

use super::{WorldRef, act};
use crate::state::LabAction;
use eos_core::Action;
use eos_core::World;
use eos_core::ids::BrokerId;
use eos_core::txn_coordinator::TransactionState;
use yew::prelude::*;

/// The newest `__transaction_state` entries the panel lists.
const LOG_SHOWN: usize = 12;

/// One `transactional.id` as the coordinator knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionView {
    pub transactional_id: String,
    pub state: TransactionState,
    pub pending: Option<TransactionState>,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub timeout_ms: u64,
    pub partitions: Vec<String>,
}

impl TransactionView {
    pub fn all(world: &World) -> Vec<Self> {
        world
            .coordinator()
            .transactions()
            .map(|t| Self {
                transactional_id: t.transactional_id.clone(),
                state: t.state,
                pending: t.pending_state,
                producer_id: t.producer_id.0,
                producer_epoch: t.producer_epoch.0,
                timeout_ms: t.txn_timeout_ms,
                partitions: t.topic_partitions.iter().map(ToString::to_string).collect(),
            })
            .collect()
    }
}

/// The states in the order a transaction usually meets them.
const STATE_ORDER: [TransactionState; 8] = [
    TransactionState::Empty,
    TransactionState::Ongoing,
    TransactionState::PrepareCommit,
    TransactionState::CompleteCommit,
    TransactionState::PrepareAbort,
    TransactionState::CompleteAbort,
    TransactionState::PrepareEpochFence,
    TransactionState::Dead,
];

#[derive(Debug, Properties, PartialEq)]
pub struct CoordinatorPanelProps {
    pub world: WorldRef,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn CoordinatorPanel(props: &CoordinatorPanelProps) -> Html {
    let world: &World = &props.world;
    let coordinator = world.coordinator().broker();
    let transactions = TransactionView::all(world);
    let log = world.coordinator().log();
    let hidden = log.len().saturating_sub(LOG_SHOWN);
    html! {
        <section class="panel panel-coordinator" aria-labelledby="coordinator-heading">
            <div class="panel-head">
                <h2 id="coordinator-heading">{"Brokers and the transaction coordinator"}</h2>
            </div>
            <ul class="brokers" aria-label="Brokers">
                { for world.cluster().brokers().map(|(broker, alive)| broker_row(broker, alive, broker == coordinator, &props.dispatch)) }
            </ul>
            {if transactions.is_empty() {
                html! { <p class="empty">{"No transactional.id has called initTransactions yet."}</p> }
            } else {
                html! { <div class="transactions">{ for transactions.iter().map(transaction) }</div> }
            }}
            <h3 class="subhead">{"__transaction_state"}</h3>
            {if log.is_empty() {
                html! { <p class="empty">{"The transaction log is empty."}</p> }
            } else {
                html! {
                    <ol class="txn-log" id="txn-log" start={(hidden + 1).to_string()}
                        aria-label="__transaction_state entries, oldest first">
                        { for log.iter().skip(hidden).map(|entry| html! {
                            <li><code>{format!("{} → {} (PID {}, epoch {}{})",
                                entry.transactional_id, entry.state.name(), entry.producer_id,
                                entry.producer_epoch,
                                if entry.topic_partitions.is_empty() { String::new() } else {
                                    format!(", {}", entry.topic_partitions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                                })}</code></li>
                        }) }
                    </ol>
                }
            }}
        </section>
    }
}

fn broker_row(
    broker: BrokerId,
    alive: bool,
    coordinator: bool,
    dispatch: &Callback<LabAction>,
) -> Html {
    html! {
        <li class={classes!("broker", (!alive).then_some("is-down"))}>
            <span>{format!("Broker {broker}")}</span>
            {coordinator.then(|| html! { <span class="tag">{"transaction coordinator"}</span> })}
            <span class={classes!("status", if alive { "status-up" } else { "status-down" })}>
                {if alive { "▲ up" } else { "▼ down" }}
            </span>
            <button type="button" class="button" id={format!("crash-broker-{broker}")}
                onclick={act::<MouseEvent>(dispatch, Action::CrashBroker { broker })}>{"Crash"}</button>
            <button type="button" class="button" id={format!("restart-broker-{broker}")}
                onclick={act::<MouseEvent>(dispatch, Action::RestartBroker { broker })}>{"Restart"}</button>
        </li>
    }
}

fn transaction(view: &TransactionView) -> Html {
    html! {
        <article class="card txn-card" data-transactional-id={view.transactional_id.clone()}>
            <h3 class="card-title">
                <span class="card-kind">{"transactional.id "}</span><code>{&view.transactional_id}</code>
            </h3>
            <p>{format!("PID {} · epoch {} · transaction.timeout.ms {}", view.producer_id, view.producer_epoch, view.timeout_ms)}</p>
            <ol class="states" aria-label={format!("States of {}", view.transactional_id)}>
                { for STATE_ORDER.iter().map(|state| {
                    let current = *state == view.state;
                    let pending = view.pending == Some(*state);
                    html! {
                        <li class={classes!("state", current.then_some("is-current"), pending.then_some("is-pending"))}
                            aria-current={current.then_some("step")}>
                            {if current { "● " } else if pending { "◌ " } else { "" }}
                            {state.name()}
                            {pending.then(|| html! { <span class="visually-hidden">{" (being written)"}</span> })}
                        </li>
                    }
                }) }
            </ol>
            <p class="txn-partitions">
                {if view.partitions.is_empty() { "No partition in the transaction.".to_owned() }
                 else { format!("In the transaction: {}", view.partitions.join(", ")) }}
            </p>
        </article>
    }
}
