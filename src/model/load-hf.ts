// ModelFile over a Hugging Face packed checkpoint (microsoft/bitnet-b1.58-2B-4T): config.json,
// one or more model*.safetensors with uint8 [out/4, in] ternary packing plus `weight_scale`
// (a multiplier, spec §2.3, §3), and tokenizer.json / tokenizer_config.json.
import { configFromHf } from './config.ts';
import { check, FormatError } from './errors.ts';
import { bf16ToF32, dequantRow, f16ToF32 } from './float-codecs.ts';
import type { GenerationDefaults, ModelFile } from './model-file.ts';
import { readSafetensors, type SafetensorsTensor } from './safetensors.ts';
import type { ByteSource } from './source.ts';
import type { TensorType } from './tensor-types.ts';
import { modelSlots, outputSlot, type TensorSlot } from './tensors.ts';
import { decodeHF } from './ternary-codecs.ts';

export interface HfFiles {
  name: string;
  config: Record<string, unknown>;
  weights: ByteSource[];
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig?: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
}

const LAYER_NAMES: Record<string, string> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_sub_norm: 'self_attn.attn_sub_norm',
  attn_output: 'self_attn.o_proj',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_sub_norm: 'mlp.ffn_sub_norm',
  ffn_down: 'mlp.down_proj',
};

/** HF tensor name (without `.weight`) for a logical GGUF-style name. */
export function hfName(name: string): string {
  if (name === 'token_embd') return 'model.embed_tokens';
  if (name === 'output_norm') return 'model.norm';
  if (name === 'output') return 'lm_head';
  const m = /^blk\.(\d+)\.(\w+)$/.exec(name);
  if (!m || !LAYER_NAMES[m[2]]) throw new Error(`no Hugging Face name for ${name}`);
  return `model.layers.${m[1]}.${LAYER_NAMES[m[2]]}`;
}

const FLOAT_DTYPES: Record<string, TensorType> = { F32: 'F32', F16: 'F16', BF16: 'BF16' };

export async function openHf(files: HfFiles): Promise<ModelFile> {
  const config = configFromHf(files.config, files.name);
  const index = new Map<string, { src: ByteSource; t: SafetensorsTensor }>();
  for (const src of files.weights) {
    for (const t of (await readSafetensors(src)).tensors.values()) index.set(t.name, { src, t });
  }
  const get = (hf: string) => {
    const e = index.get(hf);
    if (!e) throw new FormatError('missing-tensor', `${files.name}: tensor ${hf} is missing`, { name: hf });
    return e;
  };
  const slots = modelSlots(config);
  for (const slot of slots) checkSlot(files.name, slot, get);
  const tied = files.config.tie_word_embeddings !== false;
  if (!tied) checkSlot(files.name, outputSlot(config), get);
  const lmHead = tied ? 'token_embd' : 'output';
  const read = (e: { src: ByteSource; t: SafetensorsTensor }, into?: Uint8Array) => e.src.read(e.t.offset, e.t.bytes, into);
  const matrix = (name: string) => {
    const { t } = get(`${hfName(name)}.weight`);
    return { type: FLOAT_DTYPES[t.dtype], rows: t.shape[0], cols: t.shape[1], bytes: t.bytes };
  };
  const template = files.tokenizerConfig?.chat_template;

  return {
    config,
    weightFormat: 'HF packed',
    embeddingType: matrix(lmHead).type,
    lmHead,
    tokenizer: { kind: 'json', tokenizerJson: files.tokenizerJson, tokenizerConfig: files.tokenizerConfig },
    chatTemplate: typeof template === 'string' ? template : undefined,
    generation: generationDefaults(files.generationConfig),
    describe: () => ({
      folder: files.name,
      sizeBytes: files.weights.reduce((a, s) => a + s.size, 0),
      shards: files.weights.map((s) => s.name),
      tensors: index.size,
      config: files.config,
    }),
    async readTernary(name) {
      const e = get(`${hfName(name)}.weight`);
      const rows = e.t.shape[0] * 4;
      const cols = e.t.shape[1];
      const w = decodeHF(await read(e), rows, cols);
      return { w, rows, cols, scale: await readScale(get(`${hfName(name)}.weight_scale`), read) };
    },
    async readVector(name) {
      const e = get(`${hfName(name)}.weight`);
      const out = new Float32Array(e.t.shape[0]);
      dequantRow(FLOAT_DTYPES[e.t.dtype], await read(e), 0, out.length, out);
      return out;
    },
    async readMatrix(name, into) {
      const m = matrix(name);
      return { type: m.type, rows: m.rows, cols: m.cols, bytes: await read(get(`${hfName(name)}.weight`), into) };
    },
    async readMatrixRows(name, row0, rows, into) {
      const m = matrix(name);
      const { src, t } = get(`${hfName(name)}.weight`);
      check(row0 >= 0 && rows >= 0 && row0 + rows <= m.rows, 'bad-value', `${name}: rows ${row0}..${row0 + rows} are outside 0..${m.rows}`);
      await src.read(t.offset + (row0 * m.bytes) / m.rows, (rows * m.bytes) / m.rows, into);
    },
    matrixInfo: matrix,
  };
}

