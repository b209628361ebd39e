//! The course's place beside the stage: the outline, a lesson loading or refused, the lesson
//! player (the beat's narration, what it points at, the learner's turn with its live status,
//! hint and "show me", previous and next), and the lesson's end. The keys `[` and `]` go to the
//! previous and next beat (the lab's own keys stay as they are).

use super::markup::blocks;
use super::outline::OutlineView;
use super::session::{LessonRun, TurnState};
use super::{Course, CourseAction, Place, panel_group};
use crate::components::detail_layer::unfold_around;
use crate::concepts::concept_title;
use crate::scenarios::Origin;
use crate::steps::History;
use eos_core::World;
use eos_course::{Beat, Target};
use gloo_events::EventListener;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

/// What the player reads of the lab.
#[derive(Clone, Debug)]
pub struct LabView {
    pub origin: Rc<Origin>,
    pub history: History,
    pub cursor: usize,
    pub world: Option<Rc<World>>,
    pub revision: u64,
}

// A changed lab has a new revision, cursor, origin or world: identity is the test.
impl PartialEq for LabView {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.origin, &other.origin)
            && self.revision == other.revision
            && self.cursor == other.cursor
            && match (&self.world, &other.world) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

#[derive(Debug, PartialEq, Properties)]
pub struct CoursePlaceProps {
    pub course: Course,
    pub lab: LabView,
}

/// The course beside the stage; nothing while the course is closed.
#[component]
pub fn CoursePlace(props: &CoursePlaceProps) -> Html {
    let course = &props.course;
    let state = &course.state;
    use_beat_keys(course, can_go_on(course, &props.lab));
    let place = use_node_ref();
    use_panel_reveal(course, place.clone());
    use_own_pass(course, &props.lab);
    let notice = state.progress_notice.as_ref().map(|notice| {
        let dismiss = {
            let state = state.dispatcher();
            Callback::from(move |_: MouseEvent| state.dispatch(CourseAction::DismissProgressNotice))
        };
        html! {
            <div class="notice lesson-notice" role="status" id="progress-notice">
                <p>{notice}</p>
                <button type="button" class="button" onclick={dismiss}>{"Dismiss"}</button>
            </div>
        }
    });
    let body = match state.place {
        Place::Closed => return Html::default(),
        Place::Outline => html! { <OutlineView course={course.clone()} /> },
        Place::Lesson => lesson_place(course, &props.lab),
    };
    html! { <div class="course-place" ref={place}>{notice}{body}</div> }
}

fn lesson_place(course: &Course, lab: &LabView) -> Html {
    let state = &course.state;
    let error = state.error.as_ref().map(|why| {
        html! { <p class="notice is-refusal lesson-error" role="alert" id="lesson-error">{why}</p> }
    });
    let Some(run) = state.run.clone().filter(|_| state.loading.is_none()) else {
        let loading = state.loading.is_some() && error.is_none();
        return html! {
            <section class="lesson-player" aria-labelledby="lesson-heading" id="lesson-player">
                <h2 id="lesson-heading">{if loading { "Opening the lesson…" } else { "The lesson could not be opened" }}</h2>
                {error}
                <p>{"The lab works as before meanwhile."}</p>
                <div class="button-row">
                    <button type="button" class="button" id="lesson-outline"
                        onclick={outline_click(course)}>{"The course"}</button>
                    <button type="button" class="button" id="lesson-close"
                        onclick={close_click(course)}>{"Close"}</button>
                </div>
            </section>
        };
    };
    if state.finished {
        return lesson_end(course, &run);
    }
    let beat_index = state.beat;
    let Some(beat) = run.lesson.beats.get(beat_index) else {
        return Html::default();
    };
    let total = run.beats();
    let owned = run.owns(&lab.origin);
    let turn = turn_state(&run, beat_index, lab);
    let can_go_on = can_go_on(course, lab);
    let last = beat_index + 1 == total;
    let prev = {
        let course = course.clone();
        Callback::from(move |_: MouseEvent| course.go_to(beat_index.saturating_sub(1)))
    };
    let next = {
        let course = course.clone();
        Callback::from(move |_: MouseEvent| {
            if last {
                course.finish();
            } else {
                course.go_to(beat_index + 1);
            }
        })
    };
    html! {
        <section class="lesson-player" aria-labelledby="lesson-heading" id="lesson-player">
            <div class="lesson-head">
                <h2 id="lesson-heading">{&run.lesson.title}</h2>
                <button type="button" class="button lesson-close" id="lesson-close"
                    onclick={close_click(course)}>{"Close lesson"}</button>
            </div>
            {error}
            <p class="lesson-where" id="lesson-where">
                {format!("Beat {} of {total}", beat_index + 1)}
            </p>
            // The live region: a screen reader reads the new beat after "next" or "previous".
            <div class="lesson-beat" id="lesson-beat" aria-live="polite">
                {blocks(&beat.narration_blocks())}
                {pointed(beat)}
            </div>
            {(!owned).then(|| html! {
                <p class="lesson-left" id="lesson-left">
                    {"The lab now shows another scenario. "}
                    <button type="button" class="button" id="lesson-return"
                        onclick={go_click(course, beat_index)}>{"Return to the lesson"}</button>
                </p>
            })}
            {turn_view(course, beat, turn.as_ref())}
            <div class="button-row lesson-nav">
                <button type="button" class="button" id="lesson-prev" disabled={beat_index == 0}
                    onclick={prev} aria-keyshortcuts="[">{"Previous beat"}</button>
                <button type="button" class="button button-primary" id="lesson-next"
                    disabled={!can_go_on} onclick={next} aria-keyshortcuts="]">
                    {if last { "Finish the lesson" } else { "Next beat" }}
                </button>
            </div>
            {(!can_go_on).then(|| html! {
                <p class="lesson-gate">{"Reach the goal, or press “Show me”, to go on."}</p>
            })}
            <p class="lesson-keys">{"Keys: ] next beat, [ previous beat."}</p>
        </section>
    }
}

