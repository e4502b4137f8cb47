// One conversation over an engine: each request's messages become prompt ids, the KV cache keeps
// the longest prefix it shares with the tokens already in it (so a new turn prefills only its new
// tokens, and a regenerate or an edit rolls back to the branch point), the oldest exchanges are
// dropped when the prompt would not leave room for the reply, and the reply is generated.
import type { Engine } from '../engine/engine.ts';
import { generate } from '../engine/generate.ts';
import { DEFAULT_SAMPLING, Sampler, type SamplingParams } from '../engine/sampler.ts';
import type { ChatMessage } from '../model/chat-format.ts';
import type { BitnetTokenizer } from '../model/tokenizer.ts';
import { ChatError, PromptBuilder, replyReserve } from './prompt.ts';
import type { ChatRequest, ChatResult } from './protocol.ts';

export interface TokenProgress {
  generated: number;
  /** Since the request started (prompt included). */
  elapsedMs: number;
  /** Over the tokens after the first; 0 until there are two. */
  decodeTokPerS: number;
}

export interface ChatOptions {
  /** Each piece of reply text as it becomes valid UTF-8. */
  onToken?: (text: string, progress: TokenProgress) => void;
  signal?: AbortSignal;
  /** See GenerateOptions.betweenTokens: the worker lets its stop message in here. */
  betweenTokens?: () => void | Promise<void>;
}

export class ChatSession {
  /** The token ids in the engine's KV cache, in order (its length is engine.position). */
  private cached: number[] = [];
  /** The ids generated for each reply of the current conversation, by trimmed text. */
  private replies = new Map<string, readonly number[]>();
  private readonly prompts: PromptBuilder;
  private readonly stopIds: ReadonlySet<number>;

  constructor(
    readonly engine: Engine,
    readonly tokenizer: BitnetTokenizer,
    /** Draw tokens on the device where the engine can (WebGPU). */
    private readonly onDevice = false,
  ) {
    this.prompts = new PromptBuilder(tokenizer, (text) => this.replies.get(text));
    this.stopIds = new Set(tokenizer.eosIds);
  }

  /** The engine's cache was used for something else (a benchmark): none of it can be reused. */
  forget(): void {
    this.cached = [];
  }

  /** Prompt tokens `messages` would take after dropping (what a context meter shows). */
  count(messages: readonly ChatMessage[], maxTokens?: number): { tokens: number; droppedMessages: number } {
    const p = this.prompts.fit(messages, this.engine.contextSize, replyReserve(this.engine.contextSize, maxTokens));
    return { tokens: p.ids.length, droppedMessages: p.dropped };
  }

  /** The prompt ids of a request, as chat() would feed them (errors as chat() does). */
  prompt(messages: readonly ChatMessage[], maxTokens: number): { ids: number[]; dropped: number } {
    const ctx = this.engine.contextSize;
    const reserve = replyReserve(ctx, maxTokens);
    const p = this.prompts.fit(messages, ctx, reserve);
    if (!p.fits) {
      const after = p.dropped ? ` with the ${p.dropped} oldest messages left out` : '';
      throw new ChatError('context', `the message is too long: the prompt takes ${p.ids.length} tokens${after}, and with ${reserve} kept for the reply it does not fit the context of ${ctx} tokens`);
    }
    return { ids: p.ids, dropped: p.dropped };
  }

  async chat(request: ChatRequest, o: ChatOptions = {}): Promise<ChatResult> {
    const { maxTokens } = request;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new ChatError('bad-request', `maxTokens = ${maxTokens}, expected an integer >= 1`);
    const sampler = samplerFor(request.sampling);
    const { ids: prompt, dropped } = this.prompt(request.messages, maxTokens);

    // Reuse the cached prefix, but feed at least one token: its logits start the reply.
    let reused = 0;
    while (reused < this.cached.length && reused < prompt.length - 1 && this.cached[reused] === prompt[reused]) reused++;
    const engine = this.engine;
    engine.truncate(reused);
    this.cached.length = reused;

    const t0 = performance.now();
    let generated = 0;
    let tFirst = 0;
    let result;
    try {
      result = await generate(engine, this.tokenizer, prompt.slice(reused), {
        maxTokens,
        sampler,
        stopIds: this.stopIds,
        // A reply is text for people: control tokens a model emits are not shown as their names.
        skipSpecial: true,
        history: prompt.slice(0, reused),
        // The device sampler's penalty history is a ring that a roll-back can leave stale: with
        // penalties on, sample on the CPU, which sees the whole history.
        onDevice: this.onDevice && !penalizes(sampler.params),
        signal: o.signal,
        betweenTokens: o.betweenTokens,
        onToken: (id, text) => {
          const t = performance.now();
          if (id >= 0 && generated++ === 0) tFirst = t;
          o.onToken?.(text, { generated, elapsedMs: t - t0, decodeTokPerS: generated > 1 ? (generated - 1) / ((t - tFirst) / 1000) : 0 });
        },
      });
    } catch (e) {
      // A forward pass that failed midway leaves the cache unknown: start over next time.
      this.cached = [];
      engine.truncate(0);
      throw e;
    }
    // The cache holds the prompt and the reply's ids but the last (drawn, not fed).
    this.cached = [...prompt, ...result.ids].slice(0, engine.position);
    this.remember(request.messages, result.text, result.ids);
    return {
      text: result.text,
      stopReason: result.stopReason,
      promptTokens: prompt.length,
      reusedTokens: reused,
      droppedMessages: dropped,
      generatedTokens: result.ids.length,
      ttftMs: result.prefillMs,
      prefillTokPerS: result.prefillTokPerS,
      decodeTokPerS: result.decodeTokPerS,
      contextUsed: engine.position,
      contextSize: engine.contextSize,
    };
  }

  /** Keeps the generated ids of the replies still in the conversation, and of the new one. */
  private remember(messages: readonly ChatMessage[], text: string, ids: readonly number[]): void {
    const kept = new Map<string, readonly number[]>();
    for (const m of messages) {
      const key = m.content.trim();
      const known = m.role === 'assistant' ? this.replies.get(key) : undefined;
      if (known) kept.set(key, known);
    }
    kept.set(text.trim(), ids);
    this.replies = kept;
  }
}

function samplerFor(params: Partial<SamplingParams>): Sampler {
  try {
    return new Sampler({ ...DEFAULT_SAMPLING, ...params });
  } catch (e) {
    throw new ChatError('bad-request', (e as Error).message);
  }
}

const penalizes = (p: SamplingParams) => p.repetitionPenalty !== 1 || p.frequencyPenalty !== 0 || p.presencePenalty !== 0;
