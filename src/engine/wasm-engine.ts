// The fast CPU engine: the forward pass of spec §1.2 in WASM SIMD kernels, on one thread or on a
// kernel thread pool (the kernels decide; see wasm/kernels.ts), over weights repacked once into
// the compute layout (layout.ts). Prompts run as matrix-matrix work in chunks of tokens. The float
// steps between the matmuls are WASM kernels too, each bit-identical to its math.ts definition;
// only what needs the host's own Math functions stays here (the embedding row, RoPE's cos/sin,
// the softmax's exp, the SiLU gate), so the logits equal the reference engine's bit for bit.
// Opt-in exception: the int8 LM head (lmHead: 'int8', see int8-head.ts) trades exact logits for
// reading about half the bytes per token in the head.
import type { ModelConfig } from '../model/config.ts';
import { dequantRow } from '../model/float-codecs.ts';
import type { ModelFile } from '../model/model-file.ts';
import type { TensorType } from '../model/tensor-types.ts';
import { LAYER_TERNARY, modelSlots, type TernaryName } from '../model/tensors.ts';
import { ContextFullError, type Engine, type MemoryStats } from './engine.ts';
import { paddedCols, rowBytes } from './layout.ts';
import { INT8_BLOCK } from './int8-head.ts';
import { loadPacked } from './repack.ts';
import { gatedActivation, ropeAngles } from './math.ts';
import { int8Layout, type AttentionShape, type WasmKernels } from './wasm/kernels.ts';

/** Tokens per prefill chunk: enough to amortize weight reads, small enough for the cache. */
const CHUNK = 64;

/** The steps of a forward pass that `setProfiling` times, in order. */
export const PHASES = ['embed', 'norm', 'quantize', 'qkv', 'rope_kv', 'attention', 'attn_output', 'residual', 'ffn_gate_up', 'ffn_act', 'ffn_down', 'lm_head'] as const;
export type Phase = (typeof PHASES)[number];

/** 'exact': the head's own type in f32 (math.ts dotLanes8); 'int8': requantized at load (int8-head.ts). */
export type LmHeadMode = 'exact' | 'int8';

export interface WasmEngineOptions {
  /** Default 'exact'. */
  lmHead?: LmHeadMode;
}

/** f32 bytes of dequantized head rows converted per step when the head's type has no WASM conversion. */
const STAGING_BYTES = 1 << 20;

/** Milliseconds per phase over the forward calls since profiling was switched on. */
export interface WasmProfile {
  calls: number;
  tokens: number;
  ms: Record<Phase, number>;
}

/** Per phase: milliseconds per token and share of the profiled time, largest first. */
export function summarizeWasmProfile(p: WasmProfile): { msPerToken: number; phases: { phase: Phase; msPerToken: number; share: number }[] } {
  const total = PHASES.reduce((a, ph) => a + p.ms[ph], 0);
  const per = (ms: number) => ms / Math.max(1, p.tokens);
  const phases = PHASES.map((phase) => ({ phase, msPerToken: per(p.ms[phase]), share: total > 0 ? p.ms[phase] / total : 0 })).sort((a, b) => b.msPerToken - a.msPerToken);
  return { msPerToken: per(total), phases };
}

/** The LM head as stored: the exact matrix (F16 with its edge map), or int8 codes and scales. */
type Head =
  | { mode: 'exact'; ptr: number; type: TensorType; bytes: number; edges?: number }
  | { mode: 'int8'; q: number; d: number; bytes: number; xq: number; xd: number };

interface Matrix {
  ptr: number; // packed codes, rows * rowBytes(cols)
  rows: number;
  cols: number;
  scale: number;
}

interface Layer {
  // norm weights, f32 in WASM memory
  attnNorm: number;
  attnSubNorm: number;
  ffnNorm: number;
  ffnSubNorm: number;
  m: Record<TernaryName, Matrix>;
  // this layer's KV cache (AttentionShape): keys transposed, values as rows
  kt: number;
  vc: number;
}

