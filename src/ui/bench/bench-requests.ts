// The panel's settings and the worker requests one press of Run (or of Measure ceilings) makes from them.
import { parseShape, type WeightFormat } from '../../model/synthetic.ts';
import type { BenchRequest, LmHeadMode } from '../../worker/protocol.ts';

export interface BenchSettings {
  model: 'generated' | 'loaded';
  /** tiny, 2b4t, or dim=...,ffn=...: see parseShape. */
  shape: string;
  format: WeightFormat;
  webgpu: boolean;
  wasm: boolean;
  /** WASM thread counts to run, comma-separated. */
  threads: string;
  /** WASM LM heads to run, each at every thread count (WebGPU runs the exact head). */
  lmHeads: LmHeadMode[];
  p: number;
  n: number;
  r: number;
  profile: boolean;
}

/** Thread counts from "1,2,4": distinct positive integers, in order. */
export function parseThreads(text: string): number[] {
  const counts = text.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  if (counts.length === 0 || counts.some((c) => !Number.isInteger(c) || c < 1 || c > 64)) throw new Error(`threads "${text}": give counts like 1,2`);
  return [...new Set(counts)];
}

/** The requests one press of Run makes: WebGPU once, WASM once per thread count and LM head. */
export function benchRequests(s: BenchSettings): BenchRequest[] {
  const common = { p: s.p, n: s.n, r: s.r, profile: s.profile };
  const model: BenchRequest['model'] = s.model === 'loaded' ? { kind: 'loaded' } : { kind: 'generated', shapeName: s.shape, shape: parseShape(s.shape), format: s.format, seed: 1 };
  for (const [k, v, lo] of [['p', s.p, 0], ['n', s.n, 0], ['r', s.r, 1]] as const) if (!Number.isInteger(v) || v < lo || v > 4096) throw new Error(`${k} = ${v} is not a valid count`);
  if (s.p === 0 && s.n === 0) throw new Error('nothing to measure: set p or n above 0');
  const out: BenchRequest[] = [];
  if (s.webgpu) out.push({ ...common, model, backend: 'webgpu', threads: 1 });
  if (s.wasm) {
    if (s.lmHeads.length === 0) throw new Error('choose an LM head for WASM: exact, int8 or both');
    for (const threads of parseThreads(s.threads)) for (const lmHead of s.lmHeads) out.push({ ...common, model, backend: 'wasm', threads, lmHead });
  }
  if (out.length === 0) throw new Error('choose WebGPU, WASM or both');
  return out;
}


/** The thread counts "Measure ceilings" runs at: the form's WASM counts, else 1 and `most`. */
export function ceilingThreads(s: BenchSettings, most: number): number[] {
  return s.wasm ? parseThreads(s.threads) : [...new Set([1, most])];
}
