enable subgroups;
// gemv-ternary's reduction with subgroupAdd: one add per subgroup, then one workgroup atomic per
// subgroup and row (integer, so the order does not matter; workgroup memory starts zeroed).
// Works for any subgroup size. The `enable` must open the module, so list this file first.

var<workgroup> part: array<atomic<i32>, 4>;

fn reduce_rows(v: vec4i, lid: u32) -> vec4i {
  let s = subgroupAdd(v);
  if (subgroupElect()) {
    atomicAdd(&part[0], s.x);
    atomicAdd(&part[1], s.y);
    atomicAdd(&part[2], s.z);
    atomicAdd(&part[3], s.w);
  }
  workgroupBarrier();
  return vec4i(atomicLoad(&part[0]), atomicLoad(&part[1]), atomicLoad(&part[2]), atomicLoad(&part[3]));
}
