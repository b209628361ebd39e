// Runs a benchmark compiled for wasm32-wasip1 under Node (V8, the engine of Chromium), so the
// core's step cost can be compared natively and in wasm. Usage: node run-wasi.mjs BENCH.wasm
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env } from 'node:process';
const wasi = new WASI({ version: 'preview1', args: [argv[2]], env });
const wasm = await WebAssembly.compile(await readFile(argv[2]));
const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
wasi.start(instance);
