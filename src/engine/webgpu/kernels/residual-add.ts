// Residual connection (shaders/residual-add.wgsl): x += y per element of the step's tokens.
import type { GpuContext } from '../context.ts';
import { grid, Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

export interface ResidualAddArgs {
  /** f32, updated in place; token t's values start at xOffset + t * xStride. */
  x: GPUBuffer | Binding;
  /** f32, a buffer other than x. */
  y: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  /** Elements per token (dim). */
  len: number;
  /** Offsets default to 0, strides to len. */
  xOffset?: number;
  xStride?: number;
  yOffset?: number;
  yStride?: number;
}

export class ResidualAdd extends Kernel {
  static readonly WG = 256;
  /** residual-add.wgsl's Params fields, in order. */
  static readonly PARAMS = ['len', 'x_offset', 'x_stride', 'y_offset', 'y_stride'] as const;

  constructor(ctx: GpuContext) {
    super(ctx, 'residual-add', ['common/step'], { WG: ResidualAdd.WG });
  }

  /** Bound op; encode with workgroups(nTokens): one invocation per element. */
  create(label: string, a: ResidualAddArgs): SizedKernel {
    const p: Record<(typeof ResidualAdd.PARAMS)[number], ParamValue> = {
      len: u32(a.len), x_offset: u32(a.xOffset ?? 0), x_stride: u32(a.xStride ?? a.len), y_offset: u32(a.yOffset ?? 0), y_stride: u32(a.yStride ?? a.len),
    };
    const bound = this.bind(label, [a.x, a.y, a.step], ResidualAdd.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: (nTokens) => grid(Math.ceil((nTokens * a.len) / ResidualAdd.WG)) };
  }
}
