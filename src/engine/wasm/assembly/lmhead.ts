// LM-head GEMV: out[v] = dotLanes8(dequantRow(E, v), h) for v in [r0, r1), bit-identical to
// src/engine/math.ts and src/model/float-codecs.ts. Lanes 0-3 and 4-7 of each 8-element group
// are two f32x4 accumulators, updated with a separate mul and add (no FMA), in index order.
// Kernels that take four rows per pass take them from the quarters of the range (rows.ts).

import { edgeKey, f16Scalar, f16x4, f16x4Normal, f16x4Scaled, hasEdge } from './f16';
import { quarter, row, storeQuarters } from './rows';

@inline function acc(a: v128, e: v128, h: v128): v128 {
  return f32x4.add(a, f32x4.mul(e, h));
}

/** ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), the reduction of dotLanes8. */
@inline function reduce(a0: v128, a1: v128): f32 {
  const c = f32x4.add(a0, a1);
  const d = f32x4.add(c, v128.shuffle<f32>(c, c, 2, 3, 0, 1));
  return f32x4.extract_lane(d, 0) + f32x4.extract_lane(d, 1);
}

/** Elements i..i+3 of an F32 (bf16: false) or BF16 row at p, as f32 (exact). */
@inline function load4(bf16: bool, p: usize, i: i32): v128 {
  if (!bf16) return v128.load(p + <usize>i * 4);
  return i32x4.shl(v128.load16x4_u(p + <usize>i * 2), 16); // bf16 is the top half of an f32
}

/** F32 or BF16 rows, four per pass sharing each load of h; cols % 8 == 0. */
@inline function lmPlain(bf16: bool, e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32): void {
  const rb = <usize>cols * (bf16 ? 2 : 4);
  const last = r1 - 1;
  const qr = quarter(r0, r1);
  for (let v = r0; v < r0 + qr; v++) {
    const p0 = e + <usize>v * rb, p1 = row(e, v + qr, last, rb), p2 = row(e, v + 2 * qr, last, rb), p3 = row(e, v + 3 * qr, last, rb);
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    for (let i = 0; i < cols; i += 8) {
      const h0 = v128.load(h + <usize>i * 4), h1 = v128.load(h + <usize>i * 4, 16);
      a0 = acc(a0, load4(bf16, p0, i), h0); b0 = acc(b0, load4(bf16, p0, i + 4), h1);
      a1 = acc(a1, load4(bf16, p1, i), h0); b1 = acc(b1, load4(bf16, p1, i + 4), h1);
      a2 = acc(a2, load4(bf16, p2, i), h0); b2 = acc(b2, load4(bf16, p2, i + 4), h1);
      a3 = acc(a3, load4(bf16, p3, i), h0); b3 = acc(b3, load4(bf16, p3, i + 4), h1);
    }
    storeQuarters(out, v, qr, r1, reduce(a0, b0), reduce(a1, b1), reduce(a2, b2), reduce(a3, b3));
  }
}

export function lmHeadF32(e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32): void {
  lmPlain(false, e, cols, h, out, r0, r1);
}

export function lmHeadBF16(e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32): void {
  lmPlain(true, e, cols, h, out, r0, r1);
}

/** Elements i..i+3 (hi: i+4..i+7) of an F16 row at p, exact (f16x4). */
@inline function f16Lo(p: usize, i: i32): v128 {
  return f16x4(v128.load16x4_s(p + <usize>i * 2));
}
@inline function f16Hi(p: usize, i: i32): v128 {
  return f16x4(v128.load16x4_s(p + <usize>i * 2, 8));
}

@inline function lo(x: v128): v128 {
  return i32x4.extend_low_i16x8_s(x);
}
@inline function hi(x: v128): v128 {
  return i32x4.extend_high_i16x8_s(x);
}

/**
 * Any F16 rows, four per pass. A group of 8 columns where no row has exponent 0 or 31 (nearly all
 * of them) converts with the integer rebias f16x4Normal; other groups take the general f16x4.
 */
