// Per-token int8 quantization of activations (shaders/quantize-act.wgsl): one workgroup per row.
import { paddedCols } from '../../layout.ts';
import type { GpuContext } from '../context.ts';
import { Kernel, u32, type Binding, type SizedKernel } from '../kernel.ts';

/** u32 words per quantized row: paddedCols(cols) int8 values, 4 per word. */
export function actRowWords(cols: number): number {
  return paddedCols(cols) / 4;
}

export interface QuantizeActArgs {
  /** f32 input rows. */
  x: GPUBuffer | Binding;
  /** Output: packed int8, [rows][actRowWords(cols)] u32, padding zero. */
  q: GPUBuffer | Binding;
  /** Output: f32 [rows], s = 127 / max(amax, 1e-5), bit-identical to math.ts. */
  scale: GPUBuffer | Binding;
  /** Output: i32 [rows], Σq. */
  sum: GPUBuffer | Binding;
  cols: number;
  /** Element offset of row 0 and row stride in x; default: rows packed from element 0. */
  xOffset?: number;
  xStride?: number;
}

/** Largest power of two <= want that the device runs in one workgroup. */
export function pow2Workgroup(ctx: GpuContext, want: number): number {
  const lim = Math.min(want, ctx.device.limits.maxComputeInvocationsPerWorkgroup, ctx.device.limits.maxComputeWorkgroupSizeX);
  return 2 ** Math.floor(Math.log2(lim));
}

export class QuantizeAct extends Kernel {
  /** `wg`: invocations per workgroup (rounded down to a power of two the device allows). */
  constructor(ctx: GpuContext, opts: { wg?: number } = {}) {
    super(ctx, 'quantize-act', ['common/reduce', 'common/ternary'], { WG: pow2Workgroup(ctx, opts.wg ?? 256) });
  }

  /** Bound op; encode with workgroups(nTokens): one workgroup per token row. */
  create(label: string, a: QuantizeActArgs): SizedKernel {
    const bound = this.bind(label, [a.x, a.q, a.scale, a.sum], [u32(a.cols), u32(a.xOffset ?? 0), u32(a.xStride ?? a.cols)]);
    return { encode: bound.encode, workgroups: (nTokens) => [nTokens, 1, 1] };
  }
}
