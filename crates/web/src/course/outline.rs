//! The course's contents: each lesson with how far the learner got, each exercise with whether
//! it passed. Opening a lesson resumes at the furthest beat reached.

use super::{Course, CourseAction};
use eos_course::LessonProgress;
use yew::prelude::*;

#[derive(Debug, PartialEq, Properties)]
pub struct OutlineProps {
    pub course: Course,
}

#[component]
pub fn OutlineView(props: &OutlineProps) -> Html {
    let course = &props.course;
    let state = &course.state;
    let close = {
        let state = state.dispatcher();
        Callback::from(move |_: MouseEvent| state.dispatch(CourseAction::Close))
    };
    let contents = match (&state.outline, &state.outline_error) {
        (Some(outline), _) => html! {
            <>
                <h3 id="course-lessons-heading">{"Lessons"}</h3>
                <ol class="course-lessons" aria-labelledby="course-lessons-heading">
                    { for outline.lessons.iter().map(|entry| {
                        let progress = state.progress.lessons.get(&entry.id);
                        let resume = progress.map_or(0, |p| p.furthest_beat);
                        let open = {
                            let course = course.clone();
                            let id = entry.id.clone();
                            Callback::from(move |_: MouseEvent| course.open_lesson(&id, resume))
                        };
                        html! {
                            <li class="course-entry">
                                <button type="button" class="button course-lesson"
                                    id={format!("course-lesson-{}", entry.id)} onclick={open}>
                                    {&entry.title}
                                </button>
                                <span class="course-progress">{lesson_progress(progress)}</span>
                            </li>
                        }
                    }) }
                </ol>
                {(!outline.exercises.is_empty()).then(|| html! {
                    <>
                        <h3 id="course-exercises-heading">{"Exercises"}</h3>
                        <ul class="course-exercises" aria-labelledby="course-exercises-heading">
                            { for outline.exercises.iter().map(|entry| html! {
                                <li class="course-entry">
                                    <a href={format!("?exercise={}", entry.id)}>{&entry.title}</a>
                                    <span class="course-progress">
                                        {if state.progress.exercise_passed(&entry.id) { "✓ passed" } else { "not yet passed" }}
                                    </span>
                                </li>
                            }) }
                        </ul>
                    </>
                })}
            </>
        },
        (None, Some(why)) => html! {
            <p class="notice is-refusal" role="alert" id="course-error">
                {format!("The course's outline could not be loaded: {why}. The lab works as before.")}
            </p>
        },
        (None, None) => html! { <p>{"Loading the course…"}</p> },
    };
    html! {
        <section class="lesson-player course-outline" aria-labelledby="course-heading" id="course-outline">
            <div class="lesson-head">
                <h2 id="course-heading">{"The course"}</h2>
                <button type="button" class="button lesson-close" id="course-close" onclick={close}>
                    {"Close"}
                </button>
            </div>
            <p>{"Short lessons, each a few steps on the stage with a turn for you to take."}</p>
            {contents}
        </section>
    }
}

fn lesson_progress(progress: Option<&LessonProgress>) -> String {
    match progress {
        None => "not started".to_owned(),
        Some(p) => {
            let turns = p.checkpoints_passed.len();
            let turns = match turns {
                0 => String::new(),
                1 => ", 1 turn taken".to_owned(),
                n => format!(", {n} turns taken"),
            };
            format!("reached beat {}{turns}", p.furthest_beat + 1)
        }
    }
}
