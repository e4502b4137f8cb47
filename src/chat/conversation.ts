// Pure edits of a conversation. Each returns a new object (the store swaps it in and saves it),
// and each turn sent to the model is the whole conversation: system prompt first, then the turns.
import type { ChatMessage } from '../model/chat-format.ts';
import { UNTITLED, deriveTitle } from './title.ts';
import type { Conversation, Turn } from './types.ts';

export function createConversation(id: string, now: number, systemPrompt = ''): Conversation {
  return { id, title: UNTITLED, titleEdited: false, systemPrompt, messages: [], createdAt: now, updatedAt: now };
}

function titled(c: Conversation): Conversation {
  if (c.titleEdited) return c;
  const first = c.messages.find((m) => m.role === 'user');
  return { ...c, title: first ? deriveTitle(first.content) : UNTITLED };
}

export function appendTurn(c: Conversation, turn: Turn): Conversation {
  return titled({ ...c, messages: [...c.messages, turn], updatedAt: turn.createdAt });
}

/** An empty title gives the title back to the first message. */
export function rename(c: Conversation, title: string, now: number): Conversation {
  const trimmed = title.replace(/\s+/g, ' ').trim();
  return titled({ ...c, title: trimmed, titleEdited: trimmed !== '', updatedAt: now });
}

export function setSystemPrompt(c: Conversation, systemPrompt: string, now: number): Conversation {
  return { ...c, systemPrompt, updatedAt: now };
}

/** What the engine is asked: the system prompt (when there is one) and every turn. */
export function requestMessages(c: Conversation): ChatMessage[] {
  const turns: ChatMessage[] = c.messages.map((m) => ({ role: m.role, content: m.content }));
  return c.systemPrompt.trim() === '' ? turns : [{ role: 'system', content: c.systemPrompt }, ...turns];
}

/**
 * Regenerate: drops the last reply so the same question is asked again. A conversation that
 * already ends with a question (the reply failed or was never written) is asked as it is.
 */
export function withoutLastReply(c: Conversation, now: number): Conversation {
  const last = c.messages.at(-1);
  if (last === undefined) throw new Error('there is nothing to regenerate: the conversation is empty');
  if (last.role === 'user') return c;
  return { ...c, messages: c.messages.slice(0, -1), updatedAt: now };
}

/** Edit and resend: the user message gets the new text and everything after it goes. */
export function editTurn(c: Conversation, turnId: string, content: string, now: number): Conversation {
  const index = c.messages.findIndex((m) => m.id === turnId);
  if (index < 0) throw new Error(`message ${turnId} is not in this conversation`);
  if (c.messages[index].role !== 'user') throw new Error('only your own messages can be edited');
  const edited = { ...c.messages[index], content, createdAt: now };
  return titled({ ...c, messages: [...c.messages.slice(0, index), edited], updatedAt: now });
}

/** Whether the conversation ends with a question waiting for a reply. */
export function awaitsReply(c: Conversation): boolean {
  return c.messages.at(-1)?.role === 'user';
}
