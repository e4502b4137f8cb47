// The WebGPU engine: the forward pass of spec §1.2 as one command buffer of WGSL dispatches per
// call. Weights are repacked once into the compute layout and uploaded; every buffer, pipeline
// and bind group is made at load, so a decode step only writes the Step uniform and the token,
// encodes, submits once and reads back the logits (or, with forwardArgmax, just the token id).
// With profiling on (webgpu/profile.ts) the same dispatches go into one timestamped compute pass
// each, still in one submission, and each call leaves a per-kernel profile.
import type { ModelConfig } from '../model/config.ts';
import { floatRowBytes } from '../model/float-codecs.ts';
import type { ModelFile } from '../model/model-file.ts';
import { LAYER_TERNARY, modelSlots, type TernaryName } from '../model/tensors.ts';
import { ContextFullError, type Engine, type MemoryStats } from './engine.ts';
import { rowBytes } from './layout.ts';
import { loadPacked } from './repack.ts';
import { storage, uploadRows, type RowPart } from './webgpu/buffers.ts';
import type { GpuContext, GpuNeeds } from './webgpu/context.ts';
import { checked, GpuError } from './webgpu/errors.ts';
import type { BoundKernel, SizedKernel } from './webgpu/kernel.ts';
import { Argmax } from './webgpu/kernels/argmax.ts';
import { AttentionDecode, AttentionPrefill } from './webgpu/kernels/attention.ts';
import { Embed, type FloatRowType } from './webgpu/kernels/embed.ts';
import { GatedAct } from './webgpu/kernels/gated-act.ts';
import { GemmTernary } from './webgpu/kernels/gemm-ternary.ts';
import { GemvTernary } from './webgpu/kernels/gemv-ternary.ts';
import { KvStore } from './webgpu/kernels/kv-store.ts';
import { LmHead } from './webgpu/kernels/lm-head.ts';
import { actRowWords, QuantizeAct } from './webgpu/kernels/quantize-act.ts';
import { ResidualAdd } from './webgpu/kernels/residual-add.ts';
import { RmsNorm } from './webgpu/kernels/rms-norm.ts';
import { Rope, ropeTable } from './webgpu/kernels/rope.ts';
import { Sample, type SampleOp } from './webgpu/kernels/sample.ts';
import type { SamplingParams } from './sampler.ts';
import { StepProfiler, type OpCost, type StepProfile, type Workgroups } from './webgpu/profile.ts';

/** Tokens per prefill call; longer prompts run in several calls. */
const CHUNK = 64;
/** Tokens the GPU sampler's penalty window can see. */
const HISTORY = 256;

type Want = 'logits' | 'argmax' | 'sample' | 'none';
/** Profiles kept between takeProfiles() calls; older ones are dropped. */
const MAX_PROFILES = 4096;

/** One ternary matmul bound twice: GEMV for a single token, GEMM for a prompt chunk. */
interface Linear {
  gemv: SizedKernel;
  gemm: SizedKernel;
}

interface LayerOps {
  attnNorm: BoundKernel;
  linear: Record<TernaryName, Linear>;
  kvStore: SizedKernel;
  /** Decode attention (split + combine), encoded for one token. */
  attnDecode: BoundKernel;
  attnPrefill: SizedKernel;
  attnSubNorm: BoundKernel;
  ffnNorm: BoundKernel;
  ffnSubNorm: BoundKernel;
}

/**
 * What a device must offer for this model: its largest unsplittable buffer (a ternary matrix, a
 * layer's KV cache, the logits; the embedding and LM head are split) and the storage buffers one
 * kernel binds at most (the GEMV: weights, activations, scales, sums, output).
 */
