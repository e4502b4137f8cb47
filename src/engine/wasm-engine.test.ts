// The WASM engine on kernel thread pools (threaded SIMD128 build, 1, 2 and 3 threads) gives the
// reference engine's logits bit for bit: prefill across chunk boundaries, decode steps, roll-back,
// every LM-head type, grouped-query and SiLU models. engine.test.ts covers the single-threaded build.
// The opt-in int8 LM head gives int8-head.ts's logits bit for bit, on single-threaded and pooled
// kernels, for every head type, tied or an `output` tensor.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dequantRow, quantizeRows } from '../model/float-codecs.ts';
import { openGguf } from '../model/load-gguf.ts';
import type { ModelFile } from '../model/model-file.ts';
import { MemorySource } from '../model/source.ts';
import { syntheticRows } from '../model/synthetic.ts';
import { outputSlot } from '../model/tensors.ts';
import { buildGguf, editGguf, openSynthetic, type ModelOptions } from '../model/test-models.ts';
import { spawnNodeThread } from '../node/kernel-threads.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { ReferenceEngine } from './reference.ts';
import { WasmKernels } from './wasm/kernels.ts';
import { int8HeadLogits } from './int8-head.ts';
import { WasmEngine, type LmHeadMode } from './wasm-engine.ts';

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
async function pooled(m: ModelFile, threads: number, ctx: number, lmHead: LmHeadMode = 'exact'): Promise<WasmEngine> {
  const k = await WasmKernels.create(module, { threads, spawn: spawnNodeThread });
  pools.push(k);
  expect(k.threads).toBe(threads);
  return WasmEngine.load(m, k, ctx, { lmHead });
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

/** int8-head.ts's logits for hidden state h, from the model's head rows as dequantRow reads them. */
async function int8Reference(m: ModelFile, h: Float32Array): Promise<Float32Array> {
  const { type, bytes } = await m.readMatrix(m.lmHead);
  return int8HeadLogits(m.config.vocabSize, (v, out) => dequantRow(type, bytes, v, m.config.dim, out), h);
}

/**
 * Runs the exact and the int8 engine side by side (a prefill, then decode steps): the trunk is
 * untouched (the same hidden states), and the int8 logits are int8Reference of them.
 */
async function expectInt8Head(m: ModelFile, exact: WasmEngine, int8: WasmEngine): Promise<void> {
  expect([exact.lmHeadMode, int8.lmHeadMode]).toEqual(['exact', 'int8']);
  const ids = prompt(8, m.config.vocabSize, 9);
  for (const step of [ids.slice(0, 5), ids.slice(5, 6), ids.slice(6, 7), ids.slice(7)]) {
    await exact.forward(step);
    const got = await int8.forward(step);
    const h = int8.hiddenState();
    expectSame(`hidden state after ${int8.position} tokens`, [h], [exact.hiddenState()]);
    expectSame(`int8 logits after ${int8.position} tokens`, [got], [await int8Reference(m, h)]);
  }
}

/** A 1024-wide model: the int8 conversion takes the 556 head rows in 256-row steps. */
const WIDE_SHAPE = 'dim=1024,ffn=256,layers=1,heads=8,kv=2,vocab=300,ctx=32';

/** A bitnet (TQ2_0) model with an `output` LM head of `type` (GGUF type id `typeId`). */
async function untied(type: 'F16' | 'Q8_0', typeId: number): Promise<ModelFile> {
  const { config, bytes } = await buildGguf({ format: 'tq2_0', shape: WIDE_SHAPE, seed: 11 });
  const head = outputSlot(config);
  const data = quantizeRows(type, syntheticRows(12, head, 0, head.rows), head.rows, head.cols);
  return openGguf(new MemorySource(editGguf(bytes, (p) => p.tensors.push({ name: 'output.weight', ne: [head.cols, head.rows], typeId, data })), 'untied.gguf'));
}

describe('the int8 LM head', () => {
  test.each(['f16', 'f32', 'bf16', 'q8_0', 'q6_k'] as const)('single-threaded build, head stored as %s', async (embedding) => {
    const m = await open({ format: 'i2_s', embedding });
    const single = async (lmHead: LmHeadMode) => WasmEngine.load(m, await WasmKernels.create(await wasmKernelBytes('simd')), 16, { lmHead });
    await expectInt8Head(m, await single('exact'), await single('int8'));
  });

  test.each(THREADS)('on %i kernel thread(s): every head type, a wide model, untied F16 and Q8_0 heads', async (threads) => {
    const models = [
      ...(await Promise.all((['f16', 'f32', 'bf16', 'q8_0', 'q6_k'] as const).map((embedding) => open({ format: 'i2_s', embedding })))),
      await open({ format: 'i2_s', shape: WIDE_SHAPE, embedding: 'q6_k' }),
      await untied('F16', 1),
      await untied('Q8_0', 8),
    ];
    for (const m of models) await expectInt8Head(m, await pooled(m, threads, 16), await pooled(m, threads, 16, 'int8'));
  });

  test('memory stats count the int8 head beside the exact embedding, and in place of an untied exact head', async () => {
    const m = await open({ format: 'i2_s' });
    const exact = await pooled(m, 1, 16), int8 = await pooled(m, 1, 16, 'int8');
    const { vocabSize, dim } = m.config;
    expect(exact.lmHeadBytes).toBe(vocabSize * dim * 2);
    expect(int8.lmHeadBytes).toBe(vocabSize * (dim + (dim / 32) * 4));
    expect(int8.memory().weightBytes - exact.memory().weightBytes).toBe(int8.lmHeadBytes);
    const u = await untied('Q8_0', 8);
    const [ue, ui] = [await pooled(u, 1, 16), await pooled(u, 1, 16, 'int8')];
    expect(ui.memory().weightBytes - ue.memory().weightBytes).toBe(ui.lmHeadBytes - ue.lmHeadBytes);
  });

  test('a dim that is not whole blocks of 32 is refused at load', async () => {
    const m = await open({ format: 'hf', shape: 'dim=144,ffn=256,layers=1,heads=1,kv=1,vocab=300,ctx=16' });
    await expect(pooled(m, 1, 8, 'int8')).rejects.toThrow(/multiple of 32, got 144/);
  });
});
