// Row pointers for kernels that work on four rows (or tokens) per pass: past the end of the
// range the last row is repeated, computed again and not stored, so no remainder loop is needed.

/** Row i of a matrix at base with the given byte stride, clamped to row `last`. */
@inline export function row(base: usize, i: i32, last: i32, stride: usize): usize {
  return base + <usize>min(i, last) * stride;
}
