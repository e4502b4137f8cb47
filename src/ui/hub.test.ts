import { describe, expect, it } from 'vitest';
import { hubFromQuery, normalizeHubBase } from './hub.ts';

describe('hub base URL', () => {
  it('accepts http(s) URLs and drops trailing slashes', () => {
    expect(normalizeHubBase(' https://huggingface.co/ ')).toBe('https://huggingface.co');
    expect(normalizeHubBase('http://localhost:4320')).toBe('http://localhost:4320');
    expect(normalizeHubBase('https://mirror.example/hf//')).toBe('https://mirror.example/hf');
  });

  it('refuses anything else', () => {
    expect(normalizeHubBase('huggingface.co')).toBeUndefined();
    expect(normalizeHubBase('ftp://example.com')).toBeUndefined();
    expect(normalizeHubBase('javascript:alert(1)')).toBeUndefined();
    expect(normalizeHubBase('https://x.example/?a=1')).toBeUndefined();
  });

  it('reads the ?hub= override', () => {
    expect(hubFromQuery('?hub=http%3A%2F%2Flocalhost%3A4320%2F')).toBe('http://localhost:4320');
    expect(hubFromQuery('?hub=http://localhost:4320')).toBe('http://localhost:4320');
    expect(hubFromQuery('?other=1')).toBeUndefined();
    expect(hubFromQuery('?hub=nonsense')).toBeUndefined();
  });
});