/// How the beat's checkpoint stands in the lab, while the lab is the lesson's.
fn turn_state(run: &LessonRun, beat: usize, lab: &LabView) -> Option<TurnState> {
    let world = lab.world.as_ref().filter(|_| run.owns(&lab.origin))?;
    run.checkpoint(beat, &lab.history, lab.cursor, world)
}

/// Whether the learner may go on from the current beat: it has no turn, or the turn's goal is
/// met in the lab (by their steps or by "show me").
fn can_go_on(course: &Course, lab: &LabView) -> bool {
    let Some(run) = course.state.playing() else {
        return false;
    };
    let beat = course.state.beat;
    let has_turn = run
        .lesson
        .beats
        .get(beat)
        .is_some_and(|b| b.your_turn.is_some());
    !has_turn
        || matches!(turn_state(run, beat, lab), Some(TurnState::Underway { status, .. }) if status.passed())
}

/// What the beat points at, in words, for readers who do not see the outline on the stage.
fn pointed(beat: &Beat) -> Html {
    let Some(target) = &beat.point_at else {
        return Html::default();
    };
    let what = match target {
        Target::Producer(id) => format!("the producer {id}"),
        Target::Consumer(id) => format!("the consumer {id}"),
        Target::Broker(id) => format!("broker {id}"),
        Target::Partition(name) => format!("the partition {name}"),
        Target::Offset(o) => format!("offset {} of {}", o.offset, o.partition),
        Target::Coordinator => "the transaction coordinator".to_owned(),
        Target::Database => "the database".to_owned(),
        Target::Panel(panel) => {
            let group = panel_group(*panel);
            let (name, _) = group.summary();
            return html! {
                <p class="lesson-pointer">
                    {"Look at "}
                    <a href={format!("#{}", group.id())}>{format!("the {name} details, opened below")}</a>
                    {"."}
                </p>
            };
        }
    };
    html! { <p class="lesson-pointer">{format!("Marked on the stage: {what}.")}</p> }
}

fn turn_view(course: &Course, beat: &Beat, turn: Option<&TurnState>) -> Html {
    let Some(your_turn) = &beat.your_turn else {
        return Html::default();
    };
    let shown_me = course.state.shown_me;
    let (status, show_hint, passed) = match turn {
        Some(TurnState::Underway { status, .. }) => {
            let words = if status.passed() && shown_me {
                format!("Shown: {}.", status.evaluation.sentence())
            } else if status.passed() {
                format!("Well done: {}.", status.evaluation.sentence())
            } else {
                format!("Goal: {}.", status.evaluation.sentence())
            };
            (words, status.show_hint, status.passed())
        }
        Some(TurnState::NotStarted) => (
            "Your turn begins after this beat's steps: step forward to them, or try again."
                .to_owned(),
            false,
            false,
        ),
        None => (
            "The lab has left the lesson; return to it to take your turn.".to_owned(),
            false,
            false,
        ),
    };
    let show_me = {
        let course = course.clone();
        Callback::from(move |_: MouseEvent| course.show_me())
    };
    html! {
        <div class={classes!("lesson-turn", passed.then_some("is-passed"))} role="group"
            aria-labelledby="lesson-turn-heading" id="lesson-turn">
            <h3 id="lesson-turn-heading">{"Your turn"}</h3>
            <p class="lesson-status" id="lesson-status" aria-live="polite">
                {if passed { "✓ " } else { "" }}{status}
            </p>
            {show_hint.then(|| html! {
                <div class="lesson-hint" id="lesson-hint">
                    <strong>{"Hint: "}</strong>{blocks(&your_turn.hint_blocks())}
                </div>
            })}
            <div class="button-row">
                {(!passed).then(|| html! {
                    <button type="button" class="button" id="lesson-show-me" onclick={show_me}>
                        {"Show me"}
                    </button>
                })}
                <button type="button" class="button" id="lesson-try-again"
                    onclick={go_click(course, course.state.beat)}>{"Start this turn again"}</button>
            </div>
        </div>
    }
}

