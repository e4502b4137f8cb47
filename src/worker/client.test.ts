// EngineClient and EngineHost over a real message channel (structured clone, asynchronous
// delivery, as between a page and its worker), with generated models served from memory: load
// progress, streaming, stop, busy, errors, unload, GPU device loss, and roofline requests.
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { formatChat } from '../model/chat-format.ts';
import { MemorySource, type ByteSource } from '../model/source.ts';
import { buildGguf } from '../model/test-models.ts';
import { nodeGpu } from '../node/gpu.ts';
import { loadShaderLibrary } from '../node/shaders.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { StorageError } from '../storage/types.ts';
import type { BackendEnv } from './backend-select.ts';
import { EngineClient, EngineError, type WorkerLike } from './client.ts';
import { EngineHost } from './host.ts';
import type { ChatRequest, LoadPhase, Roofline, WorkerEvent } from './protocol.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { openGguf } from '../model/load-gguf.ts';

const SHAPE = 'dim=256,ffn=512,layers=2,heads=2,kv=1,vocab=300,ctx=1024';
let gguf: Uint8Array;
let tok: BitnetTokenizer;
beforeAll(async () => {
  gguf = (await buildGguf({ format: 'i2_s', shape: SHAPE, seed: 3 })).bytes;
  tok = BitnetTokenizer.fromSource((await openGguf(new MemorySource(gguf))).tokenizer);
});

const MODELS: Record<string, () => Map<string, ByteSource>> = {
  tiny: () => new Map([['tiny.gguf', new MemorySource(gguf, 'tiny.gguf')]]),
  broken: () => new Map([['broken.gguf', new MemorySource(new Uint8Array(64), 'broken.gguf')]]),
};

const wasmEnv = (gpu?: GPU): BackendEnv => ({ gpu, shaders: loadShaderLibrary, wasmKernels: (build) => wasmKernelBytes(build) });

/** A stand-in for the browser's roofline probes (which need Workers): figures that grow with threads. */
const fakeRoofline = async (threads: number): Promise<Roofline> => ({ threads, build: 'simd', readGBs: 10 * threads, maddGMACs: 30 * threads });

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** A client wired to a host through a MessageChannel, as the worker would be. */
function connect(o: { env?: BackendEnv; sharedStop?: boolean } = {}) {
  const channel = new MessageChannel();
  const host = new EngineHost({
    post: (e) => channel.port1.postMessage(e),
    async openModel(modelId) {
      const files = MODELS[modelId];
      if (!files) throw new StorageError('not-found', `model ${modelId} is not in the cache`);
      return { name: `${modelId} model`, files: files() };
    },
    backend: o.env ?? wasmEnv(),
    roofline: fakeRoofline,
    yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
  });
  channel.port1.onmessage = (e) => host.handle(e.data);
  const worker: WorkerLike = {
    postMessage: (m) => channel.port2.postMessage(m),
    onmessage: null,
    onerror: null,
    terminate: () => channel.port1.close(),
  };
  channel.port2.onmessage = (e) => worker.onmessage?.(e as MessageEvent<WorkerEvent>);
  closers.push(() => {
    channel.port1.close();
    channel.port2.close();
  });
  return new EngineClient(worker, o.sharedStop ?? false);
}

const load = (client: EngineClient, backend: 'wasm' | 'webgpu' = 'wasm', onProgress?: (p: LoadPhase, f: number) => void) =>
  client.load('tiny', { backend, hubBase: 'https://hub.invalid', contextSize: 512, onProgress });

const ask = (content: string, maxTokens = 8): ChatRequest => ({ messages: [{ role: 'user', content }], maxTokens, sampling: { temperature: 0 } });

/** Rejects with an EngineError of `code`. */
async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  expect((e as EngineError).code, (e as Error).message).toBe(code);
  if (message) expect((e as Error).message).toMatch(message);
}

