// Per-token absmax int8 quantization of activations (spec §2.2), one workgroup per token row:
// s = 127 / max(amax, 1e-5), q = clamp(round(x * s), -128, 127) (WGSL round is ties-to-even),
// packed 4 per u32 (byte j of word i = q[4i + j]) in rows of paddedCols(cols) / 4 bytes with
// zero padding, and Σq per row. Needs common/reduce and common/ternary (div_rn).

struct Params {
  cols: u32,      // row length, in elements
  x_offset: u32,  // first element of row 0 in x
  x_stride: u32,  // elements between rows of x
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> q: array<u32>;     // [rows][paddedCols(cols) / 4 words]
@group(0) @binding(2) var<storage, read_write> scale: array<f32>; // [rows] s
@group(0) @binding(3) var<storage, read_write> qsum: array<i32>;  // [rows] Σq
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let xr = p.x_offset + wg.x * p.x_stride;
  var m = 0.0;
  for (var i = lid.x; i < p.cols; i += WG) {
    m = max(m, abs(x[xr + i]));
  }
  // The max is exact in any order and div_rn rounds as the CPU does, so s is bit-identical.
  let s = div_rn(127.0, max(wg_max(m, lid.x), 1e-5));
  let words = (p.cols + 63u) / 64u * 16u;
  let qr = wg.x * words;
  var sum = 0;
  for (var i = lid.x; i < words; i += WG) {
    var word = 0u;
    for (var j = 0u; j < 4u; j++) {
      let k = 4u * i + j;
      if (k < p.cols) {
        let v = i32(clamp(round(x[xr + k] * s), -128.0, 127.0));
        sum += v;
        word |= (bitcast<u32>(v) & 0xffu) << (8u * j);
      }
    }
    q[qr + i] = word;
  }
  // Every partial sum is an integer of magnitude <= 127 * cols < 2^24 (cols < 132104), so the
  // f32 reduction is exact.
  let total = wg_sum(f32(sum), lid.x);
  if (lid.x == 0u) {
    scale[wg.x] = s;
    qsum[wg.x] = i32(total);
  }
}
