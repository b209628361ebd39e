// Sizes each embedded lab's iframe to the height the lab reports, so a lab never shows an inner
// scrollbar. The lab posts {type: "eos-lab:height", id, height} to its parent whenever its size
// changes (crates/web/src/embed.rs); the message is matched to its iframe by the window that sent
// it. Only the book's own origin is trusted: the labs are served beside it.
"use strict";
(() => {
  const MIN_HEIGHT_PX = 200;
  const MAX_HEIGHT_PX = 20000;
  // Focus inside a lab's page does not make its iframe match :focus in the host page, so the
  // iframe that holds the focus is marked with a class the stylesheet outlines. While focus is
  // inside some iframe the host page hears no focus events, hence the polling until it returns.
  let polling = null;
  const markFocused = () => {
    for (const frame of document.querySelectorAll("iframe.eos-lab")) {
      frame.classList.toggle("eos-lab-focused", frame === document.activeElement);
    }
  };
  window.addEventListener("blur", () => {
    markFocused();
    polling ??= window.setInterval(markFocused, 200);
  });
  window.addEventListener("focus", () => {
    window.clearInterval(polling);
    polling = null;
    markFocused();
  });

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.origin !== window.location.origin) return;
    if (!data || data.type !== "eos-lab:height") return;
    if (typeof data.height !== "number" || !Number.isFinite(data.height)) return;
    const height = Math.min(Math.max(Math.ceil(data.height), MIN_HEIGHT_PX), MAX_HEIGHT_PX);
    for (const frame of document.querySelectorAll("iframe.eos-lab")) {
      if (frame.contentWindow === event.source) {
        frame.style.height = `${height}px`;
      }
    }
  });
})();
