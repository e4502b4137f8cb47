// The CLI as a user runs it: the built bin/bitnet-web.js in a child process, on models it generates
// itself. Checks outputs and exit codes, not speed.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';

const BIN = new URL('../../bin/bitnet-web.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bitnet-cli-'));
const SHAPE = 'dim=256,ffn=512,layers=2,heads=4,kv=2,vocab=400,ctx=128';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function json(...args: string[]): Promise<Record<string, any>> {
  const r = await cli(...args, '--json');
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const model = (f: string) => join(dir, f);

beforeAll(async () => {
  for (const [format, out] of [['i2_s', 'm.gguf'], ['tq1_0', 'tq1.gguf'], ['hf', 'hf']]) {
    const r = await cli('make-model', '--shape', SHAPE, '--format', format, '--seed', '5', '--out', model(out));
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

describe('bitnet-web CLI', () => {
  test('info describes the model', async () => {
    const gguf = await json('info', model('m.gguf'));
    expect(gguf.config).toMatchObject({ arch: 'bitnet-b1.58', dim: 256, ffnDim: 512, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 656, activation: 'relu2' });
    expect(gguf.weightFormat).toBe('I2_S');
    expect(gguf.embeddingType).toBe('F16');
    const hf = await json('info', model('hf'));
    expect(hf.weightFormat).toBe('HF packed');
    expect(hf.generation).toMatchObject({ temperature: 0.6, topP: 0.9 });
  });

  test('tokenize: text (with BOS) and chat, the same ids from GGUF keys and tokenizer.json', async () => {
    const a = await json('tokenize', model('m.gguf'), '--text', 'Hello, world 12345');
    const b = await json('tokenize', model('hf'), '--text', 'Hello, world 12345');
    expect(a.ids[0]).toBe(400); // BOS sits right after the 400 kept BPE tokens
    expect(a.ids).toEqual(b.ids);
    expect(a.pieces).toHaveLength(a.ids.length);
    const chatFile = join(dir, 'chat.json');
    writeFileSync(chatFile, JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: ' Hi ' }]));
    const chat = await json('tokenize', model('m.gguf'), '--chat-json', chatFile);
    const text = (await json('tokenize', model('m.gguf'), '--text', 'System: ')).ids;
    expect(chat.ids.slice(0, text.length)).toEqual(text);
    expect(chat.pieces.at(-1)).toBe('Ġ'); // ends with "Assistant: "
  });

  test('generate: JSON keys, both backends give the same greedy ids, --prompt-ids fed as given', async () => {
    const args = ['generate', model('m.gguf'), '--prompt-ids', '400,10,20,30', '--max-tokens', '12', '--temperature', '0'];
    const wasm = await json(...args, '--backend', 'wasm');
    const ref = await json(...args, '--backend', 'reference');
    expect(Object.keys(wasm)).toEqual(expect.arrayContaining(['ids', 'text', 'prefill_tok_s', 'decode_tok_s']));
    expect(wasm.prompt_ids).toEqual([400, 10, 20, 30]);
    expect(wasm.ids).toEqual(ref.ids);
    expect(wasm.prefill_tok_s).toBeGreaterThan(0);
    const tq1 = await json('generate', model('tq1.gguf'), '--prompt-ids', '400,10,20,30', '--max-tokens', '12', '--temperature', '0');
    expect(tq1.ids).toHaveLength(12);
  });

  test('generate: seeded sampling is reproducible, chat prompts start with BOS', async () => {
    const args = ['generate', model('hf'), '--prompt', 'Tell me a story', '--chat', '--system', 'You are kind.', '--max-tokens', '10', '--seed', '42', '--temperature', '1.2'];
    const a = await json(...args);
    const b = await json(...args);
    expect(a.ids).toEqual(b.ids);
    expect(a.seed).toBe(42);
    expect(a.prompt_ids[0]).toBe(400);
  });

  test('logits: teacher-forced log-probabilities at every position', async () => {
    const r = await json('logits', model('m.gguf'), '--prompt-ids', '400,1,2,3,4', '--top', '3');
    expect(r.positions).toHaveLength(5);
    for (const p of r.positions) {
      expect(p.top).toHaveLength(3);
      expect(p.top[0].logprob).toBeGreaterThanOrEqual(p.top[1].logprob);
      if (p.next !== null) expect(p.next_logprob).toBeLessThanOrEqual(p.top[0].logprob);
    }
    expect(r.positions[4].next).toBeNull();
    const sum = r.positions[0].top.reduce((a: number, t: { logprob: number }) => a + Math.exp(t.logprob), 0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
  });

  test('perplexity and bench report figures', async () => {
    const text = join(dir, 'text.txt');
    writeFileSync(text, 'The quick brown fox jumps over the lazy dog. '.repeat(8));
    const ppl = await json('perplexity', model('m.gguf'), '--text-file', text, '--ctx', '32');
    expect(ppl.perplexity).toBeGreaterThan(1);
    expect(Number.isFinite(ppl.perplexity)).toBe(true);
    const bench = await json('bench', model('m.gguf'), '-p', '16', '-n', '8', '-r', '2');
    expect(bench.prefill_tok_s).toBeGreaterThan(0);
    expect(bench.decode_tok_s).toBeGreaterThan(0);
    expect(bench.decode.samples).toHaveLength(2);
    expect(bench.decode_bytes_per_token).toBeGreaterThan(0);
  });

  test('--lm-head int8: bench reads fewer bytes per token, logits differ; head-check compares both heads', async () => {
    const [exact, int8] = await Promise.all(['exact', 'int8'].map((h) => json('bench', model('m.gguf'), '-p', '4', '-n', '2', '-r', '1', '--lm-head', h)));
    expect([exact.lm_head, int8.lm_head]).toEqual(['exact', 'int8']);
    expect(int8.decode_bytes_per_token).toBeLessThan(exact.decode_bytes_per_token);
    const ids = ['--prompt-ids', '400,1,2,3', '--top', '1'];
    const [le, li] = [await json('logits', model('m.gguf'), ...ids), await json('logits', model('m.gguf'), ...ids, '--lm-head', 'int8')];
    expect(li.positions.map((p: { next_logprob: number | null }) => p.next_logprob)).not.toEqual(le.positions.map((p: { next_logprob: number | null }) => p.next_logprob));
    const check = await json('head-check', model('m.gguf'), '--tokens', '12', '--decode', '3', '-r', '1', '--threads', '2');
    expect(check.agreement.positions).toBe(12);
    for (const f of ['top1', 'top5Overlap']) {
      expect(check.agreement[f]).toBeGreaterThanOrEqual(0);
      expect(check.agreement[f]).toBeLessThanOrEqual(1);
    }
    expect(check.agreement.klMax).toBeGreaterThanOrEqual(check.agreement.klMean);
    expect(check.agreement.klMean).toBeGreaterThanOrEqual(0);
    expect(check.heads.map((h: { lm_head: string }) => h.lm_head)).toEqual(['exact', 'int8']);
    expect(check.heads[1].head_bytes).toBeLessThan(check.heads[0].head_bytes);
    for (const h of check.heads) {
      expect(h.decode.median).toBeGreaterThan(0);
      expect(h.lm_head_ms_per_token).toBeGreaterThan(0);
    }
    const wrong = await cli('logits', model('m.gguf'), ...ids, '--backend', 'reference', '--lm-head', 'int8');
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/--lm-head int8 applies to the wasm backend only/)]);
  }, 60_000);

  test('bench --backend webgpu --profile: adapter, per-kernel profile and copy bandwidth', async () => {
    const r = await cli('bench', model('m.gguf'), '--backend', 'webgpu', '--profile', '-p', '4', '-n', '2', '-r', '1', '--copy-mb', '4', '--json');
    // Dawn's Vulkan loader may warn about XDG_RUNTIME_DIR on stderr; nothing else may appear there.
    expect(r.stderr.split('\n').filter((l) => l.trim() && !l.includes('XDG_RUNTIME_DIR')), r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.backend).toBe('webgpu');
    expect(b.prefill_tok_s).toBeGreaterThan(0);
    expect(b.decode_tok_s).toBeGreaterThan(0);
    expect(Object.keys(b.adapter)).toEqual(expect.arrayContaining(['vendor', 'architecture', 'is_fallback_adapter', 'timestamp_query', 'software']));
    if (b.adapter.is_fallback_adapter || /swiftshader/i.test(b.adapter.architecture)) expect(b.adapter.note).toBe('software adapter: CPU emulation');
    const d = b.profile.decode;
    expect(Object.keys(d)).toEqual(expect.arrayContaining(['dispatches_per_token', 'submissions_per_token', 'gpu_ms_per_token', 'bytes_per_token', 'gb_s', 'kernels']));
    expect(d.tokens).toBe(2);
    expect(d.submissions_per_token).toBe(1);
    expect(d.dispatches_per_token).toBeGreaterThan(0);
    expect(d.bytes_per_token).toBeGreaterThanOrEqual(b.decode_bytes_per_token);
    const kinds = d.kernels.map((k: { kind: string }) => k.kind);
    expect(kinds).toEqual(expect.arrayContaining(['embed', 'rms_norm', 'quantize', 'gemv.attn_q', 'gemv.ffn_down', 'rope', 'kv_store', 'attention', 'gated_act', 'residual', 'lm_head']));
    for (const k of d.kernels) {
      expect(Object.keys(k)).toEqual(expect.arrayContaining(['gpu_ms_per_token', 'share', 'dispatches_per_token', 'bytes_per_token', 'gb_s']));
      if (b.adapter.timestamp_query) expect(k.gpu_ms_per_token).toBeGreaterThanOrEqual(0);
    }
    expect(b.profile.prefill.tokens).toBe(4);
    expect(b.profile.copy.gb_s).toBeGreaterThan(0);
    expect(b.profile.copy.bytes).toBe(4 << 20);
    expect(Object.keys(b.profile)).toContain('decode_fraction_of_copy');
    expect((await cli('bench', model('m.gguf'), '--profile')).stderr).toMatch(/--profile needs --backend webgpu/);
  }, 120_000);

  test('bad input: clear messages and exit codes', async () => {
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a model at all, just text');
    const bad = await cli('info', junk);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad model file: .*not a GGUF file/);
    const usage = await cli('generate', model('m.gguf'));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--prompt or --prompt-ids/);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('generate', model('m.gguf'), '--prompt-ids', '99999')).stderr).toMatch(/token ids in 0\.\.655/);
    expect((await cli('info', join(dir, 'missing.gguf'))).stderr).toMatch(/no such file/);
    const narrow = await cli('make-model', '--shape', 'dim=80,ffn=256,layers=1,heads=4,kv=2', '--format', 'i2_s', '--seed', '1', '--out', join(dir, 'narrow.gguf'));
    expect(narrow.code).toBe(2);
    expect(narrow.stderr).toMatch(/blk\.0\.attn_q has rows of 80 elements, which I2_S stores only in multiples of 128/);
  });
});
