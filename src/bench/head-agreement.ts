// How far an approximate LM head (the WASM engine's int8 head) moves the next-token distribution:
// two engines on the same model run the same tokens teacher-forced, and their logits are compared
// at every position. With teacher forcing the head never feeds back, so both engines see the same
// hidden states and every difference is the head's. Softmaxes and sums in float64.
import { argmax } from '../engine/compare-logits.ts';
import type { Engine } from '../engine/engine.ts';

export interface PositionAgreement {
  /** KL(p_exact || p_approx) in nats. */
  kl: number;
  sameTop1: boolean;
  /** |top-5(exact) ∩ top-5(approx)| / 5. */
  top5Overlap: number;
  maxLogitDiff: number;
}

export interface HeadAgreement {
  positions: number;
  /** Fraction of positions whose argmax (the first on ties) is the same token. */
  top1: number;
  top5Overlap: number;
  klMean: number;
  klMax: number;
  /** Largest |logit_exact - logit_approx| over all positions and tokens. */
  maxLogitDiff: number;
}

/** Tokens per forward call: bounds the logits held at once (two engines × vocab floats per token). */
const STEP = 16;
const TOP = 5;

function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

/** Ids of the k largest logits, the lower id first on ties. */
function topIds(logits: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let id = 0; id < logits.length; id++) {
    let at = best.length;
    while (at > 0 && logits[id] > logits[best[at - 1]]) at--;
    if (at < k) {
      best.splice(at, 0, id);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** The figures of one position. */
export function positionAgreement(exact: ArrayLike<number>, approx: ArrayLike<number>): PositionAgreement {
  if (exact.length !== approx.length) throw new RangeError(`positionAgreement: ${exact.length} logits against ${approx.length}`);
  const lp = logSoftmax(exact), lq = logSoftmax(approx);
  let kl = 0, maxLogitDiff = 0;
  for (let i = 0; i < lp.length; i++) {
    if (lp[i] > -Infinity) kl += Math.exp(lp[i]) * (lp[i] - lq[i]);
    maxLogitDiff = Math.max(maxLogitDiff, Math.abs(exact[i] - approx[i]));
  }
  const top = new Set(topIds(exact, TOP));
  return {
    kl: Math.max(0, kl), // rounding can leave a tiny negative sum where the two all but agree
    sameTop1: argmax(exact) === argmax(approx),
    top5Overlap: topIds(approx, TOP).filter((id) => top.has(id)).length / Math.min(TOP, exact.length),
    maxLogitDiff,
  };
}

/**
 * Runs `tokens` through both engines from position 0 (their caches are reset first) and compares
 * the logits after every token. Both contexts must hold tokens.length.
 */
export async function headAgreement(exact: Engine, approx: Engine, tokens: readonly number[]): Promise<HeadAgreement> {
  if (tokens.length === 0) throw new RangeError('headAgreement needs at least one token');
  exact.truncate(0);
  approx.truncate(0);
  const all: PositionAgreement[] = [];
  for (let at = 0; at < tokens.length; at += STEP) {
    const ids = tokens.slice(at, at + STEP);
    const a = await exact.forward(ids, { allLogits: true });
    const b = await approx.forward(ids, { allLogits: true });
    a.forEach((logits, i) => all.push(positionAgreement(logits, b[i])));
  }
  const mean = (f: (p: PositionAgreement) => number) => all.reduce((s, p) => s + f(p), 0) / all.length;
  return {
    positions: all.length,
    top1: mean((p) => (p.sameTop1 ? 1 : 0)),
    top5Overlap: mean((p) => p.top5Overlap),
    klMean: mean((p) => p.kl),
    klMax: Math.max(...all.map((p) => p.kl)),
    maxLogitDiff: Math.max(...all.map((p) => p.maxLogitDiff)),
  };
}
