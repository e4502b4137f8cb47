// Which engine runs the model, and why, in words the user sees. 'auto' takes WebGPU only on a
// hardware adapter whose kernels pass a self-test against the CPU; a software adapter
// (SwiftShader and the like) is slower than the WASM engine, so it is used only when forced.
import type { Engine } from '../engine/engine.ts';
import { GpuContext, type ShaderLibrary } from '../engine/webgpu/context.ts';
import { supportsRelaxedSimd, WasmKernels } from '../engine/wasm/kernels.ts';
import { WasmEngine } from '../engine/wasm-engine.ts';
import { gpuNeeds, WebGpuEngine } from '../engine/webgpu-engine.ts';
import type { ModelFile } from '../model/model-file.ts';
import { gpuSelfTest } from './gpu-self-test.ts';
import type { BackendChoice, BackendInfo } from './protocol.ts';

/** What the runtime offers; the worker passes the browser's, tests Node's. */
export interface BackendEnv {
  /** navigator.gpu, where there is one. */
  gpu: GPU | undefined;
  shaders(): ShaderLibrary;
  /** A WASM kernel build, compiled or as bytes. */
  wasmKernels(build: 'simd' | 'relaxed'): Promise<WebAssembly.Module | BufferSource>;
}

export type BackendPhase = 'compile' | 'self-test' | 'weights';

export interface OpenedBackend {
  engine: Engine;
  info: BackendInfo;
  /** The WebGPU device the engine runs on, to watch for its loss and to release it. */
  gpu?: GpuContext;
}

type AdapterReport = NonNullable<BackendInfo['adapter']>;

/**
 * WASM threads to run. One, until the engine has a thread pool; the pool's count will be chosen
 * here: `crossOriginIsolated ? min(navigator.hardwareConcurrency, cap) : 1` (threads need
 * SharedArrayBuffer, which only a cross-origin isolated page has).
 */
export function wasmThreads(): number {
  return 1;
}

export async function openBackend(model: ModelFile, choice: BackendChoice, contextSize: number, env: BackendEnv, onPhase: (phase: BackendPhase) => void = () => {}): Promise<OpenedBackend> {
  if (choice === 'wasm') return openWasm(model, contextSize, env, onPhase, 'WASM (chosen)');
  if (choice === 'webgpu') {
    onPhase('compile');
    const ctx = await GpuContext.open(env.gpu, env.shaders(), gpuNeeds(model, contextSize));
    try {
      return await openWebGpu(model, contextSize, ctx, onPhase, `WebGPU (chosen): ${adapterName(report(ctx))}`);
    } catch (e) {
      ctx.device.destroy();
      throw e;
    }
  }

  const probe = await probeAdapter(env.gpu);
  if (probe.wasm) return openWasm(model, contextSize, env, onPhase, `WASM: ${probe.wasm}`, probe.adapter);
  let ctx: GpuContext | undefined;
  let failure: string;
  try {
    onPhase('compile');
    ctx = await GpuContext.open(env.gpu, env.shaders(), gpuNeeds(model, contextSize));
    onPhase('self-test');
    const mismatch = await gpuSelfTest(ctx);
    if (!mismatch) return await openWebGpu(model, contextSize, ctx, onPhase, `WebGPU: hardware adapter ${adapterName(report(ctx))}, self-test passed`);
    failure = `GPU self-test failed: ${mismatch}`;
  } catch (e) {
    failure = `WebGPU failed: ${(e as Error).message}`;
  }
  ctx?.device.destroy();
  return openWasm(model, contextSize, env, onPhase, `WASM: ${failure}`, probe.adapter);
}

/** Why 'auto' should not use the GPU at all, if so. */
async function probeAdapter(gpu: GPU | undefined): Promise<{ wasm?: string; adapter?: AdapterReport }> {
  if (!gpu) return { wasm: 'no WebGPU in this browser' };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { wasm: 'no GPU adapter' };
  // Newer browsers report isFallbackAdapter in adapter.info, older ones on the adapter.
  const fallback = (adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const info = adapterReport(adapter.info, fallback);
  return { adapter: info, wasm: fallback ? `software adapter (${adapterName(info)}): WASM is faster` : undefined };
}

async function openWebGpu(model: ModelFile, contextSize: number, ctx: GpuContext, onPhase: (phase: BackendPhase) => void, reason: string): Promise<OpenedBackend> {
  onPhase('weights');
  const engine = await WebGpuEngine.load(model, ctx, contextSize);
  return { engine, gpu: ctx, info: { backend: 'webgpu', reason, adapter: report(ctx), threads: 1, relaxedSimd: false } };
}

async function openWasm(model: ModelFile, contextSize: number, env: BackendEnv, onPhase: (phase: BackendPhase) => void, reason: string, adapter?: AdapterReport): Promise<OpenedBackend> {
  onPhase('compile');
  const kernels = await WasmKernels.create(await env.wasmKernels(supportsRelaxedSimd() ? 'relaxed' : 'simd'));
  onPhase('weights');
  const engine = await WasmEngine.load(model, kernels, contextSize);
  return { engine, info: { backend: 'wasm', reason, adapter, threads: wasmThreads(), relaxedSimd: kernels.relaxed } };
}

const report = (ctx: GpuContext) => adapterReport(ctx.adapterInfo, ctx.isFallbackAdapter);

function adapterReport(info: GPUAdapterInfo, isFallbackAdapter: boolean): AdapterReport {
  return { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallbackAdapter };
}

function adapterName(a: AdapterReport): string {
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'of unknown name';
}
