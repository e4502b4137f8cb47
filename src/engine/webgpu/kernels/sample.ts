// Token sampling on the GPU (shaders/sample-*.wgsl), so that a decode step reads back only the
// token id: penalties (in place on the logits) -> rounds of per-workgroup top-KEEP -> one draw.
// Same parameters and chain order as the CPU Sampler (sampler.ts); the draw uses its own random
// numbers (a hash of seed and position, see sample-rng.wgsl), so the two agree in distribution,
// and exactly only where no randomness is involved (greedy, top-k = 1).
//
// Limits against the CPU Sampler, all documented in SampleOp.setParams:
// - top-k, top-p and min-p act on the KEEP (default 64) most likely tokens at most: topK > KEEP
//   acts as KEEP, and with top-k off, top-p (measured against the whole vocabulary's total) and
//   min-p never keep more than KEEP tokens.
// - penaltyWindow 0 (the whole history) and windows longer than the history ring use the ring.
// - Penalties modify the logits buffer.
import { Sampler, type SamplingParams } from '../../sampler.ts';
import type { GpuContext } from '../context.ts';
import { GpuError } from '../errors.ts';
import { f32, Kernel, packParams, u32, type Binding, type BoundKernel, type ParamValue } from '../kernel.ts';

export interface SampleArgs {
  /** [vocab] f32, the step's logits. Penalties are applied to it in place. */
  logits: GPUBuffer | Binding;
  vocab: number;
  /**
   * u32 ring of token ids: the token at position p in slot p % historySize. The caller writes the
   * prompt (SampleOp.writeHistory); the op writes each token it draws at position Step.kv_len.
   */
  history?: GPUBuffer | Binding;
  /** Slots in `history`: the longest penalty window it serves. 0 or absent: no history, no penalties. */
  historySize?: number;
  /** u32: out[outOffset] receives the token (0xffffffff, like Argmax's NO_TOKEN, when no logit is above -inf). */
  out: GPUBuffer | Binding;
  outOffset?: number;
  /** The Step uniform: kv_len is the drawn token's position, history slot and random counter. */
  step: GPUBuffer;
}

export interface SampleOp {
  /**
   * Sets the sampling parameters (same meaning and defaults as the CPU Sampler; a missing seed is
   * drawn at random). Returns the seed. Differences from the CPU Sampler: topK is capped at
   * `keep`; top-k off with topP < 1 or minP > 0 considers only the `keep` most likely tokens;
   * penaltyWindow 0 or above historySize means historySize; a window needs a history ring.
   */
  setParams(params: Partial<SamplingParams>): number;
  /** Writes token ids for positions startPos, startPos + 1, ... into the history ring. */
  writeHistory(tokens: ArrayLike<number>, startPos?: number): void;
  /** Encodes the sampling passes (penalties, top-KEEP rounds, draw) for the step in Step. */
  encode(pass: GPUComputePassEncoder): void;
  /** Bytes of the candidate and statistics buffers the op allocated. */
  readonly scratchBytes: number;
  destroy(): void;
}

export interface SampleOptions {
  /** Candidates kept: the cap on top-k (default 64). A power of two, at most sortSize / 2. */
  keep?: number;
  /** Logits sorted per workgroup in a top-KEEP round (default 1024). A power of two >= 2 * keep, >= 8. */
  sortSize?: number;
}

const MAX_WG_SORT = 256; // threads of a sample-topk workgroup (common/reduce's WG): min(256, sortSize / 4)
const WG_DRAW = 64;
const WG_PENALIZE = 256;
const CAND_BYTES = 8; // struct Cand { key: f32, idx: u32 }

class Penalize extends Kernel {
  /** sample-penalize.wgsl's Params fields, in order. */
  static readonly PARAMS = ['vocab', 'history_size'] as const;

  constructor(ctx: GpuContext) {
    super(ctx, 'sample-penalize', ['common/step', 'sample-settings'], { WG: WG_PENALIZE });
  }
}

