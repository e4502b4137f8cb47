// Gated activation on the GPU against gatedActivation. relu2 is products only, so it must match
// bit for bit. SiLU uses exp: WGSL allows exp an error of 3 + 2|g| ulp, the division 2.5 ulp, the
// add and the product with up 0.5 ulp each, and the reference rounds twice (0.5 ulp each); every
// relative error reaches the result scaled by at most 1 (d(ln silu)/d(ln e^-g) = e^-g/(1+e^-g)),
// so |gpu − ref| ≤ (8 + 2|g|) · 2^-23 · |ref| to first order: the test allows (10 + 2|g|) ulp,
// plus 2^-118 absolute: for g < -88.7 e^-g overflows f32 and the GPU gives ±0, where the true
// value is below 89 · 2^-128 · |up| < 2^-118 (|up| ≤ 2 here). A wrong formula
// (e.g. sigmoid alone, or a missing factor) is off by far more. Seed in the suite name;
// GPU_TEST_SEED=<seed> replays.
import { describe, expect, test } from 'vitest';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { rng, testSeed } from '../../../testing/random.ts';
import { gatedActivation } from '../../math.ts';
import { readBack, run, stepBuffer, testContext, upload } from '../test-gpu.ts';
import { GatedAct, type Activation } from './gated-act.ts';

const SEED = testSeed('GPU_TEST_SEED');
const SENTINEL = -777.25;

interface Case { act: Activation; len: number; tokens: number; gScale: number }

describe(`gated-act (seed ${SEED})`, () => {
  const cases: Case[] = [
    { act: 'relu2', len: 6912, tokens: 2, gScale: 8 },
    { act: 'relu2', len: 37, tokens: 5, gScale: 8 },
    { act: 'silu', len: 6912, tokens: 2, gScale: 40 },
    { act: 'silu', len: 37, tokens: 5, gScale: 400 }, // |g| up to 200: e^-g overflows f32
  ];
  test.each(cases)('$act len $len, $tokens tokens, g in ±$gScale/2', async (k) => {
    const c = await testContext();
    const r = rng(SEED, `${k.act} ${k.len}`);
    // A fused gate|up row per token (gate then up), y rows padded and offset.
    const gu = r.floats((k.tokens + 1) * 2 * k.len, (i) => (i % (2 * k.len) < k.len ? k.gScale : 4));
    const yOffset = 2, yStride = k.len + 3;
    const yLen = yOffset + (k.tokens + 1) * yStride;
    const guBuf = upload(c, gu);
    const y = upload(c, new Float32Array(yLen).fill(SENTINEL));
    const op = new GatedAct(c, k.act).create('gated-act', {
      gate: guBuf, up: guBuf, y, step: stepBuffer(c, 9, k.tokens), len: k.len,
      gateStride: 2 * k.len, upOffset: k.len, upStride: 2 * k.len, yOffset, yStride,
    });
    run(c, (pass) => op.encode(pass, op.workgroups(k.tokens + 1))); // one token too many: it must write nothing
    const got = new Float32Array(await readBack(c, y, yLen * 4));
    const want = new Float32Array(yLen).fill(SENTINEL);
    const gates: number[] = new Array(yLen).fill(0);
    for (let t = 0; t < k.tokens; t++) {
      const gate = gu.slice(2 * t * k.len, (2 * t + 1) * k.len);
      gates.splice(yOffset + t * yStride, k.len, ...gate);
      gatedActivation(gate, gu.subarray((2 * t + 1) * k.len, (2 * t + 2) * k.len), k.act);
      want.set(gate, yOffset + t * yStride);
    }
    if (k.act === 'relu2') {
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
      return;
    }
    for (let i = 0; i < yLen; i++) {
      const tol = (10 + 2 * Math.abs(gates[i])) * 2 ** -23 * Math.abs(want[i]) + 2 ** -118;
      if (!(Math.abs(got[i] - want[i]) <= tol)) expect.fail(`element ${i} (g ${gates[i]}): got ${got[i]}, want ${want[i]} ± ${tol}`);
    }
  });
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('GatedAct.PARAMS follow shaders/gated-act.wgsl', () => {
  expect(paramsFields(loadShaderLibrary()['gated-act'])).toEqual([...GatedAct.PARAMS]);
});
