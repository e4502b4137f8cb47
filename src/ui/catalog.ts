// The models offered by name. The GGUF comes first: one file, read directly, the smallest download.
import type { ModelSource } from '../storage/types.ts';

export interface CatalogEntry {
  label: string;
  description: string;
  source: Extract<ModelSource, { kind: 'hub' }>;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    label: 'BitNet b1.58 2B4T · GGUF (I2_S)',
    description: "Microsoft's official GGUF, one file. Recommended.",
    source: { kind: 'hub', repo: 'microsoft/bitnet-b1.58-2B-4T-gguf', files: ['ggml-model-i2_s.gguf'] },
  },
  {
    label: 'BitNet b1.58 2B4T · safetensors',
    description: 'The packed Hugging Face checkpoint with its tokenizer files.',
    source: { kind: 'hub', repo: 'microsoft/bitnet-b1.58-2B-4T' },
  },
];
