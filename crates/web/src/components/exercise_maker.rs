//! "Make an exercise from this lab", beside export and share: the facts that hold at the
//! cursor and did not at the start are offered as goals; the teacher ticks some, names the
//! exercise and downloads its file, checked as any opened exercise is.

use crate::components::save_box::download;
use crate::course::exercise_maker::ExerciseDraft;
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDetailsElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct ExerciseMakerProps {
    /// The draft for the lab at its cursor when asked, or why there is none.
    pub make_draft: Callback<(), Result<Rc<ExerciseDraft>, String>>,
}

#[component]
pub fn ExerciseMaker(props: &ExerciseMakerProps) -> Html {
    let draft = use_state(|| None::<Result<Rc<ExerciseDraft>, String>>);
    let picked = use_state(BTreeSet::<usize>::new);
    let title = use_state(String::new);
    let task = use_state(String::new);
    let problem = use_state(|| None::<String>);
    // Each opening reads the lab as it is then.
    let on_toggle = {
        let draft = draft.clone();
        let picked = picked.clone();
        let problem = problem.clone();
        let make_draft = props.make_draft.clone();
        Callback::from(move |event: Event| {
            let opened = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlDetailsElement>().ok())
                .is_some_and(|details| details.open());
            if opened {
                draft.set(Some(make_draft.emit(())));
                picked.set(BTreeSet::new());
                problem.set(None);
            }
        })
    };
    let on_title = {
        let title = title.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                title.set(input.value());
            }
        })
    };
    let on_task = {
        let task = task.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(area) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            {
                task.set(area.value());
            }
        })
    };
    let body = match &*draft {
        None => Html::default(),
        Some(Err(why)) => html! { <p class="maker-note">{format!("Not yet: {why}.")}</p> },
        Some(Ok(draft)) if draft.candidates.is_empty() => html! {
            <p class="maker-note">{"Nothing holds now that did not at the start: take other steps first."}</p>
        },
        Some(Ok(current)) => {
            let on_download = {
                let current = Rc::clone(current);
                let picked = picked.clone();
                let title = title.clone();
                let task = task.clone();
                let problem = problem.clone();
                Callback::from(move |_: MouseEvent| {
                    let chosen: Vec<usize> = picked.iter().copied().collect();
                    match current.build(&title, &task, &chosen) {
                        Ok((name, text)) => {
                            problem.set(None);
                            download(&name, &text);
                        }
                        Err(why) => problem.set(Some(why)),
                    }
                })
            };
            html! {
                <>
                    <fieldset class="maker-facts">
                        <legend>{"Goal: tick what the learner must make true"}</legend>
                        { for current.candidates.iter().enumerate().map(|(i, (_, words))| {
                            let picked = picked.clone();
                            let onchange = Callback::from(move |_: Event| {
                                let mut next = (*picked).clone();
                                if !next.remove(&i) {
                                    next.insert(i);
                                }
                                picked.set(next);
                            });
                            let id = format!("maker-fact-{i}");
                            html! {
                                <div class="maker-fact">
                                    <input type="checkbox" id={id.clone()} {onchange} />
                                    <label for={id}>{words.clone()}</label>
                                </div>
                            }
                        }) }
                    </fieldset>
                    <label for="maker-title">{"Title"}</label>
                    <input id="maker-title" type="text" value={(*title).clone()} oninput={on_title}
                        placeholder="My exercise" />
                    <label for="maker-task">{"Task, in your words (optional)"}</label>
                    <textarea id="maker-task" rows="3" value={(*task).clone()} oninput={on_task} />
                    <button type="button" class="button" id="download-exercise" onclick={on_download}>
                        {"Download exercise (.json)"}
                    </button>
                    {problem.as_ref().map(|why| html! {
                        <p class="maker-note" role="alert">{format!("Not made: {why}.")}</p>
                    })}
                </>
            }
        }
    };
    html! {
        <details class="exercise-maker" id="exercise-maker" ontoggle={on_toggle}>
            <summary>{"Make an exercise from this lab"}</summary>
            <p class="maker-note">
                {"The exercise starts where this lab started; the steps taken up to this one are \
                  its reference solution."}
            </p>
            {body}
        </details>
    }
}
