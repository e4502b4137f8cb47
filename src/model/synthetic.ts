// The project's own model generator: random ternary weights in the real file formats and shapes
// (spec §3, §4), so tests and benchmarks run without a download. Every tensor draws from its own
// seeded stream, so the same seed gives the same logical model in every format.
import type { FfnActivation, ModelConfig } from './config.ts';
import { floatRowBytes, quantizeRows } from './float-codecs.ts';
import { layoutGguf, type GgufKvValue, type GgufTensorSpec } from './gguf-writer.ts';
import { hfName } from './load-hf.ts';
import { layoutSafetensors, type SafetensorsDtype } from './safetensors.ts';
import { FTYPE_I2_S, tensorBytes, TYPE_INFO, type TensorType } from './tensor-types.ts';
import { modelSlots, type TensorSlot } from './tensors.ts';
import { encodeHF, encodeI2S, encodeTQ1, encodeTQ2 } from './ternary-codecs.ts';

export type WeightFormat = 'i2_s' | 'tq2_0' | 'tq1_0' | 'hf';
export type EmbeddingFormat = 'f16' | 'bf16' | 'f32' | 'q8_0' | 'q6_k';
export type SyntheticArch = 'bitnet-b1.58' | 'bitnet';

export const SHAPES = {
  /** Small enough for the reference engine in tests; every format's block rules hold. */
  tiny: { dim: 256, ffnDim: 768, nLayers: 2, nHeads: 4, nKvHeads: 2, bpeTokens: 1024, contextLength: 512 },
  /** The exact shape of microsoft/bitnet-b1.58-2B-4T (spec §1.1). */
  '2b4t': { dim: 2560, ffnDim: 6912, nLayers: 30, nHeads: 20, nKvHeads: 5, bpeTokens: 128000, contextLength: 4096 },
} as const;

export type ShapeSpec = { dim: number; ffnDim: number; nLayers: number; nHeads: number; nKvHeads: number; bpeTokens: number; contextLength: number };

/** `tiny`, `2b4t`, or custom `dim=512,ffn=1536,layers=4,heads=8,kv=4,vocab=2000,ctx=1024`. */
export function parseShape(s: string): ShapeSpec {
  if (s in SHAPES) return { ...SHAPES[s as keyof typeof SHAPES] };
  const keys: Record<string, keyof ShapeSpec> = { dim: 'dim', ffn: 'ffnDim', layers: 'nLayers', heads: 'nHeads', kv: 'nKvHeads', vocab: 'bpeTokens', ctx: 'contextLength' };
  const out: ShapeSpec = { ...SHAPES.tiny };
  for (const part of s.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!(k in keys) || !Number.isSafeInteger(n) || n <= 0) throw new Error(`bad shape part "${part}": use tiny, 2b4t or ${Object.keys(keys).map((x) => `${x}=N`).join(',')}`);
    out[keys[k]] = n;
  }
  return out;
}

export interface SyntheticOptions {
  shape: ShapeSpec;
  arch: SyntheticArch;
  format: WeightFormat;
  embedding?: EmbeddingFormat;
  /** FFN activation; only llama.cpp's `bitnet` arch can say SiLU (by omitting the key). */
  activation?: FfnActivation;
  seed: number;
  /** A LLaMA-3-style tokenizer.json + tokenizer_config.json whose vocabulary fits the shape. */
  tokenizer: { json: Record<string, unknown>; config: Record<string, unknown> };
  /**
   * Texts added as ordinary tokens after the special ones (HTML payloads, to test that the page
   * shows model output inertly). Their embedding rows are LOUD_SCALE times larger, so a random
   * model, whose output head is the embedding, picks them often.
   */
  extraTokens?: string[];
}

/** A power of two, so the scaled rows stay exact in every float format. */
const LOUD_SCALE = 2;

/** One output file, as byte ranges produced on demand (so a 1.2 GB model streams to disk). */
export interface FilePlan {
  path: string;
  size: number;
  parts: { offset: number; data: () => Uint8Array }[];
}

