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

const LOCAL_GGUF = '.cache/e2e-hub/repos/microsoft/bitnet-b1.58-2B-4T-gguf/ggml-model-i2_s.gguf';

/** A model opened from a local file (cached like a download) and loaded on WASM. */
async function localModel(page: import('@playwright/test').Page) {
  await openTab(page, 'Models');
  await page.getByTestId('local-model-file').setInputFiles(LOCAL_GGUF);
  const row = page.locator('[data-testid="model-row"][data-model-id^="local:"]');
  await waitComplete(row);
  return row;
}

test('a local file; Stop with Escape; Regenerate and Edit roll the KV cache back to the branch point', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openApp(page);
  const row = await localModel(page);
  await setMaxTokens(page, 400);
  await loadOn(page, row, 'WASM');
  expect(await hubRequests()).toEqual([]);

  // Escape stops the reply within a token.
  await page.getByTestId('composer').fill('Write a long story.');
  await page.getByTestId('composer').press('Enter');
  const streaming = page.locator('[data-testid="message"][data-streaming="true"]');
  await expect(streaming).toBeVisible();
  await page.keyboard.press('Escape');
  const stopped = page.locator('[data-testid="message"][data-role="assistant"]').first();
  await expect(stopped.getByTestId('message-stats')).toHaveAttribute('data-stop-reason', 'aborted');

  // Regenerate: everything before the reply comes from the cache.
  await setMaxTokens(page, 12);
  const firstReused = Number(await stopped.getByTestId('message-stats').getAttribute('data-reused'));
  await stopped.getByRole('button', { name: 'Regenerate' }).click();
  const again = page.locator('[data-testid="message"][data-role="assistant"]').first();
  await expect(again.getByTestId('message-stats')).toHaveAttribute('data-stop-reason', /^(max-tokens|stop-token)$/);
  expect(Number(await again.getByTestId('message-stats').getAttribute('data-reused'))).toBeGreaterThan(firstReused);

  // A second turn, then an edit of the first question: the cache rolls back to that message.
  await send(page, 'Another question.');
  const user = page.locator('[data-testid="message"][data-role="user"]').first();
  await user.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Edited text').fill('Write a short poem instead.');
  await page.getByTestId('edit-send').click();
  await expect(page.locator('[data-testid="message"]')).toHaveCount(2);
  const edited = page.locator('[data-testid="message"][data-role="assistant"]').first();
  await expect(edited.getByTestId('message-stats')).toHaveAttribute('data-stop-reason', /^(max-tokens|stop-token)$/);
  expect(Number(await edited.getByTestId('message-stats').getAttribute('data-reused'))).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/chat-edited.png' });
  expect(watched.errors).toEqual([]);
});

test('Auto runs WASM beside a software GPU and says why; a conversation that outgrows the context drops its oldest turns and says so', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openApp(page);
  const row = await localModel(page);
  await openTab(page, 'Settings');
  const ctx = page.getByLabel('Context size');
  await ctx.fill('256');
  await ctx.blur();
  await setMaxTokens(page, 8);
  // Auto: SwiftShader is a software adapter, so WASM runs, and the page says why.
  await page.getByTestId('backend-choice').getByText('Auto', { exact: true }).click();
  await row.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('backend-status')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('backend-status')).toContainText(/software adapter .*WASM is faster/);
  const long = (n: number) => `Question ${n}: ` + 'please tell me everything about ternary weights and integer activations '.repeat(6);
  for (let i = 1; i <= 3; i++) await send(page, long(i));
  const notice = page.getByTestId('dropped-notice').last();
  await expect(notice).toBeVisible();
  expect(Number(await notice.getAttribute('data-dropped'))).toBeGreaterThan(0);
  await expect(page.getByTestId('context-meter')).toHaveAttribute('data-size', '256');
  await page.screenshot({ path: 'test-results/chat-context-dropped.png' });
  expect(watched.errors).toEqual([]);
});

