//! The course in the app: the outline of lessons with the learner's progress, the lesson
//! player that sits in the narration's place beside the stage, and exercise mode (an exercise
//! open beside the lab with its live status, and making an exercise from a lab). Lessons,
//! exercises and the outline are fetched when opened (`fetch`), never part of the first page
//! load.
//!
//! The player never changes the world itself: entering a beat or "show me" is one
//! [`LabAction::StartAt`](crate::state::LabAction::StartAt) that replays the lesson's fixed path
//! through the lab's reducer, one `World::step` per action, so the stage, the narration and the
//! timeline follow; the learner's own clicks are ordinary lab steps, and a checkpoint is judged
//! over them (`session`).
//!
//! Code map: `session` (a lesson read, checked and judged; pure), `fetch` (where files come
//! from, the same-origin rule for a teacher's file), `progress_store` (`eos-lab.progress` in
//! localStorage, shared by lessons and exercises), `markup` (narration as nodes), `player` (the
//! lesson player and its end), `outline` (the course's contents), this file (the course's state
//! and the hook the app holds it by). Exercise mode: `exercise` (an exercise read and checked,
//! its live status, attempt file, share link and allowed steps; pure), `exercise_session` (the
//! hook that opens exercises: address, outline, import, share link), `exercise_maker` ("Make an
//! exercise from this lab"; pure).

pub mod exercise;
pub mod exercise_maker;
pub mod exercise_session;
pub mod fetch;
pub mod markup;
pub mod outline;
pub mod player;
pub mod progress_store;
pub mod session;

use crate::components::detail_layer::DetailGroup;
use crate::components::dom_id;
use crate::launch::LaunchOptions;
use crate::scenarios::Origin;
use crate::state::LabState;
use eos_course::{BeatPoint, Outline, Panel, Progress, Target};
use fetch::{CourseFiles, OUTLINE_PATH, lesson_path};
use session::LessonRun;
use std::rc::Rc;
use yew::prelude::*;

/// What the course shows in the narration's place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Place {
    /// Nothing: the lab's own narration alone.
    #[default]
    Closed,
    Outline,
    /// The lesson being read, loaded or not.
    Lesson,
}

/// The course's state: what is open, what is loaded, and the learner's progress.
#[derive(Clone, Debug, Default)]
pub struct CourseState {
    pub place: Place,
    pub outline: Option<Rc<Outline>>,
    /// Why the outline could not be had.
    pub outline_error: Option<String>,
    /// The lesson id being fetched.
    pub loading: Option<String>,
    /// Why the lesson asked for could not be opened (located), or a beat out of range.
    pub error: Option<String>,
    pub run: Option<Rc<LessonRun>>,
    pub beat: usize,
    /// The lesson's end is shown.
    pub finished: bool,
    /// The current beat's checkpoint was played by "show me" (not passed by the learner).
    pub shown_me: bool,
    pub progress: Progress,
    /// Said once when saved progress could not be read.
    pub progress_notice: Option<String>,
    /// Whether progress is saved: never when embedded, nor over progress that could not be
    /// kept aside.
    pub saves: bool,
    /// Counts changes, so a view holding the course can tell an old state from a new one.
    pub revision: u64,
}

/// Everything that changes the course's state.
#[derive(Clone, Debug)]
pub enum CourseAction {
    OpenOutline,
    Close,
    OutlineRead(Result<Rc<Outline>, String>),
    Loading(String),
    LessonRead {
        result: Result<Rc<LessonRun>, String>,
        beat: usize,
    },
    /// The player entered this beat of the open lesson.
    Beat(usize),
    Finish,
    ShowedMe,
    /// The learner passed the current beat's checkpoint with their own steps.
    Passed,
    /// The progress storage holds after saving (it may carry another feature's changes).
    ProgressStored(Progress),
    DismissProgressNotice,
}

impl Reducible for CourseState {
    type Action = CourseAction;

