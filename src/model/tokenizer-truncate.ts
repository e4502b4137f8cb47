// Cuts the LLaMA-3 tokenizer down to its first N BPE ranks plus its special tokens, so small
// generated test models get a real, valid byte-level BPE tokenizer with a small vocabulary.

import { check } from './errors.ts';

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/**
 * Keeps BPE ranks 0..keepTokens-1 (ranks 0..255 are the 256 single bytes, so any text still
 * encodes), the merges whose parts and result are all kept, and the added (special) tokens
 * renumbered to start at keepTokens. The inputs are left unchanged.
 */
export function truncateLlama3Tokenizer(tokenizerJson: object, tokenizerConfig: object, keepTokens: number): TokenizerFiles {
  const { model, ...rest } = tokenizerJson as Record<string, unknown>;
  check(isRecord(model) && isRecord(model.vocab) && Array.isArray(model.merges), 'bad-json', 'tokenizer.json has no BPE model with vocab and merges');
  const baseSize = Object.keys(model.vocab).length;
  check(Number.isSafeInteger(keepTokens) && keepTokens >= 256 && keepTokens <= baseSize, 'bad-value', `keepTokens ${keepTokens} is not in 256..${baseSize}`);
  const vocab = keptVocab(model.vocab, keepTokens);
  checkSingleBytes(vocab);
  const renumber = (id: number) => (id < keepTokens ? id : keepTokens + id - baseSize);
  const json = structuredClone(rest);
  json.added_tokens = renumberAddedTokens(json.added_tokens, baseSize, renumber);
  renumberPostProcessor(json.post_processor, renumber);
  const config = structuredClone(tokenizerConfig) as Record<string, unknown>;
  if (isRecord(config.added_tokens_decoder)) {
    config.added_tokens_decoder = Object.fromEntries(Object.entries(config.added_tokens_decoder).map(([id, token]) => [String(renumber(Number(id))), token]));
  }
  return {
    tokenizerJson: { ...json, model: { ...model, vocab, merges: keptMerges(model.merges, vocab) } },
    tokenizerConfig: config,
  };
}

function keptVocab(vocab: Record<string, unknown>, keepTokens: number): Record<string, number> {
  // A null-prototype object, so a token named "__proto__" stays an ordinary key.
  const kept: Record<string, number> = Object.create(null);
  for (const [token, id] of Object.entries(vocab)) {
    check(Number.isSafeInteger(id), 'bad-json', `token "${token}" has id ${String(id)}`);
    if ((id as number) < keepTokens) kept[token] = id as number;
  }
  return kept;
}

/** LLaMA-3 ranks 0..255 are the 256 byte-level characters; without them some text has no tokens. */
function checkSingleBytes(vocab: Record<string, number>): void {
  const singles = Object.entries(vocab).filter(([token, id]) => id < 256 && [...token].length === 1);
  check(singles.length === 256, 'unsupported', 'ranks 0..255 are not the 256 single-byte tokens; this is not a LLaMA-3-style vocabulary');
}

/** Merges (strings "a b" or pairs, kept as given) whose two parts and result all survive. */
function keptMerges(merges: unknown[], vocab: Record<string, number>): unknown[] {
  const kept = new Set(Object.keys(vocab));
  return merges.filter((merge) => {
    const [a, b] = typeof merge === 'string' ? merge.split(' ') : (merge as string[]);
    return kept.has(a) && kept.has(b) && kept.has(a + b);
  });
}

function renumberAddedTokens(added: unknown, baseSize: number, renumber: (id: number) => number): unknown[] {
  check(Array.isArray(added), 'bad-json', 'tokenizer.json added_tokens is not an array');
  return added.map((token) => {
    check(isRecord(token) && Number.isSafeInteger(token.id) && (token.id as number) >= baseSize, 'bad-json', 'an added token does not sit above the BPE vocabulary');
    return { ...token, id: renumber(token.id as number) };
  });
}

/** A TemplateProcessing post-processor (maybe inside a Sequence) names its special tokens' ids. */
function renumberPostProcessor(processor: unknown, renumber: (id: number) => number): void {
  if (!isRecord(processor)) return;
  if (Array.isArray(processor.processors)) processor.processors.forEach((p) => renumberPostProcessor(p, renumber));
  if (!isRecord(processor.special_tokens)) return;
  for (const token of Object.values(processor.special_tokens)) {
    if (isRecord(token) && Array.isArray(token.ids)) token.ids = token.ids.map(renumber);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
