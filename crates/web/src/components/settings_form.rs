//! "Edit settings" on a client card (and for the cluster): a form of the Kafka keys the core's
//! config has for that client. Kafka fixes a client's settings for its lifetime, so applying
//! starts the lab again from a starting world with the new settings
//! ([`LabAction::EditProducer`], [`LabAction::EditConsumer`], [`LabAction::EditCluster`]); the
//! core, not this form, decides whether they are valid.
//!
//! The form reads and writes the config through its own serialization, so every key and value
//! is spelled as in a scenario file and as Kafka spells it.

use super::{dom_id, settings_list};
use crate::state::LabAction;
use eos_core::config::{ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig};
use eos_core::{ClientId, World};
use serde_json::{Map, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// How a setting is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// One of these values, each as its JSON text and the words shown for it.
    Choice(&'static [(&'static str, &'static str)]),
    /// A whole number, at least 0.
    Number,
    /// Free text; empty means "not set" when `optional`.
    Text { optional: bool },
}

/// One editable setting: its Kafka key and how it is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub input: Input,
}

const BOOLEAN: &[(&str, &str)] = &[("true", "true"), ("false", "false")];

/// The producer settings the core's `ProducerConfig` has, in the order the card lists them.
pub const PRODUCER_FIELDS: &[Field] = &[
    Field {
        key: "enable.idempotence",
        input: Input::Choice(&[
            ("null", "unset (Kafka's default)"),
            ("true", "true"),
            ("false", "false"),
        ]),
    },
    Field {
        key: "acks",
        input: Input::Choice(&[("\"0\"", "0"), ("\"1\"", "1"), ("\"all\"", "all")]),
    },
    Field {
        key: "max.in.flight.requests.per.connection",
        input: Input::Number,
    },
    Field {
        key: "retries",
        input: Input::Number,
    },
    Field {
        key: "request.timeout.ms",
        input: Input::Number,
    },
    Field {
        key: "delivery.timeout.ms",
        input: Input::Number,
    },
    Field {
        key: "retry.backoff.ms",
        input: Input::Number,
    },
    Field {
        key: "batch.records",
        input: Input::Number,
    },
    Field {
        key: "transactional.id",
        input: Input::Text { optional: true },
    },
    Field {
        key: "transaction.timeout.ms",
        input: Input::Number,
    },
];

/// The consumer settings the core's `ConsumerConfig` has.
pub const CONSUMER_FIELDS: &[Field] = &[
    Field {
        key: "group.id",
        input: Input::Text { optional: false },
    },
    Field {
        key: "group.instance.id",
        input: Input::Text { optional: true },
    },
    Field {
        key: "isolation.level",
        input: Input::Choice(&[
            ("\"read_uncommitted\"", "read_uncommitted"),
            ("\"read_committed\"", "read_committed"),
        ]),
    },
    Field {
        key: "enable.auto.commit",
        input: Input::Choice(BOOLEAN),
    },
    Field {
        key: "auto.commit.interval.ms",
        input: Input::Number,
    },
    Field {
        key: "auto.offset.reset",
        input: Input::Choice(&[("\"earliest\"", "earliest"), ("\"latest\"", "latest")]),
    },
    Field {
        key: "max.poll.records",
        input: Input::Number,
    },
    Field {
        key: "fetch.min.bytes",
        input: Input::Number,
    },
    Field {
        key: "fetch.max.wait.ms",
        input: Input::Number,
    },
    Field {
        key: "processing",
        input: Input::Choice(&[
            ("\"commit_before_processing\"", "commit before processing"),
            ("\"commit_after_processing\"", "commit after processing"),
            ("\"transactional\"", "consume-transform-produce"),
        ]),
    },
];

/// The cluster's own settings (its brokers and topics are the scenario's to set).
pub const CLUSTER_FIELDS: &[Field] = &[
    Field {
        key: "transaction.version",
        input: Input::Choice(&[("0", "0"), ("1", "1"), ("2", "2 (KIP-890)")]),
    },
    Field {
        key: "transaction.partition.verification.enable",
        input: Input::Choice(BOOLEAN),
    },
    Field {
        key: "transaction.max.timeout.ms",
        input: Input::Number,
    },
    Field {
        key: "transactional.id.expiration.ms",
        input: Input::Number,
    },
    Field {
        key: "replica.lag.time.max.ms",
        input: Input::Number,
    },
    Field {
        key: "producer.id.expiration.ms",
        input: Input::Number,
    },
];

