// A cached model's files (name -> bytes, from the model cache) opened as a ModelFile: one .gguf,
// or a Hugging Face folder (config.json, tokenizer.json, *.safetensors, optional configs).
import { FormatError } from '../model/errors.ts';
import { openGguf } from '../model/load-gguf.ts';
import { openHf } from '../model/load-hf.ts';
import type { ModelFile } from '../model/model-file.ts';
import type { ByteSource } from '../model/source.ts';

export async function openModelFiles(files: ReadonlyMap<string, ByteSource>, name: string): Promise<ModelFile> {
  const names = [...files.keys()].sort();
  const ggufs = names.filter((n) => n.toLowerCase().endsWith('.gguf'));
  if (ggufs.length > 1) throw new FormatError('unsupported', `${name}: several .gguf files (${ggufs.join(', ')}); a model is one .gguf file`);
  if (ggufs.length === 1) return openGguf(files.get(ggufs[0])!);

  const weights = names.filter((n) => n.endsWith('.safetensors'));
  if (weights.length === 0) throw new FormatError('unsupported', `${name}: no .gguf or .safetensors file among ${listed(names)}`);
  const json = async (file: string, required: boolean) => {
    const src = files.get(file);
    if (!src) {
      if (required) throw new FormatError('missing-key', `${name}: ${file} is missing (the model has ${listed(names)})`, { file });
      return undefined;
    }
    return readJson(src, `${name}/${file}`);
  };
  return openHf({
    name,
    config: (await json('config.json', true))!,
    tokenizerJson: (await json('tokenizer.json', true))!,
    tokenizerConfig: await json('tokenizer_config.json', false),
    generationConfig: await json('generation_config.json', false),
    weights: weights.map((n) => files.get(n)!),
  });
}

const listed = (names: string[]) => (names.length ? names.join(', ') : 'no files');

async function readJson(src: ByteSource, what: string): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await src.read(0, src.size));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FormatError('bad-json', `${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError('bad-json', `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}
