// `make-model --html-tokens N`: the vocabulary gains N tokens spelling HTML/script payloads, which
// the random model emits often, decoded from the GGUF keys and from tokenizer.json. Runs the
// built CLI in a child process, as cli.test.ts does.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { HTML_PAYLOADS, htmlTokenTexts } from './make-model.ts';

const BIN = new URL('../../bin/bitnet-web.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bitnet-html-'));
const SHAPE = 'dim=256,ffn=512,layers=2,heads=4,kv=2,vocab=400,ctx=128';
/** 400 BPE ranks + 256 special tokens come first; the payload tokens follow. */
const FIRST = 656;
const N = HTML_PAYLOADS.length + 2;

async function json(...args: string[]): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args, '--json'], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  for (const [format, out] of [['i2_s', 'html.gguf'], ['hf', 'html-hf']]) {
    await json('make-model', '--shape', SHAPE, '--format', format, '--seed', '5', '--html-tokens', String(N), '--out', join(dir, out));
  }
}, 120_000);

test('--html-tokens: payload tokens, picked often, decoded to their text from GGUF keys and from tokenizer.json', async () => {
  expect(htmlTokenTexts(N)).toHaveLength(new Set(htmlTokenTexts(N)).size);
  const info = await json('info', join(dir, 'html.gguf'));
  expect(info.config.vocabSize).toBe(FIRST + N);

  const args = ['--prompt', 'Hello', '--chat', '--max-tokens', '40', '--seed', '3', '--temperature', '1'];
  for (const model of ['html.gguf', 'html-hf']) {
    const r = await json('generate', join(dir, model), ...args);
    const payloads: number[] = r.ids.filter((id: number) => id >= FIRST);
    // Ordinary embedding rows would give them about N/666 of the picks, under one in 40 tokens.
    expect(payloads.length, model).toBeGreaterThanOrEqual(8);
    let rest = r.text as string;
    for (const id of payloads) {
      const text = htmlTokenTexts(N)[id - FIRST];
      expect(rest, model).toContain(text);
      rest = rest.slice(rest.indexOf(text) + text.length);
    }
  }
});
