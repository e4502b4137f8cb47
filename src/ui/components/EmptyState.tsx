// What an empty chat says: load a model first, or just start typing.
import { useEngine } from '../store/engine.ts';
import { openPanel } from '../store/layout.ts';

export function EmptyState() {
  const ready = useEngine((s) => s.status === 'ready');
  const model = useEngine((s) => s.model?.name);
  return (
    <div className="empty">
      <div className="empty-mark" aria-hidden="true" />
      <h2>{ready ? `Chat with ${model}` : 'Private chat, on your device'}</h2>
      <p className="muted">
        BitNet b1.58 runs entirely in this browser tab, on WebGPU or WebAssembly. Nothing you type leaves your device.
      </p>
      {!ready && (
        <button type="button" className="btn btn-primary" onClick={() => openPanel('models')}>
          Choose a model
        </button>
      )}
    </div>
  );
}
