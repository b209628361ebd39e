//! The explorer in the real build: a search runs in its Web Worker (the browser tests, served
//! without the worker's script, only reach the on-page fallback), finds the duplicate that a
//! producer without idempotence writes, and "Open in the lab" loads the shrunk run.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::Res;
use crate::webdriver::Session;

const QUERY: &str = "?scenario=02-at-least-once";
const RUNS: &str = "60";
const DONE_IN_WORKER: &str = "Searched in a background worker: ";

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
    Ok(())
}
