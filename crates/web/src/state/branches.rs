//! The runs the lab keeps besides the current one, and editing a client's settings. Kafka fixes
//! a client's settings for the life of the client, so an edit starts the lab again from a
//! starting world with the new settings, replays the steps on it as far as the core still
//! accepts them, and keeps the run before as a branch to compare or switch back to.

use super::{Branch, LabState, Notice, StepRecord};
use crate::scenarios::Origin;
use crate::steps::{History, duplicate_steps, steps_in};
use eos_core::config::{ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig, WorldConfig};
use eos_core::views::offset_marks::marks;
use eos_core::{Action, ActionError, ClientId, World};
use serde::Serialize;
use serde_json::Value;
use std::rc::Rc;

/// How many runs the lab keeps besides the current one; keeping another drops the oldest.
pub const MAX_BRANCHES: usize = 8;

/// How a replay records each step.
#[derive(Clone, Copy)]
enum Records {
    /// The same records: the same actions on the same start cause the same events.
    Shared,
    /// New records with the events the core gives now (after a change of settings).
    Anew,
}

impl LabState {
    /// The runs kept besides the current one, oldest first.
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }

    /// The index in [`LabState::branches`] of the branch compared with the current run.
    pub fn compared_branch(&self) -> usize {
        self.compared
    }

    /// What sets the current run apart from the plain start, e.g. "acks=1 on p1".
    pub fn run_name(&self) -> Option<&str> {
        self.run_name.as_deref()
    }

    /// Keeps `branch` as the newest one and compares with it, dropping the oldest when full.
    pub(super) fn keep_branch(&mut self, branch: Branch) {
        if self.branches.len() >= MAX_BRANCHES {
            self.branches.remove(0);
        }
        self.branches.push(branch);
        self.compared = self.branches.len() - 1;
    }

    pub(super) fn compare_branch(&mut self, index: usize) {
        if index < self.branches.len() {
            self.compared = index;
        }
    }

    /// The current run as a branch: its world at the end of the history, its steps (shared)
    /// and its cursor.
    fn current_as_branch(&self, name: Option<String>) -> Option<Branch> {
        let current = self.current.as_ref()?;
        let world = if self.cursor == self.history.len() {
            Rc::clone(current)
        } else {
            let mut end = World::clone(current);
            for step in steps_in(&self.history, self.cursor..self.history.len()) {
                end.step(&step.action).ok()?;
            }
            Rc::new(end)
        };
        let steps = self.history.len();
        let called = name.as_deref().unwrap_or("The run you switched from");
        Some(Branch {
            world,
            steps,
            split_at: 0,
            label: format!("{called} (ran to step {steps})"),
            name,
            origin: Rc::clone(&self.origin),
            history: self.history.clone(),
            cursor: self.cursor,
        })
    }

    /// Makes the kept branch at `index` the current run, and the current run a kept branch.
    pub(super) fn switch_branch(&mut self, index: usize) {
        let Some(branch) = self.branches.get(index).cloned() else {
            return;
        };
        let Some(mut leaving) = self.current_as_branch(self.run_name.clone()) else {
            self.notice = Some(unkeepable());
            return;
        };
        let (mut next, diverged) =
            Self::replay_history(&branch.origin, &branch.history, Records::Shared);
        match diverged {
            None => {
                next.jump_to(branch.cursor);
                let mut kept = std::mem::take(&mut self.branches);
                kept.remove(index);
                next.branches = kept;
                leaving.split_at = leaving
                    .history
                    .iter()
                    .zip(next.history.iter())
                    .take_while(|(a, b)| Rc::ptr_eq(a, b))
                    .count();
                next.keep_branch(leaving);
                next.run_name = branch.name.clone();
                next.revision = self.revision + 1;
                *self = next;
            }
            // The same steps on the same start gave a different answer: a bug, said.
            Some((index, error)) => {
                self.notice = Some(Notice::ReplayDiverged {
                    step: index + 1,
                    error,
                });
            }
        }
    }

    /// A lab that has run `steps` from `origin` in order, up to the first one the core refuses
    /// (returned with its index), its cursor at the end of what ran. Steps go straight through
    /// one world, so a long history replays in time linear in its length.
    fn replay_history(
        origin: &Rc<Origin>,
        steps: &History,
        records: Records,
    ) -> (Self, Option<(usize, ActionError)>) {
        let mut lab = Self::start(Origin::clone(origin));
        lab.origin = Rc::clone(origin);
        let Some(start) = lab.current.clone() else {
            return (lab, None);
        };
        let mut world = World::clone(&start);
        let mut history = History::new();
        let mut refused = None;
        for (index, step) in steps.iter().enumerate() {
            let message = crate::steps::acted_on(&world, &step.action);
            match world.step(&step.action) {
                Ok(events) => {
                    history.push_back(match records {
                        Records::Shared => Rc::clone(step),
                        Records::Anew => Rc::new(StepRecord {
                            action: step.action.clone(),
                            events,
                            scripted: step.scripted,
                            marks: marks(&world),
                            message,
                        }),
                    });
                    if let Some(snapshots) = &mut lab.snapshots {
                        snapshots.offer(index + 1, || Rc::new(world.clone()));
                    }
                }
                Err(error) => {
                    refused = Some((index, error));
                    break;
                }
            }
        }
        // `World::step` leaves the world unchanged when it refuses: `world` is the one before.
        lab.cursor = history.len();
        lab.duplicate_steps = duplicate_steps(&history);
        lab.history = history;
        lab.current = Some(Rc::new(world));
        (lab, refused)
    }

    pub(super) fn edit_producer(&mut self, edited: ProducerConfig) {
        let mut config = self.origin.config.clone();
        let id = edited.id.clone();
        match config.producers.iter_mut().find(|p| p.id == id) {
            Some(slot) => {
                let change = describe_change(&id.0, slot, &edited);
                let before = describe_change(&id.0, &edited, slot);
                *slot = edited;
                self.start_again_with(config, change, before);
            }
            None => self.notice = Some(not_editable(&id)),
        }
    }

    pub(super) fn edit_consumer(&mut self, edited: ConsumerConfig) {
        let mut config = self.origin.config.clone();
        let id = edited.id.clone();
        match config.consumers.iter_mut().find(|c| c.id == id) {
            Some(slot) => {
                let change = describe_change(&id.0, slot, &edited);
                let before = describe_change(&id.0, &edited, slot);
                *slot = edited;
                self.start_again_with(config, change, before);
            }
            None => self.notice = Some(not_editable(&id)),
        }
    }

    pub(super) fn edit_cluster(&mut self, edited: ClusterConfig) {
        let mut config = self.origin.config.clone();
        let change = describe_change("the cluster", &config.cluster, &edited);
        let before = describe_change("the cluster", &edited, &config.cluster);
        config.cluster = edited;
        self.start_again_with(config, change, before);
    }

    pub(super) fn edit_topic(&mut self, edited: TopicConfig) {
        let mut config = self.origin.config.clone();
        let owner = format!("topic {}", edited.name);
        match config
            .cluster
            .topics
            .iter_mut()
            .find(|t| t.name == edited.name)
        {
            Some(slot) => {
                let change = describe_change(&owner, slot, &edited);
                let before = describe_change(&owner, &edited, slot);
                *slot = edited;
                self.start_again_with(config, change, before);
            }
            None => {
                self.notice = Some(Notice::SettingsRefused {
                    change: format!("settings of {owner}"),
                    why: "the scenario has no such topic".to_owned(),
                });
            }
        }
    }

    /// Starts from `config` (if the core accepts it), replays the history on it as far as it
    /// applies and keeps the run before as a branch.
    fn start_again_with(
        &mut self,
        config: WorldConfig,
        change: Option<String>,
        before: Option<String>,
    ) {
        let (Some(change), Some(before)) = (change, before) else {
            self.notice = Some(Notice::SettingsRefused {
                change: "nothing".to_owned(),
                why: "no setting differs from the current ones".to_owned(),
            });
            return;
        };
        // The scenario's moment and recap tell what its own settings do; edited ones may not.
        let origin = Origin {
            config,
            moment: None,
            recap: None,
            ..Origin::clone(&self.origin)
        };
        if let Err(error) = World::new(&origin.config, origin.seed) {
            self.notice = Some(Notice::SettingsRefused {
                change,
                why: error.to_string(),
            });
            return;
        }
        let Some(left_behind) = self.current_as_branch(Some(before)) else {
            self.notice = Some(unkeepable());
            return;
        };
        let (mut next, refused) =
            Self::replay_history(&Rc::new(origin), &self.history, Records::Anew);
        let refused = refused.map(|(index, error)| (self.history[index].action.clone(), error));
        let replayed = next.history.len();
        next.jump_to(self.cursor.min(replayed));
        next.branches = std::mem::take(&mut self.branches);
        next.keep_branch(left_behind);
        next.run_name = Some(change.clone());
        next.revision = self.revision + 1;
        next.notice = Some(Notice::SettingsChanged {
            change,
            replayed,
            total: self.history.len(),
            refused,
        });
        *self = next;
    }
}

