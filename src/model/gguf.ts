// GGUF v2/v3 reader (spec §4.1): header, every KV type, alignment and the tensor table, read
// from a ByteSource in bounded chunks. Every count and size is checked against the file size
// before anything is allocated, so hostile headers fail fast with a FormatError.
import { check, FormatError } from './errors.ts';
import type { ByteSource } from './source.ts';
import { resolveGgmlType, tensorBytes, type TensorType } from './tensor-types.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4; // GGML_MAX_DIMS
const CHUNK = 1 << 20;

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: ne[0] is the contiguous (row) length. */
  ne: number[];
  typeId: number;
  /** undefined when this project cannot read the type (reported on use). */
  type: TensorType | undefined;
  /** Absolute byte offset in the file. */
  offset: number;
  /** Byte size, when the type is known. */
  bytes: number | undefined;
}

export interface GgufFile {
  version: number;
  kv: Map<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  alignment: number;
  dataOffset: number;
}

const TEXT = new TextDecoder('utf-8', { fatal: true });

/** Sequential reader over a ByteSource that fetches CHUNK-sized windows on demand. */
class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private bufStart = 0;
  constructor(private readonly src: ByteSource) {}

  get remaining(): number {
    return this.src.size - this.pos;
  }

  private async ensure(n: number): Promise<number> {
    if (this.pos + n > this.src.size) {
      throw new FormatError('truncated', `${this.src.name}: file ends inside the GGUF header (needs ${n} bytes at ${this.pos}, size ${this.src.size})`, {
        offset: this.pos,
      });
    }
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.buf.length) return rel;
    const len = Math.min(Math.max(n, CHUNK), this.src.size - this.pos);
    this.buf = await this.src.read(this.pos, len);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.bufStart = this.pos;
    return 0;
  }

  async u8(): Promise<number> {
    const at = await this.ensure(1);
    this.pos += 1;
    return this.buf[at];
  }
  async u32(): Promise<number> {
    const at = await this.ensure(4);
    this.pos += 4;
    return this.view.getUint32(at, true);
  }
  async u64(): Promise<number> {
    const at = await this.ensure(8);
    this.pos += 8;
    const v = this.view.getBigUint64(at, true);
    check(v <= BigInt(Number.MAX_SAFE_INTEGER), 'absurd-value', `${this.src.name}: 64-bit value ${v} at offset ${this.pos - 8} is too large`);
    return Number(v);
  }
  async scalar(type: number): Promise<GgufValue> {
    const size = SCALAR_SIZE[type];
    const at = await this.ensure(size);
    this.pos += size;
    const v = this.view;
    switch (type) {
      case 0: return v.getUint8(at);
      case 1: return v.getInt8(at);
      case 2: return v.getUint16(at, true);
      case 3: return v.getInt16(at, true);
      case 4: return v.getUint32(at, true);
      case 5: return v.getInt32(at, true);
      case 6: return v.getFloat32(at, true);
      case 7: return v.getUint8(at) !== 0;
      case 10: return bigOrNumber(v.getBigUint64(at, true));
      case 11: return bigOrNumber(v.getBigInt64(at, true));
      case 12: return v.getFloat64(at, true);
    }
    throw new Error('unreachable');
  }
  async string(what: string): Promise<string> {
    const len = await this.u64();
    check(len <= this.remaining, 'absurd-value', `${this.src.name}: ${what} claims a ${len}-byte string but only ${this.remaining} bytes remain`, { len });
    const at = await this.ensure(len);
    this.pos += len;
    try {
      return TEXT.decode(this.buf.subarray(at, at + len));
    } catch {
      throw new FormatError('bad-value', `${this.src.name}: ${what} is not valid UTF-8`);
    }
  }
}

/** Byte size of each scalar GGUF value type (8 = string and 9 = array are variable). */
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function bigOrNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

