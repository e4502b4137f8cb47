// The kernel thread pool's side in WASM (threaded builds only): every thread runs the same module
// on one shared memory. The host writes a job into a control block and calls `run` on its own
// thread; helper threads sit in `serve`. Threads take chunks of the job's rows from a shared
// counter, big ones first and smaller ones as the rows run out (guided scheduling): long
// sequential reads, yet a thread that the OS delays holds up only a small last chunk. Nothing
// here has state outside the control block: each instance is a pure function of the memory.
//
// Control block (byte offsets; fields written by different threads sit on separate cache lines):
//   SEQ      job sequence number, bumped by `run` to publish a job
//   PENDING  helpers still working on the current job
//   NEXT     first row not yet taken
//   SPIN     busy-wait iterations before sleeping in atomic.wait (set by the host)
//   THREADS  threads in the pool, the host's included (set by the host)
//   FAILED   set when a helper trapped (see `fail`)
//   JOB      the job: kind, then its words (see the kinds below)

import { gemm, gemv } from './ternary';
import { lmHeadBF16, lmHeadF16, lmHeadF16Mapped, lmHeadF32, lmHeadQ6_K, lmHeadQ8_0 } from './lmhead';
import { int8Rows, lmHeadInt8 } from './lmhead-int8';
import { quantizeRows } from './quantize';
import { attnScoresUnits, attnValuesUnits } from './floats';

const SEQ: usize = 0;
const PENDING: usize = 64;
const NEXT: usize = 128;
const SPIN: usize = 192;
const THREADS: usize = 196;
const FAILED: usize = 200;
const JOB: usize = 256;

// Job kinds (word 0 of JOB); the host's kernels.ts writes the same numbers. Every job's rows are
// taken in chunks of at least `min` rows, in multiples of `unit` (kept apart for the cache lines
// of the outputs).
const STOP = 0;
/** [T, q, scales, sums, min, nmat, then per matrix: w, rows, cols, wscale (f32), y, r0, r1]; unit 16 */
const MATMUL = 1;
/** [type, e, cols, h, out, r0, r1, min, map] with type 0..5 = F32, F16, BF16, Q8_0, Q6_K, F16 mapped; unit 4 */
const LMHEAD = 2;
/** [x, cols, q, scales, sums, r0, r1]: one row a chunk */
const QUANTIZE = 3;
/** [scale (f64, words 2-3), q, qStride, heads, kvHeads, headDim, kt, cap, pos0, out, units]: one unit a chunk */
const ATTN_SCORES = 4;
/** [p, sums, heads, kvHeads, headDim, vc, kvDim, cap, pos0, out, outStride, units]: one unit a chunk */
const ATTN_VALUES = 5;
/** [src, f16, cols, q, d, r0, r1, min]; unit 4 */
const INT8_ROWS = 6;
/** [q, d, cols, xq, xd, out, r0, r1, min]; unit 4 */
const LMHEAD_INT8 = 7;

const MATRIX_WORDS = 7;
const MATMUL_UNIT = 16;
const LMHEAD_UNIT = 4;

@inline function word<T>(ctrl: usize, i: i32): T {
  return load<T>(ctrl + JOB + <usize>i * 4);
}

/**
 * Nanoseconds a sleeping thread waits before it looks again. Waking now and then lets the runtime
 * end the thread (a Worker terminated, a process exiting) where a wait without end would block it.
 */
const WAKE_NS: i64 = 100_000_000;

/** Waits until the i32 at p differs from `seen`: spins first, then sleeps; returns the new value. */
function awaitChange(p: usize, seen: i32, spin: i32): i32 {
  for (let i = 0; i < spin; i++) {
    const v = atomic.load<i32>(p);
    if (v != seen) return v;
  }
  let v = atomic.load<i32>(p);
  while (v == seen) {
    atomic.wait<i32>(p, seen, WAKE_NS);
    v = atomic.load<i32>(p);
  }
  return v;
}

/**
 * Takes the next chunk of rows [s, e) of `total`: a 1/(2·threads) share of what is left, at least
 * `least`, rounded up to a multiple of `unit`. Returns s | e << 32, or -1 when none is left.
 */
