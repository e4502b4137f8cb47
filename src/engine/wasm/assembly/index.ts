// Entry of the kernels module: pure functions of pointers into the imported memory, so several
// instances (threads) can share one memory. Built twice: SIMD128, and SIMD128 + relaxed SIMD.

export { quantizeRows } from './quantize';
export { gemv, gemm } from './ternary';
export { lmHeadF32, lmHeadF16, lmHeadBF16, lmHeadQ8_0, lmHeadQ6_K } from './lmhead';

/** First byte free for the host's allocator: everything below is the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Whether this build uses relaxed SIMD (lets the host check it loaded the build it meant to). */
export function relaxed(): bool {
  return ASC_FEATURE_RELAXED_SIMD;
}
