// GPU buffers for the engine: labelled creation with upload, and matrices split by rows into
// parts no larger than the device's binding limit (the 2B4T embedding is 657 MB; many GPUs
// bind at most 128 MB to 1 GB at once).
import type { GpuContext } from './context.ts';

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/** A storage buffer of at least `bytes` (rounded up to 16), optionally filled with `data`. */
export function storage(ctx: GpuContext, label: string, bytes: number, data?: ArrayBufferView): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  const b = ctx.device.createBuffer({ label, size, usage: STORAGE(), mappedAtCreation: data !== undefined });
  if (data) {
    new Uint8Array(b.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    b.unmap();
  }
  return b;
}

export interface RowPart {
  /** First row of the matrix held by this part. */
  row0: number;
  rows: number;
  buffer: GPUBuffer;
}

/** Row ranges [row0, row0 + rows) whose bytes fit `maxBytes`, each a multiple of 4 bytes long. */
export function splitRows(rows: number, rowBytes: number, maxBytes: number): { row0: number; rows: number }[] {
  // Parts must start on whole u32 words, so the rows per part are rounded to keep 4-byte alignment.
  const wordAlign = 4 / gcd(rowBytes, 4);
  const perPart = Math.floor(Math.floor(maxBytes / rowBytes) / wordAlign) * wordAlign;
  if (perPart < 1) throw new RangeError(`a row of ${rowBytes} bytes does not fit a ${maxBytes}-byte binding`);
  const parts = [];
  for (let row0 = 0; row0 < rows; row0 += perPart) parts.push({ row0, rows: Math.min(perPart, rows - row0) });
  return parts;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Uploads a row-major matrix as parts of at most `maxBytes`, reading each part's bytes on demand. */
export async function uploadRows(
  ctx: GpuContext, label: string, rows: number, rowBytes: number, maxBytes: number,
  read: (row0: number, rows: number, into: Uint8Array) => Promise<void>,
): Promise<RowPart[]> {
  const parts: RowPart[] = [];
  for (const p of splitRows(rows, rowBytes, maxBytes)) {
    const bytes = p.rows * rowBytes;
    const buffer = ctx.device.createBuffer({ label: `${label}[${p.row0}..${p.row0 + p.rows})`, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE(), mappedAtCreation: true });
    await read(p.row0, p.rows, new Uint8Array(buffer.getMappedRange(), 0, bytes));
    buffer.unmap();
    parts.push({ ...p, buffer });
  }
  return parts;
}
