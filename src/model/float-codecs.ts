// Scalar f16/bf16 conversions, and row access to the GGML float and block types that hold
// embeddings and the LM head (F32, F16, BF16, Q8_0, Q6_K). Dequantized values are part of the
// model's numerical definition, so every rounding step below is spelled out for the WASM kernels.

import { FormatError } from './errors.ts';
import { TYPE_INFO, type TensorType } from './tensor-types.ts';

const FLOAT_ROW_TYPES: ReadonlySet<TensorType> = new Set<TensorType>(['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K']);

// One shared scratch word for reinterpreting float32 bits.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

/** The float32 bit pattern of an f16, exact for every input (NaN payloads kept). */
function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let man = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (man << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (man << 13)) >>> 0;
  if (man === 0) return sign >>> 0;
  // Subnormal f16: normalise; every one is a normal float32.
  let e = 113;
  while ((man & 0x400) === 0) {
    man <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((man & 0x3ff) << 13)) >>> 0;
}

let f16Table: Uint32Array | undefined;

/** float32 bit patterns of all 65536 f16 values (256 KiB, built on first use). */
function f16BitsTable(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32Bits(h);
  }
  return f16Table;
}

/** Exact f16 -> number (subnormals, ±0, ±inf and NaN included). */
export function f16ToF32(h: number): number {
  scratchU32[0] = f16BitsTable()[h & 0xffff];
  return scratchF32[0];
}

/**
 * number -> f16 bits, round to nearest even, overflow to ±inf, NaN stays a quiet NaN. The input
 * is first rounded to float32, because that is the value ggml converts.
 */
export function f32ToF16(x: number): number {
  const bits = f32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const man = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man === 0 ? 0 : 0x200 | (man >>> 13));
  const e = exp - 112; // f16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e > 0) return sign | roundShiftEven((e << 23) | man, 13); // a carry rolls into exp (or inf)
  if (exp === 0) return sign; // float32 subnormals are far below half the smallest f16
  const shift = 14 - e; // >= 14: the result is an f16 subnormal (or 0, or the smallest normal)
  return shift > 24 ? sign : sign | roundShiftEven(man | 0x800000, shift);
}

/** v >> shift, rounded to nearest, ties to even. */
function roundShiftEven(v: number, shift: number): number {
  const q = v >>> shift;
  const rem = v & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q;
}

/** Exact bf16 -> number: bf16 is the top half of a float32. */
export function bf16ToF32(b: number): number {
  scratchU32[0] = (b & 0xffff) << 16;
  return scratchF32[0];
}

