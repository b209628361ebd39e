//! What Kafka's tools would print for a shipped scenario's final state.

use eos_core::TopicPartition;
use eos_core::run::scenario::{Scenario, ScenarioRun};
use eos_core::views::tool_views::{
    describe_producers, describe_transaction, dump_last_segments, dump_log, list_transactions,
};
use eos_core::views::visibility::{Visibility, explain};
use eos_core::{Offset, ids::ProducerId};
use std::path::PathBuf;

fn run_first_steps(name: &str, steps: usize) -> ScenarioRun {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/scenarios")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(path).expect("a shipped scenario");
    let mut scenario = Scenario::parse(&text).expect("a valid scenario");
    scenario.steps.truncate(steps);
    scenario.run().expect("the steps run")
}

fn run(name: &str) -> ScenarioRun {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/scenarios")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(path).expect("a shipped scenario");
    let scenario = Scenario::parse(&text).expect("a valid scenario");
    scenario.run().expect("the steps run")
}

// DumpLogSegments: a batch line with the producer fields, a record line per record, the marker as
// a control record with its endTxnMarker, and the aborted transaction in the .txnindex dump.
#[test]
fn dump_log_prints_batches_markers_and_the_aborted_transaction_index() {
    let run = run("18-21-aborted-records-are-skipped");
    let dump = dump_log(&run.world, &TopicPartition::new("payments", 0)).unwrap();
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(lines[0], "Dumping payments-0/00000000000000000000.log");
    assert!(lines[2].starts_with(
        "baseOffset: 0 lastOffset: 0 count: 1 baseSequence: 0 lastSequence: 0 producerId: 6000 producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: true isControl: false"
    ), "{}", lines[2]);
    assert!(dump.contains("baseOffset: 2 lastOffset: 2 count: 1 baseSequence: -1 lastSequence: -1 producerId: 6000 producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: true isControl: true"));
    assert!(dump.contains("| offset: 2 CreateTime: 0 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: ABORT coordinatorEpoch: 0"));
    assert!(dump.contains("| offset: 3 CreateTime: 0 keySize: 5 valueSize: 20 sequence: 0 headerKeys: [] key: pay-1 payload: committed by default"));
    assert!(dump.ends_with(
        "Dumping payments-0/00000000000000000000.txnindex\nversion: 0 producerId: 6000 firstOffset: 0 lastOffset: 2 lastStableOffset: 3\n"
    ));
}

// A long log is dumped the way a person would: naming only its newest segment files. The lines
// for those files are exactly what the whole dump prints for them.
#[test]
fn the_newest_segments_dump_as_in_the_whole_dump() {
    let run = run("06-dedup-last-five-batches");
    let tp = TopicPartition::new("payments", 0);
    let whole = dump_log(&run.world, &tp).unwrap();
    let all = dump_last_segments(&run.world, &tp, usize::MAX).unwrap();
    assert_eq!(all.output, whole);
    assert_eq!(all.earlier_segments, 0);
    assert!(
        all.files.len() >= 2,
        "the scenario's log has several segments"
    );
    let last = dump_last_segments(&run.world, &tp, 1).unwrap();
    assert_eq!(last.earlier_segments, all.files.len() - 1);
    assert_eq!(last.files, all.files[all.files.len() - 1..]);
    assert!(whole.ends_with(&last.output), "{}", last.output);
    assert!(last.output.starts_with(&format!(
        "Dumping {}",
        last.files[0].trim_end_matches(".log")
    )));
}

// TransactionsCommand.DescribeProducersCommand: one row per producer the leader remembers.
#[test]
fn describe_producers_lists_what_the_leader_remembers() {
    let run = run("18-21-aborted-records-are-skipped");
    let table = describe_producers(&run.world, &TopicPartition::new("payments", 0)).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| {
            l.split('\t')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "ProducerId",
                "ProducerEpoch",
                "LatestCoordinatorEpoch",
                "LastSequence",
                "LastTimestamp",
                "CurrentTransactionStartOffset"
            ],
            vec!["1000", "0", "-1", "0", "0", "None"],
            vec!["6000", "0", "0", "1", "0", "None"],
        ]
    );
}

