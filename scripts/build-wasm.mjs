// Builds the WASM kernels (src/engine/wasm/assembly) into src/engine/wasm/build/: one
// AssemblyScript source, two modules: kernels-simd.wasm (SIMD128) and kernels-relaxed.wasm.
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';

const config = fileURLToPath(new URL('../src/engine/wasm/assembly/asconfig.json', import.meta.url));

for (const target of ['simd', 'relaxed']) {
  const { error, stderr } = await asc.main(['--config', config, '--target', target]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${target} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: kernels-${target}.wasm`);
}
