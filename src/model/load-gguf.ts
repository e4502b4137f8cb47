// ModelFile over a GGUF file: Microsoft's I2_S release (bitnet-b1.58 / bitnet-25) and llama.cpp's
// `bitnet` arch in TQ1_0 / TQ2_0, with optional per-tensor `.scale` tensors (spec §2.4, §4).
import { configFromGguf } from './config.ts';
import { check, FormatError } from './errors.ts';
import { dequantRow } from './float-codecs.ts';
import { readGguf, type GgufFile, type GgufTensorInfo } from './gguf.ts';
import type { ModelFile, TernaryTensor } from './model-file.ts';
import type { ByteSource } from './source.ts';
import { FORK_ARCHES, TERNARY_TYPES, type TensorType } from './tensor-types.ts';
import { modelSlots, outputSlot, type TensorSlot } from './tensors.ts';
import { decodeI2S, decodeTQ1, decodeTQ2 } from './ternary-codecs.ts';

const f32 = Math.fround;

export async function openGguf(src: ByteSource): Promise<ModelFile> {
  const gguf = await readGguf(src);
  const embd = gguf.tensors.get('token_embd.weight');
  check(embd, 'missing-tensor', `${src.name}: tensor token_embd.weight is missing`);
  const config = configFromGguf(gguf.kv, embd.ne[1] ?? 0, src.name);
  const slots = modelSlots(config);
  for (const slot of slots) checkSlot(src.name, gguf, slot);
  const hasOutput = gguf.tensors.has('output.weight');
  if (hasOutput) checkSlot(src.name, gguf, outputSlot(config));
  // bitnet.cpp computes logits from token_embd even when an output.weight exists (spec §4.6).
  const lmHead = hasOutput && !FORK_ARCHES.has(config.arch) ? 'output' : 'token_embd';
  const ternaryTypes = new Set(slots.filter((s) => s.kind === 'ternary').map((s) => tensorOf(gguf, s.name).type));
  check(ternaryTypes.size === 1, 'unsupported', `${src.name}: ternary tensors mix types ${[...ternaryTypes].join(', ')}`);
  const template = gguf.kv.get('tokenizer.chat_template');

  const read = (t: GgufTensorInfo, into?: Uint8Array) => src.read(t.offset, t.bytes!, into);
  /** The stored scale times an optional `.scale` tensor, checked as openHf checks weight_scale. */
  const effectiveScale = async (name: string, stored: number) => {
    const extra = gguf.tensors.get(`${name}.scale`);
    const scale = extra ? f32(stored * (await readScalar(src, extra))) : stored;
    check(Number.isFinite(scale) && scale >= 0, 'bad-value', `${src.name}: ${name} scale ${scale} is not a valid weight scale`, { name, scale });
    return scale;
  };
  return {
    config,
    weightFormat: [...ternaryTypes][0]!,
    embeddingType: tensorOf(gguf, lmHead).type!,
    lmHead,
    tokenizer: { kind: 'gguf', kv: gguf.kv },
    chatTemplate: typeof template === 'string' ? template : undefined,
    generation: {},
    describe: () => ({
      file: src.name,
      sizeBytes: src.size,
      ggufVersion: gguf.version,
      name: gguf.kv.get('general.name'),
      tensors: gguf.tensors.size,
      metadata: Object.fromEntries([...gguf.kv].filter(([, v]) => !Array.isArray(v) || v.length <= 16).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v])),
    }),
    async readTernary(name) {
      const t = tensorOf(gguf, name);
      const bytes = await read(t);
      const [cols, rows] = [t.ne[0], t.ne[1] ?? 1];
      const decoded = t.type === 'I2_S' ? decodeI2S(bytes, rows, cols, name) : t.type === 'TQ2_0' ? decodeTQ2(bytes, rows, cols, name) : decodeTQ1(bytes, rows, cols, name);
      return { w: decoded.w, rows, cols, scale: await effectiveScale(name, decoded.scale) } satisfies TernaryTensor;
    },
    readTernaryI2S: ternaryTypes.has('I2_S')
      ? async (name) => {
          const t = tensorOf(gguf, name);
          const [cols, rows] = [t.ne[0], t.ne[1] ?? 1];
          const bytes = await read(t);
          const codes = bytes.subarray(0, (rows * cols) / 4);
          const tail = new DataView(bytes.buffer, bytes.byteOffset + codes.length, 4).getFloat32(0, true);
          return { codes, rows, cols, scale: await effectiveScale(name, tail) };
        }
      : undefined,
    async readVector(name) {
      const t = tensorOf(gguf, name);
      const out = new Float32Array(t.ne[0]);
      dequantRow(t.type!, await read(t), 0, t.ne[0], out);
      return out;
    },
    async readMatrix(name, into) {
      const t = tensorOf(gguf, name);
      return { type: t.type!, rows: t.ne[1], cols: t.ne[0], bytes: await read(t, into) };
    },
    async readMatrixRows(name, row0, rows, into) {
      const t = tensorOf(gguf, name);
      const rowBytes = t.bytes! / t.ne[1];
      check(row0 >= 0 && rows >= 0 && row0 + rows <= t.ne[1], 'bad-value', `${name}: rows ${row0}..${row0 + rows} are outside 0..${t.ne[1]}`);
      await src.read(t.offset + row0 * rowBytes, rows * rowBytes, into);
    },
    matrixInfo(name) {
      const t = tensorOf(gguf, name);
      return { type: t.type!, rows: t.ne[1], cols: t.ne[0], bytes: t.bytes! };
    },
  };
}

