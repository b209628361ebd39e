// Starts the app once the page's plain-HTML header has been painted, so the page reads at once
// on a slow connection instead of waiting for the whole WebAssembly bundle. It is a file of its
// own, not an inline script, because the page's Content-Security-Policy allows scripts from this
// site only (ARCHITECTURE.md, "Content-Security-Policy").

// Every violation of the policy is kept in `window.eosCspViolations` (the smoke test reads it:
// none may be reported) and stays in the console, where the browser reports it anyway.
window.eosCspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.eosCspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile || event.documentURI}:${event.lineNumber}`,
  );
});

// Trunk writes the hashed file names of the bundle into this element (`pattern_script` in
// Trunk.toml).
const bundle = document.getElementById("eos-bundle");
const { default: init } = await import(bundle.dataset.js);
await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
await init({ module_or_path: bundle.dataset.wasm });
