// CPU speed side by side in headless Chromium: bitnet-web's WASM engine (I2_S and TQ2_0, 1 and 2
// kernel threads) and wllama (llama.cpp in WASM, the same TQ2_0 file, 1 and 2 threads), prefill
// and decode timed the same way, with bytes read per decoded token and the bandwidth achieved.
//
//   node scripts/bench-cpu.mjs [-p 128] [-n 64] [-r 3] [--threads 1,2] [--models i2_s,tq2_0]
//                              [--int8-head i2_s|none] [--shape 2b4t] [--no-wllama] [--no-roofline] [--roofline-mib 256] [--phases] [--spin N] [--json]
//
// The opt-in int8 LM head (WasmEngineOptions.lmHead) runs as extra bitnet-web rows, on the formats
// --int8-head names, reported apart: its logits are not the exact head's (`bitnet-web head-check`
// measures how far).
//
// Before and after the runs it measures the WASM roofline of the machine at each thread count
// (src/bench/roofline.ts: memory read bandwidth through 16-byte loads, int8 multiply-adds of the
// GEMM's inner step from cache) and prints each bitnet-web figure as a share of the ceiling it
// implies: decode <= read GB/s / bytes per token, prefill <= GMAC/s / multiply-adds per token.
//
// Models are .cache/<shape>-<format>.gguf, generated with the CLI when missing (needs
// `npm run build:wasm && npm run build:cli`). The harness page (e2e/harness/bench-cpu.*) runs on
// the Vite dev server, which sends the cross-origin isolation headers threads need; Chromium is
// /usr/bin/chromium or CHROMIUM_PATH.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    p: { type: 'string', short: 'p', default: '128' }, n: { type: 'string', short: 'n', default: '64' }, r: { type: 'string', short: 'r', default: '3' },
    threads: { type: 'string', default: '1,2' }, 'int8-head': { type: 'string', default: 'i2_s' }, models: { type: 'string', default: 'i2_s,tq2_0' }, shape: { type: 'string', default: '2b4t' },
    'no-wllama': { type: 'boolean' }, 'no-roofline': { type: 'boolean' }, 'roofline-mib': { type: 'string', default: '256' }, phases: { type: 'boolean' }, spin: { type: 'string' }, json: { type: 'boolean' },
  },
});
const [p, n, r] = [values.p, values.n, values.r].map(Number);
const threadCounts = values.threads.split(',').map(Number);
const formats = values.models.split(',');
const log = (...a) => !values.json && console.log(...a);

