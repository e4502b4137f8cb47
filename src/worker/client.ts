// The UI's handle on the engine worker: typed promises over the message protocol, token
// streaming, stop, and device-loss notices. One chat at a time; a second is refused ('busy').
import type { ChatMessage } from '../model/chat-format.ts';
import type { BackendChoice, BackendInfo, BenchRequest, BenchResult, ChatRequest, ChatResult, InitMessage, LmHeadMode, LoadPhase, MemoryReport, ModelSummary, Request, RequestMessage, Roofline, StopMessage, WorkerEvent } from './protocol.ts';

/** A failed request: `code` as the worker sent it (see host.ts errorEvent), or 'busy' / 'terminated' / 'worker'. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What EngineClient needs of a Worker (tests pass a message channel). */
export interface WorkerLike {
  postMessage(message: InitMessage | StopMessage | RequestMessage): void;
  onmessage: ((e: MessageEvent<WorkerEvent>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
  terminate(): void;
}

export interface LoadOptions {
  backend: BackendChoice;
  hubBase: string;
  contextSize?: number;
  /** The LM head on WASM (default exact); WebGPU runs the exact one (see BackendInfo.lmHeadReason). */
  lmHead?: LmHeadMode;
  onProgress?: (phase: LoadPhase, fraction: number) => void;
}

export interface LoadedModel {
  model: ModelSummary;
  backend: BackendInfo;
  loadMs: number;
  memory: MemoryReport;
}

export type TokenEvent = Extract<WorkerEvent, { type: 'token' }>;
export type BenchProgress = Extract<WorkerEvent, { type: 'bench-progress' }>;

interface Pending {
  /** Handles each event for the request; returns true when it was the last. */
  onEvent(e: WorkerEvent): boolean;
  reject(e: EngineError): void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly lostListeners = new Set<(reason: string) => void>();
  /** The chat or benchmark in progress (one at a time). */
  private chatId: number | undefined;
  private readonly stopFlag: Int32Array | undefined;

  /** `sharedStop`: stop through shared memory (default: where the page is cross-origin isolated). */
  constructor(
    private readonly worker: WorkerLike,
    sharedStop = globalThis.crossOriginIsolated === true,
  ) {
    worker.onmessage = (e) => this.receive(e.data);
    worker.onerror = (e) => this.failAll(new EngineError('worker', `the engine worker failed: ${e.message || 'unknown error'}`));
    if (sharedStop) {
      const buffer = new SharedArrayBuffer(4);
      this.stopFlag = new Int32Array(buffer);
      worker.postMessage({ type: 'init', stopFlag: buffer });
    }
  }

  static create(): EngineClient {
    return new EngineClient(new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' }));
  }

  load(modelId: string, o: LoadOptions): Promise<LoadedModel> {
    return this.request({ type: 'load', modelId, backend: o.backend, hubBase: o.hubBase, contextSize: o.contextSize, lmHead: o.lmHead }, (e, done) => {
      if (e.type === 'load-progress') o.onProgress?.(e.phase, e.fraction);
      else if (e.type === 'loaded') done({ model: e.model, backend: e.backend, loadMs: e.loadMs, memory: e.memory });
    });
  }

  /** Streams the reply through onToken; a stop() ends it with stopReason 'aborted'. */
  chat(request: ChatRequest, onToken: (e: TokenEvent) => void): Promise<ChatResult> {
    return this.exclusive<ChatResult>({ type: 'chat', request }, (e, done) => {
      if (e.type === 'token') onToken(e);
      else if (e.type === 'chat-done') done(e.result);
    });
  }

  /** Runs a benchmark with progress as it goes; stop() ends it with an error. */
  bench(bench: BenchRequest, onProgress: (e: BenchProgress) => void): Promise<BenchResult> {
    return this.exclusive<BenchResult>({ type: 'bench', bench }, (e, done) => {
      if (e.type === 'bench-progress') onProgress(e);
      else if (e.type === 'bench-done') done(e.result);
    });
  }

  /**
   * The device's WASM roofline at each thread count, measured after what is queued (a few seconds
   * each); onProgress names the count being measured. Counts the page cannot run are an error ('threads').
   */
  roofline(threads: number[], onProgress?: (threads: number) => void): Promise<Roofline[]> {
    return this.request({ type: 'roofline', threads }, (e, done) => {
      if (e.type === 'roofline-progress') onProgress?.(e.threads);
      else if (e.type === 'roofline-done') done(e.rooflines);
    });
  }

  /** A chat or benchmark: one at a time, a second is refused ('busy'). */
  private exclusive<T>(req: Request, handle: (e: WorkerEvent, done: (value: T) => void) => void): Promise<T> {
    if (this.chatId !== undefined) return Promise.reject(new EngineError('busy', 'a reply is being generated: stop it or wait for it first'));
    if (this.stopFlag) Atomics.store(this.stopFlag, 0, 0);
    const id = this.nextId++;
    this.chatId = id;
    const settled = () => {
      if (this.chatId === id) this.chatId = undefined;
    };
    const result = this.request<T>(req, handle, id);
    result.then(settled, settled);
    return result;
  }

  /** Stops the reply (after the token being computed) or benchmark in progress; nothing if none runs. */
  stop(): void {
    if (this.chatId === undefined) return;
    if (this.stopFlag) Atomics.store(this.stopFlag, 0, 1);
    this.worker.postMessage({ type: 'stop' });
  }

  /** Prompt tokens of `messages` as a chat (with `maxTokens`) would send them, for a context meter. */
  count(messages: ChatMessage[], maxTokens?: number): Promise<{ tokens: number; contextSize: number; droppedMessages: number }> {
    return this.request({ type: 'count', messages, maxTokens }, (e, done) => {
      if (e.type === 'count') done({ tokens: e.tokens, contextSize: e.contextSize, droppedMessages: e.droppedMessages });
    });
  }

  memory(): Promise<MemoryReport> {
    return this.request({ type: 'memory' }, (e, done) => {
      if (e.type === 'memory') done(e.memory);
    });
  }

  unload(): Promise<void> {
    return this.request({ type: 'unload' }, (e, done) => {
      if (e.type === 'unloaded') done(undefined);
    });
  }

  /** Called when the GPU device is lost (the model must be loaded again); returns the unsubscribe. */
  onDeviceLost(cb: (reason: string) => void): () => void {
    this.lostListeners.add(cb);
    return () => this.lostListeners.delete(cb);
  }

  terminate(): void {
    this.worker.terminate();
    this.failAll(new EngineError('terminated', 'the engine worker was terminated'));
  }

  private request<T>(req: Request, handle: (e: WorkerEvent, done: (value: T) => void) => void, id = this.nextId++): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        reject,
        onEvent: (e) => {
          if (e.type === 'error') {
            reject(new EngineError(e.code, e.message));
            return true;
          }
          let finished = false;
          handle(e, (value) => {
            finished = true;
            resolve(value);
          });
          return finished;
        },
      });
      this.worker.postMessage({ ...req, id });
    });
  }

  private receive(e: WorkerEvent): void {
    if (e.type === 'device-lost') {
      for (const cb of this.lostListeners) cb(e.reason);
      return;
    }
    const p = this.pending.get(e.id);
    if (p?.onEvent(e)) this.pending.delete(e.id);
  }

  private failAll(error: EngineError): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.chatId = undefined;
  }
}
