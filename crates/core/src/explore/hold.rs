//! Requests held up for a long time on a stalled path: the fault behind KIP-890's hanging
//! transactions.
//!
//! Kafka's connections keep order, but the path from a producer to a broker can stall (a
//! broker that stopped reading, a half-dead network link) while the producer moves on: after
//! `request.timeout.ms` it closes the connection and retries on a new one, which takes the same
//! path; after `delivery.timeout.ms` it gives up on the send, and its application aborts the
//! transaction. The bytes already sent may still reach the broker when the path recovers,
//! behind the abort's markers.
//!
//! The lab's network already lets any message in flight arrive at any time (a `deliver` may
//! name it); what the explorer lacked was a schedule that keeps messages back for long. A
//! [`Holds`] does that: now and then it stalls the path of a produce request in flight for a
//! number of steps, during which no delivery of the run reaches a request on it and simulated
//! time passes (a stall is stuck for minutes, not for a number of actions), and then delivers
//! what it held, in order. How often and for how long are drawn per run from the seed
//! ([`HoldMix`], by `explore::swarm`), and the choices from a stream of their own, so runs
//! without stalls are the ones they were before stalls existed.

use crate::action::Action;
use crate::event::{Event, EventKind};
use crate::ids::{ProducerId, TopicPartition};
use crate::network::{Endpoint, Message, Payload};
use crate::rng::SimRng;
use crate::world::World;

/// How often a run stalls a path from a producer to a broker, and for how long.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HoldMix {
    /// The chance, in percent, that a step stalls the path of a produce request in flight; 0
    /// never.
    pub percent: u32,
    /// How many steps the path stays stalled before what it holds is delivered.
    pub steps: u32,
}

/// Kept apart from the run's action stream, so holding does not shift the actions drawn.
const HOLD_STREAM: u64 = 0x484f_4c44_5f52_4551;

/// A stall lasts in time, not in steps: while a path is stuck, the producer's
/// `request.timeout.ms` (30 s) and `delivery.timeout.ms` (2 min) run, and so do every other
/// timer. So while any path is stalled, one step in this many is a wait, whatever the run's own
/// mix says about time: a stall of 30 steps spans a few minutes, long enough for the producer
/// to give up on what it holds.
const STALL_WAIT_ONE_IN: u64 = 3;

/// The longest single wait during a stall, in simulated milliseconds: above
/// `request.timeout.ms`, so one wait may time a request out, and well below
/// `delivery.timeout.ms`, so giving up takes several.
const STALL_WAIT_MAX_MS: u64 = 40_000;

/// A stalled path: every request from `from` to `to` is held until step `until`, then
/// delivered, oldest first. The producer's retries on new connections take the same path, so
/// they are held too. The path recovers early once the transaction its first held request
/// belonged to has ended in that partition (its marker is written): the moment a late write
/// matters.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stall {
    from: Endpoint,
    to: Endpoint,
    until: usize,
    partition: TopicPartition,
    producer_id: ProducerId,
}

impl Stall {
    fn holds(&self, message: &Message) -> bool {
        message.from == self.from && message.to == self.to
    }
}

/// The paths a run holds back, and when each is let through.
#[derive(Clone, Debug)]
pub struct Holds {
    mix: HoldMix,
    rng: SimRng,
    stalls: Vec<Stall>,
}

impl Holds {
    pub fn new(seed: u64, mix: HoldMix) -> Self {
        Self {
            mix,
            rng: SimRng::new(seed ^ HOLD_STREAM),
            stalls: Vec::new(),
        }
    }

    /// The action for `step` (1 for the first): once a stall is over, what it held is delivered,
    /// one message a step; otherwise `draw`'s action, with any delivery that would reach a held
    /// request turned into a delivery of the oldest message not held.
    pub fn next_action(
        &mut self,
        world: &World,
        step: usize,
        draw: impl FnOnce() -> Action,
    ) -> Action {
        if self.mix.percent == 0 {
            return draw();
        }
        let in_flight = world.network().in_flight();
        for stall in self.stalls.iter().filter(|s| s.until <= step) {
            if let Some(m) = in_flight.iter().find(|m| stall.holds(m)) {
                return Action::Deliver {
                    message: Some(m.id),
                };
            }
        }
        self.stalls.retain(|s| s.until > step);
        self.maybe_stall(in_flight, step);
        if self.stalls.is_empty() {
            return draw();
        }
        // The clock runs while a path is stuck, whatever else the run does.
        if self.rng.below(STALL_WAIT_ONE_IN) == 0 {
            return self.wait();
        }
        match draw() {
            Action::Deliver { message: None } | Action::DeliverAll {} => {
                match in_flight.iter().find(|m| !self.is_held(m)) {
                    Some(m) => Action::Deliver {
                        message: Some(m.id),
                    },
                    // Only held requests are in flight: the run waits for them.
                    None => self.wait(),
                }
            }
            other => other,
        }
    }

