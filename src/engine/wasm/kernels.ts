// The WASM SIMD kernels (built from ./assembly) behind a typed, validating API. Owns the module's
// memory and a bump allocator over it; every kernel reads and writes only through pointers, so
// results are exactly those of src/engine/math.ts and src/model/float-codecs.ts.
//
// With a threaded build (shared memory) the kernels can run on a pool of threads: helper threads
// (Workers) instantiate the same module on the same memory and wait in assembly/pool.ts; each
// kernel call becomes one job whose rows the threads take in chunks, synchronised through atomics
// in a control block in the memory (no message per call). Splitting rows changes no arithmetic,
// so the results are the same at every thread count.
import type { TensorType } from '../../model/tensor-types.ts';
import { INT8_BLOCK } from '../int8-head.ts';
import { paddedCols, rowBytes } from '../layout.ts';
import type { ThreadInit, ThreadReply } from './thread-main.ts';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, all a wasm32 memory can address
/** Longest ternary row: keeps |Σ code·q| <= 2·128·cols inside the kernels' int32 sums. */
const MAX_TERNARY_COLS = 2 ** 22;

type LmKernel = 'lmHeadF32' | 'lmHeadF16' | 'lmHeadBF16' | 'lmHeadQ8_0' | 'lmHeadQ6_K';

/** The module's exports (see assembly/index.ts); pointers are byte offsets into the memory. */
type Exports = Record<LmKernel, (e: number, cols: number, h: number, out: number, r0: number, r1: number) => void> & {
  heapBase(): number;
  relaxed(): number;
  quantizeRows(x: number, cols: number, q: number, scales: number, sums: number, r0: number, r1: number): void;
  gemv(w: number, cols: number, wscale: number, q: number, scale: number, sum: number, y: number, r0: number, r1: number): void;
  gemm(w: number, cols: number, wscale: number, q: number, scales: number, sums: number, T: number, y: number, ystride: number, r0: number, r1: number): void;
  lmHeadF16Mapped(e: number, cols: number, h: number, out: number, r0: number, r1: number, map: number): void;
  rmsNormRows(x: number, w: number, cols: number, eps: number, y: number, r0: number, r1: number): void;
  ropeRows(x: number, stride: number, heads: number, headDim: number, table: number, pos0: number, r0: number, r1: number): void;
  relu2Gate(gate: number, up: number, n: number): void;
  addInto(x: number, y: number, n: number): void;
  kvStore(k: number, v: number, kvDim: number, headDim: number, kt: number, vc: number, cap: number, pos0: number, r0: number, r1: number): void;
  attnScoresUnits(q: number, qStride: number, heads: number, kvHeads: number, headDim: number, kt: number, cap: number, pos0: number, scale: number, out: number, u0: number, u1: number): void;
  attnValuesUnits(p: number, sums: number, heads: number, kvHeads: number, headDim: number, vc: number, kvDim: number, cap: number, pos0: number, out: number, outStride: number, u0: number, u1: number): void;
  f16Edges(e: number, cols: number, map: number, r0: number, r1: number): void;
  int8Rows(src: number, f16: number, cols: number, q: number, d: number, r0: number, r1: number): void;
  lmHeadInt8(q: number, d: number, cols: number, xq: number, xd: number, out: number, r0: number, r1: number): void;
  /** Threaded builds only (assembly/pool.ts). */
  run?(ctrl: number): void;
};

/**
 * LM-head element types: elements and bytes per block (cols must be whole blocks), and the type's
 * number in a pool job (assembly/pool.ts).
 */
const LM_TYPES: Partial<Record<TensorType, { blockElems: number; blockBytes: number; kernel: LmKernel; id: number }>> = {
  F32: { blockElems: 8, blockBytes: 32, kernel: 'lmHeadF32', id: 0 },
  F16: { blockElems: 8, blockBytes: 16, kernel: 'lmHeadF16', id: 1 },
  BF16: { blockElems: 8, blockBytes: 16, kernel: 'lmHeadBF16', id: 2 },
  Q8_0: { blockElems: 32, blockBytes: 34, kernel: 'lmHeadQ8_0', id: 3 },
  Q6_K: { blockElems: 256, blockBytes: 210, kernel: 'lmHeadQ6_K', id: 4 },
};

