// The bandwidth yardstick: a plain copy kernel (shaders/copy.wgsl, one vec4<u32> per invocation)
// over a large buffer on the engine's own device, timed with timestamp-query where the device has
// it, else by wall clock around onSubmittedWorkDone (which then includes submission overhead).
// What a decode step achieves is compared with this figure, not with a datasheet number.
import type { GpuContext } from './context.ts';
import { checked } from './errors.ts';
import { grid, Kernel, u32 } from './kernel.ts';

export interface CopyBandwidth {
  /** Bytes one copy reads (and writes): the buffer size. */
  bytes: number;
  /** Timed copies (after one untimed warm-up). */
  runs: number;
  method: 'timestamp-query' | 'wall-clock';
  /** Seconds per timed copy, in order. */
  seconds: number[];
  /** (bytes read + bytes written) / median time, in GB/s (1e9 bytes): the STREAM "copy" convention. */
  gbPerS: number;
  /** The same over the fastest copy. */
  bestGbPerS: number;
  /** Bytes read / median time: half of gbPerS. */
  readGbPerS: number;
}

export interface CopyBandwidthOptions {
  /** Buffer size; default 128 MiB, cut to the device's largest binding, rounded down to 16 bytes. */
  bytes?: number;
  /** Timed copies; default 5. */
  runs?: number;
  /** Use the wall clock even where timestamp-query is available. */
  wallClock?: boolean;
}

const WG = 256;
const DEFAULT_BYTES = 128 << 20;

class Copy extends Kernel {
  constructor(ctx: GpuContext) {
    super(ctx, 'copy', [], { WG });
  }
}

/** Measures copy bandwidth on `ctx`'s device. Allocates two buffers of `bytes` and frees them again. */
export async function measureCopyBandwidth(ctx: GpuContext, opts: CopyBandwidthOptions = {}): Promise<CopyBandwidth> {
  const dev = ctx.device;
  const bytes = Math.floor(Math.min(opts.bytes ?? DEFAULT_BYTES, ctx.maxBindingBytes) / 16) * 16;
  if (!(bytes >= 16)) throw new RangeError(`copy bandwidth: ${opts.bytes} bytes is too small`);
  const runs = Math.max(1, Math.floor(opts.runs ?? 5));
  const timestamps = ctx.features.timestamps && !opts.wallClock;
  const n = bytes / 16;
  const groups = grid(Math.ceil(n / WG));
  const owned: { destroy(): void }[] = [];
  try {
    const { op, querySet, resolve, read } = await checked(dev, 'setting up the copy bandwidth probe', () => {
      // A non-constant source, so that no layer can shortcut a copy of zeros.
      const src = dev.createBuffer({ label: 'copy.src', size: bytes, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
      owned.push(src);
      const words = new Uint32Array(src.getMappedRange());
      for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761);
      src.unmap();
      const dst = dev.createBuffer({ label: 'copy.dst', size: bytes, usage: GPUBufferUsage.STORAGE });
      owned.push(dst);
      const op = new Copy(ctx).bind('copy', [src, dst], [u32(n)]);
      if (!timestamps) return { op };
      const querySet = dev.createQuerySet({ label: 'copy.timestamps', type: 'timestamp', count: 2 * runs });
      const resolve = dev.createBuffer({ label: 'copy.timestamps.resolve', size: 16 * runs, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const read = dev.createBuffer({ label: 'copy.timestamps.read', size: 16 * runs, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      owned.push(querySet, resolve, read);
      return { op, querySet, resolve, read };
    });
    const submit = (timestampWrites?: GPUComputePassTimestampWrites) => {
      const enc = dev.createCommandEncoder({ label: 'copy bandwidth' });
      const pass = enc.beginComputePass(timestampWrites ? { timestampWrites } : {});
      op.encode(pass, groups);
      pass.end();
      return enc;
    };
    // Warm-up: pipeline, first touch of both buffers.
    dev.queue.submit([submit().finish()]);
    await dev.queue.onSubmittedWorkDone();

    let seconds: number[] = [];
    let method: CopyBandwidth['method'] = 'wall-clock';
    if (querySet && resolve && read) {
      await checked(dev, 'timing the copy kernel', async () => {
        const encoders = Array.from({ length: runs }, (_, i) => submit({ querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 }));
        const last = encoders[runs - 1];
        last.resolveQuerySet(querySet, 0, 2 * runs, resolve, 0);
        last.copyBufferToBuffer(resolve, 0, read, 0, 16 * runs);
        dev.queue.submit(encoders.map((e) => e.finish()));
        await read.mapAsync(GPUMapMode.READ);
        const t = new BigUint64Array(read.getMappedRange().slice(0));
        read.unmap();
        seconds = Array.from({ length: runs }, (_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1e9);
      });
      // Some implementations report zeros (or quantize to nothing at this size): use the clock then.
      if (seconds.every((s) => s > 0)) method = 'timestamp-query';
    }
    if (method === 'wall-clock') {
      seconds = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        dev.queue.submit([submit().finish()]);
        await dev.queue.onSubmittedWorkDone();
        seconds.push((performance.now() - t0) / 1000);
      }
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    const med = runs % 2 ? sorted[runs >> 1] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
    const gb = (s: number) => (2 * bytes) / s / 1e9;
    return { bytes, runs, method, seconds, gbPerS: gb(med), bestGbPerS: gb(sorted[0]), readGbPerS: gb(med) / 2 };
  } finally {
    for (const o of owned) o.destroy();
  }
}
