//! `__transaction_state-0` as a replicated partition: which brokers hold it, which of them are
//! in sync, and which one leads it and so hosts the transaction coordinator.
//!
//! Kafka elects the leader of each `__transaction_state` partition like any partition's (from
//! the ISR, no unclean election) and tells the broker's transaction coordinator
//! (`BrokerMetadataPublisher` calling `TransactionCoordinator.onElection` with the partition's
//! leader epoch as the coordinator epoch, `onResignation` on the broker that lost it).
//!
//! Modelling choices of this slice:
//! - One partition (Kafka has `transaction.state.log.num.partitions`, 50 by default, and hashes
//!   each transactional id to one); its replicas are the lowest-numbered brokers, the first the
//!   preferred leader.
//! - The coordinator appends with acks=all and every live replica has each record the moment it
//!   is written, so every in-sync replica holds the whole log. A replica that restarts while a
//!   leader is live catches up at once and rejoins the ISR. The records themselves stay the
//!   coordinator's one list (`CoordinatorHost::log`), not log batches in the cluster.
//! - When the last in-sync replica goes down it stays in the ISR (as Kafka keeps it) and the
//!   partition has no live leader until that broker comes back: only it has every record.
//! - `transaction.state.log.min.isr` is not modelled: a leader alone still writes.

use crate::ids::BrokerId;
use std::collections::BTreeSet;

/// Where `__transaction_state-0` lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionLogPartition {
    /// The replicas in preference order.
    replicas: Vec<BrokerId>,
    /// The live leader, or the last one while the partition has none.
    leader: BrokerId,
    leader_live: bool,
    isr: BTreeSet<BrokerId>,
}

impl TransactionLogPartition {
    /// `replication_factor` replicas on the lowest-numbered of `brokers`, led by the first.
    /// Refuses a factor of 0 or above the number of brokers, as Kafka refuses to create the
    /// topic (`INVALID_REPLICATION_FACTOR`).
    pub fn new(brokers: &[BrokerId], replication_factor: u32) -> Result<Self, String> {
        let mut sorted = brokers.to_vec();
        sorted.sort();
        let factor = usize::try_from(replication_factor).unwrap_or(usize::MAX);
        if factor == 0 || factor > sorted.len() {
            return Err(format!(
                "transaction.state.log.replication.factor {replication_factor} must be between 1 and the number of brokers ({})",
                sorted.len()
            ));
        }
        let replicas: Vec<BrokerId> = sorted.into_iter().take(factor).collect();
        let leader = replicas[0];
        Ok(Self {
            isr: replicas.iter().copied().collect(),
            replicas,
            leader,
            leader_live: true,
        })
    }

    /// The broker hosting the coordinator: the leader, or the last leader while none is live.
    pub fn leader(&self) -> BrokerId {
        self.leader
    }

    pub fn replicas(&self) -> &[BrokerId] {
        &self.replicas
    }

    pub fn isr(&self) -> &BTreeSet<BrokerId> {
        &self.isr
    }

    /// `broker` went down. Returns the new leader when leadership moved to another replica.
    pub fn on_crash(
        &mut self,
        broker: BrokerId,
        is_alive: &impl Fn(BrokerId) -> bool,
    ) -> Option<BrokerId> {
        if !self.replicas.contains(&broker) {
            return None;
        }
        let others_in_sync = self.isr.iter().any(|b| *b != broker && is_alive(*b));
        if others_in_sync {
            self.isr.remove(&broker);
        }
        if broker != self.leader || !self.leader_live {
            return None;
        }
        match self.first_live_in_sync(is_alive) {
            Some(next) => {
                self.leader = next;
                Some(next)
            }
            None => {
                self.leader_live = false;
                None
            }
        }
    }

    /// `broker` came back. Returns the leader when the partition had none and `broker` may
    /// lead it (it is in the ISR, so it has every record); the leader may be `broker` again.
    pub fn on_restart(
        &mut self,
        broker: BrokerId,
        is_alive: &impl Fn(BrokerId) -> bool,
    ) -> Option<BrokerId> {
        if !self.replicas.contains(&broker) {
            return None;
        }
        if self.leader_live {
            self.isr.insert(broker);
            return None;
        }
        if !self.isr.contains(&broker) {
            return None;
        }
        self.leader = broker;
        self.leader_live = true;
        // The other live replicas fetch from the new leader and are in sync again.
        let live: Vec<BrokerId> = self
            .replicas
            .iter()
            .copied()
            .filter(|b| is_alive(*b))
            .collect();
        self.isr.extend(live);
        Some(broker)
    }

    fn first_live_in_sync(&self, is_alive: &impl Fn(BrokerId) -> bool) -> Option<BrokerId> {
        self.replicas
            .iter()
            .copied()
            .find(|b| self.isr.contains(b) && is_alive(*b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brokers(ids: &[u32]) -> Vec<BrokerId> {
        ids.iter().map(|b| BrokerId(*b)).collect()
    }

    #[test]
    fn replicas_are_the_lowest_numbered_brokers_led_by_the_first() {
        let p = TransactionLogPartition::new(&brokers(&[3, 1, 2]), 2).unwrap();
        assert_eq!(p.replicas(), brokers(&[1, 2]).as_slice());
        assert_eq!(p.leader(), BrokerId(1));
        assert!(TransactionLogPartition::new(&brokers(&[1, 2]), 3).is_err());
        assert!(TransactionLogPartition::new(&brokers(&[1]), 0).is_err());
    }

    #[test]
    fn a_crashed_leader_hands_over_to_the_next_in_sync_replica() {
        let mut p = TransactionLogPartition::new(&brokers(&[1, 2, 3]), 3).unwrap();
        let alive = |b: BrokerId| b != BrokerId(1);
        assert_eq!(p.on_crash(BrokerId(1), &alive), Some(BrokerId(2)));
        assert!(!p.isr().contains(&BrokerId(1)));
        // The old leader comes back as a follower.
        assert_eq!(p.on_restart(BrokerId(1), &|_| true), None);
        assert_eq!(p.leader(), BrokerId(2));
        assert!(p.isr().contains(&BrokerId(1)));
    }

    #[test]
    fn with_one_replica_the_coordinator_waits_for_its_broker() {
        let mut p = TransactionLogPartition::new(&brokers(&[1, 2]), 1).unwrap();
        assert_eq!(p.on_crash(BrokerId(1), &|b| b != BrokerId(1)), None);
        assert_eq!(p.leader(), BrokerId(1));
        assert_eq!(p.on_restart(BrokerId(1), &|_| true), Some(BrokerId(1)));
    }

    #[test]
    fn a_replica_that_missed_writes_cannot_lead() {
        let mut p = TransactionLogPartition::new(&brokers(&[1, 2]), 2).unwrap();
        // 2 goes down first; 1 keeps writing alone, then goes down too.
        assert_eq!(p.on_crash(BrokerId(2), &|b| b == BrokerId(1)), None);
        assert_eq!(p.on_crash(BrokerId(1), &|_| false), None);
        // 2 lacks what 1 wrote: no leader until 1 is back.
        assert_eq!(p.on_restart(BrokerId(2), &|b| b == BrokerId(2)), None);
        assert_eq!(p.on_restart(BrokerId(1), &|_| true), Some(BrokerId(1)));
        assert_eq!(p.isr().len(), 2);
    }
}
