// Ternary GEMV on the GPU against math.ts, in every variant the adapter supports plus the forced
// fallbacks (no dot4, no subgroups). Exactness: the integer dot is exact in every variant, and
// the shader divides with div_rn (correctly rounded) and multiplies once (WGSL f32 `*` is
// correctly rounded), so y must equal bitLinear bit for bit; no tolerance is needed. Rerun a seed
// with TEST_SEED=<n>.
import { describe, expect, test } from 'vitest';
import { rng, testSeed, type Rng } from '../../../testing/random.ts';
import { bitLinear, quantizeActivations } from '../../math.ts';
import { packTernary } from '../../layout.ts';
import type { GpuContext } from '../context.ts';
import { packActs, readBack, run, testContext, upload } from '../test-gpu.ts';
import { GemvTernary, type TernaryVariant } from './gemv-ternary.ts';

const seed = testSeed('TEST_SEED');

async function variants(): Promise<TernaryVariant[]> {
  const c = await testContext();
  const out: TernaryVariant[] = [];
  for (const dot4 of [true, false]) for (const subgroups of [true, false]) {
    if ((!dot4 || c.features.dot4) && (!subgroups || c.features.subgroups)) out.push({ dot4, subgroups });
  }
  return out;
}
const name = (v: TernaryVariant) => `${v.dot4 ? 'dot4' : 'int'}+${v.subgroups ? 'subgroups' : 'wg'}`;

const kernels = new Map<string, GemvTernary>();
function kernel(c: GpuContext, v: TernaryVariant): GemvTernary {
  let k = kernels.get(name(v));
  if (!k) kernels.set(name(v), (k = new GemvTernary(c, { variant: v })));
  return k;
}

interface Case {
  w: Int8Array; rows: number; cols: number; wscale: number;
  q: Int8Array; scale: Float32Array; sum: Int32Array; tokens: number;
  yOffset?: number; yStride?: number;
}

/** Runs the GEMV in every variant; returns y per variant. */
async function gpuGemv(c: Case): Promise<Map<string, Float32Array>> {
  const ctx = await testContext();
  const stride = c.yStride ?? c.rows;
  const len = (c.yOffset ?? 0) + c.tokens * stride;
  const bufs = {
    w: upload(ctx, packTernary(c.w, c.rows, c.cols)),
    a: upload(ctx, packActs(c.q, c.cols, c.tokens)),
    scale: upload(ctx, c.scale),
    sum: upload(ctx, c.sum),
  };
  const out = new Map<string, Float32Array>();
  for (const v of await variants()) {
    const y = upload(ctx, new Float32Array(len).fill(-7)); // untouched elements must stay -7
    const op = kernel(ctx, v).create(`gemv ${name(v)}`, { ...bufs, y, rows: c.rows, cols: c.cols, wscale: c.wscale, yOffset: c.yOffset, yStride: c.yStride });
    run(ctx, (pass) => op.encode(pass, op.workgroups(c.tokens)));
    out.set(name(v), new Float32Array(await readBack(ctx, y, len * 4)));
  }
  return out;
}

function cpuGemv(c: Case): Float32Array {
  const stride = c.yStride ?? c.rows;
  const y = new Float32Array((c.yOffset ?? 0) + c.tokens * stride).fill(-7);
  for (let t = 0; t < c.tokens; t++) {
    bitLinear(c.w, c.rows, c.cols, c.wscale, c.q.subarray(t * c.cols, (t + 1) * c.cols), c.scale[t], y.subarray((c.yOffset ?? 0) + t * stride, (c.yOffset ?? 0) + t * stride + c.rows));
  }
  return y;
}

