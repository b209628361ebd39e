//! Names for what the events give only by number, and the small words of a sentence: lists,
//! counts, capitals.

use eos_core::{TopicPartition, World};

/// Looks up what the events name only by number.
pub(super) struct Names<'a> {
    pub(super) world: &'a World,
}

impl Names<'_> {
    /// The records of `send_ids`, by key ("pay-1 and pay-2"), or by value when unkeyed.
    pub(super) fn records(&self, send_ids: &[u64]) -> String {
        let mut names: Vec<String> = Vec::new();
        for id in send_ids {
            let name = self
                .world
                .sends()
                .get(id)
                .map(|s| s.key.clone().unwrap_or_else(|| format!("\"{}\"", s.value)))
                .unwrap_or_else(|| format!("send #{id}"));
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if names.len() > 3 {
            return format!("{} records", send_ids.len());
        }
        and_list(&names)
    }

    pub(super) fn producer_of(&self, send_ids: &[u64]) -> Option<String> {
        send_ids
            .first()
            .and_then(|id| self.world.sends().get(id))
            .map(|s| s.producer.to_string())
    }

    /// The keys of the records the partition's leader holds at `offset`.
    pub(super) fn records_at(
        &self,
        tp: &TopicPartition,
        offset: eos_core::Offset,
    ) -> Option<String> {
        let batch = self
            .world
            .cluster()
            .partition(tp)?
            .leader_replica()?
            .log
            .batch_containing(offset)?;
        let names: Vec<String> = batch
            .records
            .iter()
            .map(|r| r.key.clone().unwrap_or_else(|| format!("\"{}\"", r.value)))
            .collect();
        (!names.is_empty()).then(|| and_list(&names))
    }
}

/// "payments-0", "payments-0 and payments-1": each partition once, in first-seen order.
pub(super) fn partitions<'a>(tps: impl Iterator<Item = &'a TopicPartition>) -> String {
    and_list(&dedup(tps.map(ToString::to_string)))
}

pub(super) fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// "a", "a and b", "a, b and c".
pub(super) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// "1 record", "3 records": the number with the form of the noun it takes.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub(super) fn times(n: usize, what: &str) -> String {
    if n == 1 {
        what.to_owned()
    } else {
        format!("{what} ×{n}")
    }
}

pub(super) fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), text.chars().nth(1)) {
        (Some(first), Some(second)) if first.is_ascii_uppercase() && second.is_lowercase() => {
            first.to_ascii_lowercase().to_string() + chars.as_str()
        }
        _ => text.to_owned(),
    }
}

pub(super) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
