// Memory as the worker reports it, refreshed every few seconds while a model is loaded.
import { formatBytes } from '../format.ts';
import { useEngine } from '../store/engine.ts';
import { StatTable } from './StatTable.tsx';

const optional = (bytes: number | undefined) => (bytes === undefined ? 'not reported' : formatBytes(bytes));

export function MemoryPanel() {
  const memory = useEngine((s) => s.memory);
  return (
    <section className="card" aria-labelledby="memory-heading" data-testid="memory-panel">
      <h3 id="memory-heading">Memory</h3>
      {memory ? (
        <StatTable
          rows={[
            ['Weights', formatBytes(memory.weightBytes)],
            ['KV cache', formatBytes(memory.kvCacheBytes)],
            ['WASM heap', optional(memory.wasmHeapBytes)],
            ['JS heap (worker)', optional(memory.jsHeapBytes)],
          ]}
        />
      ) : (
        <p className="muted small">Load a model to see its memory.</p>
      )}
    </section>
  );
}
