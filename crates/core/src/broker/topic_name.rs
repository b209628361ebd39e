//! Which topic names a cluster accepts: Kafka's `Topic.validate` (characters and length) and
//! `Topic.hasCollision` (names that differ only in `.` against `_` share one metric name, so the
//! controller refuses the second, `ReplicationControlManager.validateNewTopicNames`).

/// Kafka's `Topic.MAX_NAME_LENGTH`.
pub const MAX_TOPIC_NAME_LENGTH: usize = 249;

/// The internal topics the lab draws itself; a scenario's topic of the same name would be
/// mistaken for them (Kafka creates them on its own and lets no client create them as data).
pub const INTERNAL_TOPICS: [&str; 2] = ["__consumer_offsets", "__transaction_state"];

/// Why Kafka would refuse this name, in Kafka's terms; `None` for a valid name.
pub fn invalid_topic_name(name: &str) -> Option<String> {
    // Topic.validate
    if name.is_empty() {
        return Some("a topic name may not be empty".to_owned());
    }
    if name == "." || name == ".." {
        return Some(format!("a topic may not be named `{name}`"));
    }
    if name.len() > MAX_TOPIC_NAME_LENGTH {
        return Some(format!(
            "a topic name may have at most {MAX_TOPIC_NAME_LENGTH} characters, not {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "topic `{name}`: {c:?} is not allowed; a topic name uses only ASCII letters, digits, `.`, `_` and `-`"
        ));
    }
    if INTERNAL_TOPICS.contains(&name) {
        return Some(format!(
            "`{name}` is Kafka's internal topic; the lab creates it and draws it on its own"
        ));
    }
    None
}

/// Kafka's `Topic.hasCollision`: the two names map to the same metric name.
pub fn collide(a: &str, b: &str) -> bool {
    a != b && a.replace('.', "_") == b.replace('.', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_kafka_accepts_pass() {
        for name in ["payments", "orders.v2", "a_b-c", "x", &"t".repeat(249)] {
            assert_eq!(invalid_topic_name(name), None, "{name}");
        }
    }

    #[test]
    fn names_kafka_refuses_say_why() {
        let why = |name: &str| invalid_topic_name(name).unwrap_or_default();
        assert!(why("").contains("empty"));
        assert!(why("..").contains("`..`"));
        assert!(why(&"t".repeat(250)).contains("at most 249"));
        assert!(why("my topic").contains("' '"));
        assert!(why("zahlungen-ä").contains("'ä'"));
        assert!(why("__transaction_state").contains("internal"));
    }

    #[test]
    fn a_dot_and_an_underscore_in_the_same_place_collide() {
        assert!(collide("orders.v2", "orders_v2"));
        assert!(!collide("orders.v2", "orders.v2"));
        assert!(!collide("orders", "order"));
    }
}
