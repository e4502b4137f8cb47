// The interface every backend implements: a model with a KV cache that consumes tokens and
// returns logits. Generation, sampling and the CLI only talk to this.
import type { ModelConfig } from '../model/config.ts';

export type BackendName = 'reference' | 'wasm' | 'webgpu';

export interface MemoryStats {
  weightBytes: number;
  kvCacheBytes: number;
  /** WASM heap size, where the backend has one. */
  wasmHeapBytes?: number;
}

export interface Engine {
  readonly backend: BackendName;
  readonly config: ModelConfig;
  /** Number of tokens in the KV cache (the position of the next token). */
  readonly position: number;
  /** Maximum number of tokens the KV cache holds. */
  readonly contextSize: number;
  /**
   * Appends `tokens` at positions position..position+n-1 and returns the logits after the last
   * one, or after every one when `allLogits` is set (teacher forcing). Async because a GPU
   * backend waits for its results; the CPU backends compute synchronously inside.
   */
  forward(tokens: ArrayLike<number>, opts?: { allLogits?: false }): Promise<Float32Array>;
  forward(tokens: ArrayLike<number>, opts: { allLogits: true }): Promise<Float32Array[]>;
  /** Drops cached tokens from `position` on (roll back to a branch point). */
  truncate(position: number): void;
  memory(): MemoryStats;
  dispose(): void;
}

export class ContextFullError extends Error {
  override name = 'ContextFullError';
  constructor(readonly needed: number, readonly contextSize: number) {
    super(`context is full: ${needed} tokens do not fit in a context of ${contextSize}`);
  }
}