export function lmHeadF16(e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32): void {
  const rb = <usize>cols * 2;
  const last = r1 - 1;
  const qr = quarter(r0, r1);
  for (let v = r0; v < r0 + qr; v++) {
    const p0 = e + <usize>v * rb, p1 = row(e, v + qr, last, rb), p2 = row(e, v + 2 * qr, last, rb), p3 = row(e, v + 3 * qr, last, rb);
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    for (let i = 0; i < cols; i += 8) {
      const o = <usize>i * 2;
      const x0 = v128.load(p0 + o), x1 = v128.load(p1 + o), x2 = v128.load(p2 + o), x3 = v128.load(p3 + o);
      const h0 = v128.load(h + <usize>i * 4), h1 = v128.load(h + <usize>i * 4, 16);
      if (hasEdge(i16x8.min_u(i16x8.min_u(edgeKey(x0), edgeKey(x1)), i16x8.min_u(edgeKey(x2), edgeKey(x3))))) {
        a0 = acc(a0, f16x4(lo(x0)), h0); b0 = acc(b0, f16x4(hi(x0)), h1);
        a1 = acc(a1, f16x4(lo(x1)), h0); b1 = acc(b1, f16x4(hi(x1)), h1);
        a2 = acc(a2, f16x4(lo(x2)), h0); b2 = acc(b2, f16x4(hi(x2)), h1);
        a3 = acc(a3, f16x4(lo(x3)), h0); b3 = acc(b3, f16x4(hi(x3)), h1);
      } else {
        a0 = acc(a0, f16x4Normal(lo(x0)), h0); b0 = acc(b0, f16x4Normal(hi(x0)), h1);
        a1 = acc(a1, f16x4Normal(lo(x1)), h0); b1 = acc(b1, f16x4Normal(hi(x1)), h1);
        a2 = acc(a2, f16x4Normal(lo(x2)), h0); b2 = acc(b2, f16x4Normal(hi(x2)), h1);
        a3 = acc(a3, f16x4Normal(lo(x3)), h0); b3 = acc(b3, f16x4Normal(hi(x3)), h1);
      }
    }
    storeQuarters(out, v, qr, r1, reduce(a0, b0), reduce(a1, b1), reduce(a2, b2), reduce(a3, b3));
  }
}

/** 2^112: f16x4Scaled gives an f16 times 2^-112, so the h it meets is scaled by this. */
const H_SCALE: f32 = 5.192296858534828e33;

/**
 * F16 rows with an edge map (f16Edges): lmHeadF16's results at about half its work. An 8-column
 * group that the map marks clean in all four rows of the pass converts with f16x4Scaled (w·2^-112,
 * two integer ops per 4 elements) and meets h·2^112: both scalings are exact (no f16 normal goes
 * below f32 normals, and the host calls this only when every |h| < 2^16), so each product
 * f32(w·2^-112 · h·2^112) is the same real number as w·h and rounds to the same f32. Marked
 * groups (subnormal f16s, which would be slow f32 subnormals here, and inf/NaN) take f16x4 with
 * h as is. The map is read one 32-bit word per row per 256 columns.
 */
