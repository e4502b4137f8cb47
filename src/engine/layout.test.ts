// The compute layout: packTernary against its plain element-wise definition, padding, and the
// byte/bit position of single weights. Rerun a seed with TEST_SEED=<n>.
import { describe, expect, test } from 'vitest';
import { rng, testSeed } from '../testing/random.ts';
import { packedCode, packTernary, paddedCols, rowBytes } from './layout.ts';

const seed = testSeed('TEST_SEED');

describe(`packTernary (seed ${seed})`, () => {
  test.each([1, 15, 16, 63, 64, 65, 100, 128, 200, 2560, 6912])('every weight lands where packedCode reads it, cols %i', (cols) => {
    const rows = 3;
    const w = rng(seed, `cols ${cols}`).ternary(rows * cols);
    const packed = packTernary(w, rows, cols);
    expect(packed.length).toBe(rows * rowBytes(cols));
    for (let n = 0; n < rows; n++) {
      for (let k = 0; k < paddedCols(cols); k++) expect(packedCode(packed, cols, n, k)).toBe(k < cols ? w[n * cols + k] + 1 : 1);
    }
  });

  test('bit positions: element 17 is byte 1 bits 3:2, element 64 + 50 is byte 16 + 2 bits 7:6', () => {
    const w = new Int8Array(128);
    w[17] = 1;
    w[114] = -1;
    const p = packTernary(w, 1, 128);
    expect(p[1]).toBe(0b01011001); // code 2 at bits 3:2, code 1 elsewhere
    expect(p[18]).toBe(0b00010101); // code 0 at bits 7:6
    expect([...p].filter((_, i) => i !== 1 && i !== 18).every((b) => b === 0b01010101)).toBe(true);
  });

  test('writes into a given buffer at its offset', () => {
    const w = rng(seed, 'into a buffer').ternary(2 * 64);
    const buf = new Uint8Array(40).fill(0xff);
    packTernary(w, 2, 64, buf.subarray(4, 36));
    expect(buf.subarray(4, 36)).toEqual(packTernary(w, 2, 64));
    expect(buf[3]).toBe(0xff);
    expect(buf[36]).toBe(0xff);
  });
});
