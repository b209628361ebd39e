//! The app's one piece of state, [`LabState`], and the one action enum that changes it,
//! [`LabAction`].
//!
//! Shaped after Yew's `function_todomvc`: `reduce` is pure. The simulation lives in `eos_core`;
//! every change to the world is one core [`Action`] handed to [`World::step`]. The lab keeps the
//! list of applied actions (the history), a cursor into it, and [`Snapshots`] of the world
//! along it, so that going to any step costs one clone and a short replay.

use crate::scenarios::{Origin, Source};
use crate::snapshots::Snapshots;
use eos_core::offset_marks::{PartitionMarks, marks};
use eos_core::scenario::Scenario;
use eos_core::{Action, ActionError, Event, World};
use std::rc::Rc;
use yew::Reducible;

mod branches;
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
    /// Hide the current notice.
    DismissNotice,
    /// Open a share link: its world, with every step it carries applied.
    OpenLink(Rc<str>),
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

/// One applied step: the action and what the core said it caused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub action: Action,
    pub events: Vec<Event>,
    /// The index of the scripted step this was, if it came from the scenario's script.
    pub scripted: Option<usize>,
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
    pub history: Vec<Rc<StepRecord>>,
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
            Notice::SettingsChanged {
                change,
                replayed,
                total,
                refused,
            } => branches::settings_message(change, *replayed, *total, refused.as_ref()),
            Notice::SettingsRefused { change, why } => {
                format!("Settings not changed ({change}): {why}. The lab is unchanged.")
            }
        }
    }
}