/// describe-producers' sentence after `idempotent` producers without and `transactional` ones
/// with an open transaction have each written a record to payments-0, with the producers the
/// event lists.
fn describe_after(
    idempotent: usize,
    transactional: usize,
) -> (Vec<eos_core::event::DescribedProducer>, String) {
    use eos_core::config::{ProducerConfig, WorldConfig};
    use eos_core::{Action, ClientId, EventKind, World};
    let plain: Vec<String> = (1..=idempotent).map(|i| format!("p{i}")).collect();
    let txn: Vec<String> = (1..=transactional).map(|i| format!("tx{i}")).collect();
    let transactional_producer = |id: &String| ProducerConfig {
        transactional_id: Some(format!("orders-{id}")),
        ..ProducerConfig::named(id)
    };
    let config = WorldConfig {
        producers: plain
            .iter()
            .map(|id| ProducerConfig::named(id))
            .chain(txn.iter().map(transactional_producer))
            .collect(),
        ..WorldConfig::default()
    };
    let mut world = World::new(&config, 1).expect("valid world");
    let mut step = |action: Action| world.step(&action).expect("the step runs");
    for id in &txn {
        let producer = ClientId::new(id.as_str());
        step(Action::InitTransactions {
            producer: producer.clone(),
        });
        step(Action::DeliverAll {});
        step(Action::BeginTransaction { producer });
    }
    for id in plain.iter().chain(&txn) {
        step(Action::Send {
            producer: ClientId::new(id.as_str()),
            topic: "payments".to_owned(),
            partition: Some(0),
            key: None,
            value: "v".to_owned(),
        });
        step(Action::DeliverAll {});
    }
    let events = step(Action::DescribeProducers {
        topic: "payments".to_owned(),
        partition: 0,
    });
    let [event] = &events[..] else {
        panic!("one event: {events:?}")
    };
    let EventKind::ProducersDescribed { producers, .. } = &event.kind else {
        panic!("{event:?}")
    };
    (producers.clone(), event.explanation.clone())
}

// A partition that has seen many producer sessions: the step's sentence counts them and names
// only those in a transaction; the event keeps every row.
#[test]
fn describing_many_producers_names_only_those_in_a_transaction() {
    let (producers, sentence) = describe_after(6, 1);
    assert_eq!(producers.len(), 7);
    let open = producers
        .iter()
        .find(|p| p.current_transaction_start_offset.is_some())
        .expect("tx1's transaction is open");
    assert_eq!(
        sentence,
        format!(
            "kafka-transactions.sh describe-producers on payments-0: the leader remembers 7 producers. In a transaction: producer {} at epoch 0, last sequence 0, an open transaction since offset 6. The other 6 have no open transaction.",
            open.producer_id
        )
    );

    let (producers, sentence) = describe_after(1, 5);
    assert_eq!(producers.len(), 6);
    assert_eq!(
        sentence.matches("an open transaction since offset").count(),
        5
    );
    assert!(
        sentence.ends_with(". The other one has no open transaction."),
        "{sentence}"
    );

    let (_, sentence) = describe_after(6, 0);
    assert_eq!(
        sentence,
        "kafka-transactions.sh describe-producers on payments-0: the leader remembers 6 producers, none with an open transaction."
    );

    let (_, sentence) = describe_after(2, 1);
    assert_eq!(sentence.matches("producer ").count(), 3, "{sentence}");
    assert_eq!(
        sentence.matches("no open transaction").count(),
        2,
        "{sentence}"
    );
}

