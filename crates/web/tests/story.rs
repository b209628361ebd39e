//! Browser tests of the scenario's story: `?concept=N` opens each concept at its moment, where
//! the caption marks it, and a scenario played to its end by "next scripted step" shows its
//! recap, which leads back to the moment and to the step that broke a guarantee.

// These tests need a DOM; on the host this file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]

use eos_core::run::scenario::Scenario;
use eos_web::App;
use eos_web::scenarios::{CONCEPTS, Source, catalog, concept_start};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{click, exists, text};

/// The app started as `query` says, in its own element, and the handle to take it down.
async fn mount(query: &str) -> (Element, yew::AppHandle<App>) {
    support::mount_at(query).await
}

fn shipped(stem: &str) -> Scenario {
    let source = catalog()
        .into_iter()
        .find(
            |s| matches!(s, Source::File { name, .. } if name.strip_suffix(".json") == Some(stem)),
        )
        .expect("shipped");
    let Source::File { text, .. } = source else {
        unreachable!()
    };
    Scenario::parse(&text).expect("parses")
}

#[wasm_bindgen_test]
async fn every_concept_opens_its_scenario_at_the_moment_with_its_caption() {
    for concept in 1..=CONCEPTS {
        let (stem, step) = concept_start(concept).expect("a scenario");
        let scenario = shipped(&stem);
        let (root, handle) = mount(&format!("?concept={concept}")).await;
        let status = text(&root, "#step-status");
        assert!(
            status.starts_with(&format!("Step {step} of")),
            "concept {concept}: {status}"
        );
        let caption = text(&root, "#moment-caption");
        let expected = &scenario.moment.as_ref().expect("a moment").caption;
        assert!(
            caption.contains(expected.as_str()),
            "concept {concept} ({stem}): {caption}"
        );
        assert!(
            !exists(&root, ".notice.is-refusal"),
            "concept {concept} opens without a refusal"
        );
        handle.destroy();
        root.remove();
    }
}

#[wasm_bindgen_test]
async fn a_concept_out_of_range_is_a_notice() {
    let (root, handle) = mount("?concept=29").await;
    assert!(
        root.text_content()
            .unwrap_or_default()
            .contains("concept “29” is not a concept number from 1 to 28"),
        "the notice names the parameter"
    );
    assert!(!exists(&root, "#moment-caption"));
    handle.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn playing_to_the_end_shows_the_recap_which_leads_back_to_the_moment() {
    let stem = "09-acks-1-leader-failover-loses-acked-write";
    let scenario = shipped(stem);
    let moment = scenario.moment.as_ref().expect("a moment").step.get() as usize;
    let (root, handle) = mount(&format!("?scenario={stem}")).await;
    for _ in 0..moment {
        assert!(
            !exists(&root, "#moment-caption"),
            "no caption before the moment"
        );
        click(&root, "#next-scripted").await;
    }
    assert!(text(&root, "#moment-caption").starts_with("★ This is the moment: "));
    assert!(!exists(&root, "#recap"), "the recap waits for the end");
    for _ in moment..scenario.steps.len() {
        click(&root, "#next-scripted").await;
    }
    assert!(
        !exists(&root, "#moment-caption"),
        "the end is past the moment"
    );
    let recap = text(&root, "#recap");
    for heading in ["Recap", "What you saw", "Guarantee", "Try next"] {
        assert!(recap.contains(heading), "{heading}: {recap}");
    }
    assert!(
        recap.contains("no_acknowledged_write_lost broke at step 3"),
        "{recap}"
    );
    click(&root, "#recap-moment").await;
    assert!(text(&root, "#step-status").starts_with(&format!("Step {moment} of")));
    assert!(exists(&root, "#moment-caption"), "back at the moment");
    assert!(!exists(&root, "#recap"));
    // Back at the end (the remaining scripted steps again), the broken guarantee's button goes
    // to the step that broke it.
    for _ in moment..scenario.steps.len() {
        click(&root, "#next-scripted").await;
    }
    assert!(exists(&root, "#recap"), "at the end again");
    click(&root, "#recap-jump-no_acknowledged_write_lost").await;
    assert!(text(&root, "#step-status").starts_with("Step 3 of"));
    handle.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_first_story_plays_to_its_recap_by_keyboard_alone() {
    let stem = "02-at-least-once";
    let scenario = shipped(stem);
    let (root, handle) = mount(&format!("?scenario={stem}")).await;
    let body = gloo::utils::body();
    let mut sentences = Vec::new();
    for _ in 0..scenario.steps.len() {
        support::press(&body, "n").await;
        sentences.push(text(&root, "#step-sentence"));
    }
    assert_eq!(
        text(&root, "#step-status"),
        format!("Step {0} of {0}", scenario.steps.len())
    );
    assert!(
        sentences
            .iter()
            .any(|s| s.contains("acknowledgement to p1 was lost")),
        "the lost ack is told: {sentences:#?}"
    );
    let recap = text(&root, "#recap");
    for heading in ["What you saw", "Guarantee", "Try next"] {
        assert!(recap.contains(heading), "{heading}: {recap}");
    }
    assert!(
        text(&root, "#guarantee-strip").contains("no_duplicate_write"),
        "the verdict under the stage names the duplicate"
    );
    handle.destroy();
    root.remove();
}
