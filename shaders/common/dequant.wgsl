// Reads from a matrix stored as GGML float or block-float rows (F32, F16, BF16, Q8_0, Q6_K), with
// the values dequantRow (src/model/float-codecs.ts) defines. The including shader declares
// `mat: array<u32>`, the stored bytes as little-endian words. No shader-f16: f16 goes through
// unpack2x16float, bf16 is the top half of an f32 (f32 bits = bf16 bits << 16).

/** The byte at byte offset b. */
fn mat_byte(b: u32) -> u32 {
  return (mat[b >> 2u] >> ((b & 3u) * 8u)) & 0xffu;
}

/** The signed byte at byte offset b. */
fn mat_i8(b: u32) -> i32 {
  return bitcast<i32>(mat_byte(b) << 24u) >> 24u;
}

/** Four bytes from any byte offset b (Q8_0 and Q6_K blocks are 34 and 210 bytes: only 2-aligned). */
fn mat_u32(b: u32) -> u32 {
  let s = (b & 3u) * 8u;
  let lo = mat[b >> 2u];
  let hi = mat[(b >> 2u) + 1u];
  // When s = 0, hi << 32 is hi << 0 in WGSL (the shift count is taken mod 32): select drops it.
  return select((lo >> s) | (hi << (32u - s)), lo, s == 0u);
}

/** The f16 at an even byte offset b. */
fn mat_f16(b: u32) -> f32 {
  return unpack2x16float(mat[b >> 2u] >> ((b & 2u) * 8u)).x;
}

/** The bf16 at an even byte offset b, as f32 bits. */
fn mat_bf16_bits(b: u32) -> u32 {
  return ((mat[b >> 2u] >> ((b & 2u) * 8u)) & 0xffffu) << 16u;
}

/** Both bf16 halves of a word: .x = bits 0..15, .y = bits 16..31. */
fn bf16x2(w: u32) -> vec2<f32> {
  return vec2<f32>(bitcast<f32>(w << 16u), bitcast<f32>(w & 0xffff0000u));
}

/** The four signed bytes of w, lowest first: shift each to the top, then arithmetic shift down. */
fn i8x4(w: u32) -> vec4<f32> {
  let v = bitcast<vec4<i32>>(vec4<u32>(w << 24u, w << 16u, w << 8u, w));
  return vec4<f32>(v >> vec4<u32>(24u));
}

/** The four unsigned bytes of w, lowest first, minus 32 (Q6_K's 6-bit codes). */
fn q6x4(w: u32) -> vec4<f32> {
  let v = (vec4<u32>(w) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
  return vec4<f32>(bitcast<vec4<i32>>(v) - vec4<i32>(32));
}

/** Q8_0 element i of the row at byte `row`: fround(d * q), d the block's f16 scale (34-byte blocks). */
fn dequant_q8_0(row: u32, i: u32) -> f32 {
  let blk = row + 34u * (i >> 5u);
  return mat_f16(blk) * f32(mat_i8(blk + 2u + (i & 31u)));
}

/**
 * Q6_K element i of the row at byte `row` (210-byte blocks: ql[128] qh[64] scales[16] d). In a
 * 128-element half, quarter k = 0..3 and lane l = 0..31 take the low (k < 2) or high nibble of
 * ql[32 * (k & 1) + l] and bits 2k+1:2k of qh[l]; the scale is scales[element / 16].
 * Value: fround(fround(d * sc) * q), where d * sc is exact.
 */
fn dequant_q6_k(row: u32, i: u32) -> f32 {
  let blk = row + 210u * (i >> 8u);
  let e = i & 255u;
  let half = e >> 7u;
  let k = (e >> 5u) & 3u;
  let l = e & 31u;
  let lo = (mat_byte(blk + 64u * half + 32u * (k & 1u) + l) >> (4u * (k >> 1u))) & 15u;
  let hi = (mat_byte(blk + 128u + 32u * half + l) >> (2u * k)) & 3u;
  let q = i32(lo | (hi << 4u)) - 32;
  return (mat_f16(blk + 208u) * f32(mat_i8(blk + 192u + (e >> 4u)))) * f32(q);
}
