//! Browser tests of the explorer panel: a search of a weak setting finds a broken guarantee,
//! says where it ran and how far it got, and "Open in the lab" turns the shrunk run into the
//! lab's scenario, whose scripted steps replay it. The test page has no worker script, so the
//! search runs on the page: the tests build the app with the `explorer-on-page` feature (the
//! shipped app, without it, says the worker could not start and keeps the explorer's code out
//! of its wasm); the smoke test (`cargo xtask test --only smoke`) runs it in the worker of the
//! real build.
//! Run with `/work/wasmtest.sh WORKTREE explorer`.

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::{all, click, exists, find, mount_at, text, type_into, unfold_details};

/// Waits (a bounded number of turns) until `done` holds.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..3_000 {
        if done() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(5)).await;
        yew::scheduler::flush().await;
    }
    panic!("timed out waiting for {what}");
}

#[wasm_bindgen_test]
async fn a_search_without_idempotence_finds_a_duplicate_and_opens_it_in_the_lab() {
    let (root, _app) = mount_at("?scenario=02-at-least-once").await;
    wait_until("the detail groups", || exists(&root, "#detail-explorer")).await;
    unfold_details(&root).await;
    type_into(&root, "#explorer-runs", "40").await;
    click(&root, "#explorer-start").await;
    assert!(
        exists(&root, "#explorer-stop"),
        "a running search can be stopped"
    );
    wait_until("the search to end", || exists(&root, "#explorer-start")).await;

    let status = text(&root, "#explorer-status");
    assert!(
        status.starts_with("Searched on this page: 40 of 40 runs"),
        "{status}"
    );
    let findings = text(&root, ".explorer-findings");
    assert!(
        findings.contains("no_duplicate_write broke in"),
        "{findings}"
    );
    let bar = find(&root, "#explorer-progress-bar");
    assert_eq!(bar.get_attribute("value").as_deref(), Some("40"));

    let open = all(&root, ".explorer-open")
        .into_iter()
        .find(|b| {
            b.get_attribute("aria-label")
                .is_some_and(|l| l.contains("no_duplicate_write"))
        })
        .expect("an Open in the lab button for the duplicate");
    let open: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(open);
    open.click();
    yew::scheduler::flush().await;
    wait_until("the found run to load", || {
        text(&root, "#scenario-heading").contains("no_duplicate_write broken in")
    })
    .await;
    // Its script is the run: stepping through it breaks the guarantee again.
    for _ in 0..40 {
        if !exists(&root, "#next-scripted:not([disabled])") {
            break;
        }
        click(&root, "#next-scripted").await;
    }
    wait_until("the guarantee to show broken", || {
        exists(
            &root,
            "li.invariant.broken[data-invariant='no_duplicate_write']",
        )
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_search_can_be_stopped_and_keeps_what_it_reached() {
    let (root, _app) = mount_at("?scenario=04-effect-once").await;
    wait_until("the detail groups", || exists(&root, "#detail-explorer")).await;
    unfold_details(&root).await;
    type_into(&root, "#explorer-runs", "5000").await;
    click(&root, "#explorer-start").await;
    wait_until("a first progress report", || {
        text(&root, "#explorer-status").contains(" steps")
            && !text(&root, "#explorer-status").contains(": 0 of")
    })
    .await;
    click(&root, "#explorer-stop").await;
    let status = text(&root, "#explorer-status");
    assert!(status.starts_with("Searched on this page: "), "{status}");
    assert!(status.contains("of 5000 runs"), "{status}");
    // Nothing moves after the stop.
    yew::platform::time::sleep(Duration::from_millis(50)).await;
    yew::scheduler::flush().await;
    assert_eq!(text(&root, "#explorer-status"), status);
}

#[wasm_bindgen_test]
async fn the_matrix_fills_a_row_per_setting_with_a_cell_per_anomaly_and_plots_them() {
    let (root, _app) = mount_at("?scenario=free-play").await;
    wait_until("the detail groups", || exists(&root, "#detail-explorer")).await;
    unfold_details(&root).await;
    type_into(&root, "#explorer-matrix-runs", "2").await;
    click(&root, "#explorer-matrix-start").await;
    wait_until("the matrix to be built", || {
        text(&root, "#explorer-status").starts_with("Built the matrix on this page")
    })
    .await;
    let rows = all(&root, "#explorer-matrix tbody tr");
    let columns = all(&root, "#explorer-matrix thead th").len() - 1;
    assert!(rows.len() >= 10, "a row per named setting: {}", rows.len());
    assert!(columns >= 5, "a column per kind of anomaly: {columns}");
    for row in &rows {
        assert_eq!(
            row.query_selector_all("td").expect("cells").length() as usize,
            columns,
            "{:?}",
            row.text_content()
        );
    }
    assert!(text(&root, "#explorer-matrix").contains("Jepsen: duplicate"));
    assert!(exists(&root, "svg#explorer-growth-svg[role='img']"));
    let status = text(&root, "#explorer-status");
    assert!(
        status.contains(&format!("{} of {} settings done", rows.len(), rows.len())),
        "{status}"
    );
}