export function lmHeadF16Mapped(e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32, map: usize): void {
  const rb = <usize>cols * 2;
  const mb = <usize>edgeWords(cols) * 4;
  const last = r1 - 1;
  const qr = quarter(r0, r1);
  const scale = f32x4.splat(H_SCALE);
  for (let v = r0; v < r0 + qr; v++) {
    const v1 = min(v + qr, last), v2 = min(v + 2 * qr, last), v3 = min(v + 3 * qr, last);
    const p0 = e + <usize>v * rb, p1 = e + <usize>v1 * rb, p2 = e + <usize>v2 * rb, p3 = e + <usize>v3 * rb;
    const m0 = map + <usize>v * mb, m1 = map + <usize>v1 * mb, m2 = map + <usize>v2 * mb, m3 = map + <usize>v3 * mb;
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    for (let i0 = 0; i0 < cols; i0 += 256) {
      const w = <usize>(i0 >> 8) * 4;
      const marks = load<u32>(m0 + w) | load<u32>(m1 + w) | load<u32>(m2 + w) | load<u32>(m3 + w);
      const i1 = min(cols, i0 + 256);
      for (let i = i0; i < i1; i += 8) {
        const hp = h + <usize>i * 4;
        if ((marks >> <u32>((i - i0) >> 3)) & 1) {
          const h0 = v128.load(hp), h1 = v128.load(hp, 16);
          a0 = acc(a0, f16Lo(p0, i), h0); b0 = acc(b0, f16Hi(p0, i), h1);
          a1 = acc(a1, f16Lo(p1, i), h0); b1 = acc(b1, f16Hi(p1, i), h1);
          a2 = acc(a2, f16Lo(p2, i), h0); b2 = acc(b2, f16Hi(p2, i), h1);
          a3 = acc(a3, f16Lo(p3, i), h0); b3 = acc(b3, f16Hi(p3, i), h1);
        } else {
          const h0 = f32x4.mul(v128.load(hp), scale), h1 = f32x4.mul(v128.load(hp, 16), scale);
          const o = <usize>i * 2;
          a0 = acc(a0, f16x4Scaled(v128.load16x4_s(p0 + o)), h0); b0 = acc(b0, f16x4Scaled(v128.load16x4_s(p0 + o, 8)), h1);
          a1 = acc(a1, f16x4Scaled(v128.load16x4_s(p1 + o)), h0); b1 = acc(b1, f16x4Scaled(v128.load16x4_s(p1 + o, 8)), h1);
          a2 = acc(a2, f16x4Scaled(v128.load16x4_s(p2 + o)), h0); b2 = acc(b2, f16x4Scaled(v128.load16x4_s(p2 + o, 8)), h1);
          a3 = acc(a3, f16x4Scaled(v128.load16x4_s(p3 + o)), h0); b3 = acc(b3, f16x4Scaled(v128.load16x4_s(p3 + o, 8)), h1);
        }
      }
    }
    storeQuarters(out, v, qr, r1, reduce(a0, b0), reduce(a1, b1), reduce(a2, b2), reduce(a3, b3));
  }
}

/** 32-bit words of edge map per row: one bit per 8 columns. */
@inline function edgeWords(cols: i32): i32 {
  return (cols + 255) >> 8;
}

/**
 * The edge map of F16 rows [r0, r1) for lmHeadF16Mapped: per row, edgeWords(cols) u32 words,
 * bit j of word k set when columns 8(32k + j) .. +7 hold an f16 with exponent 0 and a nonzero
 * mantissa (subnormal) or exponent 31 (inf, NaN). ±0 is not marked: scaled, it stays ±0.
 */
export function f16Edges(e: usize, cols: i32, map: usize, r0: i32, r1: i32): void {
  const words = edgeWords(cols);
  for (let v = r0; v < r1; v++) {
    const p = e + <usize>v * <usize>cols * 2;
    const m = map + <usize>v * <usize>words * 4;
    for (let k = 0; k < words; k++) store<u32>(m + <usize>k * 4, 0);
    for (let i = 0; i < cols; i += 8) {
      const x = v128.load(p + <usize>i * 2);
      const exp = v128.and(x, i16x8.splat(0x7c00));
      const sub = v128.andnot(i16x8.eq(exp, i16x8.splat(0)), i16x8.eq(v128.and(x, i16x8.splat(0x03ff)), i16x8.splat(0)));
      if (v128.any_true(v128.or(sub, i16x8.eq(exp, i16x8.splat(0x7c00))))) {
        const at = m + <usize>(i >> 8) * 4;
        store<u32>(at, load<u32>(at) | (1 << <u32>((i & 255) >> 3)));
      }
    }
  }
}

/** Elements 8j..8j+7 of a Q8_0 block at p with scale d: fround(d · q) (f32 mul of exact operands). */
@inline function q8Lo(p: usize, j: i32, d: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v128.load8x8_s(p + 2 + <usize>j * 8))), d);
}
@inline function q8Hi(p: usize, j: i32, d: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(v128.load8x8_s(p + 2 + <usize>j * 8))), d);
}

