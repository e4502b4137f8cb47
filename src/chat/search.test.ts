import { describe, expect, it } from 'vitest';
import { appendTurn, createConversation, rename } from './conversation.ts';
import { queryTerms, searchConversations } from './search.ts';
import type { Conversation } from './types.ts';

function conv(id: string, title: string, ...texts: string[]): Conversation {
  let c = createConversation(id, 0);
  texts.forEach((content, i) => (c = appendTurn(c, { id: `${id}${i}`, role: i % 2 ? 'assistant' : 'user', content, createdAt: i })));
  return rename(c, title, 1);
}

const all = [
  conv('a', 'Rust lifetimes', 'How do lifetimes work?', 'They describe how long references are valid.'),
  conv('b', 'Recipe', 'Give me a pancake recipe', 'Flour, eggs, milk. Whisk and fry in a pan until golden brown on both sides, then serve.'),
  conv('c', 'Travel', 'Best time to visit Kyoto?'),
];

const ids = (q: string) => searchConversations(all, q).map((h) => h.conversation.id);

describe('searchConversations', () => {
  it('returns everything, in order, for an empty query', () => {
    expect(ids('   ')).toEqual(['a', 'b', 'c']);
  });

  it('matches titles and message text, case-insensitively', () => {
    expect(ids('RUST')).toEqual(['a']);
    expect(ids('kyoto')).toEqual(['c']);
    expect(ids('references')).toEqual(['a']);
  });

  it('needs every word, which may sit in different places', () => {
    expect(ids('recipe golden')).toEqual(['b']);
    expect(ids('recipe kyoto')).toEqual([]);
  });

  it('gives a snippet around a match in a message, none for a title match', () => {
    const [titleHit] = searchConversations(all, 'travel');
    expect(titleHit.snippet).toBeUndefined();
    const [bodyHit] = searchConversations(all, 'golden');
    expect(bodyHit.snippet).toContain('golden');
    expect(bodyHit.snippet!.startsWith('…')).toBe(true);
    expect(bodyHit.snippet!.length).toBeLessThan(100);
  });

  it('splits the query on whitespace', () => {
    expect(queryTerms('  Foo\tbar  baz ')).toEqual(['foo', 'bar', 'baz']);
  });
});
