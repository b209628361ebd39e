//! Everything a user, a lesson or a test can do to the world. The UI, the CLI and scenario files
//! all speak this one vocabulary.

use serde::{Deserialize, Serialize};

/// One input to [`crate::World::step`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A client writes one record to a partition; the leader appends it and, with a single
    /// replica, the high watermark follows at once.
    Append {
        topic: String,
        partition: u32,
        #[serde(default)]
        key: Option<String>,
        value: String,
    },
    /// A consumer fetches records from `offset` up to the high watermark.
    Read {
        topic: String,
        partition: u32,
        offset: i64,
        #[serde(default = "default_max_records")]
        max_records: u32,
    },
    /// Simulated time moves forward; nothing else happens.
    AdvanceTime { ms: u64 },
}

fn default_max_records() -> u32 {
    500
}
