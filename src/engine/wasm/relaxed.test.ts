// The relaxed-SIMD build, which Node 20 cannot run, in headless Chromium: quantize, GEMV and GEMM
// on random inputs made here, compared bit for bit with math.ts computed here. Skips only when
// Chromium is missing and CI is unset. Run `npm run build:wasm` first.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { packTernary, paddedCols } from '../layout.ts';
import { bitLinear, f32, quantizeActivations } from '../math.ts';
import { rng, testSeed } from '../../testing/random.ts';
import { supportsRelaxedSimd } from './kernels.ts';

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

/**
 * Runs in the page (no imports, no closures): instantiates the build with its own memory, then per
 * case quantizes the T rows and calls gemv (T = 1) or gemm, returning the raw outputs.
 */
async function runCases(arg: { wasm: string; cases: PageCase[] }): Promise<{ relaxed: number; results: PageResult[] }> {
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
    const kp = Math.ceil(c.cols / 64) * 64;
    const w = put(bytes(c.w)), x = put(bytes(c.x)), q = put(c.T * kp), s = put(c.T * 4), qs = put(c.T * 4), y = put(c.T * c.rows * 4);
    k.quantizeRows(x, c.cols, q, s, qs, 0, c.T);
    if (c.T === 1) k.gemv(w, c.cols, c.wscale, q, s, qs, y, c.r0, c.r1);
    else k.gemm(w, c.cols, c.wscale, q, s, qs, c.T, y, c.rows, c.r0, c.r1);
    const view = (p: number, n: number) => text(new Uint8Array(memory.buffer, p, n));
    return { q: view(q, c.T * kp), scales: view(s, c.T * 4), sums: view(qs, c.T * 4), y: view(y, c.T * c.rows * 4) };
  });
  return { relaxed: k.relaxed(), results };
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
    cases.forEach((c, i) => check(c, results[i]));
  });
});
