//! The page: the scenario, time controls and any notice on top; clients, the network, the
//! partitions and the coordinator in the middle; the timeline and the guarantees beside them.
//! One reducer owns the state; the keyboard shortcuts are an effect on the document.

use crate::components::branch_compare::Branches;
use crate::components::consumer_view::{ConsumerView, partition_acted_on};
use crate::components::cost_model_panel::CostModelPanel;
use crate::components::database_panel::DatabasePanel;
use crate::components::detail_layer::{self, Detail, DetailGroup};
use crate::components::exercise_maker::ExerciseMaker;
use crate::components::exercise_panel::ExercisePanel;
use crate::components::exercise_picker::ExercisePicker;
use crate::components::explorer_panel::ExplorerPanel;
use crate::components::fetch_response::FetchShown;
use crate::components::guarantee_strip::GuaranteeStrip;
use crate::components::inspect_panel::InspectPanel;
use crate::components::narration::Narration;
use crate::components::offsets_log::OffsetsLogPanel;
use crate::components::recap::{Recap, recap_view};
use crate::components::save_box::SaveBox;
use crate::components::settings_form::ClusterSettings;
use crate::components::share_box::{ShareBox, link_in_address};
use crate::components::timeline::window;
use crate::components::{
    ConsumerCard, CoordinatorPanel, HelpDialog, InvariantsPanel, NetworkPanel, NoticeBar,
    PartitionLogView, ProducerCard, ScenarioPicker, TimeControls, Timeline, WorldRef,
};
use crate::course::exercise::OpenExercise;
use crate::course::exercise_session::use_exercise_session;
use crate::course::fetch::CourseFiles;
use crate::course::player::{CoursePlace, LabView};
use crate::course::{Course, Place, use_course};
use crate::embed::use_embed;
use crate::launch::{LaunchOptions, LaunchProblem};
use crate::playback::use_playback;
use crate::scenarios::Origin;
use crate::stage::Stage;
use crate::state::{BegunLaunch, LabAction, LabState};
use crate::turns::{Drawn, use_drawn};
use gloo_events::{EventListener, EventListenerOptions};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

/// How the app is mounted.
#[derive(Debug, Default, Properties, PartialEq)]
pub struct AppProps {
    /// How to start; read from the page address when not given (tests give it).
    #[prop_or_default]
    pub launch: Option<Rc<LaunchOptions>>,
    /// Save the lab in the browser's storage and restore it on start. The page turns it on;
    /// tests that mount many labs in one page leave it off, and embedded labs never save.
    #[prop_or_default]
    pub autosave: bool,
    /// Open a first visit (autosave on, nothing saved, no address naming a start) on the
    /// lost-acknowledgement story with a welcome. The page turns it on; tests choose.
    #[prop_or_default]
    pub first_visit_start: bool,
    /// Where lessons, exercises and the course outline come from: the site, or texts given
    /// by tests.
    #[prop_or_default]
    pub course_files: CourseFiles,
    /// Draw the page's first render in turns (`turns`), so no one task blocks a phone for long.
    /// The page turns it on; tests see the whole page from the first render.
    #[prop_or_default]
    pub draw_in_turns: bool,
    /// The start, prepared before mounting (`Start::prepare`); read from the props above when
    /// not given.
    #[prop_or_default]
    pub start: Option<Rc<Start>>,
}

