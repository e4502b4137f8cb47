// Ternary codecs: hand-checked bytes pin the exact layouts of spec §3.4/§4.3/§4.5, per-element
// reference decoders written from the spec's pseudo-code check the fast decoders on random bytes,
// and seeded random matrices round-trip through every format. Rerun a seed with TEST_SEED=<n>.

import { describe, expect, test } from 'vitest';
import { expectFormatError } from '../testing/expect-error.ts';
import { rng, testSeed, type Rng } from '../testing/random.ts';
import { f16ToF32, f32ToF16 } from './float-codecs.ts';
import { decodeHF, decodeI2S, decodeTQ1, decodeTQ2, encodeHF, encodeI2S, encodeTQ1, encodeTQ2 } from './ternary-codecs.ts';

const SEED = testSeed('TEST_SEED');

/**
 * Random ternary matrix; with zeroBlocks, about a quarter of its 256-element blocks are all zero,
 * but never the first, so the tensor always has a scale to carry.
 */
function randomTernary(rnd: Rng, rows: number, cols: number, zeroBlocks = false): Int8Array {
  const w = rnd.ternary(rows * cols);
  w[0] = 1;
  if (zeroBlocks) for (let b = 1; b < w.length / 256; b++) if (rnd.int(4) === 0) w.fill(0, b * 256, b * 256 + 256);
  return w;
}

function expectSame(actual: Int8Array, expected: Int8Array): void {
  expect(actual.length).toBe(expected.length);
  const i = actual.findIndex((v, k) => v !== expected[k]);
  expect(i, i < 0 ? '' : `first difference at ${i}: ${actual[i]} vs ${expected[i]}`).toBe(-1);
}

const codeToW = (code: number) => (code === 3 ? 0 : code - 1);

// ---- Reference decoders, one element at a time, straight from the spec's pseudo-code ----------

function refI2S(bytes: Uint8Array, rows: number, cols: number): Int8Array {
  const w = new Int8Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    for (let k = 0; k < cols; k++) {
      const blk = Math.floor(k / 128), g = Math.floor((k % 128) / 32), p = k % 32;
      w[n * cols + k] = codeToW((bytes[n * (cols / 4) + blk * 32 + p] >> (6 - 2 * g)) & 3);
    }
  }
  return w;
}

function refTQ2(bytes: Uint8Array, rows: number, cols: number): Int8Array {
  const w = new Int8Array(rows * cols);
  for (let i = 0; i < w.length; i++) {
    const blk = Math.floor(i / 256), e = i % 256;
    const h = Math.floor(e / 128), n = Math.floor((e % 128) / 32), m = e % 32;
    const dZero = bytes[blk * 66 + 64] === 0 && (bytes[blk * 66 + 65] & 0x7f) === 0;
    w[i] = dZero ? 0 : codeToW((bytes[blk * 66 + h * 32 + m] >> (2 * n)) & 3);
  }
  return w;
}

const trit = (byte: number, n: number) => ((((byte * 3 ** n) % 256) * 3) >> 8);

function refTQ1(bytes: Uint8Array, rows: number, cols: number): Int8Array {
  const w = new Int8Array(rows * cols);
  for (let i = 0; i < w.length; i++) {
    const at = Math.floor(i / 256) * 54, e = i % 256;
    let byte: number, n: number;
    if (e < 160) [byte, n] = [bytes[at + (e % 32)], Math.floor(e / 32)];
    else if (e < 240) [byte, n] = [bytes[at + 32 + ((e - 160) % 16)], Math.floor((e - 160) / 16)];
    else [byte, n] = [bytes[at + 48 + ((e - 240) % 4)], Math.floor((e - 240) / 4)];
    const dZero = bytes[at + 52] === 0 && (bytes[at + 53] & 0x7f) === 0;
    w[i] = dZero ? 0 : trit(byte, n) - 1;
  }
  return w;
}

