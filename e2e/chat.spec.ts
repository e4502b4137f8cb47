// The chat app end to end, as a user meets it: first visit, a model from the (stand-in) hub with
// visible progress, streamed replies on WASM and on WebGPU (SwiftShader), stats and memory, the KV
// cache reused across turns, and after a reload the model from IndexedDB with no model request and
// the conversation still there. Screenshots of the main states go to test-results/.
import { expect, test } from '@playwright/test';
import { GGUF_REPO, HTML_REPO, addRepo, hub, hubRequests, loadOn, modelRow, openApp, openTab, send, setMaxTokens, waitComplete, watch } from './app-helpers.ts';

test.beforeEach(async () => {
  await hub('fault', {});
  await hub('reset');
});

test('first visit: download with progress, chat on WASM and WebGPU, stats, then reload from IndexedDB', async ({ page }) => {
  test.setTimeout(240_000);
  const watched = await watch(page);
  await openApp(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.screenshot({ path: 'test-results/chat-first-visit.png' });

  // Download the default catalog model, slowed down so that its progress can be seen.
  await openTab(page, 'Models');
  await hub('fault', { throttleBytesPerSec: 1_500_000 });
  await page.locator(`[data-testid="catalog-row"][data-repo="${GGUF_REPO}"]`).getByRole('button', { name: /^Download/ }).click();
  const row = modelRow(page, GGUF_REPO);
  const progress = row.getByTestId('download-progress');
  await expect(progress).toBeVisible();
  await expect.poll(async () => Number(await progress.getAttribute('data-bytes-done'))).toBeGreaterThan(0);
  await expect(progress).toContainText(/MB\/s/);
  await page.screenshot({ path: 'test-results/chat-downloading.png' });
  await waitComplete(row);
  await hub('fault', {});
  const downloaded = await hubRequests();
  expect(downloaded.filter((r) => r.status === 206 || r.status === 200).length).toBeGreaterThan(0);

  // WASM: streamed reply, stats, and the second turn reusing the first turn's KV cache.
  await setMaxTokens(page, 16);
  await loadOn(page, row, 'WASM');
  const first = await send(page, 'Hello! Who are you?');
  await expect(first.locator('.bubble, .markdown').first()).not.toBeEmpty();
  await expect(first.getByTestId('message-stats')).toContainText(/tok\/s/);
  const second = await send(page, 'Tell me more.');
  expect(Number(await second.getByTestId('message-stats').getAttribute('data-reused'))).toBeGreaterThan(0);
  await openTab(page, 'Stats');
  const stats = page.getByTestId('speed-stats');
  await expect(stats).toContainText(/tok\/s/);
  await expect(page.getByTestId('memory-panel')).toContainText(/[1-9][\d.]* (kB|MB|GB)/);
  await page.screenshot({ path: 'test-results/chat-wasm.png' });

  // WebGPU (SwiftShader here: forced, since Auto would take WASM over a software adapter).
  await loadOn(page, row, 'WebGPU');
  const gpuReply = await send(page, 'And on the GPU?');
  await expect(gpuReply.getByTestId('message-stats')).toContainText(/tok\/s/);
  await page.screenshot({ path: 'test-results/chat-webgpu.png' });

  // Reload: the conversation is still there, and the model loads from IndexedDB with no model request.
  const messages = await page.getByTestId('message').count();
  await hub('reset');
  await page.reload();
  await expect(page.getByTestId('message')).toHaveCount(messages);
  await waitComplete(row);
  await loadOn(page, row, 'WASM');
  await send(page, 'Still here after a reload?');
  expect(await hubRequests()).toEqual([]);
  await page.screenshot({ path: 'test-results/chat-after-reload.png' });

  expect(await watched.cspViolations()).toEqual([]);
  expect(watched.errors).toEqual([]);
});

test('model output with HTML or script stays inert text', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openApp(page);
  const row = await addRepo(page, HTML_REPO);
  await waitComplete(row);
  await setMaxTokens(page, 40);
  await loadOn(page, row, 'WASM');
  const reply = await send(page, 'Say something.');
  const bubble = reply.locator('.markdown');
  // The model's vocabulary is mostly payloads: the reply has some, shown as text...
  await expect(bubble).toContainText(/<(img|script|svg|iframe|b|a|style)\b/);
  // ...and none of them became an element, ran, or changed the page.
  expect(await bubble.locator('img, script, iframe, svg, style, b, a[href^="javascript"]').count()).toBe(0);
  expect(await page.title()).toBe('bitnet-web');
  await page.screenshot({ path: 'test-results/chat-html-inert.png' });
  expect(watched.errors).toEqual([]);
});
