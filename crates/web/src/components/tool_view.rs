//! The real-tool view: what `kafka-dump-log.sh` and `kafka-transactions.sh` would print for the
//! state at the cursor, with the command line that prints it, so a learner recognises the same
//! fields on a real cluster. The text itself comes from the core's `tool_views`.

use eos_core::views::tool_views::{
    describe_producers, describe_transaction, dump_last_segments, list_transactions,
};
use eos_core::{TopicPartition, World};
use std::rc::Rc;
use yew::prelude::*;

/// The tools the view can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    DumpLog,
    DescribeProducers,
    DescribeTransaction,
    ListTransactions,
}

impl Tool {
    pub const ALL: [Tool; 4] = [
        Tool::DumpLog,
        Tool::DescribeProducers,
        Tool::DescribeTransaction,
        Tool::ListTransactions,
    ];

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Tool::DumpLog => "Dump log",
            Tool::DescribeProducers => "Describe producers",
            Tool::DescribeTransaction => "Describe transaction",
            Tool::ListTransactions => "List transactions",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tool::DumpLog => "tool-dump-log",
            Tool::DescribeProducers => "tool-describe-producers",
            Tool::DescribeTransaction => "tool-describe-transaction",
            Tool::ListTransactions => "tool-list-transactions",
        }
    }
}

/// What the view prints for one tool: the command line and the tool's output, or why there is
/// none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolOutput {
    pub command: String,
    pub output: Result<String, String>,
}

/// How many of a partition's newest segment files the dump names: a long log is dumped the
/// way a person would, a few files at a time, so the view costs the same at any length.
pub const DUMPED_SEGMENTS: usize = 8;

// Kafka's tools need a broker to talk to; any address does for the lab.
const BOOTSTRAP: &str = "--bootstrap-server localhost:9092";

/// The command line and output of `tool` for `tp` and `transactional_id`.
pub fn tool_output(
    world: &World,
    tool: Tool,
    tp: &TopicPartition,
    transactional_id: Option<&str>,
) -> ToolOutput {
    match tool {
        Tool::DumpLog => match dump_last_segments(world, tp, DUMPED_SEGMENTS) {
            Some(dump) => ToolOutput {
                command: format!(
                    "kafka-dump-log.sh --deep-iteration --print-data-log --files {}",
                    dump.files.join(",")
                ),
                output: Ok(if dump.earlier_segments == 0 {
                    dump.output
                } else {
                    format!(
                        "# The newest {} segment files; {} older ones are not named here.\n{}",
                        dump.files.len(),
                        dump.earlier_segments,
                        dump.output
                    )
                }),
            },
            None => ToolOutput {
                command: format!(
                    "kafka-dump-log.sh --deep-iteration --print-data-log --files {tp}/{:020}.log",
                    0
                ),
                output: Err(format!(
                    "{tp} has no leader, so no broker holds a log to dump."
                )),
            },
        },
        Tool::DescribeProducers => ToolOutput {
            command: format!(
                "kafka-transactions.sh {BOOTSTRAP} describe-producers --topic {} --partition {}",
                tp.topic, tp.partition
            ),
            output: describe_producers(world, tp).ok_or_else(|| {
                format!("NOT_LEADER_OR_FOLLOWER: {tp} has no leader to describe its producers.")
            }),
        },
        Tool::DescribeTransaction => match transactional_id {
            Some(id) => ToolOutput {
                command: format!("kafka-transactions.sh {BOOTSTRAP} describe --transactional-id {id}"),
                output: describe_transaction(world, id).ok_or_else(|| {
                    format!(
                        "TRANSACTIONAL_ID_NOT_FOUND: the coordinator does not know {id} (yet): its producer has not called initTransactions."
                    )
                }),
            },
            None => ToolOutput {
                command: format!(
                    "kafka-transactions.sh {BOOTSTRAP} describe --transactional-id <transactional.id>"
                ),
                output: Err(
                    "No transactional.id selected: pick a transactional producer to describe its transaction."
                        .to_owned(),
                ),
            },
        },
        Tool::ListTransactions => ToolOutput {
            command: format!("kafka-transactions.sh {BOOTSTRAP} list"),
            output: Ok(list_transactions(world)),
        },
    }
}

#[derive(Debug, Properties)]
pub struct ToolViewProps {
    /// The world at the timeline's cursor.
    pub world: Rc<World>,
    /// The partition for `kafka-dump-log.sh` and `describe-producers`.
    pub topic_partition: TopicPartition,
    /// The `transactional.id` for `describe`; `None` when no transactional producer is selected.
    #[prop_or_default]
    pub transactional_id: Option<AttrValue>,
}

