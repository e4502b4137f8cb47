// Where the user writes. Enter sends, Shift+Enter starts a new line, Escape stops the reply.
import { useState } from 'react';
import { SendIcon, StopIcon } from '../icons.tsx';
import { useEngine } from '../store/engine.ts';
import { send, stop, useGeneration } from '../store/generation.ts';
import { openPanel } from '../store/layout.ts';

export function Composer() {
  const [text, setText] = useState('');
  const status = useEngine((s) => s.status);
  const generating = useGeneration((s) => s.streaming !== undefined);
  const ready = status === 'ready';
  const canSend = ready && !generating && text.trim() !== '';

  const submit = () => {
    if (!canSend) return;
    setText('');
    void send(text);
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="composer-box">
        <textarea
          id="composer"
          className="composer-input"
          aria-label="Message"
          data-testid="composer"
          rows={1}
          placeholder={ready ? 'Message the model…' : 'Load a model to start chatting'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            // isComposing: Enter that confirms an IME candidate must not send.
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        {generating ? (
          <button type="button" className="send-btn stop" aria-label="Stop" data-testid="stop" onClick={stop}>
            <StopIcon />
          </button>
        ) : (
          <button type="submit" className="send-btn" aria-label="Send" data-testid="send" disabled={!canSend}>
            <SendIcon />
          </button>
        )}
      </div>
      <p className="composer-hint">
        {ready ? (
          'Enter to send · Shift+Enter for a new line · Esc to stop'
        ) : status === 'loading' ? (
          'The model is loading…'
        ) : (
          <>
            No model loaded.{' '}
            <button type="button" className="link" onClick={() => openPanel('models')}>
              Choose a model
            </button>
          </>
        )}
      </p>
    </form>
  );
}
