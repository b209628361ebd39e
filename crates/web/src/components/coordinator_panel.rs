//! The transaction coordinator: each `transactional.id` with its state diagram (all eight
//! states, the current one lit), its producer id and epoch, the partitions in its transaction,
//! the countdown to the coordinator's own abort in simulated time, and the
//! `__transaction_state` log; plus the brokers, so the coordinator's can be crashed and restarted.
//! A line above them names the cluster's transaction protocol and the Kafka release whose rules
//! the lab follows.

use super::txn_state_diagram::TxnStateDiagram;
use super::{WorldRef, act};
use crate::state::LabAction;
use eos_core::Action;
use eos_core::KAFKA_RELEASE;
use eos_core::World;
use eos_core::coordinator::state_machine::TransactionState;
use eos_core::ids::{BrokerId, TransactionVersion};
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
    /// When the open transaction's first partition was added, in simulated ms.
    pub started_at_ms: Option<u64>,
    /// How long the open transaction may still run; `None` when no timeout applies.
    pub countdown: Option<Countdown>,
}

/// Where an open transaction stands against its `transaction.timeout.ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Countdown {
    /// Milliseconds of simulated time left; the coordinator aborts once more than this passes.
    Remaining(u64),
    /// The deadline has passed but the check has not run (it runs when time advances and the
    /// coordinator's broker is up, with no `__transaction_state` write pending).
    Expired,
}

impl Countdown {
    /// The countdown at `now_ms` to a deadline the core computed, if there is one.
    pub fn at(times_out_after_ms: Option<u64>, now_ms: u64) -> Option<Self> {
        times_out_after_ms.map(|after| {
            if now_ms > after {
                Countdown::Expired
            } else {
                Countdown::Remaining(after - now_ms)
            }
        })
    }

    /// The countdown in plain words.
    pub fn words(self) -> String {
        match self {
            Countdown::Remaining(ms) => format!(
                "{ms} ms left: once more than {ms} ms of simulated time pass, the coordinator aborts it on its own"
            ),
            Countdown::Expired => {
                "expired: the coordinator aborts it on the next time step".to_owned()
            }
        }
    }
}

impl TransactionView {
    pub fn all(world: &World) -> Vec<Self> {
        let now_ms = world.now_ms();
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
                started_at_ms: t.txn_start_timestamp_ms,
                countdown: Countdown::at(t.times_out_after_ms(), now_ms),
            })
            .collect()
    }
}

/// The cluster's transaction protocol in words, with what it means for markers and the Kafka
/// release the lab follows where releases differ.
pub fn protocol_note(version: TransactionVersion) -> String {
    let protocol = match version {
        TransactionVersion::V1 => {
            "Transaction protocol V1 (transaction.version 0 or 1): a producer keeps its epoch from one transaction to the next, and a partition takes a marker whose epoch is not below the one it holds."
        }
        TransactionVersion::V2 => {
            "Transaction protocol V2 (transaction.version 2): every transaction ends at a bumped epoch, each marker says it is a V2 marker, and a partition refuses one that does not raise the epoch it holds (since Kafka 4.2, KIP-1228; earlier releases took an equal epoch)."
        }
    };
    format!("{protocol} The lab follows Apache Kafka {KAFKA_RELEASE} where releases differ.")
}

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
            <p class="protocol-note" id="transaction-protocol">
                {protocol_note(world.coordinator().transaction_version())}
            </p>
            <p class="txn-log-placement" id="txn-log-placement">{placement(world)}</p>
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

/// Where `__transaction_state` lives and which broker hosts the coordinator, under which epoch.
fn placement(world: &World) -> String {
    let host = world.coordinator();
    let partition = host.log_partition();
    let list = |brokers: &mut dyn Iterator<Item = &BrokerId>| {
        brokers
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let leader = host.broker();
    let epoch = host.coordinator_epoch();
    let hosted = if world.cluster().is_alive(leader) {
        format!(
            "the transaction coordinator runs on its leader, broker {leader}, under coordinator epoch {epoch}"
        )
    } else {
        format!(
            "its last leader, broker {leader}, is down: no broker hosts the transaction coordinator until an in-sync replica is back"
        )
    };
    match partition.replicas() {
        [only] => format!("__transaction_state has one replica, on broker {only}; {hosted}."),
        replicas => format!(
            "__transaction_state has replicas on brokers {} (in sync: {}); {hosted}. If its leader crashes, another in-sync replica takes the coordinator over under a higher epoch.",
            list(&mut replicas.iter()),
            list(&mut partition.isr().iter())
        ),
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
            <TxnStateDiagram transactional_id={view.transactional_id.clone()}
                current={view.state} pending={view.pending} />
            <p class="txn-partitions">
                {if view.partitions.is_empty() { "No partition in the transaction.".to_owned() }
                 else { format!("In the transaction: {}", view.partitions.join(", ")) }}
            </p>
            {timeout(view)}
        </article>
    }
}

/// The transaction's clock: when it started, its timeout and what is left of it.
fn timeout(view: &TransactionView) -> Html {
    let id = super::dom_id("txn-timeout", &view.transactional_id);
    let Some(countdown) = view.countdown else {
        return html! {
            <p class="txn-timeout" {id}>
                {format!("No transaction open: transaction.timeout.ms ({} ms) starts counting when the first partition is added.", view.timeout_ms)}
            </p>
        };
    };
    let expired = countdown == Countdown::Expired;
    html! {
        <div class={classes!("txn-timeout", expired.then_some("is-expired"))} {id}>
            <dl class="txn-timeout-facts">
                <div><dt>{"Started at"}</dt><dd>{view.started_at_ms.map_or_else(|| "unknown".to_owned(), |ms| format!("{ms} ms"))}</dd></div>
                <div><dt><code>{"transaction.timeout.ms"}</code></dt><dd>{view.timeout_ms}</dd></div>
            </dl>
            <p class="txn-countdown" data-remaining-ms={match countdown {
                Countdown::Remaining(ms) => ms.to_string(),
                Countdown::Expired => "expired".to_owned(),
            }}>
                <span aria-hidden="true">{if expired { "⌛ " } else { "◷ " }}</span>{countdown.words()}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_runs_to_the_deadline_and_then_says_expired() {
        assert_eq!(Countdown::at(None, 5), None);
        assert_eq!(
            Countdown::at(Some(60_000), 100),
            Some(Countdown::Remaining(59_900))
        );
        assert_eq!(
            Countdown::at(Some(60_000), 60_000),
            Some(Countdown::Remaining(0))
        );
        assert_eq!(
            Countdown::at(Some(60_000), 60_001),
            Some(Countdown::Expired)
        );
        assert!(Countdown::Expired.words().contains("next time step"));
    }

    #[test]
    fn the_protocol_note_names_the_followed_kafka_release_and_the_marker_rule() {
        let v1 = protocol_note(TransactionVersion::V1);
        let v2 = protocol_note(TransactionVersion::V2);
        for note in [&v1, &v2] {
            assert!(
                note.ends_with(&format!(
                    "Apache Kafka {KAFKA_RELEASE} where releases differ."
                )),
                "{note}"
            );
        }
        assert!(v1.contains("not below"), "{v1}");
        assert!(
            v2.contains("does not raise") && v2.contains("KIP-1228"),
            "{v2}"
        );
    }
}
