// What the model cache promises its users (the UI, which downloads; the engine worker, which
// loads): where a model comes from, what is cached of it, and how a download is going.
import type { ByteSource } from '../model/source.ts';

/** Where a model's files come from. */
export type ModelSource =
  /** A Hugging Face repo; `files` names what to fetch, else they are discovered from the repo tree. */
  | { kind: 'hub'; repo: string; revision?: string; files?: string[] }
  /** A direct URL of one GGUF or safetensors file. */
  | { kind: 'url'; url: string }
  /** A file the user picked or dropped; cached the same way. */
  | { kind: 'local'; file: File };

/** The source as it is stored with the cached model (a File cannot be). */
export type StoredSource = { kind: 'hub'; repo: string; revision: string } | { kind: 'url'; url: string } | { kind: 'local'; name: string; lastModified: number };

export interface CachedFileInfo {
  name: string;
  size: number;
  /** SHA-256 (hex) of the whole file, where the hub provides one. */
  sha256?: string;
  etag?: string;
  shardBytes: number;
  shardCount: number;
  /** Shards fully written (and hashed) so far. */
  shardsDone: number;
}

export interface CachedModel {
  id: string;
  label: string;
  /** 'gguf': one GGUF file; 'hf': config.json + safetensors + tokenizer files. */
  format: 'gguf' | 'hf';
  source: StoredSource;
  files: CachedFileInfo[];
  totalBytes: number;
  storedBytes: number;
  complete: boolean;
  createdAt: number;
}

export type StoragePhase = 'plan' | 'download' | 'verify' | 'repair' | 'done';

export interface StorageProgress {
  modelId: string;
  phase: StoragePhase;
  bytesDone: number;
  bytesTotal: number;
  /** Smoothed over the last seconds; 0 until measured. */
  bytesPerSec: number;
  /** Seconds left at the current rate; undefined until measured. */
  etaSec?: number;
  file?: string;
  /** Something the user should be told once, e.g. that a file changed upstream and its partial download was discarded. */
  notice?: string;
}

export interface StorageEstimate {
  usage: number;
  quota: number;
  persisted: boolean;
}

export interface DownloadPlan {
  modelId: string;
  label: string;
  format: 'gguf' | 'hf';
  files: { name: string; size: number; sha256?: string }[];
  bytesTotal: number;
  /** Bytes still to fetch (less than bytesTotal when resuming). */
  bytesMissing: number;
  estimate: StorageEstimate;
  /** Whether bytesMissing fits in the quota left. */
  fits: boolean;
}

export interface VerifyReport {
  modelId: string;
  ok: boolean;
  badShards: { file: string; index: number }[];
  /** Whether a whole-file SHA-256 from the hub was checked too. */
  sha256Checked: boolean;
}

export type StorageErrorCode = 'quota' | 'network' | 'http' | 'not-found' | 'integrity' | 'aborted' | 'bad-source' | 'incomplete';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ProgressOptions {
  onProgress?: (p: StorageProgress) => void;
  signal?: AbortSignal;
}

/** The model cache (src/storage/model-store.ts implements it over IndexedDB). */
export interface ModelCache {
  list(): Promise<CachedModel[]>;
  get(id: string): Promise<CachedModel | undefined>;
  /** What a download would fetch and whether it fits, before anything is written. */
  plan(source: ModelSource): Promise<DownloadPlan>;
  /** Downloads or resumes; aborting (pause) keeps every finished shard. */
  download(source: ModelSource, opts?: ProgressOptions): Promise<CachedModel>;
  verify(id: string, opts?: ProgressOptions): Promise<VerifyReport>;
  /** Refetches only the shards verify finds bad. */
  repair(id: string, opts?: ProgressOptions): Promise<VerifyReport>;
  remove(id: string): Promise<void>;
  /** The complete model's files, each a ByteSource reading straight from the shards. */
  openFiles(id: string): Promise<Map<string, ByteSource>>;
  estimate(): Promise<StorageEstimate>;
  requestPersist(): Promise<boolean>;
}
