// Exact arithmetic in integers, for results that must be bit-identical to the CPU on every
// adapter (used by rms-norm). WGSL float arithmetic cannot promise that: an implementation may
// flush subnormals, `/` and the builtins are approximate, and a*b+c may end up fused into an fma
// by the backend compilers, so error-free float tricks are not safe either. Everything here is
// integer arithmetic on u32 words:
//   u64 = vec2u (x low word, y high word), u128 = vec4u (x lowest), all unsigned and exact;
//   mul_rn: f32 multiplication, IEEE round to nearest even, subnormals, infinities and NaN
//   (mul_f32: the same bits, through the native multiply where that is safe);
//   F64: a positive float64 emulated as a 53-bit integer significand and a power of two, with
//   the few correctly rounded operations (add, divide, sqrt, round to f32) that a float64
//   formula needs to be reproduced bit for bit.

// ---- u32 / u64 / u128 ----

fn bitlen32(v: u32) -> u32 {
  return select(0u, firstLeadingBit(v) + 1u, v != 0u);
}

fn u64_bitlen(v: vec2u) -> u32 {
  return select(bitlen32(v.x), 32u + bitlen32(v.y), v.y != 0u);
}

// v << s, bits past 64 dropped; any s. (The double shifts avoid shifting a u32 by 32.)
fn u64_shl(v: vec2u, s: u32) -> vec2u {
  if (s >= 64u) { return vec2u(0u); }
  if (s >= 32u) { return vec2u(0u, v.x << (s - 32u)); }
  return vec2u(v.x << s, (v.y << s) | ((v.x >> 1u) >> (31u - s)));
}

// v >> s (floor); any s.
fn u64_shr(v: vec2u, s: u32) -> vec2u {
  if (s >= 64u) { return vec2u(0u); }
  if (s >= 32u) { return vec2u(v.y >> (s - 32u), 0u); }
  return vec2u((v.x >> s) | ((v.y << 1u) << (31u - s)), v.y >> s);
}

// Whether any of the bits of v below bit s are set.
fn u64_low_nonzero(v: vec2u, s: u32) -> bool {
  if (s == 0u) { return false; }
  if (s >= 64u) { return any(v != vec2u(0u)); }
  if (s >= 32u) { return v.x != 0u || (v.y & ((1u << (s - 32u)) - 1u)) != 0u; }
  return (v.x & ((1u << s) - 1u)) != 0u;
}

