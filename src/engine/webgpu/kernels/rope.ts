// NeoX RoPE in place (shaders/rope.wgsl) on rows of heads, with positions from the Step uniform and
// angles from a table of cos/sin computed once on the CPU (ropeTable, the values ropeAngles gives).
// Bind one instance for q and one for k, or a single one when q and k heads share a row
// (heads = nHeads + nKvHeads, xStride = the row length).
import { ropeAngles } from '../../math.ts';
import type { GpuContext } from '../context.ts';
import { grid, Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

/**
 * cos and sin of θ_j = pos · base^(-2j/headDim) as f32, interleaved [pos][j][cos, sin] for
 * pos < contextLength, j < headDim/2: rope.wgsl's table (2 MiB for 4096 positions of 128-dim heads).
 */
export function ropeTable(contextLength: number, headDim: number, base: number): Float32Array {
  const half = headDim / 2;
  const table = new Float32Array(contextLength * headDim);
  for (let pos = 0; pos < contextLength; pos++) {
    const { cos, sin } = ropeAngles(pos, headDim, base);
    for (let j = 0; j < half; j++) {
      table[(pos * half + j) * 2] = cos[j];
      table[(pos * half + j) * 2 + 1] = sin[j];
    }
  }
  return table;
}

export interface RopeArgs {
  /** f32 rows of `heads` heads of headDim; token t's row starts at xOffset + t * xStride. Rotated in place. */
  x: GPUBuffer | Binding;
  /** ropeTable(contextLength, headDim, base); positions Step.pos + t must be below contextLength. */
  table: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  heads: number;
  /** Even. */
  headDim: number;
  xOffset?: number;
  /** Default heads * headDim. */
  xStride?: number;
}

export class Rope extends Kernel {
  static readonly WG = 256;
  /** rope.wgsl's Params fields, in order. */
  static readonly PARAMS = ['heads', 'half', 'x_offset', 'x_stride'] as const;

  constructor(ctx: GpuContext) {
    super(ctx, 'rope', ['common/step'], { WG: Rope.WG });
  }

  /** Bound op; encode with workgroups(nTokens): one invocation per (token, head, pair). */
  create(label: string, a: RopeArgs): SizedKernel {
    if (a.headDim % 2 !== 0) throw new RangeError(`${label}: head size ${a.headDim} is odd`);
    const half = a.headDim / 2;
    const p: Record<(typeof Rope.PARAMS)[number], ParamValue> = {
      heads: u32(a.heads), half: u32(half), x_offset: u32(a.xOffset ?? 0), x_stride: u32(a.xStride ?? a.heads * a.headDim),
    };
    const bound = this.bind(label, [a.x, a.table, a.step], Rope.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: (nTokens) => grid(Math.ceil((nTokens * a.heads * half) / Rope.WG)) };
  }
}
