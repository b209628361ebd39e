//! The real-tool view: what `kafka-dump-log.sh` and `kafka-transactions.sh` would print for the
//! state at the cursor, with the command line that prints it, so a learner recognises the same
//! fields on a real cluster. The text itself comes from the core's `tool_views`.

use eos_core::tool_views::{describe_producers, describe_transaction, dump_log, list_transactions};
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
        Tool::DumpLog => {
            // Kafka names each segment file after its base offset, zero-padded to 20 digits.
            let files = world
                .cluster()
                .partition(tp)
                .and_then(|p| p.leader_replica())
                .map(|r| {
                    r.log
                        .segments()
                        .iter()
                        .map(|s| format!("{tp}/{:020}.log", s.base_offset.0))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_else(|| format!("{tp}/{:020}.log", 0));
            ToolOutput {
                command: format!(
                    "kafka-dump-log.sh --deep-iteration --print-data-log --files {files}"
                ),
                output: dump_log(world, tp)
                    .ok_or_else(|| format!("{tp} has no leader, so no broker holds a log to dump.")),
            }
        }
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
}
