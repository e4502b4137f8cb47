// The compute layout of src/engine/layout.ts, as the kernels need it: rows of K ternary weights
// padded to Kp = ceil(K / 64) * 64, 64 weights per 16-byte block.

export const BLOCK_ELEMS: i32 = 64;
export const BLOCK_BYTES: i32 = 16;

@inline export function paddedCols(k: i32): i32 {
  return (k + BLOCK_ELEMS - 1) & ~(BLOCK_ELEMS - 1);
}
