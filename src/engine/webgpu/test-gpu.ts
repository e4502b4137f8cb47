// Test helper: one WebGPU context in Node (Dawn on SwiftShader here), buffer upload and read-back,
// and the small inputs the kernel tests share (Step uniforms, byte uploads, packed activations).
import { loadShaderLibrary } from '../../node/shaders.ts';
import { nodeGpu } from '../../node/gpu.ts';
import { paddedCols } from '../layout.ts';
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

/** Uploads bytes padded to whole words (a part of odd rows of odd byte length is not). */
export function uploadBytes(c: GpuContext, bytes: Uint8Array): GPUBuffer {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  return upload(c, padded);
}

/** Writes a Step uniform: pos, n_tokens, kv_len = pos + n_tokens, 0. */
export function writeStep(c: GpuContext, step: GPUBuffer, pos: number, nTokens: number): void {
  c.device.queue.writeBuffer(step, 0, new Uint32Array([pos, nTokens, pos + nTokens, 0]));
}

/** A 16-byte Step uniform holding `nTokens` tokens from `pos` (writeStep sets it again). */
export function stepBuffer(c: GpuContext, pos: number, nTokens: number): GPUBuffer {
  const b = c.device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  writeStep(c, b, pos, nTokens);
  return b;
}

/** Packs int8 rows of `cols` into u32 rows of paddedCols(cols) / 4 words (zero padding). */
export function packActs(q: Int8Array, cols: number, tokens: number): Uint32Array {
  const kp = paddedCols(cols);
  const bytes = new Int8Array(tokens * kp);
  for (let t = 0; t < tokens; t++) bytes.set(q.subarray(t * cols, (t + 1) * cols), t * kp);
  return new Uint32Array(bytes.buffer);
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
