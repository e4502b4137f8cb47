// Causal GQA attention over the f32 KV cache (spec §1.2), in two forms:
// - AttentionDecode (shaders/attention-decode.wgsl + attention-combine.wgsl): flash-decoding, the
//   cached positions split into chunks so that a long context keeps many workgroups busy, then a
//   combine pass. Meant for one token per call; correct for any number.
// - AttentionPrefill (shaders/attention-prefill.wgsl): tiles of query tokens, no split, for T > 1.
// Per-step values (pos, n_tokens, kv_len) come from the Step uniform, so a bound op's dispatch
// does not change while the context grows.
import type { GpuContext } from '../context.ts';
import { GpuError } from '../errors.ts';
import { f32, Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

export interface AttentionShape {
  nHeads: number;
  nKvHeads: number;
  /** A multiple of 4, at most 256. */
  headDim: number;
}

export interface AttentionArgs {
  /** Queries (RoPE applied): token t, head h at qOffset + t * qStride + h * headDim (offset and stride multiples of 4). Default [T][nHeads * headDim]. */
  q: GPUBuffer | Binding;
  /** The layer's caches, [contextSize][nKvHeads * headDim] f32, holding this call's rows already (kv-store). */
  kCache: GPUBuffer | Binding;
  vCache: GPUBuffer | Binding;
  /** Output: token t, head h at oOffset + t * oStride + h * headDim (concatenated heads). Default [T][nHeads * headDim]. */
  o: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  qOffset?: number;
  qStride?: number;
  oOffset?: number;
  oStride?: number;
}

/** Decode attention bound to its buffers: two dispatches, split then combine. */
export interface AttentionDecodeOp {
  split: SizedKernel;
  combine: SizedKernel;
  /** Encodes both with workgroups(nTokens); nTokens (default 1) at most the op's maxTokens. */
  encode(pass: GPUComputePassEncoder, nTokens?: number): void;
}

const TILE = 64; // keys per tile and threads per workgroup in both attention kernels
const MAX_ROWS = 16; // MAX_GROUP / MAX_ROWS in the shaders: query rows one workgroup keeps
const DEFAULT_MAX_CHUNKS = 64; // a 4096 context gives 64 chunks of 64 keys per (KV head, token)

function checkShape(s: AttentionShape): number {
  const group = s.nHeads / s.nKvHeads;
  const ok = Number.isInteger(group) && group >= 1 && group <= MAX_ROWS && s.headDim % 4 === 0 && s.headDim > 0 && s.headDim <= 4 * TILE;
  if (!ok) throw new GpuError('internal', `attention: nHeads ${s.nHeads}, nKvHeads ${s.nKvHeads}, headDim ${s.headDim}: expected nHeads / nKvHeads an integer in 1..${MAX_ROWS} and headDim a multiple of 4 up to ${4 * TILE}`);
  return group;
}

const binding = (b: GPUBuffer | Binding): Binding => (b instanceof GPUBuffer ? { buffer: b } : b);

/** The kernels read queries as vec4s. */
function checkQuery(label: string, offset: number, stride: number): void {
  if (offset % 4 !== 0 || stride % 4 !== 0) throw new GpuError('internal', `${label}: qOffset ${offset} and qStride ${stride} must be multiples of 4`);
}

export interface AttentionDecodeArgs extends AttentionArgs {
  /** Scratch for the chunk partials, at least AttentionDecode.partialsBytes(...) bytes; layers may share it. */
  partials: GPUBuffer | Binding;
  contextSize: number;
  /** Chunks per (token, head) at most; default min(64, ceil(contextSize / 64)). */
  maxChunks?: number;
  /** Tokens per call at most; default 1. */
  maxTokens?: number;
}

class AttentionSplit extends Kernel {
  /** attention-decode.wgsl's Params fields, in order. */
  static readonly PARAMS = ['n_heads', 'kv_dim', 'q_offset', 'q_stride', 'max_chunks', 'scale'] as const;

  constructor(ctx: GpuContext, s: AttentionShape, group: number) {
    super(ctx, 'attention-decode', ['common/step'], { WG: TILE, HEAD_DIM: s.headDim, GROUP: group });
  }
}

class AttentionCombine extends Kernel {
  /** attention-combine.wgsl's Params fields, in order. */
  static readonly PARAMS = ['n_heads', 'max_chunks', 'tile', 'o_offset', 'o_stride'] as const;

  constructor(ctx: GpuContext, s: AttentionShape) {
    super(ctx, 'attention-combine', ['common/step'], { WG: TILE, HEAD_DIM: s.headDim });
  }
}

export class AttentionDecode {
  static readonly SPLIT_PARAMS = AttentionSplit.PARAMS;
  static readonly COMBINE_PARAMS = AttentionCombine.PARAMS;
  private readonly split: AttentionSplit;
  private readonly combine: AttentionCombine;
  readonly group: number;

  constructor(
    ctx: GpuContext,
    readonly shape: AttentionShape,
  ) {
    this.group = checkShape(shape);
    this.split = new AttentionSplit(ctx, shape, this.group);
    this.combine = new AttentionCombine(ctx, shape);
  }

  static defaultMaxChunks(contextSize: number): number {
    return Math.max(1, Math.min(DEFAULT_MAX_CHUNKS, Math.ceil(contextSize / TILE)));
  }

  /** Bytes of the partials scratch: [maxTokens][nHeads][maxChunks][headDim + 2] f32. */
  static partialsBytes(shape: AttentionShape, contextSize: number, maxTokens = 1, maxChunks = AttentionDecode.defaultMaxChunks(contextSize)): number {
    return 4 * maxTokens * shape.nHeads * maxChunks * (shape.headDim + 2);
  }

  /** Bound op: split with workgroups(nTokens) = (maxChunks, nKvHeads, nTokens), then combine with (nHeads, nTokens). */
  create(label: string, a: AttentionDecodeArgs): AttentionDecodeOp {
    const s = this.shape;
    const qDim = s.nHeads * s.headDim;
    const maxChunks = a.maxChunks ?? AttentionDecode.defaultMaxChunks(a.contextSize);
    const maxTokens = a.maxTokens ?? 1;
    const need = AttentionDecode.partialsBytes(s, a.contextSize, maxTokens, maxChunks);
    checkQuery(label, a.qOffset ?? 0, a.qStride ?? qDim);
    const pb = binding(a.partials);
    const have = pb.size ?? pb.buffer.size - (pb.offset ?? 0);
    if (have < need) throw new GpuError('internal', `${label}: the partials scratch holds ${have} bytes, ${need} needed`);
    const checkTokens = (n: number) => {
      if (n > maxTokens) throw new GpuError('internal', `${label}: ${n} tokens, the partials hold ${maxTokens}`);
      return n;
    };
    const sp: Record<(typeof AttentionSplit.PARAMS)[number], ParamValue> = {
      n_heads: u32(s.nHeads), kv_dim: u32(s.nKvHeads * s.headDim), q_offset: u32(a.qOffset ?? 0), q_stride: u32(a.qStride ?? qDim),
      max_chunks: u32(maxChunks), scale: f32(1 / Math.sqrt(s.headDim)),
    };
    const cp: Record<(typeof AttentionCombine.PARAMS)[number], ParamValue> = {
      n_heads: u32(s.nHeads), max_chunks: u32(maxChunks), tile: u32(TILE), o_offset: u32(a.oOffset ?? 0), o_stride: u32(a.oStride ?? qDim),
    };
    const splitBound = this.split.bind(`${label}.split`, [a.q, a.kCache, a.vCache, a.partials, a.step], AttentionSplit.PARAMS.map((f) => sp[f]));
    const combineBound = this.combine.bind(`${label}.combine`, [a.partials, a.o, a.step], AttentionCombine.PARAMS.map((f) => cp[f]));
    const split: SizedKernel = { encode: splitBound.encode, workgroups: (n) => [maxChunks, s.nKvHeads, checkTokens(n)] };
    const combine: SizedKernel = { encode: combineBound.encode, workgroups: (n) => [s.nHeads, checkTokens(n), 1] };
    return {
      split,
      combine,
      encode: (pass, nTokens = 1) => {
        split.encode(pass, split.workgroups(nTokens));
        combine.encode(pass, combine.workgroups(nTokens));
      },
    };
  }
}

export class AttentionPrefill extends Kernel {
  /** attention-prefill.wgsl's Params fields, in order. */
  static readonly PARAMS = ['kv_dim', 'q_offset', 'q_stride', 'o_offset', 'o_stride', 'scale'] as const;
  readonly group: number;
  /** Tokens per workgroup: by default the most (a power of two) whose query rows fit in 16. */
  readonly tokensPerGroup: number;

  constructor(
    ctx: GpuContext,
    readonly shape: AttentionShape,
    opts: { tokensPerGroup?: number } = {},
  ) {
    const group = checkShape(shape);
    let tq = 1;
    while (tq * 2 * group <= MAX_ROWS) tq *= 2;
    tq = opts.tokensPerGroup ?? tq;
    if (!(Number.isInteger(tq) && tq >= 1 && tq * group <= MAX_ROWS)) throw new GpuError('internal', `attention-prefill: ${tq} tokens per workgroup of ${group} heads exceed ${MAX_ROWS} query rows`);
    super(ctx, 'attention-prefill', ['common/step'], { WG: TILE, HEAD_DIM: shape.headDim, GROUP: group, TQ: tq });
    this.group = group;
    this.tokensPerGroup = tq;
  }

  /** Bound op; encode with workgroups(nTokens) = (ceil(nTokens / tokensPerGroup), nKvHeads); extra ones exit. */
  create(label: string, a: AttentionArgs): SizedKernel {
    const s = this.shape;
    const qDim = s.nHeads * s.headDim;
    checkQuery(label, a.qOffset ?? 0, a.qStride ?? qDim);
    const p: Record<(typeof AttentionPrefill.PARAMS)[number], ParamValue> = {
      kv_dim: u32(s.nKvHeads * s.headDim), q_offset: u32(a.qOffset ?? 0), q_stride: u32(a.qStride ?? qDim),
      o_offset: u32(a.oOffset ?? 0), o_stride: u32(a.oStride ?? qDim), scale: f32(1 / Math.sqrt(s.headDim)),
    };
    const bound = this.bind(label, [a.q, a.kCache, a.vCache, a.o, a.step], AttentionPrefill.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: (nTokens) => [Math.ceil(nTokens / this.tokensPerGroup), s.nKvHeads, 1] };
  }
}
