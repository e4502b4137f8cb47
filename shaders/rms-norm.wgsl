// RMSNorm (spec §1.2): y = w * x / sqrt(mean(x^2) + eps), one workgroup per row, bit-identical
// to math.ts `rmsNorm`: scale = f32(1 / sqrt(ss / n + eps)) with ss the float64 sum of the
// squares in index order, y = f32(f32(x * scale) * w). Needs common/exact-arith.
//
// WGSL has no float64 (and its float ops may flush subnormals, its builtins are approximate),
// so the scale is found in integers, in one of two ways:
//  - Fast path. The exact sum of squares S, in any order: every x^2 is a 48-bit integer times a
//    power of two, added into a 128-bit fixed-point accumulator whose last place sits 96 bits
//    under the larger of max(x^2) and n * eps (what falls below it costs < n units, under 2^-80
//    of S + n * eps), then summed across the workgroup with integer adds. The float64 formula's
//    value misses g = (S / n + eps)^-1/2 by less than (n + 5) * 2^-54 relative (its sum is off
//    by at most (n - 1) * 2^-53 * S, and four float64 roundings follow), so whenever g is
//    farther than that from every f32 rounding midpoint, both round to the same f32. Starting
//    from an inverseSqrt guess, the scale is the f32 whose neighbouring midpoints m have
//    m^2 * (S + n * eps) above n (the upper one) and below n (the lower one), each by more than
//    (n + 10) * 2^-53 * n, decided exactly on 128-bit integers.
//  - Sequential path, when g is within that margin of a midpoint (a fraction of about
//    (n + 10) * 2^-29.5 of rows: 1 in 100000 for n = 6912) or the guess is far off: one
//    invocation replays the definition in emulated float64, the sum in index order, then the
//    correctly rounded divide, add, sqrt and reciprocal. Slow (about n emulated adds in a row),
//    but exact.
// So the scale is math.ts's on every input, not just nearly every one. y is computed with
// mul_f32 (mul_rn wherever the native multiply could flush a subnormal), exact on every
// adapter too. Inputs with an infinity or NaN give what the CPU gives (scale 0 or NaN).
// Domain: eps >= 0 and finite, n < 2^24 (rms-norm.ts checks both).

override WG: u32 = 256u;
// Tests: always take the sequential path.
override SEQUENTIAL: bool = false;

struct Params {
  cols: u32,      // row length, in elements
  x_offset: u32,  // first element of row 0 in x
  x_stride: u32,  // elements between rows of x
  y_offset: u32,
  y_stride: u32,
  eps: u32,       // f32 bits
}

// f32 rows, read and written as bits: no float load or store can flush a subnormal
@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> wg_amax: atomic<u32>;         // largest |x| as bits
var<workgroup> wg_acc: array<vec4u, WG>;     // partial sums of squares
var<workgroup> wg_scale: u32;                // the scale, as bits

const NO_EXP: i32 = -1000000; // the top of a zero term

// Sign of m^2 * Z / n - 1 for the midpoint m between the f32 bit patterns b and b + 1 (b + 1
// finite) and Z in [zm, zm * (1 + 2^-62)] * 2^ze (zm with its top bit set): 1 or -1 when it
// exceeds (n + 9) * 2^-53 in magnitude (with room for that 2^-62), 0 when it may not.
fn midpoint_side(b: u32, zm: vec2u, ze: i32, n: u32) -> i32 {
  let c = f32_parts(b);
  var mm = 2u * c.m + 1u; // m = mm * 2^me
  var me = c.e - 1;
  let sh = 25u - bitlen32(mm); // normalize: 2^24 <= mm < 2^25
  mm = mm << sh;
  me -= i32(sh);
  let q = mul64(mul32(mm, mm), zm); // in [2^111, 2^114)
  // compare q with n * 2^k
  let k = -(2 * me + ze);
  let lq = i32(u128_bitlen(q));
  let ln = i32(bitlen32(n));
  if (lq > ln + k + 1) { return 1; } // ratio > 2
  if (lq + 1 < ln + k) { return -1; } // ratio < 1/2
  // here k >= 111 - 1 - 24: n * 2^k and the threshold fit in 128 bits
  let r = u128_place(vec2u(n, 0u), k);
  let tau = u128_place(mul32(n, n + 10u), k - 53); // n * 2^k * (n + 10) * 2^-53
  if (u128_ge(q, r)) { return select(0, 1, u128_ge(u128_sub(q, r), tau)); }
  return select(0, -1, u128_ge(u128_sub(r, q), tau));
}