/// The whole EOS Lab app.
#[component]
pub fn App(props: &AppProps) -> Html {
    let start = {
        let (given, launch) = (props.start.clone(), props.launch.clone());
        let (first_visit_start, autosave) = (props.first_visit_start, props.autosave);
        (*use_memo((), move |()| {
            given.unwrap_or_else(|| Start::prepare(launch, first_visit_start, autosave))
        }))
        .clone()
    };
    let launch = Rc::clone(&start.launch);
    let welcome = start.welcome;
    let state = {
        let start = Rc::clone(&start);
        use_reducer(move || start.take_lab())
    };
    let course = use_course(&launch, props.course_files.clone(), state.dispatcher());
    // Embedded labs never save; an address that names how to start wins over the saved lab; a
    // lesson's lab is not the learner's own, so it never replaces the saved one.
    crate::autosave::use_autosave(
        &state,
        props.autosave
            && launch.autosave_allowed()
            && launch.lesson.is_none()
            && course.state.place != Place::Lesson,
        !launch.changes_start(),
    );
    let embed = launch.embed;
    let drawn = use_drawn(props.draw_in_turns);
    let lab_ref = use_node_ref();
    let help_open = use_state(|| false);
    let exercise = use_exercise_session(
        state.dispatcher(),
        launch.exercise.clone(),
        props.course_files.clone(),
    );
    let exercise_status = {
        let state = state.clone();
        use_memo(
            (state.revision(), state.cursor(), exercise.current.clone()),
            move |(_, _, open)| open.as_ref().map(|open| Rc::new(open.status(&state))),
        )
    };
    // The exercise whose allowed steps the controls keep, while the lab is on it.
    let guard = use_mut_ref(|| None::<Rc<OpenExercise>>);
    *guard.borrow_mut() = exercise
        .current
        .clone()
        .filter(|open| open.learner_actions(&state).is_ok());
    crate::course::progress_store::use_exercise_progress(
        exercise
            .current
            .as_ref()
            .map(|open| open.exercise.id.clone()),
        (*exercise_status).as_deref().cloned(),
        props.autosave && launch.autosave_allowed(),
    );
    // One callback for the app's lifetime, so panels whose world did not change skip rendering.
    let dispatch = {
        let dispatcher = state.dispatcher();
        let guard = guard.clone();
        use_callback((), move |action: LabAction, ()| {
            let refused = guard
                .borrow()
                .as_ref()
                .and_then(|open| open.refusal(&action));
            dispatcher.dispatch(refused.map_or(action, LabAction::Notify));
        })
    };
    // Embedded, the keys act only while focus is inside the lab, so two labs never fight.
    let key_scope = embed.then(|| lab_ref.clone());
    use_shortcuts(
        state.dispatcher(),
        help_open.setter(),
        *help_open,
        key_scope,
    );
    use_playback(state.playing(), state.speed(), dispatch.clone());
    use_embed(embed, launch.id.clone(), lab_ref.clone(), dispatch.clone());
    // A share link in the address opens as the lab starts, and wins over URL parameters; a
    // damaged one is a notice.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |()| {
            if let Some(fragment) = link_in_address() {
                dispatcher.dispatch(LabAction::OpenLink(fragment));
            }
        });
    }
    let help_button = use_node_ref();
    use_focus_return(*help_open, help_button.clone());

    let on_help = {
        let help_open = help_open.clone();
        Callback::from(move |_: MouseEvent| help_open.set(true))
    };
    let on_close_help = {
        let help_open = help_open.clone();
        Callback::from(move |_: MouseEvent| help_open.set(false))
    };
    let history = state.history();
    let cursor = state.cursor();
    let (rows, hidden_before, hidden_after) = window(history, cursor);
    let current = cursor
        .checked_sub(1)
        .and_then(|i| history.get(i))
        .map(|step| {
            (
                step.action.describe(),
                step.events.iter().map(|e| e.explanation.clone()).collect(),
            )
        });
    // One pointer per step, gathered again only when the history or the cursor moves.
    let steps = {
        let state = state.clone();
        use_memo((state.revision(), cursor), move |_| state.steps_so_far())
    };
    let make_link = {
        let state = state.clone();
        let open = guard.borrow().clone();
        Callback::from(move |()| match &open {
            Some(open) => open.share_link(&state),
            None => state.share_link(),
        })
    };
    let make_draft = {
        let state = state.clone();
        Callback::from(move |()| {
            crate::course::exercise_maker::ExerciseDraft::from_lab(&state).map(Rc::new)
        })
    };
    let exercise_panel = match (&exercise.current, &*exercise_status) {
        (Some(open), Some(status)) if !embed => {
            let make_attempt = {
                let state = state.clone();
                let open = Rc::clone(open);
                Callback::from(move |()| open.attempt(&state))
            };
            html! {
                <ExercisePanel exercise={Rc::clone(open)} status={Rc::clone(status)}
                    {make_attempt} passed_before={exercise_passed_before(props, &launch, open)}
                    dispatch={dispatch.clone()} on_close={exercise.close.clone()} />
            }
        }
        _ => Html::default(),
    };
    let make_saved = {
        let state = state.clone();
        Callback::from(move |()| {
            (
                crate::saved::file_name(&state.origin().name),
                state.saved().to_json_pretty(),
            )
        })
    };
    let inspected = state.inspected().cloned();
    let compared = state.other_branch().map(|branch| Rc::clone(&branch.world));
    let branch_labels: Rc<[String]> = state.branches().iter().map(|b| b.label.clone()).collect();
    let run_label = match state.run_name() {
        Some(name) => format!("This branch: {name} (step {cursor})"),
        None => format!("This branch (step {cursor})"),
    };
    let next_scripted = state
        .next_scripted()
        .map(|(i, action)| (i + 1, state.origin().script.len(), action.describe()));

    let concepts = state.origin().concepts.clone();
    let embedded_view = embed.then_some(launch.view);
    // A record picked to inspect opens the inspector, which builds it the first time.
    let revealed_inspector = inspected.as_ref().is_some_and(|i| i.reveals > 0);
    let opens = |group: DetailGroup| {
        detail_layer::opens(group, &concepts, embedded_view)
            || (group == DetailGroup::Inspector && revealed_inspector)
    };
    let shown =
        |group: DetailGroup| embedded_view.is_none_or(|view| detail_layer::shown_in(group, view));

    let lab = match state.world() {
        Err(why) => html! {
            <p class="notice is-refusal" role="alert">
                {format!("The lab could not build this scenario's world: {why}.")}
            </p>
        },
        Ok(_) if drawn < Drawn::Stage => Html::default(),
        Ok(world) => {
            let recap = recap_view(&state, world);
            let world = WorldRef(Rc::clone(world));
            let detail = |group: DetailGroup, children: Html| -> Html {
                if shown(group) {
                    html! { <Detail {group} open={opens(group)}>{children}</Detail> }
                } else {
                    Html::default()
                }
            };
            let step_at = |back: usize| {
                cursor
                    .checked_sub(back)
                    .and_then(|i| history.get(i))
                    .cloned()
            };
            let welcome = welcome
                && cursor == 0
                && state.origin().name == crate::scenarios::first_story_name();
            html! {
                <>
                    <section class="stage-area" aria-label="The system, step by step">
                        <Stage world={world.clone()} dispatch={dispatch.clone()} step={step_at(1)}
                            before={step_at(2)}
                            inspected={inspected.as_ref().map(|i| (i.topic_partition.clone(), i.offset))}
                            pointed={course.pointed(state.origin())} />
                        {exercise_panel.clone()}
                        <CoursePlace course={course.clone()} lab={LabView {
                            origin: state.shared_origin(),
                            history: history.clone(),
                            cursor,
                            world: Some(Rc::clone(&world.0)),
                            revision: state.revision(),
                        }} />
                        <Narration {cursor} step={step_at(1)} world={world.clone()}
                            origin={state.shared_origin()} {welcome} dispatch={dispatch.clone()}
                            on_start_course={(!embed).then(|| start_course(&course))} />
                        <Recap view={recap} dispatch={dispatch.clone()} />
                        <GuaranteeStrip world={world.clone()} dispatch={dispatch.clone()} />
                    </section>
                    if drawn == Drawn::Everything {
                    <section class="details" aria-labelledby="details-heading">
                        <h2 id="details-heading" class="details-heading visually-hidden">{"Details"}</h2>
                        {detail(DetailGroup::Guarantees, html! {
                            <InvariantsPanel world={world.clone()} dispatch={dispatch.clone()} />
                        })}
                        {detail(DetailGroup::Explorer, html! {
                            <ExplorerPanel origin={state.shared_origin()} dispatch={dispatch.clone()} />
                        })}
                        {detail(DetailGroup::Clients, html! {
                            <div class="clients">
                                <section class="panel panel-producers" aria-labelledby="producers-heading">
                                    <h2 id="producers-heading">{"Producers"}</h2>
                                    { for world.producers().map(|p| html! {
                                        <ProducerCard key={p.id().0.to_string()} world={world.clone()}
                                            id={p.id().clone()} dispatch={dispatch.clone()} />
                                    }) }
                                </section>
                                <section class="panel panel-consumers" aria-labelledby="consumers-heading">
                                    <h2 id="consumers-heading">{"Consumers"}</h2>
                                    { for world.consumers().map(|c| html! {
                                        <ConsumerCard key={c.id().0.to_string()} world={world.clone()}
                                            id={c.id().clone()} dispatch={dispatch.clone()} />
                                    }) }
                                </section>
                            </div>
                        })}
                        {detail(DetailGroup::Network, html! {
                            <NetworkPanel world={world.clone()} dispatch={dispatch.clone()}
                                auto_deliver={state.auto_deliver()}
                                fetch_answer={cursor.checked_sub(1).and_then(|i| history.get(i))
                                    .and_then(|step| FetchShown::hand_made_of(&step.events))} />
                        })}
                        {detail(DetailGroup::Logs, html! {
                            <div class="logs">
                                { for world.cluster().partitions().map(|p| html! {
                                    <PartitionLogView key={p.topic_partition.to_string()} world={world.clone()}
                                        topic_partition={p.topic_partition.clone()} dispatch={dispatch.clone()}
                                        inspected={inspected.as_ref().filter(|i| i.topic_partition == p.topic_partition).map(|i| i.offset)} />
                                }) }
                                <OffsetsLogPanel world={world.clone()} />
                            </div>
                        })}
                        {detail(DetailGroup::Readers, html! {
                            <ConsumerView world={world.clone()} dispatch={dispatch.clone()}
                                inspected={inspected.as_ref().map(|i| (i.topic_partition.clone(), i.offset))}
                                acted_on={cursor.checked_sub(1).and_then(|i| history.get(i))
                                    .and_then(|step| partition_acted_on(&step.events))}
                                fetch={cursor.checked_sub(1).and_then(|i| history.get(i))
                                    .and_then(|step| FetchShown::last_of(&step.events))} />
                        })}
                        {detail(DetailGroup::Coordinator, html! {
                            <CoordinatorPanel world={world.clone()} dispatch={dispatch.clone()} />
                        })}
                        {detail(DetailGroup::Database, html! {
                            <DatabasePanel world={world.0.clone()} />
                        })}
                        {detail(DetailGroup::Inspector, html! {
                            <>
                            <InspectPanel world={world.clone()} steps={(*steps).clone()}
                                inspected={inspected.clone()} dispatch={dispatch.clone()} />
                            <CostModelPanel />
                            </>
                        })}
                        {detail(DetailGroup::Timeline, html! {
                            <Timeline {rows} {hidden_before} {hidden_after} {cursor} {current}
                                dispatch={dispatch.clone()} />
                        })}
                        { for compared.map(|left| detail(DetailGroup::Branches, html! {
                            <Branches labels={branch_labels.clone()} chosen={state.compared_branch()}
                                {left} right={world.0.clone()} right_label={run_label.clone()}
                                dispatch={dispatch.clone()} />
                        })) }
                        {detail(DetailGroup::ClusterSettings, html! {
                            <ClusterSettings config={state.origin().config.cluster.clone()}
                                dispatch={dispatch.clone()} />
                        })}
                        {(!embed).then(|| detail(DetailGroup::ShareAndSave, html! {
                            <div class="panel share-and-save">
                                <ShareBox make_link={make_link.clone()} />
                                <SaveBox make_saved={make_saved.clone()} dispatch={dispatch.clone()} />
                                <ExerciseMaker make_draft={make_draft.clone()} />
                            </div>
                        }))}
                    </section>
                    }
                </>
            }
        }
    };

    html! {
        <>
            <main id="main" class="layout" ref={lab_ref}
                data-view={embed.then(|| launch.view.name())}
                tabindex={embed.then_some("-1")}>
                // Embedded, the site's header (and its h1) is hidden; the page still needs a title.
                {embed.then(|| html! {
                    <h1 class="visually-hidden" id="embed-title">
                        {format!("EOS Lab: {}", state.origin().name)}
                    </h1>
                })}
                <div class="top">
                    {(!embed).then(|| html! {
                        <div class="pickers">
                            <ScenarioPicker origin={state.shared_origin()} dispatch={dispatch.clone()} />
                        </div>
                    })}
                    <div class="band-controls">
                        <TimeControls {cursor} total={history.len()} {next_scripted}
                            dispatch={dispatch.clone()} {on_help} {help_button}
                            playing={state.playing()} speed={state.speed()} can_play={state.can_advance()} />
                        {(!embed).then(|| course_entry(&course, html! {
                            <ExercisePicker open={exercise.open.clone()} dispatch={dispatch.clone()}
                                files={props.course_files.clone()}
                                passed={crate::course::progress_store::passed_ids(props.autosave)} />
                        }))}
                    </div>
                    <NoticeBar notice={state.notice().cloned()} dispatch={dispatch.clone()} />
                </div>
                {lab}
            </main>
            {help_open.then(|| html! { <HelpDialog on_close={on_close_help} within_lab={embed} /> })}
            // Shown once the lab is drawn whole: a footer drawn first would be pushed down by
            // each part drawn after it, a layout shift the reader sees.
            <footer class="site-footer" hidden={embed || drawn != Drawn::Everything}>
                <p>
                    {"EOS Lab runs entirely in your browser. The simulation is deterministic: \
                      the same steps always give the same log."}
                </p>
                <p>
                    <a href="book/">{"Read the book"}</a>
                    {": exactly-once in Kafka explained chapter by chapter, with this lab \
                      embedded in every chapter."}
                </p>
            </footer>
        </>
    }
}

