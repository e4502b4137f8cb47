// The model cache through the app: a download the server cuts midway resumes after a reload without
// refetching finished shards; a corrupted shard is found by Verify and refetched alone by Repair;
// Delete frees the storage. The multi-shard model is over 96 MiB, so it spans four 32 MiB shards.
import { expect, test, type Page } from '@playwright/test';
import { MULTI_SHARD_REPO, SHARD_BYTES, addRepo, hub, hubRequests, modelRow, openApp, openTab, rangeStarts, waitComplete, watch } from './app-helpers.ts';

test.beforeEach(async () => {
  await hub('fault', {});
  await hub('reset');
});

/** Flips a byte in the middle of one stored shard, as disk corruption would. */
async function corruptShard(page: Page, index: number): Promise<void> {
  await page.evaluate(async (index) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('bitnet-web-shards');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const store = db.transaction('shards', 'readwrite').objectStore('shards');
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const r = store.getAllKeys();
      r.onsuccess = () => resolve(r.result);
    });
    const key = keys.find((k) => Array.isArray(k) && String(k[0]).includes('multi-shard') && k[2] === index)!;
    await new Promise<void>((resolve, reject) => {
      const get = store.get(key);
      get.onsuccess = () => {
        const bytes = get.result as Uint8Array;
        bytes[bytes.length >> 1] ^= 0xff;
        const put = store.put(bytes, key);
        put.onsuccess = () => resolve();
        put.onerror = () => reject(put.error);
      };
    });
    db.close();
  }, index);
}

const usage = async (page: Page) => Number(await page.getByTestId('storage-estimate').getAttribute('data-usage'));

test('a download cut by the server resumes after a reload; Verify finds a corrupt shard, Repair refetches it alone; Delete frees the space', async ({ page }) => {
  test.setTimeout(240_000);
  const watched = await watch(page);
  // Shards 2 and 3 have their connection cut, every try: shards 0 and 1 finish, the download fails.
  await hub('fault', { path: 'ggml-model-i2_s.gguf', fromByte: 2 * SHARD_BYTES, cutAfterBytes: 100_000, count: 1000 });
  await openApp(page);
  const row = await addRepo(page, MULTI_SHARD_REPO);
  await expect(row.getByTestId('download-error')).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: 'test-results/models-download-cut.png' });
  const cut = await hubRequests();
  expect(cut.some((r) => r.cut)).toBe(true);

  // The tab is reloaded; the network is back; Resume fetches only what was not finished.
  await hub('fault', {});
  await hub('reset');
  await page.reload();
  await openTab(page, 'Models');
  await expect(row).toHaveAttribute('data-status', 'partial');
  await row.getByRole('button', { name: /^(Resume|Retry)$/ }).click();
  await waitComplete(row, 120_000);
  const resumed = rangeStarts((await hubRequests()).filter((r) => r.status === 206));
  expect(resumed.length).toBeGreaterThan(0);
  expect(resumed.every((start) => start >= 2 * SHARD_BYTES), `resumed ranges start at ${resumed.join(', ')}`).toBe(true);

  // Verify finds the corrupted shard; Repair refetches that shard alone; Verify is clean again.
  await corruptShard(page, 1);
  await row.getByRole('button', { name: 'Verify' }).click();
  await expect(row.getByTestId('verify-result')).toHaveAttribute('data-ok', 'false', { timeout: 60_000 });
  await expect(row.getByTestId('verify-result')).toContainText(/^1 damaged part /);
  await page.screenshot({ path: 'test-results/models-verify-bad.png' });
  await hub('reset');
  await row.getByRole('button', { name: 'Repair' }).click();
  await expect(row.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
  const repaired = (await hubRequests()).filter((r) => r.status === 206);
  expect(rangeStarts(repaired)).toEqual([SHARD_BYTES]);

  // Delete frees the model's storage.
  await page.reload();
  await openTab(page, 'Stats');
  const before = await usage(page);
  expect(before).toBeGreaterThan(96 * 2 ** 20);
  await openTab(page, 'Models');
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
  await expect(modelRow(page, MULTI_SHARD_REPO)).toHaveCount(0);
  await openTab(page, 'Stats');
  await expect.poll(() => usage(page), { timeout: 20_000 }).toBeLessThan(before - 90 * 2 ** 20);
  expect(await watched.cspViolations()).toEqual([]);
  // The browser logs each connection the hub cut on purpose; nothing else may be logged.
  expect(watched.errors.filter((e) => !e.includes('net::ERR_CONTENT_LENGTH_MISMATCH'))).toEqual([]);
});

test('Pause stops a download and Resume finishes it; a model too big for the quota is refused before any byte', async ({ page }) => {
  test.setTimeout(180_000);
  const watched = await watch(page);
  await openApp(page);
  await hub('fault', { throttleBytesPerSec: 25_000_000 });
  const row = await addRepo(page, MULTI_SHARD_REPO);
  const progress = row.getByTestId('download-progress');
  await expect.poll(async () => Number(await progress.getAttribute('data-bytes-done')), { timeout: 30_000 }).toBeGreaterThan(0);
  await row.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused');
  await expect(progress).toContainText('Paused');
  const pausedAt = Number(await progress.getAttribute('data-bytes-done'));
  await page.waitForTimeout(1000);
  expect(Number(await progress.getAttribute('data-bytes-done'))).toBe(pausedAt);
  await page.screenshot({ path: 'test-results/models-paused.png' });
  await hub('fault', {});
  await row.getByRole('button', { name: 'Resume' }).click();
  await waitComplete(row, 120_000);

  await hub('reset');
  await addRepo(page, 'test/too-big-gguf');
  const refused = page.getByTestId('intake-status').and(page.locator('[data-status="refused"]'));
  await expect(refused).toContainText(/needs 1.00 TB more, but only .* of storage is free. Nothing was downloaded/);
  expect(await hubRequests()).toEqual([]);
  await page.screenshot({ path: 'test-results/models-too-big.png' });
  expect(await watched.cspViolations()).toEqual([]);
  expect(watched.errors).toEqual([]);
});
