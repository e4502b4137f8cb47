// `bitnet-web bench MODEL`: llama-bench style prefill (pp) and decode (tg) speed, median and spread
// over repetitions, with the bytes one decoded token reads and the bandwidth that implies. With
// --backend webgpu: the adapter; with --profile also a profiled prefill and decode run (per-kernel
// GPU time from timestamp-query, dispatches, submissions, bytes per token, GB/s achieved) beside
// a plain copy kernel's bandwidth on the same adapter. With --backend wasm (--threads N for a
// kernel thread pool, --lm-head int8 for the int8 LM head), --phases times each step of a profiled
// prefill and decode run.
import type { ModelFile } from '../model/model-file.ts';
import { profileGpuRuns } from '../bench/gpu-profile.ts';
import { benchTokens, measure, type SampleStats } from '../bench/measure.ts';
import { createEngine, parseBackend, parseCommand, parseLmHead, parseNumber, parseThreads, printJson, requireModelArg, UsageError } from './common.ts';
import { openModelPath } from '../node/model-files.ts';
import { measureCopyBandwidth, type CopyBandwidth } from '../engine/webgpu/bandwidth.ts';
import { GpuContext } from '../engine/webgpu/context.ts';
import type { ProfileSummary } from '../engine/webgpu/profile.ts';
import { gpuNeeds, WebGpuEngine } from '../engine/webgpu-engine.ts';
import { summarizeWasmProfile, WasmEngine, type WasmProfile } from '../engine/wasm-engine.ts';
import { nodeGpu } from '../node/gpu.ts';
import { loadShaderLibrary } from '../node/shaders.ts';

const USAGE = 'bitnet-web bench MODEL [-p 128] [-n 64] [-r 3] [--backend reference|wasm|webgpu] [--threads 1] [--lm-head exact|int8] [--phases] [--profile] [--copy-mb 128] [--json]';
const SOFTWARE_NOTE = 'software adapter: CPU emulation';

/** The adapter as the bench reports it; `note` flags software rasterizers, whose figures are CPU emulation. */
export function adapterReport(ctx: GpuContext) {
  const i = ctx.adapterInfo;
  const software = ctx.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|softpipe|warp|software/i.test(`${i.vendor} ${i.architecture} ${i.device} ${i.description}`);
  return {
    vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    is_fallback_adapter: ctx.isFallbackAdapter, timestamp_query: ctx.features.timestamps, software,
    ...(software ? { note: SOFTWARE_NOTE } : {}),
  };
}

function summaryJson(s: ProfileSummary) {
  return {
    tokens: s.tokens, calls: s.calls,
    dispatches_per_token: s.dispatches, submissions_per_token: s.submissions, passes_per_token: s.passes,
    gpu_ms_per_token: s.gpuMs, bytes_per_token: s.bytes, weight_bytes_per_token: s.weightBytes, kv_bytes_per_token: s.kvBytes, activation_bytes_per_token: s.activationBytes,
    gb_s: s.gbPerS, timestamps_quantized: s.quantized,
    kernels: s.kernels.map((k) => ({ kind: k.kind, gpu_ms_per_token: k.gpuMs, share: k.share, dispatches_per_token: k.dispatches, bytes_per_token: k.bytes, weight_bytes_per_token: k.weightBytes, kv_bytes_per_token: k.kvBytes, gb_s: k.gbPerS })),
  };
}

function copyJson(c: CopyBandwidth) {
  return { bytes: c.bytes, runs: c.runs, method: c.method, gb_s: c.gbPerS, best_gb_s: c.bestGbPerS, read_gb_s: c.readGbPerS, seconds: c.seconds };
}

/** GB/s to 3 significant digits (software adapters reach a few MB/s), '-' when unknown. */
const gb = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));

