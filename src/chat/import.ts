// Reading an export back. Everything is checked before anything is used, so a bad file gives one
// clear message (naming the field) and changes nothing.
import { EXPORT_FORMAT, EXPORT_VERSION } from './export.ts';
import { STOP_REASONS, type Conversation, type ReplyStats, type Turn } from './types.ts';

export type ImportResult = { ok: true; conversations: Conversation[] } | { ok: false; error: string };

class Invalid extends Error {}

type Json = Record<string, unknown>;

function object(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Invalid(`${path} must be an object`);
  return v as Json;
}

function string(o: Json, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Invalid(`${path}.${key} must be a string`);
  return v;
}

function number(o: Json, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${path}.${key} must be a number`);
  return v;
}

function array(o: Json, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new Invalid(`${path}.${key} must be a list`);
  return v;
}

function optionalString(o: Json, key: string, path: string): string | undefined {
  return o[key] === undefined ? undefined : string(o, key, path);
}

function stats(v: unknown, path: string): ReplyStats {
  const o = object(v, path);
  const stopReason = string(o, 'stopReason', path);
  if (!(STOP_REASONS as readonly string[]).includes(stopReason)) throw new Invalid(`${path}.stopReason must be one of ${STOP_REASONS.join(', ')}`);
  const n = (key: string) => number(o, key, path);
  const model = optionalString(o, 'model', path);
  const backend = optionalString(o, 'backend', path);
  return {
    stopReason: stopReason as ReplyStats['stopReason'],
    promptTokens: n('promptTokens'),
    reusedTokens: n('reusedTokens'),
    droppedMessages: n('droppedMessages'),
    generatedTokens: n('generatedTokens'),
    ttftMs: n('ttftMs'),
    prefillTokPerS: n('prefillTokPerS'),
    decodeTokPerS: n('decodeTokPerS'),
    contextUsed: n('contextUsed'),
    contextSize: n('contextSize'),
    ...(model === undefined ? {} : { model }),
    ...(backend === undefined ? {} : { backend }),
  };
}

function turn(v: unknown, path: string): Turn {
  const o = object(v, path);
  const role = o.role;
  if (role !== 'user' && role !== 'assistant') throw new Invalid(`${path}.role must be "user" or "assistant"`);
  const t: Turn = { id: string(o, 'id', path), role, content: string(o, 'content', path), createdAt: number(o, 'createdAt', path) };
  if (t.id === '') throw new Invalid(`${path}.id must not be empty`);
  if (o.stats !== undefined) t.stats = stats(o.stats, `${path}.stats`);
  return t;
}

/** Checks one stored conversation; also used on what IndexedDB gives back. */
export function parseConversation(v: unknown, path = 'conversation'): Conversation {
  const o = object(v, path);
  const id = string(o, 'id', path);
  if (id === '') throw new Invalid(`${path}.id must not be empty`);
  const title = string(o, 'title', path);
  const titleEdited = o.titleEdited;
  if (typeof titleEdited !== 'boolean') throw new Invalid(`${path}.titleEdited must be true or false`);
  const systemPrompt = string(o, 'systemPrompt', path);
  const messages = array(o, 'messages', path).map((m, i) => turn(m, `${path}.messages[${i}]`));
  if (new Set(messages.map((m) => m.id)).size !== messages.length) throw new Invalid(`${path}.messages has two messages with the same id`);
  return { id, title, titleEdited, systemPrompt, messages, createdAt: number(o, 'createdAt', path), updatedAt: number(o, 'updatedAt', path) };
}

export function isConversation(v: unknown): v is Conversation {
  try {
    parseConversation(v);
    return true;
  } catch (e) {
    if (e instanceof Invalid) return false;
    throw e;
  }
}

export function parseChatExport(text: string): ImportResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `This file is not valid JSON (${(e as Error).message}).` };
  }
  try {
    const o = object(doc, 'the file');
    if (o.format !== EXPORT_FORMAT) return { ok: false, error: `This is not a bitnet-web chat export: it lacks "format": "${EXPORT_FORMAT}".` };
    if (o.version !== EXPORT_VERSION) {
      return { ok: false, error: `This export has version ${JSON.stringify(o.version)}; this app reads version ${EXPORT_VERSION}.` };
    }
    const conversations = array(o, 'conversations', 'the file').map((c, i) => parseConversation(c, `conversations[${i}]`));
    if (conversations.length === 0) return { ok: false, error: 'This export holds no conversations.' };
    return { ok: true, conversations };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: `This export is damaged: ${e.message}.` };
    throw e;
  }
}

/**
 * Imported conversations never overwrite: one whose id is taken (already here, or earlier in the
 * same file) gets a fresh id, so importing the same file twice gives two copies.
 */
export function withFreshIds(imported: readonly Conversation[], takenIds: ReadonlySet<string>, newId: () => string): Conversation[] {
  const taken = new Set(takenIds);
  return imported.map((c) => {
    const id = taken.has(c.id) ? newId() : c.id;
    taken.add(id);
    return id === c.id ? c : { ...c, id };
  });
}
