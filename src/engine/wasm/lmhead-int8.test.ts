// The int8 LM-head kernels (SIMD128 builds) against int8-head.ts, bit for bit: the conversion of
// F32 and F16 rows to int8 blocks (codes, scales, zeroed padding) and the GEMV, on fresh random
// inputs (seed in the suite name; WASM_TEST_SEED=<seed> replays), each case single-threaded and on
// pools of 1, 2 and 3 threads (test-kernels.ts). Run `npm run build:wasm` first.
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { dequantRow } from '../../model/float-codecs.ts';
import { rng, testSeed, type Rng } from '../../testing/random.ts';
import { int8Logit, quantizeInt8Blocks } from '../int8-head.ts';
import { int8Layout, WasmKernels } from './kernels.ts';
import { KernelVariants } from './test-kernels.ts';

const SEED = testSeed('WASM_TEST_SEED');
const MODULE = new WebAssembly.Module(await wasmKernelBytes('simd'));
const VARIANTS = await KernelVariants.start();
afterAll(() => VARIANTS.dispose());
const SENTINEL = 1234.5;

/**
 * values: magnitudes over many decades, some all-zero blocks; ties: blocks whose scale is a power of
 * two and whose elements are halves, so x / d lands exactly between integers; tiny: subnormal
 * blocks (scales that round badly or to 0); special: values plus inf and NaN in every third row.
 */
type Kind = 'values' | 'ties' | 'tiny' | 'special';

function element(kind: Kind, rnd: Rng, scale: number): number {
  if (kind === 'tiny') return (rnd() - 0.5) * rnd.int(1 << 12) * 2 ** -149;
  if (kind === 'ties') return (rnd.int(509) - 254) / 2;
  return (rnd() - 0.5) * scale;
}

function f32Matrix(kind: Kind, rows: number, cols: number, rnd: Rng): Float32Array {
  const x = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < cols / 32; b++) {
      const at = r * cols + b * 32;
      if (kind !== 'tiny' && rnd() < 0.05) continue; // a zero block
      const scale = 10 ** (rnd() * 8 - 4);
      for (let i = at; i < at + 32; i++) x[i] = element(kind, rnd, scale);
      if (kind === 'ties') {
        x[at + rnd.int(32)] = rnd() < 0.5 ? -127 : 127; // d = 1 exactly, times a power of two:
        const p = 2 ** (rnd.int(40) - 20);
        for (let i = at; i < at + 32; i++) x[i] *= p;
      }
      if (kind === 'special' && r % 3 === 0) x[at + rnd.int(32)] = [Infinity, -Infinity, NaN][rnd.int(3)];
    }
  }
  return x;
}

/** Random f16 bit patterns: subnormals and extremes included; inf and NaN only in `special`. */
function f16Matrix(kind: Kind, rows: number, cols: number, rnd: Rng): Uint16Array {
  return Uint16Array.from({ length: rows * cols }, (_, i) => {
    for (;;) {
      const b = rnd.int(65536);
      if ((b & 0x7c00) !== 0x7c00 || (kind === 'special' && Math.floor(i / cols) % 3 === 0)) return b;
    }
  });
}

/** The reference conversion of one row: codes and scales. */
function reference(row: Float32Array): { q: Int8Array; d: Float32Array } {
  const q = new Int8Array(row.length), d = new Float32Array(row.length / 32);
  quantizeInt8Blocks(row, q, d);
  return { q, d };
}

