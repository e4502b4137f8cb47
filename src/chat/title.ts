// A conversation's title from its first user message: its first line, without markdown markers,
// cut at a word boundary so the sidebar shows whole words.

export const UNTITLED = 'New chat';
const MAX_TITLE_CHARS = 48;

export function deriveTitle(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.replace(/^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+|`{3,}\S*)/, '').trim())
    .find((l) => l !== '');
  if (line === undefined) return UNTITLED;
  const plain = line.replace(/[`*_~]/g, '').replace(/\s+/g, ' ').trim();
  if (plain === '') return UNTITLED;
  if (plain.length <= MAX_TITLE_CHARS) return plain;
  const cut = plain.slice(0, MAX_TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  // A single very long word is cut mid-word rather than left as a one-character title.
  return (space > MAX_TITLE_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, '') + '…';
}
