import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../worker/protocol.ts';
import { compareSets, lmHeadOf, parseResultSet, resultKey, resultSet, ResultSetError } from './result-set.ts';

const browser = { user_agent: 'test', hardware_concurrency: 2, cross_origin_isolated: true };

function result(backend: 'wasm' | 'webgpu', threads: number, pp: number, tg: number, lmHead: 'exact' | 'int8' = 'exact'): BenchResult {
  const stats = (v: number) => ({ median: v, mean: v, stddev: 0, min: v, max: v, samples: [v] });
  return {
    started: '2026-11-26T00:00:00Z', backend, reason: 'test', threads, relaxed_simd: true, lm_head: lmHead,
    model: { source: 'generated', name: 'random 2b4t i2_s', shape: '2b4t', weight_format: 'I2_S', embedding_type: 'F16', dim: 2560, layers: 30, vocab: 128256, parameters_ternary: 1 },
    load_ms: 1, p: 128, n: 64, r: 1, prefill_tok_s: pp, decode_tok_s: tg, prefill: stats(pp), decode: stats(tg),
    decode_bytes_per_token: 1e9, decode_gb_s: tg, memory: { weightBytes: 1, kvCacheBytes: 1 },
  };
}

describe('benchmark result sets', () => {
  it('puts a single result’s medians on top, and round-trips through JSON', () => {
    const one = resultSet([result('wasm', 2, 50, 22)], browser, 'now');
    expect([one.prefill_tok_s, one.decode_tok_s]).toEqual([50, 22]);
    expect(parseResultSet(JSON.stringify(one))).toEqual(one);
    const two = resultSet([result('wasm', 1, 1, 1), result('webgpu', 1, 2, 2)], browser);
    expect('prefill_tok_s' in two).toBe(false);
  });

  it('refuses what is not an export, saying why', () => {
    const good = resultSet([result('wasm', 1, 5, 2)], browser);
    const bad = (mutate: (o: Record<string, any>) => void) => {
      const o = JSON.parse(JSON.stringify(good));
      mutate(o);
      return () => parseResultSet(JSON.stringify(o));
    };
    expect(() => parseResultSet('{')).toThrow(ResultSetError);
    expect(() => parseResultSet('[]')).toThrow(/not a bitnet-web benchmark export/);
    expect(bad((o) => (o.results = []))).toThrow(/no results/);
    expect(bad((o) => (o.results[0].backend = 'cuda'))).toThrow(/unknown backend/);
    expect(bad((o) => (o.results[0].decode_tok_s = 'fast'))).toThrow(/decode_tok_s is not a figure/);
    expect(bad((o) => (o.results[0].prefill_tok_s = -1))).toThrow(/prefill_tok_s/);
    expect(bad((o) => delete o.results[0].model)).toThrow(/no model/);
    expect(bad((o) => delete o.browser)).toThrow(/browser/);
    expect(bad((o) => (o.results[0].lm_head = 'int4'))).toThrow(/unknown lm_head "int4"/);
  });

  it('compares matching configurations with b / a ratios, keeping unmatched ones', () => {
    const a = resultSet([result('wasm', 1, 10, 4), result('wasm', 2, 18, 7)], browser);
    const b = resultSet([result('wasm', 2, 27, 14), result('webgpu', 1, 300, 60)], browser);
    const rows = compareSets(a, b);
    expect(rows.map((r) => r.key)).toEqual([resultKey(a.results[0]), resultKey(a.results[1]), resultKey(b.results[1])]);
    expect([rows[1].prefillRatio, rows[1].decodeRatio]).toEqual([1.5, 2]);
    expect([rows[0].b, rows[0].decodeRatio]).toEqual([undefined, null]);
    expect(rows[2].a).toBeUndefined();
  });

  it('keeps exact and int8 LM head runs apart; an export from before lm_head reads as the exact head', () => {
    const { lm_head: _, ...old } = result('wasm', 1, 10, 4);
    const a = parseResultSet(JSON.stringify(resultSet([old], browser)));
    expect(lmHeadOf(a.results[0])).toBe('exact');
    const b = resultSet([result('wasm', 1, 11, 5), result('wasm', 1, 12, 6, 'int8')], browser);
    const rows = compareSets(a, b);
    expect(rows.map((r) => r.key)).toEqual(['2b4t I2_S/F16 wasm 1t exact head pp128 tg64', '2b4t I2_S/F16 wasm 1t int8 head pp128 tg64']);
    expect(rows[0].decodeRatio).toBe(5 / 4);
    expect([rows[1].a, rows[1].b?.lm_head]).toEqual([undefined, 'int8']);
  });
});
