// GGML tensor types this project reads, with their block geometry. Type ids 34..36 mean
// different things in Microsoft's bitnet.cpp fork and in upstream ggml (spec §4.3), so the id is
// resolved per file by `resolveGgmlType`.

export type TensorType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q6_K' | 'TQ1_0' | 'TQ2_0' | 'I2_S';

export interface TypeInfo {
  /** Elements per block along the row (ne[0]). */
  blockElems: number;
  /** Bytes per block. I2_S is special: 4 codes per byte plus a 32-byte tail per tensor. */
  blockBytes: number;
}

export const TYPE_INFO: Record<TensorType, TypeInfo> = {
  F32: { blockElems: 1, blockBytes: 4 },
  F16: { blockElems: 1, blockBytes: 2 },
  BF16: { blockElems: 1, blockBytes: 2 },
  Q8_0: { blockElems: 32, blockBytes: 34 }, // f16 d + 32 x i8
  Q6_K: { blockElems: 256, blockBytes: 210 }, // ql[128] qh[64] scales[16] f16 d
  TQ1_0: { blockElems: 256, blockBytes: 54 }, // qs[48] qh[4] f16 d
  TQ2_0: { blockElems: 256, blockBytes: 66 }, // qs[64] f16 d
  I2_S: { blockElems: 4, blockBytes: 1 },
};

/** Bytes after the packed I2_S codes: f32 scale then padding (spec §4.3). */
export const I2S_TAIL_BYTES = 32;

/** Type ids shared by upstream ggml and the bitnet.cpp fork. */
const COMMON_IDS: Record<number, TensorType> = { 0: 'F32', 1: 'F16', 8: 'Q8_0', 14: 'Q6_K', 30: 'BF16', 34: 'TQ1_0', 35: 'TQ2_0' };

/** The fork's file_type for I2_S models (`LLAMA_FTYPE_MOSTLY_I2_S`). */
export const FTYPE_I2_S = 40;
export const FORK_ARCHES = new Set(['bitnet-b1.58', 'bitnet-25']);

/**
 * Maps a GGUF tensor type id to a type, or undefined when this project cannot read it. Id 36 is
 * I2_S only in files from Microsoft's fork (its architectures, or file_type 40); upstream reuses
 * ids from 36 on for other formats.
 */
export function resolveGgmlType(id: number, arch: string, fileType: number | undefined): TensorType | undefined {
  if (id in COMMON_IDS) return COMMON_IDS[id];
  if (id === 36 && (FORK_ARCHES.has(arch) || fileType === FTYPE_I2_S)) return 'I2_S';
  return undefined;
}

export function ggmlTypeId(type: TensorType): number {
  if (type === 'I2_S') return 36;
  return Number(Object.entries(COMMON_IDS).find(([, t]) => t === type)![0]);
}

/** Byte size of a tensor of `rows` rows of `rowElems` elements, or undefined if the row does not fit whole blocks. */
export function tensorBytes(type: TensorType, rowElems: number, rows: number): number | undefined {
  const { blockElems, blockBytes } = TYPE_INFO[type];
  if (type === 'I2_S') return rowElems % 128 === 0 ? (rowElems * rows) / 4 + I2S_TAIL_BYTES : undefined;
  if (rowElems % blockElems !== 0) return undefined;
  return (rowElems / blockElems) * blockBytes * rows;
}

export const TERNARY_TYPES: ReadonlySet<TensorType> = new Set(['TQ1_0', 'TQ2_0', 'I2_S']);
