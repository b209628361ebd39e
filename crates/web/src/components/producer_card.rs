//! A producer as a card: its Kafka settings, its producer id and epoch, sequence numbers, what
//! it has in flight and its transaction state, with a button for every client call.

use super::settings_form::{EditedConfig, SettingsForm, is_streams_client};
use super::{WorldRef, act, client_card_title, dom_id, settings_list};
use crate::state::LabAction;
use eos_core::broker::batch::ProducerStamp;
use eos_core::clients::producer::Producer;
use eos_core::{Action, ClientId, World};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What the card shows of one producer, read from the world at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerView {
    pub id: ClientId,
    pub alive: bool,
    pub incarnation: u32,
    /// Kafka config key and value, in the order a learner meets them.
    pub settings: Vec<(&'static str, String)>,
    /// `None` until the producer has an id.
    pub producer_id: Option<(i64, i16)>,
    pub next_sequences: Vec<(String, i32)>,
    /// One line per produce request awaiting its answer.
    pub in_flight: Vec<String>,
    pub queued: usize,
    /// The client's transaction state and the partitions in the open transaction.
    pub transaction: Option<(String, Vec<String>)>,
    pub acknowledged: usize,
    pub failed: usize,
}

impl ProducerView {
    pub fn of(producer: &Producer) -> Self {
        let config = &producer.config;
        let idempotence = match config.enable_idempotence {
            Some(set) => set.to_string(),
            None => format!("{} (unset: Kafka's default)", producer.idempotent),
        };
        let mut settings = vec![
            ("enable.idempotence", idempotence),
            ("acks", config.acks.to_string()),
            (
                "max.in.flight.requests.per.connection",
                config.max_in_flight.to_string(),
            ),
            (
                "transactional.id",
                config
                    .transactional_id
                    .clone()
                    .unwrap_or_else(|| "not set".to_owned()),
            ),
        ];
        if config.transactional_id.is_some() {
            settings.push((
                "transaction.timeout.ms",
                config.transaction_timeout_ms.to_string(),
            ));
        }
        let acknowledged = producer
            .outcomes
            .values()
            .filter(|o| {
                matches!(
                    o,
                    eos_core::clients::producer::SendOutcome::Acknowledged { .. }
                )
            })
            .count();
        let failed = producer
            .outcomes
            .values()
            .filter(|o| matches!(o, eos_core::clients::producer::SendOutcome::Failed { .. }))
            .count();
        Self {
            id: producer.id().clone(),
            alive: producer.alive,
            incarnation: producer.incarnation,
            settings,
            producer_id: (!producer.producer_id.is_none())
                .then_some((producer.producer_id.0, producer.producer_epoch.0)),
            next_sequences: producer
                .next_sequences()
                .iter()
                .map(|(tp, seq)| (tp.to_string(), seq.0))
                .collect(),
            in_flight: producer
                .in_flight()
                .iter()
                .map(|f| {
                    format!(
                        "request {} to broker {}: {}, {}, attempt {}",
                        f.correlation_id,
                        f.broker,
                        f.batch.topic_partition,
                        sequence_words(f.batch.stamp),
                        f.batch.attempts
                    )
                })
                .collect(),
            queued: producer.queued().count(),
            transaction: producer.txn.as_ref().map(|t| {
                (
                    t.state.name().to_owned(),
                    t.partitions_in_txn
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                )
            }),
            acknowledged,
            failed,
        }
    }
}

/// The sequence an in-flight batch carries, in words. A producer without idempotence stamps
/// no producer id and Kafka's `NO_SEQUENCE` (-1), which means "none", not a number to show.
pub fn sequence_words(stamp: Option<ProducerStamp>) -> String {
    match stamp {
        Some(stamp) if !stamp.producer_id.is_none() => format!("sequence {}", stamp.base_sequence),
        Some(_) => "no sequence: idempotence is off".to_owned(),
        None => "no sequence yet".to_owned(),
    }
}

/// A record the send form proposes when its fields are left empty; varied so records are easy
/// to tell apart, and fixed so runs and screenshots repeat.
pub fn suggested_record(sends_so_far: usize) -> (String, String) {
    const PEOPLE: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
    const AMOUNTS: [u32; 7] = [10, 5, 7, 25, 12, 40, 3];
    let n = sends_so_far;
    let from = PEOPLE[n % PEOPLE.len()];
    // The receiver is 1 to 3 places after the payer, so nobody pays themselves.
    let to = PEOPLE[(n + 1 + n % 3) % PEOPLE.len()];
    let amount = AMOUNTS[n % AMOUNTS.len()];
    (format!("pay-{}", n + 1), format!("{from}→{to} {amount}"))
}

#[derive(Debug, Properties, PartialEq)]
pub struct ProducerCardProps {
    pub world: WorldRef,
    pub id: ClientId,
    pub dispatch: Callback<LabAction>,
}

/// One producer: settings, identity, sequences, in-flight requests, and its calls as buttons.
#[component]
pub fn ProducerCard(props: &ProducerCardProps) -> Html {
    let Some(producer) = props.world.producer(&props.id) else {
        return Html::default();
    };
    let view = ProducerView::of(producer);
    let id = &view.id;
    let heading = dom_id("producer-heading", &id.0);
    let call = |name: &str, label: &str, action: Action| {
        html! {
            <button type="button" class="button" id={dom_id(name, &id.0)}
                onclick={act::<MouseEvent>(&props.dispatch, action)}>{label}</button>
        }
    };
    let producer_action = |make: fn(ClientId) -> Action| make(id.clone());
    let transactional = view.transaction.as_ref().map(|(state, partitions)| {
        html! {
            <>
                <p class="txn-state">
                    {"Transaction state "}<code class="state-name">{state}</code>
                    {if partitions.is_empty() { String::new() }
                     else { format!(" · partitions in it: {}", partitions.join(", ")) }}
                </p>
                <div class="button-row" role="group" aria-label={format!("{id} transaction calls")}>
                    {call("init", "initTransactions", producer_action(|producer| Action::InitTransactions { producer }))}
                    {call("begin", "beginTransaction", producer_action(|producer| Action::BeginTransaction { producer }))}
                    {call("commit", "commitTransaction", producer_action(|producer| Action::CommitTransaction { producer }))}
                    {call("abort", "abortTransaction", producer_action(|producer| Action::AbortTransaction { producer }))}
                </div>
                <div class="button-row" role="group" aria-label={format!("{id} sendOffsetsToTransaction")}>
                    { for props.world.consumers().map(|consumer| {
                        let consumer = consumer.id().clone();
                        html! {
                            <button type="button" class="button"
                                id={dom_id("send-offsets", &format!("{id}-{consumer}"))}
                                onclick={act::<MouseEvent>(&props.dispatch, Action::SendOffsetsToTransaction {
                                    producer: id.clone(), consumer: consumer.clone() })}>
                                {format!("sendOffsetsToTransaction({consumer})")}
                            </button>
                        }
                    }) }
                </div>
            </>
        }
    });
    html! {
        <article class={classes!("card", "producer-card", (!view.alive).then_some("is-down"))}
            id={dom_id("producer", &id.0)} aria-labelledby={heading.clone()}>
            {client_card_title(&heading, "Producer", id, view.alive, view.incarnation)}
            {settings_list(&view.settings)}
            if is_streams_client(&props.world, id) {
                <p class="settings-hint">{"Its settings follow its Kafka Streams application."}</p>
            } else {
                <SettingsForm config={EditedConfig::Producer(producer.config.clone())}
                    dispatch={props.dispatch.clone()} />
            }
            <p class="identity">
                {match view.producer_id {
                    Some((pid, epoch)) => html! {
                        <>{"PID "}<strong class="pid">{pid}</strong>{" · epoch "}<strong class="epoch">{epoch}</strong></>
                    },
                    None => html! { {"No producer id yet"} },
                }}
                {format!(" · {} acknowledged, {} failed", view.acknowledged, view.failed)}
            </p>
            {(!view.next_sequences.is_empty()).then(|| html! {
                <p class="sequences">{"Next sequence: "}
                    { for view.next_sequences.iter().map(|(tp, seq)| html! {
                        <span class="chip">{format!("{tp} → {seq}")}</span>
                    }) }
                </p>
            })}
            <div class="in-flight">
                <p>{format!("In flight: {} · waiting in the accumulator: {}", view.in_flight.len(), view.queued)}</p>
                {(!view.in_flight.is_empty()).then(|| html! {
                    <ul class="plain-list">{ for view.in_flight.iter().map(|line| html! { <li>{line}</li> }) }</ul>
                })}
            </div>
            {transactional}
            <SendForm world={props.world.clone()} producer={id.clone()} dispatch={props.dispatch.clone()} />
            <div class="button-row" role="group" aria-label={format!("{id} process")}>
                {call("flush", "flush", producer_action(|producer| Action::Flush { producer }))}
                {call("crash", "Crash", producer_action(|producer| Action::CrashProducer { producer }))}
                {call("restart", "Restart", producer_action(|producer| Action::RestartProducer { producer }))}
            </div>
        </article>
    }
}

#[derive(Debug, Properties, PartialEq)]
struct SendFormProps {
    world: WorldRef,
    producer: ClientId,
    dispatch: Callback<LabAction>,
}

/// `producer.send(record)`: topic, partition (or the default partitioner), key and value.
#[component]
fn SendForm(props: &SendFormProps) -> Html {
    let world: &World = &props.world;
    let topics: Vec<String> = {
        let mut names: Vec<String> = world
            .cluster()
            .partitions()
            .map(|p| p.topic_partition.topic.to_string())
            .collect();
        names.dedup();
        names
    };
    let topic = use_state(|| topics.first().cloned().unwrap_or_default());
    // "" means no partition: the default partitioner picks one from the key.
    let partition = use_state(|| "0".to_owned());
    let key = use_state(String::new);
    let value = use_state(String::new);
    let (suggested_key, suggested_value) = suggested_record(world.sends().len());
    let partitions = world.cluster().partitions_of(&topic);
    let id = &props.producer.0;

    let on_topic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| {
            topic.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let on_partition = {
        let partition = partition.clone();
        Callback::from(move |e: Event| {
            partition.set(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let text_input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_send = {
        let dispatch = props.dispatch.clone();
        let producer = props.producer.clone();
        let (topic, partition, key, value) = (
            (*topic).clone(),
            (*partition).clone(),
            (*key).clone(),
            (*value).clone(),
        );
        let (suggested_key, suggested_value) = (suggested_key.clone(), suggested_value.clone());
        Callback::from(move |_: MouseEvent| {
            let key = if key.is_empty() {
                suggested_key.clone()
            } else {
                key.clone()
            };
            let value = if value.is_empty() {
                suggested_value.clone()
            } else {
                value.clone()
            };
            dispatch.emit(LabAction::Act(Action::Send {
                producer: producer.clone(),
                topic: topic.clone(),
                partition: partition.parse().ok(),
                key: Some(key),
                value,
            }));
        })
    };
    html! {
        <fieldset class="send-form">
            <legend>{"send(record)"}</legend>
            <label>{"Topic"}
                <select id={dom_id("send-topic", id)} onchange={on_topic}>
                    { for topics.iter().map(|t| html! {
                        <option value={t.clone()} selected={*t == *topic}>{t}</option>
                    }) }
                </select>
            </label>
            <label>{"Partition"}
                <select id={dom_id("send-partition", id)} onchange={on_partition}>
                    <option value="" selected={partition.is_empty()}>{"by key"}</option>
                    { for partitions.iter().map(|tp| {
                        let p = tp.partition.to_string();
                        html! { <option value={p.clone()} selected={*partition == p}>{p.clone()}</option> }
                    }) }
                </select>
            </label>
            <label>{"Key"}
                <input id={dom_id("send-key", id)} type="text" value={(*key).clone()}
                    placeholder={suggested_key} oninput={text_input(&key)} />
            </label>
            <label>{"Value"}
                <input id={dom_id("send-value", id)} type="text" value={(*value).clone()}
                    placeholder={suggested_value} oninput={text_input(&value)} />
            </label>
            <button type="button" class="button button-primary" id={dom_id("send", id)}
                onclick={on_send}>{"Send"}</button>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::WorldConfig;
    use eos_core::config::ProducerConfig;

    /// The in-flight line of one send from `p1`, configured by `configure`: the messages in
    /// flight are delivered one by one (an idempotent producer first gets its producer id)
    /// until the batch is in flight.
    fn in_flight_after_one_send(configure: impl FnOnce(&mut ProducerConfig)) -> String {
        let mut config = WorldConfig::default();
        configure(&mut config.producers[0]);
        let mut world = World::new(&config, 0).expect("a valid world");
        let p1 = ClientId::new("p1");
        for action in [
            Action::Send {
                producer: p1.clone(),
                topic: "payments".to_owned(),
                partition: Some(0),
                key: None,
                value: "10".to_owned(),
            },
            Action::Flush {
                producer: p1.clone(),
            },
        ] {
            world.step(&action).expect("accepted");
        }
        for _ in 0..4 {
            if !world.producer(&p1).expect("p1").in_flight().is_empty() {
                break;
            }
            world
                .step(&Action::Deliver { message: None })
                .expect("a message to deliver");
        }
        let producer = world.producer(&p1).expect("p1");
        let view = ProducerView::of(producer);
        assert_eq!(view.in_flight.len(), 1, "{view:?}");
        view.in_flight[0].clone()
    }

    #[test]
    fn a_send_without_idempotence_says_it_has_no_sequence_instead_of_minus_one() {
        let line = in_flight_after_one_send(|p| p.enable_idempotence = Some(false));
        assert!(line.contains("no sequence: idempotence is off"), "{line}");
        assert!(!line.contains("-1"), "{line}");
    }

    #[test]
    fn an_idempotent_send_shows_its_sequence() {
        let line = in_flight_after_one_send(|_| {});
        assert!(line.contains("sequence 0"), "{line}");
    }
}
