//! Keeps `assets/scenario.schema.json` and `docs/scenarios.md` honest against the Rust types that
//! actually read scenarios. Editors and authors trust the schema; if it drifted from
//! `Scenario::parse`, a file the editor accepts would be refused by the lab, or the reverse.
//!
//! Every fact is derived from Rust rather than from a second hand-written list: the step kinds come
//! from serde's own "expected one of" message, the field names and defaults from serialising what
//! a minimal object parses into, and optional-ness from whether `null` is accepted. Uses only std
//! and serde_json (a tiny validator for the keywords the schema uses, no schema crate).

use eos_core::Action;
use eos_core::clients::streams::StreamsAppConfig;
use eos_core::config::{
    ClusterConfig, ConsumerConfig, DatabaseConfig, ProducerConfig, TopicConfig,
};
use eos_core::run::scenario::{MAX_STEPS, Moment, Recap, Scenario};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;

const SCHEMA: &str = include_str!("../../../assets/scenario.schema.json");
const SCENARIOS_DOC: &str = include_str!("../../../docs/scenarios.md");

/// Parses a JSON value into a Rust type and serialises it back, or says why it was refused.
type RoundTrip = dyn Fn(Value) -> Result<Value, String>;

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("assets/scenario.schema.json is valid JSON")
}

fn root_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Follows a local `$ref` ("#/$defs/name") to the schema it names.
fn deref<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("only local $refs are used");
            let target = root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("$ref {r} points nowhere"));
            deref(root, target)
        }
        None => node,
    }
}

/// A keyword of `node`, or of the schema its `$ref` names (siblings of `$ref` win).
fn keyword<'a>(root: &'a Value, node: &'a Value, key: &str) -> Option<&'a Value> {
    node.get(key).or_else(|| deref(root, node).get(key))
}