function printProfile(name: string, s: ProfileSummary): void {
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(3));
  console.log(`${name}: per token over ${s.tokens} tokens in ${s.calls} calls: ${s.dispatches.toFixed(1)} dispatches, ${s.submissions.toFixed(2)} submissions, ${s.passes.toFixed(1)} passes (profiled), ${(s.bytes / 1e6).toFixed(3)} MB read, GPU ${ms(s.gpuMs)} ms${s.gbPerS === null ? '' : ` = ${gb(s.gbPerS)} GB/s`}`);
  if (s.quantized) console.log('  (timestamps quantized to ~65.5 us: per-kernel times are averages of coarse samples)');
  console.log(`  ${'kernel'.padEnd(18)} ${'GPU ms'.padStart(9)} ${'share'.padStart(6)} ${'disp'.padStart(5)} ${'MB read'.padStart(9)} ${'GB/s'.padStart(7)}`);
  const rows = [...s.kernels].sort((a, b) => (b.gpuMs ?? 0) - (a.gpuMs ?? 0));
  for (const k of rows) {
    const share = k.share === null ? '-' : `${(100 * k.share).toFixed(1)}%`;
    console.log(`  ${k.kind.padEnd(18)} ${ms(k.gpuMs).padStart(9)} ${share.padStart(6)} ${k.dispatches.toFixed(1).padStart(5)} ${(k.bytes / 1e6).toFixed(3).padStart(9)} ${gb(k.gbPerS).padStart(7)}`);
  }
  console.log(`  ${'total'.padEnd(18)} ${ms(s.gpuMs).padStart(9)} ${(s.gpuMs === null ? '-' : '100%').padStart(6)} ${s.dispatches.toFixed(1).padStart(5)} ${(s.bytes / 1e6).toFixed(3).padStart(9)} ${gb(s.gbPerS).padStart(7)}`);
}

/** A Dawn instance for profiling, kept alive for the process (collecting one crashes it). */
let unquantized: GPU | undefined;

/**
 * The WebGPU engine on a Dawn instance with timestamp_quantization off: Dawn rounds timestamps
 * down to 2^16 ns by default (as browsers do), too coarse for kernels of a few microseconds.
 */
async function profilingEngine(model: ModelFile, contextSize: number): Promise<WebGpuEngine> {
  await nodeGpu(); // the Vulkan driver choice and the WebGPU globals
  const { create } = await import('webgpu');
  unquantized ??= create(['disable-dawn-features=timestamp_quantization']);
  const ctx = await GpuContext.open(unquantized, loadShaderLibrary(), gpuNeeds(model, contextSize));
  return WebGpuEngine.load(model, ctx, contextSize);
}

