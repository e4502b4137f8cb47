// Causal attention for a few query tokens over a long KV cache, split over the sequence
// (flash-decoding): workgroup (c, g, t) takes chunk c of the cached positions for KV head g and
// the GROUP query heads of token t that share it (GQA: query head h reads KV head h / GROUP),
// and writes an unnormalized partial (acc[HEAD_DIM], running max m, sum l). attention-combine
// merges the chunks. Inside a chunk, keys go in tiles of WG with an online softmax: thread j
// scores key j of the tile against the GROUP queries (read from global memory, the same address
// in every thread), and each thread keeps the accumulators of its output dimensions in registers.
// Needs common/step.
//
// Chunking: chunk_len = ceil(kv_len / max_chunks) rounded up to a multiple of WG, so the
// dispatch (max_chunks, n_kv_heads, tokens) is fixed while kv_len grows; chunks past the data exit.
// Partial record for (token t, query head h, chunk c), at ((t * n_heads + h) * max_chunks + c) *
// (HEAD_DIM + 2) in part: acc[0..HEAD_DIM) = sum_j exp(s_j - m) v_j, then m, then l = sum_j exp(s_j - m).

struct Params {
  n_heads: u32,     // query heads
  kv_dim: u32,      // elements per cache row: n_kv_heads * HEAD_DIM
  q_offset: u32,    // first element of token 0's query row in q (a multiple of 4)
  q_stride: u32,    // elements between tokens in q (a multiple of 4)
  max_chunks: u32,  // chunk slots per (token, head) in part
  scale: f32,       // 1 / sqrt(HEAD_DIM)
}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v_cache: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> p: Params;

override WG: u32 = 64u;        // threads, and keys per tile
override HEAD_DIM: u32 = 128u; // a multiple of 4
override GROUP: u32 = 4u;      // query heads per KV head, at most MAX_GROUP

const MAX_GROUP = 16u;
const MAX_DPT = 4u; // output dimensions per thread at most: HEAD_DIM <= 4 * WG
override DPT: u32 = (HEAD_DIM + WG - 1u) / WG; // (derived, do not set)
// "No score yet": finite, because WGSL implementations need not honour infinities. exp(NEG_BIG - m)
// is 0 for any real score m, and every row meets a real score in its first tile.
const NEG_BIG = -1e30;

var<workgroup> p_s: array<f32, GROUP * WG>; // [row][key in tile]: score, then weight
var<workgroup> m_s: array<f32, GROUP>;
var<workgroup> l_s: array<f32, GROUP>;
var<workgroup> corr_s: array<f32, GROUP>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let c = wg.x;
  let g = wg.y;
  let t = wg.z;
  let kv_len = step.kv_len;
  let lim = step.pos + t + 1u; // token t sees positions 0 .. lim - 1
  let chunk_len = ((kv_len + p.max_chunks - 1u) / p.max_chunks + WG - 1u) / WG * WG;
  let begin = c * chunk_len;
  if (t >= step.n_tokens || begin >= lim) { return; }
  let end = min(begin + chunk_len, lim);
  let d4 = HEAD_DIM / 4u;
  let h0 = g * GROUP; // first query head of this group

  let qb = (p.q_offset + t * p.q_stride + h0 * HEAD_DIM) / 4u; // in vec4s; the group's GROUP heads are contiguous
  // Thread lid owns dimensions lid + k * WG of every row: acc[k * MAX_GROUP + r].
  var acc: array<f32, MAX_DPT * MAX_GROUP>;
  for (var i = 0u; i < MAX_DPT * MAX_GROUP; i++) { acc[i] = 0.0; }
  if (lid < GROUP) {
    m_s[lid] = NEG_BIG;
    l_s[lid] = 0.0;
  }
  workgroupBarrier();

  let kv_dim4 = p.kv_dim / 4u;
  for (var start = begin; start < end; start += WG) {
    let n = min(WG, end - start); // keys in this tile
    if (lid < n) {
      var s: array<f32, MAX_GROUP>; // zeroed explicitly: on SwiftShader the bare declaration kept the previous tile's sums
      for (var r = 0u; r < GROUP; r++) { s[r] = 0.0; }
      let kb = (start + lid) * kv_dim4 + g * d4;
      for (var i = 0u; i < d4; i++) {
        let kv = k_cache[kb + i];
        for (var r = 0u; r < GROUP; r++) { s[r] += dot(q[qb + r * d4 + i], kv); }
      }
      for (var r = 0u; r < GROUP; r++) { p_s[r * WG + lid] = s[r] * p.scale; }
    }
    workgroupBarrier();
    if (lid < GROUP) {
      var tm = NEG_BIG;
      for (var j = 0u; j < n; j++) { tm = max(tm, p_s[lid * WG + j]); }
      let mn = max(m_s[lid], tm);
      corr_s[lid] = exp(m_s[lid] - mn);
      m_s[lid] = mn;
    }
    workgroupBarrier();
    if (lid < n) {
      for (var r = 0u; r < GROUP; r++) { p_s[r * WG + lid] = exp(p_s[r * WG + lid] - m_s[r]); }
    }
    workgroupBarrier();
    if (lid < GROUP) {
      var sum = 0.0;
      for (var j = 0u; j < n; j++) { sum += p_s[lid * WG + j]; }
      l_s[lid] = l_s[lid] * corr_s[lid] + sum;
    }
    for (var k = 0u; k < DPT; k++) {
      let d = lid + k * WG;
      if (d < HEAD_DIM) {
        for (var r = 0u; r < GROUP; r++) { acc[k * MAX_GROUP + r] *= corr_s[r]; }
        let vb = start * p.kv_dim + g * HEAD_DIM + d;
        for (var j = 0u; j < n; j++) {
          let vv = v_cache[vb + j * p.kv_dim];
          for (var r = 0u; r < GROUP; r++) { acc[k * MAX_GROUP + r] += p_s[r * WG + j] * vv; }
        }
      }
    }
    workgroupBarrier();
  }

  let rec = HEAD_DIM + 2u;
  let base = ((t * p.n_heads + h0) * p.max_chunks + c) * rec; // record of row r: base + r * max_chunks * rec
  for (var k = 0u; k < DPT; k++) {
    let d = lid + k * WG;
    if (d < HEAD_DIM) {
      for (var r = 0u; r < GROUP; r++) { part[base + r * p.max_chunks * rec + d] = acc[k * MAX_GROUP + r]; }
    }
  }
  if (lid < GROUP) {
    let b = base + lid * p.max_chunks * rec + HEAD_DIM;
    part[b] = m_s[lid];
    part[b + 1u] = l_s[lid];
  }
}
