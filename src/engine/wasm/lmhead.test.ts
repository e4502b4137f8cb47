// The LM-head kernels (SIMD128 builds) against dotLanes8 of float-codecs' dequantRow, bit for bit,
// for every embedding type on fresh random inputs (seed in the suite name; WASM_TEST_SEED=<seed>
// replays), each case single-threaded and on pools of 1, 2 and 3 threads (test-kernels.ts). Run
// `npm run build:wasm` first.
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { dequantRow, quantizeRows } from '../../model/float-codecs.ts';
import type { TensorType } from '../../model/tensor-types.ts';
import { rng, testSeed, type Rng } from '../../testing/random.ts';
import { dotLanes8 } from '../math.ts';
import { WasmKernels } from './kernels.ts';
import { KernelVariants } from './test-kernels.ts';

const SEED = testSeed('WASM_TEST_SEED');
const MODULE = new WebAssembly.Module(await wasmKernelBytes('simd'));
const VARIANTS = await KernelVariants.start();
afterAll(() => VARIANTS.dispose());
const SENTINEL = 1234.5;

type LmType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q6_K';
/** values: encoded real numbers; bits: random finite bit patterns (subnormals and extremes); special: bits plus inf/NaN in some rows. */
type EKind = 'values' | 'bits' | 'special';

const BLOCK: Record<LmType, number> = { F32: 8, F16: 8, BF16: 8, Q8_0: 32, Q6_K: 256 };
const BYTES_PER_BLOCK: Record<LmType, number> = { F32: 32, F16: 16, BF16: 16, Q8_0: 34, Q6_K: 210 };
/** Byte offsets, within a block, of the f16 scales that must stay finite unless special. */
const SCALE_AT: Partial<Record<LmType, number>> = { Q8_0: 0, Q6_K: 208 };

/** A 16-bit float pattern with a finite (exponent < all ones) value. */
function finite16(type: 'F16' | 'BF16', rnd: Rng): number {
  const expMask = type === 'F16' ? 0x7c00 : 0x7f80;
  for (;;) {
    const b = rnd.int(65536);
    if ((b & expMask) !== expMask) return b;
  }
}

function matrix(type: LmType, kind: EKind, rows: number, cols: number, rnd: Rng): Uint8Array {
  if (kind === 'values') return quantizeRows(type, rnd.floats(rows * cols, () => 10 ** (rnd() * 4 - 2)), rows, cols);
  const bytes = rnd.bytes((rows * cols * BYTES_PER_BLOCK[type]) / BLOCK[type]);
  const put16 = (at: number, b: number) => {
    bytes[at] = b & 255;
    bytes[at + 1] = b >> 8;
  };
  const special = (row: number) => kind === 'special' && row % 3 === 0;
  const rb = bytes.length / rows;
  if (type === 'F32') {
    const u = new Uint32Array(bytes.buffer);
    for (let i = 0; i < u.length; i++) if ((u[i] & 0x7f800000) === 0x7f800000 && !special(Math.floor(i / cols))) u[i] ^= 0x40000000;
  } else if (type === 'F16' || type === 'BF16') {
    for (let i = 0; i < rows * cols; i++) if (!special(Math.floor(i / cols))) put16(2 * i, finite16(type, rnd));
  } else {
    const bb = BYTES_PER_BLOCK[type];
    for (let at = SCALE_AT[type]!; at < bytes.length; at += bb) {
      if (!special(Math.floor(at / rb))) put16(at, finite16('F16', rnd));
    }
  }
  if (kind === 'special' && type !== 'F32') {
    // exact specials too: +inf, -inf and a NaN in the first special rows (as element or block scale)
    [0x7c00, 0xfc00, 0x7e01].forEach((b, i) => {
      const row = 3 * i;
      if (row < rows) put16(row * rb + (SCALE_AT[type] ?? 0), type === 'BF16' ? (b === 0x7e01 ? 0x7fc1 : b === 0x7c00 ? 0x7f80 : 0xff80) : b);
    });
  }
  return bytes;
}

function hVector(cols: number, rnd: Rng): Float32Array {
  return Float32Array.from({ length: cols }, () => {
    const r = rnd();
    if (r < 0.05) return (rnd() < 0.5 ? -1 : 1) * rnd.int(2 ** 23) * 2 ** -149; // subnormal
    if (r < 0.07) return 0;
    return (rnd() - 0.5) * 10 ** (rnd() * 6 - 3);
  });
}

/**
 * Runs lmHead on every kernel variant against dotLanes8; `mapped` (F16) passes the edge map, and
 * `hMax` puts one h element of that magnitude in (at or above 2^16 the kernel must not scale h).
 */