    fn reduce(self: Rc<Self>, action: CourseAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.revision += 1;
        match action {
            CourseAction::OpenOutline => {
                next.place = Place::Outline;
                next.finished = false;
            }
            CourseAction::Close => {
                next.place = Place::Closed;
                next.run = None;
                next.error = None;
                next.finished = false;
            }
            CourseAction::OutlineRead(Ok(outline)) => {
                next.outline = Some(outline);
                next.outline_error = None;
            }
            CourseAction::OutlineRead(Err(why)) => next.outline_error = Some(why),
            CourseAction::Loading(id) => {
                next.place = Place::Lesson;
                next.loading = Some(id);
                next.error = None;
                next.finished = false;
            }
            CourseAction::LessonRead { result, beat } => {
                next.loading = None;
                match result {
                    Ok(run) => {
                        let last = run.beats() - 1;
                        if beat > last {
                            next.error = Some(format!(
                                "Beat {} is past the lesson's end (it has {} beats); it opens at the last.",
                                beat + 1,
                                run.beats()
                            ));
                        }
                        next.beat = beat.min(last);
                        next.shown_me = false;
                        next.progress.reach_beat(&run.lesson.id, next.beat);
                        next.run = Some(run);
                    }
                    Err(why) => {
                        next.run = None;
                        next.error = Some(why);
                    }
                }
            }
            CourseAction::Beat(beat) => {
                next.beat = beat;
                next.shown_me = false;
                next.finished = false;
                if let Some(run) = &next.run {
                    next.progress.reach_beat(&run.lesson.id, beat);
                }
            }
            CourseAction::Finish => next.finished = true,
            CourseAction::ShowedMe => next.shown_me = true,
            CourseAction::Passed => {
                if let Some(run) = &next.run {
                    next.progress.pass_checkpoint(&run.lesson.id, next.beat);
                }
            }
            CourseAction::ProgressStored(progress) => next.progress = progress,
            CourseAction::DismissProgressNotice => next.progress_notice = None,
        }
        Rc::new(next)
    }
}

impl CourseState {
    /// The open lesson, once loaded and not at its end.
    pub fn playing(&self) -> Option<&Rc<LessonRun>> {
        self.run
            .as_ref()
            .filter(|_| self.place == Place::Lesson && !self.finished)
    }

    /// What the current beat points at, if a lesson is playing.
    pub fn target(&self) -> Option<&Target> {
        self.playing()?
            .lesson
            .beats
            .get(self.beat)?
            .point_at
            .as_ref()
    }
}

/// The id of the stage element a target names (`None` for a panel, which is in the details).
pub fn stage_id(target: &Target) -> Option<String> {
    Some(match target {
        Target::Producer(id) => dom_id("stage-producer", id),
        Target::Consumer(id) => dom_id("stage-consumer", id),
        Target::Broker(id) => format!("stage-broker-{id}"),
        Target::Partition(name) => dom_id("stage-partition", name),
        Target::Offset(o) => dom_id("stage-offset", &format!("{}-{}", o.partition, o.offset)),
        Target::Coordinator => "stage-coordinator".to_owned(),
        Target::Database => "stage-database".to_owned(),
        Target::Panel(_) => return None,
    })
}

/// The detail group that holds a panel.
pub fn panel_group(panel: Panel) -> DetailGroup {
    match panel {
        Panel::Network => DetailGroup::Network,
        Panel::PartitionLog => DetailGroup::Logs,
        Panel::ConsumerView => DetailGroup::Readers,
        Panel::Coordinator | Panel::StateDiagram => DetailGroup::Coordinator,
        Panel::Database => DetailGroup::Database,
        Panel::Guarantees => DetailGroup::Guarantees,
        Panel::Timeline => DetailGroup::Timeline,
        Panel::Inspector | Panel::ToolView | Panel::OffsetsPlot => DetailGroup::Inspector,
    }
}

/// The course as the app holds it: its state, where its files come from, and the lab it
/// drives. Cheap to clone; equal while its state is the same value.
#[derive(Clone, Debug)]
pub struct Course {
    pub state: UseReducerHandle<CourseState>,
    pub files: CourseFiles,
    pub lab: UseReducerDispatcher<LabState>,
    /// The state's revision when this was made (the handle itself reads the latest state).
    pub revision: u64,
}

impl PartialEq for Course {
    fn eq(&self, other: &Self) -> bool {
        self.revision == other.revision && self.files == other.files && self.lab == other.lab
    }
}

impl Course {
    /// Opens the outline, fetching it the first time.
    pub fn open_outline(&self) {
        self.state.dispatch(CourseAction::OpenOutline);
        self.fetch_outline(None);
    }

    /// Opens the first lesson of the outline (fetching the outline first if needed).
    pub fn start(&self) {
        match self.state.outline.as_ref().and_then(|o| o.lessons.first()) {
            Some(first) => self.open_lesson(&first.id, 0),
            None => {
                self.state.dispatch(CourseAction::Loading(String::new()));
                self.fetch_outline(Some(self.clone()));
            }
        }
    }

