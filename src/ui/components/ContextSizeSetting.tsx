// How many tokens of context to allocate when a model loads (the KV cache grows with it).
import { useEffect, useId, useState } from 'react';
import { useEngine } from '../store/engine.ts';
import { useSettings } from '../store/settings.ts';

/** The smallest context that holds a system prompt, a question and a short reply. */
const MIN_CONTEXT = 256;

export function ContextSizeSetting() {
  const id = useId();
  const contextSize = useSettings((s) => s.contextSize);
  const setContextSize = useSettings((s) => s.setContextSize);
  const modelContext = useEngine((s) => s.model?.contextSize);
  const [text, setText] = useState(contextSize === undefined ? '' : String(contextSize));
  useEffect(() => setText(contextSize === undefined ? '' : String(contextSize)), [contextSize]);
  const value = text.trim() === '' ? undefined : Number(text);
  const error = value !== undefined && (!Number.isInteger(value) || value < MIN_CONTEXT) ? `Context size must be a whole number of at least ${MIN_CONTEXT}` : undefined;

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Engine</h3>
      <div className="setting">
        <label htmlFor={id}>Context size</label>
        <input
          id={id}
          className="input"
          type="number"
          min={MIN_CONTEXT}
          step={256}
          value={text}
          placeholder="the model's own"
          aria-invalid={error !== undefined}
          aria-describedby={`${id}-help`}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => error === undefined && setContextSize(value)}
        />
        <span id={`${id}-help`} className={error ? 'field-error' : 'muted small'}>
          {error ?? `Tokens. Empty: the model’s own. Applies the next time a model loads.${modelContext ? ` Now: ${modelContext.toLocaleString()}.` : ''}`}
        </span>
      </div>
    </section>
  );
}