if (!existsSync(`${root}dist-node/cli/main.js`)) throw new Error('bench-cpu: build first (npm run build:wasm && npm run build:cli)');
const modelPath = (format) => `${root}.cache/${values.shape}-${format.replace('_', '')}.gguf`;
for (const format of new Set([...formats, ...(values['no-wllama'] ? [] : ['tq2_0'])])) {
  const path = modelPath(format);
  if (existsSync(path)) continue;
  log(`generating ${path} ...`);
  execFileSync(process.execPath, [`${root}bin/bitnet-web.js`, 'make-model', '--shape', values.shape, '--format', format, '--out', path], { stdio: values.json ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
}

// Bytes one decoded token reads: bitnet-web's compute layout (2 bits a weight) or the file's
// TQ2_0 blocks (66 bytes per 256 weights, as llama.cpp reads them), plus the LM head.
const { openModelPath } = await import(`${root}dist-node/node/model-files.js`);
const { decodeBytesPerToken, ternaryMacsPerToken } = await import(`${root}dist-node/bench/measure.js`);
const { modelSlots } = await import(`${root}dist-node/model/tensors.js`);
async function bytesPerToken(format) {
  const { model, close } = await openModelPath(modelPath(format));
  try {
    const ternary = modelSlots(model.config).filter((s) => s.kind === 'ternary');
    const tq2 = ternary.reduce((a, s) => a + (s.rows * s.cols * 66) / 256, 0) + model.matrixInfo(model.lmHead).bytes;
    return { bitnet: decodeBytesPerToken(model), tq2, head: model.matrixInfo(model.lmHead).bytes, macs: ternaryMacsPerToken(model.config) };
  } finally {
    await close();
  }
}

// The Vite dev server (the project's config: cross-origin isolation headers) plus the models.
const { createServer } = await import('vite');
const server = await createServer({
  root,
  configFile: `${root}vite.config.ts`,
  logLevel: 'error',
  server: { port: Number(process.env.BENCH_PORT ?? 4390), strictPort: false },
  plugins: [{
    name: 'bench-models',
    configureServer(s) {
      s.middlewares.use('/__bench/', (req, res, next) => {
        const format = decodeURIComponent(req.url ?? '').replace(/^\//, '').replace(/\.gguf$/, '');
        if (!formats.includes(format) && format !== 'tq2_0') return next();
        const path = modelPath(format);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(path).size, 'Cross-Origin-Resource-Policy': 'same-origin' });
        createReadStream(path).pipe(res);
      });
    },
  }],
});
await server.listen();
const base = server.resolvedUrls.local[0];

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
});
const results = [];
const roofs = [];
/** The WASM roofline at each thread count, in a fresh page: `when` says before or after the runs. */
async function measureRoofs(when) {
  for (const threads of threadCounts) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(0);
      await page.goto(`${base}e2e/harness/bench-cpu.html`);
      await page.waitForFunction(() => window.benchCpu !== undefined);
      log(`roofline ${threads} thread(s) (${when}) ...`);
      roofs.push({ when, ...(await page.evaluate(([t, mib]) => window.benchCpu.roofline(t, mib), [threads, Number(values['roofline-mib'])])) });
    } catch (e) {
      console.error(`bench-cpu: roofline at ${threads} thread(s) failed: ${e.message.split('\n')[0]}`);
    } finally {
      await context.close();
    }
  }
}
try {
  if (!values['no-roofline']) await measureRoofs('before');
  const runs = [
    ...formats.flatMap((format) => threadCounts.map((threads) => ({ engine: 'bitnet', format, threads }))),
    ...formats.filter((f) => values['int8-head'].split(',').includes(f)).flatMap((format) => threadCounts.map((threads) => ({ engine: 'bitnet', format, threads, lmHead: 'int8' }))),
    ...(values['no-wllama'] ? [] : threadCounts.map((threads) => ({ engine: 'wllama', format: 'tq2_0', threads }))),
  ];
  for (const run of runs) {
    // A fresh browser context (renderer) per run: the previous run's 1-2 GB of WASM memory is gone.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(0);
      page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
      await page.goto(`${base}e2e/harness/bench-cpu.html`);
      await page.waitForFunction(() => window.benchCpu !== undefined);
      if (!(await page.evaluate(() => crossOriginIsolated))) console.error('bench-cpu: the page is not cross-origin isolated: threads fall back to 1');
      const spec = { url: `/__bench/${run.format}.gguf`, threads: run.threads, p, n, r, phases: values.phases, spin: values.spin === undefined ? undefined : Number(values.spin), lmHead: run.lmHead };
      log(`${run.engine} ${run.format}${run.lmHead ? ` (${run.lmHead} head)` : ''} ${run.threads} thread(s) ...`);
      const result = await page.evaluate(({ engine, spec }) => window.benchCpu[engine](spec), { engine: run.engine, spec });
      const sizes = await bytesPerToken(run.format);
      // An int8 head reads its own bytes in place of the file's head.
      const bytes = sizes[run.engine === 'wllama' ? 'tq2' : 'bitnet'] + (result.lmHead ? result.lmHead.bytes - sizes.head : 0);
      results.push({ ...result, format: run.format, bytesPerToken: bytes, macsPerToken: sizes.macs, decodeGbS: result.decodeTokS ? (result.decodeTokS.median * bytes) / 1e9 : null });
    } catch (e) {
      console.error(`bench-cpu: ${run.engine} ${run.format} ${run.threads} thread(s) failed: ${e.message.split('\n')[0]}`);
      results.push({ engine: run.engine === 'bitnet' ? 'bitnet-web' : 'wllama', lmHead: run.lmHead && { mode: run.lmHead }, format: run.format, threads: run.threads, prefillTokS: null, decodeTokS: null, bytesPerToken: 0, decodeGbS: null, notes: [`failed: ${e.message.split('\n')[0]}`] });
    } finally {
      await context.close();
    }
  }
  if (!values['no-roofline']) await measureRoofs('after');
} finally {
  await browser.close();
  await server.close();
}