function take(ctrl: usize, total: i32, least: i32, unit: i32): i64 {
  const threads = atomic.load<i32>(ctrl + THREADS);
  let s = atomic.load<i32>(ctrl + NEXT);
  while (s < total) {
    const share = max(least, (total - s) / (2 * threads));
    const e = min(total, s + (share + unit - 1) / unit * unit);
    const seen = atomic.cmpxchg<i32>(ctrl + NEXT, s, e);
    if (seen == s) return <i64>s | (<i64>e << 32);
    s = seen;
  }
  return -1;
}

/** Runs chunks of the current job until none is left. */
function work(ctrl: usize): void {
  const kind = word<i32>(ctrl, 0);
  if (kind == MATMUL) {
    let total = 0;
    for (let m = 0; m < word<i32>(ctrl, 6); m++) total += word<i32>(ctrl, 7 + m * MATRIX_WORDS + 6) - word<i32>(ctrl, 7 + m * MATRIX_WORDS + 5);
    for (let c = take(ctrl, total, word<i32>(ctrl, 5), MATMUL_UNIT); c >= 0; c = take(ctrl, total, word<i32>(ctrl, 5), MATMUL_UNIT)) matmulRows(ctrl, <i32>c, <i32>(c >> 32));
  } else if (kind == LMHEAD) {
    const r0 = word<i32>(ctrl, 6), total = word<i32>(ctrl, 7) - r0;
    for (let c = take(ctrl, total, word<i32>(ctrl, 8), LMHEAD_UNIT); c >= 0; c = take(ctrl, total, word<i32>(ctrl, 8), LMHEAD_UNIT)) lmHeadRows(ctrl, r0 + <i32>c, r0 + <i32>(c >> 32));
  } else if (kind == INT8_ROWS) {
    const r0 = word<i32>(ctrl, 6), total = word<i32>(ctrl, 7) - r0;
    for (let c = take(ctrl, total, word<i32>(ctrl, 8), LMHEAD_UNIT); c >= 0; c = take(ctrl, total, word<i32>(ctrl, 8), LMHEAD_UNIT)) {
      int8Rows(word<usize>(ctrl, 1), word<i32>(ctrl, 2) != 0, word<i32>(ctrl, 3), word<usize>(ctrl, 4), word<usize>(ctrl, 5), r0 + <i32>c, r0 + <i32>(c >> 32));
    }
  } else if (kind == LMHEAD_INT8) {
    const r0 = word<i32>(ctrl, 7), total = word<i32>(ctrl, 8) - r0;
    for (let c = take(ctrl, total, word<i32>(ctrl, 9), LMHEAD_UNIT); c >= 0; c = take(ctrl, total, word<i32>(ctrl, 9), LMHEAD_UNIT)) {
      lmHeadInt8(word<usize>(ctrl, 1), word<usize>(ctrl, 2), word<i32>(ctrl, 3), word<usize>(ctrl, 4), word<usize>(ctrl, 5), word<usize>(ctrl, 6), r0 + <i32>c, r0 + <i32>(c >> 32));
    }
  } else if (kind == QUANTIZE) {
    const r0 = word<i32>(ctrl, 6), total = word<i32>(ctrl, 7) - r0;
    for (let c = take(ctrl, total, 1, 1); c >= 0; c = take(ctrl, total, 1, 1)) {
      quantizeRows(word<usize>(ctrl, 1), word<i32>(ctrl, 2), word<usize>(ctrl, 3), word<usize>(ctrl, 4), word<usize>(ctrl, 5), r0 + <i32>c, r0 + <i32>(c >> 32));
    }
  } else if (kind == ATTN_SCORES) {
    const total = word<i32>(ctrl, 13);
    for (let c = take(ctrl, total, 1, 1); c >= 0; c = take(ctrl, total, 1, 1)) {
      attnScoresUnits(word<usize>(ctrl, 4), word<i32>(ctrl, 5), word<i32>(ctrl, 6), word<i32>(ctrl, 7), word<i32>(ctrl, 8), word<usize>(ctrl, 9), word<i32>(ctrl, 10), word<i32>(ctrl, 11), word<f64>(ctrl, 2), word<usize>(ctrl, 12), <i32>c, <i32>(c >> 32));
    }
  } else if (kind == ATTN_VALUES) {
    const total = word<i32>(ctrl, 12);
    for (let c = take(ctrl, total, 1, 1); c >= 0; c = take(ctrl, total, 1, 1)) {
      attnValuesUnits(word<usize>(ctrl, 1), word<usize>(ctrl, 2), word<i32>(ctrl, 3), word<i32>(ctrl, 4), word<i32>(ctrl, 5), word<usize>(ctrl, 6), word<i32>(ctrl, 7), word<i32>(ctrl, 8), word<i32>(ctrl, 9), word<usize>(ctrl, 10), word<i32>(ctrl, 11), <i32>c, <i32>(c >> 32));
    }
  }
}

