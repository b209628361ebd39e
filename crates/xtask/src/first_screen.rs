//! The first screen, rendered at build time into `dist/index.html`, so a first visit shows the
//! lab's welcome without the WebAssembly (ARCHITECTURE.md, "First load").
//!
//! The app itself draws it: the freshly built `dist/` is served, opened in headless Chromium
//! with a fresh profile (a first visit), and once the app has drawn its whole first screen,
//! `#app`'s markup is taken and written into the page as `#app[data-first-screen]`. Taken from
//! the app, it is the app's markup by construction; taken twice, from two visits, and the two
//! must be equal, so the build is deterministic. `web/boot.js` shows it until the visitor acts.
//!
//! Only the main page's first visit is rendered: `?concept=N`, `?embed…` and share links are
//! addresses of the same `index.html`, which a static host cannot answer with other markup;
//! they start the app at once, with the static screen hidden.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::Res;
use crate::smoke::Browser;
use crate::toolchain::{Toolchain, write_atomic};
use crate::webdriver::Session;

/// Where Trunk's page leaves the app's root, empty.
const EMPTY_ROOT: &str = "<div id=\"app\"></div>";

/// `#app`'s markup as a page would read it back from HTML: what the app keeps only in DOM
/// properties (a field's value, a checkbox, the chosen option) written as attributes.
/// Returns the markup and how many elements carry a `style` attribute, which the page's
/// Content-Security-Policy (`style-src 'self'`) would refuse in static HTML.
pub(crate) const SNAPSHOT_SCRIPT: &str = r#"
const app = document.getElementById("app");
const copy = app.cloneNode(true);
const live = app.querySelectorAll("input, select, textarea");
const copies = copy.querySelectorAll("input, select, textarea");
live.forEach((field, i) => {
  const kept = copies[i];
  if (field instanceof HTMLSelectElement) {
    Array.from(field.options).forEach((option, j) => {
      kept.options[j].toggleAttribute("selected", option.selected);
    });
  } else if (field instanceof HTMLTextAreaElement) {
    kept.textContent = field.value;
  } else if (field.type === "checkbox" || field.type === "radio") {
    kept.toggleAttribute("checked", field.checked);
  } else {
    kept.setAttribute("value", field.value);
  }
});
copy.removeAttribute("aria-busy");
// The static page's tall stage (TALL_STAGE_SCRIPT) is the page's, not the app's.
copy.querySelectorAll(".first-screen-tall").forEach((drawing) => drawing.remove());
return { html: copy.innerHTML, styled: copy.querySelectorAll("[style]").length };
"#;

/// The tall stage the app draws at a phone's width (crates/web/src/stage/layout.rs), for the
/// static page to show there instead of the wide one: marked `first-screen-tall` and without
/// ids (the wide drawing, which the app's own first render matches, keeps them). web/stage.css
/// shows one or the other by the page's width until the app starts; web/boot.js maps an act on
/// it to the same place in the wide one, whose children come in the same order.
const TALL_STAGE_SCRIPT: &str = r##"
const drawn = document.querySelector("#app .stage-drawing.is-tall");
if (!drawn) return null;
const copy = drawn.cloneNode(true);
copy.classList.add("first-screen-tall");
copy.querySelectorAll("[id]").forEach((element) => element.removeAttribute("id"));
return copy.outerHTML;
"##;

/// The wide stage's drawing in the first screen's markup (the end of its start tag).
const WIDE_STAGE_START: &str = "class=\"stage-drawing\">";

/// The app has drawn its whole first screen: it is running (web/boot.js) and its footer,
/// shown only once the page is drawn whole, is there.
pub(crate) const DRAWN_WHOLE: &str = "html[data-lab='running'] footer.site-footer:not([hidden])";

/// The Trunk build into `dist/`, then its first screen rendered in: what every command that
/// measures or serves the release build runs.
pub(crate) fn release_build(tc: &Toolchain) -> Res<()> {
    tc.wasm_tool("trunk")?.args(["build", "--release"]).run()?;
    render_into(tc, &tc.root.join("dist"))
}