describe('EngineClient with EngineHost', () => {
  test('load reports its phases and the model; chat streams the reply; the next turn reuses the cache', async () => {
    const client = connect();
    const progress: [LoadPhase, number][] = [];
    const loaded = await load(client, 'wasm', (p, f) => progress.push([p, f]));
    expect(loaded.model).toMatchObject({ modelId: 'tiny', name: 'tiny model', weightFormat: 'I2_S', dim: 256, nLayers: 2, vocabSize: 556, contextSize: 512 });
    expect(loaded.backend).toMatchObject({ backend: 'wasm', reason: 'WASM (chosen)', threads: 1 });
    expect(loaded.memory.weightBytes).toBeGreaterThan(0);
    expect(loaded.memory.kvCacheBytes).toBe(2 * 2 * 512 * 128 * 4);
    expect(progress.map(([p]) => p).filter((p, i, a) => p !== a[i - 1])).toEqual(['open', 'compile', 'weights']);
    const weights = progress.filter(([p]) => p === 'weights').map(([, f]) => f);
    expect(weights.length).toBeGreaterThan(5); // reported as bytes are read, not only at the ends
    expect(weights.every((f, i) => i === 0 || f >= weights[i - 1])).toBe(true);
    expect(weights.at(-1)).toBe(1);

    const pieces: string[] = [];
    const r1 = await client.chat(ask('hello, who are you?'), (e) => pieces.push(e.text));
    expect(pieces.join('')).toBe(r1.text);
    expect(r1).toMatchObject({ reusedTokens: 0, promptTokens: formatChat(tok, ask('hello, who are you?').messages).length, contextSize: 512 });
    expect(r1.generatedTokens).toBeGreaterThan(0);
    const turn2: ChatRequest = { ...ask('and then?'), messages: [...ask('hello, who are you?').messages, { role: 'assistant', content: r1.text }, { role: 'user', content: 'and then?' }] };
    const counted = await client.count(turn2.messages, turn2.maxTokens);
    const r2 = await client.chat(turn2, () => undefined);
    expect(r2.reusedTokens).toBe(r1.contextUsed);
    expect(counted).toEqual({ tokens: r2.promptTokens, contextSize: 512, droppedMessages: 0 });
    expect((await client.memory()).kvCacheBytes).toBe(loaded.memory.kvCacheBytes);
  });

  test('a second chat while one runs is refused as busy; the first finishes', async () => {
    const client = connect();
    await load(client);
    const first = client.chat(ask('one', 16), () => undefined);
    await expectCode(client.chat(ask('two'), () => undefined), 'busy');
    expect((await first).stopReason).not.toBe('aborted');
    expect((await client.chat(ask('three'), () => undefined)).promptTokens).toBeGreaterThan(0);
  });

  test('stop() through a message ends the reply within a token, and the next chat works', async () => {
    const client = connect();
    await load(client);
    let seen = 0;
    const r = await client.chat(ask('tell me everything', 400), (e) => {
      seen = e.generated;
      if (e.generated === 2) client.stop();
    });
    expect(r.stopReason).toBe('aborted');
    // The stop reaches the worker after at most a few more tokens (it runs while the message travels).
    expect(r.generatedTokens).toBeLessThan(20);
    expect(seen).toBe(r.generatedTokens);
    expect((await client.chat(ask('again'), () => undefined)).stopReason).not.toBe('aborted');
  });

  test('stop through the shared flag: the worker sees it at the next token (and refuses a second chat)', async () => {
    const events: WorkerEvent[] = [];
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const host = new EngineHost({
      post: (e) => {
        events.push(e);
        if (e.type === 'token' && e.generated === 3) Atomics.store(flag, 0, 1);
      },
      openModel: async () => ({ name: 'tiny', files: MODELS.tiny() }),
      backend: wasmEnv(),
      roofline: fakeRoofline,
      yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
    });
    host.handle({ type: 'init', stopFlag: flag.buffer as SharedArrayBuffer });
    host.handle({ type: 'load', id: 1, modelId: 'tiny', backend: 'wasm', hubBase: '', contextSize: 512 });
    host.handle({ type: 'chat', id: 2, request: ask('count to a hundred', 400) });
    host.handle({ type: 'chat', id: 3, request: ask('me too') }); // the host refuses a second chat too
    await expect.poll(() => events.find((e) => e.type === 'chat-done' || (e.type === 'error' && e.id === 2)), { timeout: 30_000 }).toBeDefined();
    expect(events.find((e) => e.type === 'chat-done')).toMatchObject({ id: 2, result: { stopReason: 'aborted', generatedTokens: 3 } });
    expect(events.find((e) => e.type === 'error')).toMatchObject({ id: 3, code: 'busy' });
  });

  test('errors carry the code of their cause', async () => {
    const client = connect();
    await expectCode(client.chat(ask('hi'), () => undefined), 'no-model', /no model is loaded/);
    await expectCode(client.count(ask('hi').messages), 'no-model');
    await expectCode(client.load('missing', { backend: 'wasm', hubBase: '' }), 'not-found', /not in the cache/);
    await expectCode(client.load('broken', { backend: 'wasm', hubBase: '' }), 'bad-magic', /broken\.gguf/);
    await load(client);
    await expectCode(client.chat(ask('word '.repeat(600)), () => undefined), 'context', /too long/);
    await expectCode(client.chat({ ...ask('hi'), maxTokens: 0 }, () => undefined), 'bad-request');
    expect((await client.chat(ask('hi'), () => undefined)).promptTokens).toBeGreaterThan(0);
  });

  test('unload frees the model; loading again works; a load cuts a running reply short', async () => {
    const client = connect();
    await load(client);
    await client.unload();
    expect(await client.memory()).toMatchObject({ weightBytes: 0, kvCacheBytes: 0 });
    await expectCode(client.chat(ask('hi'), () => undefined), 'no-model');
    await load(client);
    let reloaded: ReturnType<typeof load> | undefined;
    const running = await client.chat(ask('a long story please', 400), (e) => {
      if (e.generated === 1) reloaded = load(client);
    });
    expect(running.stopReason).toBe('aborted');
    expect(await reloaded).toMatchObject({ model: { modelId: 'tiny' } });
  });

  test('WebGPU: chats reuse the cache on the device; a lost device is reported and later chats fail until reloaded', async () => {
    const devices: GPUDevice[] = [];
    const gpu = await nodeGpu();
    // Dawn's GPU, recording the devices it makes.
    const recording = {
      wgslLanguageFeatures: gpu.wgslLanguageFeatures,
      requestAdapter: async (o?: GPURequestAdapterOptions) => {
        const a = await gpu.requestAdapter(o);
        if (!a) return null;
        return new Proxy(a, {
          get: (t, k) => {
            if (k === 'requestDevice') return async (d?: GPUDeviceDescriptor) => (devices[devices.length] = await t.requestDevice(d));
            const v = Reflect.get(t, k, t) as unknown;
            return typeof v === 'function' ? v.bind(t) : v;
          },
        });
      },
    } as unknown as GPU;
    const client = connect({ env: wasmEnv(recording) });
    const lost: string[] = [];
    client.onDeviceLost((reason) => lost.push(reason));
    const loaded = await load(client, 'webgpu');
    expect(loaded.backend.backend).toBe('webgpu');
    const r1 = await client.chat(ask('hello there'), () => undefined);
    const r2 = await client.chat({ ...ask(''), messages: [...ask('hello there').messages, { role: 'assistant', content: r1.text }, { role: 'user', content: 'more' }] }, () => undefined);
    expect(r2.reusedTokens).toBe(r1.contextUsed);
    await client.unload(); // a release on purpose is no loss
    await load(client, 'webgpu');
    expect(devices).toHaveLength(2);
    devices[1].destroy();
    await expect.poll(() => lost).toHaveLength(1);
    await expectCode(client.chat(ask('hi'), () => undefined), 'device-lost', /load the model again/);
    await load(client, 'webgpu');
    expect((await client.chat(ask('hi'), () => undefined)).generatedTokens).toBeGreaterThan(0);
    expect(lost).toHaveLength(1);
  });
});