/// The steps after the cursor did not replay, so the current run could not be kept: a bug in
/// the lab, said rather than hidden, and nothing changes.
fn unkeepable() -> Notice {
    Notice::SettingsRefused {
        change: "keeping the current run".to_owned(),
        why: "its steps after the cursor replayed differently; please report this".to_owned(),
    }
}

fn not_editable(id: &ClientId) -> Notice {
    Notice::SettingsRefused {
        change: format!("settings of {id}"),
        why: format!(
            "{id} is not one of the scenario's own clients; a Kafka Streams client takes its \
             application's settings"
        ),
    }
}

/// The settings `after` changes, as Kafka writes them ("acks=1, enable.idempotence=false on
/// p1"), or `None` if none differ. Read from the config's own serialization, so every key is
/// spelled as in a scenario file.
pub(super) fn describe_change<T: Serialize>(owner: &str, before: &T, after: &T) -> Option<String> {
    let (Ok(Value::Object(before)), Ok(Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return None;
    };
    let changed: Vec<String> = after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(value))
        .map(|(key, value)| format!("{key}={}", kafka_value(value)))
        .collect();
    (!changed.is_empty()).then(|| format!("{} on {owner}", changed.join(", ")))
}

fn kafka_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "unset".to_owned(),
        Value::Array(items) => items.iter().map(kafka_value).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// The words of [`Notice::SettingsChanged`].
