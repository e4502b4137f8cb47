// Sampling, pass 1 of 3 (sampler.ts `penalize`): repetition, frequency and presence penalties on
// the tokens of the last `window` positions, applied to the logits IN PLACE. One workgroup; each
// distinct token is handled by the thread that holds its first occurrence in the window, which
// counts the others (window^2 / WG compares: meant for windows of up to about a thousand).
// History: u32 ring, token at position p in slot p % history_size. Needs common/step, sample-settings.

struct Params {
  vocab: u32,
  history_size: u32, // slots in the history ring
}

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> history: array<u32>;
@group(0) @binding(2) var<uniform> step: Step;
@group(0) @binding(3) var<uniform> s: Settings;
@group(0) @binding(4) var<uniform> p: Params;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3u) {
  if (s.penalize == 0u) { return; }
  let w = min(s.window, step.kv_len); // positions kv_len - w .. kv_len - 1
  let first = step.kv_len - w;
  for (var i = lid.x; i < w; i += WG) {
    let tok = history[(first + i) % p.history_size];
    if (tok >= p.vocab) { continue; }
    var count = 1u;
    var repeat = false;
    for (var j = 0u; j < w; j++) {
      if (j != i && history[(first + j) % p.history_size] == tok) {
        if (j < i) {
          repeat = true;
          break;
        }
        count++;
      }
    }
    if (repeat) { continue; }
    let v = logits[tok];
    logits[tok] = select(v / s.repetition, v * s.repetition, v <= 0.0) - (f32(count) * s.frequency + s.presence);
  }
}
