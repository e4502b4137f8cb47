// Node only: the bytes of a WASM kernel build, read from build/ next to the kernels module. The
// path is relative to this file, so it holds for src/ (vitest) and for the dist-node/ copy.
import { readFile } from 'node:fs/promises';
import { supportsRelaxedSimd } from '../engine/wasm/kernels.ts';

export type KernelBuild = 'simd' | 'relaxed';

/** Bytes of kernels-<build>.wasm; by default the relaxed build where this Node supports it. */
export async function wasmKernelBytes(build: KernelBuild = supportsRelaxedSimd() ? 'relaxed' : 'simd'): Promise<Uint8Array<ArrayBuffer>> {
  const url = new URL(`../engine/wasm/build/kernels-${build}.wasm`, import.meta.url);
  try {
    return new Uint8Array(await readFile(url));
  } catch (e) {
    throw new Error(`WASM kernels not found at ${url.pathname} (run \`npm run build:wasm\`): ${(e as Error).message}`);
  }
}
