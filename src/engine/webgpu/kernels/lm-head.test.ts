// LM head on the GPU against dotLanes8 of dequantRow, for every row type on fresh random inputs
// (seed in the suite name; GPU_TEST_SEED=<seed> replays).
//
// Tolerance: both sides are float dot products whose terms go through different chains of f32
// roundings (the GPU: products, a unit's partial sum, per-block scale factors, a strided running
// sum per thread, a tree over the workgroup; dotLanes8: products, 8 running lanes, 3 adds). A
// chain of k roundings puts a term within γ_k = k·u/(1 − k·u) of exact (u = 2^-24, Higham §3.1),
// so |gpu − ref| ≤ (γ_kgpu + γ_kref) · Σ|w·h|. kref = cols/8 + 4; kgpu ≤ 12 within a unit (Q6_K:
// product, 3 adds, scale product and 3 adds, d, plus dequantRow's own rounding of d·sc·q, which the
// GPU leaves exact) + ceil(units/WG) ≤ ceil(cols/64) running adds (WG ≥ 64) + 8 tree levels.
//
// One-hot h is exact: every other product is ±0, so each logit must equal its dequantized element
// bit for bit (for Q8_0/Q6_K d·(sc·q) and (d·sc)·q are both the exact product rounded once).
import { describe, expect, test } from 'vitest';
import { dequantRow, floatRowBytes, quantizeRows } from '../../../model/float-codecs.ts';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { rng, testSeed } from '../../../testing/random.ts';
import { dotLanes8 } from '../../math.ts';
import type { GpuContext } from '../context.ts';
import type { SizedKernel } from '../kernel.ts';
import { readBack, run, stepBuffer, testContext, upload, uploadBytes } from '../test-gpu.ts';
import type { FloatRowType } from './embed.ts';
import { LmHead } from './lm-head.ts';

const SEED = testSeed('GPU_TEST_SEED');
const SENTINEL = -12345.5;

/** One pipeline per type for the whole file: building one costs about 0.3 s on SwiftShader. */
const kernels = new Map<FloatRowType, LmHead>();

const gamma = (k: number) => (k * 2 ** -24) / (1 - k * 2 ** -24);

interface Case { type: FloatRowType; rows: number; cols: number; parts: number[] }

/**
 * Logits for the matrix cut into `parts`, with h the last of `nTokens` rows (Step.n_tokens picks
 * it), written from element 2 of a sentinel-filled buffer.
 */
async function lmHead(c: GpuContext, kernel: LmHead, { type, rows, cols, parts }: Case, mat: Uint8Array, h: Float32Array, nTokens: number): Promise<Float32Array> {
  const rowBytes = floatRowBytes(type, cols);
  const logitsOffset = 2;
  const logits = upload(c, new Float32Array(rows + 4).fill(SENTINEL));
  const hBuf = upload(c, h);
  const step = stepBuffer(c, 0, nTokens);
  const ops: SizedKernel[] = [];
  let row0 = 0;
  for (const n of parts) {
    const part = uploadBytes(c, mat.subarray(row0 * rowBytes, (row0 + n) * rowBytes));
    ops.push(kernel.create(`lm-head ${type}`, { mat: part, h: hBuf, logits, step, cols, rows: n, row0, hStride: cols, logitsOffset }));
    row0 += n;
  }
  expect(row0).toBe(rows);
  run(c, (pass) => ops.forEach((op) => op.encode(pass, op.workgroups(nTokens))));
  const got = new Float32Array(await readBack(c, logits, (rows + 4) * 4));
  expect([got[0], got[1], got[rows + 2], got[rows + 3]]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
  return got.subarray(logitsOffset, logitsOffset + rows);
}

async function check(k: Case, label: string): Promise<void> {
  const c = await testContext();
  const r = rng(SEED, label);
  // Embedding-like values over four decades, so blocks have different scales.
  const mat = quantizeRows(k.type, r.floats(k.rows * k.cols, () => 10 ** (r() * 4 - 2)), k.rows, k.cols);
  const h = r.floats(2 * k.cols, 4);
  const kernel = kernels.get(k.type) ?? new LmHead(c, k.type);
  kernels.set(k.type, kernel);
  const got = await lmHead(c, kernel, k, mat, h, 2);
  const x = h.subarray(k.cols);
  const w = new Float32Array(k.cols);
  const kGpu = 12 + Math.ceil(k.cols / 64) + 8;
  const kRef = k.cols / 8 + 4;
  for (let v = 0; v < k.rows; v++) {
    dequantRow(k.type, mat, v, k.cols, w);
    let abs = 0;
    for (let i = 0; i < k.cols; i++) abs += Math.abs(w[i] * x[i]);
    const want = dotLanes8(w, x);
    const tol = (gamma(kGpu) + gamma(kRef)) * abs;
    if (!(Math.abs(got[v] - want) <= tol)) expect.fail(`row ${v}: got ${got[v]}, want ${want} ± ${tol}`);
  }

  // One-hot h: each logit is one dequantized element, exactly.
  const col = r.int(k.cols);
  const oneHot = new Float32Array(k.cols);
  oneHot[col] = 1;
  const exact = await lmHead(c, kernel, k, mat, oneHot, 1);
  const want = new Float32Array(k.rows);
  for (let v = 0; v < k.rows; v++) {
    dequantRow(k.type, mat, v, k.cols, w);
    want[v] = w[col];
  }
  expect(exact).toEqual(want.map((y) => y + 0)); // + 0: a -0 element sums to +0
}

describe(`lm-head (seed ${SEED})`, () => {
  // Odd row counts (the last workgroup is partial); F32 rows of odd length; Q8_0/Q6_K rows of an
  // odd number of blocks (rows start 2 bytes into a word).
  const cases: Case[] = [
    { type: 'F32', rows: 301, cols: 257, parts: [301] },
    { type: 'F16', rows: 301, cols: 258, parts: [301] },
    { type: 'BF16', rows: 301, cols: 258, parts: [301] },
    { type: 'Q8_0', rows: 301, cols: 96, parts: [301] },
    { type: 'Q6_K', rows: 101, cols: 768, parts: [101] },
    { type: 'F16', rows: 301, cols: 2560, parts: [301] },
    { type: 'Q8_0', rows: 203, cols: 2560, parts: [203] },
    { type: 'Q6_K', rows: 203, cols: 2560, parts: [203] },
    { type: 'F32', rows: 1, cols: 1, parts: [1] },
  ];
  test.each(cases)('$type rows $rows x cols $cols', (k) => check(k, `${k.type} ${k.rows} ${k.cols}`));

  // The split path: three parts of odd row counts, each its own buffer.
  const splits: Case[] = (['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K'] as const).map((type) => ({
    type, rows: 1001, cols: type === 'Q6_K' ? 512 : type === 'Q8_0' ? 160 : 130, parts: [333, 335, 333],
  }));
  test.each(splits)('$type split into $parts rows, cols $cols', (k) => check(k, `split ${k.type}`));
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('LmHead.PARAMS follow shaders/lm-head-common.wgsl', () => {
  expect(paramsFields(loadShaderLibrary()['lm-head-common'])).toEqual([...LmHead.PARAMS]);
});