async function readValue(c: Cursor, type: number, key: string, depth = 0): Promise<GgufValue> {
  if (type === 8) return c.string(`value of ${key}`);
  if (type === 9) {
    check(depth === 0, 'bad-value', `GGUF key ${key}: nested arrays are not supported`);
    const elemType = await c.u32();
    const count = await c.u64();
    const minSize = elemType === 8 ? 8 : SCALAR_SIZE[elemType];
    check(minSize !== undefined, 'unknown-type', `GGUF key ${key}: unknown array element type ${elemType}`, { key, elemType });
    check(count * minSize <= c.remaining, 'absurd-value', `GGUF key ${key}: array of ${count} elements cannot fit in the ${c.remaining} bytes left`, { key, count });
    const out: GgufValue[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = await readValue(c, elemType, key, depth + 1);
    return out;
  }
  check(SCALAR_SIZE[type] !== undefined, 'unknown-type', `GGUF key ${key}: unknown value type ${type}`, { key, type });
  return c.scalar(type);
}

/** Parses the header and tensor table; tensor data stays in the source. */
export async function readGguf(src: ByteSource): Promise<GgufFile> {
  const c = new Cursor(src);
  check(src.size >= 24, 'truncated', `${src.name}: ${src.size} bytes is too small to be a GGUF file`);
  const magic = await c.u32();
  check(magic === GGUF_MAGIC, 'bad-magic', `${src.name}: not a GGUF file (magic 0x${magic.toString(16).padStart(8, '0')})`, { magic });
  const version = await c.u32();
  check(version === 2 || version === 3, 'bad-version', `${src.name}: GGUF version ${version} is not supported (2 and 3 are)`, { version });
  const nTensors = await c.u64();
  const nKv = await c.u64();
  // The smallest KV is 8 (key length) + 1 + 4 + 1 bytes; the smallest tensor entry 8 + 1 + 4 + 8 + 4 + 8.
  check(nKv * 14 <= c.remaining, 'absurd-value', `${src.name}: header claims ${nKv} metadata entries, more than the file can hold`, { nKv });
  check(nTensors * 33 <= c.remaining, 'absurd-value', `${src.name}: header claims ${nTensors} tensors, more than the file can hold`, { nTensors });

  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = await c.string(`metadata key #${i}`);
    const type = await c.u32();
    kv.set(key, await readValue(c, type, key));
  }
  const alignment = kv.get('general.alignment') ?? GGUF_DEFAULT_ALIGNMENT;
  check(typeof alignment === 'number' && Number.isInteger(alignment) && alignment > 0 && (alignment & (alignment - 1)) === 0 && alignment <= 1 << 20, 'bad-value',
    `${src.name}: general.alignment ${String(alignment)} is not a power of two`);

  const arch = typeof kv.get('general.architecture') === 'string' ? (kv.get('general.architecture') as string) : '';
  const fileType = typeof kv.get('general.file_type') === 'number' ? (kv.get('general.file_type') as number) : undefined;
  const infos: Omit<GgufTensorInfo, 'offset'>[] = [];
  const relOffsets: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = await c.string(`tensor name #${i}`);
    const nDims = await c.u32();
    check(nDims >= 1 && nDims <= MAX_DIMS, 'absurd-value', `${src.name}: tensor ${name} has ${nDims} dimensions (1..${MAX_DIMS} allowed)`, { name, nDims });
    const ne: number[] = [];
    let elems = 1;
    for (let d = 0; d < nDims; d++) {
      const n = await c.u64();
      check(n >= 1 && n <= 2 ** 32, 'absurd-value', `${src.name}: tensor ${name} has dimension ${d} of size ${n}`, { name, ne: n });
      elems *= n;
      ne.push(n);
    }
    check(elems <= src.size * 8, 'absurd-value', `${src.name}: tensor ${name} has ${elems} elements, more than the file can hold`, { name, elems });
    const typeId = await c.u32();
    const type = resolveGgmlType(typeId, arch, fileType);
    const bytes = type ? tensorBytes(type, ne[0], elems / ne[0]) : undefined;
    if (type) check(bytes !== undefined, 'shape-mismatch', `${src.name}: tensor ${name} row of ${ne[0]} does not fit ${type} blocks`, { name, ne, type });
    relOffsets.push(await c.u64());
    check(!seen.has(name), 'bad-value', `${src.name}: tensor ${name} appears twice`, { name });
    seen.add(name);
    infos.push({ name, ne, typeId, type, bytes });
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const tensors = new Map<string, GgufTensorInfo>();
  infos.forEach((t, i) => {
    const offset = dataOffset + relOffsets[i];
    check(relOffsets[i] % alignment === 0, 'bad-offset', `${src.name}: tensor ${t.name} offset ${relOffsets[i]} is not aligned to ${alignment}`, { name: t.name });
    check(offset + (t.bytes ?? 0) <= src.size, 'bad-offset',
      `${src.name}: tensor ${t.name} (${t.bytes} bytes at ${offset}) runs past the end of the file (${src.size} bytes)`, { name: t.name, offset, size: src.size });
    tensors.set(t.name, { ...t, offset });
  });
  return { version, kv, tensors, alignment, dataOffset };
}

