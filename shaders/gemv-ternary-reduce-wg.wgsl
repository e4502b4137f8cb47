// gemv-ternary's reduction over the workgroup through workgroup memory, for adapters without
// subgroups: a tree of log2(WG) barriers. Returns the workgroup's total to every invocation.

var<workgroup> part: array<vec4i, WG>;

fn reduce_rows(v: vec4i, lid: u32) -> vec4i {
  part[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  return part[0];
}
