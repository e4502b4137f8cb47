// Encoders and decoders between a signed ternary matrix W[rows][cols] (values -1/0/+1, row-major,
// cols = GGUF ne[0]) and its on-disk formats: I2_S (spec §4.3), TQ2_0 and TQ1_0 (§4.5) and the
// Hugging Face packed uint8 tensor (§3.4). Every format stores code = w + 1.

import { FormatError } from './errors.ts';
import { f16ToF32, f32ToF16 } from './float-codecs.ts';
import { I2S_TAIL_BYTES, TYPE_INFO } from './tensor-types.ts';

/** A decoded ternary matrix and its one per-tensor scale (effective weight = w · scale). */
export interface TernaryMatrix {
  w: Int8Array;
  scale: number;
}

// Code 3 is never written by any encoder; it decodes to 0 like the fork's dequantize_row_i2_s and
// the llama.cpp HF converter. (transformers' unpack would give +2, ggml's TQ2_0 dequant 2·d.)
const CODE_TO_W = [-1, 0, 1, 0];

/** LUT[b*4 + i] = weight of the 2-bit code at bits 2i+1:2i of byte b (LSB first: TQ2_0, HF). */
const LSB_FIRST = codeTable((b, i) => (b >> (2 * i)) & 3);
/** LUT[b*4 + g] = weight of the code at bits 7-2g:6-2g of byte b (MSB first: I2_S). */
const MSB_FIRST = codeTable((b, g) => (b >> (6 - 2 * g)) & 3);
/** 1 where a byte holds a nonzero weight (code 0 or 2), for spotting all-zero TQ2_0 blocks. */
const LSB_NONZERO = Uint8Array.from({ length: 256 }, (_, b) => +LSB_FIRST.subarray(b * 4, b * 4 + 4).some((v) => v !== 0));

function codeTable(code: (byte: number, slot: number) => number): Int8Array {
  const t = new Int8Array(1024);
  for (let b = 0; b < 256; b++) for (let i = 0; i < 4; i++) t[b * 4 + i] = CODE_TO_W[code(b, i)];
  return t;
}

/** TRITS[b*5 + n] = trit n of byte b minus 1: x = (b · 3^n) mod 256, trit = (3x) >> 8. */
const TRITS = new Int8Array(256 * 5);
for (let b = 0; b < 256; b++) for (let n = 0; n < 5; n++) TRITS[b * 5 + n] = ((((b * 3 ** n) & 255) * 3) >> 8) - 1;
/** 1 where the first `count` trits of a byte are not all weight 0 (qs bytes: 5, qh bytes: 4). */
const tritsNonzero = (count: number) => Uint8Array.from({ length: 256 }, (_, b) => +TRITS.subarray(b * 5, b * 5 + count).some((v) => v !== 0));
const TRITS5_NONZERO = tritsNonzero(5);
const TRITS4_NONZERO = tritsNonzero(4);

const prefix = (name?: string) => (name ? `${name}: ` : '');

/** Positive safe dimensions, rows % rowMultiple == 0 and cols % colMultiple == 0. */
function checkDims(format: string, rows: number, cols: number, rowMultiple: number, colMultiple: number, name?: string): void {
  const ok = (v: number, m: number) => Number.isSafeInteger(v) && v > 0 && v % m === 0;
  if (!ok(rows, rowMultiple) || !ok(cols, colMultiple) || !Number.isSafeInteger(rows * cols)) {
    throw new FormatError(
      'shape-mismatch',
      `${prefix(name)}${format} needs rows a positive multiple of ${rowMultiple} and cols a positive multiple of ${colMultiple}, got ${rows} x ${cols}`,
      { name, format, rows, cols },
    );
  }
}

function checkBytes(format: string, actual: number, expected: number, rows: number, cols: number, name?: string): void {
  if (actual !== expected) {
    throw new FormatError('shape-mismatch', `${prefix(name)}${format} ${rows} x ${cols} takes ${expected} bytes, got ${actual}`, {
      name,
      format,
      rows,
      cols,
      expected,
      actual,
    });
  }
}

