// The WASM SIMD kernels (built from ./assembly) behind a typed, validating API. Owns the module's
// memory and a bump allocator over it; every kernel reads and writes only through pointers, so
// results are exactly those of src/engine/math.ts and src/model/float-codecs.ts.
import type { TensorType } from '../../model/tensor-types.ts';
import { paddedCols, rowBytes } from '../layout.ts';

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
};

/** LM-head element types: elements and bytes per block (cols must be whole blocks). */
const LM_TYPES: Partial<Record<TensorType, { blockElems: number; blockBytes: number; kernel: LmKernel }>> = {
  F32: { blockElems: 8, blockBytes: 32, kernel: 'lmHeadF32' },
  F16: { blockElems: 8, blockBytes: 16, kernel: 'lmHeadF16' },
  BF16: { blockElems: 8, blockBytes: 16, kernel: 'lmHeadBF16' },
  Q8_0: { blockElems: 32, blockBytes: 34, kernel: 'lmHeadQ8_0' },
  Q6_K: { blockElems: 256, blockBytes: 210, kernel: 'lmHeadQ6_K' },
};

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

  private constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory) {
    this.k = instance.exports as unknown as Exports;
    this.memory = memory;
    this.relaxed = this.k.relaxed() !== 0;
    this.heapBase = align(this.k.heapBase(), 64);
    this.top = this.heapBase;
  }

  /** Instantiates a build (compiled module or its bytes) with a fresh memory. */
  static async create(source: WebAssembly.Module | BufferSource): Promise<WasmKernels> {
    const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
    return WasmKernels.fromModule(module);
  }

  /** Synchronous variant for an already compiled module (workers, tests). */
  static fromModule(module: WebAssembly.Module): WasmKernels {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    return new WasmKernels(new WebAssembly.Instance(module, { env: { memory } }), memory);
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
    this.k.quantizeRows(x, cols, q, scales, sums, r0, r1);
  }

  /**
   * bitLinear of math.ts for one token: y[n], n in [r0, r1), for packed ternary weights w
   * ([rows][cols] in the layout.ts compute layout), wscale, and the token's int8 row q with its
   * scale and Σq stored at `scale` and `sum` (as quantizeRows writes them).
   */
  gemv(w: number, rows: number, cols: number, wscale: number, q: number, scale: number, sum: number, y: number, r0: number, r1: number): void {
    this.ternaryArgs('gemv', w, rows, cols, q, 1, scale, sum, y, r0, r1);
    this.k.gemv(w, cols, wscale, q, scale, sum, y, r0, r1);
  }

  /** bitLinear for T tokens (rows of q, scales[t], sums[t]): y[t * rows + n], n in [r0, r1). */
  gemm(w: number, rows: number, cols: number, wscale: number, q: number, scales: number, sums: number, T: number, y: number, r0: number, r1: number): void {
    this.ternaryArgs('gemm', w, rows, cols, q, T, scales, sums, y, r0, r1);
    this.k.gemm(w, cols, wscale, q, scales, sums, T, y, rows, r0, r1);
  }

  /** gemv for one token, gemm for more: the same results either way. */
  ternaryMatmul(w: number, rows: number, cols: number, wscale: number, q: number, scales: number, sums: number, T: number, y: number, r0: number, r1: number): void {
    if (T === 1) this.gemv(w, rows, cols, wscale, q, scales, sums, y, r0, r1);
    else this.gemm(w, rows, cols, wscale, q, scales, sums, T, y, r0, r1);
  }

  /**
   * out[v] = dotLanes8(dequantRow(type, E, v), h) for v in [r0, r1); E is [rows][cols] stored as
   * F32, F16, BF16, Q8_0 or Q6_K, h is f32[cols].
   */
  lmHead(type: TensorType, e: number, rows: number, cols: number, h: number, out: number, r0: number, r1: number): void {
    const t = LM_TYPES[type];
    if (!t) throw new Error(`lmHead: no kernel for ${type} (F32, F16, BF16, Q8_0, Q6_K)`);
    positive('lmHead: cols', cols);
    if (cols % t.blockElems !== 0) throw new RangeError(`lmHead: ${type} needs cols % ${t.blockElems} == 0, got ${cols}`);
    range('lmHead', r0, r1, rows);
    this.region('lmHead: E', e, (rows * cols * t.blockBytes) / t.blockElems, type === 'F32' ? 4 : 2);
    this.region('lmHead: h', h, cols * 4, 4);
    this.region('lmHead: out', out, rows * 4, 4);
    this.k[t.kernel](e, cols, h, out, r0, r1);
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