export function gpuNeeds(model: ModelFile, contextSize = model.config.contextLength): GpuNeeds {
  const c = model.config;
  const ternary = modelSlots(c).filter((s) => s.kind === 'ternary').map((s) => s.rows * rowBytes(s.cols));
  const kvCache = 4 * Math.min(contextSize, c.contextLength) * c.nKvHeads * c.headDim;
  const embRow = floatRowBytes(model.matrixInfo('token_embd').type, c.dim);
  return { maxBindingBytes: Math.max(...ternary, kvCache, 4 * c.vocabSize, 4 * CHUNK * c.ffnDim, embRow), storageBuffersPerStage: 5 };
}

export interface WebGpuOptions {
  /** Split matrices into buffers of at most this many bytes (tests force small values). */
  maxBindingBytes?: number;
  /**
   * Per-kernel profiling from the start (see setProfiling). Off by default; when off, a call is
   * one compute pass and one submission with no queries.
   */
  profile?: boolean;
}

export class WebGpuEngine implements Engine {
  readonly backend = 'webgpu';
  position = 0;
  private profiler: StepProfiler | undefined;
  private profiles: StepProfile[] = [];

  private constructor(
    readonly config: ModelConfig,
    private readonly ctx: GpuContext,
    readonly contextSize: number,
    /** tokens: the call's input ids; the device samplers write the next id into its element 0. */
    private readonly b: { step: GPUBuffer; tokens: GPUBuffer; logits: GPUBuffer; logitsRead: GPUBuffer; tokenRead: [GPUBuffer, GPUBuffer] },
    private readonly ops: {
      embed: SizedKernel[];
      layers: LayerOps[];
      quantDim: SizedKernel;
      quantQ: SizedKernel;
      quantFfn: SizedKernel;
      ropeQ: SizedKernel;
      ropeK: SizedKernel;
      residualAttn: SizedKernel;
      residualFfn: SizedKernel;
      gatedAct: SizedKernel;
      outputNorm: BoundKernel;
      lmHead: SizedKernel[];
      argmax: SizedKernel;
      sample: SampleOp;
    },
    private readonly stats: { weightBytes: number; kvCacheBytes: number },
    private readonly owned: GPUBuffer[],
    /** What each bound op reads per call, for profiles. */
    private readonly costs: ReadonlyMap<BoundKernel, OpCost>,
  ) {}

