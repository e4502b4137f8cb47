// Ternary GEMM on the GPU against math.ts bitLinear per token, with dot4 (where the adapter has
// it) and the forced integer fallback. As for the GEMV, the integer dot is exact and div_rn and
// the one multiply are correctly rounded, so y must match bit for bit. Rerun a seed with
// TEST_SEED=<n>.
import { describe, expect, test } from 'vitest';
import { rng, testSeed, type Rng } from '../../../testing/random.ts';
import { packTernary } from '../../layout.ts';
import { bitLinear, quantizeActivations } from '../../math.ts';
import type { GpuContext } from '../context.ts';
import { empty, packActs, readBack, run, stepBuffer, testContext, upload } from '../test-gpu.ts';
import { GemmTernary } from './gemm-ternary.ts';
import { QuantizeAct, actRowWords } from './quantize-act.ts';

const seed = testSeed('TEST_SEED');

async function dot4Options(): Promise<boolean[]> {
  return (await testContext()).features.dot4 ? [true, false] : [false];
}

const kernels = new Map<boolean, GemmTernary>();
function kernel(c: GpuContext, dot4: boolean): GemmTernary {
  let k = kernels.get(dot4);
  if (!k) kernels.set(dot4, (k = new GemmTernary(c, { variant: { dot4 } })));
  return k;
}

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}: y[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

interface Case { w: Int8Array; rows: number; cols: number; wscale: number; q: Int8Array; scale: Float32Array; sum: Int32Array; tokens: number; yOffset?: number; yStride?: number }

function quantizedCase(rows: number, cols: number, tokens: number, r: Rng): Case {
  const q = new Int8Array(tokens * cols);
  const scale = new Float32Array(tokens);
  const sum = new Int32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const amp = 10 ** (r() * 4 - 2);
    const res = quantizeActivations(Float32Array.from({ length: cols }, () => (r() - 0.5) * amp), q.subarray(t * cols, (t + 1) * cols));
    scale[t] = res.scale;
    sum[t] = res.sum;
  }
  return { w: r.ternary(rows * cols), rows, cols, wscale: Math.fround(0.5 + r() * 2), q, scale, sum, tokens };
}

function cpuGemm(c: Case): Float32Array {
  const stride = c.yStride ?? c.rows, off = c.yOffset ?? 0;
  const y = new Float32Array(off + c.tokens * stride).fill(-7);
  for (let t = 0; t < c.tokens; t++) bitLinear(c.w, c.rows, c.cols, c.wscale, c.q.subarray(t * c.cols, (t + 1) * c.cols), c.scale[t], y.subarray(off + t * stride, off + t * stride + c.rows));
  return y;
}

async function gpuGemm(c: Case): Promise<Map<string, Float32Array>> {
  const ctx = await testContext();
  const stride = c.yStride ?? c.rows;
  const len = (c.yOffset ?? 0) + c.tokens * stride;
  const bufs = { w: upload(ctx, packTernary(c.w, c.rows, c.cols)), a: upload(ctx, packActs(c.q, c.cols, c.tokens)), scale: upload(ctx, c.scale), sum: upload(ctx, c.sum), step: stepBuffer(ctx, 0, c.tokens) };
  const out = new Map<string, Float32Array>();
  for (const dot4 of await dot4Options()) {
    const k = kernel(ctx, dot4);
    const y = upload(ctx, new Float32Array(len).fill(-7));
    const op = k.create('gemm', { ...bufs, y, rows: c.rows, cols: c.cols, wscale: c.wscale, yOffset: c.yOffset, yStride: c.yStride });
    run(ctx, (pass) => op.encode(pass, op.workgroups(c.tokens)));
    out.set(dot4 ? 'dot4' : 'int', new Float32Array(await readBack(ctx, y, len * 4)));
  }
  return out;
}

