// Shared pieces of the CLI commands: argument parsing, opening a model with its tokenizer,
// building an engine, and printing results as text or JSON.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BackendName, Engine } from '../engine/engine.ts';
import { ReferenceEngine } from '../engine/reference.ts';
import { WasmKernels } from '../engine/wasm/kernels.ts';
import { WasmEngine, type LmHeadMode } from '../engine/wasm-engine.ts';
import type { ModelFile } from '../model/model-file.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { openModelPath, type OpenedModel } from '../node/model-files.ts';
import { spawnNodeThread } from '../node/kernel-threads.ts';
import { nodeKernelBuild, wasmKernelBytes } from '../node/wasm-bytes.ts';
import { nodeGpu } from '../node/gpu.ts';
import { loadShaderLibrary } from '../node/shaders.ts';
import { GpuContext } from '../engine/webgpu/context.ts';
import { gpuNeeds, WebGpuEngine } from '../engine/webgpu-engine.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` for a command with one positional MODEL argument. */
export function parseCommand<O extends Options>(argv: string[], options: O, usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  return parsed;
}

export function requireModelArg(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one MODEL argument (a .gguf file or a Hugging Face folder)\nusage: ${usage}`);
  return positionals[0];
}

export async function openWithTokenizer(path: string): Promise<OpenedModel & { tokenizer: BitnetTokenizer }> {
  const opened = await openModelPath(path);
  try {
    return { ...opened, tokenizer: BitnetTokenizer.fromSource(opened.model.tokenizer) };
  } catch (e) {
    await opened.close();
    throw e;
  }
}

export const BACKENDS: readonly BackendName[] = ['reference', 'wasm', 'webgpu'];

export function parseBackend(value: string | undefined): BackendName {
  const b = (value ?? 'wasm') as BackendName;
  if (!BACKENDS.includes(b)) throw new UsageError(`unknown backend "${value}" (choose ${BACKENDS.join(' or ')})`);
  return b;
}

/**
 * `threads`: kernel threads of the WASM backend, this one included (the others are unref'd
 * workers); `lmHead`: the WASM backend's LM head.
 */
export async function createEngine(model: ModelFile, backend: BackendName, contextSize: number, threads = 1, lmHead: LmHeadMode = 'exact'): Promise<Engine> {
  if (backend === 'reference') return ReferenceEngine.load(model, contextSize);
  if (backend === 'webgpu') {
    const ctx = await GpuContext.open(await nodeGpu(), loadShaderLibrary(), gpuNeeds(model, contextSize));
    return WebGpuEngine.load(model, ctx, contextSize);
  }
  const kernels = await WasmKernels.create(await wasmKernelBytes(nodeKernelBuild(threads)), { threads, spawn: spawnNodeThread });
  return WasmEngine.load(model, kernels, contextSize, { lmHead });
}

/** --lm-head for the WASM backend: 'exact' (the default) or 'int8'. */
export function parseLmHead(value: string | undefined, backend: BackendName): LmHeadMode {
  if (value === undefined) return 'exact';
  if (value !== 'exact' && value !== 'int8') throw new UsageError(`--lm-head ${value} is not valid (choose exact or int8)`);
  if (value === 'int8' && backend !== 'wasm') throw new UsageError(`--lm-head int8 applies to the wasm backend only (got --backend ${backend})`);
  return value;
}

/** --threads for the WASM backend: a positive integer, 1 when absent. */
export function parseThreads(value: string | undefined, backend: BackendName): number {
  const threads = parseNumber('threads', value, 1, (v) => Number.isInteger(v) && v >= 1);
  if (threads > 1 && backend !== 'wasm') throw new UsageError(`--threads applies to the wasm backend only (got --backend ${backend})`);
  return threads;
}

/** Parses "1,2,3" into token ids. */
export function parseIds(s: string, vocabSize: number): number[] {
  const ids = s.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (ids.length === 0 || bad !== undefined) throw new UsageError(`--prompt-ids must be comma-separated token ids in 0..${vocabSize - 1}${bad !== undefined ? ` (got ${bad})` : ''}`);
  return ids;
}

export function parseNumber(name: string, value: string | undefined, fallback: number, check: (n: number) => boolean = () => true): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} ${value} is not valid`);
  return n;
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
}
