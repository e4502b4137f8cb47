// Fetching one shard over HTTP: a Range request whose answer is checked (status, Content-Range,
// length, ETag) and hashed while it streams in; transient failures are retried with backoff.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { parseContentRange, rangeHeader } from './shards.ts';
import { StorageError } from './types.ts';

/** A StorageError that knows whether trying again may help (network errors, 5xx, 429, 408). */
export class FetchError extends StorageError {
  constructor(
    code: StorageError['code'],
    message: string,
    readonly transient: boolean,
  ) {
    super(code, message);
  }
}

export function httpError(url: string, status: number, detail?: string): FetchError {
  const transient = status >= 500 || status === 429 || status === 408;
  const code = status === 404 ? 'not-found' : 'http';
  return new FetchError(code, `${url}: HTTP ${status}${detail ? ` (${detail})` : ''}`, transient);
}

export function networkError(url: string, cause: unknown, signal?: AbortSignal): StorageError {
  if (signal?.aborted) return new StorageError('aborted', 'download paused');
  return new FetchError('network', `${url}: network error (${(cause as Error)?.message ?? String(cause)})`, true);
}

/** ETags compared as the server meant them: a proxy may weaken one ("W/"). */
export const sameEtag = (a: string, b: string) => a.replace(/^W\//, '') === b.replace(/^W\//, '');

/** The file changed on the server since its first shards were fetched. */
export class ChangedUpstreamError extends StorageError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super('integrity', message);
  }
}

export interface RangeRequest {
  url: string;
  /** The file's name, for messages. */
  file: string;
  fileSize: number;
  start: number;
  end: number;
  /** The ETag seen so far for this file; a different one means the file changed upstream. */
  etag?: string;
}

export interface FetchedShard {
  bytes: Uint8Array;
  sha256: string;
  etag?: string;
}

/** One attempt. `onBytes` hears each chunk as it arrives. */
export async function fetchRange(r: RangeRequest, signal: AbortSignal, onBytes: (n: number) => void): Promise<FetchedShard> {
  const length = r.end - r.start;
  let res: Response;
  try {
    res = await fetch(r.url, { signal, headers: { Range: rangeHeader(r) }, cache: 'no-store' });
  } catch (e) {
    throw networkError(r.url, e, signal);
  }
  const fail = (error: StorageError) => {
    void res.body?.cancel().catch(() => {});
    return error;
  };
  const url = res.url || r.url;
  if (res.status === 200) {
    // A server that ignores Range sends the whole file: fine for a one-shard file, else refused
    // before reading a byte of a possibly huge body.
    if (r.start !== 0 || length !== r.fileSize) {
      throw fail(new FetchError('http', `${url}: the server ignored the Range request (HTTP 200 with the whole file); downloading in shards needs HTTP range support`, false));
    }
  } else if (res.status === 206) {
    const cr = parseContentRange(res.headers.get('Content-Range'));
    if (!cr || cr.start !== r.start || cr.end !== r.end) {
      throw fail(new FetchError('http', `${url}: asked for bytes ${r.start}-${r.end - 1}, got Content-Range "${res.headers.get('Content-Range')}"`, false));
    }
    if (cr.total !== undefined && cr.total !== r.fileSize) {
      throw fail(new ChangedUpstreamError(r.file, `${r.file}: the server now has ${cr.total} bytes, ${r.fileSize} expected: the file changed upstream`));
    }
  } else {
    throw fail(httpError(url, res.status));
  }
  const etag = res.headers.get('ETag') ?? undefined;
  if (etag && r.etag && !sameEtag(etag, r.etag)) {
    throw fail(new ChangedUpstreamError(r.file, `${r.file} changed upstream during the download (ETag ${r.etag} -> ${etag})`));
  }
  return readBody(res, url, length, signal, onBytes, etag);
}

async function readBody(res: Response, url: string, length: number, signal: AbortSignal, onBytes: (n: number) => void, etag: string | undefined): Promise<FetchedShard> {
  const out = new Uint8Array(length);
  const hash = sha256.create();
  let at = 0;
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > length) throw new FetchError('http', `${url}: the response is longer than the ${length} bytes asked for`, false);
      out.set(value, at);
      hash.update(value);
      at += value.length;
      onBytes(value.length);
    }
  } catch (e) {
    void reader.cancel().catch(() => {});
    if (e instanceof StorageError) throw e;
    throw networkError(url, e, signal);
  }
  if (at !== length) throw new FetchError('network', `${url}: the response ended after ${at} of ${length} bytes`, true);
  return { bytes: out, sha256: bytesToHex(hash.digest()), etag };
}

const RETRIES = 4;

/** 0.25 s, 0.5 s, 1 s, 2 s, ... */
const backoffMs = (attempt: number) => 250 * 2 ** attempt;

/** Runs `attempt` until it succeeds, fails for good, or RETRIES transient failures have passed. */
export async function withRetries<T>(attempt: () => Promise<T>, signal: AbortSignal, onRetry: () => void): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof FetchError && e.transient) || i >= RETRIES || signal.aborted) throw e;
      onRetry();
      await sleep(backoffMs(i), signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      if (signal.aborted) reject(new StorageError('aborted', 'download paused'));
      else resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
