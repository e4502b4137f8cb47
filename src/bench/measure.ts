// llama-bench style measurement over any Engine, shared by `bitnet-web bench` (Node) and the
// in-browser benchmark panel so both report the same figures under the same keys: prefill of p
// tokens (pp) and decode of n tokens (tg), r repetitions, medians and spread, bytes per token.
import type { Engine, MemoryStats } from '../engine/engine.ts';
import { rowBytes } from '../engine/layout.ts';
import { WasmEngine } from '../engine/wasm-engine.ts';
import type { ModelConfig } from '../model/config.ts';
import type { ModelFile } from '../model/model-file.ts';
import { modelSlots } from '../model/tensors.ts';

export interface BenchSettings {
  p: number;
  n: number;
  r: number;
}

export interface SampleStats {
  median: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  samples: number[];
}

/** The keys every bench result carries (the CLI and the panel add their own beside them). */
export interface BenchFigures {
  p: number;
  n: number;
  r: number;
  prefill_tok_s: number | null;
  decode_tok_s: number | null;
  prefill: SampleStats | null;
  decode: SampleStats | null;
  decode_bytes_per_token: number;
  /** Ternary multiply-adds per token (ternaryMacsPerToken): what bounds prefill against the int8 roof. */
  macs_per_token: number;
  decode_gb_s: number | null;
  memory: MemoryStats;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function sampleStats(samples: number[]): SampleStats {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, samples.length - 1));
  return { median: median(samples), mean, stddev: sd, min: Math.min(...samples), max: Math.max(...samples), samples };
}

/**
 * Bytes a decode step streams: every packed ternary matrix once, plus the LM head as `engine`
 * holds it (a WASM engine may have requantized it to int8), else as the file stores it.
 */
export function decodeBytesPerToken(model: ModelFile, engine?: Engine): number {
  const ternary = modelSlots(model.config).filter((s) => s.kind === 'ternary').reduce((a, s) => a + s.rows * rowBytes(s.cols), 0);
  return ternary + (engine instanceof WasmEngine ? engine.lmHeadBytes : model.matrixInfo(model.lmHead).bytes);
}

/**
 * Multiply-adds of the ternary matrices per token (rows × cols of each): the work a prefill token
 * costs in the ternary GEMM, leaving out attention, the LM head and the float steps.
 */
export function ternaryMacsPerToken(config: ModelConfig): number {
  return modelSlots(config).filter((s) => s.kind === 'ternary').reduce((a, s) => a + s.rows * s.cols, 0);
}

/** The context a run of `s` needs. */
export const benchContext = (s: BenchSettings) => Math.max(s.p, s.n + 1, 1);

/** Deterministic, spread-out token ids (a bench measures speed, the ids only must be valid). */
export const benchTokens = (len: number, salt: number, vocab: number) => Array.from({ length: len }, (_, i) => (i * 7919 + salt * 104729) % vocab);

export interface BenchEvents {
  /** After each timed run: which test, its repetition, tokens/s. */
  onSample?: (test: 'pp' | 'tg', rep: number, tokPerS: number) => void;
  /** Checked between runs and between decode steps. */
  signal?: AbortSignal;
  /** Awaited before each check of `signal` (a worker lets its stop message in here). */
  betweenSteps?: () => Promise<void>;
}

/** Runs the tests on `engine` (its cache is reset before each run) and returns the figures. */
export async function measure(engine: Engine, model: ModelFile, s: BenchSettings, ev: BenchEvents = {}): Promise<BenchFigures> {
  const vocab = model.config.vocabSize;
  const pp: number[] = [];
  const tg: number[] = [];
  const checkAbort = async () => {
    await ev.betweenSteps?.();
    if (ev.signal?.aborted) throw new DOMException('benchmark stopped', 'AbortError');
  };
  engine.truncate(0);
  await engine.forward([0]); // warm-up: first touches of weights and caches, pipeline compiles
  for (let rep = 0; rep < s.r; rep++) {
    if (s.p > 0) {
      await checkAbort();
      engine.truncate(0);
      const t0 = performance.now();
      await engine.forward(benchTokens(s.p, rep, vocab));
      pp.push(s.p / ((performance.now() - t0) / 1000));
      ev.onSample?.('pp', rep, pp[rep]);
    }
    if (s.n > 0) {
      engine.truncate(0);
      const ids = benchTokens(s.n, rep + 1, vocab);
      const t0 = performance.now();
      for (const id of ids) {
        await checkAbort();
        await engine.forward([id]);
      }
      tg.push(s.n / ((performance.now() - t0) / 1000));
      ev.onSample?.('tg', rep, tg[rep]);
    }
  }
  engine.truncate(0);
  const bytes = decodeBytesPerToken(model, engine);
  const decode = s.n > 0 ? sampleStats(tg) : null;
  const prefill = s.p > 0 ? sampleStats(pp) : null;
  return {
    p: s.p, n: s.n, r: s.r,
    prefill_tok_s: prefill?.median ?? null, decode_tok_s: decode?.median ?? null,
    prefill, decode,
    decode_bytes_per_token: bytes, macs_per_token: ternaryMacsPerToken(model.config), decode_gb_s: decode ? (decode.median * bytes) / 1e9 : null,
    memory: engine.memory(),
  };
}