pub(super) fn settings_message(
    change: &str,
    replayed: usize,
    total: usize,
    refused: Option<&(Action, ActionError)>,
) -> String {
    const KEPT: &str = "The run before is kept as a branch to compare.";
    let steps = if total == 1 { "step" } else { "steps" };
    match refused {
        Some((action, error)) => format!(
            "Replayed {replayed} of {total} {steps} with {change}; step {} (“{}”) was refused: \
             {error}. {KEPT}",
            replayed + 1,
            action.describe()
        ),
        None if total == 0 => format!("Started again with {change}. {KEPT}"),
        None if total == 1 => format!("Replayed the one step with {change}. {KEPT}"),
        None => format!("Replayed all {total} steps with {change}. {KEPT}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{FREE_PLAY_IDEMPOTENT, FREE_PLAY_TRANSACTIONAL};
    use crate::state::LabAction;
    use crate::state::tests::{deliver_all, log_end, run, send};
    use eos_core::Offset;
    use eos_core::config::Acks;

    fn producer(state: &LabState, id: &str) -> ProducerConfig {
        state
            .origin()
            .config
            .producers
            .iter()
            .find(|p| &*p.id.0 == id)
            .expect("a free-play producer")
            .clone()
    }

    fn world_text(state: &LabState) -> String {
        format!("{:?}", state.world().expect("a world"))
    }

    fn acks_1(state: &LabState) -> ProducerConfig {
        ProducerConfig {
            acks: Acks::Leader,
            ..producer(state, FREE_PLAY_IDEMPOTENT)
        }
    }

    // The producer runs with acks=1 from the start, every step still applies, the share link
    // carries the new setting, and the run with acks=all is kept to compare.
    #[test]
    fn editing_a_producer_replays_every_step_on_the_new_settings() {
        let state = run(LabState::default(), [send(0), deliver_all(), send(1)]);
        let state = run(LabState::clone(&state), [LabAction::StepBack]);
        let edited = run(
            LabState::clone(&state),
            [LabAction::EditProducer(acks_1(&state))],
        );
        let world = edited.world().expect("a world");
        let p1 = world
            .producer(&ClientId::new(FREE_PLAY_IDEMPOTENT))
            .expect("p1");
        assert_eq!(p1.config.acks, Acks::Leader);
        assert!(
            !p1.idempotent,
            "unset enable.idempotence turns off with acks=1"
        );
        assert_eq!(edited.history().len(), 3);
        assert_eq!(edited.cursor(), 2, "the cursor stays where it was");
        let mut fresh =
            World::new(&edited.origin().config, edited.origin().seed).expect("acks=1 builds");
        for step in edited.history() {
            let events = fresh.step(&step.action).expect("the core accepts it");
            assert_eq!(step.events, events, "each step says what the core says now");
        }
        assert_eq!(log_end(&edited), Offset(1));
        let message = edited.notice().expect("a notice").message();
        assert!(
            message.contains("Replayed all 3 steps with acks=1 on p1"),
            "{message}"
        );
        assert_eq!(
            edited.as_scenario().producers[0].acks,
            Acks::Leader,
            "a share link starts from the edited settings"
        );
        let branch = edited.other_branch().expect("the run before is kept");
        assert_eq!(branch.label, "acks=all on p1 (ran to step 3)");
        assert_eq!(branch.cursor, 2);
        assert_eq!(edited.run_name(), Some("acks=1 on p1"));
    }

    // A share link made after an edit opens on the edited settings and arrives at the same world.
    #[test]
    fn a_share_link_after_an_edit_carries_the_edited_settings() {
        let state = run(LabState::default(), [send(0), deliver_all()]);
        let edited = run(
            LabState::clone(&state),
            [LabAction::EditProducer(acks_1(&state))],
        );
        let link = edited.share_link();
        let reopened = run(LabState::default(), [LabAction::OpenLink(Rc::from(link))]);
        assert_eq!(reopened.origin().config, edited.origin().config);
        assert_eq!(world_text(&reopened), world_text(&edited));
    }

    // Without its transactional.id, tx1 cannot initTransactions: the replay stops there and
    // the notice names the step and the core's reason.
    #[test]
    fn an_edit_that_a_later_step_no_longer_fits_replays_up_to_that_step() {
        let tx1 = ClientId::new(FREE_PLAY_TRANSACTIONAL);
        let state = run(
            LabState::default(),
            [
                send(0),
                deliver_all(),
                LabAction::Act(Action::InitTransactions {
                    producer: tx1.clone(),
                }),
                deliver_all(),
            ],
        );
        let edited = ProducerConfig {
            transactional_id: None,
            ..producer(&state, FREE_PLAY_TRANSACTIONAL)
        };
        let after = run(LabState::clone(&state), [LabAction::EditProducer(edited)]);
        assert_eq!(after.history().len(), 2);
        assert_eq!(
            after.cursor(),
            2,
            "the cursor goes to the last step that applied"
        );
        let message = after.notice().expect("a notice").message();
        assert!(
            message
                .starts_with("Replayed 2 of 4 steps with transactional.id=unset on tx1; step 3 (“"),
            "{message}"
        );
        assert!(message.contains("was refused"), "{message}");
        assert_eq!(after.branches().len(), 1);
        assert_eq!(after.other_branch().expect("kept").steps, 4);
    }

    #[test]
    fn settings_kafka_refuses_leave_the_lab_unchanged() {
        let state = run(LabState::default(), [send(0), deliver_all()]);
        let conflicting = ProducerConfig {
            enable_idempotence: Some(true),
            ..acks_1(&state)
        };
        let after = run(
            LabState::clone(&state),
            [LabAction::EditProducer(conflicting)],
        );
        let message = after.notice().expect("a notice").message();
        assert!(
            message.contains("enable.idempotence=true conflicts with acks=1"),
            "{message}"
        );
        assert!(message.contains("The lab is unchanged"), "{message}");
        assert_eq!(world_text(&after), world_text(&state));
        assert_eq!(after.history().len(), 2);
        assert!(after.branches().is_empty());
        assert_eq!(after.as_scenario().producers[0].acks, Acks::All);
    }

    #[test]
    fn a_consumer_edit_changes_what_it_reads_with() {
        let state = LabState::default();
        let mut reader = state.origin().config.consumers[1].clone();
        reader.isolation_level = eos_core::config::IsolationLevel::ReadCommitted;
        let id = reader.id.clone();
        let after = run(state, [LabAction::EditConsumer(reader)]);
        let consumer = after.world().expect("a world").consumer(&id).expect("it");
        assert_eq!(
            consumer.config.isolation_level,
            eos_core::config::IsolationLevel::ReadCommitted
        );
        let message = after.notice().expect("a notice").message();
        assert!(
            message.contains("isolation.level=read_committed on raw-reader"),
            "{message}"
        );
    }

    #[test]
    fn the_lab_keeps_at_most_eight_branches_dropping_the_oldest() {
        let mut state = run(LabState::default(), [send(0)]);
        for n in 1..=MAX_BRANCHES + 2 {
            state = run(
                LabState::clone(&state),
                [
                    LabAction::StepBack,
                    LabAction::Act(Action::AdvanceTime { ms: n as u64 }),
                ],
            );
        }
        assert_eq!(state.branches().len(), MAX_BRANCHES);
        assert_eq!(
            state.compared_branch(),
            MAX_BRANCHES - 1,
            "the newest is compared"
        );
        // The first branch (the send) and the first advance were dropped.
        let oldest = &state.branches()[0].history[0].action;
        assert_eq!(*oldest, Action::AdvanceTime { ms: 2 });
        let chosen = run(LabState::clone(&state), [LabAction::CompareBranch(3)]);
        assert_eq!(chosen.compared_branch(), 3);
        let ignored = run(LabState::clone(&chosen), [LabAction::CompareBranch(99)]);
        assert_eq!(ignored.compared_branch(), 3);
    }

    // Switching swaps the runs; switching back arrives at the very same world and cursor, and
    // the steps are shared, not copied.
    #[test]
    fn switching_branches_swaps_runs_and_switching_back_restores_the_world() {
        let first = run(LabState::default(), [send(0), deliver_all(), send(1)]);
        let first = run(LabState::clone(&first), [LabAction::StepBack]);
        let edited = run(
            LabState::clone(&first),
            [LabAction::EditProducer(acks_1(&first))],
        );
        let switched = run(LabState::clone(&edited), [LabAction::SwitchBranch(0)]);
        assert_eq!(world_text(&switched), world_text(&first));
        assert_eq!(switched.cursor(), 2);
        assert_eq!(switched.as_scenario().producers[0].acks, Acks::All);
        assert!(Rc::ptr_eq(&switched.history()[0], &first.history()[0]));
        assert_eq!(switched.branches().len(), 1);
        assert_eq!(
            switched.other_branch().expect("the acks=1 run").label,
            "acks=1 on p1 (ran to step 3)"
        );
        let back = run(LabState::clone(&switched), [LabAction::SwitchBranch(0)]);
        assert_eq!(world_text(&back), world_text(&edited));
        assert_eq!(back.cursor(), edited.cursor());
        assert_eq!(back.run_name(), Some("acks=1 on p1"));
        assert_eq!(back.as_scenario().producers[0].acks, Acks::Leader);
    }

    // transaction.version 2 changes the protocol for the whole cluster; topics stay as they are.
    #[test]
    fn a_cluster_edit_restarts_with_the_new_transaction_version() {
        let state = run(LabState::default(), [send(0), deliver_all()]);
        let mut cluster = state.origin().config.cluster.clone();
        cluster.transaction_version = 2.try_into().expect("a Kafka level");
        let after = run(LabState::clone(&state), [LabAction::EditCluster(cluster)]);
        let message = after.notice().expect("a notice").message();
        assert!(
            message.contains("Replayed all 2 steps with transaction.version=2 on the cluster"),
            "{message}"
        );
        assert!(after.as_scenario().cluster.transaction_version.is_v2());
        assert_eq!(log_end(&after), Offset(1));
        assert_eq!(after.branches().len(), 1);
    }

    // min.insync.replicas above the replication factor is Kafka's config error, said as such.
    #[test]
    fn a_topic_edit_the_core_refuses_is_said_and_a_valid_one_applies() {
        let state = run(LabState::default(), [send(0)]);
        let mut topic = state.origin().config.cluster.topics[0].clone();
        topic.min_insync_replicas = 2;
        let refused = run(
            LabState::clone(&state),
            [LabAction::EditTopic(topic.clone())],
        );
        let message = refused.notice().expect("a notice").message();
        assert!(message.contains("min.insync.replicas"), "{message}");
        assert!(message.contains("The lab is unchanged"), "{message}");
        assert!(refused.branches().is_empty());
        topic.min_insync_replicas = 1;
        topic.segment_records = 2;
        let applied = run(LabState::clone(&state), [LabAction::EditTopic(topic)]);
        let message = applied.notice().expect("a notice").message();
        assert!(
            message.contains("Replayed the one step with segment.records=2 on topic payments"),
            "{message}"
        );
    }

    #[test]
    fn a_change_reads_as_kafka_keys_and_values() {
        let id = "p1";
        let before = ProducerConfig::named("p1");
        let after = ProducerConfig {
            acks: Acks::Leader,
            enable_idempotence: Some(false),
            ..before.clone()
        };
        assert_eq!(
            describe_change(id, &before, &after).as_deref(),
            Some("acks=1, enable.idempotence=false on p1")
        );
        assert_eq!(describe_change(id, &before, &before), None);
    }
}
