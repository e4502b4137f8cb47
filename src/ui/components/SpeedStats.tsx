// Prefill and decode speed and time to first token: live while a reply streams in the open
// conversation, else the last reply's final numbers.
import { formatMs, formatTokPerS } from '../format.ts';
import { selectActive, useConversations } from '../store/conversations.ts';
import { useGeneration } from '../store/generation.ts';
import { StatTable } from './StatTable.tsx';

export function SpeedStats() {
  const conversation = useConversations(selectActive);
  const streaming = useGeneration((s) => s.streaming);
  const last = conversation?.messages.findLast((m) => m.stats)?.stats;

  let rows: [string, string][] | undefined;
  let title = 'Last reply';
  if (streaming) {
    title = 'Writing now';
    rows = [
      ['Decode', formatTokPerS(streaming.decodeTokPerS)],
      ['Time to first token', streaming.ttftMs === undefined ? 'waiting…' : formatMs(streaming.ttftMs)],
      ['Tokens so far', String(streaming.generated)],
    ];
  } else if (last) {
    rows = [
      ['Prefill', formatTokPerS(last.prefillTokPerS)],
      ['Decode', formatTokPerS(last.decodeTokPerS)],
      ['Time to first token', formatMs(last.ttftMs)],
      ['Tokens generated', String(last.generatedTokens)],
      ['Prompt tokens', `${last.promptTokens} (${last.reusedTokens} reused from the cache)`],
      ['Context used', `${last.contextUsed.toLocaleString()} / ${last.contextSize.toLocaleString()}`],
    ];
  }
  return (
    <section className="card" aria-labelledby="speed-heading" data-testid="speed-stats" data-live={streaming !== undefined}>
      <h3 id="speed-heading">{title}</h3>
      {rows ? <StatTable rows={rows} /> : <p className="muted small">No reply in this conversation yet.</p>}
    </section>
  );
}