// The f32 nearest to (Z / n)^-1/2, Z = zm * 2^ze as in midpoint_side, as bits, when it is
// certain that the float64 formula rounds to it too; 0xffffffff when not.
fn fast_scale(zm: vec2u, ze: i32, n: u32) -> u32 {
  // guess: Z / n ~ vf * 2^e2 with e2 even
  var vf = f32(zm.y) / f32(n);
  var e2 = ze + 32;
  if ((e2 & 1) != 0) {
    vf = vf * 2.0;
    e2 -= 1;
  }
  let rb = bitcast<u32>(inverseSqrt(vf));
  let be = i32(rb >> 23u) - e2 / 2;
  var b = 0u;
  if (be >= 255) {
    b = 0x7f7ffffeu;
  } else if (be >= 1) {
    b = (u32(be) << 23u) | (rb & 0x7fffffu);
  } else if (be > -24) {
    b = ((rb & 0x7fffffu) | 0x800000u) >> u32(1 - be);
  }
  b = min(b, 0x7f7ffffeu);
  // walk to the f32 whose two neighbouring midpoints enclose the value
  var above = false; // known: the midpoint over b is above the value
  var below = false; // known: the midpoint under b is below it
  for (var i = 0u; i < 16u; i++) {
    if (!above) {
      if (b >= 0x7f7fffffu) { break; }
      let s = midpoint_side(b, zm, ze, n);
      if (s == 0) { break; }
      if (s < 0) { b += 1u; below = true; continue; }
      above = true;
    }
    if (!below) {
      if (b == 0u) {
        below = true;
      } else {
        let s = midpoint_side(b - 1u, zm, ze, n);
        if (s == 0) { break; }
        if (s > 0) { b -= 1u; above = true; continue; }
        below = true;
      }
    }
    return b;
  }
  return 0xffffffffu;
}

// math.ts's scale, replayed: the float64 sum in index order and the float64 tail.
fn sequential_scale(xr: u32, n: u32) -> u32 {
  var ss = F64(vec2u(0u), 0);
  for (var i = 0u; i < n; i++) {
    let u = x[xr + i] & 0x7fffffffu;
    if (u != 0u) {
      let c = f32_parts(u);
      ss = f64_add(ss, f64_exact(mul32(c.m, c.m), 2 * c.e)); // x^2 is exact in float64
    }
  }
  var v = f64_div(ss, f64_exact(vec2u(n, 0u), 0));
  let eb = p.eps & 0x7fffffffu;
  if (eb != 0u) {
    let c = f32_parts(eb);
    v = f64_add(v, f64_exact(vec2u(c.m, 0u), c.e));
  }
  let one = F64(vec2u(0u, 0x100000u), -52);
  return f64_to_f32_bits(f64_div(one, f64_sqrt(v)));
}

// The scale for a row whose largest |x| has bits amax and whose squares sum to acc * 2^lsb
// (each term truncated), with n * eps = ne * 2^ee.
fn row_scale(amax: u32, acc: vec4u, lsb: i32, ne: vec2u, ee: i32, xr: u32, n: u32) -> u32 {
  if (amax > 0x7f800000u) { return 0x7fc00000u; } // a NaN: NaN
  if (amax == 0x7f800000u) { return 0u; } // an infinity: 1 / inf = 0
  let z = u128_add(acc, u128_place(ne, ee - lsb)); // (S + n * eps) / 2^lsb, truncated
  if (all(z == vec4u(0u))) { return 0x7f800000u; } // 1 / 0
  if (!SEQUENTIAL) {
    // top 64 bits: Z in [zm, zm * (1 + 2^-62)] * 2^ze (the window holds >= 95 bits of Z)
    let lz = u128_bitlen(z);
    let zm = u128_shl(z, 128u - lz).zw;
    let b = fast_scale(zm, lsb + i32(lz) - 64, n);
    if (b != 0xffffffffu) { return b; }
  }
  return sequential_scale(xr, n);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let xr = p.x_offset + wg.x * p.x_stride;
  let yr = p.y_offset + wg.x * p.y_stride;
  let n = p.cols;
  var amax = 0u;
  for (var i = lid.x; i < n; i += WG) {
    amax = max(amax, x[xr + i] & 0x7fffffffu);
  }
  atomicMax(&wg_amax, amax);
  workgroupBarrier();
  amax = atomicLoad(&wg_amax);

  // Fixed point for the sum: last place 2^lsb, 96 bits under the larger of max(x^2) and n * eps,
  // whose tops (exclusive) are hx and he.
  let ec = f32_parts(p.eps & 0x7fffffffu);
  let ne = mul32(n, ec.m);
  let he = select(NO_EXP, ec.e + i32(u64_bitlen(ne)), any(ne != vec2u(0u)));
  var hx = NO_EXP;
  if (amax != 0u && amax < 0x7f800000u) {
    let c = f32_parts(amax);
    hx = 2 * (c.e + i32(bitlen32(c.m)));
  }
  let lsb = max(hx, he) - 96;
  var acc = vec4u(0u);
  if (amax < 0x7f800000u) {
    for (var i = lid.x; i < n; i += WG) {
      let u = x[xr + i] & 0x7fffffffu;
      if (u != 0u) {
        let c = f32_parts(u);
        acc = u128_add(acc, u128_place(mul32(c.m, c.m), 2 * c.e - lsb)); // top bit < 2^96
      }
    }
  }
  wg_acc[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid.x < s) { wg_acc[lid.x] = u128_add(wg_acc[lid.x], wg_acc[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    wg_scale = row_scale(amax, wg_acc[0], lsb, ne, ec.e, xr, n);
  }
  workgroupBarrier();
  let scale = wg_scale;
  for (var i = lid.x; i < n; i += WG) {
    y[yr + i] = mul_f32(mul_f32(x[xr + i], scale), w[i]);
  }
}
