//! The counterexample explorer: random runs of a configuration, seed after seed, every
//! guarantee checked after every step. The first run that breaks a guarantee is cut at that
//! step, shrunk to the steps that matter and kept as a [`Finding`], with Jepsen's name for the
//! anomaly and whether the configuration allows it by design.
//!
//! A run is a pure function of the configuration, the seed and the options ([`run_seed`]), so
//! a driver may run seeds in any order or in parallel and hand the records to
//! [`Explorer::absorb`] in seed order; [`Explorer::run_next`] does both, one seed per call, for
//! a driver that reports progress between slices and may stop at any time.

use super::anomaly::{AnomalyKind, expected_by_design, kind_of};
use super::counterexample::{broken_why, ddmin, replay};
use super::hold::Holds;
use super::reads::ReadChecks;
use super::swarm::swarm;
use super::{ActionWeights, ExploreLimits, random_action};
use crate::action::Action;
use crate::config::WorldConfig;
use crate::event::Narration;
use crate::rng::SimRng;
use crate::run::scenario::{Moment, Recap, Scenario};
use crate::run::trace::Trace;
use crate::world::{World, WorldConfigError};
use std::collections::BTreeSet;
use std::num::NonZeroU32;

/// How far the explorer goes, and what the runs may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreOptions {
    /// Runs use seeds `first_seed`, `first_seed + 1`, ...
    pub first_seed: u64,
    pub runs: u64,
    pub steps_per_run: usize,
    /// Replays the shrinker may spend on each finding.
    pub shrink_replays: usize,
    /// What the application may do and which faults exist at all.
    pub limits: ExploreLimits,
    /// Whether each run draws its own mix of actions and faults from its seed.
    pub swarm: bool,
}

impl Default for ExploreOptions {
    /// Client actions and faults only (no hand-made requests or operator tools), applications
    /// that follow their configured processing, a new mix per run.
    fn default() -> Self {
        Self {
            first_seed: 0,
            runs: 200,
            steps_per_run: 200,
            shrink_replays: 2_000,
            limits: ExploreLimits {
                raw_requests: false,
                early_commits: false,
                unique_records: true,
                replace_fenced_producers: true,
                fetch_where_behind: true,
                weights: ActionWeights {
                    raw_request: 0,
                    admin: 0,
                    ..ActionWeights::default()
                },
                ..ExploreLimits::default()
            },
            swarm: true,
        }
    }
}

impl ExploreOptions {
    /// The limits of the run with this seed.
    pub fn limits_for(&self, seed: u64) -> ExploreLimits {
        if self.swarm {
            swarm(seed, self.limits)
        } else {
            self.limits
        }
    }
}

/// A guarantee a run broke, and at which step (1 for the first action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub guarantee: &'static str,
    pub step: usize,
    pub why: String,
}

/// One run, as it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    pub seed: u64,
    /// Actions taken.
    pub steps: usize,
    /// Each guarantee broken, at its first break, in step order.
    pub breaks: Vec<Break>,
    /// The run's actions, kept only when it broke something.
    pub actions: Vec<Action>,
}

/// Runs one seed to the end of its budget (a broken guarantee stays broken; the run goes on to
/// find others). An invalid configuration gives an empty run.
pub fn run_seed(config: &WorldConfig, seed: u64, options: &ExploreOptions) -> RunRecord {
    let mut record = RunRecord {
        seed,
        steps: 0,
        breaks: Vec::new(),
        actions: Vec::new(),
    };
    let Ok(mut world) = World::new(config, seed) else {
        return record;
    };
    // Only the events' kinds are checked here; `explain` replays a finding with its words.
    world.set_narration(Narration::Off);
    let limits = options.limits_for(seed);
    let mut rng = SimRng::new(seed);
    let mut holds = Holds::new(seed, limits.holds);
    let mut reads = ReadChecks::default();
    let mut seen = BTreeSet::new();
    let mut actions = Vec::with_capacity(options.steps_per_run);
    for step in 1..=options.steps_per_run {
        let action = holds.next_action(&world, step, || random_action(&world, &mut rng, limits));
        let events = world.step(&action).unwrap_or_default();
        holds.observe(&events, step);
        actions.push(action);
        for (guarantee, why) in reads.observe(&world, &events) {
            if seen.insert(guarantee) {
                record.breaks.push(Break {
                    guarantee,
                    step,
                    why,
                });
            }
        }
        if !world.invariants().all_hold() {
            for status in world.invariants().statuses() {
                if let Some(broken) = &status.broken
                    && seen.insert(status.name)
                {
                    record.breaks.push(Break {
                        guarantee: status.name,
                        step,
                        why: broken.why.clone(),
                    });
                }
            }
        }
    }
    record.steps = actions.len();
    if !record.breaks.is_empty() {
        record.actions = actions;
    }
    record
}