  static async load(model: ModelFile, ctx: GpuContext, contextSize = model.config.contextLength, opts: WebGpuOptions = {}): Promise<WebGpuEngine> {
    const c = model.config;
    const ctxSize = Math.min(contextSize, c.contextLength);
    const maxBinding = Math.min(opts.maxBindingBytes ?? Infinity, ctx.maxBindingBytes);
    const dev = ctx.device;
    const owned: GPUBuffer[] = [];
    const buf = (label: string, bytes: number, data?: ArrayBufferView) => {
      const b = storage(ctx, label, bytes, data);
      owned.push(b);
      return b;
    };
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const widest = Math.max(c.dim, qDim, c.ffnDim);
    // Bytes each op reads (ideal traffic, each byte once), for profiles.
    const costs = new Map<BoundKernel, OpCost>();
    const costed = <K extends BoundKernel>(cost: OpCost, k: K): K => {
      costs.set(k, cost);
      return k;
    };
    const norm = (cols: number, k: BoundKernel) => costed({ kind: 'rms_norm', weight: 4 * cols, actPerToken: 4 * cols }, k);

    return checked(dev, 'loading the model on the GPU', async () => {
      // ---- per-call buffers
      const step = dev.createBuffer({ label: 'step', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      owned.push(step);
      const tokens = buf('tokens', 4 * CHUNK);
      const x = buf('x', 4 * CHUNK * c.dim);
      const xn = buf('xn', 4 * CHUNK * widest);
      const q8 = buf('q8', 4 * CHUNK * actRowWords(widest));
      const scale = buf('act.scale', 4 * CHUNK);
      const sum = buf('act.sum', 4 * CHUNK);
      const q = buf('q', 4 * CHUNK * qDim);
      const k = buf('k', 4 * CHUNK * kvDim);
      const v = buf('v', 4 * CHUNK * kvDim);
      const att = buf('att', 4 * CHUNK * qDim);
      const out = buf('out', 4 * CHUNK * c.dim);
      const gate = buf('gate', 4 * CHUNK * c.ffnDim);
      const up = buf('up', 4 * CHUNK * c.ffnDim);
      const act = buf('act', 4 * CHUNK * c.ffnDim);
      const logits = buf('logits', 4 * c.vocabSize);
      const shape = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim };
      const partials = buf('attention.partials', AttentionDecode.partialsBytes(shape, ctxSize));
      const table = ropeTable(ctxSize, c.headDim, c.ropeTheta);
      const ropeTab = buf('rope.table', table.byteLength, table);
      const read = (label: string, bytes: number) => dev.createBuffer({ label, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const logitsRead = read('logits.read', 4 * c.vocabSize);
      // Two token read-backs, so step i+1 can be queued while step i's token is still being read.
      const tokenRead: [GPUBuffer, GPUBuffer] = [read('token.read.0', 4), read('token.read.1', 4)];
      owned.push(logitsRead, ...tokenRead);

      // ---- kernels (pipelines), shared by every layer
      const rms = new RmsNorm(ctx);
      const quant = new QuantizeAct(ctx);
      const gemv = new GemvTernary(ctx);
      const gemm = new GemmTernary(ctx);
      const kvStore = new KvStore(ctx);
      const decode = new AttentionDecode(ctx, shape);
      const prefill = new AttentionPrefill(ctx, shape);
      const actCommon = { scale, sum, a: q8 };

      // ---- weights, one tensor at a time
      let weightBytes = 0;
      const slots = new Map(modelSlots(c).map((s) => [s.name, s]));
      const layers: LayerOps[] = [];
      for (let l = 0; l < c.nLayers; l++) {
        const p = `blk.${l}.`;
        const vec = async (name: string) => {
          const data = await model.readVector(p + name);
          weightBytes += data.byteLength;
          return buf(p + name, data.byteLength, data);
        };
        const linear = {} as Record<TernaryName, Linear>;
        const outputs: Record<TernaryName, GPUBuffer> = { attn_q: q, attn_k: k, attn_v: v, attn_output: out, ffn_gate: gate, ffn_up: up, ffn_down: out };
        for (const name of LAYER_TERNARY) {
          const s = slots.get(p + name)!;
          const bytes = s.rows * rowBytes(s.cols);
          const w = dev.createBuffer({ label: p + name, size: Math.ceil(bytes / 16) * 16, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
          owned.push(w);
          const wscale = await loadPacked(model, p + name, new Uint8Array(w.getMappedRange(), 0, bytes));
          w.unmap();
          weightBytes += bytes;
          const args = { ...actCommon, w, y: outputs[name], rows: s.rows, cols: s.cols, wscale };
          const cost = { weight: bytes, actPerToken: 4 * actRowWords(s.cols) + 8 };
          linear[name] = {
            gemv: costed({ kind: `gemv.${name}`, ...cost }, gemv.create(`${p}${name}.gemv`, args)),
            gemm: costed({ kind: `gemm.${name}`, ...cost }, gemm.create(`${p}${name}.gemm`, { ...args, step })),
          };
        }
        const kCache = buf(`${p}k_cache`, 4 * ctxSize * kvDim);
        const vCache = buf(`${p}v_cache`, 4 * ctxSize * kvDim);
        const attnArgs = { q, kCache, vCache, o: att, step };
        const attnCost = { kind: 'attention', kvPerPosition: 2 * 4 * kvDim, actPerToken: 4 * qDim };
        const attnDecode = decode.create(`${p}attention`, { ...attnArgs, partials, contextSize: ctxSize });
        layers.push({
          attnNorm: norm(c.dim, rms.create(`${p}attn_norm`, { x, w: await vec('attn_norm'), y: xn, cols: c.dim, eps: c.rmsEps })),
          linear,
          kvStore: costed({ kind: 'kv_store', actPerToken: 2 * 4 * kvDim }, kvStore.create(`${p}kv_store`, { k, v, kCache, vCache, step, kvDim, contextSize: ctxSize })),
          attnDecode: costed(attnCost, { encode: (pass) => attnDecode.encode(pass, 1) }),
          attnPrefill: costed(attnCost, prefill.create(`${p}attention.prefill`, attnArgs)),
          attnSubNorm: norm(qDim, rms.create(`${p}attn_sub_norm`, { x: att, w: await vec('attn_sub_norm'), y: xn, cols: qDim, eps: c.rmsEps })),
          ffnNorm: norm(c.dim, rms.create(`${p}ffn_norm`, { x, w: await vec('ffn_norm'), y: xn, cols: c.dim, eps: c.rmsEps })),
          ffnSubNorm: norm(c.ffnDim, rms.create(`${p}ffn_sub_norm`, { x: act, w: await vec('ffn_sub_norm'), y: xn, cols: c.ffnDim, eps: c.rmsEps })),
        });
      }

      // ---- embedding and LM head, split to fit the binding limit
      const matrixParts = async (name: string): Promise<{ type: FloatRowType; parts: RowPart[] }> => {
        const info = model.matrixInfo(name);
        const type = info.type as FloatRowType;
        const parts = await uploadRows(ctx, name, info.rows, floatRowBytes(type, info.cols), maxBinding, (row0, rows, into) => model.readMatrixRows(name, row0, rows, into));
        owned.push(...parts.map((p) => p.buffer));
        weightBytes += info.bytes;
        return { type, parts };
      };
      const emb = await matrixParts('token_embd');
      const head = model.lmHead === 'token_embd' ? emb : await matrixParts('output');
      const embedKernel = new Embed(ctx, emb.type);
      const headKernel = new LmHead(ctx, head.type);
      const outputNormW = await model.readVector('output_norm');
      const kvCacheBytes = 2 * c.nLayers * 4 * ctxSize * kvDim;
      const embRowBytes = floatRowBytes(emb.type, c.dim);
      const headRowBytes = floatRowBytes(head.type, c.dim);
      // Embedding rows are charged to the first part: a token's row is read from whichever part holds it.
      const embCost = (i: number): OpCost => (i === 0 ? { kind: 'embed', weightPerToken: embRowBytes, actPerToken: 4 } : { kind: 'embed' });
      const quantCost = (cols: number): OpCost => ({ kind: 'quantize', actPerToken: 4 * cols });
      const ropeCost = (heads: number): OpCost => ({ kind: 'rope', actPerToken: 4 * heads * c.headDim + 4 * c.headDim });
      const residualCost: OpCost = { kind: 'residual', actPerToken: 2 * 4 * c.dim };
      const engine = new WebGpuEngine(
        c, ctx, ctxSize,
        { step, tokens, logits, logitsRead, tokenRead },
        {
          embed: emb.parts.map((pt, i) => costed(embCost(i), embedKernel.create(`token_embd.${i}`, { tokens, mat: pt.buffer, x, step, cols: c.dim, rows: pt.rows, row0: pt.row0 }))),
          layers,
          quantDim: costed(quantCost(c.dim), quant.create('quantize.dim', { x: xn, q: q8, scale, sum, cols: c.dim })),
          quantQ: costed(quantCost(qDim), quant.create('quantize.q', { x: xn, q: q8, scale, sum, cols: qDim })),
          quantFfn: costed(quantCost(c.ffnDim), quant.create('quantize.ffn', { x: xn, q: q8, scale, sum, cols: c.ffnDim })),
          ropeQ: costed(ropeCost(c.nHeads), new Rope(ctx).create('rope.q', { x: q, table: ropeTab, step, heads: c.nHeads, headDim: c.headDim })),
          ropeK: costed(ropeCost(c.nKvHeads), new Rope(ctx).create('rope.k', { x: k, table: ropeTab, step, heads: c.nKvHeads, headDim: c.headDim })),
          residualAttn: costed(residualCost, new ResidualAdd(ctx).create('residual.attn', { x, y: out, step, len: c.dim })),
          residualFfn: costed(residualCost, new ResidualAdd(ctx).create('residual.ffn', { x, y: out, step, len: c.dim })),
          gatedAct: costed({ kind: 'gated_act', actPerToken: 2 * 4 * c.ffnDim }, new GatedAct(ctx, c.activation).create('gated_act', { gate, up, y: act, step, len: c.ffnDim })),
          outputNorm: norm(c.dim, rms.create('output_norm', { x, w: buf('output_norm', outputNormW.byteLength, outputNormW), y: xn, cols: c.dim, eps: c.rmsEps })),
          lmHead: head.parts.map((pt, i) => costed({ kind: 'lm_head', weight: pt.rows * headRowBytes, act: 4 * c.dim }, headKernel.create(`lm_head.${i}`, { mat: pt.buffer, h: xn, logits, step, cols: c.dim, rows: pt.rows, row0: pt.row0, hStride: c.dim }))),
          argmax: costed({ kind: 'argmax', act: 4 * c.vocabSize }, new Argmax(ctx).create('argmax', { logits, out: tokens, n: c.vocabSize })),
          sample: new Sample(ctx).create('sample', { logits, vocab: c.vocabSize, out: tokens, step, history: buf('sample.history', 4 * HISTORY), historySize: HISTORY }),
        },
        { weightBytes, kvCacheBytes },
        owned,
        costs,
      );
      if (opts.profile) engine.setProfiling(true);
      return engine;
    });
  }

  forward(tokens: ArrayLike<number>, opts?: { allLogits?: false }): Promise<Float32Array>;
  forward(tokens: ArrayLike<number>, opts: { allLogits: true }): Promise<Float32Array[]>;
  async forward(tokens: ArrayLike<number>, opts?: { allLogits?: boolean }): Promise<Float32Array | Float32Array[]> {
    this.check(tokens);
    if (opts?.allLogits) {
      // Teacher forcing needs every position's logits: one call per token keeps one LM-head binding.
      const all: Float32Array[] = [];
      for (let i = 0; i < tokens.length; i++) all.push(await this.run([tokens[i]], 'logits'));
      return all;
    }
    return this.run(await this.prefillHead(tokens), 'logits');
  }

  /** Runs `tokens` and returns the greedy next token, reading back 4 bytes instead of the logits. */
  async forwardArgmax(tokens: ArrayLike<number>): Promise<number> {
    this.check(tokens);
    return this.run(await this.prefillHead(tokens), 'argmax');
  }

  /** Runs every prompt chunk but the last without output and returns the last (1..CHUNK tokens). */
  private async prefillHead(tokens: ArrayLike<number>): Promise<number[]> {
    const ids = Array.from(tokens);
    let start = 0;
    for (; start + CHUNK < ids.length; start += CHUNK) await this.run(ids.slice(start, start + CHUNK), 'none');
    return ids.slice(start);
  }

  private check(tokens: ArrayLike<number>): void {
    this.ctx.assertAlive();
    if (tokens.length === 0) throw new RangeError('forward needs at least one token');
    if (this.position + tokens.length > this.contextSize) throw new ContextFullError(this.position + tokens.length, this.contextSize);
    for (let i = 0; i < tokens.length; i++) {
      if (!(Number.isInteger(tokens[i]) && tokens[i] >= 0 && tokens[i] < this.config.vocabSize)) throw new RangeError(`token id ${tokens[i]} is outside the vocabulary (0..${this.config.vocabSize - 1})`);
    }
  }

  /**
   * The dispatches of one call of T tokens, in order, each handed to `sink` with its workgroups:
   * the normal path encodes them all into one compute pass, a profile into one pass each.
   */
  private encodeStep(T: number, want: Want, sink: (op: BoundKernel, workgroups: Workgroups) => void): void {
    const o = this.ops;
    const go = (k: SizedKernel) => sink(k, k.workgroups(T));
    const mm = (lin: Linear) => go(T === 1 ? lin.gemv : lin.gemm);
    o.embed.forEach(go);
    for (const L of o.layers) {
      // attention block: q, k and v share one quantized input
      sink(L.attnNorm, T);
      go(o.quantDim);
      mm(L.linear.attn_q);
      mm(L.linear.attn_k);
      mm(L.linear.attn_v);
      go(o.ropeQ);
      go(o.ropeK);
      go(L.kvStore);
      if (T === 1) sink(L.attnDecode, 1);
      else go(L.attnPrefill);
      sink(L.attnSubNorm, T);
      go(o.quantQ);
      mm(L.linear.attn_output);
      go(o.residualAttn);
      // feed-forward block: gate and up share one quantized input
      sink(L.ffnNorm, T);
      go(o.quantDim);
      mm(L.linear.ffn_gate);
      mm(L.linear.ffn_up);
      go(o.gatedAct);
      sink(L.ffnSubNorm, T);
      go(o.quantFfn);
      mm(L.linear.ffn_down);
      go(o.residualFfn);
    }
    if (want !== 'none') {
      sink(o.outputNorm, T);
      o.lmHead.forEach(go);
      if (want === 'argmax') go(o.argmax);
      if (want === 'sample') sink({ encode: (pass) => o.sample.encode(pass) }, 1);
    }
  }

  /** One call: T <= CHUNK tokens through every layer in one submission (spec §1.2). */
  private run(tokens: number[], want: 'logits'): Promise<Float32Array>;
  private run(tokens: number[], want: 'argmax'): Promise<number>;
  private run(tokens: number[], want: 'none'): Promise<void>;
  private async run(tokens: number[], want: 'logits' | 'argmax' | 'none'): Promise<Float32Array | number | void> {
    if (want === 'argmax') return this.submit(tokens, want, 0);
    const done = this.submit(tokens, want, 0);
    if (want === 'none') return done.then(() => undefined);
    await done;
    return this.readLogits();
  }

  /**
   * Encodes and submits one call and advances the position; `tokens` null means one token that
   * the previous call's sampler left in the tokens buffer. For argmax/sample the promise is the
   * drawn id, read through token read-back `slot`; otherwise it settles once the profile is kept.
   */
  private submit(tokens: number[] | null, want: Want, slot: 0 | 1): Promise<number> {
    const { device } = this.ctx;
    const T = tokens?.length ?? 1;
    const pos = this.position;
    device.queue.writeBuffer(this.b.step, 0, new Uint32Array([pos, T, pos + T, 0]));
    if (tokens) device.queue.writeBuffer(this.b.tokens, 0, new Uint32Array(tokens));
    const enc = device.createCommandEncoder({ label: `forward ${pos}+${T}` });
    const recording = this.profiler?.record(enc, pos, T, want);
    if (recording) {
      this.encodeStep(T, want, recording.sink);
      recording.finish();
    } else {
      const pass = enc.beginComputePass();
      this.encodeStep(T, want, (op, workgroups) => op.encode(pass, workgroups));
      pass.end();
    }
    if (want === 'logits') enc.copyBufferToBuffer(this.b.logits, 0, this.b.logitsRead, 0, this.b.logitsRead.size);
    const read = this.b.tokenRead[slot];
    if (want === 'argmax' || want === 'sample') enc.copyBufferToBuffer(this.b.tokens, 0, read, 0, 4);
    device.queue.submit([enc.finish()]);
    this.position += T;
    const profiled = recording ? recording.collect().then((p) => this.keep(p)) : Promise.resolve();
    if (want !== 'argmax' && want !== 'sample') return profiled.then(() => -1);
    return profiled.then(() => this.mapped(read, (range) => new Uint32Array(range)[0]));
  }

  private readLogits(): Promise<Float32Array> {
    return this.mapped(this.b.logitsRead, (range) => new Float32Array(range.slice(0)));
  }

  /** Maps a read-back buffer, extracts a value, unmaps; a failure on a lost device says so. */
  private async mapped<T>(buffer: GPUBuffer, extract: (range: ArrayBuffer) => T): Promise<T> {
    try {
      await buffer.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.ctx.assertAlive();
      throw new GpuError('internal', `reading results back failed: ${(e as Error).message}`);
    }
    const value = extract(buffer.getMappedRange());
    buffer.unmap();
    return value;
  }

  /**
   * Generation on the device: each step draws its token on the GPU (argmax when greedy, else the
   * GPU sampler) and leaves it where the next step's embedding reads it, and step i+1 is queued
   * before step i's token is read back, so the GPU does not wait for the CPU between tokens.
   * Yields the ids; a consumer that stops early (return) rolls back the step queued ahead.
   * Like the CPU loop, the last yielded token is not fed to the model.
   */
  async *decodeOnDevice(prompt: readonly number[], params: Partial<SamplingParams>, maxTokens: number): AsyncGenerator<number, void, undefined> {
    this.check(prompt);
    const greedy = (params.temperature ?? 1) <= 0 && !params.repetitionPenalty && !params.frequencyPenalty && !params.presencePenalty;
    const want: Want = greedy ? 'argmax' : 'sample';
    if (!greedy) {
      this.ops.sample.setParams(params);
      this.ops.sample.writeHistory(prompt, this.position);
    }
    if (maxTokens <= 0) return;
    let pending: Promise<number> | undefined = this.submit(await this.prefillHead(prompt), want, 0);
    let queued = false;
    try {
      for (let i = 0; pending; i++) {
        const ahead = i + 1 < maxTokens && this.position < this.contextSize;
        const next = ahead ? this.submit(null, want, ((i + 1) % 2) as 0 | 1) : undefined;
        queued = ahead;
        const id = await pending;
        pending = next;
        yield id;
        queued = false;
      }
    } finally {
      if (queued && pending) {
        // The consumer stopped: the step queued ahead consumed the last yielded token; undo it.
        await pending.catch(() => undefined);
        this.position -= 1;
      }
    }
  }

  /**
   * Turns per-kernel profiling of the following calls on or off. While on, each call encodes its
   * dispatches into one compute pass each, timestamped where the device has timestamp-query, and
   * waits for the timestamps; the logits are the same as with profiling off.
   */
  setProfiling(on: boolean): void {
    if (on) this.profiler ??= new StepProfiler(this.ctx, this.costs);
    else {
      this.profiler?.dispose();
      this.profiler = undefined;
    }
  }

  get profiling(): boolean {
    return this.profiler !== undefined;
  }

  /** The profile of the last call made with profiling on, if any. */
  lastProfile(): StepProfile | undefined {
    return this.profiles.at(-1);
  }

  /** The profiles of the calls since the last takeProfiles() (a forward() may make several calls), oldest first. */
  takeProfiles(): StepProfile[] {
    const out = this.profiles;
    this.profiles = [];
    return out;
  }

  /** The device the engine runs on (adapter info, features), e.g. for a bandwidth probe beside it. */
  get gpu(): GpuContext {
    return this.ctx;
  }

  private keep(p: StepProfile): void {
    this.profiles.push(p);
    if (this.profiles.length > MAX_PROFILES) this.profiles.splice(0, this.profiles.length - MAX_PROFILES);
  }

  truncate(position: number): void {
    if (position < 0 || position > this.position) throw new RangeError(`cannot truncate to ${position}: the cache holds ${this.position} tokens`);
    this.position = position;
  }

  memory(): MemoryStats {
    return { ...this.stats };
  }

  dispose(): void {
    this.setProfiling(false);
    for (const b of this.owned) b.destroy();
  }
}