/// Whether this browser has saved a pass of the open exercise (never for tests or embeds,
/// which keep no progress).
fn exercise_passed_before(props: &AppProps, launch: &LaunchOptions, open: &OpenExercise) -> bool {
    props.autosave
        && launch.autosave_allowed()
        && crate::course::progress_store::peek().exercise_passed(&open.exercise.id)
}

/// "Start the course": its first lesson.
fn start_course(course: &Course) -> Callback<MouseEvent> {
    let course = course.clone();
    Callback::from(move |_: MouseEvent| course.start())
}

/// The ways into the course under the step controls, on one row: the first lesson, the
/// outline, and the exercises' list (`exercises`).
fn course_entry(course: &Course, exercises: Html) -> Html {
    let open = course.state.place != Place::Closed;
    let toggle = {
        let course = course.clone();
        Callback::from(move |_: MouseEvent| {
            if open {
                course.close();
            } else {
                course.open_outline();
            }
        })
    };
    html! {
        <div class="button-row course-entry-row">
            <button type="button" class="button" id="course-start" onclick={start_course(course)}>
                {"Start the course"}
            </button>
            <button type="button" class="button" id="course-button" aria-expanded={open.to_string()}
                aria-controls={(course.state.place == Place::Outline).then_some("course-outline")}
                onclick={toggle}>{"Course"}</button>
            {exercises}
        </div>
    }
}