fn lesson_end(course: &Course, run: &LessonRun) -> Html {
    let lesson = &run.lesson;
    let own = course
        .state
        .progress
        .lessons
        .get(&lesson.id)
        .map_or(0, |p| p.checkpoints_passed.len());
    let turns = lesson
        .beats
        .iter()
        .filter(|b| b.your_turn.is_some())
        .count();
    let next = course
        .state
        .outline
        .as_ref()
        .and_then(|o| o.lesson_after(&lesson.id))
        .cloned();
    let last_beat = run.beats() - 1;
    html! {
        <section class="lesson-player lesson-end" aria-labelledby="lesson-heading" id="lesson-end">
            <h2 id="lesson-heading">{format!("Lesson done: {}", lesson.title)}</h2>
            <p>{"What it showed:"}</p>
            <ul class="lesson-concepts">
                { for lesson.concepts.iter().filter_map(|n| concept_title(*n)).map(|t| html! { <li>{t}</li> }) }
            </ul>
            <p>{format!("Your turns taken yourself: {own} of {turns}.")}</p>
            <div class="button-row">
                {match next {
                    Some(next) => {
                        let course = course.clone();
                        let id = next.id.clone();
                        html! {
                            <button type="button" class="button button-primary" id="lesson-next-lesson"
                                onclick={Callback::from(move |_: MouseEvent| course.open_lesson(&id, 0))}>
                                {format!("Next lesson: {}", next.title)}
                            </button>
                        }
                    }
                    None => html! { <p>{"This was the last lesson so far."}</p> },
                }}
                <button type="button" class="button" id="lesson-back"
                    onclick={go_click(course, last_beat)}>{"Back to the last beat"}</button>
                <button type="button" class="button" id="lesson-outline"
                    onclick={outline_click(course)}>{"The course"}</button>
            </div>
        </section>
    }
}

fn go_click(course: &Course, beat: usize) -> Callback<MouseEvent> {
    let course = course.clone();
    Callback::from(move |_: MouseEvent| course.go_to(beat))
}

fn outline_click(course: &Course) -> Callback<MouseEvent> {
    let course = course.clone();
    Callback::from(move |_: MouseEvent| course.open_outline())
}

fn close_click(course: &Course) -> Callback<MouseEvent> {
    let course = course.clone();
    Callback::from(move |_: MouseEvent| course.close())
}

/// `]` and `[` move between beats while a lesson plays, except while the user types.
#[hook]
fn use_beat_keys(course: &Course, can_go_on: bool) {
    let current = use_mut_ref(|| (course.clone(), can_go_on));
    *current.borrow_mut() = (course.clone(), can_go_on);
    use_effect_with((), move |()| {
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .map(|document| {
                EventListener::new(&document, "keydown", move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if event.ctrl_key()
                        || event.meta_key()
                        || event.alt_key()
                        || crate::app::typing_in(event)
                    {
                        return;
                    }
                    let (course, can_go_on) = current.borrow().clone();
                    let Some(run) = course.state.playing().cloned() else {
                        return;
                    };
                    let beat = course.state.beat;
                    match event.key().as_str() {
                        "[" if beat > 0 => course.go_to(beat - 1),
                        "]" if can_go_on && beat + 1 < run.beats() => course.go_to(beat + 1),
                        "]" if can_go_on => course.finish(),
                        _ => {}
                    }
                })
            });
        move || drop(listener)
    });
}

/// Records a checkpoint the learner passed with their own steps (not by "show me").
#[hook]
fn use_own_pass(course: &Course, lab: &LabView) {
    let state = &course.state;
    let passed_own = !state.shown_me
        && state.playing().is_some_and(|run| {
            run.lesson
                .beats
                .get(state.beat)
                .is_some_and(|b| b.your_turn.is_some())
                && can_go_on(course, lab)
        });
    let dispatcher = state.dispatcher();
    use_effect_with((passed_own, state.beat), move |(passed_own, _)| {
        if *passed_own {
            dispatcher.dispatch(CourseAction::Passed);
        }
    });
}

/// A beat that points at a panel unfolds its detail group (without moving focus).
#[hook]
fn use_panel_reveal(course: &Course, place: NodeRef) {
    let panel = match course.state.target() {
        Some(Target::Panel(panel)) => Some(*panel),
        _ => None,
    };
    let beat = course.state.beat;
    use_effect_with((panel, beat), move |(panel, _)| {
        // Looked up in this lab only: two labs on one page never open each other's panels.
        let lab = place
            .cast::<Element>()
            .and_then(|p| p.closest("main").ok().flatten());
        if let (Some(group), Some(lab)) = (panel.map(panel_group), lab)
            && let Some(details) = lab
                .query_selector(&format!("#{}", group.id()))
                .ok()
                .flatten()
        {
            unfold_around(&details);
            let _ = details.set_attribute("open", "");
        }
    });
}
