// f16 -> f32 conversions, exact as f16ToF32 of src/model/float-codecs.ts. No float operation here
// ever sees a subnormal f32: on x86 those take microcode assists (~100x slower), and f16
// subnormals occur in real weights.

/** f16 patterns, sign-extended into i32 lanes, whose exponent is 1..30: rebias 15 -> 127. */
@inline export function f16x4Normal(hs: v128): v128 {
  // The sign lands on bit 31 and the exponent/mantissa on bits 27:13; adding 112 to the exponent
  // field (at most 30 + 112 < 255) cannot carry into the sign.
  return i32x4.add(v128.and(i32x4.shl(hs, 13), i32x4.splat(0x8fffe000)), i32x4.splat(112 << 23));
}

/**
 * f16 patterns, sign-extended into i32 lanes, whose exponent is 1..30 (or ±0), as the f32 of the
 * value times 2^-112: sign to bit 31, exponent and mantissa to bits 27:13, i.e. the f16 fields
 * read with the f32 bias. Two integer ops and no rebias add; the 2^-112 is made up by the
 * caller. (Exponent 0 gives f32 subnormals, exponent 31 finite numbers: not for those.)
 */
@inline export function f16x4Scaled(hs: v128): v128 {
  return v128.and(i32x4.shl(hs, 13), i32x4.splat(0x8fffe000));
}

/** Any f16 patterns (sign-extended into i32 lanes), zeros, subnormals, inf and NaN included. */
@inline export function f16x4(hs: v128): v128 {
  const mag = v128.and(hs, i32x4.splat(0x7fff));
  // Subnormal m·2^-24 from the integer m (exact, and never a subnormal f32).
  const sub = f32x4.mul(f32x4.convert_i32x4_s(mag), f32x4.splat(5.9604644775390625e-8));
  const normal = i32x4.add(i32x4.shl(mag, 13), i32x4.splat(112 << 23));
  let v = v128.bitselect(sub, normal, i32x4.lt_s(mag, i32x4.splat(0x400)));
  // Exponent 31 rebiased to 143: setting all exponent bits gives inf or NaN with its payload.
  v = v128.or(v, v128.and(i32x4.gt_s(mag, i32x4.splat(0x7bff)), i32x4.splat(0x7f800000)));
  return v128.or(v, v128.and(hs, i32x4.splat(0x80000000)));
}

/**
 * Per 16-bit lane, (x << 1) + 0x800 as u16: dropping the sign puts the exponent in bits 15:11,
 * and the offset wraps both exponent 0 and 31 below 0x1000 while 1..30 stay at or above it.
 */
@inline export function edgeKey(x: v128): v128 {
  return i16x8.add(i16x8.shl(x, 1), i16x8.splat(0x0800));
}

/** Whether any lane of min_u-combined edge keys is an exponent 0 or 31 (needs f16x4). */
@inline export function hasEdge(keys: v128): bool {
  return v128.any_true(i16x8.lt_u(keys, i16x8.splat(0x1000)));
}

/** The f16 at p (any alignment) as f32. */
@inline export function f16Scalar(p: usize): f32 {
  return f32x4.extract_lane(f16x4(i32x4.splat(<i32>load<i16>(p))), 0);
}
