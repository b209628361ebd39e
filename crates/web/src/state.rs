//! The app's one piece of state, [`LabState`], and the one action enum that changes it,
//! [`LabAction`].
//!
//! Shaped after Yew's `function_todomvc`: `reduce` is pure. The simulation lives in `eos_core`;
//! this module only turns a button press into core [`Action`]s, hands them to [`World::step`],
//! and keeps what came back so the views can show and narrate it.

use eos_core::cluster::Partition;
use eos_core::{
    Action, ActionError, ClientId, Event, TopicPartition, World, WorldConfig, WorldConfigError,
};
use std::rc::Rc;
use yew::Reducible;

/// The topic the first slice writes to.
pub const TOPIC: &str = "payments";
/// The partition of [`TOPIC`] the first slice writes to.
pub const PARTITION: u32 = 0;
/// The producer that sends the payments; the default world defines it.
pub const PRODUCER: &str = "p1";

/// Nothing in this slice draws from the seed yet; it is fixed so a reload replays the same run.
const SEED: u64 = 0;

/// Everything the user can do in the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabAction {
    /// The producer sends the next payment to `payments-0` and the network delivers every
    /// message in flight, so the record lands in the log within one click.
    Send,
    /// Start again from a fresh world.
    Reset,
}

/// One thing the user did and what the core reported as its consequences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Counted from 1, as shown to the user.
    pub number: usize,
    /// What the user did, in words.
    pub label: String,
    /// The core actions the click became, in order, each with the events it caused.
    pub actions: Vec<StepAction>,
}

impl Step {
    /// Every event of the step, in the order the core reported them.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.actions.iter().flat_map(|a| a.events.iter())
    }
}

/// One core action of a step and what it caused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepAction {
    /// The core's own short label for the action.
    pub label: String,
    pub events: Vec<Event>,
}

/// A user action the core refused, kept so it can be shown instead of being lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What the user tried, in words that follow "Could not".
    pub attempted: String,
    pub error: ActionError,
}

/// The whole state of the app: the simulated world plus the story of how it got there.
#[derive(Clone, Debug)]
pub struct LabState {
    // Kept so that Reset rebuilds the same world the lab started with.
    config: WorldConfig,
    // A configuration the core rejects is shown as a message, not a panic.
    world: Result<World, WorldConfigError>,
    steps: Vec<Step>,
    payments_sent: u64,
    refusal: Option<Refusal>,
}

impl Default for LabState {
    fn default() -> Self {
        Self::new(WorldConfig::default())
    }
}

impl LabState {
    /// A lab over a fresh world built from `config`.
    pub fn new(config: WorldConfig) -> Self {
        let world = World::new(&config, SEED);
        Self {
            config,
            world,
            steps: Vec::new(),
            payments_sent: 0,
            refusal: None,
        }
    }

    /// The world, or why it could not be built from the configuration.
    pub fn world(&self) -> Result<&World, &WorldConfigError> {
        self.world.as_ref()
    }

    /// The partition this slice shows, if the world has it.
    pub fn partition(&self) -> Option<&Partition> {
        self.world
            .as_ref()
            .ok()?
            .cluster()
            .partition(&topic_partition())
    }

    /// Every step so far, oldest first.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The last action the core refused, until the next one succeeds.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// The payment the next Send will append.
    pub fn next_payment(&self) -> Payment {
        Payment::nth(self.payments_sent)
    }

    /// Sends the next payment; all or nothing, so a refused action leaves the world as it was.
    fn send(&mut self) {
        let payment = self.next_payment();
        let Ok(world) = &self.world else {
            // The page already says why there is no world; there is nothing to send to.
            return;
        };
        let mut next = world.clone();
        let mut actions = Vec::new();
        for action in [payment.to_action(), Action::DeliverAll {}] {
            match next.step(&action) {
                Ok(events) => actions.push(StepAction {
                    label: action.describe(),
                    events,
                }),
                Err(error) => {
                    self.refusal = Some(Refusal {
                        attempted: format!("send payment {}", payment.key),
                        error,
                    });
                    return;
                }
            }
        }
        self.world = Ok(next);
        self.payments_sent = self.payments_sent.saturating_add(1);
        self.steps.push(Step {
            number: self.steps.len() + 1,
            label: payment.describe(),
            actions,
        });
        self.refusal = None;
    }
}

impl Reducible for LabState {
    type Action = LabAction;

    fn reduce(self: Rc<Self>, action: LabAction) -> Rc<Self> {
        match action {
            LabAction::Reset => Rc::new(Self::new(self.config.clone())),
            LabAction::Send => {
                let mut next = Rc::unwrap_or_clone(self);
                next.send();
                Rc::new(next)
            }
        }
    }
}

/// The partition this slice shows.
pub fn topic_partition() -> TopicPartition {
    TopicPartition::new(TOPIC, PARTITION)
}

/// A made-up payment, the record a Send appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// A business id, used as the record key.
    pub key: String,
    /// Who pays whom how much, used as the record value.
    pub value: String,
}

