//! What the stage draws, read from the world at the cursor and the current step's events: the
//! nodes, each partition replica with the leader's newest offsets, every message in flight, and
//! what the step changed. Pure, so native tests check it; drawing sizes stay bounded whatever
//! the length of a log or the number of messages.

use crate::components::partition_log::{PartitionView, status_label};
use crate::steps::StepRecord;
use eos_core::action::TxnResult;
use eos_core::broker::batch::ControlKind;
use eos_core::config::{IsolationLevel, ProcessingMode};
use eos_core::network::{Endpoint, Message, Payload};
use eos_core::views::visibility::TxnStatus;
use eos_core::{ClientId, Event, EventKind, Offset, TopicPartition, World};
use std::collections::{BTreeMap, BTreeSet};

/// The newest offsets drawn per partition: a log of 10 000 records costs what one of 10 does.
pub const CELLS_SHOWN: usize = 10;

/// The messages drawn at most; the others are counted ("+n more").
pub const MESSAGES_DRAWN: usize = 14;

/// The transactional ids the coordinator box lists at most.
pub const TRANSACTIONS_DRAWN: usize = 3;

/// Something on the stage one can select and act on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StageItem {
    Producer(ClientId),
    Consumer(ClientId),
    Broker(u32),
    Coordinator,
    Message(u64),
}

/// A producer as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerNode {
    pub id: ClientId,
    pub alive: bool,
    /// "idempotent", "transactional.id payment-writer" or "not idempotent".
    pub kind: String,
    pub transactional: bool,
    /// Producer id and epoch, once it has one.
    pub identity: Option<(i64, i16)>,
    /// The client's transaction state (`TransactionManager.State`).
    pub txn_state: Option<&'static str>,
    pub in_flight: usize,
    pub changed: bool,
}

/// A consumer as drawn, with where it reads each assigned partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerNode {
    pub id: ClientId,
    pub alive: bool,
    pub isolation: &'static str,
    /// Partition, position and the group's committed offset.
    pub positions: Vec<(String, Option<i64>, Option<i64>)>,
    pub processed: usize,
    /// When its fetch, held at the broker for `fetch.min.bytes`, is answered at the latest.
    pub fetch_waits_until_ms: Option<u64>,
    pub changed: bool,
}

/// A replica's part in its partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Leader,
    Follower,
}

/// One partition replica on a broker; the leader's carries the log strip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaRow {
    pub topic_partition: TopicPartition,
    pub role: Role,
    pub in_isr: bool,
    pub log_end: i64,
    pub strip: Option<LogStrip>,
}

/// The newest offsets of a partition's log as its leader holds them, and its marks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogStrip {
    pub cells: Vec<Cell>,
    /// Offsets in the log before the first drawn one.
    pub hidden_before: usize,
    pub log_start: i64,
    pub last_stable: i64,
    pub high_watermark: i64,
    pub log_end: i64,
    /// The marks this step moved ("HW", "LSO", ...).
    pub marks_moved: Vec<&'static str>,
    /// Kafka's error for a write the leader refused in this step.
    pub refused: Option<String>,
}

/// One offset of a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub offset: i64,
    pub status: TxnStatus,
    pub control: Option<ControlKind>,
    pub key: Option<String>,
    /// Written but not yet below the high watermark: no consumer may read it yet.
    pub above_high_watermark: bool,
    /// Appended in this step.
    pub new: bool,
    /// A retry in this step was answered with this offset as a duplicate: nothing was written.
    pub answered_duplicate: bool,
}

impl Cell {
    /// What the cell is, in words: "committed", "COMMIT marker", "open transaction", ...
    pub fn words(&self) -> String {
        match (self.status, self.control) {
            (TxnStatus::Marker, Some(ControlKind::Commit)) => "COMMIT marker".to_owned(),
            (TxnStatus::Marker, Some(ControlKind::Abort)) => "ABORT marker".to_owned(),
            (TxnStatus::Open, _) => "open transaction".to_owned(),
            (TxnStatus::Committed, _) => "committed transaction".to_owned(),
            (TxnStatus::Aborted, _) => "aborted transaction".to_owned(),
            (status, _) => status_label(status).1.to_owned(),
        }
    }