function tensorOf(gguf: GgufFile, name: string): GgufTensorInfo {
  const t = gguf.tensors.get(`${name}.weight`);
  if (!t) throw new FormatError('missing-tensor', `tensor ${name}.weight is missing`, { name });
  return t;
}

const FLOAT_VECTOR_TYPES: ReadonlySet<TensorType> = new Set(['F32', 'F16', 'BF16']);
const MATRIX_TYPES: ReadonlySet<TensorType> = new Set(['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K']);

/** Checks that a tensor exists with the shape and a type the engine can use for its role. */
function checkSlot(file: string, gguf: GgufFile, slot: TensorSlot): void {
  const t = gguf.tensors.get(`${slot.name}.weight`);
  check(t, 'missing-tensor', `${file}: tensor ${slot.name}.weight is missing`, { name: slot.name });
  check(t.type, 'unknown-type', `${file}: tensor ${slot.name}.weight has type id ${t.typeId}, which this engine cannot read`, { name: slot.name, typeId: t.typeId });
  const expect = slot.kind === 'vector' ? [slot.cols] : [slot.cols, slot.rows];
  const ne = t.ne.length > 1 && t.ne.slice(expect.length).every((n) => n === 1) ? t.ne.slice(0, expect.length) : t.ne;
  check(ne.length === expect.length && ne.every((n, i) => n === expect[i]), 'shape-mismatch',
    `${file}: tensor ${slot.name}.weight has shape [${t.ne}] but the config needs [${expect}]`, { name: slot.name, ne: t.ne, expect });
  const allowed = slot.kind === 'ternary' ? TERNARY_TYPES : slot.kind === 'vector' ? FLOAT_VECTOR_TYPES : MATRIX_TYPES;
  check(allowed.has(t.type), 'unsupported', `${file}: tensor ${slot.name}.weight is ${t.type}, expected one of ${[...allowed].join(', ')}`, { name: slot.name });
  const scale = gguf.tensors.get(`${slot.name}.scale`);
  if (scale) check(scale.type === 'F32' && scale.ne.every((n) => n === 1), 'shape-mismatch', `${file}: ${slot.name}.scale must be one F32 value`);
}

async function readScalar(src: ByteSource, t: GgufTensorInfo): Promise<number> {
  const b = await src.read(t.offset, 4);
  return new DataView(b.buffer, b.byteOffset).getFloat32(0, true);
}