fn types(root: &Value, node: &Value) -> Vec<String> {
    match keyword(root, node, "type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn properties<'a>(root: &'a Value, object: &'a Value) -> &'a Map<String, Value> {
    keyword(root, object, "properties")
        .and_then(Value::as_object)
        .expect("an object schema lists its properties")
}

fn required(root: &Value, object: &Value) -> Vec<String> {
    keyword(root, object, "required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn bound(root: &Value, node: &Value, key: &str) -> Option<i128> {
    keyword(root, node, key).and_then(as_i128)
}

fn as_i128(v: &Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
}

/// A JSON number for `n`, if serde_json can hold it without losing precision.
fn number(n: i128) -> Option<Value> {
    i64::try_from(n)
        .ok()
        .map(Value::from)
        .or_else(|| u64::try_from(n).ok().map(Value::from))
}

/// A simple value of the property's type: its const, its first enum value, or a plain example.
fn example(root: &Value, node: &Value) -> Value {
    if let Some(c) = keyword(root, node, "const") {
        return c.clone();
    }
    if let Some(first) = keyword(root, node, "enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    let ty = types(root, node)
        .into_iter()
        .find(|t| t != "null")
        .unwrap_or_else(|| panic!("no type to build an example from: {node}"));
    match ty.as_str() {
        "string" => json!("x"),
        "boolean" => json!(false),
        "array" => json!([]),
        "integer" => {
            let low = bound(root, node, "minimum").unwrap_or(0);
            number(low.max(1)).expect("small numbers fit")
        }
        "object" => Value::Object(minimal(root, node)),
        other => panic!("the schema uses type {other}, which this test does not know"),
    }
}

/// Like [`example`], but an array holds one example item, so that no field is left empty.
fn full_example(root: &Value, node: &Value) -> Value {
    match keyword(root, node, "items") {
        Some(items)
            if types(root, node).iter().any(|t| t == "array") && !types(root, items).is_empty() =>
        {
            json!([example(root, items)])
        }
        _ => example(root, node),
    }
}

/// An object with only the required properties, each given a simple value.
fn minimal(root: &Value, object: &Value) -> Map<String, Value> {
    let props = properties(root, object);
    required(root, object)
        .into_iter()
        .map(|name| {
            let value = example(root, &props[&name]);
            (name, value)
        })
        .collect()
}

fn with(base: &Map<String, Value>, key: &str, value: Value) -> Value {
    let mut m = base.clone();
    m.insert(key.to_owned(), value);
    Value::Object(m)
}

/// Checks one object schema against the Rust type behind `parse`: same field names, same
/// defaults, same required fields, same optional (nullable) fields, same integer ranges and
/// enum values, and unknown fields refused.
fn check_object(root: &Value, object: &Value, what: &str, parse: &RoundTrip) {
    let props = properties(root, object);
    let base = minimal(root, object);
    let parsed = parse(Value::Object(base.clone()))
        .unwrap_or_else(|e| panic!("{what}: the schema's minimal object {base:?} is refused: {e}"));
    // Every property given a value, so that fields Rust leaves out when absent show up too.
    let full: Map<String, Value> = props
        .iter()
        .map(|(name, prop)| (name.clone(), full_example(root, prop)))
        .chain(base.clone())
        .collect();
    let parsed_full = parse(Value::Object(full.clone()))
        .unwrap_or_else(|e| panic!("{what}: the schema's full object {full:?} is refused: {e}"));
    let rust_fields: BTreeSet<&String> = parsed_full
        .as_object()
        .unwrap_or_else(|| panic!("{what} serialises to an object"))
        .keys()
        .collect();
    let schema_fields: BTreeSet<&String> = props.keys().collect();
    assert_eq!(
        schema_fields, rust_fields,
        "{what}: the schema's properties differ from the fields the Rust type has"
    );

    for (name, prop) in props {
        if let Some(default) = prop.get("default") {
            assert_eq!(
                &parsed[name], default,
                "{what}.{name}: the schema's default differs from what Rust fills in"
            );
        }
        let nullable = types(root, prop).iter().any(|t| t == "null");
        assert_eq!(
            parse(with(&base, name, Value::Null)).is_ok(),
            nullable,
            "{what}.{name}: the schema says null is {}allowed, Rust disagrees",
            if nullable { "" } else { "not " }
        );
        if let Some(values) = keyword(root, prop, "enum").and_then(Value::as_array) {
            for v in values {
                if let Err(e) = parse(with(&base, name, v.clone())) {
                    panic!("{what}.{name}: the schema allows {v}, Rust refuses it: {e}");
                }
            }
            assert!(
                parse(with(&base, name, json!("no_such_value"))).is_err(),
                "{what}.{name}: Rust accepts a value outside the schema's enum"
            );
        }
        if types(root, prop).iter().any(|t| t == "integer") {
            check_integer_range(root, prop, &base, name, what, parse);
        }
    }

    for name in required(root, object) {
        let mut without = base.clone();
        without.remove(&name);
        assert!(
            parse(Value::Object(without)).is_err(),
            "{what}: the schema requires `{name}`, Rust does not"
        );
    }
    for name in props.keys().filter(|n| !base.contains_key(*n)) {
        let value = example(root, &props[name]);
        if let Err(e) = parse(with(&base, name, value)) {
            panic!("{what}.{name}: an example value of the schema's type is refused: {e}");
        }
    }
    assert!(
        parse(with(&base, "no_such_field", json!(1))).is_err(),
        "{what}: Rust accepts an unknown field; the schema says additionalProperties: false \
         (serde ignores deny_unknown_fields on a unit variant of a tagged enum: write it `Kind {{}}`)"
    );
    assert_eq!(
        object
            .get("additionalProperties")
            .or_else(|| deref(root, object).get("additionalProperties")),
        Some(&Value::Bool(false)),
        "{what}: Rust refuses unknown fields, so the schema must too"
    );
}

/// The schema's minimum and maximum are the Rust integer type's: both ends parse, one beyond fails.
fn check_integer_range(
    root: &Value,
    prop: &Value,
    base: &Map<String, Value>,
    name: &str,
    what: &str,
    parse: &RoundTrip,
) {
    if keyword(root, prop, "const").is_some() {
        return;
    }
    let (Some(low), Some(high)) = (bound(root, prop, "minimum"), bound(root, prop, "maximum"))
    else {
        panic!("{what}.{name}: an integer property needs a minimum and a maximum");
    };
    for n in [low, high] {
        let v = number(n).expect("the type's own bounds fit in JSON");
        if let Err(e) = parse(with(base, name, v)) {
            panic!("{what}.{name}: {n} is within the schema's range but Rust refuses it: {e}");
        }
    }
    for n in [low - 1, high + 1] {
        if let Some(v) = number(n) {
            assert!(
                parse(with(base, name, v)).is_err(),
                "{what}.{name}: Rust accepts {n}, outside the schema's range {low}..={high}"
            );
        }
    }
}

/// A [`RoundTrip`] through the Rust type `$t`.
macro_rules! round_trip {
    ($t:ty) => {
        |v: Value| -> Result<Value, String> {
            let parsed: $t = serde_json::from_value(v).map_err(|e| e.to_string())?;
            Ok(serde_json::to_value(parsed).expect("a parsed value serialises"))
        }
    };
}

fn round_trip_action(v: Value) -> Result<Value, String> {
    round_trip!(Action)(v)
}

/// A whole scenario goes through `Scenario::parse`, the path the CLI and the web app use.
/// An empty script gets one step, so that a `moment` (at step 1 at least) has a step to name.
fn round_trip_scenario(mut v: Value) -> Result<Value, String> {
    if let Some(steps) = v.get_mut("steps").and_then(Value::as_array_mut)
        && steps.is_empty()
    {
        steps.push(json!({"step": "deliver_all"}));
    }
    let scenario = Scenario::parse(&v.to_string()).map_err(|e| e.to_string())?;
    Ok(serde_json::to_value(scenario).expect("a scenario serialises"))
}

/// The step kinds `Action` accepts, read from serde's own error for an unknown one.
fn rust_step_kinds() -> BTreeSet<String> {
    let err = serde_json::from_value::<Action>(json!({"step": "no_such_step"}))
        .expect_err("a made-up step kind is refused")
        .to_string();
    let list = err
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("serde's message changed shape: {err}"))
        .1;
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The schema of each step kind, by the `const` of its `step` property.
fn schema_steps(root: &Value) -> Vec<(String, &Value)> {
    let step = deref(root, &root["properties"]["steps"]["items"]);
    step["oneOf"]
        .as_array()
        .expect("steps are a oneOf over step kinds")
        .iter()
        .map(|branch| {
            let branch = deref(root, branch);
            let name = branch["properties"]["step"]["const"]
                .as_str()
                .unwrap_or_else(|| panic!("a step kind without a const name: {branch}"))
                .to_owned();
            (name, branch)
        })
        .collect()
}

/// Collects what is wrong with `value` under `node`, for the keywords the schema uses.
fn validate(root: &Value, node: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if node.get("$ref").is_some() {
        validate(root, deref(root, node), value, at, errors);
    }
    if let Some(c) = node.get("const")
        && c != value
    {
        errors.push(format!("{at}: {value} is not {c}"));
    }
    if let Some(options) = node.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if node.get("type").is_some() {
        let ok = types(root, node).iter().any(|t| match t.as_str() {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: {value} has the wrong type"));
            return;
        }
    }
    if let Some(n) = as_i128(value) {
        let low = node.get("minimum").and_then(as_i128);
        let high = node.get("maximum").and_then(as_i128);
        if low.is_some_and(|l| n < l) || high.is_some_and(|h| n > h) {
            errors.push(format!("{at}: {n} is out of range"));
        }
    }
    if let Some(obj) = value.as_object() {
        let props = node.get("properties").and_then(Value::as_object);
        for name in node
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(name) {
                errors.push(format!("{at}: `{name}` is missing"));
            }
        }
        for (key, v) in obj {
            match props.and_then(|p| p.get(key)) {
                Some(p) => validate(root, p, v, &format!("{at}.{key}"), errors),
                None if node.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{at}: unknown property `{key}`"));
                }
                None => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(item) = node.get("items") {
            for (i, v) in items.iter().enumerate() {
                validate(root, item, v, &format!("{at}[{i}]"), errors);
            }
        }
        if let Some(max) = node.get("maxItems").and_then(Value::as_u64)
            && items.len() as u64 > max
        {
            errors.push(format!("{at}: more than {max} items"));
        }
    }
    if let Some(branches) = node.get("oneOf").and_then(Value::as_array) {
        let matching = branches
            .iter()
            .filter(|b| {
                let mut e = Vec::new();
                validate(root, b, value, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!(
                "{at}: {value} matches {matching} of the oneOf branches, not exactly one"
            ));
        }
    }
}

fn schema_errors(root: &Value, node: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    validate(root, node, value, "$", &mut errors);
    errors
}

fn json_files(dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root_dir().join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_schema_lists_exactly_the_step_kinds_rust_accepts() {
    let root = schema();
    let in_schema: BTreeSet<String> = schema_steps(&root).into_iter().map(|(n, _)| n).collect();
    let in_rust = rust_step_kinds();
    assert!(
        in_rust.len() > 10,
        "too few step kinds read from serde: {in_rust:?}"
    );
    assert_eq!(in_schema, in_rust);
}

#[test]
fn every_step_kind_in_the_schema_has_rusts_fields_defaults_and_types() {
    let root = schema();
    for (name, branch) in schema_steps(&root) {
        let minimal = minimal(&root, branch);
        let parsed = round_trip_action(Value::Object(minimal))
            .unwrap_or_else(|e| panic!("step `{name}`: its minimal form is refused: {e}"));
        assert_eq!(
            parsed["step"],
            json!(name),
            "step `{name}` is read as another kind"
        );
        check_object(&root, branch, &format!("step `{name}`"), &round_trip_action);
    }
    assert!(round_trip_action(json!({"step": "sned", "producer": "p1"})).is_err());
}

#[test]
fn every_settings_object_in_the_schema_matches_its_rust_type() {
    let root = schema();
    let cases: [(&str, &RoundTrip); 8] = [
        ("cluster", &round_trip!(ClusterConfig)),
        ("topic", &round_trip!(TopicConfig)),
        ("producer", &round_trip!(ProducerConfig)),
        ("consumer", &round_trip!(ConsumerConfig)),
        ("database", &round_trip!(DatabaseConfig)),
        ("streams_app", &round_trip!(StreamsAppConfig)),
        ("moment", &round_trip!(Moment)),
        ("recap", &round_trip!(Recap)),
    ];
    for (name, parse) in cases {
        check_object(&root, &root["$defs"][name], name, parse);
    }
}

#[test]
fn the_top_level_of_the_schema_matches_scenario_parse() {
    let root = schema();
    check_object(&root, &root, "scenario", &round_trip_scenario);
    assert_eq!(
        root["properties"]["steps"]["maxItems"],
        json!(MAX_STEPS),
        "the schema's step limit is Scenario::parse's MAX_STEPS"
    );
    assert!(
        round_trip_scenario(json!({"format_version": 2, "steps": []})).is_err(),
        "format_version is fixed at 1 in the schema"
    );
}

#[test]
fn every_property_in_the_schema_has_a_description() {
    fn walk(node: &Value, at: &str, missing: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, prop) in props {
                        let described = prop
                            .get("description")
                            .and_then(Value::as_str)
                            .is_some_and(|d| !d.trim().is_empty());
                        if !described {
                            missing.push(format!("{at}.{name}"));
                        }
                    }
                }
                for (key, child) in map {
                    walk(child, &format!("{at}/{key}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&schema(), "#", &mut missing);
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:?}"
    );
}

#[test]
fn the_validator_used_here_tells_good_steps_from_bad() {
    // The checks below lean on this small validator; it must refuse what the schema forbids.
    let root = schema();
    let step = &root["$defs"]["step"];
    let good = json!({"step": "send", "producer": "p1", "topic": "payments", "value": "10"});
    assert_eq!(schema_errors(&root, step, &good), Vec::<String>::new());
    for bad in [
        json!({"step": "send", "producer": "p1", "topic": "payments"}),
        json!({"step": "send", "producer": "p1", "topic": "payments", "value": "10", "force": true}),
        json!({"step": "advance_time", "ms": -5}),
        json!({"step": "produce_raw", "topic": "t", "partition": 0, "producer_id": 1, "producer_epoch": 40000, "base_sequence": 0}),
        json!({"step": "sned"}),
    ] {
        assert!(
            !schema_errors(&root, step, &bad).is_empty(),
            "accepted {bad}"
        );
    }
}

#[test]
fn every_shipped_scenario_parses_and_follows_the_schema() {
    let root = schema();
    for path in json_files("assets/scenarios") {
        let text = std::fs::read_to_string(&path).expect("readable scenario file");
        let name = path.display();
        if let Err(e) = Scenario::parse(&text) {
            panic!("{name}: {e}");
        }
        let value: Value = serde_json::from_str(&text).expect("parsed above");
        let errors = schema_errors(&root, &root, &value);
        assert!(errors.is_empty(), "{name} breaks the schema: {errors:?}");
    }
}

#[test]
fn the_actions_in_golden_reports_are_valid_steps() {
    // docs/report.md promises that a report's `action` is a step as the schema describes it.
    let root = schema();
    let step = &root["$defs"]["step"];
    for path in json_files("tests/golden/reports") {
        let text = std::fs::read_to_string(&path).expect("readable report");
        let report: Value = serde_json::from_str(&text).expect("a report is JSON");
        for s in report["steps"].as_array().into_iter().flatten() {
            let errors = schema_errors(&root, step, &s["action"]);
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        }
    }
}

/// The ```json blocks of docs/scenarios.md.
fn doc_examples() -> Vec<Value> {
    SCENARIOS_DOC
        .split("```json\n")
        .skip(1)
        .map(|block| {
            let body = block.split("```").next().unwrap_or_default();
            serde_json::from_str(body).unwrap_or_else(|e| {
                panic!("docs/scenarios.md: a json block is not JSON ({e}):\n{body}")
            })
        })
        .collect()
}

#[test]
fn every_example_in_the_scenario_docs_is_accepted_by_the_lab_and_the_schema() {
    let root = schema();
    let examples = doc_examples();
    assert!(
        !examples.is_empty(),
        "docs/scenarios.md has no json examples"
    );
    let mut documented = BTreeSet::new();
    for example in &examples {
        if example.get("format_version").is_some() {
            if let Err(e) = round_trip_scenario(example.clone()) {
                panic!("docs/scenarios.md: a scenario example is refused: {e}\n{example}");
            }
            let errors = schema_errors(&root, &root, example);
            assert!(errors.is_empty(), "docs/scenarios.md: {errors:?}");
        } else {
            let name = example["step"]
                .as_str()
                .unwrap_or_else(|| panic!("docs/scenarios.md: a json block is neither a scenario nor a step: {example}"))
                .to_owned();
            if let Err(e) = round_trip_action(example.clone()) {
                panic!("docs/scenarios.md: the `{name}` example is refused: {e}");
            }
            let errors = schema_errors(&root, &root["$defs"]["step"], example);
            assert!(errors.is_empty(), "docs/scenarios.md `{name}`: {errors:?}");
            documented.insert(name);
        }
    }
    // Each kind needs its own example block, not just a mention inside a whole scenario.
    let undocumented: Vec<String> = rust_step_kinds().difference(&documented).cloned().collect();
    assert!(
        undocumented.is_empty(),
        "docs/scenarios.md has no example of {undocumented:?}"
    );
}

/// `EventKind`'s variants, read from its source, in snake_case as the report writes them.
fn event_kinds() -> Vec<String> {
    let source =
        std::fs::read_to_string(root_dir().join("crates/core/src/event.rs")).expect("event.rs");
    let body = source
        .split("pub enum EventKind {")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .expect("the EventKind enum");
    body.lines()
        .filter_map(|l| {
            let name = l.strip_prefix("    ")?.split([' ', ',', '{']).next()?;
            name.chars().next()?.is_ascii_uppercase().then_some(name)
        })
        .map(|name| {
            let mut snake = String::new();
            for (i, c) in name.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            snake
        })
        .collect()
}

#[test]
fn every_event_kind_is_documented_in_the_report_docs() {
    let docs = std::fs::read_to_string(root_dir().join("docs/report.md")).expect("report.md");
    let kinds = event_kinds();
    assert!(kinds.len() > 50, "found only {kinds:?}");
    let missing: Vec<&String> = kinds
        .iter()
        .filter(|k| !docs.contains(&format!("| `{k}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/report.md does not document {missing:?}"
    );
}

/// docs/report.md's table of Kafka's error messages is the core's, row for row.
#[test]
fn the_report_docs_quote_kafkas_message_for_every_error() {
    let doc = include_str!("../../../docs/report.md");
    for error in eos_core::error_code::ErrorCode::ALL {
        let row = format!("| `{}` | {} |", error.name(), error.message());
        assert!(doc.contains(&row), "docs/report.md lacks the row {row}");
    }
}
