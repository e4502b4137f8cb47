// Node only: the bytes of a WASM kernel build, read from build/ next to the kernels module. The
// path is relative to this file, so it holds for src/ (vitest) and for the dist-node/ copy.
import { readFile } from 'node:fs/promises';
import { supportsRelaxedSimd } from '../engine/wasm/kernels.ts';

/** The builds of scripts/build-wasm.mjs; the -threads ones import a shared memory and run a thread pool. */
export type KernelBuild = 'simd' | 'relaxed' | 'simd-threads' | 'relaxed-threads';

/** The build to run here: relaxed SIMD where this Node supports it, threaded for more than one thread. */
export function nodeKernelBuild(threads = 1): KernelBuild {
  const base = supportsRelaxedSimd() ? 'relaxed' : 'simd';
  return threads > 1 ? `${base}-threads` : base;
}

/** Bytes of kernels-<build>.wasm; by default the relaxed build where this Node supports it. */
export async function wasmKernelBytes(build: KernelBuild = nodeKernelBuild()): Promise<Uint8Array<ArrayBuffer>> {
  const url = new URL(`../engine/wasm/build/kernels-${build}.wasm`, import.meta.url);
  try {
    return new Uint8Array(await readFile(url));
  } catch (e) {
    throw new Error(`WASM kernels not found at ${url.pathname} (run \`npm run build:wasm\`): ${(e as Error).message}`);
  }
}
