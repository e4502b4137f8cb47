// The numerical definition of the model's building blocks (spec §1.2, §2.2), written as plain
// loops. Every fast kernel (WASM, WGSL) is tested against these. Rounding points are explicit:
// `f32` (Math.fround) marks where a float32 engine rounds; sums run in float64 and in index
// order unless a function says otherwise, so any backend can reproduce them bit for bit.

export const f32 = Math.fround;

/** Round to nearest, ties to even (ggml's nearest_int, torch.round). */
export function roundHalfEven(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d < 0.5) return fl;
  if (d > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** Per-token absmax int8 quantization (spec §2.2). Returns the f32 scale s and Σq. */
export function quantizeActivations(x: Float32Array, q: Int8Array): { scale: number; sum: number } {
  let amax = 1e-5; // the floor keeps an all-zero row finite
  for (let i = 0; i < x.length; i++) amax = Math.max(amax, Math.abs(x[i]));
  const s = f32(127 / amax);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.min(127, Math.max(-128, roundHalfEven(f32(x[i] * s))));
    q[i] = v;
    sum += v;
  }
  return { scale: s, sum };
}

/** y[n] = (Σ_k W[n][k]·q[k]) / s · wscale, with W signed ternary [rows][cols] (spec §2.2). */
export function bitLinear(w: Int8Array, rows: number, cols: number, wscale: number, q: Int8Array, s: number, y: Float32Array): void {
  for (let n = 0; n < rows; n++) {
    let dot = 0;
    for (let k = 0; k < cols; k++) dot += w[n * cols + k] * q[k];
    y[n] = f32(f32(f32(dot) / s) * wscale);
  }
}

/**
 * Float dot product for the LM head, accumulated in 8 float32 lanes (lane = index mod 8) and
 * reduced as ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). The lane structure is part of the
 * definition so that a SIMD kernel can be bit-identical to this loop.
 */
export function dotLanes8(w: Float32Array, x: Float32Array, n = w.length): number {
  const l = new Float64Array(8); // holds float32 values; every update is rounded
  for (let i = 0; i < n; i++) l[i & 7] = f32(l[i & 7] + f32(w[i] * x[i]));
  const c0 = f32(l[0] + l[4]), c1 = f32(l[1] + l[5]), c2 = f32(l[2] + l[6]), c3 = f32(l[3] + l[7]);
  return f32(f32(c0 + c2) + f32(c1 + c3));
}

/** RMSNorm: y = w · x / sqrt(mean(x²) + eps); squares summed in float64 like ggml. */
export function rmsNorm(x: Float32Array, w: Float32Array, eps: number, y: Float32Array): void {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  const scale = f32(1 / Math.sqrt(ss / x.length + eps));
  for (let i = 0; i < x.length; i++) y[i] = f32(f32(x[i] * scale) * w[i]);
}

/** cos/sin of θ_j = pos · base^(-2j/dims) for j < dims/2, rounded to f32. */
export function ropeAngles(pos: number, dims: number, base: number): { cos: Float32Array; sin: Float32Array } {
  const half = dims / 2;
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  for (let j = 0; j < half; j++) {
    const theta = pos * Math.pow(base, (-2 * j) / dims);
    cos[j] = Math.cos(theta);
    sin[j] = Math.sin(theta);
  }
  return { cos, sin };
}

/** NeoX RoPE in place on one head: element j pairs with j + dims/2 (spec §1.2). */
export function ropeNeox(x: Float32Array, cos: Float32Array, sin: Float32Array): void {
  const half = cos.length;
  for (let j = 0; j < half; j++) {
    const a = x[j];
    const b = x[j + half];
    x[j] = f32(f32(a * cos[j]) - f32(b * sin[j]));
    x[j + half] = f32(f32(a * sin[j]) + f32(b * cos[j]));
  }
}

/** Squared-ReLU gate (2B4T) or SiLU gate (llama.cpp `bitnet` default) times up, in place into `gate`. */
export function gatedActivation(gate: Float32Array, up: Float32Array, kind: 'relu2' | 'silu'): void {
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i];
    const a = kind === 'relu2' ? (g > 0 ? f32(g * g) : 0) : f32(g / (1 + Math.exp(-g)));
    gate[i] = f32(a * up[i]);
  }
}

/**
 * Causal attention of one query head over cached positions 0..n-1 (spec §1.2): scores
 * q·k / sqrt(headDim) and the softmax in float64, the output rounded to f32 once per element.
 * `keys`/`values` hold one row of `stride` floats per position; this head's slice starts at `kvOff`.
 */
export function attendHead(
  q: Float32Array, qOff: number, keys: Float32Array, values: Float32Array, stride: number, kvOff: number,
  n: number, headDim: number, out: Float32Array, outOff: number, scores: Float64Array,
): void {
  const scale = 1 / Math.sqrt(headDim);
  let max = -Infinity;
  for (let t = 0; t < n; t++) {
    const k = t * stride + kvOff;
    let s = 0;
    for (let i = 0; i < headDim; i++) s += q[qOff + i] * keys[k + i];
    scores[t] = s * scale;
    max = Math.max(max, scores[t]);
  }
  let sum = 0;
  for (let t = 0; t < n; t++) {
    scores[t] = Math.exp(scores[t] - max);
    sum += scores[t];
  }
  for (let i = 0; i < headDim; i++) {
    let acc = 0;
    for (let t = 0; t < n; t++) acc += scores[t] * values[t * stride + kvOff + i];
    out[outOff + i] = acc / sum;
  }
}
