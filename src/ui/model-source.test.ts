import { describe, expect, it } from 'vitest';
import type { CachedModel } from '../storage/types.ts';
import { describeSource, parseModelSource, resumeSource } from './model-source.ts';

const HUB = 'https://huggingface.co';
const parse = (text: string, file = '', hub = HUB) => parseModelSource(text, file, hub);

describe('parseModelSource', () => {
  it('reads owner/name, with an optional file', () => {
    expect(parse(' microsoft/bitnet-b1.58-2B-4T ')).toEqual({ ok: true, source: { kind: 'hub', repo: 'microsoft/bitnet-b1.58-2B-4T' } });
    expect(parse('microsoft/bitnet-b1.58-2B-4T-gguf', 'ggml-model-i2_s.gguf')).toEqual({
      ok: true,
      source: { kind: 'hub', repo: 'microsoft/bitnet-b1.58-2B-4T-gguf', files: ['ggml-model-i2_s.gguf'] },
    });
  });

  it('reads hub URLs as repos, with revision and file', () => {
    expect(parse('https://huggingface.co/microsoft/bitnet-b1.58-2B-4T')).toEqual({ ok: true, source: { kind: 'hub', repo: 'microsoft/bitnet-b1.58-2B-4T' } });
    expect(parse('https://huggingface.co/microsoft/bitnet-b1.58-2B-4T-gguf/resolve/main/ggml-model-i2_s.gguf')).toEqual({
      ok: true,
      source: { kind: 'hub', repo: 'microsoft/bitnet-b1.58-2B-4T-gguf', revision: 'main', files: ['ggml-model-i2_s.gguf'] },
    });
    expect(parse('https://huggingface.co/o/r/tree/v2', 'm.gguf')).toEqual({ ok: true, source: { kind: 'hub', repo: 'o/r', revision: 'v2', files: ['m.gguf'] } });
  });

  it('follows the configured hub, also under a path', () => {
    expect(parse('http://localhost:4320/o/r/resolve/main/a.gguf', '', 'http://localhost:4320')).toMatchObject({ source: { kind: 'hub', repo: 'o/r' } });
    expect(parse('https://m.example/hf/o/r', '', 'https://m.example/hf')).toEqual({ ok: true, source: { kind: 'hub', repo: 'o/r' } });
  });

  it('takes other URLs as direct downloads', () => {
    expect(parse('https://example.com/models/tiny.gguf')).toEqual({ ok: true, source: { kind: 'url', url: 'https://example.com/models/tiny.gguf' } });
    expect(parse('https://example.com/models/tiny.gguf', 'x.gguf')).toMatchObject({ ok: false, error: expect.stringMatching(/leave "File" empty/) });
  });

  it('explains what it cannot read', () => {
    expect(parse('')).toMatchObject({ ok: false });
    expect(parse('just-a-name')).toMatchObject({ ok: false, error: expect.stringMatching(/neither a Hugging Face repo/) });
    expect(parse('a/b/c')).toMatchObject({ ok: false });
  });
});

describe('resumeSource', () => {
  const model = (source: CachedModel['source']): CachedModel => ({
    id: 'm',
    label: 'm',
    format: 'gguf',
    source,
    files: [{ name: 'a.gguf', size: 10, shardBytes: 4, shardCount: 3, shardsDone: 1 }],
    totalBytes: 10,
    storedBytes: 4,
    complete: false,
    createdAt: 0,
  });

  it('rebuilds hub and URL sources, not local files', () => {
    expect(resumeSource(model({ kind: 'hub', repo: 'o/r', revision: 'main' }))).toEqual({ kind: 'hub', repo: 'o/r', revision: 'main', files: ['a.gguf'] });
    expect(resumeSource(model({ kind: 'url', url: 'https://e.x/a.gguf' }))).toEqual({ kind: 'url', url: 'https://e.x/a.gguf' });
    expect(resumeSource(model({ kind: 'local', name: 'a.gguf', lastModified: 1 }))).toBeUndefined();
    expect(describeSource({ kind: 'local', name: 'a.gguf', lastModified: 1 })).toBe('local file a.gguf');
  });
});
