// GPU sampling against the CPU Sampler (sampler.ts). The two use different random numbers, so:
// exact agreement where no randomness is involved (greedy, top-k = 1, penalties deciding a greedy
// pick); the truncation rules checked as sets (drawn tokens lie in the set sampler.ts defines, and
// every likely member of it shows up); the draw's distribution checked with a chi-square test at
// a fixed sampler seed; determinism by replaying a seed.
// SwiftShader runs the bitonic sorts slowly (many barriers), so the tests use small sort sizes
// and vocabularies that still take several top-k rounds, and a few hundred draws at most.
import { expect, test } from 'vitest';
import { GREEDY, Sampler, type SamplingParams } from '../../sampler.ts';
import { loadShaderLibrary } from '../../../node/shaders.ts';
import { checked } from '../errors.ts';
import { empty, readBack, run, stepBuffer, testContext, upload, writeStep } from '../test-gpu.ts';
import { Sample, type SampleOp } from './sample.ts';

const seed = (Date.now() >>> 0) % 100000;

function rng(s: number): () => number {
  let x = s || 1;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Logits with `head` likely tokens at random ids (logits in [2, 4]) and the rest in [-6, -1]. */
function peaked(vocab: number, head: number, s: number): Float32Array {
  const r = rng(s);
  const l = Float32Array.from({ length: vocab }, () => -6 + 5 * r());
  for (let i = 0; i < head; i++) l[Math.floor(r() * vocab)] = 2 + 2 * r();
  return l;
}

const samplers = new Map<string, Sample>();
async function sampler(sortSize: number, keep: number): Promise<Sample> {
  const c = await testContext();
  const k = `${sortSize}/${keep}`;
  let s = samplers.get(k);
  if (!s) samplers.set(k, (s = await checked(c.device, 'sample', () => new Sample(c, { sortSize, keep }))));
  return s;
}

interface Rig {
  op: SampleOp;
  logits: GPUBuffer;
  /** Runs one step with kv_len = pos (the drawn token's position) and returns the token. */
  draw(pos: number): Promise<number>;
  /** Runs steps at positions from .. from + n - 1 and returns their tokens, read from the history ring. */
  draws(from: number, n: number): Promise<number[]>;
  history: GPUBuffer;
}

async function rig(logits: Float32Array, opts: { sortSize?: number; keep?: number; historySize?: number; outOffset?: number } = {}): Promise<Rig> {
  const c = await testContext();
  const smp = await sampler(opts.sortSize ?? 64, opts.keep ?? 32);
  const historySize = opts.historySize ?? 1024;
  const lb = upload(c, logits);
  const outOffset = opts.outOffset ?? 0;
  const out = empty(c, 4 * (outOffset + 1));
  const history = empty(c, historySize * 4);
  const step = stepBuffer(c, 0, 0); // set before each draw
  const op = await checked(c.device, 'sample.create', () => smp.create('test', { logits: lb, vocab: logits.length, history, historySize, out, outOffset, step }));
  const setStep = (pos: number) => writeStep(c, step, pos - 1, 1);
  return {
    op,
    logits: lb,
    history,
    draw: async (pos) => {
      setStep(pos);
      run(c, (pass) => op.encode(pass));
      return new Uint32Array(await readBack(c, out))[outOffset];
    },
    draws: async (from, n) => {
      if (n > historySize) throw new Error('more draws than history slots');
      for (let i = 0; i < n; i++) {
        setStep(from + i);
        run(c, (pass) => op.encode(pass));
      }
      const ring = new Uint32Array(await readBack(c, history, historySize * 4));
      return Array.from({ length: n }, (_, i) => ring[(from + i) % historySize]);
    },
  };
}

/** The tokens sampler.ts may return (no penalties): top-k, then top-p, then min-p. */
function allowed(logits: Float32Array, p: Pick<SamplingParams, 'topK' | 'topP' | 'minP'>): number[] {
  const n = logits.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const max = logits[order[0]];
  const w = (t: number) => Math.exp(logits[t] - max);
  let set = p.topK > 0 && p.topK < n ? order.slice(0, p.topK) : order;
  if (p.topP < 1) {
    const z = set.reduce((a, t) => a + w(t), 0);
    let cum = 0;
    const cut = set.findIndex((t) => (cum += w(t)) >= p.topP * z);
    set = set.slice(0, cut < 0 ? set.length : cut + 1);
  }
  return set.filter((t) => w(t) >= p.minP);
}

/** Upper chi-square quantile at p = 1e-4 (Wilson-Hilferty; z = 3.719). */
function chi2Bound(df: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + 3.719 * Math.sqrt(a)) ** 3;
}

