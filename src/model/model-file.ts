// What the engines see of a model, whatever the file format: config, tokenizer source and the
// tensors by logical name, decoded one at a time so the file's bytes are never held twice.
import type { ModelConfig } from './config.ts';
import type { TensorType } from './tensor-types.ts';
import type { TokenizerSource } from './tokenizer.ts';

export interface TernaryTensor {
  /** Signed ternary weights W[rows][cols] in {-1, 0, +1}. */
  w: Int8Array;
  rows: number;
  cols: number;
  /** Per-tensor float32 scale γ. */
  scale: number;
}

/** A float matrix (embedding, LM head) in the type the file stores it in. */
export interface MatrixBytes {
  type: TensorType;
  rows: number;
  cols: number;
  bytes: Uint8Array;
}

export interface GenerationDefaults {
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
}

export interface ModelFile {
  config: ModelConfig;
  /** Human-readable storage format of the ternary weights: I2_S, TQ2_0, TQ1_0 or HF packed. */
  weightFormat: string;
  /** Type of the embedding / LM head matrix. */
  embeddingType: TensorType;
  /** 'token_embd' (tied) or 'output'. */
  lmHead: 'token_embd' | 'output';
  tokenizer: TokenizerSource;
  chatTemplate?: string;
  generation: GenerationDefaults;
  /** Facts for `info`: file name, metadata, tensor counts, sizes. */
  describe(): Record<string, unknown>;
  readTernary(name: string): Promise<TernaryTensor>;
  /**
   * Present when the file stores I2_S: the packed codes (without the tail) and the tensor's
   * effective scale, so a loader can transcode them without decoding to one byte per weight.
   */
  readTernaryI2S?(name: string): Promise<{ codes: Uint8Array; rows: number; cols: number; scale: number }>;
  readVector(name: string): Promise<Float32Array>;
  /** Reads a float matrix; `into` (bytes of the exact size) avoids an extra copy. */
  readMatrix(name: string, into?: Uint8Array): Promise<MatrixBytes>;
  /** Reads rows [row0, row0 + rows) of a float matrix into `into` (exactly their bytes). */
  readMatrixRows(name: string, row0: number, rows: number, into: Uint8Array): Promise<void>;
  matrixInfo(name: string): { type: TensorType; rows: number; cols: number; bytes: number };
}
