//! Goals: what a learner must make true, as data. A goal is a small predicate language in JSON:
//! `all`, `any` and `not` over facts about the world at the cursor and the events of the run
//! (`docs/exercises.md` lists every fact). For example
//!
//! ```json
//! {"all": [
//!   {"visible": {"partition": "payments-0", "isolation": "read_committed", "at_least": 2}},
//!   {"guarantee": {"name": "no_acknowledged_write_lost", "is": "kept"}}
//! ]}
//! ```
//!
//! - [`check`](Goal::check) finds names the starting world does not know (a partition, a
//!   client, a guarantee, an error code, an event kind) and says where, as JSON pointers;
//! - [`evaluate`](Goal::evaluate) says whether the goal is met, in words: the goal itself ("the
//!   read_committed consumer of payments-0 can see at least 2 records") and what stands now ("not
//!   yet: it can see 0, because the LSO is 0").
//!
//! Modules: `facts` (what each fact observes), `words` (the goal in words), `names` (names
//! checked against the world), `suggest` (facts that hold now).

mod facts;
mod names;
mod suggest;
mod words;

use crate::error::CourseError;
use eos_core::config::IsolationLevel;
use eos_core::{Event, World};
use serde::{Deserialize, Serialize};

pub use facts::Observation;
pub(crate) use names::not_one_of;
pub(crate) use names::partition as partition_named;

/// A goal: a fact, or `all` / `any` / `not` of goals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Goal {
    /// Every goal holds (an empty list always holds).
    All(Vec<Goal>),
    /// At least one goal holds (an empty list never holds).
    Any(Vec<Goal>),
    Not(Box<Goal>),
    /// A partition's log start, LSO, high watermark or log end, compared to a number.
    Offset(OffsetFact),
    /// How many records a reader at an isolation level can see in a partition, or whether it can
    /// see one with a given key or value.
    Visible(VisibleFact),
    /// A consumer group's committed offset for a partition.
    Committed(CommittedFact),
    /// A consumer's position (the next offset it will fetch) in a partition.
    Position(PositionFact),
    /// How many times an effect was applied in the external database.
    Effects(EffectsFact),
    /// A named guarantee (one of the lab's invariants) kept or broken.
    Guarantee(GuaranteeFact),
    /// The transaction coordinator's state for a `transactional.id`.
    Transaction(TransactionFact),
    /// A producer's state: running, crashed, fenced, or its transaction state.
    Producer(ProducerFact),
    /// A consumer's state: running or crashed.
    Consumer(ConsumerFact),
    /// An error code, by Kafka's name, seen in the run's events.
    ErrorSeen(ErrorSeenFact),
    /// An event of a kind seen in the run's events.
    EventSeen(EventSeenFact),
}

/// A number's allowed range: any of `eq`, `at_least`, `at_most`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bound {
    pub eq: Option<i64>,
    pub at_least: Option<i64>,
    pub at_most: Option<i64>,
}

/// One of a partition's offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    LogStart,
    /// The last stable offset.
    Lso,
    HighWatermark,
    LogEnd,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetFact {
    /// `topic-N`, e.g. `payments-0`.
    pub partition: String,
    pub mark: Mark,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisibleFact {
    pub partition: String,
    pub isolation: IsolationLevel,
    /// Count only records with this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Count only records with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The count's range; none given means at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommittedFact {
    /// A `group.id` of the scenario's consumers.
    pub group: String,
    pub partition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionFact {
    pub consumer: String,
    pub partition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectsFact {
    /// The business id (the record's key); without it, every effect applied is counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    /// Times applied; none given means at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

/// Whether a guarantee still holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kept {
    Kept,
    Broken,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeFact {
    /// The invariant's name, e.g. `no_duplicate_effect`.
    pub name: String,
    pub is: Kept,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionFact {
    pub transactional_id: String,
    /// Kafka's `TransactionState` name: `Empty`, `Ongoing`, `PrepareCommit`, `PrepareAbort`,
    /// `CompleteCommit`, `CompleteAbort`, `Dead`, `PrepareEpochFence`.
    pub is: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerFact {
    /// The producer's id in the scenario, e.g. `p1`.
    pub id: String,
    /// `running`, `crashed`, `fenced` (its transactional.id was taken over: FATAL_ERROR after
    /// PRODUCER_FENCED), or a client transaction state (`READY`, `IN_TRANSACTION`,
    /// `ABORTABLE_ERROR`, ...).
    pub is: String,
}

/// A consumer is running or crashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    Running,
    Crashed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerFact {
    pub id: String,
    pub is: Liveness,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSeenFact {
    /// Kafka's name, e.g. `OUT_OF_ORDER_SEQUENCE_NUMBER`.
    pub error: String,
    /// Only errors answered to this client (a producer or consumer id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// How many times; none given means at least once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSeenFact {
    /// The event's kind as the report writes it, e.g. `duplicate_batch`, `message_dropped`.
    pub event: String,
    /// How many times; none given means at least once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<i64>,
}

/// A goal evaluated: met or not, the goal in words, and what stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub met: bool,
    /// The goal in words, e.g. "payments-0's LSO is at least 2".
    pub goal: String,
    /// What stands now, e.g. "it is 0" or "it is 2".
    pub status: String,
}

impl Evaluation {
    /// The whole sentence: "payments-0's LSO is at least 2: met" or "...: not yet, it is 0".
    pub fn sentence(&self) -> String {
        if self.met {
            format!("{}: met", self.goal)
        } else {
            format!("{}: not yet, {}", self.goal, self.status)
        }
    }
}

impl Goal {
    /// The goal in plain words.
    pub fn describe(&self) -> String {
        words::describe(self, true)
    }

    /// Whether the goal holds for the world and the events of the run so far, and why.
    /// `events` are those the caller counts: for an exercise, every step the learner took; for
    /// a lesson's checkpoint, the steps since the checkpoint began.
    pub fn evaluate(&self, world: &World, events: &[Event]) -> Evaluation {
        let observation = Observation::new(world, events);
        let (met, status) = facts::evaluate(self, &observation, true);
        Evaluation {
            met,
            goal: self.describe(),
            status,
        }
    }

    /// Facts that hold for `world` and `events` now, most telling first (broken guarantees,
    /// repeated effects, client and transaction states, offsets, what readers see, errors):
    /// the goals "make an exercise from this lab" offers.
    pub fn suggestions(world: &World, events: &[Event]) -> Vec<Goal> {
        suggest::suggestions(world, events)
    }

    /// The first name the goal uses that `world` (the starting world) does not know, or range
    /// that cannot be met, located by its JSON pointer: the goal is written at `at` in the file
    /// `source`.
    pub fn check(&self, source: &str, world: &World, at: &str) -> Result<(), CourseError> {
        names::check(self, source, world, at)
    }
}
