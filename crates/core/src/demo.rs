//! The tiny built-in scenario: three payments appended to one partition, then read back.

use crate::action::Action;
use crate::world::ClusterConfig;

/// The cluster and seed of the built-in scenario.
pub fn cluster() -> (ClusterConfig, u64) {
    (ClusterConfig::default(), 7)
}

/// The actions of the built-in scenario.
pub fn actions() -> Vec<Action> {
    let append = |key: &str, value: &str| Action::Append {
        topic: "payments".to_owned(),
        partition: 0,
        key: Some(key.to_owned()),
        value: value.to_owned(),
    };
    vec![
        append("pay-1", "alice→bob 10"),
        append("pay-2", "bob→carol 5"),
        Action::AdvanceTime { ms: 100 },
        append("pay-3", "carol→alice 7"),
        Action::Read {
            topic: "payments".to_owned(),
            partition: 0,
            offset: 1,
            max_records: 500,
        },
    ]
}
