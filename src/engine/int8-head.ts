// The numerical definition of the opt-in int8 LM head (WasmEngine's lmHead: 'int8'), written as
// plain loops like math.ts: llama.cpp's Q8_0 × Q8_0 dot product, with f32 block scales. The WASM
// kernels (wasm/assembly/lmhead-int8.ts) are bit-identical to these functions.
//
// Quantization, of each head row at load time and of the final normed hidden state per token:
// blocks of 32, d = f32(max|x| / 127), q = round(f32(x / d)) half to even, clamped to ±127; q = 0
// where d = 0 (a zero block) or x / d is NaN. A logit is Σ_b f32(f32(d_w·d_x) · isum_b), isum_b
// the exact integer Σ q_w·q_x of block b, summed in f32 in four lanes (lane b mod 4, blocks in
// order) that are then reduced as (l0 + l2) + (l1 + l3).
import { f32, roundHalfEven } from './math.ts';

export const INT8_BLOCK = 32;

/** Quantizes x (whole blocks of 32) into codes q (as long as x) and scales d (one per block). */
export function quantizeInt8Blocks(x: Float32Array, q: Int8Array, d: Float32Array): void {
  if (x.length % INT8_BLOCK !== 0) throw new RangeError(`int8 blocks need a length that is a multiple of ${INT8_BLOCK}, got ${x.length}`);
  for (let b = 0; b < x.length / INT8_BLOCK; b++) {
    const at = b * INT8_BLOCK;
    let amax = 0;
    for (let i = at; i < at + INT8_BLOCK; i++) amax = Math.max(amax, Math.abs(x[i])); // NaN propagates
    const db = f32(amax / 127);
    d[b] = db;
    for (let i = at; i < at + INT8_BLOCK; i++) {
      const v = f32(x[i] / db);
      q[i] = db === 0 || v !== v ? 0 : roundHalfEven(Math.min(127, Math.max(-127, v)));
    }
  }
}

/** The logit of one head row (codes qw, scales dw) for the quantized hidden state (qx, dx). */
export function int8Logit(qw: Int8Array, dw: Float32Array, qx: Int8Array, dx: Float32Array): number {
  const lanes = [0, 0, 0, 0]; // float32 values; every update is rounded
  for (let b = 0; b < dw.length; b++) {
    let isum = 0;
    for (let i = b * INT8_BLOCK; i < (b + 1) * INT8_BLOCK; i++) isum += qw[i] * qx[i];
    lanes[b & 3] = f32(lanes[b & 3] + f32(f32(dw[b] * dx[b]) * isum));
  }
  return f32(f32(lanes[0] + lanes[2]) + f32(lanes[1] + lanes[3]));
}

/**
 * The int8 head end to end: the logits of a head of `rows` rows (row(v, out) writes row v as f32,
 * e.g. with dequantRow) for the final normed hidden state h.
 */
export function int8HeadLogits(rows: number, row: (v: number, out: Float32Array) => void, h: Float32Array): Float32Array {
  const blocks = h.length / INT8_BLOCK;
  const qx = new Int8Array(h.length), dx = new Float32Array(blocks);
  quantizeInt8Blocks(h, qx, dx);
  const w = new Float32Array(h.length), qw = new Int8Array(h.length), dw = new Float32Array(blocks);
  return Float32Array.from({ length: rows }, (_, v) => {
    row(v, w);
    quantizeInt8Blocks(w, qw, dw);
    return int8Logit(qw, dw, qx, dx);
  });
}
