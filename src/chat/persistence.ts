// Conversations in IndexedDB (database "bitnet-chat"), one record per conversation keyed by its id,
// so saving after a turn writes one small record rather than the whole history.
import { createStore, del, setMany, set, values, type UseStore } from 'idb-keyval';
import { isConversation } from './import.ts';
import type { Conversation } from './types.ts';

let store: UseStore | undefined;

// Opened on first use: createStore opens the database at once, which must not happen on import.
const db = () => (store ??= createStore('bitnet-chat', 'conversations'));

/** Every stored conversation, newest first. Records that are not conversations are skipped. */
export async function loadConversations(): Promise<Conversation[]> {
  const all = await values<unknown>(db());
  const valid = all.filter(isConversation);
  if (valid.length < all.length) console.warn(`bitnet-web: ${all.length - valid.length} stored conversation(s) could not be read and were skipped`);
  return valid.sort((a, b) => b.updatedAt - a.updatedAt);
}

export function saveConversation(c: Conversation): Promise<void> {
  return set(c.id, c, db());
}

/** All or nothing: an import is one transaction. */
export function saveConversations(cs: readonly Conversation[]): Promise<void> {
  return setMany(
    cs.map((c) => [c.id, c]),
    db(),
  );
}

export function deleteConversation(id: string): Promise<void> {
  return del(id, db());
}
