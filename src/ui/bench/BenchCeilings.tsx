// The device's WASM ceilings (src/bench/roofline.ts) per thread count, and the tok/s they allow the
// model of the first WASM result: the figures its decode and prefill are measured against.
import type { BenchResult } from '../../worker/protocol.ts';
import { formatBytes } from '../format.ts';
import { measureCeilings, pageThreads, useBench } from './bench-store.ts';
import { decodeBound, prefillBound } from './ceilings.ts';

const rate = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function BenchCeilings({ results }: { results: BenchResult[] }) {
  const { rooflines, measuring, running, roofStatus, roofError } = useBench();
  const shape = results.find((r) => r.backend === 'wasm');
  return (
    <section className="card bench-ceilings" aria-labelledby="bench-ceilings-title">
      <h3 id="bench-ceilings-title">Device ceilings (WASM)</h3>
      <p className="small muted card-intro">
        The most a WASM SIMD kernel gets from this device: memory read through 16-byte loads, and int8 multiply-adds as the ternary GEMM&rsquo;s inner step does them. Decode reads every weight once a token, so decode tok/s ≤ read
        bandwidth ÷ bytes per token; prefill tok/s ≤ multiply-add rate ÷ ternary multiply-adds per token (attention and float steps left out). Measured at the WASM thread counts above, else at 1 and {pageThreads()}; a
        few seconds each.
      </p>
      <div className="row">
        <button type="button" className="btn" disabled={measuring || running} onClick={() => void measureCeilings()} data-testid="bench-measure-ceilings">
          Measure ceilings
        </button>
        <span className="small" role="status" aria-live="polite" data-testid="bench-ceilings-status">
          {roofStatus}
        </span>
      </div>
      {roofError && (
        <p className="notice notice-error" role="alert" data-testid="bench-ceilings-error">
          {roofError}
        </p>
      )}
      {rooflines.length > 0 && (
        <table className="bench-table" data-testid="bench-ceilings">
          <caption className="small muted">
            {shape
              ? `Bounds for ${shape.model.name} (${shape.lm_head ?? 'exact'} head): ${formatBytes(shape.decode_bytes_per_token)} and ${(shape.macs_per_token / 1e6).toFixed(1)} M multiply-adds per token.`
              : 'Run a WASM benchmark for the bounds its model has under these ceilings.'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Threads</th>
              <th scope="col" title="relaxed: relaxed SIMD (x86 pmaddubsw for the int8 step); simd: plain SIMD128">
                Probe
              </th>
              <th scope="col">Read GB/s</th>
              <th scope="col">int8 GMAC/s</th>
              <th scope="col" title="Read bandwidth ÷ bytes read per token">
                Decode ≤ tok/s
              </th>
              <th scope="col" title="int8 multiply-add rate ÷ ternary multiply-adds per token">
                Prefill ≤ tok/s
              </th>
            </tr>
          </thead>
          <tbody>
            {rooflines.map((r) => (
              <tr key={r.threads} data-testid="bench-ceiling-row" data-threads={r.threads}>
                <th scope="row">{r.threads}</th>
                <td>{r.build}</td>
                <td data-testid="bench-read-gbs">{r.readGBs.toFixed(1)}</td>
                <td data-testid="bench-madd-gmacs">{r.maddGMACs.toFixed(1)}</td>
                <td>{shape ? rate(decodeBound(r, shape.decode_bytes_per_token)) : '–'}</td>
                <td>{shape ? rate(prefillBound(r, shape.macs_per_token)) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
