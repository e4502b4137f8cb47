// Row pointers for kernels that work on four rows (or tokens) per pass: past the end of the
// range the last row is repeated, computed again and not stored, so no remainder loop is needed.
// GEMV-like kernels take the four rows of a pass from the four quarters of their range: the
// matrix is then read as four sequential streams, and memory prefetches more of four streams
// than of one (about 20% more bandwidth from WASM's 16-byte loads).

/** Row i of a matrix at base with the given byte stride, clamped to row `last`. */
@inline export function row(base: usize, i: i32, last: i32, stride: usize): usize {
  return base + <usize>min(i, last) * stride;
}

/** Rows per quarter of [r0, r1): pass i takes rows r0 + i + j * quarter, j = 0..3. */
@inline export function quarter(r0: i32, r1: i32): i32 {
  return (r1 - r0 + 3) >> 2;
}

/** Stores x0..x3, the results for rows n + j * q, at out (f32 per row) for the rows below r1. */
@inline export function storeQuarters(out: usize, n: i32, q: i32, r1: i32, x0: f32, x1: f32, x2: f32, x3: f32): void {
  store<f32>(out + <usize>n * 4, x0);
  if (n + q < r1) store<f32>(out + <usize>(n + q) * 4, x1);
  if (n + 2 * q < r1) store<f32>(out + <usize>(n + 2 * q) * 4, x2);
  if (n + 3 * q < r1) store<f32>(out + <usize>(n + 3 * q) * 4, x3);
}