function expectChiSquare(tokens: number[], probs: Map<number, number>, what: string): void {
  const counts = new Map<number, number>();
  for (const t of tokens) {
    expect(probs.has(t), `${what}: token ${t} has probability 0`).toBe(true);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  let x2 = 0;
  for (const [t, p] of probs) {
    const e = p * tokens.length;
    x2 += ((counts.get(t) ?? 0) - e) ** 2 / e;
  }
  expect(x2, `${what}: chi-square ${x2.toFixed(1)} over ${probs.size - 1} degrees of freedom`).toBeLessThan(chi2Bound(probs.size - 1));
}

/** softmax(logit / T) over `set`. */
function softmax(logits: Float32Array, set: number[], temperature: number): Map<number, number> {
  const max = Math.max(...set.map((t) => logits[t]));
  const w = set.map((t) => Math.exp((logits[t] - max) / temperature));
  const z = w.reduce((a, b) => a + b, 0);
  return new Map(set.map((t, i) => [t, w[i] / z]));
}

test.each([
  [1000, 64, 32],
  [5003, 64, 32],
  [5003, 1024, 64], // the defaults: 256-thread sort workgroups
])(`greedy equals the CPU argmax: vocab %i, sort %i, keep %i (seed ${seed})`, async (vocab, sortSize, keep) => {
  const r = rng(seed + vocab);
  const logits = Float32Array.from({ length: vocab }, () => (r() - 0.5) * 20);
  const g = await rig(logits, { sortSize, keep });
  g.op.setParams({ ...GREEDY });
  const cpu = new Sampler({ ...GREEDY });
  expect(await g.draw(5)).toBe(cpu.sample(logits, []));
  // A tie for the max: the lowest id wins, wherever the two fall in the sort slices.
  const top = Math.max(...logits) + 1;
  const [lo, hi] = [Math.floor(r() * vocab), Math.floor(r() * vocab)].sort((a, b) => a - b);
  logits[hi] = top;
  logits[lo] = top;
  (await testContext()).device.queue.writeBuffer(g.logits, 0, logits);
  expect(await g.draw(6)).toBe(lo);
  expect(cpu.sample(logits, [])).toBe(lo);
});

test(`top-k = 1 gives the argmax at any temperature (seed ${seed})`, async () => {
  const logits = peaked(700, 20, seed + 1);
  const want = new Sampler({ ...GREEDY }).sample(logits, []);
  const g = await rig(logits);
  for (const [i, temperature] of [0.3, 1, 7, 1000].entries()) {
    g.op.setParams({ temperature, topK: 1, topP: 0.9, minP: 0, seed: seed + i });
    expect(await g.draw(100 + i), `temperature ${temperature}`).toBe(want);
  }
});

test.each([
  ['top-k 5', 300, { temperature: 3, topK: 5, topP: 1, minP: 0 }],
  ['top-p 0.6 (top-k off)', 300, { temperature: 2, topK: 0, topP: 0.6, minP: 0 }],
  ['min-p 0.3 (top-k off)', 300, { temperature: 2, topK: 0, topP: 1, minP: 0.3 }],
  ['top-k 6, top-p 0.8, min-p 0.1', 300, { temperature: 1.5, topK: 6, topP: 0.8, minP: 0.1 }],
  ['top-p 0.9, a vocabulary smaller than keep', 10, { temperature: 1, topK: 0, topP: 0.9, minP: 0 }],
] as const)(`%s: only tokens sampler.ts allows, each likely one seen (seed ${seed})`, async (what, vocab, p) => {
  const logits = peaked(vocab, 10, seed + what.length);
  const set = allowed(logits, p);
  const g = await rig(logits);
  const n = 60;
  const tokens: number[] = [];
  for (let s = 0; s < 3; s++) {
    g.op.setParams({ ...p, seed: seed * 3 + s }); // distinct seeds, and distinct positions within each
    tokens.push(...(await g.draws(20 * s, 20)));
  }
  for (const t of tokens) expect(set, `${what}: drew ${t}`).toContain(t);
  // Members expected at least 10 times are missed with probability below e^-10 each.
  for (const [t, q] of softmax(logits, set, p.temperature)) if (q * n >= 10) expect(tokens, `${what}: never drew ${t}`).toContain(t);
});

test(`temperature over the whole vocabulary follows softmax(logits / T) (chi-square, seed ${seed})`, async () => {
  const r = rng(seed + 3);
  const logits = Float32Array.from({ length: 9 }, () => r() * 3);
  const temperature = 0.8;
  const g = await rig(logits, { historySize: 500 });
  g.op.setParams({ temperature, topK: 0, topP: 1, minP: 0, seed: 12345 });
  const all = Array.from({ length: logits.length }, (_, i) => i);
  expectChiSquare(await g.draws(0, 500), softmax(logits, all, temperature), 'whole vocabulary');
});

test(`top-k 4 of 200 follows softmax over the four (chi-square, seed ${seed})`, async () => {
  const logits = peaked(200, 6, seed + 4);
  const set = allowed(logits, { topK: 4, topP: 1, minP: 0 });
  const temperature = 1.3;
  const g = await rig(logits, { historySize: 400 });
  g.op.setParams({ temperature, topK: 4, topP: 1, minP: 0, seed: 777 });
  expectChiSquare(await g.draws(1000, 400), softmax(logits, set, temperature), 'top-k 4');
});

test('the same seed replays the same tokens; another seed does not', async () => {
  const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) * 0.5);
  const g = await rig(logits);
  const run = async (s: number) => {
    g.op.setParams({ temperature: 1, topK: 0, topP: 0.95, minP: 0, seed: s });
    return g.draws(40, 24);
  };
  const a = await run(99);
  expect(await run(99)).toEqual(a);
  expect(await run(100)).not.toEqual(a);
  // The seed a caller leaves out is drawn, reported, and replays too.
  const s = g.op.setParams({ temperature: 1 });
  const b = await g.draws(40, 24);
  g.op.setParams({ temperature: 1, seed: s });
  expect(await g.draws(40, 24)).toEqual(b);
});

