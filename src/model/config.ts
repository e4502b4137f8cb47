// Model hyperparameters, read from GGUF KVs or a Hugging Face config.json and validated; never
// hard-coded to 2B4T (spec §1.1, §4.2).
import { check } from './errors.ts';
import type { GgufValue } from './gguf.ts';
import { FORK_ARCHES } from './tensor-types.ts';

export type FfnActivation = 'relu2' | 'silu';

export interface ModelConfig {
  /** GGUF architecture name, or 'bitnet' for Hugging Face BitNetForCausalLM. */
  arch: string;
  dim: number;
  ffnDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
  contextLength: number;
  ropeTheta: number;
  rmsEps: number;
  activation: FfnActivation;
}

const LIMITS = { dim: 1 << 16, ffnDim: 1 << 18, nLayers: 1024, nHeads: 1024, vocabSize: 1 << 24, contextLength: 1 << 24 };

function validate(c: ModelConfig, where: string): ModelConfig {
  for (const [key, max] of Object.entries(LIMITS)) {
    const v = c[key as keyof typeof LIMITS];
    check(Number.isSafeInteger(v) && v >= 1 && v <= max, 'absurd-value', `${where}: ${key} = ${v} is outside 1..${max}`, { key, value: v });
  }
  check(Number.isSafeInteger(c.nKvHeads) && c.nKvHeads >= 1 && c.nHeads % c.nKvHeads === 0, 'bad-value', `${where}: ${c.nHeads} heads cannot be grouped over ${c.nKvHeads} KV heads`);
  check(c.dim % c.nHeads === 0, 'bad-value', `${where}: dim ${c.dim} is not a multiple of ${c.nHeads} heads`);
  check(c.headDim % 2 === 0, 'bad-value', `${where}: head size ${c.headDim} must be even for RoPE`);
  check(Number.isFinite(c.ropeTheta) && c.ropeTheta > 0, 'bad-value', `${where}: rope theta ${c.ropeTheta} must be positive`);
  check(Number.isFinite(c.rmsEps) && c.rmsEps > 0 && c.rmsEps < 1, 'bad-value', `${where}: rms_norm_eps ${c.rmsEps} must be in (0, 1)`);
  // GGUF stores these as f32 and config.json as decimal text: one f32 value keeps formats identical.
  return { ...c, rmsEps: Math.fround(c.rmsEps), ropeTheta: Math.fround(c.ropeTheta) };
}

function activationFrom(name: unknown, where: string, fallback: FfnActivation): FfnActivation {
  if (name === undefined) return fallback;
  if (name === 'relu2' || name === 'relu_sqr' || name === 'squared_relu') return 'relu2';
  if (name === 'silu' || name === 'swish') return 'silu';
  check(false, 'unsupported', `${where}: FFN activation ${String(name)} is not supported (relu2 and silu are)`);
}

export const GGUF_ARCHES = new Set([...FORK_ARCHES, 'bitnet']);

/** From GGUF KVs; `vocabFallback` is used when `<arch>.vocab_size` is absent (token_embd rows). */
export function configFromGguf(kv: Map<string, GgufValue>, vocabFallback: number, where: string): ModelConfig {
  const arch = kv.get('general.architecture');
  check(typeof arch === 'string', 'missing-key', `${where}: general.architecture is missing`);
  check(GGUF_ARCHES.has(arch), 'unsupported', `${where}: architecture ${arch} is not a BitNet model (${[...GGUF_ARCHES].join(', ')} are supported)`, { arch });
  const num = (key: string, fallback?: number): number => {
    const v = kv.get(`${arch}.${key}`) ?? fallback;
    check(typeof v === 'number', 'missing-key', `${where}: metadata ${arch}.${key} is missing or not a number`, { key });
    return v;
  };
  const dim = num('embedding_length');
  const nHeads = num('attention.head_count');
  const headDim = dim / nHeads;
  const ropeDims = num('rope.dimension_count', headDim);
  // The fork's arches are squared-ReLU with no key for it; upstream `bitnet` defaults to SiLU (spec §2.4).
  const activation = activationFrom(kv.get(`${arch}.hidden_activation`), where, FORK_ARCHES.has(arch) ? 'relu2' : 'silu');
  const config = validate(
    {
      arch,
      dim,
      ffnDim: num('feed_forward_length'),
      nLayers: num('block_count'),
      nHeads,
      nKvHeads: num('attention.head_count_kv', nHeads),
      headDim,
      vocabSize: num('vocab_size', vocabFallback),
      contextLength: num('context_length'),
      ropeTheta: num('rope.freq_base', 10000),
      rmsEps: num('attention.layer_norm_rms_epsilon'),
      activation,
    },
    where,
  );
  // After validate, so a bad head count is reported as such rather than as a RoPE mismatch.
  check(ropeDims === config.headDim, 'unsupported', `${where}: partial RoPE (${ropeDims} of ${config.headDim} dims) is not supported`);
  return config;
}

/** From a Hugging Face config.json of BitNetForCausalLM (packed, offline quantization). */
export function configFromHf(json: Record<string, unknown>, where: string): ModelConfig {
  const arch = (json.architectures as unknown[] | undefined)?.[0];
  check(json.model_type === 'bitnet' || arch === 'BitNetForCausalLM', 'unsupported', `${where}: model_type ${String(json.model_type)} is not bitnet`);
  const q = json.quantization_config as Record<string, unknown> | undefined;
  check(!q || q.quantization_mode !== 'online', 'unsupported', `${where}: this is the bf16 master checkpoint (online quantization); use the packed repository`);
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    check(typeof v === 'number', 'missing-key', `${where}: ${key} is missing or not a number`, { key });
    return v;
  };
  const dim = num('hidden_size');
  const nHeads = num('num_attention_heads');
  check(json.rope_scaling == null, 'unsupported', `${where}: rope_scaling is not supported`);
  return validate(
    {
      arch: 'bitnet',
      dim,
      ffnDim: num('intermediate_size'),
      nLayers: num('num_hidden_layers'),
      nHeads,
      nKvHeads: num('num_key_value_heads', nHeads),
      headDim: num('head_dim', dim / nHeads),
      vocabSize: num('vocab_size'),
      contextLength: num('max_position_embeddings'),
      ropeTheta: num('rope_theta', 10000),
      rmsEps: num('rms_norm_eps'),
      activation: activationFrom(json.hidden_act ?? 'relu2', where, 'relu2'),
    },
    where,
  );
}
