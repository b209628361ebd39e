//! The smoke test: what a person would do first. Serve the release build in `dist/`, open it in
//! headless Chromium: a first visit shows the first screen rendered at build time, fetches no
//! WebAssembly and stays within the first load's budget, and a first act starts the app on the
//! same screen (`first_load_check.rs`). Open a first visit again (the welcome, static), keep a
//! screenshot of it, choose "Or play freely" on the static screen (the click is held until the
//! app has started, then done on it), check the app rendered an empty partition log, twice send a record and
//! deliver every message in flight, check the log shows offsets 0 and 1 and the high watermark
//! moved to 2, and keep a screenshot of the result. Then open each named view of the lab
//! (`named_views.rs`), check it shows what it is named for, and keep its screenshot. Last, open a
//! chapter of the book and check its embedded lab (`book_page.rs`), and open the embedding page
//! (`web/embed.html`) and check its first lab started. Throughout, no Content-Security-Policy
//! may be violated, on any page or in any frame (`csp.rs`).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::Res;
use crate::book_page;
use crate::csp;
use crate::explorer_check;
use crate::first_load_check;
use crate::named_views;
use crate::serve_static::StaticServer;
use crate::toolchain::Toolchain;
use crate::webdriver::{CHROMIUM_ARGS, ChromeDriver, Session};

/// The DOM contract with crates/web (ids and classes the app promises to keep).
const SEND_BUTTON: &str = "#send-p1";
const DELIVER_ALL: &str = "#deliver-all";
const LOG: &str = "ol#partition-log-payments-0";
const RECORDS: &str = "ol#partition-log-payments-0 > li.record";
const HIGH_WATERMARK: &str = "#high-watermark-payments-0";
const WELCOME_START: &str = "#welcome-start";
const PLAY_FREELY: &str = "#welcome-free-play";
/// The first screen rendered at build time, before the app has started (web/boot.js).
const STATIC_SCREEN: &str = "html[data-lab='static'] #app[data-first-screen]";

/// The first visit, as a newcomer sees it.
pub(crate) const FIRST_VISIT_SCREENSHOT: &str = "first-visit.png";

pub(crate) const SCREENSHOT: &str = "skeleton-after-send.png";
const FAILURE_SCREENSHOT: &str = "smoke-failure.png";

pub(crate) fn run(tc: &Toolchain) -> Res<()> {
    let dist = tc.root.join("dist");
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html: build first (`cargo xtask test --only build,smoke`)",
            dist.display()
        ));
    }
    let (Some(chromium), Some(chromedriver)) = (&tc.chromium, &tc.chromedriver) else {
        return Err("internal: the smoke test ran without a browser".to_owned());
    };
    let shots = tc.target_dir.join("screenshots");
    let logs = tc.xtask_dir();
    for dir in [&shots, &logs] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }

    let browser = Browser::open(tc, &dist, chromium, chromedriver, "eos-smoke-profile")?;
    let (session, driver_log) = (&browser.session, &browser.driver_log);
    let url = browser.server.url();
    let result = first_load_check::check(session, &url, &dist)
        .and_then(|()| drive(session, &url, &shots.join(SCREENSHOT)))
        .and_then(|()| csp::recorded_in_app(session, "the app, after sending and delivering"))
        .and_then(|()| explorer_check::check(session, &url, &shots.join("explorer.png")))
        .and_then(|()| named_views::capture(session, &url, &shots))
        .and_then(|()| named_views::capture_first_screens(session, &url, &shots))
        .and_then(|()| named_views::capture_exercise(session, &url, &shots))
        .and_then(|()| named_views::capture_hand_made_exchanges(session, &url, &shots))
        .and_then(|()| named_views::capture_lesson(session, &url, &shots))
        .and_then(|()| book_page::check(session, &url, &shots))
        .and_then(|()| csp::check_embed_page(session, &url));
    let console = session.console_log();
    // Read once, at the end: the console keeps what every page and frame reported.
    let result = result.and_then(|()| {
        let refused = csp::console_violations(&console);
        if refused.is_empty() {
            println!("  Content-Security-Policy: no violation reported on any page");
            Ok(())
        } else {
            let lines: Vec<&str> = refused.iter().map(|l| l.as_str()).collect();
            Err(format!(
                "the browser reported Content-Security-Policy violations:\n  {}",
                lines.join("\n  ")
            ))
        }
    });
    if let Err(e) = &result {
        if let Ok(png) = session.screenshot_png() {
            let path = shots.join(FAILURE_SCREENSHOT);
            if std::fs::write(&path, png).is_ok() {
                println!("screenshot of the failure: {}", path.display());
            }
        }
        println!("browser console:\n  {}", console.join("\n  "));
        println!("chromedriver log: {}", driver_log.display());
        return Err(e.clone());
    }
    let noteworthy: Vec<&String> = console.iter().filter(|l| !l.starts_with("INFO")).collect();
    if !noteworthy.is_empty() {
        println!("browser console warnings/errors (not failing the test):");
        for line in noteworthy {
            println!("  {line}");
        }
    }
    result
}

