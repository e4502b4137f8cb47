// Gated activation (spec §1.2 "m = relu(gt)^2 * up"): y = act(gate) * up elementwise over the
// step's tokens, act = squared ReLU (2B4T) or SiLU (llama.cpp's `bitnet` models), as
// math.ts gatedActivation. One invocation per element. Needs common/step.

override ACT: u32 = 0u; // 0: relu2, relu(g)^2; 1: silu, g / (1 + e^-g)
override WG: u32 = 256u;

struct Params {
  len: u32,         // elements per token (the FFN width)
  gate_offset: u32, // first element of the step's first token in gate
  gate_stride: u32, // elements between tokens in gate
  up_offset: u32,
  up_stride: u32,
  y_offset: u32,
  y_stride: u32,
}

// gate and up may be one buffer (a fused gate|up projection); y must be another.
@group(0) @binding(0) var<storage, read> gate: array<f32>;
@group(0) @binding(1) var<storage, read> up: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> step: Step;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid.x;
  let t = i / p.len;
  if (t >= step.n_tokens) { return; }
  let j = i % p.len;
  let g = gate[p.gate_offset + t * p.gate_stride + j];
  var a: f32;
  if (ACT == 0u) {
    a = select(0.0, g * g, g > 0.0);
  } else {
    a = g / (1.0 + exp(-g));
  }
  y[p.y_offset + t * p.y_stride + j] = a * up[p.up_offset + t * p.up_stride + j];
}
