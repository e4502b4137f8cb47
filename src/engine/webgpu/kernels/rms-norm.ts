// RMSNorm over rows (shaders/rms-norm.wgsl): one workgroup per row, bit-identical to math.ts.
import type { GpuContext } from '../context.ts';
import { f32, Kernel, u32, type BoundKernel } from '../kernel.ts';

export interface RmsNormArgs {
  x: GPUBuffer;
  w: GPUBuffer;
  y: GPUBuffer;
  /** Row length, below 2^24. */
  cols: number;
  /** Finite and >= 0; rounded to f32. */
  eps: number;
  /** Element offsets and row strides; default: rows packed from element 0. */
  xOffset?: number;
  xStride?: number;
  yOffset?: number;
  yStride?: number;
}

export interface RmsNormOptions {
  /** Tests: always replay the float64 sum in order (the shader's rare slow path). */
  sequential?: boolean;
}

export class RmsNorm extends Kernel {
  constructor(ctx: GpuContext, opts: RmsNormOptions = {}) {
    super(ctx, 'rms-norm', ['common/exact-arith'], { WG: 256, SEQUENTIAL: opts.sequential ? 1 : 0 });
  }

  /** Bound op; encode with workgroups = number of rows. */
  create(label: string, a: RmsNormArgs): BoundKernel {
    if (!(a.eps >= 0 && Number.isFinite(a.eps))) throw new RangeError(`rms-norm ${label}: eps ${a.eps} must be finite and >= 0`);
    if (!(a.cols < 2 ** 24)) throw new RangeError(`rms-norm ${label}: ${a.cols} columns, the limit is 2^24 - 1`);
    return this.bind(label, [a.x, a.w, a.y], [u32(a.cols), u32(a.xOffset ?? 0), u32(a.xStride ?? a.cols), u32(a.yOffset ?? 0), u32(a.yStride ?? a.cols), f32(a.eps)]);
  }
}