/** Encoders take exactly rows*cols values, each -1, 0 or +1. */
function checkWeights(format: string, w: Int8Array, rows: number, cols: number): void {
  if (w.length !== rows * cols) {
    throw new FormatError('shape-mismatch', `${format}: ${w.length} weights do not form ${rows} x ${cols}`, { format, rows, cols, length: w.length });
  }
  for (let i = 0; i < w.length; i++) {
    if (w[i] < -1 || w[i] > 1) throw new FormatError('bad-value', `${format}: weight ${w[i]} at index ${i} is not ternary`, { format, index: i });
  }
}

// ---- I2_S ------------------------------------------------------------------------------------

/** I2_S tensor: 128-element blocks of 32 bytes (rows are whole blocks, so the matrix is one run of blocks), then the f32 scale. */
export function decodeI2S(bytes: Uint8Array, rows: number, cols: number, name?: string): TernaryMatrix {
  checkDims('I2_S', rows, cols, 1, 128, name);
  const packed = (rows * cols) / 4;
  checkBytes('I2_S', bytes.length, packed + I2S_TAIL_BYTES, rows, cols, name);
  const w = new Int8Array(rows * cols);
  for (let src = 0, o = 0; src < packed; src += 32, o += 128) {
    for (let p = 0; p < 32; p++) {
      const t = bytes[src + p] * 4;
      w[o + p] = MSB_FIRST[t];
      w[o + 32 + p] = MSB_FIRST[t + 1];
      w[o + 64 + p] = MSB_FIRST[t + 2];
      w[o + 96 + p] = MSB_FIRST[t + 3];
    }
  }
  const scale = new DataView(bytes.buffer, bytes.byteOffset + packed, 4).getFloat32(0, true);
  return { w, scale };
}

/** Byte p of a block holds elements p, p+32, p+64, p+96 at bits 7:6, 5:4, 3:2, 1:0; the tail is the f32 scale then zeros. */
export function encodeI2S(w: Int8Array, rows: number, cols: number, scale: number): Uint8Array {
  checkDims('I2_S', rows, cols, 1, 128);
  checkWeights('I2_S', w, rows, cols);
  const packed = (rows * cols) / 4;
  const out = new Uint8Array(packed + I2S_TAIL_BYTES);
  for (let dst = 0, o = 0; dst < packed; dst += 32, o += 128) {
    for (let p = 0; p < 32; p++) {
      out[dst + p] = ((w[o + p] + 1) << 6) | ((w[o + 32 + p] + 1) << 4) | ((w[o + 64 + p] + 1) << 2) | (w[o + 96 + p] + 1);
    }
  }
  new DataView(out.buffer, packed, 4).setFloat32(0, scale, true);
  return out;
}

// ---- TQ2_0 / TQ1_0 shared scale rule ---------------------------------------------------------

/**
 * BitNet has one scale per tensor, but TQ blocks each carry an f16 d. Blocks whose weights are
 * all zero say nothing about it (llama.cpp writes d = 0 there); every other block must agree.
 */
class TensorScale {
  private bits = -1;
  private block = -1;
  constructor(
    private readonly format: string,
    private readonly name?: string,
  ) {}

  add(dBits: number, block: number): void {
    if (this.bits < 0) {
      this.bits = dBits;
      this.block = block;
    } else if (dBits !== this.bits) {
      const [x, y] = [f16ToF32(this.bits), f16ToF32(dBits)];
      throw new FormatError(
        'unsupported',
        `${prefix(this.name)}${this.format} blocks carry different scales (${x} vs ${y}); BitNet needs one scale per tensor`,
        { name: this.name, format: this.format, scales: [x, y], blocks: [this.block, block] },
      );
    }
  }

  value(): number {
    return this.bits < 0 ? 0 : f16ToF32(this.bits);
  }
}

/** The block's f16 d bits; a non-finite d is corrupt data. */
function blockScaleBits(bytes: Uint8Array, at: number, format: string, block: number, name?: string): number {
  const bits = bytes[at] | (bytes[at + 1] << 8);
  if ((bits & 0x7c00) === 0x7c00) {
    throw new FormatError('bad-value', `${prefix(name)}${format} block ${block} has a non-finite scale`, { name, format, block, bits });
  }
  return bits;
}

/** f16 bits of the tensor scale for blocks holding a nonzero weight; it must stay nonzero and finite. */
function encodedScale(format: string, scale: number): number {
  const bits = f32ToF16(scale);
  if ((bits & 0x7fff) === 0 || (bits & 0x7c00) === 0x7c00) {
    throw new FormatError('bad-value', `${format}: scale ${scale} is not a nonzero finite f16`, { format, scale });
  }
  return bits;
}

