// The BitNet b1.58 2B4T tokenizer (LLaMA-3 byte-level BPE, spec 5.1-5.2), built from a
// tokenizer.json or from a GGUF's tokenizer.ggml.* keys, plus streaming detokenization that never
// emits half a UTF-8 character.

import { Tokenizer } from '@huggingface/tokenizers';
import { check, FormatError } from './errors.ts';

export type TokenizerSource =
  | { kind: 'json'; tokenizerJson: object; tokenizerConfig?: object }
  | { kind: 'gguf'; kv: Map<string, unknown> };

export interface EncodeOptions {
  /** Prepend the BOS token; default: the tokenizer's own setting (`addBos`). */
  addBos?: boolean;
}

export interface DecodeOptions {
  /** Drop special (control) tokens instead of writing out their names. */
  skipSpecial?: boolean;
}

/** LLaMA-3's pre-tokenizer split (spec 5.1): case-insensitive contractions, digits in 1-3s. */
export const LLAMA3_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** `tokenizer.ggml.pre` values that name the LLaMA-3 pre-tokenizer (absent also means LLaMA-3). */
const LLAMA3_PRE_NAMES = ['llama3', 'llama-bpe', 'llama-v3'];

/** llama.cpp token types of added tokens: matched whole in text, decoded literally. */
const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;

/** What the class needs, whichever source it came from. */
interface TokenizerParts {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  bosToken: string;
  /** The configured end-of-sequence token, before the LLaMA-3 stop tokens are added. */
  eosToken: string | undefined;
  /** Undefined: whatever the tokenizer.json post-processor does. */
  addBos: boolean | undefined;
  chatTemplate: string | undefined;
}

/** GPT-2's byte-level alphabet maps each byte to one printable character; this maps it back. */
const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map.set(String.fromCharCode(printable ? b : next++), b);
  }
  return map;
})();

export class BitnetTokenizer {
  readonly bosId: number;
  /** The configured end-of-sequence token, if any. */
  readonly eosId: number | undefined;
  /** Every id that ends generation: the configured EOS plus <|end_of_text|> and <|eot_id|>. */
  readonly eosIds: readonly number[];
  readonly vocabSize: number;
  /** Whether `encode` prepends BOS by default. */
  readonly addBos: boolean;
  readonly chatTemplate: string | undefined;
  private readonly hf: Tokenizer;
  private readonly pieceById: string[];
  /** Added tokens (id -> special?): decoded as their literal text. */
  private readonly added: Map<number, boolean>;

  static fromSource(source: TokenizerSource): BitnetTokenizer {
    return new BitnetTokenizer(
      source.kind === 'json' ? partsFromJson(source.tokenizerJson, source.tokenizerConfig ?? {}) : partsFromGguf(source.kv),
    );
  }

  private constructor(parts: TokenizerParts) {
    const table = pieceTable(parts.json);
    checkByteLevel(table.pieces, table.added);
    this.pieceById = table.pieces;
    this.added = table.added;
    this.hf = buildHf(parts.json, parts.config);
    this.vocabSize = this.pieceById.length;
    this.bosId = this.requireId(parts.bosToken, 'BOS');
    this.eosId = parts.eosToken === undefined ? undefined : this.requireId(parts.eosToken, 'EOS');
    const stops = [this.eosId, this.tokenId('<|end_of_text|>'), this.tokenId('<|eot_id|>')];
    this.eosIds = [...new Set(stops.filter((id) => id !== undefined))];
    this.addBos = parts.addBos ?? this.postProcessorAddsBos();
    this.chatTemplate = parts.chatTemplate;
  }

  /** Token ids for `text`; special-token names in the text (e.g. "<|eot_id|>") become their ids. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = this.hf.encode(text, { add_special_tokens: false }).ids;
    return (options.addBos ?? this.addBos) ? [this.bosId, ...ids] : ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const stream = new StreamDecoder(this, options);
    return ids.map((id) => stream.push(id)).join('') + stream.flush();
  }

  /** The raw token strings (byte-level alphabet, e.g. "Ġworld"), for display. */
  pieces(ids: readonly number[]): string[] {
    return ids.map((id) => this.piece(id));
  }