export async function bench(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    p: { type: 'string', short: 'p' }, n: { type: 'string', short: 'n' }, r: { type: 'string', short: 'r' }, backend: { type: 'string' },
    profile: { type: 'boolean' }, phases: { type: 'boolean' }, 'copy-mb': { type: 'string' }, threads: { type: 'string' }, 'lm-head': { type: 'string' },
  }, USAGE);
  const backend = parseBackend(values.backend);
  const threads = parseThreads(values.threads, backend);
  const lmHead = parseLmHead(values['lm-head'], backend);
  if (values.profile && backend !== 'webgpu') throw new UsageError(`--profile needs --backend webgpu (--phases profiles wasm)\nusage: ${USAGE}`);
  if (values.phases && backend !== 'wasm') throw new UsageError(`--phases needs --backend wasm\nusage: ${USAGE}`);
  const copyMb = parseNumber('copy-mb', values['copy-mb'], 128, (v) => v > 0);
  const int = (v: number) => Number.isInteger(v) && v >= 0;
  const p = parseNumber('p', values.p, 128, int);
  const n = parseNumber('n', values.n, 64, int);
  const r = parseNumber('r', values.r, 3, (v) => int(v) && v >= 1);
  const { model, close } = await openModelPath(requireModelArg(positionals, USAGE));
  try {
    const vocab = model.config.vocabSize;
    const contextSize = Math.max(p, n + 1, 1);
    const engine = values.profile ? await profilingEngine(model, contextSize) : await createEngine(model, backend, contextSize, threads, lmHead);
    const tokens = (len: number, salt: number) => benchTokens(len, salt, vocab);
    try {
      const figures = await measure(engine, model, { p, n, r });
      // Profiled runs after the timed ones, so that the timings above are of the normal path.
      let profile: { prefill: ProfileSummary | null; decode: ProfileSummary | null; copy: CopyBandwidth } | undefined;
      if (values.profile && engine instanceof WebGpuEngine) {
        const { prefill, decode } = await profileGpuRuns(engine, vocab, p, n);
        profile = { prefill, decode, copy: await measureCopyBandwidth(engine.gpu, { bytes: copyMb * 2 ** 20 }) };
      }
      let wasmProfile: { prefill: WasmProfile | null; decode: WasmProfile | null } | undefined;
      if (values.phases && engine instanceof WasmEngine) {
        engine.setProfiling(true);
        if (p > 0) engine.truncate(0);
        wasmProfile = { prefill: p > 0 ? (await engine.forward(tokens(p, 0)), engine.takeProfile()) : null, decode: null };
        if (n > 0) {
          engine.truncate(0);
          for (const id of tokens(n, 1)) await engine.forward([id]);
          wasmProfile.decode = engine.takeProfile();
        }
        engine.setProfiling(false);
      }
      const adapter = engine instanceof WebGpuEngine ? adapterReport(engine.gpu) : undefined;
      const decodeGb = profile?.decode?.gbPerS ?? null;
      const result = {
        model: positionals[0], backend, threads, ...(engine instanceof WasmEngine ? { lm_head: engine.lmHeadMode } : {}), weight_format: model.weightFormat, embedding_type: model.embeddingType,
        ...figures,
        ...(adapter ? { adapter } : {}),
        ...(profile
          ? {
              profile: {
                note: 'GPU time per kernel kind from timestamp-query, each dispatch group in a compute pass of its own (one submission per call); bytes are the ideal traffic (each weight, KV-cache and activation byte read once); gb_s = bytes / GPU time; copy gb_s counts bytes read + written',
                ...(adapter?.note ? { adapter_note: adapter.note } : {}),
                decode: profile.decode && summaryJson(profile.decode),
                prefill: profile.prefill && summaryJson(profile.prefill),
                copy: copyJson(profile.copy),
                decode_fraction_of_copy: decodeGb === null ? null : decodeGb / profile.copy.gbPerS,
              },
            }
          : {}),
        ...(wasmProfile
          ? {
              phases: {
                note: 'wall-clock milliseconds per token of each step of a profiled run (a clock read per step)',
                prefill: wasmProfile.prefill && summarizeWasmProfile(wasmProfile.prefill),
                decode: wasmProfile.decode && summarizeWasmProfile(wasmProfile.decode),
              },
            }
          : {}),
      };
      if (values.json) return printJson(result);
      const row = (name: string, s: SampleStats | null) => s && console.log(`${name.padEnd(8)} ${s.median.toFixed(2).padStart(9)} tok/s  (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, sd ${s.stddev.toFixed(2)}, ${r} runs)`);
      console.log(`${model.config.arch} ${model.weightFormat}/${model.embeddingType}, backend ${backend}${backend === 'wasm' ? `, ${threads} thread${threads > 1 ? 's' : ''}, ${lmHead} LM head` : ''}`);
      row(`pp${p}`, result.prefill);
      row(`tg${n}`, result.decode);
      console.log(`decode reads ${(result.decode_bytes_per_token / 1e6).toFixed(1)} MB per token${result.decode_gb_s ? ` = ${gb(result.decode_gb_s)} GB/s` : ''}`);
      if (adapter) {
        const name = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter((x) => x).join(' / ') || 'unnamed';
        console.log(`adapter: ${name}, fallback ${adapter.is_fallback_adapter}, timestamp-query ${adapter.timestamp_query}${adapter.note ? ` -- ${adapter.note}, not GPU figures` : ''}`);
      }
      if (wasmProfile) {
        for (const [name, prof] of [[`tg${n}`, wasmProfile.decode], [`pp${p}`, wasmProfile.prefill]] as const) {
          if (!prof) continue;
          const sum = summarizeWasmProfile(prof);
          console.log(`profile ${name}: ${sum.msPerToken.toFixed(2)} ms per token (wall clock per step)`);
          for (const ph of sum.phases) console.log(`  ${ph.phase.padEnd(12)} ${ph.msPerToken.toFixed(3).padStart(9)} ms ${(100 * ph.share).toFixed(1).padStart(5)}%`);
        }
      }
      if (profile) {
        if (profile.decode) printProfile(`profile tg${n}`, profile.decode);
        if (profile.prefill) printProfile(`profile pp${p}`, profile.prefill);
        const c = profile.copy;
        console.log(`copy kernel: ${(c.bytes / 2 ** 20).toFixed(0)} MiB, ${gb(c.gbPerS)} GB/s read+write (best ${gb(c.bestGbPerS)}, ${c.method}, ${c.runs} runs)` + (decodeGb === null ? '' : `; decode achieves ${gb(decodeGb)} GB/s = ${((100 * decodeGb) / c.gbPerS).toFixed(1)}% of copy`));
        console.log('(GPU times from timestamp-query with one compute pass per dispatch group; bytes are the ideal traffic, each byte read once)');
      }
    } finally {
      engine.dispose();
    }
  } finally {
    await close();
  }
}