function blockIsZero(w: Int8Array, from: number): boolean {
  for (let i = from; i < from + 256; i++) if (w[i] !== 0) return false;
  return true;
}

/** Writes d for every block: the tensor scale, or 0 for an all-zero block (as llama.cpp's d = max|x| would). */
function writeBlockScales(w: Int8Array, out: Uint8Array, blockBytes: number, format: string, scale: number): void {
  let bits: number | undefined;
  for (let b = 0; b < w.length / 256; b++) {
    if (blockIsZero(w, b * 256)) continue;
    bits ??= encodedScale(format, scale);
    out[b * blockBytes + blockBytes - 2] = bits & 0xff;
    out[b * blockBytes + blockBytes - 1] = bits >>> 8;
  }
}

// ---- TQ2_0 -----------------------------------------------------------------------------------

/**
 * TQ2_0 blocks: qs[64] then f16 d. Byte m of half h holds elements h·128 + 32n + m at bits
 * 2n+1:2n (LSB first). A block with d = 0 decodes to zeros, since its weights are (code − 1)·0.
 */
export function decodeTQ2(bytes: Uint8Array, rows: number, cols: number, name?: string): TernaryMatrix {
  checkDims('TQ2_0', rows, cols, 1, 256, name);
  const blocks = (rows * cols) / 256;
  checkBytes('TQ2_0', bytes.length, blocks * TYPE_INFO.TQ2_0.blockBytes, rows, cols, name);
  const w = new Int8Array(rows * cols);
  const scale = new TensorScale('TQ2_0', name);
  for (let b = 0; b < blocks; b++) {
    const at = b * 66;
    const d = blockScaleBits(bytes, at + 64, 'TQ2_0', b, name);
    if ((d & 0x7fff) === 0) continue;
    let nonzero = 0;
    for (let h = 0; h < 2; h++) {
      const o = b * 256 + h * 128;
      for (let m = 0; m < 32; m++) {
        const byte = bytes[at + h * 32 + m];
        const t = byte * 4;
        w[o + m] = LSB_FIRST[t];
        w[o + 32 + m] = LSB_FIRST[t + 1];
        w[o + 64 + m] = LSB_FIRST[t + 2];
        w[o + 96 + m] = LSB_FIRST[t + 3];
        nonzero |= LSB_NONZERO[byte];
      }
    }
    if (nonzero) scale.add(d, b);
  }
  return { w, scale: scale.value() };
}

export function encodeTQ2(w: Int8Array, rows: number, cols: number, scale: number): Uint8Array {
  checkDims('TQ2_0', rows, cols, 1, 256);
  checkWeights('TQ2_0', w, rows, cols);
  const out = new Uint8Array(((rows * cols) / 256) * TYPE_INFO.TQ2_0.blockBytes);
  for (let b = 0; b < w.length / 256; b++) {
    for (let h = 0; h < 2; h++) {
      const o = b * 256 + h * 128;
      for (let m = 0; m < 32; m++) {
        out[b * 66 + h * 32 + m] = (w[o + m] + 1) | ((w[o + 32 + m] + 1) << 2) | ((w[o + 64 + m] + 1) << 4) | ((w[o + 96 + m] + 1) << 6);
      }
    }
  }
  writeBlockScales(w, out, 66, 'TQ2_0', scale);
  return out;
}

// ---- TQ1_0 -----------------------------------------------------------------------------------

/**
 * TQ1_0 blocks: qs[48], qh[4], f16 d. Trit n of qs[m] (m < 32) is element 32n + m; of
 * qs[32 + m] (m < 16) element 160 + 16n + m; of qh[j] (n < 4) element 240 + 4n + j. A block with
 * d = 0 decodes to zeros.
 */
export function decodeTQ1(bytes: Uint8Array, rows: number, cols: number, name?: string): TernaryMatrix {
  checkDims('TQ1_0', rows, cols, 1, 256, name);
  const blocks = (rows * cols) / 256;
  checkBytes('TQ1_0', bytes.length, blocks * TYPE_INFO.TQ1_0.blockBytes, rows, cols, name);
  const w = new Int8Array(rows * cols);
  const scale = new TensorScale('TQ1_0', name);
  for (let b = 0; b < blocks; b++) {
    const at = b * 54;
    const d = blockScaleBits(bytes, at + 52, 'TQ1_0', b, name);
    if ((d & 0x7fff) === 0) continue;
    if (decodeTQ1Block(bytes, at, w, b * 256)) scale.add(d, b);
  }
  return { w, scale: scale.value() };
}

