import { describe, expect, it } from 'vitest';
import { benchRequests, ceilingThreads, parseThreads, type BenchSettings } from './bench-requests.ts';

const base: BenchSettings = { model: 'generated', shape: 'tiny', format: 'i2_s', webgpu: true, wasm: true, threads: '1,2', lmHeads: ['exact'], p: 16, n: 8, r: 2, profile: true };

describe('benchmark requests', () => {
  it('reads thread counts', () => {
    expect(parseThreads(' 1, 2,2 ,4')).toEqual([1, 2, 4]);
    for (const bad of ['', '0', '1.5', 'two', '1,,x', '65']) expect(() => parseThreads(bad)).toThrow(/threads/);
  });

  it('makes WebGPU once and WASM once per thread count, with the generated shape', () => {
    const reqs = benchRequests(base);
    expect(reqs.map((r) => `${r.backend}:${r.threads}`)).toEqual(['webgpu:1', 'wasm:1', 'wasm:2']);
    const m = reqs[0].model;
    expect(m.kind === 'generated' && [m.shapeName, m.shape.dim, m.format]).toEqual(['tiny', 256, 'i2_s']);
    expect(benchRequests({ ...base, model: 'loaded', webgpu: false, threads: '1' })).toEqual([{ p: 16, n: 8, r: 2, profile: true, model: { kind: 'loaded' }, backend: 'wasm', threads: 1, lmHead: 'exact' }]);
  });

  it('runs WASM once per LM head at each thread count; WebGPU asks for none', () => {
    const reqs = benchRequests({ ...base, lmHeads: ['exact', 'int8'] });
    expect(reqs.map((r) => `${r.backend}:${r.threads}:${r.lmHead}`)).toEqual(['webgpu:1:undefined', 'wasm:1:exact', 'wasm:1:int8', 'wasm:2:exact', 'wasm:2:int8']);
    expect(() => benchRequests({ ...base, lmHeads: [] })).toThrow(/LM head/);
    expect(benchRequests({ ...base, wasm: false, lmHeads: [] })).toHaveLength(1);
  });

  it('refuses settings that measure nothing or are out of range', () => {
    expect(() => benchRequests({ ...base, webgpu: false, wasm: false })).toThrow(/WebGPU, WASM or both/);
    expect(() => benchRequests({ ...base, p: 0, n: 0 })).toThrow(/nothing to measure/);
    expect(() => benchRequests({ ...base, r: 0 })).toThrow(/r = 0/);
    expect(() => benchRequests({ ...base, n: 1.5 })).toThrow(/n = 1.5/);
    expect(() => benchRequests({ ...base, shape: 'dim=abc' })).toThrow(/bad shape/);
  });

  it('measures the ceilings at the WASM thread counts of the form, else at 1 and the most the page runs', () => {
    expect(ceilingThreads({ ...base, threads: '2, 1' }, 8)).toEqual([2, 1]);
    expect(ceilingThreads({ ...base, wasm: false }, 8)).toEqual([1, 8]);
    expect(ceilingThreads({ ...base, wasm: false }, 1)).toEqual([1]);
    expect(() => ceilingThreads({ ...base, threads: 'x' }, 8)).toThrow(/threads/);
  });
});