impl Payment {
    /// The `n`-th payment (counted from 0). Varied so records are easy to tell apart, and fixed
    /// so that runs, tests and screenshots repeat exactly.
    pub fn nth(n: u64) -> Self {
        const PEOPLE: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
        const AMOUNTS: [u32; 7] = [10, 5, 7, 25, 12, 40, 3];
        let person = |i: u64| PEOPLE[(i % PEOPLE.len() as u64) as usize];
        // The receiver is 1 to 3 places after the payer, so nobody pays themselves.
        let from = person(n);
        let to = person(n % PEOPLE.len() as u64 + 1 + n % 3);
        let amount = AMOUNTS[(n % AMOUNTS.len() as u64) as usize];
        Self {
            key: format!("pay-{}", n.saturating_add(1)),
            value: format!("{from}→{to} {amount}"),
        }
    }

    /// The core action that has the producer send this payment to the partition the slice
    /// shows.
    pub fn to_action(&self) -> Action {
        Action::Send {
            producer: ClientId::new(PRODUCER),
            topic: TOPIC.to_owned(),
            partition: Some(PARTITION),
            key: Some(self.key.clone()),
            value: self.value.clone(),
        }
    }

    /// How sending it reads in the narration.
    fn describe(&self) -> String {
        format!(
            "You send payment {} ({}) to {}.",
            self.key,
            self.value,
            topic_partition()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::Offset;
    use eos_core::config::ConsumerConfig;

    fn after(actions: &[LabAction]) -> Rc<LabState> {
        actions
            .iter()
            .fold(Rc::new(LabState::default()), |state, action| {
                state.reduce(*action)
            })
    }

    /// Offsets and values of the records in the leader's log.
    fn records(state: &LabState) -> Vec<(i64, String)> {
        let partition = state.partition().expect("payments-0 exists");
        let log = &partition.leader_replica().expect("a leader").log;
        log.batches()
            .iter()
            .flat_map(|b| {
                b.records
                    .iter()
                    .zip(b.base_offset.0..)
                    .map(|(r, offset)| (offset, r.value.clone()))
            })
            .collect()
    }

    #[test]
    fn each_send_lands_the_next_payment_at_the_next_offset() {
        let state = after(&[LabAction::Send, LabAction::Send]);
        assert_eq!(
            records(&state),
            vec![(0, "alice→bob 10".to_owned()), (1, "bob→dave 5".to_owned())]
        );
        let partition = state.partition().expect("payments-0 exists");
        assert_eq!(partition.high_watermark(), Offset(2));
    }

    #[test]
    fn each_send_is_narrated_with_the_cores_explanations() {
        let state = after(&[LabAction::Send]);
        let mut world = World::new(&WorldConfig::default(), SEED).expect("default world");
        let mut expected = world.step(&Payment::nth(0).to_action()).expect("p1 exists");
        expected.extend(
            world
                .step(&Action::DeliverAll {})
                .expect("a request in flight"),
        );
        assert_eq!(state.steps().len(), 1);
        let step = &state.steps()[0];
        assert_eq!(step.number, 1);
        let got: Vec<Event> = step.events().cloned().collect();
        assert_eq!(got, expected);
        assert!(
            got.iter().any(|e| e.explanation.contains("at offset 0")),
            "{got:#?}"
        );
    }

    #[test]
    fn reset_returns_to_an_empty_log_and_the_first_payment() {
        let state = after(&[LabAction::Send, LabAction::Send, LabAction::Reset]);
        assert!(records(&state).is_empty());
        assert!(state.steps().is_empty());
        assert_eq!(state.next_payment(), Payment::nth(0));
    }

    #[test]
    fn a_refused_send_is_reported_and_changes_nothing() {
        let no_producer = WorldConfig {
            producers: Vec::new(),
            consumers: vec![ConsumerConfig::named("c1", TOPIC)],
            ..WorldConfig::default()
        };
        let state = Rc::new(LabState::new(no_producer)).reduce(LabAction::Send);
        let refusal = state
            .refusal()
            .expect("the core refuses an unknown producer");
        assert_eq!(
            refusal.error,
            ActionError::UnknownProducer(ClientId::new(PRODUCER))
        );
        assert!(state.steps().is_empty());
        assert!(records(&state).is_empty());
        assert_eq!(
            state.next_payment(),
            Payment::nth(0),
            "the payment is not used up"
        );
    }

    #[test]
    fn a_world_the_core_rejects_is_reported_and_send_does_nothing() {
        let bad = WorldConfig {
            consumers: vec![ConsumerConfig::named("c1", "no-such-topic")],
            ..WorldConfig::default()
        };
        let state = Rc::new(LabState::new(bad)).reduce(LabAction::Send);
        assert!(state.world().is_err());
        assert!(state.partition().is_none());
        assert!(state.steps().is_empty());
    }

    #[test]
    fn payments_never_pay_the_payer() {
        for n in 0..100 {
            let value = Payment::nth(n).value;
            let (from, rest) = value.split_once('→').expect("from→to amount");
            let (to, _) = rest.split_once(' ').expect("to amount");
            assert_ne!(from, to, "payment {n}: {value}");
        }
    }
}
