//! The cost model and the simulation agree: for the shape of transaction a shipped concept-26
//! scenario runs, the requests and writes the model predicts per transaction are the ones
//! `Costs` counts in the run, under transaction protocol V1 as shipped and V2.

use eos_core::TopicPartition;
use eos_core::run::scenario::{Scenario, ScenarioRun};
use eos_core::views::cost_model::{CostParameters, TransactionProtocol, TransactionRequests};
use eos_core::views::costs::Costs;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn run(name: &str, protocol: TransactionProtocol) -> ScenarioRun {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/scenarios")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("scenario is JSON");
    let version = match protocol {
        TransactionProtocol::V1 => 1,
        TransactionProtocol::V2 => 2,
    };
    file["cluster"]["transaction.version"] = version.into();
    let scenario = Scenario::parse(&file.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
    scenario.run().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What one transaction of the run cost, from the counts of the whole run: every transaction
/// of a concept-26 scenario has the same shape, and InitProducerId (once per producer, with its
/// own `__transaction_state` write) is not part of a transaction's price.
fn measured_per_transaction(costs: &Costs) -> TransactionRequests {
    let transactions = u32::try_from(costs.transactions_committed).expect("small count");
    assert!(transactions > 0, "{costs:?}");
    let request = |api: &str| costs.requests.get(api).copied().unwrap_or(0);
    let init = request("InitProducerId");
    let per = |total: u64| {
        let total = u32::try_from(total).expect("small count");
        assert_eq!(
            total % transactions,
            0,
            "not the same every transaction: {costs:?}"
        );
        total / transactions
    };
    TransactionRequests {
        add_partitions_to_txn: per(request("AddPartitionsToTxn")),
        partitions_added_by_brokers: per(costs.partitions_added_by_brokers),
        end_txn: per(request("EndTxn")),
        write_txn_markers: per(request("WriteTxnMarkers")),
        transaction_log_appends: per(costs.transaction_log_appends - init),
        markers: per(costs.markers_appended),
    }
}

/// The model's parameters for the shape of the run's transactions: the partitions written, how
/// many AddPartitionsToTxn requests the client needed to add them, and the brokers leading them.
fn shape_of(run: &ScenarioRun, protocol: TransactionProtocol) -> CostParameters {
    let costs = Costs::of(run.events());
    let transactions = u32::try_from(costs.transactions_committed).expect("small count");
    let partitions = u32::try_from(costs.markers_appended).expect("small count") / transactions;
    let add_requests = costs
        .requests
        .get("AddPartitionsToTxn")
        .copied()
        .unwrap_or(0);
    let leaders: BTreeSet<_> = (0..2)
        .filter_map(|p| {
            run.world
                .cluster()
                .leader_of(&TopicPartition::new("payments", p))
        })
        .collect();
    CostParameters {
        partitions,
        add_partitions_requests: match protocol {
            TransactionProtocol::V1 => {
                u32::try_from(add_requests).expect("small count") / transactions
            }
            TransactionProtocol::V2 => 1,
        },
        leader_brokers: u32::try_from(leaders.len())
            .expect("small count")
            .min(partitions),
        protocol,
        ..CostParameters::default()
    }
}

fn model_matches_simulation(name: &str, protocol: TransactionProtocol) -> TransactionRequests {
    let run = run(name, protocol);
    let measured = measured_per_transaction(&Costs::of(run.events()));
    let predicted = shape_of(&run, protocol).requests_per_transaction();
    assert_eq!(predicted, measured, "{name} under {protocol:?}");
    measured
}

#[test]
fn one_record_per_transaction_costs_what_the_model_says_under_v1_and_v2() {
    let v1 = model_matches_simulation(
        "26-cost-one-record-per-transaction",
        TransactionProtocol::V1,
    );
    assert_eq!(
        (
            v1.add_partitions_to_txn,
            v1.transaction_log_appends,
            v1.markers
        ),
        (1, 3, 1)
    );
    let v2 = model_matches_simulation(
        "26-cost-one-record-per-transaction",
        TransactionProtocol::V2,
    );
    assert_eq!(
        (v2.add_partitions_to_txn, v2.partitions_added_by_brokers),
        (0, 1)
    );
}

#[test]
fn six_records_over_two_partitions_cost_what_the_model_says_under_v1_and_v2() {
    let v1 = model_matches_simulation(
        "26-cost-six-records-in-one-transaction",
        TransactionProtocol::V1,
    );
    assert_eq!((v1.markers, v1.end_txn), (2, 1));
    let v2 = model_matches_simulation(
        "26-cost-six-records-in-one-transaction",
        TransactionProtocol::V2,
    );
    assert_eq!(
        (v2.add_partitions_to_txn, v2.partitions_added_by_brokers),
        (0, 2)
    );
}
