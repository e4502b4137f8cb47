#!/usr/bin/env node
// `npm run bench`: the in-browser benchmark, headless. Builds and serves the app, opens its
// benchmark panel in Chromium, runs it on a model generated in the page (--shape, --format) or on a
// local file loaded through the app (--model), and prints the JSON the panel exports: top-level
// prefill_tok_s and decode_tok_s (medians) beside the per-run samples, keys as `bitnet-web bench`.
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { CHROMIUM_FLAGS, loadLocalModel, runPanel } from './bench-panel.mjs';
import { execFileSync } from 'node:child_process';

const USAGE = `npm run bench -- (--model PATH | --shape tiny|2b4t|dim=... --format i2_s|tq2_0|tq1_0|hf)
    --backend wasm|webgpu [--threads N] [-p 128] [-n 64] [-r 3] [--no-profile] [--no-build] [--json]`;

function fail(message) {
  console.error(`bench: ${message}\nusage: ${USAGE}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      model: { type: 'string' }, shape: { type: 'string' }, format: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' },
      p: { type: 'string', short: 'p' }, n: { type: 'string', short: 'n' }, r: { type: 'string', short: 'r' },
      'no-profile': { type: 'boolean' }, 'no-build': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (e) {
  fail(e.message);
}
if (args.help) {
  console.log(`usage: ${USAGE}`);
  process.exit(0);
}
const backend = args.backend ?? 'wasm';
if (!['wasm', 'webgpu'].includes(backend)) fail(`--backend ${backend}: choose wasm or webgpu`);
if (args.model && (args.shape || args.format)) fail('--model and --shape/--format exclude each other');
const count = (name, fallback, min) => {
  const v = args[name] === undefined ? fallback : Number(args[name]);
  if (!Number.isInteger(v) || v < min) fail(`-${name.length === 1 ? '' : '-'}${name} ${args[name]} is not a valid count`);
  return v;
};
const settings = { p: count('p', 128, 0), n: count('n', 64, 0), r: count('r', 3, 1), threads: count('threads', 1, 1) };

const log = (m) => args.json || console.error(m);
if (!args['no-build']) {
  log('building the app…');
  // In a child whose output goes to stderr, so that stdout holds the JSON alone.
  const vite = new URL('../node_modules/vite/bin/vite.js', import.meta.url).pathname;
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { stdio: ['ignore', 2, 2] });
}
const server = await preview({ logLevel: 'error', preview: { port: 4410, strictPort: false } });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage({ acceptDownloads: true });
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  if (args.model) {
    log(`caching and loading ${args.model} on ${backend}…`);
    await loadLocalModel(page, url, args.model, backend);
  }
  const model = args.model ? 'loaded' : { shape: args.shape ?? '2b4t', format: args.format ?? 'i2_s' };
  const set = await runPanel(page, url, { model, backends: [backend], threads: [settings.threads], p: settings.p, n: settings.n, r: settings.r, profile: !args['no-profile'] }, log);
  if (args.json) console.log(JSON.stringify(set, null, 2));
  else {
    for (const r of set.results) {
      const s = (x) => (x ? `${x.median.toFixed(2)} tok/s (min ${x.min.toFixed(2)}, max ${x.max.toFixed(2)}, ${x.samples.length} runs)` : '-');
      console.log(`${r.model.name} ${r.model.weight_format}/${r.model.embedding_type}, ${r.backend}${r.backend === 'wasm' ? `, ${r.threads} thread(s)` : ''}: ${r.reason}`);
      console.log(`  pp${r.p}  ${s(r.prefill)}\n  tg${r.n}  ${s(r.decode)}`);
      console.log(`  decode reads ${(r.decode_bytes_per_token / 1e6).toFixed(1)} MB per token${r.decode_gb_s ? ` = ${r.decode_gb_s.toFixed(2)} GB/s` : ''}`);
    }
    console.log(`browser: ${set.browser.user_agent}, cross-origin isolated ${set.browser.cross_origin_isolated}`);
  }
} finally {
  await browser.close();
  await new Promise((done) => server.httpServer.close(done));
}
