//! "Exercises" in the top band: the course outline's exercises (fetched the first time the list
//! is opened, so the first page load does not grow), each marked once passed in this browser,
//! and "Import exercise…" for a teacher's file.

use crate::course::exercise_session::ExerciseRequest;
use crate::course::fetch::{CourseFiles, OUTLINE_PATH};
use crate::state::{LabAction, Notice};
use eos_course::{MAX_COURSE_FILE_BYTES, Outline, OutlineEntry};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDetailsElement, HtmlInputElement};
use yew::prelude::*;

#[derive(Properties, Clone, PartialEq, Debug)]
pub struct ExercisePickerProps {
    pub open: Callback<ExerciseRequest>,
    pub dispatch: Callback<LabAction>,
    /// Stands in for the network (tests).
    #[prop_or_default]
    pub files: CourseFiles,
    /// The ids of the exercises passed in this browser.
    #[prop_or_default]
    pub passed: Rc<[String]>,
}

#[component]
pub fn ExercisePicker(props: &ExercisePickerProps) -> Html {
    let outline = use_state(|| None::<Rc<[OutlineEntry]>>);
    let reading = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);
    let on_toggle = {
        let outline = outline.clone();
        let files = props.files.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let opened = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlDetailsElement>().ok())
                .is_some_and(|details| details.open());
            if !opened || outline.is_some() {
                return;
            }
            let outline = outline.clone();
            let files = files.clone();
            let dispatch = dispatch.clone();
            yew::platform::spawn_local(async move {
                let read = files.read(OUTLINE_PATH).await.and_then(|text| {
                    Outline::parse(OUTLINE_PATH, &text)
                        .map_err(|e| crate::course::exercise::located(&e))
                });
                match read {
                    Ok(read) => outline.set(Some(read.exercises.into())),
                    Err(why) => dispatch.emit(LabAction::Notify(Notice::CourseFile {
                        name: OUTLINE_PATH.to_owned(),
                        why,
                    })),
                }
            });
        })
    };
    let on_import = {
        let open = props.open.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            import(file, &open, &dispatch, &reading);
        })
    };
    html! {
        <details class="exercise-picker" id="exercise-picker" ontoggle={on_toggle}>
            <summary>{"Exercises"}</summary>
            <div class="exercise-picker-body">
                {match &*outline {
                    None => html! { <p class="exercise-picker-loading">{"Loading the exercises…"}</p> },
                    Some(entries) => html! {
                        <ul class="exercise-list">
                            { for entries.iter().map(|entry| entry_item(entry, &props.open, &props.passed)) }
                        </ul>
                    },
                }}
                <label for="import-exercise" class="import-label">{"Import exercise…"}</label>
                <input id="import-exercise" type="file" accept=".json,application/json"
                    onchange={on_import} />
            </div>
        </details>
    }
}

fn entry_item(entry: &OutlineEntry, open: &Callback<ExerciseRequest>, passed: &[String]) -> Html {
    let request = ExerciseRequest::Shipped(entry.id.clone());
    let onclick = open.reform(move |_: MouseEvent| request.clone());
    let done = passed.contains(&entry.id);
    html! {
        <li>
            <button type="button" class="link-button" data-exercise={entry.id.clone()} {onclick}>
                {entry.title.clone()}
            </button>
            {done.then(|| html! { <span class="exercise-done">{" ✓ passed"}</span> })}
        </li>
    }
}

/// Reads the chosen file and opens it as an exercise; a file larger than a course file may be
/// is refused unread.
fn import(
    file: web_sys::File,
    open: &Callback<ExerciseRequest>,
    dispatch: &Callback<LabAction>,
    reading: &Rc<RefCell<Option<gloo_file::callbacks::FileReader>>>,
) {
    let file = gloo_file::File::from(file);
    let name = file.name();
    let bytes = usize::try_from(file.size()).unwrap_or(usize::MAX);
    if bytes > MAX_COURSE_FILE_BYTES {
        dispatch.emit(LabAction::Notify(Notice::CourseFile {
            name,
            why: format!("it is {bytes} bytes; the most accepted is {MAX_COURSE_FILE_BYTES}"),
        }));
        return;
    }
    let open = open.clone();
    let dispatch = dispatch.clone();
    let reader = gloo_file::callbacks::read_as_text(&file, move |result| match result {
        Ok(text) => open.emit(ExerciseRequest::Text {
            name,
            text: Rc::from(text),
            start: true,
        }),
        Err(error) => dispatch.emit(LabAction::Notify(Notice::CourseFile {
            name,
            why: format!("the browser could not read it ({error})"),
        })),
    });
    *reading.borrow_mut() = Some(reader);
}
