//! The views of the app, one component per file. None of them holds simulation state: each
//! renders view data computed from the world at the cursor and reports clicks as
//! [`LabAction`]s through one dispatch callback.

pub mod branch_compare;
pub mod consumer_card;
pub mod consumer_view;
pub mod coordinator_panel;
pub mod cost_model_panel;
pub mod database_panel;
pub mod detail_layer;
pub mod exercise_maker;
pub mod exercise_panel;
pub mod exercise_picker;
pub mod explorer_matrix;
pub mod explorer_panel;
pub mod fetch_response;
pub mod guarantee_strip;
pub mod help_dialog;
pub mod inspect_panel;
pub mod invariants_panel;
pub mod narration;
pub mod network_panel;
pub mod notice_bar;
pub mod offsets_log;
pub mod offsets_plot;
pub mod partition_log;
pub mod plot_svg;
pub mod producer_card;
pub mod recap;
pub mod record_inspector;
pub mod save_box;
pub mod scenario_picker;
pub mod settings_form;
pub mod share_box;
pub mod time_controls;
pub mod timeline;
pub mod tool_view;
pub mod txn_state_diagram;

use crate::state::LabAction;
use eos_core::{Action, World};
use std::rc::Rc;
use yew::prelude::*;

pub use consumer_card::ConsumerCard;
pub use coordinator_panel::CoordinatorPanel;
pub use help_dialog::HelpDialog;
pub use invariants_panel::InvariantsPanel;
pub use network_panel::NetworkPanel;
pub use notice_bar::NoticeBar;
pub use partition_log::PartitionLogView;
pub use producer_card::ProducerCard;
pub use scenario_picker::ScenarioPicker;
pub use time_controls::TimeControls;
pub use timeline::Timeline;

/// The world at the cursor, compared by identity: every step makes a new one, so a panel
/// re-renders exactly when the cursor moves or an action is applied.
#[derive(Clone, Debug)]
pub struct WorldRef(pub Rc<World>);

impl PartialEq for WorldRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for WorldRef {
    type Target = World;

    fn deref(&self) -> &World {
        &self.0
    }
}

/// A click handler that applies one core action; the only way a panel changes the world.
pub fn act<E>(dispatch: &Callback<LabAction>, action: Action) -> Callback<E> {
    let dispatch = dispatch.clone();
    Callback::from(move |_| dispatch.emit(LabAction::Act(action.clone())))
}

/// A click handler that dispatches a lab action (time travel, reset, loading).
pub fn on<E>(dispatch: &Callback<LabAction>, action: LabAction) -> Callback<E> {
    let dispatch = dispatch.clone();
    Callback::from(move |_| dispatch.emit(action.clone()))
}

/// An id that is safe in a CSS selector and an HTML id, made from a client or partition name.
pub fn dom_id(prefix: &str, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{safe}")
}

/// A client card's heading: its kind, its id and whether it runs (with which instance).
pub fn client_card_title(
    heading_id: &str,
    kind: &str,
    id: &eos_core::ClientId,
    alive: bool,
    incarnation: u32,
) -> Html {
    html! {
        <h3 id={heading_id.to_owned()} class="card-title">
            <span class="card-kind">{format!("{kind} ")}</span><code>{id.to_string()}</code>
            <span class={classes!("status", if alive { "status-up" } else { "status-down" })}>
                {if alive { format!("▲ running (instance {incarnation})") }
                 else { "▼ crashed".to_owned() }}
            </span>
        </h3>
    }
}

/// A client's Kafka settings, key by key.
pub fn settings_list(settings: &[(&'static str, String)]) -> Html {
    html! {
        <dl class="settings">
            { for settings.iter().map(|(key, value)| html! {
                <div class="setting"><dt><code>{*key}</code></dt><dd>{value}</dd></div>
            }) }
        </dl>
    }
}
