// Sampler tests: each stage of the chain against its definition, statistics of the draw, and
// reproducibility. Randomized checks use fixed seeds, so they cannot flake.

import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING, GREEDY, Sampler, detExp, type SamplingParams } from './sampler.ts';

const PLAIN: SamplingParams = { ...DEFAULT_SAMPLING, temperature: 1, topK: 0, topP: 1, minP: 0 };

/** Deterministic pseudo-normal logits for test inputs. */
function randomLogits(n: number, scale: number, seed: number): Float32Array {
  let s = seed;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 0) / 2 ** 32;
  };
  return Float32Array.from({ length: n }, () => (u() + u() + u() + u() - 2) * scale);
}

const argmax = (x: Float32Array) => x.reduce((best, v, i) => (v > x[best] ? i : best), 0);

const logitsOf = (probs: number[]) => Float32Array.from(probs, Math.log);

/** Token counts from `draws` samples, each with a fresh sampler seeded 0, 1, 2, ... */
function countBySeed(params: Partial<SamplingParams>, logits: Float32Array, draws: number): number[] {
  const counts = new Array<number>(logits.length).fill(0);
  const s = new Sampler({ ...params, seed: 0 });
  for (let seed = 0; seed < draws; seed++) {
    s.reset(seed);
    counts[s.sample(logits, [])]++;
  }
  return counts;
}

/** The tokens that can be drawn, by the chain's definition: a full sort, no pruning. */
function reference(logits: Float32Array, p: SamplingParams): Set<number> {
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
  let kept = p.topK > 0 ? order.slice(0, p.topK) : order;
  const max = logits[kept[0]];
  const w = kept.map((t) => Math.exp(logits[t] - max));
  const z = w.reduce((a, b) => a + b);
  let cum = 0;
  const cut = w.findIndex((x) => (cum += x) >= p.topP * z);
  kept = kept.slice(0, cut < 0 ? kept.length : cut + 1);
  return new Set(kept.filter((t) => Math.exp(logits[t] - max) >= p.minP));
}

