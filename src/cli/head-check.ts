// `bitnet-web head-check MODEL`: what the WASM engine's int8 LM head costs in accuracy and gains in
// speed. Two WASM engines on the model, exact and int8 head, run the same tokens teacher-forced
// (head-agreement.ts: top-1 agreement, top-5 overlap, KL of the softmaxes), then decode side by
// side: tokens/s over interleaved repetitions, and the LM head's milliseconds per token from a
// profiled decode run.
import { headAgreement } from '../bench/head-agreement.ts';
import { benchTokens, measure, sampleStats } from '../bench/measure.ts';
import { summarizeWasmProfile, WasmEngine, type LmHeadMode } from '../engine/wasm-engine.ts';
import type { ModelFile } from '../model/model-file.ts';
import { createEngine, openWithTokenizer, parseCommand, parseNumber, parseThreads, printJson, requireModelArg, UsageError } from './common.ts';

const USAGE = 'bitnet-web head-check MODEL [--tokens 64] [--text TEXT] [--threads 1] [--decode 32] [-r 3] [--json]';
const MODES: readonly LmHeadMode[] = ['exact', 'int8'];

/** Milliseconds per token of the lm_head step (the final norm, any activation quantization, the head) in a decode of `ids`. */
async function headMsPerToken(engine: WasmEngine, ids: number[]): Promise<number> {
  engine.truncate(0);
  engine.setProfiling(true);
  for (const id of ids) await engine.forward([id]);
  const profile = engine.takeProfile()!;
  engine.setProfiling(false);
  return summarizeWasmProfile(profile).phases.find((p) => p.phase === 'lm_head')!.msPerToken;
}

async function load(model: ModelFile, contextSize: number, threads: number, lmHead: LmHeadMode): Promise<{ engine: WasmEngine; seconds: number }> {
  const t0 = performance.now();
  const engine = (await createEngine(model, 'wasm', contextSize, threads, lmHead)) as WasmEngine;
  return { engine, seconds: (performance.now() - t0) / 1000 };
}

/** Agreement of the heads on `tokens`, then each head's decode speed and LM-head time. */
async function compare(model: ModelFile, engines: { engine: WasmEngine; seconds: number }[], tokens: number[], decode: number, reps: number) {
  const agreement = await headAgreement(engines[0].engine, engines[1].engine, tokens);
  // Repetitions alternate between the heads, so that a slow spell of a shared machine hits both.
  const samples: number[][] = engines.map(() => []);
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, { engine }] of engines.entries()) samples[i].push((await measure(engine, model, { p: 0, n: decode, r: 1 })).decode_tok_s!);
  }
  const ids = benchTokens(decode, 1, model.config.vocabSize);
  const heads = [];
  for (const [i, { engine, seconds }] of engines.entries()) {
    heads.push({ lm_head: engine.lmHeadMode, load_s: seconds, head_bytes: engine.lmHeadBytes, decode: sampleStats(samples[i]), lm_head_ms_per_token: await headMsPerToken(engine, ids) });
  }
  return { agreement, heads };
}

export async function headCheck(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    tokens: { type: 'string' }, text: { type: 'string' }, threads: { type: 'string' }, decode: { type: 'string' }, r: { type: 'string', short: 'r' },
  }, USAGE);
  const threads = parseThreads(values.threads, 'wasm');
  const count = parseNumber('tokens', values.tokens, 64, (n) => Number.isInteger(n) && n >= 1);
  const decode = parseNumber('decode', values.decode, 32, (n) => Number.isInteger(n) && n >= 1);
  const reps = parseNumber('r', values.r, 3, (n) => Number.isInteger(n) && n >= 1);
  const { model, tokenizer, close } = await openWithTokenizer(requireModelArg(positionals, USAGE));
  const engines: { engine: WasmEngine; seconds: number }[] = [];
  try {
    const c = model.config;
    const tokens = values.text === undefined ? benchTokens(count, 0, c.vocabSize) : tokenizer.encode(values.text).slice(0, count);
    const contextSize = Math.max(tokens.length, decode + 1);
    if (contextSize > c.contextLength) throw new UsageError(`${contextSize} tokens do not fit the model's context of ${c.contextLength}`);
    for (const mode of MODES) engines.push(await load(model, contextSize, threads, mode));
    const { agreement: a, heads } = await compare(model, engines, tokens, decode, reps);
    const source = values.text === undefined ? 'ids' : 'text';
    if (values.json) return printJson({ model: positionals[0], threads, source, tokens: tokens.length, agreement: a, decode_tokens: decode, heads });
    console.log(`${c.arch} ${model.weightFormat}/${model.embeddingType}, WASM, ${threads} thread${threads > 1 ? 's' : ''}; ${a.positions} positions teacher-forced (${source})`);
    console.log(`int8 vs exact LM head: top-1 agreement ${(100 * a.top1).toFixed(2)}%, top-5 overlap ${(100 * a.top5Overlap).toFixed(2)}%, KL(exact || int8) mean ${a.klMean.toExponential(3)} max ${a.klMax.toExponential(3)} nats, max |logit diff| ${a.maxLogitDiff.toPrecision(3)}`);
    console.log(`${'head'.padEnd(6)} ${'load s'.padStart(7)} ${'head MB'.padStart(8)} ${`tg${decode} tok/s`.padStart(12)} ${'(min, max)'.padEnd(16)} ${'lm_head ms/token'.padStart(16)}`);
    for (const h of heads) {
      const d = h.decode;
      console.log(`${h.lm_head.padEnd(6)} ${h.load_s.toFixed(1).padStart(7)} ${(h.head_bytes / 1e6).toFixed(1).padStart(8)} ${d.median.toFixed(2).padStart(12)} ${`(${d.min.toFixed(2)}, ${d.max.toFixed(2)})`.padEnd(16)} ${h.lm_head_ms_per_token.toFixed(2).padStart(16)}`);
    }
  } finally {
    for (const { engine } of engines) engine.dispose();
    await close();
  }
}
