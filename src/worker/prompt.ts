// Chat prompts as token ids, fitted to the context. In the BitNet format every message is its own
// run of ids (header, content, <|eot_id|>), so an assistant reply this session generated can be
// written back with the very ids it was generated as: re-encoding its text may split it into other
// tokens, and then the KV cache of the earlier turn could not be reused exactly. A model with
// another (Jinja) template renders the whole conversation at once instead.
import { formatChat, isBitnetTemplate, type ChatMessage } from '../model/chat-format.ts';
import type { BitnetTokenizer } from '../model/tokenizer.ts';

export class ChatError extends Error {
  override name = 'ChatError';
  constructor(
    readonly code: 'context' | 'bad-request',
    message: string,
  ) {
    super(message);
  }
}

export interface FittedPrompt {
  ids: number[];
  /** Oldest non-system messages left out. */
  dropped: number;
  /** Whether ids plus the reply's reserve fit the context (false: even the shortest prompt is too long). */
  fits: boolean;
}

/** Tokens kept free for the reply: min(maxTokens, contextSize / 4), at least 1. */
export function replyReserve(contextSize: number, maxTokens = Infinity): number {
  return Math.max(1, Math.min(maxTokens, Math.floor(contextSize / 4)));
}

export class PromptBuilder {
  /** BitNet format only: the ids of an empty assistant message, [BOS, ...header, <|eot_id|>]. */
  private readonly frame: number[] | undefined;
  /** Message ids by role and content, kept for the messages of the last call (the next one mostly repeats them). */
  private segments = new Map<string, number[]>();

  constructor(
    private readonly tokenizer: BitnetTokenizer,
    /** The ids this session generated for a reply, by its trimmed text. */
    private readonly replyIds: (text: string) => readonly number[] | undefined = () => undefined,
  ) {
    const t = tokenizer.chatTemplate;
    this.frame = t === undefined || isBitnetTemplate(t) ? formatChat(tokenizer, [{ role: 'assistant', content: '' }], BITNET_MESSAGE) : undefined;
  }

  /** The prompt for `messages`, ending with the header the reply follows. */
  build(messages: readonly ChatMessage[]): number[] {
    const frame = this.frame;
    if (!frame) return formatChat(this.tokenizer, messages);
    const used = new Map<string, number[]>();
    const ids = [this.tokenizer.bosId];
    for (const m of messages) {
      const reply = m.role === 'assistant' ? this.replyIds(m.content.trim()) : undefined;
      if (reply) {
        ids.push(...frame.slice(1, -1), ...reply, frame.at(-1)!);
        continue;
      }
      const key = `${m.role}\n${m.content}`;
      const seg = used.get(key) ?? this.segments.get(key) ?? formatChat(this.tokenizer, [m], BITNET_MESSAGE).slice(1);
      used.set(key, seg);
      ids.push(...seg);
    }
    this.segments = used;
    ids.push(...frame.slice(1, -1));
    return ids;
  }

  /**
   * The prompt with the oldest exchanges dropped (whole user + assistant runs; a leading system
   * message stays) until it leaves `reserve` tokens of `contextSize` for the reply.
   */
  fit(messages: readonly ChatMessage[], contextSize: number, reserve: number): FittedPrompt {
    if (messages.length === 0 || messages.at(-1)!.role !== 'user') throw new ChatError('bad-request', 'a chat request must end with a user message');
    const system = messages[0].role === 'system' ? messages.slice(0, 1) : [];
    let rest = messages.slice(system.length);
    let dropped = 0;
    for (;;) {
      const ids = this.build([...system, ...rest]);
      const fits = ids.length + reserve <= contextSize;
      if (fits || rest.length === 1) return { ids, dropped, fits };
      let n = 1;
      while (n < rest.length - 1 && rest[n].role !== 'user') n++;
      rest = rest.slice(n);
      dropped += n;
    }
  }
}

/** formatChat options for one message of the BitNet format. */
const BITNET_MESSAGE = { chatTemplate: null, addGenerationPrompt: false } as const;
