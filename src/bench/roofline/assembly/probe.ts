// Roofline probes: the most a WASM SIMD kernel gets out of this machine, for the CPU benchmark to
// set its measured figures against (src/bench/roofline.ts). Two ceilings bound the engine:
// decode streams every weight once per token (memory read bandwidth through 16-byte loads), and
// prefill multiplies int8 activations by weight codes held in cache (the multiply-add rate of
// the GEMM's inner step, the ternary kernels' madd). Each instance touches only what it is
// given, so threads can run it side by side on one shared memory.

/**
 * Reads [p, p + bytes) once with 16-byte loads as four sequential streams (one per quarter, the
 * way the GEMV and LM-head kernels read their rows) and returns a checksum that depends on every
 * byte, so no load can be dropped. bytes % 128 == 0.
 */
export function readSweep(p: usize, bytes: usize): i32 {
  const q = bytes >> 2;
  let a = i32x4.splat(0), b = a, c = a, d = a, e = a, f = a, g = a, h = a;
  for (let o: usize = 0; o < q; o += 32) {
    const s = p + o;
    a = v128.xor(a, v128.load(s)); b = v128.xor(b, v128.load(s, 16));
    c = v128.xor(c, v128.load(s + q)); d = v128.xor(d, v128.load(s + q, 16));
    e = v128.xor(e, v128.load(s + 2 * q)); f = v128.xor(f, v128.load(s + 2 * q, 16));
    g = v128.xor(g, v128.load(s + 3 * q)); h = v128.xor(h, v128.load(s + 3 * q, 16));
  }
  const x = v128.xor(v128.xor(v128.xor(a, b), v128.xor(c, d)), v128.xor(v128.xor(e, f), v128.xor(g, h)));
  return i32x4.extract_lane(x, 0) ^ i32x4.extract_lane(x, 1) ^ i32x4.extract_lane(x, 2) ^ i32x4.extract_lane(x, 3);
}

/** acc + Σ k·x over 16 int8 pairs, as the ternary GEMM does it (assembly/ternary.ts madd). */
@inline function madd(acc: v128, k: v128, x: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.add(acc, i16x8.relaxed_dot_i8x16_i7x16_s(x, k));
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(k), i16x8.extend_low_i8x16_s(x));
  return i32x4.add(acc, i32x4.add(lo, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(k), i16x8.extend_high_i8x16_s(x))));
}

/**
 * The prefill GEMM's inner step with nothing else in the way: per iteration one weight vector
 * against eight activation vectors loaded from a 16 KiB block at p (in L1), into eight
 * accumulators. Performs iters · 128 multiply-adds; returns a checksum.
 */
export function maddPeak(p: usize, iters: i32): i32 {
  const k = v128.load(p + 16384);
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < iters; i++) {
    const s = p + (<usize>(i & 127) << 7);
    a0 = madd(a0, k, v128.load(s)); a1 = madd(a1, k, v128.load(s, 16)); a2 = madd(a2, k, v128.load(s, 32)); a3 = madd(a3, k, v128.load(s, 48));
    a4 = madd(a4, k, v128.load(s, 64)); a5 = madd(a5, k, v128.load(s, 80)); a6 = madd(a6, k, v128.load(s, 96)); a7 = madd(a7, k, v128.load(s, 112));
  }
  const x = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  return i32x4.extract_lane(x, 0);
}
