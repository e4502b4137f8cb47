// Auto / WebGPU / WASM. The choice applies at the next load; when it differs from what runs now,
// one click reloads the model with it.
import type { BackendChoice } from '../../worker/protocol.ts';
import { loadModel, useEngine } from '../store/engine.ts';
import { useGeneration } from '../store/generation.ts';
import { useSettings } from '../store/settings.ts';

const CHOICES: { value: BackendChoice; label: string; help: string }[] = [
  { value: 'auto', label: 'Auto', help: 'WebGPU when a hardware GPU passes the self-test, else WASM' },
  { value: 'webgpu', label: 'WebGPU', help: 'the GPU, even a software one' },
  { value: 'wasm', label: 'WASM', help: 'the CPU, with SIMD and threads' },
];

export function BackendSelector() {
  const choice = useSettings((s) => s.backend);
  const setBackend = useSettings((s) => s.setBackend);
  const running = useEngine((s) => (s.status === 'ready' ? s.backend?.backend : undefined));
  const modelId = useEngine((s) => s.modelId);
  const generating = useGeneration((s) => s.streaming !== undefined);
  const mismatch = running !== undefined && choice !== 'auto' && choice !== running;
  return (
    <fieldset className="card backend-choice">
      <legend>Backend</legend>
      <div className="segmented" data-testid="backend-choice">
        {CHOICES.map((c) => (
          <label key={c.value} title={c.help}>
            <input type="radio" name="backend" value={c.value} checked={choice === c.value} onChange={() => setBackend(c.value)} />
            <span>{c.label}</span>
          </label>
        ))}
      </div>
      <p className="muted small">{CHOICES.find((c) => c.value === choice)?.help}. Applies when a model loads.</p>
      {mismatch && modelId && (
        <button type="button" className="btn btn-small" disabled={generating} onClick={() => void loadModel(modelId)}>
          Reload with {choice === 'webgpu' ? 'WebGPU' : 'WASM'}
        </button>
      )}
    </fieldset>
  );
}