/// A topic's settings (its name stays).
pub const TOPIC_FIELDS: &[Field] = &[
    Field {
        key: "partitions",
        input: Input::Number,
    },
    Field {
        key: "replication.factor",
        input: Input::Number,
    },
    Field {
        key: "min.insync.replicas",
        input: Input::Number,
    },
    Field {
        key: "segment.records",
        input: Input::Number,
    },
];

/// Whose settings a form edits.
#[derive(Clone, Debug, PartialEq)]
pub enum EditedConfig {
    Producer(ProducerConfig),
    Consumer(ConsumerConfig),
    Cluster(ClusterConfig),
    Topic(TopicConfig),
}

impl EditedConfig {
    /// The name element ids are made from: the client's id, `cluster`, or `topic-` and the
    /// topic's name.
    fn owner(&self) -> String {
        match self {
            EditedConfig::Producer(config) => config.id.0.to_string(),
            EditedConfig::Consumer(config) => config.id.0.to_string(),
            EditedConfig::Cluster(_) => "cluster".to_owned(),
            EditedConfig::Topic(config) => format!("topic-{}", config.name),
        }
    }

    fn fields(&self) -> &'static [Field] {
        match self {
            EditedConfig::Producer(_) => PRODUCER_FIELDS,
            EditedConfig::Consumer(_) => CONSUMER_FIELDS,
            EditedConfig::Cluster(_) => CLUSTER_FIELDS,
            EditedConfig::Topic(_) => TOPIC_FIELDS,
        }
    }

    fn as_map(&self) -> Map<String, Value> {
        let value = match self {
            EditedConfig::Producer(config) => serde_json::to_value(config),
            EditedConfig::Consumer(config) => serde_json::to_value(config),
            EditedConfig::Cluster(config) => serde_json::to_value(config),
            EditedConfig::Topic(config) => serde_json::to_value(config),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

/// What the form's fields hold, key by key, as typed: the JSON text of a choice, the digits of
/// a number, the text of a text field.
pub fn draft_of(config: &EditedConfig) -> Vec<(&'static str, String)> {
    let map = config.as_map();
    config
        .fields()
        .iter()
        .map(|field| {
            let value = map.get(field.key).unwrap_or(&Value::Null);
            let text = match (field.input, value) {
                (Input::Choice(_), value) => value.to_string(),
                (_, Value::String(text)) => text.clone(),
                (_, Value::Null) => String::new(),
                (_, value) => value.to_string(),
            };
            (field.key, text)
        })
        .collect()
}

/// The lab action that applies `draft` to `config`, or why the draft is not a config (a number
/// field that is not a whole number, an empty required field). Whether Kafka accepts the
/// settings is the core's to say.
pub fn apply(config: &EditedConfig, draft: &[(&'static str, String)]) -> Result<LabAction, String> {
    let mut map = config.as_map();
    for field in config.fields() {
        let text = draft
            .iter()
            .find(|(key, _)| *key == field.key)
            .map_or("", |(_, text)| text.trim());
        let value = match field.input {
            Input::Choice(_) => serde_json::from_str(text)
                .map_err(|_| format!("{} has no value chosen", field.key))?,
            Input::Number => text
                .parse::<u64>()
                .map(Value::from)
                .map_err(|_| format!("{} must be a whole number, 0 or more", field.key))?,
            Input::Text { optional: true } if text.is_empty() => Value::Null,
            Input::Text { optional: false } if text.is_empty() => {
                return Err(format!("{} must not be empty", field.key));
            }
            Input::Text { .. } => Value::String(text.to_owned()),
        };
        map.insert(field.key.to_owned(), value);
    }
    let map = Value::Object(map);
    let action = match config {
        EditedConfig::Producer(_) => serde_json::from_value(map).map(LabAction::EditProducer),
        EditedConfig::Consumer(_) => serde_json::from_value(map).map(LabAction::EditConsumer),
        EditedConfig::Cluster(_) => serde_json::from_value(map).map(LabAction::EditCluster),
        EditedConfig::Topic(_) => serde_json::from_value(map).map(LabAction::EditTopic),
    };
    // Only a value out of a field's type's range is left to fail here, e.g. a number too
    // large for a 32-bit setting.
    action.map_err(|error| error.to_string())
}

/// Whether `client` is one of a Kafka Streams application's threads or producers: those take
/// their settings from the application (`processing.guarantee`), not from a form of their own.
pub fn is_streams_client(world: &World, client: &ClientId) -> bool {
    world.streams_apps().iter().any(|app| {
        app.threads.contains(client)
            || app.thread_producers.values().any(|p| p == client)
            || app.task_producers.values().any(|p| p == client)
    })
}

/// A field's element id, e.g. `edit-acks-p1`.
pub fn field_id(key: &str, owner: &str) -> String {
    dom_id(&format!("edit-{}", key.replace('.', "-")), owner)
}

#[derive(Debug, Properties, PartialEq)]
pub struct SettingsFormProps {
    pub config: EditedConfig,
    pub dispatch: Callback<LabAction>,
    /// The disclosure's words, when a panel holds more than one form.
    #[prop_or(AttrValue::Static("Edit settings"))]
    pub summary: AttrValue,
}

/// The disclosure with the form. Its fields follow the client's settings whenever the lab's
/// starting world changes (an edit, another scenario, a switch of branch).
#[component]
pub fn SettingsForm(props: &SettingsFormProps) -> Html {
    let draft = use_state(|| draft_of(&props.config));
    let problem = use_state(|| None::<String>);
    {
        let (draft, problem) = (draft.clone(), problem.clone());
        use_effect_with(props.config.clone(), move |config| {
            draft.set(draft_of(config));
            problem.set(None);
        });
    }
    let owner = props.config.owner();
    let owner = owner.as_str();
    let on_apply = {
        let (draft, problem) = (draft.clone(), problem.clone());
        let config = props.config.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match apply(&config, &draft) {
                Ok(action) => {
                    problem.set(None);
                    dispatch.emit(action);
                }
                Err(why) => problem.set(Some(why)),
            }
        })
    };
    let set = |key: &'static str| {
        let draft = draft.clone();
        move |text: String| {
            let mut next = (*draft).clone();
            if let Some(slot) = next.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = text;
            }
            draft.set(next);
        }
    };
    let fields = props.config.fields().iter().map(|field| {
        let id = field_id(field.key, owner);
        let value = draft
            .iter()
            .find(|(key, _)| *key == field.key)
            .map(|(_, text)| text.clone())
            .unwrap_or_default();
        let set = set(field.key);
        let input = match field.input {
            Input::Choice(options) => {
                let onchange = Callback::from(move |e: Event| {
                    set(e.target_unchecked_into::<HtmlSelectElement>().value())
                });
                html! {
                    <select id={id.clone()} {onchange}>
                        { for options.iter().map(|(json, words)| html! {
                            <option value={*json} selected={value == *json}>{*words}</option>
                        }) }
                    </select>
                }
            }
            Input::Number | Input::Text { .. } => {
                let oninput = Callback::from(move |e: InputEvent| {
                    set(e.target_unchecked_into::<HtmlInputElement>().value())
                });
                let number = matches!(field.input, Input::Number);
                html! {
                    <input id={id.clone()} type="text" {value} {oninput}
                        inputmode={number.then_some("numeric")}
                        placeholder={matches!(field.input, Input::Text { optional: true }).then_some("not set")} />
                }
            }
        };
        html! {
            <label for={id} class="settings-field">
                <code>{field.key}</code>
                {input}
            </label>
        }
    });
    let problem_id = dom_id("settings-problem", owner);
    html! {
        <details class="settings-editor" id={dom_id("edit-settings", owner)}>
            <summary>{props.summary.clone()}</summary>
            <form class="settings-form" onsubmit={on_apply}
                aria-describedby={problem.is_some().then(|| problem_id.clone())}>
                <p class="settings-hint">
                    {"Kafka fixes these settings while a client or broker runs, so the lab \
                      starts again with them and replays the steps so far; the run before is \
                      kept as a branch to compare."}
                </p>
                { for fields }
                {problem.as_ref().map(|why| html! {
                    <p class="settings-problem" id={problem_id.clone()} role="alert">{why}</p>
                })}
                <button type="submit" class="button button-primary"
                    id={dom_id("apply-settings", owner)}>{"Apply and replay"}</button>
            </form>
        </details>
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct ClusterSettingsProps {
    /// The cluster's settings and its topics'.
    pub config: ClusterConfig,
    pub dispatch: Callback<LabAction>,
}

/// The cluster's and its topics' settings as they stand, and the forms to change them.
#[component]
pub fn ClusterSettings(props: &ClusterSettingsProps) -> Html {
    let edited = EditedConfig::Cluster(props.config.clone());
    let current: Vec<(&'static str, String)> = draft_of(&edited)
        .into_iter()
        .map(|(key, text)| (key, text.trim_matches('"').to_owned()))
        .collect();
    html! {
        <section class="panel cluster-settings" aria-labelledby="cluster-settings-heading">
            <h2 id="cluster-settings-heading">{"Cluster settings"}</h2>
            {settings_list(&current)}
            <SettingsForm config={edited} dispatch={props.dispatch.clone()} />
            { for props.config.topics.iter().map(|topic| {
                let edited = EditedConfig::Topic(topic.clone());
                html! {
                    <>
                        <h3 class="topic-settings-heading">{"Topic "}<code>{&topic.name}</code></h3>
                        {settings_list(&draft_of(&edited))}
                        <SettingsForm config={edited} dispatch={props.dispatch.clone()}
                            summary={format!("Edit topic {}", topic.name)} />
                    </>
                }
            }) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::config::{Acks, IsolationLevel};

    fn set(draft: &mut [(&'static str, String)], key: &str, text: &str) {
        let slot = draft.iter_mut().find(|(k, _)| *k == key).expect("a field");
        slot.1 = text.to_owned();
    }

    #[test]
    fn every_field_is_a_key_of_the_cores_config() {
        for config in [
            EditedConfig::Producer(ProducerConfig::named("p1")),
            EditedConfig::Consumer(ConsumerConfig::named("c1", "payments")),
            EditedConfig::Cluster(ClusterConfig::default()),
            EditedConfig::Topic(TopicConfig::named("payments", 2)),
        ] {
            let map = config.as_map();
            for field in config.fields() {
                assert!(map.contains_key(field.key), "{}", field.key);
                if let Input::Choice(options) = field.input {
                    let current = map[field.key].to_string();
                    assert!(
                        options.iter().any(|(json, _)| *json == current),
                        "{} = {current} is one of the choices",
                        field.key
                    );
                }
            }
        }
    }

    #[test]
    fn only_a_streams_applications_own_clients_are_streams_clients() {
        let text = include_str!("../../../../assets/scenarios/27-streams-exactly-once-v2.json");
        let scenario = eos_core::run::scenario::Scenario::parse(text).expect("it parses");
        let world = World::new(&scenario.world_config(), scenario.seed).expect("it builds");
        let app = &world.streams_apps()[0];
        assert!(is_streams_client(&world, &app.threads[0]));
        let producer = app
            .thread_producers
            .values()
            .next()
            .expect("a thread producer");
        assert!(is_streams_client(&world, producer));
        assert!(!is_streams_client(&world, &ClientId::new("p1")));
    }

    #[test]
    fn an_unchanged_draft_gives_the_same_config() {
        let config = ProducerConfig {
            transactional_id: Some("payment-writer".to_owned()),
            ..ProducerConfig::named("tx1")
        };
        let client = EditedConfig::Producer(config.clone());
        assert_eq!(
            apply(&client, &draft_of(&client)),
            Ok(LabAction::EditProducer(config))
        );
    }

    #[test]
    fn a_draft_with_kafka_values_becomes_the_config() {
        let client = EditedConfig::Producer(ProducerConfig::named("p1"));
        let mut draft = draft_of(&client);
        set(&mut draft, "acks", "\"1\"");
        set(&mut draft, "enable.idempotence", "false");
        set(&mut draft, "max.in.flight.requests.per.connection", " 3 ");
        let Ok(LabAction::EditProducer(edited)) = apply(&client, &draft) else {
            panic!("a producer edit");
        };
        assert_eq!(edited.acks, Acks::Leader);
        assert_eq!(edited.enable_idempotence, Some(false));
        assert_eq!(edited.max_in_flight, 3);
        assert_eq!(edited.transactional_id, None);

        let client = EditedConfig::Consumer(ConsumerConfig::named("c1", "payments"));
        let mut draft = draft_of(&client);
        set(&mut draft, "isolation.level", "\"read_committed\"");
        let Ok(LabAction::EditConsumer(edited)) = apply(&client, &draft) else {
            panic!("a consumer edit");
        };
        assert_eq!(edited.isolation_level, IsolationLevel::ReadCommitted);
        assert_eq!(edited.topics, vec!["payments".to_owned()], "kept");
    }

    #[test]
    fn a_draft_that_is_not_a_config_is_said_by_key() {
        let client = EditedConfig::Producer(ProducerConfig::named("p1"));
        let mut draft = draft_of(&client);
        set(&mut draft, "retries", "many");
        assert_eq!(
            apply(&client, &draft),
            Err("retries must be a whole number, 0 or more".to_owned())
        );
        set(&mut draft, "retries", "99999999999");
        assert!(apply(&client, &draft).is_err(), "too large for retries");
        let client = EditedConfig::Consumer(ConsumerConfig::named("c1", "payments"));
        let mut draft = draft_of(&client);
        set(&mut draft, "group.id", " ");
        assert_eq!(
            apply(&client, &draft),
            Err("group.id must not be empty".to_owned())
        );
    }
}
