//! The narration under the stage: where the lab is ("Step 3 of 12"), the step in one sentence in
//! large type, its events grouped, and every event's explanation one click away. At the start it
//! introduces the scenario and says what to press; on a first visit it is the welcome.

use crate::components::{WorldRef, on};
use crate::narration::{StepNarration, intro_next_move, narrate};
use crate::scenarios::{Origin, Source};
use crate::state::LabAction;
use crate::steps::StepRecord;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Debug, Properties)]
pub struct NarrationProps {
    pub cursor: usize,
    /// The step at the cursor; none at the start.
    pub step: Option<Rc<StepRecord>>,
    /// The world right after that step.
    pub world: WorldRef,
    pub origin: Rc<Origin>,
    /// Show the first visit's welcome (only at the start).
    #[prop_or_default]
    pub welcome: bool,
    pub dispatch: Callback<LabAction>,
    /// Opens the course's first lesson, offered on the welcome.
    #[prop_or_default]
    pub on_start_course: Option<Callback<MouseEvent>>,
}

// Steps, worlds and origins are shared, never rebuilt for the same step: identity is the test.
impl PartialEq for NarrationProps {
    fn eq(&self, other: &Self) -> bool {
        let same_step = match (&self.step, &other.step) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_step
            && self.cursor == other.cursor
            && self.world == other.world
            && Rc::ptr_eq(&self.origin, &other.origin)
            && self.welcome == other.welcome
            && self.dispatch == other.dispatch
            && self.on_start_course == other.on_start_course
    }
}

#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let told: Option<StepNarration> = props
        .step
        .as_ref()
        .filter(|_| props.cursor > 0)
        .map(|step| narrate(step, &props.world));
    let where_we_are = match &props.step {
        Some(step) if props.cursor > 0 => html! {
            <>
                // Only the step: the time controls count the steps taken and the next scripted
                // step's button counts the script, so a third count here would contradict one.
                {format!("Step {}", props.cursor)}
                <span class="narration-action">{format!(" · {}", step.action.describe())}</span>
            </>
        },
        _ => html! { {"Step 0 · the start"} },
    };
    let sentence = match (&told, props.welcome) {
        (Some(told), _) => told.sentence.clone(),
        (None, true) => WELCOME.to_owned(),
        (None, false) => intro_next_move(props.origin.script.len()),
    };
    let details = match &told {
        Some(told) => told_step(told),
        None if props.welcome => welcome(props),
        None => html! {
            <p class="narration-intro" id="narration-intro">{&props.origin.description}</p>
        },
    };
    html! {
        <section class="narration-stage" aria-labelledby="narration-heading" id="narration-stage">
            <h2 id="narration-heading" class="narration-where">{where_we_are}</h2>
            // The one live region, always in place, so a screen reader reads the new sentence
            // after the click that caused it (and only the sentence, not the groups).
            <p class="narration-sentence" id="step-sentence" aria-live="polite">{sentence}</p>
            {details}
        </section>
    }
}

/// The welcome's sentence: what the lab is for, before the first step.
const WELCOME: &str = "Kafka can promise that a record is written once. See why that is hard, \
    one step at a time, starting with an answer that never arrives.";

fn told_step(told: &StepNarration) -> Html {
    let count = told.events.len();
    html! {
        <>
            {(!told.groups.is_empty()).then(|| html! {
                <ul class="narration-groups" id="narration-groups">
                    { for told.groups.iter().map(|group| html! {
                        <li class={classes!("narration-group", group.kind.class())}>
                            <span class="group-label">{group.kind.label()}</span>
                            <span class="group-line">{&group.line}</span>
                            {(!group.kafka_errors.is_empty()).then(|| html! {
                                <ul class="group-kafka-errors" aria-label="Kafka's messages">
                                    { for group.kafka_errors.iter().map(|error| html! {
                                        <li><code>{error.name()}</code>{format!(": “{}”", error.message())}</li>
                                    }) }
                                </ul>
                            })}
                        </li>
                    }) }
                </ul>
            })}
            {(count > 0).then(|| html! {
                <details class="narration-all" id="narration-all">
                    <summary>{if count == 1 { "Show the event".to_owned() } else { format!("Show all {count} events") }}</summary>
                    <ol class="narration-events">
                        { for told.events.iter().map(|e| html! { <li>{e}</li> }) }
                    </ol>
                </details>
            })}
        </>
    }
}

fn welcome(props: &NarrationProps) -> Html {
    html! {
        // No description here: the sentence and the start say enough on a first screen (the
        // story's description is one click away under "About this scenario").
        <div class="welcome" id="welcome">
            <div class="button-row welcome-actions">
                <button type="button" class="button button-primary" id="welcome-start"
                    onclick={on::<MouseEvent>(&props.dispatch, LabAction::NextScripted)}>
                    {"Start: what happens when an acknowledgement is lost"}
                </button>
                <button type="button" class="button" id="welcome-free-play"
                    onclick={on::<MouseEvent>(&props.dispatch, LabAction::Load(Source::FreePlay))}>
                    {"Or play freely"}
                </button>
                {props.on_start_course.clone().map(|onclick| html! {
                    <button type="button" class="button" id="welcome-course" {onclick}>
                        {"Or start the course"}
                    </button>
                })}
            </div>
        </div>
    }
}