function checkSlot(file: string, slot: TensorSlot, get: (n: string) => { t: SafetensorsTensor }): void {
  const base = hfName(slot.name);
  const { t } = get(`${base}.weight`);
  const fail = (expect: string) =>
    new FormatError('shape-mismatch', `${file}: tensor ${base}.weight is ${t.dtype}[${t.shape}] but the config needs ${expect}`, { name: base });
  if (slot.kind === 'ternary') {
    check(slot.rows % 4 === 0, 'unsupported', `${file}: ${base} has ${slot.rows} rows, not a multiple of 4 as HF packing needs`);
    const ok = t.dtype === 'U8' && t.shape.length === 2 && t.shape[0] === slot.rows / 4 && t.shape[1] === slot.cols;
    if (!ok) throw fail(`U8[${slot.rows / 4},${slot.cols}]`);
    const s = get(`${base}.weight_scale`).t;
    check(s.dtype in FLOAT_DTYPES && s.shape.reduce((a, b) => a * b, 1) === 1, 'shape-mismatch', `${file}: ${base}.weight_scale must hold one float`);
  } else if (slot.kind === 'vector') {
    if (!(t.dtype in FLOAT_DTYPES && t.shape.length === 1 && t.shape[0] === slot.cols)) throw fail(`float[${slot.cols}]`);
  } else if (!(t.dtype in FLOAT_DTYPES && t.shape.length === 2 && t.shape[0] === slot.rows && t.shape[1] === slot.cols)) {
    throw fail(`float[${slot.rows},${slot.cols}]`);
  }
}

async function readScale(e: { src: ByteSource; t: SafetensorsTensor }, read: (e: { src: ByteSource; t: SafetensorsTensor }) => Promise<Uint8Array>): Promise<number> {
  const b = await read(e);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const scale = e.t.dtype === 'F32' ? v.getFloat32(0, true) : e.t.dtype === 'F16' ? f16ToF32(v.getUint16(0, true)) : bf16ToF32(v.getUint16(0, true));
  check(Number.isFinite(scale) && scale >= 0, 'bad-value', `${e.t.name} = ${scale} is not a valid weight scale`);
  return scale;
}

function generationDefaults(g: Record<string, unknown> | undefined): GenerationDefaults {
  const num = (k: string) => (typeof g?.[k] === 'number' ? (g[k] as number) : undefined);
  if (!g) return {};
  const doSample = g.do_sample !== false;
  return {
    temperature: doSample ? num('temperature') : 0,
    topK: num('top_k'),
    topP: num('top_p'),
    repetitionPenalty: num('repetition_penalty'),
  };
}
