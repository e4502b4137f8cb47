// f16/bf16 conversions checked exhaustively against independent formulas and at every rounding
// midpoint; Q8_0/Q6_K rows checked on hand-built blocks, a per-element reference decoder, and
// quantize -> dequantize error on seeded random data (rerun a seed with TEST_SEED=<n>).

import { describe, expect, test } from 'vitest';
import { expectFormatError } from '../testing/expect-error.ts';
import { rng, testSeed } from '../testing/random.ts';
import { bf16ToF32, dequantRow, f16ToF32, f32ToBf16, f32ToF16, quantizeRows } from './float-codecs.ts';
import type { TensorType } from './tensor-types.ts';

const SEED = testSeed('TEST_SEED');

/** IEEE binary value of sign/exponent/mantissa fields, by Math.pow (no bit tricks). */
function ieeeValue(bits: number, expBits: number, manBits: number): number {
  const sign = bits >>> (expBits + manBits) ? -1 : 1;
  const exp = (bits >>> manBits) & ((1 << expBits) - 1);
  const man = bits & ((1 << manBits) - 1);
  const bias = (1 << (expBits - 1)) - 1;
  if (exp === (1 << expBits) - 1) return man ? NaN : sign * Infinity;
  if (exp === 0) return sign * man * Math.pow(2, 1 - bias - manBits);
  return sign * (1 + man / 2 ** manBits) * Math.pow(2, exp - bias);
}

function f32FromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

function f32BitsOf(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0];
}

/** The float32 values just below and just above x (x a positive float32). */
function f32Neighbours(x: number): [number, number] {
  const b = f32BitsOf(x);
  return [f32FromBits(b - 1), f32FromBits(b + 1)];
}

/**
 * For every pair of adjacent non-negative finite values (a, b) of a 16-bit format: the midpoint
 * rounds to whichever of the two has an even pattern, and its float32 neighbours to the nearer.
 * The largest finite value is paired with 2^(emax+1), i.e. infinity.
 */
function checkRoundingMidpoints(decode: (h: number) => number, encode: (x: number) => number, maxFinite: number, overflowValue: number): void {
  const wrong = failures(maxFinite + 1, (h) => {
    const a = decode(h);
    const b = h === maxFinite ? overflowValue : decode(h + 1);
    const mid = a + (b - a) / 2;
    if (Math.fround(mid) !== mid) return `midpoint after ${h} is not a float32`; // it always should be
    const even = h % 2 === 0 ? h : h + 1;
    const [below, above] = f32Neighbours(mid);
    for (const sign of [0, 0x8000]) {
      const s = sign ? -1 : 1;
      if (encode(s * mid) !== (even | sign)) return `mid ${s * mid}`;
      if (encode(s * below) !== (h | sign)) return `below ${s * below}`;
      if (encode(s * above) !== ((h + 1) | sign)) return `above ${s * above}`;
    }
    return undefined;
  });
  expect(wrong).toEqual([]);
}

/** Runs check(i) for i in [0, count) and returns the first few failure descriptions (one expect, not 65536). */
function failures(count: number, check: (i: number) => string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < count && out.length < 5; i++) {
    const f = check(i);
    if (f !== undefined) out.push(f);
  }
  return out;
}

const isNaN16 = (h: number, expMask: number) => (h & expMask) === expMask && (h & ~expMask & 0x7fff) !== 0;

