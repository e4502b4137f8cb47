// Per-kernel profiling of one engine call (WebGpuEngine with profiling on). The call's dispatch
// groups, in the order the normal path encodes them into its single compute pass, are encoded
// here into one compute pass each, each pass with beginning/end timestamps (timestampWrites is
// the portable way to time compute work: timestamps inside a pass are not). All passes still go
// into one command buffer and one submission. Dispatches are counted as they are encoded, and
// each group's bytes read come from a static cost model of its op (OpCost): the ideal traffic,
// every weight, cached K/V and activation byte read once.
import type { GpuContext } from './context.ts';
import { GpuError } from './errors.ts';
import type { BoundKernel } from './kernel.ts';

export type Workgroups = number | [number, number, number];

/** What one bound op reads per call (bytes), as a function of the call's tokens T and kv_len = pos + T. */
export interface OpCost {
  /** Aggregation key: embed, rms_norm, quantize, gemv.attn_q, gemm.ffn_down, rope, kv_store, attention, gated_act, residual, lm_head, argmax. */
  kind: string;
  /** Weight bytes read whatever T is (a packed matrix, a norm vector, an LM-head part). */
  weight?: number;
  /** Weight bytes per token (embedding rows). */
  weightPerToken?: number;
  /** KV-cache bytes per cached position (attention reads kv_len positions). */
  kvPerPosition?: number;
  /** Activation bytes per token of the call. */
  actPerToken?: number;
  /** Activation bytes per call. */
  act?: number;
}

export interface KernelProfile {
  /** Dispatch groups (one compute pass each while profiling). */
  passes: number;
  dispatches: number;
  /** GPU time summed over this kind's passes; null without timestamp-query. */
  gpuMs: number | null;
  /** weightBytes + kvBytes + activationBytes. */
  bytes: number;
  weightBytes: number;
  kvBytes: number;
  activationBytes: number;
}

export interface StepProfile {
  /** Position of the call's first token and its number of tokens. */
  position: number;
  tokens: number;
  /** What the call read back: logits, argmax (a token id) or none (a prefill chunk). */
  want: 'logits' | 'argmax' | 'sample' | 'none';
  /** Queue submissions the call made (1). */
  submissions: number;
  passes: number;
  dispatches: number;
  /** Whether the GPU times are from timestamp-query (false: every gpuMs is null). */
  timestamps: boolean;
  /**
   * Whether every timestamp was a multiple of 2^16 ns: an implementation quantizing them (Dawn's
   * timestamp_quantization toggle, on by default; Chrome without WebGPU developer features).
   * A pass's time is then 0 or a multiple of ~65.5 us; sums over many passes stay unbiased.
   */
  quantized: boolean;
  /** Sum of the per-pass GPU times. */
  gpuMs: number | null;
  /** First pass's beginning to last pass's end (adds the gaps between passes). */
  spanMs: number | null;
  bytes: number;
  weightBytes: number;
  kvBytes: number;
  activationBytes: number;
  /** By kernel kind, in first-encoded order. */
  kernels: Record<string, KernelProfile>;
}

/** Queries per query set (WebGPU allows at most 4096). */
const SET = 4096;

/** Owns the query sets and read-back buffers, grown on demand and reused from call to call. */
export class StepProfiler {
  private readonly sets: GPUQuerySet[] = [];
  private resolve: GPUBuffer | undefined;
  private read: GPUBuffer | undefined;

  constructor(
    private readonly ctx: GpuContext,
    private readonly costs: ReadonlyMap<BoundKernel, OpCost>,
  ) {}

  get timestamps(): boolean {
    return this.ctx.features.timestamps;
  }

  /** Starts recording one call into `enc`; feed `sink` the call's ops, then finish(), submit, collect(). */
  record(enc: GPUCommandEncoder, position: number, tokens: number, want: StepProfile['want']): ProfileRecording {
    return new ProfileRecording(this, enc, position, tokens, want);
  }

  /** @internal */ cost(op: BoundKernel): OpCost {
    const c = this.costs.get(op);
    if (!c) throw new GpuError('internal', 'profiling: an op without a cost model was encoded');
    return c;
  }

  /** @internal The timestampWrites of pass `i`, making its query set on first use. */
  writes(i: number): GPUComputePassTimestampWrites {
    const set = Math.floor((2 * i) / SET);
    while (this.sets.length <= set) this.sets.push(this.ctx.device.createQuerySet({ label: `profile.timestamps.${this.sets.length}`, type: 'timestamp', count: SET }));
    const at = (2 * i) % SET;
    return { querySet: this.sets[set], beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 };
  }

