//! The tiny built-in scenario: the lost acknowledgement. An idempotent producer's first ack is
//! dropped, the request times out and is retried, and the broker recognises the duplicate.

use crate::action::Action;
use crate::config::WorldConfig;
use crate::ids::ClientId;

/// The starting world and seed of the built-in scenario.
pub fn world() -> (WorldConfig, u64) {
    (WorldConfig::default(), 7)
}

/// The actions of the built-in scenario.
pub fn actions() -> Vec<Action> {
    let p1 = ClientId::new("p1");
    let send = |key: &str, value: &str| Action::Send {
        producer: p1.clone(),
        topic: "payments".to_owned(),
        partition: None,
        key: Some(key.to_owned()),
        value: value.to_owned(),
    };
    vec![
        Action::DeliverAll {},
        send("pay-1", "alice→bob 10"),
        Action::Deliver { message: None },
        Action::Drop { message: None },
        Action::AdvanceTime { ms: 30_000 },
        Action::DeliverAll {},
        send("pay-2", "bob→carol 5"),
        Action::DeliverAll {},
        Action::Poll {
            consumer: ClientId::new("c1"),
        },
    ]
}
