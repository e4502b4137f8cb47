// `bitnet-web make-model`: write a random-weight BitNet model in a real format and shape.
import type { FfnActivation } from '../model/config.ts';
import { parseShape, planSyntheticModel, type EmbeddingFormat, type SyntheticArch, type WeightFormat } from '../model/synthetic.ts';
import { truncateLlama3Tokenizer } from '../model/tokenizer-truncate.ts';
import { llama3Tokenizer, writePlans } from '../node/model-files.ts';
import { parseCommand, parseNumber, printJson, UsageError } from './common.ts';

const USAGE = `bitnet-web make-model --shape tiny|2b4t|dim=N,ffn=N,layers=N,heads=N,kv=N,vocab=N,ctx=N
    --arch bitnet-b1.58|bitnet --format i2_s|tq2_0|tq1_0|hf [--embd f16|bf16|f32|q8_0|q6_k]
    [--activation relu2|silu] [--html-tokens N] --seed S --out PATH
  --html-tokens N adds N tokens that spell HTML/script payloads (e.g. <script>alert(1)</script>),
    picked often by the random model: for tests that model output is shown inertly`;

/** Payloads a page must show as text; past the list they repeat with a numbered comment. */
export const HTML_PAYLOADS = [
  `<img src=x onerror="document.title='pwned'">`,
  '<script>alert(1)</script>',
  '<b>bold</b>',
  ' <iframe src="javascript:alert(1)"></iframe>',
  '<svg onload="alert(1)">',
  '[click](javascript:alert(1))',
  '<a href="javascript:alert(1)">link</a>',
  '<style>body{display:none}</style>',
];

export function htmlTokenTexts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => HTML_PAYLOADS[i % HTML_PAYLOADS.length] + (i < HTML_PAYLOADS.length ? '' : `<!--${i}-->`));
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback?: T): T {
  const v = value ?? fallback;
  if (v === undefined || !allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}\nusage: ${USAGE}`);
  return v as T;
}

export async function makeModel(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    argv,
    { shape: { type: 'string' }, arch: { type: 'string' }, format: { type: 'string' }, embd: { type: 'string' }, activation: { type: 'string' }, 'html-tokens': { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
    USAGE,
  );
  if (positionals.length > 0 || values.out === undefined) throw new UsageError(`--out PATH is required\nusage: ${USAGE}`);
  let shape;
  try {
    shape = parseShape(values.shape ?? 'tiny');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const format = oneOf<WeightFormat>('format', values.format, ['i2_s', 'tq2_0', 'tq1_0', 'hf'], 'i2_s');
  const arch = oneOf<SyntheticArch>('arch', values.arch, ['bitnet-b1.58', 'bitnet'], format === 'i2_s' || format === 'hf' ? 'bitnet-b1.58' : 'bitnet');
  const embedding = values.embd === undefined ? undefined : oneOf<EmbeddingFormat>('embd', values.embd, ['f16', 'bf16', 'f32', 'q8_0', 'q6_k']);
  const activation = values.activation === undefined ? undefined : oneOf<FfnActivation>('activation', values.activation, ['relu2', 'silu']);
  const seed = parseNumber('seed', values.seed, 1, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32);
  const htmlTokens = parseNumber('html-tokens', values['html-tokens'], 0, (n) => Number.isInteger(n) && n >= 0 && n <= 1000);
  const base = await llama3Tokenizer();
  const tokenizer = truncateLlama3Tokenizer(base.json, base.config, shape.bpeTokens);
  const t0 = performance.now();
  let plan;
  try {
    plan = planSyntheticModel({ shape, arch, format, embedding, activation, seed, tokenizer: { json: tokenizer.tokenizerJson, config: tokenizer.tokenizerConfig }, extraTokens: htmlTokenTexts(htmlTokens) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const files = await writePlans(values.out, plan.files);
  const bytes = plan.files.reduce((a, f) => a + f.size, 0);
  const result = { out: values.out, files, bytes, config: plan.config, format, embedding: embedding ?? (format === 'hf' ? 'bf16' : 'f16'), seed, seconds: (performance.now() - t0) / 1000 };
  if (values.json) return printJson(result);
  console.log(`wrote ${values.out} (${(bytes / 1e6).toFixed(1)} MB, ${format}, ${arch}, ${plan.config.nLayers} layers, dim ${plan.config.dim}, vocab ${plan.config.vocabSize}) in ${result.seconds.toFixed(1)} s`);
}
