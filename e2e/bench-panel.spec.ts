// The benchmark panel in the built app: a random model of a small shape generated in the page, run
// on WebGPU (SwiftShader) and WASM at one and two threads side by side; the exported JSON has positive figures for every
// run, and importing it back compares the two sets. No assertion is about speed itself.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { BenchResultSet } from '../src/bench/result-set.ts';
import { openApp, watch } from './app-helpers.ts';

test('runs pp/tg on WebGPU and WASM, exports JSON with positive figures, and compares an import', async ({ page }) => {
  test.setTimeout(180_000);
  const watched = await watch(page);
  await openApp(page);
  await page.getByTestId('open-bench').click();
  await expect(page.getByRole('heading', { name: 'Benchmark' })).toBeVisible();

  await page.getByTestId('bench-model-generated').check();
  await page.getByTestId('bench-shape').fill('tiny');
  await page.getByTestId('bench-format').selectOption('i2_s');
  await page.getByTestId('bench-webgpu').check();
  await page.getByTestId('bench-wasm').check();
  await page.getByTestId('bench-threads').fill('1,2');
  await page.getByTestId('bench-profile').check();
  await page.getByTestId('bench-p').fill('16');
  await page.getByTestId('bench-n').fill('8');
  await page.getByTestId('bench-r').fill('2');
  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('bench-result-row')).toHaveCount(3);
  await expect(page.getByTestId('bench-chart')).toBeVisible();
  await page.getByTestId('bench-results').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/bench-panel.png' });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bench-export').click()]);
  const file = await download.path();
  const set = JSON.parse(readFileSync(file, 'utf8')) as BenchResultSet;
  expect(set.schema).toBe('bitnet-web-bench/1');
  expect(set.browser.cross_origin_isolated).toBe(true);
  expect(set.results.map((r) => `${r.backend}:${r.threads}`)).toEqual(['webgpu:1', 'wasm:1', 'wasm:2']);
  for (const r of set.results) {
    expect(r.prefill!.samples).toHaveLength(2);
    expect(r.decode!.samples).toHaveLength(2);
    expect([...r.prefill!.samples, ...r.decode!.samples, r.prefill_tok_s!, r.decode_tok_s!, r.decode_gb_s!, r.decode_bytes_per_token, r.memory.weightBytes].every((v) => v > 0)).toBe(true);
    expect(r.model).toMatchObject({ source: 'generated', shape: 'tiny', weight_format: 'I2_S', dim: 256 });
  }
  const gpu = set.results[0];
  expect(gpu.adapter?.isFallbackAdapter).toBe(true);
  expect(gpu.profile?.decode?.kernels.length).toBeGreaterThan(0);

  await page.getByTestId('bench-import').setInputFiles(file);
  const compare = page.getByTestId('bench-compare');
  await expect(compare.locator('tbody tr')).toHaveCount(3);
  await expect(compare).toContainText('×');
  await compare.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/bench-compare.png' });
  expect(await watched.cspViolations()).toEqual([]);
  expect(watched.errors).toEqual([]);
});

test('WASM runs with the exact and the int8 LM head side by side: the table and the export say which ran', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openApp(page);
  await page.getByTestId('open-bench').click();
  await page.getByTestId('bench-model-generated').check();
  await page.getByTestId('bench-shape').fill('tiny');
  await page.getByTestId('bench-webgpu').uncheck();
  await page.getByTestId('bench-wasm').check();
  await page.getByTestId('bench-threads').fill('1');
  await page.getByTestId('bench-head-exact').check();
  await page.getByTestId('bench-head-int8').check();
  await page.getByTestId('bench-p').fill('8');
  await page.getByTestId('bench-n').fill('4');
  await page.getByTestId('bench-r').fill('1');
  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-status')).toHaveText('done', { timeout: 100_000 });
  await expect(page.getByTestId('bench-lm-head')).toHaveText(['exact', 'int8']);
  await page.getByTestId('bench-results').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/bench-lm-heads.png' });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bench-export').click()]);
  const set = JSON.parse(readFileSync(await download.path(), 'utf8')) as BenchResultSet;
  expect(set.results.map((r) => `${r.backend}:${r.threads}:${r.lm_head}`)).toEqual(['wasm:1:exact', 'wasm:1:int8']);
  const [exact, int8] = set.results;
  // Bytes per token count the head as the engine holds it: int8 codes and scales, not F16.
  expect(int8.decode_bytes_per_token).toBeLessThan(exact.decode_bytes_per_token);
  expect(int8.decode_tok_s).toBeGreaterThan(0);
  expect(watched.errors).toEqual([]);
});
