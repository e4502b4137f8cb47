// The built page loads in Chromium without errors and is cross-origin isolated (needed for the
// WASM engine's threads).
import { expect, test } from '@playwright/test';

test('the page loads, cross-origin isolated, with no console errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'bitnet-web' })).toBeVisible();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.screenshot({ path: 'test-results/home.png' });
  expect(errors).toEqual([]);
});
