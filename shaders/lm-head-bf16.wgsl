// LM head over BF16 rows (frame: lm-head-common): a unit is one u32 word, two elements.

fn unit_dot(u: u32, base: vec4<u32>, hb: u32) -> vec4<f32> {
  let hv = vec2<f32>(h[hb + 2u * u], h[hb + 2u * u + 1u]);
  let w = (base >> vec4<u32>(2u)) + u;
  return vec4<f32>(dot(bf16x2(mat[w.x]), hv), dot(bf16x2(mat[w.y]), hv), dot(bf16x2(mat[w.z]), hv), dot(bf16x2(mat[w.w]), hv));
}
