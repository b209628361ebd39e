//! Kafka Streams threads at work: one poll-process loop, one commit (`StreamThread.runOnce`,
//! `TaskManager.commit`, `StreamsProducer`). Which producer a record goes through is the
//! application's layout ([`StreamsLayout`]); everything else is the world's own clients.

use super::World;
use crate::ActionError;
use crate::clients::producer_txn::{ClientTxnState, TxnOffsets};
use crate::clients::streams::{ProcessingGuarantee, SendOffsetsGroupMetadata, StreamsLayout};
use crate::event::{EventKind, Events};
use crate::ids::{ClientId, Offset, TopicPartition};
use std::collections::BTreeMap;

impl World {
    pub(super) fn streams_layout(&self, thread: &ClientId) -> Option<&StreamsLayout> {
        self.streams.iter().find(|l| l.is_thread(thread))
    }

    /// The producer that carries the output of `thread`'s task for input partition `tp`, and
    /// the input offsets with it: `None` for a consumer outside Kafka Streams, whose
    /// application picks a producer at each call.
    pub(crate) fn streams_output_producer(
        &self,
        thread: &ClientId,
        tp: &TopicPartition,
    ) -> Option<&ClientId> {
        self.streams_layout(thread)?
            .producer_for(thread, tp.partition)
    }

    /// The producers `thread` may write through now: the thread's own (`exactly_once_v2`) or
    /// those of the tasks it is assigned (`exactly_once`).
    fn thread_producers(&self, thread: &ClientId) -> Vec<ClientId> {
        let Some(layout) = self.streams_layout(thread) else {
            return Vec::new();
        };
        let assignment = self
            .consumers
            .get(thread)
            .map(|c| c.assignment.clone())
            .unwrap_or_default();
        let mut producers: Vec<ClientId> = assignment
            .iter()
            .filter_map(|tp| layout.producer_for(thread, tp.partition).cloned())
            .collect();
        if layout.config.processing_guarantee == ProcessingGuarantee::ExactlyOnceV2 {
            producers.extend(layout.thread_producers.get(thread).cloned());
        }
        producers.sort();
        producers.dedup();
        producers
    }

    /// A stream thread's producers live in it (`StreamsProducer`): when the thread dies, so do
    /// the producer of the thread (`exactly_once_v2`) and those of the tasks it ran
    /// (`exactly_once`), with whatever transaction they had open. Nothing the dead thread
    /// processed can then be committed by the thread that runs its tasks next.
    pub(super) fn streams_thread_crashed(&mut self, thread: &ClientId, out: &mut Events) {
        if self.streams_layout(thread).is_none() {
            return;
        }
        for producer in self.thread_producers(thread) {
            if self.producers.get(&producer).is_some_and(|p| p.alive) {
                self.crash_producer(&producer, out);
            }
        }
    }

    /// After a rebalance or a thread's restart, a live thread creates the producers it needs
    /// that died with a thread, and initialises them (`StreamsProducer` calls
    /// `initTransactions`): the coordinator bumps the epoch, fencing the dead instance and
    /// aborting its open transaction.
    pub(super) fn streams_revive_producers(&mut self, out: &mut Events) {
        let threads: Vec<ClientId> = self
            .streams
            .iter()
            .flat_map(|l| l.threads.iter().cloned())
            .filter(|t| self.consumers.get(t).is_some_and(|c| c.alive))
            .collect();
        for thread in threads {
            for producer in self.thread_producers(&thread) {
                let Some(p) = self.producers.get_mut(&producer) else {
                    continue;
                };
                if p.alive {
                    continue;
                }
                let requests = p.restart();
                out.push_with(
                    EventKind::ProducerRestarted {
                        producer: producer.clone(),
                    },
                    || format!("{thread} creates {producer} again for its tasks and calls initTransactions: the coordinator bumps the epoch of its transactional.id, which fences the instance that died and aborts its open transaction."),
                );
                self.send_requests(&producer, requests, out);
                let now = self.now_ms;
                if let Some(p) = self.producers.get_mut(&producer) {
                    p.init_transactions(now, out);
                }
                self.drain(&producer, out);
            }
        }
    }

    /// `StreamThread`'s rebalance listener under the classic (eager) protocol: before a group
    /// rebalances, every live thread in it gives up all its tasks, and `onPartitionsRevoked`
    /// (`TaskManager.handleRevocation`) first commits what they processed, output and input
    /// offsets in the same transaction, so the tasks' next owner starts after it.
    pub(super) fn streams_commit_before_revocation(&mut self, group_id: &str, out: &mut Events) {
        let threads: Vec<ClientId> = self
            .streams
            .iter()
            .filter(|l| l.config.application_id == group_id)
            .flat_map(|l| l.threads.iter().cloned())
            .filter(|t| self.consumers.get(t).is_some_and(|c| c.alive && c.in_group))
            .collect();
        for thread in threads {
            let open = self.thread_producers(&thread).iter().any(|p| {
                self.producers.get(p).and_then(|p| p.txn_state())
                    == Some(ClientTxnState::InTransaction)
            });
            if open {
                self.streams_commit(&thread, out);
            }
        }
    }

