import { describe, expect, it } from 'vitest';
import { appendTurn, awaitsReply, createConversation, editTurn, rename, requestMessages, setSystemPrompt, withoutLastReply } from './conversation.ts';
import { UNTITLED } from './title.ts';
import type { Conversation, Turn } from './types.ts';

const turn = (id: string, role: Turn['role'], content: string, createdAt = 1): Turn => ({ id, role, content, createdAt });

function chat(...turns: Turn[]): Conversation {
  return turns.reduce(appendTurn, createConversation('c1', 0));
}

describe('conversation edits', () => {
  it('titles itself from the first user message until renamed', () => {
    let c = chat(turn('a', 'user', 'What is BitNet?'), turn('b', 'assistant', 'A ternary model.'));
    expect(c.title).toBe('What is BitNet?');
    c = rename(c, '  My   notes ', 5);
    expect(c).toMatchObject({ title: 'My notes', titleEdited: true, updatedAt: 5 });
    c = appendTurn(c, turn('c', 'user', 'And more?', 6));
    expect(c.title).toBe('My notes');
    c = rename(c, '   ', 7);
    expect(c).toMatchObject({ title: 'What is BitNet?', titleEdited: false });
  });

  it('builds the request with the system prompt first, only when it has text', () => {
    const c = chat(turn('a', 'user', 'Hi'), turn('b', 'assistant', 'Hello!'));
    expect(requestMessages(c)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ]);
    expect(requestMessages(setSystemPrompt(c, '  ', 1))).toHaveLength(2);
    expect(requestMessages(setSystemPrompt(c, 'Be brief.', 1))[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('regenerate drops only the last reply', () => {
    const c = chat(turn('a', 'user', 'Q1'), turn('b', 'assistant', 'A1'), turn('c', 'user', 'Q2'), turn('d', 'assistant', 'A2'));
    const r = withoutLastReply(c, 9);
    expect(r.messages.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(awaitsReply(r)).toBe(true);
    expect(withoutLastReply(r, 10)).toBe(r);
    expect(() => withoutLastReply(createConversation('e', 0), 1)).toThrow(/empty/);
  });

  it('edit replaces a user message and drops everything after it', () => {
    const c = chat(turn('a', 'user', 'Q1'), turn('b', 'assistant', 'A1'), turn('c', 'user', 'Q2'), turn('d', 'assistant', 'A2'));
    const e = editTurn(c, 'a', 'Better question', 20);
    expect(e.messages).toEqual([{ id: 'a', role: 'user', content: 'Better question', createdAt: 20 }]);
    expect(e.title).toBe('Better question');
    expect(c.messages).toHaveLength(4); // the original is untouched
    expect(() => editTurn(c, 'b', 'x', 1)).toThrow(/own messages/);
    expect(() => editTurn(c, 'zz', 'x', 1)).toThrow(/not in this conversation/);
  });

  it('starts untitled and empty', () => {
    const c = createConversation('n', 3, 'sys');
    expect(c).toEqual({ id: 'n', title: UNTITLED, titleEdited: false, systemPrompt: 'sys', messages: [], createdAt: 3, updatedAt: 3 });
    expect(awaitsReply(c)).toBe(false);
  });
});
