// One conversation in the list: select it, rename it in place, or delete it after a confirm.
import { useRef, useState } from 'react';
import type { Conversation } from '../../chat/types.ts';
import { EditIcon, TrashIcon } from '../icons.tsx';
import { removeConversation, renameConversation, selectConversation } from '../store/conversations.ts';
import { stop, useGeneration } from '../store/generation.ts';
import { isOverlay, setSidebarOpen } from '../store/layout.ts';

interface Props {
  conversation: Conversation;
  snippet?: string;
  active: boolean;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function ConversationItem({ conversation: c, snippet, active }: Props) {
  const [mode, setMode] = useState<'view' | 'rename' | 'confirm-delete'>('view');
  const streamingHere = useGeneration((s) => s.streaming?.conversationId === c.id);
  // Leaving the title field saves it, unless Escape cancelled (removing the field may blur it).
  const cancelled = useRef(false);

  const open = () => {
    selectConversation(c.id);
    if (isOverlay('sidebar')) setSidebarOpen(false);
  };

  const remove = () => {
    // A reply still being written for it would have nowhere to go.
    if (streamingHere) stop();
    removeConversation(c.id);
  };

  if (mode === 'rename') {
    const save = (title: string) => {
      if (!cancelled.current) renameConversation(c.id, title);
      setMode('view');
    };
    return (
      <li className="conv-item" data-testid="conversation-item" data-conversation-id={c.id}>
        <input
          className="input"
          aria-label="Conversation title"
          defaultValue={c.title}
          autoFocus
          onFocus={(e) => e.target.select()}
          onBlur={(e) => save(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') save(e.currentTarget.value);
            if (e.key === 'Escape') {
              e.stopPropagation();
              cancelled.current = true;
              setMode('view');
            }
          }}
        />
      </li>
    );
  }

  return (
    <li className="conv-item" data-testid="conversation-item" data-conversation-id={c.id} data-active={active}>
      <button type="button" className="conv-open" aria-current={active ? 'true' : undefined} onClick={open}>
        <span className="conv-title" id={`title-${c.id}`}>
          {c.title}
        </span>
        {snippet && <span className="conv-snippet">{snippet}</span>}
        <span className="conv-meta">
          {dateFormat.format(c.updatedAt)} · {c.messages.length} message{c.messages.length === 1 ? '' : 's'}
          {streamingHere && ' · writing…'}
        </span>
      </button>
      {mode === 'confirm-delete' ? (
        <div className="conv-confirm" role="group" aria-label="Confirm delete" aria-describedby={`title-${c.id}`}>
          <span>Delete?</span>
          <button type="button" className="btn btn-danger btn-small" onClick={remove}>
            Delete
          </button>
          <button type="button" className="btn btn-small" onClick={() => setMode('view')} autoFocus>
            Cancel
          </button>
        </div>
      ) : (
        <div className="conv-actions">
          <button
            type="button"
            className="icon-btn"
            aria-label="Rename"
            aria-describedby={`title-${c.id}`}
            title="Rename"
            onClick={() => {
              cancelled.current = false;
              setMode('rename');
            }}
          >
            <EditIcon />
          </button>
          <button type="button" className="icon-btn" aria-label="Delete" aria-describedby={`title-${c.id}`} title="Delete" onClick={() => setMode('confirm-delete')}>
            <TrashIcon />
          </button>
        </div>
      )}
    </li>
  );
}
