// The opt-in int8 LM head, bit-identical to src/engine/int8-head.ts: rows of f32 or f16 quantized
// to int8 blocks of 32 with an f32 scale each (int8Rows), and the GEMV over such rows in integer
// SIMD (lmHeadInt8). Only non-relaxed instructions: every build and platform gives the same bits.
//
// Row layout: cols / 32 blocks padded to a multiple of 4 (the GEMV takes four blocks a step) with
// zero codes and zero scales; a padded block adds f32(0 · 0) · 0 = +0 to a lane, which leaves
// it unchanged (a lane starts at +0 and can never become -0).

import { f16x4 } from './f16';
import { quarter, storeQuarters } from './rows';

/** Blocks of 32 per stored row: cols / 32 rounded up to a multiple of 4. */
@inline function storedBlocks(cols: i32): i32 {
  return ((cols >> 5) + 3) & ~3;
}

/** Elements 4j..4j+3 of a 32-element block at p, as f32 (exact). */
@inline function load4(f16: bool, p: usize, j: i32): v128 {
  if (!f16) return v128.load(p + <usize>j * 16);
  return f16x4(v128.load16x4_s(p + <usize>j * 8));
}

/**
 * round(v / d) half to even as i32; NaN gives 0 and out-of-range values saturate (the narrows
 * below then clamp to the int8 range, and max_s raises -128 to -127).
 */
@inline function codes4(v: v128, d: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v, d)));
}

@inline function codes16(a: v128, b: v128, c: v128, e: v128, d: v128): v128 {
  const q = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(codes4(a, d), codes4(b, d)), i16x8.narrow_i32x4_s(codes4(c, d), codes4(e, d)));
  return i8x16.max_s(q, i8x16.splat(-127));
}

/**
 * Rows [r0, r1) of src ([rows][cols] f32, or f16 when `f16`; cols % 32 == 0) to int8 codes q and
 * f32 scales d in the stored row layout: per block d = max|x| / 127 (f32 division), then
 * q = round(x / d), or q = 0 where d = 0.
 */
export function int8Rows(src: usize, f16: bool, cols: i32, q: usize, d: usize, r0: i32, r1: i32): void {
  if (f16) convertRows(true, src, cols, q, d, r0, r1);
  else convertRows(false, src, cols, q, d, r0, r1);
}

/** int8Rows for one source type (a constant: each call site compiles to its own loop). */
@inline function convertRows(f16: bool, src: usize, cols: i32, q: usize, d: usize, r0: i32, r1: i32): void {
  const blocks = cols >> 5, stored = storedBlocks(cols);
  const srcRow = <usize>cols * (f16 ? 2 : 4), srcBlock: usize = f16 ? 64 : 128;
  const zero = i8x16.splat(0);
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>r * srcRow, qr = q + <usize>r * <usize>stored * 32, dr = d + <usize>r * <usize>stored * 4;
    for (let b = 0; b < blocks; b++) {
      const p = s + <usize>b * srcBlock;
      const x0 = load4(f16, p, 0), x1 = load4(f16, p, 1), x2 = load4(f16, p, 2), x3 = load4(f16, p, 3);
      const x4 = load4(f16, p, 4), x5 = load4(f16, p, 5), x6 = load4(f16, p, 6), x7 = load4(f16, p, 7);
      // max is exact and NaN-propagating in any order, like Math.max
      const m = f32x4.max(
        f32x4.max(f32x4.max(f32x4.abs(x0), f32x4.abs(x1)), f32x4.max(f32x4.abs(x2), f32x4.abs(x3))),
        f32x4.max(f32x4.max(f32x4.abs(x4), f32x4.abs(x5)), f32x4.max(f32x4.abs(x6), f32x4.abs(x7))),
      );
      const amax = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
      const db: f32 = amax / 127;
      store<f32>(dr + <usize>b * 4, db);
      const out = qr + <usize>b * 32;
      if (db == 0) {
        v128.store(out, zero);
        v128.store(out, zero, 16);
      } else {
        const dv = f32x4.splat(db);
        v128.store(out, codes16(x0, x1, x2, x3, dv));
        v128.store(out, codes16(x4, x5, x6, x7, dv), 16);
      }
    }
    for (let b = blocks; b < stored; b++) {
      store<f32>(dr + <usize>b * 4, 0);
      v128.store(qr + <usize>b * 32, zero);
      v128.store(qr + <usize>b * 32, zero, 16);
    }
  }
}

