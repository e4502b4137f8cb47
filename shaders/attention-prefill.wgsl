// Causal attention for a call of T tokens (prefill), over the cache after this call's kv-store:
// token t (position Step.pos + t) sees positions 0 .. Step.pos + t. Workgroup (tile, g) takes TQ
// consecutive tokens and the GROUP query heads that share KV head g (GQA: query head h reads KV
// head h / GROUP), so each key and value row read serves TQ * GROUP query rows. Keys go in tiles
// of WG with an online softmax, as in attention-decode; the output is normalized here.
// Needs common/step.

struct Params {
  kv_dim: u32,    // elements per cache row: n_kv_heads * HEAD_DIM
  q_offset: u32,  // first element of token 0's query row in q (a multiple of 4)
  q_stride: u32,  // elements between tokens in q (a multiple of 4)
  o_offset: u32,  // first element of token 0's output row in o
  o_stride: u32,  // elements between tokens in o
  scale: f32,     // 1 / sqrt(HEAD_DIM)
}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v_cache: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> p: Params;

override WG: u32 = 64u;        // threads, and keys per tile
override HEAD_DIM: u32 = 128u; // a multiple of 4
override GROUP: u32 = 4u;      // query heads per KV head
override TQ: u32 = 2u;         // tokens per workgroup; TQ * GROUP <= MAX_ROWS

override ROWS: u32 = TQ * GROUP; // (derived, do not set) row r: token tile * TQ + r / GROUP, query head g * GROUP + r % GROUP
const MAX_ROWS = 16u;
const MAX_DPT = 4u; // output dimensions per thread at most: HEAD_DIM <= 4 * WG
override DPT: u32 = (HEAD_DIM + WG - 1u) / WG; // (derived, do not set)
// "No score yet": finite, because WGSL implementations need not honour infinities. exp(NEG_BIG - m)
// is 0 for any real score m, and every active row meets a real score (key 0) in its first tile.
const NEG_BIG = -1e30;

var<workgroup> p_s: array<f32, ROWS * WG>; // [row][key in tile]: score, then weight
var<workgroup> m_s: array<f32, ROWS>;
var<workgroup> l_s: array<f32, ROWS>;
var<workgroup> corr_s: array<f32, ROWS>;
var<workgroup> n_s: array<u32, ROWS>; // the row's valid keys in this tile

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let t0 = wg.x * TQ;
  let g = wg.y;
  if (t0 >= step.n_tokens) { return; }
  let t_end = min(t0 + TQ, step.n_tokens);
  let end = step.pos + t_end; // the last token of the tile sees positions 0 .. end - 1
  let d4 = HEAD_DIM / 4u;

  // Thread lid owns dimensions lid + k * WG of every row: acc[k * MAX_ROWS + r].
  var acc: array<f32, MAX_DPT * MAX_ROWS>;
  for (var i = 0u; i < MAX_DPT * MAX_ROWS; i++) { acc[i] = 0.0; }
  if (lid < ROWS) {
    m_s[lid] = NEG_BIG;
    l_s[lid] = 0.0;
  }
  workgroupBarrier();

  let kv_dim4 = p.kv_dim / 4u;
  for (var start = 0u; start < end; start += WG) {
    let n = min(WG, end - start); // keys in this tile
    if (lid < n) {
      var s: array<f32, MAX_ROWS>; // zeroed explicitly: on SwiftShader the bare declaration kept the previous tile's sums
      for (var r = 0u; r < ROWS; r++) { s[r] = 0.0; }
      let kb = (start + lid) * kv_dim4 + g * d4;
      for (var i = 0u; i < d4; i++) {
        let kv = k_cache[kb + i];
        for (var r = 0u; r < ROWS; r++) {
          // Rows past the call repeat the last token's query; their results are not stored.
          let t = min(t0 + r / GROUP, t_end - 1u);
          let qi = (p.q_offset + t * p.q_stride + (g * GROUP + r % GROUP) * HEAD_DIM) / 4u + i;
          s[r] += dot(q[qi], kv);
        }
      }
      for (var r = 0u; r < ROWS; r++) { p_s[r * WG + lid] = s[r] * p.scale; }
    }
    workgroupBarrier();
    if (lid < ROWS) {
      // Row lid's token sees keys up to step.pos + t: a prefix of the tile, maybe empty.
      let lim = step.pos + t0 + lid / GROUP + 1u;
      let nr = select(0u, min(n, lim - start), lim > start);
      n_s[lid] = nr;
      var tm = NEG_BIG;
      for (var j = 0u; j < nr; j++) { tm = max(tm, p_s[lid * WG + j]); }
      let mn = max(m_s[lid], tm);
      corr_s[lid] = exp(m_s[lid] - mn);
      m_s[lid] = mn;
    }
    workgroupBarrier();
    if (lid < n) {
      for (var r = 0u; r < ROWS; r++) {
        let w = exp(p_s[r * WG + lid] - m_s[r]);
        p_s[r * WG + lid] = select(0.0, w, lid < n_s[r]);
      }
    }
    workgroupBarrier();
    if (lid < ROWS) {
      var sum = 0.0;
      for (var j = 0u; j < n_s[lid]; j++) { sum += p_s[lid * WG + j]; }
      l_s[lid] = l_s[lid] * corr_s[lid] + sum;
    }
    for (var k = 0u; k < DPT; k++) {
      let d = lid + k * WG;
      if (d < HEAD_DIM) {
        for (var r = 0u; r < ROWS; r++) { acc[k * MAX_ROWS + r] *= corr_s[r]; }
        let vb = start * p.kv_dim + g * HEAD_DIM + d;
        for (var j = 0u; j < n; j++) {
          let vv = v_cache[vb + j * p.kv_dim];
          for (var r = 0u; r < ROWS; r++) { acc[k * MAX_ROWS + r] += p_s[r * WG + j] * vv; }
        }
      }
    }
    workgroupBarrier();
  }

  for (var k = 0u; k < DPT; k++) {
    let d = lid + k * WG;
    for (var r = 0u; r < ROWS; r++) {
      let t = t0 + r / GROUP;
      if (d < HEAD_DIM && t < t_end) {
        o[p.o_offset + t * p.o_stride + (g * GROUP + r % GROUP) * HEAD_DIM + d] = acc[k * MAX_ROWS + r] / l_s[r];
      }
    }
  }
}
