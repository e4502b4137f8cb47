// The float-step kernels (assembly/floats.ts: RMSNorm, RoPE, squared-ReLU gate, residual add, KV
// store and causal attention) against math.ts, bit for bit, on fresh random inputs (seed in the
// suite name; WASM_TEST_SEED=<seed> replays), each case single-threaded and on pools of 1, 2 and
// 3 threads (test-kernels.ts). Run `npm run build:wasm` first.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, testSeed, type Rng } from '../../testing/random.ts';
import { attendHead, f32, gatedActivation, rmsNorm, ropeAngles, ropeNeox } from '../math.ts';
import type { AttentionShape, WasmKernels } from './kernels.ts';
import { KernelVariants } from './test-kernels.ts';

const SEED = testSeed('WASM_TEST_SEED');
const VARIANTS = await KernelVariants.start();
afterAll(() => VARIANTS.dispose());

function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: [${i}] is ${got[i]}, want ${want[i]} (replay: WASM_TEST_SEED=${SEED})`);
  }
}

type FKind = 'normal' | 'wide' | 'subnormal' | 'special';

/** n floats: normal (magnitudes 1e-3..1e3), wide (1e-30..1e30), subnormal-heavy, or with ±0, ±inf and NaN sprinkled in. */
function floats(kind: FKind, n: number, rnd: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const sign = rnd() < 0.5 ? -1 : 1;
    const r = rnd();
    if (kind === 'subnormal' && r < 0.5) return sign * rnd.int(2 ** 23) * 2 ** -149;
    if (kind === 'special' && r < 0.1) return [0, -0, Infinity, -Infinity, NaN][rnd.int(5)];
    const decades = kind === 'wide' ? 60 : 6;
    return sign * (0.5 + rnd()) * 10 ** (rnd() * decades - decades / 2);
  });
}

/** Copies `data` into fresh memory of k and returns its pointer. */
function put(k: WasmKernels, data: Float32Array | Float64Array, align = 16): number {
  const p = k.alloc(data.byteLength, align);
  if (data instanceof Float32Array) k.f32(p, data.length).set(data);
  else new Float64Array(k.memory.buffer, p, data.length).set(data);
  return p;
}

describe(`WASM float-step kernels at 1-3 threads (WASM_TEST_SEED=${SEED})`, () => {
  it.each((['normal', 'wide', 'subnormal', 'special'] as FKind[]).flatMap((kind) => [1, 3, 4, 7, 64, 640, 2560, 6912].map((cols) => ({ kind, cols }))))(
    'rmsNormRows: $kind x, $cols columns, 3 rows',
    ({ kind, cols }) => {
      const rnd = rng(SEED, `rms ${kind} ${cols}`);
      const T = 3;
      const x = floats(kind, T * cols, rnd);
      const w = floats('normal', cols, rnd);
      const eps = [f32(1e-5), 1e-6, f32(1e-6)][rnd.int(3)];
      const want = new Float32Array(T * cols);
      for (let t = 0; t < T; t++) rmsNorm(x.subarray(t * cols, (t + 1) * cols), w, eps, want.subarray(t * cols, (t + 1) * cols));
      for (const { label, k } of VARIANTS.all()) {
        const y = k.alloc(T * cols * 4);
        k.rmsNormRows(put(k, x), put(k, w), cols, eps, y, 0, T);
        expectSame(`rmsNorm ${kind} ${cols} ${label}`, k.f32(y, T * cols), want);
      }
    },
  );

  it.each([2, 6, 64, 128].flatMap((headDim) => [1, 3].map((heads) => ({ headDim, heads }))))('ropeRows: $heads heads of $headDim, 4 positions', ({ headDim, heads }) => {
    const rnd = rng(SEED, `rope ${headDim} ${heads}`);
    const T = 4, stride = heads * headDim + 8; // a wider row: only the first heads · headDim floats turn
    const pos0 = rnd.int(5000);
    const theta = [10000, 500000][rnd.int(2)];
    const x = floats('wide', T * stride, rnd);
    const table = new Float32Array((pos0 + T) * headDim);
    const want = x.slice();
    for (let t = 0; t < T; t++) {
      const { cos, sin } = ropeAngles(pos0 + t, headDim, theta);
      table.set(cos, (pos0 + t) * headDim);
      table.set(sin, (pos0 + t) * headDim + headDim / 2);
      for (let h = 0; h < heads; h++) ropeNeox(want.subarray(t * stride + h * headDim, t * stride + (h + 1) * headDim), cos, sin);
    }
    for (const { label, k } of VARIANTS.all()) {
      const xp = put(k, x);
      k.ropeRows(xp, stride, heads, headDim, put(k, table), pos0, 0, T);
      expectSame(`rope ${label}`, k.f32(xp, T * stride), want);
    }
  });

  it.each((['normal', 'wide', 'special'] as FKind[]).flatMap((kind) => [1, 5, 64, 6915].map((n) => ({ kind, n }))))('relu2Gate and addInto: $kind, $n floats', ({ kind, n }) => {
    const rnd = rng(SEED, `gate ${kind} ${n}`);
    const gate = floats(kind, n, rnd), up = floats(kind, n, rnd);
    const wantGate = gate.slice();
    gatedActivation(wantGate, up, 'relu2');
    const wantSum = Float32Array.from(gate, (g, i) => f32(g + up[i]));
    for (const { label, k } of VARIANTS.all()) {
      const gp = put(k, gate), upp = put(k, up);
      k.addInto(gp, upp, n);
      expectSame(`addInto ${label}`, k.f32(gp, n), wantSum);
      k.f32(gp, n).set(gate);
      k.relu2Gate(gp, upp, n);
      expectSame(`relu2Gate ${label}`, k.f32(gp, n), wantGate);
    }
  });

  it.each([
    { heads: 2, kvHeads: 2, headDim: 4, T: 1, pos0: 0 },
    { heads: 4, kvHeads: 2, headDim: 64, T: 5, pos0: 0 },
    { heads: 6, kvHeads: 2, headDim: 64, T: 3, pos0: 7 }, // three query heads per KV head
    { heads: 20, kvHeads: 5, headDim: 128, T: 2, pos0: 30 }, // the 2B4T shape
    { heads: 8, kvHeads: 1, headDim: 32, T: 4, pos0: 9 }, // eight per KV head: two passes of four
    { heads: 20, kvHeads: 5, headDim: 128, T: 1, pos0: 200 },
  ])('attention: $heads heads on $kvHeads KV heads of $headDim, $T tokens after $pos0', ({ heads, kvHeads, headDim, T, pos0 }) => {
    const rnd = rng(SEED, `attention ${heads} ${kvHeads} ${headDim} ${T} ${pos0}`);
    const kvDim = kvHeads * headDim, qDim = heads * headDim, group = heads / kvHeads;
    const cap = Math.ceil((pos0 + T + 3) / 4) * 4; // room past the last position: lanes there are not stored
    const n = pos0 + T;
    const keys = floats('normal', n * kvDim, rnd), values = floats('normal', n * kvDim, rnd);
    const q = floats('normal', T * qDim, rnd);
    // math.ts over the whole cache, token by token (causal: token t sees positions < pos0 + t + 1)
    const want = new Float32Array(T * qDim);
    const scratch = new Float64Array(cap);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < heads; h++) {
        attendHead(q, t * qDim + h * headDim, keys, values, kvDim, Math.floor(h / group) * headDim, pos0 + t + 1, headDim, want, t * qDim + h * headDim, scratch);
      }
    }
    for (const { label, k } of VARIANTS.all()) {
      const a: AttentionShape = { T: pos0, pos0: 0, heads, kvHeads, headDim, cap, kt: k.alloc(kvDim * cap * 4, 64), vc: k.alloc(kvDim * cap * 4, 64) };
      // earlier positions stored in one call, the chunk's own in another
      if (pos0 > 0) k.kvStore(a, put(k, keys.subarray(0, pos0 * kvDim)), put(k, values.subarray(0, pos0 * kvDim)));
      const chunk = { ...a, T, pos0 };
      k.kvStore(chunk, put(k, keys.subarray(pos0 * kvDim)), put(k, values.subarray(pos0 * kvDim)));
      const scores = k.alloc(T * heads * cap * 8, 64), sums = k.alloc(T * heads * 8, 64), out = k.alloc(T * qDim * 4, 64);
      k.attentionScores(chunk, put(k, q), qDim, 1 / Math.sqrt(headDim), scores);
      // the softmax as attendHead does it, as the engine does it between the two kernels
      const p = new Float64Array(k.memory.buffer, scores, T * heads * cap), s = new Float64Array(k.memory.buffer, sums, T * heads);
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < heads; h++) {
          const at = (t * heads + h) * cap;
          let max = -Infinity;
          for (let i = at; i < at + pos0 + t + 1; i++) max = Math.max(max, p[i]);
          let sum = 0;
          for (let i = at; i < at + pos0 + t + 1; i++) sum += p[i] = Math.exp(p[i] - max);
          s[t * heads + h] = sum;
        }
      }
      k.attentionValues(chunk, scores, sums, out, qDim);
      expectSame(`attention ${label}`, k.f32(out, T * qDim), want);
    }
  });

  it('rejects attention shapes the kernels cannot take', () => {
    const k = VARIANTS.all()[0].k;
    const kt = k.alloc(4096), vc = k.alloc(4096);
    const a: AttentionShape = { T: 2, pos0: 0, heads: 4, kvHeads: 2, headDim: 8, cap: 8, kt, vc };
    expect(() => k.kvStore({ ...a, cap: 6 }, kt, vc)).toThrow(/multiple of 4/);
    expect(() => k.kvStore({ ...a, pos0: 7 }, kt, vc)).toThrow(/do not fit/);
    expect(() => k.kvStore({ ...a, heads: 3 }, kt, vc)).toThrow(/not a multiple/);
    expect(() => k.kvStore({ ...a, headDim: 6 }, kt, vc)).toThrow(/headDim 6/);
    expect(() => k.ropeRows(kt, 8, 2, 6, vc, 0, 0, 1)).toThrow(/exceed the row stride/);
  });
});
