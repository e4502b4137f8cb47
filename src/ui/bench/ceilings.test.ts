import { describe, expect, it } from 'vitest';
import type { BenchResult, Roofline } from '../../worker/protocol.ts';
import { decodeBound, mergeRooflines, prefillBound, roofShares } from './ceilings.ts';

const roof = (threads: number, readGBs: number, maddGMACs: number): Roofline => ({ threads, build: 'simd', readGBs, maddGMACs });

/** Only the keys the ceilings read. */
const result = (backend: 'wasm' | 'webgpu', threads: number, pp: number | null, tg: number | null) =>
  ({ backend, threads, prefill_tok_s: pp, decode_tok_s: tg, decode_bytes_per_token: 500e6, macs_per_token: 2e9 }) as BenchResult;

describe('WASM ceilings against results', () => {
  it('bounds decode by bytes per token at the read rate, prefill by multiply-adds at the int8 rate', () => {
    expect(decodeBound(roof(1, 10, 40), 500e6)).toBe(20);
    expect(prefillBound(roof(1, 10, 40), 2e9)).toBe(20);
  });

  it('gives a WASM result’s share of the ceilings at its own thread count', () => {
    const roofs = [roof(1, 10, 40), roof(2, 16, 80)];
    expect(roofShares(result('wasm', 1, 5, 10), roofs)).toEqual({ prefill: 0.25, decode: 0.5 });
    expect(roofShares(result('wasm', 2, 20, 8), roofs)).toEqual({ prefill: 0.5, decode: 0.25 });
    expect(roofShares(result('wasm', 2, null, 8), roofs)?.prefill).toBeNull();
    expect(roofShares(result('wasm', 4, 5, 5), roofs)).toBeUndefined();
    expect(roofShares(result('webgpu', 1, 5, 5), roofs)).toBeUndefined();
  });

  it('keeps the latest measurement per thread count, in thread order', () => {
    const merged = mergeRooflines([roof(4, 20, 90), roof(1, 10, 40)], [roof(2, 15, 70), roof(1, 11, 41)]);
    expect(merged.map((r) => [r.threads, r.readGBs])).toEqual([[1, 11], [2, 15], [4, 20]]);
  });
});