export function syntheticConfig(shape: ShapeSpec, arch: SyntheticArch, vocabSize: number, activation: FfnActivation = 'relu2'): ModelConfig {
  return {
    arch,
    dim: shape.dim,
    ffnDim: shape.ffnDim,
    nLayers: shape.nLayers,
    nHeads: shape.nHeads,
    nKvHeads: shape.nKvHeads,
    headDim: shape.dim / shape.nHeads,
    vocabSize,
    contextLength: shape.contextLength,
    ropeTheta: 500000,
    rmsEps: 1e-5,
    activation,
  };
}

// ---- seeded random streams ------------------------------------------------------------------

/** FNV-1a of the name mixed with the seed: an independent stream per tensor. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for test weights. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

/** A value exactly representable in bf16 and f16 (8 significant bits, |x| in [2^-10, 8)). */
function bf16Value(u: number, lo: number, hi: number): number {
  scratchF[0] = lo + ((u >>> 8) / 2 ** 24) * (hi - lo);
  const b = scratchU[0];
  scratchU[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16; // round to nearest even bf16
  return scratchF[0];
}

/** Ternary weights: 2 random bits per weight, 00 -> -1, 01/11 -> 0, 10 -> +1. */
export function syntheticTernary(seed: number, slot: TensorSlot): { w: Int8Array; scale: number } {
  const next = rng(streamSeed(seed, slot.name));
  const w = new Int8Array(slot.rows * slot.cols);
  for (let i = 0; i < w.length; i += 16) {
    let r = next();
    for (let j = i; j < Math.min(i + 16, w.length); j++, r >>>= 2) w[j] = (r & 3) === 0 ? -1 : (r & 3) === 2 ? 1 : 0;
  }
  return { w, scale: bf16Value(next(), 0.5, 3) };
}

/** Norm weights near 1, bf16-exact so every format stores the same value. */
export function syntheticVector(seed: number, slot: TensorSlot): Float32Array {
  const next = rng(streamSeed(seed, slot.name));
  const v = new Float32Array(slot.cols);
  for (let i = 0; i < v.length; i++) v[i] = bf16Value(next(), 0.5, 1.5);
  return v;
}

/** Embedding rows [r0, r1): signed bf16-exact values, magnitude up to 1. */
export function syntheticRows(seed: number, slot: TensorSlot, r0: number, r1: number): Float32Array {
  const out = new Float32Array((r1 - r0) * slot.cols);
  for (let r = r0; r < r1; r++) {
    const next = rng(streamSeed(seed, `${slot.name}#${r}`));
    for (let i = 0; i < slot.cols; i++) {
      const u = next();
      out[(r - r0) * slot.cols + i] = (u & 1 ? -1 : 1) * bf16Value(u, 1 / 1024, 1);
    }
  }
  return out;
}

const EMBD_TYPE: Record<EmbeddingFormat, TensorType> = { f16: 'F16', bf16: 'BF16', f32: 'F32', q8_0: 'Q8_0', q6_k: 'Q6_K' };

/** Rows from `loudFrom` (Infinity: none) on are scaled by LOUD_SCALE (see SyntheticOptions.extraTokens). */
function encodeMatrix(seed: number, slot: TensorSlot, type: TensorType, loudFrom: number): Uint8Array {
  const rowBytes = floatRowBytes(type, slot.cols);
  const out = new Uint8Array(rowBytes * slot.rows);
  const chunk = Math.max(1, Math.floor((1 << 22) / slot.cols));
  for (let r = 0; r < slot.rows; r += chunk) {
    const r1 = Math.min(slot.rows, r + chunk);
    const rows = syntheticRows(seed, slot, r, r1);
    for (let i = Math.max(0, loudFrom - r) * slot.cols; i < rows.length; i++) rows[i] *= LOUD_SCALE;
    out.set(quantizeRows(type, rows, r1 - r, slot.cols), r * rowBytes);
  }
  return out;
}

function encodeTernary(seed: number, slot: TensorSlot, format: WeightFormat): Uint8Array {
  const { w, scale } = syntheticTernary(seed, slot);
  switch (format) {
    case 'i2_s': return encodeI2S(w, slot.rows, slot.cols, scale);
    case 'tq2_0': return encodeTQ2(w, slot.rows, slot.cols, scale);
    case 'tq1_0': return encodeTQ1(w, slot.rows, slot.cols, scale);
    case 'hf': return encodeHF(w, slot.rows, slot.cols);
  }
}

// ---- tokenizer metadata -----------------------------------------------------------------------

interface Vocab { tokens: string[]; types: number[]; merges: string[]; bos: number; eos: number }

function vocabOf(tok: SyntheticOptions['tokenizer']): Vocab {
  const model = tok.json.model as { vocab: Record<string, number>; merges: (string | string[])[] };
  const added = (tok.json.added_tokens ?? []) as { id: number; content: string }[];
  const size = [...Object.values(model.vocab), ...added.map((a) => a.id)].reduce((a, b) => Math.max(a, b), -1) + 1;
  const tokens = new Array<string>(size).fill('');
  const types = new Array<number>(size).fill(1); // 1 = NORMAL
  for (const [t, id] of Object.entries(model.vocab)) tokens[id] = t;
  for (const a of added) {
    tokens[a.id] = a.content;
    types[a.id] = 3; // CONTROL, as the official converter writes the 256 special tokens
  }
  const id = (name: string) => added.find((a) => a.content === name)?.id ?? -1;
  return { tokens, types, merges: model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m)), bos: id('<|begin_of_text|>'), eos: id('<|end_of_text|>') };
}