/** number -> bf16 bits via float32, round to nearest even; NaN stays NaN (quiet bit forced). */
export function f32ToBf16(x: number): number {
  const bits = f32Bits(x);
  // Rounding a NaN could carry into the sign (0x7fffffff -> -0) or, with a low payload, give inf.
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/** Bytes of one row of `cols` elements, validating the type and the block rule. */
export function floatRowBytes(type: TensorType, cols: number): number {
  if (!FLOAT_ROW_TYPES.has(type)) throw new FormatError('unsupported', `${type} is not a float or block-float type`, { type });
  const { blockElems, blockBytes } = TYPE_INFO[type];
  if (!Number.isSafeInteger(cols) || cols <= 0 || cols % blockElems !== 0) {
    throw new FormatError('shape-mismatch', `${type} row length ${cols} is not a positive multiple of ${blockElems}`, { type, cols });
  }
  return (cols / blockElems) * blockBytes;
}

/**
 * Writes row `row` of a [rows][cols] matrix stored as `type` in `bytes` to out[0..cols) as
 * float32. The values are defined as:
 *   F32, F16, BF16: the exact value (bit patterns copied, NaN payloads included).
 *   Q8_0: fround(d · q), d the block's f16 scale, q the int8 (exact: 11 × 8 significant bits).
 *   Q6_K: fround(fround(d · sc) · q), d the block's f16 scale, sc the int8 scale of the element's
 *         16-element group, q = (4 low bits | 2 high bits << 4) − 32. d · sc is exact in float32,
 *         so this is the exact product d · sc · q rounded once to float32.
 */
export function dequantRow(type: TensorType, bytes: Uint8Array, row: number, cols: number, out: Float32Array): void {
  const rb = floatRowBytes(type, cols);
  if (bytes.length % rb !== 0) {
    throw new FormatError('shape-mismatch', `${type} data of ${bytes.length} bytes is not a whole number of ${rb}-byte rows`, { type, cols, bytes: bytes.length });
  }
  const rows = bytes.length / rb;
  if (!Number.isSafeInteger(row) || row < 0 || row >= rows) {
    throw new FormatError('shape-mismatch', `row ${row} is outside a ${type} matrix of ${rows} rows`, { type, row, rows });
  }
  if (out.length < cols) throw new FormatError('shape-mismatch', `output holds ${out.length} values, row has ${cols}`, { cols, out: out.length });
  const src = bytes.subarray(row * rb, (row + 1) * rb);
  if (type === 'F32') new Uint8Array(out.buffer, out.byteOffset, rb).set(src); // GGUF and typed arrays are both little-endian here
  else if (type === 'F16') dequantF16(src, cols, out);
  else if (type === 'BF16') dequantBf16(src, cols, out);
  else if (type === 'Q8_0') dequantQ8_0(src, cols, out);
  else dequantQ6_K(src, cols, out);
}

function dequantF16(src: Uint8Array, cols: number, out: Float32Array): void {
  const table = f16BitsTable();
  const dst = new Uint32Array(out.buffer, out.byteOffset, cols);
  for (let i = 0; i < cols; i++) dst[i] = table[src[2 * i] | (src[2 * i + 1] << 8)];
}

function dequantBf16(src: Uint8Array, cols: number, out: Float32Array): void {
  const dst = new Uint32Array(out.buffer, out.byteOffset, cols);
  for (let i = 0; i < cols; i++) dst[i] = ((src[2 * i] << 16) | (src[2 * i + 1] << 24)) >>> 0;
}

function readF16(b: Uint8Array, at: number): number {
  return f16ToF32(b[at] | (b[at + 1] << 8));
}

function dequantQ8_0(src: Uint8Array, cols: number, out: Float32Array): void {
  for (let blk = 0; blk < cols / 32; blk++) {
    const at = blk * 34;
    const d = readF16(src, at);
    for (let j = 0; j < 32; j++) out[blk * 32 + j] = d * ((src[at + 2 + j] << 24) >> 24); // the store rounds to f32
  }
}

// Scratch for one Q6_K block's 16 group scales (dequantRow and the quantizer).
const groupScales = new Float32Array(16);

/**
 * ggml's element order: each 128-element half of the block uses ql[64], qh[32] and 8 scales.
 * For l in 0..31, ql[l] feeds elements l (low nibble) and l+64 (high); ql[l+32] feeds l+32 and
 * l+96; qh[l] gives bits 5:4 of those four at shifts 0, 2, 4, 6. Group = element / 16.
 */
function dequantQ6_K(src: Uint8Array, cols: number, out: Float32Array): void {
  for (let blk = 0; blk < cols / 256; blk++) {
    const at = blk * 210;
    const d = readF16(src, at + 208);
    for (let g = 0; g < 16; g++) groupScales[g] = d * ((src[at + 192 + g] << 24) >> 24);
    for (let half = 0; half < 2; half++) {
      const ql = at + half * 64;
      const qh = at + 128 + half * 32;
      const y = blk * 256 + half * 128;
      const sc = half * 8;
      for (let l = 0; l < 32; l++) {
        const lo = src[ql + l], hi = src[ql + l + 32], h = src[qh + l];
        const g = sc + (l >> 4);
        out[y + l] = groupScales[g] * (((lo & 15) | ((h & 3) << 4)) - 32);
        out[y + l + 32] = groupScales[g + 2] * (((hi & 15) | ((h & 12) << 2)) - 32);
        out[y + l + 64] = groupScales[g + 4] * (((lo >> 4) | (h & 48)) - 32);
        out[y + l + 96] = groupScales[g + 6] * (((hi >> 4) | ((h & 192) >> 2)) - 32);
      }
    }
  }
}

/**
 * Encodes a [rows][cols] float matrix as `type`. F32/F16/BF16 round to nearest even. Q8_0 follows
 * ggml's quantize_row_q8_0_ref exactly. Q6_K uses a simple absmax quantizer (not ggml's search):
 * valid blocks that dequantRow reads back with small error.
 */
export function quantizeRows(type: TensorType, values: Float32Array, rows: number, cols: number): Uint8Array {
  const rb = floatRowBytes(type, cols);
  if (!Number.isSafeInteger(rows) || rows <= 0 || values.length !== rows * cols) {
    throw new FormatError('shape-mismatch', `${values.length} values do not form ${rows} rows of ${cols}`, { type, rows, cols, values: values.length });
  }
  const out = new Uint8Array(rows * rb);
  if (type === 'F32') out.set(new Uint8Array(values.buffer, values.byteOffset, values.length * 4));
  else if (type === 'F16') write16(values, out, f32ToF16);
  else if (type === 'BF16') write16(values, out, f32ToBf16);
  else if (type === 'Q8_0') for (let b = 0; b < values.length / 32; b++) quantizeQ8_0Block(values, b * 32, out, b * 34);
  else for (let b = 0; b < values.length / 256; b++) quantizeQ6_KBlock(values, b * 256, out, b * 210);
  return out;
}

function write16(values: Float32Array, out: Uint8Array, convert: (x: number) => number): void {
  for (let i = 0; i < values.length; i++) writeU16(out, 2 * i, convert(values[i]));
}

function writeU16(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = v >>> 8;
}

/** C roundf: nearest, ties away from zero (exact for float32 inputs of this size). */
function roundAway(v: number): number {
  return v < 0 ? -Math.floor(0.5 - v) : Math.floor(v + 0.5);
}

/** ggml's reference: d = amax/127 and id = 1/d in float32, q = roundf(x · id), d stored as f16. */
function quantizeQ8_0Block(x: Float32Array, from: number, out: Uint8Array, at: number): void {
  let amax = 0;
  for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
  const d = Math.fround(amax / 127);
  const id = d ? Math.fround(1 / d) : 0;
  writeU16(out, at, f32ToF16(d));
  for (let j = 0; j < 32; j++) out[at + 2 + j] = roundAway(Math.fround(x[from + j] * id)) & 0xff;
}

/**
 * Each 16-element group gets scale amax/31; the block's f16 d maps the largest group scale to
 * 127; each q is then fitted to the group scale actually stored, fround(d · sc).
 */
function quantizeQ6_KBlock(x: Float32Array, from: number, out: Uint8Array, at: number): void {
  let maxScale = 0;
  for (let g = 0; g < 16; g++) {
    let amax = 0;
    for (let j = 0; j < 16; j++) amax = Math.max(amax, Math.abs(x[from + g * 16 + j]));
    groupScales[g] = amax / 31;
    maxScale = Math.max(maxScale, groupScales[g]);
  }
  const dBits = f32ToF16(maxScale / 127);
  const d = f16ToF32(dBits);
  if (!Number.isFinite(d)) throw new FormatError('bad-value', `values up to ${maxScale * 31} are too large for Q6_K`, { amax: maxScale * 31 });
  writeU16(out, at + 208, dBits);
  for (let g = 0; g < 16; g++) {
    const sc = d === 0 ? 0 : Math.min(127, roundAway(groupScales[g] / d));
    out[at + 192 + g] = sc;
    const step = Math.fround(d * sc);
    for (let j = 0; j < 16; j++) {
      const q = step === 0 ? 0 : Math.max(-32, Math.min(31, roundAway(x[from + g * 16 + j] / step)));
      storeQ6(out, at, g * 16 + j, q + 32);
    }
  }
}

/** Places the 6-bit code of block element i where dequantQ6_K reads it. */
function storeQ6(out: Uint8Array, at: number, i: number, code: number): void {
  const half = i >> 7, quarter = (i >> 5) & 3, l = i & 31;
  const ql = at + half * 64 + (quarter & 1) * 32 + l;
  out[ql] |= quarter < 2 ? code & 15 : (code & 15) << 4;
  out[at + 128 + half * 32 + l] |= (code >> 4) << (2 * quarter);
}
