// Gated activation (shaders/gated-act.wgsl): y = act(gate) * up per element of the step's
// tokens, act = relu2 or silu (math.ts gatedActivation), chosen per pipeline.
import type { GpuContext } from '../context.ts';
import { grid, Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

export type Activation = 'relu2' | 'silu';

export interface GatedActArgs {
  /** f32; token t's values start at gateOffset + t * gateStride. May be the same buffer as up. */
  gate: GPUBuffer | Binding;
  up: GPUBuffer | Binding;
  /** f32 output, a buffer other than gate and up. */
  y: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  /** Elements per token (the FFN width). */
  len: number;
  /** Offsets default to 0, strides to len. */
  gateOffset?: number;
  gateStride?: number;
  upOffset?: number;
  upStride?: number;
  yOffset?: number;
  yStride?: number;
}

export class GatedAct extends Kernel {
  static readonly WG = 256;
  /** gated-act.wgsl's Params fields, in order. */
  static readonly PARAMS = ['len', 'gate_offset', 'gate_stride', 'up_offset', 'up_stride', 'y_offset', 'y_stride'] as const;

  constructor(ctx: GpuContext, readonly act: Activation) {
    super(ctx, 'gated-act', ['common/step'], { ACT: act === 'relu2' ? 0 : 1, WG: GatedAct.WG });
  }

  /** Bound op; encode with workgroups(nTokens): one invocation per element. */
  create(label: string, a: GatedActArgs): SizedKernel {
    const p: Record<(typeof GatedAct.PARAMS)[number], ParamValue> = {
      len: u32(a.len), gate_offset: u32(a.gateOffset ?? 0), gate_stride: u32(a.gateStride ?? a.len),
      up_offset: u32(a.upOffset ?? 0), up_stride: u32(a.upStride ?? a.len), y_offset: u32(a.yOffset ?? 0), y_stride: u32(a.yStride ?? a.len),
    };
    const bound = this.bind(label, [a.gate, a.up, a.y, a.step], GatedAct.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: (nTokens) => grid(Math.ceil((nTokens * a.len) / GatedAct.WG)) };
  }
}
