// Ternary GEMM for prefill (shaders/gemm-ternary.wgsl): tiles of WG rows x GEMM_TOKENS tokens.
import { BLOCK_ELEMS, paddedCols } from '../../layout.ts';
import type { GpuContext } from '../context.ts';
import { f32, Kernel, u32, type Binding, type SizedKernel } from '../kernel.ts';
import { checkShape, dotInclude, ternaryVariant, type TernaryLinearArgs, type TernaryVariant } from './gemv-ternary.ts';
import { pow2Workgroup } from './quantize-act.ts';

/** Tokens per tile (TT in the shader) and blocks staged per step (KB). */
export const GEMM_TOKENS = 8;
const GEMM_STEP_BLOCKS = 4;

export interface GemmTernaryArgs extends TernaryLinearArgs {
  /** The Step uniform (shaders/common/step.wgsl); its n_tokens is the number of tokens T. */
  step: GPUBuffer | Binding;
}

export class GemmTernary extends Kernel {
  readonly variant: TernaryVariant;
  /** Rows per tile (= invocations per workgroup). */
  readonly tileRows: number;

  /** `variant`: force dot4 off (`subgroups` is ignored: nothing to reduce); `wg`: rows per tile (power of two, default 64). */
  constructor(ctx: GpuContext, opts: { variant?: Partial<TernaryVariant>; wg?: number } = {}) {
    const v = { ...ternaryVariant(ctx, opts.variant), subgroups: false }; // no cross-invocation reduction
    // Workgroup memory: WG * KB weight blocks plus TT * KB * 4 activation vectors, 16 bytes each.
    const fit = Math.floor(ctx.device.limits.maxComputeWorkgroupStorageSize / 16 / GEMM_STEP_BLOCKS) - GEMM_TOKENS * 4;
    const wg = pow2Workgroup(ctx, Math.min(opts.wg ?? 64, fit));
    super(ctx, 'gemm-ternary', ['common/step', 'common/ternary', dotInclude(v)], { WG: wg });
    this.variant = v;
    this.tileRows = wg;
  }

  /** Bound op; encode with workgroups(nTokens), nTokens = the Step's n_tokens: row tiles x token tiles. */
  create(label: string, a: GemmTernaryArgs): SizedKernel {
    const x = Math.ceil(a.rows / this.tileRows);
    checkShape(label, a, x, this.ctx);
    const bound = this.bind(label, [a.w, a.a, a.scale, a.sum, a.y, a.step], [u32(a.rows), u32(paddedCols(a.cols) / BLOCK_ELEMS), u32(a.yOffset ?? 0), u32(a.yStride ?? a.rows), f32(a.wscale)]);
    return { encode: bound.encode, workgroups: (nTokens) => [x, Math.ceil(nTokens / GEMM_TOKENS), 1] };
  }
}