/// How the app starts: the address's options, whether this is a first visit that opens on the
/// welcome (decided once, at mount; the welcome shows while the first story is at its start),
/// and the lab itself. The page prepares it in a task of its own before the first render, since
/// building the lab (reading a scenario, replaying it to its moment) is the first render's
/// largest part; tests leave it to the app.
#[derive(Debug)]
pub struct Start {
    launch: Rc<LaunchOptions>,
    welcome: bool,
    lab: RefCell<Option<LabState>>,
}

impl PartialEq for Start {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Start {
    /// Reads the address (unless `launch` is given) and builds the lab it names, at once.
    pub fn prepare(
        launch: Option<Rc<LaunchOptions>>,
        first_visit_start: bool,
        autosave: bool,
    ) -> Rc<Self> {
        let read = StartRead::new(launch, first_visit_start, autosave);
        let lab = read.finish(read.build());
        read.into_start(lab)
    }

    /// [`Start::prepare`] in three tasks (reading the scenario, building its world, playing
    /// it to the step asked): each part runs code for the first time, which a phone compiles
    /// as it goes, so together they would block it for long.
    pub async fn prepare_in_turns(first_visit_start: bool, autosave: bool) -> Rc<Self> {
        let next_turn = || yew::platform::time::sleep(std::time::Duration::ZERO);
        let read = StartRead::new(None, first_visit_start, autosave);
        next_turn().await;
        let built = read.build();
        next_turn().await;
        let lab = read.finish(built);
        read.into_start(lab)
    }

