// Shared steps of the app's end-to-end tests: open the built page against the stand-in hub, steer
// the hub, get a model into the cache, load it, and chat. Every page records console errors and
// Content-Security-Policy violations, which the tests assert are none.
import { readFileSync } from 'node:fs';
import { expect, type Locator, type Page } from '@playwright/test';
import type { BenchResultSet } from '../src/bench/result-set.ts';
import { HUB_URL } from './ports.ts';

export const GGUF_REPO = 'microsoft/bitnet-b1.58-2B-4T-gguf';
export const HF_REPO = 'microsoft/bitnet-b1.58-2B-4T';
export const MULTI_SHARD_REPO = 'test/multi-shard-gguf';
export const HTML_REPO = 'test/html-reply-gguf';
export const SHARD_BYTES = 32 * 2 ** 20;

export interface HubRequest {
  method: string;
  repo: string;
  path: string;
  range: string | null;
  status: number;
  bytes: number;
  cut: boolean;
  /** When the response began and ended (ms since the epoch). */
  start: number;
  end: number;
}

/** POSTs to the hub's control endpoints (reset, fault). */
export async function hub(what: 'reset' | 'fault', body: object = {}): Promise<void> {
  const res = await fetch(`${HUB_URL}/__hub/${what}`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.ok, `hub ${what}`).toBe(true);
}

/** Model-byte requests the hub served since the last reset. */
export async function hubRequests(): Promise<HubRequest[]> {
  return (await (await fetch(`${HUB_URL}/__hub/requests`)).json()) as HubRequest[];
}

/** First byte of each range request (0 for a whole-file request). */
export const rangeStarts = (log: HubRequest[]) => log.map((r) => Number(/^bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? 0));

export interface Watched {
  errors: string[];
  cspViolations(): Promise<string[]>;
}

/** Console errors, page errors and CSP violations of this page from now on (reloads included). */
export async function watch(page: Page): Promise<Watched> {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  return { errors, cspViolations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations) };
}

export async function openApp(page: Page): Promise<void> {
  await page.goto(`/?hub=${encodeURIComponent(HUB_URL)}`);
  await expect(page.getByRole('heading', { name: 'bitnet-web' })).toBeVisible();
}

export async function openTab(page: Page, tab: 'Models' | 'Settings' | 'Stats'): Promise<void> {
  await page.getByRole('tab', { name: tab }).click();
}

/** The row of a cached (or downloading) model whose id names `repo`. */
export function modelRow(page: Page, repo: string): Locator {
  return page.locator(`[data-testid="model-row"][data-model-id*="${repo}@"]`);
}

/** Adds a repo through the "Hugging Face repo or URL" field. */
export async function addRepo(page: Page, repo: string): Promise<Locator> {
  await openTab(page, 'Models');
  await page.getByLabel('Hugging Face repo or URL').fill(repo);
  await page.getByRole('button', { name: 'Add model' }).click();
  return modelRow(page, repo);
}

export async function waitComplete(row: Locator, timeout = 60_000): Promise<void> {
  await expect(row).toHaveAttribute('data-status', 'complete', { timeout });
}

/** Loads the model of `row` on `backend` and waits until it runs there. */
export async function loadOn(page: Page, row: Locator, backend: 'WASM' | 'WebGPU'): Promise<void> {
  await openTab(page, 'Models');
  await page.getByTestId('backend-choice').getByText(backend, { exact: true }).click();
  const reload = page.getByRole('button', { name: `Reload with ${backend}` });
  if (await reload.isVisible()) await reload.click();
  else await row.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('backend-status')).toHaveAttribute('data-backend', backend === 'WASM' ? 'wasm' : 'webgpu', { timeout: 60_000 });
  await expect(row).toHaveAttribute('data-loaded', 'true');
}

/** Sends a message with Enter and waits for the whole reply; returns its article. */
export async function send(page: Page, text: string): Promise<Locator> {
  const before = await page.locator('[data-testid="message"][data-role="assistant"]').count();
  await page.getByTestId('composer').fill(text);
  await page.getByTestId('composer').press('Enter');
  const reply = page.locator('[data-testid="message"][data-role="assistant"]').nth(before);
  await expect(reply.getByTestId('message-stats')).toHaveAttribute('data-stop-reason', /.+/, { timeout: 60_000 });
  return reply;
}

/** Caps replies (so that WebGPU on SwiftShader stays quick); applied when the field is left. */
export async function setMaxTokens(page: Page, n: number): Promise<void> {
  await openTab(page, 'Settings');
  const field = page.getByLabel('Max tokens');
  await field.fill(String(n));
  await field.press('Enter');
  await openTab(page, 'Models');
}

/** Clicks the bench panel's Export JSON; returns the saved file and what it holds. */
export async function exportBench(page: Page): Promise<{ file: string; set: BenchResultSet }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bench-export').click()]);
  const file = await download.path();
  return { file, set: JSON.parse(readFileSync(file, 'utf8')) as BenchResultSet };
}
