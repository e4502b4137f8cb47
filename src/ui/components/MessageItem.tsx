// One message: the text (replies as markdown), its actions and, for replies, the stats line.
import { useState } from 'react';
import { statsLine } from '../../chat/export.ts';
import type { Turn } from '../../chat/types.ts';
import { EditIcon, RetryIcon } from '../icons.tsx';
import { useEngine } from '../store/engine.ts';
import { regenerate, useGeneration } from '../store/generation.ts';
import { CopyButton } from './CopyButton.tsx';
import { Markdown } from './Markdown.tsx';
import { MessageEditor } from './MessageEditor.tsx';

interface Props {
  conversationId: string;
  turn: Turn;
  canRegenerate: boolean;
}

export function MessageItem({ conversationId, turn, canRegenerate }: Props) {
  const [editing, setEditing] = useState(false);
  const busy = useGeneration((s) => s.streaming !== undefined);
  const ready = useEngine((s) => s.status === 'ready');
  const isUser = turn.role === 'user';

  return (
    <article className={`message message-${turn.role}`} data-testid="message" data-role={turn.role} data-message-id={turn.id} aria-label={isUser ? 'You' : 'Assistant'}>
      {editing ? (
        <MessageEditor conversationId={conversationId} turn={turn} onDone={() => setEditing(false)} />
      ) : (
        <>
          <div className="bubble">
            {isUser ? (
              <p className="plain">{turn.content}</p>
            ) : turn.content === '' ? (
              // The model ended its turn at once (or was stopped first): said, not left looking like a missing reply.
              <p className="muted small">{turn.stats?.stopReason === 'aborted' ? 'Stopped before any text.' : 'The model ended its reply without any text.'}</p>
            ) : (
              <Markdown text={turn.content} />
            )}
          </div>
          <div className="message-foot">
            <div className="message-actions">
              <CopyButton text={turn.content} label="Copy" testId="copy" />
              {isUser && (
                <button type="button" className="icon-btn" aria-label="Edit" title="Edit and resend" data-testid="edit" disabled={busy} onClick={() => setEditing(true)}>
                  <EditIcon />
                </button>
              )}
              {canRegenerate && (
                <button
                  type="button"
                  className="icon-btn"
                  aria-label="Regenerate"
                  title="Regenerate"
                  data-testid="regenerate"
                  disabled={busy || !ready}
                  onClick={() => void regenerate(conversationId)}
                >
                  <RetryIcon />
                </button>
              )}
            </div>
            {turn.stats && (
              <p className="message-stats" data-testid="message-stats" data-stop-reason={turn.stats.stopReason} data-reused={turn.stats.reusedTokens}>
                {statsLine(turn.stats)}
              </p>
            )}
          </div>
        </>
      )}
    </article>
  );
}
