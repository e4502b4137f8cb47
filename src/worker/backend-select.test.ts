// Backend choice in Node: Dawn's SwiftShader is the only adapter here, so a "hardware" adapter is
// SwiftShader with its fallback flag hidden, and a broken GPU is SwiftShader running a shader
// with a deliberate off-by-one. Every path must end in a working engine and say why.
import { beforeAll, describe, expect, test } from 'vitest';
import { GpuError } from '../engine/webgpu/errors.ts';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic } from '../model/test-models.ts';
import { nodeGpu } from '../node/gpu.ts';
import { loadShaderLibrary } from '../node/shaders.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { openBackend, type BackendEnv, type BackendOptions, type BackendPhase } from './backend-select.ts';
import { firstMismatch, gpuSelfTest } from './gpu-self-test.ts';
import { GpuContext } from '../engine/webgpu/context.ts';
import { gpuNeeds } from '../engine/webgpu-engine.ts';
import { ReferenceEngine } from '../engine/reference.ts';
import { spawnNodeThread } from '../node/kernel-threads.ts';
import { WasmEngine } from '../engine/wasm-engine.ts';

let model: ModelFile;
let gpu: GPU;
beforeAll(async () => {
  model = await openSynthetic({ format: 'i2_s', seed: 4 });
  gpu = await nodeGpu();
});

const env = (g: GPU | undefined, shaders = loadShaderLibrary()): BackendEnv => ({
  gpu: g,
  shaders: () => shaders,
  wasmKernels: (build) => wasmKernelBytes(build),
});

/** Dawn's GPU with adapters that claim `info` (SwiftShader underneath). */
function claiming(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }, onAdapter = (a: GPUAdapter) => a): GPU {
  return {
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat(),
    requestAdapter: async (o?: GPURequestAdapterOptions) => {
      const real = await gpu.requestAdapter(o);
      if (!real) return null;
      const fake = { vendor: 'test', architecture: 'test-arch', device: '', description: 'Test GPU', subgroupMinSize: 4, subgroupMaxSize: 4, ...info };
      return onAdapter(new Proxy(real, {
        get: (target, key) => {
          if (key === 'info') return fake;
          const v = Reflect.get(target, key, target) as unknown;
          return typeof v === 'function' ? v.bind(target) : v;
        },
      }));
    },
  } as unknown as GPU;
}

const noAdapter = { requestAdapter: async () => null } as unknown as GPU;

async function open(choice: 'auto' | 'webgpu' | 'wasm', e: BackendEnv, options?: BackendOptions) {
  const phases: BackendPhase[] = [];
  const b = await openBackend(model, choice, 32, e, (p) => phases.push(p), options);
  expect((await b.engine.forward([1, 2, 3])).length).toBe(model.config.vocabSize);
  b.engine.dispose();
  b.gpu?.device.destroy();
  return { ...b, phases };
}

describe('openBackend', () => {
  test('forced WASM', async () => {
    const b = await open('wasm', env(gpu));
    expect(b.info).toEqual({ backend: 'wasm', reason: 'WASM (chosen)', threads: 1, relaxedSimd: false, adapter: undefined, lmHead: 'exact' });
    expect(b.phases).toEqual(['compile', 'weights']);
  });

  test('auto without WebGPU or without an adapter: WASM, saying so', async () => {
    expect((await open('auto', env(undefined))).info).toMatchObject({ backend: 'wasm', reason: 'WASM: no WebGPU in this browser' });
    expect((await open('auto', env(noAdapter))).info).toMatchObject({ backend: 'wasm', reason: 'WASM: no GPU adapter' });
  });

  test('auto on a software adapter (SwiftShader as Dawn reports it, and the older adapter flag): WASM', async () => {
    const b = await open('auto', env(gpu));
    expect(b.info.backend).toBe('wasm');
    expect(b.info.reason).toMatch(/^WASM: software adapter \(.+\): WASM is faster$/);
    expect(b.info.adapter?.isFallbackAdapter).toBe(true);
    const older = claiming({ description: 'Old Soft GPU', isFallbackAdapter: undefined }, (a) => Object.assign(Object.create(a) as GPUAdapter, { isFallbackAdapter: true }));
    expect((await open('auto', env(older))).info.reason).toBe('WASM: software adapter (Old Soft GPU): WASM is faster');
  });

  test('auto on a hardware adapter whose kernels pass the self-test: WebGPU', async () => {
    const b = await open('auto', env(claiming({ isFallbackAdapter: false })));
    expect(b.info).toMatchObject({ backend: 'webgpu', reason: 'WebGPU: hardware adapter Test GPU, self-test passed' });
    expect(b.engine.backend).toBe('webgpu');
    expect(b.phases).toEqual(['compile', 'self-test', 'weights']);
  });

  test('auto on a GPU that computes wrong: the self-test catches it and WASM runs', async () => {
    const shaders = loadShaderLibrary();
    const broken = { ...shaders, 'gemv-ternary': shaders['gemv-ternary'].replace('f32(dot[lid.x] - qsum[t])', 'f32(dot[lid.x] + 1 - qsum[t])') };
    expect(broken['gemv-ternary']).not.toBe(shaders['gemv-ternary']);
    const b = await open('auto', env(claiming({ isFallbackAdapter: false }), broken));
    expect(b.info.backend).toBe('wasm');
    expect(b.info.reason).toMatch(/^WASM: GPU self-test failed: GEMV output \d+ is .+, the CPU computes .+$/);
  });

  test('forced WebGPU takes any adapter, SwiftShader too, and fails clearly without one', async () => {
    const b = await open('webgpu', env(gpu));
    expect(b.info).toMatchObject({ backend: 'webgpu', lmHead: 'exact' });
    expect(b.info).not.toHaveProperty('lmHeadReason');
    expect(b.info.reason).toMatch(/^WebGPU \(chosen\): .+/);
    await expect(openBackend(model, 'webgpu', 32, env(undefined))).rejects.toSatisfy((e) => e instanceof GpuError && e.code === 'no-webgpu');
    await expect(openBackend(model, 'webgpu', 32, env(noAdapter))).rejects.toSatisfy((e) => e instanceof GpuError && e.code === 'no-adapter');
  });
});