describe('f16', () => {
  test('f16ToF32 matches the Math.pow formula for all 65536 patterns', () => {
    expect(failures(65536, (h) => (Object.is(f16ToF32(h), ieeeValue(h, 5, 10)) ? undefined : `h=${h}: ${f16ToF32(h)}`))).toEqual([]);
  });

  test('f32ToF16 inverts f16ToF32 for every non-NaN pattern (±0, subnormals, ±inf)', () => {
    expect(failures(65536, (h) => (isNaN16(h, 0x7c00) || f32ToF16(f16ToF32(h)) === h ? undefined : `h=${h}`))).toEqual([]);
  });

  test('f32ToF16 rounds to nearest even at every midpoint, overflowing to inf at 65520', () => {
    checkRoundingMidpoints(f16ToF32, f32ToF16, 0x7bff, 65536);
  });

  test('overflow, underflow and NaN', () => {
    expect(f32ToF16(65519.99)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00);
    expect(f32ToF16(1e30)).toBe(0x7c00);
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(f32ToF16(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal: even is 0
    expect(f32ToF16(-(2 ** -25))).toBe(0x8000);
    expect(f32ToF16(f32Neighbours(2 ** -25)[1])).toBe(1);
    expect(f32ToF16(3 * 2 ** -25)).toBe(2); // tie between subnormals 1 and 2
    expect(f32ToF16(1e-30)).toBe(0);
    expect(f32ToF16(f32FromBits(1))).toBe(0); // a float32 subnormal
    expect(isNaN16(f32ToF16(NaN), 0x7c00)).toBe(true);
  });

  test('the input is rounded to float32 first, as ggml converts a float', () => {
    // 1 + 2^-11 + 2^-40 rounds (as float32) to the f16 tie 1 + 2^-11, which goes to even 1.0.
    expect(f32ToF16(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c00);
  });
});

describe('bf16', () => {
  test('bf16ToF32 matches the Math.pow formula for all 65536 patterns', () => {
    expect(failures(65536, (b) => (Object.is(bf16ToF32(b), ieeeValue(b, 8, 7)) ? undefined : `b=${b}: ${bf16ToF32(b)}`))).toEqual([]);
  });

  test('f32ToBf16 inverts bf16ToF32 for every non-NaN pattern', () => {
    expect(failures(65536, (b) => (isNaN16(b, 0x7f80) || f32ToBf16(bf16ToF32(b)) === b ? undefined : `b=${b}`))).toEqual([]);
  });

  test('f32ToBf16 rounds to nearest even at every midpoint, overflowing to inf', () => {
    checkRoundingMidpoints(bf16ToF32, f32ToBf16, 0x7f7f, 2 ** 128);
  });

  test('NaN stays NaN, infinities stay infinite', () => {
    expect(isNaN16(f32ToBf16(NaN), 0x7f80)).toBe(true);
    // A NaN whose float32 bits are 0x7fffffff: plain rounding would carry into the sign bit (-0).
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, 0x7fffffffffffffffn);
    expect(f32BitsOf(dv.getFloat64(0))).toBe(0x7fffffff); // the engine keeps the payload
    expect(f32ToBf16(dv.getFloat64(0))).toBe(0x7fff);
    expect(f32ToBf16(Infinity)).toBe(0x7f80);
    expect(f32ToBf16(-Infinity)).toBe(0xff80);
    expect(f32ToBf16(3.4028234663852886e38)).toBe(0x7f80); // float32 max is past the last bf16 midpoint
  });
});

// ---- Rows ------------------------------------------------------------------------------------

describe('dequantRow: F32, F16, BF16', () => {
  const values = Float32Array.from([1, -2.5, 0.1, 65504, 1e-7, -0, 3.4e38, 1 / 3]);

  test.each(['F32', 'F16', 'BF16'] as const)('%s rows read back the scalar conversions', (type) => {
    const bytes = quantizeRows(type, values, 2, 4);
    expect(bytes.length).toBe(type === 'F32' ? 32 : 16);
    const convert = { F32: Math.fround, F16: (x: number) => f16ToF32(f32ToF16(x)), BF16: (x: number) => bf16ToF32(f32ToBf16(x)) }[type];
    for (const row of [0, 1]) {
      const out = new Float32Array(4);
      dequantRow(type, bytes, row, 4, out);
      for (let i = 0; i < 4; i++) expect(Object.is(out[i], convert(values[row * 4 + i]))).toBe(true);
    }
  });

  test('F16 and BF16 bit patterns, NaN payloads included, are copied exactly', () => {
    const out = new Float32Array(2);
    const bits = new Uint32Array(out.buffer);
    dequantRow('F16', new Uint8Array([0x01, 0x7e, 0x01, 0x80]), 0, 2, out); // NaN with payload 1, -2^-24
    expect(Array.from(bits)).toEqual([0x7fc02000, 0xb3800000]);
    dequantRow('BF16', new Uint8Array([0x81, 0x7f, 0x80, 0x3f]), 0, 2, out);
    expect(Array.from(bits)).toEqual([0x7f810000, 0x3f800000]);
  });

  test('reads from a view at an odd offset', () => {
    const bytes = quantizeRows('F32', values, 1, 8);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const out = new Float32Array(8);
    dequantRow('F32', shifted.subarray(1), 0, 8, out);
    expect(Array.from(out)).toEqual(Array.from(values));
  });
});

describe('Q8_0', () => {
  test('hand-built blocks: value = d · q, row offsets by 34 bytes per block', () => {
    const bytes = new Uint8Array(2 * 34);
    bytes.set([0x00, 0x38], 0); // row 0: d = 0.5
    bytes.set([0x00, 0xc4], 34); // row 1: d = -4
    for (let j = 0; j < 32; j++) {
      bytes[2 + j] = (j * 8 - 128) & 0xff; // -128, -120, ..., 120
      bytes[36 + j] = j;
    }
    const out = new Float32Array(32);
    dequantRow('Q8_0', bytes, 0, 32, out);
    expect(Array.from(out)).toEqual(Array.from({ length: 32 }, (_, j) => (j * 8 - 128) * 0.5));
    dequantRow('Q8_0', bytes, 1, 32, out);
    expect(Array.from(out)).toEqual(Array.from({ length: 32 }, (_, j) => j * -4)); // q = 0 gives -0, as in C
  });

  test("quantizer follows ggml's reference: d = amax/127 as f16, q = roundf(x/d), ties away from zero", () => {
    const x = new Float32Array(64);
    x.set([127, 2.5, -2.5, 3.5, -0.5, 0.49, -127]); // amax 127 -> d = 1, id = 1
    const bytes = quantizeRows('Q8_0', x, 1, 64);
    expect(Array.from(bytes.subarray(0, 9))).toEqual([0x00, 0x3c, 127, 3, 0xfd, 4, 0xff, 0, 0x81]);
    expect(Array.from(bytes.subarray(34))).toEqual(new Array(34).fill(0)); // an all-zero block: d = 0, q = 0
  });

  test('q uses id = 1/d of the float32 d, not of its f16 rounding', () => {
    // amax 1: d = fround(1/127), id = fround(1/d) = 127 exactly, while 1/f16(d) = 127.0078.
    // x below is the float32 just under 1.5/127: x·127 rounds to 1, x/f16(d) would round to 2.
    const x = new Float32Array(32);
    x[0] = 1;
    x[1] = 0.011811021715402603;
    expect(Math.fround(x[1] * 127)).toBeLessThan(1.5);
    expect(x[1] / f16ToF32(f32ToF16(1 / 127))).toBeGreaterThan(1.5);
    const bytes = quantizeRows('Q8_0', x, 1, 32);
    expect(bytes[0] | (bytes[1] << 8)).toBe(f32ToF16(1 / 127));
    expect([bytes[2], bytes[3]]).toEqual([127, 1]);
  });

  test(`quantize -> dequantize error is within about d/2 (seed ${SEED})`, () => {
    const rnd = rng(SEED, 'Q8_0 error');
    const rows = 8, cols = 320;
    const x = rnd.floats(rows * cols, () => 2 ** Math.floor(rnd() * 10 - 5));
    const bytes = quantizeRows('Q8_0', x, rows, cols);
    const out = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      dequantRow('Q8_0', bytes, r, cols, out);
      for (let b = 0; b < cols / 32; b++) {
        const block = x.subarray(r * cols + b * 32, r * cols + b * 32 + 32);
        const d = Math.max(...block.map(Math.abs)) / 127;
        for (let j = 0; j < 32; j++) expect(Math.abs(out[b * 32 + j] - block[j])).toBeLessThanOrEqual(d * 0.57);
      }
    }
  });
});

describe('Q6_K', () => {
  /** ggml's element order written per element: group = i/16, ql/qh position from i's half, quarter and lane. */
  function refQ6K(block: Uint8Array, i: number): number {
    const half = Math.floor(i / 128), quarter = Math.floor((i % 128) / 32), l = i % 32;
    const qlByte = block[half * 64 + (quarter % 2) * 32 + l];
    const low = quarter < 2 ? qlByte & 15 : qlByte >> 4;
    const high = (block[128 + half * 32 + l] >> (2 * quarter)) & 3;
    const sc = (block[192 + Math.floor(i / 16)] << 24) >> 24;
    const d = f16ToF32(block[208] | (block[209] << 8));
    return Math.fround(Math.fround(d * sc) * ((low | (high << 4)) - 32));
  }

  test('hand-built block: nibbles, high bits and group scales in ggml order', () => {
    const block = new Uint8Array(210);
    block.set([0x00, 0x3c], 208); // d = 1
    for (let g = 0; g < 16; g++) block[192 + g] = (g - 8) & 0xff; // sc = -8 .. 7
    block.fill(0x00, 0, 128); // all low nibbles 0
    block.fill(0xaa, 128, 192); // all high bits 2 -> q = 32 - 32 = 0
    block[0] = 0x2a; // element 0 low nibble 10, element 64 low nibble 2
    block[128] = 0b11_10_01_00; // element 0 high 0, 32 high 1, 64 high 2, 96 high 3
    block[32 + 5] = 0xf7; // element 37 low 7, element 101 low 15 (high bits stay 2 in qh[5])
    block[64 + 31] = 0x01; // half 1: element 128 + 31 low nibble 1
    const out = new Float32Array(256);
    dequantRow('Q6_K', block, 0, 256, out);
    expect(out[0]).toBe(-8 * (10 - 32)); // group 0
    expect(out[32]).toBe(-6 * (16 - 32)); // group 2, q = 0 | 1 << 4
    expect(out[64]).toBe(-4 * (2 + 32 - 32)); // group 4
    expect(out[96]).toBe(-2 * (48 - 32)); // group 6, q = 0 | 3 << 4
    expect(out[37]).toBe(-6 * (7 + 32 - 32)); // group 2
    expect(out[101]).toBe(-2 * (15 + 32 - 32)); // group 6
    expect(out[159]).toBe(1 * (1 + 32 - 32)); // group 9
    expect(out.filter((v) => v !== 0).length).toBe(7);
  });

  test(`random blocks match the per-element reference bit for bit (seed ${SEED})`, () => {
    const rnd = rng(SEED, 'Q6_K reference');
    const rows = 3, cols = 512;
    const bytes = rnd.bytes(rows * (cols / 256) * 210);
    for (let b = 0; b < rows * 2; b++) {
      // a finite d with a long mantissa, so fround(d·sc)·q really needs rounding
      bytes[b * 210 + 208] = rnd.int(256);
      bytes[b * 210 + 209] = rnd.int(0x78) | (rnd() < 0.5 ? 0x80 : 0);
    }
    const out = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      dequantRow('Q6_K', bytes, r, cols, out);
      const blockOf = (i: number) => bytes.subarray((r * 2 + (i >> 8)) * 210, (r * 2 + (i >> 8) + 1) * 210);
      // Object.is: bit for bit, so -0 must match -0
      expect(failures(cols, (i) => (Object.is(out[i], refQ6K(blockOf(i), i % 256)) ? undefined : `row ${r} element ${i}: ${out[i]}`))).toEqual([]);
    }
  });

  test(`quantize -> dequantize error is small (seed ${SEED})`, () => {
    const rows = 4, cols = 768;
    // groups of very different magnitudes stress the per-group int8 scales
    const x = rng(SEED, 'Q6_K error').floats(rows * cols, (i) => 2 ** ((i >> 4) % 7 - 3));
    const bytes = quantizeRows('Q6_K', x, rows, cols);
    expect(bytes.length).toBe(rows * 3 * 210);
    const out = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      dequantRow('Q6_K', bytes, r, cols, out);
      for (let i = 0; i < cols; i += 16) {
        const group = x.subarray(r * cols + i, r * cols + i + 16);
        const amax = Math.max(...group.map(Math.abs));
        const blockAmax = Math.max(...x.subarray(r * cols + (i & ~255), r * cols + (i & ~255) + 256).map(Math.abs));
        for (let j = 0; j < 16; j++) {
          expect(Math.abs(out[i + j] - group[j])).toBeLessThanOrEqual(amax / 55 + blockAmax / 250);
        }
      }
    }
  });

  test('an all-zero block quantizes to d = 0 and reads back zeros', () => {
    const bytes = quantizeRows('Q6_K', new Float32Array(256), 1, 256);
    const out = new Float32Array(256).fill(7);
    dequantRow('Q6_K', bytes, 0, 256, out);
    expect(out.every((v) => v === 0)).toBe(true);
  });
});

