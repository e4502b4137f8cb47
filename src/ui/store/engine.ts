// The engine worker as the page sees it: which model is loaded on which backend, load progress,
// memory, the context meter, and GPU device loss. The one EngineClient is created on first use
// and lives here; components only call the actions below.
import { create } from 'zustand';
import type { ChatMessage } from '../../model/chat-format.ts';
import { EngineClient } from '../../worker/client.ts';
import type { BackendInfo, LoadPhase, MemoryReport, ModelSummary } from '../../worker/protocol.ts';
import { describeError } from '../errors.ts';
import { hubBase, useSettings } from './settings.ts';

export type EngineStatus = 'idle' | 'loading' | 'ready' | 'error' | 'lost';

interface EngineState {
  status: EngineStatus;
  /** The model loaded, being loaded, or last tried. */
  modelId?: string;
  model?: ModelSummary;
  backend?: BackendInfo;
  loadMs?: number;
  loadPhase?: LoadPhase;
  loadFraction: number;
  memory?: MemoryReport;
  error?: string;
  lostReason?: string;
  /**
   * Tokens the conversation takes of the context (from count, or the last reply), and how many
   * oldest messages the next request would leave out to fit.
   */
  context?: { used: number; size: number; dropped: number };
}

export const useEngine = create<EngineState>()(() => ({ status: 'idle', loadFraction: 0 }));

let client: EngineClient | undefined;

export function engineClient(): EngineClient {
  if (client === undefined) {
    client = EngineClient.create();
    client.onDeviceLost((reason) => {
      stopTelemetry();
      useEngine.setState({ status: 'lost', lostReason: reason, model: undefined, memory: undefined, context: undefined });
    });
  }
  return client;
}

/** Memory is polled while a model is loaded; the KV cache grows as the conversation does. */
const TELEMETRY_MS = 2000;
let telemetry: ReturnType<typeof setInterval> | undefined;
const telemetryListeners = new Set<() => void>();

/** Something else to refresh on the same beat (the storage estimate). */
export function onTelemetry(fn: () => void): () => void {
  telemetryListeners.add(fn);
  return () => telemetryListeners.delete(fn);
}

function startTelemetry() {
  stopTelemetry();
  telemetry = setInterval(() => {
    void refreshMemory();
    for (const fn of telemetryListeners) fn();
  }, TELEMETRY_MS);
}

function stopTelemetry() {
  clearInterval(telemetry);
  telemetry = undefined;
}

let memoryPending = false;

async function refreshMemory(): Promise<void> {
  if (useEngine.getState().status !== 'ready' || memoryPending) return;
  memoryPending = true;
  try {
    const memory = await engineClient().memory();
    if (useEngine.getState().status === 'ready') useEngine.setState({ memory });
  } catch {
    // A missed sample keeps the last one on screen; the next tick tries again.
  } finally {
    memoryPending = false;
  }
}

export async function loadModel(modelId: string): Promise<void> {
  const { backend, lmHead, contextSize } = useSettings.getState();
  stopTelemetry();
  useEngine.setState({ status: 'loading', modelId, loadPhase: 'open', loadFraction: 0, error: undefined, lostReason: undefined, model: undefined, memory: undefined, context: undefined });
  try {
    const loaded = await engineClient().load(modelId, {
      backend,
      hubBase: hubBase(),
      contextSize,
      lmHead,
      onProgress: (loadPhase, loadFraction) => useEngine.setState({ loadPhase, loadFraction }),
    });
    useEngine.setState({ status: 'ready', model: loaded.model, backend: loaded.backend, loadMs: loaded.loadMs, memory: loaded.memory, loadPhase: undefined });
    startTelemetry();
  } catch (e) {
    useEngine.setState({ status: 'error', error: describeError(e), loadPhase: undefined });
  }
}

export async function unloadModel(): Promise<void> {
  stopTelemetry();
  try {
    await engineClient().unload();
    useEngine.setState({ status: 'idle', modelId: undefined, model: undefined, backend: undefined, memory: undefined, context: undefined, error: undefined });
  } catch (e) {
    useEngine.setState({ status: 'error', error: describeError(e) });
  }
}

let countSeq = 0;

/**
 * Counts the conversation's tokens as a request with this reply budget would send them; an answer
 * that a newer count overtook is dropped.
 */
export async function countContext(messages: ChatMessage[], maxTokens: number): Promise<void> {
  if (useEngine.getState().status !== 'ready') return;
  const seq = ++countSeq;
  try {
    const { tokens, contextSize, droppedMessages } = await engineClient().count(messages, maxTokens);
    if (seq === countSeq) useEngine.setState({ context: { used: tokens, size: contextSize, dropped: droppedMessages } });
  } catch {
    // The meter keeps its last value; the next change or reply corrects it.
  }
}

export function setContextUsed(used: number, size: number): void {
  countSeq++; // a count still in flight describes an older conversation
  useEngine.setState({ context: { used, size, dropped: 0 } });
}
