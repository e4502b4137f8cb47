// Test helper: one WebGPU context in Node (Dawn on SwiftShader here), buffer upload and read-back.
import { loadShaderLibrary } from '../../node/shaders.ts';
import { nodeGpu } from '../../node/gpu.ts';
import { GpuContext } from './context.ts';

let ctx: Promise<GpuContext> | undefined;


export function testContext(): Promise<GpuContext> {
  ctx ??= nodeGpu().then((gpu) => GpuContext.open(gpu, loadShaderLibrary(), { maxBindingBytes: 1 << 20, storageBuffersPerStage: 8 }));
  return ctx;
}

export function upload(c: GpuContext, data: ArrayBufferView, usage = 0): GPUBuffer {
  const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
  const b = c.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | usage });
  c.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
  return b;
}

export function empty(c: GpuContext, bytes: number): GPUBuffer {
  const b = c.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  return b;
}

export async function readBack(c: GpuContext, b: GPUBuffer, bytes = b.size): Promise<ArrayBuffer> {
  const staging = c.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = c.device.createCommandEncoder();
  enc.copyBufferToBuffer(b, 0, staging, 0, staging.size);
  c.device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.destroy();
  return out;
}

/** Records `fn` into one compute pass and submits it. */
export function run(c: GpuContext, fn: (pass: GPUComputePassEncoder) => void): void {
  const enc = c.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  fn(pass);
  pass.end();
  c.device.queue.submit([enc.finish()]);
}
