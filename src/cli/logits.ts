// `bitnet-web logits MODEL --prompt-ids ...`: teacher-forced next-token log-probabilities at every
// position: the top K candidates and the log-probability of the token that actually follows.
import { createEngine, openWithTokenizer, parseBackend, parseCommand, parseIds, parseLmHead, parseNumber, printJson, requireModelArg, UsageError } from './common.ts';

const USAGE = 'bitnet-web logits MODEL --prompt-ids 1,2,3 [--top K] [--backend reference|wasm] [--lm-head exact|int8] [--json]';

/** log-softmax in float64. */
export function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

export function topK(lp: Float64Array, k: number): { id: number; logprob: number }[] {
  const best: { id: number; logprob: number }[] = [];
  for (let id = 0; id < lp.length; id++) {
    if (best.length === k && lp[id] <= best[k - 1].logprob) continue;
    best.push({ id, logprob: lp[id] });
    best.sort((a, b) => b.logprob - a.logprob || a.id - b.id);
    if (best.length > k) best.pop();
  }
  return best;
}

export async function logits(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, { 'prompt-ids': { type: 'string' }, top: { type: 'string' }, backend: { type: 'string' }, 'lm-head': { type: 'string' } }, USAGE);
  if (values['prompt-ids'] === undefined) throw new UsageError(`--prompt-ids is required\nusage: ${USAGE}`);
  const backend = parseBackend(values.backend);
  const lmHead = parseLmHead(values['lm-head'], backend);
  const k = parseNumber('top', values.top, 5, (n) => Number.isInteger(n) && n >= 1);
  const { model, tokenizer, close } = await openWithTokenizer(requireModelArg(positionals, USAGE));
  try {
    const ids = parseIds(values['prompt-ids'], model.config.vocabSize);
    const engine = await createEngine(model, backend, ids.length, 1, lmHead);
    try {
      const all = await engine.forward(ids, { allLogits: true });
      const positions = all.map((l, pos) => {
        const lp = logSoftmax(l);
        const next = ids[pos + 1];
        return { pos, token: ids[pos], top: topK(lp, k), next: next ?? null, next_logprob: next === undefined ? null : lp[next] };
      });
      if (values.json) return printJson({ backend, positions });
      for (const p of positions) {
        const top = p.top.map((t) => `${t.id} ${JSON.stringify(tokenizer.piece(t.id))} ${t.logprob.toFixed(4)}`).join(' | ');
        console.log(`${p.pos}\t${p.token}\tnext ${p.next ?? '-'} ${p.next_logprob?.toFixed(4) ?? ''}\t${top}`);
      }
    } finally {
      engine.dispose();
    }
  } finally {
    await close();
  }
}
