// Profiling the WebGPU engine (Dawn on SwiftShader here): a profiled call gives exactly the logits
// of a normal one, covers every kernel kind, counts the dispatches it encodes, and the copy-kernel
// bandwidth probe measures something. No timing thresholds: SwiftShader is a CPU emulation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeBytesPerToken } from '../bench/measure.ts';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic } from '../model/test-models.ts';
import { measureCopyBandwidth } from './webgpu/bandwidth.ts';
import type { GpuContext } from './webgpu/context.ts';
import { summarizeProfiles, type StepProfile } from './webgpu/profile.ts';
import { testContext } from './webgpu/test-gpu.ts';
import { WebGpuEngine } from './webgpu-engine.ts';

const SHAPE = 'dim=128,ffn=256,layers=2,heads=4,kv=2,vocab=300,ctx=32';
// 556 F16 rows of 256 bytes: the embedding (also the LM head) in 2 parts.
const SPLIT = { maxBindingBytes: 100_000 };
const MATRICES = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'];
const COMMON = ['embed', 'rms_norm', 'quantize', 'rope', 'kv_store', 'attention', 'gated_act', 'residual'];

let ctx: GpuContext;
let model: ModelFile;
let normal: WebGpuEngine;
let profiled: WebGpuEngine;

beforeAll(async () => {
  ctx = await testContext();
  model = await openSynthetic({ shape: SHAPE, seed: 3, format: 'i2_s' });
  normal = await WebGpuEngine.load(model, ctx, 16, SPLIT);
  profiled = await WebGpuEngine.load(model, ctx, 16, { ...SPLIT, profile: true });
}, 120_000); // compiling the pipelines on SwiftShader takes seconds, more beside other test files

afterAll(() => {
  normal?.dispose();
  profiled?.dispose();
});

/** Counts the dispatches encoded while `fn` runs, below the engine (on the pass prototype). */
async function countDispatches<T>(fn: () => Promise<T>): Promise<{ result: T; dispatches: number }> {
  const proto = GPUComputePassEncoder.prototype;
  const original = proto.dispatchWorkgroups;
  let dispatches = 0;
  proto.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<typeof original>) {
    dispatches++;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), dispatches };
  } finally {
    proto.dispatchWorkgroups = original;
  }
}

function expectKernels(p: StepProfile, kinds: string[]): void {
  expect(Object.keys(p.kernels).sort()).toEqual([...kinds].sort());
  for (const [kind, k] of Object.entries(p.kernels)) {
    expect(k.dispatches, kind).toBeGreaterThan(0);
    expect(k.bytes, kind).toBeGreaterThan(0);
    if (ctx.features.timestamps) expect(k.gpuMs, kind).toBeGreaterThanOrEqual(0);
    else expect(k.gpuMs).toBeNull();
  }
  const sum = (f: (k: StepProfile['kernels'][string]) => number) => Object.values(p.kernels).reduce((a, k) => a + f(k), 0);
  expect(sum((k) => k.dispatches)).toBe(p.dispatches);
  expect(sum((k) => k.passes)).toBe(p.passes);
  expect(sum((k) => k.bytes)).toBe(p.bytes);
  expect(p.submissions).toBe(1);
}

