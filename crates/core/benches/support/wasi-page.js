'use strict';
const params = new URLSearchParams(location.search);
const env = Object.fromEntries([...params].filter(([key]) => key !== 'wasm'));
const out = document.getElementById('out');
const worker = new Worker('wasi-worker.js');
worker.onmessage = ({ data }) => {
  if ('line' in data) {
    out.textContent += `${data.line}\n`;
  } else {
    out.dataset.exit = String(data.exit);
  }
};
worker.onerror = (event) => {
  out.textContent += `error: ${event.message}\n`;
  out.dataset.exit = '1';
};
worker.postMessage({ wasm: params.get('wasm'), env });
