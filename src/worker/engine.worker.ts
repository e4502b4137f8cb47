// The engine worker (a module worker): wires EngineHost to the worker global and to what the
// browser provides, the model cache in IndexedDB, navigator.gpu, the WASM kernel builds and
// WGSL shaders that Vite bundles, and the roofline probes (their threads are workers of this one).
import relaxedUrl from '../engine/wasm/build/kernels-relaxed.wasm?url';
import relaxedThreadsUrl from '../engine/wasm/build/kernels-relaxed-threads.wasm?url';
import simdUrl from '../engine/wasm/build/kernels-simd.wasm?url';
import simdThreadsUrl from '../engine/wasm/build/kernels-simd-threads.wasm?url';
import { measureRoofline } from '../bench/roofline.ts';
import { spawnKernelWorker } from '../engine/wasm/browser-threads.ts';
import { shaderLibrary } from '../engine/webgpu/shaders-vite.ts';
import { ModelStore } from '../storage/model-store.ts';
import { EngineHost } from './host.ts';
import type { InitMessage, RequestMessage, StopMessage } from './protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** A task boundary: the worker's queued messages (a stop) run before this resolves. */
const tick = new MessageChannel();
const ticks: (() => void)[] = [];
tick.port1.onmessage = () => ticks.shift()?.();

const host = new EngineHost({
  post: (event) => scope.postMessage(event),
  async openModel(modelId, hubBase) {
    const store = new ModelStore({ hubBase });
    const files = await store.openFiles(modelId);
    return { files, name: (await store.get(modelId))?.label ?? modelId };
  },
  backend: {
    gpu: navigator.gpu,
    shaders: shaderLibrary,
    spawnThread: spawnKernelWorker,
    cores: navigator.hardwareConcurrency,
    async wasmKernels(build) {
      const url = { relaxed: relaxedUrl, simd: simdUrl, 'relaxed-threads': relaxedThreadsUrl, 'simd-threads': simdThreadsUrl }[build];
      const response = await fetch(url);
      if (!response.ok) throw new Error(`the WASM kernels (${url}) could not be fetched: HTTP ${response.status}`);
      return response.arrayBuffer();
    },
  },
  // 128 MiB read per thread: large against any cache, and a few seconds a thread count.
  roofline: (threads) => measureRoofline(threads, 128 << 20),
  yieldToEvents: () =>
    new Promise((resolve) => {
      ticks.push(resolve);
      tick.port2.postMessage(null);
    }),
});

scope.onmessage = (e: MessageEvent<InitMessage | StopMessage | RequestMessage>) => host.handle(e.data);
