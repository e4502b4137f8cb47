// The benchmark panel: llama-bench style prefill/decode tests in this browser, WebGPU and WASM side
// by side, the device's WASM ceilings they are measured against, and the figures to share (export)
// and compare (import).
import { usePwa } from '../../pwa/register.ts';
import { TopBar } from '../components/TopBar.tsx';
import { BenchCeilings } from './BenchCeilings.tsx';
import { BenchChart } from './BenchChart.tsx';
import { BenchCompare } from './BenchCompare.tsx';
import { BenchForm } from './BenchForm.tsx';
import { BenchResults } from './BenchResults.tsx';
import { useBench } from './bench-store.ts';

export function BenchPage() {
  const { status, error, samples, results, rooflines, running } = useBench();
  const isolated = usePwa((s) => s.isolated);
  return (
    <main className="chat" aria-labelledby="bench-title">
      <TopBar />
      <div className="bench">
        <header className="row">
          <h2 id="bench-title" className="grow">
            Benchmark
          </h2>
          <a className="btn" href="#">
            Back to chat
          </a>
        </header>
        <p className="muted small">
          Prefill (pp) and decode (tg) speed as llama-bench measures it, on a model generated in this tab or the loaded one.
          {isolated ? ' This page is cross-origin isolated: WASM can use threads.' : ' This page is not cross-origin isolated: WASM runs one thread.'}
        </p>
        <BenchForm />
        <p className="small" role="status" aria-live="polite" data-testid="bench-status" data-running={running}>
          {status}
        </p>
        {error && (
          <p className="notice notice-error" role="alert" data-testid="bench-error">
            {error}
          </p>
        )}
        <BenchChart samples={samples} />
        <BenchResults results={results} rooflines={rooflines} />
        <BenchCeilings results={results} />
        <BenchCompare />
      </div>
    </main>
  );
}