/// A broken guarantee, shrunk and named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub guarantee: &'static str,
    pub kind: AnomalyKind,
    /// Why the configuration allows it by design; `None`: it is meant to prevent it.
    pub expected: Option<&'static str>,
    /// The run's seed: replaying `actions` on a fresh world of this seed breaks it again.
    pub seed: u64,
    /// The step of the random run at which it first broke, before shrinking.
    pub found_at_step: usize,
    /// The steps that matter, in order.
    pub actions: Vec<Action>,
    /// Why it broke, as the guarantee says.
    pub why: String,
}

/// One step of a finding, told with what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainedStep {
    /// 1 for the first step.
    pub number: usize,
    pub action: String,
    /// What happened, one line per event (empty if the world refused the step).
    pub events: Vec<String>,
    /// Why the world refused the step, if it did.
    pub refused: Option<String>,
    /// Whether the guarantee broke at this step.
    pub breaks_here: bool,
}

impl Finding {
    /// Shrinks the first `step` actions of a run that broke `guarantee` there.
    pub(crate) fn shrink(
        config: &WorldConfig,
        record: &RunRecord,
        found: &Break,
        budget: usize,
    ) -> Self {
        let cut = record.actions[..found.step.min(record.actions.len())].to_vec();
        let breaks = |candidate: &[Action]| {
            replay(config, record.seed, candidate, found.guarantee).is_some()
        };
        let mut actions = ddmin(cut, budget, breaks);
        // A step the world refuses changes nothing; leaving it out makes the run a scenario
        // that plays to the end.
        let possible = possible_steps(config, record.seed, &actions);
        if possible.len() < actions.len() && breaks(&possible) {
            actions = possible;
        }
        let why = replay(config, record.seed, &actions, found.guarantee)
            .unwrap_or_else(|| found.why.clone());
        Self {
            guarantee: found.guarantee,
            kind: kind_of(found.guarantee).unwrap_or(AnomalyKind::ModelInconsistent),
            expected: expected_by_design(config, found.guarantee),
            seed: record.seed,
            found_at_step: found.step,
            actions,
            why,
        }
    }

    /// The steps replayed on a fresh world, each with its events, and where it broke.
    pub fn explain(&self, config: &WorldConfig) -> Vec<ExplainedStep> {
        let Ok(mut world) = World::new(config, self.seed) else {
            return Vec::new();
        };
        let mut reads = ReadChecks::default();
        let mut broke = false;
        let mut steps = Vec::with_capacity(self.actions.len());
        for (i, action) in self.actions.iter().enumerate() {
            let trace = Trace::record(&mut world, std::slice::from_ref(action));
            let Some(step) = trace.steps.into_iter().next() else {
                continue;
            };
            let (events, refused) = match step.outcome {
                Ok(events) => (events, None),
                Err(error) => (Vec::new(), Some(error.to_string())),
            };
            reads.observe(&world, &events);
            let breaks_here = !broke && broken_why(&world, &reads, self.guarantee).is_some();
            broke |= breaks_here;
            steps.push(ExplainedStep {
                number: i + 1,
                action: action.describe(),
                events: events.iter().map(ToString::to_string).collect(),
                refused,
                breaks_here,
            });
        }
        steps
    }

