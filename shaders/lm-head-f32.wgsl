// LM head over F32 rows (frame: lm-head-common): a unit is one element.

fn unit_dot(u: u32, base: vec4<u32>, hb: u32) -> vec4<f32> {
  let w = (base >> vec4<u32>(2u)) + u;
  return vec4<f32>(bitcast<f32>(mat[w.x]), bitcast<f32>(mat[w.y]), bitcast<f32>(mat[w.z]), bitcast<f32>(mat[w.w])) * h[hb + u];
}
