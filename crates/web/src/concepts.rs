//! The 28 concepts the lab makes visible, in the story's order, by a short title in our words
//! (the scenario picker groups scenarios under them). The full list with the scenarios that
//! show each is `docs/concepts.md`.

/// Concept `n`'s title is `CONCEPT_TITLES[n - 1]`.
pub const CONCEPT_TITLES: [&str; 28] = [
    "At-most-once",
    "At-least-once",
    "The Two Generals problem",
    "Exactly-once means the effect happens once",
    "Producer id, epoch and sequence",
    "Deduplication against the last five batches",
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
    "Deduplication lasts one producer session",
    "Settings that turn idempotence off",
    "transactional.id and the transaction log",
    "Atomic writes across partitions",
    "Two-phase commit and markers",
    "Open transactions are already in the log",
    "Fencing zombies by epoch",
    "transaction.timeout.ms",
    "One transactional.id for two producers",
    "The coordinator fails mid-commit",
    "read_committed versus read_uncommitted",
    "The last stable offset (LSO)",
    "Long and hanging transactions hold the LSO",
    "Skipping aborted records",
    "Consume-transform-produce",
    "enable.auto.commit breaks the guarantee",
    "Side effects outside Kafka happen twice",
    "Idempotent consumer and outbox",
    "What transactions cost",
    "Kafka Streams exactly_once versus exactly_once_v2",
    "One transaction per checkpoint",
];

/// Concept `n`'s title, for `n` in 1..=28.
pub fn concept_title(n: u32) -> Option<&'static str> {
    let index = usize::try_from(n).ok()?.checked_sub(1)?;
    CONCEPT_TITLES.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_cover_exactly_concepts_1_to_28() {
        assert_eq!(concept_title(1), Some("At-most-once"));
        assert_eq!(concept_title(28), Some("One transaction per checkpoint"));
        assert_eq!(concept_title(0), None);
        assert_eq!(concept_title(29), None);
    }

    // The titles follow the checklist's order: each concept's row in docs/concepts.md
    // starts with its number.
    #[test]
    fn the_docs_list_the_same_28_concepts_in_order() {
        let docs = include_str!("../../../docs/concepts.md");
        let numbers: Vec<u32> = docs
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|rest| rest.split(" |").next()?.parse().ok())
            .collect();
        assert_eq!(numbers, (1..=28).collect::<Vec<u32>>());
    }
}