/** Pointers of the scratch for one chunk of T tokens; activations are [T][width] row-major. */
interface Scratch {
  x: number; // residual stream, [T][dim]
  xn: number; // normed input of a matmul, [T][max(dim, qDim, ffnDim)]
  q8: number; // int8 activations, [T][kpMax]
  scales: number; // f32[T]
  sums: number; // i32[T]
  q: number; // [T][qDim]
  k: number; // [T][kvDim]
  v: number; // [T][kvDim]
  att: number; // [T][qDim]
  out: number; // [T][dim]
  gate: number; // [T][ffnDim]
  up: number; // [T][ffnDim]
  scores: number; // f64 [T][nHeads][cap]: attention scores, then softmax weights
  softmaxSums: number; // f64 [T][nHeads]
  rope: number; // f32 [cap][headDim]: cos then sin of each position (ropeAngles)
  logits: number; // f32 [vocab]
}

export class WasmEngine implements Engine {
  readonly backend = 'wasm';
  position = 0;
  /** Positions whose RoPE cos/sin are in the table. */
  private ropeFilled = 0;
  private profile: WasmProfile | null = null;
  private lap = 0;

  private constructor(
    readonly config: ModelConfig,
    private readonly k: WasmKernels,
    private readonly layers: Layer[],
    private readonly embedding: { ptr: number; type: TensorType; bytes: number },
    private readonly head: Head,
    private readonly outputNorm: number,
    readonly contextSize: number,
    /** KV cache positions: contextSize rounded up to the attention kernels' multiple of 4. */
    private readonly cap: number,
    private readonly s: Scratch,
    private readonly weightBytes: number,
  ) {}

  /** Which LM head the logits come from. */
  get lmHeadMode(): LmHeadMode {
    return this.head.mode;
  }

  /** Bytes of the LM head as this engine holds it, all read once per token's logits. */
  get lmHeadBytes(): number {
    return this.head.bytes;
  }

  /**
   * Repacks every ternary matrix into WASM memory, one tensor at a time, and copies the embedding
   * in; with lmHead 'int8', also converts the LM head (the embedding stays exact for the lookup).
   */
  static async load(model: ModelFile, kernels: WasmKernels, contextSize = model.config.contextLength, options: WasmEngineOptions = {}): Promise<WasmEngine> {
    const c = model.config;
    const k = kernels;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const ctx = Math.min(contextSize, c.contextLength);
    const cap = Math.ceil(ctx / 4) * 4;
    let weightBytes = 0;
    const vector = async (name: string) => {
      const v = await model.readVector(name);
      const ptr = k.alloc(v.length * 4, 16);
      k.f32(ptr, v.length).set(v);
      return ptr;
    };
    const slots = new Map(modelSlots(c).map((s) => [s.name, s]));
    const layers: Layer[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const b = `blk.${l}.`;
      const m = {} as Record<TernaryName, Matrix>;
      for (const name of LAYER_TERNARY) {
        const slot = slots.get(b + name)!;
        const bytes = slot.rows * rowBytes(slot.cols);
        const ptr = k.alloc(bytes);
        const scale = await loadPacked(model, b + name, k.u8(ptr, bytes));
        m[name] = { ptr, rows: slot.rows, cols: slot.cols, scale };
        weightBytes += bytes;
      }
      layers.push({
        attnNorm: await vector(b + 'attn_norm'),
        attnSubNorm: await vector(b + 'attn_sub_norm'),
        ffnNorm: await vector(b + 'ffn_norm'),
        ffnSubNorm: await vector(b + 'ffn_sub_norm'),
        m,
        kt: k.alloc(kvDim * cap * 4, 64),
        vc: k.alloc(kvDim * cap * 4, 64),
      });
    }
    const loadMatrix = async (name: string) => {
      const info = model.matrixInfo(name);
      const ptr = k.alloc(info.bytes);
      await model.readMatrix(name, k.u8(ptr, info.bytes));
      weightBytes += info.bytes;
      return { ptr, type: info.type, bytes: info.bytes };
    };
    const embedding = await loadMatrix('token_embd');
    let head: Head;
    if ((options.lmHead ?? 'exact') === 'int8') {
      head = await loadInt8Head(model, k, model.lmHead === 'token_embd' ? embedding : null);
      weightBytes += head.bytes;
    } else {
      head = { mode: 'exact', ...(model.lmHead === 'token_embd' ? embedding : await loadMatrix('output')) };
      // An F16 head runs the cheaper conversion where its edge map allows (the same results).
      if (head.type === 'F16') head.edges = k.f16EdgeMap(head.ptr, c.vocabSize, c.dim);
    }
    const outputNorm = await vector('output_norm');

    const widest = Math.max(c.dim, qDim, c.ffnDim);
    // Cache-line aligned: threads write neighbouring chunks of these.
    const f32s = (n: number) => k.alloc(4 * n, 64);
    const s: Scratch = {
      x: f32s(CHUNK * c.dim), xn: f32s(CHUNK * widest), q8: k.alloc(CHUNK * paddedCols(widest), 64), scales: f32s(CHUNK), sums: f32s(CHUNK),
      q: f32s(CHUNK * qDim), k: f32s(CHUNK * kvDim), v: f32s(CHUNK * kvDim), att: f32s(CHUNK * qDim), out: f32s(CHUNK * c.dim),
      gate: f32s(CHUNK * c.ffnDim), up: f32s(CHUNK * c.ffnDim),
      scores: k.alloc(8 * CHUNK * c.nHeads * cap, 64), softmaxSums: k.alloc(8 * CHUNK * c.nHeads, 64),
      rope: f32s(cap * c.headDim), logits: f32s(c.vocabSize),
    };
    return new WasmEngine(c, k, layers, embedding, head, outputNorm, ctx, cap, s, weightBytes);
  }

