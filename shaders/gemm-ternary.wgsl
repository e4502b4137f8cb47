// Ternary GEMM for prefill (spec §2.2): y[t][n] = f32(f32(dot - qsum[t]) / s[t]) * wscale.
// A workgroup computes a tile of WG rows x TT tokens. Per step of KB blocks it stages the tile's
// weights and activations in workgroup memory (coalesced loads), then each invocation takes one
// row: its weight words are unpacked once and reused for all TT tokens from registers. Weights
// are read once per token tile. Needs common/step, common/ternary and a dot variant
// (common/ternary-dot4 or common/ternary-int).

override WG: u32 = 64u; // invocations per workgroup = rows per tile
const TT: u32 = 8u;     // tokens per tile: two vec4 accumulators per invocation
const KB: u32 = 4u;     // 64-weight blocks per step (256 weights)
const TS: u32 = KB * 4u; // activation vectors per token per step

struct Params {
  rows: u32,       // output rows N
  row_blocks: u32, // 64-weight blocks per row: paddedCols(cols) / 64 (one vec4u each)
  y_offset: u32,   // element of y for row 0 of token 0
  y_stride: u32,   // elements of y between tokens
  wscale: f32,     // per-tensor weight scale (γ)
}

@group(0) @binding(0) var<storage, read> w: array<vec4u>;   // [rows][row_blocks], compute layout
@group(0) @binding(1) var<storage, read> a: array<vec4u>;   // [tokens][4 row_blocks], packed int8
@group(0) @binding(2) var<storage, read> scale: array<f32>; // [tokens] s from quantize-act
@group(0) @binding(3) var<storage, read> qsum: array<i32>;  // [tokens] Σq from quantize-act
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> step: Step;              // n_tokens = T
@group(0) @binding(6) var<uniform> p: Params;

var<workgroup> wt: array<vec4u, WG * KB>;      // [KB][WG]: block kb of tile row r at kb * WG + r
var<workgroup> at: array<vec4u, TT * TS>;     // [TT][TS]: the activations of the same blocks

// Σ code * q of one weight block (its four words unpacked in c) with one token's 64 activations,
// at[ab .. ab + 3]: vector g holds activation words 4g .. 4g + 3, and word i of the block pairs,
// at shift 2g, with activation word 4g + i.
fn block_dot(c: array<Codes, 4>, ab: u32) -> i32 {
  let a0 = at[ab];
  let a1 = at[ab + 1u];
  let a2 = at[ab + 2u];
  let a3 = at[ab + 3u];
  return codes_dot(c[0], unpack_acts(vec4u(a0.x, a1.x, a2.x, a3.x)))
    + codes_dot(c[1], unpack_acts(vec4u(a0.y, a1.y, a2.y, a3.y)))
    + codes_dot(c[2], unpack_acts(vec4u(a0.z, a1.z, a2.z, a3.z)))
    + codes_dot(c[3], unpack_acts(vec4u(a0.w, a1.w, a2.w, a3.w)));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let n0 = wg.x * WG;
  let t0 = wg.y * TT;
  let tokens = step.n_tokens;
  var acc_lo = vec4i(0); // tokens t0 .. t0 + 3
  var acc_hi = vec4i(0); // tokens t0 + 4 .. t0 + 7
  for (var b0 = 0u; b0 < p.row_blocks; b0 += KB) {
    // Out-of-range weights load as 0 and activations as 0: a zero activation cancels any code.
    for (var f = lid.x; f < WG * KB; f += WG) {
      let r = f / KB;
      let b = b0 + f % KB;
      var v = vec4u(0u);
      if (n0 + r < p.rows && b < p.row_blocks) { v = w[(n0 + r) * p.row_blocks + b]; }
      wt[(f % KB) * WG + r] = v;
    }
    for (var f = lid.x; f < TT * TS; f += WG) {
      let t = t0 + f / TS;
      let v4 = b0 * 4u + f % TS;
      var v = vec4u(0u);
      if (t < tokens && v4 < p.row_blocks * 4u) { v = a[t * p.row_blocks * 4u + v4]; }
      at[f] = v;
    }
    workgroupBarrier();
    for (var kb = 0u; kb < KB; kb++) {
      let wv = wt[kb * WG + lid.x];
      let c = array<Codes, 4>(unpack_codes(wv.x), unpack_codes(wv.y), unpack_codes(wv.z), unpack_codes(wv.w));
      // Token tt's activations for block kb start at at[tt * TS + kb * 4]. Written out for the 8
      // tokens so that no compiler has to unroll a loop or keep an indexed array in registers.
      let ab = kb * 4u;
      acc_lo += vec4i(block_dot(c, ab), block_dot(c, ab + TS), block_dot(c, ab + 2u * TS), block_dot(c, ab + 3u * TS));
      acc_hi += vec4i(block_dot(c, ab + 4u * TS), block_dot(c, ab + 5u * TS), block_dot(c, ab + 6u * TS), block_dot(c, ab + 7u * TS));
    }
    workgroupBarrier();
  }
  let n = n0 + lid.x;
  if (n < p.rows) {
    for (var tt = 0u; tt < TT; tt++) {
      let t = t0 + tt;
      if (t < tokens) {
        let dot = select(acc_hi[tt & 3u], acc_lo[tt & 3u], tt < 4u);
        // |dot - qsum| <= 128 * cols < 2^24, so the conversion to f32 is exact.
        y[p.y_offset + t * p.y_stride + n] = div_rn(f32(dot - qsum[t]), scale[t]) * p.wscale;
      }
    }
  }
}
