// The model cache in a real browser: ModelStore in a page (e2e/harness/storage.ts) with real
// IndexedDB and real HTTP against e2e/hub-server.mjs, a stand-in for the Hugging Face hub on
// another origin with the generated models, a request log and fault injection. No mocks.
// Shards are 256 KiB here, so the 3.4 MB GGUF is 14 shards.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { CachedModel, DownloadPlan, StorageEstimate, VerifyReport } from '../src/storage/types.ts';
import type { HubRequest } from './app-helpers.ts';
import type { Outcome, Run, SourceSpec } from './harness/storage.ts';
import { HUB_URL } from './ports.ts';

const SHARD = 256 << 10;
const GGUF_REPO = 'microsoft/bitnet-b1.58-2B-4T-gguf';
const GGUF_FILE = 'ggml-model-i2_s.gguf';
const GGUF: SourceSpec = { kind: 'hub', repo: GGUF_REPO };
const GGUF_ID = `hub:${GGUF_REPO}@main:${GGUF_FILE}`;
const HF_REPO = 'microsoft/bitnet-b1.58-2B-4T';

const onDisk = (repo: string, file: string) => readFileSync(join('.cache/e2e-hub/repos', repo, file));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const GGUF_BYTES = () => onDisk(GGUF_REPO, GGUF_FILE);
const SHARDS = () => Math.ceil(GGUF_BYTES().length / SHARD);

