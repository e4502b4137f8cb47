import { describe, expect, it } from 'vitest';
import { StorageError } from '../storage/types.ts';
import { describeError, isAbort } from './errors.ts';

describe('describeError', () => {
  it('adds advice to storage errors by code', () => {
    expect(describeError(new StorageError('quota', 'QuotaExceededError'))).toBe(
      'Not enough storage space. Delete other models or free disk space, then resume. (QuotaExceededError)',
    );
    expect(describeError(new StorageError('integrity', 'shard 3 of model.gguf'))).toMatch(/^Downloaded data failed its checksum\. Use Repair/);
  });

  it('keeps engine messages and shows a code they do not mention', () => {
    const e = Object.assign(new Error('not a GGUF file: bad magic'), { code: 'format' });
    expect(describeError(e)).toBe('not a GGUF file: bad magic [format]');
    expect(describeError(Object.assign(new Error('busy: a reply is running'), { code: 'busy' }))).toBe('busy: a reply is running');
    expect(describeError('plain')).toBe('plain');
  });

  it('recognises pauses', () => {
    expect(isAbort(new StorageError('aborted', 'paused'))).toBe(true);
    expect(isAbort(new DOMException('stop', 'AbortError'))).toBe(true);
    expect(isAbort(new StorageError('network', 'reset'))).toBe(false);
  });
});
