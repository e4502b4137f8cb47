// One thread of the roofline probes (roofline.ts): instantiates the probe module on the shared
// memory, then for each job waits for the common start signal, runs, and reports its time.
import type { ProbeJob, ProbeReply } from './roofline.ts';

interface Probe {
  readSweep(p: number, bytes: number): number;
  maddPeak(p: number, iters: number): number;
}

let probe: Probe | undefined;

self.onmessage = (e: MessageEvent<{ module: WebAssembly.Module; memory: WebAssembly.Memory } | ProbeJob>) => {
  const msg = e.data;
  if ('module' in msg) {
    probe = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports as unknown as Probe;
    self.postMessage({ kind: 'ready' } satisfies ProbeReply);
    return;
  }
  self.postMessage({ kind: 'armed' } satisfies ProbeReply);
  Atomics.wait(msg.start, 0, msg.generation); // until the host bumps the generation: all threads start together
  const t0 = performance.now();
  const check = msg.kind === 'read' ? probe!.readSweep(msg.p, msg.n) : probe!.maddPeak(msg.p, msg.n);
  self.postMessage({ kind: 'done', ms: performance.now() - t0, check } satisfies ProbeReply);
};
