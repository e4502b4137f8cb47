// The oracle: the whole forward pass of spec §1.2 in plain TypeScript loops over decoded weights,
// one token at a time, using the definitions in math.ts. Slow and obvious on purpose; every fast
// backend must give the same logits.
import type { ModelConfig } from '../model/config.ts';
import { dequantRow } from '../model/float-codecs.ts';
import type { MatrixBytes, ModelFile, TernaryTensor } from '../model/model-file.ts';
import { LAYER_TERNARY } from '../model/tensors.ts';
import { ContextFullError, type Engine, type MemoryStats } from './engine.ts';
import { attendHead, bitLinear, dotLanes8, f32, gatedActivation, quantizeActivations, rmsNorm, ropeAngles, ropeNeox } from './math.ts';

interface LayerWeights {
  attnNorm: Float32Array; // [dim]
  attnSubNorm: Float32Array; // [nHeads * headDim]
  ffnNorm: Float32Array; // [dim]
  ffnSubNorm: Float32Array; // [ffnDim]
  t: Record<(typeof LAYER_TERNARY)[number], TernaryTensor>;
}

export class ReferenceEngine implements Engine {
  readonly backend = 'reference';
  position = 0;
  private readonly keys: Float32Array[]; // per layer [contextSize][kvDim]
  private readonly values: Float32Array[];

  private constructor(
    readonly config: ModelConfig,
    private readonly layers: LayerWeights[],
    private readonly embedding: MatrixBytes, // [vocab][dim]
    private readonly head: MatrixBytes, // [vocab][dim], often the same as the embedding
    private readonly outputNorm: Float32Array,
    readonly contextSize: number,
  ) {
    const kvDim = config.nKvHeads * config.headDim;
    this.keys = layers.map(() => new Float32Array(contextSize * kvDim));
    this.values = layers.map(() => new Float32Array(contextSize * kvDim));
  }

  static async load(model: ModelFile, contextSize = model.config.contextLength): Promise<ReferenceEngine> {
    const c = model.config;
    const layers: LayerWeights[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const b = `blk.${l}.`;
      const t = {} as LayerWeights['t'];
      for (const name of LAYER_TERNARY) t[name] = await model.readTernary(b + name);
      layers.push({
        attnNorm: await model.readVector(b + 'attn_norm'),
        attnSubNorm: await model.readVector(b + 'attn_sub_norm'),
        ffnNorm: await model.readVector(b + 'ffn_norm'),
        ffnSubNorm: await model.readVector(b + 'ffn_sub_norm'),
        t,
      });
    }
    const embedding = await model.readMatrix('token_embd');
    const head = model.lmHead === 'token_embd' ? embedding : await model.readMatrix('output');
    return new ReferenceEngine(c, layers, embedding, head, await model.readVector('output_norm'), Math.min(contextSize, c.contextLength));
  }

  forward(tokens: ArrayLike<number>, opts?: { allLogits?: false }): Promise<Float32Array>;
  forward(tokens: ArrayLike<number>, opts: { allLogits: true }): Promise<Float32Array[]>;
  async forward(tokens: ArrayLike<number>, opts?: { allLogits?: boolean }): Promise<Float32Array | Float32Array[]> {
    if (this.position + tokens.length > this.contextSize) throw new ContextFullError(this.position + tokens.length, this.contextSize);
    const all: Float32Array[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const logits = this.step(tokens[i], i === tokens.length - 1 || !!opts?.allLogits);
      if (logits) all.push(logits);
    }
    return opts?.allLogits ? all : all[all.length - 1];
  }

