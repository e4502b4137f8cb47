import { describe, expect, test } from 'vitest';
import { missingShards, reconcile, toCachedModel, type PlannedModel } from './manifest.ts';

const plan = (files: PlannedModel['files']): PlannedModel => ({ id: 'hub:a/b@main', label: 'a/b', format: 'hf', source: { kind: 'hub', repo: 'a/b', revision: 'main' }, files });

describe('manifest', () => {
  test('a new download: every shard missing, sizes from the plan', () => {
    const { manifest, dropped, notices } = reconcile(undefined, plan([{ name: 'config.json', size: 5 }, { name: 'model.safetensors', size: 25, sha256: 'aa' }]), 10, 1000);
    expect(dropped).toEqual([]);
    expect(notices).toEqual([]);
    expect(manifest.files.map((f) => [f.name, f.shards.length, f.sha256])).toEqual([
      ['config.json', 1, undefined],
      ['model.safetensors', 3, 'aa'],
    ]);
    expect(missingShards(manifest).map((s) => `${s.file.name}#${s.index}`)).toEqual(['config.json#0', 'model.safetensors#0', 'model.safetensors#1', 'model.safetensors#2']);
    expect(toCachedModel(manifest)).toMatchObject({ totalBytes: 30, storedBytes: 0, complete: false, createdAt: 1000 });
  });

  test('resuming keeps stored shards (and their shard size) of files that did not change', () => {
    const first = reconcile(undefined, plan([{ name: 'model.safetensors', size: 25, sha256: 'aa' }]), 10, 1000).manifest;
    first.files[0].shards[0] = 'h0';
    first.files[0].shards[2] = 'h2';
    const again = reconcile(first, plan([{ name: 'model.safetensors', size: 25, sha256: 'aa' }]), 4, 2000);
    expect(again.manifest.files[0].shardBytes).toBe(10);
    expect(again.manifest.files[0].shards).toEqual(['h0', null, 'h2']);
    expect(again.manifest.createdAt).toBe(1000);
    expect(missingShards(again.manifest).map((s) => s.index)).toEqual([1]);
    const cached = toCachedModel(again.manifest);
    expect(cached.storedBytes).toBe(15); // 10 + the short last shard's 5
    expect(cached.files[0]).toMatchObject({ shardCount: 3, shardsDone: 2, shardBytes: 10 });
  });

  test('a file that changed upstream (other size or SHA-256) starts over, and the user is told', () => {
    const first = reconcile(undefined, plan([{ name: 'a', size: 25, sha256: 'aa' }, { name: 'b', size: 20 }, { name: 'gone', size: 3 }]), 10, 0).manifest;
    first.files[0].shards[0] = 'h';
    const again = reconcile(first, plan([{ name: 'a', size: 25, sha256: 'bb' }, { name: 'b', size: 21 }]), 10, 0);
    expect(again.manifest.files.map((f) => f.shards)).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
    expect(again.dropped).toEqual(['a', 'b', 'gone']);
    expect(again.notices).toEqual(['a changed upstream since its download began; its 1 downloaded shards were discarded']);
  });
});
