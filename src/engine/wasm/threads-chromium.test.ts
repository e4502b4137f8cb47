// The WASM engine on kernel thread pools in headless Chromium, as the app runs it: the relaxed-
// SIMD threaded build (which Node 20 cannot run), helper threads as module Workers started from
// the engine's own worker, a cross-origin isolated page (the Vite dev server's headers). Against
// the reference engine in the same worker, every logit of a prefill and of greedy decode steps
// must be identical, at 1, 2 and 3 threads. Skips only when Chromium is missing and CI is unset.
import { existsSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../e2e/harness/bench-cpu-common.ts';
import { buildGguf, type ModelOptions } from '../../model/test-models.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = !existsSync(CHROMIUM) && !process.env.CI;
if (SKIP) console.warn(`threads-chromium.test.ts: SKIPPED, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; on CI this test runs and fails instead)`);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHAPE = 'dim=256,ffn=768,layers=2,heads=4,kv=2,vocab=300,ctx=160';
const GQA3_SHAPE = 'dim=384,ffn=640,layers=2,heads=6,kv=2,vocab=300,ctx=96';
const prompt = (n: number, salt: number) => Array.from({ length: n }, (_, i) => ((i * 2654435761 + salt * 40503) >>> 0) % 556);

const CASES: { name: string; model: ModelOptions; prompt: number[]; steps: number }[] = [
  { name: 'I2_S, F16 head, prefill across two chunks', model: { format: 'i2_s', shape: SHAPE, seed: 11 }, prompt: prompt(70, 3), steps: 4 },
  { name: 'I2_S, three query heads per KV head', model: { format: 'i2_s', shape: GQA3_SHAPE, seed: 11 }, prompt: prompt(10, 7), steps: 3 },
  { name: 'TQ2_0, SiLU gate, BF16 head', model: { format: 'tq2_0', arch: 'bitnet', activation: 'silu', embedding: 'bf16', shape: SHAPE, seed: 11 }, prompt: prompt(9, 6), steps: 3 },
  { name: 'I2_S, Q6_K head', model: { format: 'i2_s', embedding: 'q6_k', shape: SHAPE, seed: 11 }, prompt: prompt(6, 5), steps: 2 },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer().listen(0, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe.skipIf(SKIP)('WASM engine on kernel threads in Chromium equals the reference', () => {
  let browser: Browser;
  let page: Page;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const { createServer } = await import('vite');
    const server = await createServer({ root: ROOT, configFile: `${ROOT}vite.config.ts`, logLevel: 'error', server: { port: await freePort(), strictPort: true } });
    await server.listen();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'] });
    close = async () => {
      await browser.close();
      await server.close();
    };
    page = await browser.newPage();
    await page.goto(`${server.resolvedUrls!.local[0]}e2e/harness/bench-cpu.html`);
    await page.waitForFunction(() => window.benchCpu !== undefined);
  }, 120_000);

  afterAll(async () => {
    await close?.();
  });

  it('runs cross-origin isolated (shared memory for the threads)', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  it.each(CASES)('$name: identical logits at 1, 2 and 3 threads', async ({ model, prompt, steps }) => {
    const gguf = Buffer.from((await buildGguf(model)).bytes).toString('base64');
    for (const threads of [1, 2, 3]) {
      const r: CheckResult = await page.evaluate((spec) => window.benchCpu!.check(spec), { gguf, threads, prompt, steps });
      expect(r.threads).toBe(threads);
      expect(r.build).toBe(threads > 1 ? 'relaxed-threads' : 'relaxed');
      expect(r.positions).toBe(prompt.length + steps);
      expect(r.firstDifference, `${threads} threads`).toBeNull();
    }
  }, 120_000);
});
