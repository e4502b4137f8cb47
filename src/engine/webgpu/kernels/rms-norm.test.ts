// RMSNorm on the GPU against math.ts. Tolerance: the GPU sums squares in f32 in a tree where the
// reference sums in f64, and inverseSqrt may be off by a few ULP (WGSL allows 2 ULP), so each
// output may differ by a few f32 ULP of its magnitude: 1e-5 relative covers that with margin,
// while a wrong formula (missing eps, wrong mean) is off by far more. Rerun a seed with TEST_SEED=<n>.
import { expect, test } from 'vitest';
import { rng, testSeed } from '../../../testing/random.ts';
import { rmsNorm } from '../../math.ts';
import { empty, readBack, run, testContext, upload } from '../test-gpu.ts';
import { RmsNorm } from './rms-norm.ts';

const seed = testSeed('TEST_SEED');

test.each([[1, 1], [3, 7], [2, 256], [5, 2560], [1, 6912], [4, 1000]])(`rows %i x cols %i (seed ${seed})`, async (rows, cols) => {
  const c = await testContext();
  const rnd = rng(seed, `${rows}x${cols}`);
  const x = rnd.floats(rows * cols, 8);
  const w = rnd.floats(cols, 2);
  const y = empty(c, rows * cols * 4);
  const op = new RmsNorm(c).create('test', { x: upload(c, x), w: upload(c, w), y, cols, eps: 1e-5 });
  run(c, (pass) => op.encode(pass, rows));
  const got = new Float32Array(await readBack(c, y, rows * cols * 4));
  const want = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) rmsNorm(x.subarray(r * cols, (r + 1) * cols), w, 1e-5, want.subarray(r * cols, (r + 1) * cols));
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.abs(want[i]) + 1e-30);
});