/** The template Microsoft's converter embeds; it exists to be recognized, never executed (spec §5.3). */
const BITNET_GGUF_TEMPLATE =
  "{% for message in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{% if message['role'] == 'user' %}{{ 'Human: ' + message['content'] + '\\n\\nBITNETAssistant: ' + eos_token }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}";
/** The packed HF repository's chat template (spec §5.3 variant 2). */
const BITNET_HF_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = message['role'] | capitalize + ': '+ message['content'] | trim + '<|eot_id|>' %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

/** GPT-2's byte-level alphabet: each UTF-8 byte as one printable character (a space is 'Ġ'). */
function byteLevel(text: string): string {
  const charOf: string[] = [];
  for (let b = 0, next = 256; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    charOf[b] = String.fromCharCode(printable ? b : next++);
  }
  return Array.from(new TextEncoder().encode(text), (b) => charOf[b]).join('');
}

/** The tokenizer with `texts` appended to its BPE vocabulary, and the first new id. */
function withExtraTokens(tok: SyntheticOptions['tokenizer'], texts: readonly string[]): { tokenizer: SyntheticOptions['tokenizer']; firstId: number } {
  const firstId = vocabOf(tok).tokens.length;
  const model = tok.json.model as { vocab: Record<string, number> };
  const vocab: Record<string, number> = Object.assign(Object.create(null), model.vocab);
  texts.forEach((text, i) => {
    const piece = byteLevel(text);
    if (piece in vocab) throw new Error(`extra token "${text}" is already in the vocabulary`);
    vocab[piece] = firstId + i;
  });
  return { tokenizer: { json: { ...tok.json, model: { ...model, vocab } }, config: tok.config }, firstId };
}

// ---- file plans -------------------------------------------------------------------------------

/** Plans the files of a random model: one .gguf, or a Hugging Face folder (paths relative to it). */
export function planSyntheticModel(options: SyntheticOptions): { config: ModelConfig; files: FilePlan[] } {
  const extra = options.extraTokens?.length ? withExtraTokens(options.tokenizer, options.extraTokens) : { tokenizer: options.tokenizer, firstId: Infinity };
  const o: PlannedOptions = { ...options, tokenizer: extra.tokenizer, loudFrom: extra.firstId };
  const vocab = vocabOf(o.tokenizer);
  if (o.activation === 'silu' && o.arch !== 'bitnet') throw new Error(`${o.arch} files are always squared-ReLU; SiLU needs --arch bitnet`);
  const config = syntheticConfig(o.shape, o.arch, vocab.tokens.length, o.activation);
  return { config, files: o.format === 'hf' ? planHf(o, config) : [planGguf(o, config, vocab)] };
}

type PlannedOptions = SyntheticOptions & { loudFrom: number };

const GGUF_TYPE: Record<Exclude<WeightFormat, 'hf'>, TensorType> = { i2_s: 'I2_S', tq2_0: 'TQ2_0', tq1_0: 'TQ1_0' };