describe('validation', () => {
  const out = new Float32Array(512);

  test('byte lengths must be whole rows and the row must exist', () => {
    expectFormatError(() => dequantRow('Q8_0', new Uint8Array(35), 0, 32, out), 'shape-mismatch', /35 bytes is not a whole number of 34-byte rows/);
    expectFormatError(() => dequantRow('F16', new Uint8Array(8), 2, 2, out), 'shape-mismatch', /row 2 is outside a F16 matrix of 2 rows/);
    expectFormatError(() => dequantRow('F32', new Uint8Array(8), -1, 2, out), 'shape-mismatch');
    expectFormatError(() => dequantRow('Q6_K', new Uint8Array(0), 0, 256, out), 'shape-mismatch');
    expectFormatError(() => dequantRow('F32', new Uint8Array(8), 0, 2, new Float32Array(1)), 'shape-mismatch', /output holds 1 values, row has 2/);
  });

  test('block types need whole blocks per row', () => {
    expectFormatError(() => dequantRow('Q8_0', new Uint8Array(34), 0, 16, out), 'shape-mismatch', /Q8_0 row length 16 is not a positive multiple of 32/);
    expectFormatError(() => quantizeRows('Q6_K', new Float32Array(128), 1, 128), 'shape-mismatch', /multiple of 256/);
    expectFormatError(() => dequantRow('F16', new Uint8Array(0), 0, 0, out), 'shape-mismatch');
  });

  test('quantizeRows needs rows*cols values', () => {
    expectFormatError(() => quantizeRows('F16', new Float32Array(5), 2, 3), 'shape-mismatch', /5 values do not form 2 rows of 3/);
    expectFormatError(() => quantizeRows('Q8_0', new Float32Array(64), 0, 32), 'shape-mismatch');
  });

  test.each(['TQ1_0', 'TQ2_0', 'I2_S'] as TensorType[])('%s is not a float row type', (type) => {
    expectFormatError(() => dequantRow(type, new Uint8Array(66), 0, 256, out), 'unsupported');
    expectFormatError(() => quantizeRows(type, new Float32Array(256), 1, 256), 'unsupported');
  });

  test('Q6_K refuses values whose scale overflows f16', () => {
    const x = new Float32Array(256);
    x[0] = 1e12;
    expectFormatError(() => quantizeRows('Q6_K', x, 1, 256), 'bad-value', /too large for Q6_K/);
  });
});
