// Copies the built WASM kernels next to the compiled CLI (dist-node/engine/wasm/build/), where
// src/node/wasm-bytes.ts looks for them.
import { cpSync, existsSync } from 'node:fs';

const from = new URL('../src/engine/wasm/build/', import.meta.url);
const to = new URL('../dist-node/engine/wasm/build/', import.meta.url);
if (!existsSync(from)) {
  console.error('copy-wasm: src/engine/wasm/build/ is missing; run `npm run build:wasm` first');
  process.exit(1);
}
cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('.wat') });
console.log('copy-wasm: dist-node/engine/wasm/build/');
