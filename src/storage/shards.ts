// Shard arithmetic and HTTP range bookkeeping: a file is cut into fixed-size shards, each fetched
// with one Range request and stored under its own key.

export const DEFAULT_SHARD_BYTES = 32 << 20;

export function shardCount(size: number, shardBytes: number): number {
  return Math.ceil(size / shardBytes);
}

/** Byte range [start, end) of shard `index`. */
export function shardSpan(size: number, shardBytes: number, index: number): { start: number; end: number } {
  const start = index * shardBytes;
  if (!Number.isSafeInteger(index) || index < 0 || start >= size) throw new RangeError(`shard ${index} is outside a ${size}-byte file`);
  return { start, end: Math.min(size, start + shardBytes) };
}

export function rangeHeader(span: { start: number; end: number }): string {
  return `bytes=${span.start}-${span.end - 1}`;
}

/** `bytes a-b/total` (total may be `*`); undefined when the header is absent or malformed. */
export function parseContentRange(header: string | null): { start: number; end: number; total?: number } | undefined {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]) + 1;
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (end <= start || (total !== undefined && end > total)) return undefined;
  return { start, end, total };
}
