// Embedding lookup (shaders/embed.wgsl): x[t] = row tokens[t] of the embedding matrix, with the
// values dequantRow gives, for every float row type. Token ids are read from a GPU buffer, so the
// lookup can follow on-GPU sampling. A matrix split into row parts (buffers.ts splitRows) gets
// one bound instance per part; each writes only the tokens that fall in its rows (so an id no part
// holds, such as argmax's NO_TOKEN, leaves its x row as it was).
import { floatRowBytes } from '../../../model/float-codecs.ts';
import type { TensorType } from '../../../model/tensor-types.ts';
import type { GpuContext } from '../context.ts';
import { grid, Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

/** Storage types of embeddings and the LM head. */
export type FloatRowType = Extract<TensorType, 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q6_K'>;

/** embed.wgsl's TYPE override. */
const TYPE_IDS: Record<FloatRowType, number> = { F32: 0, F16: 1, BF16: 2, Q8_0: 3, Q6_K: 4 };

export interface EmbedArgs {
  /** u32 token ids; the step's Step.n_tokens ids start at element tokensOffset. */
  tokens: GPUBuffer | Binding;
  /** One part of the matrix: rows [row0, row0 + rows) as stored in the file, from byte matOffsetBytes. */
  mat: GPUBuffer | Binding;
  /** f32 output; token t's row starts at element xOffset + t * xStride. */
  x: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  /** Elements per row (dim). */
  cols: number;
  /** Rows held by this part. */
  rows: number;
  /** First matrix row of this part (default 0). */
  row0?: number;
  /** Multiple of 4 (default 0). */
  matOffsetBytes?: number;
  tokensOffset?: number;
  xOffset?: number;
  /** Default cols. */
  xStride?: number;
}

export class Embed extends Kernel {
  static readonly WG = 256;
  /** embed.wgsl's Params fields, in order. */
  static readonly PARAMS = ['cols', 'row0', 'rows', 'row_bytes', 'mat_offset', 'tokens_offset', 'x_offset', 'x_stride'] as const;

  constructor(ctx: GpuContext, readonly type: FloatRowType) {
    super(ctx, 'embed', ['common/step', 'common/dequant'], { TYPE: TYPE_IDS[type], WG: Embed.WG });
  }

  /** Bound op; encode with workgroups(nTokens): one workgroup per token. */
  create(label: string, a: EmbedArgs): SizedKernel {
    const rowBytes = floatRowBytes(this.type, a.cols);
    const matOffset = a.matOffsetBytes ?? 0;
    if (matOffset % 4 !== 0) throw new RangeError(`${label}: matrix byte offset ${matOffset} is not a multiple of 4`);
    const p: Record<(typeof Embed.PARAMS)[number], ParamValue> = {
      cols: u32(a.cols), row0: u32(a.row0 ?? 0), rows: u32(a.rows), row_bytes: u32(rowBytes), mat_offset: u32(matOffset),
      tokens_offset: u32(a.tokensOffset ?? 0), x_offset: u32(a.xOffset ?? 0), x_stride: u32(a.xStride ?? a.cols),
    };
    const bound = this.bind(label, [a.tokens, a.mat, a.x, a.step], Embed.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: (nTokens) => grid(nTokens) };
  }
}
