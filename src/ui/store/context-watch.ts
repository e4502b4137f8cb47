// Keeps the context meter true: recounts the open conversation's tokens whenever it changes, a
// model becomes ready, the reply budget changes, or a reply ends. While a reply streams, the worker is busy and the reply's
// own contextUsed will come with it.
import { requestMessages } from '../../chat/conversation.ts';
import { effectiveSettings } from '../../chat/sampling.ts';
import { selectActive, useConversations } from './conversations.ts';
import { countContext, useEngine } from './engine.ts';
import { useGeneration } from './generation.ts';
import { useSettings } from './settings.ts';

/** Typing a system prompt saves on blur, so changes come in bursts of one; this merges bursts. */
const DEBOUNCE_MS = 150;

export function watchContext(): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // What was counted last: the same conversation, model and budget need no recount.
  let counted: { conversation: unknown; model: unknown; maxTokens: number } | undefined;

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(recount, DEBOUNCE_MS);
  };

  const recount = () => {
    const engine = useEngine.getState();
    if (engine.status !== 'ready' || useGeneration.getState().streaming) return;
    const c = selectActive(useConversations.getState());
    const { maxTokens } = effectiveSettings(engine.model?.generation, useSettings.getState().overrides);
    if (counted && counted.conversation === c && counted.model === engine.model && counted.maxTokens === maxTokens) return;
    counted = { conversation: c, model: engine.model, maxTokens };
    const messages = c ? requestMessages(c) : [];
    if (messages.length === 0) {
      useEngine.setState({ context: engine.model && { used: 0, size: engine.model.contextSize, dropped: 0 } });
    } else if (messages.at(-1)!.role === 'user') {
      void countContext(messages, maxTokens);
    } else {
      // The worker counts prompts, which end with a question: an empty one stands for the next,
      // so the meter shows what the conversation will take (and what it will leave out) when asked.
      void countContext([...messages, { role: 'user', content: '' }], maxTokens);
    }
  };

  const unsubscribers = [
    useConversations.subscribe((s, prev) => selectActive(s) !== selectActive(prev) && schedule()),
    useEngine.subscribe((s, prev) => s.model !== prev.model && schedule()),
    useGeneration.subscribe((s, prev) => prev.streaming && !s.streaming && schedule()),
    useSettings.subscribe((s, prev) => s.overrides !== prev.overrides && schedule()),
  ];
  schedule();
  return () => {
    clearTimeout(timer);
    unsubscribers.forEach((u) => u());
  };
}