    /// The accessible name: the offset, its state and what this step did to it.
    pub fn name(&self, topic_partition: &TopicPartition) -> String {
        let mut name = format!("{topic_partition} offset {}: {}", self.offset, self.words());
        if let Some(key) = &self.key {
            name.push_str(&format!(", key {key}"));
        }
        if self.above_high_watermark {
            name.push_str(", above the high watermark (not readable yet)");
        }
        if self.new {
            name.push_str(", written in this step");
        }
        if self.answered_duplicate {
            name.push_str(", a retry of it was answered as a duplicate in this step");
        }
        name.push_str(". Opens it in the inspector.");
        name
    }
}

/// A broker and the replicas it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerNode {
    pub id: u32,
    pub alive: bool,
    pub is_coordinator: bool,
    pub replicas: Vec<ReplicaRow>,
    /// Crashed or restarted in this step.
    pub changed: bool,
}

/// The transaction coordinator: each transactional id's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinatorNode {
    pub broker: u32,
    pub alive: bool,
    /// Raised each time a coordinator takes `__transaction_state` over (a restart or a move).
    pub coordinator_epoch: i32,
    /// Transactional id, state name, moved in this step; the first [`TRANSACTIONS_DRAWN`].
    pub transactions: Vec<(String, &'static str, bool)>,
    pub hidden_transactions: usize,
    pub changed: bool,
}

/// The external database the consumers' processing writes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseNode {
    pub effects: usize,
    /// Business ids applied more than once.
    pub repeated: Vec<String>,
    pub idempotent: bool,
    pub changed: bool,
}

/// A message in flight, or one delivered in this step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageNode {
    pub id: u64,
    pub from: Endpoint,
    pub to: Endpoint,
    /// Kafka's name for it and what it carries, in full.
    pub label: String,
    /// What fits on a pill: "Produce seq 0", "ack offset 3".
    pub short: String,
    /// A produce response: losing it is the lost acknowledgement.
    pub is_ack: bool,
    pub new: bool,
}

impl MessageNode {
    pub fn of(message: &Message, new: bool) -> Self {
        Self {
            id: message.id.0,
            from: message.from.clone(),
            to: message.to.clone(),
            label: message.payload.label_string(),
            short: short_label(&message.payload),
            is_ack: message.payload.is_acknowledgement(),
            new,
        }
    }

    /// The accessible name: number, what it is, and its way.
    pub fn name(&self) -> String {
        let kind = if self.is_ack {
            "Acknowledgement"
        } else {
            "Message"
        };
        format!(
            "{kind} #{}: {}, from {} to {}{}",
            self.id,
            self.label,
            self.from,
            self.to,
            if self.new { ", sent in this step" } else { "" }
        )
    }
}

/// A message's label short enough for a pill on the stage.
pub fn short_label(payload: &Payload) -> String {
    match payload {
        Payload::InitProducerIdRequest { .. } | Payload::TxnInitProducerIdRequest { .. } => {
            "InitProducerId".to_owned()
        }
        Payload::InitProducerIdResponse { producer_id, .. } => format!("producer id {producer_id}"),
        Payload::TxnInitProducerIdResponse { result, .. } => match result {
            Ok((producer_id, _)) => format!("producer id {producer_id}"),
            Err(error) => error.to_string(),
        },
        Payload::ProduceRequest { batch, .. } => {
            if batch.stamp.producer_id.is_none() {
                "Produce".to_owned()
            } else {
                format!("Produce seq {}", batch.stamp.base_sequence)
            }
        }
        Payload::ProduceResponse { result, .. } => match result {
            Ok(offset) => format!("ack offset {offset}"),
            Err(error) => format!("ack {error}"),
        },
        Payload::AddPartitionsToTxnRequest { .. } => "AddPartitionsToTxn".to_owned(),
        Payload::AddOffsetsToTxnRequest { .. } => "AddOffsetsToTxn".to_owned(),
        Payload::EndTxnRequest { result, .. } => format!("EndTxn {}", decision(*result)),
        Payload::WriteTxnMarkersRequest { result, .. } => {
            format!("{} ◆", decision(*result))
        }
        Payload::AddPartitionsToTxnResponse { result, .. }
        | Payload::AddOffsetsToTxnResponse { result, .. } => match result {
            Ok(()) => "answer NONE".to_owned(),
            Err(error) => error.to_string(),
        },
        Payload::EndTxnResponse { result, .. } => match result {
            Ok(_) => "EndTxn NONE".to_owned(),
            Err(error) => error.to_string(),
        },
        Payload::WriteTxnMarkersResponse { .. } => "◆ written".to_owned(),
    }
}

