// Test helper: small synthetic BitNet models built in memory from the generator's file plans
// (as bytes, or opened as a ModelFile), and raw GGUF / safetensors editing (an independent header scanner plus writers) so that each test
// can break exactly one thing in an otherwise valid file.

import { expect } from 'vitest';
import { llama3Tokenizer } from '../node/model-files.ts';
import type { FfnActivation, ModelConfig } from './config.ts';
import { dequantRow } from './float-codecs.ts';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from './gguf.ts';
import { openGguf } from './load-gguf.ts';
import { openHf, type HfFiles } from './load-hf.ts';
import type { ModelFile } from './model-file.ts';
import { MemorySource, type ByteSource } from './source.ts';
import {
  parseShape,
  planSyntheticModel,
  syntheticRows,
  syntheticTernary,
  syntheticVector,
  type EmbeddingFormat,
  type FilePlan,
  type ShapeSpec,
  type SyntheticArch,
  type WeightFormat,
} from './synthetic.ts';
import { resolveGgmlType, tensorBytes } from './tensor-types.ts';
import { modelSlots, type TensorSlot } from './tensors.ts';
import { truncateLlama3Tokenizer, type TokenizerFiles } from './tokenizer-truncate.ts';

/** One layer of two 128-wide heads: every block rule holds (I2_S cols % 128, TQ cols % 256, HF rows % 4). */
export const TEST_SHAPE = parseShape('dim=256,ffn=256,layers=1,heads=2,kv=1,vocab=300,ctx=64');
export const TEST_SEED = 7;

const TEXT = new TextDecoder('utf-8', { fatal: true });

let tokenizer: Promise<TokenizerFiles> | undefined;

/** The LLaMA-3 tokenizer cut to 300 BPE ranks plus its 256 specials; loaded once per test file (about a second). */
export function testTokenizer(): Promise<TokenizerFiles> {
  tokenizer ??= llama3Tokenizer().then((t) => truncateLlama3Tokenizer(t.json, t.config, TEST_SHAPE.bpeTokens));
  return tokenizer;
}

export interface ModelOptions {
  format: WeightFormat;
  /** Default: bitnet-b1.58 for I2_S (Microsoft's files), bitnet for TQ (llama.cpp's) and HF (what openHf reports). */
  arch?: SyntheticArch;
  embedding?: EmbeddingFormat;
  activation?: FfnActivation;
  /** Default TEST_SHAPE; a string as parseShape reads it. The vocabulary is always testTokenizer()'s. */
  shape?: string | ShapeSpec;
  /** Default TEST_SEED (which expectGeneratorValues assumes). */
  seed?: number;
}

async function plan(o: ModelOptions): Promise<{ config: ModelConfig; files: FilePlan[] }> {
  const tok = await testTokenizer();
  return planSyntheticModel({
    shape: typeof o.shape === 'string' ? parseShape(o.shape) : (o.shape ?? TEST_SHAPE),
    arch: o.arch ?? (o.format === 'i2_s' ? 'bitnet-b1.58' : 'bitnet'),
    format: o.format,
    embedding: o.embedding,
    activation: o.activation,
    seed: o.seed ?? TEST_SEED,
    tokenizer: { json: tok.tokenizerJson, config: tok.tokenizerConfig },
  });
}

/** A plan's parts in one array, with zeros in the gaps as writePlans leaves them on disk. */
export function runPlan(p: FilePlan): Uint8Array {
  const out = new Uint8Array(p.size);
  for (const part of p.parts) out.set(part.data(), part.offset);
  return out;
}

export async function buildGguf(o: ModelOptions): Promise<{ config: ModelConfig; bytes: Uint8Array }> {
  const { config, files } = await plan(o);
  return { config, bytes: runPlan(files[0]) };
}

/** A Hugging Face folder: `files` is ready for openHf, `weights` the model.safetensors bytes. */
export async function buildHf(embedding?: EmbeddingFormat): Promise<{ config: ModelConfig; files: HfFiles; weights: Uint8Array }> {
  const { config, files } = await plan({ format: 'hf', embedding });
  return { config, ...hfFolder(files) };
}

