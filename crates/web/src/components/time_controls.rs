//! Moving through time: first, back, forward, latest, the step slider, the next scripted step
//! and reset, and play/pause with its speed. Every control here only moves the cursor or
//! replays the scenario's own steps.

use super::on;
use crate::playback::Speed;
use crate::state::LabAction;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct TimeControlsProps {
    pub cursor: usize,
    pub total: usize,
    /// The next scripted step's number (1-based), count and label, if the script has one left.
    pub next_scripted: Option<(usize, usize, String)>,
    pub dispatch: Callback<LabAction>,
    pub on_help: Callback<MouseEvent>,
    /// The help button, so focus can return to it when the dialog closes.
    pub help_button: NodeRef,
    #[prop_or_default]
    pub playing: bool,
    #[prop_or_default]
    pub speed: Speed,
    /// Whether there is a step to play (forward in the history or scripted).
    #[prop_or_default]
    pub can_play: bool,
}

#[component]
pub fn TimeControls(props: &TimeControlsProps) -> Html {
    let dispatch = &props.dispatch;
    let on_scrub = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(step) = value.parse() {
                dispatch.emit(LabAction::JumpTo(step));
            }
        })
    };
    let on_speed = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(speed) = Speed::from_name(&value) {
                dispatch.emit(LabAction::SetSpeed(speed));
            }
        })
    };
    let (play_glyph, play_label, play_action) = if props.playing {
        ("❚❚", "Pause", LabAction::Pause)
    } else {
        ("▷", "Play", LabAction::Play)
    };
    let button = |id: &'static str,
                  glyph: &'static str,
                  label: &'static str,
                  action: LabAction,
                  key: &'static str| {
        html! {
            <button type="button" class="button" {id} aria-keyshortcuts={key}
                onclick={on::<MouseEvent>(dispatch, action)}>
                <span aria-hidden="true">{glyph}</span>{" "}<span class="button-label">{label}</span>
            </button>
        }
    };
    html! {
        <nav class="time-controls" aria-label="Time travel">
            <div class="button-row">
                {button("to-start", "◀◀", "First", LabAction::JumpTo(0), "Home")}
                {button("step-back", "◀", "Back", LabAction::StepBack, "ArrowLeft")}
                {button("step-forward", "▶", "Forward", LabAction::StepForward, "ArrowRight")}
                {button("to-end", "▶▶", "Latest", LabAction::JumpTo(props.total), "End")}
                <button type="button" class="button" id="reset-button" aria-keyshortcuts="r"
                    onclick={on::<MouseEvent>(dispatch, LabAction::Reset)}>{"Reset"}</button>
                <button type="button" class="button" id="help-button" aria-keyshortcuts="?"
                    ref={props.help_button.clone()}
                    onclick={props.on_help.clone()}>
                    <span aria-hidden="true">{"⌨"}</span>{" "}<span class="button-label">{"Keys (?)"}</span>
                </button>
            </div>
            <label class="scrubber">
                <span id="step-status">{format!("Step {} of {}", props.cursor, props.total)}</span>
                <input type="range" id="timeline-scrubber" min="0" max={props.total.to_string()}
                    value={props.cursor.to_string()} step="1"
                    aria-valuetext={format!("Step {} of {}", props.cursor, props.total)}
                    oninput={on_scrub} />
            </label>
            <div class="button-row playback" role="group" aria-label="Playback">
                <button type="button" class="button" id="play-pause" aria-keyshortcuts="p"
                    // Not `disabled`: a button that disables itself at the end would drop the
                    // keyboard focus; pressing it then says why nothing plays.
                    aria-disabled={(!props.playing && !props.can_play).then_some("true")}
                    onclick={on::<MouseEvent>(dispatch, play_action)}>
                    <span aria-hidden="true">{play_glyph}</span>{" "}{play_label}
                </button>
                <label class="speed">
                    {"Speed "}
                    <select id="play-speed" onchange={on_speed}>
                        { for Speed::ALL.iter().map(|speed| html! {
                            <option value={speed.name()} selected={*speed == props.speed}>{speed.label()}</option>
                        }) }
                    </select>
                </label>
            </div>
            {props.next_scripted.as_ref().map(|(number, count, label)| html! {
                <button type="button" class="button button-primary" id="next-scripted" aria-keyshortcuts="n"
                    onclick={on::<MouseEvent>(dispatch, LabAction::NextScripted)}>
                    {format!("Next scripted step ({number} of {count}): {label}")}
                </button>
            })}
        </nav>
    }
}