    /// `onPartitionsLost` (`TaskManager.handleLostAll`): a thread that learns it has left its
    /// group closes its tasks dirty, aborting their open transaction, since another thread
    /// may already own them.
    pub(super) fn streams_tasks_lost(&mut self, thread: &ClientId, out: &mut Events) {
        if self.streams_layout(thread).is_none() {
            return;
        }
        for producer in self.thread_producers(thread) {
            let open = self.producers.get(&producer).and_then(|p| p.txn_state())
                == Some(ClientTxnState::InTransaction);
            if !open {
                continue;
            }
            out.push_with(
                EventKind::StreamsTasksReset { thread: thread.clone(), producer: producer.clone(), partitions: Vec::new() },
                || format!("{thread} has lost its tasks: Kafka Streams closes them dirty and aborts {producer}'s transaction, since another thread may already own them and process their input again."),
            );
            let now = self.now_ms;
            if let Some(p) = self.producers.get_mut(&producer) {
                p.abort_transaction(now, out);
            }
            self.drain(&producer, out);
        }
    }

    /// A thread can run only once its producers have finished `initTransactions`, as a real
    /// thread waits for them.
    pub(super) fn streams_refusal(&self, thread: &ClientId) -> Result<(), ActionError> {
        if self.streams_layout(thread).is_none() {
            return Err(ActionError::InvalidRequest(format!(
                "`{thread}` is not a Kafka Streams thread (streams threads are named <application.id>-StreamThread-<n>)"
            )));
        }
        for producer in self.thread_producers(thread) {
            let Some(p) = self.producers.get(&producer) else {
                continue;
            };
            if !p.alive {
                return Err(ActionError::ClientDown(producer));
            }
            let waiting_for = match p.txn_state() {
                Some(ClientTxnState::Uninitialized | ClientTxnState::Initializing) => {
                    "its initTransactions has not finished (deliver the InitProducerId answer first)"
                }
                Some(ClientTxnState::CommittingTransaction) => {
                    "its commitTransaction has not returned (deliver the messages in flight first)"
                }
                Some(ClientTxnState::AbortingTransaction) => {
                    "its abortTransaction has not returned (deliver the messages in flight first)"
                }
                Some(ClientTxnState::FatalError) => {
                    return Err(ActionError::InvalidRequest(format!(
                        "{producer} is fenced (FATAL_ERROR): Kafka Streams would close {thread}'s tasks and rejoin the group with a new producer; restart the producer to do so"
                    )));
                }
                _ => continue,
            };
            return Err(ActionError::InvalidRequest(format!(
                "{thread} waits for {producer}: {waiting_for}"
            )));
        }
        Ok(())
    }

    /// `StreamThread.runOnce`: poll, then each record is processed by its task and its output
    /// sent through the task's (or the thread's) producer, which begins a transaction at the
    /// first record (`StreamsProducer.maybeBeginTransaction`).
    pub(super) fn streams_process(&mut self, thread: &ClientId, out: &mut Events) {
        let Some(layout) = self.streams_layout(thread).cloned() else {
            return;
        };
        if self.streams_reset_failed_tasks(thread, &layout, out) {
            return;
        }
        self.poll(thread, out);
        let records = self
            .consumers
            .get(thread)
            .map(|c| c.buffer.clone())
            .unwrap_or_default();
        if records.is_empty() {
            return;
        }
        self.process(thread, out);
        for record in records {
            let Some(producer) = layout
                .producer_for(thread, record.topic_partition.partition)
                .cloned()
            else {
                continue;
            };
            let state = self.producers.get(&producer).and_then(|p| p.txn_state());
            match state {
                Some(ClientTxnState::Ready) => {
                    if let Some(p) = self.producers.get_mut(&producer) {
                        p.begin_transaction(out);
                    }
                }
                Some(ClientTxnState::InTransaction) => {}
                other => {
                    let state =
                        other.map_or_else(|| "not transactional".to_owned(), |s| s.to_string());
                    out.push_with(
                        EventKind::StreamsOutputSkipped { thread: thread.clone(), producer: producer.clone(), topic_partition: record.topic_partition.clone(), offset: record.offset },
                        || format!("{thread} cannot send the output of {}@{} through {producer}, which is in state {state}: the task's transaction must be aborted first, and the input is read again after that.", record.topic_partition, record.offset),
                    );
                    continue;
                }
            }
            let value = format!("processed {}", record.value);
            let output = layout.config.output.clone();
            self.send(&producer, &output, None, record.key.clone(), value, out);
        }
    }

