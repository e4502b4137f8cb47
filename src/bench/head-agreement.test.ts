// The head-agreement figures: by hand on small logit vectors, and on a generated model, where
// engines with the same head agree exactly and the int8 head agrees within the figures' ranges.
import { describe, expect, test } from 'vitest';
import { ReferenceEngine } from '../engine/reference.ts';
import { WasmKernels } from '../engine/wasm/kernels.ts';
import { WasmEngine, type LmHeadMode } from '../engine/wasm-engine.ts';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic } from '../model/test-models.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { headAgreement, positionAgreement } from './head-agreement.ts';

const wasm = async (m: ModelFile, lmHead: LmHeadMode) => WasmEngine.load(m, await WasmKernels.create(await wasmKernelBytes('simd')), 24, { lmHead });
/** 20 ids: more than one 16-token step of headAgreement. */
const tokens = (vocab: number) => Array.from({ length: 20 }, (_, i) => (i * 2654435761 + 7) % vocab >>> 0);

describe('positionAgreement', () => {
  test('the same logits: KL 0, same top-1, full top-5 overlap', () => {
    const l = Float32Array.from([3, -1, 0.5, 2, 7, 7, -4]);
    expect(positionAgreement(l, l)).toEqual({ kl: 0, sameTop1: true, top5Overlap: 1, maxLogitDiff: 0 });
  });

  test('KL(p || q) in nats, top-1 on ties the first id, top-5 sets', () => {
    // p = (1/2, 1/2), q = (1/4, 3/4): KL = ln 2 / 2 + ln(2/3) / 2 = ln(4/3) / 2
    const two = positionAgreement([0, 0], [0, Math.log(3)]);
    expect(two.kl).toBeCloseTo(Math.log(4 / 3) / 2, 7);
    expect(two.sameTop1).toBe(false);
    expect(two.top5Overlap).toBe(1); // both ids are in both top lists
    const exact = [10, 9, 8, 7, 6, 5, 0, 0];
    const approx = [9.5, 9.6, 8, 7, 5, 6, 0, 0];
    const a = positionAgreement(exact, approx);
    expect([a.sameTop1, a.top5Overlap, a.maxLogitDiff]).toEqual([false, 4 / 5, 1]);
    expect(a.kl).toBeGreaterThan(0);
  });

  test('a token the approximation rules out entirely costs infinite KL', () => {
    expect(positionAgreement([0, 0], [0, -Infinity]).kl).toBe(Infinity);
  });
});

describe('headAgreement on a generated model', () => {
  test('the same head agrees exactly: the reference engine against the exact WASM engine', async () => {
    const m = await openSynthetic({ format: 'i2_s', seed: 3 });
    const a = await headAgreement(await ReferenceEngine.load(m, 24), await wasm(m, 'exact'), tokens(m.config.vocabSize));
    expect(a).toEqual({ positions: 20, top1: 1, top5Overlap: 1, klMean: 0, klMax: 0, maxLogitDiff: 0 });
  });

  test.each(['f16', 'q6_k'] as const)('the int8 head (%s embedding): figures within their ranges, and not vacuous', async (embedding) => {
    const m = await openSynthetic({ format: 'i2_s', seed: 3, embedding });
    const exact = await wasm(m, 'exact'), int8 = await wasm(m, 'int8');
    const a = await headAgreement(exact, int8, tokens(m.config.vocabSize));
    expect(a.positions).toBe(20);
    expect(a.top1).toBeGreaterThanOrEqual(0);
    expect(a.top1).toBeLessThanOrEqual(1);
    expect(Number.isInteger(a.top1 * 20)).toBe(true);
    expect(a.top5Overlap).toBeGreaterThanOrEqual(0);
    expect(a.top5Overlap).toBeLessThanOrEqual(1);
    expect(a.klMean).toBeGreaterThan(0); // the int8 head does change the logits
    expect(a.klMax).toBeGreaterThanOrEqual(a.klMean);
    expect(a.maxLogitDiff).toBeGreaterThan(0);
    // the engines were reset and ran every token: a second run gives the same figures
    expect(await headAgreement(exact, int8, tokens(m.config.vocabSize))).toEqual(a);
  });
});