/** Rows [s, e) of a MATMUL job, counted through the matrices' row ranges in order. */
function matmulRows(ctrl: usize, s: i32, e: i32): void {
  const T = word<i32>(ctrl, 1), q = word<usize>(ctrl, 2), scales = word<usize>(ctrl, 3), sums = word<usize>(ctrl, 4);
  let base = 0;
  for (let m = 0; m < word<i32>(ctrl, 6) && base < e; m++) {
    const at = 7 + m * MATRIX_WORDS;
    const first = word<i32>(ctrl, at + 5), n = word<i32>(ctrl, at + 6) - first;
    const a = max(s, base), b = min(e, base + n);
    if (a < b) {
      const w = word<usize>(ctrl, at), rows = word<i32>(ctrl, at + 1), cols = word<i32>(ctrl, at + 2), wscale = word<f32>(ctrl, at + 3), y = word<usize>(ctrl, at + 4);
      const r0 = first + a - base, r1 = first + b - base;
      if (T == 1) gemv(w, cols, wscale, q, scales, sums, y, r0, r1);
      else gemm(w, cols, wscale, q, scales, sums, T, y, rows, r0, r1);
    }
    base += n;
  }
}

function lmHeadRows(ctrl: usize, r0: i32, r1: i32): void {
  const type = word<i32>(ctrl, 1), e = word<usize>(ctrl, 2), cols = word<i32>(ctrl, 3), h = word<usize>(ctrl, 4), out = word<usize>(ctrl, 5);
  if (type == 0) lmHeadF32(e, cols, h, out, r0, r1);
  else if (type == 1) lmHeadF16(e, cols, h, out, r0, r1);
  else if (type == 2) lmHeadBF16(e, cols, h, out, r0, r1);
  else if (type == 3) lmHeadQ8_0(e, cols, h, out, r0, r1);
  else if (type == 4) lmHeadQ6_K(e, cols, h, out, r0, r1);
  else lmHeadF16Mapped(e, cols, h, out, r0, r1, word<usize>(ctrl, 9));
}

/**
 * The host thread's call: publishes the job the host wrote at JOB, works on it, and returns once
 * every helper has finished its chunks.
 */
export function run(ctrl: usize): void {
  const helpers = atomic.load<i32>(ctrl + THREADS) - 1;
  atomic.store<i32>(ctrl + NEXT, 0);
  atomic.store<i32>(ctrl + PENDING, helpers);
  atomic.add<i32>(ctrl + SEQ, 1);
  atomic.notify(ctrl + SEQ, helpers);
  work(ctrl);
  const spin = atomic.load<i32>(ctrl + SPIN);
  let left = atomic.load<i32>(ctrl + PENDING);
  while (left != 0) left = awaitChange(ctrl + PENDING, left, spin);
}

/**
 * Called by a helper whose `serve` trapped: flags the pool as failed and counts the helper as done
 * with the current job, so that `run` returns to the host, which sees FAILED and gives up.
 */
export function fail(ctrl: usize): void {
  atomic.store<i32>(ctrl + FAILED, 1);
  if (atomic.sub<i32>(ctrl + PENDING, 1) == 1) atomic.notify(ctrl + PENDING, 1);
}

/**
 * A helper thread's loop: waits for each job after `seq` (the sequence number when the thread was
 * started), works on it, and returns at a STOP job.
 */
export function serve(ctrl: usize, seq: i32): void {
  for (;;) {
    seq = awaitChange(ctrl + SEQ, seq, atomic.load<i32>(ctrl + SPIN));
    const kind = word<i32>(ctrl, 0);
    if (kind != STOP) work(ctrl);
    if (atomic.sub<i32>(ctrl + PENDING, 1) == 1) atomic.notify(ctrl + PENDING, 1);
    if (kind == STOP) return;
  }
}
