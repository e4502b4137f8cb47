// Embedding lookup on the GPU against dequantRow, bit for bit, for every row type: dequantization
// is a copy or one or two exact-input f32 products, so no tolerance applies. Rows hold random bit
// patterns (subnormals, signed zeros and extremes; F32/BF16 rows also inf and NaN, F16 all but
// NaN). Seed in the suite name; GPU_TEST_SEED=<seed> replays.
import { describe, expect, test } from 'vitest';
import { dequantRow, floatRowBytes } from '../../../model/float-codecs.ts';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { rng, testSeed, type Rng } from '../../../testing/random.ts';
import { readBack, run, stepBuffer, testContext, upload, uploadBytes } from '../test-gpu.ts';
import type { SizedKernel } from '../kernel.ts';
import { Embed, type FloatRowType } from './embed.ts';

const SEED = testSeed('GPU_TEST_SEED');
const SENTINEL = 0x7fc0dead; // a NaN pattern no dequantized value has in these tests

/** Random stored rows: every byte random, except f16 values (and block scales) kept off NaN. */
function randomMatrix(type: FloatRowType, rows: number, cols: number, r: Rng): Uint8Array {
  const bytes = r.bytes(rows * floatRowBytes(type, cols));
  const notNaN16 = (at: number) => {
    if ((bytes[at + 1] & 0x7c) === 0x7c) bytes[at + 1] &= 0x83; // exponent all ones -> zero: a subnormal
  };
  if (type === 'F16') for (let i = 0; i < bytes.length; i += 2) notNaN16(i);
  // Block scales must be finite for the products to be finite (inf * 0 would be NaN).
  if (type === 'Q8_0') for (let b = 0; b < bytes.length; b += 34) notNaN16(b);
  if (type === 'Q6_K') for (let b = 0; b < bytes.length; b += 210) notNaN16(b + 208);
  return bytes;
}

/** One pipeline per type for the whole file: building one costs about 0.3 s on SwiftShader. */
const kernels = new Map<FloatRowType, Embed>();

interface Case { type: FloatRowType; rows: number; cols: number; tokens: number; parts: number[] }

/** Runs the lookup for `tokens` random ids, the matrix cut into parts of the given row counts. */
async function check({ type, rows, cols, tokens: nTokens, parts }: Case, label: string): Promise<void> {
  const c = await testContext();
  const r = rng(SEED, label);
  const mat = randomMatrix(type, rows, cols, r);
  const rowBytes = floatRowBytes(type, cols);
  // Token ids sit after 3 unused slots; x rows are padded and offset, so offsets and strides count.
  const tokensOffset = 3, xOffset = 5, xStride = cols + 7;
  const ids = Uint32Array.from({ length: tokensOffset + nTokens }, () => r.int(rows));
  ids[tokensOffset] = rows - 1;
  if (nTokens > 1) ids[tokensOffset + 1] = 0;
  const outLen = xOffset + (nTokens + 1) * xStride;
  const x = upload(c, new Uint32Array(outLen).fill(SENTINEL));
  const step = stepBuffer(c, r.int(100), nTokens);
  const tokens = upload(c, ids);
  const kernel = kernels.get(type) ?? new Embed(c, type);
  kernels.set(type, kernel);
  const ops: SizedKernel[] = [];
  let row0 = 0;
  for (const n of parts) {
    const part = uploadBytes(c, mat.subarray(row0 * rowBytes, (row0 + n) * rowBytes));
    ops.push(kernel.create(`embed ${label}`, { tokens, mat: part, x, step, cols, rows: n, row0, tokensOffset, xOffset, xStride }));
    row0 += n;
  }
  expect(row0).toBe(rows);
  // One workgroup more than the step's tokens: it must write nothing.
  run(c, (pass) => ops.forEach((op) => op.encode(pass, op.workgroups(nTokens + 1))));
  const got = new Uint32Array(await readBack(c, x, outLen * 4));
  const want = new Uint32Array(outLen).fill(SENTINEL);
  const row = new Float32Array(cols);
  for (let t = 0; t < nTokens; t++) {
    dequantRow(type, mat, ids[tokensOffset + t], cols, row);
    want.set(new Uint32Array(row.buffer), xOffset + t * xStride);
  }
  expect(firstDifference(got, want)).toBe(-1);
}

function firstDifference(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}

describe(`embed (seed ${SEED})`, () => {
  // Odd shapes: F32/F16/BF16 rows of odd length (so F16/BF16 rows start mid-word), Q8_0 and Q6_K
  // rows of an odd number of blocks (34 * 3 and 210 * 3 bytes: rows start 2 bytes into a word).
  const cases: Case[] = [
    { type: 'F32', rows: 301, cols: 257, tokens: 5, parts: [301] },
    { type: 'F16', rows: 301, cols: 255, tokens: 5, parts: [301] },
    { type: 'BF16', rows: 301, cols: 255, tokens: 5, parts: [301] },
    { type: 'Q8_0', rows: 301, cols: 96, tokens: 5, parts: [301] },
    { type: 'Q6_K', rows: 301, cols: 768, tokens: 5, parts: [301] },
    { type: 'F16', rows: 200, cols: 2560, tokens: 3, parts: [200] },
    { type: 'Q6_K', rows: 200, cols: 2560, tokens: 1, parts: [200] },
    { type: 'F32', rows: 7, cols: 1, tokens: 1, parts: [7] },
  ];
  test.each(cases)('$type rows $rows x cols $cols, $tokens tokens', (k) => check(k, `${k.type} ${k.rows} ${k.cols}`));

  // The split path: three parts of odd row counts; ids 0 and rows-1 hit the first and last part.
  const splits: Case[] = (['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K'] as const).map((type) => ({
    type, rows: 1001, cols: type === 'Q6_K' ? 512 : type === 'Q8_0' ? 160 : 129, tokens: 9, parts: [333, 335, 333],
  }));
  test.each(splits)('$type split into $parts rows, cols $cols', (k) => check(k, `split ${k.type}`));
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('Embed.PARAMS follow shaders/embed.wgsl', () => {
  expect(paramsFields(loadShaderLibrary()['embed'])).toEqual([...Embed.PARAMS]);
});
