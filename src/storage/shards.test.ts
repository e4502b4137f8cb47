import { describe, expect, test } from 'vitest';
import { parseContentRange, rangeHeader, shardCount, shardSpan } from './shards.ts';

describe('shard planning', () => {
  test('counts and spans cover the file exactly, the last shard short', () => {
    expect(shardCount(0, 10)).toBe(0);
    expect(shardCount(10, 10)).toBe(1);
    expect(shardCount(25, 10)).toBe(3);
    expect([0, 1, 2].map((i) => shardSpan(25, 10, i))).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 20, end: 25 },
    ]);
    expect(() => shardSpan(25, 10, 3)).toThrow(RangeError);
    expect(() => shardSpan(25, 10, -1)).toThrow(RangeError);
    expect(rangeHeader(shardSpan(25, 10, 2))).toBe('bytes=20-24');
  });
});

describe('Content-Range', () => {
  test('parses byte ranges with a total or *', () => {
    expect(parseContentRange('bytes 0-9/25')).toEqual({ start: 0, end: 10, total: 25 });
    expect(parseContentRange('Bytes 20-24/*')).toEqual({ start: 20, end: 25, total: undefined });
  });
  test('rejects what is not a satisfied byte range', () => {
    for (const bad of [null, '', 'bytes */25', 'bytes 5-4/25', 'bytes 0-25/25', 'items 0-9/25', 'bytes 0-9/25, 20-24/25', 'bytes a-b/c']) {
      expect(parseContentRange(bad), String(bad)).toBeUndefined();
    }
  });
});
