// Per-token absmax int8 quantization (spec §2.2), bit-identical to quantizeActivations in
// src/engine/math.ts. One row: x f32[n] -> q i8[paddedCols(n)], scale f32 and Σq i32.

import { paddedCols } from './layout';

/** Quantizes rows [r0, r1) of x (row stride n floats) into q (row stride paddedCols(n) bytes). */
export function quantizeRows(x: usize, n: i32, q: usize, scales: usize, sums: usize, r0: i32, r1: i32): void {
  const kp = paddedCols(n);
  for (let r = r0; r < r1; r++) {
    quantizeRow(x + <usize>r * <usize>n * 4, n, q + <usize>r * <usize>kp, scales + <usize>r * 4, sums + <usize>r * 4);
  }
}

function quantizeRow(x: usize, n: i32, q: usize, scaleOut: usize, sumOut: usize): void {
  // max|x| in f32 is exact (abs and max do not round); the 1e-5 floor is applied in f64 as in math.ts.
  let m4 = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) m4 = f32x4.max(m4, f32x4.abs(v128.load(x + <usize>i * 4)));
  let m = max(max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)), max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)));
  for (; i < n; i++) m = max(m, abs(load<f32>(x + <usize>i * 4)));
  const s = <f32>(127.0 / max(1e-5, <f64>m)); // f64 division, one rounding to f32, like f32(127 / amax)

  const sv = f32x4.splat(s);
  let acc = i32x4.splat(0);
  i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + <usize>i * 4;
    // f32x4.nearest rounds ties to even; trunc_sat then the two saturating narrows clamp to
    // [-128, 127], which is min(127, max(-128, .)) of math.ts (NaN becomes 0 as in an Int8Array).
    const i0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p), sv)));
    const i1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 16), sv)));
    const i2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 32), sv)));
    const i3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 48), sv)));
    const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(i0, i1), i16x8.narrow_i32x4_s(i2, i3));
    v128.store(q + <usize>i, b);
    acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(b)));
  }
  let sum = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const v = <i32>min(max(nearest(load<f32>(x + <usize>i * 4) * s), -128), 127);
    store<i8>(q + <usize>i, <i8>v);
    sum += v;
  }
  memory.fill(q + <usize>n, 0, <usize>(paddedCols(n) - n)); // padded activations must be 0
  store<f32>(scaleOut, s);
  store<i32>(sumOut, sum);
}
