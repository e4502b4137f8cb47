// Ternary GEMV for decode (spec §2.2): y[n] = f32(f32(dot - qsum) / s) * wscale, dot = Σ code * q
// over the packed row. A workgroup computes ROWS rows of one token (workgroup_id.y); its WG
// invocations stride over the words of those rows, so neighbours read neighbouring u32 words
// and each activation word, loaded once, serves all ROWS rows. Needs common/ternary, a dot
// variant (common/ternary-dot4 or common/ternary-int) and a reduction
// (gemv-ternary-reduce-subgroups, which must come first, or gemv-ternary-reduce-wg).

override WG: u32 = 64u; // invocations per workgroup (a power of two, >= ROWS)
const ROWS: u32 = 4u;   // rows per workgroup: one vec4 lane each

struct Params {
  rows: u32,      // output rows N
  row_words: u32, // u32 words per weight row: paddedCols(cols) / 16; activation rows hold 4x as many
  y_offset: u32,  // element of y for row 0 of token 0
  y_stride: u32,  // elements of y between tokens
  wscale: f32,    // per-tensor weight scale (γ)
}

@group(0) @binding(0) var<storage, read> w: array<u32>;     // [rows][row_words], compute layout
@group(0) @binding(1) var<storage, read> a: array<u32>;     // [tokens][4 row_words], packed int8
@group(0) @binding(2) var<storage, read> scale: array<f32>; // [tokens] s from quantize-act
@group(0) @binding(3) var<storage, read> qsum: array<i32>;  // [tokens] Σq from quantize-act
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let n0 = wg.x * ROWS;
  let t = wg.y;
  // Rows past the end re-read the last row and are not stored: control flow stays uniform.
  let last = p.rows - 1u;
  let r0 = min(n0, last) * p.row_words;
  let r1 = min(n0 + 1u, last) * p.row_words;
  let r2 = min(n0 + 2u, last) * p.row_words;
  let r3 = min(n0 + 3u, last) * p.row_words;
  let act = t * p.row_words * 4u;
  var acc = vec4i(0);
  for (var j = lid.x; j < p.row_words; j += WG) {
    // Word j is word i = j % 4 of block b = j / 4; at shift 2g it pairs with activation word 16b + 4g + i.
    let ai = act + (j >> 2u) * 16u + (j & 3u);
    let q = unpack_acts(vec4u(a[ai], a[ai + 4u], a[ai + 8u], a[ai + 12u]));
    acc += vec4i(
      codes_dot(unpack_codes(w[r0 + j]), q),
      codes_dot(unpack_codes(w[r1 + j]), q),
      codes_dot(unpack_codes(w[r2 + j]), q),
      codes_dot(unpack_codes(w[r3 + j]), q),
    );
  }
  let dot = reduce_rows(acc, lid.x);
  let n = n0 + lid.x;
  if (lid.x < ROWS && n < p.rows) {
    // |dot - qsum| <= 128 * cols < 2^24, so the conversion to f32 is exact.
    y[p.y_offset + t * p.y_stride + n] = div_rn(f32(dot[lid.x] - qsum[t]), scale[t]) * p.wscale;
  }
}
