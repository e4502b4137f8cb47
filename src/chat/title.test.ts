import { describe, expect, it } from 'vitest';
import { UNTITLED, deriveTitle } from './title.ts';

describe('deriveTitle', () => {
  it('takes the first non-empty line', () => {
    expect(deriveTitle('\n\n  Explain ternary weights\nin detail')).toBe('Explain ternary weights');
  });

  it('drops markdown markers and emphasis', () => {
    expect(deriveTitle('## **Bold** `code` question')).toBe('Bold code question');
    expect(deriveTitle('> quoted text')).toBe('quoted text');
    expect(deriveTitle('```python\nprint(1)')).toBe('print(1)');
  });

  it('cuts long text at a word boundary with an ellipsis', () => {
    const title = deriveTitle('Write a short story about a lighthouse keeper who discovers a message in a bottle');
    expect(title).toBe('Write a short story about a lighthouse keeper…');
    expect(title.length).toBeLessThanOrEqual(49);
  });

  it('cuts a single long word mid-word', () => {
    expect(deriveTitle('x'.repeat(100))).toBe('x'.repeat(48) + '…');
  });

  it('falls back for empty text', () => {
    expect(deriveTitle('   \n  ')).toBe(UNTITLED);
    expect(deriveTitle('**  **')).toBe(UNTITLED);
  });
});