describe('bench', () => {
  const bench = (backend: 'wasm' | 'webgpu' = 'wasm') => ({ model: { kind: 'loaded' as const }, backend, threads: 1, p: 6, n: 3, r: 2, profile: false });

  test('measures the loaded model, then the next chat starts from a clean cache with the same reply', async () => {
    const client = connect();
    await load(client);
    const before = await client.chat(ask('Hello there'), () => {});
    const events: string[] = [];
    const r = await client.bench(bench(), (e) => events.push(e.test ? `${e.test}${e.rep}` : e.phase));
    expect(events).toEqual(['run', 'pp0', 'tg0', 'pp1', 'tg1']);
    expect(r.prefill!.samples.every((v) => v > 0) && r.decode!.samples.every((v) => v > 0)).toBe(true);
    expect(r.prefill_tok_s).toBe(r.prefill!.median);
    expect([r.backend, r.threads, r.model.source, r.model.weight_format, r.model.layers]).toEqual(['wasm', 1, 'loaded', 'I2_S', 2]);
    expect(r.decode_bytes_per_token).toBeGreaterThan(0);
    const after = await client.chat(ask('Hello there'), () => {});
    expect(after.reusedTokens).toBe(0);
    expect(after.text).toBe(before.text);
  });

  test('int8 LM head: a load runs the head asked for, and a bench of the loaded model needs that head', async () => {
    const client = connect();
    expect((await load(client)).backend.lmHead).toBe('exact');
    const exact = await client.bench(bench(), () => {});
    const loaded = await client.load('tiny', { backend: 'wasm', hubBase: '', contextSize: 512, lmHead: 'int8' });
    expect(loaded.backend).toMatchObject({ backend: 'wasm', lmHead: 'int8' });
    expect((await client.chat(ask('hello'), () => {})).generatedTokens).toBeGreaterThan(0);
    const int8 = await client.bench({ ...bench(), lmHead: 'int8' }, () => {});
    expect([exact.lm_head, int8.lm_head]).toEqual(['exact', 'int8']);
    // Bytes per token count the head the engine holds, and the int8 one is smaller than the file's.
    expect(int8.decode_bytes_per_token).toBeLessThan(exact.decode_bytes_per_token);
    await expectCode(client.bench(bench(), () => {}), 'internal', /runs the int8 LM head, not exact/);
  });

  test('refuses a bench without a model, on another backend, or while a chat runs; stops on request', async () => {
    const client = connect();
    await expectCode(client.bench(bench(), () => {}), 'internal', /no model is loaded/);
    await load(client);
    await expectCode(client.bench(bench('webgpu'), () => {}), 'internal', /runs on wasm/);
    const chat = client.chat(ask('Hi', 64), () => {});
    await expectCode(client.bench(bench(), () => {}), 'busy');
    await chat;
    const running = client.bench({ ...bench(), n: 200, r: 5 }, (e) => e.test === 'pp' && client.stop());
    await expectCode(running, 'internal', /benchmark stopped/);
  });
});