  /** @internal Encodes resolving 2 * passes timestamps into the read-back buffer; returns it. */
  resolveInto(enc: GPUCommandEncoder, passes: number): GPUBuffer {
    const queries = 2 * passes;
    const bytes = Math.ceil(queries / SET) * SET * 8;
    if (!this.resolve || this.resolve.size < bytes) {
      this.resolve?.destroy();
      this.read?.destroy();
      this.resolve = this.ctx.device.createBuffer({ label: 'profile.resolve', size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.read = this.ctx.device.createBuffer({ label: 'profile.read', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    for (let s = 0; s * SET < queries; s++) enc.resolveQuerySet(this.sets[s], 0, Math.min(SET, queries - s * SET), this.resolve, s * SET * 8);
    enc.copyBufferToBuffer(this.resolve, 0, this.read!, 0, queries * 8);
    return this.read!;
  }

  dispose(): void {
    for (const s of this.sets) s.destroy();
    this.sets.length = 0;
    this.resolve?.destroy();
    this.read?.destroy();
    this.resolve = this.read = undefined;
  }
}

interface PassRecord {
  cost: OpCost;
  dispatches: number;
}

/** One call being recorded: `sink` encodes each op into a pass of its own. */
export class ProfileRecording {
  private readonly passes: PassRecord[] = [];
  private current: GPUComputePassEncoder | undefined;
  private dispatches = 0;
  private read: GPUBuffer | undefined;
  /** Forwards to the current pass, counting dispatches; what ops encode into. */
  private readonly counting: GPUComputePassEncoder;

  constructor(
    private readonly profiler: StepProfiler,
    private readonly enc: GPUCommandEncoder,
    private readonly position: number,
    private readonly tokens: number,
    private readonly want: StepProfile['want'],
  ) {
    const count = (x: number, y?: number, z?: number) => {
      this.dispatches++;
      this.current!.dispatchWorkgroups(x, y, z);
    };
    this.counting = new Proxy({} as GPUComputePassEncoder, {
      get: (_target, prop) => {
        if (prop === 'dispatchWorkgroups') return count;
        if (prop === 'dispatchWorkgroupsIndirect') {
          return (buffer: GPUBuffer, offset: number) => {
            this.dispatches++;
            this.current!.dispatchWorkgroupsIndirect(buffer, offset);
          };
        }
        const pass = this.current as unknown as Record<PropertyKey, unknown>;
        const v = pass[prop];
        return typeof v === 'function' ? v.bind(pass) : v;
      },
    });
  }

  /** Encodes `op` with `workgroups` into a compute pass of its own, timestamped where possible. */
  readonly sink = (op: BoundKernel, workgroups: Workgroups): void => {
    const cost = this.profiler.cost(op);
    const i = this.passes.length;
    const desc: GPUComputePassDescriptor = { label: cost.kind };
    if (this.profiler.timestamps) desc.timestampWrites = this.profiler.writes(i);
    this.current = this.enc.beginComputePass(desc);
    const before = this.dispatches;
    op.encode(this.counting, workgroups);
    this.current.end();
    this.current = undefined;
    this.passes.push({ cost, dispatches: this.dispatches - before });
  };

  /** Encodes the timestamp resolve and read-back copy; call after the last op, before finish(). */
  finish(): void {
    if (this.profiler.timestamps && this.passes.length > 0) this.read = this.profiler.resolveInto(this.enc, this.passes.length);
  }

  /** After the submission: reads the timestamps back and aggregates by kind. */
  async collect(): Promise<StepProfile> {
    let times: BigUint64Array | undefined;
    if (this.read) {
      await this.read.mapAsync(GPUMapMode.READ, 0, 16 * this.passes.length);
      times = new BigUint64Array(this.read.getMappedRange(0, 16 * this.passes.length).slice(0));
      this.read.unmap();
    }
    const T = this.tokens;
    const kvLen = this.position + T;
    const kernels: Record<string, KernelProfile> = {};
    const total = { gpuMs: 0, weightBytes: 0, kvBytes: 0, activationBytes: 0 };
    let first = Infinity;
    let last = -Infinity;
    this.passes.forEach((p, i) => {
      const c = p.cost;
      const k = (kernels[c.kind] ??= { passes: 0, dispatches: 0, gpuMs: times ? 0 : null, bytes: 0, weightBytes: 0, kvBytes: 0, activationBytes: 0 });
      const w = (c.weight ?? 0) + (c.weightPerToken ?? 0) * T;
      const kv = (c.kvPerPosition ?? 0) * kvLen;
      const a = (c.act ?? 0) + (c.actPerToken ?? 0) * T;
      k.passes++;
      k.dispatches += p.dispatches;
      k.weightBytes += w;
      k.kvBytes += kv;
      k.activationBytes += a;
      k.bytes += w + kv + a;
      total.weightBytes += w;
      total.kvBytes += kv;
      total.activationBytes += a;
      if (times) {
        const begin = times[2 * i];
        const end = times[2 * i + 1];
        // Timestamps may be reset or reordered by the implementation: never a negative duration.
        const ms = end > begin ? Number(end - begin) / 1e6 : 0;
        k.gpuMs! += ms;
        total.gpuMs += ms;
        first = Math.min(first, Number(begin) / 1e6);
        last = Math.max(last, Number(end) / 1e6);
      }
    });
    return {
      position: this.position, tokens: T, want: this.want, submissions: 1,
      passes: this.passes.length, dispatches: this.dispatches,
      timestamps: times !== undefined, quantized: times !== undefined && times.length >= 8 && times.every((t) => t % 65536n === 0n), gpuMs: times ? total.gpuMs : null, spanMs: times && last >= first ? last - first : null,
      bytes: total.weightBytes + total.kvBytes + total.activationBytes,
      weightBytes: total.weightBytes, kvBytes: total.kvBytes, activationBytes: total.activationBytes,
      kernels,
    };
  }
}

export interface KernelSummary {
  kind: string;
  /** Per token of the summarized calls. */
  dispatches: number;
  gpuMs: number | null;
  /** Of the summed GPU time of all kinds. */
  share: number | null;
  bytes: number;
  weightBytes: number;
  kvBytes: number;
  /** bytes / gpuMs. */
  gbPerS: number | null;
}

export interface ProfileSummary {
  calls: number;
  tokens: number;
  /** Per token: */
  dispatches: number;
  submissions: number;
  passes: number;
  gpuMs: number | null;
  bytes: number;
  weightBytes: number;
  kvBytes: number;
  activationBytes: number;
  gbPerS: number | null;
  /** Some call's timestamps were quantized (StepProfile.quantized). */
  quantized: boolean;
  /** In first-encoded order. */
  kernels: KernelSummary[];
}

/** Sums calls and divides by their tokens: per-token figures for a prefill or a decode run. */
export function summarizeProfiles(profiles: readonly StepProfile[]): ProfileSummary {
  const tokens = profiles.reduce((a, p) => a + p.tokens, 0);
  const per = (x: number) => (tokens > 0 ? x / tokens : 0);
  const timed = profiles.length > 0 && profiles.every((p) => p.timestamps);
  const sum = (f: (p: StepProfile) => number) => profiles.reduce((a, p) => a + f(p), 0);
  const kinds = new Map<string, KernelProfile>();
  for (const p of profiles) {
    for (const [kind, k] of Object.entries(p.kernels)) {
      const acc = kinds.get(kind) ?? { passes: 0, dispatches: 0, gpuMs: 0, bytes: 0, weightBytes: 0, kvBytes: 0, activationBytes: 0 };
      acc.passes += k.passes;
      acc.dispatches += k.dispatches;
      acc.gpuMs! += k.gpuMs ?? 0;
      acc.bytes += k.bytes;
      acc.weightBytes += k.weightBytes;
      acc.kvBytes += k.kvBytes;
      acc.activationBytes += k.activationBytes;
      kinds.set(kind, acc);
    }
  }
  const gpuMs = timed ? sum((p) => p.gpuMs ?? 0) : null;
  const gb = (bytes: number, ms: number | null) => (ms && ms > 0 ? bytes / (ms / 1000) / 1e9 : null);
  const bytes = sum((p) => p.bytes);
  return {
    calls: profiles.length, tokens,
    dispatches: per(sum((p) => p.dispatches)), submissions: per(sum((p) => p.submissions)), passes: per(sum((p) => p.passes)),
    gpuMs: gpuMs === null ? null : per(gpuMs),
    bytes: per(bytes), weightBytes: per(sum((p) => p.weightBytes)), kvBytes: per(sum((p) => p.kvBytes)), activationBytes: per(sum((p) => p.activationBytes)),
    gbPerS: gb(bytes, gpuMs),
    quantized: profiles.some((p) => p.quantized),
    kernels: [...kinds].map(([kind, k]) => ({
      kind, dispatches: per(k.dispatches), gpuMs: timed ? per(k.gpuMs!) : null,
      share: timed && gpuMs! > 0 ? k.gpuMs! / gpuMs! : null,
      bytes: per(k.bytes), weightBytes: per(k.weightBytes), kvBytes: per(k.kvBytes),
      gbPerS: timed ? gb(k.bytes, k.gpuMs) : null,
    })),
  };
}
