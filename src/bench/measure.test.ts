import { describe, expect, it } from 'vitest';
import { ReferenceEngine } from '../engine/reference.ts';
import { WasmKernels } from '../engine/wasm/kernels.ts';
import { WasmEngine, type LmHeadMode } from '../engine/wasm-engine.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { openSynthetic } from '../model/test-models.ts';
import { benchContext, decodeBytesPerToken, measure, median, sampleStats, ternaryMacsPerToken } from './measure.ts';

describe('bench measurement', () => {
  it('median and spread of samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const s = sampleStats([2, 4, 4, 4, 5, 5, 7, 9]);
    expect([s.mean, s.min, s.max, s.median]).toEqual([5, 2, 9, 4.5]);
    expect(s.stddev).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('runs pp and tg r times on a real engine and reports positive figures', async () => {
    const model = await openSynthetic({ format: 'i2_s' });
    const settings = { p: 5, n: 4, r: 2 };
    const engine = await ReferenceEngine.load(model, benchContext(settings));
    const seen: string[] = [];
    const f = await measure(engine, model, settings, { onSample: (t, rep, v) => seen.push(`${t}${rep}:${v > 0}`) });
    expect(seen).toEqual(['pp0:true', 'tg0:true', 'pp1:true', 'tg1:true']);
    expect(f.prefill!.samples).toHaveLength(2);
    expect(f.decode!.samples).toHaveLength(2);
    expect(f.prefill_tok_s).toBe(f.prefill!.median);
    expect(f.decode_bytes_per_token).toBe(decodeBytesPerToken(model));
    expect(f.macs_per_token).toBe(ternaryMacsPerToken(model.config));
    expect(f.decode_gb_s).toBeCloseTo((f.decode_tok_s! * f.decode_bytes_per_token) / 1e9, 9);
    expect(f.memory.weightBytes).toBeGreaterThan(0);
    expect(engine.position).toBe(0);
  });

  it('counts the ternary multiply-adds of a token: q, k, v, output and the three FFN matrices per layer', async () => {
    const model = await openSynthetic({ format: 'i2_s' });
    const c = model.config;
    const [q, kv] = [c.nHeads * c.headDim, c.nKvHeads * c.headDim];
    const perLayer = q * c.dim + 2 * kv * c.dim + c.dim * q + 3 * c.ffnDim * c.dim;
    expect(kv).toBeLessThan(q); // grouped-query attention: k and v are narrower than q
    expect(ternaryMacsPerToken(c)).toBe(c.nLayers * perLayer);
    // 2 bits a weight: the packed matrices are a quarter of a byte per multiply-add (plus the head).
    expect(decodeBytesPerToken(model)).toBeGreaterThan(ternaryMacsPerToken(c) / 4);
  });

  it('counts the LM head as the engine holds it: the file’s bytes for the exact head, fewer for int8', async () => {
    const model = await openSynthetic({ format: 'i2_s' });
    const settings = { p: 2, n: 2, r: 1 };
    const wasm = async (lmHead: LmHeadMode) => WasmEngine.load(model, await WasmKernels.create(await wasmKernelBytes('simd')), benchContext(settings), { lmHead });
    const [exact, int8] = [await wasm('exact'), await wasm('int8')];
    const fileHead = model.matrixInfo(model.lmHead).bytes;
    expect(decodeBytesPerToken(model, exact)).toBe(decodeBytesPerToken(model));
    const f = await measure(int8, model, settings);
    expect(int8.lmHeadBytes).toBeLessThan(fileHead);
    expect(f.decode_bytes_per_token).toBe(decodeBytesPerToken(model) - fileHead + int8.lmHeadBytes);
    expect(f.decode_gb_s).toBeCloseTo((f.decode_tok_s! * f.decode_bytes_per_token) / 1e9, 9);
    exact.dispose();
    int8.dispose();
  });

  it('stops between steps when aborted', async () => {
    const model = await openSynthetic({ format: 'i2_s' });
    const engine = await ReferenceEngine.load(model, 16);
    const ac = new AbortController();
    const run = measure(engine, model, { p: 2, n: 8, r: 3 }, { signal: ac.signal, onSample: () => ac.abort() });
    await expect(run).rejects.toThrow('benchmark stopped');
  });
});