  piece(id: number): string {
    const piece = this.pieceById[id];
    if (piece === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    return piece;
  }

  tokenId(name: string): number | undefined {
    return this.hf.token_to_id(name);
  }

  /** Added tokens (control or user-defined) decode to their literal text. */
  isAdded(id: number): boolean {
    return this.added.has(id);
  }

  isSpecial(id: number): boolean {
    return this.added.get(id) === true;
  }

  /** The bytes a byte-level (non-added) token stands for. */
  tokenBytes(id: number): Uint8Array {
    const piece = this.piece(id);
    const bytes = new Uint8Array(piece.length);
    for (let i = 0; i < piece.length; i++) bytes[i] = BYTE_OF_CHAR.get(piece[i])!;
    return bytes;
  }

  private requireId(name: string, role: string): number {
    const id = this.tokenId(name);
    check(id !== undefined, 'bad-value', `${role} token "${name}" is not in the vocabulary`, { token: name });
    return id;
  }

  /** tokenizer.json says "add BOS" only through its post-processor; ask it with a probe. */
  private postProcessorAddsBos(): boolean {
    return this.hf.encode('a', { add_special_tokens: true }).ids[0] === this.bosId;
  }
}

/** Turns ids into text one at a time, holding back the bytes of an unfinished UTF-8 character. */
export class StreamDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(
    private readonly tokenizer: BitnetTokenizer,
    private readonly options: DecodeOptions = {},
  ) {}

  /** The text that `id` completes; '' while a character is still unfinished. */
  push(id: number): string {
    if (!this.tokenizer.isAdded(id)) return this.utf8.decode(this.tokenizer.tokenBytes(id), { stream: true });
    if (this.options.skipSpecial && this.tokenizer.isSpecial(id)) return '';
    // An added token ends any unfinished character (as U+FFFD), just as a whole-sequence decode does.
    return this.utf8.decode() + this.tokenizer.piece(id);
  }

  /** What is held back at the end of the stream; U+FFFD if a character was left unfinished. */
  flush(): string {
    return this.utf8.decode();
  }
}

function buildHf(json: Record<string, unknown>, config: Record<string, unknown>): Tokenizer {
  try {
    return new Tokenizer(json, config);
  } catch (err) {
    throw new FormatError('bad-json', `tokenizer could not be built: ${(err as Error).message}`);
  }
}

// ---- tokenizer.json ----

function partsFromJson(tokenizerJson: object, tokenizerConfig: object): TokenizerParts {
  const json = tokenizerJson as Record<string, unknown>;
  const config = tokenizerConfig as Record<string, unknown>;
  check(isRecord(json) && isRecord(json.model), 'bad-json', 'tokenizer.json has no "model" object');
  check(isRecord(config), 'bad-json', 'tokenizer_config.json is not an object');
  check(json.model.type === 'BPE', 'unsupported', `tokenizer.json model type "${String(json.model.type)}" is not BPE`);
  const decoder = json.decoder;
  check(isRecord(decoder) && decoder.type === 'ByteLevel', 'unsupported', 'tokenizer.json decoder is not ByteLevel (byte-level BPE)');
  const template = config.chat_template;
  check(template === undefined || typeof template === 'string', 'unsupported', 'chat_template is not a single template string');
  return {
    json,
    config,
    bosToken: tokenName(config.bos_token, 'bos_token') ?? '<|begin_of_text|>',
    eosToken: tokenName(config.eos_token, 'eos_token'),
    addBos: undefined,
    chatTemplate: template,
  };
}

/** tokenizer_config.json writes special tokens as a string or as an AddedToken object. */
function tokenName(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const name = isRecord(value) ? value.content : value;
  check(typeof name === 'string', 'bad-json', `tokenizer_config.json "${key}" is not a token string`);
  return name;
}