    /// The prepared lab, once; a second mount of the same start builds it again.
    fn take_lab(&self) -> LabState {
        self.lab.borrow_mut().take().unwrap_or_else(|| {
            let read = StartRead {
                launch: Rc::clone(&self.launch),
                welcome: self.welcome,
                origin: StartOrigin::of(self.welcome, &self.launch),
            };
            read.finish(read.build())
        })
    }
}

/// A start whose scenario is read, before its world is built.
struct StartRead {
    launch: Rc<LaunchOptions>,
    welcome: bool,
    origin: StartOrigin,
}

/// Where the first lab starts.
enum StartOrigin {
    /// A first visit: the first story, at its start.
    Story(Origin),
    /// The address names a start (a share link wins over it and opens from an effect).
    Launched(Result<Origin, LaunchProblem>),
    /// Free play, or a saved lab restored by autosave.
    FreePlay,
}

impl StartOrigin {
    fn of(welcome: bool, launch: &LaunchOptions) -> Self {
        // A first visit starts on the story itself, and an address that names a start on that
        // start, so the page never shifts from free play to it.
        if let Some(story) = welcome
            .then(crate::scenarios::first_story)
            .flatten()
            .and_then(|story| story.origin().ok())
        {
            return StartOrigin::Story(story);
        }
        if launch.changes_start() && link_in_address().is_none() {
            return StartOrigin::Launched(launch.origin());
        }
        StartOrigin::FreePlay
    }
}

impl StartRead {
    fn new(launch: Option<Rc<LaunchOptions>>, first_visit_start: bool, autosave: bool) -> Self {
        let launch = launch.unwrap_or_else(|| Rc::new(launch_in_address()));
        let asked = first_visit_start && autosave;
        let names_a_start = launch.embed || launch.changes_start() || link_in_address().is_some();
        let welcome = asked && !names_a_start && !crate::autosave::has_saved_lab();
        let origin = StartOrigin::of(welcome, &launch);
        Self {
            launch,
            welcome,
            origin,
        }
    }

