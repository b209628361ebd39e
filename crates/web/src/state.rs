//! The app's one piece of state, [`LabState`], and the one action enum that changes it,
//! [`LabAction`].
//!
//! Shaped after Yew's `function_todomvc`: `reduce` is pure. The simulation lives in `eos_core`;
//! every change to the world is one core [`Action`] handed to [`World::step`]. The lab keeps the
//! list of applied actions (the history), a cursor into it, and [`Snapshots`] of the world
//! along it, so that going to any step costs one clone and a short replay.

use crate::launch::{LaunchOptions, LaunchProblem};
use crate::playback::Speed;
use crate::saved::{SavedLab, SavedLabError, SavedStep};
use crate::scenarios::{Origin, Source};
use crate::snapshots::Snapshots;
pub use crate::steps::StepRecord;
use crate::steps::{History, StepsSoFar, steps_in};
use eos_core::event::Narration;
use eos_core::run::scenario::Scenario;
use eos_core::run::share::{SharedLab, SharedLink, SharedStep};
use eos_core::views::offset_marks::{PartitionMarks, marks};
use eos_core::{Action, ActionError, Offset, TopicPartition, World};
use std::rc::Rc;
use yew::Reducible;

mod branches;
// Native only: proptest is a dev-dependency of the host build (the browser tests are elsewhere).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod random_sequences;
pub use branches::MAX_BRANCHES;

/// Everything the user can do in the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabAction {
    /// Apply one core action at the cursor. Steps after the cursor are discarded if it succeeds.
    Act(Action),
    /// Apply the scenario's next scripted step.
    NextScripted,
    StepBack,
    StepForward,
    /// Go to the world after `n` steps (0 is the start), within the history.
    JumpTo(usize),
    /// Start the same scenario again with an empty history.
    Reset,
    /// Start from another scenario; an unreadable one is reported and changes nothing.
    Load(Source),
    /// Start from `origin` with `steps` applied one `World::step` each (a lesson's path to a
    /// beat); the first `scripted` of them are the origin's own script. A step the core refuses
    /// stops there with a notice.
    StartAt {
        origin: Rc<Origin>,
        steps: Rc<[Action]>,
        scripted: usize,
    },
    /// Show a notice that comes from outside the reducer (a course file that could not be
    /// opened, an action an exercise does not allow); the lab is unchanged.
    Notify(Notice),
    /// Hide the current notice.
    DismissNotice,
    /// Open a share link: its world, with every step it carries applied.
    OpenLink(Rc<str>),
    /// Pick the record the inspector explains; `bring_into_view` when the pick came from
    /// elsewhere on the page (a record row), so the inspector scrolls into view and takes focus.
    Inspect {
        topic_partition: TopicPartition,
        offset: Offset,
        bring_into_view: bool,
    },
    /// Start playing: one step per tick until nothing is left.
    Play,
    Pause,
    /// Play when paused, pause when playing (the `p` key).
    TogglePlay,
    SetSpeed(Speed),
    /// The playback timer fired: go one step forward in the history, else apply the next
    /// scripted step; stop when neither is left.
    Tick,
    /// Whether the lab delivers every message in flight after each of the user's actions.
    SetAutoDeliver(bool),
    /// Start as the page address says: a scenario, seed, isolation level and scripted steps.
    Launch(Rc<LaunchOptions>),
    /// Restore a saved lab (`saved.rs`) exactly: its history replayed, its cursor; saved text
    /// that cannot be restored is a notice and changes nothing.
    Restore {
        from: SavedFrom,
        text: Rc<str>,
    },
    /// Saved data could not even be read (a file the browser could not open): say so.
    RestoreFailed {
        from: SavedFrom,
        why: String,
    },
    /// Start again from a starting world where the producer with this config's id has these
    /// settings, replay the history as far as it still applies, and keep the run before as a
    /// branch. Kafka fixes a client's settings for its lifetime, so only the start can change.
    EditProducer(eos_core::config::ProducerConfig),
    /// The same for a consumer.
    EditConsumer(eos_core::config::ConsumerConfig),
    /// The same for the cluster's own settings (brokers and topics stay as they are).
    EditCluster(eos_core::config::ClusterConfig),
    /// The same for the topic of this config's name.
    EditTopic(eos_core::config::TopicConfig),
    /// Compare the current run with the kept branch at this index.
    CompareBranch(usize),
    /// Make the kept branch at this index the current run; the current run becomes a branch.
    SwitchBranch(usize),
}

/// Where saved text came from, named in a notice when it cannot be restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SavedFrom {
    /// The lab this browser saved by itself.
    Storage,
    /// An imported file, by name.
    File(Rc<str>),
}

/// The record picked for the inspector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    pub topic_partition: TopicPartition,
    pub offset: Offset,
    /// Counts the picks that asked to bring the inspector into view, so that picking the same
    /// record again still does.
    pub reveals: u64,
}

/// A run the user left behind (by acting in the past, editing settings or switching): the
/// world at its end, kept so two runs can be compared, and its start and steps, so the user can
/// switch back to it.
#[derive(Clone, Debug)]
pub struct Branch {
    pub world: Rc<World>,
    /// How many steps that branch had.
    pub steps: usize,
    /// The step it split from the current one.
    pub split_at: usize,
    /// What the branch is, in words, e.g. "acks=all on p1 (ran to step 4)".
    pub label: String,
    /// The branch's own name for itself once it is the current run again.
    pub name: Option<String>,
    pub origin: Rc<Origin>,
    /// Its steps, shared with the run it split from.
    pub history: History,
    /// Where its cursor stood.
    pub cursor: usize,
}

/// Something the user should read: a refused action or a scenario that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The core refused the action; nothing changed.
    Refused { action: Action, error: ActionError },
    /// A scenario could not be read or its world could not be built.
    Unloadable { name: String, why: String },
    /// The script has no step left to apply.
    ScriptFinished,
    /// Replaying the history gave a different result; a bug in the lab, said rather than hidden.
    ReplayDiverged { step: usize, error: ActionError },
    /// URL parameters the lab could not use; it started with their defaults.
    Launch(Vec<LaunchProblem>),
    /// A saved lab could not be restored; the lab is as it was. `data` is the text read from
    /// browser storage, carried so the user can download it (a file the user has already).
    Unrestorable {
        from: SavedFrom,
        why: String,
        data: Option<Rc<str>>,
    },
    /// New starting settings were applied and the history replayed on them: all of it, or up
    /// to the step the core refused.
    SettingsChanged {
        change: String,
        replayed: usize,
        total: usize,
        refused: Option<(Action, ActionError)>,
    },
    /// The settings were not applied (Kafka would refuse them, or nothing changed); the lab is
    /// unchanged.
    SettingsRefused { change: String, why: String },
    /// A course file (an exercise, the course outline) could not be opened; `why` says where
    /// in it. The lab and any open exercise are unchanged.
    CourseFile { name: String, why: String },
    /// An exercise does not allow this kind of step; nothing was done.
    NotAllowed {
        action: Action,
        allowed: Vec<String>,
    },
}

