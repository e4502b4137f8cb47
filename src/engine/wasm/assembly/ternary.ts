// Ternary x int8 GEMV (decode) and GEMM (prefill) over the compute layout (layout.ts):
// y[n] = f32(f32(f32(dot - qsum) / s) * wscale) with dot = Σ code·q, code = w + 1 in {0, 1, 2},
// which is bitLinear of src/engine/math.ts because Σ w·q = dot - qsum (all integers exact).

import { BLOCK_BYTES, BLOCK_ELEMS, paddedCols } from './layout';
import { row } from './rows';

/** Activation bytes a GEMM tile keeps in cache while each weight row is reused across its tokens. */
const TILE_BYTES: i32 = 256 * 1024;

// Byte j of a block holds 4 codes at bits 1:0, 3:2, 5:4, 7:6 (for activations j, 16+j, 32+j,
// 48+j). A 16-bit lane shift may pull bits in from the neighbouring byte, but only above bit 1
// for shifts up to 6, and the mask with 3 drops them.
@inline function code(c: v128, shift: i32): v128 {
  return v128.and(shift == 0 ? c : i16x8.shr_u(c, shift), i8x16.splat(3));
}

// SIMD128 multiplies in i16: codes zero-extended, activations sign-extended (lo, hi halves),
// i32x4.dot_i16x8_s sums pairs into i32 lanes. Relaxed SIMD multiplies the bytes directly.
@inline function lo(x: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? x : i16x8.extend_low_i8x16_s(x);
}
@inline function hi(x: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? x : i16x8.extend_high_i8x16_s(x);
}

/**
 * acc + Σ code·q over one group of 16 (x: the int8 activations; xl, xh: lo(x), hi(x)). Exact:
 * a row's |Σ| <= 2·128·cols stays inside i32 (the host caps cols).
 */
@inline function madd(acc: v128, k: v128, x: v128, xl: v128, xh: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    // Fully defined because the i7 operand, the code, is 0..2; pairs sum to at most 2·2·128, so
    // x86's saturating 16-bit step (pmaddubsw) never clips.
    return i32x4.relaxed_dot_i8x16_i7x16_add_s(x, k, acc);
  }
  const p = i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(k), xl), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(k), xh));
  return i32x4.add(acc, p);
}

/** madd with the 16 activations at p. */
@inline function maddAt(acc: v128, k: v128, p: usize): v128 {
  const x = v128.load(p);
  return madd(acc, k, x, lo(x), hi(x));
}

/** Lane i of the result = Σ of the lanes of vi: four horizontal sums at once. */
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const s01 = i32x4.add(i32x4.shuffle(v0, v1, 0, 1, 4, 5), i32x4.shuffle(v0, v1, 2, 3, 6, 7));
  const s23 = i32x4.add(i32x4.shuffle(v2, v3, 0, 1, 4, 5), i32x4.shuffle(v2, v3, 2, 3, 6, 7));
  return i32x4.add(i32x4.shuffle(s01, s23, 0, 2, 4, 6), i32x4.shuffle(s01, s23, 1, 3, 5, 7));
}

/** Σ code·q of four weight rows against one activation row (shared activation loads). */
function dot4Rows(w0: usize, w1: usize, w2: usize, w3: usize, a: usize, nb: i32): v128 {
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
  for (let b = 0; b < nb; b++) {
    const o = <usize>b * BLOCK_BYTES;
    const c0 = v128.load(w0 + o), c1 = v128.load(w1 + o), c2 = v128.load(w2 + o), c3 = v128.load(w3 + o);
    const p = a + <usize>b * BLOCK_ELEMS;
    // The four 16-code groups, unrolled by hand: the shifts must be constants.
    let x = v128.load(p), xl = lo(x), xh = hi(x);
    s0 = madd(s0, code(c0, 0), x, xl, xh); s1 = madd(s1, code(c1, 0), x, xl, xh);
    s2 = madd(s2, code(c2, 0), x, xl, xh); s3 = madd(s3, code(c3, 0), x, xl, xh);
    x = v128.load(p, 16); xl = lo(x); xh = hi(x);
    s0 = madd(s0, code(c0, 2), x, xl, xh); s1 = madd(s1, code(c1, 2), x, xl, xh);
    s2 = madd(s2, code(c2, 2), x, xl, xh); s3 = madd(s3, code(c3, 2), x, xl, xh);
    x = v128.load(p, 32); xl = lo(x); xh = hi(x);
    s0 = madd(s0, code(c0, 4), x, xl, xh); s1 = madd(s1, code(c1, 4), x, xl, xh);
    s2 = madd(s2, code(c2, 4), x, xl, xh); s3 = madd(s3, code(c3, 4), x, xl, xh);
    x = v128.load(p, 48); xl = lo(x); xh = hi(x);
    s0 = madd(s0, code(c0, 6), x, xl, xh); s1 = madd(s1, code(c1, 6), x, xl, xh);
    s2 = madd(s2, code(c2, 6), x, xl, xh); s3 = madd(s3, code(c3, 6), x, xl, xh);
  }
  return hsum4(s0, s1, s2, s3);
}