/** A synthetic model of any shape, format, arch, embedding, activation and seed, opened from memory. */
export async function openSynthetic(o: ModelOptions): Promise<ModelFile> {
  const { files } = await plan(o);
  return o.format === 'hf' ? openHf(hfFolder(files).files) : openGguf(new MemorySource(runPlan(files[0]), 'synthetic.gguf'));
}

function hfFolder(files: FilePlan[]): { files: HfFiles; weights: Uint8Array } {
  const file = (path: string) => runPlan(files.find((f) => f.path === path)!);
  const json = (path: string) => JSON.parse(new TextDecoder().decode(file(path))) as Record<string, unknown>;
  const weights = file('model.safetensors');
  return {
    weights,
    files: {
      name: 'synthetic-hf',
      config: json('config.json'),
      weights: [new MemorySource(weights, 'model.safetensors')],
      tokenizerJson: json('tokenizer.json'),
      tokenizerConfig: json('tokenizer_config.json'),
      generationConfig: json('generation_config.json'),
    },
  };
}

/** The same folder with other model.safetensors bytes and/or config.json fields. */
export function hfWith(files: HfFiles, weights?: Uint8Array, config: Record<string, unknown> = {}): HfFiles {
  return { ...files, config: { ...files.config, ...config }, weights: weights ? [new MemorySource(weights, 'model.safetensors')] : files.weights };
}

/** Index of the first differing element, or -1: one cheap assertion instead of a huge diff. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Reads every tensor the engine would and checks it against the generator's values, exactly. */
export async function expectGeneratorValues(model: ModelFile): Promise<void> {
  for (const slot of modelSlots(model.config)) {
    if (slot.kind === 'ternary') {
      const t = await model.readTernary(slot.name);
      const want = syntheticTernary(TEST_SEED, slot);
      expect([t.rows, t.cols, t.scale], slot.name).toEqual([slot.rows, slot.cols, want.scale]);
      expect(firstDifference(t.w, want.w), slot.name).toBe(-1);
    } else if (slot.kind === 'vector') {
      expect(firstDifference(await model.readVector(slot.name), syntheticVector(TEST_SEED, slot)), slot.name).toBe(-1);
    } else {
      expect(firstDifference(await readMatrixValues(model, slot), syntheticRows(TEST_SEED, slot, 0, slot.rows)), slot.name).toBe(-1);
    }
  }
}

/** A float matrix decoded row by row to float32. */
export async function readMatrixValues(model: ModelFile, slot: TensorSlot): Promise<Float32Array> {
  const m = await model.readMatrix(slot.name);
  expect([m.rows, m.cols], slot.name).toEqual([slot.rows, slot.cols]);
  const out = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) dequantRow(m.type, m.bytes, r, m.cols, out.subarray(r * m.cols));
  return out;
}

/** A MemorySource that remembers its largest read, to show a hostile header never makes a reader fetch (or allocate) beyond the file. */
export class RecordingSource implements ByteSource {
  maxRead = 0;
  private readonly inner: MemorySource;
  constructor(bytes: Uint8Array, readonly name = 'test.gguf') {
    this.inner = new MemorySource(bytes, name);
  }
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    this.maxRead = Math.max(this.maxRead, length);
    return this.inner.read(offset, length, into);
  }
}

// ---- bytes ------------------------------------------------------------------------------------

