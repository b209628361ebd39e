//! `__transaction_state-0`'s records, and what a coordinator that loads them reads.
//!
//! Kafka keeps `__transaction_state` compacted (`cleanup.policy=compact`, keyed by
//! transactional id), and a load keeps the last record of each id
//! (`TransactionStateManager.loadTransactionsForTxnTopicPartition`). So the lab keeps, beside
//! the records in order, the last one of each id that a load acts on: a load then costs what
//! the number of ids costs, however long the log, and gives the state a replay of every record
//! gives.

use crate::coordinator::state_machine::{TransactionLogRecord, TransactionState};
use std::sync::Arc;

/// The records in the order they were appended, and the last of each transactional id.
#[derive(Clone, Debug, Default)]
pub struct TransactionStateLog {
    /// Grows with every transaction: persistent, so a clone of the world shares it. Each
    /// record is shared as well (with `latest` too): an append after a clone copies the last
    /// chunk of up to 64 records, which then counts references rather than copying each
    /// record's id and partitions.
    records: imbl::Vector<Arc<TransactionLogRecord>>,
    /// By transactional id, the newest record a load does not skip (a fence that was never
    /// written is skipped, as `TransactionCoordinatorState::load` skips it).
    latest: imbl::OrdMap<String, Arc<TransactionLogRecord>>,
}

impl TransactionStateLog {
    pub fn append(&mut self, record: TransactionLogRecord) {
        let record = Arc::new(record);
        if record.state != TransactionState::PrepareEpochFence {
            self.latest
                .insert(record.transactional_id.clone(), Arc::clone(&record));
        }
        self.records.push_back(record);
    }

    /// Every record, oldest first.
    pub fn records(&self) -> &imbl::Vector<Arc<TransactionLogRecord>> {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The log as compaction leaves it for a load: the last record of each transactional id.
    pub fn compacted(&self) -> impl Iterator<Item = &TransactionLogRecord> {
        self.latest.values().map(|record| &**record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordinator::state_machine::{TransactionCoordinatorState, TransactionVersion};
    use crate::ids::{ProducerEpoch, ProducerId};

    fn record(id: &str, epoch: i16, state: TransactionState) -> TransactionLogRecord {
        TransactionLogRecord {
            transactional_id: id.to_owned(),
            producer_id: ProducerId(1000),
            producer_epoch: ProducerEpoch(epoch),
            txn_timeout_ms: 60_000,
            state,
            topic_partitions: Default::default(),
            txn_last_update_timestamp_ms: u64::try_from(epoch).unwrap_or(0),
            txn_start_timestamp_ms: None,
            client_transaction_version: TransactionVersion::V2,
            coordinator_epoch: 0,
        }
    }

    fn loaded(records: impl IntoIterator<Item = TransactionLogRecord> + Clone) -> [String; 2] {
        let mut log = TransactionStateLog::default();
        for r in records.clone() {
            log.append(r);
        }
        let every: Vec<_> = records.into_iter().collect();
        let from = |records: Vec<&TransactionLogRecord>| {
            let mut state = TransactionCoordinatorState::new(TransactionVersion::V2, 0);
            let jobs = state.load(1, records, 5);
            format!("{jobs:?} {:?}", state.transactions().collect::<Vec<_>>())
        };
        [
            from(every.iter().collect()),
            from(log.compacted().collect()),
        ]
    }

    #[test]
    fn a_load_of_the_compacted_log_gives_what_a_load_of_every_record_gives() {
        use TransactionState::*;
        let cases = [
            vec![
                record("a", 0, Empty),
                record("a", 0, Ongoing),
                record("b", 3, Empty),
            ],
            vec![record("a", 0, Ongoing), record("a", 0, PrepareCommit)],
            vec![record("a", 0, Ongoing), record("a", 1, PrepareEpochFence)],
            vec![
                record("a", 0, Empty),
                record("a", 0, Dead),
                record("b", 0, PrepareAbort),
            ],
            vec![record("a", 0, Dead), record("a", 1, Empty)],
        ];
        for case in cases {
            let [every, compacted] = loaded(case.clone());
            assert_eq!(every, compacted, "{case:?}");
        }
    }
}
