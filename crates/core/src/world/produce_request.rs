//! What a Produce request carries besides its batch (the transactional id and the request
//! version) and the checks a broker makes on the request and its records before the log's own
//! epoch and sequence checks.

use super::*;
use crate::action::RawRecord;
use std::ops::RangeInclusive;

/// The Produce versions a Kafka 4.2 broker takes (4.0 removed 0 to 2; 4.1 added 13).
pub(super) const PRODUCE_VERSIONS: RangeInclusive<u16> = 3..=13;

/// `AddPartitionsToTxnManager.produceRequestVersionToTransactionSupportedOperation`: from v12
/// the leader adds the partition to the transaction itself (transaction version 2).
pub(super) const FIRST_ADD_PARTITION_PRODUCE_VERSION: u16 = 12;

/// From v11 a failed verification's `TRANSACTION_ABORTABLE` reaches the client as it is; older
/// clients get `INVALID_TXN_STATE` instead (`AddPartitionsToTxnManager`, "for backward
/// compatibility with clients").
pub(super) const FIRST_ABORTABLE_ERROR_PRODUCE_VERSION: u16 = 11;

/// `message.timestamp.after.max.ms`'s default since Kafka 4.0 (`ServerLogConfigs`): a record
/// stamped further ahead of the broker's clock is refused.
const MESSAGE_TIMESTAMP_AFTER_MAX_MS: u64 = 3_600_000;

/// The request-level fields of a Produce request that the broker's transactional checks read.
#[derive(Clone, Copy, Debug)]
pub(super) struct ProduceTerms<'a> {
    /// `None`: the one the coordinator holds for the batch's producer id, as that producer's own
    /// client would send; `Some(None)`: the request carries none.
    pub(super) transactional_id: Option<Option<&'a str>>,
    pub(super) version: u16,
}

impl ProduceTerms<'_> {
    /// The leader adds the partition to the transaction itself (KIP-890 part 2).
    pub(super) fn adds_partition(&self) -> bool {
        self.version >= FIRST_ADD_PARTITION_PRODUCE_VERSION
    }

    /// A failed verification's `TRANSACTION_ABORTABLE` as this request's client is told it.
    pub(super) fn abortable_error(&self) -> ErrorCode {
        if self.version >= FIRST_ABORTABLE_ERROR_PRODUCE_VERSION {
            ErrorCode::TransactionAbortable
        } else {
            ErrorCode::InvalidTxnState
        }
    }
}

/// How many records a hand-made batch holds: `record_count`, or as many as `records` lists.
pub(super) fn raw_record_count(
    record_count: Option<u32>,
    records: &[RawRecord],
) -> Result<u32, ActionError> {
    let listed = u32::try_from(records.len()).unwrap_or(u32::MAX);
    match record_count {
        Some(n) if !records.is_empty() && n != listed => Err(ActionError::InvalidRequest(format!(
            "record_count says {n} records but records lists {listed}; leave record_count out"
        ))),
        Some(n) => Ok(n),
        None if records.is_empty() => Ok(1),
        None => Ok(listed),
    }
}

impl World {
    /// The Produce version the lab's producer clients send, as a Kafka 4.2 client does: 12 once
    /// the cluster runs transaction version 2, otherwise 11 (`ProduceRequest.Builder`).
    pub(super) fn client_produce_version(&self) -> u16 {
        if self.coordinator.transaction_version() == TransactionVersion::V2 {
            FIRST_ADD_PARTITION_PRODUCE_VERSION
        } else {
            FIRST_ADD_PARTITION_PRODUCE_VERSION - 1
        }
    }

    /// `KafkaApis.handleProduceRequest`: a request holding transactional batches must name a
    /// transactional id, or the whole request is refused before any partition is looked at.
    pub(super) fn check_produce_request(
        &self,
        batch: &ProducedBatch,
        terms: &ProduceTerms<'_>,
    ) -> Result<(), (ErrorCode, String)> {
        if batch.is_transactional && terms.transactional_id == Some(None) {
            return Err((
                ErrorCode::TransactionalIdAuthorizationFailed,
                "The request holds a transactional batch but names no transactional id, so the broker refuses it before looking at the partition.".to_owned(),
            ));
        }
        Ok(())
    }

    /// `LogValidator.validateTimestamp` (CreateTime): a record stamped more than
    /// `message.timestamp.after.max.ms` ahead of the leader's clock fails the whole batch.
    pub(super) fn check_timestamps(
        &self,
        batch: &ProducedBatch,
    ) -> Result<(), (ErrorCode, String)> {
        let latest = self.now_ms.saturating_add(MESSAGE_TIMESTAMP_AFTER_MAX_MS);
        match batch
            .records
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.timestamp_ms.filter(|at| *at > latest).map(|at| (i, at)))
        {
            Some((i, at)) => Err((
                ErrorCode::InvalidTimestamp,
                format!(
                    "Record {i} is stamped {at} ms, more than message.timestamp.after.max.ms ({MESSAGE_TIMESTAMP_AFTER_MAX_MS} ms) ahead of the leader's clock ({} ms), so the whole batch is refused.",
                    self.now_ms
                ),
            )),
            None => Ok(()),
        }
    }
}
