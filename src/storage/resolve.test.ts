import { expect, test } from 'vitest';
import { fileNameOf, hubModelId, localModelId, modelLabel, remoteUrl, resolveSource, urlModelId } from './resolve.ts';

test('model ids are stable and readable', () => {
  expect(hubModelId('microsoft/bitnet-b1.58-2B-4T', 'main')).toBe('hub:microsoft/bitnet-b1.58-2B-4T@main');
  expect(hubModelId('microsoft/x-gguf', 'main', 'ggml-model-i2_s.gguf')).toBe('hub:microsoft/x-gguf@main:ggml-model-i2_s.gguf');
  expect(urlModelId('https://e.com/m.gguf')).toBe('url:https://e.com/m.gguf');
  expect(localModelId({ name: 'm.gguf', size: 123, lastModified: 456 })).toBe('local:m.gguf:123:456');
});

test('labels and file names', () => {
  expect(modelLabel({ kind: 'hub', repo: 'a/b', revision: 'main' })).toBe('a/b');
  expect(modelLabel({ kind: 'hub', repo: 'a/b', revision: 'v2' }, 'q/m.gguf')).toBe('a/b@v2 (m.gguf)');
  expect(modelLabel({ kind: 'url', url: 'https://e.com/x/my%20model.gguf?download=1' })).toBe('my model.gguf');
  expect(modelLabel({ kind: 'local', name: 'm.gguf', lastModified: 1 })).toBe('m.gguf');
  expect(fileNameOf('https://e.com/')).toBe('model');
});

test('remote URLs: hub files through resolve/, URLs as given, local files none', () => {
  expect(remoteUrl({ kind: 'hub', repo: 'a/b', revision: 'main' }, 'http://h', 'c.json')).toBe('http://h/a/b/resolve/main/c.json');
  expect(remoteUrl({ kind: 'url', url: 'https://e.com/m.gguf' }, 'http://h', 'm.gguf')).toBe('https://e.com/m.gguf');
  expect(remoteUrl({ kind: 'local', name: 'm.gguf', lastModified: 1 }, 'http://h', 'm.gguf')).toBeUndefined();
});

test('a local file: its id, format and size, nothing read', async () => {
  const file = new File([new Uint8Array(7)], 'tiny.gguf', { lastModified: 42 });
  expect(await resolveSource({ kind: 'local', file }, 'http://unused')).toEqual({
    id: 'local:tiny.gguf:7:42',
    label: 'tiny.gguf',
    format: 'gguf',
    source: { kind: 'local', name: 'tiny.gguf', lastModified: 42 },
    files: [{ name: 'tiny.gguf', size: 7 }],
  });
});
