//! The views the lab is explained with, opened the way a docs page links to them (a shipped
//! scenario and a step count in the address), each checked for what it is meant to show and
//! kept as a screenshot under `target/screenshots/`.

use std::path::Path;
use std::time::Duration;

use crate::Res;
use crate::webdriver::Session;

/// One named view: where it opens, what must be true there, and what the screenshot frames.
struct NamedView {
    /// The screenshot's file stem.
    name: &'static str,
    /// The page address's query, after `?`.
    query: &'static str,
    /// What the view shows, for the progress line and errors.
    shows: &'static str,
    /// Returns why the view is wrong, if it is.
    check: fn(&Session) -> Res<Option<String>>,
    /// The element the screenshot centres.
    frame: &'static str,
}

const LOG: &str = "ol#partition-log-payments-0 > li.record";

const VIEWS: [NamedView; 4] = [
    NamedView {
        name: "idle",
        // Named, so the lab starts afresh rather than restoring what an earlier visit saved.
        query: "scenario=free-play",
        shows: "the lab as it starts: an empty log, nothing in flight",
        check: |s| {
            let records = s.find_all(LOG)?.len();
            Ok((records != 0).then(|| format!("the log shows {records} record(s)")))
        },
        frame: "#send-p1",
    },
    NamedView {
        name: "lost-ack-duplicate",
        query: "scenario=02-at-least-once&step=5",
        shows: "the retry after a lost acknowledgement wrote pay-1 a second time",
        check: |s| {
            let texts = texts(s, LOG)?;
            let copies = texts.iter().filter(|t| t.contains("pay-1")).count();
            Ok((copies != 2).then(|| format!("expected pay-1 twice in the log, found {texts:?}")))
        },
        frame: "ol#partition-log-payments-0",
    },
    NamedView {
        name: "open-transaction-holds-lso",
        query: "scenario=13-19-20-open-transaction-holds-the-lso&step=6",
        shows: "an open transaction keeps the LSO at 0 while the high watermark is 2",
        check: |s| {
            let lso = texts(s, "#last-stable-offset-payments-0 .stat-value")?;
            let hw = texts(s, "#high-watermark-payments-0 .stat-value")?;
            Ok((lso != ["0"] || hw != ["2"])
                .then(|| format!("expected LSO 0 and high watermark 2, found {lso:?} and {hw:?}")))
        },
        frame: "ol#partition-log-payments-0",
    },
    NamedView {
        name: "fenced-zombie",
        query: "scenario=14-zombie-fencing&step=13",
        shows: "the old instance's EndTxn answered PRODUCER_FENCED; it is in FATAL_ERROR",
        check: |s| {
            let card = texts(s, "#producer-p1")?.concat();
            Ok((!card.contains("FATAL_ERROR"))
                .then(|| format!("the zombie's card should say FATAL_ERROR: {card:?}")))
        },
        frame: "#producer-p1",
    },
];

