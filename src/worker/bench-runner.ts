// The benchmark panel's runs inside the engine worker: the loaded model's engine, or a random model
// of a chosen shape generated here and opened on the requested backend; llama-bench style pp/tg
// figures from src/bench/measure.ts, and per-kernel GPU times where timestamp-query allows.
import { openBenchModel } from '../bench/bench-model.ts';
import { profileGpuRuns } from '../bench/gpu-profile.ts';
import { benchContext, measure } from '../bench/measure.ts';
import type { Engine } from '../engine/engine.ts';
import type { ProfileSummary } from '../engine/webgpu/profile.ts';
import { WebGpuEngine } from '../engine/webgpu-engine.ts';
import type { ModelFile } from '../model/model-file.ts';
import { openBackend, type BackendEnv } from './backend-select.ts';
import type { BackendInfo, BenchKernelTimes, BenchRequest, BenchResult, WorkerEvent } from './protocol.ts';

type Progress = Omit<Extract<WorkerEvent, { type: 'bench-progress' }>, 'type' | 'id'>;

export interface BenchTarget {
  model: ModelFile;
  name: string;
  engine: Engine;
  backend: BackendInfo;
  loadMs: number;
  /** Frees what the runner opened itself (a generated model's engine and GPU device). */
  release?: () => void;
}

/** Opens what `req` asks to measure; `loaded` is the model the chat uses, if any. */
export async function benchTarget(req: BenchRequest, env: BackendEnv, loaded: Omit<BenchTarget, 'release' | 'loadMs'> | undefined, progress: (p: Progress) => void): Promise<BenchTarget> {
  if (req.model.kind === 'loaded') {
    if (!loaded) throw new Error('no model is loaded: load one, or benchmark a generated model');
    if (loaded.backend.backend !== req.backend) throw new Error(`the loaded model runs on ${loaded.backend.backend}: choose that backend, or benchmark a generated model`);
    const head = req.lmHead ?? 'exact';
    if (req.backend === 'wasm' && loaded.backend.lmHead !== head) throw new Error(`the loaded model runs the ${loaded.backend.lmHead} LM head, not ${head}: choose that head, or benchmark a generated model`);
    return { ...loaded, loadMs: 0 };
  }
  const t0 = performance.now();
  progress({ phase: 'generate' });
  const m = req.model;
  const model = await openBenchModel({ shape: m.shape, format: m.format, embedding: m.embedding, seed: m.seed });
  progress({ phase: 'load' });
  const opened = await openBackend(model, req.backend, benchContext(req), env, undefined, { threads: req.threads, lmHead: req.lmHead });
  return { model, name: `random ${m.shapeName} ${m.format}`, engine: opened.engine, backend: opened.info, loadMs: performance.now() - t0, release: opened.release };
}

export async function runBench(req: BenchRequest, t: BenchTarget, stop: { signal: AbortSignal; betweenSteps: () => Promise<void> }, progress: (p: Progress) => void): Promise<BenchResult> {
  const started = new Date().toISOString();
  progress({ phase: 'run' });
  const figures = await measure(t.engine, t.model, req, { ...stop, onSample: (test, rep, tokPerS) => progress({ phase: 'run', test, rep, tokPerS }) });
  const profile = req.profile && t.engine instanceof WebGpuEngine && t.engine.gpu.features.timestamps ? await profileRun(t.engine, t.model, req, progress) : undefined;
  const c = t.model.config;
  return {
    started,
    backend: t.backend.backend,
    reason: t.backend.reason,
    threads: t.backend.threads,
    relaxed_simd: t.backend.relaxedSimd,
    lm_head: t.backend.lmHead,
    ...(t.backend.adapter ? { adapter: t.backend.adapter } : {}),
    model: {
      source: req.model.kind, name: t.name, ...(req.model.kind === 'generated' ? { shape: req.model.shapeName } : {}),
      weight_format: t.model.weightFormat, embedding_type: t.model.embeddingType, dim: c.dim, layers: c.nLayers, vocab: c.vocabSize,
      parameters_ternary: figures.macs_per_token, // one multiply-add per ternary weight
    },
    load_ms: t.loadMs,
    ...figures,
    ...(profile ? { profile } : {}),
  };
}

/** Per-kernel GPU times of one profiled prefill and decode run. */
async function profileRun(engine: WebGpuEngine, model: ModelFile, req: BenchRequest, progress: (p: Progress) => void): Promise<BenchResult['profile']> {
  progress({ phase: 'profile' });
  const { prefill, decode } = await profileGpuRuns(engine, model.config.vocabSize, req.p, req.n);
  return { timestamps_quantized: !!(prefill?.quantized || decode?.quantized), prefill: prefill && kernelTimes(prefill), decode: decode && kernelTimes(decode) };
}

function kernelTimes(s: ProfileSummary): BenchKernelTimes {
  return {
    gpu_ms_per_token: s.gpuMs, dispatches_per_token: s.dispatches, gb_s: s.gbPerS,
    kernels: s.kernels.map((k) => ({ kind: k.kind, gpu_ms_per_token: k.gpuMs, share: k.share, gb_s: k.gbPerS })),
  };
}
