// GPU argmax against the CPU sampler's greedy choice (Sampler with GREEDY: lowest id on ties),
// which is exact: comparisons only. Ties are planted (the maximum repeated, the earliest copy in
// a later stride slice than another), plus NaN and -inf logits. Seed in the suite name;
// GPU_TEST_SEED=<seed> replays.
import { describe, expect, test } from 'vitest';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { rng, testSeed } from '../../../testing/random.ts';
import { GREEDY, Sampler } from '../../sampler.ts';
import { readBack, run, testContext, upload } from '../test-gpu.ts';
import { Argmax, NO_TOKEN } from './argmax.ts';

const SEED = testSeed('GPU_TEST_SEED');

let kernel: Argmax | undefined;

async function gpuArgmax(logits: Float32Array): Promise<number> {
  const c = await testContext();
  kernel ??= new Argmax(c);
  const logitsOffset = 3, outOffset = 2;
  const padded = new Float32Array(logitsOffset + logits.length + 1).fill(Infinity); // outside [0, n): must be ignored
  padded.set(logits, logitsOffset);
  const out = upload(c, new Uint32Array(4).fill(7));
  const op = kernel.create('argmax', { logits: upload(c, padded), out, n: logits.length, logitsOffset, outOffset });
  run(c, (pass) => op.encode(pass, op.workgroups(1)));
  const got = new Uint32Array(await readBack(c, out, 16));
  expect([got[0], got[1], got[3]]).toEqual([7, 7, 7]);
  return got[outOffset];
}

describe(`argmax (seed ${SEED})`, () => {
  test.each([128256, 32000, 1000, 257, 5, 1])('vocab %i, random with planted ties, NaN and -inf', async (n) => {
    const r = rng(SEED, `${n}`);
    const logits = r.floats(n, 40);
    for (let i = 0; i < Math.floor(n / 50); i++) logits[r.int(n)] = r() < 0.5 ? NaN : -Infinity;
    if (n > 2) {
      const max = 25; // above every random logit
      const copies = [r.int(n), r.int(n), r.int(n)];
      for (const i of copies) logits[i] = max;
    }
    const want = new Sampler(GREEDY).sample(logits.slice(), []);
    expect(await gpuArgmax(logits)).toBe(want);
  });

  test('ties: the lowest index wins across slices and within one', async () => {
    // With 256 invocations, index i is in slice i % 256.
    const logits = new Float32Array(2000).fill(-5);
    for (const i of [257, 1500, 255]) logits[i] = 3; // the lowest copy sits in the highest slice
    expect(await gpuArgmax(logits)).toBe(255);
    logits.fill(-5);
    for (const i of [1025, 257, 1]) logits[i] = 3; // all three in slice 1
    expect(await gpuArgmax(logits)).toBe(1);
    logits.fill(1);
    expect(await gpuArgmax(logits)).toBe(0);
  });

  test('the largest value wins over NaN and +inf is a value', async () => {
    expect(await gpuArgmax(new Float32Array([NaN, 2, NaN, 3, NaN]))).toBe(3);
    expect(await gpuArgmax(new Float32Array([1, Infinity, 2, Infinity]))).toBe(1);
  });

  test(`nothing above -inf gives NO_TOKEN (${NO_TOKEN}), where the CPU sampler throws`, async () => {
    const none = new Float32Array([-Infinity, NaN, -Infinity]);
    expect(() => new Sampler(GREEDY).sample(none.slice(), [])).toThrow();
    expect(await gpuArgmax(none)).toBe(NO_TOKEN);
  });
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('Argmax.PARAMS follow shaders/argmax.wgsl', () => {
  expect(paramsFields(loadShaderLibrary()['argmax'])).toEqual([...Argmax.PARAMS]);
});
