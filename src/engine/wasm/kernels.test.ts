// The SIMD128 builds' quantize, GEMV and GEMM kernels against math.ts, bit for bit, on fresh
// random inputs (the seed is in the suite name; WASM_TEST_SEED=<seed> replays a run), each case
// single-threaded and on thread pools of 1, 2 and 3 threads (test-kernels.ts); plus the
// WasmKernels allocator, validation, feature probe and pool start-up. Run `npm run build:wasm` first.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnNodeThread } from '../../node/kernel-threads.ts';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { packTernary, paddedCols, rowBytes } from '../layout.ts';
import { bitLinear, f32, quantizeActivations } from '../math.ts';
import { rng, testSeed, type Rng } from '../../testing/random.ts';
import { WasmKernels, isThreadedBuild, supportsRelaxedSimd, type KernelThread } from './kernels.ts';
import { KernelVariants } from './test-kernels.ts';

const SEED = testSeed('WASM_TEST_SEED');
const MODULE = new WebAssembly.Module(await wasmKernelBytes('simd'));
const VARIANTS = await KernelVariants.start();
afterAll(() => VARIANTS.dispose());
const SENTINEL = 1234.5;

function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: [${i}] is ${got[i]}, want ${want[i]} (replay: WASM_TEST_SEED=${SEED})`);
  }
}

type XKind = 'normal' | 'zero' | 'huge' | 'negative' | 'ties' | 'subnormal' | 'max';
type WKind = 'random' | 'minus' | 'plus';

/** One token row of activations of the given kind. */
function activations(kind: XKind, n: number, rnd: Rng): Float32Array {
  const x = new Float32Array(n);
  const scale = 10 ** (rnd() * 8 - 4);
  const normal = () => (rnd() + rnd() + rnd() - 1.5) * scale;
  for (let i = 0; i < n; i++) {
    if (kind === 'normal') x[i] = normal();
    else if (kind === 'zero') x[i] = rnd() < 0.5 ? 0 : -0;
    else if (kind === 'huge') x[i] = normal();
    else if (kind === 'negative') x[i] = -Math.abs(normal()) || -1;
    else if (kind === 'subnormal') x[i] = (rnd() < 0.5 ? -1 : 1) * rnd.int(2 ** 23) * 2 ** -149;
    else if (kind === 'max') x[i] = scale;
    // amax 127 gives s = 1 and amax 63.5 gives s = 2: then k + 0.5 (or (k + 0.5) / 2) scale to exact ties
    else x[i] = (rnd.int(253) - 126 + 0.5) / (n % 2 ? 1 : 2);
  }
  const at = rnd.int(n);
  if (kind === 'huge') x[at] = (rnd() < 0.5 ? -1 : 1) * 3e38;
  if (kind === 'ties') x[at] = n % 2 ? 127 : 63.5;
  if (kind === 'subnormal' && rnd() < 0.5) x[at] = normal(); // subnormals beside a normal amax
  return x;
}

function ternaryWeights(kind: WKind, rows: number, cols: number, rnd: Rng): Int8Array {
  return kind === 'random' ? rnd.ternary(rows * cols) : new Int8Array(rows * cols).fill(kind === 'minus' ? -1 : 1);
}

interface TernaryCase {
  rows: number;
  cols: number;
  T: number;
  r0?: number;
  r1?: number;
  x?: XKind;
  w?: WKind;
  kernel: 'gemv' | 'gemm' | 'ternaryMatmul' | 'none';
}

/** The plain results for T token rows: int8 rows, scales and sums of quantizeActivations. */
function quantizeAll(xs: Float32Array[], kp: number) {
  return xs.map((x) => {
    const q = new Int8Array(kp);
    return { q, ...quantizeActivations(x, q) };
  });
}

/** Writes T rows of activations and quantizes them with the kernel; checks q, scales and sums. */
function quantizeIn(k: WasmKernels, what: string, xs: Float32Array[], cols: number, want: ReturnType<typeof quantizeAll>) {
  const T = xs.length;
  const kp = paddedCols(cols);
  const xp = k.alloc(T * cols * 4);
  xs.forEach((x, t) => k.f32(xp, T * cols).set(x, t * cols));
  const qp = k.alloc(T * kp), sp = k.alloc(T * 4), qsp = k.alloc(T * 4);
  k.quantizeRows(xp, cols, qp, sp, qsp, 0, T);
  want.forEach(({ q, scale, sum }, t) => {
    expectSame(`${what} q[${t}]`, k.i8(qp + t * kp, kp), q);
    expectSame(`${what} scale[${t}]`, k.f32(sp + t * 4, 1), [scale]);
    expectSame(`${what} sum[${t}]`, k.i32(qsp + t * 4, 1), [sum]);
  });
  return { qp, sp, qsp };
}

/** bitLinear rows [r0, r1) of every token, SENTINEL elsewhere: what y must hold after the kernel. */
function expectedY(w: Int8Array, rows: number, cols: number, wscale: number, qs: ReturnType<typeof quantizeAll>, r0: number, r1: number): Float32Array {
  const want = new Float32Array(qs.length * rows).fill(SENTINEL);
  const yt = new Float32Array(rows);
  qs.forEach(({ q, scale }, t) => {
    bitLinear(w, rows, cols, wscale, q, scale, yt);
    want.set(yt.subarray(r0, r1), t * rows + r0);
  });
  return want;
}

/**
 * Quantizes T random rows and runs the kernel on every kernel variant (or on `only`); checks q,
 * scales, sums and y against math.ts, computed once.
 */
function checkTernary(c: TernaryCase, only?: WasmKernels): void {
  const label = JSON.stringify(c);
  const rnd = rng(SEED, label);
  const { rows, cols, T, r0 = 0, r1 = rows } = c;
  const kp = paddedCols(cols);
  const xs = Array.from({ length: T }, () => activations(c.x ?? 'normal', cols, rnd));
  const w = ternaryWeights(c.w ?? 'random', rows, cols, rnd);
  const wscale = f32(0.25 + rnd());
  const qs = quantizeAll(xs, kp);
  const want = c.kernel === 'none' ? null : expectedY(w, rows, cols, wscale, qs, r0, r1);
  const packed = packTernary(w, rows, cols);

  for (const { label: variant, k } of only ? [{ label: 'given', k: only }] : VARIANTS.all()) {
    const what = `${label} ${variant}`;
    const { qp, sp, qsp } = quantizeIn(k, what, xs, cols, qs);
    if (!want || c.kernel === 'none') continue;
    const wp = k.alloc(packed.length);
    k.u8(wp, packed.length).set(packed);
    const yp = k.alloc(T * rows * 4);
    k.f32(yp, T * rows).fill(SENTINEL);
    if (c.kernel === 'gemv') k.gemv(wp, rows, cols, wscale, qp, sp, qsp, yp, r0, r1);
    else k[c.kernel](wp, rows, cols, wscale, qp, sp, qsp, T, yp, r0, r1);
    expectSame(`${what} y`, k.f32(yp, T * rows), want);
  }
}

const ROWS = [1, 3, 17, 64, 257, 1001];
const COLS = [64, 128, 192, 2560, 6912, 100, 1000];
const X_KINDS: XKind[] = ['normal', 'zero', 'huge', 'negative', 'ties', 'subnormal', 'max'];

describe(`WASM ternary kernels, SIMD128 builds at 1-3 threads (WASM_TEST_SEED=${SEED})`, () => {
  it.each(X_KINDS.flatMap((x) => [1, 15, 64, 100, 2560, 6912].map((cols) => ({ x, cols }))))('quantizeRows: $x x, cols $cols', ({ x, cols }) => {
    checkTernary({ rows: 1, cols, T: 3, x, kernel: 'none' });
  });

  it.each(ROWS.flatMap((rows) => COLS.map((cols) => ({ rows, cols }))))('gemv $rows x $cols', ({ rows, cols }) => {
    checkTernary({ rows, cols, T: 1, kernel: 'gemv' });
  });

  it.each([
    [0, 1],
    [5, 6],
    [3, 250],
    [128, 257],
    [1, 4],
    [100, 100],
  ])('gemv row range [%i, %i) of 257 x 2560, rest untouched', (r0, r1) => {
    checkTernary({ rows: 257, cols: 2560, T: 1, r0, r1, kernel: 'gemv' });
  });

  it.each((['minus', 'plus'] as const).flatMap((w) => (['max', 'negative', 'ties', 'zero', 'subnormal'] as const).map((x) => ({ w, x }))))(
    'gemv extremes: weights all $w, $x x (6912 columns)',
    ({ w, x }) => checkTernary({ rows: 5, cols: 6912, T: 1, w, x, kernel: 'gemv' }),
  );

  it.each([1, 2, 3, 4, 5, 7, 9].flatMap((T) => [
    { T, rows: 1, cols: 64 },
    { T, rows: 17, cols: 100 },
    { T, rows: 257, cols: 2560 },
    { T, rows: 3, cols: 6912 },
  ]))('gemm T=$T, $rows x $cols', ({ T, rows, cols }) => {
    checkTernary({ rows, cols, T, kernel: 'gemm' });
  });

  it.each([
    { T: 41, rows: 17, cols: 6912, r0: 0, r1: 17 }, // two token tiles: 36 + 5
    { T: 9, rows: 3, cols: 70000, r0: 0, r1: 3 }, // rows too long to tile more than 4 tokens
    { T: 7, rows: 257, cols: 1000, r0: 13, r1: 201 },
    { T: 5, rows: 64, cols: 192, r0: 63, r1: 64 },
  ])('gemm T=$T, $rows x $cols, rows [$r0, $r1)', (c) => checkTernary({ ...c, kernel: 'gemm' }));

  it.each((['minus', 'plus'] as const).map((w) => ({ w })))('gemm extremes: weights all $w, max x', ({ w }) => {
    checkTernary({ rows: 3, cols: 6912, T: 6, w, x: 'max', kernel: 'gemm' });
  });

  it.each([1, 4, 6])('ternaryMatmul T=%i (gemv for 1 token, gemm for more)', (T) => {
    checkTernary({ rows: 33, cols: 320, T, kernel: 'ternaryMatmul' });
  });

  it.each([1, 3, 9])('matmuls: several matrices of one input in one call, T=%i', (T) => {
    // q, k, v-like shapes plus odd ones: each matrix's rows are split into chunks of their own
    const shapes = [{ rows: 640, cols: 2560 }, { rows: 160, cols: 2560 }, { rows: 1, cols: 2560 }, { rows: 37, cols: 2560 }];
    const rnd = rng(SEED, `matmuls T=${T}`);
    const cols = 2560;
    const xs = Array.from({ length: T }, () => activations('normal', cols, rnd));
    const qs = quantizeAll(xs, paddedCols(cols));
    const mats = shapes.map(({ rows }) => ({ rows, w: rnd.ternary(rows * cols), wscale: f32(0.25 + rnd()) }));
    const wants = mats.map((m) => expectedY(m.w, m.rows, cols, m.wscale, qs, 0, m.rows));
    for (const { label, k } of VARIANTS.all()) {
      const { qp, sp, qsp } = quantizeIn(k, `matmuls ${label}`, xs, cols, qs);
      const placed = mats.map((m) => {
        const packed = packTernary(m.w, m.rows, cols);
        const w = k.alloc(packed.length);
        k.u8(w, packed.length).set(packed);
        const y = k.alloc(T * m.rows * 4);
        k.f32(y, T * m.rows).fill(SENTINEL);
        return { w, rows: m.rows, cols, wscale: m.wscale, y };
      });
      k.matmuls(placed, qp, sp, qsp, T);
      placed.forEach((m, i) => expectSame(`matmuls T=${T} ${label} matrix ${i}`, k.f32(m.y, T * m.rows), wants[i]));
    }
  });
});

describe('WasmKernels', () => {
  it('allocates aligned, zeroed memory and keeps it across growth', () => {
    const k = WasmKernels.fromModule(MODULE);
    const a = k.alloc(1000);
    const pattern = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    k.u8(a, 1000).set(pattern);
    const before = k.memoryBytes;
    const big = k.alloc(100 << 20, 4096);
    expect(big % 4096).toBe(0);
    expect(big).toBeGreaterThanOrEqual(a + 1000);
    expect(k.memoryBytes).toBeGreaterThan(before);
    expectSame('data after growth', k.u8(a, 1000), pattern);
    expect(k.u8(big + (100 << 20) - 16, 16).every((b) => b === 0)).toBe(true);
    expect(k.alloc(1, 64) % 64).toBe(0);
  });

  it('runs kernels on data allocated before the memory grew', () => {
    const k = WasmKernels.fromModule(MODULE);
    k.alloc(1); // the case's buffers start unaligned to pages, then grow the memory mid-case
    checkTernary({ rows: 300, cols: 6912, T: 2, kernel: 'gemm' }, k);
  });

  it('runs pooled kernels on data allocated before the shared memory grew', async () => {
    const k = await WasmKernels.create(await wasmKernelBytes('simd-threads'), { threads: 2, spawn: spawnNodeThread });
    try {
      k.alloc(1);
      checkTernary({ rows: 300, cols: 6912, T: 2, kernel: 'gemm' }, k);
    } finally {
      k.dispose();
    }
  });

  it('rejects bad arguments with clear errors', () => {
    const k = WasmKernels.fromModule(MODULE);
    const w = k.alloc(4 * rowBytes(64)), q = k.alloc(64), s = k.alloc(4), y = k.alloc(16);
    expect(() => k.gemv(w, 4, 64, 1, q, s, s, y, 0, 5)).toThrow(/row range \[0, 5\)/);
    expect(() => k.gemv(w, 4, 64, 1, q + 1, s, s, y, 0, 4)).toThrow(/not 16-byte aligned/);
    expect(() => k.gemv(w, 8, 64, 1, q, s, s, y, 0, 4)).toThrow(/outside the allocated heap/);
    expect(() => k.gemm(w, 4, 64, 1, q, s, s, 0, y, 0, 4)).toThrow(/tokens must be a positive integer/);
    expect(() => k.lmHead('F16', w, 1, 100, y, y, 0, 1)).toThrow(/cols % 8/);
    expect(() => k.lmHead('TQ2_0', w, 1, 64, y, y, 0, 1)).toThrow(/no kernel for TQ2_0/);
    expect(() => k.alloc(5 * 2 ** 30)).toThrow(/4 GiB/);
    expect(() => k.alloc(16, 3)).toThrow(/power of two/);
  });

  it('reports its build, and the relaxed-SIMD probe agrees with the relaxed build', async () => {
    expect(WasmKernels.fromModule(MODULE).relaxed).toBe(false);
    expect(supportsRelaxedSimd()).toBe(WebAssembly.validate(await wasmKernelBytes('relaxed')));
  });
});

describe('WasmKernels thread pool', () => {
  const threaded = async () => new WebAssembly.Module(await wasmKernelBytes('simd-threads'));

  it('tells the builds apart, and gives a threaded build a shared memory', async () => {
    expect(isThreadedBuild(MODULE)).toBe(false);
    expect(isThreadedBuild(await threaded())).toBe(true);
    expect(WasmKernels.fromModule(MODULE).memory.buffer).toBeInstanceOf(ArrayBuffer);
    expect(WasmKernels.fromModule(await threaded()).memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('refuses more than one thread without a threaded build or a way to spawn', async () => {
    await expect(WasmKernels.create(MODULE, { threads: 2, spawn: spawnNodeThread })).rejects.toThrow(/threaded build/);
    await expect(WasmKernels.create(await threaded(), { threads: 2 })).rejects.toThrow(/options.spawn/);
    await expect(WasmKernels.create(MODULE, { threads: 0 })).rejects.toThrow(/positive integer/);
    expect((await WasmKernels.create(MODULE)).threads).toBe(1);
  });

  it('fails to start, and stops the threads it started, when a thread reports an error', async () => {
    const stopped: string[] = [];
    let n = 0;
    const spawn = (): KernelThread => {
      const id = ++n;
      let reply: (m: { type: 'ready' } | { type: 'error'; message: string }) => void = () => {};
      return {
        listen: (onMessage) => (reply = onMessage),
        postMessage: () => queueMicrotask(() => reply(id === 2 ? { type: 'error', message: 'no wasm here' } : { type: 'ready' })),
        terminate: () => void stopped.push(`stopped ${id}`),
      };
    };
    await expect(WasmKernels.create(await threaded(), { threads: 3, spawn })).rejects.toThrow(/no wasm here/);
    expect(stopped.sort()).toEqual(['stopped 1', 'stopped 2']);
  });

  it('runs on after dispose, on this thread alone', async () => {
    const k = await WasmKernels.create(await threaded(), { threads: 2, spawn: spawnNodeThread });
    expect(k.threads).toBe(2);
    k.dispose();
    expect(k.threads).toBe(1);
    checkTernary({ rows: 70, cols: 640, T: 3, kernel: 'ternaryMatmul' }, k);
  });
});