function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: [${i}] is ${got[i]}, want ${want[i]} (replay: WASM_TEST_SEED=${SEED})`);
  }
}

/**
 * Converts a [rows][cols] matrix (f32, or f16 bits) and an activation row on every kernel variant,
 * checks codes, scales and padding against the reference, then the logits of rows [r0, r1).
 */
function check(type: 'F32' | 'F16', kind: Kind, rows: number, cols: number, r0 = 0, r1 = rows): void {
  const label = `${type} ${kind} ${rows}x${cols} [${r0},${r1})`;
  const rnd = rng(SEED, label);
  const raw = type === 'F32' ? f32Matrix(kind, rows, cols, rnd) : f16Matrix(kind, rows, cols, rnd);
  const bytes = new Uint8Array(raw.buffer);
  const x = f32Matrix(kind === 'special' ? 'values' : kind, 1, cols, rnd);
  const rowsRef = Array.from({ length: rows }, (_, v) => {
    const row = new Float32Array(cols);
    dequantRow(type, bytes, v, cols, row);
    return reference(row);
  });
  const xRef = reference(x);
  const want = new Float32Array(rows).fill(SENTINEL);
  for (let v = r0; v < r1; v++) want[v] = int8Logit(rowsRef[v].q, rowsRef[v].d, xRef.q, xRef.d);

  const { blocks, codeBytes, scaleBytes } = int8Layout(cols);
  const padded = (a: ArrayLike<number>, n: number, width: number) => Array.from({ length: width }, (_, i) => (i < n ? a[i] : 0));
  for (const { label: variant, k } of VARIANTS.all()) {
    const src = k.alloc(bytes.length);
    k.u8(src, bytes.length).set(bytes);
    const q = k.alloc(rows * codeBytes), d = k.alloc(rows * scaleBytes);
    k.u8(q, rows * codeBytes).fill(0xaa); // the padding must be written, not found zero
    k.int8Rows(type, src, rows, cols, q, d, 0, rows);
    const xp = k.alloc(cols * 4), xq = k.alloc(codeBytes), xd = k.alloc(scaleBytes);
    k.f32(xp, cols).set(x);
    k.int8Rows('F32', xp, 1, cols, xq, xd, 0, 1);
    const out = k.alloc(rows * 4);
    k.f32(out, rows).fill(SENTINEL);
    k.lmHeadInt8(q, d, rows, cols, xq, xd, out, r0, r1);

    expectSame(`${label} ${variant} x codes`, k.i8(xq, codeBytes), padded(xRef.q, cols, codeBytes));
    expectSame(`${label} ${variant} x scales`, k.f32(xd, scaleBytes / 4), padded(xRef.d, blocks, scaleBytes / 4));
    for (let v = 0; v < rows; v++) {
      expectSame(`${label} ${variant} row ${v} codes`, k.i8(q + v * codeBytes, codeBytes), padded(rowsRef[v].q, cols, codeBytes));
      expectSame(`${label} ${variant} row ${v} scales`, k.f32(d + v * scaleBytes, scaleBytes / 4), padded(rowsRef[v].d, blocks, scaleBytes / 4));
    }
    expectSame(`${label} ${variant} logits`, k.f32(out, rows), want);
  }
}

const ROWS = [1, 3, 17, 64, 257, 1001];

describe(`int8 LM head kernels, SIMD128 builds at 1-3 threads (WASM_TEST_SEED=${SEED})`, () => {
  it.each((['F32', 'F16'] as const).flatMap((type) => ROWS.map((rows) => ({ type, rows }))))('$type values, $rows rows x 2560', ({ type, rows }) => {
    check(type, 'values', rows, 2560);
  });

  it.each([32, 64, 96, 160, 224, 256, 800])('F32 and F16, 19 rows x %i (padded blocks)', (cols) => {
    check('F32', 'values', 19, cols);
    check('F16', 'values', 19, cols);
  });

  it.each(['ties', 'tiny', 'special'] as const)('F32 %s, and F16 bit patterns', (kind) => {
    check('F32', kind, 67, 384);
    check('F16', kind, 67, 384);
  });

  it('a row range [5, 250) of 257, and the last row alone; the rest untouched', () => {
    check('F32', 'values', 257, 512, 5, 250);
    check('F16', 'values', 257, 96, 256, 257);
  });

  it('rejects cols that are not whole blocks of 32', () => {
    const k = WasmKernels.fromModule(MODULE);
    const p = k.alloc(1 << 16);
    expect(() => k.int8Rows('F32', p, 1, 48, p, p, 0, 1)).toThrow(/cols % 32 == 0, got 48/);
    expect(() => k.lmHeadInt8(p, p, 1, 100, p, p, p, 0, 1)).toThrow(/cols % 32 == 0, got 100/);
  });
});
