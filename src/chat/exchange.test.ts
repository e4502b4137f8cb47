// Export and import together: what toJson writes, parseChatExport reads back unchanged; anything
// else is refused with a message that names the problem.
import { describe, expect, it } from 'vitest';
import { appendTurn, createConversation, setSystemPrompt } from './conversation.ts';
import { fileSlug, statsLine, toJson, toMarkdown } from './export.ts';
import { isConversation, parseChatExport, withFreshIds } from './import.ts';
import type { Conversation, ReplyStats } from './types.ts';

const stats: ReplyStats = {
  stopReason: 'stop-token',
  promptTokens: 40,
  reusedTokens: 32,
  droppedMessages: 0,
  generatedTokens: 12,
  ttftMs: 420,
  prefillTokPerS: 95.25,
  decodeTokPerS: 18.04,
  contextUsed: 52,
  contextSize: 4096,
  model: 'tiny',
  backend: 'wasm',
};

function sample(id = 'c1'): Conversation {
  let c = setSystemPrompt(createConversation(id, 1000), 'Be brief.\nUse lists.', 1000);
  c = appendTurn(c, { id: 'u1', role: 'user', content: 'Hello <script>alert(1)</script>', createdAt: 1001 });
  return appendTurn(c, { id: 'a1', role: 'assistant', content: '**Hi!**', createdAt: 1002, stats });
}

const exported = (doc: unknown) => JSON.stringify(doc);
const base = () => JSON.parse(toJson([sample()], new Date(0)));

describe('JSON export and import', () => {
  it('round-trips', () => {
    const text = toJson([sample(), sample('c2')], new Date('2026-01-02T03:04:05Z'));
    expect(JSON.parse(text)).toMatchObject({ format: 'bitnet-web-chat', version: 1, exportedAt: '2026-01-02T03:04:05.000Z' });
    expect(parseChatExport(text)).toEqual({ ok: true, conversations: [sample(), sample('c2')] });
  });

  it('refuses what is not JSON', () => {
    const r = parseChatExport('{"format": ');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/not valid JSON/);
  });

  it('refuses other JSON, other versions and empty exports', () => {
    expect(parseChatExport('[1,2]')).toEqual({ ok: false, error: 'This export is damaged: the file must be an object.' });
    expect(parseChatExport('{"messages": []}')).toMatchObject({ ok: false, error: expect.stringMatching(/not a bitnet-web chat export/) });
    expect(parseChatExport(exported({ ...base(), version: 2 }))).toMatchObject({ ok: false, error: expect.stringMatching(/version 2/) });
    expect(parseChatExport(exported({ ...base(), conversations: [] }))).toMatchObject({ ok: false, error: 'This export holds no conversations.' });
  });

  it('names the damaged field', () => {
    const doc = base();
    doc.conversations[0].messages[1].role = 'robot';
    expect(parseChatExport(exported(doc))).toEqual({ ok: false, error: 'This export is damaged: conversations[0].messages[1].role must be "user" or "assistant".' });
    const noTitle = base();
    delete noTitle.conversations[0].title;
    expect(parseChatExport(exported(noTitle))).toMatchObject({ error: expect.stringContaining('conversations[0].title must be a string') });
    const badStats = base();
    badStats.conversations[0].messages[1].stats.decodeTokPerS = 'fast';
    expect(parseChatExport(exported(badStats))).toMatchObject({ error: expect.stringContaining('messages[1].stats.decodeTokPerS must be a number') });
    const badStop = base();
    badStop.conversations[0].messages[1].stats.stopReason = 'tired';
    expect(parseChatExport(exported(badStop))).toMatchObject({ error: expect.stringContaining('stopReason must be one of') });
    const dup = base();
    dup.conversations[0].messages[1].id = 'u1';
    expect(parseChatExport(exported(dup))).toMatchObject({ error: expect.stringContaining('same id') });
  });

  it('drops unknown fields instead of carrying them into the store', () => {
    const doc = base();
    doc.conversations[0].evil = true;
    doc.conversations[0].messages[0].extra = 1;
    const r = parseChatExport(exported(doc));
    expect(r).toEqual({ ok: true, conversations: [sample()] });
  });

  it('gives taken ids fresh ones, also within the file', () => {
    let n = 0;
    const fresh = withFreshIds([sample('c1'), sample('c2'), sample('c2')], new Set(['c1']), () => `new${++n}`);
    expect(fresh.map((c) => c.id)).toEqual(['new1', 'c2', 'new2']);
    expect(fresh[1]).toEqual(sample('c2'));
  });

  it('recognises stored conversations', () => {
    expect(isConversation(sample())).toBe(true);
    expect(isConversation({ ...sample(), messages: 'none' })).toBe(false);
    expect(isConversation(null)).toBe(false);
  });
});

describe('Markdown export', () => {
  it('writes title, system prompt, turns and stats', () => {
    const md = toMarkdown(sample());
    expect(md).toBe(
      [
        '# Hello <script>alert(1)</script>',
        '',
        '**System prompt:**',
        '',
        '> Be brief.\n> Use lists.',
        '',
        '## User',
        '',
        'Hello <script>alert(1)</script>',
        '',
        '## Assistant',
        '',
        '**Hi!**',
        '',
        '_tiny · wasm · 12 tokens · prefill 95.3 tok/s · decode 18.0 tok/s · first token 420 ms · reused 32/40 prompt tokens_',
        '',
      ].join('\n'),
    );
  });

  it('gives the first-token time in ms, or s from a second', () => {
    expect(statsLine({ ...stats, ttftMs: 3.4 })).toContain('first token 3 ms');
    expect(statsLine({ ...stats, ttftMs: 2345 })).toContain('first token 2.35 s');
  });

  it('says why a reply stopped early', () => {
    expect(statsLine({ ...stats, stopReason: 'aborted' })).toMatch(/stopped by you$/);
    expect(statsLine({ ...stats, stopReason: 'max-tokens' })).toMatch(/token limit$/);
  });

  it('makes file names from titles', () => {
    expect(fileSlug('Héllo, World! — notes')).toBe('hello-world-notes');
    expect(fileSlug('!!!')).toBe('chat');
    expect(fileSlug('a'.repeat(80))).toHaveLength(60);
  });
});
