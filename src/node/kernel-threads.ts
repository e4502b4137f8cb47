// Node only: kernel helper threads on worker_threads, for WasmKernels.create({ threads, spawn }).
// The thread runs kernelThreadMain's source text, so that no module has to be resolved in the
// worker (the same code serves src/ under vitest and the compiled dist-node/).
import { Worker } from 'node:worker_threads';
import type { KernelThread } from '../engine/wasm/kernels.ts';
import { kernelThreadMain } from '../engine/wasm/thread-main.ts';

const SOURCE = `const { parentPort } = require('node:worker_threads');
parentPort.once('message', (init) => (${kernelThreadMain.toString()})(init, (m) => parentPort.postMessage(m)));`;

export function spawnNodeThread(): KernelThread {
  const worker = new Worker(SOURCE, { eval: true });
  return {
    postMessage: (message) => worker.postMessage(message),
    listen(onMessage, onError) {
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', (code) => code !== 0 && onError(new Error(`kernel thread exited with code ${code}`)));
      // A helper lives as long as its pool, not the process: it must not keep the process alive
      // (unref after the listeners, which would ref the worker again).
      worker.unref();
    },
    terminate: () => void worker.terminate(),
  };
}
