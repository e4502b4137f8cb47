// Shared by the BitLinear kernels (quantize-act, gemv-ternary, gemm-ternary): f32 division
// rounded exactly as the CPU rounds it.

// a / b correctly rounded (to nearest, ties to even), computed in integers. WGSL lets f32 `/`
// be 2.5 ULP off (and real GPUs use a reciprocal), while spec §2.2 divides twice (s = 127 / amax,
// y = (dot - qsum) / s); with this both are bit-identical to math.ts on every adapter.
// Domain: a zero or normal, b > 0 normal, a / b normal. BitLinear stays inside it: a = 127 or an
// integer below 2^24, b = amax >= 1e-5 or s in [127 / f32max, 1.27e7].
fn div_rn(a: f32, b: f32) -> f32 {
  let ab = bitcast<u32>(a);
  let bb = bitcast<u32>(b);
  if ((ab & 0x7fffffffu) == 0u) { return a; }
  // a / b = (ma / mb) * 2^(ea - eb), with 24-bit significands ma, mb (implicit bit set)
  var ma = (ab & 0x7fffffu) | 0x800000u;
  let mb = (bb & 0x7fffffu) | 0x800000u;
  var e = i32((ab >> 23u) & 0xffu) - i32((bb >> 23u) & 0xffu) + 127;
  if (ma < mb) { ma = ma << 1u; e -= 1; } // now 1 <= ma / mb < 2
  // Long division: 24 significand bits, then the round bit; the remainder r stays below
  // 2 mb < 2^25, and r != 0 afterwards is the sticky bit.
  var q = 0u;
  var r = ma;
  for (var i = 0u; i < 25u; i++) {
    q = q << 1u;
    if (r >= mb) { r -= mb; q |= 1u; }
    r = r << 1u;
  }
  let round_bit = q & 1u;
  q = q >> 1u;
  if (round_bit == 1u && (r != 0u || (q & 1u) == 1u)) { q += 1u; }
  if (q == 0x1000000u) { q = 0x800000u; e += 1; } // rounded up to the next power of two
  return bitcast<f32>((ab & 0x80000000u) | (u32(e) << 23u) | (q & 0x7fffffu));
}