fn drive(s: &Session, url: &str, screenshot: &Path) -> Res<()> {
    s.navigate(url)?;
    let play_freely = s.wait_for(
        "the first visit's welcome (#welcome-free-play)",
        Duration::from_secs(30),
        |s| Ok(s.find_all(PLAY_FREELY)?.into_iter().next()),
    )?;
    if s.find_all(WELCOME_START)?.is_empty() {
        return Err(format!("the welcome has no `{WELCOME_START}`"));
    }
    if s.find_all(STATIC_SCREEN)?.is_empty() {
        return Err("a first visit did not show the static first screen".to_owned());
    }
    let first_visit = screenshot.with_file_name(FIRST_VISIT_SCREENSHOT);
    std::fs::write(&first_visit, s.screenshot_png()?)
        .map_err(|e| format!("cannot write {}: {e}", first_visit.display()))?;
    println!(
        "  first visit: the welcome, screenshot {}",
        first_visit.display()
    );
    s.click(&play_freely)?;
    // The producer controls sit in a folded detail group, built once it is opened.
    s.wait_for("the app to render #send-p1", Duration::from_secs(30), |s| {
        s.unfold_details()?;
        Ok(s.find_all(SEND_BUTTON)?.into_iter().next())
    })?;
    println!("  app rendered ({SEND_BUTTON} present)");
    if s.find_all(LOG)?.is_empty() {
        return Err(format!("the app rendered, but there is no `{LOG}`"));
    }
    let initial = s.find_all(RECORDS)?.len();
    if initial != 0 {
        return Err(format!(
            "a fresh app should show an empty log, but it shows {initial} record(s)"
        ));
    }
    println!("  log starts empty");

    for expected in 1..=2 {
        // Found again each time: a re-render may replace the button node.
        let send = s
            .find_all(SEND_BUTTON)?
            .into_iter()
            .next()
            .ok_or("the Send button disappeared")?;
        s.click(&send)?;
        let deliver = s
            .find_all(DELIVER_ALL)?
            .into_iter()
            .next()
            .ok_or("the Deliver all button is missing")?;
        s.click(&deliver)?;
        let shown = s.wait_for(
            &format!("{expected} record(s) after Send #{expected}"),
            Duration::from_secs(10),
            |s| {
                let n = s.find_all(RECORDS)?.len();
                Ok((n >= expected).then_some(n))
            },
        )?;
        if shown != expected {
            return Err(format!(
                "after Send #{expected} the log shows {shown} records, expected {expected}"
            ));
        }
        println!("  Send #{expected}: log shows {shown} record(s)");
    }

    let offsets = s
        .find_all(RECORDS)?
        .iter()
        .map(|r| s.attribute(r, "data-offset"))
        .collect::<Res<Vec<_>>>()?;
    if offsets != [Some("0".to_owned()), Some("1".to_owned())] {
        return Err(format!(
            "records should carry data-offset 0 and 1, found {offsets:?}"
        ));
    }
    let watermark = s
        .find_all(HIGH_WATERMARK)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no `{HIGH_WATERMARK}` element"))?;
    let watermark_text = s.text(&watermark)?;
    if !watermark_text.contains('2') {
        return Err(format!(
            "{HIGH_WATERMARK} should show 2 after two sends, shows {watermark_text:?}"
        ));
    }
    println!("  records at offsets 0 and 1, high watermark shows {watermark_text:?}");

    if let Some(last) = s.find_all(RECORDS)?.pop() {
        s.scroll_into_view(&last)?;
    }
    let png = s.screenshot_png()?;
    if !png.starts_with(b"\x89PNG") {
        return Err("the screenshot is not a PNG".to_owned());
    }
    std::fs::write(screenshot, &png)
        .map_err(|e| format!("cannot write {}: {e}", screenshot.display()))?;
    println!(
        "  screenshot: {} ({} bytes)",
        screenshot.display(),
        png.len()
    );
    Ok(())
}

/// The served `dist/` and a headless Chromium (fresh profile, 1280x900) driven over WebDriver.
pub(crate) struct Browser {
    // Field order is drop order: the session closes the browser before its driver stops.
    pub(crate) session: Session,
    pub(crate) server: StaticServer,
    pub(crate) driver_log: PathBuf,
    _driver: ChromeDriver,
    _profile: TempDir,
}

impl Browser {
    pub(crate) fn open(
        tc: &Toolchain,
        dist: &Path,
        chromium: &Path,
        chromedriver: &Path,
        profile_prefix: &str,
    ) -> Res<Self> {
        let server = StaticServer::start(dist)
            .map_err(|e| format!("cannot start the static server: {e}"))?;
        println!("serving {} at {}", dist.display(), server.url());
        let profile = TempDir::new(profile_prefix)?;
        let driver_log = tc.xtask_dir().join("chromedriver.log");
        let driver = ChromeDriver::start(chromedriver, &driver_log)?;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.0.display()));
        args.push("--window-size=1280,900".to_owned());
        let session = driver.session(json!({ "binary": chromium, "args": args }))?;
        Ok(Self {
            session,
            server,
            driver_log,
            _driver: driver,
            _profile: profile,
        })
    }
}

/// A fresh directory (Chromium's profile), removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Res<Self> {
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nonce}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
