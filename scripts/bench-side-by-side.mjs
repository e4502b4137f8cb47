#!/usr/bin/env node
// The CPU engines side by side, in one go, in one headless Chromium on this machine: bitnet-web's
// WASM engine (I2_S and TQ2_0, each thread count) through the app's benchmark panel, and wllama
// (llama.cpp compiled to WASM, npm @wllama/wllama) on the same TQ2_0 file at the same thread
// counts. Prints prefill/decode tokens/s, bytes per token, GB/s and the ratio to wllama.
//   node scripts/bench-side-by-side.mjs [--shape 2b4t] [-p 128] [-n 64] [-r 3] [--threads 1,2] [--json]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createServer, preview } from 'vite';
import { CHROMIUM_FLAGS, runPanel } from './bench-panel.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const { values: a } = parseArgs({
  options: { shape: { type: 'string' }, p: { type: 'string', short: 'p' }, n: { type: 'string', short: 'n' }, r: { type: 'string', short: 'r' }, threads: { type: 'string' }, json: { type: 'boolean' } },
  strict: true,
});
const shape = a.shape ?? '2b4t';
const [p, n, r] = [Number(a.p ?? 128), Number(a.n ?? 64), Number(a.r ?? 3)];
const threads = (a.threads ?? '1,2').split(',').map(Number);
const log = (m) => console.error(m);
const SEED = 1; // the panel generates with seed 1: the same bytes as this file

// The TQ2_0 file wllama reads: what `make-model` writes for the shape the panel generates.
const dir = `${ROOT}.cache/bench`;
const tq2 = `${dir}/${shape.replace(/[^\w=,.-]/g, '_')}-tq2_0-seed${SEED}.gguf`;
mkdirSync(dir, { recursive: true });
if (!existsSync(tq2)) {
  log(`generating ${tq2}…`);
  execFileSync(process.execPath, [`${ROOT}bin/bitnet-web.js`, 'make-model', '--shape', shape, '--format', 'tq2_0', '--seed', String(SEED), '--out', tq2], { stdio: ['ignore', 2, 2] });
}
const { readGguf } = await import(`${ROOT}dist-node/model/gguf.js`);
const { FileSource } = await import(`${ROOT}dist-node/node/file-source.js`);
const source = await FileSource.open(tq2);
const gguf = await readGguf(source);
await source.close();
// What one decoded token reads from this file: every ternary matrix and the (tied) LM head once.
const tq2Bytes = [...gguf.tensors.values()].filter((t) => t.type === 'TQ2_0' || t.name === 'token_embd.weight' || t.name === 'output.weight').reduce((s, t) => s + t.bytes, 0);

log('building the app…');
execFileSync(process.execPath, [`${ROOT}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'error'], { stdio: ['ignore', 2, 2], cwd: ROOT });
const app = await preview({ root: ROOT, logLevel: 'error', preview: { port: 4420, strictPort: false } });
const harness = await createServer({ root: ROOT, logLevel: 'error', server: { port: 4421, strictPort: false } });
await harness.listen();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
const rows = [];
try {
  const page = await browser.newPage({ acceptDownloads: true });
  for (const format of ['i2_s', 'tq2_0']) {
    log(`bitnet-web WASM, ${shape} ${format}, threads ${threads.join(',')}…`);
    const set = await runPanel(page, app.resolvedUrls.local[0], { model: { shape, format }, backends: ['wasm'], threads, p, n, r, profile: false }, log);
    for (const res of set.results) {
      rows.push({ engine: 'bitnet-web', weights: res.model.weight_format, threads: res.threads, prefill_tok_s: res.prefill_tok_s, decode_tok_s: res.decode_tok_s, bytes_per_token: res.decode_bytes_per_token, prefill: res.prefill.samples, decode: res.decode.samples });
    }
  }
  await page.goto(`${harness.resolvedUrls.local[0]}e2e/harness/wllama.html`);
  await page.locator('#status').filter({ hasText: 'ready' }).waitFor();
  await page.locator('#model').setInputFiles(tq2);
  for (const t of threads) {
    log(`wllama, ${shape} TQ2_0, ${t} thread(s)…`);
    const w = await page.evaluate((run) => window.wllamaBench(run), { threads: t, p, n, r });
    const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    rows.push({ engine: 'wllama', weights: 'TQ2_0', threads: w.threads, prefill_tok_s: median(w.prefill), decode_tok_s: median(w.decode), bytes_per_token: tq2Bytes, prefill: w.prefill, decode: w.decode, prompt_tokens: w.promptTokens });
  }
} finally {
  await browser.close();
  await new Promise((done) => app.httpServer.close(done));
  await harness.close();
}

for (const row of rows) {
  const base = rows.find((x) => x.engine === 'wllama' && x.threads === row.threads);
  row.decode_gb_s = (row.decode_tok_s * row.bytes_per_token) / 1e9;
  row.prefill_vs_wllama = base ? row.prefill_tok_s / base.prefill_tok_s : null;
  row.decode_vs_wllama = base ? row.decode_tok_s / base.decode_tok_s : null;
}
if (a.json) console.log(JSON.stringify({ shape, p, n, r, rows }, null, 2));
else {
  const f = (v, d = 2) => (v === null || v === undefined ? '-' : v.toFixed(d));
  console.log(`${shape}, pp${p} / tg${n}, medians of ${r} runs, headless Chromium, one machine`);
  console.log('| engine | weights | threads | prefill tok/s | decode tok/s | MB/token | decode GB/s | prefill vs wllama | decode vs wllama |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const x of rows) console.log(`| ${x.engine} | ${x.weights} | ${x.threads} | ${f(x.prefill_tok_s)} | ${f(x.decode_tok_s)} | ${f(x.bytes_per_token / 1e6, 1)} | ${f(x.decode_gb_s)} | ${f(x.prefill_vs_wllama)}x | ${f(x.decode_vs_wllama)}x |`);
}
