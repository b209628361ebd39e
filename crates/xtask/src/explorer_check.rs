//! The explorer in the real build: a long search stopped while it runs leaves a fresh worker
//! for the next; a search runs in its Web Worker (the browser tests, served
//! without the worker's script, run it on the page, with a feature the app is built without), finds the duplicate that a
//! producer without idempotence writes, and "Open in the lab" loads the shrunk run; then the
//! exactly-once matrix is built in the worker, every row with its cells and the plot.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::Res;
use crate::webdriver::Session;

const QUERY: &str = "?scenario=02-at-least-once";
const RUNS: &str = "60";
const DONE_IN_WORKER: &str = "Searched in a background worker: ";
/// Runs per setting for the matrix: enough for the weakest settings to show their anomaly.
const MATRIX_RUNS: &str = "10";

/// Runs the check; a screenshot of the panel after the search goes to `screenshot`.
pub(crate) fn check(s: &Session, base: &str, screenshot: &Path) -> Res<()> {
    s.navigate(&format!("{base}{QUERY}"))?;
    stopped_then_fresh_worker(s)?;
    start(s, "#explorer-start", "#explorer-runs", RUNS)?;
    let status = status_when(s, "the search to finish in the worker", 120, |text| {
        if text.starts_with("Searched on this page") {
            return Err(format!(
                "the search ran on the page, not in the worker: {text}"
            ));
        }
        Ok(text.starts_with(DONE_IN_WORKER))
    })?;
    println!("  explorer: {status}");
    if let Some(panel) = s.find_all("#explorer-status")?.into_iter().next() {
        s.scroll_into_view(&panel)?;
    }
    std::fs::write(screenshot, s.screenshot_png()?)
        .map_err(|e| format!("cannot write {}: {e}", screenshot.display()))?;
    let open = s
        .find_all(".explorer-open")?
        .into_iter()
        .find(|b| {
            s.attribute(b, "aria-label")
                .ok()
                .flatten()
                .is_some_and(|label| label.contains("no_duplicate_write"))
        })
        .ok_or("the search in the worker found no duplicate write without idempotence")?;
    s.click(&open)?;
    let heading = s.wait_for(
        "the found run to open in the lab",
        Duration::from_secs(20),
        |s| {
            let Some(heading) = s.find_all("#scenario-heading")?.into_iter().next() else {
                return Ok(None);
            };
            let text = s.text(&heading)?;
            Ok(text
                .contains("no_duplicate_write broken in")
                .then_some(text))
        },
    )?;
    println!("  explorer: \"Open in the lab\" loaded \"{heading}\"");
    matrix(s, &screenshot.with_file_name("explorer-matrix.png"))
}

/// A long search stopped while it runs: Stop ends the worker, and the next search (the check's
/// own) must find a fresh one started in its place.
fn stopped_then_fresh_worker(s: &Session) -> Res<()> {
    start(s, "#explorer-start", "#explorer-runs", "5000")?;
    status_when(s, "the long search to run in the worker", 60, |text| {
        Ok(text.starts_with("Searching in a background worker") && !text.contains(": 0 of"))
    })?;
    let stop = s
        .find_all("#explorer-stop")?
        .into_iter()
        .next()
        .ok_or("no Stop button while the search runs")?;
    s.click(&stop)?;
    let status = status_when(s, "the search to stop", 20, |text| {
        Ok(text.starts_with("Searched in a background worker"))
    })?;
    println!("  explorer: stopped: {status}");
    Ok(())
}

/// Builds the exactly-once matrix in the worker, a few runs per setting, and checks every row
/// got its cells.
fn matrix(s: &Session, screenshot: &Path) -> Res<()> {
    start(
        s,
        "#explorer-matrix-start",
        "#explorer-matrix-runs",
        MATRIX_RUNS,
    )?;
    let status = status_when(s, "the matrix to be built in the worker", 180, |text| {
        Ok(text.starts_with("Built the matrix in a background worker"))
    })?;
    let pending = s.find_all("#explorer-matrix .matrix-pending")?.len();
    let rows = s.find_all("#explorer-matrix tbody tr")?.len();
    if rows == 0 || pending > 0 {
        return Err(format!(
            "the matrix has {rows} rows, {pending} of them without cells: {status}"
        ));
    }
    if s.find_all("svg#explorer-growth-svg")?.is_empty() {
        return Err("the matrix has no plot of kinds found as runs grow".to_owned());
    }
    if let Some(table) = s.find_all("#explorer-matrix")?.into_iter().next() {
        s.scroll_into_view(&table)?;
    }
    std::fs::write(screenshot, s.screenshot_png()?)
        .map_err(|e| format!("cannot write {}: {e}", screenshot.display()))?;
    println!(
        "  explorer: {status} ({rows} rows, screenshot {})",
        screenshot.display()
    );
    Ok(())
}

/// Unfolds the panels, types `runs` into `runs_field` (as typing would: the panel reads it on
/// `input`) and clicks `button`.
pub(crate) fn start(s: &Session, button: &str, runs_field: &str, runs: &str) -> Res<()> {
    let button = s.wait_for(
        &format!("the explorer's {button}"),
        Duration::from_secs(60),
        |s| {
            s.unfold_details()?;
            Ok(s.find_all(button)?.into_iter().next())
        },
    )?;
    s.execute(
        "const [field, runs] = arguments[0];
         const input = document.querySelector(field);
         input.value = runs;
         input.dispatchEvent(new InputEvent('input', { bubbles: true }));",
        json!([runs_field, runs]),
        false,
    )?;
    s.click(&button)
}

/// Waits up to `seconds` for the explorer's status line to be `done`; returns it.
pub(crate) fn status_when(
    s: &Session,
    what: &str,
    seconds: u64,
    done: impl Fn(&str) -> Res<bool>,
) -> Res<String> {
    s.wait_for(what, Duration::from_secs(seconds), |s| {
        let Some(status) = s.find_all("#explorer-status")?.into_iter().next() else {
            return Ok(None);
        };
        let text = s.text(&status)?;
        Ok(done(&text)?.then_some(text))
    })
}
