// The float steps between the matmuls, bit-identical to src/engine/math.ts: RMSNorm, NeoX RoPE,
// the squared-ReLU gate, the residual add, and causal attention without its exp (the engine
// applies Math.exp between attnScores and attnValues, so that the softmax is the host's own).
// f32 arithmetic is one rounding per operation, as fround of the f64 result in math.ts (exact
// for +, -, *, / of two f32); f64 sums run in index order, as in math.ts.

/** rmsNorm for rows [r0, r1) of x (row stride cols floats) into y; w the weights, eps as math.ts gets it. */
export function rmsNormRows(x: usize, w: usize, cols: i32, eps: f64, y: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * <usize>cols * 4, yr = y + <usize>r * <usize>cols * 4;
    let ss: f64 = 0; // Σ x² in f64, in order: each square of an f32 is exact in f64
    for (let i = 0; i < cols; i++) {
      const v = <f64>load<f32>(xr + <usize>i * 4);
      ss += v * v;
    }
    const scale = f32x4.splat(<f32>(1 / Math.sqrt(ss / <f64>cols + eps)));
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const o = <usize>i * 4;
      v128.store(yr + o, f32x4.mul(f32x4.mul(v128.load(xr + o), scale), v128.load(w + o)));
    }
    const s = f32x4.extract_lane(scale, 0);
    for (; i < cols; i++) {
      const o = <usize>i * 4;
      store<f32>(yr + o, load<f32>(xr + o) * s * load<f32>(w + o));
    }
  }
}

/**
 * ropeNeox on every head of rows [r0, r1) of x (row stride `stride` floats, heads of headDim from
 * the row start); row r is position pos0 + r, whose cos and sin (headDim / 2 each) are at
 * table + position · headDim floats.
 */
export function ropeRows(x: usize, stride: i32, heads: i32, headDim: i32, table: usize, pos0: i32, r0: i32, r1: i32): void {
  const half = headDim >> 1;
  for (let r = r0; r < r1; r++) {
    const cos = table + <usize>(pos0 + r) * <usize>headDim * 4, sin = cos + <usize>half * 4;
    for (let h = 0; h < heads; h++) {
      const a = x + (<usize>r * <usize>stride + <usize>h * <usize>headDim) * 4, b = a + <usize>half * 4;
      let j = 0;
      for (; j + 4 <= half; j += 4) {
        const o = <usize>j * 4;
        const va = v128.load(a + o), vb = v128.load(b + o), c = v128.load(cos + o), s = v128.load(sin + o);
        v128.store(a + o, f32x4.sub(f32x4.mul(va, c), f32x4.mul(vb, s)));
        v128.store(b + o, f32x4.add(f32x4.mul(va, s), f32x4.mul(vb, c)));
      }
      for (; j < half; j++) {
        const o = <usize>j * 4;
        const va = load<f32>(a + o), vb = load<f32>(b + o), c = load<f32>(cos + o), s = load<f32>(sin + o);
        store<f32>(a + o, va * c - vb * s);
        store<f32>(b + o, va * s + vb * c);
      }
    }
  }
}

