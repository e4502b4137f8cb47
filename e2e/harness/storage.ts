// Browser harness for e2e/storage.spec.ts: a real ModelStore (IndexedDB, fetch) in the page,
// driven by the spec through `window.storageHarness` against e2e/hub-server.mjs on another origin.
// It only runs things and reports what happened (results, errors as {code, message}, every
// progress report); the assertions live in the spec.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { openGguf } from '../../src/model/load-gguf.ts';
import { openHf } from '../../src/model/load-hf.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import type { ByteSource } from '../../src/model/source.ts';
import { ModelStore, type ModelStoreOptions } from '../../src/storage/model-store.ts';
import { SHARD_DB, shardKeys } from '../../src/storage/shard-db.ts';
import { StorageError, type CachedModel, type DownloadPlan, type ModelSource, type StorageEstimate, type StorageProgress, type VerifyReport } from '../../src/storage/types.ts';

/** A ModelSource that crosses page.evaluate: a local file is made in the page from a URL's bytes. */
export type SourceSpec = Exclude<ModelSource, { kind: 'local' }> | { kind: 'local'; url: string; name: string; lastModified: number };

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface Run<T> {
  outcome: Outcome<T>;
  /** Every report, stamped with performance.now(). */
  progress: (StorageProgress & { t: number })[];
  ms: number;
}

export interface StorageHarness {
  configure(o: ModelStoreOptions): void;
  plan(s: SourceSpec): Promise<Outcome<DownloadPlan>>;
  /** Downloads; aborts (pause) once `pauseAtFraction` of the bytes are done. */
  download(s: SourceSpec, o?: { pauseAtFraction?: number }): Promise<Run<CachedModel>>;
  /** Starts a download and returns at once (to reload the page under it). */
  start(s: SourceSpec): void;
  get(id: string): Promise<CachedModel | undefined>;
  list(): Promise<CachedModel[]>;
  verify(id: string): Promise<Run<VerifyReport>>;
  repair(id: string): Promise<Run<VerifyReport>>;
  remove(id: string): Promise<void>;
  estimate(): Promise<StorageEstimate>;
  /** Each cached file read back through openFiles in uneven pieces: size and SHA-256. */
  readBack(id: string): Promise<Outcome<Record<string, { size: number; sha256: string }>>>;
  /** The model opened from the cache as the engine worker opens it. */
  openModel(id: string): Promise<Outcome<ModelConfig>>;
  /** Flips one byte of a stored shard, straight in IndexedDB. */
  corruptShard(id: string, file: string, index: number): Promise<void>;
  shardKeyCount(id: string): Promise<number>;
}

declare global {
  interface Window {
    storageHarness?: StorageHarness;
  }
}

const status = document.getElementById('status')!;
const log = document.getElementById('log')!;
let store: ModelStore | undefined;
function st(): ModelStore {
  if (!store) throw new Error('configure() first');
  return store;
}

async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    const err = e as Error;
    log.textContent += `${err.name}: ${err.message}\n`;
    return { ok: false, error: { code: e instanceof StorageError ? e.code : err.name, message: err.message } };
  }
}

async function toSource(s: SourceSpec): Promise<ModelSource> {
  if (s.kind !== 'local') return s;
  const bytes = await (await fetch(s.url)).blob();
  return { kind: 'local', file: new File([bytes], s.name, { lastModified: s.lastModified }) };
}

async function run<T>(job: (onProgress: (p: StorageProgress) => void) => Promise<T>): Promise<Run<T>> {
  const progress: Run<T>['progress'] = [];
  const t0 = performance.now();
  const result = await outcome(job((p) => progress.push({ ...p, t: performance.now() })));
  return { outcome: result, progress, ms: performance.now() - t0 };
}

async function readAll(src: ByteSource): Promise<{ size: number; sha256: string }> {
  const h = sha256.create();
  // Piece sizes that are not shard multiples, so reads start and end inside shards and span them.
  for (let at = 0, i = 0; at < src.size; i++) {
    const n = Math.min(src.size - at, [1, 4093, 100_000, 700_001][i % 4]);
    h.update(await src.read(at, n));
    at += n;
  }
  return { size: src.size, sha256: bytesToHex(h.digest()) };
}

const json = async (src: ByteSource | undefined) => (src ? (JSON.parse(new TextDecoder().decode(await src.read(0, src.size))) as Record<string, unknown>) : undefined);

const harness: StorageHarness = {
  configure(o) {
    store = new ModelStore(o);
  },
  async plan(s) {
    return outcome(toSource(s).then((src) => st().plan(src)));
  },
  async download(s, o = {}) {
    const source = await toSource(s);
    const stop = new AbortController();
    return run((onProgress) =>
      st().download(source, {
        signal: stop.signal,
        onProgress: (p) => {
          onProgress(p);
          if (o.pauseAtFraction !== undefined && p.phase === 'download' && p.bytesDone >= o.pauseAtFraction * p.bytesTotal) stop.abort();
        },
      }),
    );
  },
  start(s) {
    void toSource(s).then((src) => st().download(src)).catch(() => {});
  },
  get: (id) => st().get(id),
  list: () => st().list(),
  verify: (id) => run((onProgress) => st().verify(id, { onProgress })),
  repair: (id) => run((onProgress) => st().repair(id, { onProgress })),
  remove: (id) => st().remove(id),
  estimate: () => st().estimate(),
  async readBack(id) {
    return outcome(
      st()
        .openFiles(id)
        .then(async (files) => Object.fromEntries(await Promise.all([...files].map(async ([name, src]) => [name, await readAll(src)] as const)))),
    );
  },
  async openModel(id) {
    return outcome(
      (async () => {
        const files = await st().openFiles(id);
        const gguf = [...files.keys()].find((n) => n.endsWith('.gguf'));
        if (gguf) return (await openGguf(files.get(gguf)!)).config;
        const model = await openHf({
          name: id,
          config: (await json(files.get('config.json')))!,
          weights: [...files].filter(([n]) => n.endsWith('.safetensors')).map(([, src]) => src),
          tokenizerJson: (await json(files.get('tokenizer.json')))!,
          tokenizerConfig: await json(files.get('tokenizer_config.json')),
          generationConfig: await json(files.get('generation_config.json')),
        });
        return model.config;
      })(),
    );
  },
  async corruptShard(id, file, index) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(SHARD_DB.name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const tx = db.transaction(SHARD_DB.store, 'readwrite');
    const shards = tx.objectStore(SHARD_DB.store);
    const key = [id, file, index];
    const get = shards.get(key);
    get.onsuccess = () => {
      const bytes = get.result as Uint8Array;
      bytes[bytes.length >> 1] ^= 0xff;
      shards.put(bytes, key);
    };
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  },
  shardKeyCount: async (id) => (await shardKeys(id)).length,
};

window.storageHarness = harness;
status.textContent = 'ready';
