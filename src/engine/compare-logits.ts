// How a fast engine's logits are compared with the reference engine's, shared by the Node test of
// the WebGPU engine (webgpu-engine.test.ts) and the browser test (e2e/webgpu.spec.ts). Plain
// functions, no test framework: each test asserts on the result its own way.

/**
 * Tolerance. On the GPU the integer matmuls, the activation quantization and RMSNorm are
 * bit-exact, but softmax uses WGSL exp and the LM head and attention sum in other orders. Those
 * differ by an ulp or so, and an ulp now and then moves an int8 activation across a rounding
 * boundary. Random ternary models are chaotic (large activations, near one-hot attention), so
 * such a flip can shift later logits by ~1 on a scale of ~30. That is the model, not the kernels:
 * the CPU reference itself, with its RMSNorm sum done in f32 instead of f64, diverges the same way
 * (measured on the Node test's first model: positions 0-4 equal to 1e-4, then 0.86, 0.80, 1.92,
 * 0.82, 0.61). With the exact RMSNorm such flips became rare (measured: every position of the
 * test prompts within 1.1e-6 but one, 4e-3, on a Q8_0-embedding model).
 * So positions are compared in order: every position up to the first flip must agree within
 * TIGHT of the largest logit, and the first flip may not come before MIN_CLEAN positions. A wrong
 * kernel (position, head mapping, norm, split) breaks position 0.
 */
export const TIGHT = 1e-3;
export const MIN_CLEAN = 3;

export interface LogitsComparison {
  /** Per position: the largest absolute difference over the largest absolute reference logit. */
  errors: number[];
  /** Positions that agree within TIGHT before the first that does not (errors.length when all do). */
  clean: number;
  /** The errors, one per position, for assertion messages. */
  summary: string;
}

/** Compares logits position by position (teacher forcing: one array per position). */
export function compareLogits(got: ArrayLike<number>[], want: ArrayLike<number>[], tight = TIGHT): LogitsComparison {
  if (got.length !== want.length) throw new Error(`compareLogits: ${got.length} positions against ${want.length}`);
  const errors = want.map((w, p) => {
    const g = got[p];
    if (g.length !== w.length) return Infinity;
    let scale = 0;
    let worst = 0;
    for (let i = 0; i < w.length; i++) {
      scale = Math.max(scale, Math.abs(w[i]));
      worst = Math.max(worst, Math.abs(g[i] - w[i]));
    }
    return worst / scale; // NaN (a NaN logit, or an all-zero reference) counts as a flip
  });
  const first = errors.findIndex((e) => !(e <= tight));
  return { errors, clean: first === -1 ? errors.length : first, summary: errors.map((e) => e.toExponential(1)).join(' ') };
}

/** Index of the largest logit (the first one on ties), as greedy decoding picks it. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}