    /// Simulated time passing while a path is stalled.
    fn wait(&mut self) -> Action {
        Action::AdvanceTime {
            ms: 1 + self.rng.below(STALL_WAIT_MAX_MS),
        }
    }

    /// Takes note of a step's events: a marker in a stalled request's partition for its
    /// producer ends the stall at the next step.
    pub fn observe(&mut self, events: &[Event], step: usize) {
        if self.stalls.is_empty() {
            return;
        }
        for event in events {
            if let EventKind::MarkerWritten {
                topic_partition,
                producer_id,
                ..
            } = &event.kind
            {
                for stall in &mut self.stalls {
                    if stall.partition == *topic_partition && stall.producer_id == *producer_id {
                        stall.until = stall.until.min(step + 1);
                    }
                }
            }
        }
    }

    fn is_held(&self, message: &Message) -> bool {
        self.stalls.iter().any(|s| s.holds(message))
    }

    fn maybe_stall(&mut self, in_flight: &[Message], step: usize) {
        let candidates: Vec<&Message> = in_flight
            .iter()
            .filter(|m| {
                matches!(m.to, Endpoint::Broker(_))
                    && matches!(m.payload, Payload::ProduceRequest { .. })
                    && !self.is_held(m)
            })
            .collect();
        if candidates.is_empty() || self.rng.below(100) >= u64::from(self.mix.percent) {
            return;
        }
        let pick = self.rng.below(candidates.len() as u64) as usize;
        if let Some(m) = candidates.get(pick)
            && let Payload::ProduceRequest {
                topic_partition,
                batch,
                ..
            } = &m.payload
        {
            self.stalls.push(Stall {
                from: m.from.clone(),
                to: m.to.clone(),
                until: step + self.mix.steps as usize,
                partition: topic_partition.clone(),
                producer_id: batch.stamp.producer_id,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WorldConfig;

    #[test]
    fn without_holds_the_drawn_action_is_taken_as_it_is() {
        let world = World::new(&WorldConfig::default(), 0).expect("a world");
        let mut holds = Holds::new(0, HoldMix::default());
        assert_eq!(
            holds.next_action(&world, 1, || Action::DeliverAll {}),
            Action::DeliverAll {}
        );
    }

    #[test]
    fn a_held_request_is_passed_over_until_its_step_then_delivered() {
        let mut world = World::new(&WorldConfig::default(), 0).expect("a world");
        world.step(&Action::DeliverAll {}).expect("init");
        world
            .step(&Action::Send {
                producer: crate::ids::ClientId::new("p1"),
                topic: "payments".to_owned(),
                partition: Some(0),
                key: None,
                value: "a".to_owned(),
            })
            .expect("send");
        let request = world.network().in_flight()[0].id;
        // A stall of three steps from step 1: held at steps 1 to 3, delivered at step 4.
        let always = HoldMix {
            percent: 100,
            steps: 3,
        };
        let mut holds = Holds::new(0, always);
        let is_wait = |action: &Action| match action {
            Action::AdvanceTime { ms } => (1..=STALL_WAIT_MAX_MS).contains(ms),
            _ => false,
        };
        // The only message in flight is held, so "deliver everything" has nothing to deliver:
        // the run waits, and time passes.
        assert!(is_wait(
            &holds.next_action(&world, 1, || Action::DeliverAll {})
        ));
        assert!(holds.is_held(&world.network().in_flight()[0]));
        // Meanwhile the run goes on, with waits among its steps.
        let other = Action::Poll {
            consumer: crate::ids::ClientId::new("c1"),
        };
        let steps: Vec<Action> = (2..=3)
            .map(|step| holds.next_action(&world, step, || other.clone()))
            .collect();
        assert!(steps.iter().all(|a| *a == other || is_wait(a)), "{steps:?}");
        assert_eq!(
            holds.next_action(&world, 4, || other.clone()),
            Action::Deliver {
                message: Some(request)
            }
        );
    }
}
