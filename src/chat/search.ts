// Sidebar search: a conversation matches when every word of the query occurs in its title or in
// any of its messages (case-insensitive). A match inside a message comes with a snippet around it.
import type { Conversation } from './types.ts';

export interface SearchHit {
  conversation: Conversation;
  /** Text around the first match in a message; absent when the title alone matches. */
  snippet?: string;
}

const SNIPPET_RADIUS = 40;

function snippetAround(text: string, at: number, length: number): string {
  const start = Math.max(0, at - SNIPPET_RADIUS);
  const end = Math.min(text.length, at + length + SNIPPET_RADIUS);
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return (start > 0 ? '…' : '') + body + (end < text.length ? '…' : '');
}

export function queryTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter((t) => t !== '');
}

export function searchConversations(conversations: readonly Conversation[], query: string): SearchHit[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return conversations.map((conversation) => ({ conversation }));
  const hits: SearchHit[] = [];
  for (const conversation of conversations) {
    const title = conversation.title.toLowerCase();
    const bodies = conversation.messages.map((m) => m.content.toLowerCase());
    const found = terms.every((t) => title.includes(t) || bodies.some((b) => b.includes(t)));
    if (!found) continue;
    if (terms.every((t) => title.includes(t))) {
      hits.push({ conversation });
      continue;
    }
    // The snippet shows the first term that the title lacks, where a message has it.
    const term = terms.find((t) => !title.includes(t))!;
    const index = bodies.findIndex((b) => b.includes(term));
    const text = conversation.messages[index].content;
    hits.push({ conversation, snippet: snippetAround(text, bodies[index].indexOf(term), term.length) });
  }
  return hits;
}