/** Σ code·q of one weight row against four activation rows (each block decoded once). */
function dot4Tokens(w: usize, a0: usize, a1: usize, a2: usize, a3: usize, nb: i32): v128 {
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
  for (let b = 0; b < nb; b++) {
    const c = v128.load(w + <usize>b * BLOCK_BYTES);
    const o = <usize>b * BLOCK_ELEMS;
    let k = code(c, 0);
    s0 = maddAt(s0, k, a0 + o); s1 = maddAt(s1, k, a1 + o); s2 = maddAt(s2, k, a2 + o); s3 = maddAt(s3, k, a3 + o);
    k = code(c, 2);
    s0 = maddAt(s0, k, a0 + o + 16); s1 = maddAt(s1, k, a1 + o + 16); s2 = maddAt(s2, k, a2 + o + 16); s3 = maddAt(s3, k, a3 + o + 16);
    k = code(c, 4);
    s0 = maddAt(s0, k, a0 + o + 32); s1 = maddAt(s1, k, a1 + o + 32); s2 = maddAt(s2, k, a2 + o + 32); s3 = maddAt(s3, k, a3 + o + 32);
    k = code(c, 6);
    s0 = maddAt(s0, k, a0 + o + 48); s1 = maddAt(s1, k, a1 + o + 48); s2 = maddAt(s2, k, a2 + o + 48); s3 = maddAt(s3, k, a3 + o + 48);
  }
  return hsum4(s0, s1, s2, s3);
}

@inline function output(dot: i32, sum: i32, s: f32, wscale: f32): f32 {
  return <f32>(<f32>(<f32>(dot - sum) / s) * wscale);
}

/**
 * Decode: y[n] for n in [r0, r1) from one token's q (paddedCols(cols) bytes), whose scale and Σq
 * are at sp and qsp. Rows go four at a time; past r1 the last row is repeated and not stored.
 */
export function gemv(w: usize, cols: i32, wscale: f32, q: usize, sp: usize, qsp: usize, y: usize, r0: i32, r1: i32): void {
  const nb = paddedCols(cols) / BLOCK_ELEMS;
  const rb = <usize>nb * BLOCK_BYTES;
  const s = load<f32>(sp), sum = load<i32>(qsp);
  const last = r1 - 1;
  for (let n = r0; n < r1; n += 4) {
    const d = dot4Rows(row(w, n, last, rb), row(w, n + 1, last, rb), row(w, n + 2, last, rb), row(w, n + 3, last, rb), q, nb);
    const yn = y + <usize>n * 4;
    store<f32>(yn, output(i32x4.extract_lane(d, 0), sum, s, wscale));
    if (n + 1 < r1) store<f32>(yn, output(i32x4.extract_lane(d, 1), sum, s, wscale), 4);
    if (n + 2 < r1) store<f32>(yn, output(i32x4.extract_lane(d, 2), sum, s, wscale), 8);
    if (n + 3 < r1) store<f32>(yn, output(i32x4.extract_lane(d, 3), sum, s, wscale), 12);
  }
}

/**
 * Prefill: y[t * ystride + n] for tokens t < T and rows n in [r0, r1). Token t's q is at
 * q + t * paddedCols(cols), its scale and Σq at scales[t] and sums[t]. Tokens go in tiles that
 * stay in cache while each weight row, read once per tile, is decoded once per 4 tokens; past the
 * tile's end the last token is repeated and not stored.
 */
export function gemm(w: usize, cols: i32, wscale: f32, q: usize, scales: usize, sums: usize, T: i32, y: usize, ystride: i32, r0: i32, r1: i32): void {
  const kp = paddedCols(cols);
  const nb = kp / BLOCK_ELEMS;
  const rb = <usize>nb * BLOCK_BYTES;
  const tile = max(4, (TILE_BYTES / kp) & ~3);
  const ks = <usize>kp;
  for (let t0 = 0; t0 < T; t0 += tile) {
    const t1 = min(T, t0 + tile);
    const last = t1 - 1;
    for (let n = r0; n < r1; n++) {
      for (let t = t0; t < t1; t += 4) {
        const d = dot4Tokens(w + <usize>n * rb, row(q, t, last, ks), row(q, t + 1, last, ks), row(q, t + 2, last, ks), row(q, t + 3, last, ks), nb);
        storeOut(y, ystride, n, t, i32x4.extract_lane(d, 0), scales, sums, wscale);
        if (t + 1 < t1) storeOut(y, ystride, n, t + 1, i32x4.extract_lane(d, 1), scales, sums, wscale);
        if (t + 2 < t1) storeOut(y, ystride, n, t + 2, i32x4.extract_lane(d, 2), scales, sums, wscale);
        if (t + 3 < t1) storeOut(y, ystride, n, t + 3, i32x4.extract_lane(d, 3), scales, sums, wscale);
      }
    }
  }
}

@inline function storeOut(y: usize, ystride: i32, n: i32, t: i32, dot: i32, scales: usize, sums: usize, wscale: f32): void {
  const v = output(dot, load<i32>(sums + <usize>t * 4), load<f32>(scales + <usize>t * 4), wscale);
  store<f32>(y + (<usize>t * <usize>ystride + <usize>n) * 4, v);
}
