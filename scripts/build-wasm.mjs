// Builds the WASM modules with AssemblyScript:
// - the kernels (src/engine/wasm/assembly) into src/engine/wasm/build/: one source, four modules:
//   kernels-simd.wasm (SIMD128), kernels-relaxed.wasm (plus relaxed SIMD), and their -threads
//   variants (shared memory, the thread pool of pool.ts);
// - the benchmark's roofline probes (src/bench/roofline/assembly) into src/bench/roofline/build/.
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';

const builds = [
  ...['simd', 'relaxed', 'simd-threads', 'relaxed-threads'].map((target) => ({
    dir: '../src/engine/wasm/assembly/', entry: target.endsWith('-threads') ? 'threads.ts' : 'index.ts', target, name: `kernels-${target}`,
  })),
  ...['simd', 'relaxed'].map((target) => ({ dir: '../src/bench/roofline/assembly/', entry: 'probe.ts', target, name: `probe-${target}` })),
];

for (const { dir, entry, target, name } of builds) {
  const base = new URL(dir, import.meta.url);
  const args = [fileURLToPath(new URL(entry, base)), '--config', fileURLToPath(new URL('asconfig.json', base)), '--target', target];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${name} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: ${name}.wasm`);
}
