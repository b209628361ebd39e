// Starts the explorer's Web Worker (crates/explore-worker): loads the wasm-bindgen glue Trunk
// writes for it, then its WebAssembly. The worker says "ready" once it listens; the page sends
// its search only then, so no message arrives before anyone hears it.
importScripts("./eos-explore-worker.js");
wasm_bindgen({ module_or_path: "./eos-explore-worker_bg.wasm" });
