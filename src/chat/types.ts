// A conversation as the app keeps it (IndexedDB) and exports it (JSON). The system prompt lives
// beside the turns, not among them, so it is kept whatever the context drops.
import type { StopReason } from '../engine/generate.ts';

/** How a reply was made: the worker's ChatResult, kept with the message it produced. */
export interface ReplyStats {
  stopReason: StopReason;
  promptTokens: number;
  /** Prompt tokens whose KV entries were reused from the previous turn. */
  reusedTokens: number;
  /** Oldest messages left out so that the prompt fit the context. */
  droppedMessages: number;
  generatedTokens: number;
  ttftMs: number;
  prefillTokPerS: number;
  decodeTokPerS: number;
  contextUsed: number;
  contextSize: number;
  /** The model and backend that wrote the reply, for the stats line and exports. */
  model?: string;
  backend?: string;
}

export interface Turn {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  createdAt: number;
  stats?: ReplyStats;
}

export interface Conversation {
  id: string;
  title: string;
  /** True once the user renamed it: the title then no longer follows the first message. */
  titleEdited: boolean;
  systemPrompt: string;
  messages: Turn[];
  createdAt: number;
  updatedAt: number;
}

export const STOP_REASONS: readonly StopReason[] = ['stop-token', 'max-tokens', 'context-full', 'aborted'];
