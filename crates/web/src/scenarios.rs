//! Where a lab starts: the built-in free-play world or one of the shipped scenario files,
//! embedded in the bundle and parsed by `eos_core`'s own scenario parser.

use eos_core::Action;
use eos_core::config::{ConsumerConfig, IsolationLevel, ProducerConfig, TopicConfig, WorldConfig};
use eos_core::run::scenario::{Moment, Recap, Scenario, ScenarioHeading};
use std::rc::Rc;

/// The free-play world's topic.
pub const FREE_PLAY_TOPIC: &str = "payments";
/// The free-play world's idempotent producer.
pub const FREE_PLAY_IDEMPOTENT: &str = "p1";
/// The free-play world's transactional producer.
pub const FREE_PLAY_TRANSACTIONAL: &str = "tx1";

/// A starting world, its seed, and the steps its scenario scripts (none for free play).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub name: String,
    pub description: String,
    /// The concepts (numbers from `concepts.md`) the scenario shows, kept so that a saved lab
    /// and a share link name them too.
    pub concepts: Vec<u32>,
    pub config: WorldConfig,
    pub seed: u64,
    pub script: Rc<[Action]>,
    /// The scripted step that shows the scenario's concept, if it names one.
    pub moment: Option<Moment>,
    /// The ending told once every scripted step is applied.
    pub recap: Option<Recap>,
}

impl From<Scenario> for Origin {
    fn from(scenario: Scenario) -> Self {
        Self {
            config: scenario.world_config(),
            name: scenario.name,
            description: scenario.description,
            concepts: scenario.concepts,
            seed: scenario.seed,
            script: Rc::from(scenario.steps),
            moment: scenario.moment,
            recap: scenario.recap,
        }
    }
}

impl Origin {
    /// The starting world as a scenario file with these steps. The moment and recap tell the
    /// origin's own script, so they are left out: the steps may be any.
    pub fn as_scenario(&self, steps: Vec<Action>) -> Scenario {
        Scenario {
            name: self.name.clone(),
            description: self.description.clone(),
            concepts: self.concepts.clone(),
            ..Scenario::of_world(&self.config, self.seed, steps)
        }
    }

    /// One broker and a two-partition `payments` topic; an idempotent producer and a
    /// transactional one; a read_committed and a read_uncommitted consumer in separate groups,
    /// so each reads every partition and the two views of the same log can be compared.
    pub fn free_play() -> Self {
        let mut transactional = ProducerConfig::named(FREE_PLAY_TRANSACTIONAL);
        transactional.transactional_id = Some("payment-writer".to_owned());
        let reader = |id: &str, group: &str, isolation_level| ConsumerConfig {
            group_id: group.to_owned(),
            isolation_level,
            ..ConsumerConfig::named(id, FREE_PLAY_TOPIC)
        };
        let mut config = WorldConfig {
            producers: vec![ProducerConfig::named(FREE_PLAY_IDEMPOTENT), transactional],
            consumers: vec![
                reader("committed-reader", "billing", IsolationLevel::ReadCommitted),
                reader("raw-reader", "audit", IsolationLevel::ReadUncommitted),
            ],
            ..WorldConfig::default()
        };
        config.cluster.topics = vec![TopicConfig::named(FREE_PLAY_TOPIC, 2)];
        Self {
            name: "Free play".to_owned(),
            description: "An idempotent producer p1, a transactional producer tx1 \
                (transactional.id payment-writer), and two consumers of the same topic: \
                committed-reader (read_committed) and raw-reader (read_uncommitted). Nothing is \
                scripted: act on any part and watch what each consumer may see."
                .to_owned(),
            concepts: Vec::new(),
            config,
            seed: 0,
            script: Rc::from(Vec::new()),
            moment: None,
            recap: None,
        }
    }
}

/// Where to start a lab from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    FreePlay,
    /// A scenario file's name and text.
    File {
        name: Rc<str>,
        text: Rc<str>,
    },
    /// A share link's fragment (`v1.…`): a scenario and every step taken in it.
    Link(Rc<str>),
}

impl Source {
    /// The file name, or "free-play".
    pub fn name(&self) -> &str {
        match self {
            Source::FreePlay => "free-play",
            Source::File { name, .. } => name,
            Source::Link(_) => "the shared link",
        }
    }

