// NeoX RoPE in place (spec §1.2): in each head, element j pairs with j + headDim/2 and turns by
// θ_j = pos · base^(-2j/headDim), pos = Step.pos + t for the step's token t. cos θ and sin θ come
// from a table built in float64 on the CPU (rope.ts ropeTable): WGSL's cos, sin and pow lose
// accuracy at large arguments, and the table leaves only ropeNeox's f32 products and sums.
// One invocation per pair. Needs common/step.

override WG: u32 = 256u;

struct Params {
  heads: u32,    // heads per token in x (q and k heads together when they share a row)
  half: u32,     // headDim / 2: pairs per head, and table entries per position
  x_offset: u32, // first element of the step's first token in x
  x_stride: u32, // elements between tokens in x
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> table: array<vec2<f32>>; // [position][j] = (cos θ_j, sin θ_j)
@group(0) @binding(2) var<uniform> step: Step;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid.x;
  let per_token = p.heads * p.half;
  let t = i / per_token;
  if (t >= step.n_tokens) { return; }
  let head = (i % per_token) / p.half;
  let j = i % p.half;
  let cs = table[(step.pos + t) * p.half + j];
  let at = p.x_offset + t * p.x_stride + 2u * p.half * head + j;
  let a = x[at];
  let b = x[at + p.half];
  x[at] = a * cs.x - b * cs.y;
  x[at + p.half] = a * cs.y + b * cs.x;
}
