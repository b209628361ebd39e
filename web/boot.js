// Starts the app. It is a file of its own, not an inline script, because the page's
// Content-Security-Policy allows scripts from this site only (ARCHITECTURE.md,
// "Content-Security-Policy"). A classic script in the page's head, so it decides how the lab
// starts before the first paint.
//
// Two ways to start (ARCHITECTURE.md, "First load"):
// - The built page holds the first screen, rendered by the app at build time (`cargo xtask
//   build`: `#app[data-first-screen]`). A first visit shows it and fetches nothing more until
//   the visitor first acts (a pointer down, a key, focus moving into the page). The first click
//   or shortcut key on the static screen is held, the lab is fetched (with its progress shown
//   if it takes a moment) and, once the app has replaced the screen with the same markup,
//   the held act is done again on the app, where focus was is focused again.
// - An address that names a start (`?concept=13`, `?embed…`, a `#v2.` share link), a saved
//   lab, or a page built without the first screen (`trunk serve`) needs the app at once: the
//   static screen, which would be the wrong one, is hidden, and the lab is fetched once the
//   page has been painted.
//
// `<html data-lab>` says where this is, for the page's style and for tests: `static` (the
// first screen, nothing fetched), `starting` (fetching and starting), `running`, `failed`.
(() => {
  // Every violation of the policy is kept in `window.eosCspViolations` (the smoke test reads
  // it: none may be reported) and stays in the console, where the browser reports it anyway.
  window.eosCspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.eosCspViolations.push(
      `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile || event.documentURI}:${event.lineNumber}`,
    );
  });

  // Trunk writes the hashed file names of the bundle into this element (`pattern_script` in
  // Trunk.toml).
  const bundle = document.currentScript;
  const page = document.documentElement;

  // What makes the app start somewhere other than the first screen (crates/web/src/app.rs,
  // `StartRead::new`): an address that names a start, or a lab saved in this browser
  // (crates/web/src/autosave.rs, its two keys).
  const savedLab = () => {
    try {
      const keys = ["eos-lab.autosave.v1", "eos-lab.autosave.v1.unreadable"];
      return keys.some((key) => window.localStorage.getItem(key) !== null);
    } catch {
      return false;
    }
  };
  const needsAppAtOnce = location.search !== "" || location.hash !== "" || savedLab();

  // The app's keyboard shortcuts (crates/web/src/app.rs, `shortcut`): held, like a click, and
  // their default (scrolling) prevented as the app does.
  const SHORTCUTS = ["ArrowLeft", "ArrowRight", "Home", "End", "n", "r", "p", "?"];

  let app = null;
  let loading = null;
  let heldAct = null;
  let focusPath = null;
  const fieldValues = [];

  // Where an element sits in the first screen: the child indices from `#app` down. The app's
  // first render has the same markup (the smoke test holds them equal), so the same path finds
  // the same control in it.
  // The static page's tall stage (shown on a narrow screen) sits right after the wide one and
  // draws the same things in the same order: an act on it is the same act on the wide one.
  const pathOf = (element) => {
    const path = [];
    for (let node = element; node !== app; node = node.parentElement) {
      if (node === null || node.parentElement === null) {
        return null;
      }
      const index = Array.prototype.indexOf.call(node.parentElement.children, node);
      path.unshift(node.classList.contains("first-screen-tall") ? index - 1 : index);
    }
    return path;
  };
  const elementAt = (path) =>
    path.reduce((element, index) => (element ? element.children[index] : null), app);

  const status = () => document.getElementById("lab-status");
  const say = (text) => {
    const line = status();
    if (line) {
      line.textContent = text;
    }
  };

  const kib = (bytes) => Math.round(bytes / 1024);
  // The wasm, counted as it arrives so a slow network shows progress. The size is known only
  // when the server sent it uncompressed.
  const fetchWasm = async (url, showProgress) => {
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error(`${url} answered ${response.status}`);
    }
    const encoded = response.headers.get("Content-Encoding");
    const total = encoded ? 0 : Number(response.headers.get("Content-Length")) || 0;
    let received = 0;
    const counted = response.body.pipeThrough(
      new TransformStream({
        transform(chunk, next) {
          received += chunk.byteLength;
          if (showProgress()) {
            say(
              total > 0
                ? `Starting the lab: ${kib(received)} of ${kib(total)} KiB loaded…`
                : `Starting the lab: ${kib(received)} KiB loaded…`,
            );
          }
          next.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { headers: { "Content-Type": "application/wasm" } });
  };

  // Started from the static screen, the wasm is counted as it arrives, for the status line;
  // started at once, it is handed to wasm-bindgen by its address, as before the split.
  const start = ({ counted } = { counted: true }) => {
    if (loading === null) {
      page.dataset.lab = "starting";
      const wasm = bundle.dataset.wasm;
      loading = (async () => {
        const { default: init } = await import(bundle.dataset.js);
        const source = counted ? fetchWasm(wasm, () => heldAct !== null) : wasm;
        await init({ module_or_path: source });
      })().catch((error) => {
        loading = null;
        page.dataset.lab = "failed";
        app?.removeAttribute("aria-busy");
        say(
          `The lab could not start (${error.message || error}). ` +
            "Check the connection, then click the lab again to retry (your click is kept), or reload the page.",
        );
      });
    }
    return loading;
  };

  const hold = (act) => {
    if (heldAct === null) {
      heldAct = act;
    }
    app.setAttribute("aria-busy", "true");
    if (page.dataset.lab !== "failed") {
      say("Starting the lab…");
    }
    start();
  };

  const insideFirstScreen = (target) =>
    page.dataset.lab !== "running" && target instanceof Element && app.contains(target);

  const typingIn = (target) =>
    target instanceof Element &&
    (["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName) || target.isContentEditable);

  const onPointerDown = () => start();
  const onFocusIn = (event) => {
    if (insideFirstScreen(event.target)) {
      focusPath = pathOf(event.target);
    }
    start();
  };
  const onClick = (event) => {
    if (!insideFirstScreen(event.target) || event.target.closest("a[href]")) {
      return;
    }
    const control = event.target.closest("button, summary, label, [role=button]") ?? event.target;
    event.preventDefault();
    event.stopPropagation();
    hold({ kind: "click", path: pathOf(control) });
  };
  const onKeyDown = (event) => {
    start();
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    if (modified || typingIn(event.target) || !SHORTCUTS.includes(event.key)) {
      return;
    }
    event.preventDefault();
    hold({ kind: "key", key: event.key });
  };
  const onChange = (event) => {
    const field = event.target;
    if (insideFirstScreen(field) && typingIn(field)) {
      fieldValues.push({ path: pathOf(field), value: field.value, checked: field.checked });
    }
  };

  const listeners = [
    ["pointerdown", onPointerDown],
    ["focusin", onFocusIn],
    ["click", onClick],
    ["keydown", onKeyDown],
    ["change", onChange],
  ];

  const nextTurn = () => new Promise((done) => setTimeout(done, 0));

  // The app says it has replaced the first screen (crates/web/src/main.rs): the page is
  // live; what the visitor did on the static screen is done again on it, each in its own turn
  // so the app has rendered the one before.
  const onAppReady = async () => {
    page.dataset.lab = "running";
    for (const [type, listener] of listeners) {
      document.removeEventListener(type, listener, true);
    }
    app = document.getElementById("app");
    app?.removeAttribute("aria-busy");
    say("");
    if (app === null) {
      return;
    }
    for (const field of fieldValues) {
      const live = elementAt(field.path);
      if (live instanceof HTMLInputElement || live instanceof HTMLSelectElement) {
        live.value = field.value;
        live.checked = field.checked;
        live.dispatchEvent(new Event("input", { bubbles: true }));
        live.dispatchEvent(new Event("change", { bubbles: true }));
        await nextTurn();
      }
    }
    // The stage's controls are SVG elements: focusable, but without HTMLElement's click().
    const focused = focusPath && elementAt(focusPath);
    if (focused instanceof HTMLElement || focused instanceof SVGElement) {
      focused.focus();
    }
    if (heldAct?.kind === "click") {
      const clicked = elementAt(heldAct.path);
      if (clicked instanceof HTMLElement) {
        clicked.click();
      } else {
        clicked?.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
      }
    } else if (heldAct?.kind === "key") {
      const target = document.activeElement ?? document.body;
      const init = { key: heldAct.key, bubbles: true, cancelable: true };
      target.dispatchEvent(new KeyboardEvent("keydown", init));
    }
    heldAct = null;
  };

  const startAtOnce = async () => {
    // Hidden at once by the page's style (`data-lab="starting"` with a first screen): the
    // address names another start.
    page.dataset.lab = "starting";
    await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
    start({ counted: false });
  };

  document.addEventListener("eos-lab-ready", onAppReady, { once: true });
  if (needsAppAtOnce) {
    page.dataset.lab = "starting";
    page.dataset.firstScreen = "skipped";
  }
  document.addEventListener("DOMContentLoaded", () => {
    app = document.getElementById("app");
    if (needsAppAtOnce || app === null || !app.hasAttribute("data-first-screen")) {
      startAtOnce();
      return;
    }
    page.dataset.lab = "static";
    for (const [type, listener] of listeners) {
      document.addEventListener(type, listener, true);
    }
  });
})();
