// The engine worker's logic, apart from the worker global so that Node tests can drive it: answers
// requests with events, runs loads, chats and unloads one after another, and keeps count and
// memory answering meanwhile. What the browser provides (the model cache, WebGPU, the WASM
// kernel files, posting) comes in through HostDeps.
import { ContextFullError } from '../engine/engine.ts';
import type { GpuContext } from '../engine/webgpu/context.ts';
import { GpuError } from '../engine/webgpu/errors.ts';
import type { ChatMessage } from '../model/chat-format.ts';
import { FormatError } from '../model/errors.ts';
import type { ModelFile } from '../model/model-file.ts';
import type { ByteSource } from '../model/source.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { StorageError } from '../storage/types.ts';
import { openBackend, wasmThreads, type BackendEnv } from './backend-select.ts';
import { benchTarget, runBench, type BenchTarget } from './bench-runner.ts';
import { ChatSession } from './chat-session.ts';
import { openModelFiles } from './open-model.ts';
import { ChatError } from './prompt.ts';
import type { BackendInfo, BenchRequest, ChatRequest, InitMessage, LoadPhase, MemoryReport, ModelSummary, Request, RequestMessage, Roofline, StopMessage, WorkerEvent } from './protocol.ts';

export interface HostDeps {
  post(event: WorkerEvent): void;
  /** A cached model's files, and the name to show for it. */
  openModel(modelId: string, hubBase: string): Promise<{ name: string; files: Map<string, ByteSource> }>;
  backend: BackendEnv;
  /** Measures the WASM roofline on `threads` probe threads (src/bench/roofline.ts in the browser). */
  roofline(threads: number): Promise<Roofline>;
  /** Resolves once the messages already queued for the worker have been handled. */
  yieldToEvents(): Promise<void>;
}

/** Errors the host itself raises (their code goes to the UI as is). */
export class HostError extends Error {
  override name = 'HostError';
  constructor(
    readonly code: 'no-model' | 'busy' | 'device-lost' | 'threads',
    message: string,
  ) {
    super(message);
  }
}

interface Loaded {
  session: ChatSession;
  file: ModelFile;
  model: ModelSummary;
  backend: BackendInfo;
  gpu?: GpuContext;
  release(): void;
  /** Set when the GPU device was lost: the model must be loaded again. */
  lost?: string;
}

export class EngineHost {
  private loaded: Loaded | undefined;
  /** The chat in progress or queued (one at a time). */
  private chatting: AbortController | undefined;
  /** The benchmark in progress, if any (stopped like a chat). */
  private benching: AbortController | undefined;
  private stopFlag: Int32Array | undefined;
  /** Loads, chats and unloads run in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: HostDeps) {}

  handle(msg: InitMessage | StopMessage | RequestMessage): void {
    switch (msg.type) {
      case 'init':
        this.stopFlag = msg.stopFlag && new Int32Array(msg.stopFlag);
        return;
      case 'stop':
        this.chatting?.abort();
        this.benching?.abort();
        return;
      case 'bench':
        return this.startBench(msg.id, msg.bench);
      case 'roofline':
        // In the queue: a measurement beside a chat or benchmark would measure neither.
        return this.serial(msg.id, () => this.roofline(msg.id, msg.threads));
      case 'count':
        return this.answer(msg.id, () => this.count(msg.id, msg.messages, msg.maxTokens));
      case 'memory':
        return this.answer(msg.id, () => ({ type: 'memory', id: msg.id, memory: this.memory() }));
      case 'chat':
        return this.startChat(msg.id, msg.request);
      case 'load':
      case 'unload':
        // A new model or none: the reply in progress is cut short, not waited for.
        this.chatting?.abort();
        return this.serial(msg.id, () => (msg.type === 'load' ? this.load(msg.id, msg) : this.unload(msg.id)));
    }
  }

  private answer(id: number, fn: () => WorkerEvent): void {
    try {
      this.deps.post(fn());
    } catch (e) {
      this.deps.post(errorEvent(id, e));
    }
  }

  private serial(id: number, job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((e: unknown) => this.deps.post(errorEvent(id, e)));
  }

  private require(): Loaded {
    if (!this.loaded) throw new HostError('no-model', 'no model is loaded');
    return this.loaded;
  }

  private count(id: number, messages: ChatMessage[], maxTokens?: number): WorkerEvent {
    const { session } = this.require();
    return { type: 'count', id, ...session.count(messages, maxTokens), contextSize: session.engine.contextSize };
  }

  private memory(): MemoryReport {
    const stats = this.loaded?.session.engine.memory();
    const js = (performance as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
    return { weightBytes: stats?.weightBytes ?? 0, kvCacheBytes: stats?.kvCacheBytes ?? 0, wasmHeapBytes: stats?.wasmHeapBytes, jsHeapBytes: js };
  }

  private startChat(id: number, request: ChatRequest): void {
    if (this.chatting) return this.deps.post(errorEvent(id, new HostError('busy', 'a reply is being generated: stop it or wait for it first')));
    const abort = new AbortController();
    this.chatting = abort;
    this.serial(id, async () => {
      try {
        await this.chat(id, request, abort);
      } finally {
        if (this.chatting === abort) this.chatting = undefined;
      }
    });
  }

  private startBench(id: number, req: BenchRequest): void {
    if (this.chatting || this.benching) return this.deps.post(errorEvent(id, new HostError('busy', 'the engine is busy: stop the reply or benchmark in progress first')));
    const abort = new AbortController();
    this.benching = abort;
    this.serial(id, async () => {
      const l = this.loaded;
      const progress = (p: Omit<Extract<WorkerEvent, { type: 'bench-progress' }>, 'type' | 'id'>) => this.deps.post({ type: 'bench-progress', id, ...p });
      let target: BenchTarget | undefined;
      try {
        target = await benchTarget(req, this.deps.backend, l && { model: l.file, name: l.model.name, engine: l.session.engine, backend: l.backend }, progress);
        this.deps.post({ type: 'bench-done', id, result: await runBench(req, target, { signal: abort.signal, betweenSteps: () => this.letStopIn(abort) }, progress) });
      } finally {
        if (this.benching === abort) this.benching = undefined;
        // A generated model's engine goes; the loaded one stays, its cache no longer the chat's.
        if (target?.release) target.release();
        else if (target) l?.session.forget();
      }
    });
  }

  /**
   * Between tokens: yields to the worker's queue, even with a stop flag, since a synchronous WASM
   * forward pass would otherwise hold a stop message, count and memory requests until it ends.
   */
  private async letStopIn(abort: AbortController): Promise<void> {
    await this.deps.yieldToEvents();
    if (this.stopFlag && Atomics.load(this.stopFlag, 0) !== 0) abort.abort();
  }