/** Decodes one block's trits into w[o..o+256); returns whether any weight is nonzero. */
function decodeTQ1Block(bytes: Uint8Array, at: number, w: Int8Array, o: number): number {
  let nonzero = 0;
  for (let m = 0; m < 32; m++) nonzero |= spreadTrits(bytes[at + m], w, o + m, 32, 5);
  for (let m = 0; m < 16; m++) nonzero |= spreadTrits(bytes[at + 32 + m], w, o + 160 + m, 16, 5);
  for (let j = 0; j < 4; j++) nonzero |= spreadTrits(bytes[at + 48 + j], w, o + 240 + j, 4, 4);
  return nonzero;
}

/** Writes the first `count` trits of `byte` to w[first + n·stride]; returns whether any is nonzero. */
function spreadTrits(byte: number, w: Int8Array, first: number, stride: number, count: 4 | 5): number {
  const t = byte * 5;
  for (let n = 0; n < count; n++) w[first + n * stride] = TRITS[t + n];
  return count === 5 ? TRITS5_NONZERO[byte] : TRITS4_NONZERO[byte];
}

export function encodeTQ1(w: Int8Array, rows: number, cols: number, scale: number): Uint8Array {
  checkDims('TQ1_0', rows, cols, 1, 256);
  checkWeights('TQ1_0', w, rows, cols);
  const out = new Uint8Array(((rows * cols) / 256) * TYPE_INFO.TQ1_0.blockBytes);
  for (let b = 0; b < w.length / 256; b++) {
    const at = b * 54, o = b * 256;
    for (let m = 0; m < 32; m++) out[at + m] = packTrits(w, o + m, 32, 5);
    for (let m = 0; m < 16; m++) out[at + 32 + m] = packTrits(w, o + 160 + m, 16, 5);
    for (let j = 0; j < 4; j++) out[at + 48 + j] = packTrits(w, o + 240 + j, 4, 4);
  }
  writeBlockScales(w, out, 54, 'TQ1_0', scale);
  return out;
}

/**
 * Base-3 number of the trits w[first + n·stride] + 1, first trit most significant, padded to 5
 * trits (a 4-trit qh byte gets a trailing 0), then stored as ceil(q · 256 / 243) so that the
 * multiply-and-shift decoder reads trit n back from the top of (byte · 3^n) mod 256.
 */
function packTrits(w: Int8Array, first: number, stride: number, count: 4 | 5): number {
  let q = 0;
  for (let n = 0; n < count; n++) q = q * 3 + w[first + n * stride] + 1;
  if (count === 4) q *= 3;
  return Math.floor((q * 256 + 242) / 243);
}

// ---- Hugging Face packed ---------------------------------------------------------------------

/**
 * HF packed uint8 [rows/4][cols]: byte (r, c) holds W[r + i·rows/4][c] at bits 2i+1:2i, so
 * byte i of the flat array feeds W-flat elements i, i + plane, i + 2·plane, i + 3·plane.
 */
export function decodeHF(bytes: Uint8Array, rows: number, cols: number, name?: string): Int8Array {
  checkDims('HF packed', rows, cols, 4, 1, name);
  const plane = (rows / 4) * cols;
  checkBytes('HF packed', bytes.length, plane, rows, cols, name);
  const w = new Int8Array(rows * cols);
  for (let i = 0; i < plane; i++) {
    const t = bytes[i] * 4;
    w[i] = LSB_FIRST[t];
    w[i + plane] = LSB_FIRST[t + 1];
    w[i + 2 * plane] = LSB_FIRST[t + 2];
    w[i + 3 * plane] = LSB_FIRST[t + 3];
  }
  return w;
}

export function encodeHF(w: Int8Array, rows: number, cols: number): Uint8Array {
  checkDims('HF packed', rows, cols, 4, 1);
  checkWeights('HF packed', w, rows, cols);
  const plane = (rows / 4) * cols;
  const out = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) {
    out[i] = (w[i] + 1) | ((w[i + plane] + 1) << 2) | ((w[i + 2 * plane] + 1) << 4) | ((w[i + 3 * plane] + 1) << 6);
  }
  return out;
}
