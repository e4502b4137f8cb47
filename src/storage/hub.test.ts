import { describe, expect, test } from 'vitest';
import { chooseHubFiles, hubFileUrl, hubTreeUrl, nextPageUrl, type HubFile } from './hub.ts';
import { StorageError } from './types.ts';

const f = (path: string, size = 10, sha256?: string): HubFile => (sha256 ? { path, size, sha256 } : { path, size });
const BASE = ['.gitattributes', 'README.md'].map((p) => f(p));

function errorOf(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StorageError) return e;
  }
  throw new Error('no StorageError');
}

describe('hub URLs', () => {
  test('resolve and tree URLs, each path segment escaped', () => {
    expect(hubFileUrl('https://hf.co/', 'microsoft/bitnet', 'main', 'ggml-model-i2_s.gguf')).toBe('https://hf.co/microsoft/bitnet/resolve/main/ggml-model-i2_s.gguf');
    expect(hubFileUrl('https://hf.co', 'a/b', 'refs/pr/1', 'sub dir/x#1.json')).toBe('https://hf.co/a/b/resolve/refs%2Fpr%2F1/sub%20dir/x%231.json');
    expect(hubTreeUrl('https://hf.co', 'a/b', 'main')).toBe('https://hf.co/api/models/a/b/tree/main?recursive=true');
  });

  test('Link headers: the rel="next" page', () => {
    expect(nextPageUrl('<https://hf.co/api/x?cursor=abc>; rel="next"')).toBe('https://hf.co/api/x?cursor=abc');
    expect(nextPageUrl('<https://a>; rel="prev", <https://b>; rel=next')).toBe('https://b');
    expect(nextPageUrl('<https://a>; rel="prev"')).toBeUndefined();
    expect(nextPageUrl(null)).toBeUndefined();
  });
});

describe('chooseHubFiles', () => {
  test('one GGUF: that file', () => {
    expect(chooseHubFiles('r', [...BASE, f('ggml-model-i2_s.gguf', 100, 'ab')])).toEqual({ files: [f('ggml-model-i2_s.gguf', 100, 'ab')], format: 'gguf' });
  });

  test('several GGUFs: the I2_S one, else the user must choose', () => {
    const many = [f('m-tq2_0.gguf'), f('m-I2_S.gguf'), f('m-tq1_0.gguf')];
    expect(chooseHubFiles('r', many).files.map((x) => x.path)).toEqual(['m-I2_S.gguf']);
    const e = errorOf(() => chooseHubFiles('r', [f('a.gguf'), f('b.gguf')]));
    expect(e.code).toBe('bad-source');
    expect(e.message).toMatch(/a\.gguf, b\.gguf/);
    expect(errorOf(() => chooseHubFiles('r', [f('a-i2_s.gguf'), f('b-i2_s.gguf')])).code).toBe('bad-source');
  });

  test('a Hugging Face model: config, root-level weights in order, tokenizer, optional configs when present', () => {
    const repo = [...BASE, f('tokenizer.json'), f('model-00002.safetensors'), f('config.json'), f('original/x.safetensors'), f('model-00001.safetensors'), f('generation_config.json')];
    expect(chooseHubFiles('r', repo)).toEqual({
      files: ['config.json', 'model-00001.safetensors', 'model-00002.safetensors', 'tokenizer.json', 'generation_config.json'].map((p) => f(p)),
      format: 'hf',
    });
  });

  test('nothing usable: bad-source naming what is missing', () => {
    const e = errorOf(() => chooseHubFiles('r', [...BASE, f('model.safetensors'), f('tokenizer.json')]));
    expect(e.code).toBe('bad-source');
    expect(e.message).toMatch(/config\.json/);
    expect(errorOf(() => chooseHubFiles('r', BASE)).message).toMatch(/safetensors/);
  });

  test('files the user names: each must exist; one GGUF is a gguf model', () => {
    const repo = [f('a.gguf'), f('b.gguf'), f('config.json')];
    expect(chooseHubFiles('r', repo, ['b.gguf'])).toEqual({ files: [f('b.gguf')], format: 'gguf' });
    expect(chooseHubFiles('r', repo, ['config.json', 'a.gguf']).format).toBe('hf');
    expect(errorOf(() => chooseHubFiles('r', repo, ['c.gguf'])).code).toBe('not-found');
    expect(errorOf(() => chooseHubFiles('r', repo, [])).code).toBe('bad-source');
  });
});