describe('roofline', () => {
  /** A page that can run threads (none starts: the probes are fakeRoofline). */
  const threaded = (cores: number): BackendEnv => ({
    ...wasmEnv(),
    cores,
    spawnThread: () => {
      throw new Error('no kernel threads here');
    },
  });

  test('measures each thread count in order, naming the one in progress', async () => {
    const client = connect({ env: threaded(2) });
    const seen: number[] = [];
    const roofs = await client.roofline([1, 2, 8], (t) => seen.push(t));
    expect(seen).toEqual([1, 2, 8]);
    expect(roofs.map((r) => [r.threads, r.readGBs, r.maddGMACs])).toEqual([[1, 10, 30], [2, 20, 60], [8, 80, 240]]);
  });

  test('refuses thread counts beyond what the page runs (a bench caps them instead: its result says so)', async () => {
    const many = connect({ env: threaded(16) });
    await expectCode(many.roofline([1, 9, 16]), 'threads', /at 9, 16 threads: this page runs at most 8 WASM threads/);
    await expectCode(many.roofline([]), 'threads', /at least one/);
    const single = connect();
    await expectCode(single.roofline([1, 2]), 'threads', /at 2 threads: this page runs WASM on one thread/);
    expect((await single.roofline([1]))[0].threads).toBe(1);
  });
});