    /// A producer left in ABORTABLE_ERROR (a commit refused with ILLEGAL_GENERATION, say) makes
    /// Kafka Streams close its tasks dirty (`TaskManager.handleLostAll` / `handleCorruption`): the
    /// transaction is aborted and the tasks' input is rewound to the group's committed offsets,
    /// so that what the aborted transaction covered is read and processed again. Returns whether
    /// it did so; the thread processes again at its next loop.
    fn streams_reset_failed_tasks(
        &mut self,
        thread: &ClientId,
        layout: &StreamsLayout,
        out: &mut Events,
    ) -> bool {
        let failed: Vec<ClientId> = self
            .thread_producers(thread)
            .into_iter()
            .filter(|p| {
                self.producers.get(p).and_then(|p| p.txn_state())
                    == Some(ClientTxnState::AbortableError)
            })
            .collect();
        for producer in &failed {
            let rewound: Vec<TopicPartition> = self
                .consumers
                .get(thread)
                .map(|c| {
                    c.assignment
                        .iter()
                        .filter(|tp| layout.producer_for(thread, tp.partition) == Some(producer))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if let Some(c) = self.consumers.get_mut(thread) {
                for tp in &rewound {
                    c.positions.remove(tp);
                }
                c.buffer.retain(|r| !rewound.contains(&r.topic_partition));
            }
            let listed: Vec<String> = rewound.iter().map(ToString::to_string).collect();
            out.push_with(
                EventKind::StreamsTasksReset { thread: thread.clone(), producer: producer.clone(), partitions: rewound.clone() },
                || format!("{thread} finds {producer} in ABORTABLE_ERROR. Kafka Streams closes the affected tasks dirty: it aborts the producer's transaction, so their output vanishes, and rewinds their input ({}) to the group's committed offsets, so the same records are processed again in a new transaction.", if listed.is_empty() { "no partition".to_owned() } else { listed.join(", ") }),
            );
            let now = self.now_ms;
            if let Some(p) = self.producers.get_mut(producer) {
                p.abort_transaction(now, out);
            }
            self.drain(producer, out);
        }
        !failed.is_empty()
    }

    /// `TaskManager.commit` under exactly-once: every producer with an open transaction hands
    /// its tasks' input positions to the transaction (`sendOffsetsToTransaction` with the
    /// consumer's group metadata) and commits it. With `exactly_once` that is one transaction per
    /// task that processed something; with `exactly_once_v2`, one for the whole thread.
    pub(super) fn streams_commit(&mut self, thread: &ClientId, out: &mut Events) {
        let Some(layout) = self.streams_layout(thread).cloned() else {
            return;
        };
        let positions = self
            .consumers
            .get(thread)
            .map(|c| c.positions.clone())
            .unwrap_or_default();
        let mut by_producer: BTreeMap<ClientId, BTreeMap<TopicPartition, Offset>> = BTreeMap::new();
        for (tp, offset) in positions {
            if let Some(producer) = layout.producer_for(thread, tp.partition) {
                by_producer
                    .entry(producer.clone())
                    .or_default()
                    .insert(tp, offset);
            }
        }
        for (producer, offsets) in by_producer {
            let state = self.producers.get(&producer).and_then(|p| p.txn_state());
            if state != Some(ClientTxnState::InTransaction) {
                let state = state.map_or_else(|| "not transactional".to_owned(), |s| s.to_string());
                out.push_with(
                    EventKind::StreamsCommitSkipped { thread: thread.clone(), producer: producer.clone() },
                    || format!("{thread} has nothing to commit through {producer} (state {state}): no record of its tasks was processed since the last commit, so no transaction is open."),
                );
                continue;
            }
            match layout.config.send_offsets_group_metadata {
                SendOffsetsGroupMetadata::ConsumerGroupMetadata => {
                    self.send_offsets(&producer, thread, offsets, out);
                }
                SendOffsetsGroupMetadata::GroupIdOnly => {
                    let offsets = TxnOffsets {
                        group_id: layout.config.application_id.clone(),
                        generation_id: -1,
                        member_id: String::new(),
                        group_instance_id: None,
                        offsets,
                        details: BTreeMap::new(),
                    };
                    if let Some(p) = self.producers.get_mut(&producer) {
                        p.send_offsets_to_transaction(offsets, out);
                    }
                    self.drain(&producer, out);
                }
            }
            let now = self.now_ms;
            if let Some(p) = self.producers.get_mut(&producer) {
                p.commit_transaction(now, out);
            }
            self.drain(&producer, out);
        }
    }
}