/// The whole state of the app: where the lab started, every step since, and where the cursor is.
#[derive(Clone, Debug)]
pub struct LabState {
    origin: Rc<Origin>,
    /// Why the starting world could not be built, if it could not.
    start_error: Option<String>,
    history: Vec<Rc<StepRecord>>,
    /// Worlds along the history; `None` when there is no starting world.
    snapshots: Option<Snapshots>,
    /// The world after `cursor` steps.
    current: Option<Rc<World>>,
    cursor: usize,
    notice: Option<Notice>,
    /// The partitions' offsets at the start, then after each step of the history.
    marks: Rc<[Vec<PartitionMarks>]>,
    /// Runs left behind, oldest first, at most [`MAX_BRANCHES`].
    branches: Vec<Branch>,
    /// Which of `branches` is compared with the current run.
    compared: usize,
    /// What sets the current run apart, e.g. "acks=1 on p1", once it is not the plain start.
    run_name: Option<String>,
    /// Counts changes to the history, so views derived from it know when to recompute.
    revision: u64,
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
            history: Vec::new(),
            snapshots: world.clone().map(Snapshots::new),
            current: world,
            cursor: 0,
            notice: None,
            marks: Rc::from(vec![start_marks]),
            branches: Vec::new(),
            compared: 0,
            run_name: None,
            revision: 0,
        }
    }

    /// The partitions' offsets at the start and after every step of the history (the cursor
    /// says which one is shown).
    pub fn marks_history(&self) -> Rc<[Vec<PartitionMarks>]> {
        Rc::clone(&self.marks)
    }

    /// The branch compared with the current run, if any was left behind.
    pub fn other_branch(&self) -> Option<&Branch> {
        self.branches.get(self.compared)
    }

    /// Changes whenever the history does.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The lab as a scenario: the starting world and every step of the history, for a share
    /// link. Opening it replays the steps and arrives at the end of the history.
    pub fn as_scenario(&self) -> Scenario {
        let config = &self.origin.config;
        Scenario {
            format_version: eos_core::scenario::FORMAT_VERSION,
            name: self.origin.name.clone(),
            description: self.origin.description.clone(),
            concepts: Vec::new(),
            seed: self.origin.seed,
            cluster: config.cluster.clone(),
            producers: config.producers.clone(),
            consumers: config.consumers.clone(),
            database: config.database.clone(),
            streams: config.streams.clone(),
            steps: self.history.iter().map(|s| s.action.clone()).collect(),
        }
    }

    /// Every event of the steps up to the cursor, oldest first.
    pub fn events_so_far(&self) -> Rc<[Event]> {
        self.history[..self.cursor]
            .iter()
            .flat_map(|s| s.events.iter().cloned())
            .collect()
    }

    /// Where the lab started.
    pub fn origin(&self) -> &Origin {
        &self.origin
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
    pub fn history(&self) -> &[Rc<StepRecord>] {
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
        let next = self.history[..self.cursor]
            .iter()
            .rev()
            .find_map(|s| s.scripted)
            .map_or(0, |i| i + 1);
        self.origin.script.get(next).map(|action| (next, action))
    }

    fn act(&mut self, action: Action, scripted: Option<usize>) {
        let Some(current) = &self.current else {
            return;
        };
        let mut next = World::clone(current);
        match next.step(&action) {
            Ok(events) => {
                if self.cursor < self.history.len() {
                    let left_behind = self.branch_end(current);
                    if let Some(branch) = left_behind {
                        self.keep_branch(branch);
                    }
                }
                self.history.truncate(self.cursor);
                if let Some(snapshots) = &mut self.snapshots {
                    snapshots.forget_after(self.cursor);
                }
                let mut all_marks: Vec<Vec<PartitionMarks>> =
                    self.marks.iter().take(self.cursor + 1).cloned().collect();
                all_marks.push(marks(&next));
                self.marks = Rc::from(all_marks);
                self.history.push(Rc::new(StepRecord {
                    action,
                    events,
                    scripted,
                }));
                self.revision += 1;
                self.arrive(next, self.cursor + 1);
                self.notice = None;
            }
            Err(error) => self.notice = Some(Notice::Refused { action, error }),
        }
    }

    /// The world at the end of the history, replayed from `current` (the world at the cursor),
    /// before acting in the past discards those steps.
    fn branch_end(&self, current: &World) -> Option<Branch> {
        let mut end = current.clone();
        for step in &self.history[self.cursor..] {
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
        for (index, step) in self.history[from..target].iter().enumerate() {
            let reached = from + index + 1;
            if let Err(error) = world.step(&step.action) {
                self.notice = Some(Notice::ReplayDiverged {
                    step: reached,
                    error,
                });
                return;
            }
            snapshots.offer(reached, || Rc::new(world.clone()));
        }
        self.current = Some(Rc::new(world));
        self.cursor = target;
        self.notice = None;
    }
}

impl Reducible for LabState {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        match action {
            LabAction::Act(action) => next.act(action, None),
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
            LabAction::Reset => next = Self::start(Origin::clone(&next.origin)),
            LabAction::Load(source) => match source.origin() {
                Ok(origin) => next = Self::start(origin),
                Err(why) => {
                    next.notice = Some(Notice::Unloadable {
                        name: source.name().to_owned(),
                        why,
                    });
                }
            },
            LabAction::DismissNotice => next.notice = None,
            LabAction::EditProducer(config) => next.edit_producer(config),
            LabAction::EditConsumer(config) => next.edit_consumer(config),
            LabAction::EditCluster(config) => next.edit_cluster(config),
            LabAction::EditTopic(config) => next.edit_topic(config),
            LabAction::CompareBranch(index) => next.compare_branch(index),
            LabAction::SwitchBranch(index) => next.switch_branch(index),
            LabAction::OpenLink(fragment) => {
                let source = Source::Link(fragment);
                match source.origin() {
                    Ok(origin) => {
                        next = Self::start(origin);
                        while let Some((index, action)) = next.next_scripted() {
                            let action = action.clone();
                            next.act(action, Some(index));
                            if next.notice.is_some() {
                                break;
                            }
                        }
                    }
                    Err(why) => {
                        next.notice = Some(Notice::Unloadable {
                            name: source.name().to_owned(),
                            why,
                        });
                    }
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{self, FREE_PLAY_IDEMPOTENT, FREE_PLAY_TOPIC};
    use eos_core::{ClientId, Offset, TopicPartition};

    fn run(state: LabState, actions: impl IntoIterator<Item = LabAction>) -> Rc<LabState> {
        actions
            .into_iter()
            .fold(Rc::new(state), |state, action| state.reduce(action))
    }

    fn send(n: usize) -> LabAction {
        LabAction::Act(Action::Send {
            producer: ClientId::new(FREE_PLAY_IDEMPOTENT),
            topic: FREE_PLAY_TOPIC.to_owned(),
            partition: Some(0),
            key: Some(format!("pay-{n}")),
            value: format!("payment {n}"),
        })
    }

    fn deliver_all() -> LabAction {
        LabAction::Act(Action::DeliverAll {})
    }

    fn log_end(state: &LabState) -> Offset {
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
        let interval = crate::snapshots::FIRST_INTERVAL;
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
        assert_eq!(state.marks_history().len(), state.history().len() + 1);
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
        assert_eq!(state.marks_history().len(), state.history().len() + 1);
    }

    // A share link carries the world and every step: opening it arrives at the same world.
    #[test]
    fn a_share_link_reopens_the_same_lab() {
        let state = sent(3);
        let link = eos_core::share::encode(&state.as_scenario());
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
}