  forward(tokens: ArrayLike<number>, opts?: { allLogits?: false }): Promise<Float32Array>;
  forward(tokens: ArrayLike<number>, opts: { allLogits: true }): Promise<Float32Array[]>;
  async forward(tokens: ArrayLike<number>, opts?: { allLogits?: boolean }): Promise<Float32Array | Float32Array[]> {
    if (tokens.length === 0) throw new RangeError('forward needs at least one token');
    if (this.position + tokens.length > this.contextSize) throw new ContextFullError(this.position + tokens.length, this.contextSize);
    for (let i = 0; i < tokens.length; i++) {
      if (!(tokens[i] >= 0 && tokens[i] < this.config.vocabSize)) throw new RangeError(`token id ${tokens[i]} is outside the vocabulary (0..${this.config.vocabSize - 1})`);
    }
    if (this.profile) {
      this.profile.calls++;
      this.profile.tokens += tokens.length;
      this.lap = performance.now();
    }
    const all: Float32Array[] = [];
    for (let start = 0; start < tokens.length; start += CHUNK) {
      const n = Math.min(CHUNK, tokens.length - start);
      this.chunk(Array.from({ length: n }, (_, i) => tokens[start + i]));
      for (let t = 0; t < n; t++) {
        if (opts?.allLogits || start + t === tokens.length - 1) all.push(this.logits(t));
      }
    }
    return opts?.allLogits ? all : all[all.length - 1];
  }

  /** Times each step of the following forward calls (a clock read per step), until switched off. */
  setProfiling(on: boolean): void {
    this.profile = on ? { calls: 0, tokens: 0, ms: Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number> } : null;
  }

  /** The profile so far, and a fresh one from here on. */
  takeProfile(): WasmProfile | null {
    const p = this.profile;
    if (p) this.setProfiling(true);
    return p;
  }

  /** Ends a step of `phase` (profiling only). */
  private mark(phase: Phase): void {
    if (!this.profile) return;
    const now = performance.now();
    this.profile.ms[phase] += now - this.lap;
    this.lap = now;
  }

