//! What exactly-once costs, counted from what happened: requests on the network, writes to
//! `__transaction_state`, markers in the partitions, set against the records the application
//! wrote. Concept 26 (the overhead shrinks as transactions grow) and the comparison of Kafka
//! Streams' `exactly_once` and `exactly_once_v2` (concept 27) are read off these numbers.
//!
//! The counts are derived from events alone, so the same numbers come out of a scenario report, a
//! UI timeline or a benchmark, whichever events they were handed.

use crate::coordinator::state_machine::TransactionState;
use crate::event::{Event, EventKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The overhead of a run, or of any stretch of one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    /// Requests put on the network, by Kafka API name (`Produce`, `AddPartitionsToTxn`,
    /// `EndTxn`, `WriteTxnMarkers`, ...), resends and copies included. Calls the lab answers
    /// within a step (TxnOffsetCommit, the group's marker) are not on the network.
    pub requests: BTreeMap<String, u64>,
    /// AddPartitionsToTxn a partition leader or the group coordinator sent for a producer
    /// (transaction protocol V2), answered within the step.
    pub partitions_added_by_brokers: u64,
    /// Records appended to `__transaction_state`.
    pub transaction_log_appends: u64,
    /// Data records the partition leaders appended (markers not included).
    pub records_appended: u64,
    /// Transaction markers (control records) the partition leaders appended; each takes an
    /// offset.
    pub markers_appended: u64,
    /// Transactions that reached CompleteCommit.
    pub transactions_committed: u64,
    /// Transactions that reached CompleteAbort.
    pub transactions_aborted: u64,
}

impl Costs {
    /// The counts over `events`.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut costs = Self::default();
        for event in events {
            costs.count(&event.kind);
        }
        costs
    }

    fn count(&mut self, kind: &EventKind) {
        match kind {
            EventKind::MessageSent { label, .. } => {
                if let Some((api, _)) = label.split_once(" request") {
                    *self.requests.entry(api.to_owned()).or_default() += 1;
                }
            }
            EventKind::PartitionAddedForProducer { .. } => self.partitions_added_by_brokers += 1,
            EventKind::TxnLogAppended { state, .. } => {
                self.transaction_log_appends += 1;
                match state {
                    TransactionState::CompleteCommit => self.transactions_committed += 1,
                    TransactionState::CompleteAbort => self.transactions_aborted += 1,
                    _ => {}
                }
            }
            EventKind::BatchAppended {
                base_offset,
                last_offset,
                ..
            } => {
                let count = last_offset
                    .0
                    .saturating_sub(base_offset.0)
                    .saturating_add(1);
                self.records_appended += u64::try_from(count).unwrap_or(0);
            }
            EventKind::MarkerWritten { .. } => self.markers_appended += 1,
            _ => {}
        }
    }

    /// Every request put on the network, of any kind.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Requests that exist only because of transactions: to the transaction coordinator and its
    /// markers, plus the adds brokers send for producers under transaction V2.
    pub fn transaction_requests(&self) -> u64 {
        const TRANSACTIONAL_APIS: [&str; 5] = [
            "InitProducerId",
            "AddPartitionsToTxn",
            "AddOffsetsToTxn",
            "EndTxn",
            "WriteTxnMarkers",
        ];
        TRANSACTIONAL_APIS
            .iter()
            .filter_map(|api| self.requests.get(*api))
            .sum::<u64>()
            + self.partitions_added_by_brokers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BrokerId, Offset, ProducerId, TopicPartition};
    use crate::network::MessageId;

    fn event(kind: EventKind) -> Event {
        Event::new(kind, String::new())
    }

    #[test]
    fn requests_are_counted_by_api_and_responses_are_not() {
        let sent = |label: &str| {
            event(EventKind::MessageSent {
                message_id: MessageId(1),
                label: label.to_owned(),
                from: crate::network::Endpoint::Client(crate::ids::ClientId::new("p1")),
                to: crate::network::Endpoint::Broker(BrokerId(1)),
            })
        };
        let costs = Costs::of(&[
            sent("Produce request for payments-0 (producer 1000, epoch 0, sequence 0)"),
            sent("Produce response for payments-0 (offset 0)"),
            sent("EndTxn request (COMMIT, epoch 0)"),
            sent("WriteTxnMarkers request (COMMIT for producer 1001, epoch 0: payments-0)"),
        ]);
        assert_eq!(costs.requests.get("Produce"), Some(&1));
        assert_eq!(costs.total_requests(), 3);
        assert_eq!(costs.transaction_requests(), 2);
    }

    #[test]
    fn records_and_markers_are_counted_apart() {
        let tp = TopicPartition::new("payments", 0);
        let costs = Costs::of(&[
            event(EventKind::BatchAppended {
                topic_partition: tp.clone(),
                broker: BrokerId(1),
                base_offset: Offset(0),
                last_offset: Offset(2),
                producer_id: ProducerId(1000),
                send_ids: vec![1, 2, 3],
            }),
            event(EventKind::MarkerWritten {
                topic_partition: tp,
                broker: BrokerId(1),
                producer_id: ProducerId(1000),
                offset: Offset(3),
                commit: true,
            }),
        ]);
        assert_eq!((costs.records_appended, costs.markers_appended), (3, 1));
    }
}
