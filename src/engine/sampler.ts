// Token sampling from a logits vector, in llama.cpp's chain order: penalties -> top-k -> top-p ->
// min-p -> temperature -> draw. It prunes before it sorts, and it uses a seeded PRNG and its own
// exp so that the same seed, logits and history give the same tokens on every platform.

export interface SamplingParams {
  /** 0 = greedy (argmax, lowest index on ties). */
  temperature: number;
  /** Keep the k most likely tokens; 0 = off. */
  topK: number;
  /** Keep the smallest most-likely set whose probability reaches topP; 1 = off. */
  topP: number;
  /** Drop tokens less likely than minP times the most likely one; 0 = off. */
  minP: number;
  /** Divides positive (multiplies negative) logits of tokens in the window; 1 = off. */
  repetitionPenalty: number;
  /** Subtracted once per occurrence in the window; 0 = off. */
  frequencyPenalty: number;
  /** Subtracted once from every token that occurs in the window; 0 = off. */
  presencePenalty: number;
  /** How many of the latest history tokens the penalties look at; 0 = the whole history. */
  penaltyWindow: number;
  /** An integer in [0, 2^32); default: a random seed, which `Sampler.seed` reports. */
  seed?: number;
}

export const DEFAULT_SAMPLING: Readonly<SamplingParams> = Object.freeze({
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repetitionPenalty: 1,
  frequencyPenalty: 0,
  presencePenalty: 0,
  penaltyWindow: 64,
});

export const GREEDY: Readonly<SamplingParams> = Object.freeze({ ...DEFAULT_SAMPLING, temperature: 0, topK: 0, topP: 1, minP: 0 });

// exp(x) for x <= 0 from correctly rounded + - * / and tables only: Math.exp may differ in the last bit
// between engines, and that bit can flip a draw. Error: a few ulp.
const LN2_HI = 0.6931471803691238; // ln 2 to 32 bits, so k * LN2_HI is exact
const LN2_LO = 1.9082149292705877e-10; // ln 2 - LN2_HI
const POW2_NEG = new Float64Array(1076); // 2^-j by exact halving (2^-1075 rounds to 0)
const INV_FACT = new Float64Array(13); // 1/j!, for the Taylor series of e^r to r^12
POW2_NEG[0] = INV_FACT[0] = 1;
for (let j = 1; j < POW2_NEG.length; j++) POW2_NEG[j] = POW2_NEG[j - 1] * 0.5;
for (let j = 1; j < INV_FACT.length; j++) INV_FACT[j] = INV_FACT[j - 1] / j;

export function detExp(x: number): number {
  if (!(x > -745.2)) return 0; // underflow, -Infinity and NaN
  const k = Math.round(x * Math.LOG2E); // in [-1075, 0]
  const r = x - k * LN2_HI - k * LN2_LO; // |r| <= ln2 / 2 + a hair, so the series' remainder < 2e-16
  let p = INV_FACT[12];
  for (let j = 11; j >= 0; j--) p = p * r + INV_FACT[j];
  return p * POW2_NEG[-k];
}

/** xoshiro128** (Blackman & Vigna), its state filled by splitmix32 so that any seed works. */
class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed | 0;
    const splitmix = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return z ^ (z >>> 16);
    };
    // fmix32 is a bijection of distinct inputs, so at most one word is 0: the state is never all 0.
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  nextU32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }
}

function validate(p: SamplingParams): void {
  const check = (ok: boolean, name: string, value: unknown, rule: string) => {
    if (!ok) throw new Error(`sampler: ${name} = ${value}, expected ${rule}`);
  };
  const finite = Number.isFinite;
  check(finite(p.temperature) && p.temperature >= 0, 'temperature', p.temperature, 'a finite number >= 0');
  check(Number.isInteger(p.topK) && p.topK >= 0, 'topK', p.topK, 'an integer >= 0');
  check(p.topP > 0 && p.topP <= 1, 'topP', p.topP, 'a number in (0, 1]');
  check(p.minP >= 0 && p.minP <= 1, 'minP', p.minP, 'a number in [0, 1]');
  check(finite(p.repetitionPenalty) && p.repetitionPenalty > 0, 'repetitionPenalty', p.repetitionPenalty, 'a finite number > 0');
  check(finite(p.frequencyPenalty), 'frequencyPenalty', p.frequencyPenalty, 'a finite number');
  check(finite(p.presencePenalty), 'presencePenalty', p.presencePenalty, 'a finite number');
  check(Number.isInteger(p.penaltyWindow) && p.penaltyWindow >= 0, 'penaltyWindow', p.penaltyWindow, 'an integer >= 0');
  const s = p.seed;
  check(s === undefined || (Number.isInteger(s) && s >= 0 && s < 2 ** 32), 'seed', s, 'an integer in [0, 2^32)');
}