// Penalties decide a greedy pick in hand-built cases: the GPU must pick what sampler.ts picks (the
// expected pick is spelled out, so a case cannot pass by both sides ignoring the penalty), and
// leave in place the penalized logits sampler.ts computes. Tolerance: the GPU rounds each of the
// few f32 operations (and the f32 penalty parameters), so 2e-6 * (1 + |logit|) is a few ULP.
const logitsWith = (entries: Record<number, number>, rest = -3) => {
  const l = new Float32Array(40).fill(rest);
  for (const [t, v] of Object.entries(entries)) l[Number(t)] = v;
  return l;
};
const base = { 7: 3, 9: 2.5, 11: 2 }; // 7 is the favourite
test.each([
  ['repetition divides a positive logit', base, [1, 7, 2], { repetitionPenalty: 1.5 }, 9],
  ['repetition multiplies a negative logit', { 3: -0.5, 4: -0.6 }, [3, 20, 3], { repetitionPenalty: 1.3 }, 4],
  ['frequency counts occurrences', base, [7, 5, 7, 7], { frequencyPenalty: 0.3 }, 9],
  ['a small frequency penalty keeps the favourite', base, [7, 5, 7, 7], { frequencyPenalty: 0.1 }, 7],
  ['presence counts once, not per occurrence', base, [7, 7, 7, 5], { presencePenalty: 0.4 }, 7],
  ['presence', base, [7, 7, 7, 5], { presencePenalty: 0.6 }, 9],
  ['a penalty below 1 raises a token', base, [11, 30], { repetitionPenalty: 0.5 }, 11],
  ['only the window counts', base, [7, 7, 1, 2, 3, 4], { presencePenalty: 5, penaltyWindow: 4 }, 7],
  ['all three, in a wrapped ring', { ...base, 13: 1.9 }, Array.from({ length: 45 }, (_, i) => [7, 9, 11, 30, 9][i % 5]), { repetitionPenalty: 1.2, frequencyPenalty: 0.2, presencePenalty: 0.1, penaltyWindow: 16 }, 13],
] as const)('penalties: %s', async (what, entries, history, pen, pick) => {
  const logits = logitsWith(entries);
  const params: Partial<SamplingParams> = { ...GREEDY, penaltyWindow: 64, ...pen };
  const g = await rig(logits, { historySize: 16 });
  g.op.setParams(params);
  g.op.writeHistory(history, 0);
  expect(new Sampler(params).sample(logits, history), `${what}: sampler.ts`).toBe(pick);
  expect(await g.draw(history.length), what).toBe(pick);
  const w = Math.min(params.penaltyWindow || 16, 16, history.length);
  const counts = new Map<number, number>();
  for (const t of history.slice(history.length - w)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const got = new Float32Array(await readBack(await testContext(), g.logits, logits.length * 4));
  for (let t = 0; t < logits.length; t++) {
    const v = logits[t];
    const n = counts.get(t);
    const e = n === undefined ? v : (v <= 0 ? v * params.repetitionPenalty! : v / params.repetitionPenalty!) - (n * params.frequencyPenalty! + params.presencePenalty!);
    expect(Math.abs(got[t] - e), `${what}: logit ${t}`).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(v)));
  }
});

test('the drawn token goes to out[outOffset] and to the history ring at Step.kv_len', async () => {
  const logits = peaked(100, 3, seed + 5);
  const g = await rig(logits, { historySize: 8, outOffset: 3 });
  g.op.setParams({ ...GREEDY });
  const t = await g.draw(13);
  expect(t).toBe(new Sampler({ ...GREEDY }).sample(logits, []));
  expect(new Uint32Array(await readBack(await testContext(), g.history, 32))[13 % 8]).toBe(t);
});

/** Field names of `struct <name>` in a WGSL source, in order. */
const structFields = (src: string, name: string) => [...(new RegExp(`struct ${name} \\{([^}]*)\\}`).exec(src)?.[1] ?? '').matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]);

test('the PARAMS and SETTINGS lists follow the WGSL structs', () => {
  const lib = loadShaderLibrary();
  for (const [shader, fields] of Object.entries(Sample.PARAMS)) expect(structFields(lib[shader], 'Params'), shader).toEqual([...fields]);
  expect(structFields(lib['sample-settings'], 'Settings')).toEqual([...Sample.SETTINGS]);
});
