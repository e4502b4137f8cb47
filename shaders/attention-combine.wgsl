// Merges attention-decode's chunk partials into the output: for query head h of token t,
// o = sum_c exp(m_c - M) acc_c / sum_c exp(m_c - M) l_c with M = max_c m_c.
// Workgroup (h, t); threads over the head's dimensions. Needs common/step.

struct Params {
  n_heads: u32,
  max_chunks: u32,  // as in attention-decode
  tile: u32,        // attention-decode's WG: chunk lengths are multiples of it
  o_offset: u32,    // first element of token 0's output row in o
  o_stride: u32,    // elements between tokens in o
}

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<uniform> step: Step;
@group(0) @binding(3) var<uniform> p: Params;

override WG: u32 = 64u;
override HEAD_DIM: u32 = 128u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.x;
  let t = wg.y;
  if (t >= step.n_tokens) { return; }
  let lim = step.pos + t + 1u;
  let chunk_len = ((step.kv_len + p.max_chunks - 1u) / p.max_chunks + p.tile - 1u) / p.tile * p.tile;
  let n_chunks = (lim + chunk_len - 1u) / chunk_len;
  let rec = HEAD_DIM + 2u;
  let base = (t * p.n_heads + h) * p.max_chunks * rec;

  var m = part[base + HEAD_DIM];
  for (var c = 1u; c < n_chunks; c++) { m = max(m, part[base + c * rec + HEAD_DIM]); }
  var l = 0.0;
  for (var c = 0u; c < n_chunks; c++) { l += part[base + c * rec + HEAD_DIM + 1u] * exp(part[base + c * rec + HEAD_DIM] - m); }
  let ob = p.o_offset + t * p.o_stride + h * HEAD_DIM;
  for (var d = lid.x; d < HEAD_DIM; d += WG) {
    var acc = 0.0;
    for (var c = 0u; c < n_chunks; c++) { acc += part[base + c * rec + d] * exp(part[base + c * rec + HEAD_DIM] - m); }
    o[ob + d] = acc / l;
  }
}
