//! Opening exercises: from the page address (`?exercise=ID`, `?exercise_url=PATH`), the
//! outline's list, an imported file, or a share link that carries one. Shipped and teachers'
//! files are fetched when asked for. An exercise that cannot be opened is a notice, and the
//! lab and any exercise already open stay as they were.

use crate::components::share_box::link_in_address;
use crate::course::exercise::OpenExercise;
use crate::course::fetch::{CourseFiles, exercise_path, same_origin_path};
use crate::state::{LabAction, LabState, Notice};
use eos_core::run::share::SharedLink;
use std::rc::Rc;
use yew::prelude::*;

/// How an exercise is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExerciseRequest {
    /// A shipped exercise by id (`?exercise=ID`, the outline's list).
    Shipped(String),
    /// A teacher's file on this site (`?exercise_url=PATH`), checked by
    /// [`same_origin_path`] before it is fetched.
    Url(String),
    /// A file's text, imported or carried by a share link. `start` puts the lab at the
    /// exercise's start; a share link restores its own steps instead.
    Text {
        name: String,
        text: Rc<str>,
        start: bool,
    },
}

/// The exercise open beside the lab, and how to open or close one.
#[derive(Clone, PartialEq, Debug)]
pub struct ExerciseSession {
    pub current: Option<Rc<OpenExercise>>,
    pub open: Callback<ExerciseRequest>,
    pub close: Callback<()>,
}

impl PartialEq for OpenExercise {
    /// Two opened files are the same exercise if they read the same.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.source == other.source
    }
}

/// Keeps the open exercise and opens the one the address or a share link names at mount.
/// `files` stands in for the network (tests).
#[hook]
pub fn use_exercise_session(
    dispatch: UseReducerDispatcher<LabState>,
    asked: Option<ExerciseRequest>,
    files: CourseFiles,
) -> ExerciseSession {
    let current = use_state(|| None::<Rc<OpenExercise>>);
    let open = {
        let setter = current.setter();
        use_callback(files, move |request: ExerciseRequest, files| {
            let finish = {
                let setter = setter.clone();
                let dispatch = dispatch.clone();
                move |name: &str, text: &str, start: bool| match OpenExercise::open(name, text) {
                    Ok(opened) => {
                        if start {
                            dispatch.dispatch(opened.start_action());
                        }
                        setter.set(Some(Rc::new(opened)));
                    }
                    Err(why) => dispatch.dispatch(LabAction::Notify(Notice::CourseFile {
                        name: name.to_owned(),
                        why,
                    })),
                }
            };
            let path = match request {
                ExerciseRequest::Text { name, text, start } => {
                    finish(&name, &text, start);
                    return;
                }
                ExerciseRequest::Shipped(id) => exercise_path(&id),
                ExerciseRequest::Url(path) => match same_origin_path(&path) {
                    Ok(path) => path.to_owned(),
                    Err(why) => {
                        dispatch.dispatch(LabAction::Notify(Notice::CourseFile {
                            name: "exercise_url".to_owned(),
                            why,
                        }));
                        return;
                    }
                },
            };
            let files = files.clone();
            let dispatch = dispatch.clone();
            yew::platform::spawn_local(async move {
                match files.read(&path).await {
                    Ok(text) => finish(&path, &text, true),
                    Err(why) => {
                        dispatch.dispatch(LabAction::Notify(Notice::CourseFile { name: path, why }))
                    }
                }
            });
        })
    };
    {
        let open = open.clone();
        use_effect_with((), move |()| {
            if let Some(text) = exercise_in_link() {
                open.emit(ExerciseRequest::Text {
                    name: "the shared link's exercise".to_owned(),
                    text,
                    start: false,
                });
            } else if let Some(request) = asked {
                open.emit(request);
            }
        });
    }
    let close = {
        let setter = current.setter();
        Callback::from(move |()| setter.set(None))
    };
    ExerciseSession {
        current: (*current).clone(),
        open,
        close,
    }
}

/// The exercise a share link in the address carries, if any.
fn exercise_in_link() -> Option<Rc<str>> {
    let fragment = link_in_address()?;
    match eos_core::run::share::decode(&fragment).ok()? {
        SharedLink::Lab(lab) => lab.exercise.map(Rc::from),
        SharedLink::Scenario(_) => None,
    }
}