    /// The starting world.
    fn build(&self) -> (LabState, Option<BegunLaunch>) {
        match &self.origin {
            StartOrigin::Story(story) => (LabState::start(story.clone()), None),
            StartOrigin::Launched(origin) => {
                let (lab, begun) = LabState::begin_launch(&self.launch, origin.clone());
                (lab, Some(begun))
            }
            StartOrigin::FreePlay => (LabState::default(), None),
        }
    }

    /// Plays a launched lab to the step its address asks for.
    fn finish(&self, (mut lab, begun): (LabState, Option<BegunLaunch>)) -> LabState {
        if let Some(begun) = begun {
            lab.finish_launch(&self.launch, begun);
        }
        lab
    }

    fn into_start(self, lab: LabState) -> Rc<Start> {
        Rc::new(Start {
            launch: self.launch,
            welcome: self.welcome,
            lab: RefCell::new(Some(lab)),
        })
    }
}

/// Returns focus to the help button when the help dialog closes, so keyboard users carry on
/// where they were.
#[hook]
fn use_focus_return(help_open: bool, help_button: NodeRef) {
    let was_open = use_mut_ref(|| false);
    use_effect_with(help_open, move |open| {
        let closed = *was_open.borrow() && !*open;
        if let Some(button) = help_button
            .cast::<web_sys::HtmlElement>()
            .filter(|_| closed)
        {
            let _ = button.focus();
        }
        *was_open.borrow_mut() = *open;
    });
}

/// The keys listed in the help dialog, on the whole document (or, given `scope`, only on the
/// element the lab is mounted in), except while the user types in a field.
#[hook]
fn use_shortcuts(
    dispatch: UseReducerDispatcher<LabState>,
    set_help: UseStateSetter<bool>,
    help_open: bool,
    scope: Option<NodeRef>,
) {
    // The listener is registered once; it reads whether the dialog is open through this cell.
    let help_is_open = use_mut_ref(|| false);
    *help_is_open.borrow_mut() = help_open;
    use_effect_with((), move |()| {
        let listener = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|document| keydown_target(document, scope.as_ref()))
            .map(|target| {
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&target, "keydown", options, move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if let Some(action) = shortcut(event, &help_is_open, &set_help) {
                        event.prevent_default();
                        if let Some(action) = action {
                            dispatch.dispatch(action);
                        }
                    }
                })
            });
        move || drop(listener)
    });
}

