// Harness for scripts/bench-side-by-side.mjs: wllama (llama.cpp compiled to WASM, the in-browser
// alternative) on the same GGUF file and in the same browser as bitnet-web, measured the way
// llama-bench measures: prefill of p tokens and decode of n tokens, llama.cpp's own timings.
import { Wllama, type RawCompletionParams } from '@wllama/wllama/esm/index.js';
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';

export interface WllamaRun {
  threads: number;
  p: number;
  n: number;
  r: number;
}

export interface WllamaResult {
  threads: number;
  multithread: boolean;
  prefill: number[];
  decode: number[];
  promptTokens: number;
  loadMs: number;
}

declare global {
  interface Window {
    wllamaBench?: (run: WllamaRun) => Promise<WllamaResult>;
  }
}

/** " the" is one token in the LLaMA-3 vocabulary: BOS and p - 1 of them make a p-token prompt. */
const prompt = (p: number) => ' the'.repeat(Math.max(1, p - 1));

window.wllamaBench = async ({ threads, p, n, r }) => {
  const file = (document.getElementById('model') as HTMLInputElement).files?.[0];
  if (!file) throw new Error('no model file chosen');
  const t0 = performance.now();
  const wllama = new Wllama({ default: wasmUrl }, { suppressNativeLog: true });
  await wllama.loadModel([file], { n_threads: threads, n_ctx: Math.max(512, p + n + 8), n_gpu_layers: 0, n_batch: Math.max(p, 32) });
  const loadMs = performance.now() - t0;
  const prefill: number[] = [];
  const decode: number[] = [];
  let promptTokens = 0;
  try {
    for (let rep = 0; rep < r; rep++) {
      // cache_prompt off: each repetition prefills the whole prompt again, as llama-bench does.
      const params: RawCompletionParams & { cache_prompt: boolean } = { prompt: prompt(p), max_tokens: n, temperature: 0, ignore_eos: true, seed: rep + 1, cache_prompt: false };
      const t = (await wllama.createCompletion({ ...params, stream: false })).timings;
      if (!t) throw new Error('wllama returned no timings');
      prefill.push(t.prompt_per_second);
      decode.push(t.predicted_per_second);
      promptTokens = t.prompt_n;
    }
    return { threads: wllama.getNumThreads(), multithread: wllama.isMultithread(), prefill, decode, promptTokens, loadMs };
  } finally {
    await wllama.exit();
  }
};

document.getElementById('status')!.textContent = 'ready';
