// The reply while it is being written, with live speed from the worker's token events.
import { formatMs, formatTokPerS } from '../format.ts';
import type { Streaming } from '../store/generation.ts';
import { Markdown } from './Markdown.tsx';

export function StreamingMessage({ streaming: s }: { streaming: Streaming }) {
  const waiting = s.ttftMs === undefined;
  return (
    <article className="message message-assistant" data-testid="message" data-role="assistant" data-streaming="true" aria-label="Assistant (writing)">
      <div className="bubble">
        {s.text === '' ? (
          <p className="typing" aria-label="Reading the prompt">
            <span />
            <span />
            <span />
          </p>
        ) : (
          <Markdown text={s.text} />
        )}
      </div>
      <div className="message-foot">
        <p className="message-stats live" data-testid="message-stats" data-live="true">
          {waiting
            ? 'reading the prompt…'
            : `${s.generated} tokens · decode ${formatTokPerS(s.decodeTokPerS)} · first token ${formatMs(s.ttftMs ?? 0)} · Esc to stop`}
        </p>
      </div>
    </article>
  );
}
