// Edit-and-resend: the message gets the new text, everything after it goes, and it is asked again.
import { useState } from 'react';
import type { Turn } from '../../chat/types.ts';
import { useEngine } from '../store/engine.ts';
import { editAndResend, useGeneration } from '../store/generation.ts';

interface Props {
  conversationId: string;
  turn: Turn;
  onDone: () => void;
}

export function MessageEditor({ conversationId, turn, onDone }: Props) {
  const [text, setText] = useState(turn.content);
  const ready = useEngine((s) => s.status === 'ready');
  const busy = useGeneration((s) => s.streaming !== undefined);
  const canSend = ready && !busy && text.trim() !== '';

  const submit = () => {
    if (!canSend) return;
    onDone();
    void editAndResend(conversationId, turn.id, text);
  };

  return (
    <form
      className="editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        className="input"
        aria-label="Edited text"
        data-testid="edit-text"
        value={text}
        autoFocus
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            submit();
          } else if (e.key === 'Escape') {
            e.stopPropagation();
            onDone();
          }
        }}
      />
      <div className="row end">
        {!ready && <span className="muted small">Load a model to resend.</span>}
        <button type="button" className="btn btn-small" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary btn-small" disabled={!canSend} data-testid="edit-send">
          Save and resend
        </button>
      </div>
      <p className="muted small">Messages after this one will be removed.</p>
    </form>
  );
}
