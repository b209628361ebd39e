//! Browser test that text a user brings (a scenario's name and description, its producers',
//! consumers', groups' and topics' names, record keys and values, in an imported file) is shown
//! as text and never becomes markup: no element, no script, no handler from it. Run with
//! `cargo test -p eos-web --target wasm32-unknown-unknown --test untrusted_text`.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::run::scenario::Scenario;
use eos_web::saved::SavedLab;
use std::time::Duration;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, choose_file, click, mount_app, text, unfold_details};

/// Every name and text in it (but the topic's: a cluster takes only the names Kafka's
/// `Topic.validate` accepts, which hold no markup) is markup that would set
/// `window.eosInjected` or add an element the app never draws itself (`img`, `b`, `i`,
/// `script`) if it were parsed as HTML.
const HOSTILE_SCENARIO: &str = r#"{
  "format_version": 1,
  "name": "<b>Hostile</b> names <img src=x onerror=window.eosInjected=1>",
  "description": "A description with <script>window.eosInjected=2</script> and <i>markup</i>.",
  "seed": 1,
  "producers": [{"id": "<img src=x onerror=window.eosInjected=3>", "enable.idempotence": true}],
  "consumers": [{"id": "<b>reader</b>", "group.id": "<svg onload=window.eosInjected=4>",
                 "topics": ["payments"]}],
  "cluster": {"brokers": 1, "topics": [{"name": "payments"}]},
  "steps": [
    {"step": "send", "producer": "<img src=x onerror=window.eosInjected=3>",
     "topic": "payments", "key": "<b>key</b>",
     "value": "<img src=x onerror=window.eosInjected=5> pays &amp; <b>bob</b>"},
    {"step": "deliver_all"},
    {"step": "poll", "consumer": "<b>reader</b>"}
  ]
}"#;

/// Elements or attributes only the hostile text could have made.
const INJECTED: &str = "img, b, i, script, [onerror], [onload]";

fn injected_flag() -> bool {
    web_sys::js_sys::Reflect::get(&gloo::utils::window(), &"eosInjected".into())
        .is_ok_and(|v| !v.is_undefined())
}

async fn settle() {
    // Long enough for a failed image load's `onerror` to have run, had one been created.
    yew::platform::time::sleep(Duration::from_millis(100)).await;
    yew::scheduler::flush().await;
}

async fn import_hostile_lab(root: &Element) {
    let scenario = Scenario::parse(HOSTILE_SCENARIO).expect("the core accepts any names");
    let saved = SavedLab {
        origin: scenario,
        history: Vec::new(),
        cursor: 0,
    };
    choose_file(
        root,
        "#import-lab",
        "hostile.eos-lab.json",
        &saved.to_json(),
    );
    for _ in 0..200 {
        if text(root, "#scenario-heading").contains("Hostile") {
            return;
        }
        settle().await;
    }
    panic!(
        "the hostile lab was not imported: {}",
        text(root, "#scenario-heading")
    );
}

#[wasm_bindgen_test]
async fn names_keys_and_values_from_an_imported_file_are_shown_as_text() {
    let root = mount_app().await;
    import_hostile_lab(&root).await;
    for _ in 0..3 {
        click(&root, "#next-scripted").await;
    }
    unfold_details(&root).await;
    settle().await;

    let shown = root.text_content().unwrap_or_default();
    for literal in [
        "<b>Hostile</b> names <img src=x onerror=window.eosInjected=1>",
        "<img src=x onerror=window.eosInjected=3>",
        "<b>reader</b>",
        "<b>key</b>",
    ] {
        assert!(shown.contains(literal), "{literal:?} is not shown as text");
    }
    let made: Vec<String> = all(&root, INJECTED)
        .iter()
        .map(|e| e.outer_html())
        .collect();
    assert!(made.is_empty(), "the hostile text made elements: {made:?}");
    assert!(!injected_flag(), "a script from the hostile text ran");
    root.remove();
}
