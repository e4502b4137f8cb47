// What the engine is doing: nothing, loading (by phase), running a model on a backend (and why
// that backend), or failed.
import { useShallow } from 'zustand/react/shallow';
import type { LoadPhase } from '../../worker/protocol.ts';
import { formatMs, formatPercent } from '../format.ts';
import { useDownloads } from '../store/downloads.ts';
import { loadModel, unloadModel, useEngine } from '../store/engine.ts';
import { useGeneration } from '../store/generation.ts';
import { BackendStatus } from './BackendStatus.tsx';
import { ProgressBar } from './ProgressBar.tsx';

const PHASES: Record<LoadPhase, string> = {
  open: 'Opening the model files',
  weights: 'Reading and placing the weights',
  compile: 'Compiling the kernels',
  'self-test': 'Checking the backend against a known answer',
};

export function EngineCard() {
  const engine = useEngine(useShallow(({ status, modelId, model, loadMs, loadPhase, loadFraction, error }) => ({ status, modelId, model, loadMs, loadPhase, loadFraction, error })));
  const generating = useGeneration((s) => s.streaming !== undefined);
  const label = useDownloads((s) => s.models.find((m) => m.id === engine.modelId)?.label ?? engine.modelId);

  return (
    <section className="card" aria-labelledby="engine-heading">
      <h3 id="engine-heading">Engine</h3>
      {engine.status === 'idle' && <p className="muted">No model loaded. Download one below or open a local GGUF file, then press Load.</p>}
      {engine.status === 'loading' && (
        <div className="stack-s" data-testid="load-progress" data-phase={engine.loadPhase}>
          <p>
            Loading <strong>{label}</strong>
          </p>
          <p className="muted small">
            {engine.loadPhase ? PHASES[engine.loadPhase] : 'Starting'} · {formatPercent(engine.loadFraction)}
          </p>
          <ProgressBar fraction={engine.loadFraction} label="Loading the model" />
        </div>
      )}
      {engine.status === 'ready' && engine.model && (
        <div className="stack-s">
          <p>
            <strong data-testid="loaded-model">{engine.model.name}</strong>
            <span className="muted small"> · loaded in {formatMs(engine.loadMs ?? 0)}</span>
          </p>
          <BackendStatus />
          <div className="row">
            <button type="button" className="btn btn-small" disabled={generating} onClick={() => void unloadModel()}>
              Unload
            </button>
          </div>
        </div>
      )}
      {engine.status === 'error' && (
        <div className="notice notice-error" role="alert" data-testid="model-error">
          <span>
            Could not load {label}: {engine.error}
          </span>
          {engine.modelId && (
            <button type="button" className="btn btn-small" onClick={() => void loadModel(engine.modelId!)}>
              Try again
            </button>
          )}
        </div>
      )}
      {engine.status === 'lost' && <p className="muted">The GPU device was lost. Reload the model from the notice in the chat, or pick WASM below first.</p>}
    </section>
  );
}