fn decision(result: TxnResult) -> &'static str {
    match result {
        TxnResult::Commit => "COMMIT",
        TxnResult::Abort => "ABORT",
    }
}

/// The messages `events` delivered, drawn where they were before the step (`previous`, the
/// messages in flight then, by id); one delivered without a known way is left out.
pub fn arrivals(events: &[Event], previous: &BTreeMap<u64, MessageNode>) -> Vec<MessageNode> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageDelivered { message_id } => previous.get(&message_id.0).cloned(),
            _ => None,
        })
        .take(MESSAGES_DRAWN)
        .collect()
}

/// The whole picture at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageModel {
    pub producers: Vec<ProducerNode>,
    pub brokers: Vec<BrokerNode>,
    pub coordinator: CoordinatorNode,
    pub consumers: Vec<ConsumerNode>,
    pub database: Option<DatabaseNode>,
    /// The oldest [`MESSAGES_DRAWN`] messages in flight.
    pub messages: Vec<MessageNode>,
    pub hidden_messages: usize,
    /// The lab's own endpoint, drawn while a hand-made request or its answer is on its way.
    pub lab: Option<LabNode>,
}

/// Where hand-made requests come from and their answers go: no producer or consumer, the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabNode {
    /// Its requests and answers in flight.
    pub in_flight: usize,
}

/// What the step's events say changed, gathered once.
#[derive(Default)]
struct Changes {
    appended: BTreeMap<TopicPartition, Vec<(i64, i64)>>,
    duplicates: BTreeSet<(TopicPartition, i64)>,
    refused: BTreeMap<TopicPartition, String>,
    high_watermark: BTreeSet<TopicPartition>,
    brokers: BTreeSet<u32>,
    clients: BTreeSet<ClientId>,
    transactions: BTreeSet<String>,
    sent: BTreeSet<u64>,
    effects: bool,
}

impl Changes {
    fn of(events: &[Event]) -> Self {
        let mut changes = Self::default();
        for event in events {
            match &event.kind {
                EventKind::BatchAppended {
                    topic_partition,
                    base_offset,
                    last_offset,
                    ..
                } => changes
                    .appended
                    .entry(topic_partition.clone())
                    .or_default()
                    .push((base_offset.0, last_offset.0)),
                EventKind::MarkerWritten {
                    topic_partition,
                    offset,
                    ..
                } => changes
                    .appended
                    .entry(topic_partition.clone())
                    .or_default()
                    .push((offset.0, offset.0)),
                EventKind::DuplicateBatch {
                    topic_partition,
                    original_offset,
                    ..
                } => {
                    changes
                        .duplicates
                        .insert((topic_partition.clone(), original_offset.0));
                }
                EventKind::BatchRejected {
                    topic_partition,
                    error,
                    ..
                } => {
                    changes
                        .refused
                        .insert(topic_partition.clone(), error.to_string());
                }
                EventKind::HighWatermarkAdvanced {
                    topic_partition, ..
                } => {
                    changes.high_watermark.insert(topic_partition.clone());
                }
                EventKind::BrokerCrashed { broker } | EventKind::BrokerRestarted { broker } => {
                    changes.brokers.insert(broker.0);
                }
                EventKind::ProducerCrashed { producer, .. }
                | EventKind::ProducerRestarted { producer }
                | EventKind::ProducerIdAssigned { producer, .. }
                | EventKind::ProducerEpochBumped { producer, .. }
                | EventKind::ProducerTxnStateChanged { producer, .. }
                | EventKind::SendAcknowledged { producer, .. }
                | EventKind::SendFailed { producer, .. }
                | EventKind::RequestTimedOut { producer, .. }
                | EventKind::BatchRequeued { producer, .. } => {
                    changes.clients.insert(producer.clone());
                }
                EventKind::ConsumerCrashed { consumer, .. }
                | EventKind::ConsumerRestarted { consumer }
                | EventKind::RecordsPolled { consumer, .. }
                | EventKind::OffsetCommitted { consumer, .. }
                | EventKind::PositionResolved { consumer, .. }
                | EventKind::RecordTransformed { consumer, .. } => {
                    changes.clients.insert(consumer.clone());
                }
                EventKind::RecordProcessed { consumer, .. } => {
                    changes.clients.insert(consumer.clone());
                    changes.effects = true;
                }
                EventKind::TxnStateChanged {
                    transactional_id, ..
                } => {
                    changes.transactions.insert(transactional_id.clone());
                }
                EventKind::MessageSent { message_id, .. } => {
                    changes.sent.insert(message_id.0);
                }
                EventKind::MessageDuplicated { copy_id, .. } => {
                    changes.sent.insert(copy_id.0);
                }
                _ => {}
            }
        }
        changes
    }

