// A quick check that this GPU computes what the CPU computes, before a model is loaded onto it:
// fresh random activations and ternary weights through the engine's own kernel classes
// (activation quantization, GEMV for decode, GEMM for prefill), compared bit for bit with
// math.ts. These kernels are exact in integers and round the same way as math.ts, so any
// difference is a broken driver or shader compiler, which would otherwise give garbage text.
import { packTernary, rowBytes } from '../engine/layout.ts';
import { bitLinear, quantizeActivations } from '../engine/math.ts';
import type { GpuContext } from '../engine/webgpu/context.ts';
import { checked } from '../engine/webgpu/errors.ts';
import { GemmTernary } from '../engine/webgpu/kernels/gemm-ternary.ts';
import { GemvTernary } from '../engine/webgpu/kernels/gemv-ternary.ts';
import { actRowWords, QuantizeAct } from '../engine/webgpu/kernels/quantize-act.ts';

/** BitNet 2B4T's width, and enough tokens for a full and a partial GEMM tile. */
const ROWS = 160;
const COLS = 2560;
const TOKENS = 11;

/** Runs the check; undefined when the GPU agrees, else what differed. */
export async function gpuSelfTest(ctx: GpuContext): Promise<string | undefined> {
  const { x, w, wscale } = randomCase();
  const want = new Float32Array(TOKENS * ROWS);
  const q = new Int8Array(COLS);
  for (let t = 0; t < TOKENS; t++) {
    const { scale } = quantizeActivations(x.subarray(t * COLS, (t + 1) * COLS), q);
    bitLinear(w, ROWS, COLS, wscale, q, scale, want.subarray(t * ROWS, (t + 1) * ROWS));
  }
  const { gemv, gemm } = await runOnGpu(ctx, x, w, wscale);
  return firstMismatch('GEMM', gemm, want) ?? firstMismatch('GEMV', gemv, want.subarray(0, ROWS));
}

/** Activations of varied magnitude per token (as hidden states have), weights uniform in {-1, 0, 1}. */
function randomCase(): { x: Float32Array; w: Int8Array; wscale: number } {
  const u = randomWords(TOKENS * COLS + 1);
  const x = new Float32Array(TOKENS * COLS);
  for (let t = 0; t < TOKENS; t++) {
    const amp = 10 ** ((u[t] % 5) - 2);
    for (let i = t * COLS; i < (t + 1) * COLS; i++) x[i] = (u[i] / 2 ** 32 - 0.5) * amp;
  }
  const w = Int8Array.from(randomWords(ROWS * COLS), (b) => (b % 3) - 1);
  return { x, w, wscale: Math.fround(0.5 + u[TOKENS * COLS] / 2 ** 32) };
}

/** getRandomValues fills at most 64 KiB per call. */
function randomWords(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i += 16384) crypto.getRandomValues(out.subarray(i, i + 16384));
  return out;
}

async function runOnGpu(ctx: GpuContext, x: Float32Array, w: Int8Array, wscale: number): Promise<{ gemv: Float32Array; gemm: Float32Array }> {
  const device = ctx.device;
  const made: GPUBuffer[] = [];
  const buffer = (bytes: number, usage: number, data?: ArrayBufferView) => {
    const b = device.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage });
    made.push(b);
    if (data) device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  };
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  try {
    return await checked(device, 'GPU self-test', async () => {
      const act = { a: buffer(4 * TOKENS * actRowWords(COLS), STORAGE), scale: buffer(4 * TOKENS, STORAGE), sum: buffer(4 * TOKENS, STORAGE) };
      const yv = buffer(4 * ROWS, STORAGE);
      const ym = buffer(4 * TOKENS * ROWS, STORAGE);
      const step = buffer(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, new Uint32Array([0, TOKENS, TOKENS, 0]));
      const linear = { ...act, w: buffer(ROWS * rowBytes(COLS), STORAGE, packTernary(w, ROWS, COLS)), rows: ROWS, cols: COLS, wscale };
      const quant = new QuantizeAct(ctx).create('self-test.quantize', { x: buffer(x.byteLength, STORAGE, x), q: act.a, scale: act.scale, sum: act.sum, cols: COLS });
      const gemv = new GemvTernary(ctx).create('self-test.gemv', { ...linear, y: yv });
      const gemm = new GemmTernary(ctx).create('self-test.gemm', { ...linear, y: ym, step });
      const read = buffer(4 * (ROWS + TOKENS * ROWS), GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      const enc = device.createCommandEncoder({ label: 'self-test' });
      const pass = enc.beginComputePass();
      quant.encode(pass, quant.workgroups(TOKENS));
      gemv.encode(pass, gemv.workgroups(1));
      gemm.encode(pass, gemm.workgroups(TOKENS));
      pass.end();
      enc.copyBufferToBuffer(yv, 0, read, 0, 4 * ROWS);
      enc.copyBufferToBuffer(ym, 0, read, 4 * ROWS, 4 * TOKENS * ROWS);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const all = new Float32Array(read.getMappedRange().slice(0));
      read.unmap();
      return { gemv: all.subarray(0, ROWS), gemm: all.subarray(ROWS) };
    });
  } finally {
    for (const b of made) b.destroy();
  }
}

/** The first element that is not the same float (NaN and -0 included), described. */
export function firstMismatch(what: string, got: Float32Array, want: Float32Array): string | undefined {
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) return `${what} output ${i} is ${got[i]}, the CPU computes ${want[i]}`;
  }
  return undefined;
}
