import { describe, expect, test } from 'vitest';
import { etaSeconds, ProgressReporter, RateMeter } from './progress.ts';
import type { StorageProgress } from './types.ts';

describe('RateMeter', () => {
  test('0 until half a second is measured, then bytes per second over the window', () => {
    const m = new RateMeter(5000, 500);
    expect(m.add(0, 0)).toBe(0);
    expect(m.add(400, 400_000)).toBe(0);
    expect(m.add(1000, 1_000_000)).toBeCloseTo(1_000_000);
  });

  test('forgets samples older than the window, so a faster link shows within seconds', () => {
    const m = new RateMeter(2000, 500);
    let bytes = 0;
    for (let t = 0; t <= 10_000; t += 100) m.add(t, (bytes += 100)); // 1 kB/s for 10 s
    for (let t = 10_100; t <= 13_000; t += 100) m.add(t, (bytes += 10_000)); // then 100 kB/s
    expect(m.add(13_100, (bytes += 10_000))).toBeCloseTo(100_000, -3);
  });

  test('bytes taken back (a retried shard) never make the rate negative', () => {
    const m = new RateMeter(5000, 500);
    m.add(0, 1000);
    expect(m.add(1000, 0)).toBe(0);
  });
});

test('etaSeconds', () => {
  expect(etaSeconds(1000, 0)).toBeUndefined();
  expect(etaSeconds(1000, 500)).toBe(2);
  expect(etaSeconds(-5, 500)).toBe(0);
});

describe('ProgressReporter', () => {
  test('throttles to one report per interval, phase starts always reported', () => {
    let now = 0;
    const seen: StorageProgress[] = [];
    const r = new ProgressReporter('m', (p) => seen.push(p), () => now, 100);
    r.start('download', 100, 10_000, 'hello');
    for (let i = 0; i < 100; i++) {
      now += 10;
      r.add(10, 'a.gguf');
    }
    now += 1;
    r.start('done', 10_000, 10_000);
    // 1 start + one per 100 ms over 1 s + the final phase
    expect(seen.length).toBeGreaterThanOrEqual(10);
    expect(seen.length).toBeLessThanOrEqual(12);
    expect(seen[0]).toMatchObject({ modelId: 'm', phase: 'download', bytesDone: 100, bytesTotal: 10_000, bytesPerSec: 0, notice: 'hello' });
    expect(seen[0].etaSec).toBeUndefined();
    const mid = seen[seen.length - 2];
    expect(mid.file).toBe('a.gguf');
    expect(mid.bytesPerSec).toBeCloseTo(1000, -1); // 10 bytes per 10 ms
    expect(mid.etaSec).toBeCloseTo((10_000 - mid.bytesDone) / mid.bytesPerSec);
    expect(mid.notice).toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ phase: 'done', bytesDone: 10_000, etaSec: 0 });
  });
});
