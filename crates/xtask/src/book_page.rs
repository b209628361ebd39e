//! The book in the browser: open one chapter of the built `dist/book/`, as a reader would, and
//! check that its first embedded lab started (its stage and step sentence are there inside the
//! iframe), has a title, grew or shrank from the page's first guess to the height the lab
//! reported, and answers a click on its "Next scripted step" with a new step sentence; and that
//! the book's sidebar button (the theme's own) still works; and that the lab recorded no
//! Content-Security-Policy violation. Keeps a screenshot of the chapter.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::Res;
use crate::csp;
use crate::webdriver::{Element, Session};

/// The chapter opened: its first lab opens on a scenario at its moment, with steps still ahead.
pub(crate) const PAGE: &str = "book/delivery-guarantees.html";
pub(crate) const SCREENSHOT: &str = "book-chapter.png";

/// The DOM contract with the book's theme (docs/book/theme/) and with crates/web.
const LAB_FRAME: &str = "iframe.eos-lab";
const STAGE: &str = ".stage";
const STEP_SENTENCE: &str = "#step-sentence";
const NEXT_SCRIPTED: &str = "#next-scripted";
const SIDEBAR_TOGGLE: &str = "#mdbook-sidebar-toggle";

pub(crate) fn check(s: &Session, base: &str, shots: &Path) -> Res<()> {
    s.navigate(&format!("{base}{PAGE}"))?;
    let frame = s.wait_for(
        &format!("an embedded lab ({LAB_FRAME}) on {PAGE}"),
        Duration::from_secs(30),
        |s| Ok(s.find_all(LAB_FRAME)?.into_iter().next()),
    )?;
    let title = s.attribute(&frame, "title")?.unwrap_or_default();
    if title.trim().is_empty() {
        return Err(format!("the first lab on {PAGE} has no title"));
    }
    // The height the book's stylesheet gives a lab before it reports, measured on a stand-in:
    // a lab near the top of the page may have loaded and reported already.
    let first_guess = number(&s.execute_on(
        "const probe = document.createElement('iframe');
         probe.className = arguments[0].className;
         arguments[0].parentElement.appendChild(probe);
         const height = probe.clientHeight;
         probe.remove();
         return height;",
        &frame,
    )?)?;
    // Loaded lazily: the lab starts once it is near the viewport.
    s.scroll_into_view(&frame)?;
    s.switch_to_frame(Some(&frame))?;
    let inside = check_inside(s, first_guess).and_then(|checked| {
        csp::recorded_in_app(s, "the lab embedded in the book").map(|()| checked)
    });
    s.switch_to_frame(None)?;
    let (height, before, after) = inside?;
    println!("  book: {PAGE}, lab \"{title}\"");
    println!("  book: the iframe went from {first_guess} px to the lab's reported {height} px");
    println!("  book: Next scripted step changed {before:?} to {after:?}");
    check_sidebar_toggle(s)?;
    s.scroll_into_view(&frame)?;
    let path = shots.join(SCREENSHOT);
    std::fs::write(&path, s.screenshot_png()?)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("  book: screenshot {}", path.display());
    Ok(())
}

/// The book's own sidebar button (a `<button>` in `docs/book/theme/index.hbs`, where mdBook has
/// a label) still opens and closes the table of contents.
fn check_sidebar_toggle(s: &Session) -> Res<()> {
    let toggle = s
        .find_all(SIDEBAR_TOGGLE)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no `{SIDEBAR_TOGGLE}` on {PAGE}"))?;
    let visible = |s: &Session| -> Res<bool> {
        s.execute(
            "return document.documentElement.classList.contains('sidebar-visible');",
            Value::Null,
            false,
        )
        .map(|v| v == Value::Bool(true))
    };
    let before = visible(s)?;
    s.click(&toggle)?;
    s.wait_for(
        "the table of contents to open or close after its button",
        Duration::from_secs(20),
        |s| Ok((visible(s)? != before).then_some(())),
    )?;
    // The page slides while the sidebar moves, and a click that lands mid-slide can miss: click
    // again until the table of contents is back (each click given a few seconds to take).
    s.wait_for(
        "the table of contents to come back to how it was after its button",
        Duration::from_secs(40),
        |s| {
            if s.click(&toggle).is_err() {
                return Ok(None);
            }
            let clicked = std::time::Instant::now();
            while clicked.elapsed() < Duration::from_secs(4) {
                if visible(s)? == before {
                    return Ok(Some(()));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(None)
        },
    )?;
    println!("  book: the table of contents' button closes and reopens it");
    Ok(())
}

/// Inside the lab's page: waits for the lab and its sizing, then clicks. Returns the iframe's
/// height and the step sentence before and after the click.
fn check_inside(s: &Session, first_guess: f64) -> Res<(f64, String, String)> {
    s.wait_for(
        "the embedded lab to start (its stage and step sentence)",
        Duration::from_secs(60),
        |s| {
            Ok(
                (!s.find_all(STAGE)?.is_empty() && !s.find_all(STEP_SENTENCE)?.is_empty())
                    .then_some(()),
            )
        },
    )?;
    // Inside an iframe the viewport is the iframe: its height is what the host page set.
    let mut last_seen = None;
    let height = s
        .wait_for(
            "the iframe to take the height the lab reports",
            Duration::from_secs(30),
            |s| {
                let sizes = s.execute(
                    "const root = document.querySelector('main')?.parentElement;
                 if (!root) return null;
                 const reported = Math.ceil(root.getBoundingClientRect().bottom + window.scrollY);
                 return [window.innerHeight, reported];",
                    Value::Null,
                    false,
                )?;
                let (Some(viewport), Some(reported)) = (sizes[0].as_f64(), sizes[1].as_f64())
                else {
                    return Ok(None);
                };
                last_seen = Some((viewport, reported));
                let sized = viewport != first_guess && (viewport - reported).abs() <= 1.0;
                Ok(sized.then_some(viewport))
            },
        )
        .map_err(|e| match last_seen {
            Some((viewport, reported)) => format!(
                "{e}: the iframe is {viewport} px tall (first guess {first_guess} px), the lab \
                 reaches {reported} px"
            ),
            None => e,
        })?;
    let before = sentence(s)?;
    let next = first(s, NEXT_SCRIPTED)?;
    // Out from under the book's sticky menu bar (scrolling into view reaches the host page).
    s.scroll_into_view(&next)?;
    s.click(&next)?;
    let after = s.wait_for(
        "the step sentence to change after Next scripted step",
        Duration::from_secs(10),
        |s| {
            let now = sentence(s)?;
            Ok((now != before).then_some(now))
        },
    )?;
    Ok((height, before, after))
}

fn sentence(s: &Session) -> Res<String> {
    s.text(&first(s, STEP_SENTENCE)?)
}

fn first(s: &Session, css: &str) -> Res<Element> {
    s.find_all(css)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no `{css}` in the embedded lab"))
}

fn number(value: &Value) -> Res<f64> {
    value
        .as_f64()
        .ok_or_else(|| format!("expected a number from the page, got {value}"))
}
