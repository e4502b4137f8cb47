// KV cache append (shaders/kv-store.wgsl): this call's key and value rows go to cache rows
// Step.pos .. Step.pos + Step.n_tokens - 1. One workgroup per token.
import type { GpuContext } from '../context.ts';
import { Kernel, u32, type Binding, type ParamValue, type SizedKernel } from '../kernel.ts';

export interface KvStoreArgs {
  /** This call's keys (RoPE applied), token t's row at kOffset + t * kStride; [T][kvDim] by default. */
  k: GPUBuffer | Binding;
  /** This call's values, token t's row at vOffset + t * vStride; [T][kvDim] by default. */
  v: GPUBuffer | Binding;
  /** The layer's key cache, [contextSize][kvDim] f32 (row = position, KV head g at columns g*headDim..). */
  kCache: GPUBuffer | Binding;
  /** The layer's value cache, same layout. It may share a buffer with kCache through non-overlapping Bindings. */
  vCache: GPUBuffer | Binding;
  /** The Step uniform (shaders/common/step.wgsl). */
  step: GPUBuffer;
  /** nKvHeads * headDim. */
  kvDim: number;
  /** Rows in each cache; writes at or past it are dropped. */
  contextSize: number;
  kOffset?: number;
  kStride?: number;
  vOffset?: number;
  vStride?: number;
}

export class KvStore extends Kernel {
  static readonly WG = 128;
  /** kv-store.wgsl's Params fields, in order. */
  static readonly PARAMS = ['kv_dim', 'context_size', 'k_offset', 'k_stride', 'v_offset', 'v_stride'] as const;

  constructor(ctx: GpuContext) {
    super(ctx, 'kv-store', ['common/step'], { WG: KvStore.WG });
  }

  /** Bound op; encode with workgroups(nTokens): one workgroup per token (more are safe: they exit). */
  create(label: string, a: KvStoreArgs): SizedKernel {
    const p: Record<(typeof KvStore.PARAMS)[number], ParamValue> = {
      kv_dim: u32(a.kvDim), context_size: u32(a.contextSize),
      k_offset: u32(a.kOffset ?? 0), k_stride: u32(a.kStride ?? a.kvDim), v_offset: u32(a.vOffset ?? 0), v_stride: u32(a.vStride ?? a.kvDim),
    };
    const bound = this.bind(label, [a.k, a.v, a.kCache, a.vCache, a.step], KvStore.PARAMS.map((f) => p[f]));
    return { encode: bound.encode, workgroups: (nTokens) => [nTokens, 1, 1] };
  }
}
