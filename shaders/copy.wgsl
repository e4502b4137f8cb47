// A plain copy, dst = src, one vec4<u32> (16 bytes) per invocation: the bandwidth yardstick the
// engine's kernels are measured against (src/engine/webgpu/bandwidth.ts). The 2D grid is
// flattened as wg.x + wg.y * num_workgroups.x (see grid() in kernel.ts); the surplus exits.

override WG: u32 = 256u;

struct Params {
  n: u32, // vec4s to copy
}

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.x + wg.y * nwg.x) * WG + lid.x;
  if (i >= p.n) { return; }
  dst[i] = src[i];
}