  /** Runs T tokens (positions position..position+T-1) through every layer (spec §1.2). */
  private chunk(tokens: number[]): void {
    const c = this.config;
    const { k, s } = this;
    const T = tokens.length;
    const pos0 = this.position;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;

    const x = k.f32(s.x, T * c.dim);
    const emb = k.u8(this.embedding.ptr, this.embedding.bytes);
    for (let t = 0; t < T; t++) dequantRow(this.embedding.type, emb, tokens[t], c.dim, x.subarray(t * c.dim, (t + 1) * c.dim));
    this.fillRope(pos0 + T);
    this.mark('embed');

    for (const L of this.layers) {
      const a: AttentionShape = { T, pos0, heads: c.nHeads, kvHeads: c.nKvHeads, headDim: c.headDim, cap: this.cap, kt: L.kt, vc: L.vc };
      // attention block: q, k and v share one quantized input
      k.rmsNormRows(s.x, L.attnNorm, c.dim, c.rmsEps, s.xn, 0, T);
      this.mark('norm');
      this.quantize(T, c.dim);
      this.matmuls(T, 'qkv', [L.m.attn_q, s.q], [L.m.attn_k, s.k], [L.m.attn_v, s.v]);
      k.ropeRows(s.q, qDim, c.nHeads, c.headDim, s.rope, pos0, 0, T);
      k.ropeRows(s.k, kvDim, c.nKvHeads, c.headDim, s.rope, pos0, 0, T);
      k.kvStore(a, s.k, s.v);
      this.mark('rope_kv');
      this.attention(a);
      this.mark('attention');
      k.rmsNormRows(s.att, L.attnSubNorm, qDim, c.rmsEps, s.xn, 0, T);
      this.mark('norm');
      this.quantize(T, qDim);
      this.matmuls(T, 'attn_output', [L.m.attn_output, s.out]);
      k.addInto(s.x, s.out, T * c.dim);
      this.mark('residual');

      // feed-forward block: gate and up share one quantized input
      k.rmsNormRows(s.x, L.ffnNorm, c.dim, c.rmsEps, s.xn, 0, T);
      this.mark('norm');
      this.quantize(T, c.dim);
      this.matmuls(T, 'ffn_gate_up', [L.m.ffn_gate, s.gate], [L.m.ffn_up, s.up]);
      if (c.activation === 'relu2') {
        k.relu2Gate(s.gate, s.up, T * c.ffnDim);
      } else {
        const gate = k.f32(s.gate, T * c.ffnDim), up = k.f32(s.up, T * c.ffnDim);
        for (let t = 0; t < T; t++) gatedActivation(gate.subarray(t * c.ffnDim, (t + 1) * c.ffnDim), up.subarray(t * c.ffnDim, (t + 1) * c.ffnDim), c.activation);
      }
      this.mark('ffn_act');
      k.rmsNormRows(s.gate, L.ffnSubNorm, c.ffnDim, c.rmsEps, s.xn, 0, T);
      this.mark('norm');
      this.quantize(T, c.ffnDim);
      this.matmuls(T, 'ffn_down', [L.m.ffn_down, s.out]);
      k.addInto(s.x, s.out, T * c.dim);
      this.mark('residual');
    }
    this.position += T;
  }

  /**
   * attendHead of math.ts for every token and head of the chunk, into att: scores in WASM, the
   * softmax here (Math.exp is the reference's own), the weighted values in WASM.
   */
  private attention(a: AttentionShape): void {
    const { k, s, cap } = this;
    const heads = a.heads;
    k.attentionScores(a, s.q, heads * a.headDim, 1 / Math.sqrt(a.headDim), s.scores);
    const scores = new Float64Array(k.memory.buffer, s.scores, a.T * heads * cap);
    const sums = new Float64Array(k.memory.buffer, s.softmaxSums, a.T * heads);
    for (let t = 0; t < a.T; t++) {
      const n = a.pos0 + t + 1;
      for (let h = 0; h < heads; h++) {
        const at = (t * heads + h) * cap;
        let max = -Infinity;
        for (let i = at; i < at + n; i++) max = Math.max(max, scores[i]);
        let sum = 0;
        for (let i = at; i < at + n; i++) {
          scores[i] = Math.exp(scores[i] - max);
          sum += scores[i];
        }
        sums[t * heads + h] = sum;
      }
    }
    k.attentionValues(a, s.scores, s.softmaxSums, s.att, heads * a.headDim);
  }

  /** RoPE cos/sin of positions up to `end` (exclusive) into the table, computed once per position. */
  private fillRope(end: number): void {
    const hd = this.config.headDim;
    const table = this.k.f32(this.s.rope, this.cap * hd);
    for (let pos = this.ropeFilled; pos < end; pos++) {
      const { cos, sin } = ropeAngles(pos, hd, this.config.ropeTheta);
      table.set(cos, pos * hd);
      table.set(sin, pos * hd + hd / 2);
    }
    this.ropeFilled = Math.max(this.ropeFilled, end);
  }

  /** Per-token int8 quantization of the first T rows of `xn` (row width `cols`). */
  private quantize(T: number, cols: number): void {
    this.k.quantizeRows(this.s.xn, cols, this.s.q8, this.s.scales, this.s.sums, 0, T);
    this.mark('quantize');
  }

  /** Matrices that share the quantized input, as one call (one job for a thread pool). */
  private matmuls(T: number, phase: Phase, ...mats: [Matrix, number][]): void {
    this.k.matmuls(mats.map(([m, y]) => ({ w: m.ptr, rows: m.rows, cols: m.cols, wscale: m.scale, y })), this.s.q8, this.s.scales, this.s.sums, T);
    this.mark(phase);
  }

