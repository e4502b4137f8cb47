// Sampling, pass 3 of 3, one workgroup, over the KEEP best candidates (best first) that
// sample-topk left (sampler.ts order: top-k -> top-p -> min-p -> temperature -> draw):
// mode 0 (greedy) and mode 1 (whose keys already hold the Gumbel noise) take the first one;
// mode 2 keeps the first top_k, then the shortest prefix whose probability reaches top_p (of the
// top_k's total, or with need_z of the whole vocabulary's), then those with p >= min_p * p_max,
// and draws among them with weights exp((l - l_max) / T) by the Gumbel-max trick.
// Writes the token to out[out_offset] and to the history ring at position Step.kv_len.
// Needs common/step, sample-settings, sample-rng.

struct Params {
  n_stats: u32,      // workgroups of the first sample-topk round (entries in stats)
  history_size: u32, // slots in the history ring; 0 = no history
  out_offset: u32,   // element of out that receives the token
}

struct Cand {
  key: f32,
  idx: u32,
}

@group(0) @binding(0) var<storage, read> cand: array<Cand>;
@group(0) @binding(1) var<storage, read> stats: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read_write> history: array<u32>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> s: Settings;
@group(0) @binding(6) var<uniform> p: Params;

override WG: u32 = 64u;
override KEEP: u32 = 64u;

const NONE = 0xffffffffu;

var<workgroup> w_s: array<f32, KEEP>;   // exp(l - l_max): the probability times the softmax denominator
var<workgroup> key_s: array<f32, KEEP>; // (l - l_max) / T + Gumbel noise

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  var tok = cand[0].idx;
  if (s.mode == 2u) {
    let m = cand[0].key;
    for (var i = lid; i < KEEP; i += WG) {
      let c = cand[i];
      let ok = i < s.top_k && c.idx != NONE;
      w_s[i] = select(0.0, exp(c.key - m), ok);
      key_s[i] = select(0.0, (c.key - m) * s.inv_temperature + gumbel(s.seed, step.kv_len, c.idx), ok);
    }
    workgroupBarrier();
    if (lid != 0u) { return; }
    var n = 0u; // candidates left by top-k (and the vocabulary size)
    var z = 0.0;
    for (var i = 0u; i < s.top_k && i < KEEP; i++) {
      if (cand[i].idx == NONE) { break; }
      z += w_s[i];
      n = i + 1u;
    }
    if (s.top_p < 1.0) {
      if (s.need_z == 1u) {
        z = 0.0;
        for (var w = 0u; w < p.n_stats; w++) { z += stats[w].y * exp(stats[w].x - m); }
      }
      let goal = s.top_p * z;
      var cum = 0.0;
      for (var i = 0u; i < n; i++) {
        cum += w_s[i];
        if (cum >= goal) {
          n = i + 1u;
          break;
        }
      }
    }
    var best = key_s[0];
    for (var i = 1u; i < n; i++) {
      if (w_s[i] >= s.min_p && key_s[i] > best) {
        best = key_s[i];
        tok = cand[i].idx;
      }
    }
  } else if (lid != 0u) {
    return;
  }
  out[p.out_offset] = tok;
  if (p.history_size > 0u) { history[step.kv_len % p.history_size] = tok; }
}
