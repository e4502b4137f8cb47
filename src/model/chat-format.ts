// Chat prompts as token ids: BitNet b1.58 2B4T's training format "Role: content<|eot_id|>" built at
// the token level like Microsoft's ChatFormat (spec 5.3), or a model's own Jinja chat template.

import { Template } from '@huggingface/jinja';
import { check } from './errors.ts';
import type { BitnetTokenizer } from './tokenizer.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatFormatOptions {
  /** A Jinja chat template; undefined: the tokenizer's own; null: none (the BitNet format). */
  chatTemplate?: string | null;
  /** End with the header the assistant's reply follows (default true). */
  addGenerationPrompt?: boolean;
}

const ROLE_HEADER: Record<ChatMessage['role'], string> = {
  system: 'System: ',
  user: 'User: ',
  assistant: 'Assistant: ',
};

/** The BitNet HF template's core: `message['role'] | capitalize + ': '`. */
const HF_BITNET_ROLE = /message\[\s*['"]role['"]\s*\]\s*\|\s*capitalize\s*\+\s*['"]: ['"]/;

/**
 * Whether a template stands for the BitNet format. The GGUF's embedded template contains
 * "BITNET" only so that bitnet.cpp swaps in its own renderer; running it would give the wrong
 * ("Human: ... BITNETAssistant:") prompt, so it must never be executed.
 */
export function isBitnetTemplate(template: string): boolean {
  return template.includes('BITNET') || (HF_BITNET_ROLE.test(template) && template.includes('<|eot_id|>'));
}

/** The prompt token ids for `messages`, in the format the model's template calls for. */
export function formatChat(tokenizer: BitnetTokenizer, messages: readonly ChatMessage[], options: ChatFormatOptions = {}): number[] {
  const template = options.chatTemplate === undefined ? tokenizer.chatTemplate : (options.chatTemplate ?? undefined);
  const generationPrompt = options.addGenerationPrompt ?? true;
  if (template === undefined || isBitnetTemplate(template)) return bitnetChatIds(tokenizer, messages, generationPrompt);
  return renderedChatIds(tokenizer, template, messages, generationPrompt);
}

/** The prompt as text (special tokens written out), for display. */
export function formatChatText(tokenizer: BitnetTokenizer, messages: readonly ChatMessage[], options: ChatFormatOptions = {}): string {
  return tokenizer.decode(formatChat(tokenizer, messages, options));
}

/**
 * [BOS] + per message encode("Role: ") + encode(content.trim()) + [<|eot_id|>], then
 * encode("Assistant: "). Header and content are encoded apart, as Microsoft's ChatFormat does,
 * so "User: " ends in a lone space token and the content starts without one.
 */
function bitnetChatIds(tokenizer: BitnetTokenizer, messages: readonly ChatMessage[], generationPrompt: boolean): number[] {
  const eot = tokenizer.tokenId('<|eot_id|>');
  check(eot !== undefined, 'unsupported', 'the BitNet chat format needs an <|eot_id|> token, which this vocabulary lacks');
  const piece = (text: string) => tokenizer.encode(text, { addBos: false });
  const ids = [tokenizer.bosId];
  for (const message of messages) ids.push(...piece(ROLE_HEADER[message.role]), ...piece(message.content.trim()), eot);
  if (generationPrompt) ids.push(...piece(ROLE_HEADER.assistant));
  return ids;
}

/** Renders a Jinja template and tokenizes the text, with exactly one BOS at the start. */
function renderedChatIds(tokenizer: BitnetTokenizer, template: string, messages: readonly ChatMessage[], generationPrompt: boolean): number[] {
  const bosToken = tokenizer.piece(tokenizer.bosId);
  const text = new Template(template).render({
    messages,
    bos_token: bosToken,
    eos_token: tokenizer.eosId === undefined ? '' : tokenizer.piece(tokenizer.eosId),
    add_generation_prompt: generationPrompt,
  });
  return tokenizer.encode(text, { addBos: !text.startsWith(bosToken) });
}
