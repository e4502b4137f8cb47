// The LM head's frame (spec §1.2 "logits = Embedding · h"), shared by lm-head-<type>.wgsl, which
// defines unit_dot: logits[row] = dot(dequant(mat[row]), h) for the rows of one part of a
// row-split matrix. A workgroup computes ROWS consecutive rows: its threads stride over each row's
// units (a few elements; neighbouring threads read neighbouring bytes) for all ROWS rows at once,
// then one tree reduction of vec4 partial sums. Needs common/step, common/dequant.

const ROWS = 4u; // rows per workgroup: one vec4 accumulator per thread

override WG: u32 = 256u; // a power of two (the tree reduction halves it)

struct Params {
  rows: u32,       // rows held by this part
  units: u32,      // work units per row (elements per unit: see unit_dot)
  row_bytes: u32,  // bytes per stored row
  mat_offset: u32, // byte offset of this part's first row in mat (a multiple of 4)
  h_offset: u32,   // element of h for the step's first token
  h_stride: u32,   // elements between tokens in h; h is read at the step's last token (0: always h_offset)
  out_offset: u32, // element of logits for this part's first row
}

@group(0) @binding(0) var<storage, read> mat: array<u32>;
@group(0) @binding(1) var<storage, read> h: array<f32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;
@group(0) @binding(3) var<uniform> step: Step;
@group(0) @binding(4) var<uniform> p: Params;

var<workgroup> partial: array<vec4<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r0 = (wg.x + wg.y * nwg.x) * ROWS;
  if (r0 >= p.rows) { return; } // uniform: the whole workgroup leaves
  // Rows past the end repeat the last row (their sums are not written), so the loop has no branch.
  let last = p.rows - 1u;
  let rows = vec4<u32>(r0, min(r0 + 1u, last), min(r0 + 2u, last), min(r0 + 3u, last));
  let base = vec4<u32>(p.mat_offset) + rows * p.row_bytes;
  let hb = p.h_offset + (step.n_tokens - 1u) * p.h_stride;
  var acc = vec4<f32>(0.0);
  for (var u = lid.x; u < p.units; u += WG) {
    acc += unit_dot(u, base, hb);
  }
  partial[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid.x < s) { partial[lid.x] += partial[lid.x + s]; }
    workgroupBarrier();
  }
  if (lid.x < ROWS && r0 + lid.x < p.rows) {
    logits[p.out_offset + r0 + lid.x] = partial[0][lid.x];
  }
}