    /// The finding as a scenario file the lab opens and tells like any other: the
    /// configuration, the seed and the steps, the step where it breaks, then what it showed.
    pub fn scenario(&self, config: &WorldConfig) -> Scenario {
        let jepsen = self
            .kind
            .jepsen_name()
            .map_or(String::new(), |n| format!(" (Jepsen: {n})"));
        let mut scenario = Scenario::of_world(config, self.seed, self.actions.clone());
        scenario.name = format!(
            "{}{jepsen}: {} broken in {} steps",
            self.kind,
            self.guarantee,
            self.actions.len()
        );
        scenario.description = format!(
            "Found by the explorer in the random run with seed {} and shrunk to the steps that matter: {}{}",
            self.seed,
            self.why,
            self.expected
                .map_or(String::new(), |r| format!(" Expected by design: {r}."))
        );
        let steps = self.actions.len();
        let guarantee = self.guarantee;
        scenario.moment =
            NonZeroU32::new(u32::try_from(steps).unwrap_or(u32::MAX)).map(|step| Moment {
                step,
                caption: format!("Here {guarantee} breaks: {}.", self.kind),
            });
        scenario.recap = Some(Recap {
            saw: format!(
                "A random run of this world broke {guarantee}. Shrinking dropped every step it \
                 could while the guarantee still broke; these {steps} were left."
            ),
            guarantee: format!(
                "{guarantee} broke at step {steps}: {}{}",
                self.why,
                self.expected
                    .map_or(String::new(), |why| format!(" Expected by design: {why}."))
            ),
            try_next: "Step back through the timeline to find the step that made it possible, \
                       then change a setting and play the same steps again."
                .to_owned(),
        });
        scenario
    }
}

/// The steps the world carries out, without the ones it refuses.
fn possible_steps(config: &WorldConfig, seed: u64, actions: &[Action]) -> Vec<Action> {
    let Ok(mut world) = World::new(config, seed) else {
        return actions.to_vec();
    };
    world.set_narration(Narration::Off);
    actions
        .iter()
        .filter(|a| world.step(a).is_ok())
        .cloned()
        .collect()
}

/// How far the explorer has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub runs_done: u64,
    pub runs_total: u64,
    pub steps_done: u64,
}

/// What one run added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    pub seed: u64,
    pub steps: usize,
    /// Guarantees this run was the first to break, shrunk.
    pub new_findings: Vec<Finding>,
}

/// A search over seeds, one run at a time.
#[derive(Clone, Debug)]
pub struct Explorer {
    config: WorldConfig,
    options: ExploreOptions,
    progress: Progress,
    findings: Vec<Finding>,
}

impl Explorer {
    /// A search of `config`; an invalid configuration is refused here, once.
    pub fn new(config: WorldConfig, options: ExploreOptions) -> Result<Self, WorldConfigError> {
        World::new(&config, options.first_seed)?;
        Ok(Self {
            config,
            options,
            progress: Progress {
                runs_done: 0,
                runs_total: options.runs,
                steps_done: 0,
            },
            findings: Vec::new(),
        })
    }

    pub fn config(&self) -> &WorldConfig {
        &self.config
    }

