// Asking the model: send, regenerate, edit-and-resend and stop. Each ask sends the whole
// conversation; the reply streams into `streaming` and becomes a message (with its stats) when
// the worker is done. One reply is generated at a time.
import { create } from 'zustand';
import { appendTurn, editTurn, requestMessages, withoutLastReply } from '../../chat/conversation.ts';
import { effectiveSettings, requestSettings } from '../../chat/sampling.ts';
import type { Conversation, ReplyStats } from '../../chat/types.ts';
import type { ChatResult } from '../../worker/protocol.ts';
import { describeError } from '../errors.ts';
import { activeConversation, findConversation, newConversation, putConversation } from './conversations.ts';
import { engineClient, setContextUsed, useEngine } from './engine.ts';
import { useSettings } from './settings.ts';

export interface Streaming {
  conversationId: string;
  text: string;
  generated: number;
  elapsedMs: number;
  decodeTokPerS: number;
  startedAt: number;
  /** Time from asking to the first token, measured here. */
  ttftMs?: number;
}

interface GenerationState {
  streaming?: Streaming;
  /** A failed ask, shown in its conversation. */
  error?: { conversationId: string; message: string };
}

export const useGeneration = create<GenerationState>()(() => ({}));

const set = useGeneration.setState;

export const isGenerating = (): boolean => useGeneration.getState().streaming !== undefined;

/** Whether a question can be asked now: a model is ready and no reply is being written. */
const canAsk = (): boolean => useEngine.getState().status === 'ready' && !isGenerating();

function statsOf(r: ChatResult): ReplyStats {
  const { model, backend } = useEngine.getState();
  return {
    stopReason: r.stopReason,
    promptTokens: r.promptTokens,
    reusedTokens: r.reusedTokens,
    droppedMessages: r.droppedMessages,
    generatedTokens: r.generatedTokens,
    ttftMs: r.ttftMs,
    prefillTokPerS: r.prefillTokPerS,
    decodeTokPerS: r.decodeTokPerS,
    contextUsed: r.contextUsed,
    contextSize: r.contextSize,
    ...(model ? { model: model.name } : {}),
    ...(backend ? { backend: backend.backend } : {}),
  };
}

async function ask(conversation: Conversation): Promise<void> {
  const engine = useEngine.getState();
  const settings = effectiveSettings(engine.model?.generation, useSettings.getState().overrides);
  const startedAt = performance.now();
  set({ streaming: { conversationId: conversation.id, text: '', generated: 0, elapsedMs: 0, decodeTokPerS: 0, startedAt }, error: undefined });
  try {
    const result = await engineClient().chat({ messages: requestMessages(conversation), ...requestSettings(settings) }, (e) =>
      set(({ streaming: s }) =>
        s
          ? { streaming: { ...s, text: s.text + e.text, generated: e.generated, elapsedMs: e.elapsedMs, decodeTokPerS: e.decodeTokPerS, ttftMs: s.ttftMs ?? performance.now() - s.startedAt } }
          : {},
      ),
    );
    setContextUsed(result.contextUsed, result.contextSize);
    // The conversation may have been renamed meanwhile (or deleted: then the reply has no home).
    // An empty reply is kept too: its stats say why it ended.
    const current = findConversation(conversation.id);
    if (current) {
      putConversation(appendTurn(current, { id: crypto.randomUUID(), role: 'assistant', content: result.text, createdAt: Date.now(), stats: statsOf(result) }));
    }
  } catch (e) {
    set({ error: { conversationId: conversation.id, message: describeError(e) } });
  } finally {
    set({ streaming: undefined });
  }
}

export function send(text: string): Promise<void> {
  if (text.trim() === '' || !canAsk()) return Promise.resolve();
  const c = activeConversation() ?? newConversation();
  const next = appendTurn(c, { id: crypto.randomUUID(), role: 'user', content: text, createdAt: Date.now() });
  putConversation(next);
  return ask(next);
}

export function regenerate(conversationId: string): Promise<void> {
  const c = findConversation(conversationId);
  if (!c || c.messages.length === 0 || !canAsk()) return Promise.resolve();
  const next = withoutLastReply(c, Date.now());
  if (next !== c) putConversation(next);
  return ask(next);
}

export function editAndResend(conversationId: string, turnId: string, text: string): Promise<void> {
  const c = findConversation(conversationId);
  if (!c || text.trim() === '' || !canAsk()) return Promise.resolve();
  const next = editTurn(c, turnId, text, Date.now());
  putConversation(next);
  return ask(next);
}

export function stop(): void {
  if (isGenerating()) engineClient().stop();
}

export function dismissError(): void {
  set({ error: undefined });
}
