// scripts/bench-cpu.mjs end to end on a tiny generated model (wllama left out: it needs the full
// LLaMA-3 vocabulary of the real shapes): the roofline probes and bitnet-web's WASM engine at 1
// and 2 threads, with the exact and the int8 LM head, in headless Chromium, as JSON. Checks the figures are there and positive and that
// the bounds the table derives are consistent; never a check of speed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = !existsSync(CHROMIUM) && !process.env.CI;
if (SKIP) console.warn(`bench-cpu.test.ts: SKIPPED, no Chromium at ${CHROMIUM} (on CI this test runs and fails instead)`);

interface Stats {
  median: number;
  min: number;
  max: number;
}
interface Output {
  chromium: string;
  roofline: { when: 'before' | 'after'; threads: number; build: string; readGBs: number; maddGMACs: number }[];
  results: { engine: string; lmHead?: { mode: string; bytes: number }; format: string; threads: number; prefillTokS: Stats | null; decodeTokS: Stats | null; bytesPerToken: number; macsPerToken: number; decodeGbS: number | null; notes: string[] }[];
}

describe.skipIf(SKIP)('node scripts/bench-cpu.mjs', () => {
  it('measures the WASM roofline and the engine at 1 and 2 threads', { timeout: 300_000 }, async () => {
    const args = ['scripts/bench-cpu.mjs', '--shape', 'tiny', '--models', 'i2_s', '--threads', '1,2', '--no-wllama', '-p', '8', '-n', '4', '-r', '1', '--roofline-mib', '16', '--json'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
    const out = JSON.parse(stdout) as Output;
    expect(out.chromium).toMatch(/Chromium/);
    expect(out.roofline.map((r) => `${r.when} ${r.threads}`)).toEqual(['before 1', 'before 2', 'after 1', 'after 2']);
    for (const r of out.roofline) {
      expect(r.build).toBe('relaxed');
      expect(r.readGBs).toBeGreaterThan(0);
      expect(r.maddGMACs).toBeGreaterThan(0);
    }
    expect(out.results.map((r) => `${r.engine} ${r.format} ${r.lmHead?.mode} ${r.threads}`)).toEqual(['bitnet-web i2_s exact 1', 'bitnet-web i2_s exact 2', 'bitnet-web i2_s int8 1', 'bitnet-web i2_s int8 2']);
    // The int8 head (34 bytes per 32 weights, F16 32 x 2) is read in place of the file's head.
    const [exact, , int8] = out.results;
    expect(int8.bytesPerToken - exact.bytesPerToken).toBe(int8.lmHead!.bytes - exact.lmHead!.bytes);
    expect(int8.lmHead!.bytes).toBeLessThan(exact.lmHead!.bytes * 0.6);
    for (const r of out.results) {
      expect(r.notes).toEqual([]);
      expect(r.prefillTokS!.median).toBeGreaterThan(0);
      expect(r.decodeTokS!.median).toBeGreaterThan(0);
      expect(r.macsPerToken).toBeGreaterThan(0);
      expect(r.bytesPerToken).toBeGreaterThan(r.macsPerToken / 4); // 2-bit weights plus the LM head
      expect(r.decodeGbS).toBeCloseTo((r.decodeTokS!.median * r.bytesPerToken) / 1e9, 9);
    }
  });
});
