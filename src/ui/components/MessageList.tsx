// The conversation's messages, the reply being written, and what went wrong. Follows the bottom
// while a reply streams, unless the reader has scrolled up to read.
import { useLayoutEffect, useRef } from 'react';
import { awaitsReply } from '../../chat/conversation.ts';
import type { Conversation } from '../../chat/types.ts';
import { RetryIcon } from '../icons.tsx';
import { useEngine } from '../store/engine.ts';
import { dismissError, regenerate, useGeneration } from '../store/generation.ts';
import { DroppedNotice } from './DroppedNotice.tsx';
import { EmptyState } from './EmptyState.tsx';
import { MessageItem } from './MessageItem.tsx';
import { StreamingMessage } from './StreamingMessage.tsx';

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICKY_PX = 80;

export function MessageList({ conversation }: { conversation?: Conversation }) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const streaming = useGeneration((s) => (s.streaming?.conversationId === conversation?.id ? s.streaming : undefined));
  const error = useGeneration((s) => (s.error?.conversationId === conversation?.id ? s.error : undefined));
  const ready = useEngine((s) => s.status === 'ready');
  const messages = conversation?.messages ?? [];

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, streaming?.text, error, conversation?.id]);

  if (!conversation || (messages.length === 0 && !streaming)) {
    return (
      <div className="messages" ref={scroller}>
        <EmptyState />
      </div>
    );
  }

  const lastAssistant = messages.findLastIndex((m) => m.role === 'assistant');
  return (
    <div
      className="messages"
      ref={scroller}
      role="log"
      aria-label="Conversation"
      aria-busy={streaming !== undefined}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
      }}
    >
      <div className="messages-inner">
        {messages.map((m, i) => (
          <div key={m.id} className="turn">
            {m.stats && m.stats.droppedMessages > 0 && <DroppedNotice count={m.stats.droppedMessages} contextSize={m.stats.contextSize} />}
            <MessageItem conversationId={conversation.id} turn={m} canRegenerate={i === lastAssistant && i === messages.length - 1} />
          </div>
        ))}
        {streaming && <StreamingMessage streaming={streaming} />}
        {error && (
          <div className="notice notice-error" role="alert" data-testid="chat-error">
            <span>The reply failed: {error.message}</span>
            <button type="button" className="btn btn-small" onClick={dismissError}>
              Dismiss
            </button>
          </div>
        )}
        {!streaming && awaitsReply(conversation) && (
          <div className="awaiting">
            <span className="muted">No reply yet.</span>
            <button type="button" className="btn btn-small" disabled={!ready} onClick={() => void regenerate(conversation.id)} data-testid="generate-reply">
              <RetryIcon /> Generate reply
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
