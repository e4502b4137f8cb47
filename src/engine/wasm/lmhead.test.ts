// The LM-head kernels (SIMD128 build) against dotLanes8 of float-codecs' dequantRow, bit for bit,
// for every embedding type on fresh random inputs (seed in the suite name; WASM_TEST_SEED=<seed>
// replays). Run `npm run build:wasm` first.
import { describe, expect, it } from 'vitest';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { dequantRow, quantizeRows } from '../../model/float-codecs.ts';
import type { TensorType } from '../../model/tensor-types.ts';
import { rng, testSeed, type Rng } from '../../testing/random.ts';
import { dotLanes8 } from '../math.ts';
import { WasmKernels } from './kernels.ts';

const SEED = testSeed('WASM_TEST_SEED');
const MODULE = new WebAssembly.Module(await wasmKernelBytes('simd'));
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

function checkLmHead(type: LmType, kind: EKind, rows: number, cols: number, r0 = 0, r1 = rows): void {
  const label = `${type} ${kind} ${rows}x${cols} [${r0},${r1})`;
  const rnd = rng(SEED, label);
  const bytes = matrix(type, kind, rows, cols, rnd);
  const h = hVector(cols, rnd);
  const k = WasmKernels.fromModule(MODULE);
  const e = k.alloc(bytes.length);
  k.u8(e, bytes.length).set(bytes);
  const hp = k.alloc(cols * 4);
  k.f32(hp, cols).set(h);
  const out = k.alloc(rows * 4);
  k.f32(out, rows).fill(SENTINEL);
  k.lmHead(type as TensorType, e, rows, cols, hp, out, r0, r1);

  const got = k.f32(out, rows);
  const row = new Float32Array(cols);
  for (let v = 0; v < rows; v++) {
    let want = SENTINEL;
    if (v >= r0 && v < r1) {
      dequantRow(type, bytes, v, cols, row);
      want = dotLanes8(row, h);
    }
    if (!Object.is(got[v], want)) throw new Error(`${label}: out[${v}] is ${got[v]}, want ${want} (replay: WASM_TEST_SEED=${SEED})`);
  }
}

const TYPES: LmType[] = ['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K'];
const ROWS = [1, 3, 17, 64, 257, 1001];

describe(`WASM LM head, SIMD128 build (WASM_TEST_SEED=${SEED})`, () => {
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

  it('rejects Q6_K rows that are not whole blocks', () => {
    const k = WasmKernels.fromModule(MODULE);
    const p = k.alloc(4096);
    expect(() => k.lmHead('Q6_K', p, 1, 512 + 8, p, p, 0, 1)).toThrow(/cols % 256/);
  });
});
