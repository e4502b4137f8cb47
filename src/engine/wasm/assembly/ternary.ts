// Ternary x int8 GEMV (decode) and GEMM (prefill) over the compute layout (layout.ts):
// y[n] = f32(f32(f32(dot - qsum) / s) * wscale) with dot = Σ code·q, code = w + 1 in {0, 1, 2},
// which is bitLinear of src/engine/math.ts because Σ w·q = dot - qsum (all integers exact).

import { BLOCK_BYTES, BLOCK_ELEMS, paddedCols } from './layout';
import { quarter, row, storeQuarters } from './rows';

/** Weight bytes a GEMM pass keeps in cache while it runs every group of tokens over them. */
const GEMM_ROW_BYTES: i32 = 256 * 1024;

// Byte j of a block holds 4 codes at bits 1:0, 3:2, 5:4, 7:6 (for activations j, 16+j, 32+j,
// 48+j). A 16-bit lane shift may pull bits in from the neighbouring byte, but only above bit 1
// for shifts up to 6, and the mask with 3 drops them.
@inline function code(c: v128, shift: i32): v128 {
  return v128.and(shift == 0 ? c : i16x8.shr_u(c, shift), i8x16.splat(3));
}

// Accumulators. Relaxed SIMD multiplies the bytes directly (x86 pmaddubsw) into i16 pair sums,
// each in [-512, 508] because the i7 operand, the code, is 0..2 (so the product is fully defined
// and never saturates); an i16 lane takes SPAN blocks of 4 such sums (64 · 512 = 32768) before
// it is widened into i32. SIMD128 widens codes to i16 and multiplies into i32 pairs (dot_i16x8_s)
// straight away. Either way every sum is exact: a row's |Σ| <= 2·128·cols stays inside i32
// (the host caps cols).
const SPAN: i32 = ASC_FEATURE_RELAXED_SIMD ? 16 : 1 << 30;

/** acc + Σ code·q over one group of 16: k the codes, x the int8 activations. */
@inline function madd(acc: v128, k: v128, x: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.add(acc, i16x8.relaxed_dot_i8x16_i7x16_s(x, k));
  const p = i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(k), i16x8.extend_low_i8x16_s(x)), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(k), i16x8.extend_high_i8x16_s(x)));
  return i32x4.add(acc, p);
}

/** An accumulator of madd as i32 lanes (whose sum is the accumulated dot). */
@inline function widen(acc: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? i32x4.extadd_pairwise_i16x8_s(acc) : acc;
}

/** Lane i of the result = Σ of the lanes of vi: four horizontal sums at once. */
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const s01 = i32x4.add(i32x4.shuffle(v0, v1, 0, 1, 4, 5), i32x4.shuffle(v0, v1, 2, 3, 6, 7));
  const s23 = i32x4.add(i32x4.shuffle(v2, v3, 0, 1, 4, 5), i32x4.shuffle(v2, v3, 2, 3, 6, 7));
  return i32x4.add(i32x4.shuffle(s01, s23, 0, 2, 4, 6), i32x4.shuffle(s01, s23, 1, 3, 5, 7));
}

/** Σ code·q of four weight rows against one activation row (each activation load shared). */
function dot4Rows(w0: usize, w1: usize, w2: usize, w3: usize, a: usize, nb: i32): v128 {
  let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (let b0 = 0; b0 < nb; b0 += SPAN) {
    const b1 = min(nb, b0 + SPAN);
    let t0 = i32x4.splat(0), t1 = t0, t2 = t0, t3 = t0;
    for (let b = b0; b < b1; b++) {
      const o = <usize>b * BLOCK_BYTES;
      const c0 = v128.load(w0 + o), c1 = v128.load(w1 + o), c2 = v128.load(w2 + o), c3 = v128.load(w3 + o);
      const p = a + <usize>b * BLOCK_ELEMS;
      // The four 16-code groups, unrolled by hand: the shifts must be constants.
      let x = v128.load(p);
      t0 = madd(t0, code(c0, 0), x); t1 = madd(t1, code(c1, 0), x); t2 = madd(t2, code(c2, 0), x); t3 = madd(t3, code(c3, 0), x);
      x = v128.load(p, 16);
      t0 = madd(t0, code(c0, 2), x); t1 = madd(t1, code(c1, 2), x); t2 = madd(t2, code(c2, 2), x); t3 = madd(t3, code(c3, 2), x);
      x = v128.load(p, 32);
      t0 = madd(t0, code(c0, 4), x); t1 = madd(t1, code(c1, 4), x); t2 = madd(t2, code(c2, 4), x); t3 = madd(t3, code(c3, 4), x);
      x = v128.load(p, 48);
      t0 = madd(t0, code(c0, 6), x); t1 = madd(t1, code(c1, 6), x); t2 = madd(t2, code(c2, 6), x); t3 = madd(t3, code(c3, 6), x);
    }
    s0 = i32x4.add(s0, widen(t0)); s1 = i32x4.add(s1, widen(t1)); s2 = i32x4.add(s2, widen(t2)); s3 = i32x4.add(s3, widen(t3));
  }
  return hsum4(s0, s1, s2, s3);
}

