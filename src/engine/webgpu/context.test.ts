// Device set-up and failures as callers see them: a clear "needs X, this adapter offers Y", and a
// lost device turning into GpuError('device-lost') instead of hanging or returning garbage.
import { expect, test } from 'vitest';
import { loadShaderLibrary } from '../../node/shaders.ts';
import { nodeGpu } from '../../node/gpu.ts';
import { openSynthetic } from '../../model/test-models.ts';
import { gpuNeeds, WebGpuEngine } from '../webgpu-engine.ts';
import { GpuContext } from './context.ts';
import { GpuError } from './errors.ts';

const needs = { maxBindingBytes: 1 << 20, storageBuffersPerStage: 5 };

async function expectGpuError(p: Promise<unknown>, code: GpuError['code'], message: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GpuError);
  expect((err as GpuError).code).toBe(code);
  expect((err as GpuError).message).toMatch(message);
}

test('a model that needs more than the adapter binds fails with both numbers', async () => {
  const gpu = await nodeGpu();
  await expectGpuError(GpuContext.open(gpu, loadShaderLibrary(), { ...needs, maxBindingBytes: 2 ** 40 }), 'limits', /needs storage buffers of 1099511627776 bytes, this adapter offers \d+/);
  await expectGpuError(GpuContext.open(gpu, loadShaderLibrary(), needs, { forceLimits: { maxStorageBufferBindingSize: 4096 } }), 'limits', /needs storage buffers of 1048576 bytes, this adapter offers 4096/);
  await expectGpuError(GpuContext.open(gpu, loadShaderLibrary(), { ...needs, storageBuffersPerStage: 99 }), 'limits', /needs 99 storage buffers per shader stage/);
  await expectGpuError(GpuContext.open(undefined, loadShaderLibrary(), needs), 'no-webgpu', /not available/);
});

test('gpuNeeds asks for the largest unsplit buffer, not the embedding', async () => {
  const m = await openSynthetic({ format: 'i2_s', shape: 'dim=256,ffn=768,layers=1,heads=4,kv=2,vocab=300,ctx=64' });
  const n = gpuNeeds(m, 64);
  expect(n.maxBindingBytes).toBe(4 * 64 * 768); // a prefill chunk of FFN activations
  expect(n.maxBindingBytes).toBeLessThan(m.matrixInfo('token_embd').bytes * 2);
});

test('a lost device surfaces as GpuError("device-lost")', async () => {
  const ctx = await GpuContext.open(await nodeGpu(), loadShaderLibrary(), needs);
  const m = await openSynthetic({ format: 'i2_s', shape: 'dim=256,ffn=256,layers=1,heads=2,kv=1,vocab=300,ctx=64' });
  const engine = await WebGpuEngine.load(m, ctx, 16);
  await engine.forward([1, 2]);
  ctx.device.destroy();
  await ctx.device.lost;
  await expectGpuError(engine.forward([3]), 'device-lost', /GPU device was lost \(destroyed/);
});

test('a missing shader is a clear internal error', async () => {
  const ctx = await GpuContext.open(await nodeGpu(), {}, needs);
  expect(() => ctx.module('rms-norm')).toThrow(/shader rms-norm\.wgsl is missing/);
});

test('an uncaught GPU error makes the next call fail clearly', async () => {
  const ctx = await GpuContext.open(await nodeGpu(), loadShaderLibrary(), needs);
  const m = await openSynthetic({ format: 'i2_s', shape: 'dim=256,ffn=256,layers=1,heads=2,kv=1,vocab=300,ctx=64' });
  const engine = await WebGpuEngine.load(m, ctx, 16);
  ctx.device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }); // invalid usage: a validation error nobody scoped
  await ctx.device.queue.onSubmittedWorkDone();
  await new Promise((r) => setTimeout(r, 50)); // the error event is delivered asynchronously
  await expectGpuError(engine.forward([1]), 'validation', /a GPU command failed/);
});
