// The int8 head's definition (int8-head.ts) on hand-made cases: what the codes and scales are,
// the rounding rule, and the order of the logit's sum.
import { describe, expect, test } from 'vitest';
import { int8Logit, quantizeInt8Blocks } from './int8-head.ts';
import { f32 } from './math.ts';

function quantize(x: number[]): { q: number[]; d: number[] } {
  const q = new Int8Array(x.length), d = new Float32Array(x.length / 32);
  quantizeInt8Blocks(Float32Array.from(x), q, d);
  return { q: [...q], d: [...d] };
}

const block = (...head: number[]) => [...head, ...new Array<number>(32 - head.length).fill(0)];

describe('int8 head definition', () => {
  test('d = max|x| / 127 per block; the largest element gets ±127', () => {
    const { q, d } = quantize([...block(-2.54, 1.27, 0.5), ...block(0.1)]);
    expect(d).toEqual([f32(2.54 / 127), f32(0.1 / 127)]);
    expect(q.slice(0, 3)).toEqual([-127, Math.round(f32(f32(1.27) / f32(2.54 / 127))), Math.round(f32(0.5 / f32(2.54 / 127)))]);
    expect(q[32]).toBe(127);
  });

  test('ties round to even; a zero block has d = 0 and codes 0; NaN gives code 0', () => {
    // max 127 makes d = 1: the codes are the values rounded
    expect(quantize(block(127, 0.5, 1.5, 2.5, -0.5, -1.5, -126.5)).q.slice(0, 7)).toEqual([127, 0, 2, 2, 0, -2, -126]);
    expect(quantize(block(0, -0, 0))).toEqual({ q: new Array<number>(32).fill(0), d: [0] });
    const nan = quantize(block(1, NaN));
    expect(nan.d[0]).toBeNaN();
    expect(nan.q.every((v) => v === 0)).toBe(true);
  });

  test('codes stay within ±127 when the scale is a subnormal that rounded down', () => {
    const { q, d } = quantize(block(3 * 2 ** -149, -3 * 2 ** -149));
    expect(d[0]).toBe(0); // 3·2^-149 / 127 rounds to 0: all codes 0
    expect(q.every((v) => v === 0)).toBe(true);
    const big = quantize(block(200 * 2 ** -149, -200 * 2 ** -149));
    expect(big.d[0]).toBe(2 ** -149 * 2); // 200/127 = 1.57 ulps rounds to 2
    expect(big.q.slice(0, 2)).toEqual([100, -100]);
  });

  test('the logit: exact integer block sums, scaled, in four f32 lanes reduced (l0 + l2) + (l1 + l3)', () => {
    const blocks = 6;
    const qw = Int8Array.from({ length: blocks * 32 }, (_, i) => ((i * 37) % 255) - 127), qx = Int8Array.from({ length: blocks * 32 }, (_, i) => ((i * 91 + 5) % 255) - 127);
    const dw = Float32Array.from({ length: blocks }, (_, b) => 1 + b / 7), dx = Float32Array.from({ length: blocks }, (_, b) => 0.3 + b * 1e-3);
    const sums = Array.from({ length: blocks }, (_, b) => qw.slice(b * 32, b * 32 + 32).reduce((a, w, i) => a + w * qx[b * 32 + i], 0));
    const term = (b: number) => f32(f32(dw[b] * dx[b]) * sums[b]);
    const l = [f32(term(0) + term(4)), f32(term(1) + term(5)), term(2), term(3)];
    expect(int8Logit(qw, dw, qx, dx)).toBe(f32(f32(l[0] + l[2]) + f32(l[1] + l[3])));
  });
});