describe('WebGPU engine profiling', () => {
  test('profiled calls give exactly the logits of normal calls, and a profile each', async () => {
    const ids = [400, 7, 123, 55, 9];
    expect(profiled.profiling).toBe(true);
    expect(normal.profiling).toBe(false);
    const prefill = await profiled.forward(ids);
    expect(prefill).toEqual(await normal.forward(ids));
    const { result: decode, dispatches } = await countDispatches(() => profiled.forward([17]));
    expect(decode).toEqual(await normal.forward([17]));
    expect(await profiled.forwardArgmax([decode.indexOf(Math.max(...decode))])).toBe(await normal.forwardArgmax([decode.indexOf(Math.max(...decode))]));
    expect(normal.lastProfile()).toBeUndefined();

    const [pre, dec, arg] = profiled.takeProfiles();
    expect(profiled.takeProfiles()).toEqual([]);
    expect([pre.position, pre.tokens, pre.want]).toEqual([0, 5, 'logits']);
    expect([dec.position, dec.tokens, arg.position, arg.want]).toEqual([5, 1, 6, 'argmax']);

    // Every kind, the matmuls by matrix name: GEMM in the prompt call, GEMV in decode calls.
    expectKernels(pre, [...COMMON, ...MATRICES.map((m) => `gemm.${m}`), 'lm_head']);
    expectKernels(dec, [...COMMON, ...MATRICES.map((m) => `gemv.${m}`), 'lm_head']);
    expectKernels(arg, [...COMMON, ...MATRICES.map((m) => `gemv.${m}`), 'lm_head', 'argmax']);

    // Dispatches: as counted on the pass prototype, and as the step's structure says: 2 embedding
    // parts, per layer 21 single dispatches + decode attention (split, combine), output norm, 2 LM-head parts.
    const L = model.config.nLayers;
    expect(dec.dispatches).toBe(dispatches);
    expect(dec.dispatches).toBe(2 + 23 * L + 1 + 2);
    expect(dec.passes).toBe(2 + 22 * L + 1 + 2);
    expect(pre.dispatches).toBe(2 + 22 * L + 1 + 2);
    expect(dec.kernels.attention.dispatches).toBe(2 * L);

    // Bytes: the decode step reads every packed matrix and the LM head once, and the K/V cache.
    expect(dec.weightBytes).toBeGreaterThanOrEqual(decodeBytesPerToken(model));
    const kvDim = model.config.nKvHeads * model.config.headDim;
    expect(dec.kvBytes).toBe(L * 2 * 4 * kvDim * 6);
    for (const m of MATRICES) expect(dec.kernels[`gemv.${m}`].weightBytes).toBe(pre.kernels[`gemm.${m}`].weightBytes);
    if (ctx.features.timestamps) {
      expect(dec.timestamps).toBe(true);
      expect(dec.gpuMs).toBeGreaterThanOrEqual(0);
      expect(dec.spanMs).toBeGreaterThanOrEqual(0);
    }

    const s = summarizeProfiles([dec, arg]);
    expect(s.tokens).toBe(2);
    expect(s.submissions).toBe(1);
    expect(s.dispatches).toBe((dec.dispatches + arg.dispatches) / 2);
    expect(s.kernels.map((k) => k.kind)).toContain('argmax');
    if (ctx.features.timestamps) expect(s.kernels.reduce((a, k) => a + k.share!, 0)).toBeCloseTo(1, 6);
  });

  test('profiling switched off: normal calls, no profiles', async () => {
    profiled.truncate(0);
    normal.truncate(0);
    profiled.setProfiling(false);
    expect(await profiled.forward([1, 2, 3])).toEqual(await normal.forward([1, 2, 3]));
    expect(profiled.takeProfiles()).toEqual([]);
    profiled.setProfiling(true);
    expect(await profiled.forward([4])).toEqual(await normal.forward([4]));
    expect(profiled.takeProfiles()).toHaveLength(1);
  });

  test('copy-kernel bandwidth probe', async () => {
    const timed = await measureCopyBandwidth(ctx, { bytes: 1 << 20, runs: 2 });
    expect(timed.bytes).toBe(1 << 20);
    expect(timed.seconds).toHaveLength(2);
    expect(timed.gbPerS).toBeGreaterThan(0);
    expect(timed.bestGbPerS).toBeGreaterThanOrEqual(timed.gbPerS);
    expect(timed.method).toBe(ctx.features.timestamps ? 'timestamp-query' : 'wall-clock');
    const clock = await measureCopyBandwidth(ctx, { bytes: 1 << 20, runs: 1, wallClock: true });
    expect(clock.method).toBe('wall-clock');
    expect(clock.gbPerS).toBeGreaterThan(0);
  });
});