/** Token strings by id, and which ids are added tokens, from a tokenizer.json. */
function pieceTable(json: Record<string, unknown>): { pieces: string[]; added: Map<number, boolean> } {
  const model = json.model as Record<string, unknown>;
  check(isRecord(model.vocab), 'bad-json', 'tokenizer.json model.vocab is not an object');
  check(Array.isArray(json.added_tokens), 'bad-json', 'tokenizer.json added_tokens is not an array');
  const pieces: string[] = [];
  const added = new Map<number, boolean>();
  // Plain ifs, not check(): these loops run 128k times and must not build messages each time.
  const place = (piece: string, id: unknown) => {
    if (!Number.isSafeInteger(id) || (id as number) < 0) throw new FormatError('bad-json', `token "${piece}" has id ${String(id)}`);
    const other = pieces[id as number];
    if (other !== undefined && other !== piece) throw new FormatError('bad-json', `tokens "${other}" and "${piece}" share id ${id}`);
    pieces[id as number] = piece;
  };
  for (const [piece, id] of Object.entries(model.vocab)) place(piece, id);
  for (const token of json.added_tokens) {
    check(isRecord(token) && typeof token.content === 'string', 'bad-json', 'tokenizer.json has an added token without content');
    place(token.content, token.id);
    added.set(token.id as number, token.special === true);
  }
  // findIndex visits the holes of a sparse array too.
  const hole = pieces.findIndex((p) => p === undefined);
  check(hole < 0, 'bad-json', `token ids are not contiguous: id ${hole} has no token`, { id: hole });
  return { pieces, added };
}

/** Byte-level BPE: every byte has its own token, and every other token spells bytes. */
function checkByteLevel(pieces: readonly string[], added: ReadonlyMap<number, boolean>): void {
  const present = new Set(pieces);
  for (const [char, byte] of BYTE_OF_CHAR) {
    check(present.has(char), 'bad-value', `the vocabulary has no token for byte 0x${byte.toString(16)}, so some text cannot be encoded`);
  }
  pieces.forEach((piece, id) => {
    if (added.has(id)) return;
    for (let i = 0; i < piece.length; i++) {
      if (!BYTE_OF_CHAR.has(piece[i])) throw new FormatError('bad-value', `token ${id} ("${piece}") is not byte-level BPE`, { id });
    }
  });
}

// ---- GGUF tokenizer.ggml.* keys ----

function partsFromGguf(kv: Map<string, unknown>): TokenizerParts {
  checkGgufKind(kv);
  const tokens = stringArray(kv, 'tokenizer.ggml.tokens');
  const types = numberArray(kv, 'tokenizer.ggml.token_type', tokens.length);
  if (kv.has('tokenizer.ggml.scores')) numberArray(kv, 'tokenizer.ggml.scores', tokens.length);
  const merges = stringArray(kv, 'tokenizer.ggml.merges').map(parseMerge);
  const bos = tokenIdKey(kv, 'tokenizer.ggml.bos_token_id', tokens.length);
  check(bos !== undefined, 'bad-value', 'GGUF key tokenizer.ggml.bos_token_id is missing', { key: 'tokenizer.ggml.bos_token_id' });
  const eos = tokenIdKey(kv, 'tokenizer.ggml.eos_token_id', tokens.length);
  const addBos = kv.get('tokenizer.ggml.add_bos_token') ?? true;
  check(typeof addBos === 'boolean', 'bad-value', 'GGUF key tokenizer.ggml.add_bos_token is not a bool');
  const template = kv.get('tokenizer.chat_template');
  check(template === undefined || typeof template === 'string', 'bad-value', 'GGUF key tokenizer.chat_template is not a string');
  return {
    json: llama3TokenizerJson(tokens, types, merges),
    config: {},
    bosToken: tokens[bos],
    eosToken: eos === undefined ? undefined : tokens[eos],
    addBos,
    chatTemplate: template,
  };
}