@inline function output(dot: i32, sum: i32, s: f32, wscale: f32): f32 {
  return <f32>(<f32>(<f32>(dot - sum) / s) * wscale);
}

/**
 * Decode: y[n] for n in [r0, r1) from one token's q (paddedCols(cols) bytes), whose scale and Σq
 * are at sp and qsp. A pass takes one row from each quarter of the range (rows.ts); past r1 the
 * last row is repeated and not stored.
 */
export function gemv(w: usize, cols: i32, wscale: f32, q: usize, sp: usize, qsp: usize, y: usize, r0: i32, r1: i32): void {
  const nb = paddedCols(cols) / BLOCK_ELEMS;
  const rb = <usize>nb * BLOCK_BYTES;
  const s = load<f32>(sp), sum = load<i32>(qsp);
  const last = r1 - 1;
  const qr = quarter(r0, r1);
  for (let n = r0; n < r0 + qr; n++) {
    const d = dot4Rows(w + <usize>n * rb, row(w, n + qr, last, rb), row(w, n + 2 * qr, last, rb), row(w, n + 3 * qr, last, rb), q, nb);
    storeQuarters(y, n, qr, r1,
      output(i32x4.extract_lane(d, 0), sum, s, wscale), output(i32x4.extract_lane(d, 1), sum, s, wscale),
      output(i32x4.extract_lane(d, 2), sum, s, wscale), output(i32x4.extract_lane(d, 3), sum, s, wscale));
  }
}

/**
 * Prefill: y[t * ystride + n] for tokens t < T and rows n in [r0, r1). Token t's q is at
 * q + t * paddedCols(cols), its scale and Σq at scales[t] and sums[t]. Rows go in blocks of about
 * GEMM_ROW_BYTES that stay in cache while every group of 8 tokens runs over them: each weight row
 * is read from memory once, and each of its blocks decoded once per 8 tokens. Past T the last
 * token is repeated and not stored.
 */
export function gemm(w: usize, cols: i32, wscale: f32, q: usize, scales: usize, sums: usize, T: i32, y: usize, ystride: i32, r0: i32, r1: i32): void {
  const kp = paddedCols(cols);
  const nb = kp / BLOCK_ELEMS;
  const rb = <usize>nb * BLOCK_BYTES;
  const rows = max(1, GEMM_ROW_BYTES / <i32>rb);
  for (let n0 = r0; n0 < r1; n0 += rows) {
    const n1 = min(r1, n0 + rows);
    for (let t = 0; t < T; t += 8) {
      for (let n = n0; n < n1; n++) row8Tokens(w + <usize>n * rb, nb, q, <usize>kp, t, T, scales, sums, wscale, y + <usize>n * 4, <usize>ystride * 4);
    }
  }
}

/**
 * One weight row w (nb blocks) against tokens t..t+7 (clamped to T - 1): the 8 outputs, stored at
 * yn + token * ys for the tokens below T.
 */
