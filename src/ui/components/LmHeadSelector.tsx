// Exact / int8 LM head. Like the backend, the choice applies at the next load; when the model runs
// on WASM with the other head, one click reloads it with this one. WebGPU always runs the exact
// head (the engine card says so when int8 was asked for).
import type { LmHeadMode } from '../../worker/protocol.ts';
import { loadModel, useEngine } from '../store/engine.ts';
import { useGeneration } from '../store/generation.ts';
import { useSettings } from '../store/settings.ts';

const CHOICES: { value: LmHeadMode; label: string }[] = [
  { value: 'exact', label: 'Exact (default)' },
  { value: 'int8', label: 'Int8 — faster on CPU, approximate' },
];

export function LmHeadSelector() {
  const choice = useSettings((s) => s.lmHead);
  const setLmHead = useSettings((s) => s.setLmHead);
  const running = useEngine((s) => (s.status === 'ready' && s.backend?.backend === 'wasm' ? s.backend.lmHead : undefined));
  const modelId = useEngine((s) => s.modelId);
  const generating = useGeneration((s) => s.streaming !== undefined);
  return (
    <fieldset className="card lm-head-choice" aria-describedby="lm-head-help">
      <legend>LM head</legend>
      <div className="stack-s" data-testid="lm-head-choice">
        {CHOICES.map((c) => (
          <label key={c.value} className="row">
            <input type="radio" name="lm-head" value={c.value} checked={choice === c.value} onChange={() => setLmHead(c.value)} />
            {c.label}
          </label>
        ))}
      </div>
      <p id="lm-head-help" className="muted small">
        Int8: about 1.3× faster decode on the WASM backend; logits differ slightly from the model’s exact ones. WebGPU always runs the exact head. Applies when a model loads.
      </p>
      {running !== undefined && running !== choice && modelId && (
        <button type="button" className="btn btn-small" disabled={generating} onClick={() => void loadModel(modelId)}>
          Reload with the {choice} head
        </button>
      )}
    </fieldset>
  );
}