    /// A short title for a picker, from the file name: `02-at-least-once.json` reads
    /// "02 · at least once".
    pub fn title(&self) -> String {
        match self {
            Source::FreePlay => "Free play (nothing scripted)".to_owned(),
            Source::Link(_) => "Shared link".to_owned(),
            Source::File { name, .. } => {
                let stem = name.strip_suffix(".json").unwrap_or(name);
                match stem.split_once('-') {
                    Some((number, rest)) if number.chars().all(|c| c.is_ascii_digit()) => {
                        format!("{number} · {}", rest.replace('-', " "))
                    }
                    _ => stem.replace('-', " "),
                }
            }
        }
    }

    /// The starting world it describes, or what is wrong with it, located by the core's parser.
    pub fn origin(&self) -> Result<Origin, String> {
        match self {
            Source::FreePlay => Ok(Origin::free_play()),
            Source::File { text, .. } => Scenario::parse(text)
                .map(Origin::from)
                .map_err(|e| e.to_string()),
            Source::Link(fragment) => eos_core::run::share::decode(fragment)
                .map(|link| Origin::from(link.into_lab().origin))
                .map_err(|e| e.to_string()),
        }
    }
}

/// Every scenario shipped in `assets/scenarios/`, embedded at build time.
macro_rules! shipped {
    ($($file:literal),* $(,)?) => {
        [$(($file, include_str!(concat!("../../../assets/scenarios/", $file)))),*]
    };
}

const SHIPPED: [(&str, &str); 54] = shipped![
    "01-at-most-once.json",
    "02-at-least-once.json",
    "02-slow-consumer-leaves-its-group.json",
    "03-two-generals.json",
    "04-effect-once.json",
    "05-pid-epoch-sequence.json",
    "06-dedup-last-five-batches.json",
    "07-14-hand-made-partition-requests-transaction-v2.json",
    "07-out-of-order-sequence.json",
    "08-dedup-scope-is-one-session.json",
    "09-acks-1-leader-failover-loses-acked-write.json",
    "09-acks-1-turns-idempotence-off.json",
    "09-acks-all-survives-failover.json",
    "09-partial-fetches-and-a-chosen-leader.json",
    "10-14-hand-made-coordinator-requests.json",
    "10-14-hand-made-requests-transaction-v2.json",
    "10-14-transactional-id-expires.json",
    "10-20-hand-made-produce-request-fields.json",
    "10-transactional-id-and-the-transaction-log.json",
    "11-atomic-write-to-two-topics.json",
    "12-two-phase-commit-step-by-step.json",
    "13-19-20-open-transaction-holds-the-lso.json",
    "14-20-late-zombie-write-committed-without-verification.json",
    "14-zombie-fencing.json",
    "15-transaction-timeout-aborts-good-work.json",
    "16-shared-transactional-id-fences-over-and-over.json",
    "17-coordinator-failover.json",
    "17-coordinator-failure-mid-commit.json",
    "17-not-coordinator-and-load-in-progress.json",
    "18-19-20-fetch-min-bytes-waits-for-data.json",
    "18-19-seek-to-end-stops-at-the-lso.json",
    "18-21-aborted-records-are-skipped.json",
    "18-21-hand-made-fetch-and-delete-records.json",
    "20-admin-abort-of-a-live-transaction-breaks-atomicity.json",
    "20-hanging-transaction-found-and-aborted.json",
    "20-late-write-after-a-given-up-send-is-committed.json",
    "20-transaction-v1-lets-a-late-write-hang.json",
    "20-transaction-v2-refuses-a-late-write.json",
    "20-verification-refuses-a-hanging-write.json",
    "22-consume-transform-produce-transaction-v2.json",
    "22-consume-transform-produce.json",
    "22-consumer-offsets-log.json",
    "22-offset-commit-and-fetch-by-hand.json",
    "22-txn-offset-commit-checks-the-group.json",
    "23-auto-commit-breaks-exactly-once.json",
    "24-side-effect-twice.json",
    "25-idempotent-consumer.json",
    "25-outbox.json",
    "26-cost-one-record-per-transaction.json",
    "26-cost-six-records-in-one-transaction.json",
    "27-streams-exactly-once-v2.json",
    "27-streams-exactly-once.json",
    "27-streams-v2-zombie-fenced-by-group-generation.json",
    "28-one-transaction-per-checkpoint.json",
];

