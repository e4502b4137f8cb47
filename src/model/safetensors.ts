// safetensors reader and writer (spec §3.2): an 8-byte header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the data. The header is validated in full before
// any tensor is read.
import { check, FormatError } from './errors.ts';
import type { ByteSource } from './source.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'U8' | 'I8' | 'I32' | 'I64' | 'F64' | 'U16' | 'I16' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, U16: 2, I16: 2, U8: 1, I8: 1, BOOL: 1 };
/** Headers beyond this are hostile: the real 2B4T header is a few tens of KB. */
const MAX_HEADER_BYTES = 100 << 20;

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  bytes: number;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export async function readSafetensors(src: ByteSource): Promise<SafetensorsFile> {
  check(src.size >= 8, 'truncated', `${src.name}: ${src.size} bytes is too small to be a safetensors file`);
  const lenBytes = await src.read(0, 8);
  const headerLen = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset).getBigUint64(0, true));
  check(headerLen >= 2 && headerLen <= MAX_HEADER_BYTES && 8 + headerLen <= src.size, 'absurd-value',
    `${src.name}: safetensors header length ${headerLen} does not fit a ${src.size}-byte file`, { headerLen });
  const raw = await src.read(8, headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (e) {
    throw new FormatError('bad-json', `${src.name}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  check(header !== null && typeof header === 'object' && !Array.isArray(header), 'bad-json', `${src.name}: safetensors header is not a JSON object`);
  const dataStart = 8 + headerLen;
  const dataSize = src.size - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    tensors.set(name, parseEntry(src.name, name, entry, dataStart, dataSize));
  }
  return { tensors, metadata };
}

function parseEntry(file: string, name: string, entry: unknown, dataStart: number, dataSize: number): SafetensorsTensor {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  check(e && typeof e === 'object', 'bad-json', `${file}: entry for ${name} is not an object`);
  check(typeof e.dtype === 'string' && Object.hasOwn(DTYPE_BYTES, e.dtype), 'unknown-type', `${file}: tensor ${name} has unknown dtype ${String(e.dtype)}`, { name });
  const dtype = e.dtype as SafetensorsDtype;
  check(Array.isArray(e.shape) && e.shape.length <= 8 && e.shape.every((d) => Number.isSafeInteger(d) && d >= 0), 'absurd-value',
    `${file}: tensor ${name} has an invalid shape ${JSON.stringify(e.shape)}`, { name });
  const shape = e.shape as number[];
  const offs = e.data_offsets;
  check(Array.isArray(offs) && offs.length === 2 && offs.every((d) => Number.isSafeInteger(d) && d >= 0) && offs[0] <= offs[1], 'bad-offset',
    `${file}: tensor ${name} has invalid data_offsets ${JSON.stringify(offs)}`, { name });
  const [begin, end] = offs as number[];
  check(end <= dataSize, 'bad-offset', `${file}: tensor ${name} ends at ${end}, past the ${dataSize} bytes of data`, { name, end, dataSize });
  const elems = shape.reduce((a, b) => a * b, 1);
  check(elems * DTYPE_BYTES[dtype] === end - begin, 'shape-mismatch',
    `${file}: tensor ${name} is ${dtype}${JSON.stringify(shape)} = ${elems * DTYPE_BYTES[dtype]} bytes but its range holds ${end - begin}`, { name });
  return { name, dtype, shape, offset: dataStart + begin, bytes: end - begin };
}

export interface SafetensorsSpec {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

/**
 * Lays out a safetensors file for streaming: the header bytes (JSON padded to 8 bytes, as the
 * reference writer does) and each tensor's absolute offset, in the given order.
 */
export function layoutSafetensors(tensors: SafetensorsSpec[], metadata: Record<string, string> = {}): { header: Uint8Array; offsets: number[]; totalBytes: number } {
  const entries: Record<string, unknown> = { __metadata__: metadata };
  const rels: number[] = [];
  let at = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    entries[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + bytes] };
    rels.push(at);
    at += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(entries));
  const padded = json.length + ((8 - ((8 + json.length) % 8)) % 8);
  const header = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, offsets: rels.map((r) => header.length + r), totalBytes: header.length + at };
}
