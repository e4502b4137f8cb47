// `bitnet-web generate MODEL`: sample a continuation of a prompt (text, chat or raw ids) and stream
// it to stdout; --json prints ids, text and speeds instead.
import { generate as run } from '../engine/generate.ts';
import { DEFAULT_SAMPLING, Sampler } from '../engine/sampler.ts';
import { formatChat } from '../model/chat-format.ts';
import { createEngine, openWithTokenizer, parseBackend, parseCommand, parseIds, parseLmHead, parseNumber, printJson, requireModelArg, UsageError } from './common.ts';

const USAGE = `bitnet-web generate MODEL (--prompt TEXT | --prompt-ids 1,2,3) [--chat] [--system TEXT]
    [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R]
    [--seed S] [--ctx N] [--backend reference|wasm] [--lm-head exact|int8] [--json]`;

export async function generate(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    argv,
    {
      prompt: { type: 'string' }, 'prompt-ids': { type: 'string' }, chat: { type: 'boolean' }, system: { type: 'string' },
      'max-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' },
      'min-p': { type: 'string' }, 'repeat-penalty': { type: 'string' }, seed: { type: 'string' }, ctx: { type: 'string' }, backend: { type: 'string' }, 'lm-head': { type: 'string' },
    },
    USAGE,
  );
  if ((values.prompt === undefined) === (values['prompt-ids'] === undefined)) throw new UsageError(`give exactly one of --prompt or --prompt-ids\nusage: ${USAGE}`);
  if ((values.chat || values.system !== undefined) && values.prompt === undefined) throw new UsageError('--chat and --system need --prompt');
  const backend = parseBackend(values.backend);
  const lmHead = parseLmHead(values['lm-head'], backend);
  const { model, tokenizer, close } = await openWithTokenizer(requireModelArg(positionals, USAGE));
  try {
    const c = model.config;
    const g = model.generation;
    const prompt = values['prompt-ids'] !== undefined
      ? parseIds(values['prompt-ids'], c.vocabSize)
      : values.chat || values.system !== undefined
        ? formatChat(tokenizer, [...(values.system !== undefined ? [{ role: 'system' as const, content: values.system }] : []), { role: 'user' as const, content: values.prompt! }], { chatTemplate: model.chatTemplate })
        : tokenizer.encode(values.prompt!);
    const maxTokens = parseNumber('max-tokens', values['max-tokens'], 128, (n) => Number.isInteger(n) && n >= 0);
    const ctx = parseNumber('ctx', values.ctx, Math.min(c.contextLength, prompt.length + maxTokens), (n) => Number.isInteger(n) && n > 0);
    if (prompt.length > ctx) throw new UsageError(`the prompt has ${prompt.length} tokens, more than the context of ${ctx}`);
    const sampler = new Sampler({
      ...DEFAULT_SAMPLING,
      temperature: parseNumber('temperature', values.temperature, g.temperature ?? DEFAULT_SAMPLING.temperature),
      topK: parseNumber('top-k', values['top-k'], g.topK ?? DEFAULT_SAMPLING.topK),
      topP: parseNumber('top-p', values['top-p'], g.topP ?? DEFAULT_SAMPLING.topP),
      minP: parseNumber('min-p', values['min-p'], DEFAULT_SAMPLING.minP),
      repetitionPenalty: parseNumber('repeat-penalty', values['repeat-penalty'], g.repetitionPenalty ?? 1),
      seed: values.seed === undefined ? undefined : parseNumber('seed', values.seed, 0, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32),
    });
    const engine = await createEngine(model, backend, ctx, 1, lmHead);
    try {
      const result = await run(engine, tokenizer, prompt, {
        maxTokens,
        sampler,
        stopIds: new Set(tokenizer.eosIds),
        onDevice: backend === 'webgpu',
        onToken: values.json ? undefined : (_id, text) => process.stdout.write(text),
      });
      if (values.json) {
        return printJson({
          ids: result.ids, text: result.text, prompt_ids: prompt, stop_reason: result.stopReason, seed: sampler.seed, backend,
          prefill_tok_s: result.prefillTokPerS, decode_tok_s: result.decodeTokPerS,
        });
      }
      process.stdout.write('\n');
      console.error(`[${backend}] prompt ${prompt.length} tokens, ${result.prefillTokPerS.toFixed(1)} tok/s; generated ${result.ids.length} (${result.stopReason}), ${result.decodeTokPerS.toFixed(1)} tok/s; seed ${sampler.seed}`);
    } finally {
      engine.dispose();
    }
  } finally {
    await close();
  }
}
