// Seeded randomness for tests. A run draws one seed (from an environment variable when it is set,
// so a failure can be replayed, else fresh), puts it in the test titles, and each case draws its
// own mulberry32 stream from that seed and a label, so cases do not shift each other's inputs.

/** This run's seed: the integer in `envVar` when set (to replay a run), else a fresh uint32. */
export function testSeed(envVar = 'TEST_SEED'): number {
  const text = process.env[envVar];
  if (text === undefined || text === '') return (Math.random() * 2 ** 32) >>> 0;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`${envVar}=${text} is not a seed (an integer in [0, 2^32))`);
  return seed;
}

/** A seeded stream: call it for a float in [0, 1); the methods draw from the same stream. */
export interface Rng {
  (): number;
  /** A uint32, the generator's raw output. */
  u32(): number;
  /** An integer in [0, n): floor(r() * n). */
  int(n: number): number;
  /** n uniform bytes. */
  bytes(n: number): Uint8Array;
  /** n ternary weights, -1, 0 or 1 with equal odds. */
  ternary(n: number): Int8Array;
  /**
   * n floats (r() - 0.5) * scale: uniform in [-scale/2, scale/2). A function scale is called per
   * element after that element's r(), and may draw from the stream itself (random magnitudes).
   */
  floats(n: number, scale?: number | ((i: number) => number)): Float32Array;
}

/** mulberry32 seeded from `seed` and `label`: each label gets its own stream, the same for the same seed. */
export function rng(seed: number, label = ''): Rng {
  let s = seed >>> 0;
  for (const ch of label) s = Math.imul(s ^ ch.charCodeAt(0), 0x9e3779b1);
  const u32 = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const r = (() => u32() / 2 ** 32) as Rng;
  r.u32 = u32;
  r.int = (n) => Math.floor(r() * n);
  r.bytes = (n) => Uint8Array.from({ length: n }, () => r.int(256));
  r.ternary = (n) => Int8Array.from({ length: n }, () => r.int(3) - 1);
  r.floats = (n, scale = 1) => Float32Array.from({ length: n }, (_, i) => (r() - 0.5) * (typeof scale === 'number' ? scale : scale(i)));
  return r;
}
