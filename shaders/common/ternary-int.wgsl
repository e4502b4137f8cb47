// Ternary x int8 dot products in plain i32 arithmetic, for adapters without dot4I8Packed.
// Same functions as common/ternary-dot4, with bytes unpacked into i32 lanes: codes by shift and
// mask, activations sign-extended by (word << (24 - 8j)) >> 24 (arithmetic shift on i32).

struct Lanes {
  g0: vec4i, // plane / activation word 0: byte j in lane j
  g1: vec4i,
  g2: vec4i,
  g3: vec4i,
}
alias Codes = Lanes;
alias Acts = Lanes;

const BYTE_SHIFT = vec4u(0u, 8u, 16u, 24u);

// code of byte j in plane g = (w >> (8j + 2g)) & 3
fn unpack_codes(w: u32) -> Codes {
  let v = vec4u(w);
  return Lanes(
    bitcast<vec4i>((v >> BYTE_SHIFT) & vec4u(3u)),
    bitcast<vec4i>((v >> (BYTE_SHIFT + 2u)) & vec4u(3u)),
    bitcast<vec4i>((v >> (BYTE_SHIFT + 4u)) & vec4u(3u)),
    bitcast<vec4i>((v >> (BYTE_SHIFT + 6u)) & vec4u(3u)),
  );
}

fn sign_extend_bytes(a: u32) -> vec4i {
  return bitcast<vec4i>(vec4u(a) << (vec4u(24u) - BYTE_SHIFT)) >> vec4u(24u);
}

fn unpack_acts(a: vec4u) -> Acts {
  return Lanes(sign_extend_bytes(a.x), sign_extend_bytes(a.y), sign_extend_bytes(a.z), sign_extend_bytes(a.w));
}

// Σ code * q over the 16 weights of one word (codes are W + 1, so this is Σ W q + Σ q).
fn codes_dot(c: Codes, a: Acts) -> i32 {
  return dot(c.g0, a.g0) + dot(c.g1, a.g1) + dot(c.g2, a.g2) + dot(c.g3, a.g3);
}
