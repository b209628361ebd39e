//! Keeps `assets/course.schema.json`, `lesson.schema.json`, `exercise.schema.json` and
//! `attempt.schema.json` honest against the Rust types that read lessons, exercises and
//! attempts: every closed list in the schemas (facts, error codes, event kinds, states,
//! guarantees, step kinds, panels) equals the one serde reads, each object's minimal and
//! maximal forms parse in Rust and lose a required field only to be refused, and every shipped
//! file and an exported attempt validate. A tiny validator for the keywords the schemas use,
//! following `$ref`s across the files, stands in for a schema crate.

use eos_core::Action;
use eos_core::error_code::ErrorCode;
use eos_core::event::EventKind;
use eos_core::invariants::Invariants;
use eos_core::producer_txn::ClientTxnState;
use eos_core::txn_coordinator::TransactionState;
use eos_course::goal::Mark;
use eos_course::{Attempt, Exercise, Goal, Lesson, Panel, Target};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets")
}

/// Every schema file by name, so `$ref`s between them resolve.
fn schemas() -> BTreeMap<String, Value> {
    [
        "scenario.schema.json",
        "course.schema.json",
        "lesson.schema.json",
        "exercise.schema.json",
        "attempt.schema.json",
    ]
    .into_iter()
    .map(|name| {
        let text = std::fs::read_to_string(assets().join(name)).expect("a schema file");
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        (name.to_owned(), value)
    })
    .collect()
}

/// A schema node and the file it is in.
#[derive(Clone, Copy)]
struct Node<'a> {
    file: &'a str,
    value: &'a Value,
}

struct Schemas(BTreeMap<String, Value>);

impl Schemas {
    fn root(&self, file: &str) -> Node<'_> {
        let (file, value) = self.0.get_key_value(file).expect("a known schema file");
        Node { file, value }
    }

    /// Follows `$ref`s ("#/$defs/x", "other.schema.json", "other.schema.json#/$defs/x").
    fn deref<'a>(&'a self, node: Node<'a>) -> Node<'a> {
        match node.value.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let (file, pointer) = r.split_once('#').unwrap_or((r, ""));
                let root = self.root(if file.is_empty() { node.file } else { file });
                let value = root
                    .value
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("$ref {r} in {} points nowhere", node.file));
                self.deref(Node {
                    file: root.file,
                    value,
                })
            }
            None => node,
        }
    }

    fn def(&self, file: &str, name: &str) -> Node<'_> {
        self.deref(Node {
            file: self.root(file).file,
            value: &self.root(file).value["$defs"][name],
        })
    }

    fn errors(&self, node: Node<'_>, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.validate(node, value, "", &mut errors);
        errors
    }

    fn validate(&self, node: Node<'_>, value: &Value, at: &str, errors: &mut Vec<String>) {
        let node = self.deref(node);
        let schema = node.value;
        let child = |value| Node {
            file: node.file,
            value,
        };
        if let Some(c) = schema.get("const")
            && c != value
        {
            errors.push(format!("{at}: {value} is not {c}"));
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of the enum"));
        }
        if let Some(ty) = schema.get("type") {
            let types: Vec<&str> = match ty {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let fits = types.iter().any(|t| match *t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "boolean" => value.is_boolean(),
                "null" => value.is_null(),
                "number" => value.is_number(),
                _ => false,
            });
            if !fits {
                errors.push(format!("{at}: {value} is not of type {ty}"));
                return;
            }
        }
        if let Some(n) = value.as_i64() {
            let below = schema
                .get("minimum")
                .and_then(Value::as_i64)
                .is_some_and(|m| n < m);
            let above = schema
                .get("maximum")
                .and_then(Value::as_u64)
                .is_some_and(|m| u64::try_from(n).is_ok_and(|n| n > m));
            if below || above {
                errors.push(format!("{at}: {n} is out of range"));
            }
        }
        if let Some(object) = value.as_object() {
            let props = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: `{name}` is missing"));
                }
            }
            for (key, v) in object {
                match props.and_then(|p| p.get(key)) {
                    Some(p) => self.validate(child(p), v, &format!("{at}/{key}"), errors),
                    None if schema.get("additionalProperties") == Some(&json!(false)) => {
                        errors.push(format!("{at}: `{key}` is not allowed"));
                    }
                    None => {}
                }
            }
        }
        if let Some(items) = value.as_array() {
            let count = items.len() as u64;
            if schema
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| count < m)
                || schema
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| count > m)
            {
                errors.push(format!("{at}: {count} items is out of range"));
            }
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    self.validate(child(item), v, &format!("{at}/{i}"), errors);
                }
            }
        }
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let fitting = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    self.validate(child(o), value, at, &mut e);
                    e.is_empty()
                })
                .count();
            if fitting != 1 {
                errors.push(format!(
                    "{at}: {value} fits {fitting} of oneOf, not exactly 1"
                ));
            }
        }
    }

    /// A simple value the node accepts.
    fn example(&self, node: Node<'_>) -> Value {
        let node = self.deref(node);
        let schema = node.value;
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
            return first.clone();
        }
        if let Some(first) = schema.get("oneOf").and_then(|o| o.get(0)) {
            return self.example(Node {
                file: node.file,
                value: first,
            });
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .expect("a type"),
            _ => panic!("no example for {}", schema),
        };
        match ty {
            "string" => json!("x"),
            "integer" => json!(
                schema
                    .get("minimum")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    .max(1)
            ),
            "boolean" => json!(false),
            "array" => match (schema.get("minItems"), schema.get("items")) {
                (Some(_), Some(item)) => json!([self.example(Node {
                    file: node.file,
                    value: item
                })]),
                _ => json!([]),
            },
            "object" => Value::Object(self.object(node, false)),
            other => panic!("no example of type {other}"),
        }
    }

    /// The object with its required properties (`all`: every property), each an example.
    fn object(&self, node: Node<'_>, all: bool) -> Map<String, Value> {
        let node = self.deref(node);
        let props = node.value["properties"].as_object().expect("properties");
        let required: BTreeSet<&str> = node.value["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        props
            .iter()
            .filter(|(name, _)| all || required.contains(name.as_str()))
            .map(|(name, p)| {
                (
                    name.clone(),
                    self.example(Node {
                        file: node.file,
                        value: p,
                    }),
                )
            })
            .collect()
    }
}