const version = execFileSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']).toString().trim();
if (values.json) {
  console.log(JSON.stringify({ chromium: version, p, n, r, roofline: roofs, results }, null, 2));
} else {
  const wll = (threads) => results.find((x) => x.engine === 'wllama' && x.threads === threads);
  const head = (x) => (x.lmHead?.mode === 'int8' ? 'int8' : (x.embeddingType ?? '-'));
  const label = (x) => `${x.format.toUpperCase()}${x.lmHead?.mode === 'int8' ? ' + int8 head' : ''}`;
  const f = (s) => (s ? s.median.toFixed(2) : '-');
  const ratio = (a, b) => (a && b ? `${(a.median / b.median).toFixed(1)}x` : '-');
  console.log(`\n${version}; pp${p} and tg${n}, median of ${r} runs (min..max)`);
  console.log(`${'engine'.padEnd(11)} ${'weights'.padEnd(8)} ${'head'.padEnd(5)} ${'threads'.padStart(7)} ${'prefill tok/s'.padStart(22)} ${'decode tok/s'.padStart(22)} ${'MB/token'.padStart(9)} ${'GB/s'.padStart(6)} ${'pp vs wllama'.padStart(12)} ${'tg vs wllama'.padStart(12)}`);
  for (const x of results) {
    const w = wll(x.threads);
    const range = (s) => (s ? `${f(s)} (${s.min.toFixed(2)}..${s.max.toFixed(2)})` : '-');
    console.log(`${x.engine.padEnd(11)} ${x.format.toUpperCase().padEnd(8)} ${head(x).padEnd(5)} ${String(x.threads).padStart(7)} ${range(x.prefillTokS).padStart(22)} ${range(x.decodeTokS).padStart(22)} ${(x.bytesPerToken / 1e6).toFixed(0).padStart(9)} ${(x.decodeGbS?.toFixed(1) ?? '-').padStart(6)} ${(x.engine === 'wllama' ? '' : ratio(x.prefillTokS, w?.prefillTokS)).padStart(12)} ${(x.engine === 'wllama' ? '' : ratio(x.decodeTokS, w?.decodeTokS)).padStart(12)}`);
    for (const note of x.notes) console.log(`    note: ${note}`);
  }
  // The ceilings: the best of the before/after measurements at each thread count.
  const roof = (threads) => {
    const at = roofs.filter((x) => x.threads === threads);
    return at.length ? { readGBs: Math.max(...at.map((x) => x.readGBs)), maddGMACs: Math.max(...at.map((x) => x.maddGMACs)) } : undefined;
  };
  if (roofs.length) {
    const shapeOf = results.find((x) => x.engine === 'bitnet-web' && x.bytesPerToken);
    console.log(`\nWASM roofline (src/bench/roofline.ts, ${roofs[0].build} probe build), before / after the runs; bounds for the ${values.shape} shape`);
    console.log(`${'threads'.padStart(7)} ${'read GB/s'.padStart(13)} ${'int8 GMAC/s'.padStart(13)} ${'decode <= tok/s'.padStart(16)} ${'prefill <= tok/s'.padStart(17)}`);
    for (const threads of threadCounts) {
      const at = (when) => roofs.find((x) => x.threads === threads && x.when === when);
      const pair = (k, d) => [at('before'), at('after')].map((x) => (x ? x[k].toFixed(d) : '-')).join(' / ');
      const best = roof(threads);
      const dec = best && shapeOf ? ((best.readGBs * 1e9) / shapeOf.bytesPerToken).toFixed(1) : '-';
      const pre = best && shapeOf ? ((best.maddGMACs * 1e9) / shapeOf.macsPerToken).toFixed(1) : '-';
      console.log(`${String(threads).padStart(7)} ${pair('readGBs', 1).padStart(13)} ${pair('maddGMACs', 1).padStart(13)} ${dec.padStart(16)} ${pre.padStart(17)}`);
    }
    console.log('bitnet-web against those ceilings (decode: bytes read per token at the read bandwidth; prefill: ternary multiply-adds only, no attention or float steps):');
    for (const x of results.filter((x) => x.engine === 'bitnet-web' && x.decodeTokS)) {
      const best = roof(x.threads);
      if (!best) continue;
      const tg = (100 * x.decodeTokS.median * x.bytesPerToken) / (best.readGBs * 1e9);
      const pp = x.prefillTokS ? (100 * x.prefillTokS.median * x.macsPerToken) / (best.maddGMACs * 1e9) : NaN;
      console.log(`  ${label(x).padEnd(18)} ${x.threads} thread(s): decode at ${tg.toFixed(0)}% of the read roof, prefill at ${Number.isNaN(pp) ? '-' : pp.toFixed(0)}% of the multiply-add roof`);
    }
  }
  for (const x of results.filter((x) => x.phases)) {
    for (const [name, prof] of [[`tg${n}`, x.phases.decode], [`pp${p}`, x.phases.prefill]]) {
      if (!prof) continue;
      console.log(`\nbitnet-web ${label(x)} ${x.threads} thread(s), ${name}: ${prof.msPerToken.toFixed(2)} ms per token (wall clock per step)`);
      for (const ph of prof.phases) console.log(`  ${ph.phase.padEnd(12)} ${ph.msPerToken.toFixed(3).padStart(9)} ms ${(100 * ph.share).toFixed(1).padStart(5)}%`);
    }
  }
}
