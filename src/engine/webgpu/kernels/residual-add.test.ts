// Residual add on the GPU: one correctly rounded f32 add per element, so it must match
// Math.fround(x + y) bit for bit. Seed in the suite name; GPU_TEST_SEED=<seed> replays.
import { describe, expect, test } from 'vitest';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { rng, testSeed } from '../../../testing/random.ts';
import { readBack, run, stepBuffer, testContext, upload } from '../test-gpu.ts';
import { ResidualAdd } from './residual-add.ts';

const SEED = testSeed('GPU_TEST_SEED');

describe(`residual-add (seed ${SEED})`, () => {
  test.each([
    { len: 2560, tokens: 1, pad: 0 },
    { len: 2560, tokens: 4, pad: 0 },
    { len: 257, tokens: 3, pad: 5 },
    { len: 1, tokens: 1, pad: 0 },
  ])('len $len, $tokens tokens, rows padded by $pad', async ({ len, tokens, pad }) => {
    const c = await testContext();
    const r = rng(SEED, `${len} ${tokens} ${pad}`);
    const xOffset = pad, xStride = len + pad, yOffset = 2 * pad, yStride = len + 2 * pad;
    // One row more than the step's tokens: it must stay as it was. Magnitudes vary so adds round.
    const x = r.floats(xOffset + (tokens + 1) * xStride, () => 10 ** (r() * 6 - 3));
    const y = r.floats(yOffset + (tokens + 1) * yStride, () => 10 ** (r() * 6 - 3));
    const xBuf = upload(c, x);
    const op = new ResidualAdd(c).create('residual', { x: xBuf, y: upload(c, y), step: stepBuffer(c, 0, tokens), len, xOffset, xStride, yOffset, yStride });
    run(c, (pass) => op.encode(pass, op.workgroups(tokens + 1)));
    const got = new Float32Array(await readBack(c, xBuf, x.byteLength));
    const want = x.slice();
    for (let t = 0; t < tokens; t++) {
      for (let j = 0; j < len; j++) want[xOffset + t * xStride + j] = Math.fround(x[xOffset + t * xStride + j] + y[yOffset + t * yStride + j]);
    }
    expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
  });
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('ResidualAdd.PARAMS follow shaders/residual-add.wgsl', () => {
  expect(paramsFields(loadShaderLibrary()['residual-add'])).toEqual([...ResidualAdd.PARAMS]);
});
