// Conversations: the list (newest first), the open one, the sidebar search, and import/export.
// Every change goes to IndexedDB right away; a failed write is shown, never dropped silently.
import { create } from 'zustand';
import { createConversation, rename as renamed, setSystemPrompt as withSystemPrompt } from '../../chat/conversation.ts';
import { fileSlug, toJson, toMarkdown } from '../../chat/export.ts';
import { parseChatExport, withFreshIds } from '../../chat/import.ts';
import { deleteConversation, loadConversations, saveConversation, saveConversations } from '../../chat/persistence.ts';
import type { Conversation } from '../../chat/types.ts';
import { describeError } from '../errors.ts';
import { saveTextFile } from '../save-file.ts';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

interface ConversationsState {
  loaded: boolean;
  list: Conversation[];
  activeId?: string;
  query: string;
  /** The outcome of the last import, or a failed save. */
  notice?: Notice;
}

export const useConversations = create<ConversationsState>()(() => ({ loaded: false, list: [], query: '' }));

const set = useConversations.setState;
const get = useConversations.getState;

export const selectActive = (s: ConversationsState): Conversation | undefined => s.list.find((c) => c.id === s.activeId);

export function activeConversation(): Conversation | undefined {
  return selectActive(get());
}

export function findConversation(id: string): Conversation | undefined {
  return get().list.find((c) => c.id === id);
}

function persistFailed(e: unknown) {
  set({ notice: { kind: 'error', text: `Could not save conversations: ${describeError(e)}` } });
}

/** Puts a changed conversation in place (moving it to the top) and saves it. */
export function putConversation(c: Conversation): void {
  set((s) => ({ list: [c, ...s.list.filter((x) => x.id !== c.id)] }));
  saveConversation(c).catch(persistFailed);
}

export async function loadAll(): Promise<void> {
  try {
    const stored = await loadConversations();
    // A chat started before the database answered is kept (it is saved already, or about to be).
    set((s) => {
      const list = [...s.list, ...stored.filter((c) => !s.list.some((x) => x.id === c.id))].sort((a, b) => b.updatedAt - a.updatedAt);
      return { loaded: true, list, activeId: s.activeId ?? list[0]?.id };
    });
  } catch (e) {
    set({ loaded: true, notice: { kind: 'error', text: `Could not read saved conversations: ${describeError(e)}` } });
  }
}

/** A new chat, unless the open one is still empty: then that one is the new chat. */
export function newConversation(): Conversation {
  const open = activeConversation();
  if (open && open.messages.length === 0) return open;
  const c = createConversation(crypto.randomUUID(), Date.now());
  putConversation(c);
  set({ activeId: c.id, query: '' });
  return c;
}

export function selectConversation(id: string): void {
  set({ activeId: id });
}

export function renameConversation(id: string, title: string): void {
  const c = findConversation(id);
  if (c) putConversation(renamed(c, title, Date.now()));
}

export function setSystemPrompt(id: string, text: string): void {
  const c = findConversation(id);
  if (c && c.systemPrompt !== text) putConversation(withSystemPrompt(c, text, Date.now()));
}

export function removeConversation(id: string): void {
  set((s) => {
    const list = s.list.filter((c) => c.id !== id);
    return { list, activeId: s.activeId === id ? list[0]?.id : s.activeId };
  });
  deleteConversation(id).catch(persistFailed);
}

export function setQuery(query: string): void {
  set({ query });
}

export function dismissNotice(): void {
  set({ notice: undefined });
}

/** Validates the whole file first: a bad file changes nothing. */
export async function importConversations(file: File): Promise<void> {
  const result = parseChatExport(await file.text());
  if (!result.ok) {
    set({ notice: { kind: 'error', text: `${file.name}: ${result.error}` } });
    return;
  }
  const fresh = withFreshIds(result.conversations, new Set(get().list.map((c) => c.id)), () => crypto.randomUUID());
  try {
    await saveConversations(fresh);
  } catch (e) {
    set({ notice: { kind: 'error', text: `${file.name}: could not be saved (${describeError(e)}). Nothing was imported.` } });
    return;
  }
  const n = fresh.length;
  set((s) => ({
    list: [...fresh, ...s.list].sort((a, b) => b.updatedAt - a.updatedAt),
    activeId: fresh[0].id,
    notice: { kind: 'ok', text: `Imported ${n} conversation${n === 1 ? '' : 's'} from ${file.name}.` },
  }));
}

export function exportMarkdown(c: Conversation): void {
  saveTextFile(`${fileSlug(c.title)}.md`, toMarkdown(c), 'text/markdown');
}

export function exportJson(cs: readonly Conversation[], name: string): void {
  saveTextFile(`${fileSlug(name)}.json`, toJson(cs, new Date()), 'application/json');
}