class TopK extends Kernel {
  /** sample-topk.wgsl's Params fields, in order. */
  static readonly PARAMS = ['n_in', 'first'] as const;

  constructor(ctx: GpuContext, sortSize: number, keep: number) {
    super(ctx, 'sample-topk', ['common/reduce', 'common/step', 'sample-settings', 'sample-rng'], { WG: Math.min(MAX_WG_SORT, sortSize / 4), S: sortSize, KEEP: keep });
  }
}

class Draw extends Kernel {
  /** sample-draw.wgsl's Params fields, in order. */
  static readonly PARAMS = ['n_stats', 'history_size', 'out_offset'] as const;

  constructor(ctx: GpuContext, keep: number) {
    super(ctx, 'sample-draw', ['common/step', 'sample-settings', 'sample-rng'], { WG: WG_DRAW, KEEP: keep });
  }
}

const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** sample-settings.wgsl's Settings fields, in order. */
const SETTINGS = ['mode', 'top_k', 'need_z', 'penalize', 'window', 'seed', 'inv_temperature', 'top_p', 'min_p', 'repetition', 'frequency', 'presence'] as const;

export class Sample {
  static readonly PARAMS = { 'sample-penalize': Penalize.PARAMS, 'sample-topk': TopK.PARAMS, 'sample-draw': Draw.PARAMS } as const;
  static readonly SETTINGS = SETTINGS;
  readonly keep: number;
  readonly sortSize: number;
  private readonly penalize: Penalize;
  private readonly topk: TopK;
  private readonly draw: Draw;

  constructor(
    private readonly ctx: GpuContext,
    opts: SampleOptions = {},
  ) {
    this.keep = opts.keep ?? 64;
    this.sortSize = opts.sortSize ?? 1024;
    if (!isPow2(this.keep) || !isPow2(this.sortSize) || this.keep * 2 > this.sortSize || this.sortSize < 8) {
      throw new GpuError('internal', `sample: keep ${this.keep}, sortSize ${this.sortSize}: expected powers of two with keep <= sortSize / 2 and sortSize >= 8`);
    }
    this.penalize = new Penalize(ctx);
    this.topk = new TopK(ctx, this.sortSize, this.keep);
    this.draw = new Draw(ctx, this.keep);
  }

