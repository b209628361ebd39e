//! Exercise mode, in the stage area next to the action: the task, the goal in words and its
//! live status ("met" or "not yet, because …", the grader's own verdict after every step), the
//! steps taken against par, the steps allowed, a hint, reset, and "Export attempt".

use crate::components::save_box::download;
use crate::course::exercise::{Away, OpenExercise, Status};
use crate::state::LabAction;
use eos_course::Verdict;
use eos_course::markup::{Block, Inline};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct ExercisePanelProps {
    pub exercise: Rc<OpenExercise>,
    pub status: Rc<Status>,
    /// Makes the attempt file (name, text) for the steps taken, when the lab is on the exercise.
    pub make_attempt: Callback<(), Option<(String, String)>>,
    /// Passed before, in this browser (from the saved progress).
    pub passed_before: bool,
    pub dispatch: Callback<LabAction>,
    pub on_close: Callback<()>,
}

#[component]
pub fn ExercisePanel(props: &ExercisePanelProps) -> Html {
    let exercise = &props.exercise.exercise;
    let on_reset = {
        let dispatch = props.dispatch.clone();
        let start = props.exercise.start_action();
        Callback::from(move |_: MouseEvent| dispatch.emit(start.clone()))
    };
    let on_export = {
        let make_attempt = props.make_attempt.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some((name, text)) = make_attempt.emit(()) {
                download(&name, &text);
            }
        })
    };
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    let on_exercise = matches!(*props.status, Status::Graded { .. });
    let par = exercise.limits.par;
    html! {
        // Not named by its heading: the lab it runs carries the same name, and two landmarks
        // with one name cannot be told apart by a screen reader's list of landmarks.
        <section class="exercise" id="exercise" aria-label="The exercise: its goal, status and steps">
            <h2 id="exercise-title" class="exercise-title">
                {format!("Exercise: {}", exercise.title)}
                {props.passed_before.then(|| html! {
                    <span class="exercise-done">{" (passed before)"}</span>
                })}
            </h2>
            <div class="exercise-task">{markup(&props.exercise.exercise.task_blocks())}</div>
            <p class="exercise-goal"><strong>{"Goal: "}</strong>{exercise.goal.describe()}</p>
            <div role="status" aria-live="polite" aria-atomic="true">
                {status_line(&props.status)}
            </div>
            <p class="exercise-count" id="exercise-steps">{steps_line(&props.status, par)}</p>
            {exercise.limits.allowed.as_ref().map(|allowed| html! {
                <p class="exercise-allowed" id="exercise-allowed">
                    {"Steps allowed: "}
                    { for allowed.iter().enumerate().map(|(i, kind)| html! {
                        <>{(i > 0).then_some(", ")}<code>{kind}</code></>
                    }) }
                    {exercise.limits.max_steps.map(|max| format!("; at most {max} steps"))}
                    {". Other controls say why they do nothing."}
                </p>
            })}
            {exercise.hint.as_ref().map(|hint| html! {
                <details class="exercise-hint">
                    <summary>{"Hint"}</summary>
                    {markup(&eos_course::markup::parse(hint))}
                </details>
            })}
            <div class="exercise-buttons">
                <button type="button" class="button" id="exercise-reset" onclick={on_reset}>
                    {"Reset exercise"}
                </button>
                <button type="button" class="button" id="export-attempt" onclick={on_export}
                    disabled={!on_exercise}>
                    {"Export attempt (.json)"}
                </button>
                <button type="button" class="button" id="close-exercise" onclick={on_close}>
                    {"Close exercise"}
                </button>
            </div>
        </section>
    }
}

/// "Met", "Not yet, because …", or why the lab is not on the exercise.
fn status_line(status: &Status) -> Html {
    let (class, text) = match status {
        Status::Graded {
            grade, evaluation, ..
        } => match &grade.verdict {
            Verdict::Passed => ("is-met", "Met: the goal holds. Well done!".to_owned()),
            // The goal itself is what is missing: say what stands now.
            Verdict::NotYet { .. } if !evaluation.met => (
                "is-not-yet",
                format!("Not yet, because {}.", evaluation.status),
            ),
            Verdict::NotYet { reason } => ("is-not-yet", format!("Not yet: {reason}.")),
            Verdict::Invalid { problem } => ("is-not-yet", format!("Not gradable: {problem}.")),
        },
        Status::Away(Away::BeforeStart) => (
            "is-away",
            "You are before the exercise's start: step forward, or reset the exercise.".to_owned(),
        ),
        Status::Away(Away::OtherLab) => (
            "is-away",
            "The lab has left this exercise (another scenario or other settings): reset the \
             exercise to go back to it."
                .to_owned(),
        ),
    };
    html! { <p id="exercise-status" class={classes!("exercise-status", class)}>{text}</p> }
}

fn steps_line(status: &Status, par: Option<usize>) -> String {
    let steps = match status {
        Status::Graded { steps, .. } => *steps,
        Status::Away(_) => 0,
    };
    let noun = if steps == 1 { "step" } else { "steps" };
    match par {
        Some(par) => format!("{steps} {noun} taken; par is {par}."),
        None => format!("{steps} {noun} taken."),
    }
}

/// Narration markup as elements, never as HTML text.
fn markup(blocks: &[Block]) -> Html {
    html! {
        { for blocks.iter().map(|Block::Paragraph(inlines)| html! { <p>{inlines_html(inlines)}</p> }) }
    }
}

fn inlines_html(inlines: &[Inline]) -> Html {
    html! {
        { for inlines.iter().map(|inline| match inline {
            Inline::Text(text) => html! { {text.clone()} },
            Inline::Code(code) => html! { <code>{code.clone()}</code> },
            Inline::Emphasis(inner) => html! { <em>{inlines_html(inner)}</em> },
            Inline::Strong(inner) => html! { <strong>{inlines_html(inner)}</strong> },
        }) }
    }
}