impl Notice {
    /// The notice in plain words.
    pub fn message(&self) -> String {
        match self {
            Notice::Refused { action, error } => {
                format!("Not done: “{}” was refused: {error}.", action.describe())
            }
            Notice::Unloadable { name, why } => {
                format!("The scenario “{name}” could not be loaded: {why}. The lab is unchanged.")
            }
            Notice::ScriptFinished => {
                "The scenario has no scripted step left; act freely from here.".to_owned()
            }
            Notice::ReplayDiverged { step, error } => format!(
                "Replaying step {step} gave a different result ({error}); please report this."
            ),
            Notice::Launch(problems) => {
                let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                format!(
                    "Some of the page address was not used: {}.",
                    problems.join("; ")
                )
            }
            Notice::Unrestorable {
                from: SavedFrom::Storage,
                why,
                ..
            } => format!(
                "The lab saved in this browser could not be restored: {why}. The lab starts \
                 afresh; the saved data is kept aside and can be downloaded."
            ),
            Notice::Unrestorable {
                from: SavedFrom::File(name),
                why,
                ..
            } => format!("The file “{name}” could not be imported: {why}. The lab is unchanged."),
            Notice::SettingsChanged {
                change,
                replayed,
                total,
                refused,
            } => branches::settings_message(change, *replayed, *total, refused.as_ref()),
            Notice::SettingsRefused { change, why } => {
                format!("Settings not changed ({change}): {why}. The lab is unchanged.")
            }
            Notice::CourseFile { name, why } => {
                format!("“{name}” could not be opened: {why}. The lab is unchanged.")
            }
            Notice::NotAllowed { action, allowed } => format!(
                "Not done: this exercise does not allow “{}” (allowed: {}).",
                action.describe(),
                allowed.join(", ")
            ),
        }
    }
}

/// The whole state of the app: where the lab started, every step since, and where the cursor is.
#[derive(Clone, Debug)]
pub struct LabState {
    origin: Rc<Origin>,
    /// Why the starting world could not be built, if it could not.
    start_error: Option<String>,
    history: History,
    /// The indices of the history's steps with a duplicate (`StepRecord::has_duplicate`).
    duplicate_steps: Vec<usize>,
    /// Worlds along the history; `None` when there is no starting world.
    snapshots: Option<Snapshots>,
    /// The world after `cursor` steps.
    current: Option<Rc<World>>,
    cursor: usize,
    notice: Option<Notice>,
    /// The partitions' offsets at the start (each step keeps those after it).
    start_marks: Rc<[PartitionMarks]>,
    /// Runs left behind, oldest first, at most [`MAX_BRANCHES`].
    branches: Vec<Branch>,
    /// Which of `branches` is compared with the current run.
    compared: usize,
    /// What sets the current run apart, e.g. "acks=1 on p1", once it is not the plain start.
    run_name: Option<String>,
    /// Counts changes to the history, so views derived from it know when to recompute.
    revision: u64,
    /// The record the inspector explains, once one is picked.
    inspected: Option<Inspection>,
    /// Whether the playback timer is stepping; a new lab always starts paused.
    playing: bool,
    speed: Speed,
    /// Deliver everything in flight after each user action; off so dropping an ack stays one click.
    auto_deliver: bool,
}

/// What a launch's first half leaves for its second (`LabState::begin_launch`).
#[derive(Debug)]
pub struct BegunLaunch {
    problems: Vec<LaunchProblem>,
    loaded: bool,
}

impl Default for LabState {
    fn default() -> Self {
        Self::start(Origin::free_play())
    }
}

impl LabState {
    /// A lab at the start of `origin`, with an empty history.
    pub fn start(origin: Origin) -> Self {
        let (world, start_error) = match World::new(&origin.config, origin.seed) {
            Ok(world) => (Some(Rc::new(world)), None),
            Err(error) => (None, Some(error.to_string())),
        };
        let start_marks = world.as_deref().map(marks).unwrap_or_default();
        Self {
            origin: Rc::new(origin),
            start_error,
            history: History::new(),
            duplicate_steps: Vec::new(),
            snapshots: world.clone().map(Snapshots::new),
            current: world,
            cursor: 0,
            notice: None,
            start_marks: start_marks.into(),
            branches: Vec::new(),
            compared: 0,
            run_name: None,
            revision: 0,
            inspected: None,
            playing: false,
            speed: Speed::default(),
            auto_deliver: false,
        }
    }

