// RoPE on the GPU against ropeNeox with the same cos/sin (ropeAngles, via ropeTable): the kernel
// does ropeNeox's f32 products and sums, so results must match bit for bit. (A GPU compiler that
// fused a·cos − b·sin into an fma would differ by an ulp; SwiftShader does not.) Seed in the
// suite name; GPU_TEST_SEED=<seed> replays.
import { describe, expect, test } from 'vitest';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { rng, testSeed } from '../../../testing/random.ts';
import { ropeAngles, ropeNeox } from '../../math.ts';
import { readBack, run, stepBuffer, testContext, upload } from '../test-gpu.ts';
import { Rope, ropeTable } from './rope.ts';

const SEED = testSeed('GPU_TEST_SEED');

interface Case {
  heads: number; headDim: number; tokens: number; pos: number; base: number;
  /** Extra elements per token row after the heads (v in a fused q|k|v row), left untouched. */
  tail: number;
}

describe(`rope (seed ${SEED})`, () => {
  const cases: Case[] = [
    { heads: 20, headDim: 128, tokens: 1, pos: 4095, base: 500000, tail: 0 }, // 2B4T q, last position of 4096
    { heads: 5, headDim: 128, tokens: 3, pos: 17, base: 500000, tail: 0 }, // 2B4T k, a short prefill
    { heads: 25, headDim: 128, tokens: 2, pos: 1000, base: 500000, tail: 640 }, // q and k of a fused q|k|v row
    { heads: 3, headDim: 6, tokens: 7, pos: 0, base: 10000, tail: 1 },
    { heads: 1, headDim: 2, tokens: 1, pos: 5, base: 10000, tail: 0 },
  ];
  test.each(cases)('heads $heads x headDim $headDim, $tokens tokens from pos $pos, tail $tail', async (k) => {
    const c = await testContext();
    const r = rng(SEED, `${k.heads} ${k.headDim} ${k.pos}`);
    const stride = k.heads * k.headDim + k.tail;
    const xOffset = 3;
    // One row more than the step's tokens: it must stay as it was.
    const x = r.floats(xOffset + (k.tokens + 1) * stride, 8);
    const xBuf = upload(c, x);
    const table = upload(c, ropeTable(k.pos + k.tokens, k.headDim, k.base));
    const op = new Rope(c).create('rope', { x: xBuf, table, step: stepBuffer(c, k.pos, k.tokens), heads: k.heads, headDim: k.headDim, xOffset, xStride: stride });
    run(c, (pass) => op.encode(pass, op.workgroups(k.tokens + 1)));
    const got = new Float32Array(await readBack(c, xBuf, x.byteLength));
    const want = x.slice();
    for (let t = 0; t < k.tokens; t++) {
      const { cos, sin } = ropeAngles(k.pos + t, k.headDim, k.base);
      for (let hd = 0; hd < k.heads; hd++) {
        const at = xOffset + t * stride + hd * k.headDim;
        ropeNeox(want.subarray(at, at + k.headDim), cos, sin);
      }
    }
    expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
  });
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('Rope.PARAMS follow shaders/rope.wgsl', () => {
  expect(paramsFields(loadShaderLibrary()['rope'])).toEqual([...Rope.PARAMS]);
});
