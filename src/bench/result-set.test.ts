import { describe, expect, it } from 'vitest';
import type { BenchResult, Roofline } from '../worker/protocol.ts';
import { compareRooflines, compareSets, lmHeadOf, parseResultSet, resultKey, resultSet, ResultSetError } from './result-set.ts';

const browser = { user_agent: 'test', hardware_concurrency: 2, cross_origin_isolated: true };

function result(backend: 'wasm' | 'webgpu', threads: number, pp: number, tg: number, lmHead: 'exact' | 'int8' = 'exact'): BenchResult {
  const stats = (v: number) => ({ median: v, mean: v, stddev: 0, min: v, max: v, samples: [v] });
  return {
    started: '2026-11-26T00:00:00Z', backend, reason: 'test', threads, relaxed_simd: true, lm_head: lmHead,
    model: { source: 'generated', name: 'random 2b4t i2_s', shape: '2b4t', weight_format: 'I2_S', embedding_type: 'F16', dim: 2560, layers: 30, vocab: 128256, parameters_ternary: 1 },
    load_ms: 1, p: 128, n: 64, r: 1, prefill_tok_s: pp, decode_tok_s: tg, prefill: stats(pp), decode: stats(tg),
    decode_bytes_per_token: 1e9, macs_per_token: 2e9, decode_gb_s: tg, memory: { weightBytes: 1, kvCacheBytes: 1 },
  };
}

const roof = (threads: number, readGBs: number, maddGMACs: number): Roofline => ({ threads, build: 'relaxed', readGBs, maddGMACs });

describe('benchmark result sets', () => {
  it('puts a single result’s medians on top, and round-trips through JSON', () => {
    const one = resultSet([result('wasm', 2, 50, 22)], browser, [], 'now');
    expect([one.prefill_tok_s, one.decode_tok_s]).toEqual([50, 22]);
    expect(parseResultSet(JSON.stringify(one))).toEqual(one);
    const two = resultSet([result('wasm', 1, 1, 1), result('webgpu', 1, 2, 2)], browser);
    expect('prefill_tok_s' in two).toBe(false);
    expect('roofline' in two).toBe(false);
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

describe('the WASM roofline in result sets', () => {
  it('travels with the results and back; an export without it still reads', () => {
    const set = resultSet([result('wasm', 2, 50, 22)], browser, [roof(1, 12.5, 40), roof(2, 20, 78)]);
    const back = parseResultSet(JSON.stringify(set));
    expect(back).toEqual(set);
    expect(back.roofline!.map((r) => r.threads)).toEqual([1, 2]);
    expect(parseResultSet(JSON.stringify(resultSet([result('wasm', 1, 5, 2)], browser))).roofline).toBeUndefined();
  });

  it('refuses malformed ceilings, saying which and why', () => {
    const bad = (roofline: unknown) => () => parseResultSet(JSON.stringify({ ...resultSet([result('wasm', 1, 5, 2)], browser), roofline }));
    expect(bad({ threads: 1 })).toThrow(/roofline is not a list/);
    expect(bad([roof(1, 10, 30), 'fast'])).toThrow(/roofline 2 is not an object/);
    expect(bad([{ ...roof(1, 10, 30), threads: 0 }])).toThrow(/roofline 1: threads is not a count/);
    expect(bad([{ ...roof(1, 10, 30), build: 'avx512' }])).toThrow(/roofline 1: unknown build "avx512"/);
    expect(bad([{ ...roof(1, 10, 30), readGBs: 0 }])).toThrow(/roofline 1: readGBs is not a positive figure/);
    expect(bad([{ ...roof(1, 10, 30), maddGMACs: '40' }])).toThrow(/maddGMACs/);
    expect(bad([roof(1, 10, 30)])).not.toThrow(ResultSetError);
  });

  it('compares ceilings by thread count with b / a ratios, keeping counts only one set measured', () => {
    const a = [roof(1, 10, 30), roof(4, 25, 100)];
    const b = [roof(2, 18, 55), roof(1, 15, 45)];
    const rows = compareRooflines(a, b);
    expect(rows.map((r) => r.threads)).toEqual([1, 2, 4]);
    expect([rows[0].readRatio, rows[0].maddRatio]).toEqual([1.5, 1.5]);
    expect([rows[1].a, rows[1].b?.readGBs, rows[1].readRatio]).toEqual([undefined, 18, null]);
    expect([rows[2].b, rows[2].maddRatio]).toEqual([undefined, null]);
    expect(compareRooflines(resultSet([result('wasm', 1, 1, 1)], browser).roofline, b).map((r) => r.a)).toEqual([undefined, undefined]);
  });
});
