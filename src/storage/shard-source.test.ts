import { expect, test } from 'vitest';
import { ShardSource } from './shard-source.ts';
import { StorageError } from './types.ts';

const SIZE = 1000;
const SHARD = 64;
const file = Uint8Array.from({ length: SIZE }, (_, i) => (i * 7 + 3) & 255);

function source(damaged?: number) {
  const loads: number[] = [];
  const src = new ShardSource('m', { name: 'm.gguf', size: SIZE, shardBytes: SHARD }, async ([id, name, index]) => {
    expect([id, name]).toEqual(['m', 'm.gguf']);
    loads.push(index);
    if (index === damaged) return file.slice(index * SHARD, index * SHARD + 10);
    return file.slice(index * SHARD, Math.min(SIZE, (index + 1) * SHARD));
  });
  return { src, loads };
}

test('reads any range, across shards, equal to the file', async () => {
  const { src } = source();
  expect(src.size).toBe(SIZE);
  for (const [offset, length] of [[0, SIZE], [0, 0], [63, 2], [60, 200], [SIZE - 5, 5], [128, 64]]) {
    expect(await src.read(offset, length), `${offset}+${length}`).toEqual(file.subarray(offset, offset + length));
  }
  const into = new Uint8Array(100);
  expect(await src.read(500, 100, into)).toBe(into);
  expect(into).toEqual(file.subarray(500, 600));
  await expect(src.read(SIZE - 1, 2)).rejects.toThrow(/past the end/);
});

test('consecutive small reads load each shard once; the last two are kept', async () => {
  const { src, loads } = source();
  for (let at = 0; at < SIZE; at += 16) await src.read(at, Math.min(16, SIZE - at));
  expect(loads).toEqual(Array.from({ length: Math.ceil(SIZE / SHARD) }, (_, i) => i));
  loads.length = 0;
  await src.read(SIZE - 70, 70); // the last two shards: still there
  expect(loads).toEqual([]);
  await Promise.all([src.read(0, 4), src.read(4, 4)]); // shard 0 again: loaded once for both
  expect(loads).toEqual([0]);
});

test('a missing or short shard is StorageError incomplete, and is not kept', async () => {
  const { src, loads } = source(3);
  const e = await src.read(3 * SHARD, 4).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(StorageError);
  expect((e as StorageError).code).toBe('incomplete');
  await src.read(3 * SHARD, 4).catch(() => {});
  expect(loads).toEqual([3, 3]);
});