/** gatedActivation 'relu2' in place into gate for n floats: (g > 0 ? g·g : 0) · up. */
export function relu2Gate(gate: usize, up: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const g = v128.load(gate + o);
    v128.store(gate + o, f32x4.mul(v128.bitselect(f32x4.mul(g, g), zero, f32x4.gt(g, zero)), v128.load(up + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const g = load<f32>(gate + o);
    store<f32>(gate + o, (g > 0 ? g * g : <f32>0) * load<f32>(up + o));
  }
}

/** x[i] = x[i] + y[i] for n floats. */
export function addInto(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(x + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) store<f32>(x + <usize>i * 4, load<f32>(x + <usize>i * 4) + load<f32>(y + <usize>i * 4));
}

/**
 * Attention scores of up to 4 query heads that share one KV head: out[j][t] = (Σ_i q_j[i] ·
 * K[i][t]) · scale for positions t < n, each sum in f64 in order of i (attendHead). q_j at
 * q + j · headDim floats (j < g; past g the last head is computed again, not stored); K is this
 * KV head's keys transposed, headDim rows of `cap` floats (position-major, so that four positions
 * are one load); out rows are `cap` f64 apart. Positions go four at a time: past n the lanes
 * compute whatever K holds there and are not stored.
 */
export function attnScores(q: usize, g: i32, headDim: i32, k: usize, cap: i32, n: i32, scale: f64, out: usize): void {
  const last = g - 1;
  const q0 = q, q1 = q + <usize>min(1, last) * <usize>headDim * 4, q2 = q + <usize>min(2, last) * <usize>headDim * 4, q3 = q + <usize>min(3, last) * <usize>headDim * 4;
  const rk = <usize>cap * 4;
  for (let t = 0; t < n; t += 4) {
    let a0 = f64x2.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    let kp = k + <usize>t * 4;
    for (let i = 0; i < headDim; i++) {
      const k4 = v128.load(kp);
      const lo = f64x2.promote_low_f32x4(k4), hi = f64x2.promote_low_f32x4(i32x4.shuffle(k4, k4, 2, 3, 2, 3));
      const o = <usize>i * 4;
      let s = f64x2.splat(<f64>load<f32>(q0 + o));
      a0 = f64x2.add(a0, f64x2.mul(s, lo)); b0 = f64x2.add(b0, f64x2.mul(s, hi));
      s = f64x2.splat(<f64>load<f32>(q1 + o));
      a1 = f64x2.add(a1, f64x2.mul(s, lo)); b1 = f64x2.add(b1, f64x2.mul(s, hi));
      s = f64x2.splat(<f64>load<f32>(q2 + o));
      a2 = f64x2.add(a2, f64x2.mul(s, lo)); b2 = f64x2.add(b2, f64x2.mul(s, hi));
      s = f64x2.splat(<f64>load<f32>(q3 + o));
      a3 = f64x2.add(a3, f64x2.mul(s, lo)); b3 = f64x2.add(b3, f64x2.mul(s, hi));
      kp += rk;
    }
    const sc = f64x2.splat(scale);
    storeScores(out, 0, cap, t, n, f64x2.mul(a0, sc), f64x2.mul(b0, sc));
    if (g > 1) storeScores(out, 1, cap, t, n, f64x2.mul(a1, sc), f64x2.mul(b1, sc));
    if (g > 2) storeScores(out, 2, cap, t, n, f64x2.mul(a2, sc), f64x2.mul(b2, sc));
    if (g > 3) storeScores(out, 3, cap, t, n, f64x2.mul(a3, sc), f64x2.mul(b3, sc));
  }
}

@inline function storeScores(out: usize, j: i32, cap: i32, t: i32, n: i32, lo: v128, hi: v128): void {
  const p = out + (<usize>j * <usize>cap + <usize>t) * 8;
  if (t + 4 <= n) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  store<f64>(p, f64x2.extract_lane(lo, 0));
  if (t + 1 < n) store<f64>(p, f64x2.extract_lane(lo, 1), 8);
  if (t + 2 < n) store<f64>(p, f64x2.extract_lane(hi, 0), 16);
}

/**
 * The attention outputs of up to 4 query heads sharing one KV head, from their softmax weights
 * (p rows of `cap` f64, exp already applied) and sums (f64 per head): out_j[i] = f32((Σ_t
 * p_j[t] · V[t][i]) / sum_j), the sum over t < n in f64 in order (attendHead). V rows are `stride`
 * floats apart, this head's slice at v; out_j at out + j · headDim floats. headDim % 4 == 0.
 */
export function attnValues(p: usize, sums: usize, g: i32, cap: i32, n: i32, v: usize, stride: i32, headDim: i32, out: usize): void {
  const last = g - 1;
  const rp = <usize>cap * 8;
  const p0 = p, p1 = p + <usize>min(1, last) * rp, p2 = p + <usize>min(2, last) * rp, p3 = p + <usize>min(3, last) * rp;
  const rv = <usize>stride * 4;
  for (let i = 0; i < headDim; i += 4) {
    let a0 = f64x2.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    let vp = v + <usize>i * 4;
    for (let t = 0; t < n; t++) {
      const v4 = v128.load(vp);
      const lo = f64x2.promote_low_f32x4(v4), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v4, v4, 2, 3, 2, 3));
      const o = <usize>t * 8;
      let s = f64x2.splat(load<f64>(p0 + o));
      a0 = f64x2.add(a0, f64x2.mul(s, lo)); b0 = f64x2.add(b0, f64x2.mul(s, hi));
      s = f64x2.splat(load<f64>(p1 + o));
      a1 = f64x2.add(a1, f64x2.mul(s, lo)); b1 = f64x2.add(b1, f64x2.mul(s, hi));
      s = f64x2.splat(load<f64>(p2 + o));
      a2 = f64x2.add(a2, f64x2.mul(s, lo)); b2 = f64x2.add(b2, f64x2.mul(s, hi));
      s = f64x2.splat(load<f64>(p3 + o));
      a3 = f64x2.add(a3, f64x2.mul(s, lo)); b3 = f64x2.add(b3, f64x2.mul(s, hi));
      vp += rv;
    }
    storeOut(out, 0, headDim, i, sums, a0, b0);
    if (g > 1) storeOut(out, 1, headDim, i, sums, a1, b1);
    if (g > 2) storeOut(out, 2, headDim, i, sums, a2, b2);
    if (g > 3) storeOut(out, 3, headDim, i, sums, a3, b3);
  }
}

