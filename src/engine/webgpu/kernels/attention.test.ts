// Attention on the GPU (decode: split + combine; prefill: query tiles) against math.ts attendHead,
// which works in float64. Tolerance: the GPU forms each score as an f32 dot product of headDim
// terms, and WGSL only bounds exp to 3 + 2|x| ULP, so each softmax weight may carry a relative
// error of about 1e-5 for scores of order 1, and up to about 1e-3 when scores reach +-100 (f32
// dot products of that size). The output, a weighted mean of values, is off by at most about that
// times max|v|: the bounds below are 1e-4 * max|v| and 2e-3 * max|v| for the large-score cases.
// (SwiftShader's exp is nearly exact: it gives 1e-7 and 4e-6.) A wrong mask, head mapping or
// missed chunk moves the output by a good fraction of max|v|.
import { expect, test } from 'vitest';
import { attendHead } from '../../math.ts';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { checked } from '../errors.ts';
import { empty, readBack, run, stepBuffer, testContext, upload, writeStep } from '../test-gpu.ts';
import { AttentionDecode, AttentionPrefill, type AttentionShape } from './attention.ts';
import { KvStore } from './kv-store.ts';

const seed = (Date.now() >>> 0) % 100000;

function rand(n: number, s: number, scale = 1): Float32Array {
  let x = s || 1;
  return Float32Array.from({ length: n }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 2 * scale);
}

/** attendHead for every token and head: token t at position pos + t sees 0 .. pos + t. */
function reference(s: AttentionShape, q: Float32Array, k: Float32Array, v: Float32Array, pos: number, n: number): Float32Array {
  const qDim = s.nHeads * s.headDim;
  const kvDim = s.nKvHeads * s.headDim;
  const group = s.nHeads / s.nKvHeads;
  const out = new Float32Array(n * qDim);
  const scores = new Float64Array(pos + n);
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < s.nHeads; h++) {
      attendHead(q, t * qDim + h * s.headDim, k, v, kvDim, Math.floor(h / group) * s.headDim, pos + t + 1, s.headDim, out, t * qDim + h * s.headDim, scores);
    }
  }
  return out;
}

function expectClose(got: Float32Array, want: Float32Array, v: Float32Array, rel: number, what: string): void {
  let vmax = 0;
  for (const x of v) vmax = Math.max(vmax, Math.abs(x));
  let worst = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  expect(worst, `${what}: worst error at element ${at}: got ${got[at]}, want ${want[at]}`).toBeLessThanOrEqual(rel * vmax);
}

interface Case {
  shape: AttentionShape;
  contextSize: number;
  pos: number;
  n: number;
  scale?: number;
  maxChunks?: number;
}

function name(c: Case): string {
  const s = c.shape;
  return `heads ${s.nHeads}/${s.nKvHeads} dim ${s.headDim}, pos ${c.pos} + ${c.n} tokens, context ${c.contextSize}${c.maxChunks ? `, ${c.maxChunks} chunks` : ''}${c.scale ? `, values x${c.scale}` : ''} (seed ${seed})`;
}

async function setup(k: Case) {
  const c = await testContext();
  const s = k.shape;
  const qDim = s.nHeads * s.headDim;
  const kvDim = s.nKvHeads * s.headDim;
  const kvLen = k.pos + k.n;
  const r = seed + kvLen * 7 + s.nHeads;
  const scale = k.scale ?? 1;
  const q = rand(k.n * qDim, r + 1, scale);
  const keys = rand(kvLen * kvDim, r + 2, scale);
  const values = rand(kvLen * kvDim, r + 3);
  const kCache = empty(c, k.contextSize * kvDim * 4);
  const vCache = empty(c, k.contextSize * kvDim * 4);
  c.device.queue.writeBuffer(kCache, 0, keys);
  c.device.queue.writeBuffer(vCache, 0, values);
  return { c, q, keys, values, kCache, vCache, want: reference(s, q, keys, values, k.pos, k.n), step: stepBuffer(c, k.pos, k.n), o: empty(c, k.n * qDim * 4), qDim };
}

