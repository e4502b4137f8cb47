// The roofline probes do the work their figures are divided by: readSweep reads every byte it is
// given (a probe that skipped some would report too much bandwidth) and maddPeak performs its
// iters · 128 multiply-adds over the 16 KiB block (checked against the same sums in JS). The
// SIMD128 build, which Node 20 runs; the page picks the relaxed one where it exists.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rng, testSeed } from '../testing/random.ts';

const SEED = testSeed('WASM_TEST_SEED');

interface Probe {
  readSweep(p: number, bytes: number): number;
  maddPeak(p: number, iters: number): number;
}

async function probe(): Promise<{ k: Probe; mem: Uint8Array }> {
  const bytes = await readFile(new URL('./roofline/build/probe-simd.wasm', import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 8, maximum: 65536, shared: true });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  return { k: instance.exports as unknown as Probe, mem: new Uint8Array(memory.buffer) };
}

describe(`roofline probes (WASM_TEST_SEED=${SEED})`, () => {
  it('readSweep folds in every 16-byte word of its range', async () => {
    const { k, mem } = await probe();
    const rnd = rng(SEED, 'readSweep');
    for (const bytes of [128, 4096, 65536 + 384]) {
      mem.fill(0);
      const p = 1024;
      for (let i = 0; i < bytes; i++) mem[p + i] = rnd.int(256);
      const words = new Int32Array(mem.buffer, p, bytes / 4);
      let want = 0;
      for (const w of words) want ^= w;
      expect(k.readSweep(p, bytes)).toBe(want);
      // One changed byte anywhere changes the result.
      const at = p + rnd.int(bytes);
      mem[at] ^= 0x10;
      expect(k.readSweep(p, bytes)).not.toBe(want);
    }
  });

  it('maddPeak sums weight x activation over the 16 KiB block, iteration after iteration', async () => {
    const { k, mem } = await probe();
    const rnd = rng(SEED, 'maddPeak');
    const p = 2048;
    for (let i = 0; i < 16384 + 16; i++) mem[p + i] = i < 16384 ? rnd.int(256) : rnd.int(128);
    const x = new Int8Array(mem.buffer, p, 16384);
    const w = mem.subarray(p + 16384, p + 16400);
    for (const iters of [1, 5, 300]) {
      // Lane 0 of the SIMD128 madd: elements 0, 1 (low half) and 8, 9 (high half) of each vector.
      let want = 0;
      for (let i = 0; i < iters; i++) {
        for (let v = 0; v < 8; v++) {
          const s = ((i & 127) << 7) + v * 16;
          want = (want + w[0] * x[s] + w[1] * x[s + 1] + w[8] * x[s + 8] + w[9] * x[s + 9]) | 0;
        }
      }
      expect(k.maddPeak(p, iters)).toBe(want);
    }
  });
});
