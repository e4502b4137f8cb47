// GGUF v3 writer for the project's model generator: builds the header (KVs + tensor table) and
// tells where each tensor's data goes, so large files can be streamed tensor by tensor.
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from './gguf.ts';
import { ggmlTypeId, type TensorType } from './tensor-types.ts';

export type GgufKvValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'str'; value: string }
  | { type: 'arr-str'; value: string[] }
  | { type: 'arr-i32' | 'arr-f32'; value: ArrayLike<number> };

export interface GgufTensorSpec {
  name: string;
  ne: number[];
  type: TensorType;
  bytes: number;
}

const VALUE_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10 } as const;

class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void { this.room(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  i32(v: number): void { this.room(4); this.view.setInt32(this.len, v, true); this.len += 4; }
  f32(v: number): void { this.room(4); this.view.setFloat32(this.len, v, true); this.len += 4; }
  u64(v: number): void { this.room(8); this.view.setBigUint64(this.len, BigInt(v), true); this.len += 8; }
  u8(v: number): void { this.room(1); this.buf[this.len++] = v; }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  pad(alignment: number): void {
    const n = (alignment - (this.len % alignment)) % alignment;
    this.room(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
  bytes(): Uint8Array { return this.buf.slice(0, this.len); }
}

function writeKv(w: ByteWriter, key: string, v: GgufKvValue): void {
  w.str(key);
  switch (v.type) {
    case 'u32': case 'i32': case 'f32': case 'u64':
      w.u32(VALUE_TYPE[v.type]);
      ({ u32: () => w.u32(v.value), i32: () => w.i32(v.value), f32: () => w.f32(v.value), u64: () => w.u64(v.value) })[v.type]();
      return;
    case 'bool': w.u32(VALUE_TYPE.bool); w.u8(v.value ? 1 : 0); return;
    case 'str': w.u32(VALUE_TYPE.str); w.str(v.value); return;
    case 'arr-str':
      w.u32(VALUE_TYPE.arr); w.u32(VALUE_TYPE.str); w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      return;
    case 'arr-i32': case 'arr-f32': {
      const isInt = v.type === 'arr-i32';
      w.u32(VALUE_TYPE.arr); w.u32(isInt ? VALUE_TYPE.i32 : VALUE_TYPE.f32); w.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) (isInt ? w.i32(v.value[i]) : w.f32(v.value[i]));
      return;
    }
  }
}

/**
 * Lays out a GGUF file: returns the header bytes (padded to the alignment) and each tensor's
 * absolute offset. Data for tensor i goes at offsets[i]; the gaps between tensors are zeros.
 */
export function layoutGguf(kv: [string, GgufKvValue][], tensors: GgufTensorSpec[], alignment = GGUF_DEFAULT_ALIGNMENT): { header: Uint8Array; offsets: number[]; totalBytes: number } {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [key, value] of kv) writeKv(w, key, value);
  let rel = 0;
  const rels: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.ne.length);
    for (const n of t.ne) w.u64(n);
    w.u32(ggmlTypeId(t.type));
    w.u64(rel);
    rels.push(rel);
    rel = Math.ceil((rel + t.bytes) / alignment) * alignment;
  }
  w.pad(alignment);
  const header = w.bytes();
  return { header, offsets: rels.map((r) => header.length + r), totalBytes: header.length + rel };
}
