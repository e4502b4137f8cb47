// Export of this run's results, import of another run's, and the two side by side with ratios:
// the results by configuration, and the devices' WASM ceilings by thread count.
import { useRef } from 'react';
import { compareRooflines, compareSets } from '../../bench/result-set.ts';
import { currentSet, exportResults, importResults, useBench } from './bench-store.ts';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
const ratio = (v: number | null) => (v === null ? '–' : `×${v.toFixed(2)}`);

export function BenchCompare() {
  const results = useBench((s) => s.results);
  const imported = useBench((s) => s.imported);
  const importError = useBench((s) => s.importError);
  const input = useRef<HTMLInputElement>(null);
  const rooflines = useBench((s) => s.rooflines);
  const rows = imported && results.length > 0 ? compareSets(imported.set, currentSet()) : [];
  const roofRows = imported ? compareRooflines(imported.set.roofline, rooflines) : [];
  return (
    <section className="card bench-compare" aria-label="Export and compare">
      <div className="row">
        <button type="button" className="btn" disabled={results.length === 0} onClick={exportResults} data-testid="bench-export">
          Export JSON
        </button>
        <button type="button" className="btn" onClick={() => input.current?.click()}>
          Import to compare…
        </button>
        <input
          ref={input}
          type="file"
          accept="application/json,.json"
          hidden
          aria-label="Benchmark results to compare"
          data-testid="bench-import"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void importResults(f);
            e.target.value = '';
          }}
        />
      </div>
      {importError && (
        <p className="notice notice-error" role="alert">
          {importError}
        </p>
      )}
      {imported && (
        <p className="small muted">
          Comparing with {imported.name}: {imported.set.results.length} results from {imported.set.browser.user_agent} ({imported.set.exported})
          {imported.set.roofline ? `, WASM ceilings at ${imported.set.roofline.map((r) => r.threads).join(', ')} threads.` : ', no WASM ceilings.'}
          {results.length === 0 && ' Run a benchmark to compare.'}
        </p>
      )}
      {rows.length > 0 && (
        <table className="bench-table" data-testid="bench-compare">
          <thead>
            <tr>
              <th scope="col">Configuration</th>
              <th scope="col">pp imported</th>
              <th scope="col">pp now</th>
              <th scope="col">ratio</th>
              <th scope="col">tg imported</th>
              <th scope="col">tg now</th>
              <th scope="col">ratio</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row" className="mono small">
                  {r.key}
                </th>
                <td>{fmt(r.a?.prefill_tok_s)}</td>
                <td>{fmt(r.b?.prefill_tok_s)}</td>
                <td>{ratio(r.prefillRatio)}</td>
                <td>{fmt(r.a?.decode_tok_s)}</td>
                <td>{fmt(r.b?.decode_tok_s)}</td>
                <td>{ratio(r.decodeRatio)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {roofRows.length > 0 && (
        <table className="bench-table" data-testid="bench-compare-ceilings">
          <caption className="small muted">Device ceilings (WASM): memory read and int8 multiply-add rates</caption>
          <thead>
            <tr>
              <th scope="col">Threads</th>
              <th scope="col">read GB/s imported</th>
              <th scope="col">read GB/s now</th>
              <th scope="col">ratio</th>
              <th scope="col">GMAC/s imported</th>
              <th scope="col">GMAC/s now</th>
              <th scope="col">ratio</th>
            </tr>
          </thead>
          <tbody>
            {roofRows.map((r) => (
              <tr key={r.threads}>
                <th scope="row">{r.threads}</th>
                <td>{fmt(r.a?.readGBs)}</td>
                <td>{fmt(r.b?.readGBs)}</td>
                <td>{ratio(r.readRatio)}</td>
                <td>{fmt(r.a?.maddGMACs)}</td>
                <td>{fmt(r.b?.maddGMACs)}</td>
                <td>{ratio(r.maddRatio)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
