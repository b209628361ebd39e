//! A consumer as a card: its group and Kafka settings, where it reads from and what its group
//! has committed per partition, what it has received and processed, and its calls as buttons.

use super::settings_form::{EditedConfig, SettingsForm, is_streams_client};
use super::{WorldRef, act, client_card_title, dom_id, settings_list};
use crate::state::LabAction;
use eos_core::broker::record_size::RECORD_BATCH_OVERHEAD;
use eos_core::clients::consumer::Consumer;
use eos_core::config::{IsolationLevel, ProcessingMode};
use eos_core::{Action, ClientId, World};
use yew::prelude::*;

/// The newest received records the card lists.
const RECENT_SHOWN: usize = 5;

/// What the card shows of one consumer, read from the world at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerView {
    pub id: ClientId,
    pub alive: bool,
    pub incarnation: u32,
    pub settings: Vec<(&'static str, String)>,
    /// Partition, position and the group's committed offset.
    pub partitions: Vec<(String, Option<i64>, Option<i64>)>,
    /// Its place in the group, as `groupMetadata()` would tell it.
    pub membership: String,
    pub received: usize,
    pub polled_unprocessed: usize,
    pub processed: usize,
    /// Offset, partition, key and value of the newest received records, newest last.
    pub recent: Vec<String>,
    /// Its fetch held at the broker for `fetch.min.bytes`, in words, if it waits.
    pub waiting: Option<String>,
}

impl ConsumerView {
    pub fn of(consumer: &Consumer, world: &World) -> Self {
        let config = &consumer.config;
        let group = world.groups().get(&config.group_id);
        // Shown only when they can make a poll wait.
        let fetch_settings = config.fetch_may_wait().then(|| {
            [
                ("fetch.min.bytes", config.fetch_min_bytes.to_string()),
                ("fetch.max.wait.ms", config.fetch_max_wait_ms.to_string()),
            ]
        });
        let mut view = Self {
            id: consumer.id().clone(),
            alive: consumer.alive,
            incarnation: consumer.incarnation,
            settings: vec![
                ("group.id", config.group_id.clone()),
                (
                    "isolation.level",
                    match config.isolation_level {
                        IsolationLevel::ReadCommitted => "read_committed",
                        IsolationLevel::ReadUncommitted => "read_uncommitted",
                    }
                    .to_owned(),
                ),
                ("enable.auto.commit", config.enable_auto_commit.to_string()),
                (
                    "processing",
                    match config.processing {
                        ProcessingMode::CommitBeforeProcessing => "commit before processing",
                        ProcessingMode::CommitAfterProcessing => "commit after processing",
                        ProcessingMode::Transactional => "consume-transform-produce",
                    }
                    .to_owned(),
                ),
            ],
            partitions: consumer
                .assignment
                .iter()
                .map(|tp| {
                    (
                        tp.to_string(),
                        consumer.positions.get(tp).map(|o| o.0),
                        group.and_then(|g| g.committed.get(tp)).map(|o| o.0),
                    )
                })
                .collect(),
            membership: match world.group_metadata_of(consumer) {
                _ if !config.is_subscribed() => "assigned by hand, outside the group".to_owned(),
                (-1, _) => "not a member of its group now".to_owned(),
                (generation, member) => format!("member {member}, generation {generation}"),
            },
            received: consumer.received.len(),
            polled_unprocessed: consumer.buffer.len(),
            processed: consumer.processed.len(),
            recent: consumer
                .received
                .iter()
                .rev()
                .take(RECENT_SHOWN)
                .rev()
                .map(|r| {
                    let key = r.key.as_deref().unwrap_or("no key");
                    format!("{} @ {}: {key} = {}", r.topic_partition, r.offset, r.value)
                })
                .collect(),
            waiting: consumer.waiting_fetch.as_ref().map(|w| {
                format!(
                    "Its poll waits: the broker holds its fetch until {} bytes are readable, or until {} ms at the latest (fetch.max.wait.ms), then answers with what it has. The lab counts bytes as Kafka's record format does: {RECORD_BATCH_OVERHEAD} per batch, and per record its key, its value and a few bytes of lengths.",
                    w.min_bytes, w.until_ms
                )
            }),
        };
        view.settings.extend(fetch_settings.into_iter().flatten());
        view
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct ConsumerCardProps {
    pub world: WorldRef,
    pub id: ClientId,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn ConsumerCard(props: &ConsumerCardProps) -> Html {
    let Some(consumer) = props.world.consumer(&props.id) else {
        return Html::default();
    };
    let view = ConsumerView::of(consumer, &props.world);
    let id = &view.id;
    let heading = dom_id("consumer-heading", &id.0);
    let call = |name: &str, label: &str, make: fn(ClientId) -> Action| {
        html! {
            <button type="button" class="button" id={dom_id(name, &id.0)}
                onclick={act::<MouseEvent>(&props.dispatch, make(id.clone()))}>{label}</button>
        }
    };
    let optional = |o: Option<i64>| o.map_or_else(|| "none".to_owned(), |o| o.to_string());
    html! {
        <article class={classes!("card", "consumer-card", (!view.alive).then_some("is-down"))}
            id={dom_id("consumer", &id.0)} aria-labelledby={heading.clone()}>
            {client_card_title(&heading, "Consumer", id, view.alive, view.incarnation)}
            {settings_list(&view.settings)}
            if is_streams_client(&props.world, id) {
                <p class="settings-hint">{"Its settings follow its Kafka Streams application."}</p>
            } else {
                <SettingsForm config={EditedConfig::Consumer(consumer.config.clone())}
                    dispatch={props.dispatch.clone()} />
            }
            <table class="positions">
                <caption class="visually-hidden">{format!("{id}'s offsets per partition")}</caption>
                <thead><tr><th scope="col">{"Partition"}</th><th scope="col">{"Position"}</th>
                    <th scope="col">{"Committed"}</th></tr></thead>
                <tbody>
                    { for view.partitions.iter().map(|(tp, position, committed)| html! {
                        <tr><th scope="row">{tp}</th><td>{optional(*position)}</td><td>{optional(*committed)}</td></tr>
                    }) }
                </tbody>
            </table>
            <p class="membership" id={dom_id("consumer-membership", &id.0)}>{&view.membership}</p>
            {view.waiting.as_ref().map(|words| html! {
                <p class="waiting-fetch" id={dom_id("consumer-waiting", &id.0)}>{words}</p>
            })}
            <p class="counts" id={dom_id("consumer-counts", &id.0)}>
                {format!("Received {} · polled, not processed {} · processed {}",
                    view.received, view.polled_unprocessed, view.processed)}
            </p>
            {(!view.recent.is_empty()).then(|| html! {
                <ul class="plain-list recent" aria-label={format!("{id}'s newest records")}>
                    { for view.recent.iter().map(|line| html! { <li><code>{line}</code></li> }) }
                </ul>
            })}
            <div class="button-row" role="group" aria-label={format!("{id} calls")}>
                {call("poll", "poll", |consumer| Action::Poll { consumer })}
                {call("process", "process", |consumer| Action::Process { consumer })}
                {call("commit", "commitSync", |consumer| Action::Commit { consumer })}
                {call("crash", "Crash", |consumer| Action::CrashConsumer { consumer })}
                {call("restart", "Restart", |consumer| Action::RestartConsumer { consumer })}
            </div>
        </article>
    }
}
