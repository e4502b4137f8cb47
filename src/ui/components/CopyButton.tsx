// Copies text to the clipboard and says so (or says that the browser refused).
import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from '../icons.tsx';

const FEEDBACK_MS = 1500;

export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), FEEDBACK_MS);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className="icon-btn"
      aria-label={state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
      title={state === 'failed' ? 'The browser did not allow copying' : label}
      data-testid={testId}
      data-state={state}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setState('copied');
        } catch {
          // Refused permission, or no clipboard API outside a secure context.
          setState('failed');
        }
      }}
    >
      {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
    </button>
  );
}
