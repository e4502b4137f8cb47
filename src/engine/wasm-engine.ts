// The fast CPU engine: the forward pass of spec §1.2 with every matmul in WASM SIMD kernels over
// weights repacked once into the compute layout (layout.ts). Prompts run as matrix-matrix work in
// chunks of tokens; the float steps between matmuls are the math.ts definitions, so the logits
// equal the reference engine's bit for bit.
import type { ModelConfig } from '../model/config.ts';
import { dequantRow } from '../model/float-codecs.ts';
import type { ModelFile } from '../model/model-file.ts';
import type { TensorType } from '../model/tensor-types.ts';
import { LAYER_TERNARY, modelSlots, type TernaryName } from '../model/tensors.ts';
import { ContextFullError, type Engine, type MemoryStats } from './engine.ts';
import { paddedCols, rowBytes } from './layout.ts';
import { loadPacked } from './repack.ts';
import { attendHead, f32, gatedActivation, rmsNorm, ropeAngles, ropeNeox } from './math.ts';
import type { WasmKernels } from './wasm/kernels.ts';

/** Tokens per prefill chunk: enough to amortize weight reads, small enough for the cache. */
const CHUNK = 64;

interface Matrix {
  ptr: number; // packed codes, rows * rowBytes(cols)
  rows: number;
  cols: number;
  scale: number;
}

interface Layer {
  attnNorm: Float32Array;
  attnSubNorm: Float32Array;
  ffnNorm: Float32Array;
  ffnSubNorm: Float32Array;
  m: Record<TernaryName, Matrix>;
}

/** Scratch for one chunk of T tokens; each field is [T][width] row-major in WASM memory. */
interface Scratch {
  x: Float32Array; // residual stream, [T][dim]
  xn: Float32Array; // normed input of a matmul, [T][max(dim, qDim, ffnDim)]
  q8: number; // int8 activations, [T][kpMax]
  scales: number; // f32[T]
  sums: number; // i32[T]
  q: Float32Array; // [T][qDim]
  k: Float32Array; // [T][kvDim]
  v: Float32Array; // [T][kvDim]
  att: Float32Array; // [T][qDim]
  out: Float32Array; // [T][dim]
  gate: Float32Array; // [T][ffnDim]
  up: Float32Array; // [T][ffnDim]
  logits: Float32Array; // [vocab]
}

