// Whole-model checks on generated models: every file format gives the same logits, and the WASM
// engine gives exactly the reference engine's logits and greedy ids, across prefill chunks,
// decode steps, cache roll-back, embedding types, SiLU models and grouped-query shapes.
import { beforeAll, describe, expect, test } from 'vitest';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic, type ModelOptions } from '../model/test-models.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { ContextFullError, type Engine } from './engine.ts';
import { generate } from './generate.ts';
import { ReferenceEngine } from './reference.ts';
import { GREEDY, Sampler } from './sampler.ts';
import { WasmKernels } from './wasm/kernels.ts';
import { WasmEngine } from './wasm-engine.ts';

const SHAPE = 'dim=256,ffn=768,layers=2,heads=4,kv=2,vocab=300,ctx=160';
/** Three query heads per KV head, head size 64, and a 640-wide FFN (I2_S only: not a multiple of 256). */
const GQA3_SHAPE = 'dim=384,ffn=640,layers=2,heads=6,kv=2,vocab=300,ctx=96';

/** This file's models: SHAPE and seed 11 unless the spec says otherwise. */
const open = (spec: ModelOptions) => openSynthetic({ shape: SHAPE, seed: 11, ...spec });

let kernelBytes: Uint8Array;
beforeAll(async () => {
  kernelBytes = await wasmKernelBytes('simd');
});
const wasm = async (m: ModelFile, ctx?: number) => WasmEngine.load(m, await WasmKernels.create(kernelBytes.slice()), ctx);

/** Deterministic pseudo-random prompt ids in the vocabulary. */
const prompt = (n: number, vocab: number, salt = 1) => Array.from({ length: n }, (_, i) => (i * 2654435761 + salt * 40503) % vocab >>> 0);

type Logits = Float32Array | Float32Array[];

/** Awaits both sides (engines are async) and compares every logit bit for bit. */
async function expectSameLogits(pa: Logits | Promise<Logits>, pb: Logits | Promise<Logits>): Promise<void> {
  const [a, b] = await Promise.all([pa, pb]);
  const as = Array.isArray(a) ? a : [a];
  const bs = Array.isArray(b) ? b : [b];
  expect(as.length).toBe(bs.length);
  as.forEach((x, i) => {
    const firstDiff = x.findIndex((v, j) => !Object.is(v, bs[i][j]));
    expect(firstDiff, `position ${i}: logit ${firstDiff} differs (${x[firstDiff]} vs ${bs[i][firstDiff]})`).toBe(-1);
  });
}

describe('the same weights in every format', () => {
  test('I2_S, TQ2_0, TQ1_0 and HF packed give bit-identical logits (reference and WASM)', async () => {
    const ids = prompt(12, 556);
    const results: Float32Array[][] = [];
    for (const format of ['i2_s', 'tq2_0', 'tq1_0', 'hf'] as const) {
      // HF stores the embedding as BF16; the generator's values are exact in both, so logits agree.
      const m = await open({ format, arch: 'bitnet-b1.58' });
      expect(m.weightFormat).toBe({ i2_s: 'I2_S', tq2_0: 'TQ2_0', tq1_0: 'TQ1_0', hf: 'HF packed' }[format]);
      const ref = await (await ReferenceEngine.load(m, 32)).forward(ids, { allLogits: true });
      await expectSameLogits((await wasm(m, 32)).forward(ids, { allLogits: true }), ref);
      results.push(ref);
    }
    for (const r of results.slice(1)) await expectSameLogits(r, results[0]);
  });

  test('a different seed gives different logits (the identity above is not vacuous)', async () => {
    const ids = prompt(4, 556);
    const a = await (await ReferenceEngine.load(await open({ format: 'i2_s' }), 8)).forward(ids);
    const b = await (await ReferenceEngine.load(await open({ format: 'i2_s', seed: 12 }), 8)).forward(ids);
    expect(a.some((v, i) => v !== b[i])).toBe(true);
  });
});

