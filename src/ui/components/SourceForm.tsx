// Any Hugging Face repo (optionally one file in it) or a direct URL.
import { useState } from 'react';
import { parseModelSource } from '../model-source.ts';
import { addModel, useDownloads } from '../store/downloads.ts';
import { useHubBase } from '../store/settings.ts';
import { IntakeStatus } from './IntakeStatus.tsx';

const ORIGIN = 'custom';

export function SourceForm() {
  const [repo, setRepo] = useState('');
  const [file, setFile] = useState('');
  const [error, setError] = useState<string>();
  const hub = useHubBase();
  const planning = useDownloads((s) => s.intake[ORIGIN]?.status === 'planning');
  return (
    <form
      className="source-form stack-s"
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = parseModelSource(repo, file, hub);
        setError(parsed.ok ? undefined : parsed.error);
        if (parsed.ok) void addModel(ORIGIN, parsed.source);
      }}
    >
      <label className="field">
        <span>Hugging Face repo or URL</span>
        <input className="input" value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="owner/name or https://…" spellCheck={false} autoCapitalize="off" />
      </label>
      <label className="field">
        <span>File (optional)</span>
        <input className="input" value={file} onChange={(e) => setFile(e.target.value)} placeholder="model.gguf" spellCheck={false} autoCapitalize="off" />
      </label>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <IntakeStatus origin={ORIGIN} />
      <button type="submit" className="btn btn-small" disabled={planning}>
        Add model
      </button>
    </form>
  );
}
