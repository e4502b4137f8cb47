// The WASM roofline of the machine the page runs on, measured now: how fast a WASM SIMD kernel can
// stream memory (which bounds decode: every weight is read once per token) and multiply int8
// pairs from cache (which bounds prefill), on 1..N threads over one shared memory. The CPU
// benchmark script (scripts/bench-cpu.mjs) and the benchmark panel set their figures against these.
// no-inline: files this small would become data: URLs, which the app's CSP (connect-src) refuses.
import relaxedUrl from './roofline/build/probe-relaxed.wasm?url&no-inline';
import simdUrl from './roofline/build/probe-simd.wasm?url&no-inline';

export interface Roofline {
  threads: number;
  /** Probe build: relaxed SIMD (x86 pmaddubsw for the int8 step) or plain SIMD128. */
  build: 'relaxed' | 'simd';
  /** Memory read bandwidth through 16-byte loads, all threads together (best of the passes). */
  readGBs: number;
  /** int8 multiply-adds per second in the GEMM's inner step, all threads together (best pass). */
  maddGMACs: number;
}

/** A job for every probe thread at once (roofline.worker.ts). */
export interface ProbeJob {
  kind: 'read' | 'madd';
  p: number;
  n: number; // bytes to read, or madd iterations (128 multiply-adds each)
  start: Int32Array; // shared: the generation counter the threads wait on
  generation: number;
}

export type ProbeReply = { kind: 'ready' } | { kind: 'armed' } | { kind: 'done'; ms: number; check: number };

const PAGE = 65536;
const MADD_BYTES = 65536; // each thread's L1 block for maddPeak (16 KiB + its weight vector), padded
const MADD_ITERS = 1 << 24; // 2.1 G multiply-adds per thread per pass: about 50 ms at 40 GMAC/s

async function probeModule(): Promise<{ module: WebAssembly.Module; build: Roofline['build'] }> {
  const relaxed = await (await fetch(relaxedUrl)).arrayBuffer();
  if (WebAssembly.validate(relaxed)) return { module: await WebAssembly.compile(relaxed), build: 'relaxed' };
  return { module: await WebAssembly.compile(await (await fetch(simdUrl)).arrayBuffer()), build: 'simd' };
}

/** Messages of one worker as a queue of promises. */
function replies(worker: Worker): () => Promise<ProbeReply> {
  const queue: ProbeReply[] = [];
  const waiting: ((r: ProbeReply) => void)[] = [];
  worker.onmessage = (e: MessageEvent<ProbeReply>) => (waiting.length ? waiting.shift()!(e.data) : queue.push(e.data));
  return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

/**
 * Measures the roofline on `threads` probe threads: `readBytes` of memory per thread read in
 * `passes` passes after a warm-up (the first call of a WASM function runs baseline code), and
 * the multiply-add loop as many times. Needs cross-origin isolation for threads > 1.
 */
export async function measureRoofline(threads: number, readBytes = 256 << 20, passes = 3): Promise<Roofline> {
  if (!(threads >= 1 && Number.isInteger(threads))) throw new RangeError(`roofline: bad thread count ${threads}`);
  if (threads > 1 && !globalThis.crossOriginIsolated) throw new Error('roofline: threads need a cross-origin isolated page');
  readBytes -= readBytes % 128;
  const { module, build } = await probeModule();
  const slice = readBytes + MADD_BYTES;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((threads * slice) / PAGE) + 1, maximum: 65536, shared: true });
  // Written pages: an untouched page reads as the shared zero page, which is never memory traffic.
  new Uint8Array(memory.buffer).fill(0x25);
  const start = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./roofline.worker.ts', import.meta.url), { type: 'module' }));
  try {
    const next = workers.map(replies);
    workers.forEach((w) => w.postMessage({ module, memory }));
    await Promise.all(next.map((n) => n()));
    const run = async (kind: ProbeJob['kind'], n: number): Promise<number> => {
      const generation = Atomics.load(start, 0);
      workers.forEach((w, i) => w.postMessage({ kind, p: PAGE + i * slice + (kind === 'madd' ? readBytes : 0), n, start, generation } satisfies ProbeJob));
      await Promise.all(next.map((n) => n())); // all armed
      Atomics.add(start, 0, 1);
      Atomics.notify(start, 0);
      const done = await Promise.all(next.map((n) => n()));
      return Math.max(...done.map((d) => (d.kind === 'done' ? d.ms : Infinity)));
    };
    await run('read', Math.min(readBytes, 16 << 20));
    await run('madd', 1 << 16);
    let readMs = Infinity, maddMs = Infinity;
    for (let i = 0; i < passes; i++) {
      readMs = Math.min(readMs, await run('read', readBytes));
      maddMs = Math.min(maddMs, await run('madd', MADD_ITERS));
    }
    return { threads, build, readGBs: (threads * readBytes) / readMs / 1e6, maddGMACs: (threads * MADD_ITERS * 128) / maddMs / 1e6 };
  } finally {
    workers.forEach((w) => w.terminate());
  }
}