function row8Tokens(w: usize, nb: i32, q: usize, ks: usize, t: i32, T: i32, scales: usize, sums: usize, wscale: f32, yn: usize, ys: usize): void {
  const last = T - 1;
  const a0 = row(q, t, last, ks), a1 = row(q, t + 1, last, ks), a2 = row(q, t + 2, last, ks), a3 = row(q, t + 3, last, ks);
  const a4 = row(q, t + 4, last, ks), a5 = row(q, t + 5, last, ks), a6 = row(q, t + 6, last, ks), a7 = row(q, t + 7, last, ks);
  let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  for (let b0 = 0; b0 < nb; b0 += SPAN) {
    const b1 = min(nb, b0 + SPAN);
    let u0 = i32x4.splat(0), u1 = u0, u2 = u0, u3 = u0, u4 = u0, u5 = u0, u6 = u0, u7 = u0;
    for (let b = b0; b < b1; b++) {
      const c = v128.load(w + <usize>b * BLOCK_BYTES);
      const o = <usize>b * BLOCK_ELEMS;
      let k = code(c, 0);
      u0 = madd(u0, k, v128.load(a0 + o)); u1 = madd(u1, k, v128.load(a1 + o)); u2 = madd(u2, k, v128.load(a2 + o)); u3 = madd(u3, k, v128.load(a3 + o));
      u4 = madd(u4, k, v128.load(a4 + o)); u5 = madd(u5, k, v128.load(a5 + o)); u6 = madd(u6, k, v128.load(a6 + o)); u7 = madd(u7, k, v128.load(a7 + o));
      k = code(c, 2);
      u0 = madd(u0, k, v128.load(a0 + o, 16)); u1 = madd(u1, k, v128.load(a1 + o, 16)); u2 = madd(u2, k, v128.load(a2 + o, 16)); u3 = madd(u3, k, v128.load(a3 + o, 16));
      u4 = madd(u4, k, v128.load(a4 + o, 16)); u5 = madd(u5, k, v128.load(a5 + o, 16)); u6 = madd(u6, k, v128.load(a6 + o, 16)); u7 = madd(u7, k, v128.load(a7 + o, 16));
      k = code(c, 4);
      u0 = madd(u0, k, v128.load(a0 + o, 32)); u1 = madd(u1, k, v128.load(a1 + o, 32)); u2 = madd(u2, k, v128.load(a2 + o, 32)); u3 = madd(u3, k, v128.load(a3 + o, 32));
      u4 = madd(u4, k, v128.load(a4 + o, 32)); u5 = madd(u5, k, v128.load(a5 + o, 32)); u6 = madd(u6, k, v128.load(a6 + o, 32)); u7 = madd(u7, k, v128.load(a7 + o, 32));
      k = code(c, 6);
      u0 = madd(u0, k, v128.load(a0 + o, 48)); u1 = madd(u1, k, v128.load(a1 + o, 48)); u2 = madd(u2, k, v128.load(a2 + o, 48)); u3 = madd(u3, k, v128.load(a3 + o, 48));
      u4 = madd(u4, k, v128.load(a4 + o, 48)); u5 = madd(u5, k, v128.load(a5 + o, 48)); u6 = madd(u6, k, v128.load(a6 + o, 48)); u7 = madd(u7, k, v128.load(a7 + o, 48));
    }
    s0 = i32x4.add(s0, widen(u0)); s1 = i32x4.add(s1, widen(u1)); s2 = i32x4.add(s2, widen(u2)); s3 = i32x4.add(s3, widen(u3));
    s4 = i32x4.add(s4, widen(u4)); s5 = i32x4.add(s5, widen(u5)); s6 = i32x4.add(s6, widen(u6)); s7 = i32x4.add(s7, widen(u7));
  }
  const lo = hsum4(s0, s1, s2, s3), hi = hsum4(s4, s5, s6, s7);
  storeOut(yn, ys, t, T, i32x4.extract_lane(lo, 0), scales, sums, wscale);
  storeOut(yn, ys, t + 1, T, i32x4.extract_lane(lo, 1), scales, sums, wscale);
  storeOut(yn, ys, t + 2, T, i32x4.extract_lane(lo, 2), scales, sums, wscale);
  storeOut(yn, ys, t + 3, T, i32x4.extract_lane(lo, 3), scales, sums, wscale);
  storeOut(yn, ys, t + 4, T, i32x4.extract_lane(hi, 0), scales, sums, wscale);
  storeOut(yn, ys, t + 5, T, i32x4.extract_lane(hi, 1), scales, sums, wscale);
  storeOut(yn, ys, t + 6, T, i32x4.extract_lane(hi, 2), scales, sums, wscale);
  storeOut(yn, ys, t + 7, T, i32x4.extract_lane(hi, 3), scales, sums, wscale);
}

@inline function storeOut(yn: usize, ys: usize, t: i32, T: i32, dot: i32, scales: usize, sums: usize, wscale: f32): void {
  if (t < T) store<f32>(yn + <usize>t * ys, output(dot, load<i32>(sums + <usize>t * 4), load<f32>(scales + <usize>t * 4), wscale));
}
