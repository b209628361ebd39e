//! The external database the consumers write side effects into: where exactly-once stops,
//! because Kafka's transactions cannot reach it. Each business id with how often its effect was
//! applied (twice is a double charge), the dedup table of an idempotent consumer, and the outbox.

use eos_core::World;
use eos_core::clients::store::EffectRow;
use std::rc::Rc;
use std::sync::Arc;
use yew::prelude::*;

#[derive(Debug, Properties)]
pub struct DatabasePanelProps {
    /// The world at the timeline's cursor.
    pub world: Rc<World>,
}

// The world is not `PartialEq`; every step makes a new `Rc`, so identity is the right test.
impl PartialEq for DatabasePanelProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world)
    }
}

/// "applied once", "applied twice", "applied 3 times".
pub fn times_words(times: u32) -> String {
    match times {
        0 => "never applied".to_owned(),
        1 => "applied once".to_owned(),
        2 => "applied twice".to_owned(),
        n => format!("applied {n} times"),
    }
}

/// Where each application of an effect came from: "c1 read payments-0@0".
fn sources(row: &EffectRow) -> String {
    row.applied_from
        .iter()
        .map(|(consumer, tp, offset)| format!("{consumer} read {tp}@{offset}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[component]
pub fn DatabasePanel(props: &DatabasePanelProps) -> Html {
    let store = props.world.store();
    let effects = store.effects();
    let repeated: Vec<&str> = store.duplicated().map(|(id, _)| id).collect();
    let summary = match repeated.as_slice() {
        [] if effects.is_empty() => "No effect applied yet.".to_owned(),
        [] => "Every effect was applied once.".to_owned(),
        ids => format!(
            "Applied more than once: {}. Kafka's exactly-once cannot undo a write to an outside database.",
            ids.join(", ")
        ),
    };
    let effect_rows = effects.iter().map(|(id, row)| {
        let twice = row.times_applied > 1;
        html! {
            <tr class={classes!("effect", twice.then_some("is-repeated"))} key={&**id}
                data-business-id={id.to_string()}>
                <th scope="row"><code>{&**id}</code></th>
                <td data-label="Value">{&row.value}</td>
                <td class="effect-times" data-label="Times">
                    {twice.then(|| html! { <span class="effect-warning" aria-hidden="true">{"⚠ "}</span> })}
                    {times_words(row.times_applied)}
                </td>
                <td class="effect-sources" data-label="From">{sources(row)}</td>
            </tr>
        }
    });
    html! {
        <section class="panel inspector database-panel" aria-labelledby="database-heading">
            <h2 id="database-heading">{"External database"}</h2>
            <p class={classes!("database-summary", (!repeated.is_empty()).then_some("is-repeated"))}
                id="database-summary">{summary}</p>
            <h3 class="subhead" id="effects-heading">{"Effects"}</h3>
            if effects.is_empty() {
                <p class="empty">{"No consumer has processed a record into the database yet."}</p>
            } else {
                <div class="inspector-table-box" tabindex="0" role="region" aria-labelledby="effects-heading">
                    <table class="inspector-table stacks-on-phone" id="database-effects">
                        <thead>
                            <tr>
                                <th scope="col">{"Business id"}</th>
                                <th scope="col">{"Value"}</th>
                                <th scope="col">{"Times"}</th>
                                <th scope="col">{"From"}</th>
                            </tr>
                        </thead>
                        <tbody>{ for effect_rows }</tbody>
                    </table>
                </div>
            }
            <h3 class="subhead" id="dedup-heading">{"Dedup table"}</h3>
            {dedup_table(props.world.store().idempotent, store.dedup_table().iter())}
            if let Some(topic) = &store.outbox_topic {
                <h3 class="subhead" id="outbox-heading">{"Outbox"}</h3>
                {outbox(topic, store.outbox())}
            }
        </section>
    }
}

fn dedup_table<'a>(idempotent: bool, ids: impl ExactSizeIterator<Item = &'a Arc<str>>) -> Html {
    if !idempotent {
        return html! {
            <p class="empty" id="database-dedup">
                {"None: this database applies every effect it is given, so a record processed twice is applied twice."}
            </p>
        };
    }
    if ids.len() == 0 {
        return html! {
            <p class="empty" id="database-dedup">
                {"Empty. The idempotent consumer records each business id here in the same local transaction as its effect, and skips an id it has seen."}
            </p>
        };
    }
    html! {
        <div id="database-dedup">
            <p class="inspector-note">
                {"Business ids already applied; a repeat is skipped, in the same local transaction as the effect."}
            </p>
            <ul class="chips" aria-labelledby="dedup-heading">
                { for ids.map(|id| html! { <li class="chip" key={&**id}>{&**id}</li> }) }
            </ul>
        </div>
    }
}

fn outbox(topic: &str, rows: &imbl::Vector<eos_core::clients::store::OutboxRow>) -> Html {
    if rows.is_empty() {
        return html! {
            <p class="empty" id="database-outbox">
                {format!("Empty. Each effect writes a row here, in the same local transaction, for a relay to publish to {topic}.")}
            </p>
        };
    }
    html! {
        <div class="inspector-table-box" id="database-outbox" tabindex="0" role="region"
            aria-labelledby="outbox-heading">
            <table class="inspector-table">
                <caption class="inspector-note">{format!("Rows for the relay to publish to {topic}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{"Business id"}</th>
                        <th scope="col">{"Value"}</th>
                        <th scope="col">{"Published"}</th>
                    </tr>
                </thead>
                <tbody>
                    { for rows.iter().map(|row| html! {
                        <tr>
                            <th scope="row"><code>{&row.business_id}</code></th>
                            <td>{&row.value}</td>
                            <td>{if row.published {
                                "✓ published"
                            } else {
                                "◷ waiting for the relay"
                            }}</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_named_in_words() {
        assert_eq!(times_words(1), "applied once");
        assert_eq!(times_words(2), "applied twice");
        assert_eq!(times_words(3), "applied 3 times");
    }
}