function chiSquare(counts: number[], probs: number[]): number {
  const n = counts.reduce((a, b) => a + b);
  return counts.reduce((acc, c, i) => acc + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
}

function softmax(logits: ArrayLike<number>, t: number): number[] {
  const x = Array.from(logits, (v) => v / t);
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const z = e.reduce((a, b) => a + b);
  return e.map((v) => v / z);
}

describe('detExp', () => {
  it('matches Math.exp to a few ulp over the whole range', () => {
    expect(detExp(0)).toBe(1);
    expect(detExp(-Infinity)).toBe(0);
    expect(detExp(-800)).toBe(0);
    for (let x = -700; x <= 0; x += 0.0137) {
      expect(Math.abs(detExp(x) / Math.exp(x) - 1)).toBeLessThan(1e-15);
    }
  });
});

describe('greedy', () => {
  it('returns the argmax, the lowest index on ties', () => {
    const s = new Sampler(GREEDY);
    expect(s.sample(Float32Array.of(0.1, 3, -2, 2.9), [])).toBe(1);
    expect(s.sample(Float32Array.of(1, 5, 2, 5, 5), [])).toBe(1);
    expect(s.sample(Float32Array.of(-Infinity, -3, -Infinity), [])).toBe(1);
    const logits = randomLogits(128256, 3, 1);
    expect(s.sample(logits, [])).toBe(argmax(logits));
  });

  it('breaks ties between a penalized and an untouched token by index', () => {
    // Token 3 at 4 / 2 = 2 ties token 1 at 2; token 1 has the lower id.
    const s = new Sampler({ ...GREEDY, repetitionPenalty: 2 });
    expect(s.sample(Float32Array.of(0, 2, 0, 4), [3])).toBe(1);
    expect(s.sample(Float32Array.of(0, 4, 0, 2), [1])).toBe(1);
  });

  it('equals top-k 1 at any temperature', () => {
    for (const t of [0.1, 0.8, 1, 5, 100]) {
      const s = new Sampler({ ...DEFAULT_SAMPLING, temperature: t, topK: 1, seed: 3 });
      for (let i = 0; i < 20; i++) {
        const logits = randomLogits(5000, 0.5, 100 + i);
        expect(s.sample(logits, [])).toBe(argmax(logits));
      }
    }
  });
});

describe('truncation', () => {
  // Probabilities in a shuffled order, so nothing depends on the token ids being sorted.
  const probs = [0.05, 0.3, 0.02, 0.5, 0.13];
  const logits = logitsOf(probs);

  it('top-k keeps the k most likely tokens, the lower id on ties', () => {
    expect(countBySeed({ ...PLAIN, topK: 2 }, logits, 2000)).toEqual([0, expect.any(Number), 0, expect.any(Number), 0]);
    const flat = new Float32Array(6);
    const counts = countBySeed({ ...PLAIN, topK: 3 }, flat, 2000);
    expect(counts.slice(3)).toEqual([0, 0, 0]);
    expect(Math.min(...counts.slice(0, 3))).toBeGreaterThan(500);
  });

  it('top-p keeps the smallest set that reaches p', () => {
    // 0.5 < 0.75 <= 0.5 + 0.3: tokens 3 and 1.
    for (const topK of [0, 4]) {
      const counts = countBySeed({ ...PLAIN, topK, topP: 0.75 }, logits, 2000);
      expect(counts[0] + counts[2] + counts[4]).toBe(0);
      expect(Math.min(counts[1], counts[3])).toBeGreaterThan(400);
    }
    // 0.8 < 0.9 <= 0.93: token 4 joins.
    const counts = countBySeed({ ...PLAIN, topP: 0.9 }, logits, 2000);
    expect(counts[0] + counts[2]).toBe(0);
    expect(counts[4]).toBeGreaterThan(100);
  });

  it('top-p renormalizes over what top-k kept', () => {
    // Within the top 2 (0.5, 0.3) token 3 alone holds 0.625 >= 0.6.
    const counts = countBySeed({ ...PLAIN, topK: 2, topP: 0.6 }, logits, 500);
    expect(counts[3]).toBe(500);
  });

  it('top-p breaks ties at the boundary by index', () => {
    const counts = countBySeed({ ...PLAIN, topP: 0.5 }, new Float32Array(4), 2000);
    expect(counts.slice(2)).toEqual([0, 0]);
    expect(Math.min(counts[0], counts[1])).toBeGreaterThan(800);
  });

  it('min-p drops tokens below minP times the top probability', () => {
    // Threshold 0.2 * 0.5 = 0.1: tokens 3, 1, 4 stay.
    for (const topK of [0, 40]) {
      const counts = countBySeed({ ...PLAIN, topK, minP: 0.2 }, logits, 2000);
      expect(counts[0] + counts[2]).toBe(0);
      expect(Math.min(counts[1], counts[3], counts[4])).toBeGreaterThan(100);
    }
  });

  it('keeps exactly what a full-sort reference keeps, on a large vocabulary', () => {
    const configs: Partial<SamplingParams>[] = [
      { topK: 0, topP: 0.6, minP: 0 },
      { topK: 0, topP: 0.9, minP: 0.02 },
      { topK: 0, topP: 1, minP: 0.1 },
      { topK: 0, topP: 0.97, minP: 0.03 },
      { topK: 40, topP: 0.95, minP: 0.05 },
      { topK: 150, topP: 0.8, minP: 0 },
    ];
    for (const [c, config] of configs.entries()) {
      // A huge temperature makes the draw uniform over the survivors, so 4000 draws see them all.
      const p = { ...PLAIN, ...config, temperature: 1e4 };
      const logits = randomLogits(5000, 5, 7 + c);
      const allowed = reference(logits, p);
      const s = new Sampler({ ...p, seed: c });
      const seen = new Set<number>();
      for (let i = 0; i < 4000; i++) seen.add(s.sample(logits, []));
      expect([...seen].sort((a, b) => a - b)).toEqual([...allowed].sort((a, b) => a - b));
    }
  });
});

describe('temperature and the draw', () => {
  const logits = Float32Array.of(4, 2, 1, 0, -2, 3);

  it('draws with the frequencies of softmax(logits / T)', () => {
    for (const [t, topK] of [[0.7, 0], [1, 0], [1.6, 40], [3, 0]]) {
      const s = new Sampler({ ...PLAIN, temperature: t, topK, seed: 11 });
      const counts = new Array<number>(logits.length).fill(0);
      for (let i = 0; i < 20000; i++) counts[s.sample(logits, [])]++;
      // 5 degrees of freedom: P(chi2 > 30) ~ 1.5e-5, while a T 20% off expects 160 or more.
      expect(chiSquare(counts, softmax(logits, t))).toBeLessThan(30);
      expect(chiSquare(counts, softmax(logits, t * 1.2))).toBeGreaterThan(80);
      expect(chiSquare(counts, softmax(logits, t / 1.2))).toBeGreaterThan(80);
    }
  });

  it('renormalizes over the tokens truncation kept', () => {
    const s = new Sampler({ ...PLAIN, temperature: 0.9, topK: 3, seed: 5 });
    const counts = new Array<number>(logits.length).fill(0);
    for (let i = 0; i < 20000; i++) counts[s.sample(logits, [])]++;
    const top3 = [0, 1, 5];
    expect(counts.filter((_, i) => !top3.includes(i))).toEqual([0, 0, 0]);
    expect(chiSquare(top3.map((i) => counts[i]), softmax(top3.map((i) => logits[i]), 0.9))).toBeLessThan(25);
  });

  it('never draws a -Infinity token', () => {
    const masked = Float32Array.of(-Infinity, 0, -Infinity, 0.5, -Infinity);
    const counts = countBySeed({ ...PLAIN, temperature: 5 }, masked, 1000);
    expect(counts[0] + counts[2] + counts[4]).toBe(0);
  });
});

describe('penalties', () => {
  const greedy = (p: Partial<SamplingParams>, logits: number[], history: number[]) =>
    new Sampler({ ...GREEDY, ...p }).sample(Float32Array.from(logits), history);

  it('repetition divides positive and multiplies negative logits', () => {
    expect(greedy({ repetitionPenalty: 1.1 }, [2, 1.9], [0])).toBe(1); // 2 / 1.1 = 1.82
    expect(greedy({ repetitionPenalty: 1.1 }, [2, 1.8], [0])).toBe(0);
    expect(greedy({ repetitionPenalty: 1.1 }, [-1, -1.05], [0])).toBe(1); // -1 * 1.1 = -1.1
    expect(greedy({ repetitionPenalty: 1.1 }, [-1, -1.15], [0])).toBe(0);
    expect(greedy({ repetitionPenalty: 1.1 }, [2, 1.9], [0, 0, 0])).toBe(1); // once, whatever the count
    expect(greedy({ repetitionPenalty: 0.5 }, [1, 1.5], [0])).toBe(0); // < 1 favours repeats
  });

  it('frequency subtracts per occurrence, presence once', () => {
    expect(greedy({ frequencyPenalty: 0.2 }, [3, 2.5], [0, 0, 0])).toBe(1); // 3 - 0.6
    expect(greedy({ frequencyPenalty: 0.1 }, [3, 2.5], [0, 0, 0])).toBe(0); // 3 - 0.3
    expect(greedy({ presencePenalty: 0.4 }, [3, 2.5], [0, 0, 0, 0])).toBe(0); // 3 - 0.4
    expect(greedy({ presencePenalty: 0.6 }, [3, 2.5], [0])).toBe(1); // 3 - 0.6
  });

  it('applies repetition first, then subtracts', () => {
    // 3 / 1.2 - (2 * 0.25 + 0.1) = 1.9 < 1.95; subtracting first would give 2.0.
    const p = { repetitionPenalty: 1.2, frequencyPenalty: 0.25, presencePenalty: 0.1 };
    expect(greedy(p, [3, 1.95], [0, 0])).toBe(1);
  });

  it('looks only at the window, or the whole history for 0', () => {
    const history = [0, 0, 0, 0, 2, 2, 2];
    expect(greedy({ frequencyPenalty: 1, penaltyWindow: 3 }, [3, 2.5, 0], history)).toBe(0);
    expect(greedy({ frequencyPenalty: 1, penaltyWindow: 4 }, [3, 2.5, 0], history)).toBe(1);
    expect(greedy({ frequencyPenalty: 1, penaltyWindow: 0 }, [3, 2.5, 0], history)).toBe(1);
  });

  it('come before top-k', () => {
    // 5 / 10 = 0.5 drops token 0 out of the top 1.
    const s = new Sampler({ ...PLAIN, topK: 1, repetitionPenalty: 10, seed: 1 });
    expect(s.sample(Float32Array.of(5, 4, 3), [0])).toBe(1);
  });

  it('apply in every truncation path', () => {
    // Token 0 dominates until penalized; then it must never be drawn.
    const logits = randomLogits(3000, 1, 9);
    logits[0] = 30;
    for (const c of [{ topK: 40 }, { topK: 0, topP: 0.9 }, { topK: 0, minP: 0.05 }, { topK: 0 }]) {
      const s = new Sampler({ ...PLAIN, ...c, presencePenalty: 100, seed: 2 });
      for (let i = 0; i < 200; i++) expect(s.sample(logits, [5, 0, 7])).not.toBe(0);
    }
  });

  it('rejects history entries that are not token ids', () => {
    const s = new Sampler({ ...GREEDY, repetitionPenalty: 1.1 });
    expect(() => s.sample(new Float32Array(4), [1, 4])).toThrow(/history\[1\]/);
    expect(() => s.sample(new Float32Array(4), [1.5])).toThrow(/token id/);
  });
});

describe('reproducibility', () => {
  const params = { ...DEFAULT_SAMPLING, temperature: 1.2, repetitionPenalty: 1.1 };
  const run = (s: Sampler, steps = 100) => {
    const history: number[] = [];
    for (let i = 0; i < steps; i++) history.push(s.sample(randomLogits(2000, 1.5, i), history));
    return history;
  };

  it('repeats a sequence for the same seed and changes it for another', () => {
    const a = run(new Sampler({ ...params, seed: 1234 }));
    expect(run(new Sampler({ ...params, seed: 1234 }))).toEqual(a);
    expect(run(new Sampler({ ...params, seed: 1235 }))).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(20); // the draw is not stuck
  });

  it('reports a random seed that replays the run, and reset() restarts it', () => {
    const s = new Sampler(params);
    const a = run(s);
    expect(run(new Sampler({ ...params, seed: s.seed }))).toEqual(a);
    s.reset();
    expect(run(s)).toEqual(a);
    s.reset((s.seed ^ 1) >>> 0);
    expect(run(s)).not.toEqual(a);
  });

  it('gives the same tokens as recorded (cross-platform golden)', () => {
    expect(run(new Sampler({ ...params, seed: 42 }), 12)).toEqual(GOLDEN);
  });

  it('leaves the logits untouched', () => {
    const logits = randomLogits(5000, 2, 3);
    const copy = logits.slice();
    const penalties = { repetitionPenalty: 1.3, frequencyPenalty: 0.5, presencePenalty: 0.5 };
    for (const c of [GREEDY, DEFAULT_SAMPLING, { topK: 0 }, { topK: 0, topP: 1 }, { topK: 0, topP: 1, minP: 0 }]) {
      new Sampler({ ...c, ...penalties, seed: 1 }).sample(logits, [1, 2, 2, 4999]);
    }
    expect(logits).toEqual(copy);
  });
});

describe('validation', () => {
  it.each<[Partial<SamplingParams>, RegExp]>([
    [{ temperature: -0.1 }, /temperature/],
    [{ temperature: NaN }, /temperature/],
    [{ topK: -1 }, /topK/],
    [{ topK: 2.5 }, /topK/],
    [{ topP: 0 }, /topP/],
    [{ topP: 1.01 }, /topP/],
    [{ minP: -0.1 }, /minP/],
    [{ minP: 1.5 }, /minP/],
    [{ repetitionPenalty: 0 }, /repetitionPenalty/],
    [{ frequencyPenalty: Infinity }, /frequencyPenalty/],
    [{ presencePenalty: NaN }, /presencePenalty/],
    [{ penaltyWindow: -1 }, /penaltyWindow/],
    [{ seed: -1 }, /seed/],
    [{ seed: 2 ** 32 }, /seed/],
  ])('rejects %o', (params, message) => {
    expect(() => new Sampler(params)).toThrow(message);
  });

  it('rejects bad seeds in reset and logits without a finite maximum', () => {
    expect(() => new Sampler().reset(0.5)).toThrow(/seed/);
    expect(() => new Sampler().sample(new Float32Array(0), [])).toThrow(/empty/);
    expect(() => new Sampler(GREEDY).sample(Float32Array.of(-Infinity, -Infinity), [])).toThrow(/largest logit/);
    expect(() => new Sampler().sample(Float32Array.of(Infinity, 0), [])).toThrow(/largest logit/);
  });
});

const GOLDEN = [1471, 139, 1702, 1739, 639, 1103, 783, 1689, 790, 1270, 905, 1668];
