//! The first load, as a visitor's browser sees it (ARCHITECTURE.md, "First load"): a first
//! visit shows the first screen rendered at build time and fetches no WebAssembly; every byte
//! the page transferred (brotli, as a static host would send it) is within the budget. The
//! visitor's first act (here: focus moving onto the welcome's first button) starts the app,
//! which must replace the static screen with the same markup and keep focus where it was.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::Res;
use crate::first_load;
use crate::first_screen::{DRAWN_WHOLE, SNAPSHOT_SCRIPT, open_as_first_visit};
use crate::webdriver::Session;

/// What the main page may transfer before the visitor acts, brotli (issue 13).
pub(crate) const BUDGET_KIB: f64 = 250.0;

/// The first screen, static, with nothing fetched after it.
const STATIC: &str = "html[data-lab='static'] #app[data-first-screen]";

/// The files the page has fetched so far: the page itself and each resource of this site.
const FETCHED_SCRIPT: &str = r#"
const names = [location.pathname];
for (const entry of performance.getEntriesByType("resource")) {
  const url = new URL(entry.name);
  if (url.origin === location.origin) { names.push(url.pathname); }
}
return names;
"#;

/// Opens a first visit, checks the static screen and its bytes, starts the app with a first
/// act, and checks the app's screen equals the static one.
pub(crate) fn check(s: &Session, url: &str, dist: &Path) -> Res<()> {
    open_as_first_visit(s, url)?;
    s.wait_for(
        "the first screen, static (html[data-lab='static'])",
        Duration::from_secs(30),
        |s| Ok(s.find_all(STATIC)?.into_iter().next()),
    )?;
    // Anything the page would fetch on its own has been asked for by then.
    s.pause(1500)?;
    if s.find_all(STATIC)?.is_empty() {
        return Err("the app started on a first visit before the visitor acted".to_owned());
    }
    let before_act = fetched(s, dist)?;
    if let Some((wasm, _)) = before_act.iter().find(|(name, _)| name.ends_with(".wasm")) {
        return Err(format!(
            "a first visit fetched {wasm} before the visitor acted"
        ));
    }
    let kib = first_load::kib(&before_act);
    println!(
        "  first visit: the static first screen, {kib:.1} KiB brotli fetched before any act \
         (budget {BUDGET_KIB} KiB): {}",
        first_load::listed(&before_act)
    );
    if kib > BUDGET_KIB {
        return Err(format!(
            "a first visit transfers {kib:.1} KiB brotli before the visitor acts, over the \
             {BUDGET_KIB} KiB budget"
        ));
    }
    let static_screen = markup(s)?;

    // The first act: focus moves onto the welcome's first button, as a Tab would move it.
    let focused = s.execute(
        "const button = document.getElementById('welcome-start'); button.focus(); \
         return button.textContent;",
        Value::Null,
        false,
    )?;
    s.wait_for(
        "the app to replace the first screen after a first act",
        Duration::from_secs(60),
        |s| Ok(s.find_all(DRAWN_WHOLE)?.into_iter().next()),
    )?;
    s.pause(300)?;
    let app_screen = markup(s)?;
    if app_screen != static_screen {
        return Err(format!(
            "the app's first screen differs from the static one the page showed: {}",
            first_difference(&static_screen, &app_screen)
        ));
    }
    let now_focused = s.execute(
        "const active = document.activeElement; \
         return document.getElementById('app').contains(active) ? active.textContent : null;",
        Value::Null,
        false,
    )?;
    if now_focused != focused {
        return Err(format!(
            "focus was on {focused} in the static screen; in the app it is on {now_focused}"
        ));
    }
    let after_act = fetched(s, dist)?;
    println!(
        "  after the first act: the app's screen equals the static one ({} bytes), focus kept; \
         {:.1} KiB brotli fetched in all",
        app_screen.len(),
        first_load::kib(&after_act)
    );
    // The next visit is a first visit again.
    s.execute("localStorage.clear();", Value::Null, false)?;
    s.emulate_screen(375, 812)?;
    let narrow = check_narrow(s, url);
    s.clear_screen_emulation()?;
    s.execute("localStorage.clear();", Value::Null, false)?;
    narrow
}

