// bitnet-web's side of the CPU benchmark, in a module Worker (the engine waits on its kernel
// threads with Atomics.wait, which a page's main thread may not): loads the model, runs the WASM
// engine on `threads` kernel threads, and times prefill and decode as the CLI's bench does. Also
// the exactness check of the threaded engine against the reference (CheckSpec).
import relaxedThreadsUrl from '../../src/engine/wasm/build/kernels-relaxed-threads.wasm?url';
import relaxedUrl from '../../src/engine/wasm/build/kernels-relaxed.wasm?url';
import simdThreadsUrl from '../../src/engine/wasm/build/kernels-simd-threads.wasm?url';
import simdUrl from '../../src/engine/wasm/build/kernels-simd.wasm?url';
import { spawnKernelWorker } from '../../src/engine/wasm/browser-threads.ts';
import { supportsRelaxedSimd, threadsAvailable, WasmKernels } from '../../src/engine/wasm/kernels.ts';
import { ReferenceEngine } from '../../src/engine/reference.ts';
import { summarizeWasmProfile, WasmEngine } from '../../src/engine/wasm-engine.ts';
import type { ModelFile } from '../../src/model/model-file.ts';
import { openGguf } from '../../src/model/load-gguf.ts';
import { BlobSource, MemorySource } from '../../src/model/source.ts';
import { stats, type BenchResult, type BenchSpec, type CheckResult, type CheckSpec } from './bench-cpu-common.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** The engine on `threads` kernel threads (1 without cross-origin isolation, noted), relaxed SIMD where the browser has it. */
async function wasmEngine(model: ModelFile, requested: number, contextSize: number, notes: string[], spin?: number, lmHead?: 'exact' | 'int8') {
  let threads = requested;
  if (threads > 1 && !threadsAvailable()) {
    notes.push('not cross-origin isolated: no shared memory, so 1 thread');
    threads = 1;
  }
  const build = `${supportsRelaxedSimd() ? 'relaxed' : 'simd'}${threads > 1 ? '-threads' : ''}`;
  const url = { relaxed: relaxedUrl, simd: simdUrl, 'relaxed-threads': relaxedThreadsUrl, 'simd-threads': simdThreadsUrl }[build]!;
  const kernels = await WasmKernels.create(await (await fetch(url)).arrayBuffer(), { threads, spawn: spawnKernelWorker, spin });
  return { kernels, threads, build, engine: await WasmEngine.load(model, kernels, contextSize, { lmHead }) };
}

async function check(spec: CheckSpec): Promise<CheckResult> {
  const model = await openGguf(new MemorySource(new Uint8Array(spec.gguf), 'check.gguf'));
  const ctx = spec.prompt.length + spec.steps;
  const { kernels, threads, build, engine } = await wasmEngine(model, spec.threads, ctx, []);
  const ref = await ReferenceEngine.load(model, ctx);
  const got = await engine.forward(spec.prompt, { allLogits: true });
  const want = await ref.forward(spec.prompt, { allLogits: true });
  for (let i = 0; i < spec.steps; i++) {
    let best = 0;
    want[want.length - 1].forEach((v, j, l) => v > l[best] && (best = j));
    got.push(await engine.forward([best]));
    want.push(await ref.forward([best]));
  }
  kernels.dispose();
  for (let position = 0; position < want.length; position++) {
    const index = got[position].findIndex((v, j) => !Object.is(v, want[position][j]));
    if (index >= 0) return { threads, build, positions: want.length, firstDifference: { position, index, wasm: got[position][index], reference: want[position][index] } };
  }
  return { threads, build, positions: want.length, firstDifference: null };
}

async function bench(spec: BenchSpec): Promise<BenchResult> {
  const notes: string[] = [];
  const t0 = performance.now();
  const blob = await (await fetch(spec.url)).blob();
  const model = await openGguf(new BlobSource(blob, spec.url));
  const { kernels, threads, build, engine } = await wasmEngine(model, spec.threads, Math.max(spec.p, spec.n, 8) + 1, notes, spec.spin, spec.lmHead);
  const loadMs = performance.now() - t0;
  const vocab = model.config.vocabSize;
  const tokens = (len: number, salt: number) => Array.from({ length: len }, (_, i) => (i * 7919 + salt * 104729) % vocab);
  // Warm-up: the first calls run baseline-compiled WASM until the optimizing tier takes over.
  for (let i = 0; i < 3; i++) {
    engine.truncate(0);
    await engine.forward(tokens(Math.min(8, spec.p || 8), 99));
    await engine.forward([1]);
  }
  const pp: number[] = [];
  const tg: number[] = [];
  for (let rep = 0; rep < spec.r; rep++) {
    if (spec.p > 0) {
      engine.truncate(0);
      const t = performance.now();
      await engine.forward(tokens(spec.p, rep));
      pp.push(spec.p / ((performance.now() - t) / 1000));
    }
    if (spec.n > 0) {
      engine.truncate(0);
      const ids = tokens(spec.n, rep + 1);
      const t = performance.now();
      for (const id of ids) await engine.forward([id]);
      tg.push(spec.n / ((performance.now() - t) / 1000));
    }
  }
  let phases: BenchResult['phases'];
  if (spec.phases) {
    engine.setProfiling(true);
    engine.truncate(0);
    const prefill = spec.p > 0 ? (await engine.forward(tokens(spec.p, 0)), engine.takeProfile()) : null;
    engine.truncate(0);
    for (const id of tokens(spec.n, 1)) await engine.forward([id]);
    const decode = spec.n > 0 ? engine.takeProfile() : null;
    engine.setProfiling(false);
    phases = { prefill: prefill && summarizeWasmProfile(prefill), decode: decode && summarizeWasmProfile(decode) };
  }
  kernels.dispose();
  return {
    engine: 'bitnet-web', threads, build, weightFormat: model.weightFormat, embeddingType: model.embeddingType,
    prefillTokS: pp.length ? stats(pp) : null, decodeTokS: tg.length ? stats(tg) : null, loadMs, phases, notes,
    lmHead: { mode: engine.lmHeadMode, bytes: engine.lmHeadBytes },
  };
}

scope.onmessage = async (e: MessageEvent<BenchSpec | CheckSpec>) => {
  try {
    scope.postMessage({ result: 'gguf' in e.data ? await check(e.data) : await bench(e.data) });
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
  }
};