describe('WASM engine equals the reference', () => {
  let model: ModelFile;
  beforeAll(async () => {
    model = await open({ format: 'i2_s' });
  });

  test('prefill across chunk boundaries, decode steps, and roll-back', async () => {
    const ref = await ReferenceEngine.load(model, 160);
    const fast = await wasm(model, 160);
    const ids = prompt(70, 556, 3); // 70 > the 64-token prefill chunk
    await expectSameLogits(fast.forward(ids, { allLogits: true }), ref.forward(ids, { allLogits: true }));
    for (const id of [5, 77, 300, 555]) await expectSameLogits(fast.forward([id]), ref.forward([id]));
    fast.truncate(20);
    ref.truncate(20);
    expect(fast.position).toBe(20);
    const more = prompt(9, 556, 4);
    const afterRollback = await fast.forward(more, { allLogits: true });
    await expectSameLogits(afterRollback, ref.forward(more, { allLogits: true }));
    // Rolled back then re-fed, the cache must equal a fresh run over the same history.
    const fresh = await wasm(model, 160);
    await expectSameLogits(fresh.forward([...ids.slice(0, 20), ...more]), afterRollback[afterRollback.length - 1]);
  });

  test.each(['f32', 'bf16', 'q8_0', 'q6_k'] as const)('embedding and LM head stored as %s', async (embedding) => {
    const m = await open({ format: 'i2_s', embedding });
    expect(m.embeddingType).toBe(embedding.toUpperCase());
    const ids = prompt(6, 556, 5);
    await expectSameLogits((await wasm(m, 8)).forward(ids, { allLogits: true }), (await ReferenceEngine.load(m, 8)).forward(ids, { allLogits: true }));
  });

  test('llama.cpp-style bitnet arch with a SiLU gate (TQ2_0)', async () => {
    const m = await open({ format: 'tq2_0', arch: 'bitnet', activation: 'silu' });
    expect(m.config.activation).toBe('silu');
    const ids = prompt(6, 556, 6);
    const ref = await (await ReferenceEngine.load(m, 8)).forward(ids, { allLogits: true });
    await expectSameLogits((await wasm(m, 8)).forward(ids, { allLogits: true }), ref);
    const relu2 = await (await ReferenceEngine.load(await open({ format: 'tq2_0', arch: 'bitnet' }), 8)).forward(ids, { allLogits: true });
    expect(relu2[5].some((v, i) => v !== ref[5][i])).toBe(true);
  });

  test('three query heads per KV head and a 640-wide FFN', async () => {
    const m = await open({ format: 'i2_s', shape: GQA3_SHAPE });
    expect(m.config.nHeads / m.config.nKvHeads).toBe(3);
    const ids = prompt(10, 556, 7);
    await expectSameLogits((await wasm(m, 16)).forward(ids, { allLogits: true }), (await ReferenceEngine.load(m, 16)).forward(ids, { allLogits: true }));
  });

  test('greedy generation gives the same ids on both backends', async () => {
    const tok = BitnetTokenizer.fromSource(model.tokenizer);
    const run = (engine: Engine) =>
      generate(engine, tok, tok.encode('Hello there, how are you?', { addBos: true }), { maxTokens: 24, sampler: new Sampler(GREEDY), stopIds: new Set() });
    const a = await run(await ReferenceEngine.load(model, 64));
    const b = await run(await wasm(model, 64));
    expect(a.ids).toHaveLength(24);
    expect(b.ids).toEqual(a.ids);
    expect(b.text).toBe(tok.decode(b.ids));
  });

  test('bad calls fail clearly', async () => {
    const e = await wasm(model, 8);
    await expect(e.forward(prompt(9, 556))).rejects.toThrow(ContextFullError);
    await expect(e.forward([556])).rejects.toThrow(/outside the vocabulary/);
    await e.forward([1, 2]);
    expect(() => e.truncate(3)).toThrow(/cannot truncate/);
  });
});
