// Builds the WASM kernels (src/engine/wasm/assembly) into src/engine/wasm/build/: one
// AssemblyScript source, four modules: kernels-simd.wasm (SIMD128), kernels-relaxed.wasm (plus
// relaxed SIMD), and their -threads variants (shared memory, the thread pool of pool.ts).
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';

const dir = new URL('../src/engine/wasm/assembly/', import.meta.url);
const config = fileURLToPath(new URL('asconfig.json', dir));

for (const target of ['simd', 'relaxed', 'simd-threads', 'relaxed-threads']) {
  const entry = fileURLToPath(new URL(target.endsWith('-threads') ? 'threads.ts' : 'index.ts', dir));
  const { error, stderr } = await asc.main([entry, '--config', config, '--target', target]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${target} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: kernels-${target}.wasm`);
}