/** Σ q_w·q_x of the 32-element blocks at p and x, as four i32 lanes (exact: |lane| < 2^18). */
@inline function blockDot(p: usize, x: usize): v128 {
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p), v128.load8x8_s(x)), i32x4.dot_i16x8_s(v128.load8x8_s(p, 8), v128.load8x8_s(x, 8))),
    i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(p, 16), v128.load8x8_s(x, 16)), i32x4.dot_i16x8_s(v128.load8x8_s(p, 24), v128.load8x8_s(x, 24))),
  );
}

/** [a0+a1, a2+a3, b0+b1, b2+b3]. */
@inline function pairSums(a: v128, b: v128): v128 {
  return i32x4.add(v128.shuffle<i32>(a, b, 0, 2, 4, 6), v128.shuffle<i32>(a, b, 1, 3, 5, 7));
}

/** The exact isums of the four blocks at p (against x), in block order. */
@inline function groupSums(p: usize, x: usize): v128 {
  return pairSums(pairSums(blockDot(p, x), blockDot(p + 32, x + 32)), pairSums(blockDot(p + 64, x + 64), blockDot(p + 96, x + 96)));
}

/** (l0+l2)+(l1+l3). */
@inline function reduce(a: v128): f32 {
  const c = f32x4.add(a, v128.shuffle<f32>(a, a, 2, 3, 0, 1));
  return f32x4.extract_lane(c, 0) + f32x4.extract_lane(c, 1);
}

/** Lane update for four blocks: a + f32(f32(d_w · d_x) · isum), the isums exact in f32 (< 2^24). */
@inline function accumulate(a: v128, dw: usize, dx: v128, isums: v128): v128 {
  return f32x4.add(a, f32x4.mul(f32x4.mul(v128.load(dw), dx), f32x4.convert_i32x4_s(isums)));
}

/**
 * out[v] for v in [r0, r1): int8 rows (q, d from int8Rows) against one int8 activation row
 * (xq, xd, also from int8Rows). Four rows per pass from the quarters of the range (rows.ts); lane j
 * of a row's f32 accumulator takes blocks 4g + j. Each row re-reads the activation's codes (from
 * L1): measured as fast as holding them in registers across the four rows.
 */
export function lmHeadInt8(q: usize, d: usize, cols: i32, xq: usize, xd: usize, out: usize, r0: i32, r1: i32): void {
  const stored = storedBlocks(cols);
  const qb = <usize>stored * 32, db = <usize>stored * 4;
  const last = r1 - 1;
  const qr = quarter(r0, r1);
  for (let v = r0; v < r0 + qr; v++) {
    const v1 = min(v + qr, last), v2 = min(v + 2 * qr, last), v3 = min(v + 3 * qr, last);
    const p0 = q + <usize>v * qb, p1 = q + <usize>v1 * qb, p2 = q + <usize>v2 * qb, p3 = q + <usize>v3 * qb;
    const d0 = d + <usize>v * db, d1 = d + <usize>v1 * db, d2 = d + <usize>v2 * db, d3 = d + <usize>v3 * db;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let g = 0; g < stored; g += 4) {
      const o = <usize>g * 32;
      const x = xq + o;
      const s0 = groupSums(p0 + o, x), s1 = groupSums(p1 + o, x), s2 = groupSums(p2 + o, x), s3 = groupSums(p3 + o, x);
      const dx = v128.load(xd + <usize>g * 4), ds = <usize>g * 4;
      a0 = accumulate(a0, d0 + ds, dx, s0); a1 = accumulate(a1, d1 + ds, dx, s1);
      a2 = accumulate(a2, d2 + ds, dx, s2); a3 = accumulate(a3, d3 + ds, dx, s3);
    }
    storeQuarters(out, v, qr, r1, reduce(a0), reduce(a1), reduce(a2), reduce(a3));
  }
}