// The world is not `PartialEq`; every step makes a new `Rc`, so identity is the right test.
impl PartialEq for ToolViewProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world)
            && self.topic_partition == other.topic_partition
            && self.transactional_id == other.transactional_id
    }
}

/// The real-tool view: a tool selector, the command line as a caption, the output in a box
/// that scrolls sideways on its own.
#[component]
pub fn ToolView(props: &ToolViewProps) -> Html {
    let selected = use_state(|| Tool::DumpLog);
    let tool = *selected;
    // Only the selected tool runs: a dump of a long log is a long string.
    let shown = tool_output(
        &props.world,
        tool,
        &props.topic_partition,
        props.transactional_id.as_deref(),
    );
    let buttons = Tool::ALL.iter().map(|&t| {
        let selected = selected.clone();
        html! {
            <button type="button" class="button tool-choice" id={t.id()}
                aria-pressed={(t == tool).to_string()}
                onclick={Callback::from(move |_| selected.set(t))}>
                {t.label()}
            </button>
        }
    });
    html! {
        <section class="panel inspector tool-view" aria-labelledby="tool-view-heading">
            <h2 id="tool-view-heading">{"What Kafka's tools would print"}</h2>
            <div class="button-row tool-choices" role="group" aria-label="Tool">
                { for buttons }
            </div>
            <figure class="tool-figure">
                <figcaption id="tool-command">
                    <span class="visually-hidden">{"Command: "}</span>
                    <code><span aria-hidden="true">{"$ "}</span>{&shown.command}</code>
                </figcaption>
                {match &shown.output {
                    Ok(text) => html! {
                        // Focusable so a keyboard user can scroll a wide line into view.
                        <pre class="tool-output" id="tool-output" tabindex="0" role="region"
                            aria-labelledby="tool-command">{text}</pre>
                    },
                    Err(why) => html! {
                        <p class="tool-output-missing" id="tool-output">{why}</p>
                    },
                }}
            </figure>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eos_core::WorldConfig;

    #[test]
    fn every_tool_names_its_command_and_dump_log_names_the_segment_file() {
        let world = World::new(&WorldConfig::default(), 0).expect("the default world");
        let tp = TopicPartition::new("payments", 0);
        let dump = tool_output(&world, Tool::DumpLog, &tp, None);
        assert_eq!(
            dump.command,
            "kafka-dump-log.sh --deep-iteration --print-data-log --files payments-0/00000000000000000000.log"
        );
        let producers = tool_output(&world, Tool::DescribeProducers, &tp, None);
        assert!(
            producers
                .command
                .ends_with("describe-producers --topic payments --partition 0")
        );
        assert!(producers.output.is_ok());
    }

    #[test]
    fn describing_an_unknown_or_missing_transactional_id_says_why() {
        let world = World::new(&WorldConfig::default(), 0).expect("the default world");
        let tp = TopicPartition::new("payments", 0);
        let unknown = tool_output(&world, Tool::DescribeTransaction, &tp, Some("nobody"));
        assert!(unknown.command.ends_with("--transactional-id nobody"));
        let why = unknown
            .output
            .expect_err("the coordinator knows no ids yet");
        assert!(why.starts_with("TRANSACTIONAL_ID_NOT_FOUND"));
        let missing = tool_output(&world, Tool::DescribeTransaction, &tp, None);
        assert!(missing.output.is_err());
        let gone = tool_output(&world, Tool::DumpLog, &TopicPartition::new("nope", 9), None);
        assert!(
            gone.output.is_err(),
            "a partition that does not exist has no log"
        );
    }

    // 60 records make 15 segments of 4: the dump names the newest files only and says so.
    #[test]
    fn a_long_log_is_dumped_from_its_newest_segment_files() {
        let mut world = World::new(&WorldConfig::default(), 0).expect("the default world");
        let producer = world.producers().next().expect("a producer").id().clone();
        for i in 0..60 {
            let send = eos_core::Action::Send {
                producer: producer.clone(),
                topic: "payments".to_owned(),
                partition: Some(0),
                key: Some(format!("k{i}")),
                value: format!("v{i}"),
            };
            world.step(&send).expect("send");
            world
                .step(&eos_core::Action::DeliverAll {})
                .expect("deliver");
        }
        let tp = TopicPartition::new("payments", 0);
        let dump = tool_output(&world, Tool::DumpLog, &tp, None);
        assert_eq!(dump.command.matches(".log").count(), DUMPED_SEGMENTS);
        let text = dump.output.expect("a leader");
        assert!(
            text.starts_with("# The newest 8 segment files; 7 older ones"),
            "{text}"
        );
        assert!(text.contains("key: k59 payload: v59"));
        assert!(
            !text.contains("key: k0 payload"),
            "the oldest segment is left out"
        );
    }
}
