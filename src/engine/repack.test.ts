// The I2_S fast path gives exactly what decoding and packing give, code 3 included. Rerun a seed
// with TEST_SEED=<n>.
import { expect, test } from 'vitest';
import { decodeI2S } from '../model/ternary-codecs.ts';
import { rng, testSeed } from '../testing/random.ts';
import { packTernary, rowBytes } from './layout.ts';
import { packI2S } from './repack.ts';

const seed = testSeed('TEST_SEED');

test.each([[1, 128], [3, 256], [5, 2560], [2, 6912]])(`packI2S equals packTernary(decodeI2S) on random bytes, %i x %i (seed ${seed})`, (rows, cols) => {
  const raw = rng(seed, `${rows}x${cols}`).bytes((rows * cols) / 4 + 32);
  const codes = raw.subarray(0, (rows * cols) / 4);
  const out = new Uint8Array(rows * rowBytes(cols));
  packI2S(codes, rows, cols, out);
  expect(out).toEqual(packTernary(decodeI2S(raw, rows, cols).w, rows, cols));
});

test('packI2S rejects sizes that do not match', () => {
  expect(() => packI2S(new Uint8Array(31), 1, 128, new Uint8Array(32))).toThrow(/does not match/);
  expect(() => packI2S(new Uint8Array(16), 1, 64, new Uint8Array(16))).toThrow(/does not match/);
});
