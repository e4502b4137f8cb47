// The results side by side: medians with their spread, bandwidth against bytes per token, memory
// and load time per configuration (backend, threads, LM head), WASM runs as shares of the device's
// ceilings where those were measured, and the per-kernel GPU time where it was measured.
import { lmHeadOf } from '../../bench/result-set.ts';
import type { BenchResult, Roofline } from '../../worker/protocol.ts';
import { formatBytes } from '../format.ts';
import { roofShares } from './ceilings.ts';

const tok = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
const spread = (s: BenchResult['prefill']) => (s ? `${tok(s.median)} ± ${tok(s.stddev)}` : '–');
const share = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(0)}%`);

const READ_ROOF = 'Decode tok/s × bytes per token, as a share of the read bandwidth measured at the same thread count (Device ceilings)';
const MADD_ROOF = 'Prefill tok/s × ternary multiply-adds per token, as a share of the int8 multiply-add rate measured at the same thread count (Device ceilings)';

export function BenchResults({ results, rooflines }: { results: BenchResult[]; rooflines: Roofline[] }) {
  if (results.length === 0) return null;
  const shares = results.map((r) => roofShares(r, rooflines));
  const roofed = shares.some(Boolean);
  return (
    <div className="bench-results">
      <table className="bench-table" data-testid="bench-results">
        <thead>
          <tr>
            <th scope="col">Backend</th>
            <th scope="col">LM head</th>
            <th scope="col">Model</th>
            <th scope="col">pp{results[0].p} tok/s</th>
            <th scope="col">tg{results[0].n} tok/s</th>
            <th scope="col">Bytes/token</th>
            <th scope="col">GB/s</th>
            <th scope="col">Weights + KV</th>
            <th scope="col">Load</th>
            {roofed && (
              <>
                <th scope="col" title={READ_ROOF}>
                  Decode % of read roof
                </th>
                <th scope="col" title={MADD_ROOF}>
                  Prefill % of multiply-add roof
                </th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {results.map((r, i) => (
            <tr key={i} data-testid="bench-result-row" data-backend={r.backend}>
              <th scope="row" title={r.reason}>
                {r.backend === 'webgpu' ? `WebGPU${r.adapter?.isFallbackAdapter ? ' (software)' : ''}` : `WASM ${r.threads}t${r.relaxed_simd ? ' relaxed' : ''}`}
              </th>
              <td data-testid="bench-lm-head">{lmHeadOf(r)}</td>
              <td>
                {r.model.name} <span className="muted small">{r.model.weight_format}/{r.model.embedding_type}</span>
              </td>
              <td data-testid="bench-pp">{spread(r.prefill)}</td>
              <td data-testid="bench-tg">{spread(r.decode)}</td>
              <td>{formatBytes(r.decode_bytes_per_token)}</td>
              <td>{r.decode_gb_s === null ? '–' : r.decode_gb_s.toFixed(2)}</td>
              <td>{formatBytes(r.memory.weightBytes + r.memory.kvCacheBytes)}</td>
              <td>{r.load_ms > 0 ? `${(r.load_ms / 1000).toFixed(1)} s` : 'loaded'}</td>
              {roofed && (
                <>
                  <td data-testid="bench-read-roof">{share(shares[i]?.decode)}</td>
                  <td data-testid="bench-madd-roof">{share(shares[i]?.prefill)}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {roofed && (
        <p className="small muted">
          Roof shares (WASM runs whose thread count has measured ceilings): decode as bytes read per second against the read bandwidth, prefill as ternary multiply-adds per second against the int8 multiply-add rate. Prefill also
          runs attention and float steps the ceiling leaves out, so it stays further below its roof; a model small enough to stay in the CPU cache can pass the read roof, which streams from memory.
        </p>
      )}
      {results.map((r, i) => r.profile?.decode && <KernelTable key={i} result={r} />)}
    </div>
  );
}

function KernelTable({ result }: { result: BenchResult }) {
  const d = result.profile!.decode!;
  const rows = [...d.kernels].sort((a, b) => (b.gpu_ms_per_token ?? 0) - (a.gpu_ms_per_token ?? 0));
  return (
    <details className="bench-kernels" data-testid="bench-kernels">
      <summary>
        Decode GPU time per kernel: {d.gpu_ms_per_token?.toFixed(3) ?? '–'} ms per token, {d.dispatches_per_token.toFixed(0)} dispatches
        {result.profile!.timestamps_quantized && ' (browser timestamps are coarse: averages of quantized samples)'}
      </summary>
      <table className="bench-table">
        <thead>
          <tr>
            <th scope="col">Kernel</th>
            <th scope="col">ms/token</th>
            <th scope="col">Share</th>
            <th scope="col">GB/s</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((k) => (
            <tr key={k.kind}>
              <th scope="row" className="mono">
                {k.kind}
              </th>
              <td>{k.gpu_ms_per_token?.toFixed(3) ?? '–'}</td>
              <td>{k.share === null ? '–' : `${(100 * k.share).toFixed(1)}%`}</td>
              <td>{k.gb_s?.toFixed(1) ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
