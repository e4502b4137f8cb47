// ByteSource over a file on disk (Node): reads only the ranges asked for.
import { open, type FileHandle } from 'node:fs/promises';
import { checkRange, type ByteSource } from '../model/source.ts';

export class FileSource implements ByteSource {
  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly name: string,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const fh = await open(path, 'r');
    const { size } = await fh.stat();
    return new FileSource(fh, size, path);
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const out = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${this.name}: unexpected end of file at ${offset + done}`);
      done += bytesRead;
    }
    return out;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