/// Opens each named view from `base` (the served app), checks it and saves its screenshot in
/// `shots`.
pub(crate) fn capture(s: &Session, base: &str, shots: &Path) -> Res<()> {
    for view in &VIEWS {
        let url = format!("{base}?{}", view.query);
        s.navigate(&url)?;
        // Wait for the app and for the view's own condition: the scenario replays after mount.
        let shown = s.wait_for(
            &format!("the `{}` view ({})", view.name, view.shows),
            Duration::from_secs(30),
            |s| {
                // Folded detail groups are built once opened, so open them before looking.
                s.unfold_details()?;
                if s.find_all(view.frame)?.is_empty() {
                    return Ok(None);
                }
                Ok((view.check)(s)?.is_none().then_some(()))
            },
        );
        if let Err(timeout) = shown {
            let why = (view.check)(s)?.unwrap_or_default();
            return Err(format!("{timeout}: {why}"));
        }
        // Found again: the app may have rendered once more since (an element found before a
        // render can be gone after it).
        s.wait_for(
            &format!("`{}` to stay on the page", view.frame),
            Duration::from_secs(10),
            |s| {
                let Some(frame) = s.find_all(view.frame)?.into_iter().next() else {
                    return Ok(None);
                };
                Ok(s.scroll_into_view(&frame).ok())
            },
        )?;
        let png = s.screenshot_png()?;
        if !png.starts_with(b"\x89PNG") {
            return Err(format!("the `{}` screenshot is not a PNG", view.name));
        }
        let path = shots.join(format!("{}.png", view.name));
        std::fs::write(&path, &png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("  {}: {} ({})", view.name, view.shows, path.display());
    }
    Ok(())
}

/// What the first screen must hold without scrolling: the drawing, what the step did, and the
/// control that takes the next step.
const FIRST_SCREEN: [&str; 3] = [".stage", "#step-sentence", "nav.time-controls"];

/// How many concepts `shared/concepts.md` lists; `?concept=N` opens each at its moment.
const CONCEPTS: u32 = 28;

/// Opens the first visit (storage cleared, a bare address) and each concept's moment
/// (`?concept=N`), checks that the stage, the narration and the step controls are on the first
/// 1280 x 900 screen, and saves each screenshot (`first-visit.png`, `concept-01.png`, …).
pub(crate) fn capture_first_screens(s: &Session, base: &str, shots: &Path) -> Res<()> {
    // The window's frame takes part of its 900 px; lay the page out on a 1280 x 900 viewport.
    s.emulate_screen(1280, 900)?;
    s.navigate(base)?;
    s.execute("localStorage.clear();", serde_json::Value::Null, false)?;
    let mut screens = vec![("first-visit".to_owned(), base.to_owned())];
    screens
        .extend((1..=CONCEPTS).map(|n| (format!("concept-{n:02}"), format!("{base}?concept={n}"))));
    for (name, url) in &screens {
        s.navigate(url)?;
        let missing = s.wait_for(
            &format!("`{name}` to draw its first screen"),
            Duration::from_secs(30),
            |s| {
                let outside = outside_first_screen(s)?;
                Ok(outside.is_empty().then_some(()))
            },
        );
        if let Err(timeout) = missing {
            let outside = outside_first_screen(s)?;
            return Err(format!("{timeout}: {}", outside.join("; ")));
        }
        let folded = folded_page_height(s)?;
        if folded > 2.0 * SCREEN_HEIGHT {
            return Err(format!(
                "`{name}` is {folded} px tall with every detail folded, more than two \
                 {SCREEN_HEIGHT} px screens"
            ));
        }
        s.save_screenshot(shots, name)?;
    }
    s.clear_screen_emulation()?;
    println!(
        "  first visit and {CONCEPTS} concepts' moments: stage, narration and step controls on the \
         first screen ({}/first-visit.png, concept-NN.png)",
        shots.display()
    );
    Ok(())
}

/// Opens `?lesson=two-generals` (fetched from the served `assets/`), checks that the player
/// shows its first beat with the stage element it points at outlined, and saves
/// `lesson.png` at 1280 x 900 and `lesson-375.png` at 375 px wide, where the page must not
/// scroll sideways.
pub(crate) fn capture_lesson(s: &Session, base: &str, shots: &Path) -> Res<()> {
    let url = format!("{base}?lesson=two-generals");
    for (name, width, height) in [("lesson", 1280, 900), ("lesson-375", 375, 812)] {
        s.emulate_screen(width, height)?;
        s.navigate(&url)?;
        s.wait_for(
            "the lesson player's first beat with p1 outlined on the stage",
            Duration::from_secs(30),
            |s| {
                let beat = s.find_all("#lesson-beat")?;
                let pointed = s.find_all("#stage-producer-p1.is-pointed")?;
                Ok((!beat.is_empty() && !pointed.is_empty()).then_some(()))
            },
        )?;
        let overflow = s.execute(
            "window.scrollTo(0, 0); return document.documentElement.scrollWidth - innerWidth;",
            serde_json::Value::Null,
            false,
        )?;
        if overflow.as_f64().is_some_and(|o| o > 0.5) {
            return Err(format!(
                "the lesson page scrolls sideways by {overflow} px at {width} px wide"
            ));
        }
        s.save_screenshot(shots, name)?;
    }
    s.clear_screen_emulation()?;
    println!(
        "  lesson two-generals: first beat, p1 outlined, no sideways scroll at 375 px ({}/lesson.png, lesson-375.png)",
        shots.display()
    );
    Ok(())
}

/// The screen the page is laid out for: 1280 x 900.
const SCREEN_HEIGHT: f64 = 900.0;

/// The page's height with every detail group folded: the stage, its story and the folded
/// details must fit in two screens. The groups open before are opened again.
fn folded_page_height(s: &Session) -> Res<f64> {
    let script = r#"
        const open = [...document.querySelectorAll('details.detail[open]')];
        open.forEach((d) => { d.open = false; });
        const height = document.documentElement.scrollHeight;
        open.forEach((d) => { d.open = true; });
        window.scrollTo(0, 0);
        return height;"#;
    let value = s.execute(script, serde_json::Value::Null, false)?;
    value
        .as_f64()
        .ok_or_else(|| format!("the page's height could not be read: {value}"))
}

/// The parts of [`FIRST_SCREEN`] missing or not wholly inside the window, each in words.
fn outside_first_screen(s: &Session) -> Res<Vec<String>> {
    let script = r#"
        window.scrollTo(0, 0);
        const out = [];
        for (const css of arguments[0]) {
            const e = document.querySelector(css);
            if (!e) { out.push(`${css} is missing`); continue; }
            const r = e.getBoundingClientRect();
            if (r.height === 0 || r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth) {
                out.push(`${css} spans ${Math.round(r.top)}..${Math.round(r.bottom)} px of a ${innerHeight} px window`);
            }
        }
        return out;"#;
    let value = s.execute(script, serde_json::json!(FIRST_SCREEN), false)?;
    Ok(value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

fn texts(s: &Session, css: &str) -> Res<Vec<String>> {
    s.find_all(css)?.iter().map(|e| s.text(e)).collect()
}

/// Opens scenario 22's hand-made OffsetFetch (`?scenario=22-offset-commit-and-fetch-by-hand&step=7`)
/// at 1280 x 900 and at 375 px wide, checks that the network panel lists it with its
/// UNSTABLE_OFFSET_COMMIT answer although no message carried it, and saves
/// `hand-made-exchanges.png` and `hand-made-exchanges-375.png`, framed on the list.
pub(crate) fn capture_hand_made_exchanges(s: &Session, base: &str, shots: &Path) -> Res<()> {
    const LIST: &str = "#exchanges";
    for (name, width, height) in [
        ("hand-made-exchanges", 1280, 900),
        ("hand-made-exchanges-375", 375, 812),
    ] {
        s.emulate_screen(width, height)?;
        s.navigate(&format!(
            "{base}?scenario=22-offset-commit-and-fetch-by-hand&step=7"
        ))?;
        s.wait_for(
            "the network panel to list the hand-made OffsetFetch and its answer",
            Duration::from_secs(30),
            |s| {
                s.unfold_details()?;
                let rows = texts(s, &format!("{LIST} > li"))?;
                Ok(rows
                    .first()
                    .is_some_and(|t| t.contains("UNSTABLE_OFFSET_COMMIT"))
                    .then_some(()))
            },
        )?;
        let list = s
            .find_all(LIST)?
            .into_iter()
            .next()
            .ok_or("the list of hand-made requests is gone")?;
        s.scroll_into_view(&list)?;
        s.save_screenshot(shots, name)?;
    }
    s.clear_screen_emulation()?;
    println!(
        "  hand-made requests: the OffsetFetch answered UNSTABLE_OFFSET_COMMIT in the network \
         panel ({}/hand-made-exchanges.png, hand-made-exchanges-375.png)",
        shots.display()
    );
    Ok(())
}

/// Opens `?exercise=charge-twice` (the exercise fetched from `dist/assets/exercises/`) at
/// 1280 x 900 and at 375 px wide, checks that its goal and live status show with the stage on
/// the first screen, and saves `exercise.png` and `exercise-375.png`.
pub(crate) fn capture_exercise(s: &Session, base: &str, shots: &Path) -> Res<()> {
    for (name, width, height) in [("exercise", 1280, 900), ("exercise-375", 375, 812)] {
        s.emulate_screen(width, height)?;
        s.navigate(&format!("{base}?exercise=charge-twice"))?;
        s.wait_for(
            "the exercise `charge-twice` to open with its status",
            Duration::from_secs(30),
            |s| {
                let status = texts(s, "#exercise-status")?.concat();
                Ok(status.starts_with("Not yet").then_some(()))
            },
        )?;
        if width >= 600 {
            let outside = outside_first_screen(s)?;
            let exercise = texts(s, "#exercise-status")?;
            if !outside.is_empty() || exercise.is_empty() {
                return Err(format!(
                    "the exercise's first screen misses: {}",
                    outside.join("; ")
                ));
            }
        }
        s.save_screenshot(shots, name)?;
    }
    s.clear_screen_emulation()?;
    println!(
        "  exercise mode: ?exercise=charge-twice fetched, its status shown ({}/exercise.png, \
         exercise-375.png)",
        shots.display()
    );
    Ok(())
}