/// The story a first visit opens on: one producer, one lost acknowledgement, one retry written
/// twice. It shows the problem exactly-once solves with the fewest parts on screen (the Two
/// Generals scenario needs two producers to make its point).
pub const FIRST_STORY: &str = "02-at-least-once.json";

/// The first visit's story, as a source to load.
pub fn first_story() -> Option<Source> {
    catalog().into_iter().find(|s| s.name() == FIRST_STORY)
}

/// The first visit's story's name (what its lab's heading says), read from its heading alone.
pub fn first_story_name() -> String {
    SHIPPED
        .iter()
        .find(|(name, _)| *name == FIRST_STORY)
        .and_then(|(_, text)| ScenarioHeading::read(text).ok())
        .map(|heading| heading.name)
        .unwrap_or_default()
}

/// Free play first, then the shipped scenarios in file order.
pub fn catalog() -> Vec<Source> {
    std::iter::once(Source::FreePlay)
        .chain(SHIPPED.iter().map(|(name, text)| Source::File {
            name: Rc::from(*name),
            text: Rc::from(*text),
        }))
        .collect()
}

/// A shipped scenario's text by its file stem (`24-side-effect-twice`): the lookup course
/// files resolve their `"scenario"` starts with.
pub fn shipped_text(stem: &str) -> Option<String> {
    SHIPPED
        .iter()
        .find(|(name, _)| name.strip_suffix(".json") == Some(stem))
        .map(|(_, text)| (*text).to_owned())
}

/// The concepts of the lab's checklist are numbered 1 to this (one title each in `concepts.rs`).
pub const CONCEPTS: u32 = crate::concepts::CONCEPT_TITLES.len() as u32;

/// Where `?concept=N` opens: the file stem of the concept's primary scenario
/// (`eos_core::run::scenario::primary_for_concept`) and its moment, as a count of scripted steps.
pub fn concept_start(concept: u32) -> Option<(String, usize)> {
    let headings: Vec<(&str, ScenarioHeading)> = SHIPPED
        .iter()
        .filter_map(|(name, text)| {
            let stem = name.strip_suffix(".json")?;
            ScenarioHeading::read(text).ok().map(|h| (stem, h))
        })
        .collect();
    let listed = headings
        .iter()
        .map(|(stem, h)| (*stem, h.concepts.as_slice()));
    let stem = eos_core::run::scenario::primary_for_concept(concept, listed)?;
    let heading = &headings.iter().find(|(s, _)| *s == stem)?.1;
    let step = heading.moment.as_ref().map_or(0, |m| m.step.get() as usize);
    Some((stem.to_owned(), step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_concept_opens_a_scenario_that_lists_it_at_its_moment() {
        for concept in 1..=CONCEPTS {
            let (stem, step) = concept_start(concept).expect("every concept has a scenario");
            let text = SHIPPED
                .iter()
                .find(|(name, _)| name.strip_suffix(".json") == Some(&stem))
                .expect("shipped")
                .1;
            let scenario = Scenario::parse(text).expect("parses");
            assert!(scenario.concepts.contains(&concept), "{concept}: {stem}");
            assert!(
                step >= 1 && step <= scenario.steps.len(),
                "{concept}: {stem} at {step}"
            );
        }
        assert_eq!(
            concept_start(7),
            Some(("07-out-of-order-sequence".to_owned(), 8))
        );
        assert_eq!(concept_start(0), None);
        assert_eq!(concept_start(CONCEPTS + 1), None);
    }

    #[test]
    fn every_scenario_file_in_assets_is_in_the_catalog() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/scenarios");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("assets/scenarios")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .collect();
        on_disk.sort();
        let shipped: Vec<&str> = SHIPPED.iter().map(|(name, _)| *name).collect();
        assert_eq!(shipped, on_disk);
    }

    #[test]
    fn titles_read_as_words() {
        let source = Source::File {
            name: "02-at-least-once.json".into(),
            text: "".into(),
        };
        assert_eq!(source.title(), "02 · at least once");
    }

    #[test]
    fn the_free_play_world_builds() {
        let origin = Origin::free_play();
        assert!(eos_core::World::new(&origin.config, origin.seed).is_ok());
    }
}
