// The decode loop: prefill the prompt, then sample and feed one token at a time until a stop
// token, the token budget, the context end or an abort. Streams text as it becomes valid UTF-8.
import { StreamDecoder, type BitnetTokenizer } from '../model/tokenizer.ts';
import type { Engine } from './engine.ts';
import type { Sampler } from './sampler.ts';

export type StopReason = 'stop-token' | 'max-tokens' | 'context-full' | 'aborted';

export interface GenerateOptions {
  maxTokens: number;
  sampler: Sampler;
  /** Ids that end generation (not included in the output). */
  stopIds: ReadonlySet<number>;
  /** Called with each new token id and the text it completes (may be ''). */
  onToken?: (id: number, text: string) => void;
  signal?: AbortSignal;
}

export interface GenerateResult {
  ids: number[];
  text: string;
  stopReason: StopReason;
  promptTokens: number;
  prefillMs: number;
  /** Time of the decode forward passes (every generated token after the first). */
  decodeMs: number;
  decodeSteps: number;
  prefillTokPerS: number;
  decodeTokPerS: number;
}

const now = () => performance.now();

export async function generate(engine: Engine, tokenizer: BitnetTokenizer, prompt: readonly number[], o: GenerateOptions): Promise<GenerateResult> {
  if (prompt.length === 0) throw new Error('the prompt is empty: give at least one token (e.g. BOS)');
  const history = [...prompt];
  const ids: number[] = [];
  const stream = new StreamDecoder(tokenizer);
  let text = '';
  let t0 = now();
  let logits = await engine.forward(prompt);
  const prefillMs = now() - t0;
  let decodeMs = 0;
  let decodeSteps = 0;
  let stopReason: StopReason = 'max-tokens';
  while (ids.length < o.maxTokens) {
    if (o.signal?.aborted) {
      stopReason = 'aborted';
      break;
    }
    const id = o.sampler.sample(logits, history);
    if (o.stopIds.has(id)) {
      stopReason = 'stop-token';
      break;
    }
    ids.push(id);
    history.push(id);
    const piece = stream.push(id);
    text += piece;
    o.onToken?.(id, piece);
    if (ids.length === o.maxTokens) break;
    if (engine.position >= engine.contextSize) {
      stopReason = 'context-full';
      break;
    }
    t0 = now();
    logits = await engine.forward([id]);
    decodeMs += now() - t0;
    decodeSteps++;
  }
  const tail = stream.flush();
  if (tail) {
    text += tail;
    o.onToken?.(-1, tail);
  }
  return {
    ids,
    text,
    stopReason,
    promptTokens: prompt.length,
    prefillMs,
    decodeMs,
    decodeSteps,
    prefillTokPerS: prompt.length / (prefillMs / 1000),
    decodeTokPerS: decodeSteps > 0 ? decodeSteps / (decodeMs / 1000) : 0,
  };
}