function checkLmHead(type: LmType, kind: EKind, rows: number, cols: number, r0 = 0, r1 = rows, opts: { mapped?: boolean; hMax?: number } = {}): void {
  const label = `${type} ${kind} ${rows}x${cols} [${r0},${r1})${opts.mapped ? ' mapped' : ''}${opts.hMax ? ` |h| ${opts.hMax}` : ''}`;
  const rnd = rng(SEED, label);
  const bytes = matrix(type, kind, rows, cols, rnd);
  const h = hVector(cols, rnd);
  if (opts.hMax !== undefined) h[rnd.int(cols)] = (rnd() < 0.5 ? -1 : 1) * opts.hMax;
  const want = new Float32Array(rows).fill(SENTINEL);
  const row = new Float32Array(cols);
  for (let v = r0; v < r1; v++) {
    dequantRow(type, bytes, v, cols, row);
    want[v] = dotLanes8(row, h);
  }
  for (const { label: variant, k } of VARIANTS.all()) {
    const e = k.alloc(bytes.length);
    k.u8(e, bytes.length).set(bytes);
    const hp = k.alloc(cols * 4);
    k.f32(hp, cols).set(h);
    const out = k.alloc(rows * 4);
    k.f32(out, rows).fill(SENTINEL);
    const edges = opts.mapped ? k.f16EdgeMap(e, rows, cols) : undefined;
    if (edges !== undefined) expectSame(`${label} ${variant} edge map`, k.u8(edges, rows * Math.ceil(cols / 256) * 4), edgeMap(bytes, rows, cols));
    k.lmHead(type as TensorType, e, rows, cols, hp, out, r0, r1, edges);
    const got = k.f32(out, rows);
    for (let v = 0; v < rows; v++) {
      if (!Object.is(got[v], want[v])) throw new Error(`${label} ${variant}: out[${v}] is ${got[v]}, want ${want[v]} (replay: WASM_TEST_SEED=${SEED})`);
    }
  }
}

/** The edge map as f16Edges must write it: bit (i / 8) % 32 of u32 word i / 256 per row, set for a subnormal, inf or NaN. */
function edgeMap(bytes: Uint8Array, rows: number, cols: number): Uint8Array {
  const words = Math.ceil(cols / 256);
  const map = new Uint32Array(rows * words);
  const f16 = new Uint16Array(bytes.buffer, bytes.byteOffset, rows * cols);
  for (let v = 0; v < rows; v++) {
    for (let i = 0; i < cols; i++) {
      const x = f16[v * cols + i];
      const exp = (x >> 10) & 31;
      if ((exp === 0 && (x & 0x3ff) !== 0) || exp === 31) map[v * words + (i >> 8)] |= 1 << ((i & 255) >> 3);
    }
  }
  return new Uint8Array(map.buffer);
}

function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: [${i}] is ${got[i]}, want ${want[i]} (replay: WASM_TEST_SEED=${SEED})`);
  }
}

const TYPES: LmType[] = ['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K'];
const ROWS = [1, 3, 17, 64, 257, 1001];

describe(`WASM LM head, SIMD128 builds at 1-3 threads (WASM_TEST_SEED=${SEED})`, () => {
  it.each(TYPES.flatMap((type) => ROWS.flatMap((rows) => (['values', 'bits'] as const).map((kind) => ({ type, rows, kind })))))(
    '$type $kind, $rows rows x 2560',
    ({ type, rows, kind }) => checkLmHead(type, kind, rows, 2560),
  );

  it.each(TYPES.flatMap((type) => [8, 24, 64, 256, 1000, 768, 2304].filter((c) => c % BLOCK[type] === 0).map((cols) => ({ type, cols }))))(
    '$type bits, 19 rows x $cols',
    ({ type, cols }) => checkLmHead(type, 'bits', 19, cols),
  );

  it.each(TYPES.map((type) => ({ type })))('$type: row range [5, 250) of 257, rest untouched', ({ type }) => {
    checkLmHead(type, 'bits', 257, 512, 5, 250);
    checkLmHead(type, 'values', 257, 512, 256, 257);
  });

  it.each(TYPES.map((type) => ({ type })))('$type: inf and NaN (elements and block scales) stay exact', ({ type }) => {
    checkLmHead(type, 'special', 10, 512);
  });

  it.each(ROWS.flatMap((rows) => (['values', 'bits'] as const).map((kind) => ({ rows, kind }))))('F16 with its edge map: $kind, $rows rows x 2560', ({ rows, kind }) => {
    checkLmHead('F16', kind, rows, 2560, 0, rows, { mapped: true });
  });

  it.each([8, 24, 248, 256, 264, 1000, 2304])('F16 with its edge map: bits, 19 rows x %i (partial map words)', (cols) => {
    checkLmHead('F16', 'bits', 19, cols, 0, 19, { mapped: true });
  });

  it('F16 with its edge map: inf and NaN, a row range, and |h| at the scaling bound', () => {
    checkLmHead('F16', 'special', 10, 512, 0, 10, { mapped: true });
    checkLmHead('F16', 'bits', 257, 512, 5, 250, { mapped: true });
    checkLmHead('F16', 'values', 64, 512, 0, 64, { mapped: true, hMax: 65535.99609375 });
    checkLmHead('F16', 'values', 64, 512, 0, 64, { mapped: true, hMax: 65536 });
    checkLmHead('F16', 'values', 64, 512, 0, 64, { mapped: true, hMax: Infinity });
    checkLmHead('F16', 'values', 64, 512, 0, 64, { mapped: true, hMax: 1e30 });
  });

  it('rejects an edge map for other types', () => {
    const k = WasmKernels.fromModule(MODULE);
    const p = k.alloc(4096);
    expect(() => k.lmHead('BF16', p, 1, 512, p, p, 0, 1, p)).toThrow(/edge map is for F16/);
  });

  it('rejects Q6_K rows that are not whole blocks', () => {
    const k = WasmKernels.fromModule(MODULE);
    const p = k.alloc(4096);
    expect(() => k.lmHead('Q6_K', p, 1, 512 + 8, p, p, 0, 1)).toThrow(/cols % 256/);
  });
});
