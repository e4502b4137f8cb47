// Ternary GEMV for decode (shaders/gemv-ternary.wgsl), and the choice of shader variant that
// the ternary kernels share: a variant is a set of include files defining the same functions.
import { paddedCols } from '../../layout.ts';
import type { GpuContext } from '../context.ts';
import { GpuError } from '../errors.ts';
import { f32, Kernel, u32, type Binding, type SizedKernel } from '../kernel.ts';
import { pow2Workgroup } from './quantize-act.ts';

/** Optional features a ternary kernel uses: dot4I8Packed, and subgroupAdd (GEMV reduction only). */
export interface TernaryVariant {
  dot4: boolean;
  subgroups: boolean;
}

/**
 * The variant to build: everything the device supports unless `want` turns it off (tests force
 * the fallbacks this way). Asking for a feature the device lacks throws.
 */
export function ternaryVariant(ctx: GpuContext, want: Partial<TernaryVariant> = {}): TernaryVariant {
  const v = { dot4: want.dot4 ?? ctx.features.dot4, subgroups: want.subgroups ?? ctx.features.subgroups };
  for (const k of ['dot4', 'subgroups'] as const) {
    if (v[k] && !ctx.features[k]) throw new GpuError('internal', `the ${k} variant of a ternary kernel was requested, but this device lacks ${k}`);
  }
  return v;
}

/** The include that defines unpack_codes / unpack_acts / codes_dot for a variant. */
export function dotInclude(v: TernaryVariant): string {
  return v.dot4 ? 'common/ternary-dot4' : 'common/ternary-int';
}

export interface TernaryLinearArgs {
  /** Packed weights in the compute layout (layout.ts), [rows][rowBytes(cols)]. */
  w: GPUBuffer | Binding;
  /** Quantized activations from quantize-act: [tokens][actRowWords(cols)] u32. */
  a: GPUBuffer | Binding;
  /** f32 [tokens] activation scales s, i32 [tokens] Σq, from quantize-act. */
  scale: GPUBuffer | Binding;
  sum: GPUBuffer | Binding;
  /** Output f32: y[yOffset + t * yStride + n]. */
  y: GPUBuffer | Binding;
  rows: number;
  cols: number;
  /** Per-tensor weight scale γ (a multiplier, spec §2.3). */
  wscale: number;
  /** Element offset of token 0's row 0 in y, and elements between tokens; default 0 and rows. */
  yOffset?: number;
  yStride?: number;
}

/** Rejects an empty matrix, or one whose row tiles (`groups`) exceed one dispatch dimension. */
export function checkShape(label: string, a: TernaryLinearArgs, groups: number, ctx: GpuContext): void {
  if (a.rows < 1 || a.cols < 1) throw new GpuError('internal', `${label}: empty ternary matrix ${a.rows}x${a.cols}`);
  const max = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (groups > max) throw new GpuError('limits', `${label}: ${a.rows} rows need ${groups} workgroups in x, this device allows ${max}`);
}

/** Rows per GEMV workgroup (ROWS in the shader). */
export const GEMV_ROWS = 4;

export class GemvTernary extends Kernel {
  readonly variant: TernaryVariant;

  /** `variant`: force features off; `wg`: invocations per workgroup (power of two, default 64). */
  constructor(ctx: GpuContext, opts: { variant?: Partial<TernaryVariant>; wg?: number } = {}) {
    const v = ternaryVariant(ctx, opts.variant);
    const reduce = v.subgroups ? 'gemv-ternary-reduce-subgroups' : 'gemv-ternary-reduce-wg';
    // The subgroup reduction opens with `enable subgroups;`, so it must be the first include.
    super(ctx, 'gemv-ternary', [reduce, 'common/ternary', dotInclude(v)], { WG: pow2Workgroup(ctx, opts.wg ?? 64) });
    this.variant = v;
  }

  /**
   * Bound op; encode with workgroups(nTokens): ceil(rows / 4) x nTokens. Decode uses nTokens = 1;
   * a few tokens also work (token t is workgroup row t), though the GEMM reads weights less often.
   */
  create(label: string, a: TernaryLinearArgs): SizedKernel {
    const x = Math.ceil(a.rows / GEMV_ROWS);
    checkShape(label, a, x, this.ctx);
    const bound = this.bind(label, [a.w, a.a, a.scale, a.sum, a.y], [u32(a.rows), u32(paddedCols(a.cols) / 16), u32(a.yOffset ?? 0), u32(a.yStride ?? a.rows), f32(a.wscale)]);
    return { encode: bound.encode, workgroups: (nTokens) => [x, nTokens, 1] };
  }
}