/** Q8_0 rows: blocks of 32 elements in 34 bytes (f16 d, 32 × i8); four rows per pass. */
export function lmHeadQ8_0(e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32): void {
  const rb = <usize>(cols >> 5) * 34;
  const last = r1 - 1;
  const qr = quarter(r0, r1);
  for (let v = r0; v < r0 + qr; v++) {
    let p0 = e + <usize>v * rb, p1 = row(e, v + qr, last, rb), p2 = row(e, v + 2 * qr, last, rb), p3 = row(e, v + 3 * qr, last, rb);
    let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    for (let i = 0; i < cols; i += 32) {
      const d0 = f32x4.splat(f16Scalar(p0)), d1 = f32x4.splat(f16Scalar(p1)), d2 = f32x4.splat(f16Scalar(p2)), d3 = f32x4.splat(f16Scalar(p3));
      for (let j = 0; j < 4; j++) {
        const hp = h + <usize>(i + j * 8) * 4;
        const h0 = v128.load(hp), h1 = v128.load(hp, 16);
        a0 = acc(a0, q8Lo(p0, j, d0), h0); b0 = acc(b0, q8Hi(p0, j, d0), h1);
        a1 = acc(a1, q8Lo(p1, j, d1), h0); b1 = acc(b1, q8Hi(p1, j, d1), h1);
        a2 = acc(a2, q8Lo(p2, j, d2), h0); b2 = acc(b2, q8Hi(p2, j, d2), h1);
        a3 = acc(a3, q8Lo(p3, j, d3), h0); b3 = acc(b3, q8Hi(p3, j, d3), h1);
      }
      p0 += 34; p1 += 34; p2 += 34; p3 += 34;
    }
    storeQuarters(out, v, qr, r1, reduce(a0, b0), reduce(a1, b1), reduce(a2, b2), reduce(a3, b3));
  }
}

/**
 * Q6_K rows: blocks of 256 elements in 210 bytes (ql[128], qh[64], i8 scales[16], f16 d), in
 * ggml's element order (see dequantQ6_K in float-codecs.ts). One row per pass: the 6-bit decode
 * costs far more than the h loads that more rows would share.
 */
export function lmHeadQ6_K(e: usize, cols: i32, h: usize, out: usize, r0: i32, r1: i32): void {
  const rb = <usize>(cols >> 8) * 210;
  for (let v = r0; v < r1; v++) store<f32>(out + <usize>v * 4, q6Row(e + <usize>v * rb, cols, h));
}

function q6Row(p: usize, cols: i32, h: usize): f32 {
  let a = f32x4.splat(0), b = a;
  for (let i = 0; i < cols; i += 256) {
    const d = f16Scalar(p + 208);
    // Element 128·half + 32·k + l (l < 32): low 4 bits from ql[64·half + 32·(k & 1) + l]
    // (nibble k >> 1), bits 5:4 from qh[32·half + l] at shift 2k, scale sc[8·half + 2k + l / 16].
    for (let half = 0; half < 2; half++) {
      for (let k = 0; k < 4; k++) {
        for (let l = 0; l < 32; l += 16) {
          const lo = v128.and(i16x8.shr_u(v128.load(p + <usize>(64 * half + 32 * (k & 1) + l)), 4 * (k >> 1)), i8x16.splat(0x0f));
          // A 16-bit lane shift moves bits across bytes only outside the masked 2 bits.
          const hi = i16x8.shl(v128.and(i16x8.shr_u(v128.load(p + <usize>(128 + 32 * half + l)), 2 * k), i8x16.splat(3)), 4);
          const q = i8x16.sub(v128.or(lo, hi), i8x16.splat(32));
          const s = f32x4.splat(d * <f32>load<i8>(p + <usize>(192 + 8 * half + 2 * k + (l >> 4)))); // exact
          const q0 = i16x8.extend_low_i8x16_s(q), q1 = i16x8.extend_high_i8x16_s(q);
          const hp = h + <usize>(i + 128 * half + 32 * k + l) * 4;
          a = acc(a, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(q0)), s), v128.load(hp));
          b = acc(b, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(q0)), s), v128.load(hp, 16));
          a = acc(a, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(q1)), s), v128.load(hp, 32));
          b = acc(b, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(q1)), s), v128.load(hp, 48));
        }
      }
    }
    p += 210;
  }
  return reduce(a, b);
}
