// Prompt building: the per-message BitNet ids equal formatChat's, a remembered reply is written
// back with its own ids, other templates go through formatChat, and fitting drops whole exchanges.
import { beforeAll, describe, expect, test } from 'vitest';
import { formatChat, type ChatMessage } from '../model/chat-format.ts';
import { testTokenizer } from '../model/test-models.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { ChatError, PromptBuilder, replyReserve } from './prompt.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, nothing was thrown');
}

let tok: BitnetTokenizer;
let chatml: BitnetTokenizer;
beforeAll(async () => {
  const t = await testTokenizer();
  tok = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: t.tokenizerJson, tokenizerConfig: { ...t.tokenizerConfig, chat_template: undefined } });
  const template = "{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '\\n' + m['content'] + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant\\n' }}{% endif %}";
  chatml = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: t.tokenizerJson, tokenizerConfig: { ...t.tokenizerConfig, chat_template: template } });
});

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  user('  hello there \n'),
  assistant('general kenobi'),
  user('what now?'),
];

describe('PromptBuilder', () => {
  test('BitNet format: the same ids as formatChat, also on a second call (cached segments)', () => {
    const b = new PromptBuilder(tok);
    expect(b.build(CONVERSATION)).toEqual(formatChat(tok, CONVERSATION));
    expect(b.build(CONVERSATION)).toEqual(formatChat(tok, CONVERSATION));
    expect(b.build(CONVERSATION.slice(0, 2))).toEqual(formatChat(tok, CONVERSATION.slice(0, 2)));
  });

  test('a remembered reply keeps its generated ids instead of the text re-encoded', () => {
    // One token per character: a valid tokenization that BPE would merge differently.
    const generated = [...'general kenobi'].flatMap((c) => tok.encode(c, { addBos: false }));
    expect(tok.decode(generated)).toBe('general kenobi');
    expect(generated).not.toEqual(tok.encode('general kenobi', { addBos: false }));
    const b = new PromptBuilder(tok, (text) => (text === 'general kenobi' ? generated : undefined));
    const before = formatChat(tok, CONVERSATION.slice(0, 2));
    const after = formatChat(tok, [user('what now?')], { chatTemplate: null }).slice(1);
    const eot = tok.tokenId('<|eot_id|>')!;
    expect(b.build(CONVERSATION)).toEqual([...before, ...generated, eot, ...after]);
  });

  test('a Jinja template renders the whole conversation with formatChat', () => {
    const b = new PromptBuilder(chatml, () => [1, 2, 3]);
    expect(b.build(CONVERSATION)).toEqual(formatChat(chatml, CONVERSATION));
    expect(chatml.decode(b.build(CONVERSATION))).toContain('<|start_header_id|>assistant\ngeneral kenobi<|eot_id|>');
  });

  test('fit drops the oldest whole exchanges, keeps the system prompt, and says when nothing fits', () => {
    const b = new PromptBuilder(tok);
    const long: ChatMessage[] = [CONVERSATION[0]];
    for (let i = 0; i < 4; i++) long.push(user(`question number ${i} about things`), assistant(`answer number ${i} about stuff`));
    long.push(user('last one'));
    const full = formatChat(tok, long).length;
    const withoutTwo = formatChat(tok, [long[0], ...long.slice(5)]).length;
    // Room for everything but the first two exchanges.
    const fitted = b.fit(long, withoutTwo + 10, 10);
    expect(full).toBeGreaterThan(withoutTwo + 10);
    expect(fitted).toEqual({ ids: formatChat(tok, [long[0], ...long.slice(5)]), dropped: 4, fits: true });
    expect(b.fit(long, full + 10, 10)).toEqual({ ids: formatChat(tok, long), dropped: 0, fits: true });
    const minimal = formatChat(tok, [long[0], long.at(-1)!]);
    expect(b.fit(long, minimal.length + 9, 10)).toEqual({ ids: minimal, dropped: 8, fits: false });
  });

  test('a leading assistant message (a greeting) is dropped on its own, then whole exchanges', () => {
    const b = new PromptBuilder(tok);
    const msgs = [assistant('welcome, how can I help you today?'), user('hi'), assistant('hello'), user('bye')];
    expect(b.fit(msgs, formatChat(tok, msgs.slice(1)).length + 1, 1)).toMatchObject({ dropped: 1, fits: true });
    expect(b.fit(msgs, formatChat(tok, msgs.slice(3)).length + 1, 1)).toMatchObject({ dropped: 3, fits: true });
  });

  test('a request must end with a user message', () => {
    const b = new PromptBuilder(tok);
    for (const msgs of [CONVERSATION.slice(0, 3), []]) {
      const e = thrown(() => b.fit(msgs, 1000, 10));
      expect(e).toBeInstanceOf(ChatError);
      expect(e).toMatchObject({ code: 'bad-request' });
    }
  });

  test('replyReserve: min(maxTokens, context / 4), at least 1', () => {
    expect(replyReserve(4096, 256)).toBe(256);
    expect(replyReserve(4096, 5000)).toBe(1024);
    expect(replyReserve(4096)).toBe(1024);
    expect(replyReserve(2, 100)).toBe(1);
  });
});
