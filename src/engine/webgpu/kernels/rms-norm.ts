// RMSNorm over rows (shaders/rms-norm.wgsl): one workgroup per row.
import type { GpuContext } from '../context.ts';
import { f32, Kernel, u32, type BoundKernel } from '../kernel.ts';

export interface RmsNormArgs {
  x: GPUBuffer;
  w: GPUBuffer;
  y: GPUBuffer;
  cols: number;
  eps: number;
  /** Element offsets and row strides; default: rows packed from element 0. */
  xOffset?: number;
  xStride?: number;
  yOffset?: number;
  yStride?: number;
}

export class RmsNorm extends Kernel {
  constructor(ctx: GpuContext) {
    super(ctx, 'rms-norm', ['common/reduce'], { WG: 256 });
  }

  /** Bound op; encode with workgroups = number of rows. */
  create(label: string, a: RmsNormArgs): BoundKernel {
    return this.bind(label, [a.x, a.w, a.y], [u32(a.cols), u32(a.xOffset ?? 0), u32(a.xStride ?? a.cols), u32(a.yOffset ?? 0), u32(a.yStride ?? a.cols), f32(a.eps)]);
  }
}