/** A started helper thread, as the pool sees the host's Worker (browser, or Node worker_threads). */
export interface KernelThread {
  postMessage(message: ThreadInit): void;
  /** Delivers the thread's replies and its errors. */
  listen(onMessage: (message: ThreadReply) => void, onError: (error: Error) => void): void;
  terminate(): void;
}

/** Starts one helper thread running kernelThreadMain (thread-main.ts) on its first message. */
export type SpawnThread = () => KernelThread;

export interface KernelOptions {
  /** Threads to run the kernels on, this one included (default 1). More need a -threads build and `spawn`. */
  threads?: number;
  spawn?: SpawnThread;
  /** Iterations a waiting thread polls before it sleeps (default SPIN). */
  spin?: number;
}

/**
 * Polls before sleeping (a poll is a few nanoseconds): longer than the gaps between the kernel
 * calls of a decode step (the float steps and the softmax on the calling thread, up to ~100 us),
 * so that no thread sleeps mid-step and pays a wake-up; short enough not to hold a core for
 * long when the engine is idle.
 */
const SPIN = 100_000;
/** How long `create` waits for the helper threads to start. */
const START_TIMEOUT_MS = 30_000;

// The pool's control block (assembly/pool.ts): word offsets of its fields and job kinds.
const CTRL_BYTES = 512;
const W_SPIN = 48;
const W_THREADS = 49;
const W_FAILED = 50;
const W_JOB = 64;
const JOB_STOP = 0;
const JOB_MATMUL = 1;
const JOB_LMHEAD = 2;
const JOB_QUANTIZE = 3;
const JOB_ATTN_SCORES = 4;
const JOB_ATTN_VALUES = 5;
const JOB_INT8_ROWS = 6;
const JOB_LMHEAD_INT8 = 7;
/** Matrices one MATMUL job can take (its words must fit the control block). */
const MAX_JOB_MATRICES = 8;
/**
 * Weight bytes of the smallest chunk of rows a thread takes (the pool hands out big chunks first,
 * then smaller ones down to this): small enough that threads finish together.
 */
const MIN_CHUNK_BYTES = 64 * 1024;
/** LM-head job type of lmHeadF16Mapped (assembly/pool.ts). */
const F16_MAPPED = 5;
/** Bound on |h| for lmHeadF16Mapped: h · 2^112 must stay exact (below 2^128). */
const MAPPED_H_LIMIT = 65536;

/** One matrix of `matmuls`: packed ternary weights w [rows][cols], scale, output y [T][rows]. */
export interface TernaryMatrix {
  w: number;
  rows: number;
  cols: number;
  wscale: number;
  y: number;
}

/**
 * The causal attention of a chunk of T tokens at positions pos0..pos0+T-1 against a KV cache of
 * `cap` positions (a multiple of 4, pos0 + T <= cap): keys transposed (kvHeads · headDim rows of
 * cap floats at kt), values as rows of kvHeads · headDim floats at vc (see kvStore).
 */
export interface AttentionShape {
  T: number;
  pos0: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  cap: number;
  kt: number;
  vc: number;
}

/**
 * The stored rows of the int8 head kernels (assembly/lmhead-int8.ts): cols / 32 blocks, padded
 * to a multiple of 4 with zeros; per row `codeBytes` int8 codes and `scaleBytes` of f32 scales.
 */
export function int8Layout(cols: number): { blocks: number; codeBytes: number; scaleBytes: number } {
  positive('int8 rows: cols', cols);
  if (cols % INT8_BLOCK !== 0) throw new RangeError(`int8 rows need cols % ${INT8_BLOCK} == 0, got ${cols}`);
  const stored = align(cols / INT8_BLOCK, 4);
  return { blocks: cols / INT8_BLOCK, codeBytes: stored * INT8_BLOCK, scaleBytes: stored * 4 };
}

/** Whether this context can run kernel threads: shared memory needs cross-origin isolation in a browser. */
export function threadsAvailable(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer !== 'undefined' && isolated !== false;
}

/** Whether a compiled module is a threaded build (shared memory, exports the pool). */
export function isThreadedBuild(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.exports(module).some((e) => e.name === 'serve');
}

/**
 * Whether this runtime can run the relaxed-SIMD build (Chromium yes, Node 20 no). Validates
 * (module (func (result v128) v128.const 0 ×3 i32x4.relaxed_dot_i8x16_i7x16_add_s)). The function
 * is self-contained so that it can also be evaluated in a page or worker as is.
 */
