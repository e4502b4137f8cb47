// Random access to model bytes without loading a whole file: a Node file handle, a browser Blob,
// or (later) cached shards all look the same to the readers.
import { FormatError } from './errors.ts';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A human-readable name for error messages (file name, URL). */
  readonly name: string;
  /**
   * Reads exactly `length` bytes at `offset`, into `into` when given (which must hold `length`
   * bytes). Reading past the end is a FormatError('truncated').
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
}

export function checkRange(src: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > src.size) {
    throw new FormatError('truncated', `${src.name}: read of ${length} bytes at offset ${offset} is past the end (${src.size} bytes)`, {
      offset,
      length,
      size: src.size,
    });
  }
}

/** A source over bytes already in memory (tests, small files, generated models). */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = 'memory',
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const view = this.bytes.subarray(offset, offset + length);
    if (!into) return view.slice();
    into.set(view);
    return into;
  }
}

/** A source over a browser Blob or File. */
export class BlobSource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly blob: Blob,
    readonly name = blob instanceof File ? blob.name : 'blob',
  ) {
    this.size = blob.size;
  }
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const buf = new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
    if (!into) return buf;
    into.set(buf);
    return into;
  }
}
