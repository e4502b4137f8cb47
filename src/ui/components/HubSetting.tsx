// The Hugging Face hub address (a mirror, or a local server). A ?hub= query overrides it for the
// visit, and the panel says so.
import { useId, useState } from 'react';
import { DEFAULT_HUB, normalizeHubBase } from '../hub.ts';
import { refreshModels } from '../store/downloads.ts';
import { HUB_OVERRIDE, useSettings } from '../store/settings.ts';

export function HubSetting() {
  const id = useId();
  const saved = useSettings((s) => s.hubBase);
  const setHubBase = useSettings((s) => s.setHubBase);
  const [text, setText] = useState(saved);
  const [error, setError] = useState<string>();

  const save = (value: string) => {
    const url = normalizeHubBase(value);
    if (url === undefined) {
      setError('Enter an http(s) address such as https://huggingface.co');
      return;
    }
    setError(undefined);
    setText(url);
    setHubBase(url);
    void refreshModels();
  };

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Model hub</h3>
      <form
        className="setting"
        onSubmit={(e) => {
          e.preventDefault();
          save(text);
        }}
      >
        <label htmlFor={id}>Hub base URL</label>
        <div className="row">
          <input id={id} className="input grow" type="url" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} aria-invalid={error !== undefined} />
          <button type="submit" className="btn btn-small" disabled={text === saved}>
            Save
          </button>
        </div>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
        {saved !== DEFAULT_HUB && (
          <button type="button" className="link small" onClick={() => save(DEFAULT_HUB)}>
            Back to {DEFAULT_HUB}
          </button>
        )}
      </form>
      {HUB_OVERRIDE && (
        <p className="notice" data-testid="hub-override">
          This visit uses {HUB_OVERRIDE} (from ?hub= in the address).
        </p>
      )}
    </section>
  );
}