/// What the static screen shows at a phone's width, and how an act on it carries over.
const NARROW_SCRIPT: &str = r##"
const shown = (e) => e !== null && getComputedStyle(e).display !== "none";
return {
  tall: shown(document.querySelector("#app .stage-drawing.first-screen-tall")),
  wide: shown(document.querySelector("#app .stage-drawing:not(.is-tall)")),
  sideways: document.documentElement.scrollWidth - innerWidth,
};
"##;

/// At 375 px the static screen shows the tall stage (the app's drawing at that width) and no
/// sideways scroll; a click on its producer starts the app with that producer selected.
fn check_narrow(s: &Session, url: &str) -> Res<()> {
    open_as_first_visit(s, url)?;
    s.wait_for(
        "the first screen, static, at 375 px",
        Duration::from_secs(30),
        |s| Ok(s.find_all(STATIC)?.into_iter().next()),
    )?;
    let seen = s.execute(NARROW_SCRIPT, Value::Null, false)?;
    if seen["tall"] != Value::Bool(true) || seen["wide"] != Value::Bool(false) {
        return Err(format!(
            "at 375 px the static screen should show the tall stage, not the wide one: {seen}"
        ));
    }
    if seen["sideways"].as_f64().is_some_and(|px| px > 0.5) {
        return Err(format!(
            "at 375 px the static screen scrolls sideways: {seen}"
        ));
    }
    s.execute(
        "document.querySelector('#app .first-screen-tall .stage-producer')\
           .dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));",
        Value::Null,
        false,
    )?;
    s.wait_for(
        "the app to start at 375 px with the clicked producer selected on its tall stage",
        Duration::from_secs(60),
        |s| {
            Ok(s.find_all(
                ".stage-drawing.is-tall:not(.first-screen-tall) .stage-producer.is-selected",
            )?
            .into_iter()
            .next())
        },
    )?;
    println!(
        "  first visit at 375 px: the static screen shows the tall stage, no sideways scroll; a \
         click on its producer starts the app with that producer selected"
    );
    Ok(())
}

fn markup(s: &Session) -> Res<String> {
    let taken = s.execute(SNAPSHOT_SCRIPT, Value::Null, false)?;
    taken["html"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("#app's markup could not be read: {taken}"))
}

/// Each file of `dist/` the page fetched so far, with its brotli size.
fn fetched(s: &Session, dist: &Path) -> Res<Vec<(String, usize)>> {
    let names = s.execute(FETCHED_SCRIPT, Value::Null, false)?;
    let mut files: Vec<(String, usize)> = Vec::new();
    for name in names.as_array().into_iter().flatten() {
        let path = name.as_str().unwrap_or_default().trim_start_matches('/');
        let file = if path.is_empty() { "index.html" } else { path };
        if files.iter().any(|(known, _)| known == file) {
            continue;
        }
        let bytes = std::fs::read(dist.join(file))
            .map_err(|e| format!("the page fetched /{path}, not found in dist/: {e}"))?;
        files.push((file.to_owned(), crate::bundle_size::brotli_len(&bytes)?));
    }
    Ok(files)
}

/// Where two markups part, with a little of each around it.
fn first_difference(expected: &str, found: &str) -> String {
    let at = expected
        .char_indices()
        .zip(found.chars())
        .find(|((_, a), b)| a != b)
        .map_or(expected.len().min(found.len()), |((i, _), _)| i);
    let around = |text: &str| {
        let start = text.floor_char_boundary(at.saturating_sub(60));
        let end = text.ceil_char_boundary((at + 60).min(text.len()));
        text[start..end].to_owned()
    };
    format!(
        "at byte {at}: static `{}`, app `{}`",
        around(expected),
        around(found)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_names_where_two_markups_part() {
        let said = first_difference("<p>same</p><b>one</b>", "<p>same</p><i>one</i>");
        assert!(said.starts_with("at byte 12:"), "{said}");
        assert!(said.contains("<b>one") && said.contains("<i>one"), "{said}");
    }

    #[test]
    fn a_markup_cut_short_parts_at_its_end() {
        let said = first_difference("<p>a</p><p>b</p>", "<p>a</p>");
        assert!(said.starts_with("at byte 8:"), "{said}");
    }
}