export function supportsRelaxedSimd(): boolean {
  const zero128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const probe = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
    ...[0x0a, 0x3d, 0x01, 0x3b, 0x00], // code section: one body of 59 bytes, no locals
    ...zero128, ...zero128, ...zero128,
    ...[0xfd, 0x93, 0x02], // i32x4.relaxed_dot_i8x16_i7x16_add_s: 0xfd then LEB128(0x113)
    0x0b, // end
  ];
  return WebAssembly.validate(new Uint8Array(probe));
}

export class WasmKernels {
  readonly memory: WebAssembly.Memory;
  /** Whether the loaded build uses relaxed SIMD. */
  readonly relaxed: boolean;
  /** Start of the allocator's region: the module's static data lies below. */
  readonly heapBase: number;
  private readonly k: Exports;
  private top: number;
  private pool: Pool | null = null;

  private constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory) {
    this.k = instance.exports as unknown as Exports;
    this.memory = memory;
    this.relaxed = this.k.relaxed() !== 0;
    this.heapBase = align(this.k.heapBase(), 64);
    this.top = this.heapBase;
  }

  /**
   * Instantiates a build (compiled module or its bytes) with a fresh memory; with `threads` > 1
   * (a -threads build and `spawn` needed) also starts threads - 1 helper threads and resolves
   * once they run. Call `dispose` to stop them.
   */
  static async create(source: WebAssembly.Module | BufferSource, options: KernelOptions = {}): Promise<WasmKernels> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
    const kernels = WasmKernels.fromModule(module);
    if (threads > 1) {
      if (!isThreadedBuild(module)) throw new Error(`${threads} threads need a threaded build (kernels-*-threads.wasm), got a single-threaded one`);
      if (!options.spawn) throw new Error(`${threads} threads need options.spawn`);
      kernels.pool = await Pool.start(kernels.k, kernels.memory, kernels.alloc(CTRL_BYTES, 64), module, threads, options.spawn, options.spin ?? SPIN);
    }
    return kernels;
  }

  /** Synchronous single-thread variant for an already compiled module (workers, tests). */
  static fromModule(module: WebAssembly.Module): WasmKernels {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: isThreadedBuild(module) });
    return new WasmKernels(new WebAssembly.Instance(module, { env: { memory } }), memory);
  }

  /** Threads the kernels run on, this one included. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Stops the helper threads (kernels then run on this thread only). */
  dispose(): void {
    this.pool?.stop();
    this.pool = null;
  }

  /** Bytes the memory currently holds. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes handed out by `alloc` so far (the high-water mark: nothing is ever freed). */
  get allocatedBytes(): number {
    return this.top - this.heapBase;
  }

  /**
   * Reserves `bytes` (zero-filled when fresh) aligned to `align`, growing the memory as needed.
   * Growth detaches earlier ArrayBuffer views: take views after allocating, via f32/i8/u8/i32.
   */
  alloc(bytes: number, alignTo = 16): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`alloc: bad size ${bytes}`);
    if (!Number.isInteger(alignTo) || alignTo <= 0 || (alignTo & (alignTo - 1)) !== 0) throw new RangeError(`alloc: alignment ${alignTo} is not a power of two`);
    const ptr = align(this.top, alignTo);
    const end = ptr + bytes;
    if (end > MAX_PAGES * PAGE) throw new RangeError(`alloc: ${bytes} bytes do not fit the 4 GiB wasm memory (${this.allocatedBytes} in use)`);
    const need = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) {
      try {
        this.memory.grow(need);
      } catch (e) {
        throw new RangeError(`alloc: cannot grow wasm memory to ${Math.ceil(end / PAGE) * PAGE} bytes: ${(e as Error).message}`);
      }
    }
    this.top = end;
    return ptr;
  }

  f32(ptr: number, len: number): Float32Array {
    this.region('f32', ptr, len * 4, 4);
    return new Float32Array(this.memory.buffer, ptr, len);
  }

  i32(ptr: number, len: number): Int32Array {
    this.region('i32', ptr, len * 4, 4);
    return new Int32Array(this.memory.buffer, ptr, len);
  }

  i8(ptr: number, len: number): Int8Array {
    this.region('i8', ptr, len, 1);
    return new Int8Array(this.memory.buffer, ptr, len);
  }

  u8(ptr: number, len: number): Uint8Array {
    this.region('u8', ptr, len, 1);
    return new Uint8Array(this.memory.buffer, ptr, len);
  }

  /**
   * quantizeActivations of math.ts for rows [r0, r1) of x (f32, row stride `cols`): int8 rows
   * of paddedCols(cols) bytes at q (zero padded), f32 scales and i32 sums per row.
   */
  quantizeRows(x: number, cols: number, q: number, scales: number, sums: number, r0: number, r1: number): void {
    positive('quantizeRows: cols', cols);
    range('quantizeRows', r0, r1, Number.MAX_SAFE_INTEGER);
    this.region('quantizeRows: x', x, r1 * cols * 4, 4);
    this.region('quantizeRows: q', q, r1 * paddedCols(cols), 16);
    this.region('quantizeRows: scales', scales, r1 * 4, 4);
    this.region('quantizeRows: sums', sums, r1 * 4, 4);
    if (this.pool && r1 - r0 > 1) this.pool.run([JOB_QUANTIZE, x, cols, q, scales, sums, r0, r1]);
    else this.k.quantizeRows(x, cols, q, scales, sums, r0, r1);
  }

  /**
   * bitLinear of math.ts for one token: y[n], n in [r0, r1), for packed ternary weights w
   * ([rows][cols] in the layout.ts compute layout), wscale, and the token's int8 row q with its
   * scale and Σq stored at `scale` and `sum` (as quantizeRows writes them).
   */
  gemv(w: number, rows: number, cols: number, wscale: number, q: number, scale: number, sum: number, y: number, r0: number, r1: number): void {
    this.ternaryArgs('gemv', w, rows, cols, q, 1, scale, sum, y, r0, r1);
    if (this.pool) this.pool.matmul([{ w, rows, cols, wscale, y, r0, r1 }], q, scale, sum, 1);
    else this.k.gemv(w, cols, wscale, q, scale, sum, y, r0, r1);
  }

  /** bitLinear for T tokens (rows of q, scales[t], sums[t]): y[t * rows + n], n in [r0, r1). */
  gemm(w: number, rows: number, cols: number, wscale: number, q: number, scales: number, sums: number, T: number, y: number, r0: number, r1: number): void {
    this.ternaryArgs('gemm', w, rows, cols, q, T, scales, sums, y, r0, r1);
    if (this.pool) this.pool.matmul([{ w, rows, cols, wscale, y, r0, r1 }], q, scales, sums, T);
    else this.k.gemm(w, cols, wscale, q, scales, sums, T, y, rows, r0, r1);
  }

  /** gemv for one token, gemm for more: the same results either way. */
  ternaryMatmul(w: number, rows: number, cols: number, wscale: number, q: number, scales: number, sums: number, T: number, y: number, r0: number, r1: number): void {
    if (T === 1) this.gemv(w, rows, cols, wscale, q, scales, sums, y, r0, r1);
    else this.gemm(w, rows, cols, wscale, q, scales, sums, T, y, r0, r1);
  }

  /**
   * ternaryMatmul of several matrices over the same T quantized tokens, all rows: one job on the
   * pool, so q, k and v (or gate and up) cost one synchronisation.
   */
  matmuls(mats: readonly TernaryMatrix[], q: number, scales: number, sums: number, T: number): void {
    for (const m of mats) this.ternaryArgs('matmuls', m.w, m.rows, m.cols, q, T, scales, sums, m.y, 0, m.rows);
    if (this.pool) {
      for (let i = 0; i < mats.length; i += MAX_JOB_MATRICES) {
        this.pool.matmul(mats.slice(i, i + MAX_JOB_MATRICES).map((m) => ({ ...m, r0: 0, r1: m.rows })), q, scales, sums, T);
      }
    } else {
      for (const m of mats) {
        if (T === 1) this.k.gemv(m.w, m.cols, m.wscale, q, scales, sums, m.y, 0, m.rows);
        else this.k.gemm(m.w, m.cols, m.wscale, q, scales, sums, T, m.y, m.rows, 0, m.rows);
      }
    }
  }

  /**
   * out[v] = dotLanes8(dequantRow(type, E, v), h) for v in [r0, r1); E is [rows][cols] stored as
   * F32, F16, BF16, Q8_0 or Q6_K, h is f32[cols]. For F16, `edges` (from f16EdgeMap of the same
   * E) lets most of E take a conversion of half the cost; the results are the same.
   */
  lmHead(type: TensorType, e: number, rows: number, cols: number, h: number, out: number, r0: number, r1: number, edges?: number): void {
    const t = LM_TYPES[type];
    if (!t) throw new Error(`lmHead: no kernel for ${type} (F32, F16, BF16, Q8_0, Q6_K)`);
    positive('lmHead: cols', cols);
    if (cols % t.blockElems !== 0) throw new RangeError(`lmHead: ${type} needs cols % ${t.blockElems} == 0, got ${cols}`);
    range('lmHead', r0, r1, rows);
    this.region('lmHead: E', e, (rows * cols * t.blockBytes) / t.blockElems, type === 'F32' ? 4 : 2);
    this.region('lmHead: h', h, cols * 4, 4);
    this.region('lmHead: out', out, rows * 4, 4);
    let mapped = false;
    if (edges !== undefined) {
      if (type !== 'F16') throw new Error(`lmHead: an edge map is for F16, not ${type}`);
      this.region('lmHead: edges', edges, rows * edgeMapBytes(cols), 4);
      mapped = this.f32(h, cols).every((v) => Math.abs(v) < MAPPED_H_LIMIT);
    }
    if (this.pool) {
      const min = this.pool.minRows((cols * t.blockBytes) / t.blockElems, 4);
      this.pool.run([JOB_LMHEAD, mapped ? F16_MAPPED : t.id, e, cols, h, out, r0, r1, min, mapped ? edges! : 0]);
    } else if (mapped) {
      this.k.lmHeadF16Mapped(e, cols, h, out, r0, r1, edges!);
    } else {
      this.k[t.kernel](e, cols, h, out, r0, r1);
    }
  }

  /**
   * The edge map of an F16 matrix E [rows][cols] for lmHead: one bit per 8 columns of a row, set
   * where they hold a subnormal, inf or NaN (assembly/lmhead.ts f16Edges). Allocates it.
   */
  f16EdgeMap(e: number, rows: number, cols: number): number {
    positive('f16EdgeMap: cols', cols);
    if (cols % 8 !== 0) throw new RangeError(`f16EdgeMap: needs cols % 8 == 0, got ${cols}`);
    positive('f16EdgeMap: rows', rows);
    this.region('f16EdgeMap: E', e, rows * cols * 2, 2);
    const map = this.alloc(rows * edgeMapBytes(cols), 64);
    this.k.f16Edges(e, cols, map, 0, rows);
    return map;
  }

  /**
   * quantizeInt8Blocks of int8-head.ts on rows [r0, r1) of src ([rows][cols] F32 or F16) into
   * codes q and scales d, rows laid out as int8Layout(cols) says (padding zeroed).
   */
  int8Rows(type: 'F32' | 'F16', src: number, rows: number, cols: number, q: number, d: number, r0: number, r1: number): void {
    const { codeBytes, scaleBytes } = int8Layout(cols);
    range('int8Rows', r0, r1, rows);
    const elem = type === 'F16' ? 2 : 4;
    this.region('int8Rows: src', src, rows * cols * elem, elem);
    this.region('int8Rows: q', q, rows * codeBytes, 16);
    this.region('int8Rows: d', d, rows * scaleBytes, 16);
    if (this.pool && r1 - r0 > 1) this.pool.run([JOB_INT8_ROWS, src, elem === 2 ? 1 : 0, cols, q, d, r0, r1, this.pool.minRows(cols * elem, 4)]);
    else this.k.int8Rows(src, elem === 2 ? 1 : 0, cols, q, d, r0, r1);
  }

  /**
   * int8Logit of int8-head.ts: out[v] for v in [r0, r1), from int8 head rows (q, d: int8Rows of
   * [rows][cols]) and one int8 activation row (xq, xd: int8Rows of a single row).
   */
  lmHeadInt8(q: number, d: number, rows: number, cols: number, xq: number, xd: number, out: number, r0: number, r1: number): void {
    const { codeBytes, scaleBytes } = int8Layout(cols);
    range('lmHeadInt8', r0, r1, rows);
    this.region('lmHeadInt8: q', q, rows * codeBytes, 16);
    this.region('lmHeadInt8: d', d, rows * scaleBytes, 16);
    this.region('lmHeadInt8: xq', xq, codeBytes, 16);
    this.region('lmHeadInt8: xd', xd, scaleBytes, 16);
    this.region('lmHeadInt8: out', out, rows * 4, 4);
    if (this.pool) this.pool.run([JOB_LMHEAD_INT8, q, d, cols, xq, xd, out, r0, r1, this.pool.minRows(codeBytes + scaleBytes, 4)]);
    else this.k.lmHeadInt8(q, d, cols, xq, xd, out, r0, r1);
  }

  /** rmsNorm of math.ts for rows [r0, r1) of x (f32, row stride cols) into y, with weights w (f32[cols]). */
  rmsNormRows(x: number, w: number, cols: number, eps: number, y: number, r0: number, r1: number): void {
    positive('rmsNormRows: cols', cols);
    range('rmsNormRows', r0, r1, Number.MAX_SAFE_INTEGER);
    this.region('rmsNormRows: x', x, r1 * cols * 4, 4);
    this.region('rmsNormRows: w', w, cols * 4, 4);
    this.region('rmsNormRows: y', y, r1 * cols * 4, 4);
    this.k.rmsNormRows(x, w, cols, eps, y, r0, r1);
  }

  /**
   * ropeNeox of math.ts on `heads` heads of headDim (even) at the start of rows [r0, r1) of x
   * (row stride `stride` floats); row r is position pos0 + r, whose cos and sin (ropeAngles,
   * headDim / 2 of each) are at table + position · headDim floats.
   */
  ropeRows(x: number, stride: number, heads: number, headDim: number, table: number, pos0: number, r0: number, r1: number): void {
    positive('ropeRows: headDim', headDim);
    if (headDim % 2 !== 0) throw new RangeError(`ropeRows: headDim ${headDim} is odd`);
    if (heads * headDim > stride) throw new RangeError(`ropeRows: ${heads} heads of ${headDim} exceed the row stride ${stride}`);
    range('ropeRows', r0, r1, Number.MAX_SAFE_INTEGER);
    this.region('ropeRows: x', x, r1 * stride * 4, 4);
    this.region('ropeRows: table', table, (pos0 + r1) * headDim * 4, 4);
    this.k.ropeRows(x, stride, heads, headDim, table, pos0, r0, r1);
  }

  /** gatedActivation 'relu2' of math.ts in place into gate, for n floats of gate and up. */
  relu2Gate(gate: number, up: number, n: number): void {
    this.region('relu2Gate: gate', gate, n * 4, 4);
    this.region('relu2Gate: up', up, n * 4, 4);
    this.k.relu2Gate(gate, up, n);
  }

  /** x[i] = f32(x[i] + y[i]) for n floats. */
  addInto(x: number, y: number, n: number): void {
    this.region('addInto: x', x, n * 4, 4);
    this.region('addInto: y', y, n * 4, 4);
    this.k.addInto(x, y, n);
  }

  /** Stores rows [0, T) of k and v (kvHeads · headDim floats each) as positions pos0.. of the cache of `a`. */
  kvStore(a: AttentionShape, k: number, v: number): void {
    this.attentionArgs('kvStore', a);
    const kvDim = a.kvHeads * a.headDim;
    this.region('kvStore: k', k, a.T * kvDim * 4, 4);
    this.region('kvStore: v', v, a.T * kvDim * 4, 4);
    this.k.kvStore(k, v, kvDim, a.headDim, a.kt, a.vc, a.cap, a.pos0, 0, a.T);
  }

  /**
   * The scores of attendHead (math.ts) for every token and head of `a`: out[t][head][cap] (f64,
   * positions < pos0 + t + 1 written), from queries q (rows of qStride floats, head h at h ·
   * headDim) and `scale` (1 / sqrt(headDim)).
   */
  attentionScores(a: AttentionShape, q: number, qStride: number, scale: number, out: number): void {
    this.attentionArgs('attentionScores', a);
    this.region('attentionScores: q', q, a.T * qStride * 4, 4);
    this.region('attentionScores: out', out, a.T * a.heads * a.cap * 8, 16);
    const units = a.T * a.kvHeads;
    if (this.pool && units > 1) this.pool.attention(JOB_ATTN_SCORES, [q, qStride, a.heads, a.kvHeads, a.headDim, a.kt, a.cap, a.pos0, out, units], scale);
    else this.k.attnScoresUnits(q, qStride, a.heads, a.kvHeads, a.headDim, a.kt, a.cap, a.pos0, scale, out, 0, units);
  }

  /**
   * The outputs of attendHead from softmax weights p[t][head][cap] (exp applied) and their sums
   * sums[t][head] (f64): head h of token t to out + (t · outStride + h · headDim) floats.
   */
  attentionValues(a: AttentionShape, p: number, sums: number, out: number, outStride: number): void {
    this.attentionArgs('attentionValues', a);
    this.region('attentionValues: p', p, a.T * a.heads * a.cap * 8, 8);
    this.region('attentionValues: sums', sums, a.T * a.heads * 8, 8);
    this.region('attentionValues: out', out, a.T * outStride * 4, 16);
    const units = a.T * a.kvHeads;
    if (this.pool && units > 1) this.pool.run([JOB_ATTN_VALUES, p, sums, a.heads, a.kvHeads, a.headDim, a.vc, a.kvHeads * a.headDim, a.cap, a.pos0, out, outStride, units]);
    else this.k.attnValuesUnits(p, sums, a.heads, a.kvHeads, a.headDim, a.vc, a.kvHeads * a.headDim, a.cap, a.pos0, out, outStride, 0, units);
  }

  private attentionArgs(name: string, a: AttentionShape): void {
    positive(`${name}: T`, a.T);
    positive(`${name}: kvHeads`, a.kvHeads);
    positive(`${name}: headDim`, a.headDim);
    if (!Number.isSafeInteger(a.heads) || a.heads % a.kvHeads !== 0 || a.heads <= 0) throw new RangeError(`${name}: ${a.heads} heads are not a multiple of ${a.kvHeads} KV heads`);
    if (a.headDim % 4 !== 0) throw new RangeError(`${name}: headDim ${a.headDim} is not a multiple of 4`);
    if (!Number.isSafeInteger(a.cap) || a.cap % 4 !== 0 || !Number.isSafeInteger(a.pos0) || a.pos0 < 0 || a.pos0 + a.T > a.cap) {
      throw new RangeError(`${name}: positions ${a.pos0}..${a.pos0 + a.T - 1} do not fit a cache of ${a.cap} (a multiple of 4)`);
    }
    this.region(`${name}: keys`, a.kt, a.kvHeads * a.headDim * a.cap * 4, 16);
    this.region(`${name}: values`, a.vc, a.kvHeads * a.headDim * a.cap * 4, 16);
  }

  private ternaryArgs(name: string, w: number, rows: number, cols: number, q: number, T: number, scales: number, sums: number, y: number, r0: number, r1: number): void {
    positive(`${name}: cols`, cols);
    if (cols > MAX_TERNARY_COLS) throw new RangeError(`${name}: cols ${cols} exceeds ${MAX_TERNARY_COLS}`);
    positive(`${name}: tokens`, T);
    range(name, r0, r1, rows);
    this.region(`${name}: w`, w, rows * rowBytes(cols), 16);
    this.region(`${name}: q`, q, T * paddedCols(cols), 16);
    this.region(`${name}: scales`, scales, T * 4, 4);
    this.region(`${name}: sums`, sums, T * 4, 4);
    this.region(`${name}: y`, y, T * rows * 4, 4);
  }

  /** Throws unless [ptr, ptr + bytes) is aligned and lies in allocated memory. */
  private region(what: string, ptr: number, bytes: number, alignTo: number): void {
    if (!Number.isSafeInteger(ptr) || !Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`${what}: bad pointer ${ptr} or size ${bytes}`);
    if (ptr % alignTo !== 0) throw new RangeError(`${what}: pointer ${ptr} is not ${alignTo}-byte aligned`);
    if (ptr < this.heapBase || ptr + bytes > this.top) {
      throw new RangeError(`${what}: [${ptr}, ${ptr + bytes}) is outside the allocated heap [${this.heapBase}, ${this.top})`);
    }
  }
}

