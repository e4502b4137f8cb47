// fetchRange and withRetries against a real HTTP server in this process, misbehaving on purpose.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChangedUpstreamError, FetchError, fetchRange, withRetries, type RangeRequest } from './http.ts';
import { StorageError } from './types.ts';

const FILE = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255);
let server: Server;
let base = '';
let failuresLeft = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const [start, end] = m ? [Number(m[1]), Number(m[2]) + 1] : [0, FILE.length];
    const path = req.url!;
    const body = FILE.subarray(start, end);
    const range = (total: number | string = FILE.length, s = start, e = end) => ({ 'Content-Range': `bytes ${s}-${e - 1}/${total}`, ETag: '"v1"' });
    if (path === '/missing') return res.writeHead(404).end();
    if (path === '/flaky' && failuresLeft-- > 0) return res.writeHead(503).end();
    if (path === '/whole') return res.writeHead(200, { 'Content-Length': FILE.length }).end(FILE);
    if (path === '/shifted') return res.writeHead(206, range(FILE.length, start + 1, end + 1)).end(FILE.subarray(start + 1, end + 1));
    if (path === '/grown') return res.writeHead(206, range(2000)).end(body);
    if (path === '/etag2') return res.writeHead(206, { ...range(), ETag: 'W/"v2"' }).end(body);
    if (path === '/cut') {
      res.writeHead(206, { ...range(), 'Content-Length': body.length });
      res.write(body.subarray(0, 10));
      return setTimeout(() => res.destroy(), 20);
    }
    res.writeHead(206, { ...range(), 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const req = (path: string, start = 100, end = 300, etag?: string): RangeRequest => ({ url: base + path, file: 'f.bin', fileSize: FILE.length, start, end, etag });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const never = new AbortController().signal;

async function failure(p: Promise<unknown>): Promise<StorageError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(StorageError);
  return e as StorageError;
}

describe('fetchRange', () => {
  test('a 206 answer: exact bytes, their SHA-256, the ETag, progress per chunk', async () => {
    let seen = 0;
    const r = await fetchRange(req('/ok'), never, (n) => (seen += n));
    expect(r.bytes).toEqual(FILE.subarray(100, 300));
    expect(r.sha256).toBe(sha(FILE.subarray(100, 300)));
    expect(r.etag).toBe('"v1"');
    expect(seen).toBe(200);
  });

  test('200 with the whole file: fine for a one-shard file, refused otherwise', async () => {
    expect((await fetchRange(req('/whole', 0, FILE.length), never, () => {})).bytes).toEqual(FILE);
    const e = await failure(fetchRange(req('/whole'), never, () => {}));
    expect(e.code).toBe('http');
    expect(e.message).toMatch(/ignored the Range request/);
    expect((e as FetchError).transient).toBe(false);
  });

  test('a wrong Content-Range, another size or another ETag are refused', async () => {
    expect((await failure(fetchRange(req('/shifted'), never, () => {}))).message).toMatch(/asked for bytes 100-299, got Content-Range "bytes 101-300\/1000"/);
    expect(await failure(fetchRange(req('/grown'), never, () => {}))).toBeInstanceOf(ChangedUpstreamError);
    const etag = await failure(fetchRange(req('/etag2', 100, 300, '"v1"'), never, () => {}));
    expect(etag).toBeInstanceOf(ChangedUpstreamError);
    expect(etag.message).toMatch(/ETag "v1" -> W\/"v2"/);
    // the same ETag, weakened by a proxy, is the same file
    await expect(fetchRange(req('/ok', 100, 300, 'W/"v1"'), never, () => {})).resolves.toBeTruthy();
  });

  test('404 is not-found; 503 and a cut connection are transient', async () => {
    const missing = await failure(fetchRange(req('/missing'), never, () => {}));
    expect([missing.code, missing.message]).toEqual(['not-found', `${base}/missing: HTTP 404`]);
    failuresLeft = 1;
    const busy = (await failure(fetchRange(req('/flaky'), never, () => {}))) as FetchError;
    expect([busy.code, busy.transient]).toEqual(['http', true]);
    const cut = (await failure(fetchRange(req('/cut'), never, () => {}))) as FetchError;
    expect([cut.code, cut.transient]).toEqual(['network', true]);
  });

  test('aborting is StorageError aborted', async () => {
    const stop = new AbortController();
    const p = fetchRange(req('/cut'), stop.signal, () => stop.abort());
    expect((await failure(p)).code).toBe('aborted');
  });
});

describe('withRetries', () => {
  test('transient failures are retried with backoff, then the answer comes', async () => {
    failuresLeft = 2;
    let retries = 0;
    const t0 = Date.now();
    const r = await withRetries(() => fetchRange(req('/flaky'), never, () => {}), never, () => retries++);
    expect(r.bytes).toEqual(FILE.subarray(100, 300));
    expect(retries).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250 + 500 - 20);
  });

  test('lasting failures give up after the retries; permanent ones at once', async () => {
    failuresLeft = 100;
    let retries = 0;
    const e = await failure(withRetries(() => fetchRange(req('/flaky'), never, () => {}), never, () => retries++));
    expect([e.code, retries]).toEqual(['http', 4]);
    retries = 0;
    expect((await failure(withRetries(() => fetchRange(req('/missing'), never, () => {}), never, () => retries++))).code).toBe('not-found');
    expect(retries).toBe(0);
  }, 15_000);
});
