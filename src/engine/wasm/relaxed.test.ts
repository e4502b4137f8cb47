// The relaxed-SIMD build, which Node 20 cannot run, in headless Chromium: quantize, GEMV and GEMM
// on random inputs made here, compared bit for bit with math.ts computed here, and the int8 LM
// head against int8-head.ts. Skips only when Chromium is missing and CI is unset. Run
// `npm run build:wasm` first.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { packTernary, paddedCols } from '../layout.ts';
import { dequantRow } from '../../model/float-codecs.ts';
import { int8Logit, quantizeInt8Blocks } from '../int8-head.ts';
import { bitLinear, f32, quantizeActivations } from '../math.ts';
import { rng, testSeed } from '../../testing/random.ts';
import { int8Layout, supportsRelaxedSimd } from './kernels.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = !existsSync(CHROMIUM) && !process.env.CI;
if (SKIP) console.warn(`relaxed.test.ts: SKIPPED, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; on CI this test runs and fails instead)`);

const SEED = testSeed('WASM_TEST_SEED');

interface Shape {
  rows: number;
  cols: number;
  T: number;
  r0: number;
  r1: number;
  extreme?: -1 | 1; // all weights this value, activations all equal (|q| = 127 everywhere)
}
interface PageCase extends Shape {
  wscale: number;
  w: string; // packed codes, base64
  x: string; // f32[T][cols], base64
}
interface PageResult {
  q: string;
  scales: string;
  sums: string;
  y: string;
}

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

interface Int8Case {
  f16: boolean;
  rows: number;
  cols: number;
  r0: number;
  r1: number;
  m: string; // [rows][cols] f32 or f16, base64
  x: string; // f32[cols], base64
}
type Int8Result = Record<'q' | 'd' | 'xq' | 'xd' | 'out', string>;

/**
 * Runs in the page (no imports, no closures): instantiates the build with its own memory, then per
 * case either quantizes the T rows and calls gemv (T = 1) or gemm, or converts the matrix and x
 * with int8Rows and calls lmHeadInt8; returns the raw outputs.
 */
async function runCases(arg: { wasm: string; cases: (PageCase | Int8Case)[] }): Promise<{ relaxed: number; results: (PageResult | Int8Result)[] }> {
  const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const text = (u: Uint8Array) => {
    let s = '';
    for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const { instance } = await WebAssembly.instantiate(bytes(arg.wasm), { env: { memory } });
  const k = instance.exports as Record<string, (...a: number[]) => number>;
  const results = arg.cases.map((c) => {
    let top = k.heapBase();
    const put = (data: Uint8Array | number) => {
      const n = typeof data === 'number' ? data : data.length;
      const p = Math.ceil(top / 64) * 64;
      top = p + n;
      const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
      if (need > 0) memory.grow(need);
      new Uint8Array(memory.buffer, p, n).fill(0);
      if (typeof data !== 'number') new Uint8Array(memory.buffer).set(data, p);
      return p;
    };
    const view = (p: number, n: number) => text(new Uint8Array(memory.buffer, p, n));
    if ('m' in c) {
      const stored = Math.ceil(c.cols / 128) * 4; // blocks per stored row (int8Layout)
      const m = put(bytes(c.m)), x = put(bytes(c.x)), q = put(c.rows * stored * 32), d = put(c.rows * stored * 4);
      const xq = put(stored * 32), xd = put(stored * 4), out = put(c.rows * 4);
      k.int8Rows(m, c.f16 ? 1 : 0, c.cols, q, d, 0, c.rows);
      k.int8Rows(x, 0, c.cols, xq, xd, 0, 1);
      k.lmHeadInt8(q, d, c.cols, xq, xd, out, c.r0, c.r1);
      return { q: view(q, c.rows * stored * 32), d: view(d, c.rows * stored * 4), xq: view(xq, stored * 32), xd: view(xd, stored * 4), out: view(out, c.rows * 4) };
    }
    const kp = Math.ceil(c.cols / 64) * 64;
    const w = put(bytes(c.w)), x = put(bytes(c.x)), q = put(c.T * kp), s = put(c.T * 4), qs = put(c.T * 4), y = put(c.T * c.rows * 4);
    k.quantizeRows(x, c.cols, q, s, qs, 0, c.T);
    if (c.T === 1) k.gemv(w, c.cols, c.wscale, q, s, qs, y, c.r0, c.r1);
    else k.gemm(w, c.cols, c.wscale, q, s, qs, c.T, y, c.rows, c.r0, c.r1);
    return { q: view(q, c.T * kp), scales: view(s, c.T * 4), sums: view(qs, c.T * 4), y: view(y, c.T * c.rows * 4) };
  });
  return { relaxed: k.relaxed(), results };
}

/** F32 rows of magnitudes over many decades with some zero blocks, or random finite f16 patterns. */
function makeInt8Case(f16: boolean, rows: number, cols: number, r0 = 0, r1 = rows) {
  const rnd = rng(SEED, `int8 ${f16} ${rows}x${cols} [${r0},${r1})`);
  const floats = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 32 === 0 && rnd() < 0.05 ? 0 : (rnd() - 0.5) * 10 ** (rnd() * 8 - 4)));
  const m = f16 ? Uint16Array.from({ length: rows * cols }, () => rnd.int(0x7c00) | (rnd.int(2) << 15)) : floats(rows * cols);
  const x = floats(cols);
  for (let b = 0; b < cols; b += 32) if (x[b] === 0) x.fill(0, b, b + 32);
  const page: Int8Case = { f16, rows, cols, r0, r1, m: b64(m), x: b64(x) };
  return { page, m: new Uint8Array(m.buffer), x };
}

