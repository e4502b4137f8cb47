// Browser harness for e2e/webgpu.spec.ts: runs one model through the reference engine (plain
// TypeScript on the CPU) and the WebGPU engine in the page, with the shaders bundled by Vite
// (shaders-vite.ts), and hands every number back to the test through `window.harness.run`.
// It compares nothing itself: the assertions live in the spec, with the Node test's criterion.
import { argmax } from '../../src/engine/compare-logits.ts';
import { ReferenceEngine } from '../../src/engine/reference.ts';
import { GpuContext, type GpuFeatures } from '../../src/engine/webgpu/context.ts';
import { shaderLibrary } from '../../src/engine/webgpu/shaders-vite.ts';
import { gpuNeeds, WebGpuEngine } from '../../src/engine/webgpu-engine.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import { openGguf } from '../../src/model/load-gguf.ts';
import { openHf } from '../../src/model/load-hf.ts';
import type { ModelFile } from '../../src/model/model-file.ts';
import { BlobSource } from '../../src/model/source.ts';

export interface RunSpec {
  /** A GGUF file's URL, or a Hugging Face folder's URL ending in '/'. */
  url: string;
  kind: 'gguf' | 'hf';
  prompt: number[];
  /** Greedy tokens each engine picks after the prompt, each feeding back its own picks. */
  steps: number;
  contextSize: number;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: GpuFeatures;
  maxBindingBytes: number;
}

export interface EngineRun {
  /**
   * Teacher-forced logits, one array per position of the prompt followed by the reference's greedy
   * ids (all but the last): the GPU is fed one token per call (GEMV, decode attention).
   */
  logits: number[][];
  /**
   * Greedy ids after the prompt. The reference's come with its teacher-forced logits; the GPU's
   * from a fresh cache: the whole prompt in one call (GEMM, prefill attention), its argmax, then
   * forwardArgmax (the id picked on the GPU, 4 bytes read back) for the other steps.
   */
  greedy: number[];
  /** Logits after the whole prompt: the last prompt position of `logits` for the reference, the prefill call's for the GPU. */
  prefill: number[];
}

export interface RunResult {
  name: string;
  config: ModelConfig;
  adapter: AdapterReport;
  reference: EngineRun;
  webgpu: EngineRun;
  /** The reference's lead of its greedy pick over the runner-up, per greedy step (how close a tie was). */
  greedyMargins: number[];
  /** GPU errors no error scope caught (validation errors during forward calls land here). */
  gpuErrors: string[];
  ms: Record<'fetch' | 'open' | 'referenceLoad' | 'referenceRun' | 'gpuLoad' | 'gpuRun', number>;
}

export interface Harness {
  run(spec: RunSpec): Promise<RunResult>;
  results: RunResult[];
}

declare global {
  interface Window {
    harness?: Harness;
  }
}

const status = document.getElementById('status')!;
const out = document.getElementById('results')!;

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

async function openModel(spec: RunSpec): Promise<ModelFile> {
  if (spec.kind === 'gguf') return openGguf(new BlobSource(await (await fetchOk(spec.url)).blob(), spec.url));
  const json = async (file: string) => (await (await fetchOk(spec.url + file)).json()) as Record<string, unknown>;
  return openHf({
    name: spec.url,
    config: await json('config.json'),
    weights: [new BlobSource(await (await fetchOk(spec.url + 'model.safetensors')).blob(), 'model.safetensors')],
    tokenizerJson: await json('tokenizer.json'),
    tokenizerConfig: await json('tokenizer_config.json'),
    generationConfig: await json('generation_config.json'),
  });
}

function margin(logits: Float32Array): number {
  const best = argmax(logits);
  let second = -Infinity;
  for (let i = 0; i < logits.length; i++) if (i !== best) second = Math.max(second, logits[i]);
  return logits[best] - second;
}

async function run(spec: RunSpec): Promise<RunResult> {
  status.textContent = `running ${spec.url}`;
  const ms = { fetch: 0, open: 0, referenceLoad: 0, referenceRun: 0, gpuLoad: 0, gpuRun: 0 };
  let t = performance.now();
  const lap = (key: keyof typeof ms) => {
    const now = performance.now();
    ms[key] = Math.round(now - t);
    t = now;
  };

  const model = await openModel(spec);
  lap('fetch');
  const ctx = await GpuContext.open(navigator.gpu, shaderLibrary(), gpuNeeds(model, spec.contextSize));
  const gpuErrors: string[] = [];
  ctx.device.addEventListener('uncapturederror', (e) => gpuErrors.push((e as GPUUncapturedErrorEvent).error.message));
  lap('open');

  const ref = await ReferenceEngine.load(model, spec.contextSize);
  lap('referenceLoad');
  const refLogits = await ref.forward(spec.prompt, { allLogits: true });
  const refPrefill = refLogits.at(-1)!;
  const refGreedy = [argmax(refPrefill)];
  const greedyMargins = [margin(refPrefill)];
  while (refGreedy.length < spec.steps) {
    const l = await ref.forward([refGreedy.at(-1)!]);
    refLogits.push(l);
    refGreedy.push(argmax(l));
    greedyMargins.push(margin(l));
  }
  lap('referenceRun');

  const gpu = await WebGpuEngine.load(model, ctx, spec.contextSize);
  lap('gpuLoad');
  const gpuLogits = await gpu.forward([...spec.prompt, ...refGreedy.slice(0, -1)], { allLogits: true });
  gpu.truncate(0);
  const gpuPrefill = await gpu.forward(spec.prompt);
  const gpuGreedy = [argmax(gpuPrefill)];
  while (gpuGreedy.length < spec.steps) gpuGreedy.push(await gpu.forwardArgmax([gpuGreedy.at(-1)!]));
  lap('gpuRun');
  gpu.dispose();
  ctx.device.destroy();

  const info = ctx.adapterInfo;
  const result: RunResult = {
    name: spec.url,
    config: model.config,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: ctx.isFallbackAdapter,
      features: ctx.features,
      maxBindingBytes: ctx.maxBindingBytes,
    },
    reference: { logits: refLogits.map((l) => Array.from(l)), greedy: refGreedy, prefill: Array.from(refPrefill) },
    webgpu: { logits: gpuLogits.map((l) => Array.from(l)), greedy: gpuGreedy, prefill: Array.from(gpuPrefill) },
    greedyMargins,
    gpuErrors,
    ms,
  };
  harness.results.push(result);
  out.textContent = harness.results
    .map((r) => `${r.name} (${r.config.arch}, ${r.config.activation}) on ${r.adapter.architecture}${r.adapter.isFallbackAdapter ? ' (fallback)' : ''}\n` +
      `  greedy reference ${r.reference.greedy.join(' ')}\n  greedy webgpu    ${r.webgpu.greedy.join(' ')}\n  ms ${JSON.stringify(r.ms)}`)
    .join('\n');
  status.textContent = 'done';
  return result;
}

const harness: Harness = { run, results: [] };
window.harness = harness;
status.textContent = 'ready';
