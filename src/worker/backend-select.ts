// Which engine runs the model, and why, in words the user sees. 'auto' takes WebGPU only on a
// hardware adapter whose kernels pass a self-test against the CPU; a software adapter
// (SwiftShader and the like) is slower than the WASM engine, so it is used only when forced.
// The int8 LM head exists on the WASM engine only; WebGPU runs the exact head and says so.
import type { Engine } from '../engine/engine.ts';
import { GpuContext, type ShaderLibrary } from '../engine/webgpu/context.ts';
import { supportsRelaxedSimd, threadsAvailable, WasmKernels, type SpawnThread } from '../engine/wasm/kernels.ts';
import { WasmEngine, type LmHeadMode } from '../engine/wasm-engine.ts';
import { INT8_BLOCK } from '../engine/int8-head.ts';
import { gpuNeeds, WebGpuEngine } from '../engine/webgpu-engine.ts';
import type { ModelFile } from '../model/model-file.ts';
import { gpuSelfTest } from './gpu-self-test.ts';
import { MAX_WASM_THREADS, type BackendChoice, type BackendInfo } from './protocol.ts';

/** What the runtime offers; the worker passes the browser's, tests Node's. */
export interface BackendEnv {
  /** navigator.gpu, where there is one. */
  gpu: GPU | undefined;
  shaders(): ShaderLibrary;
  /** A WASM kernel build, compiled or as bytes (the -threads builds run a thread pool). */
  wasmKernels(build: WasmBuild): Promise<WebAssembly.Module | BufferSource>;
  /** Starts a kernel helper thread; without it the WASM engine runs on one thread. */
  spawnThread?: SpawnThread;
  /** Logical cores (navigator.hardwareConcurrency). */
  cores?: number;
}

export type WasmBuild = 'simd' | 'relaxed' | 'simd-threads' | 'relaxed-threads';

export type BackendPhase = 'compile' | 'self-test' | 'weights';

export interface BackendOptions {
  /** WASM threads (default: every core, capped; see wasmThreads). */
  threads?: number;
  /** The LM head to run on WASM (default exact). */
  lmHead?: LmHeadMode;
}

export interface OpenedBackend {
  engine: Engine;
  info: BackendInfo;
  /** The WebGPU device the engine runs on, to watch for its loss. */
  gpu?: GpuContext;
  /** Frees the engine and what runs it (WASM kernel threads, the GPU device). */
  release(): void;
}

type AdapterReport = NonNullable<BackendInfo['adapter']>;

/**
 * WASM threads to run: `requested` (default: every core), capped; one where threads cannot run
 * (no SharedArrayBuffer without cross-origin isolation, or no way to start a thread).
 */
export function wasmThreads(env: BackendEnv, requested?: number): number {
  if (!env.spawnThread || !threadsAvailable()) return 1;
  return Math.max(1, Math.min(requested ?? env.cores ?? 1, MAX_WASM_THREADS));
}

export async function openBackend(model: ModelFile, choice: BackendChoice, contextSize: number, env: BackendEnv, onPhase: (phase: BackendPhase) => void = () => {}, options: BackendOptions = {}): Promise<OpenedBackend> {
  const lmHead = options.lmHead ?? 'exact';
  const wasm = (reason: string, adapter?: AdapterReport) => openWasm(model, contextSize, env, onPhase, reason, wasmThreads(env, options.threads), lmHead, adapter);
  const webGpu = (ctx: GpuContext, reason: string) => openWebGpu(model, contextSize, ctx, onPhase, reason, lmHead);
  if (choice === 'wasm') return wasm('WASM (chosen)');
  if (choice === 'webgpu') {
    onPhase('compile');
    const ctx = await GpuContext.open(env.gpu, env.shaders(), gpuNeeds(model, contextSize));
    try {
      return await webGpu(ctx, `WebGPU (chosen): ${adapterName(report(ctx))}`);
    } catch (e) {
      ctx.device.destroy();
      throw e;
    }
  }

  const probe = await probeAdapter(env.gpu);
  if (probe.wasm) return wasm(`WASM: ${probe.wasm}`, probe.adapter);
  let ctx: GpuContext | undefined;
  let failure: string;
  try {
    onPhase('compile');
    ctx = await GpuContext.open(env.gpu, env.shaders(), gpuNeeds(model, contextSize));
    onPhase('self-test');
    const mismatch = await gpuSelfTest(ctx);
    if (!mismatch) return await webGpu(ctx, `WebGPU: hardware adapter ${adapterName(report(ctx))}, self-test passed`);
    failure = `GPU self-test failed: ${mismatch}`;
  } catch (e) {
    failure = `WebGPU failed: ${(e as Error).message}`;
  }
  ctx?.device.destroy();
  return wasm(`WASM: ${failure}`, probe.adapter);
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

async function openWebGpu(model: ModelFile, contextSize: number, ctx: GpuContext, onPhase: (phase: BackendPhase) => void, reason: string, lmHead: LmHeadMode): Promise<OpenedBackend> {
  onPhase('weights');
  const engine = await WebGpuEngine.load(model, ctx, contextSize);
  const release = () => {
    engine.dispose();
    ctx.device.destroy();
  };
  const headNote = lmHead === 'int8' ? { lmHeadReason: 'int8 runs on WASM only' } : {};
  return { engine, gpu: ctx, release, info: { backend: 'webgpu', reason, adapter: report(ctx), threads: 1, relaxedSimd: false, lmHead: 'exact', ...headNote } };
}

async function openWasm(model: ModelFile, contextSize: number, env: BackendEnv, onPhase: (phase: BackendPhase) => void, reason: string, threads: number, lmHead: LmHeadMode, adapter?: AdapterReport): Promise<OpenedBackend> {
  onPhase('compile');
  const build: WasmBuild = `${supportsRelaxedSimd() ? 'relaxed' : 'simd'}${threads > 1 ? '-threads' : ''}`;
  const kernels = await WasmKernels.create(await env.wasmKernels(build), { threads, spawn: env.spawnThread });
  try {
    onPhase('weights');
    // The int8 head takes whole blocks of 32 columns: another width runs exact, and says so.
    const fits = model.config.dim % INT8_BLOCK === 0;
    const engine = await WasmEngine.load(model, kernels, contextSize, { lmHead: fits ? lmHead : 'exact' });
    const release = () => {
      engine.dispose();
      kernels.dispose();
    };
    const headNote = lmHead === 'int8' && !fits ? { lmHeadReason: `int8 needs a model width that is a multiple of ${INT8_BLOCK} (this one: ${model.config.dim})` } : {};
    return { engine, release, info: { backend: 'wasm', reason, adapter, threads, relaxedSimd: kernels.relaxed, lmHead: engine.lmHeadMode, ...headNote } };
  } catch (e) {
    kernels.dispose();
    throw e;
  }
}

const report = (ctx: GpuContext) => adapterReport(ctx.adapterInfo, ctx.isFallbackAdapter);

function adapterReport(info: GPUAdapterInfo, isFallbackAdapter: boolean): AdapterReport {
  return { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallbackAdapter };
}

function adapterName(a: AdapterReport): string {
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'of unknown name';
}
