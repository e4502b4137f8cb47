// Ternary x int8 dot products with dot4I8Packed (WGSL language feature
// packed_4x8_integer_dot_product). One compute-layout weight word holds four planes (shift 2g);
// each plane, masked with 0x03030303, is four int8 lanes of codes 0..2, lined up with one
// packed-int8 activation word (see src/engine/layout.ts). The twin file is common/ternary-int.

alias Codes = vec4u; // plane g of a weight word in lane g: four int8 codes per u32
alias Acts = vec4u;  // the four activation words (packed int8) planes 0..3 pair with

fn unpack_codes(w: u32) -> Codes {
  return (vec4u(w) >> vec4u(0u, 2u, 4u, 6u)) & vec4u(0x03030303u);
}

fn unpack_acts(a: vec4u) -> Acts {
  return a;
}

// Σ code * q over the 16 weights of one word (codes are W + 1, so this is Σ W q + Σ q).
fn codes_dot(c: Codes, a: Acts) -> i32 {
  return dot4I8Packed(c.x, a.x) + dot4I8Packed(c.y, a.y) + dot4I8Packed(c.z, a.z) + dot4I8Packed(c.w, a.w);
}
