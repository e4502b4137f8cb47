// A model file from this device: picked here or dropped anywhere on the page, then cached like a
// download so it survives reloads.
import { useRef } from 'react';
import { addModel } from '../store/downloads.ts';
import { IntakeStatus } from './IntakeStatus.tsx';

export const LOCAL_ORIGIN = 'local';

export function LocalFile() {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="stack-s local-file">
      <button type="button" className="btn btn-small" onClick={() => input.current?.click()}>
        Open a local file
      </button>
      <p className="muted small">…or drop a .gguf file anywhere on the page.</p>
      <input
        ref={input}
        type="file"
        accept=".gguf"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Model file"
        data-testid="local-model-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void addModel(LOCAL_ORIGIN, { kind: 'local', file });
        }}
      />
      <IntakeStatus origin={LOCAL_ORIGIN} />
    </div>
  );
}