    /// A new lab at the start of `origin` that keeps this one's speed and auto-deliver switch.
    fn restarted(&self, origin: Origin) -> Self {
        Self {
            speed: self.speed,
            auto_deliver: self.auto_deliver,
            ..Self::start(origin)
        }
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn speed(&self) -> Speed {
        self.speed
    }

    pub fn auto_deliver(&self) -> bool {
        self.auto_deliver
    }

    /// Whether playing has a step to take: one forward in the history or a scripted one.
    pub fn can_advance(&self) -> bool {
        self.current.is_some()
            && (self.cursor < self.history.len() || self.next_scripted().is_some())
    }

    fn play(&mut self) {
        if self.can_advance() {
            self.playing = true;
        } else {
            self.notice = Some(Notice::ScriptFinished);
        }
    }

    /// One step of playback; playing stops when nothing is left or a step fails.
    fn play_step(&mut self) {
        if self.cursor < self.history.len() {
            self.jump_to(self.cursor + 1);
        } else if let Some((index, action)) = self.next_scripted() {
            let action = action.clone();
            self.act(action, Some(index));
        }
        if self.notice.is_some() || !self.can_advance() {
            self.playing = false;
        }
    }

    /// A user's action, followed by delivering everything in flight when auto-deliver is on
    /// and the action succeeded.
    fn user_act(&mut self, action: Action) {
        let revision = self.revision;
        let follow = self.auto_deliver && !matches!(action, Action::DeliverAll {});
        self.act(action, None);
        let in_flight = self
            .current
            .as_ref()
            .is_some_and(|world| !world.network().is_empty());
        if follow && self.revision != revision && in_flight {
            self.act(Action::DeliverAll {}, None);
        }
    }

    fn launch(&mut self, options: &LaunchOptions) {
        let mut problems = options.problems.clone();
        let loaded = match options.origin() {
            Ok(origin) => {
                *self = self.restarted(origin);
                true
            }
            Err(problem) => {
                problems.push(problem);
                false
            }
        };
        self.finish_launch(options, BegunLaunch { problems, loaded });
    }

    /// A new lab launched as `options` ask, first half: the starting world of `origin` (read
    /// from `options` beforehand), or free play when it could not be read. The page builds its
    /// first lab in parts, one task each (`app::Start`); the reducer does both halves at once.
    pub fn begin_launch(
        options: &LaunchOptions,
        origin: Result<Origin, LaunchProblem>,
    ) -> (Self, BegunLaunch) {
        let mut problems = options.problems.clone();
        let (lab, loaded) = match origin {
            Ok(origin) => (Self::start(origin), true),
            Err(problem) => {
                problems.push(problem);
                (Self::default(), false)
            }
        };
        (lab, BegunLaunch { problems, loaded })
    }

    /// A launch's second half: plays the script to the step asked, then tells what of the
    /// options could not be used.
    pub fn finish_launch(&mut self, options: &LaunchOptions, begun: BegunLaunch) {
        let BegunLaunch {
            mut problems,
            loaded,
        } = begun;
        if loaded {
            let scripted = self.origin.script.len();
            for _ in 0..options.step.min(scripted) {
                let Some((index, action)) = self.next_scripted() else {
                    break;
                };
                let action = action.clone();
                self.act(action, Some(index));
                if self.notice.is_some() {
                    break;
                }
            }
            if options.step > scripted {
                problems.push(LaunchProblem::StepBeyondScript {
                    asked: options.step,
                    scripted,
                });
            }
        }
        if self.notice.is_none() && !problems.is_empty() {
            self.notice = Some(Notice::Launch(problems));
        }
    }

    /// The history and the cursor as one shared handle for the views that look back over it.
    /// Copies one pointer per step, never a step's events.
    pub fn steps_so_far(&self) -> StepsSoFar {
        StepsSoFar::new(
            Rc::clone(&self.start_marks),
            self.history.clone(),
            self.duplicate_steps.as_slice().into(),
            self.cursor,
        )
    }

    /// The branch compared with the current run, if any was left behind.
    pub fn other_branch(&self) -> Option<&Branch> {
        self.branches.get(self.compared)
    }

    /// The record picked for the inspector, if any; kept while travelling in time.
    pub fn inspected(&self) -> Option<&Inspection> {
        self.inspected.as_ref()
    }

    /// Changes whenever the history does.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The lab as a scenario: the starting world and every step of the history. (A share link
    /// carries more: see [`LabState::share_link`].)
    pub fn as_scenario(&self) -> Scenario {
        self.origin
            .as_scenario(self.history.iter().map(|s| s.action.clone()).collect())
    }

    /// The lab in the saved-lab format: where it started (with its whole script), every step
    /// and the cursor, so that restoring it gives this very lab.
    pub fn saved(&self) -> SavedLab {
        let mut origin = self.as_scenario();
        origin.steps = self.origin.script.to_vec();
        origin.moment = self.origin.moment.clone();
        origin.recap = self.origin.recap.clone();
        SavedLab {
            origin,
            history: self
                .history
                .iter()
                .map(|step| SavedStep {
                    action: step.action.clone(),
                    scripted: step.scripted,
                })
                .collect(),
            cursor: self.cursor,
        }
    }

    /// The lab as a `v2` share link: the same content as a saved lab (where it started with its
    /// whole script, every step, the cursor), so the link opens on this step with the rest of the
    /// script still ahead.
    pub fn share_link(&self) -> String {
        let saved = self.saved();
        eos_core::run::share::encode(&SharedLab {
            origin: saved.origin,
            history: saved
                .history
                .into_iter()
                .map(|step| SharedStep {
                    action: step.action,
                    scripted: step.scripted,
                })
                .collect(),
            cursor: saved.cursor,
            exercise: None,
        })
    }

    /// The lab a share link holds. A `v1` link opens as it always did: its scenario with every
    /// step run, stopping with a notice at a step the core refuses. A `v2` link is restored like
    /// a saved lab, or refused whole.
    fn opened_link(&self, fragment: &str) -> Result<Self, String> {
        let lab = match eos_core::run::share::decode(fragment).map_err(|e| e.to_string())? {
            SharedLink::Scenario(scenario) => {
                let mut next = self.restarted(Origin::from(scenario));
                next.run_script_to_end();
                return Ok(next);
            }
            SharedLink::Lab(lab) => lab,
        };
        let saved = SavedLab {
            origin: lab.origin,
            history: lab
                .history
                .into_iter()
                .map(|step| SavedStep {
                    action: step.action,
                    scripted: step.scripted,
                })
                .collect(),
            cursor: lab.cursor,
        };
        let mut next = Self::replayed(saved).map_err(|e| e.to_string())?;
        next.speed = self.speed;
        next.auto_deliver = self.auto_deliver;
        Ok(next)
    }

    /// The lab a saved text describes, replayed step by step through the core.
    fn restored(text: &str) -> Result<Self, SavedLabError> {
        Self::replayed(SavedLab::parse(text)?)
    }

    /// The lab `saved` describes (already checked for shape), replayed through the core.
    fn replayed(saved: SavedLab) -> Result<Self, SavedLabError> {
        let mut lab = Self::start(Origin::from(saved.origin));
        if let Some(why) = lab.start_error.take() {
            return Err(SavedLabError::World { why });
        }
        let steps = saved.history.into_iter().map(|s| (s.action, s.scripted));
        if let Err(refused) = lab.replay(steps) {
            let (index, action, error) = *refused;
            return Err(SavedLabError::Refused {
                step: index + 1,
                action: action.describe(),
                error,
            });
        }
        lab.jump_to(saved.cursor);
        if let Some(Notice::ReplayDiverged { step, error }) = lab.notice.take() {
            let action = step
                .checked_sub(1)
                .and_then(|i| lab.history.get(i))
                .map(|s| s.action.describe())
                .unwrap_or_default();
            return Err(SavedLabError::Refused {
                step,
                action,
                error,
            });
        }
        Ok(lab)
    }

    /// Where the lab started.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Where the lab started, shared (a view that keeps it compares it by identity first).
    pub fn shared_origin(&self) -> Rc<Origin> {
        Rc::clone(&self.origin)
    }

    /// The world at the cursor, or why the starting world could not be built.
    pub fn world(&self) -> Result<&Rc<World>, &str> {
        match (&self.current, &self.start_error) {
            (Some(world), _) => Ok(world),
            (None, Some(why)) => Err(why),
            (None, None) => Err("the lab has no world"),
        }
    }

    /// Every step applied, including those after the cursor.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// How many steps of the history the world at the cursor has taken.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// The scripted step "next scripted step" would apply: the one after the last scripted step
    /// before the cursor.
    pub fn next_scripted(&self) -> Option<(usize, &Action)> {
        // Free play has no script: no need to look back through a long history for one.
        if self.origin.script.is_empty() {
            return None;
        }
        let next = self.scripted_applied();
        self.origin.script.get(next).map(|action| (next, action))
    }

    /// How many of the scenario's scripted steps are applied at the cursor.
    pub fn scripted_applied(&self) -> usize {
        (0..self.cursor)
            .rev()
            .find_map(|i| self.history[i].scripted)
            .map_or(0, |i| i + 1)
    }

    fn act(&mut self, action: Action, scripted: Option<usize>) {
        let Some(current) = &self.current else {
            return;
        };
        let mut next = World::clone(current);
        match StepRecord::apply(&mut next, action.clone(), scripted) {
            Ok(record) => {
                if self.cursor < self.history.len() {
                    let left_behind = self.branch_end(current);
                    if let Some(branch) = left_behind {
                        self.keep_branch(branch);
                    }
                }
                self.forget_after_cursor();
                self.push_step(record);
                self.revision += 1;
                self.arrive(next, self.cursor + 1);
                self.notice = None;
            }
            Err(error) => self.notice = Some(Notice::Refused { action, error }),
        }
    }

    /// Applies the script's remaining steps in one go (opening a link), stopping at the first
    /// the core refuses, with a notice.
    fn run_script_to_end(&mut self) {
        let first = self.next_scripted().map_or(0, |(index, _)| index);
        let origin = Rc::clone(&self.origin);
        let script = origin.script[first.min(origin.script.len())..]
            .iter()
            .cloned()
            .zip(first..)
            .map(|(action, index)| (action, Some(index)));
        if let Err(refused) = self.replay(script) {
            let (_, action, error) = *refused;
            self.notice = Some(Notice::Refused { action, error });
        }
    }

    /// Applies `steps` (each with its scripted index) at the cursor in one go, discarding the
    /// steps after it: one world stepped in place instead of a copy per step, so a long history
    /// replays in time linear in its length. Stops at the first step the core refuses and
    /// returns its position among `steps`, the action and the core's error; the steps before
    /// it are kept.
    fn replay(
        &mut self,
        steps: impl IntoIterator<Item = (Action, Option<usize>)>,
    ) -> Result<(), Box<(usize, Action, ActionError)>> {
        let Some(current) = &self.current else {
            return Ok(());
        };
        let mut world = World::clone(current);
        self.forget_after_cursor();
        let mut refused = Ok(());
        for (index, (action, scripted)) in steps.into_iter().enumerate() {
            match StepRecord::apply(&mut world, action.clone(), scripted) {
                Ok(record) => {
                    self.push_step(record);
                    self.cursor += 1;
                    if let Some(snapshots) = &mut self.snapshots {
                        snapshots.offer(self.cursor, || Rc::new(world.clone()));
                    }
                }
                Err(error) => {
                    refused = Err(Box::new((index, action, error)));
                    break;
                }
            }
        }
        self.revision += 1;
        self.current = Some(Rc::new(world));
        refused
    }

    /// Drops the steps after the cursor (and the snapshots taken after it).
    fn forget_after_cursor(&mut self) {
        self.history.truncate(self.cursor);
        let cursor = self.cursor;
        self.duplicate_steps.retain(|&i| i < cursor);
        if let Some(snapshots) = &mut self.snapshots {
            snapshots.forget_after(self.cursor);
        }
    }

    /// Appends `record` to the history (the cursor is the caller's to move).
    fn push_step(&mut self, record: StepRecord) {
        if record.has_duplicate() {
            self.duplicate_steps.push(self.history.len());
        }
        self.history.push_back(Rc::new(record));
    }

    /// The world at the end of the history, replayed from `current` (the world at the cursor),
    /// before acting in the past discards those steps.
    fn branch_end(&self, current: &World) -> Option<Branch> {
        let mut end = current.clone();
        for step in steps_in(&self.history, self.cursor..self.history.len()) {
            end.step(&step.action).ok()?;
        }
        let name = self.run_name.as_deref().unwrap_or("Earlier branch");
        Some(Branch {
            world: Rc::new(end),
            steps: self.history.len(),
            split_at: self.cursor,
            label: format!(
                "{name} (split at step {}, ran to step {})",
                self.cursor,
                self.history.len()
            ),
            name: self.run_name.clone(),
            origin: Rc::clone(&self.origin),
            history: self.history.clone(),
            cursor: self.history.len(),
        })
    }

    /// Makes `world`, the world after `step` steps, the current one, and offers it as a
    /// snapshot.
    fn arrive(&mut self, world: World, step: usize) {
        let world = Rc::new(world);
        if let Some(snapshots) = &mut self.snapshots {
            snapshots.offer(step, || Rc::clone(&world));
        }
        self.current = Some(world);
        self.cursor = step;
    }

    fn jump_to(&mut self, target: usize) {
        let target = target.min(self.history.len());
        if target == self.cursor {
            return;
        }
        let (Some(current), Some(snapshots)) = (&self.current, &mut self.snapshots) else {
            return;
        };
        // From the current world when no snapshot lies between it and the target.
        let nearest = snapshots.at_or_before(target);
        let (mut world, from) = match nearest {
            Some((at, _)) if target > self.cursor && at <= self.cursor => {
                (World::clone(current), self.cursor)
            }
            Some((at, snapshot)) => (World::clone(snapshot), at),
            None => return,
        };
        // The history keeps each step's events in words already: the replay needs only the
        // world, so it does not write them again (the same steps and state, `set_narration`).
        // Worlds kept from it narrate as the one it started from did.
        let narration = world.narration();
        world.set_narration(Narration::Off);
        let kept = |world: &World| {
            let mut kept = world.clone();
            kept.set_narration(narration);
            Rc::new(kept)
        };
        for (index, step) in steps_in(&self.history, from..target).enumerate() {
            let reached = from + index + 1;
            if let Err(error) = world.step(&step.action) {
                self.notice = Some(Notice::ReplayDiverged {
                    step: reached,
                    error,
                });
                return;
            }
            snapshots.offer(reached, || kept(&world));
        }
        world.set_narration(narration);
        self.current = Some(Rc::new(world));
        self.cursor = target;
        self.notice = None;
    }
}

impl Reducible for LabState {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        // A lab started afresh counts its revisions on from the old one, so views keyed on the
        // revision (autosave too) see the change even when both histories are empty.
        let (revision, origin) = (next.revision, Rc::clone(&next.origin));
        match action {
            LabAction::Act(action) => next.user_act(action),
            LabAction::NextScripted => match next.next_scripted() {
                Some((index, action)) => {
                    let action = action.clone();
                    next.act(action, Some(index));
                }
                None => next.notice = Some(Notice::ScriptFinished),
            },
            LabAction::StepBack => next.jump_to(next.cursor.saturating_sub(1)),
            LabAction::StepForward => next.jump_to(next.cursor + 1),
            LabAction::JumpTo(step) => next.jump_to(step),
            LabAction::Reset => next = next.restarted(Origin::clone(&next.origin)),
            LabAction::Load(source) => match source.origin() {
                Ok(origin) => next = next.restarted(origin),
                Err(why) => {
                    next.notice = Some(Notice::Unloadable {
                        name: source.name().to_owned(),
                        why,
                    });
                }
            },
            LabAction::StartAt {
                origin,
                steps,
                scripted,
            } => {
                next = next.restarted(Origin::clone(&origin));
                // A step counts as scripted only where the script holds that very action: a
                // saved lab or link naming a scripted step the script lacks is refused.
                let steps = steps.iter().cloned().enumerate().map(|(i, action)| {
                    let scripted = i < scripted && origin.script.get(i) == Some(&action);
                    (action, scripted.then_some(i))
                });
                if let Err(refused) = next.replay(steps) {
                    let (_, action, error) = *refused;
                    next.notice = Some(Notice::Refused { action, error });
                }
            }
            LabAction::Notify(notice) => next.notice = Some(notice),
            LabAction::DismissNotice => next.notice = None,
            LabAction::Inspect {
                topic_partition,
                offset,
                bring_into_view,
            } => {
                let reveals =
                    next.inspected.as_ref().map_or(0, |i| i.reveals) + u64::from(bring_into_view);
                next.inspected = Some(Inspection {
                    topic_partition,
                    offset,
                    reveals,
                });
            }
            LabAction::EditProducer(config) => next.edit_producer(config),
            LabAction::EditConsumer(config) => next.edit_consumer(config),
            LabAction::EditCluster(config) => next.edit_cluster(config),
            LabAction::EditTopic(config) => next.edit_topic(config),
            LabAction::CompareBranch(index) => next.compare_branch(index),
            LabAction::SwitchBranch(index) => next.switch_branch(index),
            LabAction::OpenLink(fragment) => match next.opened_link(&fragment) {
                Ok(opened) => next = opened,
                Err(why) => {
                    next.notice = Some(Notice::Unloadable {
                        name: Source::Link(fragment).name().to_owned(),
                        why,
                    });
                }
            },
            LabAction::Play => next.play(),
            LabAction::Pause => next.playing = false,
            LabAction::TogglePlay if next.playing => next.playing = false,
            LabAction::TogglePlay => next.play(),
            LabAction::SetSpeed(speed) => next.speed = speed,
            LabAction::Tick => {
                if next.playing {
                    next.play_step();
                }
            }
            LabAction::SetAutoDeliver(on) => next.auto_deliver = on,
            LabAction::Launch(options) => next.launch(&options),
            LabAction::Restore { from, text } => match Self::restored(&text) {
                Ok(lab) => next = lab,
                Err(why) => {
                    let data = (from == SavedFrom::Storage).then_some(text);
                    next.notice = Some(Notice::Unrestorable {
                        from,
                        why: why.to_string(),
                        data,
                    });
                }
            },
            LabAction::RestoreFailed { from, why } => {
                next.notice = Some(Notice::Unrestorable {
                    from,
                    why,
                    data: None,
                });
            }
        }
        if !Rc::ptr_eq(&next.origin, &origin) {
            next.revision += revision + 1;
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{self, FREE_PLAY_IDEMPOTENT, FREE_PLAY_TOPIC};
    use eos_core::{ClientId, Event, Offset, TopicPartition};

    // Shared with the tests of `branches`.
    pub(super) fn run(
        state: LabState,
        actions: impl IntoIterator<Item = LabAction>,
    ) -> Rc<LabState> {
        actions
            .into_iter()
            .fold(Rc::new(state), |state, action| state.reduce(action))
    }

    pub(super) fn send(n: usize) -> LabAction {
        LabAction::Act(Action::Send {
            producer: ClientId::new(FREE_PLAY_IDEMPOTENT),
            topic: FREE_PLAY_TOPIC.to_owned(),
            partition: Some(0),
            key: Some(format!("pay-{n}")),
            value: format!("payment {n}"),
        })
    }

    pub(super) fn deliver_all() -> LabAction {
        LabAction::Act(Action::DeliverAll {})
    }

    pub(super) fn log_end(state: &LabState) -> Offset {
        let world = state.world().expect("a world");
        let tp = TopicPartition::new(FREE_PLAY_TOPIC, 0);
        let partition = world.cluster().partition(&tp).expect("payments-0");
        partition
            .leader_replica()
            .expect("a leader")
            .log
            .log_end_offset()
    }

    /// Sends and delivers `n` records: `2 * n` steps.
    fn sent(n: usize) -> Rc<LabState> {
        run(
            LabState::default(),
            (0..n).flat_map(|i| [send(i), deliver_all()]),
        )
    }

    #[test]
    fn every_applied_action_is_one_step_with_the_cores_events() {
        let state = sent(1);
        assert_eq!(state.cursor(), 2);
        assert_eq!(state.history().len(), 2);
        assert_eq!(log_end(&state), Offset(1));
        let mut world = World::new(&state.origin().config, state.origin().seed).expect("world");
        let first = world.step(&state.history()[0].action).expect("send");
        assert_eq!(state.history()[0].events, first);
    }

    #[test]
    fn stepping_back_then_forward_returns_to_the_same_world() {
        let state = sent(3);
        let back = run(
            LabState::clone(&state),
            std::iter::repeat_n(LabAction::StepBack, 3),
        );
        assert_eq!(back.cursor(), 3);
        assert_eq!(log_end(&back), Offset(1), "after send, deliver, send");
        let forward = run(
            LabState::clone(&back),
            std::iter::repeat_n(LabAction::StepForward, 3),
        );
        assert_eq!(forward.cursor(), 6);
        assert_eq!(log_end(&forward), log_end(&state));
        assert_eq!(
            format!("{:?}", forward.world().expect("world")),
            format!("{:?}", state.world().expect("world")),
        );
    }

    #[test]
    fn jumping_across_snapshots_replays_to_the_same_world_as_acting() {
        let interval = crate::snapshots::INTERVAL;
        let steps = interval * 2 + 10;
        let state = sent(steps / 2);
        assert_eq!(state.snapshots.as_ref().map(Snapshots::len), Some(3));
        for target in [0, 1, interval, interval + 7, steps - 1] {
            let jumped = run(LabState::clone(&state), [LabAction::JumpTo(target)]);
            let direct = sent(target / 2);
            let direct = if target % 2 == 1 {
                run(LabState::clone(&direct), [send(target / 2)])
            } else {
                direct
            };
            assert_eq!(jumped.cursor(), target);
            assert_eq!(
                format!("{:?}", jumped.world().expect("world")),
                format!("{:?}", direct.world().expect("world")),
                "step {target}"
            );
        }
    }

    // Far into a long lab with crashes, restarts and leader changes, a jump (from the nearest
    // snapshot, whose caches were filled by other steps) lands on the world that playing the
    // same steps from the start gives.
    #[test]
    fn a_jump_far_into_a_long_lab_gives_the_world_of_a_replay_from_the_start() {
        use eos_core::explore::{ExploreLimits, random_action};
        use eos_core::rng::SimRng;
        let mut rng = SimRng::new(3);
        let mut lab = Rc::new(LabState::default());
        for _ in 0..3_000 {
            let world = lab.world().expect("world");
            let action = random_action(world, &mut rng, ExploreLimits::default());
            lab = lab.reduce(LabAction::Act(action));
        }
        let total = lab.history().len();
        for target in [total - 1, total / 2 + 7, 130] {
            let jumped = Rc::clone(&lab).reduce(LabAction::JumpTo(target));
            let mut replayed = Rc::new(LabState::default());
            for step in lab.history().iter().take(target) {
                replayed = replayed.reduce(LabAction::Act(step.action.clone()));
            }
            assert_eq!(jumped.cursor(), target);
            assert_eq!(
                format!("{:?}", jumped.world().expect("world")),
                format!("{:?}", replayed.world().expect("world")),
                "step {target}"
            );
        }
    }

    #[test]
    fn acting_in_the_past_discards_the_future() {
        let state = sent(2);
        let state = run(
            LabState::clone(&state),
            [
                LabAction::JumpTo(2),
                LabAction::Act(Action::AdvanceTime { ms: 5 }),
            ],
        );
        assert_eq!(state.history().len(), 3);
        assert_eq!(state.cursor(), 3);
        assert_eq!(log_end(&state), Offset(1));
        assert_eq!(
            state.history()[2].action,
            Action::AdvanceTime { ms: 5 },
            "the new step replaces the old third step"
        );
    }

    // The offsets plot gets one sample per position, and acting in the past keeps the branch
    // it leaves for comparison.
    #[test]
    fn acting_in_the_past_keeps_the_earlier_branch_and_the_marks_follow_the_history() {
        let state = sent(1);
        assert_eq!(
            state.steps_so_far().marks().count(),
            state.history().len() + 1
        );
        assert!(state.other_branch().is_none());
        let state = run(
            LabState::clone(&state),
            [LabAction::StepBack, deliver_all()],
        );
        let branch = state.other_branch().expect("the earlier branch is kept");
        assert_eq!(branch.steps, 2);
        assert_eq!(branch.split_at, 1);
        assert_eq!(
            branch.world.steps_taken(),
            2,
            "its world is the one at the end of those steps"
        );
        assert_eq!(
            state.steps_so_far().marks().count(),
            state.history().len() + 1
        );
    }

    // A share link carries the world and every step: opening it arrives at the same world.
    #[test]
    fn a_share_link_reopens_the_same_lab() {
        let state = sent(3);
        let link = state.share_link();
        let reopened = run(LabState::default(), [LabAction::OpenLink(Rc::from(link))]);
        assert_eq!(reopened.history().len(), state.history().len());
        assert_eq!(reopened.cursor(), state.cursor());
        assert_eq!(log_end(&reopened), log_end(&state));
        assert!(reopened.notice().is_none());
    }

    #[test]
    fn a_damaged_link_is_reported_and_the_lab_is_unchanged() {
        let state = sent(1);
        let after = run(
            LabState::clone(&state),
            [LabAction::OpenLink(Rc::from("v1.not-a-link!"))],
        );
        assert_eq!(after.history().len(), state.history().len());
        let message = after.notice().expect("a notice").message();
        assert!(message.contains("damaged"), "{message}");
    }

    // The inspector reads only the steps with a duplicate answer; the lab keeps their list
    // as the history grows, is cut by acting in the past, and is rebuilt by a replay.
    #[test]
    fn the_steps_with_a_duplicate_answer_are_kept_as_the_history_changes() {
        let source = scenarios::catalog()
            .into_iter()
            .find(|s| s.name().starts_with("06-"))
            .expect("the dedup scenario ships");
        let steps = source.origin().expect("it parses").script.len();
        let full = run(
            LabState::default(),
            std::iter::once(LabAction::Load(source))
                .chain(std::iter::repeat_n(LabAction::NextScripted, steps)),
        );
        let duplicates = |state: &LabState| {
            let handle = state.steps_so_far();
            let kept: Vec<Event> = handle.duplicate_events().cloned().collect();
            let scanned: Vec<Event> = handle
                .events()
                .filter(|e| matches!(e.kind, eos_core::EventKind::DuplicateBatch { .. }))
                .cloned()
                .collect();
            assert!(
                kept.iter()
                    .filter(|e| matches!(e.kind, eos_core::EventKind::DuplicateBatch { .. }))
                    .eq(scanned.iter())
            );
            scanned.len()
        };
        assert!(
            duplicates(&full) > 0,
            "the scenario answers a retry as a duplicate"
        );
        let back = run(
            LabState::clone(&full),
            [LabAction::JumpTo(1), deliver_all()],
        );
        assert_eq!(
            duplicates(&back),
            0,
            "acting in the past drops the later duplicates"
        );
        let link = full.share_link();
        let reopened = run(LabState::default(), [LabAction::OpenLink(Rc::from(link))]);
        assert_eq!(duplicates(&reopened), duplicates(&full));
    }

    #[test]
    fn a_refused_action_is_reported_and_changes_nothing() {
        let before = sent(1);
        let after = run(
            LabState::clone(&before),
            [
                LabAction::JumpTo(1),
                LabAction::Act(Action::CrashBroker {
                    broker: eos_core::ids::BrokerId(9),
                }),
            ],
        );
        match after.notice() {
            Some(Notice::Refused { error, .. }) => {
                assert_eq!(
                    *error,
                    ActionError::UnknownBroker(eos_core::ids::BrokerId(9))
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(after.history().len(), 2, "the future is kept");
        assert_eq!(after.cursor(), 1);
        assert!(
            after
                .notice()
                .expect("notice")
                .message()
                .contains("broker 9")
        );
    }

    #[test]
    fn picking_a_record_keeps_it_across_time_travel_and_counts_the_reveals() {
        let tp = TopicPartition::new(FREE_PLAY_TOPIC, 0);
        let inspect = |offset: i64, bring_into_view: bool| LabAction::Inspect {
            topic_partition: tp.clone(),
            offset: Offset(offset),
            bring_into_view,
        };
        let state = run(LabState::clone(&sent(2)), [inspect(1, true)]);
        let picked = state.inspected().expect("picked");
        assert_eq!((picked.offset, picked.reveals), (Offset(1), 1));
        let state = run(
            LabState::clone(&state),
            [LabAction::StepBack, inspect(0, false), inspect(0, true)],
        );
        let picked = state.inspected().expect("still picked");
        assert_eq!(picked.topic_partition, tp);
        assert_eq!((picked.offset, picked.reveals), (Offset(0), 2));
        assert_eq!(state.cursor(), 3, "picking changes no world");
    }

    #[test]
    fn reset_starts_the_same_scenario_again() {
        let state = run(LabState::clone(&sent(2)), [LabAction::Reset]);
        assert!(state.history().is_empty());
        assert_eq!(state.cursor(), 0);
        assert_eq!(log_end(&state), Offset(0));
    }

    #[test]
    fn next_scripted_applies_the_scenarios_steps_in_order() {
        let source = scenarios::catalog()
            .into_iter()
            .find(|s| s.name().starts_with("02-"))
            .expect("the at-least-once scenario ships");
        let origin = source.origin().expect("it parses");
        let script = origin.script.clone();
        let state = run(LabState::default(), [LabAction::Load(source)]);
        let state = run(
            LabState::clone(&state),
            std::iter::repeat_n(LabAction::NextScripted, 2),
        );
        assert_eq!(state.history().len(), 2);
        assert_eq!(state.history()[0].action, script[0]);
        assert_eq!(state.history()[1].action, script[1]);
        assert_eq!(state.next_scripted().map(|(i, _)| i), Some(2));
        let back = run(LabState::clone(&state), [LabAction::StepBack]);
        assert_eq!(back.next_scripted().map(|(i, _)| i), Some(1));
    }

    #[test]
    fn the_end_of_the_script_is_said_not_applied() {
        let state = run(LabState::default(), [LabAction::NextScripted]);
        assert_eq!(state.notice(), Some(&Notice::ScriptFinished));
        assert!(state.history().is_empty());
    }

    #[test]
    fn an_unreadable_scenario_is_reported_and_changes_nothing() {
        let before = sent(1);
        let bad = Source::File {
            name: "broken.json".into(),
            text: "{\"format_version\": 1, \"steps\": [{\"step\": \"fly\"}]}".into(),
        };
        let after = run(LabState::clone(&before), [LabAction::Load(bad)]);
        let message = after.notice().expect("a notice").message();
        assert!(message.contains("broken.json"), "{message}");
        assert!(message.contains("step 1"), "{message}");
        assert_eq!(after.history().len(), 2);
        assert_eq!(log_end(&after), Offset(1));
    }

    #[test]
    fn every_shipped_scenario_loads_and_runs_its_script_to_the_end() {
        for source in scenarios::catalog() {
            let origin = source
                .origin()
                .unwrap_or_else(|e| panic!("{}: {e}", source.name()));
            let steps = origin.script.len();
            let state = run(
                LabState::start(origin),
                std::iter::repeat_n(LabAction::NextScripted, steps),
            );
            assert_eq!(state.notice(), None, "{}", source.name());
            assert_eq!(state.history().len(), steps, "{}", source.name());
        }
    }

    fn at_least_once() -> Origin {
        scenarios::catalog()
            .into_iter()
            .find(|s| s.name().starts_with("02-"))
            .expect("the at-least-once scenario ships")
            .origin()
            .expect("it parses")
    }

    #[test]
    fn playing_walks_the_history_then_the_script_and_stops_at_the_end() {
        let origin = at_least_once();
        let scripted = origin.script.len();
        let state = run(
            LabState::start(origin),
            [
                LabAction::NextScripted,
                LabAction::JumpTo(0),
                LabAction::Play,
            ],
        );
        assert!(state.playing());
        let state = run(LabState::clone(&state), [LabAction::Tick]);
        assert_eq!(state.cursor(), 1, "first forward through the history");
        assert_eq!(state.history().len(), 1);
        let state = run(
            LabState::clone(&state),
            std::iter::repeat_n(LabAction::Tick, scripted + 3),
        );
        assert_eq!(state.cursor(), scripted, "then the script, to its end");
        assert!(!state.playing(), "and it stops by itself");
        assert!(state.notice().is_none());
        let again = run(LabState::clone(&state), [LabAction::Play]);
        assert!(!again.playing(), "nothing is left to play");
        assert_eq!(again.notice(), Some(&Notice::ScriptFinished));
    }

    #[test]
    fn a_tick_while_paused_does_nothing_and_reset_pauses_but_keeps_the_speed() {
        let state = run(
            LabState::start(at_least_once()),
            [
                LabAction::SetSpeed(Speed::Four),
                LabAction::TogglePlay,
                LabAction::Tick,
                LabAction::TogglePlay,
                LabAction::Tick,
            ],
        );
        assert_eq!(state.cursor(), 1);
        assert!(!state.playing());
        let state = run(LabState::clone(&state), [LabAction::Play, LabAction::Reset]);
        assert!(!state.playing());
        assert_eq!(state.speed(), Speed::Four);
    }

    #[test]
    fn auto_deliver_follows_a_users_action_with_deliver_all() {
        let state = run(
            LabState::default(),
            [LabAction::SetAutoDeliver(true), send(0)],
        );
        assert_eq!(
            state.history().len(),
            2,
            "the send, then its own deliver-all step"
        );
        assert_eq!(state.history()[1].action, Action::DeliverAll {});
        assert!(state.world().expect("world").network().is_empty());
        assert_eq!(log_end(&state), Offset(1));
        let off = run(
            LabState::clone(&state),
            [LabAction::SetAutoDeliver(false), send(1)],
        );
        assert_eq!(off.history().len(), 3, "off: the request stays in flight");
        assert!(!off.world().expect("world").network().is_empty());
        let reset = run(LabState::clone(&state), [LabAction::Reset]);
        assert!(reset.auto_deliver(), "the switch outlives a reset");
    }

    #[test]
    fn auto_deliver_adds_nothing_after_a_refused_action_or_a_deliver_all() {
        let state = run(
            LabState::default(),
            [
                LabAction::SetAutoDeliver(true),
                deliver_all(),
                LabAction::Act(Action::CrashBroker {
                    broker: eos_core::ids::BrokerId(9),
                }),
            ],
        );
        assert_eq!(
            state.history().len(),
            1,
            "deliver-all is not followed by another"
        );
        assert!(matches!(state.notice(), Some(Notice::Refused { .. })));
    }

    #[test]
    fn launching_applies_the_scenario_seed_isolation_and_steps() {
        let options = LaunchOptions::parse(
            "scenario=02-at-least-once&seed=9&step=2&isolation=read_committed",
        );
        let state = run(LabState::default(), [LabAction::Launch(Rc::new(options))]);
        assert_eq!(state.origin().name, at_least_once().name);
        assert_eq!(state.origin().seed, 9);
        assert_eq!(state.cursor(), 2);
        assert_eq!(state.history()[1].action, at_least_once().script[1]);
        assert!(state.notice().is_none());
        assert!(!state.playing(), "a launched lab starts paused");
        let world = state.world().expect("world");
        assert!(
            world.consumers().all(|c| {
                c.isolation_level() == eos_core::config::IsolationLevel::ReadCommitted
            })
        );
    }

    #[test]
    fn launching_reports_what_it_could_not_use() {
        let options = LaunchOptions::parse("scenario=02-at-least-once&step=999&view=nope");
        let state = run(LabState::default(), [LabAction::Launch(Rc::new(options))]);
        let scripted = at_least_once().script.len();
        assert_eq!(state.cursor(), scripted, "every scripted step was applied");
        let message = state.notice().expect("a notice").message();
        assert!(message.contains("step 999"), "{message}");
        assert!(message.contains("view “nope”"), "{message}");
    }

    fn restore(state: &LabState, from: SavedFrom, text: &str) -> Rc<LabState> {
        run(
            LabState::clone(state),
            [LabAction::Restore {
                from,
                text: Rc::from(text),
            }],
        )
    }

    /// A scripted scenario, two scripted steps and one free one taken, then one step back.
    fn scripted_lab() -> Rc<LabState> {
        let source = scenarios::catalog()
            .into_iter()
            .find(|s| s.name().starts_with("02-"))
            .expect("the at-least-once scenario ships");
        run(
            LabState::default(),
            [
                LabAction::Load(source),
                LabAction::NextScripted,
                LabAction::NextScripted,
                deliver_all(),
                LabAction::StepBack,
            ],
        )
    }

    // A v2 link opens on the same step with the rest of the script still ahead: "next scripted
    // step" goes on where the sender was.
    #[test]
    fn a_share_link_opens_on_the_same_step_with_the_rest_of_the_script_ahead() {
        let state = scripted_lab();
        let link = state.share_link();
        assert!(link.starts_with("v2."), "{link}");
        let opened = run(LabState::default(), [LabAction::OpenLink(Rc::from(link))]);
        assert_eq!(opened.notice(), None);
        assert_eq!(opened.origin(), state.origin(), "the whole script travels");
        assert_eq!(opened.history(), state.history());
        assert_eq!(opened.cursor(), 2);
        assert_eq!(
            opened.next_scripted().map(|(i, _)| i),
            Some(2),
            "the third scripted step is next"
        );
        assert_eq!(
            format!("{:?}", opened.world().expect("world")),
            format!("{:?}", state.world().expect("world"))
        );
        let went_on = run(LabState::clone(&opened), [LabAction::NextScripted]);
        assert_eq!(went_on.notice(), None);
        assert_eq!(went_on.cursor(), 3);
    }

    /// A link made by the lab before version 2 (its starting world and the steps taken: the
    /// at-least-once scenario after three scripted steps), kept as it was written.
    const V1_LINK: &str =
        include_str!("../../../tests/golden/links/v1-at-least-once-three-steps.txt");

    // Old links open exactly as before: their steps are the script, all of them taken.
    #[test]
    fn a_v1_link_still_opens_after_every_step_it_carries() {
        let opened = run(
            LabState::default(),
            [LabAction::OpenLink(Rc::from(V1_LINK.trim()))],
        );
        assert_eq!(opened.notice(), None);
        assert_eq!(opened.history().len(), 3);
        assert_eq!(opened.cursor(), 3);
        assert_eq!(
            opened.next_scripted(),
            None,
            "nothing ahead: v1 kept no more"
        );
        let source = scenarios::catalog()
            .into_iter()
            .find(|s| s.name().starts_with("02-"))
            .expect("the at-least-once scenario ships");
        let direct = run(
            LabState::default(),
            [
                LabAction::Load(source),
                LabAction::NextScripted,
                LabAction::NextScripted,
                LabAction::NextScripted,
            ],
        );
        assert_eq!(opened.origin().name, direct.origin().name);
        assert_eq!(
            format!("{:?}", opened.world().expect("world")),
            format!("{:?}", direct.world().expect("world"))
        );
    }

    // A v2 link whose steps the core refuses is refused whole, and the lab stays as it was.
    #[test]
    fn a_v2_link_with_a_refused_step_is_a_notice_and_changes_nothing() {
        let state = sent(1);
        let mut lab = eos_core::run::share::decode(&state.share_link())
            .expect("a link")
            .into_lab();
        lab.history.insert(
            0,
            SharedStep {
                action: Action::CrashBroker {
                    broker: eos_core::ids::BrokerId(9),
                },
                scripted: None,
            },
        );
        let link = eos_core::run::share::encode(&lab);
        let after = run(
            LabState::clone(&state),
            [LabAction::OpenLink(Rc::from(link))],
        );
        assert_eq!(after.history().len(), state.history().len());
        let message = after.notice().expect("a notice").message();
        assert!(message.contains("step 1"), "{message}");
    }

    // Restoring gives the very same lab: origin with its whole script, history (which steps
    // were scripted), cursor, world, and the same next scripted step.
    #[test]
    fn a_saved_lab_restores_exactly() {
        let state = scripted_lab();
        let text = state.saved().to_json();
        let restored = restore(&LabState::default(), SavedFrom::Storage, &text);
        assert_eq!(restored.notice(), None);
        assert_eq!(restored.origin(), state.origin());
        assert_eq!(restored.history(), state.history());
        assert_eq!(restored.cursor(), 2);
        assert_eq!(
            restored.next_scripted().map(|(i, _)| i),
            state.next_scripted().map(|(i, _)| i)
        );
        assert_eq!(
            format!("{:?}", restored.world().expect("world")),
            format!("{:?}", state.world().expect("world"))
        );
        assert_eq!(
            restored.saved(),
            state.saved(),
            "saving again gives the same text"
        );
    }

    #[test]
    fn unreadable_storage_is_reported_with_its_data_and_the_lab_is_unchanged() {
        let before = sent(1);
        let after = restore(&before, SavedFrom::Storage, "{not json");
        match after.notice() {
            Some(Notice::Unrestorable {
                from: SavedFrom::Storage,
                data: Some(data),
                why,
            }) => {
                assert_eq!(&**data, "{not json");
                assert!(why.contains("not valid JSON"), "{why}");
            }
            other => panic!("expected an unrestorable notice, got {other:?}"),
        }
        assert!(
            after
                .notice()
                .expect("notice")
                .message()
                .contains("kept aside")
        );
        assert_eq!(after.history(), before.history());
        assert_eq!(after.revision(), before.revision(), "nothing to save again");
    }

    // A step the core refuses on replay is named, with the core's reason.
    #[test]
    fn a_saved_step_the_core_refuses_is_named_and_nothing_changes() {
        let state = sent(1);
        let mut saved = state.saved();
        saved.history.insert(
            1,
            crate::saved::SavedStep {
                action: Action::CrashBroker {
                    broker: eos_core::ids::BrokerId(9),
                },
                scripted: None,
            },
        );
        let file = SavedFrom::File(Rc::from("mine.eos-lab.json"));
        let after = restore(&LabState::default(), file, &saved.to_json());
        let Some(Notice::Unrestorable { data, .. }) = after.notice() else {
            panic!("expected an unrestorable notice, got {:?}", after.notice());
        };
        assert_eq!(*data, None, "the user has the file already");
        let message = after.notice().expect("notice").message();
        assert!(message.contains("“mine.eos-lab.json”"), "{message}");
        assert!(message.contains("step 2"), "{message}");
        assert!(message.contains("broker 9"), "{message}");
        assert!(after.history().is_empty());
    }

    #[test]
    fn a_saved_world_the_core_cannot_build_is_reported() {
        let mut saved = LabState::default().saved();
        let twin = saved.origin.producers[0].clone();
        saved.origin.producers.push(twin);
        let after = restore(&sent(1), SavedFrom::Storage, &saved.to_json());
        let message = after.notice().expect("a notice").message();
        assert!(message.contains("cannot be built"), "{message}");
        assert!(message.contains("defined twice"), "{message}");
        assert_eq!(after.history().len(), 2);
    }

    #[test]
    fn starting_afresh_always_changes_the_revision() {
        let state = LabState::default();
        let reset = run(LabState::clone(&state), [LabAction::Reset]);
        assert_ne!(reset.revision(), state.revision());
        let failed = run(
            LabState::clone(&reset),
            [LabAction::OpenLink(Rc::from("v1.!"))],
        );
        assert_eq!(failed.revision(), reset.revision());
    }
}
