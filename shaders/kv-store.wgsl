// KV cache append (spec §1.2 "append k, v to KV cache"): copies this call's RoPE'd key and value
// rows into the layer's cache at positions Step.pos + t. One workgroup per token.
// Cache layout: [context_size][kv_dim] f32, row p = position p, KV head g at columns
// g*head_dim .. (g+1)*head_dim - 1. f32 keeps the CPU engine's exact values.
// Needs common/step.

struct Params {
  kv_dim: u32,        // elements per cache row: n_kv_heads * head_dim
  context_size: u32,  // rows in each cache buffer (positions at or past it are dropped)
  k_offset: u32,      // first element of token 0's key row in k
  k_stride: u32,      // elements between tokens in k
  v_offset: u32,      // first element of token 0's value row in v
  v_stride: u32,      // elements between tokens in v
}

@group(0) @binding(0) var<storage, read> k: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(3) var<storage, read_write> v_cache: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> p: Params;

override WG: u32 = 128u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = wg.x;
  let pos = step.pos + t;
  if (t >= step.n_tokens || pos >= p.context_size) { return; }
  let dst = pos * p.kv_dim;
  let ks = p.k_offset + t * p.k_stride;
  let vs = p.v_offset + t * p.v_stride;
  for (var i = lid.x; i < p.kv_dim; i += WG) {
    k_cache[dst + i] = k[ks + i];
    v_cache[dst + i] = v[vs + i];
  }
}