function refHF(bytes: Uint8Array, rows: number, cols: number): Int8Array {
  const R = rows / 4;
  const w = new Int8Array(rows * cols);
  for (let row = 0; row < rows; row++) {
    for (let c = 0; c < cols; c++) {
      const i = Math.floor(row / R), r = row % R;
      w[row * cols + c] = codeToW((bytes[r * cols + c] >> (2 * i)) & 3);
    }
  }
  return w;
}

/** Sets the f16 d of TQ block `block` (d is the last 2 bytes of a block). */
function setBlockScale(bytes: Uint8Array, blockBytes: number, block: number, d: number): void {
  const bits = f32ToF16(d);
  bytes[(block + 1) * blockBytes - 2] = bits & 0xff;
  bytes[(block + 1) * blockBytes - 1] = bits >>> 8;
}

// ---- I2_S ------------------------------------------------------------------------------------

describe('I2_S layout', () => {
  test('a +1 at element 97 lands in byte 1 bits 1:0; the tail is the f32 scale then zeros', () => {
    const w = new Int8Array(128);
    w[97] = 1;
    const bytes = encodeI2S(w, 1, 128, 0.5);
    expect(bytes.length).toBe(32 + 32);
    const expected = new Uint8Array(64).fill(0x55, 0, 32); // code 1 (weight 0) everywhere
    expected[1] = 0b01_01_01_10; // elements 1, 33, 65 -> 0; element 97 -> code 2
    expected.set([0x00, 0x00, 0x00, 0x3f], 32); // 0.5f little-endian
    expect(Array.from(bytes)).toEqual(Array.from(expected));
    const { w: back, scale } = decodeI2S(bytes, 1, 128);
    expectSame(back, w);
    expect(scale).toBe(0.5);
  });

  test('MSB-first groups, second block and second row land where the spec says', () => {
    const w = new Int8Array(2 * 256);
    w[0] = -1; // row 0, block 0, byte 0, bits 7:6 -> code 0
    w[165] = 1; // row 0, block 1 (128..255), element 37 = group 1, p 5 -> byte 32 + 5, bits 5:4
    w[256 + 64 + 31] = -1; // row 1 starts at byte 64; group 2, p 31 -> byte 64 + 31, bits 3:2
    const bytes = encodeI2S(w, 2, 256, 1);
    expect(bytes[0]).toBe(0b00_01_01_01);
    expect(bytes[37]).toBe(0b01_10_01_01);
    expect(bytes[95]).toBe(0b01_01_00_01);
    expect(bytes.subarray(0, 128).filter((b) => b !== 0x55).length).toBe(3);
    expect(Array.from(bytes.subarray(128, 132))).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  test('code 3 decodes to 0; padding after the scale is ignored', () => {
    const bytes = new Uint8Array(64).fill(0xff);
    new DataView(bytes.buffer).setFloat32(32, 0.25, true);
    const { w, scale } = decodeI2S(bytes, 1, 128);
    expect(w.every((v) => v === 0)).toBe(true);
    expect(scale).toBe(0.25);
  });

  test(`random bytes decode like the spec pseudo-code (seed ${SEED})`, () => {
    const rnd = rng(SEED, 'I2_S bytes');
    for (const [rows, cols] of [[1, 128], [3, 384], [5, 2560]]) {
      const bytes = rnd.bytes((rows * cols) / 4 + 32);
      expectSame(decodeI2S(bytes, rows, cols).w, refI2S(bytes, rows, cols));
    }
  });

  test('decodes from a Uint8Array that is a view at an odd offset', () => {
    const w = randomTernary(rng(SEED, 'I2_S offset'), 2, 128);
    const bytes = encodeI2S(w, 2, 128, 0.125);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const out = decodeI2S(shifted.subarray(3), 2, 128);
    expectSame(out.w, w);
    expect(out.scale).toBe(0.125);
  });
});

// ---- TQ2_0 -----------------------------------------------------------------------------------

describe('TQ2_0 layout', () => {
  test('LSB-first groups of 32 per 128-element half, then f16 d', () => {
    const w = new Int8Array(256);
    w[97] = 1; // half 0, byte 1, group 3 -> bits 7:6
    w[162] = -1; // half 1 (128 + 34): byte 32 + 2, group 1 -> bits 3:2
    const bytes = encodeTQ2(w, 1, 256, 1);
    const expected = new Uint8Array(66).fill(0x55, 0, 64);
    expected[1] = 0b10_01_01_01;
    expected[34] = 0b01_01_00_01;
    expected.set([0x00, 0x3c], 64); // f16 1.0
    expect(Array.from(bytes)).toEqual(Array.from(expected));
    const out = decodeTQ2(bytes, 1, 256);
    expectSame(out.w, w);
    expect(out.scale).toBe(1);
  });

  test(`random bytes with one common d decode like the spec pseudo-code (seed ${SEED})`, () => {
    const rnd = rng(SEED, 'TQ2_0 bytes');
    for (const [rows, cols] of [[1, 256], [3, 512], [5, 2560]]) {
      const bytes = rnd.bytes(((rows * cols) / 256) * 66);
      for (let b = 0; b < (rows * cols) / 256; b++) setBlockScale(bytes, 66, b, 0.375);
      const out = decodeTQ2(bytes, rows, cols);
      expectSame(out.w, refTQ2(bytes, rows, cols));
      expect(out.scale).toBe(0.375);
    }
  });
});

// ---- TQ1_0 -----------------------------------------------------------------------------------

describe('TQ1_0 base-3 packing', () => {
  const digits = (q: number, count: number) => Array.from({ length: count }, (_, n) => Math.floor(q / 3 ** (count - 1 - n)) % 3);

  test('the byte formula round-trips every 5-trit tuple (243) and every 4-trit qh tuple (81)', () => {
    for (let q = 0; q < 243; q++) {
      const byte = Math.floor((q * 256 + 242) / 243);
      expect(byte).toBeLessThan(256);
      expect([0, 1, 2, 3, 4].map((n) => trit(byte, n))).toEqual(digits(q, 5));
    }
    for (let q = 0; q < 81; q++) {
      const byte = Math.floor((q * 3 * 256 + 242) / 243);
      expect([0, 1, 2, 3].map((n) => trit(byte, n))).toEqual(digits(q, 4));
    }
  });

  test('encodeTQ1/decodeTQ1 store and recover all 243 tuples in every byte region', () => {
    // Row r (one block) carries the base-3 digits of r, first trit most significant, in the
    // elements of qs[0], qs[32] and (r mod 81) qh[0]; so those bytes must be ceil(q·256/243).
    const rows = 243, w = randomTernary(rng(SEED, 'TQ1_0 tuples'), rows, 256);
    for (let r = 0; r < rows; r++) {
      digits(r, 5).forEach((t, n) => {
        w[r * 256 + 32 * n] = t - 1; // qs[0], trit n -> element 32n
        w[r * 256 + 160 + 16 * n] = t - 1; // qs[32], trit n -> element 160 + 16n
      });
      digits(r % 81, 4).forEach((t, n) => (w[r * 256 + 240 + 4 * n] = t - 1)); // qh[0], trit n -> 240 + 4n
    }
    const bytes = encodeTQ1(w, rows, 256, 1);
    for (let r = 0; r < rows; r++) {
      expect(bytes[r * 54]).toBe(Math.floor((r * 256 + 242) / 243));
      expect(bytes[r * 54 + 32]).toBe(Math.floor((r * 256 + 242) / 243));
      expect(bytes[r * 54 + 48]).toBe(Math.floor(((r % 81) * 3 * 256 + 242) / 243));
    }
    expectSame(decodeTQ1(bytes, rows, 256).w, w);
  });

  test('hand-checked bytes: element 0, 33, 170 and 255 in a zero block', () => {
    const w = new Int8Array(256);
    w[0] = 1; // qs[0] trits (2,1,1,1,1): q = 202 -> ceil(202·256/243) = 213
    w[33] = -1; // qs[1] trit 1: (1,0,1,1,1): q = 94 -> 100
    w[170] = 1; // qs[32 + 10] trit 0: (2,1,1,1,1) -> 213
    w[255] = 1; // qh[3] trit 3: (1,1,1,2) -> q = 41·3 = 123 -> 130
    const bytes = encodeTQ1(w, 1, 256, 2);
    const expected = new Uint8Array(54).fill(128, 0, 48).fill(127, 48, 52); // all-zero: q = 121 -> 128; qh q = 120 -> 127
    expected[0] = 213;
    expected[1] = 100;
    expected[42] = 213;
    expected[51] = 130;
    expected.set([0x00, 0x40], 52); // f16 2.0
    expect(Array.from(bytes)).toEqual(Array.from(expected));
    expectSame(decodeTQ1(bytes, 1, 256).w, w);
  });

  test(`random bytes with one common d decode like the spec pseudo-code (seed ${SEED})`, () => {
    const rnd = rng(SEED, 'TQ1_0 bytes');
    for (const [rows, cols] of [[1, 256], [3, 512], [5, 2560]]) {
      const bytes = rnd.bytes(((rows * cols) / 256) * 54);
      for (let b = 0; b < (rows * cols) / 256; b++) setBlockScale(bytes, 54, b, -0.5);
      const out = decodeTQ1(bytes, rows, cols);
      expectSame(out.w, refTQ1(bytes, rows, cols));
      expect(out.scale).toBe(-0.5);
    }
  });
});

// ---- TQ scale rule ---------------------------------------------------------------------------

describe.each([
  { format: 'TQ2_0', blockBytes: 66, encode: encodeTQ2, decode: decodeTQ2 },
  { format: 'TQ1_0', blockBytes: 54, encode: encodeTQ1, decode: decodeTQ1 },
])('$format scale rule', ({ format, blockBytes, encode, decode }) => {
  /** Two rows of two blocks: block 1 is all zero, the others random. */
  function sample(): Int8Array {
    const w = randomTernary(rng(SEED, `${format} scale rule`), 2, 512);
    w.fill(0, 256, 512);
    w[0] = 1; // certainly nonzero
    return w;
  }
  const dBytes = (bytes: Uint8Array, b: number) => Array.from(bytes.subarray((b + 1) * blockBytes - 2, (b + 1) * blockBytes));

  test('all-zero blocks get d = 0, others the f16 scale, and decode returns that scale', () => {
    const bytes = encode(sample(), 2, 512, 0.1);
    expect(dBytes(bytes, 1)).toEqual([0, 0]);
    const bits = f32ToF16(0.1);
    for (const b of [0, 2, 3]) expect(dBytes(bytes, b)).toEqual([bits & 0xff, bits >>> 8]);
    expect(decode(bytes, 2, 512).scale).toBe(f16ToF32(bits));
  });

  test('blocks with different nonzero scales are rejected, naming the tensor', () => {
    const bytes = encode(sample(), 2, 512, 1);
    setBlockScale(bytes, blockBytes, 2, 0.5);
    expectFormatError(
      () => decode(bytes, 2, 512, 'blk.3.ffn_up.weight'),
      'unsupported',
      new RegExp(`^blk\\.3\\.ffn_up\\.weight: ${format} blocks carry different scales \\(1 vs 0\\.5\\); BitNet needs one scale per tensor$`),
    );
  });

  test('a block of all-zero weights is ignored whatever its d', () => {
    const w = sample();
    const bytes = encode(w, 2, 512, 1);
    setBlockScale(bytes, blockBytes, 1, 0.25);
    const out = decode(bytes, 2, 512);
    expectSame(out.w, w);
    expect(out.scale).toBe(1);
  });

  test.each([['+0', 0], ['-0', -0]])('a block with d = %s decodes to zeros even if its codes are not', (_, d) => {
    const w = sample();
    const bytes = encode(w, 2, 512, 1);
    setBlockScale(bytes, blockBytes, 3, d);
    const expected = w.slice();
    expected.fill(0, 768, 1024);
    expectSame(decode(bytes, 2, 512).w, expected);
  });

  test('an all-zero tensor has scale 0', () => {
    const bytes = encode(new Int8Array(512), 2, 256, 0.7);
    expect(bytes.every((b, i) => i % blockBytes < blockBytes - 2 || b === 0)).toBe(true);
    expect(decode(bytes, 2, 256)).toEqual({ w: new Int8Array(512), scale: 0 });
  });

  test('a non-finite d is corrupt data', () => {
    const bytes = encode(sample(), 2, 512, 1);
    setBlockScale(bytes, blockBytes, 1, Infinity);
    expectFormatError(() => decode(bytes, 2, 512), 'bad-value', /block 1 has a non-finite scale/);
  });

  test('the encoder refuses a scale that f16 turns into 0 or infinity', () => {
    expectFormatError(() => encode(sample(), 2, 512, 1e-9), 'bad-value', /not a nonzero finite f16/);
    expectFormatError(() => encode(sample(), 2, 512, 1e6), 'bad-value', /not a nonzero finite f16/);
  });
});

// ---- HF packed -------------------------------------------------------------------------------

describe('HF packed layout', () => {
  test('byte (r, c) holds rows r, r+R, r+2R, r+3R, LSB first', () => {
    const rows = 8, cols = 3; // R = 2
    const w = new Int8Array(rows * cols);
    w[0 * cols + 0] = -1; // r 0, slot 0 -> P[0][0] bits 1:0 = code 0
    w[5 * cols + 1] = 1; // r 1, slot 2 -> P[1][1] bits 5:4 = code 2
    w[7 * cols + 2] = 1; // r 1, slot 3 -> P[1][2] bits 7:6 = code 2
    const bytes = encodeHF(w, rows, cols);
    expect(Array.from(bytes)).toEqual([0b01_01_01_00, 0x55, 0x55, 0x55, 0b01_10_01_01, 0b10_01_01_01]);
    expectSame(decodeHF(bytes, rows, cols), w);
  });

  test('code 3 decodes to 0', () => {
    expectSame(decodeHF(new Uint8Array([0xff, 0b11_10_01_00]), 4, 2), new Int8Array([0, -1, 0, 0, 0, 1, 0, 0]));
  });

  test(`random bytes decode like the spec pseudo-code (seed ${SEED})`, () => {
    const rnd = rng(SEED, 'HF bytes');
    for (const [rows, cols] of [[4, 1], [12, 7], [20, 129], [640, 64]]) {
      const bytes = rnd.bytes((rows / 4) * cols);
      expectSame(decodeHF(bytes, rows, cols), refHF(bytes, rows, cols));
    }
  });
});

// ---- Random round trips ----------------------------------------------------------------------

describe(`round trips on random matrices (seed ${SEED})`, () => {
  const rnd = rng(SEED, 'round trips');

  test.each([[1, 128], [3, 128], [7, 384], [5, 2560], [2, 6912]])('I2_S %i x %i', (rows, cols) => {
    const w = randomTernary(rnd, rows, cols);
    const scale = Math.fround(rnd() * 2);
    const out = decodeI2S(encodeI2S(w, rows, cols, scale), rows, cols);
    expectSame(out.w, w);
    expect(out.scale).toBe(scale);
  });

  test.each([[1, 256], [3, 256], [7, 768], [5, 2560], [2, 6912]])('TQ2_0 and TQ1_0 %i x %i', (rows, cols) => {
    const w = randomTernary(rnd, rows, cols, true);
    const scale = rnd() * 2 + 0.01;
    for (const [encode, decode] of [[encodeTQ2, decodeTQ2], [encodeTQ1, decodeTQ1]] as const) {
      const out = decode(encode(w, rows, cols, scale), rows, cols);
      expectSame(out.w, w);
      expect(out.scale).toBe(f16ToF32(f32ToF16(scale)));
    }
  });

  test.each([[4, 1], [4, 3], [12, 7], [20, 129], [36, 2560]])('HF packed %i x %i', (rows, cols) => {
    const w = randomTernary(rnd, rows, cols);
    expectSame(decodeHF(encodeHF(w, rows, cols), rows, cols), w);
  });

  test.each([[4, 256], [8, 512], [12, 2560]])('one W through all four formats, and transcoded, %i x %i', (rows, cols) => {
    const w = randomTernary(rnd, rows, cols, true);
    expectSame(decodeI2S(encodeI2S(w, rows, cols, 1), rows, cols).w, w);
    expectSame(decodeTQ2(encodeTQ2(w, rows, cols, 1), rows, cols).w, w);
    expectSame(decodeTQ1(encodeTQ1(w, rows, cols, 1), rows, cols).w, w);
    expectSame(decodeHF(encodeHF(w, rows, cols), rows, cols), w);
    const viaAll = decodeHF(encodeHF(decodeTQ1(encodeTQ1(decodeTQ2(encodeTQ2(decodeI2S(encodeI2S(w, rows, cols, 1), rows, cols).w, rows, cols, 1), rows, cols).w, rows, cols, 1), rows, cols).w, rows, cols), rows, cols);
    expectSame(viaAll, w);
  });
});

// ---- Validation ------------------------------------------------------------------------------

describe('size and shape validation', () => {
  test('byte counts must match exactly, and the message names both sizes', () => {
    expectFormatError(() => decodeI2S(new Uint8Array(63), 1, 128, 'blk.0.attn_q.weight'), 'shape-mismatch', /^blk\.0\.attn_q\.weight: I2_S 1 x 128 takes 64 bytes, got 63$/);
    expectFormatError(() => decodeI2S(new Uint8Array(65), 1, 128), 'shape-mismatch', /takes 64 bytes, got 65/);
    expectFormatError(() => decodeTQ2(new Uint8Array(67), 1, 256), 'shape-mismatch', /TQ2_0 1 x 256 takes 66 bytes, got 67/);
    expectFormatError(() => decodeTQ1(new Uint8Array(108), 1, 256), 'shape-mismatch', /TQ1_0 1 x 256 takes 54 bytes, got 108/);
    expectFormatError(() => decodeHF(new Uint8Array(5), 8, 3), 'shape-mismatch', /HF packed 8 x 3 takes 6 bytes, got 5/);
  });

  test('dimensions must be positive safe integers with the block rule', () => {
    expectFormatError(() => decodeI2S(new Uint8Array(48), 1, 64), 'shape-mismatch', /multiple of 128/);
    expectFormatError(() => decodeTQ2(new Uint8Array(33 + 33), 1, 128), 'shape-mismatch', /multiple of 256/);
    expectFormatError(() => encodeTQ1(new Int8Array(384), 1, 384, 1), 'shape-mismatch', /multiple of 256/);
    expectFormatError(() => decodeHF(new Uint8Array(3), 6, 2), 'shape-mismatch', /rows a positive multiple of 4/);
    expectFormatError(() => decodeI2S(new Uint8Array(32), 0, 128), 'shape-mismatch');
    expectFormatError(() => decodeI2S(new Uint8Array(64), 1.5, 128), 'shape-mismatch');
    expectFormatError(() => encodeHF(new Int8Array(4), -4, -1), 'shape-mismatch');
    expectFormatError(() => decodeHF(new Uint8Array(1), 4, Number.NaN), 'shape-mismatch');
  });

  test('encoders need exactly rows*cols ternary weights', () => {
    expectFormatError(() => encodeI2S(new Int8Array(127), 1, 128, 1), 'shape-mismatch', /127 weights do not form 1 x 128/);
    expectFormatError(() => encodeTQ2(new Int8Array(512), 1, 256, 1), 'shape-mismatch');
    expectFormatError(() => encodeHF(new Int8Array(3), 4, 1), 'shape-mismatch');
    const w = new Int8Array(256);
    w[9] = 2;
    expectFormatError(() => encodeTQ1(w, 1, 256, 1), 'bad-value', /weight 2 at index 9 is not ternary/);
    w[9] = -2;
    expectFormatError(() => encodeTQ2(w, 1, 256, 1), 'bad-value');
  });
});
