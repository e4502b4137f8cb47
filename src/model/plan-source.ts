// A planned (generated) file read like any other: each part's bytes are produced when a read first
// touches it, so a random 1.2 GB model of the real 2B4T shape can be opened in a browser tab
// without ever existing whole, in memory or on disk.
import { checkRange, type ByteSource } from './source.ts';
import type { FilePlan } from './synthetic.ts';

export class PlanSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  /** Parts by offset, each with its end; the one produced last is kept for the reads that follow. */
  private readonly parts: { offset: number; end: number; data: () => Uint8Array }[];
  private last?: { index: number; bytes: Uint8Array };

  constructor(plan: FilePlan, name = plan.path || 'generated') {
    this.size = plan.size;
    this.name = name;
    this.parts = [...plan.parts].sort((a, b) => a.offset - b.offset).map((p, i, all) => ({ ...p, end: i + 1 < all.length ? all[i + 1].offset : plan.size }));
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const out = into ?? new Uint8Array(length);
    out.fill(0, 0, length); // alignment padding between parts reads as zeros, as in a written file
    for (let i = this.first(offset); i < this.parts.length && this.parts[i].offset < offset + length; i++) {
      const p = this.parts[i];
      const bytes = this.bytes(i);
      const from = Math.max(offset, p.offset);
      const to = Math.min(offset + length, p.offset + bytes.length);
      if (to > from) out.set(bytes.subarray(from - p.offset, to - p.offset), from - offset);
    }
    return out;
  }

  /** Index of the last part starting at or before `offset` (binary search). */
  private first(offset: number): number {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.parts[mid].offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private bytes(index: number): Uint8Array {
    if (this.last?.index !== index) this.last = { index, bytes: this.parts[index].data() };
    return this.last.bytes;
  }
}
