// What scripts/bench-cpu.mjs asks the CPU benchmark harness (bench-cpu.ts) and gets back, and the
// statistics both sides of the harness report.

export interface BenchSpec {
  /** The GGUF file, same origin. */
  url: string;
  threads: number;
  /** Prompt tokens of the prefill run, tokens of the decode run, repetitions. */
  p: number;
  n: number;
  r: number;
  /** Also a profiled prefill and decode run (bitnet-web only: wall-clock time per engine step). */
  phases?: boolean;
  /** bitnet-web: polls before a waiting kernel thread sleeps (KernelOptions.spin; default the kernels'). */
  spin?: number;
  /** bitnet-web: the LM head (WasmEngineOptions.lmHead; default exact). */
  lmHead?: 'exact' | 'int8';
}

/**
 * An exactness check (not a benchmark): the WASM engine on `threads` kernel threads against the
 * reference engine in the same worker, on a GGUF file sent as bytes: every logit of a prefill of
 * `prompt` (all positions) and of `steps` greedy decode steps must be the same (Object.is).
 */
export interface CheckSpec {
  gguf: ArrayBuffer;
  threads: number;
  prompt: number[];
  steps: number;
}

export interface CheckResult {
  threads: number;
  build: string;
  /** Positions compared (prefill positions, then decode steps). */
  positions: number;
  /** The first logit that differs, if any. */
  firstDifference: { position: number; index: number; wasm: number; reference: number } | null;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export interface BenchResult {
  engine: 'bitnet-web' | 'wllama';
  threads: number;
  /** Kernel build (bitnet-web) or wllama's multi-thread flag. */
  build: string;
  weightFormat: string;
  embeddingType: string;
  prefillTokS: Stats | null;
  decodeTokS: Stats | null;
  loadMs: number;
  /** bitnet-web: the LM head that ran and its bytes as held (read once per decoded token). */
  lmHead?: { mode: 'exact' | 'int8'; bytes: number };
  /** bitnet-web --phases: ms per token per engine step, largest first. */
  phases?: { prefill: { msPerToken: number; phases: { phase: string; msPerToken: number; share: number }[] } | null; decode: { msPerToken: number; phases: { phase: string; msPerToken: number; share: number }[] } | null };
  notes: string[];
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1], samples };
}