/// The names serde lists after "expected one of" when it refuses `value` as a `T`.
fn serde_names<T: DeserializeOwned>(value: Value) -> BTreeSet<String> {
    let message = match serde_json::from_value::<T>(value) {
        Ok(_) => panic!("the probe was accepted"),
        Err(e) => e.to_string(),
    };
    let list = message
        .split_once("expected one of ")
        .map(|(_, l)| l)
        .unwrap_or_else(|| panic!("no list in {message}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn enum_of(node: Node<'_>) -> BTreeSet<String> {
    node.value["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("an enum: {}", node.value))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn property<'a>(s: &'a Schemas, node: Node<'a>, name: &str) -> Node<'a> {
    s.deref(Node {
        file: node.file,
        value: &node.value["properties"][name],
    })
}

#[test]
fn the_schemas_closed_lists_are_the_ones_rust_reads() {
    let s = Schemas(schemas());
    let course = "course.schema.json";
    let wrappers: BTreeSet<String> = s.def(course, "goal").value["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .map(|o| o["required"][0].as_str().expect("a key").to_owned())
        .collect();
    assert_eq!(wrappers, serde_names::<Goal>(json!({"?": {}})));

    let fact = |name: &str, field: &str| enum_of(property(&s, s.def(course, name), field));
    assert_eq!(
        fact("error_seen", "error"),
        serde_names::<ErrorCode>(json!("?"))
    );
    assert_eq!(
        fact("event_seen", "event"),
        serde_names::<EventKind>(json!({"event": "?"}))
    );
    assert_eq!(
        fact("transaction", "is"),
        serde_names::<TransactionState>(json!("?"))
    );
    let mut producer_states = serde_names::<ClientTxnState>(json!("?"));
    producer_states.extend(["running", "crashed", "fenced"].map(str::to_owned));
    assert_eq!(fact("producer", "is"), producer_states);
    let guarantees: BTreeSet<String> = Invariants::default()
        .statuses()
        .iter()
        .map(|st| st.name.to_owned())
        .collect();
    assert_eq!(fact("guarantee", "name"), guarantees);
    assert_eq!(fact("offset", "mark"), serde_names::<Mark>(json!("?")));

    let allowed = s.deref(Node {
        file: "exercise.schema.json",
        value: &s.def("exercise.schema.json", "limits").value["properties"]["allowed"]["items"],
    });
    assert_eq!(
        enum_of(allowed),
        serde_names::<Action>(json!({"step": "?"}))
    );
    let target = s.def("lesson.schema.json", "target");
    let panels = target.value["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .find(|o| o["required"][0] == "panel")
        .expect("a panel target");
    assert_eq!(
        enum_of(Node {
            file: "lesson.schema.json",
            value: &panels["properties"]["panel"]
        }),
        serde_names::<Panel>(json!("?"))
    );
    let target_keys: BTreeSet<String> = target.value["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .map(|o| {
            o["required"][0]
                .as_str()
                .or(o["const"].as_str())
                .expect("a name")
                .to_owned()
        })
        .collect();
    assert_eq!(target_keys, serde_names::<Target>(json!({"?": 0})));
}

/// Checks one object schema against the Rust type it stands for (`wrap` puts the object where
/// the type reads it): the minimal and the maximal object parse, and without any one required
/// property the minimal one is refused.
fn check_object<T: DeserializeOwned>(s: &Schemas, node: Node<'_>, wrap: &dyn Fn(Value) -> Value) {
    let what = node.value.get("title").cloned().unwrap_or_default();
    let minimal = s.object(node, false);
    let maximal = s.object(node, true);
    for object in [&minimal, &maximal] {
        let value = wrap(Value::Object(object.clone()));
        if let Err(e) = serde_json::from_value::<T>(value.clone()) {
            panic!("{what}: the schema's object {value} is refused: {e}");
        }
    }
    for name in minimal.keys() {
        let mut without = minimal.clone();
        without.remove(name);
        let value = wrap(Value::Object(without));
        assert!(
            serde_json::from_value::<T>(value.clone()).is_err(),
            "{what}: `{name}` is required by the schema, but Rust reads {value}"
        );
    }
}

#[test]
fn each_object_schema_reads_like_its_rust_type() {
    let s = Schemas(schemas());
    let course = "course.schema.json";
    let wrappers = s.def(course, "goal").value["oneOf"]
        .as_array()
        .expect("oneOf");
    for wrapper in wrappers.iter().skip(3) {
        let key = wrapper["required"][0].as_str().expect("a key").to_owned();
        let node = s.def(course, &key);
        check_object::<Goal>(&s, node, &|fact| json!({ key.clone(): fact }));
    }
    let lesson = "lesson.schema.json";
    check_object::<Lesson>(&s, s.root(lesson), &|v| v);
    check_object::<eos_course::Beat>(&s, s.def(lesson, "beat"), &|v| v);
    check_object::<eos_course::YourTurn>(&s, s.def(lesson, "your_turn"), &|v| v);
    let exercise = "exercise.schema.json";
    check_object::<Exercise>(&s, s.root(exercise), &|v| v);
    check_object::<eos_course::Limits>(&s, s.def(exercise, "limits"), &|v| v);
    check_object::<eos_course::WrongAttempt>(&s, s.def(exercise, "wrong_attempt"), &|v| v);
    for start in s.def(course, "start").value["oneOf"]
        .as_array()
        .expect("oneOf")
    {
        check_object::<eos_course::Start>(
            &s,
            Node {
                file: course,
                value: start,
            },
            &|v| v,
        );
    }
}

fn scenario(stem: &str) -> Option<String> {
    std::fs::read_to_string(assets().join("scenarios").join(format!("{stem}.json"))).ok()
}

fn shipped(folder: &str) -> Vec<(String, Value, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(assets().join(folder))
        .expect("the folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let value = serde_json::from_str(&text).expect("JSON");
            (p.display().to_string(), value, text)
        })
        .collect()
}

#[test]
fn shipped_lessons_exercises_and_exported_attempts_validate() {
    let s = Schemas(schemas());
    for (path, value, _) in shipped("lessons") {
        let errors = s.errors(s.root("lesson.schema.json"), &value);
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
    for (path, value, text) in shipped("exercises") {
        let errors = s.errors(s.root("exercise.schema.json"), &value);
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        let exercise = Exercise::parse(&path, &text).expect("parses");
        let start = exercise.check(&path, &scenario).expect("checks");
        let attempt = Attempt::new(&exercise, &start, exercise.reference.clone());
        let value: Value = serde_json::from_str(&attempt.to_json()).expect("JSON");
        let errors = s.errors(s.root("attempt.schema.json"), &value);
        assert!(errors.is_empty(), "{path}'s attempt: {errors:#?}");
    }
    // And the validator refuses what Rust refuses.
    let (_, mut value, _) = shipped("exercises").remove(0);
    value["goal"] = json!({"offset": {"partition": "payments-0", "mark": "lsoo", "eq": 1}});
    assert!(!s.errors(s.root("exercise.schema.json"), &value).is_empty());
}

/// The ```json blocks of a page under `docs/`, in order.
fn json_blocks(page: &str) -> Vec<String> {
    let path = assets().join("../docs").join(page);
    let text = std::fs::read_to_string(&path).expect("the page");
    text.split("```json\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_pages_examples_are_true_and_every_fact_has_its_section() {
    let s = Schemas(schemas());
    let exercise_page = json_blocks("exercises.md");
    let exercise = Exercise::parse("docs/exercises.md", &exercise_page[0]).expect("parses");
    exercise
        .check("docs/exercises.md", &scenario)
        .unwrap_or_else(|e| panic!("{e}"));
    let goal: Goal = serde_json::from_str(&exercise_page[1]).expect("a goal");
    let value = serde_json::to_value(&goal).expect("JSON");
    assert!(
        s.errors(s.def("course.schema.json", "goal"), &value)
            .is_empty()
    );
    let attempt: Value = serde_json::from_str(&exercise_page[2]).expect("JSON");
    let errors = s.errors(s.root("attempt.schema.json"), &attempt);
    assert!(errors.is_empty(), "{errors:#?}");

    let lesson_page = json_blocks("lessons.md");
    let lesson = Lesson::parse("docs/lessons.md", &lesson_page[0]).expect("parses");
    lesson
        .check("docs/lessons.md", &scenario)
        .unwrap_or_else(|e| panic!("{e}"));

    let page = std::fs::read_to_string(assets().join("../docs/exercises.md")).expect("the page");
    for fact in serde_names::<Goal>(json!({"?": {}})) {
        if !["all", "any", "not"].contains(&fact.as_str()) {
            assert!(
                page.contains(&format!("\n### `{fact}`\n")),
                "docs/exercises.md has no section for the fact `{fact}`"
            );
        }
    }
}