// Kernels are cached by shape: SwiftShader's pipeline compile time grows with workgroup memory
// (about 1 ms per f32 element), so the cases share a few shapes.
const decoders = new Map<string, AttentionDecode>();
const prefills = new Map<string, AttentionPrefill>();
const key = (s: AttentionShape, tq?: number) => `${s.nHeads}/${s.nKvHeads}/${s.headDim}/${tq}`;

async function decoder(s: AttentionShape): Promise<AttentionDecode> {
  const c = await testContext();
  let d = decoders.get(key(s));
  if (!d) decoders.set(key(s), (d = await checked(c.device, 'attention-decode', () => new AttentionDecode(c, s))));
  return d;
}

async function prefiller(s: AttentionShape, tokensPerGroup?: number): Promise<AttentionPrefill> {
  const c = await testContext();
  let d = prefills.get(key(s, tokensPerGroup));
  if (!d) prefills.set(key(s, tokensPerGroup), (d = await checked(c.device, 'attention-prefill', () => new AttentionPrefill(c, s, { tokensPerGroup }))));
  return d;
}

const G4 = { nHeads: 8, nKvHeads: 2, headDim: 64 }; // 4 query heads per KV head, like BitNet 2B4T
const G3 = { nHeads: 6, nKvHeads: 2, headDim: 128 };
const G1 = { nHeads: 2, nKvHeads: 2, headDim: 36 }; // no GQA; headDim not a multiple of 8
const G2 = { nHeads: 4, nKvHeads: 2, headDim: 64 };

const decodeCases: Case[] = [
  { shape: G4, contextSize: 64, pos: 0, n: 1 },
  { shape: G4, contextSize: 300, pos: 299, n: 1 },
  { shape: G3, contextSize: 512, pos: 276, n: 1 },
  { shape: G3, contextSize: 200, pos: 130, n: 1, maxChunks: 3 },
  { shape: G1, contextSize: 200, pos: 190, n: 1, maxChunks: 1 }, // 3 tiles in one chunk
  { shape: G3, contextSize: 300, pos: 299, n: 1, maxChunks: 2 }, // chunks of 3 and 2 tiles
  { shape: G4, contextSize: 300, pos: 200, n: 1, scale: 8 }, // scores up to about +-100: needs the max subtraction
  { shape: G4, contextSize: 256, pos: 90, n: 3 }, // several tokens through the split path
  { shape: G2, contextSize: 96, pos: 9, n: 1 },
];

test.each(decodeCases.map((k) => [name(k), k] as const))('decode: %s', async (_, k) => {
  const { c, q, values, kCache, vCache, want, step, o } = await setup(k);
  const partials = empty(c, AttentionDecode.partialsBytes(k.shape, k.contextSize, k.n, k.maxChunks));
  const dec = await decoder(k.shape);
  const op = await checked(c.device, 'attention-decode', () =>
    dec.create('test', { q: upload(c, q), kCache, vCache, o, step, partials, contextSize: k.contextSize, maxChunks: k.maxChunks, maxTokens: k.n }),
  );
  run(c, (pass) => op.encode(pass, k.n));
  const got = new Float32Array(await readBack(c, o, want.length * 4));
  expectClose(got, want, values, k.scale ? 2e-3 : 1e-4, name(k));
});

const prefillCases: (Case & { tq?: number })[] = [
  { shape: G4, contextSize: 64, pos: 0, n: 1, tq: 2 },
  { shape: G4, contextSize: 128, pos: 0, n: 37, tq: 2 },
  { shape: G3, contextSize: 300, pos: 150, n: 71, tq: 1 },
  { shape: G1, contextSize: 100, pos: 3, n: 9, tq: 4 },
  { shape: G4, contextSize: 200, pos: 60, n: 67, tq: 2, scale: 8 },
  { shape: G2, contextSize: 96, pos: 0, n: 7 }, // the default: 8 tokens of 2 heads per workgroup
  { shape: G2, contextSize: 96, pos: 5, n: 30 },
];

