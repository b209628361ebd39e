//! The Content-Security-Policy at work (ARCHITECTURE.md, "Content-Security-Policy"): the app and
//! the pages that embed it must run under their policies with no violation reported. Two
//! witnesses: the list the app's own `web/boot.js` keeps from its first moment
//! (`window.eosCspViolations`), which also proves the app started from that file rather than an
//! inline script; and the browser's console, where Chromium reports every refusal of every
//! frame, the host pages' included.

use std::time::Duration;

use serde_json::Value;

use crate::Res;
use crate::webdriver::Session;

/// The page that shows how to embed the lab, with two labs in iframes (web/embed.html).
pub(crate) const EMBED_PAGE: &str = "embed.html";

/// What Chromium's console says when a policy refuses something, in every kind of refusal.
const CONSOLE_MARK: &str = "Content Security Policy";

const LAB_FRAME: &str = "iframe.eos-lab";
const STAGE: &str = ".stage";

/// The violations the app in the current frame recorded; an error if `web/boot.js` did not run
/// there (no list at all).
pub(crate) fn recorded_in_app(s: &Session, where_: &str) -> Res<()> {
    let recorded = s.execute(
        "return window.eosCspViolations ?? null;",
        Value::Null,
        false,
    )?;
    let Some(list) = recorded.as_array() else {
        return Err(format!(
            "{where_}: the app did not start from web/boot.js (no window.eosCspViolations)"
        ));
    };
    if !list.is_empty() {
        let lines: Vec<String> = list.iter().map(Value::to_string).collect();
        return Err(format!(
            "{where_}: the Content-Security-Policy was violated:\n  {}",
            lines.join("\n  ")
        ));
    }
    Ok(())
}

/// Opens the embedding page, waits for its first lab to start inside its iframe, and checks
/// the lab recorded no violation (the page's own are in the console, checked at the end).
pub(crate) fn check_embed_page(s: &Session, base: &str) -> Res<()> {
    s.navigate(&format!("{base}{EMBED_PAGE}"))?;
    let frame = s.wait_for(
        &format!("an embedded lab ({LAB_FRAME}) on {EMBED_PAGE}"),
        Duration::from_secs(30),
        |s| Ok(s.find_all(LAB_FRAME)?.into_iter().next()),
    )?;
    // Loaded lazily: the lab starts once it is near the viewport.
    s.scroll_into_view(&frame)?;
    s.switch_to_frame(Some(&frame))?;
    let inside = s
        .wait_for(
            "the lab embedded in embed.html to start (its stage)",
            Duration::from_secs(60),
            |s| Ok((!s.find_all(STAGE)?.is_empty()).then_some(())),
        )
        .and_then(|()| recorded_in_app(s, "the lab embedded in embed.html"));
    s.switch_to_frame(None)?;
    inside?;
    println!("  {EMBED_PAGE}: its first lab started, no policy violation recorded");
    Ok(())
}

/// The console lines that report a refusal by a Content-Security-Policy.
pub(crate) fn console_violations(console: &[String]) -> Vec<&String> {
    console
        .iter()
        .filter(|line| line.contains(CONSOLE_MARK))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_inline_style_in_the_console_is_a_violation_and_other_lines_are_not() {
        let console = [
            "INFO: http://127.0.0.1:1/ 0:0 \"started\"".to_owned(),
            "SEVERE: http://127.0.0.1:1/ - Applying inline style violates the following \
             Content Security Policy directive 'style-src 'self''."
                .to_owned(),
            "WARNING: favicon not found".to_owned(),
        ];
        let found = console_violations(&console);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("inline style"));
    }
}
