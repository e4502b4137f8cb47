// The two IndexedDB databases: manifests (one small record per model) and shards (the bytes, one
// record per shard under [modelId, file, index]). Separate databases because idb-keyval keeps one
// object store per database. Works in windows and workers alike.
import { createStore, del, get, promisifyRequest, set, values, type UseStore } from 'idb-keyval';
import type { Manifest } from './manifest.ts';

/** Names tests use to reach the stored bytes directly. */
export const SHARD_DB = { name: 'bitnet-web-shards', store: 'shards' } as const;
const MANIFEST_DB = { name: 'bitnet-web-models', store: 'manifests' } as const;

let stores: { shards: UseStore; manifests: UseStore } | undefined;
/** Opened on first use, so importing this module touches no database. */
function db() {
  stores ??= { shards: createStore(SHARD_DB.name, SHARD_DB.store), manifests: createStore(MANIFEST_DB.name, MANIFEST_DB.store) };
  return stores;
}

export type ShardKey = [modelId: string, file: string, index: number];

/** Every key of a model, or of one of its files: array keys sort by their parts, and [] sorts after strings. */
const keyRange = (modelId: string, file?: string) => (file === undefined ? IDBKeyRange.bound([modelId], [modelId, []]) : IDBKeyRange.bound([modelId, file], [modelId, file, []]));

export function putShard(key: ShardKey, bytes: Uint8Array): Promise<void> {
  return set(key, bytes, db().shards);
}

export function getShard(key: ShardKey): Promise<Uint8Array | undefined> {
  return get<Uint8Array>(key, db().shards);
}

/** Deletes every stored shard of a model (or of one file), those no manifest lists included. */
export function deleteShards(modelId: string, file?: string): Promise<void> {
  return db().shards('readwrite', (store) => {
    store.delete(keyRange(modelId, file));
    return promisifyRequest(store.transaction);
  });
}

export async function shardKeys(modelId: string): Promise<ShardKey[]> {
  const keys = await db().shards('readonly', (store) => promisifyRequest(store.getAllKeys(keyRange(modelId))));
  return keys as ShardKey[];
}

export function getManifest(id: string): Promise<Manifest | undefined> {
  return get<Manifest>(id, db().manifests);
}

export function putManifest(m: Manifest): Promise<void> {
  return set(m.id, m, db().manifests);
}

export function deleteManifest(id: string): Promise<void> {
  return del(id, db().manifests);
}

export function allManifests(): Promise<Manifest[]> {
  return values<Manifest>(db().manifests);
}

export function isQuotaError(e: unknown): boolean {
  return (e as { name?: unknown })?.name === 'QuotaExceededError';
}