test.each(prefillCases.map((k) => [`${name(k)}, ${k.tq ?? 'default'} tokens per workgroup`, k] as const))('prefill: %s', async (_, k) => {
  const { c, q, values, kCache, vCache, want, step, o } = await setup(k);
  const pre = await prefiller(k.shape, k.tq);
  const op = await checked(c.device, 'attention-prefill', () => pre.create('test', { q: upload(c, q), kCache, vCache, o, step }));
  run(c, (pass) => op.encode(pass, op.workgroups(k.n + 3))); // extra workgroups must write nothing
  const got = new Float32Array(await readBack(c, o, want.length * 4));
  expectClose(got, want, values, k.scale ? 2e-3 : 1e-4, name(k));
});

test(`engine order: kv-store + prefill of 23 tokens, then 3 decode steps, one Step buffer (seed ${seed})`, async () => {
  const c = await testContext();
  const s = G4;
  const qDim = s.nHeads * s.headDim;
  const kvDim = s.nKvHeads * s.headDim;
  const contextSize = 40;
  const row = qDim + 2 * kvDim; // fused [q | k | v] rows, as a fused QKV projection would write them
  const total = 26;
  const qkv = rand(total * row, seed + 99);
  const q = new Float32Array(total * qDim);
  const keys = new Float32Array(total * kvDim);
  const values = new Float32Array(total * kvDim);
  for (let t = 0; t < total; t++) {
    q.set(qkv.subarray(t * row, t * row + qDim), t * qDim);
    keys.set(qkv.subarray(t * row + qDim, t * row + qDim + kvDim), t * kvDim);
    values.set(qkv.subarray(t * row + qDim + kvDim, (t + 1) * row), t * kvDim);
  }
  const step = stepBuffer(c, 0, 0); // set before each call
  const kCache = empty(c, contextSize * kvDim * 4);
  const vCache = empty(c, contextSize * kvDim * 4);
  const input = empty(c, 23 * row * 4);
  const o = empty(c, 23 * qDim * 4);
  const io = { q: input, kCache, vCache, o, step, qStride: row };
  const store = new KvStore(c).create('store', { k: input, v: input, kCache, vCache, step, kvDim, contextSize, kOffset: qDim, kStride: row, vOffset: qDim + kvDim, vStride: row });
  const pre = (await prefiller(s, 2)).create('prefill', io);
  const dec = (await decoder(s)).create('decode', { ...io, partials: empty(c, AttentionDecode.partialsBytes(s, contextSize)), contextSize });
  const want = reference(s, q, keys, values, 0, total);
  for (const [pos, n] of [[0, 23], [23, 1], [24, 1], [25, 1]]) {
    writeStep(c, step, pos, n);
    c.device.queue.writeBuffer(input, 0, qkv, pos * row, n * row);
    run(c, (pass) => {
      store.encode(pass, store.workgroups(n));
      if (n > 1) pre.encode(pass, pre.workgroups(n));
      else dec.encode(pass, n);
    });
    const got = new Float32Array(await readBack(c, o, n * qDim * 4));
    expectClose(got, want.subarray(pos * qDim, (pos + n) * qDim), values, 1e-4, `tokens ${pos}..${pos + n - 1}`);
  }
});

/** Field names of `struct Params` in a WGSL source, in order. */
const paramsFields = (src: string) => [...(/struct Params \{([^}]*)\}/.exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('the PARAMS lists follow the WGSL Params structs', () => {
  const lib = loadShaderLibrary();
  expect(paramsFields(lib['attention-decode'])).toEqual([...AttentionDecode.SPLIT_PARAMS]);
  expect(paramsFields(lib['attention-combine'])).toEqual([...AttentionDecode.COMBINE_PARAMS]);
  expect(paramsFields(lib['attention-prefill'])).toEqual([...AttentionPrefill.PARAMS]);
});