describe('LM head', () => {
  test('int8 on WASM (chosen, or auto falling back to it) runs the int8 head; the exact head stays the default', async () => {
    const int8 = await open('wasm', env(undefined), { lmHead: 'int8' });
    expect(int8.info).toMatchObject({ backend: 'wasm', lmHead: 'int8' });
    expect(int8.info.lmHeadReason).toBeUndefined();
    expect((int8.engine as WasmEngine).lmHeadMode).toBe('int8');
    expect((await open('auto', env(undefined), { lmHead: 'int8' })).info).toMatchObject({ backend: 'wasm', lmHead: 'int8' });
    expect(((await open('wasm', env(undefined))).engine as WasmEngine).lmHeadMode).toBe('exact');
  });

  test('int8 on a model whose width is not whole blocks of 32: the exact head runs, and the info says why', async () => {
    const narrow = await openSynthetic({ format: 'hf', shape: 'dim=80,ffn=256,layers=1,heads=4,kv=2,vocab=300,ctx=32', seed: 4 });
    const b = await openBackend(narrow, 'wasm', 16, env(undefined), undefined, { lmHead: 'int8' });
    expect(b.info).toMatchObject({ backend: 'wasm', lmHead: 'exact', lmHeadReason: 'int8 needs a model width that is a multiple of 32 (this one: 80)' });
    expect((await b.engine.forward([1, 2])).length).toBe(narrow.config.vocabSize);
    b.release();
  });

  test('int8 on WebGPU: the exact head runs, and the info says why', async () => {
    const b = await open('webgpu', env(gpu), { lmHead: 'int8' });
    expect(b.info).toMatchObject({ backend: 'webgpu', lmHead: 'exact', lmHeadReason: 'int8 runs on WASM only' });
  });
});

describe('gpuSelfTest', () => {
  test('passes on a working device, run after run (fresh random data each time)', async () => {
    const ctx = await GpuContext.open(gpu, loadShaderLibrary(), gpuNeeds(model, 32));
    expect(await gpuSelfTest(ctx)).toBeUndefined();
    expect(await gpuSelfTest(ctx)).toBeUndefined();
    ctx.device.destroy();
  });

  test('firstMismatch tells -0 from 0 and NaN from numbers', () => {
    expect(firstMismatch('X', new Float32Array([1, 2]), new Float32Array([1, 2]))).toBeUndefined();
    expect(firstMismatch('X', new Float32Array([1, -0]), new Float32Array([1, 0]))).toBe('X output 1 is 0, the CPU computes 0');
    expect(firstMismatch('X', new Float32Array([NaN]), new Float32Array([NaN]))).toBeUndefined();
    expect(firstMismatch('X', new Float32Array([NaN]), new Float32Array([3]))).toBe('X output 0 is NaN, the CPU computes 3');
  });
});

describe('WASM threads', () => {
  test('run where a thread can be started, capped by the request and the cores, with the same logits as one thread', async () => {
    const threaded: BackendEnv = { ...env(undefined), spawnThread: spawnNodeThread, cores: 3 };
    const opened = await openBackend(model, 'wasm', 32, threaded, undefined, { threads: 2 });
    const all = await openBackend(model, 'wasm', 32, threaded);
    const single = await openBackend(model, 'wasm', 32, env(undefined), undefined, { threads: 4 });
    try {
      expect([opened.info.threads, all.info.threads, single.info.threads]).toEqual([2, 3, 1]);
      const reference = await ReferenceEngine.load(model, 32);
      const prompt = [1, 20, 300, 40, 5];
      const want = await reference.forward(prompt);
      for (const o of [opened, all, single]) {
        const got = await o.engine.forward(prompt);
        expect(got.every((v, i) => Object.is(v, want[i])), `${o.info.threads} threads`).toBe(true);
      }
    } finally {
      for (const o of [opened, all, single]) o.release();
    }
  });
});
