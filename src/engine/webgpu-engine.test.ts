// The WebGPU engine (Dawn on SwiftShader here) against the reference engine on generated models:
// the same greedy ids, and logits within a tolerance (see compare-logits.ts), in every file format, with
// the embedding split across buffers, and for prompts longer than one prefill chunk. The same
// comparison runs in headless Chromium in e2e/webgpu.spec.ts.
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic, type ModelOptions } from '../model/test-models.ts';
import { argmax, compareLogits, MIN_CLEAN } from './compare-logits.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { generate } from './generate.ts';
import { ReferenceEngine } from './reference.ts';
import { GREEDY, Sampler } from './sampler.ts';
import { testContext } from './webgpu/test-gpu.ts';
import { WebGpuEngine } from './webgpu-engine.ts';
import type { GpuContext } from './webgpu/context.ts';

const SHAPE = 'dim=256,ffn=768,layers=2,heads=4,kv=2,vocab=300,ctx=160';
const open = (o: Partial<ModelOptions> & Pick<ModelOptions, 'format'>) => openSynthetic({ shape: SHAPE, seed: 11, ...o });
const prompt = (n: number, vocab: number, salt = 1) => Array.from({ length: n }, (_, i) => ((i * 2654435761 + salt * 40503) >>> 0) % vocab);

/** Logits within TIGHT at every position up to the first rounding flip, which may not come before
 * `minClean` positions: see compare-logits.ts for why random ternary models need that. */
function expectClose(got: Float32Array[], want: Float32Array[], minClean = Math.min(MIN_CLEAN, want.length)): void {
  expect(got).toHaveLength(want.length);
  const { clean, summary } = compareLogits(got, want);
  expect(clean, `relative error per position: ${summary}`).toBeGreaterThanOrEqual(minClean);
}

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await testContext();
});

describe('WebGPU engine vs reference', () => {
  let model: ModelFile;
  beforeAll(async () => {
    model = await open({ format: 'i2_s', arch: 'bitnet-b1.58' });
  });

  test('prefill, decode steps and greedy continuation', async () => {
    const ref = await ReferenceEngine.load(model, 96);
    const gpu = await WebGpuEngine.load(model, ctx, 96);
    const ids = prompt(4, 556);
    const got = [await gpu.forward(ids)];
    const want = [await ref.forward(ids)];
    got.push(await gpu.forward([3]));
    want.push(await ref.forward([3]));
    expectClose(got, want, 2);
    // greedy: more tokens, ids must agree; forwardArgmax reads back only the id
    let next = argmax(want[1]);
    for (let i = 0; i < 4; i++) {
      const fed = next;
      const got = await gpu.forwardArgmax([fed]);
      next = argmax(await ref.forward([fed]));
      expect(got).toBe(next);
    }
    expect(gpu.position).toBe(ref.position);
    gpu.dispose();
  });

  test('generation on the device: greedy ids as the reference, early stop rolls back the step queued ahead', async () => {
    const tok = BitnetTokenizer.fromSource(model.tokenizer);
    const ids = prompt(4, 556);
    const ref = await generate(await ReferenceEngine.load(model, 32), tok, ids, { maxTokens: 6, sampler: new Sampler(GREEDY), stopIds: new Set() });
    const gpu = await WebGpuEngine.load(model, ctx, 32);
    const got = await generate(gpu, tok, ids, { maxTokens: 6, sampler: new Sampler(GREEDY), stopIds: new Set(), onDevice: true });
    expect(got.ids).toEqual(ref.ids);
    expect(gpu.position).toBe(ids.length + 5); // the last token is drawn, not fed
    // Stop at the 3rd token: the step queued ahead (which fed it) must be undone.
    gpu.truncate(0);
    const stopped = await generate(gpu, tok, ids, { maxTokens: 6, sampler: new Sampler(GREEDY), stopIds: new Set([ref.ids[2]]), onDevice: true });
    expect(stopped.ids).toEqual(ref.ids.slice(0, 2));
    expect(stopped.stopReason).toBe('stop-token');
    expect(gpu.position).toBe(ids.length + 2);
    // Sampling on the device is seeded: the same seed draws the same tokens.
    const sampled = async () => {
      gpu.truncate(0);
      return (await generate(gpu, tok, ids, { maxTokens: 5, sampler: new Sampler({ temperature: 1.5, topK: 20, seed: 9 }), stopIds: new Set(), onDevice: true })).ids;
    };
    const a = await sampled();
    expect(await sampled()).toEqual(a);
    expect(a).toHaveLength(5);
    gpu.dispose();
  });

  test('prefill in chunks (70 tokens: 64 + 6) equals token-by-token decoding on the GPU', async () => {
    // Both paths run on the GPU with the same float steps, except GEMM vs GEMV (both exact) and
    // prefill vs decode attention, so they agree far beyond the reference comparison; any error
    // in chunk positions, Step values or the KV cache shows at once.
    const ids = prompt(70, 556, 3);
    const chunked = await WebGpuEngine.load(model, ctx, 160);
    const stepwise = await WebGpuEngine.load(model, ctx, 160);
    const a = await chunked.forward(ids);
    const b = (await stepwise.forward(ids, { allLogits: true })).at(-1)!;
    expectClose([a], [b], 1);
    chunked.truncate(10);
    stepwise.truncate(10);
    expectClose([await chunked.forward([9, 8, 7])], [(await stepwise.forward([9, 8, 7], { allLogits: true })).at(-1)!], 1);
    chunked.dispose();
    stepwise.dispose();
  });

  test('teacher-forced logits at every position', async () => {
    const ids = prompt(5, 556, 4);
    const want = await (await ReferenceEngine.load(model, 8)).forward(ids, { allLogits: true });
    const gpu = await WebGpuEngine.load(model, ctx, 8);
    const got = await gpu.forward(ids, { allLogits: true });
    expectClose(got, want);
    gpu.dispose();
  });

  test('embedding and LM head split across several buffers', async () => {
    // 556 rows of 512 bytes (F16, dim 256) in parts of at most 100 KB: 3 parts, the last short.
    const gpu = await WebGpuEngine.load(model, ctx, 16, { maxBindingBytes: 100_000 });
    const ids = prompt(4, 556, 5);
    expectClose(await gpu.forward(ids, { allLogits: true }), await (await ReferenceEngine.load(model, 16)).forward(ids, { allLogits: true }));
    gpu.dispose();
  });
});

describe.each([
  { format: 'tq2_0', arch: 'bitnet', activation: 'silu' },
  { format: 'tq1_0', arch: 'bitnet' },
  { format: 'hf' },
  { format: 'i2_s', embedding: 'q6_k' },
  { format: 'i2_s', embedding: 'q8_0' },
] as const)('other formats and types: %o', (spec) => {
  test('logits close to the reference', async () => {
    const m = await open(spec);
    const ids = prompt(5, 556, 6);
    const gpu = await WebGpuEngine.load(m, ctx, 8);
    expectClose(await gpu.forward(ids, { allLogits: true }), await (await ReferenceEngine.load(m, 8)).forward(ids, { allLogits: true }));
    gpu.dispose();
  });
});