    pub fn options(&self) -> &ExploreOptions {
        &self.options
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Every finding so far, one per broken guarantee, in the order they were found.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The seed the next run uses; `None` once the budget is spent.
    pub fn next_seed(&self) -> Option<u64> {
        (self.progress.runs_done < self.options.runs).then(|| {
            self.options
                .first_seed
                .wrapping_add(self.progress.runs_done)
        })
    }

    /// Runs the next seed; `None` once the budget is spent.
    pub fn run_next(&mut self) -> Option<RunOutcome> {
        let seed = self.next_seed()?;
        let record = run_seed(&self.config, seed, &self.options);
        Some(self.absorb(record))
    }

    /// Takes a run made elsewhere (another thread, a worker). Runs must come in seed order for
    /// the findings to be the same as [`Explorer::run_next`]'s.
    pub fn absorb(&mut self, record: RunRecord) -> RunOutcome {
        self.progress.runs_done += 1;
        self.progress.steps_done += record.steps as u64;
        let mut new_findings = Vec::new();
        for found in &record.breaks {
            if self.findings.iter().any(|f| f.guarantee == found.guarantee) {
                continue;
            }
            let finding =
                Finding::shrink(&self.config, &record, found, self.options.shrink_replays);
            self.findings.push(finding.clone());
            new_findings.push(finding);
        }
        RunOutcome {
            seed: record.seed,
            steps: record.steps,
            new_findings,
        }
    }

    /// Findings the configuration is meant to prevent.
    pub fn unexpected(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.expected.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::settings::{SAFE, setting};

    fn explore(name: &str, first_seed: u64, runs: u64) -> Explorer {
        let config = setting(name).expect("a named setting").config;
        let options = ExploreOptions {
            first_seed,
            runs,
            ..ExploreOptions::default()
        };
        let mut explorer = Explorer::new(config, options).expect("a valid world");
        while explorer.run_next().is_some() {}
        explorer
    }

    /// The setting's own anomaly is found, shrunk to a few steps that replay it, named and
    /// explained, with the step that breaks it marked.
    fn finds(name: &str, first_seed: u64, runs: u64, most_steps: usize) -> Finding {
        let setting = setting(name).expect("a named setting");
        let shows = setting.shows.expect("a setting that shows an anomaly");
        let explorer = explore(name, first_seed, runs);
        let found = explorer
            .findings()
            .iter()
            .find(|f| f.guarantee == shows)
            .unwrap_or_else(|| panic!("{name}: no {shows} in {runs} runs"))
            .clone();
        assert!(
            found.actions.len() <= most_steps,
            "{name}: shrunk to {} steps: {:?}",
            found.actions.len(),
            found.actions
        );
        assert!(replay(&setting.config, found.seed, &found.actions, shows).is_some());
        let told = found.explain(&setting.config);
        assert_eq!(told.len(), found.actions.len());
        assert_eq!(told.iter().filter(|s| s.breaks_here).count(), 1, "{told:?}");
        assert!(told.last().is_some_and(|s| s.breaks_here), "{told:?}");
        let scenario = found.scenario(&setting.config);
        let run = scenario.run().expect("the finding plays as a scenario");
        assert_eq!(run.trace.steps.len(), found.actions.len());
        found
    }

    #[test]
    fn the_safe_setting_breaks_nothing_in_a_modest_budget() {
        let explorer = explore(SAFE, 0, 25);
        assert_eq!(explorer.findings(), &[]);
        assert_eq!(explorer.progress().runs_done, 25);
        assert_eq!(explorer.progress().steps_done, 25 * 200);
    }

    #[test]
    fn idempotence_off_writes_a_retry_twice_as_expected() {
        let found = finds("idempotence-off", 0, 1, 4);
        assert_eq!(found.kind, AnomalyKind::Duplicate);
        assert!(found.expected.is_some());
    }

    #[test]
    fn acks_1_loses_an_acknowledged_write_as_expected() {
        let found = finds("acks-1", 10, 1, 5);
        assert_eq!(found.kind, AnomalyKind::LostWrite);
        assert!(found.expected.is_some());
    }

    #[test]
    fn read_uncommitted_reads_an_aborted_record_as_expected() {
        let found = finds("read-uncommitted", 0, 1, 13);
        assert_eq!(found.kind, AnomalyKind::AbortedRead);
        assert!(found.expected.is_some());
    }

    #[test]
    fn commit_before_process_skips_records_as_expected() {
        let found = finds("commit-before-process", 0, 1, 14);
        assert_eq!(found.kind, AnomalyKind::PollSkip);
        assert!(found.expected.is_some());
    }

    #[test]
    fn a_plain_database_applies_an_effect_twice_as_expected() {
        let found = finds("non-idempotent-database", 60, 10, 18);
        assert_eq!(found.kind, AnomalyKind::Duplicate);
        assert!(found.expected.is_some());
    }

    // The trap: transactions promise the input is read once, and auto-commit quietly skips it.
    #[test]
    fn auto_commit_with_transactions_skips_input_it_was_meant_to_keep() {
        let found = finds("auto-commit-with-transactions", 170, 10, 20);
        assert_eq!(found.kind, AnomalyKind::PollSkip);
        assert_eq!(found.expected, None);
        assert!(found.why.contains("aborted"), "{}", found.why);
    }

    // A transactional.id names one producer: a second application given it fences the first.
    #[test]
    fn a_shared_transactional_id_fences_a_different_producer() {
        let found = finds("shared-transactional-id", 0, 5, 8);
        assert_eq!(found.kind, AnomalyKind::FencedByAnother);
        assert_eq!(found.expected, None);
        assert!(found.why.contains("payments-tx"), "{}", found.why);
    }

    // KIP-890's hanging transaction: a produce request held on a stalled path outlives its
    // send; it reaches the partition after the abort's marker, and the next transaction's
    // COMMIT marker commits it. The default budget (200 runs from seed 0) finds it at 145.
    #[test]
    fn verification_off_under_v1_commits_a_write_its_producer_gave_up() {
        let found = finds("verification-off-v1", 145, 1, 40);
        assert_eq!(found.kind, AnomalyKind::AbortedRead);
        assert_eq!(found.expected, None);
        assert!(found.why.contains("late"), "{}", found.why);
        // The same steps with the leader verifying the transaction first: the late write is
        // refused and every guarantee holds.
        let mut verified = setting("verification-off-v1").expect("named").config;
        verified.cluster.transaction_partition_verification_enable = true;
        assert_eq!(
            replay(&verified, found.seed, &found.actions, found.guarantee),
            None
        );
    }

    // Kafka Streams fences a zombie under either guarantee; these seeds once committed a
    // crashed thread's output twice, when its producer outlived it in the lab.
    #[test]
    fn streams_threads_commit_each_output_once_under_either_guarantee() {
        for (name, seed) in [
            ("streams-exactly-once", 405),
            ("streams-exactly-once-v2", 348),
        ] {
            let config = setting(name).expect("a named setting").config;
            let record = run_seed(&config, seed, &ExploreOptions::default());
            assert_eq!(record.breaks, Vec::new(), "{name} seed {seed}");
            assert_eq!(explore(name, 0, 10).findings(), &[], "{name}");
        }
    }

    // KIP-447's zombie: a thread's commit, made as the group rebalances, reaches the group
    // coordinator after its partition moved to the other thread, which already read from the
    // old committed offset. Without the generation nothing refuses it. The rarest row of the
    // matrix: its budget (`MATRIX_RUNS` from seed 0) finds it at 433.
    #[test]
    fn a_per_thread_producer_sending_the_group_id_only_commits_an_output_twice() {
        let found = finds("per-thread-group-id-only", 433, 1, 30);
        assert_eq!(found.kind, AnomalyKind::Duplicate);
        assert!(found.expected.is_some_and(|why| why.contains("generation")));
        // The same steps with the group metadata sent, as exactly_once_v2 does: fenced.
        let v2 = setting("streams-exactly-once-v2").expect("named").config;
        assert_eq!(
            replay(&v2, found.seed, &found.actions, found.guarantee),
            None
        );
    }

    // KIP-447's fence is the generation in the offsets: the thread whose commit the group
    // refused as stale in scenario 27 has it accepted when it sends the group id alone.
    #[test]
    fn offsets_sent_with_the_group_id_only_are_not_fenced() {
        use crate::clients::streams::SendOffsetsGroupMetadata;
        use crate::event::EventKind;
        use crate::run::scenario::Scenario;
        let text = include_str!(
            "../../../../assets/scenarios/27-streams-v2-zombie-fenced-by-group-generation.json"
        );
        let refusals = |form: SendOffsetsGroupMetadata| {
            let mut scenario = Scenario::parse(text).expect("a shipped scenario");
            scenario.streams[0].send_offsets_group_metadata = form;
            let run = scenario.run().expect("it plays");
            run.events()
                .filter(|e| matches!(e.kind, EventKind::TxnOffsetCommitRefused { .. }))
                .count()
        };
        assert_eq!(refusals(SendOffsetsGroupMetadata::ConsumerGroupMetadata), 1);
        assert_eq!(refusals(SendOffsetsGroupMetadata::GroupIdOnly), 0);
    }

    /// The run of issue #13 (per-thread-group-id-only, seed 3741) as the explorer shrank it.
    fn seed_3741_shrunk() -> Vec<Action> {
        serde_json::from_str(
            r#"[
                {"step":"init_transactions","producer":"tx"},
                {"step":"deliver_all"},
                {"step":"crash_consumer","consumer":"receipts-app-StreamThread-2"},
                {"step":"begin_transaction","producer":"tx"},
                {"step":"send","producer":"tx","topic":"payments","partition":1,"key":"k742923238170","value":"v742923238170"},
                {"step":"commit_transaction","producer":"tx"},
                {"step":"deliver_all"},
                {"step":"replicate","topic":"payments","partition":1,"broker":null,"up_to":null},
                {"step":"replicate","topic":"payments","partition":1,"broker":null,"up_to":null},
                {"step":"deliver_all"},
                {"step":"replicate","topic":"payments","partition":1,"broker":null,"up_to":null},
                {"step":"replicate","topic":"payments","partition":1,"broker":null,"up_to":null},
                {"step":"streams_process","thread":"receipts-app-StreamThread-1"},
                {"step":"restart_consumer","consumer":"receipts-app-StreamThread-2"},
                {"step":"deliver_all"},
                {"step":"crash_consumer","consumer":"receipts-app-StreamThread-1"},
                {"step":"streams_process","thread":"receipts-app-StreamThread-2"},
                {"step":"deliver_all"},
                {"step":"replicate","topic":"receipts","partition":0,"broker":null,"up_to":null},
                {"step":"replicate","topic":"receipts","partition":0,"broker":null,"up_to":null},
                {"step":"restart_consumer","consumer":"receipts-app-StreamThread-1"},
                {"step":"deliver_all"}
            ]"#,
        )
        .expect("the shrunk run's steps")
    }

    // The same run, with the zombie's abort decided in a step of its own (its new instance's
    // InitProducerId, message #28, fences it) before the survivor commits: the abort must not
    // take the survivor's transformed copy of the record for its own.
    #[test]
    fn an_aborted_zombie_transaction_leaves_the_new_owners_copy_to_its_transaction() {
        use crate::ids::{ClientId, Offset, TopicPartition};
        use crate::network::MessageId;
        let mut actions = seed_3741_shrunk();
        actions.pop();
        let config = setting("per-thread-group-id-only").expect("named").config;
        let mut world = World::new(&config, 3741).expect("valid");
        for action in &actions {
            world.step(action).expect("the world plays every step");
        }
        let events = world
            .step(&Action::Deliver {
                message: Some(MessageId(28)),
            })
            .expect("message #28 is in flight");
        assert!(events.iter().any(|e| matches!(
            e.kind,
            crate::event::EventKind::TxnOffsetCompleted { commit: false, .. }
        )));
        let payments_1 = TopicPartition::new("payments", 1);
        assert_eq!(
            world
                .invariants()
                .holder("receipts-app", &payments_1, Offset(0)),
            Some(&ClientId::new("receipts-app-StreamThread-2"))
        );
        world
            .step(&Action::DeliverAll {})
            .expect("the rest arrives");
        assert!(world.invariants().all_hold());
        assert_eq!(
            world
                .invariants()
                .holder("receipts-app", &payments_1, Offset(0)),
            None
        );
    }

    // Issue #13 (seed 3741, shrunk): a thread commits payments-1@0's output with the group id
    // alone as the group rebalances, then crashes; the other thread reads the record again
    // from the old committed offset and commits its own output and offsets. The dead thread's
    // transaction aborts in the same step. The group coordinator discards only the aborted
    // producer's pending offsets, so the record was processed once, by the survivor: nothing
    // was skipped, and the checker once said otherwise.
    #[test]
    fn an_aborted_zombie_transaction_does_not_skip_what_the_new_owner_committed() {
        use crate::ids::{Offset, TopicPartition};
        use crate::invariants::NO_RECORD_SKIPPED_BY_GROUP;
        use crate::views::visibility::{TxnStatus, transaction_status};
        let actions = seed_3741_shrunk();
        let config = setting("per-thread-group-id-only").expect("named").config;
        assert_eq!(
            replay(&config, 3741, &actions, NO_RECORD_SKIPPED_BY_GROUP),
            None
        );
        let mut world = World::new(&config, 3741).expect("valid");
        for action in &actions {
            world.step(action).expect("the world plays every step");
        }
        // What a user sees: the group resumes payments-1 past the record, and the receipts
        // partition holds the record's output twice, the zombie's aborted, the survivor's
        // committed.
        let payments_1 = TopicPartition::new("payments", 1);
        assert_eq!(
            world.groups()["receipts-app"].committed.get(&payments_1),
            Some(&Offset(2))
        );
        let receipts_0 = TopicPartition::new("receipts", 0);
        assert_eq!(
            [0, 1].map(|o| transaction_status(&world, &receipts_0, Offset(o))),
            [Some(TxnStatus::Aborted), Some(TxnStatus::Committed)]
        );
        assert!(world.invariants().all_hold());
    }

    #[test]
    fn runs_absorbed_in_seed_order_find_what_run_next_finds() {
        let config = setting("acks-1").expect("a named setting").config;
        let options = ExploreOptions {
            runs: 4,
            ..ExploreOptions::default()
        };
        let mut one_by_one = Explorer::new(config.clone(), options).expect("valid");
        while one_by_one.run_next().is_some() {}
        let mut records: Vec<RunRecord> = (0..4)
            .rev()
            .map(|seed| run_seed(&config, seed, &options))
            .collect();
        records.reverse();
        let mut merged = Explorer::new(config, options).expect("valid");
        for record in records {
            merged.absorb(record);
        }
        assert_eq!(one_by_one.findings(), merged.findings());
        assert_eq!(merged.next_seed(), None);
    }
}
