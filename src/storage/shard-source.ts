// A cached file as a ByteSource: reads go straight to the shard records, a read across shards
// takes each part from its shard, and the last two shards stay at hand so that the many small
// consecutive reads of a model loader do not fetch the same 32 MiB record again and again.
import { checkRange, type ByteSource } from '../model/source.ts';
import type { FileManifest } from './manifest.ts';
import { getShard } from './shard-db.ts';
import { StorageError } from './types.ts';

const KEEP = 2;

export class ShardSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  /** Most recently used last; promises, so concurrent reads of one shard share one fetch. */
  private recent: { index: number; bytes: Promise<Uint8Array> }[] = [];

  constructor(
    private readonly modelId: string,
    private readonly file: Pick<FileManifest, 'name' | 'size' | 'shardBytes'>,
    private readonly load: (key: [string, string, number]) => Promise<Uint8Array | undefined> = getShard,
  ) {
    this.size = file.size;
    this.name = file.name;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const out = into ?? new Uint8Array(length);
    const { shardBytes } = this.file;
    for (let pos = offset; pos < offset + length; ) {
      const index = Math.floor(pos / shardBytes);
      const shard = await this.shard(index);
      const from = pos - index * shardBytes;
      const n = Math.min(shard.length - from, offset + length - pos);
      out.set(shard.subarray(from, from + n), pos - offset);
      pos += n;
    }
    return out;
  }

  private shard(index: number): Promise<Uint8Array> {
    const hit = this.recent.findIndex((r) => r.index === index);
    let entry;
    if (hit >= 0) {
      entry = this.recent.splice(hit, 1)[0];
    } else {
      const fresh = { index, bytes: this.fetch(index) };
      // A failed read is not kept: the next read tries the database again.
      fresh.bytes.catch(() => (this.recent = this.recent.filter((r) => r !== fresh)));
      entry = fresh;
    }
    this.recent.push(entry);
    if (this.recent.length > KEEP) this.recent.shift();
    return entry.bytes;
  }

  private async fetch(index: number): Promise<Uint8Array> {
    const bytes = await this.load([this.modelId, this.file.name, index]);
    const expected = Math.min(this.file.shardBytes, this.file.size - index * this.file.shardBytes);
    if (!(bytes instanceof Uint8Array) || bytes.length !== expected) {
      throw new StorageError('incomplete', `${this.name}: shard ${index} is missing or damaged in the cache; verify and repair the model`);
    }
    return bytes;
  }
}
