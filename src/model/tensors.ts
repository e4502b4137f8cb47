// The logical tensors of a BitNet model (GGUF names without ".weight", spec §1.3) and the shape
// each must have for a given config. Readers check files against this; the generator writes it.
import type { ModelConfig } from './config.ts';

export type TensorKind = 'ternary' | 'vector' | 'matrix';

export interface TensorSlot {
  name: string;
  kind: TensorKind;
  /** Logical [rows, cols] (PyTorch [out, in]); vectors have rows = 1. */
  rows: number;
  cols: number;
}

export const LAYER_TERNARY = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'] as const;
export type TernaryName = (typeof LAYER_TERNARY)[number];

/** Every tensor the engine needs, in file order (the optional untied head not included). */
export function modelSlots(c: ModelConfig): TensorSlot[] {
  const qDim = c.nHeads * c.headDim;
  const kvDim = c.nKvHeads * c.headDim;
  const slots: TensorSlot[] = [{ name: 'token_embd', kind: 'matrix', rows: c.vocabSize, cols: c.dim }];
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}.`;
    const t = (name: string, rows: number, cols: number): TensorSlot => ({ name: b + name, kind: 'ternary', rows, cols });
    const v = (name: string, cols: number): TensorSlot => ({ name: b + name, kind: 'vector', rows: 1, cols });
    slots.push(
      v('attn_norm', c.dim),
      t('attn_q', qDim, c.dim),
      t('attn_k', kvDim, c.dim),
      t('attn_v', kvDim, c.dim),
      v('attn_sub_norm', qDim),
      t('attn_output', c.dim, qDim),
      v('ffn_norm', c.dim),
      t('ffn_gate', c.ffnDim, c.dim),
      t('ffn_up', c.ffnDim, c.dim),
      v('ffn_sub_norm', c.ffnDim),
      t('ffn_down', c.dim, c.ffnDim),
    );
  }
  slots.push({ name: 'output_norm', kind: 'vector', rows: 1, cols: c.dim });
  return slots;
}

/** The untied LM head, present in some files. */
export function outputSlot(c: ModelConfig): TensorSlot {
  return { name: 'output', kind: 'matrix', rows: c.vocabSize, cols: c.dim };
}
