//! Hand-made requests answered within their step are kept beside the network, with sender,
//! receiver, the step and the answer, so the network panel and the report can show them.

use eos_core::error_code::ErrorCode;
use eos_core::exchanges::{Exchange, HandMadeAnswer};
use eos_core::ids::BrokerId;
use eos_core::network::Endpoint;
use eos_core::run::scenario::Scenario;
use eos_core::{Action, ClientId, World};

fn shipped(name: &str) -> Scenario {
    let path = format!(
        "{}/../../assets/scenarios/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn step(world: &mut World, action: &str) {
    let action: Action = serde_json::from_str(action).unwrap_or_else(|e| panic!("{action}: {e}"));
    world
        .step(&action)
        .unwrap_or_else(|e| panic!("{action:?}: {e}"));
}

fn labels(exchange: &Exchange) -> (String, Option<String>) {
    (
        exchange.request.label(),
        exchange.answer.as_ref().map(|a| a.answer.label()),
    )
}

#[test]
fn each_hand_made_group_request_is_an_exchange_from_the_lab_to_the_group_coordinator() {
    let run = shipped("22-offset-commit-and-fetch-by-hand")
        .run()
        .expect("runs");
    let exchanges: Vec<&Exchange> = run.world.exchanges().iter().collect();
    // Steps 5 and 9 travel the network as messages; the other eight are answered in their step.
    let steps: Vec<u64> = exchanges.iter().map(|e| e.step).collect();
    assert_eq!(steps, vec![1, 2, 3, 4, 6, 7, 8, 10]);
    let coordinator = Endpoint::Broker(run.world.coordinator().broker());
    for e in &exchanges {
        assert_eq!(e.from, Endpoint::Client(ClientId::new("lab")));
        assert_eq!(e.to.as_ref(), Some(&coordinator));
        assert_eq!(
            e.answer.as_ref().map(|a| a.step),
            Some(e.step),
            "answered at once"
        );
    }
    assert_eq!(
        labels(exchanges[0]),
        (
            "OffsetCommit request (group audit, generation 0, member c1: payments-0 at 2)"
                .to_owned(),
            Some("OffsetCommit response (GROUP_ID_NOT_FOUND)".to_owned())
        )
    );
    let stable = exchanges[5];
    assert_eq!(
        labels(stable),
        (
            "OffsetFetch request (group billing, require_stable: payments-0)".to_owned(),
            Some("OffsetFetch response (payments-0: UNSTABLE_OFFSET_COMMIT)".to_owned())
        )
    );
    assert_eq!(
        stable.answer.as_ref().and_then(|a| a.answer.error()),
        Some(ErrorCode::UnstableOffsetCommit)
    );
    assert!(matches!(
        exchanges[4].answer.as_ref().map(|a| &a.answer),
        Some(HandMadeAnswer::TxnOffsetCommit { error: None })
    ));
}

#[test]
fn a_held_hand_made_fetch_waits_without_an_answer_until_the_leader_answers_it() {
    let text = r#"{"format_version": 1, "name": "t", "description": "t", "seed": 1,
        "cluster": {"topics": [{"name": "payments", "partitions": 1}]}, "producers": [{"id": "p1"}],
        "steps": []}"#;
    let scenario = Scenario::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let mut w = World::new(&scenario.world_config(), 1).expect("valid world");
    step(&mut w, r#"{"step": "deliver_all"}"#);
    step(
        &mut w,
        r#"{"step": "fetch_raw", "topic": "payments", "partition": 0, "offset": 0, "min_bytes": 1, "max_wait_ms": 500}"#,
    );
    let held = w.exchanges().iter().last().expect("recorded").clone();
    assert_eq!(held.step, 2);
    assert_eq!(held.to, Some(Endpoint::Broker(BrokerId(1))));
    assert_eq!(held.answer, None, "held by the leader");
    assert_eq!(
        held.request.label(),
        "Fetch request (payments-0 from offset 0, read_uncommitted, MinBytes 1)"
    );
    step(
        &mut w,
        r#"{"step": "send", "producer": "p1", "topic": "payments", "partition": 0, "value": "v"}"#,
    );
    step(&mut w, r#"{"step": "deliver_all"}"#);
    let exchanges: Vec<&Exchange> = w.exchanges().iter().collect();
    assert_eq!(exchanges.len(), 1, "the answer completes the same exchange");
    let answered = exchanges[0].answer.as_ref().expect("answered");
    assert_eq!(answered.step, 4);
    assert_eq!(
        answered.answer.label(),
        "Fetch response (1 batch, high watermark 1, last stable offset 1; returns 0)"
    );
}

#[test]
fn hand_made_markers_and_deletions_are_exchanges_with_the_partitions_leader() {
    let run = shipped("18-21-hand-made-fetch-and-delete-records")
        .run()
        .expect("runs");
    let leader = Endpoint::Broker(BrokerId(1));
    let of = |api: &str| -> Vec<(u64, String, Option<String>)> {
        run.world
            .exchanges()
            .iter()
            .filter(|e| e.request.api_name() == api)
            .inspect(|e| assert_eq!(e.to.as_ref(), Some(&leader), "{e:?}"))
            .map(|e| {
                let (request, answer) = labels(e);
                (e.step, request, answer)
            })
            .collect()
    };
    let markers = of("WriteTxnMarkers");
    assert_eq!(markers.iter().map(|m| m.0).collect::<Vec<_>>(), vec![3, 7]);
    assert_eq!(
        markers[0].1,
        "WriteTxnMarkers request (ABORT to payments-0, producer 5000 epoch 0, coordinator epoch 0, transaction version 1)"
    );
    assert_eq!(
        markers[1].2.as_deref(),
        Some("WriteTxnMarkers response (NONE, written at offset 6)")
    );
    let deletions = of("DeleteRecords");
    assert_eq!(
        deletions,
        vec![
            (
                11,
                "DeleteRecords request (payments-0 below offset 9)".to_owned(),
                Some("DeleteRecords response (OFFSET_OUT_OF_RANGE)".to_owned())
            ),
            (
                13,
                "DeleteRecords request (payments-0 below offset 8)".to_owned(),
                Some("DeleteRecords response (NONE, low watermark 8)".to_owned())
            ),
        ]
    );
}
