//! The producer's `close()`, as Kafka's sender thread carries it out after the call
//! (`KafkaProducer.close`, `Sender.run`): no new call is taken; what is queued is sent, the
//! answers are awaited, a transaction still open is aborted, and only then is the producer closed.
//! A crash, by contrast, loses what is queued and leaves an open transaction to the
//! coordinator's `transaction.timeout.ms` or to the next instance's InitProducerId.

use super::*;

impl World {
    /// The application's calls a producer refuses once `close()` was called (a crash is not a
    /// call; a restart starts a new instance).
    pub(super) fn closed_producer_refusal(&self, action: &Action) -> Result<(), ActionError> {
        let producer = match action {
            Action::Send { producer, .. }
            | Action::Flush { producer }
            | Action::InitTransactions { producer }
            | Action::BeginTransaction { producer }
            | Action::CommitTransaction { producer }
            | Action::AbortTransaction { producer }
            | Action::SendOffsetsToTransaction { producer, .. }
            | Action::SendOffsetsToTransactionWith { producer, .. }
            | Action::RelayOutbox { producer }
            | Action::CloseProducer { producer } => producer,
            _ => return Ok(()),
        };
        match self.producers.get(producer) {
            Some(p) if p.alive && p.closing => Err(ActionError::InvalidRequest(format!(
                "{} is refused: IllegalStateException: Cannot perform operation after producer has been closed ({producer} is closing)",
                action.describe()
            ))),
            _ => Ok(()),
        }
    }

    pub(super) fn close_producer(&mut self, producer: &ClientId, out: &mut Events) {
        let Some(p) = self.producers.get_mut(producer) else {
            return;
        };
        p.flush();
        p.closing = true;
        let open = matches!(
            p.txn_state(),
            Some(ClientTxnState::InTransaction | ClientTxnState::AbortableError)
        );
        out.push_with(
            EventKind::ProducerCloseStarted { producer: producer.clone() },
            || format!("{producer}.close() is called: the producer takes no new call; its sender sends every queued batch and waits for the answers{}.", if open { ", then aborts the open transaction (EndTxn(ABORT)) rather than leaving it to the coordinator's timeout" } else { "" }),
        );
        self.drain(producer, out);
    }

    /// The sender's shutdown loop, one stage per call: once nothing is left to send or wait
    /// for, abort a transaction still open; once that is answered too, the producer is closed.
    pub(super) fn advance_close(&mut self, producer: &ClientId, out: &mut Events) {
        let now = self.now_ms;
        let Some(p) = self.producers.get_mut(producer) else {
            return;
        };
        if !p.alive || !p.is_idle() {
            return;
        }
        match p.txn_state() {
            Some(ClientTxnState::InTransaction | ClientTxnState::AbortableError) => {
                // Sender.run: "Aborting incomplete transaction due to shutdown".
                p.abort_transaction(now, out);
                p.close_aborted_transaction = true;
                self.drain(producer, out);
                return;
            }
            Some(
                ClientTxnState::Initializing
                | ClientTxnState::CommittingTransaction
                | ClientTxnState::AbortingTransaction,
            ) => return,
            _ => {}
        }
        let aborted_transaction = p.close_aborted_transaction;
        p.alive = false;
        p.closing = false;
        out.push_with(
            EventKind::ProducerClosed { producer: producer.clone(), aborted_transaction },
            || format!("{producer} is closed: every batch it held was sent and answered{}. Unlike a crash, nothing it was asked to send is lost, and no transaction is left open for the coordinator to time out.", if aborted_transaction { ", and the transaction it left open was aborted" } else { "" }),
        );
    }
}
