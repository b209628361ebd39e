//! The explorer in the real build: a search runs in its Web Worker (the browser tests, served
//! without the worker's script, only reach the on-page fallback), finds the duplicate that a
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
    s.wait_for(
        "the explorer's detail group (#detail-explorer)",
        Duration::from_secs(30),
        |s| Ok(s.find_all("#detail-explorer")?.into_iter().next()),
    )?;
    let start = s.wait_for(
        "the explorer's Search button",
        Duration::from_secs(10),
        |s| {
            s.unfold_details()?;
            Ok(s.find_all("#explorer-start")?.into_iter().next())
        },
    )?;
    // As typing would: the panel reads the field on `input`.
    s.execute(
        "const input = document.querySelector('#explorer-runs');
         input.value = arguments[0];
         input.dispatchEvent(new InputEvent('input', { bubbles: true }));",
        json!(RUNS),
        false,
    )?;
    s.click(&start)?;
    let status = s.wait_for(
        "the search to finish in the worker",
        Duration::from_secs(120),
        |s| {
            let Some(status) = s.find_all("#explorer-status")?.into_iter().next() else {
                return Ok(None);
            };
            let text = s.text(&status)?;
            if text.starts_with("Searched on this page") {
                return Err(format!(
                    "the search ran on the page, not in the worker: {text}"
                ));
            }
            Ok(text.starts_with(DONE_IN_WORKER).then_some(text))
        },
    )?;
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

/// Builds the exactly-once matrix in the worker, a few runs per setting, and checks every row
/// got its cells.
fn matrix(s: &Session, screenshot: &Path) -> Res<()> {
    let start = s.wait_for("the matrix's button", Duration::from_secs(10), |s| {
        s.unfold_details()?;
        Ok(s.find_all("#explorer-matrix-start")?.into_iter().next())
    })?;
    s.execute(
        "const input = document.querySelector('#explorer-matrix-runs');
         input.value = arguments[0];
         input.dispatchEvent(new InputEvent('input', { bubbles: true }));",
        json!(MATRIX_RUNS),
        false,
    )?;
    s.click(&start)?;
    let status = s.wait_for(
        "the matrix to be built in the worker",
        Duration::from_secs(180),
        |s| {
            let Some(status) = s.find_all("#explorer-status")?.into_iter().next() else {
                return Ok(None);
            };
            let text = s.text(&status)?;
            Ok(text
                .starts_with("Built the matrix in a background worker")
                .then_some(text))
        },
    )?;
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
