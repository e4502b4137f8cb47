// Embedding lookup (spec §1.2 "h = Embedding[token_id]"): x[t] = dequant(E[tokens[t]]) for the
// step's tokens, one workgroup per token. E may be split by rows into parts, one instance per part:
// a token outside this part's rows [row0, row0 + rows) is left to the instance that holds it.
// Needs common/step, common/dequant.

override TYPE: u32 = 0u; // row format: 0 F32, 1 F16, 2 BF16, 3 Q8_0, 4 Q6_K (embed.ts TYPE_IDS)
override WG: u32 = 256u;

struct Params {
  cols: u32,          // elements per row (dim)
  row0: u32,          // first matrix row held by this part
  rows: u32,          // rows held by this part
  row_bytes: u32,     // bytes per stored row
  mat_offset: u32,    // byte offset of this part's first row in mat
  tokens_offset: u32, // element of tokens holding the step's first token
  x_offset: u32,      // first element of x for the step's first token
  x_stride: u32,      // elements between tokens in x
}

@group(0) @binding(0) var<storage, read> tokens: array<u32>;
@group(0) @binding(1) var<storage, read> mat: array<u32>;
// f32 values written as their bits: F32 and BF16 rows are copied, never moved through a float
// register that could flush subnormals or quiet NaNs.
@group(0) @binding(2) var<storage, read_write> x: array<u32>;
@group(0) @binding(3) var<uniform> step: Step;
@group(0) @binding(4) var<uniform> p: Params;

fn element_bits(row: u32, i: u32) -> u32 {
  switch TYPE {
    case 0u: { return mat[(row >> 2u) + i]; }
    case 1u: { return bitcast<u32>(mat_f16(row + 2u * i)); }
    case 2u: { return mat_bf16_bits(row + 2u * i); }
    case 3u: { return bitcast<u32>(dequant_q8_0(row, i)); }
    default: { return bitcast<u32>(dequant_q6_k(row, i)); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let t = wg.x + wg.y * nwg.x;
  if (t >= step.n_tokens) { return; }
  let row = tokens[p.tokens_offset + t] - p.row0; // wraps past p.rows when the token is below row0
  if (row >= p.rows) { return; }
  let src = p.mat_offset + row * p.row_bytes;
  let dst = p.x_offset + t * p.x_stride;
  for (var i = lid.x; i < p.cols; i += WG) {
    x[dst + i] = element_bits(src, i);
  }
}
