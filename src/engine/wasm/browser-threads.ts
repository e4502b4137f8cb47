// Browser kernel helper threads for WasmKernels.create({ threads, spawn: spawnKernelWorker }):
// module Workers (bundled by Vite from the `new URL(..., import.meta.url)` pattern), which can be
// started from a page or from inside a dedicated worker such as the engine worker. Threads need a
// shared memory, hence cross-origin isolation (threadsAvailable in kernels.ts); without it, run
// the kernels on one thread.
import type { KernelThread } from './kernels.ts';

export function spawnKernelWorker(): KernelThread {
  const worker = new Worker(new URL('./kernel-thread.worker.ts', import.meta.url), { type: 'module', name: 'bitnet-kernels' });
  return {
    postMessage: (message) => worker.postMessage(message),
    listen(onMessage, onError) {
      worker.onmessage = (e) => onMessage(e.data);
      worker.onerror = (e) => onError(new Error(`kernel thread: ${e.message || 'failed to load'}`));
      worker.onmessageerror = () => onError(new Error('kernel thread: a message could not be read'));
    },
    terminate: () => worker.terminate(),
  };
}
