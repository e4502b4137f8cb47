// Drives the app's benchmark panel in a Chromium page (shared by `npm run bench` and the
// side-by-side CPU benchmark): fills the form, runs, follows the status, returns the export.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export const CHROMIUM_FLAGS = ['--enable-unsafe-webgpu', '--disable-gpu-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HOUR = 3_600_000;

/** Caches a local model file through the app and loads it on `backend`. */
export async function loadLocalModel(page, url, path, backend) {
  await page.goto(url);
  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByTestId('local-model-file').setInputFiles(resolve(path));
  const row = page.locator('[data-testid="model-row"][data-model-id^="local:"]');
  await row.and(page.locator('[data-status="complete"]')).waitFor({ timeout: HOUR });
  await page.getByTestId('backend-choice').getByText(backend === 'wasm' ? 'WASM' : 'WebGPU', { exact: true }).click();
  await row.getByRole('button', { name: 'Load', exact: true }).click();
  await page.locator(`[data-testid="backend-status"][data-backend="${backend}"]`).waitFor({ timeout: HOUR });
}

/**
 * Runs the panel: `model` 'loaded' or { shape, format }; `backends` a subset of wasm/webgpu;
 * `threads` the WASM thread counts. Returns the exported result set.
 */
export async function runPanel(page, url, { model, backends, threads, p, n, r, profile }, log = () => {}) {
  await page.goto(`${url}#bench`);
  if (model === 'loaded') await page.getByTestId('bench-model-loaded').check();
  else {
    await page.getByTestId('bench-model-generated').check();
    await page.getByTestId('bench-shape').fill(model.shape);
    await page.getByTestId('bench-format').selectOption(model.format);
  }
  await page.getByTestId('bench-webgpu').setChecked(backends.includes('webgpu'));
  await page.getByTestId('bench-wasm').setChecked(backends.includes('wasm'));
  await page.getByTestId('bench-threads').fill(threads.join(','));
  await page.getByTestId('bench-profile').setChecked(profile);
  for (const [k, v] of Object.entries({ p, n, r })) await page.getByTestId(`bench-${k}`).fill(String(v));
  await page.getByTestId('bench-run').click();
  const status = page.getByTestId('bench-status');
  const failed = page.getByTestId('bench-error');
  for (let last = ''; ; ) {
    if (await failed.isVisible()) throw new Error(`the panel reports: ${await failed.textContent()}`);
    const text = (await status.textContent()) ?? '';
    if (text === 'done') break;
    if (text !== last) log((last = text));
    await page.waitForTimeout(500);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bench-export').click()]);
  return JSON.parse(await readFile(await download.path(), 'utf8'));
}
