// RMSNorm (spec §1.2): y = w * x / sqrt(mean(x^2) + eps), one workgroup per row.
// Needs common/reduce.

struct Params {
  cols: u32,      // row length, in elements
  x_offset: u32,  // first element of row 0 in x
  x_stride: u32,  // elements between rows of x
  y_offset: u32,
  y_stride: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let xr = p.x_offset + wg.x * p.x_stride;
  let yr = p.y_offset + wg.x * p.y_stride;
  var ss = 0.0;
  for (var i = lid.x; i < p.cols; i += WG) {
    let v = x[xr + i];
    ss += v * v;
  }
  let scale = inverseSqrt(wg_sum(ss, lid.x) / f32(p.cols) + p.eps);
  for (var i = lid.x; i < p.cols; i += WG) {
    y[yr + i] = (x[xr + i] * scale) * w[i];
  }
}