  create(label: string, a: SampleArgs): SampleOp {
    const device = this.ctx.device;
    const { keep, sortSize } = this;
    const historySize = a.history ? (a.historySize ?? 0) : 0;
    if (!Number.isInteger(a.vocab) || a.vocab < 1) throw new GpuError('internal', `${label}: vocab ${a.vocab}`);
    const storage = (name: string, bytes: number) =>
      device.createBuffer({ label: `${label}.${name}`, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });

    // Rounds: each turns n inputs into ceil(n / sortSize) * keep candidates, until one workgroup is left.
    const rounds: { nIn: number; groups: number }[] = [];
    for (let n = a.vocab; ; ) {
      const groups = Math.ceil(n / sortSize);
      rounds.push({ nIn: n, groups });
      if (groups === 1) break;
      n = groups * keep;
    }
    const nStats = rounds[0].groups;
    // Ping-pong candidate buffers: round r writes cands[r % 2].
    const cands = [0, 1].map((i) => storage(`cand${i}`, CAND_BYTES * Math.max(keep, ...rounds.filter((_, r) => r % 2 === i).map((r) => r.groups * keep))));
    const stats = storage('stats', 8 * nStats);
    const settings = device.createBuffer({ label: `${label}.settings`, size: packParams(SETTINGS.map(() => u32(0))).byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const ownHistory = a.history ? undefined : storage('no-history', 16);
    const history = a.history ?? ownHistory!;
    const historyBinding: Binding = history instanceof GPUBuffer ? { buffer: history } : history;
    const scratchBytes = cands[0].size + cands[1].size + stats.size + settings.size + (a.history ? 0 : 16);

    const ops: { op: BoundKernel; groups: number }[] = [];
    if (historySize > 0) {
      const p: Record<(typeof Penalize.PARAMS)[number], ParamValue> = { vocab: u32(a.vocab), history_size: u32(historySize) };
      ops.push({ op: this.penalize.bind(`${label}.penalize`, [a.logits, history, a.step, settings], Penalize.PARAMS.map((f) => p[f])), groups: 1 });
    }
    rounds.forEach((r, i) => {
      const input = i === 0 ? cands[1] : cands[(i - 1) % 2]; // round 1 does not read candidates
      const p: Record<(typeof TopK.PARAMS)[number], ParamValue> = { n_in: u32(r.nIn), first: u32(i === 0 ? 1 : 0) };
      ops.push({ op: this.topk.bind(`${label}.topk${i}`, [a.logits, input, cands[i % 2], stats, a.step, settings], TopK.PARAMS.map((f) => p[f])), groups: r.groups });
    });
    const dp: Record<(typeof Draw.PARAMS)[number], ParamValue> = { n_stats: u32(nStats), history_size: u32(historySize), out_offset: u32(a.outOffset ?? 0) };
    ops.push({ op: this.draw.bind(`${label}.draw`, [cands[(rounds.length - 1) % 2], stats, a.out, history, a.step, settings], Draw.PARAMS.map((f) => dp[f])), groups: 1 });

    const op: SampleOp = {
      scratchBytes,
      setParams: (params) => {
        const cpu = new Sampler(params); // validates, fills defaults, picks a seed if none
        const p = cpu.params;
        const topK = p.topK > 0 && p.topK < a.vocab ? Math.min(p.topK, keep) : 0;
        const mode = p.temperature === 0 ? 0 : topK === 0 && p.topP >= 1 && p.minP <= 0 ? 1 : 2;
        const penalize = historySize > 0 && (p.repetitionPenalty !== 1 || p.frequencyPenalty !== 0 || p.presencePenalty !== 0);
        const window = p.penaltyWindow > 0 ? Math.min(p.penaltyWindow, historySize) : historySize;
        const v: Record<(typeof SETTINGS)[number], ParamValue> = {
          mode: u32(mode), top_k: u32(topK || keep), need_z: u32(topK === 0 && p.topP < 1 ? 1 : 0), penalize: u32(penalize ? 1 : 0), window: u32(window), seed: u32(cpu.seed),
          inv_temperature: f32(p.temperature > 0 ? 1 / p.temperature : 0), top_p: f32(p.topP), min_p: f32(p.minP),
          repetition: f32(p.repetitionPenalty), frequency: f32(p.frequencyPenalty), presence: f32(p.presencePenalty),
        };
        device.queue.writeBuffer(settings, 0, packParams(SETTINGS.map((f) => v[f])));
        return cpu.seed;
      },
      writeHistory: (tokens, startPos = 0) => {
        if (historySize === 0) throw new GpuError('internal', `${label}: writeHistory without a history ring`);
        const ring = new Uint32Array(historySize);
        const n = Math.min(tokens.length, historySize); // only the last historySize tokens survive
        const from = tokens.length - n;
        // Contiguous runs of slots: from the first slot to the ring's end, then from slot 0.
        let slot = (startPos + from) % historySize;
        let i = 0;
        while (i < n) {
          const len = Math.min(n - i, historySize - slot);
          for (let j = 0; j < len; j++) ring[j] = tokens[from + i + j];
          device.queue.writeBuffer(historyBinding.buffer, (historyBinding.offset ?? 0) + slot * 4, ring, 0, len);
          i += len;
          slot = 0;
        }
      },
      encode: (pass) => {
        for (const { op, groups } of ops) op.encode(pass, groups);
      },
      destroy: () => {
        for (const b of [...cands, stats, settings]) b.destroy();
        ownHistory?.destroy();
      },
    };
    op.setParams({});
    return op;
  }
}