/**
 * The helper threads and the control block they share with this thread. Jobs are written as
 * words into the block and run by the module's `run` export, which returns when all are done.
 */
class Pool {
  private readonly words: Int32Array;
  private readonly floats: Float32Array;
  private readonly doubles: Float64Array;
  private failed: Error | null = null;

  private constructor(
    private readonly k: Exports,
    private readonly ctrl: number,
    memory: WebAssembly.Memory,
    readonly threads: number,
    private readonly helpers: KernelThread[],
  ) {
    // A view of the shared buffer stays valid when the memory grows (shared buffers never detach).
    this.words = new Int32Array(memory.buffer, ctrl, CTRL_BYTES / 4);
    this.floats = new Float32Array(memory.buffer, ctrl, CTRL_BYTES / 4);
    this.doubles = new Float64Array(memory.buffer, ctrl, CTRL_BYTES / 8);
  }

  static async start(k: Exports, memory: WebAssembly.Memory, ctrl: number, module: WebAssembly.Module, threads: number, spawn: SpawnThread, spin: number): Promise<Pool> {
    const words = new Int32Array(memory.buffer, ctrl, CTRL_BYTES / 4);
    words[W_SPIN] = spin;
    words[W_THREADS] = threads;
    const helpers: KernelThread[] = [];
    try {
      await Promise.all(
        Array.from({ length: threads - 1 }, (_, i) => {
          const thread = spawn();
          helpers.push(thread);
          return new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`kernel thread ${i + 1} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
            const done = (error?: Error) => {
              clearTimeout(timer);
              if (error) reject(error);
              else resolve();
            };
            thread.listen((m) => done(m.type === 'ready' ? undefined : new Error(m.message)), done);
            thread.postMessage({ module, memory, ctrl, seq: 0 });
          });
        }),
      );
    } catch (e) {
      for (const t of helpers) t.terminate();
      throw e;
    }
    return new Pool(k, ctrl, memory, threads, helpers);
  }

  /** The smallest chunk a thread takes of rows of rowBytes each: MIN_CHUNK_BYTES, in whole `unit`s. */
  minRows(rowBytes: number, unit: number): number {
    return align(Math.ceil(MIN_CHUNK_BYTES / rowBytes), unit);
  }

  matmul(mats: readonly (TernaryMatrix & { r0: number; r1: number })[], q: number, scales: number, sums: number, T: number): void {
    const words = [JOB_MATMUL, T, q, scales, sums, this.minRows(rowBytes(mats[0].cols), 16), mats.length];
    for (const m of mats) words.push(m.w, m.rows, m.cols, 0, m.y, m.r0, m.r1);
    this.write(words);
    mats.forEach((m, i) => (this.floats[W_JOB + 7 + i * 7 + 3] = m.wscale));
    this.dispatch();
  }

  run(job: number[]): void {
    this.write(job);
    this.dispatch();
  }

  /** An attention job: the kind, an f64 at words 2-3, then `words` from word 4. */
  attention(kind: number, words: number[], scale: number): void {
    this.write([kind, 0, 0, 0, ...words]);
    this.doubles[W_JOB / 2 + 1] = scale;
    this.dispatch();
  }

  /** Ends the helpers' loops and the threads. */
  stop(): void {
    if (!this.failed) {
      this.write([JOB_STOP]);
      this.dispatch();
    }
    for (const t of this.helpers) t.terminate();
  }

  private write(job: number[]): void {
    if (this.failed) throw this.failed;
    this.words.set(job, W_JOB);
  }

  private dispatch(): void {
    try {
      this.k.run!(this.ctrl);
    } catch (e) {
      // Helpers may still be on the job: the pool cannot take another.
      this.failed = new Error(`kernel pool stopped after a failed job: ${(e as Error).message}`);
      throw e;
    }
    if (this.words[W_FAILED] !== 0) {
      this.failed = new Error('a kernel thread failed (see its error); the pool is stopped');
      throw this.failed;
    }
  }
}

/** Bytes of an F16 edge map row (assembly/lmhead.ts): one u32 per 256 columns. */
function edgeMapBytes(cols: number): number {
  return Math.ceil(cols / 256) * 4;
}

function align(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

function positive(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, got ${v}`);
}

function range(what: string, r0: number, r1: number, rows: number): void {
  if (!Number.isSafeInteger(r0) || !Number.isSafeInteger(r1) || r0 < 0 || r0 > r1 || r1 > rows) {
    throw new RangeError(`${what}: row range [${r0}, ${r1}) is not within [0, ${rows})`);
  }
}