/// Where the shortcuts listen: the document, or the element the lab is mounted in when the lab
/// is `scope`d to it (embedded), so keys pressed elsewhere on the page are not the lab's.
fn keydown_target(
    document: web_sys::Document,
    scope: Option<&NodeRef>,
) -> Option<web_sys::EventTarget> {
    match scope {
        Some(lab) => lab
            .cast::<Element>()
            .and_then(|main| main.parent_element())
            .map(Into::into),
        None => Some(document.into()),
    }
}

/// What a key press means: `None` if it is not a shortcut here; `Some(None)` if it was handled
/// without a lab action (the help dialog).
fn shortcut(
    event: &KeyboardEvent,
    help_is_open: &Rc<RefCell<bool>>,
    set_help: &UseStateSetter<bool>,
) -> Option<Option<LabAction>> {
    if event.ctrl_key() || event.meta_key() || event.alt_key() || typing_in(event) {
        return None;
    }
    let key = event.key();
    if *help_is_open.borrow() {
        return (key == "Escape" || key == "?").then(|| {
            set_help.set(false);
            None
        });
    }
    let action = match key.as_str() {
        "ArrowLeft" => LabAction::StepBack,
        "ArrowRight" => LabAction::StepForward,
        "Home" => LabAction::JumpTo(0),
        "End" => LabAction::JumpTo(usize::MAX),
        "n" => LabAction::NextScripted,
        "r" => LabAction::Reset,
        "p" => LabAction::TogglePlay,
        "?" => {
            set_help.set(true);
            return Some(None);
        }
        _ => return None,
    };
    Some(Some(action))
}

/// Whether the key press goes to a field the user types in (or a slider that uses arrows): no
/// shortcut of the lab's or the lesson player's acts then.
pub(crate) fn typing_in(event: &KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|target| target.dyn_into::<Element>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || element.get_attribute("contenteditable").is_some()
        })
}

/// The launch options in the page address (`?scenario=…&embed`); none when it cannot be read.
fn launch_in_address() -> LaunchOptions {
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    LaunchOptions::parse(&query)
}