fn u64_add(a: vec2u, b: vec2u) -> vec2u {
  let lo = a.x + b.x;
  return vec2u(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// a - b for a >= b.
fn u64_sub(a: vec2u, b: vec2u) -> vec2u {
  return vec2u(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

fn u64_ge(a: vec2u, b: vec2u) -> bool {
  return a.y > b.y || (a.y == b.y && a.x >= b.x);
}

// v / 2^s rounded to nearest, ties to even (or up when `sticky`: a nonzero remainder below v's
// last bit), for s >= 1.
fn u64_rn_shr(v: vec2u, s: u32, sticky: bool) -> vec2u {
  if (s > 64u) { return vec2u(0u); } // v < 2^64 <= half a unit
  let q = u64_shr(v, s);
  let half = (u64_shr(v, s - 1u).x & 1u) == 1u;
  if (half && (sticky || u64_low_nonzero(v, s - 1u) || (q.x & 1u) == 1u)) { return u64_add(q, vec2u(1u, 0u)); }
  return q;
}

// The exact 64-bit product a * b, from 16-bit halves (each partial product fits in a u32).
fn mul32(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let mid = al * bh;
  let mid2 = mid + ah * bl;
  let mid_carry = select(0u, 0x10000u, mid2 < mid); // the carry out of mid2 weighs 2^48
  let lo = ll + (mid2 << 16u);
  return vec2u(lo, ah * bh + (mid2 >> 16u) + mid_carry + select(0u, 1u, lo < ll));
}

fn u128_add(a: vec4u, b: vec4u) -> vec4u {
  let x = a.x + b.x;
  var c = select(0u, 1u, x < a.x);
  let y0 = a.y + b.y;
  let y = y0 + c;
  c = select(0u, 1u, y0 < a.y) + select(0u, 1u, y < y0);
  let z0 = a.z + b.z;
  let z = z0 + c;
  c = select(0u, 1u, z0 < a.z) + select(0u, 1u, z < z0);
  return vec4u(x, y, z, a.w + b.w + c);
}

// a - b for a >= b.
fn u128_sub(a: vec4u, b: vec4u) -> vec4u {
  let x = a.x - b.x;
  var c = select(0u, 1u, a.x < b.x);
  let y0 = a.y - b.y;
  let y = y0 - c;
  c = select(0u, 1u, a.y < b.y) + select(0u, 1u, y0 < c);
  let z0 = a.z - b.z;
  let z = z0 - c;
  c = select(0u, 1u, a.z < b.z) + select(0u, 1u, z0 < c);
  return vec4u(x, y, z, a.w - b.w - c);
}

fn u128_ge(a: vec4u, b: vec4u) -> bool {
  if (a.w != b.w) { return a.w > b.w; }
  if (a.z != b.z) { return a.z > b.z; }
  if (a.y != b.y) { return a.y > b.y; }
  return a.x >= b.x;
}

fn u128_bitlen(v: vec4u) -> u32 {
  if (v.w != 0u) { return 96u + bitlen32(v.w); }
  if (v.z != 0u) { return 64u + bitlen32(v.z); }
  return u64_bitlen(v.xy);
}

// v << s for s < 128, bits past 128 dropped.
fn u128_shl(v: vec4u, s: u32) -> vec4u {
  let w = s >> 5u;
  let b = s & 31u;
  let c = vec4u(v.x << b, (v.y << b) | ((v.x >> 1u) >> (31u - b)), (v.z << b) | ((v.y >> 1u) >> (31u - b)), (v.w << b) | ((v.z >> 1u) >> (31u - b)));
  return vec4u(
    select(0u, c.x, w == 0u),
    select(0u, c.y, w == 0u) | select(0u, c.x, w == 1u),
    select(0u, c.z, w == 0u) | select(0u, c.y, w == 1u) | select(0u, c.x, w == 2u),
    select(0u, c.w, w == 0u) | select(0u, c.z, w == 1u) | select(0u, c.y, w == 2u) | select(0u, c.x, w == 3u));
}

// floor(v * 2^s) as a u128 (bits past 128 dropped), for any s.
fn u128_place(v: vec2u, s: i32) -> vec4u {
  if (s >= 128) { return vec4u(0u); }
  if (s < 0) { return vec4u(u64_shr(v, u32(-s)), 0u, 0u); }
  return u128_shl(vec4u(v, 0u, 0u), u32(s));
}

// The exact 128-bit product of two u64.
fn mul64(a: vec2u, b: vec2u) -> vec4u {
  let p00 = mul32(a.x, b.x);
  let p01 = mul32(a.x, b.y);
  let p10 = mul32(a.y, b.x);
  let p11 = mul32(a.y, b.y);
  return u128_add(u128_add(vec4u(p00, p11), vec4u(0u, p01, 0u)), vec4u(0u, p10, 0u));
}

// ---- f32 ----

// A finite f32 magnitude (bits without the sign) as m * 2^e: m < 2^24 (the implicit bit
// included for normal numbers), e in [-149, 104].
struct F32Parts {
  m: u32,
  e: i32,
}

fn f32_parts(u: u32) -> F32Parts {
  let be = u >> 23u;
  let f = u & 0x7fffffu;
  return F32Parts(select(f, f | 0x800000u, be != 0u), i32(max(be, 1u)) - 150);
}

// a * b rounded once, to nearest with ties to even, with IEEE 754 subnormals, signed zeros,
// overflow to infinity and NaN; bit-identical to Math.fround(a * b) on the CPU. Operands and
// result are f32 bit patterns (as u32, so no float load or store can flush or canonicalize them).
fn mul_rn(ua: u32, ub: u32) -> u32 {
  let sign = (ua ^ ub) & 0x80000000u;
  let aa = ua & 0x7fffffffu;
  let ab = ub & 0x7fffffffu;
  if (aa >= 0x7f800000u || ab >= 0x7f800000u) {
    if (aa > 0x7f800000u || ab > 0x7f800000u || aa == 0u || ab == 0u) { return 0x7fc00000u; }
    return sign | 0x7f800000u;
  }
  if (aa == 0u || ab == 0u) { return sign; }
  let pa = f32_parts(aa);
  let pb = f32_parts(ab);
  let prod = mul32(pa.m, pb.m); // exact, < 2^48
  let ep = pa.e + pb.e;
  // Exponent of the result's last place: 24 significant bits, or the subnormal quantum 2^-149.
  var q = max(i32(u64_bitlen(prod)) + ep - 24, -149);
  let s = q - ep;
  var mant: u32;
  if (s <= 0) {
    mant = prod.x << u32(-s); // fits in 24 bits, exact
  } else {
    mant = u64_rn_shr(prod, u32(s), false).x;
  }
  if (mant == 0x1000000u) { mant = 0x800000u; q += 1; } // rounded up to the next power of two
  if (mant < 0x800000u) { return sign | mant; } // zero or subnormal (q == -149)
  let be = q + 150;
  if (be >= 255) { return sign | 0x7f800000u; }
  return sign | (u32(be) << 23u) | (mant & 0x7fffffu);
}

// mul_rn's result, from the native multiply where WGSL pins its bits down: f32 `*` is
// correctly rounded, and only subnormals (which an implementation may flush) and overflow (an
// indeterminate value) are exempt. So: normal operands whose exponents rule out overflow, and a
// normal result (a product that is subnormal, or flushed, or rounds to the smallest normal
// number through either path, comes out below it and goes to mul_rn). No addition follows a
// product, so nothing can be fused into an fma.
fn mul_f32(a: u32, b: u32) -> u32 {
  let ea = (a >> 23u) & 0xffu;
  let eb = (b >> 23u) & 0xffu;
  if (ea != 0u && eb != 0u && ea != 255u && eb != 255u && ea + eb <= 379u) { // |a * b| < 2^127
    let r = bitcast<u32>(bitcast<f32>(a) * bitcast<f32>(b));
    if ((r & 0x7fffffffu) >= 0x800000u) { return r; }
  }
  return mul_rn(a, b);
}

// ---- float64, emulated ----

// A float64 value m * 2^e >= 0: zero is m = 0, otherwise 2^52 <= m < 2^53. No range limits
// (e is an i32), which is all the callers need: their values stay well inside float64's range.
struct F64 {
  m: vec2u,
  e: i32,
}

fn f64_is_zero(a: F64) -> bool {
  return a.m.y == 0u; // a nonzero significand has bit 52 set
}

// m * 2^e (m != 0, plus `sticky`: a nonzero remainder below m's last bit) rounded to the nearest
// float64, ties to even. Exact when m has at most 53 significant bits (sticky must be false).
fn f64_round(m: vec2u, e: i32, sticky: bool) -> F64 {
  let len = u64_bitlen(m);
  if (len <= 53u) { return F64(u64_shl(m, 53u - len), e - i32(53u - len)); }
  var r = u64_rn_shr(m, len - 53u, sticky);
  var re = e + i32(len - 53u);
  if (r.y == 0x200000u) { r = vec2u(0u, 0x100000u); re += 1; } // rounded up to 2^53
  return F64(r, re);
}

// An exact float64 from a nonzero integer of at most 53 bits times 2^e.
fn f64_exact(m: vec2u, e: i32) -> F64 {
  return f64_round(m, e, false);
}

// a + b for a, b >= 0, correctly rounded.
fn f64_add(a: F64, b: F64) -> F64 {
  if (f64_is_zero(a)) { return b; }
  if (f64_is_zero(b)) { return a; }
  var big = a;
  var small = b;
  if (b.e > a.e) { big = b; small = a; }
  // 10 guard bits under big's significand; what falls off small is only sticky.
  let d = u32(big.e - small.e);
  let sm = u64_shl(small.m, 10u);
  let sum = u64_add(u64_shl(big.m, 10u), u64_shr(sm, d)); // < 2^64
  return f64_round(sum, big.e - 10, u64_low_nonzero(sm, min(d, 64u)));
}

// a / b for a >= 0, b > 0, correctly rounded: 55 quotient bits by restoring division, the
// remainder as sticky.
fn f64_div(a: F64, b: F64) -> F64 {
  if (f64_is_zero(a)) { return a; }
  var r = a.m; // r < 2 b.m throughout
  var q = vec2u(0u);
  for (var i = 0u; i < 55u; i++) {
    q = u64_shl(q, 1u);
    if (u64_ge(r, b.m)) {
      r = u64_sub(r, b.m);
      q.x |= 1u;
    }
    r = u64_shl(r, 1u);
  }
  // q = floor(a.m * 2^54 / b.m) >= 2^53
  return f64_round(q, a.e - b.e - 54, any(r != vec2u(0u)));
}

// sqrt(a) for a >= 0, correctly rounded: the integer square root of m * 2^56 (55 bits, digit by
// digit), the remainder as sticky.
fn f64_sqrt(a: F64) -> F64 {
  if (f64_is_zero(a)) { return a; }
  var m = a.m;
  var e = a.e;
  if ((e & 1) != 0) { m = u64_shl(m, 1u); e -= 1; } // now 2^52 <= m < 2^54, e even
  var rem = vec2u(0u); // <= 2 root
  var root = vec2u(0u);
  for (var i = 0u; i < 55u; i++) {
    // the next two bits of m * 2^56, from the top (bits 109-108 first)
    let pair = select(0u, u64_shr(m, 52u - 2u * i).x & 3u, i <= 26u);
    rem = u64_shl(rem, 2u);
    rem.x |= pair;
    var trial = u64_shl(root, 2u);
    trial.x |= 1u;
    root = u64_shl(root, 1u);
    if (u64_ge(rem, trial)) {
      rem = u64_sub(rem, trial);
      root.x |= 1u;
    }
  }
  // root = floor(sqrt(m * 2^56)), in [2^54, 2^55); sqrt(a) = sqrt(m * 2^56) * 2^(e/2 - 28)
  return f64_round(root, e / 2 - 28, any(rem != vec2u(0u)));
}

// a rounded to the nearest f32 (ties to even, subnormals, overflow to infinity), as bits;
// what Math.fround does.
fn f64_to_f32_bits(a: F64) -> u32 {
  if (f64_is_zero(a)) { return 0u; }
  // exponent of the f32 last place: 24 significant bits, or the subnormal quantum 2^-149
  var q = max(a.e + 52 - 23, -149);
  var mant = u64_rn_shr(a.m, u32(q - a.e), false).x; // shift >= 29
  if (mant == 0x1000000u) { mant = 0x800000u; q += 1; }
  if (mant < 0x800000u) { return mant; } // zero or subnormal
  let be = q + 150;
  if (be >= 255) { return 0x7f800000u; }
  return (u32(be) << 23u) | (mant & 0x7fffffu);
}
