// LM head over Q8_0 rows (frame: lm-head-common): a unit is a quarter block, 8 elements, summed as
// d * Σ q·h (d the block's f16 scale; blocks are 34 bytes: d then 32 int8).

fn q8_quarter(blk: u32, q: u32, h0: vec4<f32>, h1: vec4<f32>) -> f32 {
  return mat_f16(blk) * (dot(i8x4(mat_u32(q)), h0) + dot(i8x4(mat_u32(q + 4u)), h1));
}

fn unit_dot(u: u32, base: vec4<u32>, hb: u32) -> vec4<f32> {
  let e = hb + 8u * u;
  let h0 = vec4<f32>(h[e], h[e + 1u], h[e + 2u], h[e + 3u]);
  let h1 = vec4<f32>(h[e + 4u], h[e + 5u], h[e + 6u], h[e + 7u]);
  let blk = base + 34u * (u >> 2u);
  let q = blk + 2u + 8u * (u & 3u);
  return vec4<f32>(q8_quarter(blk.x, q.x, h0, h1), q8_quarter(blk.y, q.y, h0, h1), q8_quarter(blk.z, q.z, h0, h1), q8_quarter(blk.w, q.w, h0, h1));
}
