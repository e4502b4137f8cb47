// Greedy sampling on the GPU (shaders/argmax.wgsl): the token of the largest logit, lowest id on
// ties, written as a u32 where the next step's embedding lookup can read it. 0xffffffff
// (NO_TOKEN) means no logit was above -inf (all -inf or NaN).
import type { GpuContext } from '../context.ts';
import { Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

/** argmax's result when no logit is above -inf. */
export const NO_TOKEN = 0xffffffff;

export interface ArgmaxArgs {
  /** f32 logits [n] from element logitsOffset. */
  logits: GPUBuffer | Binding;
  /** u32; the token id goes to element outOffset. */
  out: GPUBuffer | Binding;
  /** Vocabulary size. */
  n: number;
  logitsOffset?: number;
  outOffset?: number;
}

export class Argmax extends Kernel {
  static readonly WG = 256;
  /** argmax.wgsl's Params fields, in order. */
  static readonly PARAMS = ['n', 'logits_offset', 'out_offset'] as const;

  constructor(ctx: GpuContext) {
    super(ctx, 'argmax', [], { WG: Argmax.WG });
  }

  /**
   * Bound op; encode with workgroups(): a single workgroup scans the whole vocabulary (128256
   * logits are 501 coalesced loads per invocation; one pass keeps the kernel simple and exact).
   */
  create(label: string, a: ArgmaxArgs): SizedKernel {
    const p: Record<(typeof Argmax.PARAMS)[number], ParamValue> = { n: u32(a.n), logits_offset: u32(a.logitsOffset ?? 0), out_offset: u32(a.outOffset ?? 0) };
    const bound = this.bind(label, [a.logits, a.out], Argmax.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: () => [1, 1, 1] };
  }
}