  private async roofline(id: number, threads: number[]): Promise<void> {
    // Refused rather than capped as a bench is: a capped count would report another count's ceiling.
    const most = wasmThreads(this.deps.backend, Infinity);
    const bad = threads.filter((t) => !(Number.isInteger(t) && t >= 1 && t <= most));
    if (threads.length === 0) throw new HostError('threads', 'WASM ceilings: give at least one thread count');
    if (bad.length > 0) {
      const why = most === 1 ? 'this page runs WASM on one thread (threads need cross-origin isolation)' : `this page runs at most ${most} WASM threads`;
      throw new HostError('threads', `WASM ceilings at ${bad.join(', ')} threads: ${why}`);
    }
    const rooflines: Roofline[] = [];
    for (const t of threads) {
      this.deps.post({ type: 'roofline-progress', id, threads: t });
      rooflines.push(await this.deps.roofline(t));
    }
    this.deps.post({ type: 'roofline-done', id, rooflines });
  }

  private async chat(id: number, request: ChatRequest, abort: AbortController): Promise<void> {
    const loaded = this.require();
    if (loaded.lost) throw new HostError('device-lost', `the GPU device was lost (${loaded.lost}): load the model again`);
    const result = await loaded.session.chat(request, {
      signal: abort.signal,
      betweenTokens: () => this.letStopIn(abort),
      onToken: (text, p) => this.deps.post({ type: 'token', id, text, ...p }),
    });
    this.deps.post({ type: 'chat-done', id, result });
  }

  private async load(id: number, req: Extract<Request, { type: 'load' }>): Promise<void> {
    const t0 = performance.now();
    this.release();
    const progress = (phase: LoadPhase, fraction: number) => this.deps.post({ type: 'load-progress', id, phase, fraction });
    progress('open', 0);
    const { name, files } = await this.deps.openModel(req.modelId, req.hubBase);
    // Weight progress is the share of the files' bytes read since the phase began.
    const total = [...files.values()].reduce((a, s) => a + s.size, 0);
    let read = 0;
    let weightsFrom = -1;
    let posted = 0;
    const onRead = (bytes: number) => {
      read += bytes;
      const fraction = weightsFrom < 0 ? 0 : Math.min(1, (read - weightsFrom) / total);
      if (fraction - posted >= 0.01) progress('weights', (posted = fraction));
    };
    const model = await openModelFiles(new Map([...files].map(([n, src]) => [n, counting(src, onRead)])), name);
    const tokenizer = BitnetTokenizer.fromSource(model.tokenizer);
    progress('open', 1);
    const opened = await openBackend(model, req.backend, req.contextSize ?? model.config.contextLength, this.deps.backend, (phase) => {
      if (phase === 'weights') [weightsFrom, posted] = [read, 0];
      progress(phase, 0);
    }, { lmHead: req.lmHead });
    progress('weights', 1);
    const { engine } = opened;
    const c = model.config;
    const loaded: Loaded = {
      session: new ChatSession(engine, tokenizer, engine.backend === 'webgpu'),
      file: model,
      model: {
        modelId: req.modelId, name, weightFormat: model.weightFormat, embeddingType: model.embeddingType,
        dim: c.dim, nLayers: c.nLayers, vocabSize: c.vocabSize, contextSize: engine.contextSize, generation: model.generation,
      },
      backend: opened.info,
      gpu: opened.gpu,
      release: opened.release,
    };
    this.loaded = loaded;
    void opened.gpu?.device.lost.then((info) => {
      if (this.loaded !== loaded) return; // released on purpose
      loaded.lost = info.message || info.reason || 'unknown reason';
      this.deps.post({ type: 'device-lost', reason: loaded.lost });
    });
    this.deps.post({ type: 'loaded', id, model: loaded.model, backend: loaded.backend, loadMs: performance.now() - t0, memory: this.memory() });
  }

  private async unload(id: number): Promise<void> {
    this.release();
    this.deps.post({ type: 'unloaded', id });
  }

  private release(): void {
    const l = this.loaded;
    this.loaded = undefined;
    l?.release();
  }
}

/** A source that reports the bytes each read returns. */
function counting(src: ByteSource, onRead: (bytes: number) => void): ByteSource {
  return {
    size: src.size,
    name: src.name,
    read: async (offset, length, into) => {
      const out = await src.read(offset, length, into);
      onRead(length);
      return out;
    },
  };
}

export function errorEvent(id: number, e: unknown): WorkerEvent {
  if (e instanceof HostError || e instanceof ChatError || e instanceof FormatError || e instanceof StorageError || e instanceof GpuError) return { type: 'error', id, code: e.code, message: e.message };
  if (e instanceof ContextFullError) return { type: 'error', id, code: 'context', message: e.message };
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { type: 'error', id, code: 'internal', message };
}
