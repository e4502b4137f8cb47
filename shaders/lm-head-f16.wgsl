// LM head over F16 rows (frame: lm-head-common): a unit is one u32 word, two elements, converted
// with unpack2x16float (no shader-f16).

fn unit_dot(u: u32, base: vec4<u32>, hb: u32) -> vec4<f32> {
  let hv = vec2<f32>(h[hb + 2u * u], h[hb + 2u * u + 1u]);
  let w = (base >> vec4<u32>(2u)) + u;
  return vec4<f32>(
    dot(unpack2x16float(mat[w.x]), hv), dot(unpack2x16float(mat[w.y]), hv),
    dot(unpack2x16float(mat[w.z]), hv), dot(unpack2x16float(mat[w.w]), hv));
}
