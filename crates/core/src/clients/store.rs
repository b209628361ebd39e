//! The external database that consumers write side effects into: the place where "exactly
//! once" stops, because Kafka's transactions cannot cover it.
//!
//! Each processed record applies one effect keyed by its business id (the record key, e.g. a
//! payment id). A plain store applies every effect it is given, so a record processed twice is
//! a double charge. An idempotent store keeps a dedup table of business ids in the same local
//! transaction as the effect and skips repeats: the idempotent consumer.

use crate::config::DatabaseConfig;
use crate::event::EffectOutcome;
use crate::ids::{ClientId, Offset, TopicPartition};
use std::sync::Arc;

/// One effect row: how often the business id was applied and what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectRow {
    pub times_applied: u32,
    pub value: String,
    /// Every record (partition and offset) that applied it, in order. It grows with every
    /// repeat of the business id: persistent, so copying the row (as a clone of the world that
    /// then changes the table does) shares it rather than copying it.
    pub applied_from: imbl::Vector<(ClientId, TopicPartition, Offset)>,
}

/// A row of the outbox table: an event to publish, written with the effect it announces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub business_id: String,
    pub value: String,
    pub published: bool,
}

/// The external database. Its tables are persistent collections: the lab clones the world at
/// every step, and they grow with the run. Their business ids and rows are shared
/// (`Arc`): a change after a clone copies a node of up to 64 of them, and that should count
/// references, not copy strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExternalStore {
    pub idempotent: bool,
    pub outbox_topic: Option<String>,
    effects: imbl::OrdMap<Arc<str>, Arc<EffectRow>>,
    dedup_table: imbl::OrdSet<Arc<str>>,
    outbox: imbl::Vector<OutboxRow>,
}

impl ExternalStore {
    pub fn new(config: &DatabaseConfig) -> Self {
        Self {
            idempotent: config.idempotent,
            outbox_topic: config.outbox_topic.clone(),
            ..Self::default()
        }
    }

    pub fn effects(&self) -> &imbl::OrdMap<Arc<str>, Arc<EffectRow>> {
        &self.effects
    }

    pub fn dedup_table(&self) -> &imbl::OrdSet<Arc<str>> {
        &self.dedup_table
    }

    /// Applies the effect of one record, or skips it if the dedup table already has it.
    pub fn apply(
        &mut self,
        business_id: &str,
        value: &str,
        source: (ClientId, TopicPartition, Offset),
    ) -> EffectOutcome {
        if self.idempotent && self.dedup_table.insert(Arc::from(business_id)).is_some() {
            return EffectOutcome::SkippedDuplicate;
        }
        let row = Arc::make_mut(
            self.effects
                .entry(Arc::from(business_id))
                .or_insert_with(|| {
                    Arc::new(EffectRow {
                        times_applied: 0,
                        value: value.to_owned(),
                        applied_from: imbl::Vector::new(),
                    })
                }),
        );
        row.times_applied += 1;
        row.applied_from.push_back(source);
        // The outbox row commits in the same local transaction as the effect: both or neither.
        if self.outbox_topic.is_some() {
            self.outbox.push_back(OutboxRow {
                business_id: business_id.to_owned(),
                value: value.to_owned(),
                published: false,
            });
        }
        EffectOutcome::Applied
    }

    pub fn outbox(&self) -> &imbl::Vector<OutboxRow> {
        &self.outbox
    }

    /// Takes the rows not yet published and marks them published: the relay hands them to its
    /// producer. (A relay that crashed between the two would publish them again; consumers
    /// downstream dedupe by business id.)
    pub fn take_unpublished(&mut self) -> Vec<OutboxRow> {
        let mut taken = Vec::new();
        for row in self.outbox.iter_mut().filter(|r| !r.published) {
            row.published = true;
            taken.push(row.clone());
        }
        taken
    }

    /// Business ids whose effect was applied more than once.
    pub fn duplicated(&self) -> impl Iterator<Item = (&str, &EffectRow)> {
        self.effects
            .iter()
            .filter(|(_, row)| row.times_applied > 1)
            .map(|(business_id, row)| (&**business_id, &**row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(offset: i64) -> (ClientId, TopicPartition, Offset) {
        (
            ClientId::new("c1"),
            TopicPartition::new("payments", 0),
            Offset(offset),
        )
    }

    #[test]
    fn plain_store_applies_a_repeat_twice() {
        let mut store = ExternalStore::new(&DatabaseConfig {
            idempotent: false,
            outbox_topic: None,
        });
        store.apply("pay-1", "10", src(0));
        assert_eq!(store.apply("pay-1", "10", src(0)), EffectOutcome::Applied);
        assert_eq!(store.effects()["pay-1"].times_applied, 2);
        assert_eq!(store.duplicated().count(), 1);
    }

    #[test]
    fn idempotent_store_skips_a_business_id_it_has_seen() {
        let mut store = ExternalStore::new(&DatabaseConfig {
            idempotent: true,
            outbox_topic: None,
        });
        store.apply("pay-1", "10", src(0));
        assert_eq!(
            store.apply("pay-1", "10", src(1)),
            EffectOutcome::SkippedDuplicate
        );
        assert_eq!(store.effects()["pay-1"].times_applied, 1);
    }

    #[test]
    fn the_outbox_row_is_written_with_the_effect_and_published_once() {
        let mut store = ExternalStore::new(&DatabaseConfig {
            idempotent: true,
            outbox_topic: Some("receipts".into()),
        });
        store.apply("pay-1", "10", src(0));
        store.apply("pay-1", "10", src(0));
        assert_eq!(
            store.outbox().len(),
            1,
            "a skipped repeat writes no second outbox row"
        );
        assert_eq!(store.take_unpublished().len(), 1);
        assert!(store.take_unpublished().is_empty());
    }
}
