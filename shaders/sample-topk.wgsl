// Sampling, pass 2 of 3, run in rounds: workgroup w sorts input elements w*S .. w*S + S - 1 (a
// bitonic sort in workgroup memory) and writes its KEEP best as out[w * KEEP ..], best first
// (modes 0 and 1 need only the best: a reduction, and padding after it).
// Round 1 reads the logits, later rounds the previous round's candidates, until one workgroup is
// left: its output is the vocabulary's KEEP best, exactly ("best": larger key, then lower index).
// The key is the logit, except in mode 1 where it is logit / T + Gumbel noise, so that the first
// candidate is already a draw from softmax(logit / T) over the whole vocabulary.
// Needs common/reduce (WG), common/step, sample-settings, sample-rng.

struct Params {
  n_in: u32,   // input elements of this round
  first: u32,  // 1: round 1, the input is the logits (element i is token i); 0: candidates
}

struct Cand {
  key: f32,
  idx: u32,  // token id; NONE pads a workgroup with fewer than S inputs
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> cand_in: array<Cand>;
@group(0) @binding(2) var<storage, read_write> cand_out: array<Cand>;
@group(0) @binding(3) var<storage, read_write> stats: array<vec2<f32>>; // round 1, need_z: (max, sum exp(l - max)) per workgroup
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> s: Settings;
@group(0) @binding(6) var<uniform> p: Params;

override S: u32 = 1024u;  // elements sorted per workgroup: a power of two, >= 2 * KEEP; WG <= S / 2
override KEEP: u32 = 64u; // candidates kept per workgroup

const NONE = 0xffffffffu;
const LOWEST = -0x1.fffffep+127f; // -FLT_MAX: the padding key, below every finite logit

var<workgroup> buf: array<Cand, S>;

fn before(a: Cand, b: Cand) -> bool {
  return a.key > b.key || (a.key == b.key && a.idx < b.idx);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let base = wg.x * S;
  let full_vocab = p.first == 1u && s.mode == 1u;
  for (var i = lid; i < S; i += WG) {
    var c = Cand(LOWEST, NONE);
    if (base + i < p.n_in) {
      if (p.first == 1u) {
        var key = logits[base + i];
        if (full_vocab) { key = key * s.inv_temperature + gumbel(s.seed, step.kv_len, base + i); }
        c = Cand(key, base + i);
      } else {
        c = cand_in[base + i];
      }
    }
    buf[i] = c;
  }
  workgroupBarrier();

  if (s.mode != 2u) {
    // Greedy, or keys that hold the Gumbel noise: only the best matters, so a tree reduction
    // replaces the sort (log2(WG) barriers instead of log2(S)^2 / 2); the other slots get padding.
    var b = buf[lid];
    for (var i = lid + WG; i < S; i += WG) {
      if (before(buf[i], b)) { b = buf[i]; }
    }
    buf[lid] = b; // only thread lid touches buf[lid] for lid < WG here
    workgroupBarrier();
    for (var h = WG / 2u; h > 0u; h >>= 1u) {
      if (lid < h && before(buf[lid + h], buf[lid])) { buf[lid] = buf[lid + h]; }
      workgroupBarrier();
    }
    let best = buf[0];
    for (var i = lid; i < KEEP; i += WG) {
      var c = Cand(LOWEST, NONE);
      if (i == 0u) { c = best; }
      cand_out[wg.x * KEEP + i] = c;
    }
    return;
  }

  // Bitonic sort: after the stage of block size k, blocks of k are sorted, alternately best-first
  // and worst-first ((i & k) == 0 picks best-first), so the last stage leaves all S best-first.
  for (var k = 2u; k <= S; k <<= 1u) {
    for (var j = k >> 1u; j > 0u; j >>= 1u) {
      for (var q = lid; q < S / 2u; q += WG) {
        let i = (q / j) * 2u * j + q % j; // the pair (i, i + j), bit j of i clear
        let a = buf[i];
        let b = buf[i + j];
        if (select(before(a, b), before(b, a), (i & k) == 0u)) {
          buf[i] = b;
          buf[i + j] = a;
        }
      }
      workgroupBarrier();
    }
  }

  for (var i = lid; i < KEEP; i += WG) { cand_out[wg.x * KEEP + i] = buf[i]; }

  if (p.first == 1u && s.need_z == 1u) {
    // The softmax denominator of this slice relative to its max, for top-p over the whole vocabulary.
    let m = buf[0].key;
    var z = 0.0;
    for (var i = lid; i < S; i += WG) {
      if (buf[i].idx != NONE) { z += exp(buf[i].key - m); }
    }
    z = wg_sum(z, lid);
    if (lid == 0u) { stats[wg.x] = vec2(m, z); }
  }
}
