// The CPU benchmark harness page (scripts/bench-cpu.mjs drives it): bitnet-web's WASM engine in
// a fresh module Worker per run (bench-cpu.worker.ts), and wllama (llama.cpp compiled to WASM,
// its own workers) on the same kind of model, timed the same way: one prefill of p tokens, then
// n single-token decode steps, r times. Also the threaded engine's exactness check in Chromium
// (src/engine/wasm/threads-chromium.test.ts).
import { Wllama } from '@wllama/wllama';
import wllamaWasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
import { stats, type BenchResult, type BenchSpec, type CheckResult, type CheckSpec } from './bench-cpu-common.ts';

declare global {
  interface Window {
    benchCpu?: {
      bitnet(spec: BenchSpec): Promise<BenchResult>;
      wllama(spec: BenchSpec): Promise<BenchResult>;
      /** CheckSpec with the GGUF file as base64 (page.evaluate carries JSON). */
      check(spec: Omit<CheckSpec, 'gguf'> & { gguf: string }): Promise<CheckResult>;
    };
  }
}

const status = document.getElementById('status')!;

/** Runs one request in a fresh worker, ended afterwards (its memory goes with it). */
function inWorker<T>(request: BenchSpec | CheckSpec, transfer: Transferable[] = []): Promise<T> {
  const worker = new Worker(new URL('./bench-cpu.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<T>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ result?: T; error?: string }>) => (e.data.result ? resolve(e.data.result) : reject(new Error(e.data.error)));
    worker.onerror = (e) => reject(new Error(`bench worker: ${e.message}`));
    worker.postMessage(request, transfer);
  }).finally(() => worker.terminate());
}

function bitnet(spec: BenchSpec): Promise<BenchResult> {
  status.textContent = `bitnet-web ${spec.url}, ${spec.threads} threads`;
  return inWorker(spec);
}

function check(spec: Omit<CheckSpec, 'gguf'> & { gguf: string }): Promise<CheckResult> {
  status.textContent = `check, ${spec.threads} threads`;
  const gguf = Uint8Array.from(atob(spec.gguf), (c) => c.charCodeAt(0)).buffer;
  return inWorker({ ...spec, gguf }, [gguf]);
}

/**
 * wllama on the CPU (no WebGPU layers): a prompt of p tokens (a word the LLaMA-3 tokenizer keeps
 * whole, repeated, after the BOS that llama.cpp adds), greedy decoding of n tokens past any
 * end-of-generation token; llama.cpp's own timings.
 */
async function wllama(spec: BenchSpec): Promise<BenchResult> {
  status.textContent = `wllama ${spec.url}, ${spec.threads} threads`;
  const notes: string[] = [];
  const t0 = performance.now();
  const blob = await (await fetch(spec.url)).blob();
  const w = new Wllama({ default: wllamaWasmUrl }, { suppressNativeLog: true });
  await w.loadModel([blob], { n_threads: spec.threads, n_ctx: Math.max(256, spec.p + spec.n + 8), n_batch: Math.max(spec.p, 32), n_gpu_layers: 0 });
  const loadMs = performance.now() - t0;
  if (w.getNumThreads() !== spec.threads) notes.push(`wllama runs ${w.getNumThreads()} thread(s) (${w.isMultithread() ? 'multi' : 'single'}-thread build)`);
  const threads = w.getNumThreads();
  const build = w.isMultithread() ? 'multi-thread' : 'single-thread';
  const prompt = ' hello'.repeat(Math.max(0, spec.p - 1));
  const pp: number[] = [];
  const tg: number[] = [];
  const complete = async (promptText: string, maxTokens: number) => {
    // cache_prompt is a llama.cpp completion option that wllama's types leave out.
    const options = { prompt: promptText, max_tokens: maxTokens, temperature: 0, ignore_eos: true, cache_prompt: false };
    const res = await w.createCompletion(options as Parameters<Wllama['createCompletion']>[0] & { stream?: false });
    if (!res.timings) throw new Error('wllama returned no timings');
    return res.timings;
  };
  await complete(' hello'.repeat(7), 4); // warm-up
  for (let rep = 0; rep < spec.r; rep++) {
    const t = await complete(prompt, spec.n);
    if (spec.p > 0) pp.push(t.prompt_per_second);
    if (spec.n > 0) tg.push(t.predicted_per_second);
    if (t.prompt_n !== spec.p || t.predicted_n !== spec.n) notes.push(`wllama timed ${t.prompt_n} prompt and ${t.predicted_n} generated tokens`);
  }
  await w.exit();
  return {
    engine: 'wllama', threads, build, weightFormat: 'TQ2_0', embeddingType: 'F16',
    prefillTokS: pp.length ? stats(pp) : null, decodeTokS: tg.length ? stats(tg) : null, loadMs, notes: [...new Set(notes)],
  };
}

window.benchCpu = { bitnet, wllama, check };
status.textContent = `ready (cross-origin isolated: ${crossOriginIsolated})`;