/** The page's outputs against int8-head.ts (padding zero); out outside [r0, r1) stays 0. */
function checkInt8(c: ReturnType<typeof makeInt8Case>, r: Int8Result): void {
  const { f16, rows, cols, r0, r1 } = c.page;
  const { blocks, codeBytes, scaleBytes } = int8Layout(cols);
  const want = { q: new Int8Array(rows * codeBytes), d: new Float32Array((rows * scaleBytes) / 4), xq: new Int8Array(codeBytes), xd: new Float32Array(scaleBytes / 4), out: new Float32Array(rows) };
  quantizeInt8Blocks(c.x, want.xq.subarray(0, cols), want.xd.subarray(0, blocks));
  const row = new Float32Array(cols);
  for (let v = 0; v < rows; v++) {
    dequantRow(f16 ? 'F16' : 'F32', c.m, v, cols, row);
    const q = want.q.subarray(v * codeBytes, v * codeBytes + cols), d = want.d.subarray((v * scaleBytes) / 4, (v * scaleBytes) / 4 + blocks);
    quantizeInt8Blocks(row, q, d);
    if (v >= r0 && v < r1) want.out[v] = int8Logit(q, d, want.xq.subarray(0, cols), want.xd.subarray(0, blocks));
  }
  const got = { q: new Int8Array(fromB64(r.q).buffer), d: new Float32Array(fromB64(r.d).buffer), xq: new Int8Array(fromB64(r.xq).buffer), xd: new Float32Array(fromB64(r.xd).buffer), out: new Float32Array(fromB64(r.out).buffer) };
  for (const key of ['q', 'd', 'xq', 'xd', 'out'] as const) {
    const [g, wv] = [got[key], want[key]];
    expect(g.length).toBe(wv.length);
    for (let i = 0; i < wv.length; i++) {
      if (!Object.is(g[i], wv[i])) throw new Error(`int8 ${JSON.stringify({ f16, rows, cols, r0, r1 })} ${key}[${i}] is ${g[i]}, want ${wv[i]} (replay: WASM_TEST_SEED=${SEED})`);
    }
  }
}

function makeCase(shape: Shape) {
  const rnd = rng(SEED, JSON.stringify(shape));
  const { rows, cols, T, extreme } = shape;
  const w = extreme ? new Int8Array(rows * cols).fill(extreme) : rnd.ternary(rows * cols);
  const x = extreme ? new Float32Array(T * cols).fill(0.75) : Float32Array.from({ length: T * cols }, () => (rnd() + rnd() + rnd() - 1.5) * 10 ** (rnd() * 4 - 2));
  const page: PageCase = { ...shape, wscale: f32(0.25 + rnd()), w: b64(packTernary(w, rows, cols)), x: b64(x) };
  return { page, w, x };
}

