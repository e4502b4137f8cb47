// KV cache append on the GPU: a pure copy, so every cached value must equal its input bit for bit,
// rows outside this call's positions must be untouched, and positions past the context dropped.
import { expect, test } from 'vitest';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { empty, readBack, run, stepBuffer, testContext, upload } from '../test-gpu.ts';
import { KvStore } from './kv-store.ts';

const seed = (Date.now() >>> 0) % 100000;

function rand(n: number, s: number): Float32Array {
  let x = s || 1;
  return Float32Array.from({ length: n }, () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5);
}

test(`prefill, then decode steps, into [contextSize][kvDim] (seed ${seed})`, async () => {
  const c = await testContext();
  const kvDim = 40;
  const contextSize = 37;
  const kCache = empty(c, contextSize * kvDim * 4);
  const vCache = empty(c, contextSize * kvDim * 4);
  const want = { k: new Float32Array(contextSize * kvDim), v: new Float32Array(contextSize * kvDim) };
  const op = new KvStore(c);
  // Calls of 5, 1, 1, 17 tokens, then 20 tokens from position 24 of which 13 fit.
  let pos = 0;
  for (const [i, n] of [5, 1, 1, 17, 20].entries()) {
    const k = rand(n * kvDim, seed + 10 * i + 1);
    const v = rand(n * kvDim, seed + 10 * i + 2);
    const bound = op.create('test', { k: upload(c, k), v: upload(c, v), kCache, vCache, step: stepBuffer(c, pos, n), kvDim, contextSize });
    run(c, (pass) => bound.encode(pass, bound.workgroups(n)));
    const fit = Math.min(n, contextSize - pos);
    want.k.set(k.subarray(0, fit * kvDim), pos * kvDim);
    want.v.set(v.subarray(0, fit * kvDim), pos * kvDim);
    pos += n;
  }
  expect(new Float32Array(await readBack(c, kCache, contextSize * kvDim * 4))).toEqual(want.k);
  expect(new Float32Array(await readBack(c, vCache, contextSize * kvDim * 4))).toEqual(want.v);
});

test(`rows from a fused [T][q | k | v] buffer, caches sharing one buffer (seed ${seed})`, async () => {
  const c = await testContext();
  const kvDim = 24;
  const qDim = 96;
  const row = qDim + 2 * kvDim;
  const contextSize = 16; // 16 * 24 * 4 = 1536 bytes per cache, a multiple of the 256-byte binding alignment
  const n = 3;
  const pos = 6;
  const qkv = rand(n * row, seed + 7);
  const caches = empty(c, 2 * contextSize * kvDim * 4);
  const half = contextSize * kvDim * 4;
  const op = new KvStore(c).create('test', {
    k: upload(c, qkv), v: upload(c, qkv), kCache: { buffer: caches, offset: 0, size: half }, vCache: { buffer: caches, offset: half, size: half },
    step: stepBuffer(c, pos, n), kvDim, contextSize, kOffset: qDim, kStride: row, vOffset: qDim + kvDim, vStride: row,
  });
  run(c, (pass) => op.encode(pass, op.workgroups(n + 2))); // extra workgroups must do nothing
  const got = new Float32Array(await readBack(c, caches, 2 * half));
  const want = new Float32Array(2 * contextSize * kvDim);
  for (let t = 0; t < n; t++) {
    want.set(qkv.subarray(t * row + qDim, t * row + qDim + kvDim), (pos + t) * kvDim);
    want.set(qkv.subarray(t * row + qDim + kvDim, (t + 1) * row), contextSize * kvDim + (pos + t) * kvDim);
  }
  expect(got).toEqual(want);
});

test('KvStore.PARAMS follow shaders/kv-store.wgsl', () => {
  const fields = [...(/struct Params \{([^}]*)\}/.exec(loadShaderLibrary()['kv-store'])?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);
  expect(fields).toEqual([...KvStore.PARAMS]);
});
