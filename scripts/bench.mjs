#!/usr/bin/env node
// `npm run bench`: the in-browser benchmark, headless. Builds and serves the app, opens its
// benchmark panel in Chromium, runs it on a model generated in the page (--shape, --format) or on a
// local file loaded through the app (--model), and prints the JSON the panel exports: top-level
// prefill_tok_s and decode_tok_s (medians) beside the per-run samples, keys as `bitnet-web bench`.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { execFileSync } from 'node:child_process';

const USAGE = `npm run bench -- (--model PATH | --shape tiny|2b4t|dim=... --format i2_s|tq2_0|tq1_0|hf)
    --backend wasm|webgpu [--threads N] [-p 128] [-n 64] [-r 3] [--no-profile] [--no-build] [--json]`;
const FLAGS = ['--enable-unsafe-webgpu', '--disable-gpu-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HOUR = 3_600_000;

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
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: FLAGS });
try {
  const page = await browser.newPage({ acceptDownloads: true });
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(url);
  if (args.model) {
    log(`caching and loading ${args.model} on ${backend}…`);
    await page.getByRole('tab', { name: 'Models' }).click();
    await page.getByTestId('local-model-file').setInputFiles(resolve(args.model));
    const row = page.locator('[data-testid="model-row"][data-model-id^="local:"]');
    await row.and(page.locator('[data-status="complete"]')).waitFor({ timeout: HOUR });
    await page.getByTestId('backend-choice').getByText(backend === 'wasm' ? 'WASM' : 'WebGPU', { exact: true }).click();
    await row.getByRole('button', { name: 'Load', exact: true }).click();
    await page.locator(`[data-testid="backend-status"][data-backend="${backend}"]`).waitFor({ timeout: HOUR });
  }
  await page.goto(`${url}#bench`);
  if (args.model) await page.getByTestId('bench-model-loaded').check();
  else {
    await page.getByTestId('bench-model-generated').check();
    await page.getByTestId('bench-shape').fill(args.shape ?? '2b4t');
    await page.getByTestId('bench-format').selectOption(args.format ?? 'i2_s');
  }
  await page.getByTestId('bench-webgpu').setChecked(backend === 'webgpu');
  await page.getByTestId('bench-wasm').setChecked(backend === 'wasm');
  await page.getByTestId('bench-threads').fill(String(settings.threads));
  await page.getByTestId('bench-profile').setChecked(!args['no-profile']);
  for (const k of ['p', 'n', 'r']) await page.getByTestId(`bench-${k}`).fill(String(settings[k]));
  await page.getByTestId('bench-run').click();
  let last = '';
  const status = page.getByTestId('bench-status');
  const failed = page.getByTestId('bench-error');
  for (;;) {
    if (await failed.isVisible()) throw new Error(`the panel reports: ${await failed.textContent()}`);
    const text = (await status.textContent()) ?? '';
    if (text === 'done') break;
    if (text !== last) log((last = text));
    await page.waitForTimeout(500);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bench-export').click()]);
  const set = JSON.parse(await readFile(await download.path(), 'utf8'));
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
