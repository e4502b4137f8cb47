// The loaded model and backend in the top bar; opens the Models panel.
import { formatPercent } from '../format.ts';
import { useEngine } from '../store/engine.ts';
import { openPanel } from '../store/layout.ts';

export function ModelChip() {
  const status = useEngine((s) => s.status);
  const model = useEngine((s) => s.model);
  const backend = useEngine((s) => s.backend);
  const fraction = useEngine((s) => s.loadFraction);
  const text =
    status === 'ready' && model && backend
      ? `${model.name} · ${backend.backend === 'webgpu' ? 'WebGPU' : 'WASM'}`
      : status === 'loading'
        ? `Loading ${formatPercent(fraction)}`
        : status === 'lost'
          ? 'GPU lost'
          : status === 'error'
            ? 'Load failed'
            : 'No model';
  return (
    <button type="button" className="chip" data-status={status} data-testid="model-chip" onClick={() => openPanel('models')} title="Models">
      <span className="dot" aria-hidden="true" />
      <span className="chip-text">{text}</span>
    </button>
  );
}