test('the int8 LM head: chosen in the models tab and kept across a reload, runs on WASM and the stats say so; switching back reloads with the exact head', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openApp(page);
  const row = await localModel(page);
  await setMaxTokens(page, 8);
  const heads = page.getByTestId('lm-head-choice');
  await heads.getByLabel('Int8 — faster on CPU, approximate').check();
  await page.reload();
  await openTab(page, 'Models');
  await waitComplete(row);
  await expect(heads.getByLabel('Int8 — faster on CPU, approximate')).toBeChecked();

  await loadOn(page, row, 'WASM');
  const status = page.getByTestId('backend-status');
  await expect(status).toHaveAttribute('data-lm-head', 'int8');
  await expect(status).toContainText('int8 LM head');
  const reply = await send(page, 'Hello on the int8 head.');
  await expect(reply.getByTestId('message-stats')).toContainText(/tok\/s/);
  await openTab(page, 'Stats');
  await expect(page.getByTestId('model-info')).toHaveAttribute('data-lm-head', 'int8');
  await expect(page.getByTestId('model-info')).toContainText(/LM head\s*int8/);
  await page.screenshot({ path: 'test-results/chat-int8-head.png' });

  await openTab(page, 'Models');
  await heads.getByLabel('Exact (default)').check();
  await heads.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/chat-lm-head-choice.png' });
  await page.getByRole('button', { name: 'Reload with the exact head' }).click();
  await expect(status).toHaveAttribute('data-lm-head', 'exact', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: /^Reload with/ })).toHaveCount(0);
  expect(watched.errors).toEqual([]);
});

test('conversations: rename, search, export as JSON, delete, import brings it back; a phone-sized screen', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openApp(page);
  const row = await localModel(page);
  await setMaxTokens(page, 8);
  await loadOn(page, row, 'WASM');
  await send(page, 'First conversation about ternary weights.');
  await page.getByTestId('new-chat').click();
  await send(page, 'Second conversation about activations.');
  const items = page.getByTestId('conversation-item');
  await expect(items).toHaveCount(2);

  // Rename the first (oldest) conversation, then find it by a word of its messages.
  const first = items.filter({ hasText: 'First conversation' });
  await first.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('Conversation title').fill('Ternary notes');
  await page.getByLabel('Conversation title').press('Enter');
  await expect(items.filter({ hasText: 'Ternary notes' })).toHaveCount(1);
  await page.getByTestId('conversation-search').fill('ternary');
  await expect(items).toHaveCount(1);
  await page.getByTestId('conversation-search').fill('');

  // Export it as JSON, delete it, import the file: it is back, with its messages.
  await items.filter({ hasText: 'Ternary notes' }).locator('button').first().click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export as JSON' }).click()]);
  const file = await download.path();
  const notes = items.filter({ hasText: 'Ternary notes' });
  await notes.getByRole('button', { name: 'Delete' }).click();
  await notes.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
  await expect(items).toHaveCount(1);
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('import-notice')).toBeVisible();
  await expect(items).toHaveCount(2);
  await items.filter({ hasText: 'Ternary notes' }).locator('button').first().click();
  await expect(page.locator('[data-testid="message"][data-role="user"]')).toContainText('First conversation about ternary weights.');

  // A bad file changes nothing and says why.
  await page.getByTestId('import-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"not": "conversations"}') });
  await expect(page.getByTestId('import-notice')).toHaveClass(/notice-error/);
  await expect(items).toHaveCount(2);

  // Phone-sized: the panels are drawers over the chat, a tap away.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Close panel' }).click();
  await page.getByTestId('composer').click();
  await page.screenshot({ path: 'test-results/chat-phone.png', animations: 'disabled' });
  await page.getByRole('button', { name: 'Conversations', exact: true }).click();
  await expect(page.getByTestId('new-chat')).toBeVisible();
  await page.screenshot({ path: 'test-results/chat-phone-conversations.png', animations: 'disabled' });
  expect(watched.errors).toEqual([]);
});
