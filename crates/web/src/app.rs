//! The page: header, the partition with its controls, and the narration, all fed by one
//! reducer.

use crate::components::partition_log::LogView;
use crate::components::{Controls, Narration, PartitionLogView, SiteHeader};
use crate::state::{LabAction, LabState, topic_partition};
use yew::prelude::*;

/// The whole EOS Lab app.
#[component]
pub fn App() -> Html {
    let state = use_reducer(LabState::default);
    let on_send = make_callback(&state, LabAction::Send);
    let on_reset = make_callback(&state, LabAction::Reset);
    let tp = topic_partition();
    let log_view = match (state.world(), state.partition().map(LogView::of)) {
        (Err(error), _) => html! {
            <p class="notice" role="alert">
                {format!("The lab could not build its world: {error}.")}
            </p>
        },
        (Ok(_), None) => html! {
            <p class="notice">{format!("This world has no partition {tp} to show.")}</p>
        },
        (Ok(_), Some(None)) => html! {
            <p class="notice">{format!("Partition {tp} has no leader right now.")}</p>
        },
        (Ok(_), Some(Some(log))) => html! {
            <PartitionLogView topic_partition={tp.clone()} {log} />
        },
    };

    html! {
        <>
            <SiteHeader />
            <main id="main" class="layout">
                <p class="scope-note">
                    {"This first slice shows one partition, "}<code>{tp.to_string()}</code>
                    {", with a single replica: the leader. With no followers to wait for, each \
                      record can be read as soon as it is written."}
                </p>
                <section class="panel panel-log" aria-labelledby="log-heading">
                    <div class="panel-head">
                        <h2 id="log-heading">{"Partition "}<code>{tp.to_string()}</code></h2>
                        <span class="badge">{"1 replica · leader only"}</span>
                    </div>
                    <Controls
                        next_payment={state.next_payment()}
                        refusal={state.refusal().cloned()}
                        {on_send}
                        {on_reset}
                    />
                    {log_view}
                </section>
                <section class="panel panel-narration" aria-labelledby="narration-heading">
                    <Narration steps={state.steps().to_vec()} />
                </section>
            </main>
            <footer class="site-footer">
                <p>
                    {"EOS Lab runs entirely in your browser. The simulation is deterministic: \
                      the same steps always give the same log."}
                </p>
            </footer>
        </>
    }
}

/// A click handler that dispatches `action`; the only way the UI changes state.
fn make_callback<E>(state: &UseReducerHandle<LabState>, action: LabAction) -> Callback<E> {
    let state = state.clone();
    Callback::from(move |_| state.dispatch(action))
}
