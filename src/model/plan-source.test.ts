import { describe, expect, it } from 'vitest';
import { PlanSource } from './plan-source.ts';
import { runPlan } from './test-models.ts';
import type { FilePlan } from './synthetic.ts';
import { rng, testSeed, type Rng } from '../testing/random.ts';
import { expectFormatError } from '../testing/expect-error.ts';

/** Parts of random sizes with gaps (padding) between them, produced by counting calls. */
function randomPlan(random: Rng): { plan: FilePlan; calls: number[] } {
  const calls: number[] = [];
  const parts: FilePlan['parts'] = [];
  let offset = 0;
  for (let i = 0; i < 12; i++) {
    offset += random.int(5); // padding
    const bytes = random.bytes(1 + random.int(40));
    const index = i;
    calls[index] = 0;
    parts.push({ offset, data: () => (calls[index]++, bytes) });
    offset += bytes.length;
  }
  return { plan: { path: 'x.gguf', size: offset + 3, parts: parts.reverse() }, calls };
}

describe('PlanSource', () => {
  it('reads any range exactly as the written file has it', async () => {
    const random = rng(testSeed(), 'ranges');
    for (let trial = 0; trial < 20; trial++) {
      const { plan } = randomPlan(random);
      const want = runPlan(plan);
      const src = new PlanSource(plan);
      expect(src.size).toBe(want.length);
      for (let r = 0; r < 50; r++) {
        const offset = random.int(want.length);
        const length = random.int(want.length - offset + 1);
        expect(Array.from(await src.read(offset, length))).toEqual(Array.from(want.subarray(offset, offset + length)));
      }
      const into = new Uint8Array(want.length).fill(7);
      await src.read(0, want.length, into);
      expect(into).toEqual(want);
    }
  });

  it('produces a part once for consecutive reads inside it', async () => {
    const { plan, calls } = randomPlan(rng(testSeed(), 'once'));
    const src = new PlanSource(plan);
    const p = [...plan.parts].sort((a, b) => a.offset - b.offset)[5];
    const len = p.data().length;
    calls.fill(0);
    for (let i = 0; i < len; i++) await src.read(p.offset + i, 1);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('refuses reads past the end', async () => {
    const { plan } = randomPlan(rng(testSeed(), 'end'));
    await expectFormatError(new PlanSource(plan).read(plan.size - 2, 3), 'truncated');
  });
});
