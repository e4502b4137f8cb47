// The offline PWA: after one visit with a model cached, the page opens and chats with no network;
// a new app version updates the shell (the user is told, and chooses when) without touching the
// cached model or the conversations. Also: installable (manifest), strict CSP with no violation.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { GGUF_REPO, hub, loadOn, modelRow, openApp, openTab, send, setMaxTokens, waitComplete, watch } from './app-helpers.ts';

const SW = 'dist/sw.js';

test.beforeEach(async () => {
  await hub('fault', {});
  await hub('reset');
});

/** Waits until the service worker has precached the shell and controls the page. */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

test('with a model cached, the app opens and chats offline; a shell update keeps model and conversations', async ({ page, context }) => {
  test.setTimeout(180_000);
  const watched = await watch(page);
  await openApp(page);
  const manifest = await page.evaluate(async () => (await fetch(document.querySelector<HTMLLinkElement>('link[rel=manifest]')!.href)).json());
  expect(manifest).toMatchObject({ display: 'standalone', short_name: 'bitnet-web' });
  expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
  expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);

  await openTab(page, 'Models');
  await page.locator(`[data-testid="catalog-row"][data-repo="${GGUF_REPO}"]`).getByRole('button', { name: /^Download/ }).click();
  const row = modelRow(page, GGUF_REPO);
  await waitComplete(row);
  await controlled(page);

  // No network at all: the shell comes from the service worker, the model from IndexedDB.
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'bitnet-web' })).toBeVisible();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await setMaxTokens(page, 12);
  await loadOn(page, row, 'WASM');
  await send(page, 'Are you there without a network?');
  await page.screenshot({ path: 'test-results/pwa-offline-chat.png' });
  await context.setOffline(false);

  // A new version of the shell: the page says so; updating keeps the model and the conversation.
  const original = readFileSync(SW, 'utf8');
  try {
    writeFileSync(SW, `${original}\n// a new version ${Date.now()}\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await expect(page.getByTestId('update-notice')).toBeVisible({ timeout: 30_000 });
    await page.screenshot({ path: 'test-results/pwa-update-notice.png' });
    const messages = await page.getByTestId('message').count();
    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-notice').getByRole('button', { name: 'Update now' }).click()]);
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
    await openTab(page, 'Models');
    await waitComplete(modelRow(page, GGUF_REPO));
    await expect(page.getByTestId('message')).toHaveCount(messages);
  } finally {
    writeFileSync(SW, original);
  }
  expect(await watched.cspViolations()).toEqual([]);
  // Offline, the browser logs the requests it could not make (the hub's listing); nothing else.
  expect(watched.errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([]);
});

test('on a static host that sends no isolation headers, the service worker isolates the page', async ({ browser }) => {
  // dist/ served as a plain static host would: no COOP/COEP, no CSP header (the page's meta has it).
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml', '.png': 'image/png' };
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url!, 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = readFileSync(join('dist', path === '/' ? 'index.html' : path));
      res.writeHead(200, { 'Content-Type': types[extname(path)] ?? (path === '/' ? 'text/html' : 'application/octet-stream') }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, ok));
  const port = (server.address() as { port: number }).port;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const watched = await watch(page);
    await page.goto(`http://localhost:${port}/`);
    // The first load is not isolated; once the worker controls the page, it reloads itself once.
    // (An evaluation that the reload interrupts counts as "not yet".)
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 30_000 }).toBe(true);
    await expect(page.getByRole('heading', { name: 'bitnet-web' })).toBeVisible();
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.errors).toEqual([]);
  } finally {
    await context.close();
    server.close();
  }
});