/** Only byte-level BPE with the LLaMA-3 pre-tokenizer is supported (the official file has no `pre`). */
function checkGgufKind(kv: Map<string, unknown>): void {
  const model = kv.get('tokenizer.ggml.model');
  check(typeof model === 'string', 'bad-value', 'GGUF key tokenizer.ggml.model is missing or not a string');
  check(model === 'gpt2', 'unsupported', `tokenizer.ggml.model "${model}" is not supported; only "gpt2" (byte-level BPE) is`, { model });
  const pre = kv.get('tokenizer.ggml.pre');
  check(
    pre === undefined || (typeof pre === 'string' && LLAMA3_PRE_NAMES.includes(pre)),
    'unsupported',
    `tokenizer.ggml.pre "${String(pre)}" is not supported; only the LLaMA-3 pre-tokenizer (${LLAMA3_PRE_NAMES.join(', ')}) is`,
    { pre },
  );
}

/** The tokenizer.json that HF's LLaMA-3 tokenizer has, filled with the GGUF's vocabulary. */
function llama3TokenizerJson(tokens: readonly string[], types: ArrayLike<number>, merges: [string, string][]): Record<string, unknown> {
  // A null-prototype object, so a token named "__proto__" stays an ordinary key.
  const vocab: Record<string, number> = Object.create(null);
  const added: Record<string, unknown>[] = [];
  const seen = new Map<string, number>();
  tokens.forEach((token, id) => {
    const first = seen.get(token);
    if (first !== undefined) throw new FormatError('bad-value', `tokenizer.ggml.tokens holds "${token}" twice (ids ${first} and ${id})`, { id });
    seen.set(token, id);
    const type = types[id];
    if (type === TOKEN_TYPE_CONTROL || type === TOKEN_TYPE_USER_DEFINED) added.push(addedToken(token, id, type === TOKEN_TYPE_CONTROL));
    else vocab[token] = id;
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Split', pattern: { Regex: LLAMA3_SPLIT_REGEX }, behavior: 'Isolated', invert: false }, byteLevel],
    },
    // BOS is added by BitnetTokenizer.encode (from add_bos_token), so the post-processor adds nothing.
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      // LLaMA-3 (like tiktoken) takes a pre-token that is itself in the vocabulary whole, even
      // where the merges would split it.
      ignore_merges: true,
      vocab,
      merges,
    },
  };
}

function addedToken(content: string, id: number, special: boolean): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

/** GGUF merges are "left right"; byte-level tokens never contain a plain space. */
function parseMerge(merge: string, index: number): [string, string] {
  const parts = merge.split(' ');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new FormatError('bad-value', `tokenizer.ggml.merges[${index}] "${merge}" is not "left right"`, { index });
  }
  return [parts[0], parts[1]];
}

function stringArray(kv: Map<string, unknown>, key: string): string[] {
  const value = kv.get(key);
  check(Array.isArray(value) && value.every((v) => typeof v === 'string'), 'bad-value', `GGUF key ${key} is missing or not a string array`, { key });
  return value;
}

function numberArray(kv: Map<string, unknown>, key: string, length: number): ArrayLike<number> {
  const value = kv.get(key);
  const isNumbers = (Array.isArray(value) && value.every((v) => typeof v === 'number')) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  check(isNumbers, 'bad-value', `GGUF key ${key} is missing or not a number array`, { key });
  const array = value as ArrayLike<number>;
  check(array.length === length, 'bad-value', `GGUF key ${key} has ${array.length} entries but there are ${length} tokens`, { key });
  return array;
}

function tokenIdKey(kv: Map<string, unknown>, key: string, count: number): number | undefined {
  const id = kv.get(key);
  if (id === undefined) return undefined;
  check(Number.isSafeInteger(id) && (id as number) >= 0 && (id as number) < count, 'bad-value', `GGUF key ${key} = ${String(id)} is not a token id (0..${count - 1})`, { key });
  return id as number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