describe(`gemm-ternary (seed ${seed})`, () => {
  // rows 1, 3, 17, 64, 257, 1001; cols 64, 128, 192, 2560, 6912, 100, 1000; T = 1, 2, 3, 5, 9, 17.
  test.each([
    [1, 64, 1], [3, 100, 2], [17, 128, 3], [64, 192, 5], [257, 1000, 9], [1001, 64, 17], [3, 6912, 9], [65, 2560, 17], [17, 1000, 2],
  ])('rows %i x cols %i, T = %i, arbitrary scales: bit-identical to bitLinear', async (rows, cols, tokens) => {
    const c = quantizedCase(rows, cols, tokens, rng(seed, `${rows}x${cols}x${tokens}`));
    const want = cpuGemm(c);
    for (const [v, got] of await gpuGemm(c)) expectSame(got, want, `${v} ${rows}x${cols} T=${tokens} seed ${seed}`);
  });

  test('div_rn: T = 33 with scales over 2^-20 .. 2^20 (8481 divisions) match the CPU', async () => {
    const rows = 257, cols = 64, tokens = 33;
    const r = rng(seed, 'div_rn');
    const q = Int8Array.from({ length: tokens * cols }, () => r.int(255) - 127);
    const scale = Float32Array.from({ length: tokens }, () => 2 ** (r() * 40 - 20) * (1 + r()));
    const sum = Int32Array.from({ length: tokens }, (_, t) => q.subarray(t * cols, (t + 1) * cols).reduce((s, v) => s + v, 0));
    const c: Case = { w: r.ternary(rows * cols), rows, cols, wscale: Math.fround(1 + r()), q, scale, sum, tokens };
    const want = cpuGemm(c);
    for (const [v, got] of await gpuGemm(c)) expectSame(got, want, `${v} seed ${seed}`);
  });

  test('output at an offset and token stride', async () => {
    const c = { ...quantizedCase(17, 192, 9, rng(seed, 'offset')), yOffset: 3, yStride: 20 };
    const want = cpuGemm(c);
    for (const [v, got] of await gpuGemm(c)) expectSame(got, want, `${v} seed ${seed}`);
  });

  test.each([[1, 127], [-1, 127], [1, -128], [-1, -128]])('extreme: all weights %i, all q %i, cols 6912, T = 3', async (wv, qv) => {
    const rows = 5, cols = 6912, tokens = 3;
    const c: Case = {
      w: new Int8Array(rows * cols).fill(wv), rows, cols, wscale: 1, q: new Int8Array(tokens * cols).fill(qv),
      scale: new Float32Array(tokens).fill(1), sum: new Int32Array(tokens).fill(qv * cols), tokens,
    };
    for (const [v, got] of await gpuGemm(c)) expectSame(got, new Float32Array(rows * tokens).fill(wv * qv * cols), v);
  });

  test('quantize-act then GEMM, with an all-zero token, against quantizeActivations + bitLinear', async () => {
    const ctx = await testContext();
    const rows = 64, cols = 1000, tokens = 5;
    const r = rng(seed, 'pipeline');
    const x = r.floats(tokens * cols, 4).fill(0, cols, 2 * cols); // token 1 is all zero
    const w = r.ternary(rows * cols);
    const wscale = Math.fround(1.234);
    const q = empty(ctx, tokens * actRowWords(cols) * 4), scale = empty(ctx, tokens * 4), sum = empty(ctx, tokens * 4), y = empty(ctx, tokens * rows * 4);
    const quant = new QuantizeAct(ctx).create('quant', { x: upload(ctx, x), q, scale, sum, cols });
    for (const dot4 of await dot4Options()) {
      const k = kernel(ctx, dot4);
      const gemm = k.create('gemm', { w: upload(ctx, packTernary(w, rows, cols)), a: q, scale, sum, y, step: stepBuffer(ctx, 0, tokens), rows, cols, wscale });
      run(ctx, (pass) => {
        quant.encode(pass, quant.workgroups(tokens));
        gemm.encode(pass, gemm.workgroups(tokens));
      });
      const want = new Float32Array(tokens * rows);
      for (let t = 0; t < tokens; t++) {
        const qt = new Int8Array(cols);
        const { scale: s } = quantizeActivations(x.subarray(t * cols, (t + 1) * cols), qt);
        bitLinear(w, rows, cols, wscale, qt, s, want.subarray(t * rows, (t + 1) * rows));
      }
      expectSame(new Float32Array(await readBack(ctx, y, tokens * rows * 4)), want, `${dot4 ? 'dot4' : 'int'} seed ${seed}`);
    }
  });
});
