// The typed message API between the UI and the engine worker. The UI sends requests (each with an
// id) and gets back events; it never sees GPU objects or the model's memory.
import type { SamplingParams } from '../engine/sampler.ts';
import type { StopReason } from '../engine/generate.ts';
import type { ChatMessage } from '../model/chat-format.ts';
import type { GenerationDefaults } from '../model/model-file.ts';
import type { EmbeddingFormat, ShapeSpec, WeightFormat } from '../model/synthetic.ts';
import type { BenchFigures } from '../bench/measure.ts';
import type { LmHeadMode } from '../engine/wasm-engine.ts';
import type { Roofline } from '../bench/roofline.ts';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export type { Roofline };

/**
 * The most WASM threads the engine runs (where the page can run threads at all): beyond this,
 * decode is bound by memory bandwidth and more threads only contend for it.
 */
export const MAX_WASM_THREADS = 8;

/** 'exact' or 'int8': the WASM engine's LM head (int8: faster on the CPU, logits slightly off). */
export type { LmHeadMode };

/** Which backend runs and why (shown to the user as is). */
export interface BackendInfo {
  backend: 'webgpu' | 'wasm';
  /** e.g. "WebGPU: hardware adapter, self-test passed", "WASM: software adapter (SwiftShader)". */
  reason: string;
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  /** WASM threads in use (1 without cross-origin isolation). */
  threads: number;
  relaxedSimd: boolean;
  /** The LM head that runs. */
  lmHead: LmHeadMode;
  /** Why it is not the one asked for, if so: "int8 runs on WASM only" (WebGPU runs the exact head). */
  lmHeadReason?: string;
}

export interface ModelSummary {
  modelId: string;
  name: string;
  weightFormat: string;
  embeddingType: string;
  dim: number;
  nLayers: number;
  vocabSize: number;
  contextSize: number;
  generation: GenerationDefaults;
}

export interface MemoryReport {
  weightBytes: number;
  kvCacheBytes: number;
  wasmHeapBytes?: number;
  /** The worker's JS heap, where the browser reports it (performance.memory). */
  jsHeapBytes?: number;
}

export interface ChatRequest {
  /** The whole conversation to answer: optional system message first, ending with a user turn. */
  messages: ChatMessage[];
  sampling: Partial<SamplingParams>;
  maxTokens: number;
}

export interface ChatResult {
  text: string;
  stopReason: StopReason;
  promptTokens: number;
  /** Prompt tokens whose KV entries were reused from the previous turn. */
  reusedTokens: number;
  /** Oldest messages left out so the prompt fits the context (system prompt kept). */
  droppedMessages: number;
  generatedTokens: number;
  ttftMs: number;
  prefillTokPerS: number;
  decodeTokPerS: number;
  /** Tokens in the KV cache after the reply, of contextSize. */
  contextUsed: number;
  contextSize: number;
}

/** A llama-bench style run: on the loaded model, or on a random one generated in the worker. */
export interface BenchRequest {
  model: { kind: 'loaded' } | { kind: 'generated'; shapeName: string; shape: ShapeSpec; format: WeightFormat; embedding?: EmbeddingFormat; seed: number };
  backend: 'webgpu' | 'wasm';
  /** WASM threads (capped by what the page can run). */
  threads: number;
  /** The WASM LM head (default exact); the loaded model must run the one asked for. */
  lmHead?: LmHeadMode;
  p: number;
  n: number;
  r: number;
  /** Per-kernel GPU times through timestamp-query, where the adapter has it (WebGPU). */
  profile: boolean;
}

/** One configuration's figures, as the panel shows and exports them (keys as `bitnet-web bench`). */
export interface BenchResult extends BenchFigures {
  started: string;
  backend: 'webgpu' | 'wasm';
  reason: string;
  threads: number;
  relaxed_simd: boolean;
  /** The LM head that ran; absent in exports from before there was a choice (those ran exact). */
  lm_head?: LmHeadMode;
  adapter?: BackendInfo['adapter'];
  model: { source: 'loaded' | 'generated'; name: string; shape?: string; weight_format: string; embedding_type: string; dim: number; layers: number; vocab: number; parameters_ternary: number };
  load_ms: number;
  /** Per-kernel GPU time per token (WebGPU with timestamp-query). */
  profile?: { timestamps_quantized: boolean; decode: BenchKernelTimes | null; prefill: BenchKernelTimes | null };
}

export interface BenchKernelTimes {
  gpu_ms_per_token: number | null;
  dispatches_per_token: number;
  gb_s: number | null;
  kernels: { kind: string; gpu_ms_per_token: number | null; share: number | null; gb_s: number | null }[];
}

export type Request =
  | { type: 'load'; modelId: string; backend: BackendChoice; hubBase: string; contextSize?: number; lmHead?: LmHeadMode }
  | { type: 'chat'; request: ChatRequest }
  /** maxTokens: the reply reserve to leave, as a chat with it would (default: a quarter of the context). */
  | { type: 'count'; messages: ChatMessage[]; maxTokens?: number }
  | { type: 'memory' }
  | { type: 'bench'; bench: BenchRequest }
  /** The device's WASM roofline at each thread count (src/bench/roofline.ts), one after another. */
  | { type: 'roofline'; threads: number[] }
  | { type: 'unload' };

export type RequestMessage = Request & { id: number };

export type LoadPhase = 'open' | 'weights' | 'compile' | 'self-test';

export type WorkerEvent =
  | { type: 'load-progress'; id: number; phase: LoadPhase; fraction: number }
  | { type: 'loaded'; id: number; model: ModelSummary; backend: BackendInfo; loadMs: number; memory: MemoryReport }
  | { type: 'token'; id: number; text: string; generated: number; elapsedMs: number; decodeTokPerS: number }
  | { type: 'chat-done'; id: number; result: ChatResult }
  /** The prompt's tokens after dropping `droppedMessages` oldest messages, as a chat would. */
  | { type: 'count'; id: number; tokens: number; contextSize: number; droppedMessages: number }
  | { type: 'memory'; id: number; memory: MemoryReport }
  | { type: 'unloaded'; id: number }
  | { type: 'bench-progress'; id: number; phase: 'generate' | 'load' | 'run' | 'profile'; test?: 'pp' | 'tg'; rep?: number; tokPerS?: number }
  | { type: 'bench-done'; id: number; result: BenchResult }
  | { type: 'roofline-progress'; id: number; threads: number }
  | { type: 'roofline-done'; id: number; rooflines: Roofline[] }
  | { type: 'error'; id: number; code: string; message: string }
  /** Not tied to a request: the GPU device was lost; the model must be loaded again. */
  | { type: 'device-lost'; reason: string };

/** Asks the running chat to stop after the token in progress; it ends with stopReason 'aborted'. */
export interface StopMessage {
  type: 'stop';
}

/**
 * Sent once, first, when cross-origin isolated: Int32Array[0] = 1 asks the running chat to stop
 * (the client sets it back to 0 before it sends the next chat).
 */
export interface InitMessage {
  type: 'init';
  stopFlag?: SharedArrayBuffer;
}
