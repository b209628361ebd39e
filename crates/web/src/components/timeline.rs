//! The timeline: every step as a row that jumps there when clicked, and the narration of the
//! step at the cursor in the core's own words. Only the rows around the cursor are drawn; the
//! scrubber reaches the rest.

use super::on;
use crate::state::LabAction;
use crate::steps::{History, steps_in};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Rows drawn before and after the cursor.
const ROWS_BEFORE: usize = 40;
const ROWS_AFTER: usize = 10;

/// One row: the step number (1-based: the world after it) and what was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineRow {
    pub step: usize,
    pub label: String,
    pub events: usize,
    pub scripted: bool,
}

/// The rows around `cursor`, and how many rows are left out before and after them.
pub fn window(history: &History, cursor: usize) -> (Vec<TimelineRow>, usize, usize) {
    let from = cursor.saturating_sub(ROWS_BEFORE);
    let to = (cursor + ROWS_AFTER).min(history.len());
    let rows = steps_in(history, from..to)
        .zip(from + 1..)
        .map(|(record, step)| TimelineRow {
            step,
            label: record.action.describe(),
            events: record.events.len(),
            scripted: record.scripted.is_some(),
        })
        .collect();
    (rows, from, history.len() - to)
}

#[derive(Debug, Properties, PartialEq)]
pub struct TimelineProps {
    pub rows: Vec<TimelineRow>,
    pub hidden_before: usize,
    pub hidden_after: usize,
    pub cursor: usize,
    /// What the step at the cursor did, and the core's explanation of each event it caused.
    pub current: Option<(String, Vec<String>)>,
    pub dispatch: Callback<LabAction>,
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let list = use_node_ref();
    {
        // Keep the current row in view inside the list, without scrolling the page itself.
        let list = list.clone();
        use_effect_with(props.cursor, move |_| {
            if let Some(list) = list.cast::<web_sys::HtmlElement>() {
                let current = list
                    .query_selector(".is-current")
                    .ok()
                    .flatten()
                    .and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(row) = current {
                    list.set_scroll_top(row.offset_top() - list.client_height() / 2);
                }
            }
        });
    }
    let narration = match &props.current {
        None => html! {
            <p class="empty" id="narration-empty">
                {"The lab is at its start. Each step you take is explained here, in Kafka's names."}
            </p>
        },
        Some((label, events)) => html! {
            <>
                <p class="narration-title">{format!("Step {}: {label}", props.cursor)}</p>
                <ol class="narration" id="narration">
                    { for events.iter().map(|e| html! { <li>{e}</li> }) }
                </ol>
            </>
        },
    };
    let row = |row: &TimelineRow| {
        let current = row.step == props.cursor;
        html! {
            <li key={row.step} class={classes!("timeline-row", current.then_some("is-current"),
                (row.step > props.cursor).then_some("is-future"))}>
                <button type="button" class="timeline-jump" data-step={row.step.to_string()}
                    aria-current={current.then_some("step")}
                    onclick={on::<MouseEvent>(&props.dispatch, LabAction::JumpTo(row.step))}>
                    <span class="step-number">{row.step}</span>
                    <span class="step-label">{&row.label}</span>
                    <span class="step-meta">
                        {format!("{} event{}", row.events, if row.events == 1 { "" } else { "s" })}
                        {row.scripted.then_some(" · scripted")}
                        {(row.step > props.cursor).then_some(" · ahead")}
                    </span>
                </button>
            </li>
        }
    };
    html! {
        <section class="panel panel-timeline" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{"What happened"}</h2>
            // Not a live region: the narration under the stage announces each step once.
            <div class="narration-box">{narration}</div>
            <h3 class="subhead">{"Timeline"}</h3>
            {(props.hidden_before > 0).then(|| html! {
                <p class="more">{format!("{} earlier steps: use the step slider to reach them.", props.hidden_before)}</p>
            })}
            <ol class="timeline" id="timeline" ref={list}>
                <li class={classes!("timeline-row", (props.cursor == 0).then_some("is-current"))}>
                    <button type="button" class="timeline-jump" data-step="0"
                        aria-current={(props.cursor == 0).then_some("step")}
                        onclick={on::<MouseEvent>(&props.dispatch, LabAction::JumpTo(0))}>
                        <span class="step-number">{0}</span>
                        <span class="step-label">{"the start"}</span>
                    </button>
                </li>
                { for props.rows.iter().map(row) }
            </ol>
            {(props.hidden_after > 0).then(|| html! {
                <p class="more">{format!("{} later steps are not shown.", props.hidden_after)}</p>
            })}
        </section>
    }
}
