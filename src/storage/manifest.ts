// What is stored of a model, per file and per shard: the record that makes downloads resumable.
// A shard's hash is set only once its bytes are in the database, so a marked shard is never
// fetched again and an unmarked one always is.
import { shardCount, shardSpan } from './shards.ts';
import type { CachedFileInfo, CachedModel, StoredSource } from './types.ts';

export interface FileManifest {
  name: string;
  size: number;
  /** SHA-256 (hex) of the whole file, where the hub gives one. */
  sha256?: string;
  /** The server's ETag when the first shard came; another one later means the file changed. */
  etag?: string;
  shardBytes: number;
  /** SHA-256 (hex) of each stored shard; null while it is not (fully) stored. */
  shards: (string | null)[];
}

export interface Manifest {
  id: string;
  label: string;
  format: 'gguf' | 'hf';
  source: StoredSource;
  files: FileManifest[];
  /** Every shard stored and the whole-file checksums checked. */
  complete: boolean;
  createdAt: number;
}

/** What a model is made of, before anything is stored. */
export interface PlannedModel {
  id: string;
  label: string;
  format: 'gguf' | 'hf';
  source: StoredSource;
  files: { name: string; size: number; sha256?: string }[];
}

export function newFileManifest(f: PlannedModel['files'][number], shardBytes: number): FileManifest {
  const m: FileManifest = { name: f.name, size: f.size, shardBytes, shards: new Array<string | null>(shardCount(f.size, shardBytes)).fill(null) };
  if (f.sha256) m.sha256 = f.sha256;
  return m;
}

export const shardsDone = (f: FileManifest) => f.shards.reduce((n, h) => n + (h === null ? 0 : 1), 0);

export function storedBytes(f: FileManifest): number {
  return f.shards.reduce((n, h, i) => (h === null ? n : n + spanLength(f, i)), 0);
}

export function spanLength(f: FileManifest, index: number): number {
  const s = shardSpan(f.size, f.shardBytes, index);
  return s.end - s.start;
}

/** Shards still to fetch, file by file in order. */
export function missingShards(m: Manifest): { file: FileManifest; index: number }[] {
  return m.files.flatMap((file) => file.shards.flatMap((h, index) => (h === null ? [{ file, index }] : [])));
}

/**
 * The manifest for `plan`, keeping what `old` already stored of each file that is still the same
 * (same name and size, no different checksum). `dropped`: old files whose shards must be deleted;
 * `notices`: the partial downloads among them, for the user.
 */
export function reconcile(old: Manifest | undefined, plan: PlannedModel, shardBytes: number, now: number): { manifest: Manifest; dropped: string[]; notices: string[] } {
  const dropped: string[] = [];
  const notices: string[] = [];
  const files = plan.files.map((f) => {
    const prev = old?.files.find((o) => o.name === f.name);
    if (prev && prev.size === f.size && (!prev.sha256 || !f.sha256 || prev.sha256 === f.sha256)) return f.sha256 ? { ...prev, sha256: f.sha256 } : prev;
    if (prev) {
      dropped.push(prev.name);
      if (shardsDone(prev)) notices.push(`${f.name} changed upstream since its download began; its ${shardsDone(prev)} downloaded shards were discarded`);
    }
    return newFileManifest(f, shardBytes);
  });
  for (const o of old?.files ?? []) if (!plan.files.some((f) => f.name === o.name)) dropped.push(o.name);
  const manifest: Manifest = { id: plan.id, label: plan.label, format: plan.format, source: plan.source, files, complete: false, createdAt: old?.createdAt ?? now };
  return { manifest, dropped, notices };
}

export function toCachedModel(m: Manifest): CachedModel {
  const files = m.files.map((f): CachedFileInfo => {
    const info: CachedFileInfo = { name: f.name, size: f.size, shardBytes: f.shardBytes, shardCount: f.shards.length, shardsDone: shardsDone(f) };
    if (f.sha256) info.sha256 = f.sha256;
    if (f.etag) info.etag = f.etag;
    return info;
  });
  return {
    id: m.id,
    label: m.label,
    format: m.format,
    source: m.source,
    files,
    totalBytes: m.files.reduce((n, f) => n + f.size, 0),
    storedBytes: m.files.reduce((n, f) => n + storedBytes(f), 0),
    complete: m.complete,
    createdAt: m.createdAt,
  };
}
