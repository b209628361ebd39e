// Runs a benchmark compiled for wasm32-wasip1 in a browser's Web Worker, so the core's step cost
// can be measured in the engine the lab runs in (`cargo xtask bench`). The benchmark needs only a
// few WASI calls: its arguments and environment, a clock, writes to stdout and stderr, and exit.
// Posts {line} for each line written, then {exit}.
'use strict';

class Exit {
  constructor(code) {
    this.code = code;
  }
}

onmessage = async ({ data: { wasm, env } }) => {
  const args = ['bench'];
  const vars = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let memory;
  let pending = '';
  const view = () => new DataView(memory.buffer);
  const sizes = (list, countAt, bytesAt) => {
    view().setUint32(countAt, list.length, true);
    const bytes = list.reduce((n, s) => n + encoder.encode(s).length + 1, 0);
    view().setUint32(bytesAt, bytes, true);
    return 0;
  };
  const strings = (list, pointersAt, bufferAt) => {
    const bytes = new Uint8Array(memory.buffer);
    for (const s of list) {
      view().setUint32(pointersAt, bufferAt, true);
      pointersAt += 4;
      const encoded = encoder.encode(`${s}\0`);
      bytes.set(encoded, bufferAt);
      bufferAt += encoded.length;
    }
    return 0;
  };
  const imports = {
    args_sizes_get: (countAt, bytesAt) => sizes(args, countAt, bytesAt),
    args_get: (pointersAt, bufferAt) => strings(args, pointersAt, bufferAt),
    environ_sizes_get: (countAt, bytesAt) => sizes(vars, countAt, bytesAt),
    environ_get: (pointersAt, bufferAt) => strings(vars, pointersAt, bufferAt),
    clock_time_get: (_id, _precision, timeAt) => {
      const ns = Math.round((performance.timeOrigin + performance.now()) * 1e6);
      view().setBigUint64(timeAt, BigInt(ns), true);
      return 0;
    },
    fd_write: (_fd, iovecs, count, writtenAt) => {
      let written = 0;
      for (let i = 0; i < count; i++) {
        const at = view().getUint32(iovecs + 8 * i, true);
        const length = view().getUint32(iovecs + 8 * i + 4, true);
        pending += decoder.decode(new Uint8Array(memory.buffer, at, length));
        written += length;
      }
      view().setUint32(writtenAt, written, true);
      let end;
      while ((end = pending.indexOf('\n')) >= 0) {
        postMessage({ line: pending.slice(0, end) });
        pending = pending.slice(end + 1);
      }
      return 0;
    },
    proc_exit: (code) => {
      throw new Exit(code);
    },
  };
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch(wasm), {
      wasi_snapshot_preview1: imports,
    });
    memory = instance.exports.memory;
    instance.exports._start();
    postMessage({ exit: 0 });
  } catch (error) {
    if (error instanceof Exit) {
      postMessage({ exit: error.code });
    } else {
      postMessage({ line: `error: ${error}` });
      postMessage({ exit: 1 });
    }
  }
};
