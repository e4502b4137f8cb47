// LM head (shaders/lm-head-<type>.wgsl on the lm-head-common frame): logits[v] = dot(E[v], h) with
// E's rows dequantized as dequantRow does, for every float row type. A matrix split into row
// parts (buffers.ts splitRows) gets one bound instance per part, each writing its own logits.
import { floatRowBytes } from '../../../model/float-codecs.ts';
import type { GpuContext } from '../context.ts';
import { grid, Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';
import type { FloatRowType } from './embed.ts';

/** Rows per workgroup (ROWS in lm-head-common.wgsl). */
export const LM_HEAD_ROWS = 4;

/** Elements per work unit in each lm-head-<type>.wgsl. */
const UNIT_ELEMS: Record<FloatRowType, number> = { F32: 1, F16: 2, BF16: 2, Q8_0: 8, Q6_K: 16 };

export interface LmHeadArgs {
  /** One part of the matrix: rows [row0, row0 + rows) as stored in the file, from byte matOffsetBytes. */
  mat: GPUBuffer | Binding;
  /** f32 hidden state after the final norm; read at hOffset + (Step.n_tokens - 1) * hStride. */
  h: GPUBuffer | Binding;
  /** f32 logits; row v of the whole matrix goes to logitsOffset + v. */
  logits: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  /** Elements per row (dim); F16 and BF16 rows must be whole words (cols even). */
  cols: number;
  /** Rows held by this part. */
  rows: number;
  /** First matrix row of this part (default 0). */
  row0?: number;
  /** Multiple of 4 (default 0). */
  matOffsetBytes?: number;
  hOffset?: number;
  /** Default 0: the same h whatever the step's tokens; dim reads the step's last token of [T][dim]. */
  hStride?: number;
  logitsOffset?: number;
}

export class LmHead extends Kernel {
  /** lm-head-common.wgsl's Params fields, in order. */
  static readonly PARAMS = ['rows', 'units', 'row_bytes', 'mat_offset', 'h_offset', 'h_stride', 'out_offset'] as const;

  /**
   * One pipeline per row type. workgroupSize: 32, 64, 128 or 256. The default 64 (one AMD wave,
   * two NVIDIA warps) gives a 2560-wide row 20 to 40 passes of 64 neighbouring loads and a
   * 6-level reduction; 256 threads ran 5 to 7 times slower on SwiftShader (its barriers are
   * costly), which matters for the tests. Worth timing 128 and 256 on real GPUs.
   */
  constructor(ctx: GpuContext, readonly type: FloatRowType, workgroupSize = 64) {
    if (![32, 64, 128, 256].includes(workgroupSize)) throw new RangeError(`LM head: workgroup size ${workgroupSize} is not 32, 64, 128 or 256`);
    super(ctx, `lm-head-${type.toLowerCase()}`, ['common/step', 'common/dequant', 'lm-head-common'], { WG: workgroupSize });
  }

  /** Bound op; encode with workgroups() (one workgroup per LM_HEAD_ROWS rows; nTokens is not used). */
  create(label: string, a: LmHeadArgs): SizedKernel {
    const rowBytes = floatRowBytes(this.type, a.cols); // validates cols for the type's blocks
    const unit = UNIT_ELEMS[this.type];
    if (a.cols % unit !== 0) throw new RangeError(`${label}: ${this.type} rows of ${a.cols} elements are not whole ${unit}-element units`);
    const matOffset = a.matOffsetBytes ?? 0;
    if (matOffset % 4 !== 0) throw new RangeError(`${label}: matrix byte offset ${matOffset} is not a multiple of 4`);
    const p: Record<(typeof LmHead.PARAMS)[number], ParamValue> = {
      rows: u32(a.rows), units: u32(a.cols / unit), row_bytes: u32(rowBytes), mat_offset: u32(matOffset),
      h_offset: u32(a.hOffset ?? 0), h_stride: u32(a.hStride ?? 0), out_offset: u32((a.logitsOffset ?? 0) + (a.row0 ?? 0)),
    };
    const bound = this.bind(label, [a.mat, a.h, a.logits, a.step], LmHead.PARAMS.map((f) => p[f]));
    const groups = grid(Math.ceil(a.rows / LM_HEAD_ROWS));
    return { encode: bound.encode, workgroups: () => groups };
  }
}