  /** Final norm and LM head for token row t of the last chunk. */
  private logits(t: number): Float32Array {
    const c = this.config;
    const { k, s } = this;
    const h = this.head;
    k.rmsNormRows(s.x + t * c.dim * 4, this.outputNorm, c.dim, c.rmsEps, s.xn, 0, 1);
    if (h.mode === 'int8') {
      k.int8Rows('F32', s.xn, 1, c.dim, h.xq, h.xd, 0, 1);
      k.lmHeadInt8(h.q, h.d, c.vocabSize, c.dim, h.xq, h.xd, s.logits, 0, c.vocabSize);
    } else {
      k.lmHead(h.type, h.ptr, c.vocabSize, c.dim, s.xn, s.logits, 0, c.vocabSize, h.edges);
    }
    const logits = k.f32(s.logits, c.vocabSize).slice();
    this.mark('lm_head');
    return logits;
  }

  /** The final normed hidden state (the LM head's input) behind the logits forward returned last. */
  hiddenState(): Float32Array {
    return this.k.f32(this.s.xn, this.config.dim).slice();
  }

  truncate(position: number): void {
    if (position < 0 || position > this.position) throw new RangeError(`cannot truncate to ${position}: the cache holds ${this.position} tokens`);
    this.position = position;
  }

  memory(): MemoryStats {
    const kvDim = this.config.nKvHeads * this.config.headDim;
    return { weightBytes: this.weightBytes, kvCacheBytes: 2 * this.layers.length * kvDim * this.cap * 4, wasmHeapBytes: this.k.memoryBytes };
  }

  /** Nothing to free here: the kernels (their memory and threads) belong to the caller. */
  dispose(): void {}
}

/**
 * The LM head requantized to int8 blocks (int8-head.ts) in WASM memory. F16 and F32 rows convert
 * in WASM where they lie (the tied embedding) or as read, a step of rows at a time (an `output`
 * tensor, which is then never held whole); other types are dequantized here (dequantRow) a step of
 * rows at a time first. The step buffers stay allocated (the allocator never frees): ~1.5 MiB.
 */
async function loadInt8Head(model: ModelFile, k: WasmKernels, tied: { ptr: number; type: TensorType } | null): Promise<Head> {
  const c = model.config;
  if (c.dim % INT8_BLOCK !== 0) throw new RangeError(`lmHead 'int8' needs a model dim that is a multiple of ${INT8_BLOCK}, got ${c.dim}`);
  const info = model.matrixInfo(model.lmHead);
  const rows = c.vocabSize;
  const { codeBytes, scaleBytes } = int8Layout(c.dim);
  const q = k.alloc(rows * codeBytes, 64), d = k.alloc(rows * scaleBytes, 64);
  const direct = info.type === 'F16' || info.type === 'F32' ? info.type : null;
  if (tied && direct) {
    k.int8Rows(direct, tied.ptr, rows, c.dim, q, d, 0, rows);
  } else {
    const rb = info.bytes / rows;
    const step = Math.max(1, Math.floor(STAGING_BYTES / (c.dim * 4)));
    const raw = tied ? 0 : k.alloc(step * rb, 16);
    const staging = direct ? 0 : k.alloc(step * c.dim * 4, 16);
    for (let r0 = 0; r0 < rows; r0 += step) {
      const n = Math.min(step, rows - r0);
      const src = tied ? tied.ptr + r0 * rb : raw;
      if (!tied) await model.readMatrixRows('output', r0, n, k.u8(raw, n * rb));
      if (!direct) {
        const bytes = k.u8(src, n * rb), out = k.f32(staging, n * c.dim);
        for (let r = 0; r < n; r++) dequantRow(info.type, bytes, r, c.dim, out.subarray(r * c.dim, (r + 1) * c.dim));
      }
      k.int8Rows(direct ?? 'F32', direct ? src : staging, n, c.dim, q + r0 * codeBytes, d + r0 * scaleBytes, 0, n);
    }
  }
  return { mode: 'int8', q, d, bytes: rows * (codeBytes + scaleBytes), xq: k.alloc(codeBytes, 16), xd: k.alloc(scaleBytes, 16) };
}
