// The WASM engine on kernel thread pools (threaded SIMD128 build, 1, 2 and 3 threads) gives the
// reference engine's logits bit for bit: prefill across chunk boundaries, decode steps, roll-back,
// every LM-head type, grouped-query and SiLU models. engine.test.ts covers the single-threaded build.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic, type ModelOptions } from '../model/test-models.ts';
import { spawnNodeThread } from '../node/kernel-threads.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { ReferenceEngine } from './reference.ts';
import { WasmKernels } from './wasm/kernels.ts';
import { WasmEngine } from './wasm-engine.ts';

const SHAPE = 'dim=256,ffn=768,layers=2,heads=4,kv=2,vocab=300,ctx=160';
const GQA3_SHAPE = 'dim=384,ffn=640,layers=2,heads=6,kv=2,vocab=300,ctx=96';
const THREADS = [1, 2, 3];

const open = (spec: ModelOptions) => openSynthetic({ shape: SHAPE, seed: 11, ...spec });
const prompt = (n: number, vocab: number, salt = 1) => Array.from({ length: n }, (_, i) => (i * 2654435761 + salt * 40503) % vocab >>> 0);

let module: WebAssembly.Module;
const pools: WasmKernels[] = [];
beforeAll(async () => {
  module = new WebAssembly.Module(await wasmKernelBytes('simd-threads'));
});
afterAll(() => pools.forEach((k) => k.dispose()));

/** An engine on a fresh pool of `threads` threads (disposed after the file). */
async function pooled(m: ModelFile, threads: number, ctx: number): Promise<WasmEngine> {
  const k = await WasmKernels.create(module, { threads, spawn: spawnNodeThread });
  pools.push(k);
  expect(k.threads).toBe(threads);
  return WasmEngine.load(m, k, ctx);
}

function expectSame(what: string, got: Float32Array[], want: Float32Array[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((x, i) => {
    const d = x.findIndex((v, j) => !Object.is(v, want[i][j]));
    expect(d, `${what}: position ${i}, logit ${d} differs (${x[d]} vs ${want[i][d]})`).toBe(-1);
  });
}

describe.each(THREADS)('WASM engine on %i kernel thread(s) equals the reference', (threads) => {
  test('prefill across chunk boundaries, decode steps, and roll-back', async () => {
    const model = await open({ format: 'i2_s' });
    const ref = await ReferenceEngine.load(model, 160);
    const fast = await pooled(model, threads, 160);
    const ids = prompt(70, 556, 3); // 70 > the 64-token prefill chunk
    expectSame('prefill', await fast.forward(ids, { allLogits: true }), await ref.forward(ids, { allLogits: true }));
    for (const id of [5, 77, 300, 555]) expectSame(`decode ${id}`, [await fast.forward([id])], [await ref.forward([id])]);
    fast.truncate(20);
    ref.truncate(20);
    const more = prompt(9, 556, 4);
    expectSame('after roll-back', await fast.forward(more, { allLogits: true }), await ref.forward(more, { allLogits: true }));
  });

  test.each(['f16', 'f32', 'bf16', 'q8_0', 'q6_k'] as const)('LM head stored as %s', async (embedding) => {
    const m = await open({ format: 'i2_s', embedding });
    const ids = prompt(6, 556, 5);
    expectSame(embedding, await (await pooled(m, threads, 8)).forward(ids, { allLogits: true }), await (await ReferenceEngine.load(m, 8)).forward(ids, { allLogits: true }));
  });

  test('three query heads per KV head, a 640-wide FFN; SiLU gate on TQ2_0', async () => {
    for (const m of [await open({ format: 'i2_s', shape: GQA3_SHAPE }), await open({ format: 'tq2_0', arch: 'bitnet', activation: 'silu' })]) {
      const ids = prompt(10, 556, 7);
      expectSame(m.config.arch, await (await pooled(m, threads, 16)).forward(ids, { allLogits: true }), await (await ReferenceEngine.load(m, 16)).forward(ids, { allLogits: true }));
    }
  });
});
