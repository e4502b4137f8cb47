// `npm run bench` end to end: it builds and serves the app, drives the benchmark panel in headless
// Chromium and prints the panel's export. Checked like the panel's own test: present, positive
// figures, per-run samples beside the top-level medians. Never a check of speed.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchResultSet } from '../src/bench/result-set.ts';

const run = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/bench.mjs', ...args, '--json'], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as BenchResultSet;
};

function checkFigures(set: BenchResultSet, r: number) {
  expect(set.results).toHaveLength(1);
  const [res] = set.results;
  expect(set.prefill_tok_s).toBe(res.prefill_tok_s);
  expect(set.decode_tok_s).toBe(res.decode_tok_s);
  expect(res.prefill!.samples).toHaveLength(r);
  expect(res.decode!.samples).toHaveLength(r);
  expect([set.prefill_tok_s!, set.decode_tok_s!, ...res.prefill!.samples, ...res.decode!.samples, res.decode_gb_s!, res.memory.weightBytes].every((v) => v > 0)).toBe(true);
  return res;
}

describe('npm run bench', () => {
  it('measures a model generated in the page and prints the panel export', { timeout: 180_000 }, async () => {
    const res = checkFigures(await run('--shape', 'tiny', '--format', 'tq2_0', '--backend', 'wasm', '-p', '8', '-n', '4', '-r', '2'), 2);
    expect(res.model).toMatchObject({ source: 'generated', weight_format: 'TQ2_0', shape: 'tiny' });
    expect(res.backend).toBe('wasm');
  });

  it('measures a local model file loaded through the app', { timeout: 180_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bench-')), 'tiny.gguf');
    await promisify(execFile)(process.execPath, ['bin/bitnet-web.js', 'make-model', '--shape', 'tiny', '--format', 'i2_s', '--seed', '4', '--out', out]);
    const res = checkFigures(await run('--model', out, '--backend', 'wasm', '-p', '8', '-n', '4', '-r', '1'), 1);
    expect(res.model).toMatchObject({ source: 'loaded', weight_format: 'I2_S' });
  });

  it('refuses bad arguments with its usage', async () => {
    const e = await promisify(execFile)(process.execPath, ['scripts/bench.mjs', '--backend', 'cuda']).catch((err: { code: number; stderr: string }) => err);
    expect(e).toMatchObject({ code: 2, stderr: expect.stringMatching(/--backend cuda.*\n.*usage: npm run bench/) });
  });
});
