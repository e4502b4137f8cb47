import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatMs, formatPercent, formatRate, formatTokPerS } from './format.ts';

describe('format', () => {
  it('bytes in decimal units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.50 kB');
    expect(formatBytes(1_187_000_000)).toBe('1.19 GB');
    expect(formatBytes(45_600_000)).toBe('45.6 MB');
    expect(formatBytes(-1)).toBe('–');
  });

  it('rates and durations', () => {
    expect(formatRate(12_340_000)).toBe('12.3 MB/s');
    expect(formatRate(0)).toBe('–');
    expect(formatDuration(4.2)).toBe('5 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7300)).toBe('2 h 1 min');
    expect(formatDuration(undefined)).toBe('–');
    expect(formatMs(420.4)).toBe('420 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatTokPerS(18.04)).toBe('18.0 tok/s');
    expect(formatTokPerS(0)).toBe('–');
  });

  it('percent never reads 100% before the end', () => {
    expect(formatPercent(0.999)).toBe('99%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(-2)).toBe('0%');
  });
});
