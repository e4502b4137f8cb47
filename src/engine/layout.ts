// The engine's compute layout for ternary weights, shared by the WASM kernels and (later) the
// WGSL kernels. Every file format is repacked into it once at load.
//
// A row of K weights is padded to Kp = ceil(K / 64) * 64 and stored as Kp / 4 bytes: blocks of
// 64 weights in 16 bytes. Byte j (0..15) of block b holds the codes (w + 1, so 0/1/2) of
//   bits 1:0 -> element b*64 + j        bits 5:4 -> element b*64 + 32 + j
//   bits 3:2 -> element b*64 + 16 + j   bits 7:6 -> element b*64 + 48 + j
// so one 16-byte SIMD load, shifted by 0/2/4/6 and masked with 3, gives four vectors of 16 codes
// lined up with four contiguous 16-byte slices of int8 activations. Read as little-endian u32
// words, word i of a block holds, at shift 2g, the codes for activations g*16 + 4i .. g*16 + 4i + 3,
// which is one packed-int8 activation word: the layout a dot4I8Packed GEMV wants.
// Padding codes are 1 (weight 0); padded activations are 0, so they add nothing.

export const BLOCK_ELEMS = 64;
export const BLOCK_BYTES = 16;

export function paddedCols(k: number): number {
  return Math.ceil(k / BLOCK_ELEMS) * BLOCK_ELEMS;
}

export function rowBytes(k: number): number {
  return paddedCols(k) / 4;
}

/** Packs signed ternary weights W[n][k] (values -1/0/+1, row-major) into the compute layout. */
export function packTernary(w: Int8Array, rows: number, cols: number, out: Uint8Array = new Uint8Array(rows * rowBytes(cols))): Uint8Array {
  const rb = rowBytes(cols);
  const whole = Math.floor(cols / BLOCK_ELEMS);
  for (let n = 0; n < rows; n++) {
    const src = n * cols;
    const dst = n * rb;
    // Whole blocks: each output byte gathers its four codes (w + 1) at strides of 16.
    for (let b = 0; b < whole; b++) {
      const s = src + b * BLOCK_ELEMS;
      const d = dst + b * BLOCK_BYTES;
      for (let j = 0; j < BLOCK_BYTES; j++) {
        out[d + j] = (w[s + j] + 1) | ((w[s + 16 + j] + 1) << 2) | ((w[s + 32 + j] + 1) << 4) | ((w[s + 48 + j] + 1) << 6);
      }
    }
    // A partial last block: missing weights get code 1 (weight 0).
    if (whole * BLOCK_ELEMS < cols) {
      const d = dst + whole * BLOCK_BYTES;
      for (let j = 0; j < BLOCK_BYTES; j++) {
        let byte = 0;
        for (let g = 0; g < 4; g++) {
          const k = whole * BLOCK_ELEMS + g * 16 + j;
          byte |= (k < cols ? w[src + k] + 1 : 1) << (2 * g);
        }
        out[d + j] = byte;
      }
    }
  }
  return out;
}

/** Code (0/1/2) of weight (n, k) in a packed matrix; the plain inverse of `packTernary`. */
export function packedCode(packed: Uint8Array, cols: number, n: number, k: number): number {
  const at = n * rowBytes(cols) + (k >> 6) * BLOCK_BYTES + (k & 15);
  return (packed[at] >> (2 * ((k >> 4) & 3))) & 3;
}