@inline function storeOut(out: usize, j: i32, headDim: i32, i: i32, sums: usize, lo: v128, hi: v128): void {
  const s = f64x2.splat(load<f64>(sums + <usize>j * 8));
  const l = f32x4.demote_f64x2_zero(f64x2.div(lo, s)), h = f32x4.demote_f64x2_zero(f64x2.div(hi, s));
  v128.store(out + (<usize>j * <usize>headDim + <usize>i) * 4, i32x4.shuffle(l, h, 0, 1, 4, 5));
}

/**
 * Stores rows [r0, r1) of k and v (row stride kvDim floats, heads of headDim) as cache positions
 * pos0 + r: keys transposed, per KV head headDim rows of `cap` floats at kt + head · headDim · cap;
 * values as rows of kvDim floats at vc.
 */
export function kvStore(k: usize, v: usize, kvDim: i32, headDim: i32, kt: usize, vc: usize, cap: i32, pos0: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const pos = <usize>(pos0 + r);
    const kr = k + <usize>r * <usize>kvDim * 4;
    // dimension d of head h is row h · headDim + d of the transposed keys
    for (let d = 0; d < kvDim; d++) store<f32>(kt + (<usize>d * <usize>cap + pos) * 4, load<f32>(kr + <usize>d * 4));
    memory.copy(vc + pos * <usize>kvDim * 4, v + <usize>r * <usize>kvDim * 4, <usize>kvDim * 4);
  }
}

/**
 * attnScores for units [u0, u1) of a chunk of tokens: unit u is token t = u / kvHeads (position
 * pos0 + t, so n = pos0 + t + 1 positions) and KV head u % kvHeads with its query heads. q rows
 * are qStride floats; scores go to out[t][head][cap] (f64).
 */
export function attnScoresUnits(q: usize, qStride: i32, heads: i32, kvHeads: i32, headDim: i32, kt: usize, cap: i32, pos0: i32, scale: f64, out: usize, u0: i32, u1: i32): void {
  const group = heads / kvHeads;
  for (let u = u0; u < u1; u++) {
    const t = u / kvHeads, kv = u % kvHeads;
    const k = kt + <usize>kv * <usize>headDim * <usize>cap * 4;
    for (let j = 0; j < group; j += 4) {
      const h = kv * group + j;
      attnScores(q + (<usize>t * <usize>qStride + <usize>h * <usize>headDim) * 4, min(4, group - j), headDim, k, cap, pos0 + t + 1, scale, out + (<usize>t * <usize>heads + <usize>h) * <usize>cap * 8);
    }
  }
}

/**
 * attnValues for units [u0, u1) (as attnScoresUnits): weights p[t][head][cap], sums[t][head]
 * (f64), values rows of kvDim floats at vc; head h of token t goes to out + (t · outStride + h ·
 * headDim) floats.
 */
export function attnValuesUnits(p: usize, sums: usize, heads: i32, kvHeads: i32, headDim: i32, vc: usize, kvDim: i32, cap: i32, pos0: i32, out: usize, outStride: i32, u0: i32, u1: i32): void {
  const group = heads / kvHeads;
  for (let u = u0; u < u1; u++) {
    const t = u / kvHeads, kv = u % kvHeads;
    for (let j = 0; j < group; j += 4) {
      const h = kv * group + j;
      const th = <usize>t * <usize>heads + <usize>h;
      attnValues(p + th * <usize>cap * 8, sums + th * 8, min(4, group - j), cap, pos0 + t + 1, vc + <usize>kv * <usize>headDim * 4, kvDim, headDim, out + (<usize>t * <usize>outStride + <usize>h * <usize>headDim) * 4);
    }
  }
}
