// Conversations on a generated model with the WASM engine (bit-identical to the reference): KV
// reuse across turns must give exactly what a fresh engine gives for the same prompt, roll-backs
// (regenerate, edit) must prefill only from the branch point, and the context limits must hold.
import { beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../engine/engine.ts';
import { generate } from '../engine/generate.ts';
import { Sampler, type SamplingParams } from '../engine/sampler.ts';
import { WasmKernels } from '../engine/wasm/kernels.ts';
import { WasmEngine } from '../engine/wasm-engine.ts';
import { formatChat, type ChatMessage } from '../model/chat-format.ts';
import type { ModelFile } from '../model/model-file.ts';
import { openSynthetic } from '../model/test-models.ts';
import { BitnetTokenizer } from '../model/tokenizer.ts';
import { wasmKernelBytes } from '../node/wasm-bytes.ts';
import { ChatSession } from './chat-session.ts';
import type { ChatRequest } from './protocol.ts';

const SHAPE = 'dim=256,ffn=512,layers=2,heads=2,kv=1,vocab=300,ctx=512';
const GREEDY_ARGS: Partial<SamplingParams> = { temperature: 0 };

let model: ModelFile;
let tok: BitnetTokenizer;
let kernelBytes: Uint8Array;
beforeAll(async () => {
  model = await openSynthetic({ format: 'i2_s', shape: SHAPE, seed: 3 });
  tok = BitnetTokenizer.fromSource(model.tokenizer);
  kernelBytes = await wasmKernelBytes('simd');
});

const wasm = async (ctx = 512) => WasmEngine.load(model, await WasmKernels.create(kernelBytes.slice()), ctx);

/** Records the tokens of every forward call. */
function recordFeeds(engine: Engine): number[][] {
  const feeds: number[][] = [];
  const forward = engine.forward.bind(engine) as (t: ArrayLike<number>) => Promise<Float32Array>;
  (engine as { forward: unknown }).forward = (t: ArrayLike<number>) => {
    feeds.push(Array.from(t));
    return forward(t);
  };
  return feeds;
}

/** Greedy ids from a fresh engine fed the whole prompt at once, and the stop ids the session uses. */
async function fromScratch(prompt: number[], maxTokens: number, sampling: Partial<SamplingParams> = GREEDY_ARGS) {
  return generate(await wasm(), tok, prompt, { maxTokens, sampler: new Sampler(sampling), stopIds: new Set(tok.eosIds), skipSpecial: true });
}

const user = (content: string): ChatMessage => ({ role: 'user', content });
const reply = (content: string): ChatMessage => ({ role: 'assistant', content });
const SYSTEM: ChatMessage = { role: 'system', content: 'You answer in short sentences.' };
const ask = (messages: ChatMessage[], maxTokens = 12, sampling = GREEDY_ARGS): ChatRequest => ({ messages, maxTokens, sampling });

describe('ChatSession', () => {
  test('a second turn prefills only its new tokens and answers exactly as a fresh engine does', async () => {
    const engine = await wasm();
    const feeds = recordFeeds(engine);
    const session = new ChatSession(engine, tok);
    const turn1 = [SYSTEM, user('hello there, how are you?')];
    const r1 = await session.chat(ask(turn1));
    const p1 = formatChat(tok, turn1);
    expect(r1).toMatchObject({ promptTokens: p1.length, reusedTokens: 0, droppedMessages: 0, contextSize: 512 });
    expect(r1.generatedTokens).toBeGreaterThan(2); // a real reply, else the reuse below proves little
    expect(feeds[0]).toEqual(p1);
    // Every generated id but the last is fed; a stop token is never fed.
    expect(r1.contextUsed).toBe(p1.length + r1.generatedTokens - (r1.stopReason === 'stop-token' ? 0 : 1));

    const turn2 = [...turn1, reply(r1.text), user('and what about tomorrow?')];
    const { ids: p2 } = session.prompt(turn2, 12);
    feeds.length = 0;
    const r2 = await session.chat(ask(turn2));
    expect(r2.reusedTokens).toBe(r1.contextUsed);
    expect(r2.promptTokens).toBe(p2.length);
    expect(feeds[0]).toEqual(p2.slice(r1.contextUsed));
    const fresh = await fromScratch(p2, 12);
    expect({ ids: r2.generatedTokens, text: r2.text, stop: r2.stopReason }).toEqual({ ids: fresh.ids.length, text: fresh.text, stop: fresh.stopReason });

    // The cache holds exactly what a fresh engine computes: the next logits agree bit for bit.
    const probe = 17;
    const other = await wasm();
    const cachedIds = [...p2, ...fresh.ids].slice(0, engine.position);
    const want = await other.forward([...cachedIds, probe]);
    const got = await engine.forward([probe]);
    expect(got.findIndex((v, i) => !Object.is(v, want[i]))).toBe(-1);
  });

  test('penalties see the earlier turns: the reused run draws what a fresh run with the whole history draws', async () => {
    const sampling = { temperature: 0, repetitionPenalty: 1.8, presencePenalty: 1.5, penaltyWindow: 0 };
    const session = new ChatSession(await wasm(), tok);
    const turn1 = [user('tell me a story about a cat')];
    const r1 = await session.chat(ask(turn1, 16, sampling));
    const turn2 = [...turn1, reply(r1.text), user('go on, make it longer')];
    const r2 = await session.chat(ask(turn2, 16, sampling));
    expect(r2.reusedTokens).toBeGreaterThan(0);
    const fresh = await fromScratch(session.prompt(turn2, 16).ids, 16, sampling);
    expect(r2.text).toBe(fresh.text);
  });

  test('regenerate and edit roll the cache back to the branch point', async () => {
    const engine = await wasm();
    const feeds = recordFeeds(engine);
    const session = new ChatSession(engine, tok);
    const turn1 = [SYSTEM, user('name three colours')];
    const r1 = await session.chat(ask(turn1));
    const turn2 = [...turn1, reply(r1.text), user('now three animals')];
    const r2 = await session.chat(ask(turn2));
    const p2 = session.prompt(turn2, 12).ids;

    // Regenerate: the same messages again; everything but the prompt's last token is reused.
    feeds.length = 0;
    const again = await session.chat(ask(turn2));
    expect(again.reusedTokens).toBe(p2.length - 1);
    expect(feeds[0]).toEqual(p2.slice(-1));
    expect(again.text).toBe(r2.text);

    // Edit the first user message: the cache is kept up to where the prompts part.
    const edited = [SYSTEM, user('name three shapes')];
    const pe = formatChat(tok, edited);
    let branch = 0;
    while (pe[branch] === p2[branch]) branch++;
    expect(branch).toBeGreaterThan(formatChat(tok, [SYSTEM]).length - 4); // at least BOS + the system message
    feeds.length = 0;
    const re = await session.chat(ask(edited));
    expect(re.reusedTokens).toBe(branch);
    expect(feeds[0]).toEqual(pe.slice(branch));
    const fresh = await fromScratch(pe, 12);
    expect(re.text).toBe(fresh.text);
  });

  test('a conversation too long for the context drops its oldest exchanges, keeping the system prompt', async () => {
    const ctx = 96;
    const session = new ChatSession(await wasm(ctx), tok);
    const msgs: ChatMessage[] = [SYSTEM];
    for (let i = 0; i < 5; i++) msgs.push(user(`question ${i}: what is the weather like?`), reply(`answer ${i}: it is sunny and warm`));
    msgs.push(user('thanks!'));
    const maxTokens = 8;
    // The independent expectation: the fewest whole exchanges to drop so that prompt + 8 fits.
    let drop = 0;
    while (formatChat(tok, [SYSTEM, ...msgs.slice(1 + drop)]).length + maxTokens > ctx) drop += 2;
    expect(drop).toBeGreaterThan(0);
    const counted = session.count(msgs, maxTokens);
    const r = await session.chat(ask(msgs, maxTokens));
    expect(r.droppedMessages).toBe(drop);
    expect(r.promptTokens).toBe(formatChat(tok, [SYSTEM, ...msgs.slice(1 + drop)]).length);
    expect(counted).toEqual({ tokens: r.promptTokens, droppedMessages: drop });
    expect(r.contextUsed).toBeLessThanOrEqual(ctx);
  });

  test('a single message longer than the context fails with code "context", and the session still works', async () => {
    const session = new ChatSession(await wasm(64), tok);
    const huge = user('word '.repeat(80));
    await expect(session.chat(ask([SYSTEM, user('hi'), reply('hello'), huge]))).rejects.toMatchObject({ name: 'ChatError', code: 'context', message: expect.stringMatching(/too long.*context of 64 tokens/) });
    // Reply reserve counts: a prompt that fits alone but not with min(maxTokens, 16) tokens after it.
    const fit = [user('a b c d e f g h i j k l m n o p q r s t u v w x y')];
    const n = formatChat(tok, fit).length;
    expect(n).toBeLessThan(64);
    expect(n + 16).toBeGreaterThan(64);
    await expect(session.chat(ask(fit, 100))).rejects.toMatchObject({ code: 'context' });
    expect((await session.chat(ask([user('hi')], 4))).promptTokens).toBe(formatChat(tok, [user('hi')]).length);
  });

  test('bad requests are refused before touching the cache', async () => {
    const session = new ChatSession(await wasm(), tok);
    await expect(session.chat(ask([user('hi')], 0))).rejects.toMatchObject({ code: 'bad-request' });
    await expect(session.chat(ask([user('hi')], 4, { temperature: -1 }))).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('temperature') });
    await expect(session.chat(ask([user('hi'), reply('hello')]))).rejects.toMatchObject({ code: 'bad-request' });
  });

  test('a stop ends the reply at once; the partial reply continues the cache exactly', async () => {
    const engine = await wasm();
    const session = new ChatSession(engine, tok);
    const controller = new AbortController();
    const turn1 = [user('count from one to twenty')];
    let pieces = '';
    const r1 = await session.chat(ask(turn1, 40), {
      signal: controller.signal,
      onToken: (text, p) => {
        pieces += text;
        if (p.generated === 3) controller.abort();
      },
    });
    expect(r1.stopReason).toBe('aborted');
    expect(r1.generatedTokens).toBe(3);
    expect(pieces).toBe(r1.text);
    const turn2 = [...turn1, reply(r1.text), user('continue')];
    const r2 = await session.chat(ask(turn2));
    expect(r2.reusedTokens).toBe(r1.contextUsed);
    expect(r2.text).toBe((await fromScratch(session.prompt(turn2, 12).ids, 12)).text);
  });
});
