// `bitnet-web perplexity MODEL --text-file F`: perplexity over a text in independent chunks of
// --ctx tokens, each starting with BOS; every token after the first of a chunk is scored.
import { readFile } from 'node:fs/promises';
import { createEngine, openWithTokenizer, parseBackend, parseCommand, parseNumber, printJson, requireModelArg, UsageError } from './common.ts';
import { logSoftmax } from './logits.ts';

const USAGE = 'bitnet-web perplexity MODEL --text-file F [--ctx N] [--backend reference|wasm] [--json]';

export async function perplexity(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, { 'text-file': { type: 'string' }, ctx: { type: 'string' }, backend: { type: 'string' } }, USAGE);
  if (values['text-file'] === undefined) throw new UsageError(`--text-file is required\nusage: ${USAGE}`);
  const backend = parseBackend(values.backend);
  const text = await readFile(values['text-file'], 'utf8');
  const { model, tokenizer, close } = await openWithTokenizer(requireModelArg(positionals, USAGE));
  try {
    const ctx = parseNumber('ctx', values.ctx, Math.min(512, model.config.contextLength), (n) => Number.isInteger(n) && n >= 2 && n <= model.config.contextLength);
    const tokens = tokenizer.encode(text, { addBos: false });
    if (tokens.length < 1) throw new UsageError(`${values['text-file']} holds no text to score`);
    const engine = await createEngine(model, backend, ctx);
    let nll = 0;
    let scored = 0;
    const t0 = performance.now();
    try {
      for (let start = 0; start < tokens.length; start += ctx - 1) {
        const chunk = [tokenizer.bosId, ...tokens.slice(start, start + ctx - 1)];
        engine.truncate(0);
        const all = await engine.forward(chunk, { allLogits: true });
        for (let i = 0; i + 1 < chunk.length; i++) {
          nll -= logSoftmax(all[i])[chunk[i + 1]];
          scored++;
        }
      }
    } finally {
      engine.dispose();
    }
    const result = { perplexity: Math.exp(nll / scored), tokens_scored: scored, ctx, backend, seconds: (performance.now() - t0) / 1000 };
    if (values.json) return printJson(result);
    console.log(`perplexity ${result.perplexity.toFixed(4)} over ${scored} tokens (ctx ${ctx}, ${backend}, ${result.seconds.toFixed(1)} s)`);
  } finally {
    await close();
  }
}
