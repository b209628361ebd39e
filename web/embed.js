// The script of web/embed.html (a file, not inline, for the page's Content-Security-Policy).
// Sizes each lab's iframe from the height it reports. Only messages from this page's
// origin are trusted; a host on another origin checks for the lab's origin instead.
window.addEventListener("message", (event) => {
  const data = event.data;
  if (event.origin !== window.location.origin) return;
  if (!data || data.type !== "eos-lab:height" || typeof data.height !== "number") return;
  for (const frame of document.querySelectorAll("iframe.eos-lab")) {
    if (frame.dataset.labId === String(data.id)) {
      frame.style.height = `${Math.min(Math.max(Math.ceil(data.height), 200), 20000)}px`;
    }
  }
});
