// The benchmark panel in the built app: a random model of a small shape generated in the page, run
// on WebGPU (SwiftShader) and WASM at one and two threads side by side; the exported JSON has positive figures for every
// run, and importing it back compares the two sets. The device's WASM ceilings, measured at one and
// two threads, show beside the WASM results and travel in the export. No assertion is about speed
// itself beyond being positive.
import { expect, test, type Page } from '@playwright/test';
import { exportBench, openApp, watch } from './app-helpers.ts';

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

  const { file, set } = await exportBench(page);
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

/** The panel set up for a random tiny model on WASM only, at the given thread counts. */
async function openTinyWasmBench(page: Page, threads: string) {
  await openApp(page);
  await page.getByTestId('open-bench').click();
  await page.getByTestId('bench-model-generated').check();
  await page.getByTestId('bench-shape').fill('tiny');
  await page.getByTestId('bench-webgpu').uncheck();
  await page.getByTestId('bench-wasm').check();
  await page.getByTestId('bench-threads').fill(threads);
}

test('WASM runs with the exact and the int8 LM head side by side: the table and the export say which ran', async ({ page }) => {
  test.setTimeout(120_000);
  const watched = await watch(page);
  await openTinyWasmBench(page, '1');
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

  const { set } = await exportBench(page);
  expect(set.results.map((r) => `${r.backend}:${r.threads}:${r.lm_head}`)).toEqual(['wasm:1:exact', 'wasm:1:int8']);
  const [exact, int8] = set.results;
  // Bytes per token count the head as the engine holds it: int8 codes and scales, not F16.
  expect(int8.decode_bytes_per_token).toBeLessThan(exact.decode_bytes_per_token);
  expect(int8.decode_tok_s).toBeGreaterThan(0);
  expect(watched.errors).toEqual([]);
});

/** A figure shown in a cell, as a number. */
const figure = async (page: Page, testId: string) => (await page.getByTestId(testId).allTextContents()).map(Number.parseFloat);

test('measures the WASM ceilings at 1 and 2 threads; WASM results show their share of them, and the export carries them', async ({ page }) => {
  test.setTimeout(150_000);
  const watched = await watch(page);
  await openTinyWasmBench(page, '1,2');

  const ceilings = page.getByRole('region', { name: 'Device ceilings (WASM)' });
  await ceilings.getByRole('button', { name: 'Measure ceilings' }).click();
  const failed = page.getByTestId('bench-ceilings-error');
  await expect(page.getByTestId('bench-ceiling-row').or(failed).first()).toBeVisible({ timeout: 90_000 });
  expect(await failed.allTextContents()).toEqual([]);
  await expect(page.getByTestId('bench-ceilings-status')).toHaveText('done');
  await expect(page.getByTestId('bench-ceiling-row')).toHaveCount(2);
  await expect(page.getByTestId('bench-ceiling-row').first()).toHaveAttribute('data-threads', '1');
  await expect(page.getByTestId('bench-ceiling-row').last()).toHaveAttribute('data-threads', '2');
  for (const cell of ['bench-read-gbs', 'bench-madd-gmacs']) expect((await figure(page, cell)).every((v) => v > 0), cell).toBe(true);
  await expect(ceilings).toContainText('Run a WASM benchmark');

  await page.getByTestId('bench-p').fill('8');
  await page.getByTestId('bench-n').fill('4');
  await page.getByTestId('bench-r').fill('1');
  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-status')).toHaveText('done', { timeout: 90_000 });
  const results = page.getByTestId('bench-results');
  await expect(results.getByRole('columnheader', { name: 'Decode % of read roof' })).toHaveAttribute('title', /read bandwidth/);
  await expect(results.getByRole('columnheader', { name: 'Prefill % of multiply-add roof' })).toHaveAttribute('title', /multiply-add rate/);
  for (const cell of ['bench-read-roof', 'bench-madd-roof']) {
    await expect(page.getByTestId(cell)).toHaveText([/^\d+%$/, /^\d+%$/]);
    expect((await figure(page, cell)).every((v) => v > 0), cell).toBe(true);
  }
  // With a result, the ceilings turn into bounds for its model.
  await expect(ceilings).toContainText('Bounds for random tiny i2_s');
  expect(await ceilings.locator('tbody td').allTextContents()).not.toContain('–');
  await page.setViewportSize({ width: 1600, height: 1000 }); // room for the roof columns beside the chat sidebars
  await ceilings.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/bench-ceilings.png' });
  const scroller = results.locator('xpath=..');
  await scroller.evaluate((el) => el.scrollBy({ left: el.scrollWidth })); // the roof columns come last
  await scroller.screenshot({ path: 'test-results/bench-roof-shares.png' });

  const { file, set } = await exportBench(page);
  expect(set.roofline?.map((r) => r.threads)).toEqual([1, 2]);
  for (const r of set.roofline!) {
    expect(['relaxed', 'simd']).toContain(r.build);
    expect(r.readGBs).toBeGreaterThan(0);
    expect(r.maddGMACs).toBeGreaterThan(0);
  }
  expect(set.results.every((r) => r.macs_per_token > 0)).toBe(true);

  await page.getByTestId('bench-import').setInputFiles(file);
  await expect(page.getByTestId('bench-compare-ceilings').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('bench-compare-ceilings')).toContainText('×1.00');
  expect(await watched.cspViolations()).toEqual([]);
  expect(watched.errors).toEqual([]);
});