// TransactionsCommand.DescribeTransactionsCommand and ListTransactionsCommand.
#[test]
fn describe_and_list_show_the_coordinators_view() {
    let run = run("22-consume-transform-produce");
    let described = describe_transaction(&run.world, "receipt-maker-0").unwrap();
    let row: Vec<&str> = described
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .map(str::trim)
        .collect();
    assert_eq!(
        &row[..6],
        [
            "1",
            "receipt-maker-0",
            "1001",
            "0",
            "CompleteCommit",
            "60000"
        ]
    );
    assert!(describe_transaction(&run.world, "nobody").is_none());
    let listed = list_transactions(&run.world);
    assert_eq!(listed.lines().count(), 2);
    assert!(
        listed
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("receipt-maker-0\t1")
    );
}

// The read path (CompletedFetch, the aborted-transaction index, the LSO), told per offset.
#[test]
fn each_offset_says_who_can_read_it_and_why_not() {
    let run = run("18-21-aborted-records-are-skipped");
    let tp = TopicPartition::new("payments", 0);
    let at = |o: i64| explain(&run.world, &tp, Offset(o)).unwrap();
    assert_eq!(at(0).read_uncommitted, Visibility::Visible);
    assert_eq!(
        at(0).read_committed,
        Visibility::Aborted {
            producer_id: ProducerId(6000),
            marker_offset: Offset(2)
        }
    );
    assert!(at(0).explanation.contains("aborted-transaction index"));
    assert_eq!(
        at(2).read_committed,
        Visibility::ControlRecord { commit: false }
    );
    assert!(at(2).explanation.contains("gaps"));
    assert_eq!(at(3).read_committed, Visibility::Visible);
    assert_eq!(at(9).read_committed, Visibility::OutOfRange);

    // Halfway through the six-record transaction: in the log, readable uncommitted only.
    let open = run_first_steps("26-cost-six-records-in-one-transaction", 7);
    let halfway = explain(&open.world, &tp, Offset(0)).unwrap();
    assert_eq!(halfway.read_uncommitted, Visibility::Visible);
    assert_eq!(
        halfway.read_committed,
        Visibility::AboveLastStableOffset {
            last_stable_offset: Offset(0),
            held_by: Some((ProducerId(1000), Offset(0)))
        }
    );
    assert!(
        halfway
            .explanation
            .contains("open transaction that starts at offset 0")
    );
}

// The explanation never disagrees with the consumers' read path: in every shipped scenario's
// final state, the offsets it calls visible are those a fresh consumer of each isolation level
// receives (the report's `visible_read_*`, computed by `read_fetched`).
#[test]
fn explanations_agree_with_what_consumers_receive_in_every_scenario() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let scenario = Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let run = scenario.run().unwrap();
        let report = eos_core::run::report::Report::new(&scenario, &run);
        for p in &report.partitions {
            let tp = TopicPartition::new(p.topic.as_str(), p.partition);
            let visible = |committed: bool| -> Vec<Offset> {
                (p.log_start_offset.0..p.log_end_offset.0)
                    .map(Offset)
                    .filter(|o| {
                        let v = explain(&run.world, &tp, *o).unwrap();
                        let v = if committed {
                            v.read_committed
                        } else {
                            v.read_uncommitted
                        };
                        v == Visibility::Visible
                    })
                    .collect()
            };
            let name = path.display();
            assert_eq!(visible(true), p.visible_read_committed, "{name} {tp}");
            assert_eq!(visible(false), p.visible_read_uncommitted, "{name} {tp}");
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} partitions checked");
}

