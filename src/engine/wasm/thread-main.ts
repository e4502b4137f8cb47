// What a kernel helper thread runs (browser Worker or Node worker_threads): its first message
// brings the compiled module, the shared memory and the pool's control block; it instantiates the
// module, reports back, and serves jobs until the pool stops it (assembly/pool.ts). The function
// has no imports or closures: Node runs its source text as the worker's script.

/** The first (and only) message a helper thread receives. */
export interface ThreadInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** The control block's address in the memory. */
  ctrl: number;
  /** The job sequence number when the thread was started: it serves the jobs after it. */
  seq: number;
}

export type ThreadReply = { type: 'ready' } | { type: 'error'; message: string };

export function kernelThreadMain(init: ThreadInit, reply: (message: ThreadReply) => void): void {
  let exports: { serve(ctrl: number, seq: number): void; fail(ctrl: number): void };
  try {
    const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
    exports = instance.exports as unknown as typeof exports;
  } catch (e) {
    reply({ type: 'error', message: `kernel thread could not start: ${(e as Error).message}` });
    return;
  }
  reply({ type: 'ready' });
  try {
    exports.serve(init.ctrl, init.seq);
  } catch (e) {
    // A trap mid-job: mark the pool failed and count this thread as done, so that the host's
    // `run` returns (and throws) instead of waiting for it forever.
    exports.fail(init.ctrl);
    reply({ type: 'error', message: `kernel thread failed: ${(e as Error).message}` });
  }
}
