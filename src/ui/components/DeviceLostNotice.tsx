// The GPU device was lost (driver reset, out of memory, tab in background too long): the model is
// gone from the GPU and must be loaded again.
import { loadModel, useEngine } from '../store/engine.ts';

export function DeviceLostNotice() {
  const status = useEngine((s) => s.status);
  const reason = useEngine((s) => s.lostReason);
  const modelId = useEngine((s) => s.modelId);
  if (status !== 'lost') return null;
  return (
    <div className="banner banner-error" role="alert" data-testid="device-lost">
      <p>
        <strong>The GPU device was lost</strong>
        {reason ? `: ${reason}` : ''}. The model has to be loaded again; your conversations are safe.
      </p>
      {modelId && (
        <button type="button" className="btn btn-primary" onClick={() => void loadModel(modelId)}>
          Reload model
        </button>
      )}
    </div>
  );
}