// The status shown next to each record: open until the partition gets the marker, then
// committed or aborted; markers and plain records apart.
#[test]
fn each_record_has_a_transaction_status() {
    use eos_core::views::visibility::{TxnStatus, transaction_status};
    let tp = TopicPartition::new("payments", 0);
    let aborted = run("18-21-aborted-records-are-skipped");
    let statuses: Vec<_> = (0..4)
        .map(|o| transaction_status(&aborted.world, &tp, Offset(o)))
        .collect();
    assert_eq!(
        statuses,
        [
            TxnStatus::Aborted,
            TxnStatus::Aborted,
            TxnStatus::Marker,
            TxnStatus::None
        ]
        .map(Some)
    );
    let open = run_first_steps("26-cost-six-records-in-one-transaction", 7);
    assert_eq!(
        transaction_status(&open.world, &tp, Offset(0)),
        Some(TxnStatus::Open)
    );
    let done = run("26-cost-six-records-in-one-transaction");
    assert_eq!(
        transaction_status(&done.world, &tp, Offset(0)),
        Some(TxnStatus::Committed)
    );
    assert_eq!(transaction_status(&done.world, &tp, Offset(99)), None);
}

// The marks the offsets-over-time plot draws: mid-transaction the LSO lags the high watermark.
#[test]
fn offset_marks_show_the_lso_lagging_behind_an_open_transaction() {
    use eos_core::views::offset_marks::marks;
    let open = run_first_steps("26-cost-six-records-in-one-transaction", 8);
    let p0 = marks(&open.world)
        .into_iter()
        .find(|m| m.topic_partition == TopicPartition::new("payments", 0))
        .expect("payments-0");
    assert_eq!(p0.last_stable_offset, Offset(0));
    assert_eq!(p0.high_watermark, p0.log_end_offset);
    assert!(p0.high_watermark > Offset(0));
    assert_eq!(
        p0.positions,
        vec![(eos_core::ClientId::new("reader"), Offset(0))]
    );
    let done = run("26-cost-six-records-in-one-transaction");
    let p0 = &marks(&done.world)[0];
    assert_eq!(p0.last_stable_offset, p0.high_watermark);
}

// Concept 6 made visible per record: the first attempt wrote it, the retry after the lost ack
// was recognised as a duplicate and answered with the same offset.
#[test]
fn a_record_knows_which_attempt_wrote_it_and_which_retries_matched_it() {
    use eos_core::views::provenance::provenance;
    let run = run("04-effect-once");
    let tp = TopicPartition::new("payments", 0);
    let p = provenance(&run.world, &tp, Offset(0), run.events()).expect("a record at 0");
    assert_eq!(p.send_ids, vec![1]);
    assert_eq!(p.written_by_attempt, 1);
    assert_eq!(p.deduplicated_attempts, vec![2]);
}

// Branches: the same transaction committed in one and aborted in the other differ in the
// status and read_committed visibility of every record it wrote, and in its markers.
#[test]
fn comparing_a_committed_and_an_aborted_branch_shows_what_the_decision_changed() {
    use eos_core::views::compare::{Difference, compare};
    use eos_core::views::visibility::TxnStatus;
    let prefix = run_first_steps("26-cost-six-records-in-one-transaction", 10);
    let mut committed = prefix.world.clone();
    let mut aborted = prefix.world.clone();
    let tx = eos_core::ClientId::new("tx");
    committed
        .step(&eos_core::Action::CommitTransaction {
            producer: tx.clone(),
        })
        .expect("commit");
    aborted
        .step(&eos_core::Action::AbortTransaction { producer: tx })
        .expect("abort");
    for world in [&mut committed, &mut aborted] {
        world
            .step(&eos_core::Action::DeliverAll {})
            .expect("deliver");
    }
    let differences = compare(&committed, &aborted);
    let statuses: Vec<(TxnStatus, TxnStatus)> = differences
        .iter()
        .filter_map(|d| match d {
            Difference::Record {
                left: Some(l),
                right: Some(r),
                ..
            } => Some((l.status, r.status)),
            _ => None,
        })
        .collect();
    assert!(
        statuses.contains(&(TxnStatus::Committed, TxnStatus::Aborted)),
        "{differences:?}"
    );
    assert!(
        statuses.contains(&(TxnStatus::Marker, TxnStatus::Marker)),
        "the markers differ in kind"
    );
    assert!(compare(&committed, &committed.clone()).is_empty());
}
