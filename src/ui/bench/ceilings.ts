// The device's WASM ceilings against the benchmark: the tok/s a model's shape allows at a
// roofline (decode reads every byte of a token once at the read bandwidth; prefill does the
// ternary multiply-adds at the int8 rate, attention and float steps left out), and how close a
// WASM result came to them.
import type { BenchResult, Roofline } from '../../worker/protocol.ts';

export const decodeBound = (roof: Roofline, bytesPerToken: number) => (roof.readGBs * 1e9) / bytesPerToken;
export const prefillBound = (roof: Roofline, macsPerToken: number) => (roof.maddGMACs * 1e9) / macsPerToken;

export interface RoofShares {
  /** Decode tok/s as a share of decodeBound (0.5 = half the ceiling); null without a decode test. */
  decode: number | null;
  prefill: number | null;
}

/** A WASM result against the ceilings at its thread count; undefined where there are none. */
export function roofShares(r: BenchResult, rooflines: readonly Roofline[]): RoofShares | undefined {
  const roof = r.backend === 'wasm' ? rooflines.find((x) => x.threads === r.threads) : undefined;
  if (!roof) return undefined;
  return {
    decode: r.decode_tok_s === null ? null : r.decode_tok_s / decodeBound(roof, r.decode_bytes_per_token),
    prefill: r.prefill_tok_s === null ? null : r.prefill_tok_s / prefillBound(roof, r.macs_per_token),
  };
}

/** `fresh` measurements replace the earlier ones at the same thread count; in thread order. */
export function mergeRooflines(earlier: readonly Roofline[], fresh: readonly Roofline[]): Roofline[] {
  return [...earlier.filter((x) => !fresh.some((f) => f.threads === x.threads)), ...fresh].sort((a, b) => a.threads - b.threads);
}