/// Renders the first screen into `dist/index.html`.
pub(crate) fn render_into(tc: &Toolchain, dist: &Path) -> Res<()> {
    let index = dist.join("index.html");
    let page = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    if page.matches(EMPTY_ROOT).count() != 1 {
        return Err(format!(
            "{} should hold `{EMPTY_ROOT}` once, where the first screen goes",
            index.display()
        ));
    }
    let (Some(chromium), Some(chromedriver)) = (&tc.chromium, &tc.chromedriver) else {
        return Err("internal: the first screen is rendered without a browser".to_owned());
    };
    println!("\n==> the first screen, drawn by the app in headless Chromium, into dist/index.html");
    let browser = Browser::open(tc, dist, chromium, chromedriver, "eos-first-screen-profile")?;
    let url = browser.server.url();
    let first = snapshot(&browser, &url)?;
    let second = snapshot(&browser, &url)?;
    if first != second {
        return Err(format!(
            "the app drew two different first screens on two first visits ({} and {} bytes): \
             the first screen must not depend on time or chance",
            first.len(),
            second.len()
        ));
    }
    let first = with_tall_stage(&first, &tall_stage(&browser, &url)?)?;
    let rendered = format!("<div id=\"app\" data-first-screen>{first}</div>");
    write_atomic(&index, page.replacen(EMPTY_ROOT, &rendered, 1).as_bytes())?;
    println!(
        "  first screen: {} bytes of markup, the same on two visits, written into {}",
        first.len(),
        index.display()
    );
    Ok(())
}

/// The tall stage of a first visit at a phone's width.
fn tall_stage(browser: &Browser, url: &str) -> Res<String> {
    let s = &browser.session;
    s.emulate_screen(375, 812)?;
    let drawn =
        snapshot(browser, url).and_then(|_| s.execute(TALL_STAGE_SCRIPT, Value::Null, false));
    s.clear_screen_emulation()?;
    drawn?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "at 375 px wide the first screen's stage is not drawn tall".to_owned())
}

/// The first screen with the tall stage placed right after the wide one.
fn with_tall_stage(first: &str, tall: &str) -> Res<String> {
    let start = first
        .find(WIDE_STAGE_START)
        .ok_or_else(|| format!("the first screen has no `{WIDE_STAGE_START}`"))?;
    let end = first[start..]
        .find("</svg>")
        .map(|at| start + at + "</svg>".len())
        .ok_or("the first screen's stage drawing is not closed")?;
    Ok(format!("{}{tall}{}", &first[..end], &first[end..]))
}

/// Opens `url` as a first visit would: nothing saved by an earlier one.
pub(crate) fn open_as_first_visit(s: &Session, url: &str) -> Res<()> {
    s.navigate(url)?;
    s.execute("localStorage.clear();", Value::Null, false)?;
    s.navigate(url)
}

/// A first visit's screen, once the app has drawn it whole.
fn snapshot(browser: &Browser, url: &str) -> Res<String> {
    let s = &browser.session;
    open_as_first_visit(s, url)?;
    s.wait_for(
        "the app to draw its whole first screen",
        Duration::from_secs(60),
        |s| Ok(s.find_all(DRAWN_WHOLE)?.into_iter().next()),
    )?;
    // Effects that run after the last render (focus, sizes) settle in the next turns.
    s.pause(300)?;
    let taken = s.execute(SNAPSHOT_SCRIPT, Value::Null, false)?;
    let html = taken["html"]
        .as_str()
        .ok_or_else(|| format!("the first screen's snapshot is not markup: {taken}"))?;
    let styled = taken["styled"].as_u64().unwrap_or(0);
    if styled > 0 {
        return Err(format!(
            "the first screen has {styled} element(s) with a style attribute, which the page's \
             Content-Security-Policy refuses in static HTML"
        ));
    }
    if !html.contains("id=\"welcome-start\"") {
        return Err("the first screen has no welcome (#welcome-start)".to_owned());
    }
    Ok(html.to_owned())
}