async function hub(path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(HUB_URL + path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  expect(r.ok, `${path}: HTTP ${r.status}`).toBe(true);
  return r.json();
}
const fault = (f: object) => hub('/__hub/fault', f);
/** Byte requests (GET) for a file since the last reset. */
const gets = async (file = GGUF_FILE) => ((await hub('/__hub/requests')) as HubRequest[]).filter((r) => r.method === 'GET' && r.path === file);
const shardOf = (r: HubRequest) => Number(/^bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? NaN) / SHARD;
const doneShards = (m: CachedModel | undefined, file = GGUF_FILE) => m?.files.find((f) => f.name === file)?.shardsDone ?? 0;

/** The most requests in flight at once. */
function maxInFlight(reqs: HubRequest[]): number {
  const edges = reqs.flatMap((r) => [[r.start, 1], [r.end, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

const h = {
  download: (page: Page, s: SourceSpec, o?: { pauseAtFraction?: number }) => page.evaluate(([s, o]) => window.storageHarness!.download(s, o), [s, o] as const) as Promise<Run<CachedModel>>,
  plan: (page: Page, s: SourceSpec) => page.evaluate((s) => window.storageHarness!.plan(s), s) as Promise<Outcome<DownloadPlan>>,
  get: (page: Page, id = GGUF_ID) => page.evaluate((id) => window.storageHarness!.get(id), id),
  verify: (page: Page, id = GGUF_ID) => page.evaluate((id) => window.storageHarness!.verify(id), id) as Promise<Run<VerifyReport>>,
  repair: (page: Page, id = GGUF_ID) => page.evaluate((id) => window.storageHarness!.repair(id), id) as Promise<Run<VerifyReport>>,
  readBack: (page: Page, id = GGUF_ID) => page.evaluate((id) => window.storageHarness!.readBack(id), id),
  openModel: (page: Page, id = GGUF_ID) => page.evaluate((id) => window.storageHarness!.openModel(id), id),
  estimate: (page: Page) => page.evaluate(() => window.storageHarness!.estimate()) as Promise<StorageEstimate>,
};

function ok<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code}: ${o.error.message}`);
  return o.value;
}
function failed<T>(o: Outcome<T>): { code: string; message: string } {
  if (o.ok) throw new Error('expected a failure');
  return o.error;
}

async function openHarness(page: Page): Promise<void> {
  await page.goto('/e2e/harness/storage.html');
  await expect(page.locator('#status')).toHaveText('ready');
  await page.evaluate(([hubBase, shardBytes]) => window.storageHarness!.configure({ hubBase, shardBytes, concurrency: 4 }), [HUB_URL, SHARD] as const);
}

/** Complete, and every file read back through openFiles equals the hub's. */
async function expectCached(page: Page, repo: string, id: string, files: string[]): Promise<void> {
  const model = (await h.get(page, id))!;
  expect(model.complete).toBe(true);
  expect(model.storedBytes).toBe(model.totalBytes);
  const read = ok(await h.readBack(page, id));
  expect(Object.keys(read).sort()).toEqual([...files].sort());
  for (const f of files) expect(read[f], f).toEqual({ size: onDisk(repo, f).length, sha256: sha256(onDisk(repo, f)) });
}

const pageErrors: string[] = [];
test.beforeEach(async ({ page }) => {
  pageErrors.length = 0;
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await fault({});
  await hub('/__hub/reset', {});
  await openHarness(page);
});
test.afterEach(() => expect(pageErrors).toEqual([]));

test('download in shards, several in flight, with progress; the cached file reads back equal and opens', async ({ page }) => {
  await fault({ throttleBytesPerSec: 1 << 20 }); // 1 MiB/s per connection: about a second in all
  const plan = ok(await h.plan(page, GGUF));
  expect(plan).toMatchObject({ modelId: GGUF_ID, format: 'gguf', bytesTotal: GGUF_BYTES().length, bytesMissing: GGUF_BYTES().length, fits: true });
  expect(plan.files).toEqual([{ name: GGUF_FILE, size: GGUF_BYTES().length, sha256: sha256(GGUF_BYTES()) }]);

  const run = await h.download(page, GGUF);
  const model = ok(run.outcome);
  expect(model).toMatchObject({ id: GGUF_ID, format: 'gguf', complete: true, source: { kind: 'hub', repo: GGUF_REPO, revision: 'main' } });
  expect(model.files[0]).toMatchObject({ name: GGUF_FILE, sha256: sha256(GGUF_BYTES()), etag: `"${sha256(GGUF_BYTES())}"`, shardCount: SHARDS(), shardsDone: SHARDS() });

  // one request per shard, 206 each, up to 4 at once
  const reqs = await gets();
  expect(reqs.map(shardOf).sort((a, b) => a - b)).toEqual([...Array(SHARDS()).keys()]);
  expect(reqs.every((r) => r.status === 206 && !r.cut)).toBe(true);
  expect(maxInFlight(reqs)).toBeGreaterThanOrEqual(3);
  expect(maxInFlight(reqs)).toBeLessThanOrEqual(4);

  // progress: download, verify (the hub's SHA-256), done; rate and ETA once measured; ~10 reports a second
  const phases = [...new Set(run.progress.map((p) => p.phase))];
  expect(phases).toEqual(['download', 'verify', 'done']);
  const dl = run.progress.filter((p) => p.phase === 'download');
  expect(dl.length).toBeGreaterThanOrEqual(5);
  expect(dl.length).toBeLessThanOrEqual(((dl.at(-1)!.t - dl[0].t) / 1000) * 10 + 3);
  expect(dl.every((p) => p.bytesTotal === GGUF_BYTES().length && p.file === (p === dl[0] ? undefined : GGUF_FILE))).toBe(true);
  const measured = dl.filter((p) => p.bytesPerSec > 0);
  expect(measured.length).toBeGreaterThan(0);
  expect(measured.every((p) => p.etaSec !== undefined && p.bytesPerSec < 20e6)).toBe(true);
  expect(run.progress.at(-1)).toMatchObject({ phase: 'done', bytesDone: GGUF_BYTES().length });

  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);
  expect(ok(await h.openModel(page))).toMatchObject({ dim: 384, nLayers: 4, vocabSize: 2256 });
  // cached: nothing more to fetch
  expect(ok(await h.plan(page, GGUF)).bytesMissing).toBe(0);
  const verify = ok((await h.verify(page)).outcome);
  expect(verify).toEqual({ modelId: GGUF_ID, ok: true, badShards: [], sha256Checked: true });
});

test('a Hugging Face folder: the model files only, each checked and readable; the model opens', async ({ page }) => {
  const id = `hub:${HF_REPO}@main`;
  const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'];
  const model = ok((await h.download(page, { kind: 'hub', repo: HF_REPO })).outcome);
  expect(model.id).toBe(id);
  expect(model.format).toBe('hf');
  expect(model.files.map((f) => f.name)).toEqual(files);
  expect(model.files.find((f) => f.name === 'model.safetensors')!.sha256).toBe(sha256(onDisk(HF_REPO, 'model.safetensors')));
  await expectCached(page, HF_REPO, id, files);
  expect(ok(await h.openModel(page, id))).toMatchObject({ dim: 384, nLayers: 4, vocabSize: 2256 });
});

test('pause and resume: finished shards are never fetched again', async ({ page }) => {
  await fault({ throttleBytesPerSec: 1 << 20 });
  const paused = await h.download(page, GGUF, { pauseAtFraction: 0.4 });
  expect(failed(paused.outcome).code).toBe('aborted');
  const model = (await h.get(page))!;
  expect(model.complete).toBe(false);
  const done = doneShards(model);
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(SHARDS());
  expect(model.storedBytes).toBe(done * SHARD);
  expect(ok(await h.plan(page, GGUF)).bytesMissing).toBe(GGUF_BYTES().length - done * SHARD);

  await fault({});
  await hub('/__hub/reset', {});
  const resumed = await h.download(page, GGUF);
  ok(resumed.outcome);
  expect(resumed.progress[0].bytesDone).toBe(done * SHARD);
  // Exactly the missing shards, once each: had a finished one been fetched again, a missing one
  // would have been left out and the file would not read back whole.
  const again = (await gets()).map(shardOf);
  expect(again).toHaveLength(SHARDS() - done);
  expect(new Set(again).size).toBe(again.length);
  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);
});

test('connections cut mid-shard are retried; the file is intact', async ({ page }) => {
  await fault({ path: GGUF_FILE, cutAfterBytes: 100_000, count: 2 });
  ok((await h.download(page, GGUF)).outcome);
  const reqs = await gets();
  const cut = reqs.filter((r) => r.cut);
  expect(cut).toHaveLength(2);
  for (const c of cut) expect(reqs.filter((r) => r.range === c.range && !r.cut && r.status === 206), c.range!).toHaveLength(1);
  expect(reqs).toHaveLength(SHARDS() + 2);
  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);
});

test('reloading the page mid-download, then downloading again, resumes', async ({ page }) => {
  await fault({ throttleBytesPerSec: 512 << 10 });
  await page.evaluate((s) => window.storageHarness!.start(s), GGUF);
  await expect.poll(async () => doneShards(await h.get(page)), { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
  await page.reload();
  await openHarness(page);
  const model = (await h.get(page))!;
  const done = doneShards(model);
  expect(done).toBeGreaterThanOrEqual(4);
  expect(done).toBeLessThan(SHARDS());
  await fault({});
  await hub('/__hub/reset', {});
  ok((await h.download(page, GGUF)).outcome);
  expect(await gets()).toHaveLength(SHARDS() - done);
  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);
});

test('a corrupted shard: verify finds exactly it, repair refetches only it', async ({ page }) => {
  ok((await h.download(page, GGUF)).outcome);
  await page.evaluate(([id, file]) => window.storageHarness!.corruptShard(id, file, 5), [GGUF_ID, GGUF_FILE] as const);
  const bad = ok((await h.verify(page)).outcome);
  expect(bad).toEqual({ modelId: GGUF_ID, ok: false, badShards: [{ file: GGUF_FILE, index: 5 }], sha256Checked: true });
  expect((await h.get(page))!.complete).toBe(false);
  expect(failed(await h.readBack(page)).code).toBe('incomplete');

  await hub('/__hub/reset', {});
  const repaired = await h.repair(page);
  expect(ok(repaired.outcome)).toEqual({ modelId: GGUF_ID, ok: true, badShards: [], sha256Checked: true });
  expect(repaired.progress.some((p) => p.phase === 'repair')).toBe(true);
  expect((await gets()).map(shardOf)).toEqual([5]);
  expect(ok((await h.verify(page)).outcome).ok).toBe(true);
  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);
});

test('remove deletes every shard and the manifest, and frees the storage', async ({ page }) => {
  ok((await h.download(page, GGUF)).outcome);
  const before = await h.estimate(page);
  expect(await page.evaluate((id) => window.storageHarness!.shardKeyCount(id), GGUF_ID)).toBe(SHARDS());
  await page.evaluate((id) => window.storageHarness!.remove(id), GGUF_ID);
  expect(await page.evaluate((id) => window.storageHarness!.shardKeyCount(id), GGUF_ID)).toBe(0);
  expect(await h.get(page)).toBeUndefined();
  expect(await page.evaluate(() => window.storageHarness!.list())).toEqual([]);
  await expect.poll(async () => before.usage - (await h.estimate(page)).usage, { timeout: 10_000 }).toBeGreaterThan(GGUF_BYTES().length * 0.8);
});

test('quota: refused up front when it cannot fit; a quota error mid-way stops cleanly and resumes later', async ({ page }) => {
  // Chromium's estimate() reports a fixed quota (usage + up to 10 GiB) whatever the real limit, so
  // the up-front check is shown with a model bigger than that: a 1 TB file in the hub's tree.
  const huge: SourceSpec = { kind: 'hub', repo: 'test/too-big-gguf' };
  const plan = ok(await h.plan(page, huge));
  expect(plan).toMatchObject({ bytesTotal: 1e12, bytesMissing: 1e12, fits: false });
  expect(plan.estimate.quota).toBeLessThan(1e12);
  const refused = failed((await h.download(page, huge)).outcome);
  expect(refused.code).toBe('quota');
  expect(refused.message).toMatch(/needs 1000000\.0 MB more but only .* MB of browser storage is free/);
  expect((await hub('/__hub/requests')) as HubRequest[]).toEqual([]);

  // The real limit, lowered through DevTools, is met mid-way: IndexedDB throws QuotaExceededError.
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_500_000 });
  const stopped = failed((await h.download(page, GGUF)).outcome);
  expect(stopped.code).toBe('quota');
  expect(stopped.message).toMatch(/storage quota exceeded/);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });

  // The manifest is consistent: the shards marked done hold their bytes, the failed ones are missing.
  const done = doneShards(await h.get(page));
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(SHARDS());
  const report = ok((await h.verify(page)).outcome);
  expect(report.badShards).toHaveLength(SHARDS() - done);
  expect(doneShards(await h.get(page))).toBe(done);

  await hub('/__hub/reset', {});
  ok((await h.download(page, GGUF)).outcome);
  expect(await gets()).toHaveLength(SHARDS() - done);
  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);
});

test('HTTP trouble: 503s are retried, 404 is not-found, a server ignoring Range is refused', async ({ page }) => {
  await fault({ path: GGUF_FILE, status: 503, count: 2 });
  ok((await h.download(page, GGUF)).outcome);
  const reqs = await gets();
  expect(reqs.filter((r) => r.status === 503)).toHaveLength(2);
  expect(reqs.filter((r) => r.status === 206)).toHaveLength(SHARDS());
  await expectCached(page, GGUF_REPO, GGUF_ID, [GGUF_FILE]);

  for (const s of [{ kind: 'hub', repo: 'nobody/nothing' }, { kind: 'hub', repo: GGUF_REPO, files: ['nope.gguf'] }, { kind: 'url', url: `${HUB_URL}/${GGUF_REPO}/resolve/main/nope.gguf` }] as SourceSpec[]) {
    expect(failed((await h.download(page, s)).outcome).code, JSON.stringify(s)).toBe('not-found');
  }

  const hf = { kind: 'hub', repo: HF_REPO } as const;
  await fault({ path: 'model.safetensors', ignoreRange: true, count: 1 });
  const refused = failed((await h.download(page, hf)).outcome);
  expect(refused.code).toBe('http');
  expect(refused.message).toMatch(/model\.safetensors: the server ignored the Range request/);
  // the fault was used up: the download resumes and completes
  ok((await h.download(page, hf)).outcome);
});

test('a file that changed upstream while paused: its partial shards are discarded, and the user is told', async ({ page }) => {
  const url = `${HUB_URL}/${GGUF_REPO}/resolve/main/${GGUF_FILE}`;
  const source: SourceSpec = { kind: 'url', url };
  await fault({ throttleBytesPerSec: 1 << 20 });
  expect(failed((await h.download(page, source, { pauseAtFraction: 0.3 })).outcome).code).toBe('aborted');
  expect(doneShards(await h.get(page, `url:${url}`))).toBeGreaterThan(0);
  await fault({});
  await fault({ path: GGUF_FILE, etag: '"changed"' });
  await hub('/__hub/reset', {});
  const run = await h.download(page, source);
  const model = ok(run.outcome);
  expect(run.progress[0].notice).toMatch(new RegExp(`${GGUF_FILE} changed upstream since its download began .* downloaded shards were discarded`));
  expect(run.progress[0].bytesDone).toBe(0);
  expect(model.files[0].etag).toBe('"changed"');
  expect((await gets()).length).toBe(SHARDS());
  await expectCached(page, GGUF_REPO, `url:${url}`, [GGUF_FILE]);
});

test('a local file is copied into shards and opens from the cache like a download', async ({ page }) => {
  const repo = 'test/html-reply-gguf';
  const source: SourceSpec = { kind: 'local', url: `${HUB_URL}/${repo}/resolve/main/${GGUF_FILE}`, name: 'picked.gguf', lastModified: 1700000000000 };
  const size = onDisk(repo, GGUF_FILE).length;
  const id = `local:picked.gguf:${size}:1700000000000`;
  await hub('/__hub/reset', {});
  const model = ok((await h.download(page, source)).outcome);
  expect(model).toMatchObject({ id, label: 'picked.gguf', format: 'gguf', complete: true, source: { kind: 'local', name: 'picked.gguf', lastModified: 1700000000000 } });
  expect(model.files[0]).toMatchObject({ shardCount: Math.ceil(size / SHARD), shardsDone: Math.ceil(size / SHARD) });
  expect((await gets()).map((r) => r.range)).toEqual([null]); // the page's one fetch that made the File; no shard requests
  const read = ok(await h.readBack(page, id));
  expect(read['picked.gguf']).toEqual({ size, sha256: sha256(onDisk(repo, GGUF_FILE)) });
  expect(ok(await h.openModel(page, id))).toMatchObject({ dim: 256, vocabSize: 564 });
  // a damaged local copy cannot be refetched: repair says how to restore it
  await page.evaluate((id) => window.storageHarness!.corruptShard(id, 'picked.gguf', 1), id);
  expect(failed((await h.repair(page, id)).outcome)).toMatchObject({ code: 'bad-source', message: expect.stringMatching(/add the file again/) });
  ok((await h.download(page, source)).outcome);
  expect(ok(await h.readBack(page, id))['picked.gguf'].sha256).toBe(sha256(onDisk(repo, GGUF_FILE)));
});