const NO_TOKEN = 0x7fffffff; // placeholder heap entry, worse than any real token
const BINS_PER_NAT = 8; // top-p histogram resolution, in units of logit distance from the max
const HIST_SPAN = 48; // the last bin holds everything more than this far below the max
const HIST_BINS = HIST_SPAN * BINS_PER_NAT + 1;

/** a is a worse candidate than b: lower logit, or the same logit and a higher token id. */
function worse(va: number, ta: number, vb: number, tb: number): boolean {
  return va < vb || (va === vb && ta > tb);
}

export class Sampler {
  readonly params: Readonly<SamplingParams>;
  private seedValue = 0;
  private rng!: Xoshiro128;
  // Candidates (token id, logit, later weight) in [0, m); reused across calls.
  private tok = new Int32Array(0);
  private val = new Float64Array(0);
  private m = 0;
  // Penalized tokens in ascending order with their new logits, and the runs of untouched tokens
  // around them as [from, to) pairs, so the hot loops read the caller's logits directly.
  private penTok = new Int32Array(0);
  private penVal = new Float64Array(0);
  private np = 0;
  private runs = new Int32Array(2);
  private nr = 2;
  private readonly counts = new Map<number, number>();
  private readonly hist = new Float64Array(HIST_BINS);

  constructor(params: Partial<SamplingParams> = {}) {
    const p = { ...DEFAULT_SAMPLING, ...params };
    validate(p);
    this.params = Object.freeze(p);
    this.reset(p.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** The seed of the current stream: pass it back in `params.seed` to replay a run. */
  get seed(): number {
    return this.seedValue;
  }

  /** Restarts the random stream, from `seed` if given, else from the current seed. */
  reset(seed = this.seedValue): void {
    validate({ ...this.params, seed });
    this.seedValue = seed;
    this.rng = new Xoshiro128(seed);
  }

  /** Picks the next token. `history` holds the tokens so far (prompt included), oldest first. */
  sample(logits: Float32Array, history: ArrayLike<number>): number {
    const n = logits.length;
    if (n === 0) throw new Error('sampler: empty logits');
    this.penalize(logits, history);
    const { temperature, topK, topP, minP } = this.params;
    if (temperature === 0) return this.argmax(logits).tok;

    let max: number;
    if (topK > 0 && topK < n) {
      this.collectTopK(logits, topK);
      max = -Infinity;
      for (let i = 0; i < this.m; i++) max = Math.max(max, this.val[i]);
      this.checkMax(max);
      let z = 0;
      if (topP < 1) for (let i = 0; i < this.m; i++) z += detExp(this.val[i] - max);
      this.truncate(max, z);
    } else {
      max = this.argmax(logits).val;
      this.checkMax(max);
      // The bound only prunes (with slack for Math.log and rounding); truncate() applies min-p exactly.
      const minCut = minP > 0 ? max + Math.log(minP) - 1e-6 * (1 + Math.abs(max)) : -Infinity;
      const { z, cut: pCut } = topP < 1 ? this.nucleusBound(logits, max) : { z: 0, cut: -Infinity };
      let cut = Math.max(minCut, pCut);
      // The histogram's bound can fall short of the sorted sum by rounding: then collect again.
      while (!this.collectAbove(logits, cut).truncate(max, z) && cut > minCut) cut = minCut;
    }
    return this.draw(max);
  }

  private checkMax(max: number): void {
    if (!Number.isFinite(max)) throw new Error(`sampler: the largest logit is ${max}, expected a finite number`);
  }

  /** Applies the penalties to the tokens in the window, and splits [0, n) into runs around them. */
  private penalize(logits: Float32Array, history: ArrayLike<number>): void {
    const n = logits.length;
    const { repetitionPenalty: rep, frequencyPenalty: freq, presencePenalty: pres, penaltyWindow: w } = this.params;
    const counts = this.counts;
    counts.clear();
    if (rep !== 1 || freq !== 0 || pres !== 0) {
      for (let i = w > 0 ? Math.max(0, history.length - w) : 0; i < history.length; i++) {
        const t = history[i];
        if (!(Number.isInteger(t) && t >= 0 && t < n)) throw new Error(`sampler: history[${i}] = ${t} is not a token id below ${n}`);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
    }
    const np = (this.np = counts.size);
    if (this.penTok.length < np) {
      this.penTok = new Int32Array(np * 2);
      this.penVal = new Float64Array(np * 2);
      this.runs = new Int32Array(np * 4 + 2);
    }
    const penTok = this.penTok;
    let j = 0;
    for (const t of counts.keys()) penTok[j++] = t;
    penTok.subarray(0, np).sort();
    const runs = this.runs;
    runs[0] = 0;
    for (j = 0; j < np; j++) {
      const t = penTok[j];
      const c = counts.get(t)!;
      const v = logits[t];
      this.penVal[j] = (v <= 0 ? v * rep : v / rep) - (c * freq + pres);
      runs[2 * j + 1] = t;
      runs[2 * j + 2] = t + 1;
    }
    runs[2 * np + 1] = n;
    this.nr = 2 * np + 2;
  }

  /** The largest penalized logit and its token (the lowest id on ties; -1 if none beats -Infinity). */
  private argmax(logits: Float32Array): { tok: number; val: number } {
    const runs = this.runs;
    let best = -Infinity;
    let bestTok = -1;
    for (let r = 0; r < this.nr; r += 2) {
      for (let i = runs[r], end = runs[r + 1]; i < end; i++) {
        if (logits[i] > best) {
          best = logits[i];
          bestTok = i;
        }
      }
    }
    for (let j = 0; j < this.np; j++) {
      const t = this.penTok[j];
      const v = this.penVal[j];
      if (v > best || (v === best && t < bestTok)) {
        best = v;
        bestTok = t;
      }
    }
    if (bestTok < 0) this.checkMax(best);
    return { tok: bestTok, val: best };
  }

  private reserve(size: number): void {
    if (this.tok.length >= size) return;
    this.tok = new Int32Array(size);
    this.val = new Float64Array(size);
  }

  /** Keeps the k best candidates in a min-heap whose root is the worst kept one. */
  private collectTopK(logits: Float32Array, k: number): void {
    this.reserve(k);
    const tok = this.tok;
    const val = this.val;
    tok.fill(NO_TOKEN, 0, k);
    val.fill(-Infinity, 0, k);
    const runs = this.runs;
    let floor = -Infinity; // val[0], kept in a local for the hot loop
    for (let r = 0; r < this.nr; r += 2) {
      for (let i = runs[r], end = runs[r + 1]; i < end; i++) {
        const v = logits[i];
        if (v > floor || (v === floor && i < tok[0])) {
          this.replaceRoot(k, i, v);
          floor = val[0];
        }
      }
    }
    for (let j = 0; j < this.np; j++) {
      const t = this.penTok[j];
      const v = this.penVal[j];
      if (worse(val[0], tok[0], v, t)) this.replaceRoot(k, t, v);
    }
    this.m = k;
  }

  private replaceRoot(k: number, t: number, v: number): void {
    const tok = this.tok;
    const val = this.val;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= k) break;
      if (c + 1 < k && worse(val[c + 1], tok[c + 1], val[c], tok[c])) c++;
      if (!worse(val[c], tok[c], v, t)) break;
      tok[i] = tok[c];
      val[i] = val[c];
      i = c;
    }
    tok[i] = t;
    val[i] = v;
  }

  /**
   * The softmax denominator z over the whole vocabulary, and a logit bound above which the top-p
   * set surely lies, from a histogram of probability mass by distance to the max: no sort.
   */
  private nucleusBound(logits: Float32Array, max: number): { z: number; cut: number } {
    const hist = this.hist;
    hist.fill(0);
    const last = HIST_BINS - 1;
    const runs = this.runs;
    let z = 0;
    for (let r = 0; r < this.nr; r += 2) {
      for (let i = runs[r], end = runs[r + 1]; i < end; i++) {
        const d = max - logits[i];
        const w = detExp(-d);
        z += w;
        hist[d < HIST_SPAN ? Math.floor(d * BINS_PER_NAT) : last] += w;
      }
    }
    for (let j = 0; j < this.np; j++) {
      const d = max - this.penVal[j];
      const w = detExp(-d);
      z += w;
      hist[d < HIST_SPAN ? Math.floor(d * BINS_PER_NAT) : last] += w;
    }
    const target = this.params.topP * z;
    let cum = 0;
    for (let b = 0; b < last; b++) {
      cum += hist[b];
      // One bin of slack on top of the bin that reaches the target.
      if (cum >= target) return { z, cut: max - (b + 2) / BINS_PER_NAT };
    }
    return { z, cut: -Infinity };
  }

  /** Collects every candidate whose logit is at least `cut`, in token order. */
  private collectAbove(logits: Float32Array, cut: number): this {
    this.reserve(logits.length);
    const tok = this.tok;
    const val = this.val;
    const runs = this.runs;
    let m = 0;
    for (let r = 0; r < this.nr; r += 2) {
      for (let i = runs[r], end = runs[r + 1]; i < end; i++) {
        if (logits[i] >= cut) {
          tok[m] = i;
          val[m++] = logits[i];
        }
      }
    }
    for (let j = 0; j < this.np; j++) {
      if (this.penVal[j] >= cut) {
        tok[m] = this.penTok[j];
        val[m++] = this.penVal[j];
      }
    }
    this.m = m;
    return this;
  }

  /**
   * Applies top-p (z: the softmax denominator of the candidates top-k left) and min-p to the
   * candidates. Returns false if top-p ran out of candidates before reaching topP.
   */
  private truncate(max: number, z: number): boolean {
    const { topP, minP } = this.params;
    const tok = this.tok;
    const val = this.val;
    let m = this.m;
    let reached = true;
    if (topP < 1) {
      this.sortCandidates();
      const target = topP * z;
      let cum = 0;
      reached = false;
      for (let i = 0; i < m; i++) {
        cum += detExp(val[i] - max);
        if (cum >= target) {
          m = i + 1;
          reached = true;
          break;
        }
      }
    }
    if (minP > 0) {
      let kept = 0;
      for (let i = 0; i < m; i++) {
        if (detExp(val[i] - max) >= minP) {
          tok[kept] = tok[i];
          val[kept++] = val[i];
        }
      }
      m = kept;
    }
    this.m = m;
    return reached;
  }

  /** Sorts the candidates by logit, descending, then by token id. */
  private sortCandidates(): void {
    const m = this.m;
    const tok = this.tok.slice(0, m);
    const val = this.val.slice(0, m);
    const order = new Int32Array(m);
    for (let i = 0; i < m; i++) order[i] = i;
    order.sort((a, b) => val[b] - val[a] || tok[a] - tok[b]);
    for (let i = 0; i < m; i++) {
      this.tok[i] = tok[order[i]];
      this.val[i] = val[order[i]];
    }
  }

  /** Draws a candidate with probability softmax(logit / temperature). */
  private draw(max: number): number {
    const t = this.params.temperature;
    const tok = this.tok;
    const val = this.val;
    const m = this.m;
    let sum = 0;
    for (let i = 0; i < m; i++) {
      val[i] = detExp((val[i] - max) / t);
      sum += val[i];
    }
    const r = this.rng.nextDouble() * sum;
    let cum = 0;
    let chosen = tok[0];
    for (let i = 0; i < m; i++) {
      if (val[i] === 0) continue;
      cum += val[i];
      chosen = tok[i];
      if (r < cum) break;
    }
    return chosen; // u * sum can round up to sum: then the last token with weight wins
  }
}
