// Checking stored bytes: each shard against the hash taken when it was written, and each file in
// shard order against the hub's SHA-256. Hashing runs in slices with breaks in between, so a
// window stays responsive while gigabytes are hashed.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { spanLength, type FileManifest, type Manifest } from './manifest.ts';
import { getShard } from './shard-db.ts';
import { StorageError } from './types.ts';

type Hasher = ReturnType<typeof sha256.create>;

const SLICE = 4 << 20;

/** Lets other tasks run; unlike setTimeout, not slowed to a crawl in a background tab. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

async function hashInSlices(bytes: Uint8Array, hashers: Hasher[]): Promise<void> {
  for (let at = 0; at < bytes.length; at += SLICE) {
    const slice = bytes.subarray(at, at + SLICE);
    for (const h of hashers) h.update(slice);
    await yieldToEventLoop();
  }
}

export interface CheckResult {
  /** Shards missing, of the wrong length or (when rehashed) with other bytes than were written. */
  bad: { file: string; index: number }[];
  /** Whether some file's whole-file SHA-256 was checked. */
  sha256Checked: boolean;
  /** Files whose whole-file SHA-256 did not match. */
  mismatched: string[];
}

export interface CheckOptions {
  /** Rehash every shard (verify); else only whole files with a known SHA-256 are hashed. */
  rehashShards: boolean;
  onBytes: (n: number, file: string) => void;
  signal?: AbortSignal;
}

/**
 * A whole-file mismatch that no bad shard explains means the bytes were wrong when they came: then
 * every shard of that file is bad.
 */
export async function checkModel(m: Manifest, o: CheckOptions): Promise<CheckResult> {
  const result: CheckResult = { bad: [], sha256Checked: false, mismatched: [] };
  for (const file of m.files) {
    if (!o.rehashShards && !file.sha256) continue;
    const bad = await checkFile(m.id, file, o, result);
    result.bad.push(...bad.map((index) => ({ file: file.name, index })));
  }
  return result;
}

async function checkFile(modelId: string, file: FileManifest, o: CheckOptions, result: CheckResult): Promise<number[]> {
  const bad: number[] = [];
  let whole: Hasher | undefined = file.sha256 ? sha256.create() : undefined;
  const load = (i: number) => (file.shards[i] === null ? Promise.resolve(undefined) : getShard([modelId, file.name, i]));
  let next = file.shards.length ? load(0) : undefined;
  for (let i = 0; i < file.shards.length; i++) {
    if (o.signal?.aborted) throw new StorageError('aborted', 'verification stopped');
    const bytes = await next;
    next = i + 1 < file.shards.length ? load(i + 1) : undefined; // read the next shard while this one is hashed
    const length = spanLength(file, i);
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
      bad.push(i);
      whole = undefined;
    } else {
      const shard = o.rehashShards ? sha256.create() : undefined;
      await hashInSlices(bytes, [shard, whole].filter((h) => h !== undefined));
      if (shard && bytesToHex(shard.digest()) !== file.shards[i]) bad.push(i);
    }
    o.onBytes(length, file.name);
  }
  if (!whole) return bad;
  result.sha256Checked = true;
  if (bytesToHex(whole.digest()) === file.sha256) return bad;
  result.mismatched.push(file.name);
  return bad.length ? bad : file.shards.map((_, i) => i);
}