/** The page's outputs against quantizeActivations and bitLinear; y outside [r0, r1) stays 0. */
function check(c: ReturnType<typeof makeCase>, r: PageResult): void {
  const { rows, cols, T, r0, r1, wscale } = c.page;
  const kp = paddedCols(cols);
  const got = { q: new Int8Array(fromB64(r.q).buffer), scales: new Float32Array(fromB64(r.scales).buffer), sums: new Int32Array(fromB64(r.sums).buffer), y: new Float32Array(fromB64(r.y).buffer) };
  const want = { q: new Int8Array(T * kp), scales: new Float32Array(T), sums: new Int32Array(T), y: new Float32Array(T * rows) };
  const yt = new Float32Array(rows);
  for (let t = 0; t < T; t++) {
    const q = want.q.subarray(t * kp, (t + 1) * kp);
    const { scale, sum } = quantizeActivations(c.x.subarray(t * cols, (t + 1) * cols), q);
    want.scales[t] = scale;
    want.sums[t] = sum;
    bitLinear(c.w, rows, cols, wscale, q, scale, yt);
    want.y.set(yt.subarray(r0, r1), t * rows + r0);
  }
  for (const key of ['q', 'scales', 'sums', 'y'] as const) {
    const [g, wv] = [got[key], want[key]];
    expect(g.length).toBe(wv.length);
    for (let i = 0; i < wv.length; i++) {
      if (!Object.is(g[i], wv[i])) throw new Error(`${JSON.stringify({ rows, cols, T, r0, r1 })} ${key}[${i}] is ${g[i]}, want ${wv[i]} (replay: WASM_TEST_SEED=${SEED})`);
    }
  }
}

const full = (rows: number, cols: number, T: number): Shape => ({ rows, cols, T, r0: 0, r1: rows });

describe.skipIf(SKIP)(`relaxed-SIMD build in Chromium (WASM_TEST_SEED=${SEED})`, () => {
  let browser: Browser;
  let page: Page;
  let wasm: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    page = await browser.newPage();
    wasm = Buffer.from(await wasmKernelBytes('relaxed')).toString('base64');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('supports relaxed SIMD, as supportsRelaxedSimd detects', async () => {
    expect(await page.evaluate(supportsRelaxedSimd)).toBe(true);
  });

  it.each([
    { name: 'gemv shapes', shapes: [1, 3, 17, 257, 1001].flatMap((rows) => [64, 100, 192, 2560, 6912].map((cols) => full(rows, cols, 1))) },
    { name: 'gemv row ranges and extremes', shapes: [
      { rows: 257, cols: 2560, T: 1, r0: 3, r1: 250 },
      { rows: 64, cols: 1000, T: 1, r0: 63, r1: 64 },
      { ...full(5, 6912, 1), extreme: -1 as const },
      { ...full(5, 6912, 1), extreme: 1 as const },
    ] },
    { name: 'gemm token counts', shapes: [1, 2, 3, 4, 5, 7, 9].flatMap((T) => [full(17, 100, T), full(257, 2560, T), full(3, 6912, T)]) },
    { name: 'gemm tiles, ranges, extremes', shapes: [
      full(17, 6912, 41),
      { rows: 257, cols: 1000, T: 7, r0: 13, r1: 201 },
      { ...full(3, 6912, 6), extreme: -1 as const },
      { ...full(3, 6912, 6), extreme: 1 as const },
    ] },
  ])('$name match math.ts exactly', async ({ shapes }) => {
    const cases = shapes.map(makeCase);
    const { relaxed, results } = await page.evaluate(runCases, { wasm, cases: cases.map((c) => c.page) });
    expect(relaxed).toBe(1);
    cases.forEach((c, i) => check(c, results[i] as PageResult));
  });

  it('the int8 LM head (conversion of F32 and F16 rows, GEMV) matches int8-head.ts exactly', async () => {
    const cases = [
      ...[false, true].flatMap((f16) => [1, 3, 17, 257].flatMap((rows) => [32, 96, 160, 2560].map((cols) => makeInt8Case(f16, rows, cols)))),
      makeInt8Case(false, 257, 512, 5, 250),
    ];
    const { results } = await page.evaluate(runCases, { wasm, cases: cases.map((c) => c.page) });
    cases.forEach((c, i) => checkInt8(c, results[i] as Int8Result));
  });
});
