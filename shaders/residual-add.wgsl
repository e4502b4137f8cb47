// Residual connection (spec §1.2 "h = h + ..."): x += y elementwise over the step's tokens, one
// invocation per element. Needs common/step.

override WG: u32 = 256u;

struct Params {
  len: u32,      // elements per token
  x_offset: u32, // first element of the step's first token in x
  x_stride: u32, // elements between tokens in x
  y_offset: u32,
  y_stride: u32,
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<uniform> step: Step;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid.x;
  let t = i / p.len;
  if (t >= step.n_tokens) { return; }
  let j = i % p.len;
  let at = p.x_offset + t * p.x_stride + j;
  x[at] = x[at] + y[p.y_offset + t * p.y_stride + j];
}