  /** One token through every layer (spec §1.2); logits only when asked. */
  private step(token: number, wantLogits: boolean): Float32Array | undefined {
    const c = this.config;
    const pos = this.position;
    const qDim = c.nHeads * c.headDim;
    const kvDim = c.nKvHeads * c.headDim;
    if (!(token >= 0 && token < c.vocabSize)) throw new RangeError(`token id ${token} is outside the vocabulary (0..${c.vocabSize - 1})`);

    const h = new Float32Array(c.dim);
    dequantRow(this.embedding.type, this.embedding.bytes, token, c.dim, h);
    const { cos, sin } = ropeAngles(pos, c.headDim, c.ropeTheta);
    const scores = new Float64Array(pos + 1);

    for (let l = 0; l < c.nLayers; l++) {
      const L = this.layers[l];
      // attention block
      const a = new Float32Array(c.dim);
      rmsNorm(h, L.attnNorm, c.rmsEps, a);
      const q = this.linear(L.t.attn_q, a);
      const k = this.linear(L.t.attn_k, a);
      const v = this.linear(L.t.attn_v, a);
      for (let hd = 0; hd < c.nHeads; hd++) ropeNeox(q.subarray(hd * c.headDim, (hd + 1) * c.headDim), cos, sin);
      for (let hd = 0; hd < c.nKvHeads; hd++) ropeNeox(k.subarray(hd * c.headDim, (hd + 1) * c.headDim), cos, sin);
      this.keys[l].set(k, pos * kvDim);
      this.values[l].set(v, pos * kvDim);
      const o = new Float32Array(qDim);
      const group = c.nHeads / c.nKvHeads; // GQA: query head hq reads KV head floor(hq / group)
      for (let hq = 0; hq < c.nHeads; hq++) {
        const kvOff = Math.floor(hq / group) * c.headDim;
        attendHead(q, hq * c.headDim, this.keys[l], this.values[l], kvDim, kvOff, pos + 1, c.headDim, o, hq * c.headDim, scores);
      }
      const on = new Float32Array(qDim);
      rmsNorm(o, L.attnSubNorm, c.rmsEps, on); // sub-norm before o_proj
      addInto(h, this.linear(L.t.attn_output, on));

      // feed-forward block
      const f = new Float32Array(c.dim);
      rmsNorm(h, L.ffnNorm, c.rmsEps, f);
      const gate = this.linear(L.t.ffn_gate, f);
      const up = this.linear(L.t.ffn_up, f);
      gatedActivation(gate, up, c.activation);
      const m = new Float32Array(c.ffnDim);
      rmsNorm(gate, L.ffnSubNorm, c.rmsEps, m); // sub-norm before down_proj
      addInto(h, this.linear(L.t.ffn_down, m));
    }
    this.position++;
    if (!wantLogits) return undefined;

    const hn = new Float32Array(c.dim);
    rmsNorm(h, this.outputNorm, c.rmsEps, hn);
    const logits = new Float32Array(c.vocabSize);
    const row = new Float32Array(c.dim);
    for (let v = 0; v < c.vocabSize; v++) {
      dequantRow(this.head.type, this.head.bytes, v, c.dim, row);
      logits[v] = dotLanes8(row, hn);
    }
    return logits;
  }

  /** BitLinear: per-token int8 quantization, exact ternary dot, rescale (spec §2.2). */
  private linear(t: TernaryTensor, x: Float32Array): Float32Array {
    const q = new Int8Array(t.cols);
    const { scale } = quantizeActivations(x, q);
    const y = new Float32Array(t.rows);
    bitLinear(t.w, t.rows, t.cols, t.scale, q, scale, y);
    return y;
  }

  truncate(position: number): void {
    if (position < 0 || position > this.position) throw new RangeError(`cannot truncate to ${position}: the cache holds ${this.position} tokens`);
    this.position = position;
  }

  memory(): MemoryStats {
    const ternary = this.layers.reduce((a, L) => a + Object.values(L.t).reduce((b, t) => b + t.w.length, 0), 0);
    const head = this.head === this.embedding ? 0 : this.head.bytes.length;
    return {
      weightBytes: ternary + this.embedding.bytes.length + head,
      kvCacheBytes: 2 * this.keys.reduce((a, k) => a + k.byteLength, 0),
    };
  }

  dispose(): void {}
}

function addInto(h: Float32Array, y: Float32Array): void {
  for (let i = 0; i < h.length; i++) h[i] = f32(h[i] + y[i]);
}
