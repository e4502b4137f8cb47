// LM head over Q6_K rows (frame: lm-head-common; layout in common/dequant dequant_q6_k). A unit is
// lanes l..l+3 (l a multiple of 4) of one 128-element half of a block, in all four quarters k:
// 16 elements from one word of ql[l], one of ql[32 + l] and one of qh[l], summed as
// d * Σ_k sc_k · Σ q·h.

struct Q6Unit {
  ql: u32, // byte of ql[l] within the block, ql[32 + l] follows 32 bytes later
  qh: u32, // byte of qh[l]
  sc: u32, // byte of quarter 0's scale; quarter k's is 2k bytes later
}

fn q6_unit(row_blk: u32, o: Q6Unit, h0: vec4<f32>, h1: vec4<f32>, h2: vec4<f32>, h3: vec4<f32>) -> f32 {
  let a = mat_u32(row_blk + o.ql);
  let b = mat_u32(row_blk + o.ql + 32u);
  let hi = mat_u32(row_blk + o.qh);
  // Each byte: a 4-bit half of ql in bits 3:0 and the matching 2 bits of qh in bits 5:4.
  let q0 = (a & 0x0f0f0f0fu) | ((hi & 0x03030303u) << 4u);
  let q1 = (b & 0x0f0f0f0fu) | ((hi & 0x0c0c0c0cu) << 2u);
  let q2 = ((a >> 4u) & 0x0f0f0f0fu) | (hi & 0x30303030u);
  let q3 = ((b >> 4u) & 0x0f0f0f0fu) | ((hi >> 2u) & 0x30303030u);
  let s = row_blk + o.sc;
  let sc = vec4<f32>(f32(mat_i8(s)), f32(mat_i8(s + 2u)), f32(mat_i8(s + 4u)), f32(mat_i8(s + 6u)));
  let sums = vec4<f32>(dot(q6x4(q0), h0), dot(q6x4(q1), h1), dot(q6x4(q2), h2), dot(q6x4(q3), h3));
  return mat_f16(row_blk + 208u) * dot(sc, sums);
}

fn unit_dot(u: u32, base: vec4<u32>, hb: u32) -> vec4<f32> {
  let half = (u >> 3u) & 1u;
  let l = (u & 7u) * 4u;
  let e = hb + 256u * (u >> 4u) + 128u * half + l; // h index of quarter 0, lane l
  let h0 = vec4<f32>(h[e], h[e + 1u], h[e + 2u], h[e + 3u]);
  let h1 = vec4<f32>(h[e + 32u], h[e + 33u], h[e + 34u], h[e + 35u]);
  let h2 = vec4<f32>(h[e + 64u], h[e + 65u], h[e + 66u], h[e + 67u]);
  let h3 = vec4<f32>(h[e + 96u], h[e + 97u], h[e + 98u], h[e + 99u]);
  let o = Q6Unit(64u * half + l, 128u + 32u * half + l, 192u + 8u * half + (l >> 4u));
  let blk = base + 210u * (u >> 4u);
  return vec4<f32>(q6_unit(blk.x, o, h0, h1, h2, h3), q6_unit(blk.y, o, h0, h1, h2, h3), q6_unit(blk.z, o, h0, h1, h2, h3), q6_unit(blk.w, o, h0, h1, h2, h3));
}