/** Exact comparison that reports the first mismatch (index, values) instead of a huge diff. */
function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}: y[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

/** A case with real quantized activations: random f32 rows through quantizeActivations. */
function quantizedCase(rows: number, cols: number, tokens: number, r: Rng): Case {
  const q = new Int8Array(tokens * cols);
  const scale = new Float32Array(tokens);
  const sum = new Int32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const amp = 10 ** (r() * 4 - 2); // 0.01 .. 100: arbitrary scales
    const x = Float32Array.from({ length: cols }, () => (r() - 0.5) * amp);
    const res = quantizeActivations(x, q.subarray(t * cols, (t + 1) * cols));
    scale[t] = res.scale;
    sum[t] = res.sum;
  }
  return { w: r.ternary(rows * cols), rows, cols, wscale: Math.fround(0.5 + r() * 2), q, scale, sum, tokens };
}

describe(`gemv-ternary (seed ${seed})`, () => {
  // Shape classes: rows 1, 3, 17, 64, 257, 1001; cols 64, 128, 192, 2560, 6912 and 100, 1000 (padded).
  test.each([
    [1, 64], [3, 100], [17, 128], [64, 192], [257, 1000], [1001, 2560], [3, 6912], [64, 6912], [17, 2560], [1, 1000],
  ])('rows %i x cols %i, arbitrary scales: bit-identical to bitLinear', async (rows, cols) => {
    const c = quantizedCase(rows, cols, 1, rng(seed, `${rows}x${cols}`));
    const want = cpuGemv(c);
    for (const [v, got] of await gpuGemv(c)) expectSame(got, want, `${v} ${rows}x${cols} seed ${seed}`);
  });

  test('integer part: s = wscale = 1, Σq = 0, so y = Σ W q exactly', async () => {
    const rows = 257, cols = 1000;
    const r = rng(seed, 'integer');
    const q = Int8Array.from({ length: cols }, () => r.int(256) - 128); // includes -128
    const c: Case = { w: r.ternary(rows * cols), rows, cols, wscale: 1, q, scale: new Float32Array([1]), sum: new Int32Array([0]), tokens: 1 };
    const want = new Float32Array(rows);
    for (let n = 0; n < rows; n++) for (let k = 0; k < cols; k++) want[n] += c.w[n * cols + k] * q[k];
    // With Σq = 0 passed in, the kernel returns Σ code·q = Σ W q + Σ q.
    const qs = q.reduce((s, v) => s + v, 0);
    for (const [v, got] of await gpuGemv(c)) expectSame(got, want.map((d) => d + qs), `${v} seed ${seed}`);
  });

  test('several tokens (workgroups.y) into one buffer at an offset and stride', async () => {
    const c = { ...quantizedCase(17, 192, 3, rng(seed, 'tokens')), yOffset: 5, yStride: 40 };
    const want = cpuGemv(c);
    for (const [v, got] of await gpuGemv(c)) expectSame(got, want, `${v} seed ${seed}`);
  });

  test.each([[1, 127], [-1, 127], [1, -128], [-1, -128]])('extreme: all weights %i, all q %i, cols 6912 (|dot| up to 128*6912)', async (wv, qv) => {
    const rows = 5, cols = 6912;
    const c: Case = {
      w: new Int8Array(rows * cols).fill(wv), rows, cols, wscale: 1,
      q: new Int8Array(cols).fill(qv), scale: new Float32Array([1]), sum: new Int32Array([qv * cols]), tokens: 1,
    };
    for (const [v, got] of await gpuGemv(c)) expectSame(got, new Float32Array(rows).fill(wv * qv * cols), `${v}`);
  });

  test('all-zero input row: y = 0', async () => {
    const rows = 64, cols = 2560;
    const x = new Float32Array(cols);
    const q = new Int8Array(cols);
    const { scale, sum } = quantizeActivations(x, q);
    const c: Case = { w: rng(seed, 'zero').ternary(rows * cols), rows, cols, wscale: 1.5, q, scale: new Float32Array([scale]), sum: new Int32Array([sum]), tokens: 1 };
    for (const [v, got] of await gpuGemv(c)) expectSame(got, new Float32Array(rows), `${v}`);
  });
});