function planGguf(o: PlannedOptions, c: ModelConfig, vocab: Vocab): FilePlan {
  const fmt = o.format as Exclude<WeightFormat, 'hf'>;
  const embdType = EMBD_TYPE[o.embedding ?? 'f16'];
  const a = o.arch;
  const kv: [string, GgufKvValue][] = [
    ['general.architecture', { type: 'str', value: a }],
    ['general.name', { type: 'str', value: 'bitnet-web synthetic' }],
    [`${a}.vocab_size`, { type: 'u32', value: c.vocabSize }],
    [`${a}.context_length`, { type: 'u32', value: c.contextLength }],
    [`${a}.embedding_length`, { type: 'u32', value: c.dim }],
    [`${a}.block_count`, { type: 'u32', value: c.nLayers }],
    [`${a}.feed_forward_length`, { type: 'u32', value: c.ffnDim }],
    [`${a}.rope.dimension_count`, { type: 'u32', value: c.headDim }],
    [`${a}.attention.head_count`, { type: 'u32', value: c.nHeads }],
    [`${a}.attention.head_count_kv`, { type: 'u32', value: c.nKvHeads }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    [`${a}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: c.rmsEps }],
    [`${a}.rope.freq_base`, { type: 'f32', value: c.ropeTheta }],
    ['general.file_type', { type: 'u32', value: fmt === 'i2_s' ? FTYPE_I2_S : fmt === 'tq2_0' ? 37 : 36 }],
    ['tokenizer.ggml.model', { type: 'str', value: 'gpt2' }],
    ['tokenizer.ggml.tokens', { type: 'arr-str', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'arr-f32', value: vocab.types.map((t) => (t === 3 ? -1000 : 0)) }],
    ['tokenizer.ggml.token_type', { type: 'arr-i32', value: vocab.types }],
    ['tokenizer.ggml.merges', { type: 'arr-str', value: vocab.merges }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: vocab.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: vocab.eos }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: vocab.eos }],
    ['tokenizer.chat_template', { type: 'str', value: BITNET_GGUF_TEMPLATE }],
    ['general.quantization_version', { type: 'u32', value: 2 }],
  ];
  // llama.cpp's own `bitnet` files name their pre-tokenizer and FFN activation; Microsoft's do not.
  if (a === 'bitnet') kv.push(['tokenizer.ggml.pre', { type: 'str', value: 'llama-bpe' }]);
  if (a === 'bitnet' && c.activation === 'relu2') kv.push([`${a}.hidden_activation`, { type: 'str', value: 'relu2' }]);

  const slots = modelSlots(c);
  const typeOf = (s: TensorSlot): TensorType => (s.kind === 'ternary' ? GGUF_TYPE[fmt] : s.kind === 'vector' ? 'F32' : embdType);
  const specs: GgufTensorSpec[] = slots.map((s) => {
    const bytes = tensorBytes(typeOf(s), s.cols, s.rows);
    const block = typeOf(s) === 'I2_S' ? 128 : TYPE_INFO[typeOf(s)].blockElems;
    if (bytes === undefined) throw new Error(`shape: ${s.name} has rows of ${s.cols} elements, which ${typeOf(s)} stores only in multiples of ${block}`);
    return { name: `${s.name}.weight`, ne: s.kind === 'vector' ? [s.cols] : [s.cols, s.rows], type: typeOf(s), bytes };
  });
  const { header, offsets, totalBytes } = layoutGguf(kv, specs);
  return {
    path: '',
    size: totalBytes,
    parts: [
      { offset: 0, data: () => header },
      ...slots.map((s, i) => ({ offset: offsets[i], data: () => tensorData(o, s, GGUF_TYPE[fmt], embdType) })),
    ],
  };
}

function tensorData(o: PlannedOptions, s: TensorSlot, ternaryFormat: TensorType | 'hf', matrixType: TensorType): Uint8Array {
  if (s.kind === 'ternary') return encodeTernary(o.seed, s, ternaryFormat === 'hf' ? 'hf' : o.format);
  if (s.kind === 'vector') return quantizeRows(ternaryFormat === 'hf' ? 'BF16' : 'F32', syntheticVector(o.seed, s), 1, s.cols);
  return encodeMatrix(o.seed, s, matrixType, s.name === 'token_embd' ? o.loudFrom : Infinity);
}

function planHf(o: PlannedOptions, c: ModelConfig): FilePlan[] {
  const embdType = EMBD_TYPE[o.embedding ?? 'bf16'];
  if (!['BF16', 'F16', 'F32'].includes(embdType)) throw new Error(`safetensors stores float embeddings only, not ${embdType}`);
  const slots = modelSlots(c);
  const tensors: { name: string; dtype: SafetensorsDtype; shape: number[]; data: () => Uint8Array }[] = [];
  for (const s of slots) {
    const base = hfName(s.name);
    if (s.kind === 'ternary') {
      tensors.push({ name: `${base}.weight`, dtype: 'U8', shape: [s.rows / 4, s.cols], data: () => tensorData(o, s, 'hf', embdType) });
      tensors.push({ name: `${base}.weight_scale`, dtype: 'BF16', shape: [1], data: () => quantizeRows('BF16', new Float32Array([syntheticTernary(o.seed, s).scale]), 1, 1) });
    } else {
      const dtype = s.kind === 'vector' ? 'BF16' : (embdType as SafetensorsDtype);
      tensors.push({ name: `${base}.weight`, dtype, shape: s.kind === 'vector' ? [s.cols] : [s.rows, s.cols], data: () => tensorData(o, s, 'hf', embdType) });
    }
  }
  const { header, offsets, totalBytes } = layoutSafetensors(tensors, { format: 'pt' });
  const json = (path: string, value: unknown): FilePlan => {
    const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');
    return { path, size: bytes.length, parts: [{ offset: 0, data: () => bytes }] };
  };
  const bos = vocabOf(o.tokenizer).bos;
  return [
    json('config.json', hfConfig(c, bos, vocabOf(o.tokenizer).eos)),
    json('generation_config.json', { bos_token_id: bos, eos_token_id: [vocabOf(o.tokenizer).eos, eotId(o)], do_sample: true, temperature: 0.6, top_p: 0.9, max_length: c.contextLength }),
    json('tokenizer.json', withBosPostProcessor(o.tokenizer.json, bos)),
    json('tokenizer_config.json', { ...o.tokenizer.config, chat_template: BITNET_HF_TEMPLATE }),
    { path: 'model.safetensors', size: totalBytes, parts: [{ offset: 0, data: () => header }, ...tensors.map((t, i) => ({ offset: offsets[i], data: t.data }))] },
  ];
}

/** Meta's LLaMA-3 tokenizer.json adds BOS through a TemplateProcessing post-processor; so do ours. */
function withBosPostProcessor(json: Record<string, unknown>, bos: number): Record<string, unknown> {
  const name = ((json.added_tokens ?? []) as { id: number; content: string }[]).find((a) => a.id === bos)!.content;
  const seq = (id: string) => ({ Sequence: { id, type_id: 0 } });
  const special = { SpecialToken: { id: name, type_id: 0 } };
  return {
    ...json,
    post_processor: {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        { type: 'TemplateProcessing', single: [special, seq('A')], pair: [special, seq('A'), special, seq('B')], special_tokens: { [name]: { id: name, ids: [bos], tokens: [name] } } },
      ],
    },
  };
}

function eotId(o: SyntheticOptions): number {
  return ((o.tokenizer.json.added_tokens ?? []) as { id: number; content: string }[]).find((a) => a.content === '<|eot_id|>')?.id ?? -1;
}

function hfConfig(c: ModelConfig, bos: number, eos: number): Record<string, unknown> {
  return {
    architectures: ['BitNetForCausalLM'],
    model_type: 'bitnet',
    hidden_act: 'relu2',
    hidden_size: c.dim,
    intermediate_size: c.ffnDim,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    num_key_value_heads: c.nKvHeads,
    max_position_embeddings: c.contextLength,
    rms_norm_eps: c.rmsEps,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: true,
    bos_token_id: bos,
    eos_token_id: eos,
    torch_dtype: 'bfloat16',
    vocab_size: c.vocabSize,
    use_cache: true,
    quantization_config: { quant_method: 'bitnet', linear_class: 'autobitlinear', quantization_mode: 'offline' },
  };
}
