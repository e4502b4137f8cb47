// Stateless random numbers for sampling: a hash of (seed, counter, token id), so a step needs no
// RNG state; the counter is the position of the token being drawn (Step.kv_len). Included by
// sample-topk and sample-draw.

// lowbias32 (C. Wellons, "Hash Prospector"): a bijection on u32 with low avalanche bias.
fn mix32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

// A standard Gumbel variate -ln(-ln u) for token `idx`, u uniform in (0, 1) on a 2^-24 grid.
// Adding it to logit / T and taking the argmax draws from softmax(logit / T) (the Gumbel-max trick).
fn gumbel(seed: u32, counter: u32, idx: u32) -> f32 {
  let k = mix32(mix32(mix32(seed + 0x9e3779b9u) ^ counter) + idx) >> 8u; // 24 random bits
  let u = (f32(k) + 0.5) * 5.9604645e-8; // (k + 1/2) / 2^24: exact, never 0 or 1
  // e = -ln u. WGSL's log has an absolute error bound near 1, where e -> 0 and -ln e is largest:
  // there, use the series -ln(1 - x) = x + x^2/2 + ... in x = 1 - u (exact), for x < 1/16
  // (next term x^7/7 is below 2^-24 of e).
  let x = (f32(0xffffffu - k) + 0.5) * 5.9604645e-8;
  var e: f32;
  if (x < 0.0625) {
    e = x * (1.0 + x * (0.5 + x * (0.33333334 + x * (0.25 + x * (0.2 + x * 0.16666667)))));
  } else {
    e = -log(u);
  }
  return -log(e);
}
