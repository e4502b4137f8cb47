// The conversation's system prompt, folded away until wanted. Saved when the field loses focus, so
// the context is recounted once per edit rather than per keystroke.
import { useEffect, useState } from 'react';
import type { Conversation } from '../../chat/types.ts';
import { setSystemPrompt } from '../store/conversations.ts';

export function SystemPrompt({ conversation }: { conversation: Conversation }) {
  const [text, setText] = useState(conversation.systemPrompt);
  // Another conversation opened, or an import replaced this one: show what is stored.
  useEffect(() => setText(conversation.systemPrompt), [conversation.id, conversation.systemPrompt]);
  const summary = conversation.systemPrompt.trim() === '' ? 'none' : conversation.systemPrompt.replace(/\s+/g, ' ').slice(0, 60);
  return (
    <details className="system-prompt" data-testid="system-prompt">
      <summary>
        System prompt: <span className="muted">{summary}</span>
      </summary>
      <label className="visually-hidden" htmlFor="system-prompt-text">
        System prompt
      </label>
      <textarea
        id="system-prompt-text"
        className="input"
        rows={3}
        placeholder="e.g. You are a concise assistant. Answer in plain English."
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => setSystemPrompt(conversation.id, text)}
      />
      <p className="muted small">Kept at the start of every request, even when older messages no longer fit.</p>
    </details>
  );
}