    /// Fetches the outline if it is not loaded; then, given `then`, opens its first lesson.
    fn fetch_outline(&self, then: Option<Course>) {
        if self.state.outline.is_some() && then.is_none() {
            return;
        }
        let (state, files) = (self.state.dispatcher(), self.files.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let read = files.read(OUTLINE_PATH).await.and_then(|text| {
                Outline::parse(OUTLINE_PATH, &text)
                    .map(Rc::new)
                    .map_err(|e| e.to_string())
            });
            let first = read
                .as_ref()
                .ok()
                .and_then(|o| o.lessons.first())
                .map(|l| l.id.clone());
            let failed = read.as_ref().err().cloned();
            state.dispatch(CourseAction::OutlineRead(read));
            if let Some(course) = then {
                match (first, failed) {
                    (Some(id), _) => course.open_lesson(&id, 0),
                    (None, why) => state.dispatch(CourseAction::LessonRead {
                        result: Err(format!(
                            "The course could not be opened: {}.",
                            why.unwrap_or_else(|| "its outline lists no lesson".to_owned())
                        )),
                        beat: 0,
                    }),
                }
            }
        });
    }

    /// Fetches and opens lesson `id` at `beat` (0-based); a lesson that cannot be read is a
    /// located notice and the lab is left as it is.
    pub fn open_lesson(&self, id: &str, beat: usize) {
        self.state.dispatch(CourseAction::Loading(id.to_owned()));
        self.fetch_outline(None);
        let (state, lab, files) = (
            self.state.dispatcher(),
            self.lab.clone(),
            self.files.clone(),
        );
        let path = lesson_path(id);
        wasm_bindgen_futures::spawn_local(async move {
            let result = match files.read(&path).await {
                Ok(text) => LessonRun::read(&path, &text)
                    .map(Rc::new)
                    .map_err(|e| format!("The lesson could not be opened: {e}.")),
                Err(why) => Err(format!("The lesson “{path}” could not be loaded: {why}.")),
            };
            if let Ok(run) = &result {
                let at = beat.min(run.beats() - 1);
                if let Some(action) = run.enter(at, BeatPoint::AfterActions) {
                    lab.dispatch(action);
                }
            }
            state.dispatch(CourseAction::LessonRead { result, beat });
        });
    }

    /// Enters beat `beat` of the open lesson: the lab replays the path to it.
    pub fn go_to(&self, beat: usize) {
        let Some(run) = self.state.run.as_ref() else {
            return;
        };
        if let Some(action) = run.enter(beat, BeatPoint::AfterActions) {
            self.lab.dispatch(action);
            self.state.dispatch(CourseAction::Beat(beat));
        }
    }

    /// Plays the current checkpoint's reference actions from where it began.
    pub fn show_me(&self) {
        let Some(run) = self.state.run.as_ref() else {
            return;
        };
        if let Some(action) = run.enter(self.state.beat, BeatPoint::After) {
            self.lab.dispatch(action);
            self.state.dispatch(CourseAction::ShowedMe);
        }
    }

    pub fn finish(&self) {
        self.state.dispatch(CourseAction::Finish);
    }

    pub fn close(&self) {
        self.state.dispatch(CourseAction::Close);
    }

    /// The stage element the current beat points at, while the lab shows the lesson.
    pub fn pointed(&self, lab_origin: &Origin) -> Option<AttrValue> {
        let run = self.state.playing().filter(|run| run.owns(lab_origin))?;
        let target = run.lesson.beats.get(self.state.beat)?.point_at.as_ref()?;
        stage_id(target).map(AttrValue::from)
    }
}

/// The course's state for the app: progress read from storage (not when embedded), saved
/// when it changes, and the lesson the address names opened once the lab has started.
#[hook]
pub fn use_course(
    launch: &LaunchOptions,
    files: CourseFiles,
    lab: UseReducerDispatcher<LabState>,
) -> Course {
    let embedded = launch.embed;
    let state = use_reducer(move || {
        if embedded {
            return CourseState::default();
        }
        let loaded = progress_store::load();
        CourseState {
            progress: loaded.progress,
            progress_notice: loaded.notice,
            saves: loaded.may_save,
            ..CourseState::default()
        }
    });
    let revision = state.revision;
    let course = Course {
        state,
        files,
        lab,
        revision,
    };
    {
        let course = course.clone();
        let asked = launch.lesson.clone().map(|id| (id, launch.beat));
        use_effect_with((), move |()| {
            if let Some((id, beat)) = asked {
                course.open_lesson(&id, beat);
            }
        });
    }
    {
        let saves = course.state.saves;
        let state = course.state.dispatcher();
        let mounted = use_mut_ref(|| false);
        use_effect_with(course.state.progress.clone(), move |progress| {
            let first = !std::mem::replace(&mut *mounted.borrow_mut(), true);
            // Applied to what storage holds now, not written whole: an exercise passed since
            // this copy was read stays saved, and then shows in the outline too.
            if saves && !first {
                let stored =
                    progress_store::update(|stored| progress_store::absorb(stored, progress));
                if let Some(stored) = stored.filter(|stored| stored != progress) {
                    state.dispatch(CourseAction::ProgressStored(stored));
                }
            }
        });
    }
    course
}
