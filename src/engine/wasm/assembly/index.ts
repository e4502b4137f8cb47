// Entry of the kernels module: pure functions of pointers into the imported memory, so several
// instances (threads) can share one memory. Built as SIMD128 and as SIMD128 + relaxed SIMD, each
// once for a plain memory and once, through threads.ts, for a shared one.

export { quantizeRows } from './quantize';
export { gemv, gemm } from './ternary';
export { rmsNormRows, ropeRows, relu2Gate, addInto, attnScoresUnits, attnValuesUnits, kvStore } from './floats';
export { lmHeadF32, lmHeadF16, lmHeadF16Mapped, f16Edges, lmHeadBF16, lmHeadQ8_0, lmHeadQ6_K } from './lmhead';
export { int8Rows, lmHeadInt8 } from './lmhead-int8';

/** First byte free for the host's allocator: everything below is the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Whether this build uses relaxed SIMD (lets the host check it loaded the build it meant to). */
export function relaxed(): bool {
  return ASC_FEATURE_RELAXED_SIMD;
}
