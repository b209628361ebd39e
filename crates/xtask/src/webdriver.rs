//! A small W3C WebDriver client for chromedriver: start the driver, open a session, find elements,
//! click, read text and attributes, enter an iframe's page, take a screenshot. Every wait is bounded.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::Res;
use crate::http;

/// Flags for headless Chromium on these machines (shared/toolchain.md): `--no-sandbox` because CI
/// runs as root; the background-networking flags because Chromium otherwise keeps calling hosts that
/// are unreachable here.
pub(crate) const CHROMIUM_ARGS: [&str; 8] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// The key under which W3C WebDriver returns element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A running chromedriver, killed when dropped.
#[derive(Debug)]
pub(crate) struct ChromeDriver {
    child: Child,
    addr: SocketAddr,
}

impl ChromeDriver {
    /// Starts `chromedriver` on a free port, logging to `log`, and waits until it is ready.
    pub(crate) fn start(binary: &Path, log: &Path) -> Res<Self> {
        let port = free_port().map_err(|e| format!("no free local port for chromedriver: {e}"))?;
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut driver = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!(
                    "chromedriver exited at start ({status}); see {}",
                    log.display()
                ));
            }
            let ready = http::request(driver.addr, "GET", "/status", None, Duration::from_secs(2))
                .ok()
                .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
                .is_some_and(|v| v["value"]["ready"] == json!(true));
            if ready {
                return Ok(driver);
            }
            if Instant::now() >= deadline {
                // Returning drops `driver`, which kills the child.
                return Err(format!(
                    "chromedriver not ready within 30 s; see {}",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Opens a browser session with the given `goog:chromeOptions`.
    pub(crate) fn session(&self, chrome_options: Value) -> Res<Session> {
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "goog:chromeOptions": chrome_options,
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "timeouts": { "pageLoad": 60_000, "script": 30_000, "implicit": 0 }
                }
            }
        });
        let value = command(self.addr, "POST", "/session", Some(&capabilities))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("chromedriver gave no session id: {value}"))?
            .to_owned();
        Ok(Session {
            addr: self.addr,
            id,
        })
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    // Bound then released: the small race with another process is acceptable for a test driver.
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Sends one WebDriver command and returns its `value`, or the driver's error message.
fn command(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Res<Value> {
    let body = body.map(Value::to_string);
    let response = http::request(
        addr,
        method,
        path,
        body.as_deref().map(str::as_bytes),
        COMMAND_TIMEOUT,
    )
    .map_err(|e| format!("WebDriver {method} {path}: {e}"))?;
    let json: Value = serde_json::from_slice(&response.body).map_err(|e| {
        format!(
            "WebDriver {method} {path}: HTTP {} with non-JSON body ({e})",
            response.status
        )
    })?;
    if response.status == 200 {
        Ok(json["value"].clone())
    } else {
        Err(format!(
            "WebDriver {method} {path}: {} ({})",
            json["value"]["error"].as_str().unwrap_or("error"),
            json["value"]["message"]
                .as_str()
                .and_then(|m| m.lines().next())
                .unwrap_or("no message"),
        ))
    }
}

/// A browser session; deleting it (on drop) closes the browser.
#[derive(Debug)]
pub(crate) struct Session {
    addr: SocketAddr,
    id: String,
}

/// A reference to an element of the current page.
#[derive(Debug, Clone)]
pub(crate) struct Element(String);

impl Session {
    fn call(&self, method: &str, suffix: &str, body: Option<&Value>) -> Res<Value> {
        command(
            self.addr,
            method,
            &format!("/session/{}{suffix}", self.id),
            body,
        )
    }

    pub(crate) fn navigate(&self, url: &str) -> Res<()> {
        self.call("POST", "/url", Some(&json!({ "url": url })))
            .map(drop)
    }

    pub(crate) fn find_all(&self, css: &str) -> Res<Vec<Element>> {
        let found = self.call(
            "POST",
            "/elements",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        let list = found
            .as_array()
            .ok_or_else(|| format!("find `{css}`: not a list: {found}"))?;
        list.iter()
            .map(|e| {
                e[ELEMENT_KEY]
                    .as_str()
                    .map(|id| Element(id.to_owned()))
                    .ok_or_else(|| format!("find `{css}`: bad element reference {e}"))
            })
            .collect()
    }

    pub(crate) fn click(&self, element: &Element) -> Res<()> {
        self.call(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(&json!({})),
        )
        .map(drop)
    }

    pub(crate) fn text(&self, element: &Element) -> Res<String> {
        let text = self.call("GET", &format!("/element/{}/text", element.0), None)?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    pub(crate) fn attribute(&self, element: &Element, name: &str) -> Res<Option<String>> {
        let value = self.call(
            "GET",
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Runs `script` in the page (a function body; `arguments[0]` is `arg`) and returns what it
    /// returns. An async script ends by calling `arguments[arguments.length - 1](result)`.
    /// Lets the page run for `ms` milliseconds (its timers and effects) before going on.
    pub(crate) fn pause(&self, ms: u32) -> Res<()> {
        let script =
            format!("const done = arguments[arguments.length - 1]; setTimeout(done, {ms});");
        self.execute(&script, Value::Null, true).map(drop)
    }

    pub(crate) fn execute(&self, script: &str, arg: Value, asynchronous: bool) -> Res<Value> {
        let path = if asynchronous {
            "/execute/async"
        } else {
            "/execute/sync"
        };
        self.call(
            "POST",
            path,
            Some(&json!({ "script": script, "args": [arg] })),
        )
    }

    /// Opens every folded detail group (`<details>`), as a reader who wants the panels would:
    /// their controls and text are then rendered, so they can be clicked and read.
    pub(crate) fn unfold_details(&self) -> Res<()> {
        self.execute(
            "document.querySelectorAll('details.detail').forEach((d) => { d.open = true; });",
            Value::Null,
            false,
        )
        .map(drop)
    }

    /// Sends a Chrome DevTools Protocol command (a chromedriver extension) and returns its result.
    pub(crate) fn cdp(&self, command: &str, params: Value) -> Res<Value> {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": command, "params": params })),
        )
    }

    /// Lays the page out on a `width` x `height` viewport (a phone's, with its touch and
    /// mobile viewport rules, below 600 px), whatever the window's size.
    pub(crate) fn emulate_screen(&self, width: u32, height: u32) -> Res<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        )
        .map(drop)
    }

    /// Back to the window's own viewport.
    pub(crate) fn clear_screen_emulation(&self) -> Res<()> {
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .map(drop)
    }

    /// Saves a screenshot of the viewport as `shots/name.png`.
    pub(crate) fn save_screenshot(&self, shots: &std::path::Path, name: &str) -> Res<()> {
        let png = self.screenshot_png()?;
        let path = shots.join(format!("{name}.png"));
        std::fs::write(&path, &png).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Sends the commands that follow into the page of `frame` (an `iframe` element of the
    /// current page), or with `None` back to the top-level page.
    pub(crate) fn switch_to_frame(&self, frame: Option<&Element>) -> Res<()> {
        let id = frame.map_or(Value::Null, |f| json!({ ELEMENT_KEY: f.0 }));
        self.call("POST", "/frame", Some(&json!({ "id": id })))
            .map(drop)
    }

    /// Runs `script` with `element` as `arguments[0]` and returns what it returns.
    pub(crate) fn execute_on(&self, script: &str, element: &Element) -> Res<Value> {
        self.execute(script, json!({ ELEMENT_KEY: element.0 }), false)
    }

    /// Scrolls `element` to the middle of the viewport, so a screenshot frames it.
    pub(crate) fn scroll_into_view(&self, element: &Element) -> Res<()> {
        self.execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            json!({ ELEMENT_KEY: element.0 }),
            false,
        )
        .map(drop)
    }

    pub(crate) fn screenshot_png(&self) -> Res<Vec<u8>> {
        let data = self.call("GET", "/screenshot", None)?;
        let text = data.as_str().ok_or("screenshot: no image data")?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("screenshot: bad base64: {e}"))
    }

    /// The browser console since the last call (a chromedriver extension; empty if unsupported).
    pub(crate) fn console_log(&self) -> Vec<String> {
        let Ok(entries) = self.call("POST", "/se/log", Some(&json!({ "type": "browser" }))) else {
            return Vec::new();
        };
        entries
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            e["level"].as_str().unwrap_or("?"),
                            e["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Polls `probe` until it returns `Some`, for at most `limit`. `what` names the condition
    /// in the timeout error, along with the last probe error if there was one.
    pub(crate) fn wait_for<T>(
        &self,
        what: &str,
        limit: Duration,
        mut probe: impl FnMut(&Self) -> Res<Option<T>>,
    ) -> Res<T> {
        let deadline = Instant::now() + limit;
        let mut last_error = None;
        loop {
            match probe(self) {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if Instant::now() >= deadline {
                let detail = last_error
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default();
                return Err(format!(
                    "timed out after {} s waiting for {what}{detail}",
                    limit.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = command(self.addr, "DELETE", &format!("/session/{}", self.id), None);
    }
}