/** Little-endian byte builder for hand-written headers; every method appends and returns `this`. */
export class Bytes {
  private chunks: Uint8Array[] = [];
  length = 0;
  private put(n: number, write: (v: DataView) => void): this {
    const b = new Uint8Array(n);
    write(new DataView(b.buffer));
    return this.raw(b);
  }
  raw(b: Uint8Array): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  u8(v: number): this { return this.put(1, (d) => d.setUint8(0, v)); }
  i8(v: number): this { return this.put(1, (d) => d.setInt8(0, v)); }
  u16(v: number): this { return this.put(2, (d) => d.setUint16(0, v, true)); }
  i16(v: number): this { return this.put(2, (d) => d.setInt16(0, v, true)); }
  u32(v: number): this { return this.put(4, (d) => d.setUint32(0, v, true)); }
  i32(v: number): this { return this.put(4, (d) => d.setInt32(0, v, true)); }
  f32(v: number): this { return this.put(4, (d) => d.setFloat32(0, v, true)); }
  f64(v: number): this { return this.put(8, (d) => d.setFloat64(0, v, true)); }
  u64(v: number | bigint): this { return this.put(8, (d) => d.setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true)); }
  i64(v: number | bigint): this { return this.put(8, (d) => d.setBigInt64(0, BigInt(v), true)); }
  /** A GGUF string: u64 byte length, then the bytes (UTF-8 for a JS string). */
  str(s: string | Uint8Array): this {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    return this.u64(b.length).raw(b);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** A copy of `bytes` with a little-endian u32 or u64 written at `at`. */
export function patched(bytes: Uint8Array, at: number, width: 4 | 8, value: number | bigint): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  if (width === 4) v.setUint32(at, Number(BigInt.asUintN(32, BigInt(value))), true);
  else v.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
  return out;
}

/** A copy of `bytes` with the first occurrence of the ASCII text `find` overwritten by `replacement` (same length). */
export function replaced(bytes: Uint8Array, find: string, replacement: Uint8Array): Uint8Array {
  const needle = new TextEncoder().encode(find);
  expect(replacement.length).toBe(needle.length);
  for (let i = 0; i + needle.length <= bytes.length; i++) {
    if (needle.every((b, j) => bytes[i + j] === b)) {
      const out = bytes.slice();
      out.set(replacement, i);
      return out;
    }
  }
  throw new Error(`"${find}" not found`);
}

// ---- GGUF editing -----------------------------------------------------------------------------

/** GGUF value type ids (spec §4.1). */
export const GGUF_TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12 } as const;

/** Raw KV values (the u32 type id, then the value), so any type, known to the reader or not, can be written. */
export const kv = {
  u32: (v: number) => new Bytes().u32(GGUF_TYPE.u32).u32(v).bytes(),
  i32: (v: number) => new Bytes().u32(GGUF_TYPE.i32).i32(v).bytes(),
  f32: (v: number) => new Bytes().u32(GGUF_TYPE.f32).f32(v).bytes(),
  u64: (v: number | bigint) => new Bytes().u32(GGUF_TYPE.u64).u64(v).bytes(),
  bool: (v: boolean) => new Bytes().u32(GGUF_TYPE.bool).u8(v ? 1 : 0).bytes(),
  str: (v: string | Uint8Array) => new Bytes().u32(GGUF_TYPE.str).str(v).bytes(),
};

export interface GgufTensorPart {
  name: string;
  /** ggml order; its length is written as n_dims. */
  ne: number[];
  typeId: number;
  data: Uint8Array;
  /** Written to the table instead of where the data really goes (which stays the aligned running offset). */
  offset?: number;
}

export interface GgufParts {
  version: number;
  /** Key -> raw typed value (see `kv`), in file order. */
  kv: Map<string, Uint8Array>;
  tensors: GgufTensorPart[];
  alignment: number;
}

/** Where the sections of a GGUF start and end: the fixed header is bytes [0, 24). */
export interface GgufRegions {
  kvStart: number;
  tableStart: number;
  /** The end of the tensor table; padding follows up to dataStart. */
  tableEnd: number;
  dataStart: number;
}

