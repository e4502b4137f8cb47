// For tests: the kernel configurations every kernel case runs on, so that each kernel is checked
// at every thread count against one reference result: a fresh single-threaded SIMD128 instance,
// and pools on the threaded SIMD128 build with 1 (shared memory, no helpers), 2 and 3 threads.
import { spawnNodeThread } from '../../node/kernel-threads.ts';
import { wasmKernelBytes } from '../../node/wasm-bytes.ts';
import { WasmKernels } from './kernels.ts';

export const POOL_THREADS = [1, 2, 3];

export interface KernelVariant {
  label: string;
  k: WasmKernels;
}

export class KernelVariants {
  private constructor(
    private readonly single: WebAssembly.Module,
    private readonly pools: WasmKernels[],
  ) {}

  static async start(): Promise<KernelVariants> {
    const single = new WebAssembly.Module(await wasmKernelBytes('simd'));
    const threaded = new WebAssembly.Module(await wasmKernelBytes('simd-threads'));
    const pools = await Promise.all(POOL_THREADS.map((threads) => WasmKernels.create(threaded, { threads, spawn: spawnNodeThread })));
    return new KernelVariants(single, pools);
  }

  /** A fresh single-threaded instance, then each pool (reused: its heap grows case after case). */
  all(): KernelVariant[] {
    return [{ label: 'simd', k: WasmKernels.fromModule(this.single) }, ...this.pools.map((k) => ({ label: `simd-threads x${k.threads}`, k }))];
  }

  dispose(): void {
    for (const k of this.pools) k.dispose();
  }
}