export class WasmEngine implements Engine {
  readonly backend = 'wasm';
  position = 0;
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];
  private readonly s: Scratch;
  private readonly ptr: Record<keyof Scratch, number>;
  private readonly scores: Float64Array;

  private constructor(
    readonly config: ModelConfig,
    private readonly k: WasmKernels,
    private readonly layers: Layer[],
    private readonly embedding: { ptr: number; type: TensorType; bytes: number },
    private readonly head: { ptr: number; type: TensorType; bytes: number },
    private readonly outputNorm: Float32Array,
    readonly contextSize: number,
    private readonly weightBytes: number,
  ) {
    const c = config;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const widest = Math.max(c.dim, qDim, c.ffnDim);
    const floats = { x: c.dim, xn: widest, q: qDim, k: kvDim, v: kvDim, att: qDim, out: c.dim, gate: c.ffnDim, up: c.ffnDim };
    const ptr = {} as Record<keyof Scratch, number>;
    for (const [name, width] of Object.entries(floats)) ptr[name as keyof Scratch] = k.alloc(4 * CHUNK * width);
    ptr.q8 = k.alloc(CHUNK * paddedCols(widest));
    ptr.scales = k.alloc(4 * CHUNK);
    ptr.sums = k.alloc(4 * CHUNK);
    ptr.logits = k.alloc(4 * c.vocabSize);
    this.ptr = ptr;
    // Views are made after the last allocation: growing the memory would detach them.
    const view = (name: keyof typeof floats) => k.f32(ptr[name], CHUNK * floats[name]);
    this.s = {
      x: view('x'), xn: view('xn'), q: view('q'), k: view('k'), v: view('v'), att: view('att'), out: view('out'), gate: view('gate'), up: view('up'),
      q8: ptr.q8, scales: ptr.scales, sums: ptr.sums, logits: k.f32(ptr.logits, c.vocabSize),
    };
    this.keys = layers.map(() => new Float32Array(contextSize * kvDim));
    this.values = layers.map(() => new Float32Array(contextSize * kvDim));
    this.scores = new Float64Array(contextSize);
  }

  /** Repacks every ternary matrix into WASM memory, one tensor at a time, and copies the embedding in. */
  static async load(model: ModelFile, kernels: WasmKernels, contextSize = model.config.contextLength): Promise<WasmEngine> {
    const c = model.config;
    let weightBytes = 0;
    const slots = new Map(modelSlots(c).map((s) => [s.name, s]));
    const layers: Layer[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const b = `blk.${l}.`;
      const m = {} as Record<TernaryName, Matrix>;
      for (const name of LAYER_TERNARY) {
        const slot = slots.get(b + name)!;
        const bytes = slot.rows * rowBytes(slot.cols);
        const ptr = kernels.alloc(bytes);
        const scale = await loadPacked(model, b + name, kernels.u8(ptr, bytes));
        m[name] = { ptr, rows: slot.rows, cols: slot.cols, scale };
        weightBytes += bytes;
      }
      layers.push({
        attnNorm: await model.readVector(b + 'attn_norm'),
        attnSubNorm: await model.readVector(b + 'attn_sub_norm'),
        ffnNorm: await model.readVector(b + 'ffn_norm'),
        ffnSubNorm: await model.readVector(b + 'ffn_sub_norm'),
        m,
      });
    }
    const loadMatrix = async (name: string) => {
      const info = model.matrixInfo(name);
      const ptr = kernels.alloc(info.bytes);
      await model.readMatrix(name, kernels.u8(ptr, info.bytes));
      weightBytes += info.bytes;
      return { ptr, type: info.type, bytes: info.bytes };
    };
    const embedding = await loadMatrix('token_embd');
    const head = model.lmHead === 'token_embd' ? embedding : await loadMatrix('output');
    const ctx = Math.min(contextSize, c.contextLength);
    return new WasmEngine(c, kernels, layers, embedding, head, await model.readVector('output_norm'), ctx, weightBytes);
  }

  forward(tokens: ArrayLike<number>, opts?: { allLogits?: false }): Promise<Float32Array>;
  forward(tokens: ArrayLike<number>, opts: { allLogits: true }): Promise<Float32Array[]>;
  async forward(tokens: ArrayLike<number>, opts?: { allLogits?: boolean }): Promise<Float32Array | Float32Array[]> {
    if (tokens.length === 0) throw new RangeError('forward needs at least one token');
    if (this.position + tokens.length > this.contextSize) throw new ContextFullError(this.position + tokens.length, this.contextSize);
    for (let i = 0; i < tokens.length; i++) {
      if (!(tokens[i] >= 0 && tokens[i] < this.config.vocabSize)) throw new RangeError(`token id ${tokens[i]} is outside the vocabulary (0..${this.config.vocabSize - 1})`);
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

  /** Runs T tokens (positions position..position+T-1) through every layer (spec §1.2). */
  private chunk(tokens: number[]): void {
    const c = this.config;
    const s = this.s;
    const T = tokens.length;
    const pos0 = this.position;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    const group = c.nHeads / c.nKvHeads;
    const row = (a: Float32Array, t: number, width: number) => a.subarray(t * width, (t + 1) * width);
    const angles = tokens.map((_, t) => ropeAngles(pos0 + t, c.headDim, c.ropeTheta));

    const emb = this.k.u8(this.embedding.ptr, this.embedding.bytes);
    for (let t = 0; t < T; t++) dequantRow(this.embedding.type, emb, tokens[t], c.dim, row(s.x, t, c.dim));

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      // attention block: q, k and v share one quantized input
      for (let t = 0; t < T; t++) rmsNorm(row(s.x, t, c.dim), L.attnNorm, c.rmsEps, row(s.xn, t, c.dim));
      this.quantize(T, c.dim);
      this.matmul(L.m.attn_q, T, this.ptr.q);
      this.matmul(L.m.attn_k, T, this.ptr.k);
      this.matmul(L.m.attn_v, T, this.ptr.v);
      for (let t = 0; t < T; t++) {
        const { cos, sin } = angles[t];
        for (let h = 0; h < c.nHeads; h++) ropeNeox(s.q.subarray(t * qDim + h * c.headDim, t * qDim + (h + 1) * c.headDim), cos, sin);
        for (let h = 0; h < c.nKvHeads; h++) ropeNeox(s.k.subarray(t * kvDim + h * c.headDim, t * kvDim + (h + 1) * c.headDim), cos, sin);
      }
      this.keys[l].set(s.k.subarray(0, T * kvDim), pos0 * kvDim);
      this.values[l].set(s.v.subarray(0, T * kvDim), pos0 * kvDim);
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < c.nHeads; h++) {
          const kvOff = Math.floor(h / group) * c.headDim;
          attendHead(s.q, t * qDim + h * c.headDim, this.keys[l], this.values[l], kvDim, kvOff, pos0 + t + 1, c.headDim, s.att, t * qDim + h * c.headDim, this.scores);
        }
        rmsNorm(row(s.att, t, qDim), L.attnSubNorm, c.rmsEps, row(s.xn, t, qDim));
      }
      this.quantize(T, qDim);
      this.matmul(L.m.attn_output, T, this.ptr.out);
      addRows(s.x, s.out, T * c.dim);

      // feed-forward block: gate and up share one quantized input
      for (let t = 0; t < T; t++) rmsNorm(row(s.x, t, c.dim), L.ffnNorm, c.rmsEps, row(s.xn, t, c.dim));
      this.quantize(T, c.dim);
      this.matmul(L.m.ffn_gate, T, this.ptr.gate);
      this.matmul(L.m.ffn_up, T, this.ptr.up);
      for (let t = 0; t < T; t++) {
        gatedActivation(row(s.gate, t, c.ffnDim), row(s.up, t, c.ffnDim), c.activation);
        rmsNorm(row(s.gate, t, c.ffnDim), L.ffnSubNorm, c.rmsEps, row(s.xn, t, c.ffnDim));
      }
      this.quantize(T, c.ffnDim);
      this.matmul(L.m.ffn_down, T, this.ptr.out);
      addRows(s.x, s.out, T * c.dim);
    }
    this.position += T;
  }

  /** Per-token int8 quantization of the first T rows of `xn` (row width `cols`). */
  private quantize(T: number, cols: number): void {
    this.k.quantizeRows(this.ptr.xn, cols, this.s.q8, this.s.scales, this.s.sums, 0, T);
  }

  private matmul(m: Matrix, T: number, outPtr: number): void {
    this.k.ternaryMatmul(m.ptr, m.rows, m.cols, m.scale, this.s.q8, this.s.scales, this.s.sums, T, outPtr, 0, m.rows);
  }

  /** Final norm and LM head for token row t of the last chunk. */
  private logits(t: number): Float32Array {
    const c = this.config;
    const hn = this.s.xn.subarray(0, c.dim);
    rmsNorm(this.s.x.subarray(t * c.dim, (t + 1) * c.dim), this.outputNorm, c.rmsEps, hn);
    this.k.lmHead(this.head.type, this.head.ptr, c.vocabSize, c.dim, this.ptr.xn, this.ptr.logits, 0, c.vocabSize);
    return this.s.logits.slice();
  }

  truncate(position: number): void {
    if (position < 0 || position > this.position) throw new RangeError(`cannot truncate to ${position}: the cache holds ${this.position} tokens`);
    this.position = position;
  }

  memory(): MemoryStats {
    return { weightBytes: this.weightBytes, kvCacheBytes: 2 * this.keys.reduce((a, k) => a + k.byteLength, 0), wasmHeapBytes: this.k.memoryBytes };
  }

  dispose(): void {}
}

function addRows(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] = f32(x[i] + y[i]);
}