    fn appended(&self, tp: &TopicPartition, offset: i64) -> bool {
        self.appended
            .get(tp)
            .is_some_and(|ranges| ranges.iter().any(|(a, b)| (*a..=*b).contains(&offset)))
    }
}

/// The marks of one partition before the step, to say which moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarksBefore {
    pub log_start: i64,
    pub last_stable: i64,
    pub high_watermark: i64,
    pub log_end: i64,
}

/// Each partition's marks after `step`, to compare with the world at the cursor.
pub fn marks_before(step: Option<&StepRecord>) -> BTreeMap<TopicPartition, MarksBefore> {
    step.map(|s| {
        s.marks
            .iter()
            .map(|m| {
                (
                    m.topic_partition.clone(),
                    MarksBefore {
                        log_start: m.log_start_offset.0,
                        last_stable: m.last_stable_offset.0,
                        high_watermark: m.high_watermark.0,
                        log_end: m.log_end_offset.0,
                    },
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

impl StageModel {
    /// The picture of `world`, with what `events` (the step that led to it) changed. `before`
    /// gives each partition's marks before the step, when known, so a moved LSO shows too.
    pub fn of(
        world: &World,
        events: &[Event],
        before: &BTreeMap<TopicPartition, MarksBefore>,
    ) -> Self {
        let changes = Changes::of(events);
        let coordinator_broker = world.coordinator().broker().0;
        let producers = world
            .producers()
            .map(|p| ProducerNode {
                id: p.id().clone(),
                alive: p.alive,
                kind: match &p.config.transactional_id {
                    Some(id) => format!("transactional.id {id}"),
                    None if p.idempotent => "idempotent".to_owned(),
                    None => "not idempotent".to_owned(),
                },
                transactional: p.config.transactional_id.is_some(),
                identity: (!p.producer_id.is_none())
                    .then_some((p.producer_id.0, p.producer_epoch.0)),
                txn_state: p.txn.as_ref().map(|t| t.state.name()),
                in_flight: p.in_flight().len(),
                changed: changes.clients.contains(p.id()),
            })
            .collect();
        let strips: BTreeMap<TopicPartition, LogStrip> = world
            .cluster()
            .partitions()
            .filter_map(|p| {
                let view = PartitionView::of(world, p, CELLS_SHOWN)?;
                Some((
                    p.topic_partition.clone(),
                    strip(&view, &changes, before.get(&p.topic_partition)),
                ))
            })
            .collect();
        let brokers = world
            .cluster()
            .brokers()
            .map(|(broker, alive)| BrokerNode {
                id: broker.0,
                alive,
                is_coordinator: broker.0 == coordinator_broker,
                replicas: world
                    .cluster()
                    .partitions()
                    .filter_map(|p| {
                        let replica = p.replica(broker)?;
                        let leads = p.leader == Some(broker);
                        Some(ReplicaRow {
                            topic_partition: p.topic_partition.clone(),
                            role: if leads { Role::Leader } else { Role::Follower },
                            in_isr: p.isr.contains(&broker),
                            log_end: replica.log.log_end_offset().0,
                            strip: leads
                                .then(|| strips.get(&p.topic_partition).cloned())
                                .flatten(),
                        })
                    })
                    .collect(),
                changed: changes.brokers.contains(&broker.0),
            })
            .collect();
        let all_transactions: Vec<(String, &'static str, bool)> = world
            .coordinator()
            .transactions()
            .map(|t| {
                (
                    t.transactional_id.clone(),
                    t.state.name(),
                    changes.transactions.contains(&t.transactional_id),
                )
            })
            .collect();
        let coordinator = CoordinatorNode {
            broker: coordinator_broker,
            alive: world.cluster().is_alive(world.coordinator().broker()),
            coordinator_epoch: world.coordinator().coordinator_epoch(),
            hidden_transactions: all_transactions.len().saturating_sub(TRANSACTIONS_DRAWN),
            changed: all_transactions.iter().any(|t| t.2)
                || changes.brokers.contains(&coordinator_broker),
            transactions: all_transactions
                .into_iter()
                .take(TRANSACTIONS_DRAWN)
                .collect(),
        };
        let consumers = world
            .consumers()
            .map(|c| {
                let group = world.groups().get(&c.config.group_id);
                ConsumerNode {
                    id: c.id().clone(),
                    alive: c.alive,
                    isolation: match c.config.isolation_level {
                        IsolationLevel::ReadCommitted => "read_committed",
                        IsolationLevel::ReadUncommitted => "read_uncommitted",
                    },
                    positions: c
                        .assignment
                        .iter()
                        .map(|tp| {
                            (
                                tp.to_string(),
                                c.positions.get(tp).map(|o| o.0),
                                group.and_then(|g| g.committed.get(tp)).map(|o| o.0),
                            )
                        })
                        .collect(),
                    processed: c.processed.len(),
                    fetch_waits_until_ms: c.waiting_fetch.as_ref().map(|w| w.until_ms),
                    changed: changes.clients.contains(c.id()),
                }
            })
            .collect();
        let store = world.store();
        let writes_effects = world
            .consumers()
            .any(|c| c.config.processing != ProcessingMode::Transactional);
        let database = (writes_effects || !store.effects().is_empty()).then(|| DatabaseNode {
            effects: store.effects().len(),
            repeated: store.duplicated().map(|(id, _)| id.to_owned()).collect(),
            idempotent: store.idempotent,
            changed: changes.effects,
        });
        let in_flight = world.network().in_flight();
        let mut model = Self {
            producers,
            brokers,
            coordinator,
            consumers,
            database,
            messages: in_flight
                .iter()
                .take(MESSAGES_DRAWN)
                .map(|m| MessageNode::of(m, changes.sent.contains(&m.id.0)))
                .collect(),
            hidden_messages: in_flight.len().saturating_sub(MESSAGES_DRAWN),
            lab: None,
        };
        let lab_messages = model
            .messages
            .iter()
            .filter(|m| model.is_lab(&m.from) || model.is_lab(&m.to))
            .count();
        model.lab = (lab_messages > 0).then_some(LabNode {
            in_flight: lab_messages,
        });
        model
    }

    /// Whether `endpoint` is the lab's own: a client that is neither a producer nor a consumer.
    pub fn is_lab(&self, endpoint: &Endpoint) -> bool {
        match endpoint {
            Endpoint::Client(id) => {
                !self.producers.iter().any(|p| &p.id == id)
                    && !self.consumers.iter().any(|c| &c.id == id)
            }
            Endpoint::Broker(_) => false,
        }
    }

    /// Whether `item` is still on the stage (a delivered message or a removed client is not).
    pub fn has(&self, item: &StageItem) -> bool {
        match item {
            StageItem::Producer(id) => self.producers.iter().any(|p| &p.id == id),
            StageItem::Consumer(id) => self.consumers.iter().any(|c| &c.id == id),
            StageItem::Broker(id) => self.brokers.iter().any(|b| b.id == *id),
            StageItem::Coordinator => true,
            StageItem::Message(id) => self.messages.iter().any(|m| m.id == *id),
        }
    }

    /// The strip of a partition's log, from its leader.
    pub fn strip(&self, tp: &TopicPartition) -> Option<&LogStrip> {
        self.brokers
            .iter()
            .flat_map(|b| &b.replicas)
            .find(|r| &r.topic_partition == tp && r.strip.is_some())
            .and_then(|r| r.strip.as_ref())
    }
}

fn strip(view: &PartitionView, changes: &Changes, before: Option<&MarksBefore>) -> LogStrip {
    let tp = &view.topic_partition;
    let (log_start, last_stable, high_watermark, log_end) = (
        view.log_start.0,
        view.last_stable.0,
        view.high_watermark.0,
        view.log_end.0,
    );
    let mut marks_moved = Vec::new();
    match before {
        Some(b) => {
            for (name, was, is) in [
                ("log start", b.log_start, log_start),
                ("LSO", b.last_stable, last_stable),
                ("HW", b.high_watermark, high_watermark),
                ("log end", b.log_end, log_end),
            ] {
                if was != is {
                    marks_moved.push(name);
                }
            }
        }
        None if changes.high_watermark.contains(tp) => marks_moved.push("HW"),
        None => {}
    }
    LogStrip {
        cells: view
            .records
            .iter()
            .map(|r| Cell {
                offset: r.offset.0,
                status: r.status,
                control: r.control,
                key: r.key.clone(),
                above_high_watermark: r.offset >= Offset(high_watermark),
                new: changes.appended(tp, r.offset.0),
                answered_duplicate: changes.duplicates.contains(&(tp.clone(), r.offset.0)),
            })
            .collect(),
        hidden_before: view.hidden_before,
        log_start,
        last_stable,
        high_watermark,
        log_end,
        marks_moved,
        refused: changes.refused.get(tp).cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{LabAction, LabState};
    use std::rc::Rc;
    use yew::Reducible;

    /// The lab after the first `steps` scripted steps of a shipped scenario.
    fn lab_at(file: &str, steps: usize) -> Rc<LabState> {
        let source = crate::scenarios::catalog()
            .into_iter()
            .find(|s| s.name() == file)
            .expect("shipped");
        std::iter::once(LabAction::Load(source))
            .chain(std::iter::repeat_n(LabAction::NextScripted, steps))
            .fold(Rc::new(LabState::default()), |s, a| s.reduce(a))
    }

    /// The stage as the app builds it for the lab's cursor.
    fn stage_of(lab: &LabState) -> StageModel {
        let world = lab.world().expect("a world");
        let history = lab.history();
        let step = lab.cursor().checked_sub(1).and_then(|i| history.get(i));
        let before = lab.cursor().checked_sub(2).and_then(|i| history.get(i));
        let before = marks_before(before.map(|s| &**s));
        StageModel::of(world, step.map_or(&[][..], |s| &s.events), &before)
    }

    fn payments_0(model: &StageModel) -> &LogStrip {
        model
            .strip(&TopicPartition::new("payments", 0))
            .expect("payments-0 has a leader")
    }

    #[test]
    fn the_lost_ack_story_is_drawn_step_by_step() {
        // Step 1: the produce request is on its way from p1 to broker 1, new in this step.
        let model = stage_of(&lab_at("02-at-least-once.json", 1));
        let [request] = model.messages.as_slice() else {
            panic!("one message in flight: {:?}", model.messages)
        };
        assert_eq!(request.from.to_string(), "p1");
        assert_eq!(request.to.to_string(), "broker 1");
        assert!(request.new && !request.is_ack);
        assert!(payments_0(&model).cells.is_empty());

        // Step 2: delivered; offset 0 is written (new), the marks moved, the ack is on its way.
        let model = stage_of(&lab_at("02-at-least-once.json", 2));
        let strip = payments_0(&model);
        assert_eq!(strip.cells.len(), 1);
        assert!(strip.cells[0].new);
        assert!(strip.marks_moved.contains(&"HW"));
        let [ack] = model.messages.as_slice() else {
            panic!("the ack in flight: {:?}", model.messages)
        };
        assert!(ack.is_ack && ack.new);
        assert_eq!(ack.short, "ack offset 0");
        assert!(ack.name().starts_with("Acknowledgement #2"));

        // Step 3: the ack is dropped: nothing in flight, offset 0 no longer new.
        let model = stage_of(&lab_at("02-at-least-once.json", 3));
        assert!(model.messages.is_empty());
        assert!(!payments_0(&model).cells[0].new);

        // Step 5: the retry of a producer without idempotence wrote a second copy.
        let model = stage_of(&lab_at("02-at-least-once.json", 5));
        let strip = payments_0(&model);
        let keys: Vec<Option<&str>> = strip.cells.iter().map(|c| c.key.as_deref()).collect();
        assert_eq!(keys, [Some("pay-1"), Some("pay-1")]);
        assert!(strip.cells[1].new && !strip.cells[0].new);
    }

    #[test]
    fn an_open_transaction_holds_the_lso_below_the_high_watermark() {
        let model = stage_of(&lab_at("13-19-20-open-transaction-holds-the-lso.json", 5));
        let strip = payments_0(&model);
        assert!(strip.last_stable < strip.high_watermark, "{strip:?}");
        assert_eq!(strip.cells[0].status, TxnStatus::Open);
        assert!(
            strip.cells[0]
                .name(&TopicPartition::new("payments", 0))
                .contains("open transaction")
        );
        let reader = model
            .consumers
            .iter()
            .find(|c| &*c.id.0 == "reader-uncommitted")
            .expect("the reader");
        assert!(reader.changed, "its poll is this step's change");
    }

    fn free_play() -> Rc<LabState> {
        Rc::new(LabState::default()).reduce(LabAction::Load(crate::scenarios::Source::FreePlay))
    }

    fn act(lab: Rc<LabState>, action: eos_core::Action) -> Rc<LabState> {
        lab.reduce(LabAction::Act(action))
    }

    #[test]
    fn a_crashed_broker_is_drawn_down_and_changed_and_its_restart_too() {
        let broker = eos_core::ids::BrokerId(1);
        let lab = act(free_play(), eos_core::Action::CrashBroker { broker });
        let model = stage_of(&lab);
        assert!(!model.brokers[0].alive && model.brokers[0].changed);
        assert!(
            !model.coordinator.alive,
            "the coordinator lives on broker 1"
        );
        let model = stage_of(&act(lab, eos_core::Action::RestartBroker { broker }));
        assert!(model.brokers[0].alive && model.brokers[0].changed);
    }

    #[test]
    fn a_ten_thousand_record_log_draws_as_many_cells_as_a_short_one() {
        let mut world = (*free_play().world().expect("world").clone()).clone();
        for i in 0..10_000 {
            world
                .step(&eos_core::Action::Send {
                    producer: ClientId::new("p1"),
                    topic: "payments".to_owned(),
                    partition: Some(0),
                    key: Some(format!("k{i}")),
                    value: "v".to_owned(),
                })
                .expect("a send");
            world
                .step(&eos_core::Action::DeliverAll {})
                .expect("delivered");
        }
        let model = StageModel::of(&world, &[], &BTreeMap::new());
        let strip = payments_0(&model);
        assert_eq!(strip.cells.len(), CELLS_SHOWN);
        assert_eq!(strip.hidden_before, 10_000 - CELLS_SHOWN);
        assert_eq!(strip.cells.last().map(|c| c.offset), Some(9_999));
        assert!(model.messages.is_empty());
    }

    #[test]
    fn many_messages_are_capped_and_counted_and_a_delivered_one_arrives() {
        let mut lab = free_play();
        for _ in 0..20 {
            lab = act(
                lab,
                eos_core::Action::Send {
                    producer: ClientId::new("p1"),
                    topic: "payments".to_owned(),
                    partition: Some(1),
                    key: None,
                    value: "v".to_owned(),
                },
            );
            lab = act(
                lab,
                eos_core::Action::Flush {
                    producer: ClientId::new("p1"),
                },
            );
        }
        let before = stage_of(&lab);
        let in_flight = lab.world().expect("world").network().in_flight().len();
        assert_eq!(before.messages.len(), in_flight.min(MESSAGES_DRAWN));
        assert_eq!(
            before.hidden_messages,
            in_flight.saturating_sub(MESSAGES_DRAWN)
        );
        let first = before.messages[0].id;
        let lab = act(lab, eos_core::Action::Deliver { message: None });
        let events = &lab.history().last().expect("a step").events;
        let previous: BTreeMap<u64, MessageNode> =
            before.messages.iter().map(|m| (m.id, m.clone())).collect();
        let arrived = arrivals(events, &previous);
        assert_eq!(arrived.iter().map(|m| m.id).collect::<Vec<_>>(), [first]);
        assert!(!stage_of(&lab).has(&StageItem::Message(first)));
    }
}
