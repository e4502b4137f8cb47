// Filling a model's missing shards: a few workers take shards in file order, read each one (HTTP
// range or a slice of a local File), store its bytes, and only then mark it in the manifest. The
// first failure stops the others; whatever was stored by then stays marked.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fetchRange, withRetries, type FetchedShard } from './http.ts';
import { missingShards, type FileManifest, type Manifest } from './manifest.ts';
import { isQuotaError, putManifest, putShard } from './shard-db.ts';
import { shardSpan } from './shards.ts';
import { StorageError } from './types.ts';

/** Reads one shard; `onBytes` hears progress, negative when a failed attempt's bytes are taken back. */
export type ShardReader = (file: FileManifest, index: number, signal: AbortSignal, onBytes: (n: number) => void) => Promise<FetchedShard>;

export function httpReader(urlOf: (file: string) => string): ShardReader {
  return (file, index, signal, onBytes) => {
    const span = shardSpan(file.size, file.shardBytes, index);
    let received = 0;
    const attempt = () =>
      fetchRange({ url: urlOf(file.name), file: file.name, fileSize: file.size, ...span, etag: file.etag }, signal, (n) => {
        received += n;
        onBytes(n);
      });
    return withRetries(attempt, signal, () => {
      onBytes(-received);
      received = 0;
    });
  };
}

/** Local files are read in slices (never whole) and hashed as they come. */
export function fileReader(blob: Blob): ShardReader {
  const SLICE = 4 << 20;
  return async (file, index, signal, onBytes) => {
    const { start, end } = shardSpan(file.size, file.shardBytes, index);
    const out = new Uint8Array(end - start);
    const hash = sha256.create();
    for (let at = start; at < end; at += SLICE) {
      if (signal.aborted) throw new StorageError('aborted', 'copy paused');
      let part: Uint8Array;
      try {
        part = new Uint8Array(await blob.slice(at, Math.min(end, at + SLICE)).arrayBuffer());
      } catch (e) {
        throw new StorageError('bad-source', `${file.name} could not be read (${(e as Error).message}); pick the file again`);
      }
      out.set(part, at - start);
      hash.update(part);
      onBytes(part.length);
    }
    return { bytes: out, sha256: bytesToHex(hash.digest()) };
  };
}

export interface FillOptions {
  concurrency: number;
  signal?: AbortSignal;
  onBytes: (n: number, file: string) => void;
}

export async function fillShards(m: Manifest, read: ShardReader, o: FillOptions): Promise<void> {
  const queue = missingShards(m);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort);
  if (o.signal?.aborted) stop.abort();
  let failure: unknown;
  const worker = async () => {
    for (let job = queue.shift(); job && !stop.signal.aborted; job = queue.shift()) {
      const { file, index } = job;
      try {
        const shard = await read(file, index, stop.signal, (n) => o.onBytes(n, file.name));
        if (shard.etag && !file.etag) file.etag = shard.etag;
        await putShard([m.id, file.name, index], shard.bytes);
        file.shards[index] = shard.sha256;
        await putManifest(m);
      } catch (e) {
        failure ??= e;
        stop.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (o.signal?.aborted) throw new StorageError('aborted', 'download paused; finished shards are kept');
  if (failure !== undefined) throw asStorageError(failure);
}

/** Quota errors from IndexedDB become StorageError('quota'); anything unexpected stays as it is. */
export function asStorageError(e: unknown): unknown {
  if (!isQuotaError(e)) return e;
  return new StorageError('quota', 'the browser refused to store more (storage quota exceeded); free some space or remove a model, then resume');
}