const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Splits a valid GGUF (as the generator writes it) into editable parts, independently of readGguf. */
export function splitGguf(bytes: Uint8Array): GgufParts & { regions: GgufRegions } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  const u32 = () => ((at += 4), v.getUint32(at - 4, true));
  const u64 = () => ((at += 8), Number(v.getBigUint64(at - 8, true)));
  const str = () => {
    const n = u64();
    at += n;
    return TEXT.decode(bytes.subarray(at - n, at));
  };
  const skip = (type: number): void => {
    if (type === GGUF_TYPE.str) {
      const n = u64(); // read first: `at += u64()` would add to the stale `at`
      at += n;
    } else if (type === GGUF_TYPE.arr) {
      const elem = u32();
      for (let n = u64(); n > 0; n--) skip(elem);
    } else at += SCALAR_BYTES[type];
  };
  const nTensors = u64();
  const nKv = u64();
  const kvStart = at;
  const kvs = new Map<string, Uint8Array>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const from = at;
    skip(u32());
    kvs.set(key, bytes.slice(from, at));
  }
  const tableStart = at;
  const table = Array.from({ length: nTensors }, () => {
    const name = str();
    const ne = Array.from({ length: u32() }, u64);
    return { name, ne, typeId: u32(), rel: u64() };
  });
  const align = kvs.get('general.alignment');
  const alignment = align ? new DataView(align.buffer).getUint32(4, true) : GGUF_DEFAULT_ALIGNMENT;
  const dataStart = Math.ceil(at / alignment) * alignment;
  // The generator writes id 36 only as I2_S, so a fork arch resolves every id it uses.
  const size = (t: (typeof table)[number]) => tensorBytes(resolveGgmlType(t.typeId, 'bitnet-b1.58', undefined)!, t.ne[0], t.ne.slice(1).reduce((a, b) => a * b, 1))!;
  const tensors = table.map((t) => ({ name: t.name, ne: t.ne, typeId: t.typeId, data: bytes.slice(dataStart + t.rel, dataStart + t.rel + size(t)) }));
  return { version: v.getUint32(4, true), kv: kvs, tensors, alignment, regions: { kvStart, tableStart, tableEnd: at, dataStart } };
}

/** Writes parts as a GGUF: header, tensor table with aligned offsets, padding, data. */
export function joinGguf(p: GgufParts): Uint8Array {
  const align = (n: number) => Math.ceil(n / p.alignment) * p.alignment;
  const out = new Bytes().u32(GGUF_MAGIC).u32(p.version).u64(p.tensors.length).u64(p.kv.size);
  for (const [key, value] of p.kv) out.str(key).raw(value);
  const rels: number[] = [];
  let rel = 0;
  for (const t of p.tensors) {
    out.str(t.name).u32(t.ne.length);
    for (const n of t.ne) out.u64(n);
    out.u32(t.typeId).u64(t.offset ?? rel);
    rels.push(rel);
    rel = align(rel + t.data.length);
  }
  const dataStart = align(out.length);
  const file = new Uint8Array(dataStart + rel);
  file.set(out.bytes());
  p.tensors.forEach((t, i) => file.set(t.data, dataStart + rels[i]));
  return file;
}

/** Split, edit the parts in place, join: the one-line way to break a single thing. */
export function editGguf(bytes: Uint8Array, edit: (p: GgufParts) => void): Uint8Array {
  const parts = splitGguf(bytes);
  edit(parts);
  return joinGguf(parts);
}

/** The tensor part named `name` (with `.weight`), which must exist. */
export function tensorPart(p: GgufParts, name: string): GgufTensorPart {
  const t = p.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  return t;
}

// ---- safetensors editing ----------------------------------------------------------------------

/** The JSON header and the data section of a valid safetensors file. */
export function splitSafetensors(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(TEXT.decode(bytes.subarray(8, 8 + len))), data: bytes.subarray(8 + len) };
}

/** A safetensors file from a header (an object, or any text for malformed headers) and data. */
export function joinSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  return new Bytes().u64(json.length).raw(json).raw(data).bytes();
}

/** Split, edit the header object in place, join. */
export function editSafetensors(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  const { header, data } = splitSafetensors(bytes);
  edit(header);
  return joinSafetensors(header, data);
}

/** The file with tensor `name` added (or replaced) as `dtype[shape]`, its data appended to the data section. */
export function withSafetensor(bytes: Uint8Array, name: string, dtype: string, shape: number[], data: Uint8Array): Uint8Array {
  const { header, data: old } = splitSafetensors(bytes);
  header[name] = { dtype, shape, data_offsets: [old.length, old.length + data.length] };
  return joinSafetensors(header, new Bytes().raw(old).raw(data).bytes());
}
