// Greedy sampling: out = the index of the largest logit, the lowest index on ties, as the CPU
// sampler picks. One workgroup: each invocation scans a strided slice in increasing index order
// (a strict > keeps its first maximum), then a tree keeps the larger value, or the lower index
// of equal values. NaN and -inf never win; when nothing beats -inf, out = 0xffffffff (the CPU
// sampler's -1, an error there).

override WG: u32 = 256u; // a power of two (the tree halves it)
const NONE = 0xffffffffu; // no candidate yet (WGSL has no -inf constant to start from)

struct Params {
  n: u32,             // logits (vocabulary size)
  logits_offset: u32, // element of logits holding logit 0
  out_offset: u32,    // element of out that receives the token id
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> best_val: array<f32, WG>;
var<workgroup> best_idx: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u) {
  var v = 0.0;
  var idx = NONE;
  for (var i = lid.x; i < p.n; i += WG) {
    let l = logits[p.logits_offset + i];
    // The first candidate is any value above -inf (NaN compares false); later ones must beat v.
    if (select(l > v, l >= -0x1.fffffep+127f, idx == NONE)) {
      v = l;
      idx = i;
    }
  }
  best_val[lid.x] = v;
  best_idx[lid.x] = idx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid.x < s) {
      let ov = best_val[lid.x + s];
      let oi = best_idx[lid.x + s];
      let bv = best_val[lid.x];
      let bi = best_idx[lid.x];
      if (oi != NONE && (bi == NONE || ov > bv || (ov == bv && oi < bi))) {
        best_val[lid.x] = ov;
        best_idx[lid.x] = oi;
      }
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    out[p.out_offset] = best_idx[0];
  }
}
