// Activation quantization on the GPU against math.ts quantizeActivations. The GPU computes
// s = 127 / amax with div_rn (correctly rounded, as the CPU's f32(127 / amax)), the max is
// exact in any order, x * s is a correctly rounded f32 multiply and WGSL round() ties to even,
// so q, Σq and s must match bit for bit, for arbitrary inputs and not only for exact scales.
// (With WGSL's native `/`, allowed 2.5 ULP of error, s could differ in the last bit and q by 1
// where x * s lands within an ULP of a .5 boundary; div_rn removes that.) Rerun a seed with
// TEST_SEED=<n>.
import { describe, expect, test } from 'vitest';
import { rng, testSeed } from '../../../testing/random.ts';
import { paddedCols } from '../../layout.ts';
import { quantizeActivations } from '../../math.ts';
import { readBack, run, testContext, upload } from '../test-gpu.ts';
import { actRowWords, QuantizeAct } from './quantize-act.ts';

const seed = testSeed('TEST_SEED');

let kernel: QuantizeAct | undefined;

/** Quantizes `rows` rows of x (row r at xOffset + r * xStride) on the GPU and on the CPU, and compares. */
async function check(x: Float32Array, rows: number, cols: number, what: string, xOffset = 0, xStride = cols): Promise<void> {
  const c = await testContext();
  const words = actRowWords(cols);
  const q = upload(c, new Uint32Array(rows * words).fill(0xdeadbeef)); // padding must be overwritten with 0
  const scale = upload(c, new Float32Array(rows));
  const sum = upload(c, new Int32Array(rows));
  kernel ??= new QuantizeAct(c);
  const op = kernel.create('test', { x: upload(c, x), q, scale, sum, cols, xOffset, xStride });
  run(c, (pass) => op.encode(pass, op.workgroups(rows)));
  const gotQ = new Int8Array(await readBack(c, q, rows * words * 4));
  const gotS = new Float32Array(await readBack(c, scale, rows * 4));
  const gotSum = new Int32Array(await readBack(c, sum, rows * 4));
  const kp = paddedCols(cols);
  for (let r = 0; r < rows; r++) {
    const want = new Int8Array(kp); // zero padding
    const res = quantizeActivations(x.subarray(xOffset + r * xStride, xOffset + r * xStride + cols), want.subarray(0, cols));
    expect(gotS[r], `${what} row ${r} scale`).toBe(res.scale);
    expect(gotSum[r], `${what} row ${r} sum`).toBe(res.sum);
    const got = gotQ.subarray(r * kp, (r + 1) * kp);
    for (let k = 0; k < kp; k++) if (got[k] !== want[k]) expect.fail(`${what} row ${r}: q[${k}] = ${got[k]}, want ${want[k]}`);
  }
}

describe(`quantize-act (seed ${seed})`, () => {
  test.each([[1, 64], [3, 100], [2, 128], [1, 192], [5, 1000], [2, 2560], [3, 6912]])('rows %i x cols %i, arbitrary inputs', async (rows, cols) => {
    const r = rng(seed, `${rows}x${cols}`);
    const x = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const amp = 10 ** (r() * 6 - 3); // amax from ~1e-3 to ~1e3: s is rarely exact
      for (let k = 0; k < cols; k++) x[i * cols + k] = (r() - 0.5) * amp;
    }
    await check(x, rows, cols, `seed ${seed}`);
  });

  test('exact scales (127 / amax exact): x * s on .5 boundaries rounds half to even', async () => {
    const cols = 100;
    // s = 1, 8 and 1/4: (k + 0.5) / s is exact in f32, so x * s lands exactly on the tie.
    const amaxes = [127, 127 / 8, 127 * 4, 4, 1024];
    const x = new Float32Array(amaxes.length * cols);
    const r = rng(seed, 'exact');
    amaxes.forEach((amax, i) => {
      const s = 127 / amax;
      for (let k = 0; k < cols; k++) x[i * cols + k] = k % 2 ? (r.int(254) - 127 + 0.5) / s : (r() * 2 - 1) * amax;
      x[i * cols + 7] = i % 2 ? -amax : amax;
    });
    x.set([2.5, -2.5, 3.5, 0.5, -0.5, -126.5], 0); // row 0 (s = 1): want 2, -2, 4, 0, 0, -126
    await check(x, amaxes.length, cols, `seed ${seed}`);
    const q = new Int8Array(cols);
    quantizeActivations(x.subarray(0, cols), q);
    expect([...q.subarray(0, 6)]).toEqual([2, -2, 4, 0, 0, -126]);
  });

  test('all-zero and tiny rows (amax below the 1e-5 floor)', async () => {
    const cols = 192;
    const x = new Float32Array(2 * cols);
    for (let k = 0; k < cols; k++) x[cols + k] = ((k % 7) - 3) * 1e-6;
    await check(x, 2, cols, 'zero/tiny');
  });

  test('rows at an element offset and stride', async () => {
    const cols = 1000, rows = 3, xStride = 1037, xOffset = 11;
    const x = rng(seed, 'offset').floats(xOffset + rows * xStride, 6);
    await check(x, rows, cols, `seed ${seed}`, xOffset, xStride);
  });
});
