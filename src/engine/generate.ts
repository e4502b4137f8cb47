// The decode loop: prefill the prompt, then draw and feed one token at a time until a stop token,
// the token budget, the context end or an abort. Streams text as it becomes valid UTF-8. Tokens
// come from the CPU sampler, or, where the engine can (WebGPU), are drawn on the device.
import { StreamDecoder, type BitnetTokenizer } from '../model/tokenizer.ts';
import type { Engine } from './engine.ts';
import type { Sampler, SamplingParams } from './sampler.ts';

export type StopReason = 'stop-token' | 'max-tokens' | 'context-full' | 'aborted';

export interface GenerateOptions {
  maxTokens: number;
  sampler: Sampler;
  /** Ids that end generation (not included in the output). */
  stopIds: ReadonlySet<number>;
  /** Called with each new token id and the text it completes (may be ''). */
  onToken?: (id: number, text: string) => void;
  signal?: AbortSignal;
  /**
   * Awaited after each token, before the abort check. A worker whose forward pass is synchronous
   * (WASM) yields to its event loop here so that a stop message can arrive and abort.
   */
  betweenTokens?: () => void | Promise<void>;
  /**
   * Tokens already in the KV cache before `prompt` (a chat's earlier turns), which the CPU
   * sampler's penalties see as history (the device sampler reads its own history ring).
   */
  history?: readonly number[];
  /** Draw tokens on the device when the engine can (same parameters and seed as `sampler`). */
  onDevice?: boolean;
  /** Leave special (control) tokens out of the text, as a chat shows it. */
  skipSpecial?: boolean;
}

export interface GenerateResult {
  ids: number[];
  text: string;
  stopReason: StopReason;
  promptTokens: number;
  /** Time to the first generated token (the prompt's forward pass and one draw). */
  prefillMs: number;
  /** Time of every generated token after the first. */
  decodeMs: number;
  decodeSteps: number;
  prefillTokPerS: number;
  decodeTokPerS: number;
}

/** An engine that can draw tokens itself (WebGpuEngine). */
interface DeviceDecoder {
  decodeOnDevice(prompt: readonly number[], params: Partial<SamplingParams>, maxTokens: number): AsyncGenerator<number, void, undefined>;
}

const now = () => performance.now();

/** Token ids drawn on the CPU: the last one is not fed to the model (nothing reads its output). */
async function* cpuTokens(engine: Engine, prompt: readonly number[], sampler: Sampler, maxTokens: number, before: readonly number[] = []): AsyncGenerator<number, void, undefined> {
  const history = [...before, ...prompt];
  let logits = await engine.forward(prompt);
  for (let i = 0; i < maxTokens; i++) {
    const id = sampler.sample(logits, history);
    history.push(id);
    yield id;
    if (i + 1 === maxTokens || engine.position >= engine.contextSize) return;
    logits = await engine.forward([id]);
  }
}

export async function generate(engine: Engine, tokenizer: BitnetTokenizer, prompt: readonly number[], o: GenerateOptions): Promise<GenerateResult> {
  if (prompt.length === 0) throw new Error('the prompt is empty: give at least one token (e.g. BOS)');
  const device = o.onDevice && 'decodeOnDevice' in engine ? (engine as Engine & DeviceDecoder) : undefined;
  const tokens = device ? device.decodeOnDevice(prompt, { ...o.sampler.params, seed: o.sampler.seed }, o.maxTokens) : cpuTokens(engine, prompt, o.sampler, o.maxTokens, o.history);
  const ids: number[] = [];
  const stream = new StreamDecoder(tokenizer, { skipSpecial: o.skipSpecial });
  let text = '';
  let stopReason: StopReason = o.maxTokens > 0 ? 'context-full' : 'max-tokens';
  const t0 = now();
  let tFirst = t0;
  for await (const id of tokens) {
    if (ids.length === 0) tFirst = now();
    if (o.stopIds.has(id)) {
      stopReason = 'stop-token';
      break;
    }
    ids.push(id);
    const piece = stream.push(id);
    text += piece;
    o.onToken?.(id, piece);
    if (ids.length === o.maxTokens) {
      stopReason = 'max-tokens';
      break;
    }
    if (o.betweenTokens) await o.betweenTokens();
    if (o.signal?.aborted) {
      stopReason = 'aborted';
      break;
    }
  }
  const tEnd = now();
  const tail = stream.flush();
  if (tail) {
    text += tail;
    o.onToken?.(-1, tail);
  }
  const prefillMs = tFirst - t0;
  const decodeMs = tEnd - tFirst;
  const decodeSteps = Math.max(0, ids.length - 1);
  return {
    ids, text, stopReason, promptTokens: prompt.length, prefillMs, decodeMs, decodeSteps,
    prefillTokPerS: prompt.length / (prefillMs / 1000),
    decodeTokPerS: decodeSteps > 0 ? decodeSteps / (decodeMs / 1000) : 0,
  };
}
